/*
 * SOBA (Dagréou, Ablin, Vaiter, Moreau, NeurIPS 2022) and MA-SOBA (Chen, Xiao,
 * Balasubramanian, 2023): single-loop stochastic bilevel methods that move y, z and x
 * together, one oracle call of each kind per iteration; MA-SOBA adds a moving average of
 * the hypergradient estimates.
 * See README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/bilevel.h>
#include <plugbench/plugin.h>
#include <plugbench/vec.h>

#define VARIANT_SOBA 0
#define VARIANT_MA_SOBA 1

typedef struct state {
    const pb_bilevel *f;
    int64_t variant;
    double inner_lr, outer_lr, inner_decay, outer_decay, theta;
    uint32_t mode;
    uint64_t t;
    double *block; /* the vectors below, zeroed: z_0 = 0, h_0 = 0 */
    double *x, *y, *z, *h, *gx, *hx, *gyg, *gyf, *hz;
} state;

static const pb_param params[] = {
    {.name = "variant", .type = PB_PARAM_CHOICE, .default_value = 0, .choices = "soba|ma-soba",
     .doc = "soba: plain single-loop steps; ma-soba: moving average of the hypergradient"},
    {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "rho: step size of y and z (at t = 0)"},
    {.name = "outer_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "gamma: step size of x (at t = 0)"},
    {.name = "inner_decay", .type = PB_PARAM_REAL, .default_value = 0.4, .min = 0, .max = 1,
     .doc = "rho_t = rho / (t + 1)^inner_decay (soba; ma-soba uses constant steps)"},
    {.name = "outer_decay", .type = PB_PARAM_REAL, .default_value = 0.6, .min = 0, .max = 1,
     .doc = "gamma_t = gamma / (t + 1)^outer_decay (soba; ma-soba uses constant steps)"},
    {.name = "theta", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1,
     .doc = "ma-soba: weight of the new estimate in the moving average"},
    {.name = "stochastic", .type = PB_PARAM_BOOL, .default_value = 1,
     .doc = "use the stochastic oracles (false: exact)"},
};

static void destroy(void *p)
{
    state *s = p;
    free(s->block);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    double **const vecs[] = {&s->x, &s->h, &s->gx, &s->hx, &s->y, &s->z, &s->gyg, &s->gyf, &s->hz};
    const uint32_t sizes[] = {f->dx, f->dx, f->dx, f->dx, f->dy, f->dy, f->dy, f->dy, f->dy};
    if (!s || !(s->block = pb_vec_block(9, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->variant = ctx->params[0].integer;
    s->inner_lr = ctx->params[1].real;
    s->outer_lr = ctx->params[2].real;
    s->inner_decay = ctx->params[3].real;
    s->outer_decay = ctx->params[4].real;
    s->theta = ctx->params[5].real;
    s->mode = ctx->params[6].integer ? PB_BILEVEL_STOCHASTIC : PB_BILEVEL_EXACT;
    memcpy(s->x, f->x0, f->dx * sizeof(double));
    memcpy(s->y, f->y0, f->dy * sizeof(double));
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
    /* All five oracles at (x_t, y_t, z_t), then the three updates together. */
    if (isnan(f->grad_y_g(f, s->x, s->y, s->mode, s->gyg)) ||
        isnan(f->hvp_yy_g(f, s->x, s->y, s->z, s->mode, s->hz)) ||
        isnan(f->cross_xy_g(f, s->x, s->y, s->z, s->mode, s->hx)) ||
        isnan(f->grad_y_f(f, s->x, s->y, s->mode, s->gyf)) ||
        isnan(f->grad_x_f(f, s->x, s->y, s->mode, s->gx)))
        return PB_CONTINUE;
    double rho = s->inner_lr, gamma = s->outer_lr;
    if (s->variant == VARIANT_SOBA) {
        rho /= pow((double)(s->t + 1), s->inner_decay);
        gamma /= pow((double)(s->t + 1), s->outer_decay);
    }
    s->t++;
    for (uint32_t i = 0; i < f->dy; i++) {
        s->y[i] -= rho * s->gyg[i];
        s->z[i] -= rho * (s->hz[i] - s->gyf[i]);
    }
    for (uint32_t i = 0; i < f->dx; i++) {
        double d = s->gx[i] - s->hx[i];
        if (s->variant == VARIANT_MA_SOBA) {
            s->h[i] = (1 - s->theta) * s->h[i] + s->theta * d;
            d = s->h[i];
        }
        s->x[i] -= gamma * d;
    }
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
    .name = "soba",
    .version = "1.0.0",
    .summary = "SOBA / MA-SOBA: single-loop joint steps on y, z and x (MA-SOBA: averaged)",
    .citation = "M. Dagreou, P. Ablin, S. Vaiter, T. Moreau, A framework for bilevel "
                "optimization that enables stochastic and global variance reduction algorithms, "
                "NeurIPS 2022; MA-SOBA: X. Chen, T. Xiao, K. Balasubramanian, Optimal "
                "Algorithms for Stochastic Bilevel Optimization under Relaxed Smoothness "
                "Conditions, 2023",
    .kind = PB_KIND_BILEVEL,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
