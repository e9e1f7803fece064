/*
 * The sequence kind: minibatches of training sequences drawn by the host, sequence steps
 * counted, and the plugin's model measured through its PB_SEQUENCE_MODEL extension
 * (plugbench/sequence.h): test prediction MSE at every trace point, TimeGAN's scores of
 * generated sequences (posthoc.c) and the prior's spread along them once at the end.
 */
#include "seq_problem.h"
#include "plugbench/kit.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern const pb__numbered_family pb__family_seq_sines, pb__family_seq_pfsm,
    pb__family_seq_lorenz;
extern const pb__family pb__family_seq_stocks;

/* Indices into the kind's metrics (pb__kind_sequence, at the end); the first is the main one. */
enum { M_MSE, M_MSE_K, M_DISC, M_PRED, M_BRANCH, M_SIGMA, N_METRICS };

/* Seconds from a monotonic clock, for the model's measurement times. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Fisher-Yates over perm with the problem's batch generator. */
static void reshuffle(pb__seq_problem *p)
{
    for (uint32_t i = p->n_train; i > 1; i--) {
        uint32_t j = (uint32_t)pb_rng_below(&p->rng, i);
        uint32_t t = p->perm[i - 1];
        p->perm[i - 1] = p->perm[j];
        p->perm[j] = t;
    }
    p->pos = 0;
}

uint32_t pb__seq_next_batch(const pb_sequence *self, uint32_t batch_size, double *x,
                            uint32_t *index)
{
    pb__seq_problem *p = self->host;
    uint64_t cost = (uint64_t)batch_size * p->length;
    if (batch_size == 0 || batch_size > p->n_train || pb__oracle_refused(&p->base, cost))
        return 0;
    p->base.cost += cost;
    if (!p->seeded) {
        /* Stream "seqb": independent of the plugin's stream 0 for the same seed. */
        pb_rng_seed(&p->rng, p->base.seed, 0x73657162u);
        reshuffle(p);
        p->seeded = 1;
    }
    size_t row = (size_t)p->length * p->dim;
    for (uint32_t b = 0; b < batch_size; b++) {
        if (p->pos == p->n_train)
            reshuffle(p);
        uint32_t i = p->perm[p->pos++];
        memcpy(x + b * row, p->train + i * row, row * sizeof(double));
        if (index)
            index[b] = i;
    }
    return batch_size;
}

/* The kind measures the model, not a solution vector (solution_length 0): all NaN. */
static int measure(pb__problem *base, const double *solution, double *out)
{
    (void)base;
    (void)solution;
    for (int m = 0; m < N_METRICS; m++)
        out[m] = NAN;
    return 0;
}

int pb__seq_prediction_mse(pb__seq_problem *p, pb__seq_predict_fn predict, void *state,
                           double mse[2], double *seconds)
{
    uint32_t n = p->n_test, T = p->length, D = p->dim, K = PB__SEQ_K;
    size_t row = (size_t)T * D;
    double *x = malloc((size_t)n * (T - 1) * D * sizeof *x);
    double *out = malloc((size_t)n * K * D * sizeof *out);
    double sum[2] = {0.0, 0.0};
    int rc = x && out ? 0 : 2;
    mse[0] = mse[1] = NAN;
    *seconds = 0.0;
    for (uint32_t steps = 1; steps < T && rc == 0; steps++) {
        /* The prefixes, steps * D values each, packed: the plugin sees nothing later. */
        for (uint32_t b = 0; b < n; b++)
            memcpy(x + (size_t)b * steps * D, p->test + b * row, (size_t)steps * D * sizeof *x);
        for (size_t i = 0; i < (size_t)n * K * D; i++)
            out[i] = NAN; /* what a predict() that writes nothing leaves: nonfinite */
        double t0 = now();
        int32_t r = predict(state, n, steps, K, x, out);
        *seconds += now() - t0;
        if (r < 0) {
            rc = r;
            break;
        }
        for (uint32_t b = 0; b < n && rc == 0; b++)
            for (uint32_t j = 0; j < K && steps + j < T; j++)
                for (uint32_t d = 0; d < D; d++) {
                    double y = out[((size_t)b * K + j) * D + d];
                    double e = y - p->test[b * row + (size_t)(steps + j) * D + d];
                    if (!isfinite(y))
                        rc = 1;
                    else if (j == 0)
                        sum[0] += e * e;
                    else if (j == K - 1)
                        sum[1] += e * e;
                }
    }
    if (rc == 0) {
        mse[0] = sum[0] / ((double)n * (T - 1) * D);
        if (T > K)
            mse[1] = sum[1] / ((double)n * (T - K) * D);
    }
    free(x);
    free(out);
    return rc;
}

/* Maps n sequences from [value_min, value_max] to [0, 1], as TimeGAN's scores expect. */
static void to_unit(const pb__seq_problem *p, const double *in, double *out, uint32_t n)
{
    double lo = p->value_min, scale = 1.0 / (p->value_max - p->value_min);
    for (size_t i = 0; i < (size_t)n * p->length * p->dim; i++)
        out[i] = (in[i] - lo) * scale;
}

/* A seed derived from the run's seed, one stream per purpose. */
static uint64_t derived_seed(const pb__seq_problem *p, uint64_t stream)
{
    pb_rng rng;
    pb_rng_seed(&rng, p->base.seed, stream);
    return pb_rng_u64(&rng);
}

/*
 * The model's prior spread along the n sequences generate() just made from seed (its
 * revision 2 member, when the table has it): the mean of what prior_sigma() writes, over
 * sequences and steps, into out[M_SIGMA]. Returns as measure_model; 0 leaving the metric
 * NaN for a table without the member.
 */
static int measure_prior_sigma(pb__seq_problem *p, const pb_sequence_model *model, void *state,
                               uint64_t seed, double *out, char *err, size_t errlen)
{
    size_t revision2 = offsetof(pb_sequence_model, prior_sigma) + sizeof model->prior_sigma;
    if (model->struct_size < revision2 || !model->prior_sigma)
        return 0;
    uint32_t n = p->n_test;
    size_t values = (size_t)n * p->length;
    double *sigma = malloc(values * sizeof *sigma), sum = 0.0;
    int rc = 0;
    if (!sigma) {
        if (!err[0])
            snprintf(err, errlen, "host out of memory for %u sequences' prior sigma", n);
        return -1;
    }
    for (size_t i = 0; i < values; i++)
        sigma[i] = NAN; /* what a prior_sigma() that writes nothing leaves: nonfinite */
    int32_t r = model->prior_sigma(state, seed, n, p->length, sigma);
    for (size_t i = 0; i < values && r >= 0 && rc == 0; i++) {
        if (!isfinite(sigma[i]) || sigma[i] < 0.0) {
            if (!err[0])
                snprintf(err, errlen, "prior_sigma() wrote %g, not a finite value >= 0 "
                         "(sequence %zu, step %zu)", sigma[i], i / p->length, i % p->length);
            rc = isfinite(sigma[i]) ? -1 : 1; /* a negative spread is an error, NaN nonfinite */
        }
        sum += sigma[i];
    }
    if (r < 0) {
        if (!err[0])
            snprintf(err, errlen, "prior_sigma() failed with code %d", r);
        rc = -1;
    } else if (rc == 0) {
        out[M_SIGMA] = sum / (double)values;
    }
    free(sigma);
    return rc;
}

/*
 * The end-only metrics: generate n_test sequences from the model (seeded from the run's
 * seed) and, from the same seed, its prior's spread along them; then TimeGAN's
 * discriminative score (mean of PB__SEQ_DISC_REPETITIONS) against the test set, its
 * predictive score (mean of PB__SEQ_PRED_REPETITIONS), and the branch frequency where the
 * problem has branches. Returns as measure_model.
 */
static int measure_generated(pb__seq_problem *p, const pb_sequence_model *model, void *state,
                             double *out, char *err, size_t errlen)
{
    uint32_t n = p->n_test;
    size_t per = (size_t)p->length * p->dim, values = n * per;
    double *gen = malloc(values * sizeof *gen), *gen01 = malloc(values * sizeof *gen01);
    double *real01 = malloc(values * sizeof *real01);
    int rc = 0;
    if (!gen || !gen01 || !real01) {
        if (!err[0])
            snprintf(err, errlen, "host out of memory for %u generated sequences", n);
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < values; i++)
        gen[i] = NAN; /* what a generate() that writes nothing leaves: nonfinite */
    p->generated = 1;
    uint64_t seed = derived_seed(p, 0x67656e65u /* "gene" */);
    double t0 = now();
    int32_t r = model->generate(state, seed, n, p->length, gen);
    p->generate_seconds = now() - t0;
    if (r < 0) {
        if (!err[0])
            snprintf(err, errlen, "generate() failed with code %d", r);
        rc = -1;
        goto done;
    }
    for (size_t i = 0; i < values; i++)
        if (!isfinite(gen[i])) {
            if (!err[0])
                snprintf(err, errlen, "generate() wrote a value that is not finite (sequence "
                         "%zu, step %zu)", i / per, i % per / p->dim);
            rc = 1;
            goto done;
        }
    t0 = now();
    rc = measure_prior_sigma(p, model, state, seed, out, err, errlen);
    p->generate_seconds += now() - t0;
    if (rc != 0)
        goto done;
    t0 = now();
    to_unit(p, gen, gen01, n);
    to_unit(p, p->test, real01, n);
    double disc = 0.0, pred = 0.0;
    for (uint64_t k = 0; k < PB__SEQ_DISC_REPETITIONS; k++)
        disc += pb__seq_discriminative_score(real01, n, gen01, n, p->length, p->dim,
                                             derived_seed(p, 0x64697363u + (k << 32)));
    for (uint64_t k = 0; k < PB__SEQ_PRED_REPETITIONS; k++)
        pred += pb__seq_predictive_score(real01, n, gen01, n, p->length, p->dim,
                                         derived_seed(p, 0x70726564u + (k << 32)));
    out[M_DISC] = disc / PB__SEQ_DISC_REPETITIONS;
    out[M_PRED] = pred / PB__SEQ_PRED_REPETITIONS;
    if (p->branch_of) {
        uint32_t first = 0;
        for (uint32_t b = 0; b < n; b++)
            first += p->branch_of(p, gen + b * per) == 0;
        out[M_BRANCH] = (double)first / n;
    }
    p->score_seconds = now() - t0;
done:
    free(gen);
    free(gen01);
    free(real01);
    return rc;
}

/*
 * At a trace point (final 0): every metric, the prediction MSEs from predict() and NaN for
 * the end-only ones. At the end (final 1): the end-only metrics from generate(), over the
 * last point's. A missing table, or a NULL member, leaves its metrics NaN.
 */
static int measure_model(pb__problem *base, const pb_plugin *plugin, void *state, int final,
                         double *out, char *err, size_t errlen)
{
    pb__seq_problem *p = (pb__seq_problem *)base;
    const pb_sequence_model *model =
        plugin->extension ? plugin->extension(PB_SEQUENCE_MODEL) : NULL;
    size_t revision1 = offsetof(pb_sequence_model, generate) + sizeof model->generate;
    if (model && model->struct_size < revision1) {
        if (!err[0])
            snprintf(err, errlen, "the %s table's struct_size is %u, smaller than revision "
                     "1's %zu", PB_SEQUENCE_MODEL, model->struct_size, revision1);
        return -1;
    }
    if (final)
        return model && model->generate ? measure_generated(p, model, state, out, err, errlen)
                                        : 0;
    for (int m = 0; m < N_METRICS; m++)
        out[m] = NAN;
    if (!model || !model->predict)
        return 0;
    double mse[2], seconds;
    int rc = pb__seq_prediction_mse(p, model->predict, state, mse, &seconds);
    p->measured = 1;
    p->predict_seconds = seconds;
    p->predict_seconds_total += seconds;
    out[M_MSE] = mse[0];
    out[M_MSE_K] = mse[1];
    if (rc == 0)
        return 0;
    if (!err[0])
        snprintf(err, errlen, rc == 1 ? "predict() wrote a prediction that is not finite"
                              : rc == 2 ? "host out of memory for the test prefixes"
                                        : "predict() failed with code %d", rc);
    return rc == 1 ? 1 : -1;
}

/*
 * extras: [0] 1 (a run that ended before reporting them leaves 0), then the seconds of
 * [1] the last measurement's predict() calls, [2] all measurements', [3] generate() and
 * prior_sigma(), [4]
 * the post-hoc scores; NaN for what was not measured.
 */
static void collect_extras(const pb__problem *base, double *extras)
{
    const pb__seq_problem *p = (const pb__seq_problem *)base;
    extras[0] = 1.0;
    extras[1] = p->measured ? p->predict_seconds : NAN;
    extras[2] = p->measured ? p->predict_seconds_total : NAN;
    extras[3] = p->generated ? p->generate_seconds : NAN;
    extras[4] = p->generated ? p->score_seconds : NAN;
}

/* Into the record's time block: the model's measurement seconds, apart from training's. */
static void record_extras(const double *extras, cJSON *record)
{
    cJSON *time = cJSON_GetObjectItemCaseSensitive(record, "time");
    if (!cJSON_IsObject(time))
        return;
    static const char *const names[] = {"inference_seconds", "inference_seconds_total",
                                        "generate_seconds", "scoring_seconds"};
    for (int i = 0; i < 4; i++) {
        double v = extras[1 + i];
        if (extras[0] == 1.0 && isfinite(v))
            cJSON_AddNumberToObject(time, names[i], v);
        else
            cJSON_AddNullToObject(time, names[i]);
    }
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__seq_problem *p = (const pb__seq_problem *)base;
    cJSON_AddNumberToObject(obj, "dimension", p->dim);
    cJSON_AddNumberToObject(obj, "length", p->length);
    cJSON_AddNumberToObject(obj, "n_train", p->n_train);
    cJSON_AddNumberToObject(obj, "n_test", p->n_test);
    cJSON_AddNumberToObject(obj, "value_min", p->value_min);
    cJSON_AddNumberToObject(obj, "value_max", p->value_max);
    if (p->branch_of)
        cJSON_AddNumberToObject(obj, "branch_probability", p->branch_p);
    if (p->describe_extra)
        p->describe_extra(p, obj);
}

static void destroy(pb__problem *base)
{
    pb__seq_problem *p = (pb__seq_problem *)base;
    if (p->model_free)
        p->model_free(p->model);
    free(p->train_branch);
    free(p->test_branch);
    free(p); /* train, test and perm live in p's block */
}

pb__seq_problem *pb__seq_problem_new(uint32_t dim, uint32_t length, uint32_t n_train,
                                     uint32_t n_test, double value_min, double value_max)
{
    size_t row = (size_t)length * dim;
    const pb_array arrays[] = {PB_ARRAY(pb__seq_problem, train, (size_t)n_train * row),
                               PB_ARRAY(pb__seq_problem, test, (size_t)n_test * row),
                               PB_ARRAY(pb__seq_problem, perm, n_train)};
    pb__seq_problem *p = pb_block_new(sizeof *p, sizeof arrays / sizeof arrays[0], arrays);
    if (!p)
        return NULL;
    for (uint32_t i = 0; i < n_train; i++)
        p->perm[i] = i;
    p->dim = dim;
    p->length = length;
    p->n_train = n_train;
    p->n_test = n_test;
    p->value_min = value_min;
    p->value_max = value_max;
    p->oracle = (pb_sequence){
        .struct_size = sizeof(pb_sequence),
        .dim = dim,
        .length = length,
        .n_train = n_train,
        .value_min = value_min,
        .value_max = value_max,
        .next_batch = pb__seq_next_batch,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_sequence, &p->oracle, 0);
    return p;
}

_Static_assert(PB__SEQ_K == 5, "the k-step metric's name says 5");

/* The sequence kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_sequence = {
    .name = "sequence",
    .abi_kind = PB_KIND_SEQUENCE,
    .cost_unit = "steps",
    .doc = "learn a model of a data set of sequences from minibatches drawn by the host; "
           "measured by test prediction MSE and TimeGAN's scores of generated sequences",
    .metrics = {[M_MSE] = "test_mse", [M_MSE_K] = "test_mse_5step",
                [M_DISC] = "discriminative_score", [M_PRED] = "predictive_score",
                [M_BRANCH] = "branch_frequency", [M_SIGMA] = "prior_sigma"},
    /*
     * The default suite: the PFSM alone, the cheapest problem to score (2 features, so the
     * post-hoc GRUs have one unit; 100 test sequences): a plugin that generates costs some
     * seconds of scoring per run, whatever its budget (docs/results-schema.md).
     */
    .default_problems = {"seq-pfsm-i1"},
    .default_budget = {.cost = 90000}, /* 20 epochs of seq-pfsm-i1 (100 x 45 steps) */
    .families = {&pb__family_seq_sines.family, &pb__family_seq_pfsm.family,
                 &pb__family_seq_lorenz.family, &pb__family_seq_stocks},
    .ops = {.measure = measure, .collect_extras = collect_extras, .describe = describe,
            .destroy = destroy, .measure_model = measure_model},
    .record_extras = record_extras,
    .sparse_checkpoints = 1, /* predict() may run error regression at every test step */
};
