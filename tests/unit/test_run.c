/*
 * The run loop in-process with the random-search plugin: budgets in each unit end the run
 * where they should, the trace sits on the checkpoints, and the target stops it early.
 */
#include <math.h>

#include "check.h"
#include "run.h"

static pb__plugin_file plugin;

typedef struct trace {
    pb__trace_point points[64];
    size_t n;
} trace;

static void collect(void *user, const pb__trace_point *pt)
{
    trace *t = user;
    if (t->n < 64)
        t->points[t->n++] = *pt;
}

static pb__outcome run(const char *id, int64_t batch, pb__limits limits, trace *t)
{
    char err[256];
    pb__outcome out;
    pb_value params[1] = {{.integer = batch}};
    t->n = 0;
    if (pb__run_id(&plugin, params, id, 7, &limits, collect, t, &out, err, sizeof err) != 0)
        CHECK(0, "%s", err);
    return out;
}

int main(int argc, char **argv)
{
    char err[1024];
    if (argc < 2 || pb__plugin_load(argv[1], &plugin, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", argc < 2 ? "usage: test_run PLUGIN.so" : err);
        return 2;
    }
    trace t;
    const pb__trace_point *pts = t.points;
    /* Batch 1: one evaluation per step, so the trace sits exactly on 1, 2, 5, 10, ... */
    pb__outcome o = run("sphere-d4-i1", 1, (pb__limits){{1000, 0, 0}, NAN}, &t);
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
    o = run("sphere-d4-i1", 7, (pb__limits){{100, 0, 0}, NAN}, &t);
    CHECK(o.cost == 100 && o.iterations == 15, "cut mid-step: %llu evals, %llu steps",
          (unsigned long long)o.cost, (unsigned long long)o.iterations);

    o = run("sphere-d4-i1", 3, (pb__limits){{0, 25, 0}, NAN}, &t);
    CHECK(o.stop == PB__STOP_ITERATIONS && o.iterations == 25 && o.cost == 75, "iteration budget");

    o = run("sphere-d4-i1", 1000, (pb__limits){{0, 0, 0.05}, NAN}, &t);
    CHECK(o.stop == PB__STOP_SECONDS && o.seconds >= 0.05 && o.seconds < 1, "time budget: %g s", o.seconds);

    /* A target anyone reaches at once: stops after the first step, hit at evaluation 1. */
    o = run("sphere-d4-i1", 5, (pb__limits){{1000, 0, 0}, 1e9}, &t);
    CHECK(o.stop == PB__STOP_TARGET && o.target_hit_cost == 1 && o.iterations == 1,
          "target: stop %d hit %llu", o.stop, (unsigned long long)o.target_hit_cost);
    pb__plugin_unload(&plugin);
    return check_summary("run");
}
