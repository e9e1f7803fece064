/*
 * BO-REP (Hao, Gong, Liu, ICLR 2024): bilevel optimization under unbounded smoothness with
 * normalized momentum on x, initialization refinement of y by epoch-SGD, periodic
 * lower-level updates (N SGD steps every I iterations) and one projected z-step per
 * iteration. See README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/bilevel.h>
#include <plugbench/plugin.h>
#include <plugbench/vec.h>

typedef struct state {
    const pb_bilevel *f;
    double eta, beta, gamma, nu, radius;
    int64_t period, n_lower, refine_epochs, refine_steps;
    uint32_t mode;
    uint64_t t;
    double *block; /* the vectors below, zeroed: z_0 = 0, m_0 = 0 */
    double *x, *y, *z, *m, *gx, *hx, *gy, *hy, *ysum;
} state;

static const pb_param params[] = {
    {.name = "eta", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12, .max = 1e3,
     .doc = "upper-level step size (length of each normalized step)"},
    {.name = "beta", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0, .max = 0.999999,
     .doc = "momentum parameter"},
    {.name = "gamma", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12, .max = 1e3,
     .doc = "lower-level SGD step size"},
    {.name = "nu", .type = PB_PARAM_REAL, .default_value = 0.01, .min = 1e-12, .max = 1e3,
     .doc = "z step size"},
    {.name = "radius", .type = PB_PARAM_REAL, .default_value = 1e4, .min = 1e-12, .max = 1e300,
     .doc = "projection radius R of z"},
    {.name = "period", .type = PB_PARAM_INT, .default_value = 2, .min = 1, .max = 1e9,
     .doc = "I: the lower level is updated every I iterations"},
    {.name = "n_lower", .type = PB_PARAM_INT, .default_value = 10, .min = 0, .max = 1e9,
     .doc = "N: SGD steps per lower-level update"},
    {.name = "refine_epochs", .type = PB_PARAM_INT, .default_value = 5, .min = 0, .max = 30,
     .doc = "epochs of the epoch-SGD initialization refinement (0: none)"},
    {.name = "refine_steps", .type = PB_PARAM_INT, .default_value = 10, .min = 1, .max = 1e9,
     .doc = "steps of its first epoch (doubled each epoch, step size halved)"},
    {.name = "stochastic", .type = PB_PARAM_BOOL, .default_value = 1,
     .doc = "use the stochastic oracles (false: exact)"},
};

static void destroy(void *p)
{
    state *s = p;
    free(s->block);
    free(s);
}

/* Epoch-SGD on g(x0, .) from y0: epoch k runs refine_steps 2^k SGD steps of size
 * gamma / 2^k from the previous epoch's average; y is the last epoch's average. Returns 0,
 * or -1 when an oracle was refused. */
static int refine(state *s)
{
    const pb_bilevel *f = s->f;
    double lr = s->gamma;
    uint64_t len = (uint64_t)s->refine_steps;
    for (int64_t k = 0; k < s->refine_epochs; k++, lr /= 2, len *= 2) {
        memset(s->ysum, 0, f->dy * sizeof(double));
        for (uint64_t j = 0; j < len; j++) {
            if (isnan(f->grad_y_g(f, s->x, s->y, s->mode, s->gy)))
                return -1;
            for (uint32_t i = 0; i < f->dy; i++) {
                s->y[i] -= lr * s->gy[i];
                s->ysum[i] += s->y[i];
            }
        }
        for (uint32_t i = 0; i < f->dy; i++)
            s->y[i] = s->ysum[i] / (double)len;
    }
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    double **const vecs[] = {&s->x, &s->gx, &s->hx, &s->m, &s->y, &s->z, &s->gy, &s->hy, &s->ysum};
    const uint32_t sizes[] = {f->dx, f->dx, f->dx, f->dx, f->dy, f->dy, f->dy, f->dy, f->dy};
    if (!s || !(s->block = pb_vec_block(9, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->eta = ctx->params[0].real;
    s->beta = ctx->params[1].real;
    s->gamma = ctx->params[2].real;
    s->nu = ctx->params[3].real;
    s->radius = ctx->params[4].real;
    s->period = ctx->params[5].integer;
    s->n_lower = ctx->params[6].integer;
    s->refine_epochs = ctx->params[7].integer;
    s->refine_steps = ctx->params[8].integer;
    s->mode = ctx->params[9].integer ? PB_BILEVEL_STOCHASTIC : PB_BILEVEL_EXACT;
    memcpy(s->x, f->x0, f->dx * sizeof(double));
    memcpy(s->y, f->y0, f->dy * sizeof(double));
    refine(s); /* a refused call leaves y where it got; the host ends the run */
    *out = s;
    return 0;
}

/* grad_x f(x, y) - grad_xy g(x, y) z into out: 2 oracle calls. */
static int32_t estimate(void *p, const double *x, const double *y, const double *z, double *out)
{
    state *s = p;
    return pb_bilevel_hypergradient_at(s->f, x, y, z, PB_BILEVEL_EXACT, s->hx, out) == 0
               ? 0
               : PB_ERR_FAILED;
}

static int32_t step(void *p)
{
    state *s = p;
    const pb_bilevel *f = s->f;
    uint32_t dx = f->dx, dy = f->dy;
    /* Periodic lower-level update: N SGD steps on g(x_t, .) every I iterations. */
    if (s->t % (uint64_t)s->period == 0)
        for (int64_t j = 0; j < s->n_lower; j++) {
            if (isnan(f->grad_y_g(f, s->x, s->y, s->mode, s->gy)))
                return PB_CONTINUE;
            for (uint32_t i = 0; i < dy; i++)
                s->y[i] -= s->gamma * s->gy[i];
        }
    s->t++;
    /* z_{t+1} from (x_t, y_t, z_t), then the hypergradient estimate at (x_t, y_t, z_{t+1}). */
    if (isnan(f->grad_y_f(f, s->x, s->y, s->mode, s->gy)) ||
        isnan(f->hvp_yy_g(f, s->x, s->y, s->z, s->mode, s->hy)))
        return PB_CONTINUE;
    double zn = 0.0;
    for (uint32_t i = 0; i < dy; i++) {
        s->z[i] -= s->nu * (s->hy[i] - s->gy[i]);
        zn += s->z[i] * s->z[i];
    }
    zn = sqrt(zn);
    if (zn > s->radius)
        for (uint32_t i = 0; i < dy; i++)
            s->z[i] *= s->radius / zn;
    if (pb_bilevel_hypergradient_at(f, s->x, s->y, s->z, s->mode, s->hx, s->gx) != 0)
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
            s->x[i] -= s->eta * s->m[i] / mn;
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    memcpy(out, s->x, s->f->dx * sizeof(double));
    return 0;
}

static const pb_bilevel_hypergradient hypergradient = {
    .struct_size = sizeof(pb_bilevel_hypergradient),
    .estimate = estimate,
};

static const void *extension(const char *id)
{
    return strcmp(id, PB_BILEVEL_HYPERGRADIENT) == 0 ? &hypergradient : NULL;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "borep",
    .version = "1.0.0",
    .summary = "BO-REP: normalized momentum, refined init, periodic lower-level updates",
    .citation = "J. Hao, X. Gong, M. Liu, Bilevel Optimization under Unbounded Smoothness: A "
                "New Algorithm and Convergence Analysis, ICLR 2024",
    .kind = PB_KIND_BILEVEL,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
