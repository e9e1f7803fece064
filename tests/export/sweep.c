/*
 * A test plugin of the blackbox kind: evaluates sweep_point(1), sweep_point(2), ... one per
 * step, the evaluation sequence that tests/export/coco_driver.c runs through COCO's
 * observer. Its solution is the best point so far.
 */
#include <string.h>

#include <plugbench/kit.h>

#include "sweep_points.h"

typedef struct state {
    pb_state_head head; /* the context, and the solution: best */
    const pb_blackbox *f;
    uint64_t k;
    double best_f;
    double *best, *x;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, best, f->dim), PB_ARRAY(state, x, f->dim));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->best_f = INFINITY;
    sweep_point(1, f->dim, s->best);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    sweep_point(++s->k, s->f->dim, s->x);
    double y = s->f->evaluate(s->f, s->x);
    if (y < s->best_f) {
        s->best_f = y;
        memcpy(s->best, s->x, s->f->dim * sizeof(double));
    }
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "sweep", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
          .summary = "test plugin: a fixed sequence of points, one evaluation per step",
          .citation = "test", PB_STATE_LIFECYCLE(create, step))
