/*
 * stocBiO (Ji, Yang, Liang, ICML 2021): T warm-started SGD steps on the lower level, then a
 * hypergradient from a Q-term Neumann series for the inverse Hessian, then an (unnormalized)
 * SGD step on x. See README.md for the equations and the oracle counts.
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
    double lr, inner_lr, eta_n;
    int64_t inner_steps, q;
    uint32_t mode;
    double *block; /* holds the vectors below */
    double *x, *y, *gx, *hx, *gy, *v, *hv, *z;
} state;

static const pb_param params[] = {
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.05, .min = 1e-12, .max = 1e3,
     .doc = "upper-level step size"},
    {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.5, .min = 1e-12, .max = 1e3,
     .doc = "lower-level SGD step size"},
    {.name = "eta_n", .type = PB_PARAM_REAL, .default_value = 0.5, .min = 1e-12, .max = 1e3,
     .doc = "Neumann series step eta_N (at most 1 / L_g)"},
    {.name = "inner_steps", .type = PB_PARAM_INT, .default_value = 10, .min = 0, .max = 1e9,
     .doc = "K: lower-level SGD steps per iteration (warm-started)"},
    {.name = "q", .type = PB_PARAM_INT, .default_value = 10, .min = 0, .max = 1e9,
     .doc = "Q: Hessian-vector products of the Neumann series"},
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
    double **const vecs[] = {&s->x, &s->gx, &s->hx, &s->y, &s->gy, &s->v, &s->hv, &s->z};
    const uint32_t sizes[] = {f->dx, f->dx, f->dx, f->dy, f->dy, f->dy, f->dy, f->dy};
    if (!s || !(s->block = pb_vec_block(8, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->lr = ctx->params[0].real;
    s->inner_lr = ctx->params[1].real;
    s->eta_n = ctx->params[2].real;
    s->inner_steps = ctx->params[3].integer;
    s->q = ctx->params[4].integer;
    s->mode = ctx->params[5].integer ? PB_BILEVEL_STOCHASTIC : PB_BILEVEL_EXACT;
    memcpy(s->x, f->x0, f->dx * sizeof(double));
    memcpy(s->y, f->y0, f->dy * sizeof(double));
    *out = s;
    return 0;
}

/*
 * The Neumann hypergradient at (x, y) with oracle mode:
 *     v_0 = grad_y f,  v_{q+1} = v_q - eta_N grad_yy g v_q,  z = eta_N sum_{q=0}^{Q} v_q,
 *     out = grad_x f - grad_xy g z.
 * Q + 3 oracle calls. Returns 0, or -1 when an oracle was refused.
 */
static int neumann(state *s, const double *x, const double *y, uint32_t mode, double *out)
{
    const pb_bilevel *f = s->f;
    uint32_t dy = f->dy;
    if (isnan(f->grad_y_f(f, x, y, mode, s->v)))
        return -1;
    for (uint32_t i = 0; i < dy; i++)
        s->z[i] = s->eta_n * s->v[i];
    for (int64_t k = 0; k < s->q; k++) {
        if (isnan(f->hvp_yy_g(f, x, y, s->v, mode, s->hv)))
            return -1;
        for (uint32_t i = 0; i < dy; i++) {
            s->v[i] -= s->eta_n * s->hv[i];
            s->z[i] += s->eta_n * s->v[i];
        }
    }
    return pb_bilevel_hypergradient_at(f, x, y, s->z, mode, s->hx, out);
}

static int32_t estimate(void *p, const double *x, const double *y, const double *z, double *out)
{
    (void)z;
    return neumann(p, x, y, PB_BILEVEL_EXACT, out) == 0 ? 0 : PB_ERR_FAILED;
}

static int32_t step(void *p)
{
    state *s = p;
    const pb_bilevel *f = s->f;
    for (int64_t k = 0; k < s->inner_steps; k++) {
        if (isnan(f->grad_y_g(f, s->x, s->y, s->mode, s->gy)))
            return PB_CONTINUE;
        for (uint32_t i = 0; i < f->dy; i++)
            s->y[i] -= s->inner_lr * s->gy[i];
    }
    if (neumann(s, s->x, s->y, s->mode, s->gx) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < f->dx; i++)
        s->x[i] -= s->lr * s->gx[i];
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
    .name = "stocbio",
    .version = "1.0.0",
    .summary = "stocBiO: warm-started inner SGD and a Neumann-series hypergradient",
    .citation = "K. Ji, J. Yang, Y. Liang, Bilevel Optimization: Convergence Analysis and "
                "Enhanced Design, ICML 2021",
    .kind = PB_KIND_BILEVEL,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
