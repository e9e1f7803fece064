/*
 * SABA (Dagréou, Ablin, Vaiter, Moreau, NeurIPS 2022): SOBA's single-loop joint steps with
 * SAGA variance reduction of all five oracle directions over the fixed batches of a
 * finite-sum problem. On a problem that is not a finite sum there is one "batch" and SABA
 * is SOBA with constant steps. See README.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/bilevel.h>
#include <plugbench/plugin.h>

/* One SAGA table: nb entries of n doubles, their weighted mean, the batch weights. */
typedef struct saga {
    uint32_t nb, n;
    double *mem, *mean, *weight, *fresh, *dir;
} saga;

typedef struct state {
    const pb_bilevel *f;
    double inner_lr, outer_lr;
    int finite;
    saga gyg, hvp, cross, gyf, gxf;
    double *x, *y, *z;
} state;

static const pb_param params[] = {
    {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "rho: step size of y and z"},
    {.name = "outer_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "gamma: step size of x"},
};

static void saga_free(saga *t)
{
    free(t->mem);
    free(t->mean);
    free(t->weight);
    free(t->fresh);
    free(t->dir);
}

/* nb batches of a level of n_samples samples (0: not a finite sum, one batch). */
static int saga_init(saga *t, uint32_t n, uint32_t n_samples, uint32_t batch)
{
    t->nb = n_samples ? (n_samples + batch - 1) / batch : 1;
    t->n = n;
    t->mem = calloc((size_t)t->nb * n, sizeof(double));
    t->mean = calloc(n, sizeof(double));
    t->weight = malloc(t->nb * sizeof(double));
    t->fresh = malloc(n * sizeof(double));
    t->dir = malloc(n * sizeof(double));
    if (!t->mem || !t->mean || !t->weight || !t->fresh || !t->dir)
        return -1;
    for (uint32_t j = 0; j < t->nb; j++) {
        uint32_t lo = j * batch, hi = lo + batch < n_samples ? lo + batch : n_samples;
        t->weight[j] = n_samples ? (double)(hi - lo) / n_samples : 1.0;
    }
    return 0;
}

/* dir = nb w_j (fresh - mem_j) + mean (unbiased for uniform j); then mem_j = fresh. */
static void saga_update(saga *t, uint32_t j)
{
    double *m = t->mem + (size_t)j * t->n, c = t->nb * t->weight[j];
    for (uint32_t i = 0; i < t->n; i++) {
        double delta = t->fresh[i] - m[i];
        t->dir[i] = c * delta + t->mean[i];
        t->mean[i] += t->weight[j] * delta;
        m[i] = t->fresh[i];
    }
}

static void destroy(void *p)
{
    state *s = p;
    saga_free(&s->gyg);
    saga_free(&s->hvp);
    saga_free(&s->cross);
    saga_free(&s->gyf);
    saga_free(&s->gxf);
    free(s->x);
    free(s->y);
    free(s->z);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    int finite = f->n_inner > 0 && f->n_outer > 0;
    uint32_t ni = finite ? f->n_inner : 0, no = finite ? f->n_outer : 0, b = f->batch_size;
    if (!s || saga_init(&s->gyg, f->dy, ni, b) || saga_init(&s->hvp, f->dy, ni, b) ||
        saga_init(&s->cross, f->dx, ni, b) || saga_init(&s->gyf, f->dy, no, b) ||
        saga_init(&s->gxf, f->dx, no, b) || !(s->x = malloc(f->dx * sizeof(double))) ||
        !(s->y = malloc(f->dy * sizeof(double))) || !(s->z = calloc(f->dy, sizeof(double)))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        if (s)
            destroy(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->finite = finite;
    s->inner_lr = ctx->params[0].real;
    s->outer_lr = ctx->params[1].real;
    memcpy(s->x, f->x0, f->dx * sizeof(double));
    memcpy(s->y, f->y0, f->dy * sizeof(double));
    *out = s;
    return 0;
}

static int32_t estimate(void *p, const double *x, const double *y, const double *z, double *out)
{
    state *s = p;
    return pb_bilevel_hypergradient_at(s->f, x, y, z, PB_BILEVEL_EXACT, s->cross.fresh, out) == 0
               ? 0
               : PB_ERR_FAILED;
}

static int32_t step(void *p)
{
    state *s = p;
    const pb_bilevel *f = s->f;
    uint32_t j = 0, i = 0, mi = PB_BILEVEL_STOCHASTIC, mo = PB_BILEVEL_STOCHASTIC;
    if (s->finite) {
        j = f->draw_batch(f, PB_BILEVEL_INNER);
        i = f->draw_batch(f, PB_BILEVEL_OUTER);
        mi = PB_BILEVEL_BATCH(j);
        mo = PB_BILEVEL_BATCH(i);
    }
    if (isnan(f->grad_y_g(f, s->x, s->y, mi, s->gyg.fresh)) ||
        isnan(f->hvp_yy_g(f, s->x, s->y, s->z, mi, s->hvp.fresh)) ||
        isnan(f->cross_xy_g(f, s->x, s->y, s->z, mi, s->cross.fresh)) ||
        isnan(f->grad_y_f(f, s->x, s->y, mo, s->gyf.fresh)) ||
        isnan(f->grad_x_f(f, s->x, s->y, mo, s->gxf.fresh)))
        return PB_CONTINUE;
    saga_update(&s->gyg, j);
    saga_update(&s->hvp, j);
    saga_update(&s->cross, j);
    saga_update(&s->gyf, i);
    saga_update(&s->gxf, i);
    for (uint32_t k = 0; k < f->dy; k++) {
        s->y[k] -= s->inner_lr * s->gyg.dir[k];
        s->z[k] -= s->inner_lr * (s->hvp.dir[k] - s->gyf.dir[k]);
    }
    for (uint32_t k = 0; k < f->dx; k++)
        s->x[k] -= s->outer_lr * (s->gxf.dir[k] - s->cross.dir[k]);
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
    .name = "saba",
    .version = "1.0.0",
    .summary = "SABA: SOBA with SAGA variance reduction over the fixed batches of finite sums",
    .citation = "M. Dagreou, P. Ablin, S. Vaiter, T. Moreau, A framework for bilevel "
                "optimization that enables stochastic and global variance reduction algorithms, "
                "NeurIPS 2022",
    .kind = PB_KIND_BILEVEL,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
