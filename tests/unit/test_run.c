/*
 * The run loop in-process with the random-search plugin: budgets in each unit end the run
 * where they should, the trace sits on the checkpoints, and the target stops it early.
 * With plugins that evaluate in create() (the README's example plugin, and a population
 * plugin defined here): the state after create() is a trace point like any step's.
 *
 * Usage: test_run RANDOM-SEARCH.so EXAMPLE-PLUGIN.so
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bb_problem.h"
#include "check.h"
#include "plugbench/blackbox.h"
#include "plugbench/rng.h"
#include "run.h"
#include "trace_log.h"

static pb__plugin_file plugin;


static pb__outcome run(const char *id, int64_t batch, pb__limits limits, trace_log *t)
{
    char err[256] = "";
    pb__outcome out;
    pb_value params[1] = {{.integer = batch}};
    t->n = 0;
    if (pb__run_id(&plugin, params, id, 7, &limits, collect_trace, t, &out, err, sizeof err) != 0)
        CHECK(0, "%s", err);
    return out;
}

/*
 * A population-based plugin, in-process: create() draws and evaluates INIT points (its
 * first generation), each step BATCH more; it recommends the best point evaluated. The
 * points come from pb_rng seeded with the run's seed, so the test can draw them again.
 */
#define INIT 21 /* crosses the checkpoints 1, 2, 5, 10 and 20 */
#define BATCH 7

typedef struct population {
    const pb_blackbox *f;
    pb_rng rng;
    double best_f, best[4], x[4];
} population;

/* Draws and evaluates n points, keeping the best. */
static void population_sample(population *s, int n)
{
    for (int k = 0; k < n; k++) {
        pb_rng_uniform_box(&s->rng, s->f->dim, s->f->lower, s->f->upper, s->x);
        double y = s->f->evaluate(s->f, s->x);
        if (y < s->best_f) { /* false for the NaN of a spent budget */
            s->best_f = y;
            memcpy(s->best, s->x, sizeof s->x);
        }
    }
}

static int32_t population_create(const pb_context *ctx, void **out)
{
    population *s = calloc(1, sizeof *s);
    if (!s || ((const pb_blackbox *)ctx->problem->oracle)->dim != 4) {
        free(s);
        return PB_ERR_INVALID;
    }
    s->f = ctx->problem->oracle;
    s->best_f = INFINITY;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    population_sample(s, INIT);
    *out = s;
    return 0;
}

static int32_t population_step(void *p)
{
    population_sample(p, BATCH);
    return PB_CONTINUE;
}

static int32_t population_solution(void *p, double *out)
{
    memcpy(out, ((population *)p)->best, sizeof ((population *)p)->best);
    return 0;
}

static void population_destroy(void *p) { free(p); }

static const pb_plugin population_desc = {
    .abi_major = PB_ABI_MAJOR, .abi_minor = PB_ABI_MINOR, .struct_size = sizeof(pb_plugin),
    .name = "population", .version = "1", .summary = "first generation in create()",
    .citation = "none", .kind = PB_KIND_BLACKBOX, .create = population_create,
    .step = population_step, .solution = population_solution, .destroy = population_destroy,
};

/*
 * f(x) - f_opt of sphere-d4-i1, computed here from its definition (sum of squares about
 * x_opt, plus f_opt) rather than by the host's oracle or its best-so-far tracking.
 */
static double sphere_error(const pb__bb_problem *p, const double *x)
{
    double s = 0.0;
    for (uint32_t i = 0; i < p->dim; i++)
        s += (x[i] - p->x_opt[i]) * (x[i] - p->x_opt[i]);
    return (s + p->f_opt) - p->f_opt;
}

/* The lowest error of the first n points pb_rng draws in the box of p from seed. */
static double best_of_draws(const pb__bb_problem *p, uint64_t seed, int n, double *best_x)
{
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0);
    double best = INFINITY, x[4];
    for (int k = 0; k < n; k++) {
        pb_rng_uniform_box(&rng, p->dim, p->lower, p->upper, x);
        double e = sphere_error(p, x);
        if (e < best) {
            best = e;
            memcpy(best_x, x, sizeof x);
        }
    }
    return best;
}

/*
 * Plugins that evaluate in create(): the state after it is a trace point at the cost
 * create() spent, iteration 0, measured like the others; the next point is the first step
 * boundary past the next checkpoint. A create() that spends nothing (random-search) adds
 * no point: main's first checks see the trace start at iteration 1.
 */
static void test_create_point(const char *example_path)
{
    char err[1024] = "";
    pb__problem *problem;
    if (pb__problem_open("sphere-d4-i1", &problem, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        return;
    }
    const pb__bb_problem *sphere = (const pb__bb_problem *)problem;
    double x0[4], dist = 0;
    trace_log t;
    const pb__trace_point *pts = t.points;

    /* The README's example evaluates one uniform point in create(), then one per step. */
    pb__plugin_file example;
    if (pb__plugin_load(example_path, &example, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
    } else {
        pb_value sigma[1] = {{.real = 0.1}};
        pb__outcome o;
        t.n = 0;
        pb__run_id(&example, sigma, "sphere-d4-i1", 7, &(pb__limits){.budget = {100, 0, 0}, .target = NAN},
                   collect_trace, &t, &o, err, sizeof err);
        double e0 = best_of_draws(sphere, 7, 1, x0);
        for (int i = 0; i < 4; i++)
            dist += (x0[i] - sphere->x_opt[i]) * (x0[i] - sphere->x_opt[i]);
        CHECK(o.status == PB__STATUS_OK && t.n >= 2, "example: status %d, %zu points", o.status,
              t.n);
        CHECK(t.n >= 1 && pts[0].cost == 1 && pts[0].iterations == 0,
              "example: first point at the evaluation create() made, iteration 0: %g, %g",
              pts[0].cost, pts[0].iterations);
        CHECK(t.n >= 1 && pts[0].metrics[0] == e0 && pts[0].metrics[1] == e0,
              "example: its best_error and solution_error are f(x0) - f_opt = %.17g: %.17g, %.17g",
              e0, pts[0].metrics[0], pts[0].metrics[1]);
        CHECK(t.n >= 1 && fabs(pts[0].metrics[2] - sqrt(dist)) <= 1e-15 * sqrt(dist),
              "example: distance_to_optimum %.17g = |x0 - x_opt| %.17g", pts[0].metrics[2],
              sqrt(dist));
        CHECK(t.n >= 1 && pts[0].seconds >= 0 && pts[0].seconds <= o.seconds,
              "example: seconds so far %g, in [0, %g]", pts[0].seconds, o.seconds);
        CHECK(t.n >= 2 && pts[1].cost == 2 && pts[1].iterations == 1,
              "example: then the first step, at evaluation 2: %g, %g", pts[1].cost,
              pts[1].iterations);
        CHECK(o.cost == 100 && pts[t.n - 1].cost == 100 && pts[t.n - 1].iterations == 99,
              "example: ends at 100 evaluations after 99 steps: %g, %g", pts[t.n - 1].cost,
              pts[t.n - 1].iterations);
        pb__plugin_unload(&example);
    }

    /* 21 evaluations in create() cross 1, 2, 5, 10 and 20: one point, as after a step. */
    pb__plugin_file pop = {.desc = &population_desc, .kind = pb__kind_find(PB_KIND_BLACKBOX)};
    pb__outcome o;
    t.n = 0;
    pb__run_id(&pop, NULL, "sphere-d4-i1", 3, &(pb__limits){.budget = {200, 0, 0}, .target = NAN}, collect_trace, &t,
               &o, err, sizeof err);
    double e21 = best_of_draws(sphere, 3, INIT, x0);
    CHECK(o.status == PB__STATUS_OK && o.cost == 200 && t.n >= 3, "population: %d, %llu, %zu",
          o.status, (unsigned long long)o.cost, t.n);
    CHECK(t.n >= 1 && pts[0].cost == INIT && pts[0].iterations == 0,
          "population: one point after create(), at %d evaluations, iteration 0: %g, %g", INIT,
          pts[0].cost, pts[0].iterations);
    CHECK(t.n >= 1 && pts[0].metrics[0] == e21 && pts[0].metrics[1] == e21,
          "population: its quality is the best of the %d draws, %.17g: %.17g, %.17g", INIT, e21,
          pts[0].metrics[0], pts[0].metrics[1]);
    /* Steps of 7 from 21: 28, 35, 42, 49, 56 is the first past the checkpoint 50. */
    CHECK(t.n >= 2 && pts[1].cost == 56 && pts[1].iterations == 5,
          "population: next point at 56 evaluations, iteration 5: %g, %g", pts[1].cost,
          pts[1].iterations);

    /* A budget spent inside create(): that point is the run's only and final one. */
    t.n = 0;
    pb__run_id(&pop, NULL, "sphere-d4-i1", 3, &(pb__limits){.budget = {10, 0, 0}, .target = NAN}, collect_trace, &t, &o,
               err, sizeof err);
    double e10 = best_of_draws(sphere, 3, 10, x0);
    CHECK(o.status == PB__STATUS_OK && o.stop == PB__STOP_COST && o.iterations == 0 &&
              o.cost == 10,
          "population, budget 10: ends in create(): status %d stop %d, %llu steps",
          o.status, o.stop, (unsigned long long)o.iterations);
    CHECK(t.n == 1 && pts[0].cost == 10 && pts[0].iterations == 0 && pts[0].metrics[0] == e10 &&
              o.metrics[0] == e10,
          "population, budget 10: one point, at 10 evaluations, best of 10 draws %.17g: %zu "
          "points, %g, %.17g, final %.17g",
          e10, t.n, pts[0].cost, pts[0].metrics[0], o.metrics[0]);
    pb__problem_close(problem);
}

int main(int argc, char **argv)
{
    char err[1024] = "";
    if (argc < 3 || pb__plugin_load(argv[1], &plugin, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", argc < 3 ? "usage: test_run RANDOM-SEARCH.so EXAMPLE.so" : err);
        return 2;
    }
    trace_log t;
    const pb__trace_point *pts = t.points;
    /* Batch 1: one evaluation per step, so the trace sits exactly on 1, 2, 5, 10, ... */
    pb__outcome o = run("sphere-d4-i1", 1, (pb__limits){.budget = {1000, 0, 0}, .target = NAN}, &t);
    size_t n = t.n;
    CHECK(o.status == PB__STATUS_OK && o.stop == PB__STOP_COST && o.cost == 1000, "cost budget: %d %d %llu",
          o.status, o.stop, (unsigned long long)o.cost);
    const double expect[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000};
    CHECK(n == 10, "10 points, got %zu", n);
    for (size_t i = 0; i < n && i < 10; i++)
        CHECK(pts[i].cost == expect[i] && pts[i].iterations == expect[i], "point %zu at %g", i, pts[i].cost);
    for (size_t i = 1; i < n; i++)
        CHECK(pts[i].metrics[0] <= pts[i - 1].metrics[0], "best error never increases");
    CHECK(o.metrics[0] == pts[n - 1].metrics[0], "final metrics are the last point's");

    /* Batch 7 under a budget of 100: the 15th step is cut at the 100th evaluation. */
    o = run("sphere-d4-i1", 7, (pb__limits){.budget = {100, 0, 0}, .target = NAN}, &t);
    CHECK(o.cost == 100 && o.iterations == 15, "cut mid-step: %llu evals, %llu steps",
          (unsigned long long)o.cost, (unsigned long long)o.iterations);

    o = run("sphere-d4-i1", 3, (pb__limits){.budget = {0, 25, 0}, .target = NAN}, &t);
    CHECK(o.stop == PB__STOP_ITERATIONS && o.iterations == 25 && o.cost == 75, "iteration budget");

    o = run("sphere-d4-i1", 1000, (pb__limits){.budget = {0, 0, 0.05}, .target = NAN}, &t);
    CHECK(o.stop == PB__STOP_SECONDS && o.seconds >= 0.05 && o.seconds < 1, "time budget: %g s", o.seconds);

    /* A target anyone reaches at once: stops after the first step, hit at evaluation 1. */
    o = run("sphere-d4-i1", 5, (pb__limits){.budget = {1000, 0, 0}, .target = 1e9}, &t);
    CHECK(o.stop == PB__STOP_TARGET && o.target_hit_cost == 1 && o.iterations == 1,
          "target: stop %d hit %llu", o.stop, (unsigned long long)o.target_hit_cost);
    pb__plugin_unload(&plugin);
    test_create_point(argv[2]);
    return check_summary("run");
}
