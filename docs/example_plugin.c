/* A complete plugin: (1+1) random local search with a fixed step size. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/blackbox.h>
#include <plugbench/plugin.h>
#include <plugbench/rng.h>

typedef struct state {
    const pb_blackbox *f;
    pb_rng rng;
    double sigma, best_f;
    double *best, *x;
} state;

static const pb_param params[] = {
    {.name = "sigma", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-9, .max = 10,
     .doc = "step size, as a fraction of the box width"},
};

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    if (!s || !(s->best = calloc(f->dim, sizeof(double))) || !(s->x = calloc(f->dim, sizeof(double)))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        if (s)
            free(s->best);
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->sigma = ctx->params[0].real;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    pb_rng_uniform_box(&s->rng, f->dim, f->lower, f->upper, s->best);
    s->best_f = f->evaluate(f, s->best);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    for (uint32_t i = 0; i < s->f->dim; i++)
        s->x[i] = s->best[i] + s->sigma * (s->f->upper[i] - s->f->lower[i]) * pb_rng_normal(&s->rng);
    double y = s->f->evaluate(s->f, s->x);
    if (y < s->best_f) { /* false for the NaN of a spent budget */
        s->best_f = y;
        memcpy(s->best, s->x, s->f->dim * sizeof(double));
    }
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    memcpy(out, s->best, s->f->dim * sizeof(double));
    return 0;
}

static void destroy(void *p)
{
    state *s = p;
    free(s->best);
    free(s->x);
    free(s);
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR, .abi_minor = PB_ABI_MINOR, .struct_size = sizeof(pb_plugin),
    .name = "local-search", .version = "0.1.0",
    .summary = "(1+1) random local search with a fixed step",
    .citation = "baseline", .kind = PB_KIND_BLACKBOX,
    .params = params, .n_params = 1,
    .create = create, .step = step, .solution = solution, .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
