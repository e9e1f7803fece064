/*
 * plugbench remeasure RESULTS.json: measures the solutions that run --save-solutions saved,
 * on each problem opened again, with the kind's own metric functions (the host code the run
 * child measures with; no plugin code), and reports every metric that differs from the
 * record.
 */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "problem.h"
#include "results_file.h"
#include "solutions.h"

static const char usage[] =
    "usage: plugbench remeasure RESULTS.json\n"
    "\n"
    "Checks the metrics of a results file written by plugbench run --save-solutions. It\n"
    "first checks the sha256 of every saved solution (in RESULTS.json.solutions, or the\n"
    "file each record names, in the results file's directory) against its record, and\n"
    "refuses the file when one differs. Then it opens each run's problem again, measures\n"
    "the saved solutions with the kind's metric functions -- the host's code the run child\n"
    "measured them with, no plugin code -- and compares every metric with the record: the\n"
    "final metrics, and with --save-solutions=checkpoints every trace point's. Values must\n"
    "agree exactly (a non-finite value is recorded as null).\n"
    "\n"
    "Not checked: runs without a saved solution (the sequence kind, whose model is the\n"
    "plugin's state, and runs that ended with an error, a timeout or a crash), and metrics\n"
    "that are not a function of the solution (blackbox's best_error, the best evaluation\n"
    "counted during the run).\n"
    "\n"
    "Prints one row per metric that differs, and a summary.\n"
    "\n"
    "Exit status: 0 when every metric agrees, 1 when one differs, 2 for bad usage, an\n"
    "unreadable results file, one without any saved solution, or a saved solution that\n"
    "is missing, changed (sha256), malformed or not of its problem's size.\n";

/* What the pass over the records found. */
typedef struct tally {
    size_t runs, unsaved, solutions, values, differ;
} tally;

/* The run a record is, for messages: "ALG on PROBLEM seed N". */
static void run_name(const cJSON *rec, char *buf, size_t len)
{
    const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(rec, "plugin");
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(rec, "problem");
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(rec, "seed");
    snprintf(buf, len, "%s on %s seed %.0f",
             cJSON_GetObjectItemCaseSensitive(plugin, "name")->valuestring,
             cJSON_GetObjectItemCaseSensitive(problem, "id")->valuestring, seed->valuedouble);
}

/* Does the recorded value (a number, or null for non-finite) agree with v exactly? */
static int agrees(const cJSON *recorded, double v)
{
    if (!isfinite(v))
        return cJSON_IsNull(recorded);
    return cJSON_IsNumber(recorded) && recorded->valuedouble == v;
}

/*
 * Compares the metrics measured (m) with those recorded: metrics[name] of the record when
 * point is -1, else trace[name][point]. Prints a row for each that differs.
 */
static void compare_point(const pb__kind *kind, const pb__problem *problem, const cJSON *rec,
                          long point, const double *m, tally *t)
{
    char run[512], where[32], recorded[40];
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(rec, "trace");
    const cJSON *final = cJSON_GetObjectItemCaseSensitive(rec, "metrics");
    for (uint32_t k = 0; kind->metrics[k]; k++) {
        if (kind->history_metrics & (1u << k) || !pb__kind_has_metric(kind, problem, k))
            continue;
        const cJSON *v = point < 0 ? cJSON_GetObjectItemCaseSensitive(final, kind->metrics[k])
                                   : cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                                                            trace, kind->metrics[k]),
                                                        (int)point);
        t->values++;
        if (agrees(v, m[k]))
            continue;
        if (t->differ++ == 0)
            printf("%-40s %-8s %-20s %-24s %s\n", "run", "point", "metric", "recorded",
                   "remeasured");
        run_name(rec, run, sizeof run);
        if (point < 0)
            snprintf(where, sizeof where, "final");
        else
            snprintf(where, sizeof where, "%ld", point);
        if (cJSON_IsNumber(v))
            snprintf(recorded, sizeof recorded, "%.17g", v->valuedouble);
        else
            snprintf(recorded, sizeof recorded, "%s", cJSON_IsNull(v) ? "null" : "(absent)");
        printf("%-40s %-8s %-20s %-24s %.17g\n", run, where, kind->metrics[k], recorded, m[k]);
    }
}

/*
 * Measures the saved solutions of rec (rows x length values) on *problem, opened here (or
 * kept from the record before when it is the same id). Returns 0, or -1 with a message.
 */
static int remeasure_run(const cJSON *rec, const double *values, uint64_t rows, uint64_t length,
                         pb__problem **problem, tally *t, char *err, size_t errlen)
{
    const char *id = cJSON_GetObjectItemCaseSensitive(
                         cJSON_GetObjectItemCaseSensitive(rec, "problem"), "id")
                         ->valuestring;
    if (!*problem || strcmp((*problem)->id, id) != 0) {
        pb__problem_close(*problem);
        *problem = NULL;
        if (pb__problem_open(id, problem, err, errlen) != 0)
            return -1;
    }
    pb__problem *p = *problem;
    const pb__kind *kind = p->family->kind;
    if (p->ops->measure_model || p->handle.solution_length != length) {
        snprintf(err, errlen, "its saved solution has %llu values, but %s's solutions have "
                              "%llu",
                 (unsigned long long)length, id, (unsigned long long)p->handle.solution_length);
        return -1;
    }
    const cJSON *ref = cJSON_GetObjectItemCaseSensitive(rec, "solution");
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(ref, "points");
    int per_point = cJSON_IsString(points) && strcmp(points->valuestring, "trace") == 0;
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(rec, "trace");
    size_t n_trace = trace && trace->child ? (size_t)cJSON_GetArraySize(trace->child) : 0;
    if (per_point ? rows != n_trace : rows != 1) {
        snprintf(err, errlen, "its saved solutions are %llu rows, not %s",
                 (unsigned long long)rows, per_point ? "one per trace point" : "1");
        return -1;
    }
    const cJSON *seed = cJSON_GetObjectItemCaseSensitive(rec, "seed");
    p->seed = (uint64_t)seed->valuedouble;
    double m[PB__MAX_METRICS];
    for (uint64_t r = 0; r < rows; r++) {
        for (int k = 0; k < PB__MAX_METRICS; k++)
            m[k] = NAN;
        p->ops->measure(p, values + r * length, m);
        if (per_point)
            compare_point(kind, p, rec, (long)r, m, t);
        if (r + 1 == rows)
            compare_point(kind, p, rec, -1, m, t);
    }
    t->solutions++;
    return 0;
}

/*
 * One pass over the records: with measure 0, checks every saved solution's sha256 and
 * header; with measure 1, measures them. Returns 0, or PB_EXIT_USAGE after saying why.
 */
static int pass(const cJSON *records, const char *path, const char *dir, int measure,
                tally *t)
{
    char err[PATH_MAX + 512], run[512];
    pb__problem *problem = NULL;
    int rc = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(rec, "solution");
        t->runs++;
        if (!cJSON_GetObjectItemCaseSensitive(ref, "file")) {
            t->unsaved++;
            continue;
        }
        double *values;
        uint64_t rows, length;
        int sha_mismatch;
        int failed = pb__solutions_read(dir, ref, &values, &rows, &length, &sha_mismatch, err,
                                        sizeof err) != 0;
        if (!failed && measure)
            failed = remeasure_run(rec, values, rows, length, &problem, t, err, sizeof err) != 0;
        free(values);
        if (failed) {
            run_name(rec, run, sizeof run);
            rc = pb_usage_error("remeasure: %s: %s: %s%s", path, run, err,
                                sha_mismatch ? "; refusing to measure this results file" : "");
            break;
        }
    }
    pb__problem_close(problem);
    return rc;
}

int pb_cmd_remeasure(int argc, char **argv)
{
    if (argc >= 2 && pb_is_help(argv[1])) {
        fputs(usage, stdout);
        return PB_EXIT_OK;
    }
    if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
        return pb_usage_error("remeasure: needs one results file (see plugbench remeasure "
                              "--help)");
    const char *path = argv[1];
    char err[1024], copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", path);
    const char *dir = dirname(copy);
    cJSON *records = cJSON_CreateArray();
    tally checked = {0}, measured = {0};
    int rc = 0;
    if (!records)
        rc = pb_usage_error("out of memory");
    else if (pb__results_load_checked(path, records, NULL, err, sizeof err) != 0)
        rc = pb_usage_error("%s", err);
    /* Every sha256 first: a changed side file is refused before anything is measured. */
    if (rc == 0)
        rc = pass(records, path, dir, 0, &checked);
    if (rc == 0)
        rc = pass(records, path, dir, 1, &measured);
    if (rc == 0 && checked.unsaved == checked.runs)
        rc = pb_usage_error("remeasure: %s has no saved solution (plugbench run "
                            "--save-solutions saves them)",
                            path);
    if (rc == 0) {
        printf("%zu runs: %zu solutions remeasured (%zu metric values), %zu runs without a "
               "saved solution: ",
               measured.runs, measured.solutions, measured.values, measured.unsaved);
        if (measured.differ)
            printf("%zu values differ\n", measured.differ);
        else
            printf("all agree\n");
        rc = measured.differ ? PB_EXIT_FAILED : PB_EXIT_OK;
    }
    cJSON_Delete(records);
    return rc;
}
