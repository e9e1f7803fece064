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
    [P_INNER_LR] = BILEVEL_PARAM_INNER_LR("rho: step size of y and z (at t = 0)"),
    [P_OUTER_LR] = BILEVEL_PARAM_OUTER_LR("gamma: step size of x (at t = 0)"),
    [P_INNER_DECAY] = BILEVEL_PARAM_INNER_DECAY("rho_t = rho / (t + 1)^inner_decay (soba; "
                                                "ma-soba uses constant steps)"),
    [P_OUTER_DECAY] = BILEVEL_PARAM_OUTER_DECAY("gamma_t = gamma / (t + 1)^outer_decay (soba; "
                                                "ma-soba uses constant steps)"),
    [P_THETA] = {.name = "theta", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,
                 .max = 1, .doc = "ma-soba: weight of the new estimate in the moving average"},
    [P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,
};

typedef struct state {
    bilevel_base base; /* x, y, z (z_0 = 0); the solution is x */
    uint64_t t;
    double *h, *gx, *cz;    /* dx; h zeroed: h_0 = 0 */
    double *gyg, *gyf, *hz; /* dy */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    return BILEVEL_CREATE(ctx, state, ctx->params[P_STOCHASTIC].integer, NULL, out,
                          BILEVEL_DX(state, h), BILEVEL_DX(state, gx), BILEVEL_DX(state, cz),
                          BILEVEL_DY(state, gyg), BILEVEL_DY(state, gyf), BILEVEL_DY(state, hz));
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    /* All five oracles at (x_t, y_t, z_t), then the three updates together. */
    if (bilevel_oracles(b, b->mode, b->mode, s->gyg, s->hz, s->cz, s->gyf, s->gx) != 0)
        return PB_CONTINUE;
    const pb_value *par = b->param;
    int64_t variant = par[P_VARIANT].integer;
    double rho = par[P_INNER_LR].real, gamma = par[P_OUTER_LR].real, theta = par[P_THETA].real;
    if (variant == VARIANT_SOBA) {
        rho /= pow((double)(s->t + 1), par[P_INNER_DECAY].real);
        gamma /= pow((double)(s->t + 1), par[P_OUTER_DECAY].real);
    }
    s->t++;
    bilevel_joint_yz(b, rho, s->gyg, s->hz, s->gyf);
    for (uint32_t i = 0; i < b->f->dx; i++) {
        double d = s->gx[i] - s->cz[i];
        if (variant == VARIANT_MA_SOBA) {
            s->h[i] = (1 - theta) * s->h[i] + theta * d;
            d = s->h[i];
        }
        b->x[i] -= gamma * d;
    }
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y, z): grad_x f(x, y) - grad_xy g(x, y) z, 2 oracle calls. */
PB_PLUGIN(BILEVEL_PLUGIN("soba", "1.0.0", params, create, step, bilevel_extension_at_z),
          .summary = "SOBA / MA-SOBA: single-loop joint steps on y, z and x (MA-SOBA: averaged)",
          .citation = BILEVEL_SOBA_PAPER "; MA-SOBA: X. Chen, T. Xiao, K. Balasubramanian, "
                                         "Optimal Algorithms for Stochastic Bilevel "
                                         "Optimization under Relaxed Smoothness Conditions, 2023")
