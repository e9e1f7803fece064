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
    double eta, beta, gamma, nu, radius;
    int64_t period, n_lower, refine_epochs, refine_steps;
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
    double *y = s->base.y;
    double lr = s->gamma;
    uint64_t len = (uint64_t)s->refine_steps;
    for (int64_t k = 0; k < s->refine_epochs; k++, lr /= 2, len *= 2) {
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
    const pb_bilevel *f = pb_bilevel_of(ctx);
    if (!f)
        return PB_ERR_INVALID;
    state *s = PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), PB_ARRAY(state, m, f->dx),
                            PB_ARRAY(state, gx, f->dx), PB_ARRAY(state, gy, f->dy),
                            PB_ARRAY(state, hy, f->dy), PB_ARRAY(state, ysum, f->dy));
    if (!s)
        return PB_ERR_NOMEM;
    bilevel_start(&s->base, f, ctx->params[P_STOCHASTIC].integer);
    s->eta = ctx->params[P_ETA].real;
    s->beta = ctx->params[P_BETA].real;
    s->gamma = ctx->params[P_GAMMA].real;
    s->nu = ctx->params[P_NU].real;
    s->radius = ctx->params[P_RADIUS].real;
    s->period = ctx->params[P_PERIOD].integer;
    s->n_lower = ctx->params[P_N_LOWER].integer;
    s->refine_epochs = ctx->params[P_REFINE_EPOCHS].integer;
    s->refine_steps = ctx->params[P_REFINE_STEPS].integer;
    refine(s); /* a refused call leaves y where it got; the host ends the run */
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    const pb_bilevel *f = b->f;
    uint32_t dx = f->dx, dy = f->dy;
    /* Periodic lower-level update: N SGD steps on g(x_t, .) every I iterations. */
    if (s->t % (uint64_t)s->period == 0 && bilevel_lower_sgd(b, s->gamma, s->n_lower, s->gy) != 0)
        return PB_CONTINUE;
    s->t++;
    /* z_{t+1} from (x_t, y_t, z_t), then the hypergradient estimate at (x_t, y_t, z_{t+1}). */
    if (isnan(f->grad_y_f(f, b->x, b->y, b->mode, s->gy)) ||
        isnan(f->hvp_yy_g(f, b->x, b->y, b->z, b->mode, s->hy)))
        return PB_CONTINUE;
    double zn = 0.0;
    for (uint32_t i = 0; i < dy; i++) {
        b->z[i] -= s->nu * (s->hy[i] - s->gy[i]);
        zn += b->z[i] * b->z[i];
    }
    zn = sqrt(zn);
    if (zn > s->radius)
        for (uint32_t i = 0; i < dy; i++)
            b->z[i] *= s->radius / zn;
    if (pb_bilevel_hypergradient_at(f, b->x, b->y, b->z, b->mode, b->work, s->gx) != 0)
        return PB_CONTINUE;
    double mn = 0.0;
    for (uint32_t i = 0; i < dx; i++) {
        s->m[i] = s->beta * s->m[i] + (1 - s->beta) * s->gx[i];
        mn += s->m[i] * s->m[i];
    }
    mn = sqrt(mn);
    /* Only a zero m is skipped: a NaN or infinite one (y or z diverged) must reach x, so
     * that the host records the run as nonfinite instead of an x frozen at its last value. */
    if (mn != 0.0)
        for (uint32_t i = 0; i < dx; i++)
            b->x[i] -= s->eta * s->m[i] / mn;
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y, z): grad_x f(x, y) - grad_xy g(x, y) z, 2 oracle calls. */
PB_PLUGIN(.name = "borep", .version = "1.0.0", .kind = PB_KIND_BILEVEL,
          .summary = "BO-REP: normalized momentum, refined init, periodic lower-level updates",
          .citation = "J. Hao, X. Gong, M. Liu, Bilevel Optimization under Unbounded Smoothness: "
                      "A New Algorithm and Convergence Analysis, ICLR 2024",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step), .extension = bilevel_extension_at_z)
