/*
 * Pure random search: each step draws `batch` points uniformly in the box and keeps the
 * best. The baseline every black-box method must beat (Brooks 1958; Rastrigin 1963).
 */
#include <math.h>
#include <string.h>

#include "plugbench/kit.h"
#include "plugbench/rng.h"

enum { P_BATCH };
static const pb_param params[] = {
    [P_BATCH] = {.name = "batch", .type = PB_PARAM_INT, .default_value = 10, .min = 1,
                 .max = 1e6, .doc = "points drawn per iteration"},
};

typedef struct state {
    pb_state_head head; /* the solution is best_x */
    const pb_blackbox *f;
    pb_rng rng;
    uint32_t batch;
    double best_f;
    double *best_x, *x;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, best_x, f->dim),
                            PB_ARRAY(state, x, f->dim));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->batch = (uint32_t)ctx->params[P_BATCH].integer;
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

PB_PLUGIN_WITH_STEP_MICROKERNEL(
    "one step: batch (default 10) uniform points drawn and evaluated; "
    "items: evaluations",
    10 /* the default batch */,
    .name = "random-search", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
    .summary = "uniform random sampling of the box, keeping the best point",
    .citation = "baseline: S. H. Brooks, A discussion of random methods for seeking maxima, "
                "Operations Research 6(2), 1958",
    PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
