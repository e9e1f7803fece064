/*
 * ot_bench: times transport plugins the way the harness does (only step() is timed; the
 * host measures the potentials afterwards, untimed) and dumps the problems for the POT
 * side of bench/ot/run.py.
 *
 *   ot_bench PLUGIN.so PROBLEM_ID TARGET MAX_STEPS [name=value ...]
 *       runs until the plugin stops on its own tolerance (pass tol=TARGET) or MAX_STEPS, and
 *       prints one JSON object: steps, seconds (wall, in step()), seconds_per_step,
 *       cpu_seconds and cpu_seconds_per_step (this thread's CPU time in step()), the
 *       host-measured marginal error and transport cost at the end, whether the error is
 *       <= TARGET, and create_seconds, create_cpu_seconds. An argument max_seconds=S (not
 *       passed to the plugin) also stops it after S seconds.
 *   ot_bench --dump PROBLEM_ID FILE
 *       writes n, m, eta, C (row-major), r, c as little-endian float64.
 *   ot_bench --read-bandwidth N M REPS
 *       the read bandwidth a pass over E can have: the median CPU time of REPS streaming sums
 *       over E's bytes in double (8 n m) and in float (4 n m), both summed as doubles,
 *       after one untimed pass each; prints one JSON object with both times and bytes per
 *       second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loader.h"
#include "ot_kernels.h"
#include "ot_problem.h"
#include "params.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* This thread's CPU time (user and system: page faults count): unlike the wall clock, it
 * does not count the time other jobs of a shared machine hold the core. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A streaming sum: the kernels' eight independent sums (ot_kernels.h): GCC vectorizes them with
 * -fvect-cost-model=dynamic (bench/meson.build), and the AVX2 clone is picked at load. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define STREAM_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define STREAM_CLONES
#endif
STREAM_CLONES static double stream_sum(const double *x, size_t len)
{
    double acc[8] = {0};
    add8(acc, x, len);
    return sum8(acc);
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median seconds of reps streaming sums over len doubles, after one untimed pass. */
static double stream_seconds(size_t len, int reps, double *times, double *sink)
{
    double *x = malloc(len * sizeof(double));
    if (!x)
        return -1;
    for (size_t k = 0; k < len; k++)
        x[k] = 1.0 / (double)(k % 1000 + 1);
    *sink += stream_sum(x, len);
    for (int k = 0; k < reps; k++) {
        double t0 = cpu_now();
        *sink += stream_sum(x, len);
        times[k] = cpu_now() - t0;
    }
    free(x);
    qsort(times, reps, sizeof(double), by_value);
    return times[reps / 2];
}

/* The read bandwidth of E's bytes in double (8 n m) and in float (4 n m), each read as
 * doubles, so that the sum is never the bottleneck. */
static int read_bandwidth(size_t n, size_t m, int reps)
{
    double *times = reps >= 1 ? malloc(reps * sizeof(double)) : NULL, sink = 0;
    double sd = times ? stream_seconds(n * m, reps, times, &sink) : -1;
    double sf = times && sd > 0 ? stream_seconds(n * m / 2, reps, times, &sink) : -1;
    free(times);
    if (sf < 0) {
        fprintf(stderr, "ot_bench: out of memory, or REPS < 1\n");
        return 1;
    }
    printf("{\"n\": %zu, \"m\": %zu, \"reps\": %d, \"double_seconds\": %.6g, "
           "\"double_bytes_per_second\": %.6g, \"float_seconds\": %.6g, "
           "\"float_bytes_per_second\": %.6g, \"checksum\": %.17g}\n",
           n, m, reps, sd, (double)(n * m * sizeof(double)) / sd, sf,
           (double)(n * m / 2 * sizeof(double)) / sf, sink);
    return 0;
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
    if (argc == 5 && strcmp(argv[1], "--read-bandwidth") == 0)
        return read_bandwidth(strtoull(argv[2], NULL, 10), strtoull(argv[3], NULL, 10),
                              atoi(argv[4]));
    if (argc < 5) {
        fprintf(stderr, "usage: ot_bench PLUGIN.so PROBLEM_ID TARGET MAX_STEPS [name=value ...]\n"
                        "       ot_bench --dump PROBLEM_ID FILE\n"
                        "       ot_bench --read-bandwidth N M REPS\n");
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
    double t0 = now(), c0 = cpu_now();
    if (plugin.desc->create(&ctx, &state) < 0) {
        fprintf(stderr, "ot_bench: create: %s\n", err);
        return 1;
    }
    double create_seconds = now() - t0, create_cpu = cpu_now() - c0, seconds = 0, cpu = 0;
    unsigned long long steps = 0;
    int32_t rc = PB_CONTINUE;
    while (rc == PB_CONTINUE && steps < max_steps && (max_seconds <= 0 || seconds < max_seconds)) {
        t0 = now();
        c0 = cpu_now();
        rc = plugin.desc->step(state);
        cpu += cpu_now() - c0;
        seconds += now() - t0;
        steps++;
    }
    double *fg = malloc(problem->handle.solution_length * sizeof(double));
    double metrics[PB__OT_N_METRICS];
    plugin.desc->solution(state, fg);
    problem->ops->measure(problem, fg, metrics);
    printf("{\"plugin\": \"%s\", \"problem\": \"%s\", \"steps\": %llu, \"seconds\": %.6g, "
           "\"seconds_per_step\": %.6g, \"cpu_seconds\": %.6g, \"cpu_seconds_per_step\": %.6g, "
           "\"marginal_error\": %.6g, \"cost\": %.17g, \"reached\": %s, "
           "\"create_seconds\": %.6g, \"create_cpu_seconds\": %.6g}\n",
           plugin.desc->name, argv[2], steps, seconds, steps ? seconds / (double)steps : 0.0, cpu,
           steps ? cpu / (double)steps : 0.0, metrics[0], metrics[1],
           metrics[0] <= target ? "true" : "false", create_seconds, create_cpu);
    free(fg);
    plugin.desc->destroy(state);
    pb__problem_close(problem);
    pb__plugin_unload(&plugin);
    return rc < 0;
}
