/* A complete plugin: (1+1) random local search with a fixed step size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

enum { P_SIGMA };
static const pb_param params[] = {
    [P_SIGMA] = {.name = "sigma", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-9,
                 .max = 10, .doc = "step size, as a fraction of the box width"},
};

typedef struct state {
    pb_state_head head; /* the context, and the solution: best */
    const pb_blackbox *f;
    pb_rng rng;
    double sigma, best_f;
    double *best, *x;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, best, f->dim), PB_ARRAY(state, x, f->dim));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->sigma = ctx->params[P_SIGMA].real;
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
        s->x[i] = s->best[i] +
                  s->sigma * (s->f->upper[i] - s->f->lower[i]) * pb_rng_normal(&s->rng);
    double y = s->f->evaluate(s->f, s->x);
    if (y < s->best_f) { /* false for the NaN of a spent budget */
        s->best_f = y;
        memcpy(s->best, s->x, s->f->dim * sizeof(double));
    }
    if (y == -INFINITY) /* an error: the message goes to the run's context */
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "f = -inf: the problem is unbounded");
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "local-search", .version = "0.1.0", .kind = PB_KIND_BLACKBOX,
          .summary = "(1+1) random local search with a fixed step",
          .citation = "baseline",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
