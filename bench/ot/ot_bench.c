/*
 * ot_bench: times transport plugins the way the harness does (only step() is timed; the
 * host measures the potentials afterwards, untimed) and dumps the problems for the POT
 * side of bench/ot/run.py.
 *
 *   ot_bench PLUGIN.so PROBLEM_ID TARGET MAX_STEPS [name=value ...]
 *       runs until the plugin stops on its own tolerance (pass tol=TARGET) or MAX_STEPS, and
 *       prints one JSON object: steps, seconds (in step()), seconds_per_step, the host-measured
 *       marginal error at the end and whether it is <= TARGET, and create_seconds. An
 *       argument max_seconds=S (not passed to the plugin) also stops it after S seconds.
 *   ot_bench --dump PROBLEM_ID FILE
 *       writes n, m, eta, C (row-major), r, c as little-endian float64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loader.h"
#include "ot_problem.h"
#include "params.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int dump(const char *id, const char *path)
{
    pb__problem *base;
    char err[256];
    if (pb__problem_open(id, &base, err, sizeof err) != 0) {
        fprintf(stderr, "ot_bench: %s\n", err);
        return 1;
    }
    const pb__ot_problem *p = (const pb__ot_problem *)base;
    FILE *f = fopen(path, "wb");
    double head[3] = {p->n, p->m, p->eta};
    int ok = f && fwrite(head, sizeof(double), 3, f) == 3 &&
             fwrite(p->cost, sizeof(double), (size_t)p->n * p->m, f) == (size_t)p->n * p->m &&
             fwrite(p->r, sizeof(double), p->n, f) == p->n && fwrite(p->c, sizeof(double), p->m, f) == p->m;
    if (f)
        ok &= fclose(f) == 0;
    pb__problem_close(base);
    if (!ok)
        fprintf(stderr, "ot_bench: cannot write %s\n", path);
    return !ok;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--dump") == 0)
        return dump(argv[2], argv[3]);
    if (argc < 5) {
        fprintf(stderr, "usage: ot_bench PLUGIN.so PROBLEM_ID TARGET MAX_STEPS [name=value ...]\n"
                        "       ot_bench --dump PROBLEM_ID FILE\n");
        return 2;
    }
    char err[256] = "";
    pb__plugin_file plugin;
    pb__problem *problem;
    pb_value values[32];
    /* The plugin's code is timed here, in this process: open it after the probe. */
    if (pb__plugin_load(argv[1], &plugin, err, sizeof err) != 0 ||
        pb__plugin_open(&plugin, err, sizeof err) != 0 ||
        pb__problem_open(argv[2], &problem, err, sizeof err) != 0) {
        fprintf(stderr, "ot_bench: %s\n", err);
        return 2;
    }
    double target = atof(argv[3]);
    unsigned long long max_steps = strtoull(argv[4], NULL, 10);
    pb__params_defaults(plugin.desc, values);
    double max_seconds = 0;
    for (int k = 5; k < argc; k++) {
        char name[64];
        if (strncmp(argv[k], "max_seconds=", 12) == 0) {
            max_seconds = atof(argv[k] + 12);
            continue;
        }
        const char *eq = strchr(argv[k], '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - argv[k]) : 0, argv[k]);
        if (!eq || pb__param_set(plugin.desc, values, name, eq + 1, err, sizeof err) != 0) {
            fprintf(stderr, "ot_bench: %s: %s\n", argv[k], err);
            return 2;
        }
    }
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &problem->handle, .params = values,
                      .seed = 1, .error = err, .error_size = sizeof err};
    void *state;
    double t0 = now();
    if (plugin.desc->create(&ctx, &state) < 0) {
        fprintf(stderr, "ot_bench: create: %s\n", err);
        return 1;
    }
    double create_seconds = now() - t0, seconds = 0;
    unsigned long long steps = 0;
    int32_t rc = PB_CONTINUE;
    while (rc == PB_CONTINUE && steps < max_steps && (max_seconds <= 0 || seconds < max_seconds)) {
        t0 = now();
        rc = plugin.desc->step(state);
        seconds += now() - t0;
        steps++;
    }
    double *fg = malloc(problem->handle.solution_length * sizeof(double));
    double metrics[PB__OT_N_METRICS];
    plugin.desc->solution(state, fg);
    problem->ops->measure(problem, fg, metrics);
    printf("{\"plugin\": \"%s\", \"problem\": \"%s\", \"steps\": %llu, \"seconds\": %.6g, "
           "\"seconds_per_step\": %.6g, \"marginal_error\": %.6g, \"reached\": %s, "
           "\"create_seconds\": %.6g}\n",
           plugin.desc->name, argv[2], steps, seconds, steps ? seconds / (double)steps : 0.0,
           metrics[0], metrics[0] <= target ? "true" : "false", create_seconds);
    free(fg);
    plugin.desc->destroy(state);
    pb__problem_close(problem);
    pb__plugin_unload(&plugin);
    return rc < 0;
}
