/*
 * plugbench check PLUGIN.so: a conformance check. The descriptor must load and validate;
 * runs on the kind's default problem (each isolated) must finish with status ok, respect
 * the budgets, and give the same trace, bit for bit, for the same seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup.h"
#include "cli.h"
#include "isolate.h"
#include "numfmt.h"
#include "params.h"
#include "sandbox.h"

/* The memory each of check's runs may use, as run's default --memory. */
#define CHECK_MEMORY_BYTES (4096ull << 20)

static const char usage[] =
    "usage: plugbench check PLUGIN.so|NAME [--problem ID] [--timeout S] [--sandbox]\n"
    "                       [--plugin-dir DIR]...\n"
    "\n"
    "Checks that a plugin conforms: its descriptor is valid; on its kind's first default\n"
    "problem (or ID), runs with default parameters, each isolated, finish with status ok\n"
    "and end where a budget of 1000 evaluations (or 20 iterations) ends -- or earlier, the\n"
    "plugin saying it is done -- and the same seed gives the same trace bit for bit (times\n"
    "excepted). A run is killed after S seconds (default 60); checking stops at the first\n"
    "failed run. With --sandbox the plugin's probe and runs are sandboxed as under\n"
    "plugbench run --sandbox. Exit status 0 when all checks pass, 1 when one fails, 2 when\n"
    "the plugin cannot be loaded (or the sandbox cannot protect network and files).\n";

typedef struct captured {
    pb__job_result result;
    pb__trace_point *trace; /* a copy: the isolation layer frees its own */
} captured;

static void keep(void *user, size_t index, const pb__job_result *r)
{
    captured *c = &((captured *)user)[index];
    c->result = *r;
    c->trace = malloc((r->n_trace ? r->n_trace : 1) * sizeof *c->trace);
    if (c->trace && r->n_trace) /* a run killed before its first point has no trace */
        memcpy(c->trace, r->trace, r->n_trace * sizeof *c->trace);
    c->result.trace = c->trace;
}

static int report(int ok, const char *what, const char *detail)
{
    printf("[%s] %s%s%s\n", ok ? "pass" : "FAIL", what, detail[0] ? ": " : "", detail);
    return ok ? 0 : 1;
}

/*
 * Same costs, iterations and metrics (NaN equal to NaN, bit for bit) at every point, and
 * same length. Returns 1 with the number of points in detail, or 0 with the first
 * difference: the point's index (from 0, as in the results file's trace arrays), its cost
 * and iteration, the column that differs and both values, printed with %.17g so that they
 * read back as the same doubles.
 */
static int same_trace(const pb__job_result *a, const pb__job_result *b, const pb__kind *kind,
                      char *detail, size_t size)
{
    size_t common = a->n_trace < b->n_trace ? a->n_trace : b->n_trace;
    for (size_t i = 0; i < common; i++) {
        const pb__trace_point *p = &a->trace[i], *q = &b->trace[i];
        const char *column = NULL;
        double x = 0, y = 0;
        if (p->cost != q->cost)
            column = kind->cost_unit, x = p->cost, y = q->cost;
        else if (p->iterations != q->iterations)
            column = "iterations", x = p->iterations, y = q->iterations;
        for (uint32_t m = 0; !column && kind->metrics[m]; m++)
            if (memcmp(&p->metrics[m], &q->metrics[m], sizeof(double)) != 0)
                column = kind->metrics[m], x = p->metrics[m], y = q->metrics[m];
        if (column) {
            snprintf(detail, size,
                     "trace point index %zu (%s %.17g, iterations %.17g) of %zu: "
                     "%s %.17g in run 1, %.17g in run 2",
                     i, kind->cost_unit, p->cost, p->iterations, a->n_trace, column, x, y);
            return 0;
        }
    }
    if (a->n_trace != b->n_trace || a->n_trace == 0) {
        snprintf(detail, size, "run 1 has %zu trace points, run 2 has %zu%s", a->n_trace,
                 b->n_trace, common ? " (the points both have agree)" : "");
        return 0;
    }
    snprintf(detail, size, "%zu trace points", a->n_trace);
    return 1;
}

/* The checks, once the command line is read. */
static int check(const char *spec, pb_dirs *dirs, const char *problem_id, double timeout)
{
    pb__plugin_file plugin;
    char err[2048], detail[512];
    int rc = pb_plugin_load_arg("check", spec, dirs, &plugin, err, sizeof err);
    if (rc < 0) {
        report(0, "loads", err);
        return PB_EXIT_USAGE;
    }
    if (rc > 0)
        return rc;
    const pb_plugin *d = plugin.desc;
    snprintf(detail, sizeof detail, "'%s' %s, ABI %u.%u, kind %s, %u parameters", d->name,
             d->version, d->abi_major, d->abi_minor, d->kind, d->n_params);
    report(1, "loads and validates", detail);
    if (!problem_id)
        problem_id = plugin.kind->default_problems[0];
    pb__problem *problem;
    if (pb__problem_open(problem_id, &problem, err, sizeof err) != 0) {
        pb__plugin_unload(&plugin);
        return pb_usage_error("%s", err);
    }
    int failures = 0;
    if (problem->family->kind != plugin.kind) {
        snprintf(detail, sizeof detail, "plugin solves %s, problem '%s' is %s", d->kind,
                 problem_id, problem->family->kind->abi_kind);
        failures += report(0, "kind", detail);
    }
    pb_value *values = calloc(d->n_params ? d->n_params : 1, sizeof *values);
    pb__params_defaults(d, values);
    /* Two runs with seed 1 under an evaluation budget, one under an iteration budget. */
    const uint64_t cost = 1000, iterations = 20;
    pb__job jobs[3] = {
        {&plugin, values, problem, 1, {.budget = {cost, 0, 0}, .target = NAN}, PB__SAVE_NONE, NULL},
        {&plugin, values, problem, 1, {.budget = {cost, 0, 0}, .target = NAN}, PB__SAVE_NONE, NULL},
        {&plugin, values, problem, 1, {.budget = {0, iterations, 0}, .target = NAN}, PB__SAVE_NONE, NULL},
    };
    captured runs[3] = {0};
    pb__isolation iso = {.parallel = 1, .timeout_seconds = timeout,
                         .memory_bytes = CHECK_MEMORY_BYTES};
    /* One run at a time: after a run that failed, the others would only repeat it. */
    int ran = 0;
    for (int r = 0; r < 3 && failures == 0; r++, ran++) {
        if (pb__isolate_run(&jobs[r], 1, &iso, keep, &runs[r]) != 0) {
            failures += report(0, "runs", "interrupted");
            break;
        }
        const pb__outcome *o = &runs[r].result.outcome;
        snprintf(detail, sizeof detail, "run %d on %s: status %s%s%s", r + 1, problem_id,
                 pb__status_name(o->status), o->message[0] ? ", " : "", o->message);
        failures += report(o->status == PB__STATUS_OK, "runs without failing", detail);
    }
    if (ran == 3 && failures == 0) {
        /* The host enforces the budgets; what a plugin must do is stop where they end. */
        const pb__outcome *a = &runs[0].result.outcome, *c = &runs[2].result.outcome;
        snprintf(detail, sizeof detail, "%llu of %llu %s counted, stop reason %s",
                 (unsigned long long)a->cost, (unsigned long long)cost,
                 plugin.kind->cost_unit, pb__stop_name(a->stop));
        failures += report(a->stop == PB__STOP_COST || a->stop == PB__STOP_DONE ||
                               a->stop == PB__STOP_TARGET,
                           "ends at the cost budget", detail);
        snprintf(detail, sizeof detail, "%llu of %llu iterations, stop reason %s",
                 (unsigned long long)c->iterations, (unsigned long long)iterations,
                 pb__stop_name(c->stop));
        failures += report(c->stop == PB__STOP_ITERATIONS || c->stop == PB__STOP_DONE ||
                               c->stop == PB__STOP_TARGET,
                           "ends at the iteration budget", detail);
        int same = same_trace(&runs[0].result, &runs[1].result, plugin.kind, detail,
                              sizeof detail);
        failures += report(same, "same seed, same trace", detail);
    }
    for (int r = 0; r < 3; r++)
        free(runs[r].trace);
    free(values);
    pb__problem_close(problem);
    pb__plugin_unload(&plugin);
    printf("%s: %s\n", spec, failures ? "does not conform" : "conforms");
    return failures ? PB_EXIT_FAILED : PB_EXIT_OK;
}

int pb_cmd_check(int argc, char **argv)
{
    pb_dirs dirs = {0};
    const char *spec = NULL, *problem_id = NULL;
    double timeout = 60;
    int sandbox = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sandbox") == 0) {
            sandbox = 1;
        } else if (strcmp(argv[i], "--problem") == 0 && i + 1 < argc) {
            problem_id = argv[++i];
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            if (pb__parse_decimal(argv[i + 1], &timeout) != 0 || !(timeout > 0 && timeout <= 1e6))
                return pb_usage_error("check: --timeout needs seconds in (0, 1e6], not '%s'",
                                      argv[i + 1]);
            i++;
        } else {
            int rc = pb_plugin_arg(argc, argv, &i, &dirs, &spec, "check", usage);
            if (rc != PB_ARG_NEXT)
                return rc;
        }
    }
    char err[2048];
    if (sandbox) {
        if (pb__sandbox_start(NULL, 0, 0, err, sizeof err) != 0)
            return pb_usage_error("check --sandbox: %s", err);
        pb__cgroups cgroups;
        char memory[512];
        pb__cgroups_open(&cgroups);
        pb__cgroups_describe(&cgroups, CHECK_MEMORY_BYTES, memory, sizeof memory);
        fprintf(stderr, "plugbench: %s; cpu: %g s per process (the timeout); memory: %s\n", err,
                timeout, memory);
    }
    int rc = check(spec, &dirs, problem_id, timeout);
    pb__sandbox_stop();
    return rc;
}
