/*
 * SOBA (Dagréou, Ablin, Vaiter, Moreau, NeurIPS 2022) and MA-SOBA (Chen, Xiao,
 * Balasubramanian, 2023): single-loop stochastic bilevel methods that move y, z and x
 * together, one oracle call of each kind per iteration; MA-SOBA adds a moving average of
 * the hypergradient estimates.
 * See README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdlib.h>

#include <plugbench/kit.h>

#include "bilevel_common.h"

#define VARIANT_SOBA 0
#define VARIANT_MA_SOBA 1

enum { P_VARIANT, P_INNER_LR, P_OUTER_LR, P_INNER_DECAY, P_OUTER_DECAY, P_THETA, P_STOCHASTIC };
static const pb_param params[] = {
    [P_VARIANT] = {.name = "variant", .type = PB_PARAM_CHOICE, .default_value = 0,
                   .choices = "soba|ma-soba",
                   .doc = "soba: plain single-loop steps; ma-soba: moving average of the "
                          "hypergradient"},
    [P_INNER_LR] = {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.1,
                    .min = 1e-12, .max = 1e3, .doc = "rho: step size of y and z (at t = 0)"},
    [P_OUTER_LR] = {.name = "outer_lr", .type = PB_PARAM_REAL, .default_value = 0.1,
                    .min = 1e-12, .max = 1e3, .doc = "gamma: step size of x (at t = 0)"},
    [P_INNER_DECAY] = {.name = "inner_decay", .type = PB_PARAM_REAL, .default_value = 0.4,
                       .min = 0, .max = 1,
                       .doc = "rho_t = rho / (t + 1)^inner_decay (soba; ma-soba uses constant "
                              "steps)"},
    [P_OUTER_DECAY] = {.name = "outer_decay", .type = PB_PARAM_REAL, .default_value = 0.6,
                       .min = 0, .max = 1,
                       .doc = "gamma_t = gamma / (t + 1)^outer_decay (soba; ma-soba uses "
                              "constant steps)"},
    [P_THETA] = {.name = "theta", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,
                 .max = 1, .doc = "ma-soba: weight of the new estimate in the moving average"},
    [P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,
};

typedef struct state {
    bilevel_base base; /* x, y, z (z_0 = 0); the solution is x */
    int64_t variant;
    double inner_lr, outer_lr, inner_decay, outer_decay, theta;
    uint64_t t;
    double *h, *gx, *cz;    /* dx; h zeroed: h_0 = 0 */
    double *gyg, *gyf, *hz; /* dy */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = pb_bilevel_of(ctx);
    if (!f)
        return PB_ERR_INVALID;
    state *s = PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), PB_ARRAY(state, h, f->dx),
                            PB_ARRAY(state, gx, f->dx), PB_ARRAY(state, cz, f->dx),
                            PB_ARRAY(state, gyg, f->dy), PB_ARRAY(state, gyf, f->dy),
                            PB_ARRAY(state, hz, f->dy));
    if (!s)
        return PB_ERR_NOMEM;
    bilevel_start(&s->base, f, ctx->params[P_STOCHASTIC].integer);
    s->variant = ctx->params[P_VARIANT].integer;
    s->inner_lr = ctx->params[P_INNER_LR].real;
    s->outer_lr = ctx->params[P_OUTER_LR].real;
    s->inner_decay = ctx->params[P_INNER_DECAY].real;
    s->outer_decay = ctx->params[P_OUTER_DECAY].real;
    s->theta = ctx->params[P_THETA].real;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    /* All five oracles at (x_t, y_t, z_t), then the three updates together. */
    if (bilevel_oracles(b, b->mode, b->mode, s->gyg, s->hz, s->cz, s->gyf, s->gx) != 0)
        return PB_CONTINUE;
    double rho = s->inner_lr, gamma = s->outer_lr;
    if (s->variant == VARIANT_SOBA) {
        rho /= pow((double)(s->t + 1), s->inner_decay);
        gamma /= pow((double)(s->t + 1), s->outer_decay);
    }
    s->t++;
    bilevel_joint_yz(b, rho, s->gyg, s->hz, s->gyf);
    for (uint32_t i = 0; i < b->f->dx; i++) {
        double d = s->gx[i] - s->cz[i];
        if (s->variant == VARIANT_MA_SOBA) {
            s->h[i] = (1 - s->theta) * s->h[i] + s->theta * d;
            d = s->h[i];
        }
        b->x[i] -= gamma * d;
    }
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y, z): grad_x f(x, y) - grad_xy g(x, y) z, 2 oracle calls. */
PB_PLUGIN(.name = "soba", .version = "1.0.0", .kind = PB_KIND_BILEVEL,
          .summary = "SOBA / MA-SOBA: single-loop joint steps on y, z and x (MA-SOBA: averaged)",
          .citation = BILEVEL_SOBA_PAPER "; MA-SOBA: X. Chen, T. Xiao, K. Balasubramanian, "
                                         "Optimal Algorithms for Stochastic Bilevel "
                                         "Optimization under Relaxed Smoothness Conditions, 2023",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step), .extension = bilevel_extension_at_z)
