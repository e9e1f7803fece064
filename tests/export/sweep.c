/*
 * A test plugin of the blackbox kind: evaluates sweep_point(1), sweep_point(2), ... one per
 * step, the evaluation sequence that tests/export/coco_driver.c runs through COCO's
 * observer. Its solution is the last point (the host tracks the best value itself).
 */
#include <plugbench/kit.h>

#include "sweep_points.h"

typedef struct sweep {
    pb_state_head head; /* the context, and the solution: x */
    uint64_t evaluated;
    double *x;
} sweep;

static int32_t create(const pb_context *ctx, void **out)
{
    uint32_t dim = (uint32_t)ctx->problem->solution_length;
    sweep *s = PB_STATE_NEW(ctx, sweep, PB_ARRAY(sweep, x, dim));
    *out = s;
    return s ? 0 : PB_ERR_NOMEM;
}

static int32_t step(void *p)
{
    sweep *s = p;
    const pb_blackbox *f = s->head.ctx->problem->oracle;
    sweep_point(++s->evaluated, f->dim, s->x);
    f->evaluate(f, s->x);
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "sweep", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
          .summary = "test plugin: a fixed sequence of points, one evaluation per step",
          .citation = "test", PB_STATE_LIFECYCLE(create, step))
