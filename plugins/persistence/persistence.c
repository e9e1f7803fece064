/*
 * The persistence forecast, the sequence kind's floor: x_{t+j} = x_t for every horizon j.
 * Nothing is learned: step() returns PB_DONE at once and draws no data. predict() repeats
 * the last observed step; it does not generate (generate = NULL).
 */
#include <string.h>

#include <plugbench/kit.h>

typedef struct state {
    pb_state_head head; /* the solution is empty */
    uint32_t dim;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_sequence *q = ctx->problem->oracle;
    state *s = pb_state_new(ctx, sizeof(state), 0, NULL);
    if (!s)
        return PB_ERR_NOMEM;
    s->dim = q->dim;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    (void)p;
    return PB_DONE; /* nothing to learn */
}

static int32_t predict(void *p, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                       double *out)
{
    const state *s = p;
    for (uint32_t b = 0; b < n; b++) {
        const double *last = x + ((size_t)b * steps + steps - 1) * s->dim;
        for (uint32_t j = 0; j < k; j++)
            memcpy(out + ((size_t)b * k + j) * s->dim, last, s->dim * sizeof *out);
    }
    return 0;
}

PB_SEQUENCE_PLUGIN(
    predict, NULL, .name = "persistence", .version = "1.0.0",
    .summary = "persistence forecast x_{t+j} = x_t: the floor every sequence model must beat",
    .citation = "baseline (the naive or persistence forecast, e.g. Hyndman & "
                "Athanasopoulos, Forecasting: Principles and Practice, section 5.2)",
    PB_STATE_LIFECYCLE(create, step))
