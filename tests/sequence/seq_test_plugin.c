/*
 * A test plugin of the sequence kind, built four times: "seq-test" with the
 * PB_SEQUENCE_MODEL extension, "seq-test-plain" (SEQ_TEST_PLAIN) without any extension,
 * "seq-test-nulls" (SEQ_TEST_NULLS) whose table has NULL predict and generate, and
 * "seq-test-rev1" (SEQ_TEST_REV1), seq-test's table with the struct_size of revision 1,
 * which ends before prior_sigma (as a plugin built against that header): the host must not
 * call the prior_sigma it holds past that size. Each step
 * draws one minibatch and keeps its sequences by their training index. The model:
 *   - predict = persistence: every prediction is the prefix's last step (x_{t+j} = x_t);
 *     misuse: calls next_batch, then predicts as persistence; nan: writes NaN; fail: fails
 *     with a message;
 *   - generate = replay: kept training sequences, drawn uniformly from the seed (what the
 *     discriminative score cannot tell from real ones); noise: uniform noise in
 *     [value_min, value_max] (what it tells at once); misuse: calls next_batch, then
 *     replays;
 *   - prior_sigma = ramp: (t + 1) / length * (b + 1) / n at step t of sequence b, whose mean
 *     over the n sequences and the steps is (length + 1) / (2 length) * (n + 1) / (2 n); it
 *     fails unless the seed is the one generate() was last called with; nan, negative: the
 *     ramp with NaN or -1 at the last value.
 * So one file drives every path of the runner for the kind (tests/sequence/meson.build).
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

enum { P_BATCH, P_PREDICT, P_GENERATE, P_SIGMA };
enum { PREDICT_PERSISTENCE, PREDICT_MISUSE, PREDICT_NAN, PREDICT_FAIL };
enum { GENERATE_REPLAY, GENERATE_NOISE, GENERATE_MISUSE };
enum { SIGMA_RAMP, SIGMA_NAN, SIGMA_NEGATIVE };
static const pb_param params[] = {
    [P_BATCH] = {.name = "batch", .type = PB_PARAM_INT, .default_value = 10, .min = 1,
                 .max = 1e6, .doc = "sequences per minibatch (capped at n_train)"},
    [P_PREDICT] = {.name = "predict", .type = PB_PARAM_CHOICE, .default_value = 0,
                   .choices = "persistence|misuse|nan|fail", .doc = "what predict() does"},
    [P_GENERATE] = {.name = "generate", .type = PB_PARAM_CHOICE, .default_value = 0,
                    .choices = "replay|noise|misuse", .doc = "what generate() does"},
    [P_SIGMA] = {.name = "sigma", .type = PB_PARAM_CHOICE, .default_value = 0,
                 .choices = "ramp|nan|negative", .doc = "what prior_sigma() writes"},
};

typedef struct state {
    pb_state_head head;
    const pb_sequence *f;
    uint32_t batch, row;
    int64_t predict, generate, sigma;
    uint32_t n_seen;
    uint64_t generate_seed; /* the last seed generate() was called with */
    double *kept;    /* n_train rows: the sequences seen, by training index */
    uint8_t *seen;   /* n_train */
    uint32_t *index; /* batch */
    double *x;       /* batch rows */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_sequence *f = pb_sequence_of(ctx);
    if (!f)
        return PB_ERR_INVALID;
    int64_t batch = ctx->params[P_BATCH].integer;
    uint32_t b = batch > (int64_t)f->n_train ? (uint32_t)f->n_train : (uint32_t)batch;
    size_t row = (size_t)f->length * f->dim;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, kept, f->n_train * row),
                            PB_ARRAY(state, seen, f->n_train), PB_ARRAY(state, index, b),
                            PB_ARRAY(state, x, b * row));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->batch = b;
    s->row = (uint32_t)row;
    s->predict = ctx->params[P_PREDICT].integer;
    s->generate = ctx->params[P_GENERATE].integer;
    s->sigma = ctx->params[P_SIGMA].integer;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    if (s->f->next_batch(s->f, s->batch, s->x, s->index) == 0)
        return PB_CONTINUE; /* the budget is spent: the host ends the run */
    for (uint32_t b = 0; b < s->batch; b++) {
        memcpy(s->kept + (size_t)s->index[b] * s->row, s->x + (size_t)b * s->row,
               s->row * sizeof(double));
        s->n_seen += !s->seen[s->index[b]];
        s->seen[s->index[b]] = 1;
    }
    return PB_CONTINUE;
}

#if !defined(SEQ_TEST_NULLS) && !defined(SEQ_TEST_PLAIN)
static int32_t predict(void *p, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                       double *out)
{
    state *s = p;
    uint32_t D = s->f->dim;
    if (s->predict == PREDICT_FAIL)
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "predict() fails on purpose (steps %u)",
                       steps);
    if (s->predict == PREDICT_MISUSE)
        s->f->next_batch(s->f, 1, s->x, NULL);
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t j = 0; j < k; j++)
            for (uint32_t d = 0; d < D; d++)
                out[((size_t)b * k + j) * D + d] = s->predict == PREDICT_NAN
                                                       ? NAN
                                                       : x[((size_t)b * steps + steps - 1) * D + d];
    return 0;
}

static int32_t generate(void *p, uint64_t seed, uint32_t n, uint32_t length, double *out)
{
    state *s = p;
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0);
    s->generate_seed = seed;
    size_t row = (size_t)length * s->f->dim;
    if (s->generate == GENERATE_MISUSE)
        s->f->next_batch(s->f, 1, s->x, NULL);
    for (uint32_t i = 0; i < n; i++) {
        double *o = out + i * row;
        if (s->generate == GENERATE_NOISE || s->n_seen == 0) {
            for (size_t v = 0; v < row; v++)
                o[v] = pb_rng_uniform_in(&rng, s->f->value_min, s->f->value_max);
            continue;
        }
        uint64_t pick = pb_rng_below(&rng, s->n_seen); /* the pick-th sequence seen */
        uint32_t j = 0;
        for (;; j++)
            if (s->seen[j] && pick-- == 0)
                break;
        memcpy(o, s->kept + (size_t)j * s->row, row * sizeof(double));
    }
    return 0;
}

static int32_t prior_sigma(void *p, uint64_t seed, uint32_t n, uint32_t length, double *out)
{
    state *s = p;
    if (seed != s->generate_seed)
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "prior_sigma() called with another seed "
                       "than generate()");
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t t = 0; t < length; t++)
            out[(size_t)b * length + t] = (t + 1.0) / length * (b + 1.0) / n;
    if (s->sigma != SIGMA_RAMP) /* the last sequence's last step */
        out[(size_t)n * length - 1] = s->sigma == SIGMA_NAN ? NAN : -1.0;
    return 0;
}
#endif

#if defined(SEQ_TEST_NULLS)
static const pb_sequence_model model = {.struct_size = sizeof(pb_sequence_model)};
PB_EXTENSIONS(extension, {PB_SEQUENCE_MODEL, &model})
#define NAME "seq-test-nulls"
#elif defined(SEQ_TEST_PLAIN)
#define NAME "seq-test-plain"
#elif defined(SEQ_TEST_REV1)
static const pb_sequence_model model = {.struct_size = offsetof(pb_sequence_model, prior_sigma),
                                        .predict = predict, .generate = generate,
                                        .prior_sigma = prior_sigma};
PB_EXTENSIONS(extension, {PB_SEQUENCE_MODEL, &model})
#define NAME "seq-test-rev1"
#else
static const pb_sequence_model model = {.struct_size = sizeof(pb_sequence_model),
                                        .predict = predict, .generate = generate,
                                        .prior_sigma = prior_sigma};
PB_EXTENSIONS(extension, {PB_SEQUENCE_MODEL, &model})
#define NAME "seq-test"
#endif

#ifdef SEQ_TEST_PLAIN
#define EXTENSION NULL
#else
#define EXTENSION extension
#endif

PB_PLUGIN(.name = NAME, .version = "0.1.0", .kind = PB_KIND_SEQUENCE,
          .summary = "test plugin: keeps the minibatches it draws; persistence predictions, "
                     "replay",
          .citation = "baseline", PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step),
          .extension = EXTENSION)
