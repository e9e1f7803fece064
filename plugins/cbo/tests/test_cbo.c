/*
 * Tests of the cbo plugin, linked with its source and driven through its descriptor as a
 * host would: the test builds its own blackbox, an unshifted Rastrigin
 * f(x) = 10 d + sum(x_i^2 - 10 cos(2 pi x_i)) over the box [-3,3]^d (the unit tests also
 * use narrower boxes and a constant offset), and calls create/step/solution/destroy.
 *
 *   test_cbo unit             consensus and update checks against independent computations
 *   test_cbo anisotropic-d20  success counts over 100 seeds (slow)
 *   test_cbo isotropic-d20
 *   test_cbo isotropic-d2
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbo_internal.h"
#include "gradcheck.h"
#include "plugbench/blackbox.h"
#include "plugbench/plugin.h"
#include "plugbench/rng.h"

const pb_plugin *pb_plugin_entry(void);

#define MAX_DIM 20
#define MAX_EVALS 4096
#define BOX 3.0

/* The test's blackbox: offset + Rastrigin on [-h, h]^dim, recording what it evaluates. */
typedef struct box {
    pb_blackbox bb;
    double lower[MAX_DIM], upper[MAX_DIM];
    double offset;
    size_t count, limit;        /* evaluations so far; NaN after limit (0: no limit) */
    int record;                 /* keep the points and values below */
    double xs[MAX_EVALS][MAX_DIM], fs[MAX_EVALS];
} box;

/* A host-side run: the problem, the context, the parameter values and the plugin's state. */
typedef struct run {
    pb_problem problem;
    pb_context ctx;
    pb_value values[16];
    char error[256];
    void *state;
} run;

/* A noise source handing out the draws of a private RNG and logging them. */
typedef struct draws {
    pb_rng rng;
    size_t count;
    double log[MAX_EVALS * MAX_DIM];
} draws;

static int failures;

/* Records a failed check. */
static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAIL: %s\n", what);
        failures++;
    }
}

/* The unshifted Rastrigin function 10 d + sum(x_i^2 - 10 cos(2 pi x_i)). */
static double rastrigin(const double *x, size_t d)
{
    double sum = 10.0 * (double)d;
    for (size_t i = 0; i < d; i++)
        sum += x[i] * x[i] - 10.0 * cos(2.0 * M_PI * x[i]);
    return sum;
}

/* The blackbox's evaluate(): counts, honours the limit as the host does, records. */
static double evaluate(const pb_blackbox *self, const double *x)
{
    box *b = self->host;
    if (b->limit && b->count >= b->limit)
        return NAN;
    double y = b->offset + rastrigin(x, self->dim);
    if (b->record && b->count < MAX_EVALS) {
        memcpy(b->xs[b->count], x, self->dim * sizeof *x);
        b->fs[b->count] = y;
    }
    b->count++;
    return y;
}

/* A fresh box [-h, h]^d, Rastrigin plus offset. */
static box *box_sized(uint32_t d, double h, double offset, int record)
{
    box *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    for (uint32_t i = 0; i < d; i++) {
        b->lower[i] = -h;
        b->upper[i] = h;
    }
    b->offset = offset;
    b->bb = (pb_blackbox){.struct_size = sizeof(pb_blackbox), .dim = d, .lower = b->lower,
                          .upper = b->upper, .evaluate = evaluate, .host = b};
    b->record = record;
    return b;
}

/* A fresh box [-3, 3]^d with the plain Rastrigin function. */
static box *box_new(uint32_t d, int record) { return box_sized(d, BOX, 0.0, record); }

/* The index of the parameter called name; aborts when there is none. */
static size_t param_index(const char *name)
{
    const pb_plugin *p = pb_plugin_entry();
    for (size_t i = 0; i < p->n_params; i++)
        if (strcmp(p->params[i].name, name) == 0)
            return i;
    fprintf(stderr, "no parameter %s\n", name);
    abort();
}

/* Sets a real parameter by name. */
static void set_real(run *r, const char *name, double v) { r->values[param_index(name)].real = v; }

/* Sets an int, bool or choice (by index) parameter by name. */
static void set_int(run *r, const char *name, int64_t v)
{
    r->values[param_index(name)].integer = v;
}

/* Fills r with the plugin's defaults for box b; the caller then overrides and starts. */
static void run_init(run *r, box *b, uint64_t seed)
{
    const pb_plugin *p = pb_plugin_entry();
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < p->n_params; i++) {
        if (p->params[i].type == PB_PARAM_REAL)
            r->values[i].real = p->params[i].default_value;
        else
            r->values[i].integer = (int64_t)p->params[i].default_value;
    }
    r->problem = (pb_problem){.struct_size = sizeof(pb_problem), .kind = PB_KIND_BLACKBOX,
                              .id = "rastrigin-test", .oracle = &b->bb,
                              .solution_length = b->bb.dim};
    r->ctx = (pb_context){.struct_size = sizeof(pb_context), .problem = &r->problem,
                          .params = r->values, .seed = seed, .error = r->error,
                          .error_size = sizeof r->error};
}

/* Calls create(); aborts on failure, which no test expects. */
static void run_start(run *r)
{
    if (pb_plugin_entry()->create(&r->ctx, &r->state) != 0) {
        fprintf(stderr, "create failed: %s\n", r->error);
        abort();
    }
}

/* One step, which must return PB_CONTINUE. */
static void run_step(run *r) { check(pb_plugin_entry()->step(r->state) == PB_CONTINUE, "step"); }

/* The plugin's current solution, into out. */
static void run_solution(run *r, double *out)
{
    check(pb_plugin_entry()->solution(r->state, out) == 0, "solution");
}

/* Destroys the plugin's state. */
static void run_end(run *r) { pb_plugin_entry()->destroy(r->state); }

/* The noise source of struct draws. */
static double next_draw(void *p)
{
    draws *d = p;
    double v = pb_rng_normal(&d->rng);
    if (d->count < sizeof d->log / sizeof d->log[0])
        d->log[d->count] = v;
    d->count++;
    return v;
}

/*
 * The reference consensus, computed differently from the plugin: in long double, the
 * normalised weight of particle i as 1 / sum_j exp(-alpha (f_j - f_i)), which needs no
 * global shift (a term that overflows to infinity correctly makes the weight zero).
 */
static void reference_consensus(const double (*xs)[MAX_DIM], const double *fs,
                                const size_t *idx, size_t n, size_t d, double alpha,
                                double *out)
{
    long double c[MAX_DIM] = {0};
    for (size_t a = 0; a < n; a++) {
        long double denom = 0.0L;
        for (size_t b = 0; b < n; b++)
            denom += expl(-(long double)alpha * ((long double)fs[idx[b]] - fs[idx[a]]));
        for (size_t j = 0; j < d; j++)
            c[j] += xs[idx[a]][j] / denom;
    }
    for (size_t j = 0; j < d; j++)
        out[j] = (double)c[j];
}

/* The naive consensus sum exp(-alpha f_i) x_i / sum exp(-alpha f_i) in double. */
static void naive_consensus(const box *b, size_t n, double alpha, double *out)
{
    size_t d = b->bb.dim;
    double total = 0.0;
    memset(out, 0, d * sizeof *out);
    for (size_t i = 0; i < n; i++) {
        double w = exp(-alpha * b->fs[i]);
        total += w;
        for (size_t j = 0; j < d; j++)
            out[j] += w * b->xs[i][j];
    }
    for (size_t j = 0; j < d; j++)
        out[j] /= total;
}

/* The effective sample size (sum w)^2 / sum w^2 of the weights, 1 when one particle
 * carries all the weight: shows whether a consensus check is more than "the best one". */
static double effective_size(const double *fs, size_t n, double alpha)
{
    long double best = fs[0], sum = 0.0L, sq = 0.0L;
    for (size_t i = 1; i < n; i++)
        best = fs[i] < best ? fs[i] : best;
    for (size_t i = 0; i < n; i++) {
        long double w = expl(-(long double)alpha * (fs[i] - best));
        sum += w;
        sq += w * w;
    }
    return (double)(sum * sum / sq);
}

/*
 * The consensus point after one step equals the weighted mean of the evaluated particles,
 * computed independently. The cases pair alpha with a box and an offset so that the
 * weights are spread (effective sample size well above 1) as well as concentrated, and
 * include alpha = 1e5 where the naive formula gives 0/0.
 */
static void test_consensus(void)
{
    static const struct {
        double alpha, h, offset;
    } cases[] = {{1.0, BOX, 0.0}, {1.0, 0.1, 0.0}, {30.0, 0.017, 0.0}, {1e5, BOX, 0.0},
                 {1e5, 3e-4, 100.0}};
    const size_t n = 20, d = 10;
    size_t all[20];
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    for (size_t a = 0; a < sizeof cases / sizeof cases[0]; a++) {
        double alpha = cases[a].alpha;
        box *b = box_sized((uint32_t)d, cases[a].h, cases[a].offset, 1);
        run r;
        run_init(&r, b, 7 + a);
        set_int(&r, "n_particles", (int64_t)n);
        set_real(&r, "alpha", alpha);
        set_int(&r, "alpha_schedule", 0);
        run_start(&r);
        run_step(&r);
        check(b->count == n, "one step evaluates every particle once");
        double c[MAX_DIM], ref[MAX_DIM], naive[MAX_DIM];
        run_solution(&r, c);
        reference_consensus((const double (*)[MAX_DIM])b->xs, b->fs, all, n, d, alpha, ref);
        naive_consensus(b, n, alpha, naive);
        double err = max_diff(c, ref, d);
        printf("consensus alpha=%g box=[-%g,%g] offset=%g: effective size %.2f, "
               "max |c - reference| = %.3g, naive formula %s\n",
               alpha, cases[a].h, cases[a].h, cases[a].offset, effective_size(b->fs, n, alpha),
               err, isfinite(naive[0]) ? "finite" : "NaN (underflow)");
        check(err <= 1e-14 * cases[a].h, "consensus equals the weighted mean");
        if (isfinite(naive[0]))
            check(max_diff(c, naive, d) <= 1e-13 * cases[a].h, "consensus equals the naive mean");
        if (alpha == 1e5)
            check(!isfinite(naive[0]), "the naive formula underflows at alpha = 1e5");
        run_end(&r);
        free(b);
    }
}

/* One update x1 = x0 - lambda dt (x0 - c) + sigma sqrt(dt) (s (.) xi), computed here. */
static double expected_move(const double *x0, const double *c, const double *xi, size_t j,
                            size_t d, int anisotropic, double lambda, double dt, double sigma)
{
    double sq = 0.0;
    for (size_t k = 0; k < d; k++)
        sq += (x0[k] - c[k]) * (x0[k] - c[k]);
    double scale = anisotropic ? x0[j] - c[j] : sqrt(sq);
    return x0[j] - (lambda * dt) * (x0[j] - c[j]) + (sigma * sqrt(dt)) * (scale * xi[j]);
}

/*
 * With the noise draws injected, the particles evaluated in step 2 are exactly the update
 * of those evaluated in step 1 with respect to step 1's consensus point, for both noise
 * models (and, for hopping, exactly c + sigma xi).
 */
static void test_update(const char *name, int anisotropic, int hopping)
{
    const size_t n = 8, d = 5;
    const double lambda = 0.8, dt = 0.05, sigma = 0.7;
    box *b = box_new((uint32_t)d, 1);
    run r;
    run_init(&r, b, 11);
    set_int(&r, "n_particles", (int64_t)n);
    set_real(&r, "lambda", lambda);
    set_real(&r, "dt", dt);
    set_real(&r, "sigma", sigma);
    set_real(&r, "alpha", 30.0);
    set_int(&r, "noise", anisotropic);
    set_int(&r, "variant", hopping);
    run_start(&r);
    static draws xi;
    memset(&xi, 0, sizeof xi);
    pb_rng_seed(&xi.rng, 99, 0);
    cbo_set_normal_source(r.state, next_draw, &xi);
    double c[MAX_DIM];
    run_step(&r);
    run_solution(&r, c);
    check(xi.count == n * d, "one standard normal per coordinate per step");
    run_step(&r);
    size_t exact = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < d; j++) {
            const double *noise = &xi.log[i * d];
            double want = hopping ? c[j] + sigma * noise[j]
                                  : expected_move(b->xs[i], c, noise, j, d, anisotropic,
                                                  lambda, dt, sigma);
            exact += b->xs[n + i][j] == want;
        }
    }
    printf("update %s: %zu of %zu coordinates exactly as the formula\n", name, exact, n * d);
    check(exact == n * d, "update equals the formula exactly");
    run_end(&r);
    free(b);
}

/*
 * Random mini-batches: with hopping and sigma = 0 every particle lands exactly on its
 * batch's consensus point, so the particles evaluated in step 2 fall into groups, one per
 * batch; the groups must have the batch sizes (3, 3, 3, 1 for N = 10, M = 3) and each
 * group's point must be the weighted mean of its members' step-1 positions.
 */
static void test_batches(void)
{
    const size_t n = 10, d = 3, m = 3;
    const double alpha = 1.0;
    box *b = box_sized((uint32_t)d, 0.1, 0.0, 1); /* narrow: the weights are spread */
    run r;
    run_init(&r, b, 5);
    set_int(&r, "n_particles", (int64_t)n);
    set_int(&r, "batch_size", (int64_t)m);
    set_int(&r, "variant", 1);
    set_real(&r, "sigma", 0.0);
    set_real(&r, "alpha", alpha);
    set_int(&r, "alpha_schedule", 0);
    run_start(&r);
    run_step(&r);
    run_step(&r);
    check(b->count == 2 * n, "a batched step still evaluates every particle once");
    int grouped[10] = {0};
    size_t sizes[10], n_groups = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (grouped[i])
            continue;
        size_t members[10], count = 0;
        for (size_t k = i; k < n; k++) {
            if (!grouped[k] && max_diff(b->xs[n + i], b->xs[n + k], d) == 0.0) {
                grouped[k] = 1;
                members[count++] = k;
            }
        }
        double ref[MAX_DIM];
        reference_consensus((const double (*)[MAX_DIM])b->xs, b->fs, members, count, d, alpha,
                            ref);
        worst = fmax(worst, max_diff(b->xs[n + i], ref, d));
        sizes[n_groups++] = count;
    }
    size_t ones = 0, threes = 0;
    for (size_t g = 0; g < n_groups; g++) {
        ones += sizes[g] == 1;
        threes += sizes[g] == 3;
    }
    printf("batches: %zu groups (%zu of 3, %zu of 1), max |batch c - reference| = %.3g\n",
           n_groups, threes, ones, worst);
    check(n_groups == 4 && threes == 3 && ones == 1, "batch sizes 3, 3, 3, 1");
    check(worst <= 1e-14, "batch consensus equals the batch's weighted mean");
    run_end(&r);
    free(b);
}

/*
 * The alpha schedule: step k's consensus uses alpha_k = min(1.05 alpha_{k-1}, alpha_max),
 * alpha_0 the initial alpha; checked at every step against the reference, while the
 * unscheduled alpha must not fit by the end.
 */
static void test_schedule(void)
{
    const size_t n = 20, d = 2, steps = 150;
    const double alpha_max = 500.0;
    box *b = box_new((uint32_t)d, 1);
    run r;
    run_init(&r, b, 3);
    set_int(&r, "n_particles", (int64_t)n);
    set_real(&r, "alpha", 1.0);
    set_real(&r, "alpha_max", alpha_max);
    set_real(&r, "sigma", 1.0);
    run_start(&r);
    size_t all[20];
    for (size_t i = 0; i < n; i++)
        all[i] = i;
    double alpha = 1.0, worst = 0.0, unscheduled = 0.0;
    for (size_t k = 0; k < steps; k++) {
        b->count = 0;
        run_step(&r);
        double c[MAX_DIM], ref[MAX_DIM], other[MAX_DIM];
        run_solution(&r, c);
        const double (*xs)[MAX_DIM] = (const double (*)[MAX_DIM])b->xs;
        reference_consensus(xs, b->fs, all, n, d, alpha, ref);
        reference_consensus(xs, b->fs, all, n, d, 1.0, other);
        worst = fmax(worst, max_diff(c, ref, d));
        unscheduled = fmax(unscheduled, max_diff(c, other, d));
        alpha = fmin(alpha * 1.05, alpha_max);
    }
    printf("schedule: max |c - reference(alpha_k)| = %.3g over %zu steps, "
           "alpha_k ends at %g (cap %g); with alpha fixed at 1 the gap reaches %.3g\n",
           worst, steps, alpha, alpha_max, unscheduled);
    check(worst <= 1e-14 * BOX, "step k uses alpha_k");
    check(alpha == alpha_max && unscheduled > 1e-6, "the schedule test discriminates");
    run_end(&r);
    free(b);
}

/* Once evaluate() returns NaN the step returns at once and the solution stays put. */
static void test_budget(void)
{
    box *b = box_new(4, 0);
    run r;
    run_init(&r, b, 2);
    run_start(&r);
    b->limit = 30; /* 20 particles: the second step runs out halfway */
    double before[MAX_DIM], after[MAX_DIM];
    run_step(&r);
    run_solution(&r, before);
    run_step(&r);
    run_solution(&r, after);
    check(b->count == 30, "no evaluation after the first NaN");
    check(max_diff(before, after, 4) == 0.0, "the solution survives a spent budget");
    run_end(&r);
    free(b);
}

/* All the fast checks. */
static void unit(void)
{
    test_consensus();
    test_update("isotropic", 0, 0);
    test_update("anisotropic", 1, 0);
    test_update("hopping", 0, 1);
    test_batches();
    test_schedule();
    test_budget();
}

/* One statistical scenario: runs on seeds 1..100, success counted at checkpoints. */
typedef struct scenario {
    const char *name;
    uint32_t d;
    int64_t n, anisotropic, schedule;
    double sigma, alpha;
    size_t checkpoints[2]; /* step counts; 0 = unused */
    int at_least[2];       /* success count required; -1 = none */
    int at_most[2];        /* success count allowed; -1 = none */
} scenario;

/* ||x||_inf < 0.25: the success criterion of CBXpy's examples. */
static int success(const double *x, size_t d)
{
    for (size_t j = 0; j < d; j++)
        if (!(fabs(x[j]) < 0.25))
            return 0;
    return 1;
}

/* Runs one scenario over 100 seeds and checks its success counts. */
static void statistical(const scenario *sc)
{
    int wins[2] = {0, 0};
    size_t last = sc->checkpoints[1] ? sc->checkpoints[1] : sc->checkpoints[0];
    for (uint64_t seed = 1; seed <= 100; seed++) {
        box *b = box_new(sc->d, 0);
        run r;
        run_init(&r, b, seed);
        set_int(&r, "n_particles", sc->n);
        set_int(&r, "noise", sc->anisotropic);
        set_real(&r, "sigma", sc->sigma);
        set_real(&r, "alpha", sc->alpha);
        set_int(&r, "alpha_schedule", sc->schedule);
        set_real(&r, "dt", 0.01);
        set_real(&r, "lambda", 1.0);
        run_start(&r);
        for (size_t k = 1; k <= last; k++) {
            pb_plugin_entry()->step(r.state);
            for (int c = 0; c < 2; c++) {
                if (sc->checkpoints[c] == k) {
                    double x[MAX_DIM];
                    run_solution(&r, x);
                    wins[c] += success(x, sc->d);
                }
            }
        }
        run_end(&r);
        free(b);
    }
    for (int c = 0; c < 2 && sc->checkpoints[c]; c++) {
        printf("%s: %d/100 successes after %zu steps (need %s %d)\n", sc->name, wins[c],
               sc->checkpoints[c], sc->at_least[c] >= 0 ? ">=" : "<=",
               sc->at_least[c] >= 0 ? sc->at_least[c] : sc->at_most[c]);
        check(sc->at_least[c] < 0 || wins[c] >= sc->at_least[c], "success count too low");
        check(sc->at_most[c] < 0 || wins[c] <= sc->at_most[c], "success count too high");
    }
}

static const scenario scenarios[] = {
    {"anisotropic-d20", 20, 40, 1, 1, 10.1, 30.0, {2000, 5000}, {80, 95}, {-1, -1}},
    {"isotropic-d20", 20, 40, 0, 1, 10.1, 30.0, {2000, 5000}, {-1, -1}, {5, 5}},
    {"isotropic-d2", 2, 100, 0, 0, 0.6, 1000.0, {1000, 0}, {98, -1}, {-1, -1}},
};

/* Runs the unit checks or one statistical scenario, named by argv[1]. */
int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "unit";
    int known = strcmp(mode, "unit") == 0;
    if (known)
        unit();
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (strcmp(mode, scenarios[i].name) == 0) {
            statistical(&scenarios[i]);
            known = 1;
        }
    }
    if (!known) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("%s: %s\n", mode, failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
