/*
 * The sequence kind through the library: test_sequence SEQ-TEST.so SEQ-TEST-PLAIN.so
 * SEQ-TEST-NULLS.so (the test plugins of seq_test_plugin.c).
 *   - each generator against an independent computation: the sines against the recovered
 *     frequency and phase of every feature; the PFSM against the curves the test draws
 *     from the documented points and bulges, its noise, its labels and the classifier of
 *     its branch; the Lorenz windows against an independent fine-step integration of the
 *     system from their first sample, and their contiguity and scaling; the stock windows
 *     against the CSV file read here;
 *   - next_batch: steps counted, the budget (a refused batch writes, counts and draws
 *     nothing), batch sizes out of range, the run's seed drawing the same batches, each
 *     epoch a permutation, indices naming the rows served, refusals while measuring;
 *   - the prediction MSEs of a persistence predictor against a direct computation, and
 *     the prefixes predict() receives;
 *   - runs of the test plugins: the trace's test MSE is the persistence MSE, the end-only
 *     metrics come once at the end and the same seed gives them bit for bit; NaN metrics
 *     with status ok without the extension or with NULL members; an oracle called from
 *     predict() or generate() is an error, a NaN prediction nonfinite, a failing predict()
 *     an error with its message.
 * TimeGAN's scores themselves are tested in test_sequence_scores.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "plugin_run.h"
#include "seq_problem.h"
#include "trace_log.h"

/* Value d of step t of sequence i of a data array of p's shape. */
static double at(const pb__seq_problem *p, const double *data, uint32_t i, uint32_t t, uint32_t d)
{
    return data[((size_t)i * p->length + t) * p->dim + d];
}

/* ---- generators ----------------------------------------------------------------------- */

/*
 * Every feature of every sines sequence is (sin(f t + phi) + 1)/2 with f, phi in [0, 0.1):
 * phi and f are recovered from steps 0 and 1, and every step checked; the frequencies'
 * mean is that of U(0, 0.1); another instance draws other data.
 */
static void test_sines(void)
{
    pb__seq_problem *p = open_problem("seq-sines-i1"), *q = open_problem("seq-sines-i2");
    if (!p || !q)
        return;
    CHECK(p->dim == 5 && p->length == 24 && p->n_train == 1000 && p->n_test == 200 &&
              p->value_min == 0.0 && p->value_max == 1.0,
          "seq-sines-i1: 1000 train and 200 test sequences of 24 x 5 in [0, 1]");
    double worst = 0.0, fmin = 1.0, fmax = 0.0, fsum = 0.0, pmin = 1.0, pmax = 0.0;
    int in_range = 1;
    for (int set = 0; set < 2; set++) {
        const double *data = set ? p->test : p->train;
        uint32_t n = set ? p->n_test : p->n_train;
        for (uint32_t i = 0; i < n; i++)
            for (uint32_t d = 0; d < 5; d++) {
                double phi = asin(2.0 * at(p, data, i, 0, d) - 1.0);
                double f = asin(2.0 * at(p, data, i, 1, d) - 1.0) - phi;
                fmin = fmin < f ? fmin : f;
                fmax = fmax > f ? fmax : f;
                pmin = pmin < phi ? pmin : phi;
                pmax = pmax > phi ? pmax : phi;
                fsum += f;
                for (uint32_t t = 0; t < 24; t++) {
                    double x = at(p, data, i, t, d), e = fabs(x - 0.5 * (sin(f * t + phi) + 1.0));
                    worst = e > worst ? e : worst;
                    in_range &= x >= 0.0 && x <= 1.0;
                }
            }
    }
    double fmean = fsum / (1200.0 * 5);
    CHECK(worst < 1e-11 && in_range, "sines: every step is (sin(f t + phi) + 1)/2 of the "
          "recovered f and phi (worst error %.1e), all in [0, 1]", worst);
    CHECK(fmin >= -1e-12 && fmax < 0.1 + 1e-12 && pmin >= -1e-12 && pmax < 0.1 + 1e-12 &&
              fabs(fmean - 0.05) < 0.002,
          "sines: f in [%.4f, %.4f], phi in [%.4f, %.4f], mean f %.4f (U(0, 0.1): 0.05 +- "
          "0.0004)", fmin, fmax, pmin, pmax, fmean);
    CHECK(memcmp(p->train, q->train, 24 * 5 * sizeof(double)) != 0,
          "sines: another instance draws other sequences");
    pb__problem_close(&p->base);
    pb__problem_close(&q->base);
}

/* The PFSM's noise-free curve of a branch, from the documentation: 45 x 2 into x. */
static void pfsm_curve(int branch, double *x)
{
    static const double P[3][2] = {{-0.6, -0.3}, {0.0, 0.6}, {0.6, -0.3}};
    const double bulge[3] = {0.25, branch == 0 ? 0.3 : -0.3, 0.25};
    for (int s = 0; s < 3; s++) {
        const double *f = P[s], *g = P[(s + 1) % 3];
        double dx = g[0] - f[0], dy = g[1] - f[1], len = hypot(dx, dy);
        for (int i = 0; i < 15; i++) {
            double u = (i + 1) / 15.0, e = (1.0 - cos(M_PI * u)) / 2.0;
            double b = bulge[s] * sin(M_PI * u);
            x[2 * (15 * s + i)] = f[0] + e * dx - b * dy / len;
            x[2 * (15 * s + i) + 1] = f[1] + e * dy + b * dx / len;
        }
    }
}

/*
 * The PFSM: each sequence is its labelled branch's curve plus noise of standard deviation
 * 0.01; each set takes the 0.3 branch exactly 30 times in 100; the curves pass through the
 * states' points at the ends of the primitives; the classifier reads the label of every
 * data sequence, and of noisier sequences (0.05) drawn here.
 */
static void test_pfsm(void)
{
    pb__seq_problem *p = open_problem("seq-pfsm-i1");
    if (!p)
        return;
    CHECK(p->dim == 2 && p->length == 45 && p->n_train == 100 && p->n_test == 100 &&
              p->value_min == -0.8 && p->value_max == 0.8 && p->branch_of && p->branch_p == 0.3,
          "seq-pfsm-i1: 100 train and 100 test sequences of 45 x 2 in [-0.8, 0.8], branch 0.3");
    double curve[2][90];
    pfsm_curve(0, curve[0]);
    pfsm_curve(1, curve[1]);
    CHECK(fabs(curve[0][28] - 0.0) < 1e-15 && fabs(curve[0][29] - 0.6) < 1e-15 &&
              fabs(curve[1][58] - 0.6) < 1e-15 && fabs(curve[1][59] + 0.3) < 1e-15 &&
              fabs(curve[0][88] + 0.6) < 1e-15 && fabs(curve[0][89] + 0.3) < 1e-15,
          "pfsm: the primitives end at P1 (step 14), P2 (step 29) and P0 (step 44)");
    double s1 = 0.0, s2 = 0.0, worst = 0.0;
    size_t count = 0;
    int ones[2] = {0, 0}, correct = 0;
    for (int set = 0; set < 2; set++) {
        const double *data = set ? p->test : p->train;
        const uint8_t *label = set ? p->test_branch : p->train_branch;
        for (uint32_t i = 0; i < 100; i++) {
            ones[set] += label[i] == 0;
            correct += p->branch_of(p, data + (size_t)i * 90) == label[i];
            for (int k = 0; k < 90; k++) {
                double e = data[(size_t)i * 90 + k] - curve[label[i]][k];
                s1 += e;
                s2 += e * e;
                worst = fabs(e) > worst ? fabs(e) : worst;
                count++;
            }
        }
    }
    double mean = s1 / count, sd = sqrt(s2 / count - mean * mean);
    CHECK(fabs(mean) < 3e-4 && fabs(sd - 0.01) < 3e-4 && worst < 0.06,
          "pfsm: values are the labelled branch's curve plus noise of mean %.1e, sd %.5f "
          "(0.01), largest %.3f", mean, sd, worst);
    CHECK(ones[0] == 30 && ones[1] == 30, "pfsm: 30 of 100 train and %d of 100 test sequences "
          "take the 0.3 branch", ones[1]);
    CHECK(correct >= 198, "pfsm: the classifier reads %d of the 200 labelled sequences' "
          "branches (>= 99 %%)", correct);
    pb_rng rng;
    pb_rng_seed(&rng, 11, 0);
    double x[90];
    int right = 0;
    for (int i = 0; i < 1000; i++) {
        int branch = (int)pb_rng_below(&rng, 2);
        for (int k = 0; k < 90; k++)
            x[k] = curve[branch][k] + 0.05 * pb_rng_normal(&rng);
        right += p->branch_of(p, x) == branch;
    }
    CHECK(right >= 990, "pfsm: the classifier reads %d of 1000 noisier sequences (sd 0.05)",
          right);
    pb__problem_close(&p->base);
}

/* The Lorenz field and an RK4 step of h: the test's own integrator. */
static void lorenz_field(const double *s, double *ds)
{
    ds[0] = 10.0 * (s[1] - s[0]);
    ds[1] = s[0] * (28.0 - s[2]) - s[1];
    ds[2] = s[0] * s[1] - 8.0 / 3.0 * s[2];
}

static void fine_integrate(double *s, double time, int substeps)
{
    double h = time / substeps, k[4][3], t[3];
    for (int n = 0; n < substeps; n++) {
        lorenz_field(s, k[0]);
        for (int i = 0; i < 3; i++)
            t[i] = s[i] + 0.5 * h * k[0][i];
        lorenz_field(t, k[1]);
        for (int i = 0; i < 3; i++)
            t[i] = s[i] + 0.5 * h * k[1][i];
        lorenz_field(t, k[2]);
        for (int i = 0; i < 3; i++)
            t[i] = s[i] + h * k[2][i];
        lorenz_field(t, k[3]);
        for (int i = 0; i < 3; i++)
            s[i] += h / 6.0 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
    }
}

/*
 * The Lorenz windows: unscaled with the raw range describe() records, each checked window
 * follows the system from its first sample, integrated here by RK4 with 3 substeps per
 * sample (the documented dt = 0.01: equal to rounding), 6 substeps (dt = 0.005) and 300
 * substeps (dt = 0.0001, accurate to about 1e-12): the windows' deviation from the last is
 * RK4's error at dt = 0.01, about 16 times the dt = 0.005 integration's (fourth order).
 * Consecutive windows continue one another, across the train/test boundary too; every coordinate spans
 * exactly [0, 1].
 */
static void test_lorenz(void)
{
    pb__seq_problem *p = open_problem("seq-lorenz-i1");
    if (!p)
        return;
    CHECK(p->dim == 3 && p->length == 24 && p->n_train == 1000 && p->n_test == 200,
          "seq-lorenz-i1: 1000 train and 200 test windows of 24 x 3");
    cJSON *obj = cJSON_CreateObject();
    p->base.ops->describe(&p->base, obj);
    double lo[3], hi[3];
    const cJSON *mins = cJSON_GetObjectItem(obj, "raw_min"), *maxs = cJSON_GetObjectItem(obj, "raw_max");
    for (int i = 0; i < 3; i++) {
        lo[i] = cJSON_GetArrayItem(mins, i)->valuedouble;
        hi[i] = cJSON_GetArrayItem(maxs, i)->valuedouble;
    }
    cJSON_Delete(obj);
    double vmin[3] = {1, 1, 1}, vmax[3] = {0, 0, 0};
    for (int set = 0; set < 2; set++) {
        const double *data = set ? p->test : p->train;
        size_t n = (size_t)(set ? p->n_test : p->n_train) * 24;
        for (size_t j = 0; j < n; j++)
            for (int i = 0; i < 3; i++) {
                vmin[i] = fmin(vmin[i], data[j * 3 + i]);
                vmax[i] = fmax(vmax[i], data[j * 3 + i]);
            }
    }
    CHECK(vmin[0] == 0 && vmin[1] == 0 && vmin[2] == 0 && vmax[0] == 1 && vmax[1] == 1 &&
              vmax[2] == 1 && lo[2] > 0 && hi[2] < 60 && lo[0] < -10 && hi[0] > 10,
          "lorenz: each coordinate spans [0, 1] exactly; raw z in [%.2f, %.2f], x in [%.2f, "
          "%.2f]", lo[2], hi[2], lo[0], hi[0]);
    /* Windows to follow: (set, index); train 999 continues into test 0. */
    const int windows[][2] = {{0, 0}, {0, 1}, {0, 500}, {0, 999}, {1, 0}, {1, 198}};
    const int substeps[3] = {3, 6, 300};
    double worst[3] = {0, 0, 0}, worst_join = 0.0, worst_half = 0.0;
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        const double *data = windows[w][0] ? p->test : p->train;
        uint32_t i = (uint32_t)windows[w][1];
        double s[3][3];
        for (int m = 0; m < 3; m++)
            for (int c = 0; c < 3; c++)
                s[m][c] = lo[c] + at(p, data, i, 0, c) * (hi[c] - lo[c]);
        for (uint32_t t = 1; t <= 24; t++) {
            /* The next window's first sample follows this window's last. */
            const double *next_data = t < 24 ? data : !windows[w][0] && i == 999 ? p->test : data;
            uint32_t ni = t < 24 ? i : !windows[w][0] && i == 999 ? 0 : i + 1, nt = t % 24;
            for (int m = 0; m < 3; m++) {
                fine_integrate(s[m], 0.03, substeps[m]);
                for (int c = 0; c < 3; c++) {
                    double v = lo[c] + at(p, next_data, ni, nt, c) * (hi[c] - lo[c]);
                    double e = fabs(v - s[m][c]) / (hi[c] - lo[c]);
                    if (t < 24)
                        worst[m] = e > worst[m] ? e : worst[m];
                    else if (m == 0)
                        worst_join = e > worst_join ? e : worst_join;
                }
            }
            for (int c = 0; c < 3 && t < 24; c++) {
                double e = fabs(s[1][c] - s[2][c]) / (hi[c] - lo[c]);
                worst_half = e > worst_half ? e : worst_half;
            }
        }
    }
    CHECK(worst[0] < 1e-12 && worst_join < 1e-12,
          "lorenz: windows are RK4 steps of 0.01 (largest deviation from the test's own RK4 "
          "%.1e of the range; from one window's end to the next window's start %.1e)",
          worst[0], worst_join);
    CHECK(worst[2] < 1e-4 && worst[2] / worst_half > 10 && worst[2] / worst_half < 25,
          "lorenz: against a 300-substep integration the windows deviate %.1e of the range, "
          "%.1f times a dt = 0.005 integration's %.1e (fourth order: 16)", worst[2],
          worst[2] / worst_half, worst_half);
    pb__problem_close(&p->base);
}

/*
 * The stock windows against eustocks.csv read here: R's first and last rows, min-max
 * scaling per index over all 1860 days, training windows starting on days 0..1464 and test
 * windows on days 1488..1836.
 */
static void test_stocks(void)
{
    pb__seq_problem *p = open_problem("seq-stocks");
    if (!p)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/eustocks/eustocks.csv", pb__dataset_dir());
    FILE *f = fopen(path, "r");
    static double raw[1860][4];
    int rows = 0, day = 0;
    char header[64];
    if (f && fgets(header, sizeof header, f))
        while (rows < 1860 && fscanf(f, "%lf,%lf,%lf,%lf,%d", &raw[rows][0], &raw[rows][1],
                                     &raw[rows][2], &raw[rows][3], &day) == 5 && day == rows + 1)
            rows++;
    if (f)
        fclose(f);
    CHECK(rows == 1860 && strcmp(header, "DAX,SMI,CAC,FTSE,day\n") == 0 &&
              raw[0][0] == 1628.75 && raw[0][1] == 1678.1 && raw[0][2] == 1772.8 &&
              raw[0][3] == 2443.6 && raw[1859][0] == 5473.72 && raw[1859][3] == 5455.0,
          "stocks: %s holds R's EuStockMarkets (%d days; first DAX 1628.75, last FTSE 5455)",
          path, rows);
    CHECK(p->dim == 4 && p->length == 24 && p->n_train == 1465 && p->n_test == 349,
          "seq-stocks: 1465 train and 349 test windows of 24 x 4 (%u, %u)", p->n_train, p->n_test);
    double lo[4], hi[4], worst = 0.0;
    for (int c = 0; c < 4; c++) {
        lo[c] = hi[c] = raw[0][c];
        for (int d = 0; d < 1860; d++) {
            lo[c] = fmin(lo[c], raw[d][c]);
            hi[c] = fmax(hi[c], raw[d][c]);
        }
    }
    for (uint32_t w = 0; w < p->n_train + p->n_test; w++) {
        int test = w >= p->n_train;
        uint32_t i = test ? w - p->n_train : w, first = test ? 1488 + i : i;
        for (uint32_t t = 0; t < 24; t++)
            for (int c = 0; c < 4; c++) {
                double want = (raw[first + t][c] - lo[c]) / (hi[c] - lo[c]);
                double e = fabs(at(p, test ? p->test : p->train, i, t, (uint32_t)c) - want);
                worst = e > worst ? e : worst;
            }
    }
    CHECK(worst < 1e-15, "stocks: every window is its days' min-max scaled prices (worst "
          "%.1e); the last training day 1487 precedes the first test day 1488", worst);
    pb__problem_close(&p->base);
}

/* ---- next_batch ----------------------------------------------------------------------- */

/* For check_seeded_batches: the indices of one batch of b. */
static void draw_indices(void *problem, uint32_t b, void *out)
{
    pb__seq_problem *p = problem;
    double *x = malloc((size_t)b * p->length * p->dim * sizeof *x);
    p->oracle.next_batch(&p->oracle, b, x, out);
    free(x);
}

static void test_next_batch(void)
{
    check_seeded_batches("seq-pfsm-i1", 8, 5, 8 * sizeof(uint32_t), draw_indices);
    pb__seq_problem *p = open_problem("seq-pfsm-i1");
    if (!p)
        return;
    const pb_sequence *f = &p->oracle;
    uint32_t n = p->n_train, T = p->length, D = p->dim;
    size_t row = (size_t)T * D;
    CHECK(f->struct_size == sizeof(pb_sequence) && f->dim == 2 && f->length == 45 &&
              f->n_train == 100 && f->value_min == -0.8 && f->value_max == 0.8 &&
              p->base.handle.solution_length == 0,
          "pb_sequence: shape, range, and no solution vector");
    p->base.seed = 1;
    double *x = malloc(n * row * sizeof *x);
    uint32_t *index = malloc(n * sizeof *index), *seen = calloc(n, sizeof *seen);
    int rows_ok = 1, epochs_ok = 1;
    for (int epoch = 0; epoch < 3; epoch++) {
        for (uint32_t i = 0; i < n; i++) {
            uint32_t got = f->next_batch(f, 1, x, index);
            rows_ok &= got == 1 && memcmp(x, p->train + index[0] * row, row * sizeof *x) == 0;
            seen[index[0]]++;
        }
        for (uint32_t i = 0; i < n; i++)
            epochs_ok &= seen[i] == (uint32_t)epoch + 1;
    }
    CHECK(rows_ok && epochs_ok && p->base.cost == 3ull * n * T,
          "next_batch: batches of 1 visit every sequence once per epoch (3 epochs, %llu steps "
          "counted = 3 x 100 x 45), each the training row its index names",
          (unsigned long long)p->base.cost);
    uint32_t got = f->next_batch(f, 37, x, index);
    rows_ok = got == 37;
    for (uint32_t b = 0; b < 37; b++)
        rows_ok &= index[b] < n && memcmp(x + b * row, p->train + index[b] * row,
                                           row * sizeof *x) == 0;
    CHECK(rows_ok && p->base.cost == 3ull * n * T + 37ull * T,
          "next_batch: a batch of 37 across an epoch boundary: 37 rows as indexed, 37 x 45 "
          "steps counted");
    /* The budget: 10 sequences' steps; batches of 4 are served twice, the third refused. */
    p->base.cost = 0;
    p->base.cost_limit = 10ull * T;
    uint32_t r1 = f->next_batch(f, 4, x, index), r2 = f->next_batch(f, 4, x, index);
    uint32_t pos = p->pos;
    x[0] = 42.0;
    index[0] = 4242;
    uint32_t r3 = f->next_batch(f, 4, x, index);
    CHECK(r1 == 4 && r2 == 4 && r3 == 0 && x[0] == 42.0 && index[0] == 4242 &&
              p->pos == pos && p->base.cost == 8ull * T && p->base.exhausted,
          "next_batch beyond the budget: 0, nothing written or drawn, %llu of %llu steps "
          "counted, the run told to end", (unsigned long long)p->base.cost, 10ull * T);
    p->base.cost_limit = UINT64_MAX;
    p->base.exhausted = 0;
    CHECK(f->next_batch(f, 0, x, index) == 0 && f->next_batch(f, n + 1, x, index) == 0 &&
              p->base.cost == 8ull * T && !p->base.exhausted,
          "next_batch: sizes 0 and n_train + 1 are refused, counting nothing");
    CHECK(f->next_batch(f, 2, x, NULL) == 2, "next_batch: index may be NULL");
    p->base.cost_limit = 0;
    p->base.measuring = 1;
    CHECK(f->next_batch(f, 1, x, index) == 0 && p->base.oracle_misuse,
          "next_batch while the host measures: refused, and marked a misuse");
    free(x);
    free(index);
    free(seen);
    pb__problem_close(&p->base);
}

/* ---- prediction MSE ------------------------------------------------------------------- */

typedef struct persistence {
    const pb__seq_problem *p;
    uint32_t expect_steps; /* the next call's prefix length */
    int prefixes_ok;
} persistence;

/* Persistence, checking that the host asks prefix by prefix, in order, with the test data. */
static int32_t persistence_predict(void *state, uint32_t n, uint32_t steps, uint32_t k,
                                   const double *x, double *out)
{
    persistence *s = state;
    const pb__seq_problem *p = s->p;
    uint32_t D = p->dim;
    s->prefixes_ok &= n == p->n_test && steps == s->expect_steps++ && k == PB__SEQ_K;
    for (uint32_t b = 0; b < n; b++) {
        s->prefixes_ok &= memcmp(x + (size_t)b * steps * D, p->test + (size_t)b * p->length * D,
                                 (size_t)steps * D * sizeof *x) == 0;
        for (uint32_t j = 0; j < k; j++)
            memcpy(out + ((size_t)b * k + j) * D, x + ((size_t)b * steps + steps - 1) * D,
                   D * sizeof *x);
    }
    return 0;
}

/*
 * The MSEs of persistence (x_{t+j} predicted by x_t) against direct sums over the test set:
 * one step, mean of (x_{t+1} - x_t)^2; five steps, mean of (x_{t+5} - x_t)^2.
 */
static void test_prediction_mse(const char *id)
{
    pb__seq_problem *p = open_problem(id);
    if (!p)
        return;
    persistence s = {p, 1, 1};
    double mse[2], seconds;
    int rc = pb__seq_prediction_mse(p, persistence_predict, &s, mse, &seconds);
    double sum1 = 0.0, sum5 = 0.0;
    for (uint32_t i = 0; i < p->n_test; i++)
        for (uint32_t t = 0; t + 1 < p->length; t++)
            for (uint32_t d = 0; d < p->dim; d++) {
                double e = at(p, p->test, i, t + 1, d) - at(p, p->test, i, t, d);
                sum1 += e * e;
                if (t + 5 < p->length) {
                    e = at(p, p->test, i, t + 5, d) - at(p, p->test, i, t, d);
                    sum5 += e * e;
                }
            }
    double want1 = sum1 / ((double)p->n_test * (p->length - 1) * p->dim);
    double want5 = sum5 / ((double)p->n_test * (p->length - 5) * p->dim);
    CHECK(rc == 0 && s.prefixes_ok && s.expect_steps == p->length && seconds >= 0.0,
          "%s: predict() asked for prefixes of 1 .. %u steps, in order, each the test data's",
          id, p->length - 1);
    CHECK(fabs(mse[0] - want1) <= 1e-12 * want1 && fabs(mse[1] - want5) <= 1e-12 * want5,
          "%s: persistence MSE one step %.6g (direct %.6g), five steps %.6g (direct %.6g)", id,
          mse[0], want1, mse[1], want5);
    pb__problem_close(&p->base);
}

/* ---- runs ------------------------------------------------------------------------------ */

/* One run of plugin with parameter `name` set to `value` (NULL: defaults), traced. */
static pb__outcome run_with(const pb__plugin_file *plugin, const char *name, const char *value,
                            const char *id, uint64_t seed, uint64_t budget, trace_log *trace)
{
    pb_value params[8];
    char err[512] = "";
    pb__params_defaults(plugin->desc, params);
    if (name)
        set(plugin, params, name, value);
    pb__limits limits = {.budget = {.cost = budget}, .target = NAN};
    pb__outcome out;
    if (trace)
        trace->n = 0;
    if (pb__run_id(plugin, params, id, seed, &limits, trace ? collect_trace : NULL, trace, &out, err,
                   sizeof err) != 0)
        CHECK(0, "%s", err);
    return out;
}

static int all_nan(const double *m, int n)
{
    for (int i = 0; i < n; i++)
        if (!isnan(m[i]))
            return 0;
    return 1;
}

static void test_runs(const pb__plugin_file *full, const pb__plugin_file *plain,
                      const pb__plugin_file *nulls, const pb__plugin_file *rev1)
{
    pb__seq_problem *p = open_problem("seq-pfsm-i1");
    if (!p)
        return;
    persistence s = {p, 1, 1};
    double mse[2], seconds;
    pb__seq_prediction_mse(p, persistence_predict, &s, mse, &seconds);
    pb__problem_close(&p->base);

    /* Budget 2000 steps: batches of 10 x 45 = 450; the fifth is refused. */
    trace_log tr;
    pb__outcome a = run_with(full, NULL, NULL, "seq-pfsm-i1", 5, 2000, &tr);
    int trace_ok = tr.n >= 2;
    for (size_t i = 0; i < tr.n; i++)
        trace_ok &= tr.points[i].metrics[0] == mse[0] && tr.points[i].metrics[1] == mse[1] &&
                    isnan(tr.points[i].metrics[2]) && isnan(tr.points[i].metrics[3]) &&
                    isnan(tr.points[i].metrics[4]) && isnan(tr.points[i].metrics[5]);
    CHECK(a.status == PB__STATUS_OK && a.stop == PB__STOP_COST && a.cost == 1800 &&
              a.iterations == 5,
          "seq-test on seq-pfsm-i1, budget 2000 steps: ok, %llu steps in %llu steps(), stop %s",
          (unsigned long long)a.cost, (unsigned long long)a.iterations, pb__stop_name(a.stop));
    CHECK(trace_ok && a.metrics[0] == mse[0] && a.metrics[1] == mse[1],
          "the trace's %zu points and the final metrics hold the persistence MSEs; the "
          "end-only metrics are NaN in the trace", tr.n);
    CHECK(a.metrics[2] >= 0.0 && a.metrics[2] <= 0.5 && a.metrics[3] > 0.0 &&
              a.metrics[3] < 0.5 && a.metrics[4] >= 0.0 && a.metrics[4] <= 1.0,
          "end-only metrics of replayed training sequences: discriminative %.4f, predictive "
          "%.4f, branch frequency %.3f", a.metrics[2], a.metrics[3], a.metrics[4]);
    /* seq-test's prior_sigma: (t + 1) / T * (b + 1) / n over n = 100 test sequences of T = 45. */
    double sigma = (45.0 + 1.0) / (2.0 * 45.0) * (100.0 + 1.0) / (2.0 * 100.0);
    CHECK(fabs(a.metrics[5] - sigma) <= 1e-15,
          "prior_sigma is the mean of what the table's prior_sigma() wrote, called with "
          "generate()'s seed: %.17g (by hand %.17g)", a.metrics[5], sigma);
    CHECK(a.extras[0] == 1.0 && a.extras[1] >= 0.0 && a.extras[2] >= a.extras[1] &&
              a.extras[3] >= 0.0 && a.extras[4] > 0.0,
          "times: inference %.3g s (last), %.3g s (all), generate %.3g s, scoring %.3g s",
          a.extras[1], a.extras[2], a.extras[3], a.extras[4]);
    pb__outcome b = run_with(full, NULL, NULL, "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(memcmp(a.metrics, b.metrics, sizeof a.metrics) == 0,
          "the same seed gives the same final metrics, scores included, bit for bit");

    pb__outcome o = run_with(rev1, NULL, NULL, "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_OK && memcmp(o.metrics, a.metrics, 5 * sizeof *a.metrics) == 0 &&
              isnan(o.metrics[5]),
          "a table of revision 1's struct_size: the same metrics, prior_sigma NaN (%g): the "
          "host does not read past struct_size", o.metrics[5]);
    o = run_with(plain, NULL, NULL, "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_OK && o.cost == 1800 && all_nan(o.metrics, 6) &&
              isnan(o.extras[1]) && isnan(o.extras[3]),
          "without the extension: trained, status ok, every metric NaN");
    o = run_with(nulls, NULL, NULL, "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_OK && all_nan(o.metrics, 6),
          "with NULL predict, generate and prior_sigma: status ok, every metric NaN");
    o = run_with(full, "predict", "misuse", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_ERROR && strstr(o.message, "called an oracle"),
          "next_batch from predict(): error: %s", o.message);
    o = run_with(full, "generate", "misuse", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_ERROR && strstr(o.message, "called an oracle") &&
              o.metrics[0] == mse[0],
          "next_batch from generate(): error, the prediction metrics kept: %s", o.message);
    o = run_with(full, "predict", "nan", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_NONFINITE && strstr(o.message, "not finite"),
          "a NaN prediction: nonfinite: %s", o.message);
    o = run_with(full, "sigma", "nan", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_NONFINITE && strstr(o.message, "prior_sigma() wrote nan") &&
              isnan(o.metrics[5]),
          "a NaN sigma: nonfinite, the metric NaN: %s", o.message);
    o = run_with(full, "sigma", "negative", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_ERROR && strstr(o.message, "(sequence 99, step 44)") &&
              isnan(o.metrics[5]),
          "a negative sigma: error naming where: %s", o.message);
    o = run_with(full, "predict", "fail", "seq-pfsm-i1", 5, 2000, NULL);
    CHECK(o.status == PB__STATUS_ERROR && strstr(o.message, "fails on purpose"),
          "a failing predict(): error with its message: %s", o.message);
}

int main(int argc, char **argv)
{
    test_sines();
    test_pfsm();
    test_lorenz();
    test_stocks();
    test_next_batch();
    test_prediction_mse("seq-pfsm-i1");
    test_prediction_mse("seq-sines-i1");
    if (argc != 5) {
        CHECK(0, "usage: test_sequence SEQ-TEST.so SEQ-TEST-PLAIN.so SEQ-TEST-NULLS.so "
                 "SEQ-TEST-REV1.so");
        return check_summary("sequence");
    }
    pb__plugin_file plugins[4];
    int loaded = 1;
    for (int i = 0; i < 4; i++)
        if (load_plugin(argv[1 + i], &plugins[i]) != 0)
            loaded = 0;
    if (loaded) {
        test_runs(&plugins[0], &plugins[1], &plugins[2], &plugins[3]);
        for (int i = 0; i < 4; i++)
            pb__plugin_unload(&plugins[i]);
    }
    return check_summary("sequence");
}
