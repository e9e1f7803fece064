/*
 * TTSA (Hong, Wai, Wang, Yang, SIAM J. Optim. 2023): two-timescale stochastic
 * approximation: one SGD step on y, then an x step along a hypergradient whose inverse
 * Hessian is a randomized Neumann series (Ghadimi & Wang 2018) of random depth. See
 * README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdlib.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

#include "bilevel_common.h"

enum { P_INNER_LR, P_OUTER_LR, P_ETA_N, P_Q, P_INNER_DECAY, P_OUTER_DECAY, P_STOCHASTIC };
static const pb_param params[] = {
    [P_INNER_LR] = BILEVEL_PARAM_INNER_LR("beta: step size of y (at t = 0)"),
    [P_OUTER_LR] = BILEVEL_PARAM_OUTER_LR("alpha: step size of x (at t = 0)"),
    [P_ETA_N] = {.name = "eta_n", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,
                 .max = 1e3, .doc = "Neumann series step (at most 1 / L_g)"},
    [P_Q] = {.name = "q", .type = PB_PARAM_INT, .default_value = 10, .min = 1, .max = 1e9,
             .doc = "Q: the depth is drawn uniformly from {0, ..., Q - 1}"},
    [P_INNER_DECAY] = BILEVEL_PARAM_INNER_DECAY("beta_t = beta / (t + 1)^inner_decay"),
    [P_OUTER_DECAY] = BILEVEL_PARAM_OUTER_DECAY("alpha_t = alpha / (t + 1)^outer_decay"),
    [P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,
};

typedef struct state {
    bilevel_base base; /* x, y, the Neumann series (eta_N) and its estimate z; solution x */
    uint64_t t;
    pb_rng rng; /* stream 0 of the run's seed: the depths */
    double *gx; /* dx */
    double *gy; /* dy */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    /* The extension's series, of Q - 1 terms: see below. */
    bilevel_series series = {.eta = ctx->params[P_ETA_N].real,
                             .terms = ctx->params[P_Q].integer - 1};
    int32_t rc = BILEVEL_CREATE(ctx, state, ctx->params[P_STOCHASTIC].integer, &series, out,
                                BILEVEL_DX(state, gx), BILEVEL_DY(state, gy));
    if (rc == 0)
        pb_rng_seed(&((state *)*out)->rng, ctx->seed, 0);
    return rc;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    const pb_bilevel *f = b->f;
    const pb_value *par = b->param;
    int64_t q = par[P_Q].integer;
    double beta = par[P_INNER_LR].real / pow((double)(s->t + 1), par[P_INNER_DECAY].real);
    double alpha = par[P_OUTER_LR].real / pow((double)(s->t + 1), par[P_OUTER_DECAY].real);
    s->t++;
    if (bilevel_lower_sgd(b, beta, 1, s->gy) != 0)
        return PB_CONTINUE;
    /* z = Q eta (I - eta H_1) ... (I - eta H_p) grad_y f, p uniform in {0, ..., Q - 1}. */
    uint64_t depth = pb_rng_below(&s->rng, (uint64_t)q);
    double eta = b->series.eta, *v = b->series.v, *hv = b->series.hv;
    if (isnan(f->grad_y_f(f, b->x, b->y, b->mode, v)))
        return PB_CONTINUE;
    for (uint64_t k = 0; k < depth; k++) {
        if (isnan(f->hvp_yy_g(f, b->x, b->y, v, b->mode, hv)))
            return PB_CONTINUE;
        for (uint32_t i = 0; i < f->dy; i++)
            v[i] -= eta * hv[i];
    }
    for (uint32_t i = 0; i < f->dy; i++)
        b->z[i] = (double)q * eta * v[i];
    if (pb_bilevel_hypergradient_at(f, b->x, b->y, b->z, b->mode, b->work, s->gx) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < f->dx; i++)
        b->x[i] -= alpha * s->gx[i];
    return PB_CONTINUE;
}

/*
 * The extension returns the estimator's expectation over the random depth p: with exact
 * oracles E[Q eta (I - eta H)^p grad_y f] = eta sum_{p<Q} (I - eta H)^p grad_y f, the
 * Neumann hypergradient of Q - 1 terms (Q + 2 oracle calls); z is ignored.
 */
PB_PLUGIN(BILEVEL_PLUGIN("ttsa", "1.0.0", params, create, step, bilevel_extension_series),
          .summary = "TTSA: two-timescale steps, randomized-depth Neumann hypergradient",
          .citation = "M. Hong, H.-T. Wai, Z. Wang, Z. Yang, A Two-Timescale Stochastic Algorithm "
                      "Framework for Bilevel Optimization: Complexity Analysis and Application to "
                      "Actor-Critic, SIAM J. Optim. 2023")
