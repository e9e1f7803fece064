/*
 * Pure random search: each step draws `batch` points uniformly in the box and keeps the
 * best. The baseline every black-box method must beat (Brooks 1958; Rastrigin 1963).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/blackbox.h"
#include "plugbench/microkernels.h"
#include "plugbench/plugin.h"
#include "plugbench/rng.h"

typedef struct state {
    const pb_blackbox *f;
    pb_rng rng;
    uint32_t batch;
    double best_f;
    double *best_x, *x;
} state;

static const pb_param params[] = {
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 10, .min = 1, .max = 1e6,
     .doc = "points drawn per iteration"},
};

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    if (!s)
        return PB_ERR_NOMEM;
    s->best_x = malloc(f->dim * sizeof(double));
    s->x = malloc(f->dim * sizeof(double));
    if (!s->best_x || !s->x) {
        free(s->best_x);
        free(s->x);
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->batch = (uint32_t)ctx->params[0].integer;
    s->best_f = INFINITY;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    /* Until the first evaluation, the box centre is the recommendation. */
    for (uint32_t i = 0; i < f->dim; i++)
        s->best_x[i] = 0.5 * (f->lower[i] + f->upper[i]);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    const pb_blackbox *f = s->f;
    for (uint32_t k = 0; k < s->batch; k++) {
        pb_rng_uniform_box(&s->rng, f->dim, f->lower, f->upper, s->x);
        double y = f->evaluate(f, s->x);
        if (isnan(y))
            return PB_CONTINUE; /* the budget is spent: the host ends the run */
        if (y < s->best_f) {
            s->best_f = y;
            memcpy(s->best_x, s->x, f->dim * sizeof(double));
        }
    }
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    const state *s = p;
    memcpy(out, s->best_x, s->f->dim * sizeof(double));
    return 0;
}

static void destroy(void *p)
{
    state *s = p;
    free(s->best_x);
    free(s->x);
    free(s);
}

/* plugbench.microkernels/1, "step": step() as `plugbench bench` times it; create() and
 * destroy() serve as setup and teardown. */
static int32_t kernel_run(void *p, uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++)
        step(p);
    return 0;
}

static const pb_microkernel step_kernel = {
    .struct_size = sizeof(pb_microkernel),
    .name = "step",
    .doc = "one step: batch (default 10) uniform points drawn and evaluated; items: evaluations",
    .items_per_iteration = 10, /* the default batch, params[0] */
    .setup = create,
    .run = kernel_run,
    .teardown = destroy,
};
static const pb_microkernel *const kernels[] = {&step_kernel};
static const pb_microkernels microkernels = {
    .struct_size = sizeof(pb_microkernels), .n_kernels = 1, .kernels = kernels};

/* The optional extensions: the microkernels only. */
static const void *extension(const char *id)
{
    return strcmp(id, PB_MICROKERNELS_ID) == 0 ? &microkernels : NULL;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "random-search",
    .version = "1.0.0",
    .summary = "uniform random sampling of the box, keeping the best point",
    .citation = "baseline: S. H. Brooks, A discussion of random methods for seeking maxima, "
                "Operations Research 6(2), 1958",
    .kind = PB_KIND_BLACKBOX,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
