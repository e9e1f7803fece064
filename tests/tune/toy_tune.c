/*
 * The toy of the tune tests: a blackbox "algorithm" whose quality depends on its one
 * parameter p only through |ln p - ln P_BEST|, so that the best value is known. On a 1-D
 * quadratic (sphere-d1) it finds the minimizer exactly from three evaluations (the vertex
 * of the parabola through them) and then recommends a point off it by that distance times
 * a thousandth of the box width: its error is (|ln p - ln P_BEST| w / 1000)^2, smallest at
 * p = P_BEST and growing with the distance on either side, whatever the seed.
 */
#include <math.h>

#include <plugbench/kit.h>

#define P_BEST 0.01

static const pb_param params[] = {
    {.name = "p", .type = PB_PARAM_REAL, .default_value = 1, .min = 1e-4, .max = 1e4,
     .doc = "the knob; the best value is 0.01"},
};

typedef struct state {
    pb_state_head head; /* the context, and the solution: x */
    const pb_blackbox *f;
    double p;
    double *x;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    if (f->dim != 1)
        return pb_fail(ctx, PB_ERR_INVALID, "toy-tune runs on 1-D problems only");
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, x, 1));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->p = ctx->params[0].real;
    s->x[0] = f->lower[0];
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    double lo = s->f->lower[0], hi = s->f->upper[0], w = hi - lo;
    double a = lo + 0.25 * w, b = lo + 0.5 * w, c = lo + 0.75 * w;
    double fa = s->f->evaluate(s->f, &a), fb = s->f->evaluate(s->f, &b),
           fc = s->f->evaluate(s->f, &c);
    /* The vertex of the parabola through the three equally spaced points. */
    double vertex = b + 0.5 * (0.25 * w) * (fa - fc) / (fa - 2 * fb + fc);
    s->x[0] = vertex + fabs(log(s->p) - log(P_BEST)) * w / 1000;
    s->f->evaluate(s->f, s->x);
    return PB_DONE;
}

PB_PLUGIN(.name = "toy-tune", .version = "0.1.0", .kind = PB_KIND_BLACKBOX,
          .summary = "tune-test toy: quality depends on |ln p - ln 0.01| only",
          .citation = "none (a test plugin)", PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
