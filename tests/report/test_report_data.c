/*
 * The report's data and leaderboard on the fixed results file (fixture.json, see
 * make_fixture.py for how each run was built), against values worked out by hand:
 * sorting, labels, the cost to the target exact from target_hits or at trace resolution,
 * failed runs counted as failures even when their trace passed the target, COCO hits,
 * ranks and medians, and deterministic bootstrap intervals.
 *
 *   usage: test_report_data FIXTURE.json
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "report_internal.h"
#include "usage.h"

/* The run of algorithm a on problem p with seed s, or NULL. */
static const pb__rrun *find(const pb__report_data *d, const char *alg, const char *problem,
                            double seed)
{
    for (size_t i = 0; i < d->n_runs; i++) {
        const pb__rrun *r = &d->runs[i];
        if (strcmp(d->algorithms[r->algorithm].label, alg) == 0 &&
            strcmp(d->problems[r->problem].id, problem) == 0 && r->seed == seed)
            return r;
    }
    return NULL;
}

/* Sorting, labels, targets, and per run the cost to the target, final quality, hits. */
static void data_checks(const pb__report_data *d)
{
    CHECK(d->n_runs == 18 && d->n_problems == 2 && d->n_algorithms == 3 && d->n_kinds == 1,
          "18 runs, 2 problems, 3 algorithms, 1 kind");
    CHECK(strcmp(d->problems[0].id, "rastrigin-d5-i1") == 0 && d->problems[0].dimension == 5 &&
              strcmp(d->problems[1].id, "sphere-d2-i1") == 0 && d->problems[1].dimension == 2,
          "problems sorted, with their dimensions");
    CHECK(strcmp(d->algorithms[0].label, "alpha") == 0 &&
              strcmp(d->algorithms[2].label, "gamma") == 0,
          "algorithms labelled by name, sorted");
    const pb__rkind *k = &d->kinds[0];
    CHECK(strcmp(k->name, "blackbox") == 0 && strcmp(k->metric, "best_error") == 0 &&
              strcmp(k->cost_unit, "evaluations") == 0 && k->n_targets == 51 &&
              k->targets[0] == 100 && k->targets[5] == 10 && fabs(k->targets[50] - 1e-8) < 1e-22,
          "kind blackbox: evaluations, best_error, the runs' fixed targets (COCO's 51)");
    CHECK(k->target == 1e-8 && strcmp(k->target_from, "default") == 0, "default target 1e-8");
    CHECK(k->n_inexact == 5,
          "5 runs timed at trace resolution (alpha rastrigin 2, beta sphere 3); got %zu",
          k->n_inexact);
    int sorted = 1;
    for (size_t i = 1; i < d->n_runs; i++)
        sorted &= d->runs[i - 1].problem < d->runs[i].problem ||
                  (d->runs[i - 1].problem == d->runs[i].problem &&
                   (d->runs[i - 1].algorithm < d->runs[i].algorithm ||
                    (d->runs[i - 1].algorithm == d->runs[i].algorithm &&
                     d->runs[i - 1].seed < d->runs[i].seed)));
    CHECK(sorted, "runs sorted by problem, algorithm, seed (the file has them reversed)");

    const pb__rrun *r = find(d, "alpha", "sphere-d2-i1", 2);
    CHECK(r && r->to_target == 170 && r->to_target_exact,
          "alpha sphere seed 2: exactly 170 from target_hits");
    CHECK(r && r->hits[0] == 1 && r->hits[50] == 170 && r->hits_exact,
          "alpha sphere seed 2: COCO hits 1 ... 170");
    CHECK(r && r->hits[25] == 85, "alpha sphere seed 2: 1e-3 at the first c >= 25 * 170 / 50 = 85");
    r = find(d, "alpha", "rastrigin-d5-i1", 1);
    CHECK(r && r->to_target == 500 && !r->to_target_exact,
          "alpha rastrigin seed 1: 1e-8 at 400, seen at trace point 500");
    CHECK(r && r->hits[50] == 500 && r->hits[0] == 1,
          "alpha rastrigin seed 1: hits from the trace");
    r = find(d, "alpha", "rastrigin-d5-i1", 3);
    CHECK(r && isinf(r->to_target) && r->final_value == 1e-3,
          "alpha rastrigin seed 3: never, final 1e-3");
    r = find(d, "gamma", "sphere-d2-i1", 2);
    CHECK(r && !r->ok && isinf(r->to_target) && isinf(r->final_value) && isinf(r->hits[0]),
          "gamma crashed: its trace passed 1e-8, but a failed run reaches nothing");
    CHECK(r && r->n == 7 && r->cost[6] == 57, "gamma crashed: its trace is kept (7 points to 57)");
    r = find(d, "gamma", "rastrigin-d5-i1", 3);
    CHECK(r && !r->ok && strcmp(r->status, "nonfinite") == 0 && isinf(r->final_value),
          "gamma nonfinite: a failure with final quality inf");
    r = find(d, "beta", "rastrigin-d5-i1", 1);
    CHECK(r && r->ok && r->final_value == 1 && r->final_cost == 1000,
          "beta rastrigin seed 1: final 1 at 1000");
}

/* Ranks, counts, medians and intervals of the leaderboard, worked out by hand. */
static void leaderboard_checks(pb__report *rep, const char *fixture)
{
    char err[256] = "";
    CHECK(pb__report_leaderboards(rep, err, sizeof err) == 0, "leaderboards: %s", err);
    const pb__rrow *rows = rep->rows[0];
    const pb__report_data *d = &rep->data;
    CHECK(rep->n_rows[0] == 3, "three rows");
    CHECK(strcmp(d->algorithms[rows[0].algorithm].label, "alpha") == 0 && rows[0].rank == 1 &&
              strcmp(d->algorithms[rows[1].algorithm].label, "beta") == 0 && rows[1].rank == 2 &&
              strcmp(d->algorithms[rows[2].algorithm].label, "gamma") == 0 && rows[2].rank == 3,
          "ranks: alpha, beta, gamma");
    CHECK(rows[0].runs == 6 && rows[0].failed == 0 && rows[0].successes == 5 &&
              rows[0].success == 5.0 / 6,
          "alpha: 5 of 6 runs succeed");
    CHECK(rows[0].to_target == 345, "alpha: median of 150, 170, 190, 500, 500, inf = 345; got %g",
          rows[0].to_target);
    CHECK(rows[0].final == 1e-12, "alpha: median final 1e-12");
    CHECK(rows[1].successes == 3 && isinf(rows[1].to_target),
          "beta: 3 of 6, median time inf (half never got there)");
    CHECK(rows[2].failed == 4 && rows[2].successes == 1 && rows[2].runs == 6 &&
              isinf(rows[2].final),
          "gamma: 4 failed runs counted, 1 success, median final inf");
    CHECK(rows[0].success_lo <= rows[0].success && rows[0].success <= rows[0].success_hi &&
              rows[0].success_lo >= 0 && rows[0].success_hi == 1,
          "alpha: success interval [%g, %g] holds 5/6 and tops at 1", rows[0].success_lo,
          rows[0].success_hi);
    /* Sphere seeds always succeed: a resample has at least 3 successes of 6 and at most 6. */
    CHECK(rows[0].success_lo >= 0.5, "alpha: stratified resamples keep sphere's 3 successes");
    CHECK(rows[0].to_target_lo >= 150 && rows[0].to_target_lo <= 345 && isinf(rows[0].to_target_hi),
          "alpha: time interval [%g, %g]", rows[0].to_target_lo, rows[0].to_target_hi);
    /* The same data again: the same intervals, bit for bit. */
    pb__report again = {.opt = pb__report_defaults()};
    const char *inputs[] = {fixture};
    pb__report_load(inputs, 1, NAN, &again.data, err, sizeof err);
    pb__report_leaderboards(&again, err, sizeof err);
    const pb__rrow *x = &rows[0], *y = &again.rows[0][0];
    CHECK(x->success_lo == y->success_lo && x->success_hi == y->success_hi &&
              x->to_target_lo == y->to_target_lo && x->final_lo == y->final_lo &&
              x->final_hi == y->final_hi,
          "the same data give the same intervals");
    pb__report_free(&again);
}

/* The default target, then --target 1e-3, then bad input. */
int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 1, "FIXTURE.json"))
        return 2;
    pb__report rep = {.opt = pb__report_defaults()};
    char err[1024] = "";
    const char *inputs[] = {argv[1]};
    int rc = pb__report_load(inputs, 1, NAN, &rep.data, err, sizeof err);
    CHECK(rc == 0, "load %s: %s", argv[1], rc ? err : "ok");
    if (rc != 0)
        return check_summary("report_data");
    data_checks(&rep.data);
    leaderboard_checks(&rep, argv[1]);
    pb__report_free(&rep);

    /* --target 1e-3: COCO's target 25, exact from target_hits where the runs have them. */
    pb__report_data d = {0};
    pb__report_load(inputs, 1, 1e-3, &d, err, sizeof err);
    const pb__rrun *r = find(&d, "alpha", "sphere-d2-i1", 1);
    CHECK(d.kinds[0].target == 1e-3 && strcmp(d.kinds[0].target_from, "--target") == 0,
          "--target 1e-3");
    CHECK(r && r->to_target == 75 && r->to_target_exact,
          "alpha sphere seed 1 reaches 1e-3 at 25 * 150 / 50 = 75");
    r = find(&d, "alpha", "rastrigin-d5-i1", 3);
    CHECK(r && r->to_target == 1000,
          "alpha rastrigin seed 3 ends at exactly 1e-3: reached at 1000");
    pb__report_data_free(&d);

    /* Bad input: a missing file, a file that is not results, a record without a trace. */
    const char *missing[] = {"/nonexistent/results.json"};
    CHECK(pb__report_load(missing, 1, NAN, &d, err, sizeof err) == PB__REPORT_BAD_INPUT &&
              strstr(err, "/nonexistent/results.json"),
          "missing file: bad input naming it (%s)", err);
    pb__report_data_free(&d);
    return check_summary("report_data");
}
