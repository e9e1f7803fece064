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
    double *gx; /* dx */
    double *gy; /* dy */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    bilevel_series series = {.eta = ctx->params[P_ETA_N].real, .terms = ctx->params[P_Q].integer};
    return BILEVEL_CREATE(ctx, state, ctx->params[P_STOCHASTIC].integer, &series, out,
                          BILEVEL_DX(state, gx), BILEVEL_DY(state, gy));
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    const pb_value *par = b->param;
    if (bilevel_lower_sgd(b, par[P_INNER_LR].real, par[P_INNER_STEPS].integer, s->gy) != 0 ||
        bilevel_neumann(b, b->x, b->y, b->mode, s->gx) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < b->f->dx; i++)
        b->x[i] -= par[P_LR].real * s->gx[i];
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y): the Q-term Neumann hypergradient, Q + 3 oracle calls. */
PB_PLUGIN(BILEVEL_PLUGIN("stocbio", "1.0.0", params, create, step, bilevel_extension_series),
          .summary = "stocBiO: warm-started inner SGD and a Neumann-series hypergradient",
          .citation = "K. Ji, J. Yang, Y. Liang, Bilevel Optimization: Convergence Analysis and "
                      "Enhanced Design, ICML 2021")
