/*
 * BO-REP (Hao, Gong, Liu, ICLR 2024): bilevel optimization under unbounded smoothness with
 * normalized momentum on x, initialization refinement of y by epoch-SGD, periodic
 * lower-level updates (N SGD steps every I iterations) and one projected z-step per
 * iteration. See README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>

#include "bilevel_common.h"

enum {
    P_ETA,
    P_BETA,
    P_GAMMA,
    P_NU,
    P_RADIUS,
    P_PERIOD,
    P_N_LOWER,
    P_REFINE_EPOCHS,
    P_REFINE_STEPS,
    P_STOCHASTIC
};
static const pb_param params[] = {
    [P_ETA] = {.name = "eta", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12,
               .max = 1e3, .doc = "upper-level step size (length of each normalized step)"},
    [P_BETA] = {.name = "beta", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0,
                .max = 0.999999, .doc = "momentum parameter"},
    [P_GAMMA] = {.name = "gamma", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12,
                 .max = 1e3, .doc = "lower-level SGD step size"},
    [P_NU] = {.name = "nu", .type = PB_PARAM_REAL, .default_value = 0.01, .min = 1e-12,
              .max = 1e3, .doc = "z step size"},
    [P_RADIUS] = {.name = "radius", .type = PB_PARAM_REAL, .default_value = 1e4, .min = 1e-12,
                  .max = 1e300, .doc = "projection radius R of z"},
    [P_PERIOD] = {.name = "period", .type = PB_PARAM_INT, .default_value = 2, .min = 1,
                  .max = 1e9, .doc = "I: the lower level is updated every I iterations"},
    [P_N_LOWER] = {.name = "n_lower", .type = PB_PARAM_INT, .default_value = 10, .min = 0,
                   .max = 1e9, .doc = "N: SGD steps per lower-level update"},
    [P_REFINE_EPOCHS] = {.name = "refine_epochs", .type = PB_PARAM_INT, .default_value = 5,
                         .min = 0, .max = 30,
                         .doc = "epochs of the epoch-SGD initialization refinement (0: none)"},
    [P_REFINE_STEPS] = {.name = "refine_steps", .type = PB_PARAM_INT, .default_value = 10,
                        .min = 1, .max = 1e9,
                        .doc = "steps of its first epoch (doubled each epoch, step size halved)"},
    [P_STOCHASTIC] = BILEVEL_PARAM_STOCHASTIC,
};

typedef struct state {
    bilevel_base base; /* x, y, z (z_0 = 0); the solution is x */
    uint64_t t;
    double *m, *gx; /* dx; m zeroed: m_0 = 0 */
    double *gy, *hy, *ysum; /* dy */
} state;

/* Epoch-SGD on g(x0, .) from y0: epoch k runs refine_steps 2^k SGD steps of size
 * gamma / 2^k from the previous epoch's average; y is the last epoch's average. Returns 0,
 * or -1 when an oracle was refused. */
static int refine(state *s)
{
    const pb_bilevel *f = s->base.f;
    const pb_value *par = s->base.param;
    double *y = s->base.y;
    double lr = par[P_GAMMA].real;
    uint64_t len = (uint64_t)par[P_REFINE_STEPS].integer;
    for (int64_t k = 0; k < par[P_REFINE_EPOCHS].integer; k++, lr /= 2, len *= 2) {
        memset(s->ysum, 0, f->dy * sizeof(double));
        for (uint64_t j = 0; j < len; j++) {
            if (isnan(f->grad_y_g(f, s->base.x, y, s->base.mode, s->gy)))
                return -1;
            for (uint32_t i = 0; i < f->dy; i++) {
                y[i] -= lr * s->gy[i];
                s->ysum[i] += y[i];
            }
        }
        for (uint32_t i = 0; i < f->dy; i++)
            y[i] = s->ysum[i] / (double)len;
    }
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = BILEVEL_CREATE(ctx, state, ctx->params[P_STOCHASTIC].integer, NULL, out,
                                BILEVEL_DX(state, m), BILEVEL_DX(state, gx),
                                BILEVEL_DY(state, gy), BILEVEL_DY(state, hy),
                                BILEVEL_DY(state, ysum));
    if (rc != 0)
        return rc;
    refine(*out); /* a refused call leaves y where it got; the host ends the run */
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    const pb_bilevel *f = b->f;
    const pb_value *par = b->param;
    uint32_t dx = f->dx, dy = f->dy;
    double beta = par[P_BETA].real, nu = par[P_NU].real, radius = par[P_RADIUS].real;
    /* Periodic lower-level update: N SGD steps on g(x_t, .) every I iterations. */
    if (s->t % (uint64_t)par[P_PERIOD].integer == 0 &&
        bilevel_lower_sgd(b, par[P_GAMMA].real, par[P_N_LOWER].integer, s->gy) != 0)
        return PB_CONTINUE;
    s->t++;
    /* z_{t+1} from (x_t, y_t, z_t), then the hypergradient estimate at (x_t, y_t, z_{t+1}). */
    if (isnan(f->grad_y_f(f, b->x, b->y, b->mode, s->gy)) ||
        isnan(f->hvp_yy_g(f, b->x, b->y, b->z, b->mode, s->hy)))
        return PB_CONTINUE;
    double zn = 0.0;
    for (uint32_t i = 0; i < dy; i++) {
        b->z[i] -= nu * (s->hy[i] - s->gy[i]);
        zn += b->z[i] * b->z[i];
    }
    zn = sqrt(zn);
    if (zn > radius)
        for (uint32_t i = 0; i < dy; i++)
            b->z[i] *= radius / zn;
    if (pb_bilevel_hypergradient_at(f, b->x, b->y, b->z, b->mode, b->work, s->gx) != 0)
        return PB_CONTINUE;
    double mn = 0.0;
    for (uint32_t i = 0; i < dx; i++) {
        s->m[i] = beta * s->m[i] + (1 - beta) * s->gx[i];
        mn += s->m[i] * s->m[i];
    }
    mn = sqrt(mn);
    /* Only a zero m is skipped: a NaN or infinite one (y or z diverged) must reach x, so
     * that the host records the run as nonfinite instead of an x frozen at its last value. */
    if (mn != 0.0)
        for (uint32_t i = 0; i < dx; i++)
            b->x[i] -= par[P_ETA].real * s->m[i] / mn;
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y, z): grad_x f(x, y) - grad_xy g(x, y) z, 2 oracle calls. */
PB_PLUGIN(BILEVEL_PLUGIN("borep", "1.0.0", params, create, step, bilevel_extension_at_z),
          .summary = "BO-REP: normalized momentum, refined init, periodic lower-level updates",
          .citation = "J. Hao, X. Gong, M. Liu, Bilevel Optimization under Unbounded Smoothness: "
                      "A New Algorithm and Convergence Analysis, ICLR 2024")
