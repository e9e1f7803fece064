/*
 * stocBiO (Ji, Yang, Liang, ICML 2021): T warm-started SGD steps on the lower level, then a
 * hypergradient from a Q-term Neumann series for the inverse Hessian, then an (unnormalized)
 * SGD step on x. See README.md for the equations and the oracle counts.
 */
#include <stdlib.h>

#include <plugbench/kit.h>

#include "bilevel_common.h"

enum { P_LR, P_INNER_LR, P_ETA_N, P_INNER_STEPS, P_Q, P_STOCHASTIC };
static const pb_param params[] = {
    [P_LR] = {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12,
              .max = 1e3, .doc = "upper-level step size"},
    [P_INNER_LR] = {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.5,
                    .min = 1e-12, .max = 1e3, .doc = "lower-level SGD step size"},
    [P_ETA_N] = {.name = "eta_n", .type = PB_PARAM_REAL, .default_value = 0.5, .min = 1e-12,
                 .max = 1e3, .doc = "Neumann series step eta_N (at most 1 / L_g)"},
    [P_INNER_STEPS] = {.name = "inner_steps", .type = PB_PARAM_INT, .default_value = 10,
                       .min = 0, .max = 1e9,
                       .doc = "K: lower-level SGD steps per iteration (warm-started)"},
    [P_Q] = {.name = "q", .type = PB_PARAM_INT, .default_value = 10, .min = 0, .max = 1e9,
             .doc = "Q: Hessian-vector products of the Neumann series"},
    [P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,
};

typedef struct state {
    bilevel_base base; /* x, y, the Neumann series (eta_N, Q) and its sum z; the solution is x */
    double lr, inner_lr;
    int64_t inner_steps;
    double *gx; /* dx */
    double *gy; /* dy */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = pb_bilevel_of(ctx);
    if (!f)
        return PB_ERR_INVALID;
    state *s = PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), BILEVEL_SERIES_ARRAYS(state, f),
                            PB_ARRAY(state, gx, f->dx), PB_ARRAY(state, gy, f->dy));
    if (!s)
        return PB_ERR_NOMEM;
    bilevel_start(&s->base, f, ctx->params[P_STOCHASTIC].integer);
    s->lr = ctx->params[P_LR].real;
    s->inner_lr = ctx->params[P_INNER_LR].real;
    s->base.series.eta = ctx->params[P_ETA_N].real;
    s->base.series.terms = ctx->params[P_Q].integer;
    s->inner_steps = ctx->params[P_INNER_STEPS].integer;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    if (bilevel_lower_sgd(b, s->inner_lr, s->inner_steps, s->gy) != 0 ||
        bilevel_neumann(b, b->x, b->y, b->mode, s->gx) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < b->f->dx; i++)
        b->x[i] -= s->lr * s->gx[i];
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y): the Q-term Neumann hypergradient, Q + 3 oracle calls. */
PB_PLUGIN(.name = "stocbio", .version = "1.0.0", .kind = PB_KIND_BILEVEL,
          .summary = "stocBiO: warm-started inner SGD and a Neumann-series hypergradient",
          .citation = "K. Ji, J. Yang, Y. Liang, Bilevel Optimization: Convergence Analysis and "
                      "Enhanced Design, ICML 2021",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step), .extension = bilevel_extension_series)
