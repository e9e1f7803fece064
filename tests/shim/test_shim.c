/*
 * The C shim over Google Benchmark (framework/shim/pb_gbench.h), driven from C as plugbench
 * bench drives it: kernels with known work per iteration run under --benchmark_out, and the
 * JSON Google Benchmark writes must say what they did. Checks:
 *   - "sum" (1024 doubles per iteration): items and bytes per iteration recovered from
 *     items_per_second and bytes_per_second, the label, a per-iteration and a rate counter;
 *   - "paused": 20 us of each iteration behind pause/resume are not measured;
 *   - "batch": keep_running_batch(max_iterations) runs the body once per call;
 *   - "fails": skip_with_error reaches the JSON as error_occurred and error_message;
 *   - registration refuses NULL; a second run starts from its own registrations (a filter
 *     that matches nothing runs 0); a flag Google Benchmark does not know gives -1.
 * Prints "ok - ..." or "not ok - ..." per check; exit status 1 when one failed.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pb_gbench.h"

/* valgrind's header comes with callgrind's (framework/meson.build's callgrind_args). */
#ifdef PB_HAVE_CALLGRIND
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#define N 1024
#define PAUSED_NS 20000 /* spun with the clock paused */
#define TIMED_NS 2000   /* spun with the clock running */

static int failures;

/* Records one check. */
static void check(int ok, const char *what)
{
    printf("%s - %s\n", ok ? "ok" : "not ok", what);
    failures += !ok;
}

/* Is a within a relative tolerance of b? */
static int close_to(double a, double b, double tol) { return fabs(a - b) <= tol * fabs(b); }

/* Nanoseconds on the monotonic clock. */
static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Busy-waits ns nanoseconds of wall time (sleeping would not use CPU time). */
static void spin(int64_t ns)
{
    int64_t end = now_ns() + ns;
    while (now_ns() < end)
        ;
}

/* Sums N doubles per iteration and reports items, bytes, a label and two counters. */
static void sum_kernel(pb_gbench_state *st, void *arg)
{
    const double *x = arg;
    volatile double sink = 0;
    while (pb_gbench_keep_running(st)) {
        double s = 0;
        for (int i = 0; i < N; i++)
            s += x[i];
        sink = s;
    }
    (void)sink;
    int64_t iterations = pb_gbench_iterations(st);
    pb_gbench_set_items_processed(st, iterations * N);
    pb_gbench_set_bytes_processed(st, iterations * N * (int64_t)sizeof(double));
    pb_gbench_set_label(st, "sum-label");
    pb_gbench_set_counter(st, "adds", (double)(iterations * N),
                          PB_GBENCH_COUNTER_AVG_ITERATIONS);
    pb_gbench_set_counter(st, "adds_rate", (double)(iterations * N), PB_GBENCH_COUNTER_RATE);
}

/* Spins PAUSED_NS with the clock stopped and TIMED_NS with it running. */
static void paused_kernel(pb_gbench_state *st, void *arg)
{
    (void)arg;
    while (pb_gbench_keep_running(st)) {
        pb_gbench_pause(st);
        spin(PAUSED_NS);
        pb_gbench_resume(st);
        spin(TIMED_NS);
    }
}

/* One batch of max_iterations per call; counts the bodies run in this call. */
static void batch_kernel(pb_gbench_state *st, void *arg)
{
    const double *x = arg;
    volatile double sink = 0;
    int64_t n = pb_gbench_max_iterations(st), bodies = 0;
    while (pb_gbench_keep_running_batch(st, n)) {
        bodies++;
        for (int64_t k = 0; k < n; k++)
            sink = sink + x[k % N];
    }
    pb_gbench_set_counter(st, "bodies", (double)bodies, PB_GBENCH_COUNTER_DEFAULT);
    pb_gbench_set_counter(st, "asked", (double)n, PB_GBENCH_COUNTER_DEFAULT);
}

/* Fails before its loop, as plugbench bench does when a kernel's setup fails. */
static void failing_kernel(pb_gbench_state *st, void *arg)
{
    (void)arg;
    pb_gbench_skip_with_error(st, "failed on purpose");
}

/* The benchmark object named name in the report, or NULL. */
static const cJSON *find(const cJSON *report, const char *name)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(report, "benchmarks"))
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return b;
    }
    return NULL;
}

/* A number member of obj, or NaN when absent. */
static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* A string member of obj, or "" when absent. */
static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Reads a whole file into a NUL-terminated buffer the caller frees; NULL on failure. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            cap = 2 * cap + 4096 + 1;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        got = fread(buf + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* The checks on the report of the first run. */
static void check_report(const cJSON *report)
{
    const cJSON *sum = find(report, "sum");
    check(sum != NULL, "the report has benchmark \"sum\"");
    if (sum) {
        double cpu_s = num(sum, "cpu_time") * 1e-9; /* per iteration; time_unit ns */
        check(strcmp(str(sum, "time_unit"), "ns") == 0 && num(sum, "iterations") >= 1,
              "sum: time unit ns, at least one iteration");
        check(close_to(num(sum, "items_per_second") * cpu_s, N, 1e-6),
              "sum: items_per_second x cpu_time = 1024 items per iteration");
        check(close_to(num(sum, "bytes_per_second") * cpu_s, N * sizeof(double), 1e-6),
              "sum: bytes_per_second x cpu_time = 8192 bytes per iteration");
        check(strcmp(str(sum, "label"), "sum-label") == 0, "sum: label");
        check(num(sum, "adds") == N, "sum: a per-iteration counter");
        check(close_to(num(sum, "adds_rate"), num(sum, "items_per_second"), 1e-9),
              "sum: a rate counter equals items_per_second");
        check(strcmp(str(sum, "run_type"), "iteration") == 0 && num(sum, "real_time") > 0,
              "sum: the members compare.py reads (run_type, real_time)");
    }
    const cJSON *paused = find(report, "paused");
    /* Under valgrind (the reliability run's memcheck part) the 2 us that are measured take
     * longer than the paused 20 us: there only the entry is checked. */
    check(paused && (num(paused, "cpu_time") < PAUSED_NS / 2 || RUNNING_ON_VALGRIND),
          "paused: the paused 20 us are not measured (cpu_time < 10 us)");
    const cJSON *batch = find(report, "batch");
    check(batch && num(batch, "bodies") == 1 && num(batch, "iterations") == num(batch, "asked"),
          "batch: one body per call, iterations = max_iterations");
    const cJSON *fails = find(report, "fails");
    check(fails && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fails, "error_occurred")) &&
              strcmp(str(fails, "error_message"), "failed on purpose") == 0,
          "fails: error_occurred and error_message");
}

/* Runs the four kernels into a temporary JSON file, checks it, then the other runs. */
int main(void)
{
    static double x[N];
    for (int i = 0; i < N; i++)
        x[i] = 1.0 / (i + 1);
    const char *tmp = getenv("TMPDIR");
    char out[4096], out_flag[4200];
    snprintf(out, sizeof out, "%s/pb_gbench_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(out);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(fd);
    snprintf(out_flag, sizeof out_flag, "--benchmark_out=%s", out);

    check(pb_gbench_register(NULL, x, sum_kernel) == -1 && pb_gbench_register("x", x, NULL) == -1,
          "register refuses a NULL name or function");
    check(pb_gbench_register("sum", x, sum_kernel) == 0 &&
              pb_gbench_register("paused", NULL, paused_kernel) == 0 &&
              pb_gbench_register("batch", x, batch_kernel) == 0 &&
              pb_gbench_register("fails", NULL, failing_kernel) == 0,
          "register four kernels");
    char program[] = "test_shim", min_time[] = "--benchmark_min_time=0.01",
         format[] = "--benchmark_out_format=json";
    char *argv1[] = {program, min_time, out_flag, format, NULL};
    check(pb_gbench_run(4, argv1) == 4, "run: four benchmarks ran");
    check(strcmp(argv1[2], out_flag) == 0 && argv1[4] == NULL, "run leaves argv as it was");

    char *text = slurp(out);
    cJSON *report = text ? cJSON_Parse(text) : NULL;
    check(report != NULL, "--benchmark_out wrote JSON that parses");
    if (report)
        check_report(report);
    cJSON_Delete(report);
    free(text);

    char filter[] = "--benchmark_filter=^sum$";
    char *argv2[] = {program, filter, NULL};
    check(pb_gbench_run(2, argv2) == 0, "a second run has only its own registrations");
    pb_gbench_register("sum", x, sum_kernel);
    char unknown[] = "--benchmark_no_such_flag=1";
    char *argv3[] = {program, unknown, NULL};
    check(pb_gbench_run(2, argv3) == -1, "a flag Google Benchmark does not know gives -1");

    remove(out); /* after the last run: --benchmark_out sticks, and a run may rewrite it */
    printf("%d failed\n", failures);
    return failures ? 1 : 0;
}
