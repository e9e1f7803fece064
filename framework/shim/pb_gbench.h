/*
 * Google Benchmark from C: a small C API over the C++ library (pb_gbench.cpp), so that C
 * code registers and runs benchmarks. `plugbench bench` times plugin microkernels with it.
 * Internal to plugbench, never installed; built only when meson finds Google Benchmark
 * (Debian: libbenchmark-dev) and a C++ compiler, and then PB_HAVE_GBENCH is defined for its
 * users.
 *
 *   static void sum(pb_gbench_state *st, void *arg)
 *   {
 *       while (pb_gbench_keep_running(st))
 *           ... add up the 1024 doubles at arg ...
 *       pb_gbench_set_items_processed(st, pb_gbench_iterations(st) * 1024);
 *   }
 *   ...
 *   pb_gbench_register("sum", data, sum);
 *   int n = pb_gbench_run(argc, argv); // the --benchmark_* flags; -1: a bad flag
 *
 * A run function is Google Benchmark's benchmark function: it is called several times
 * (growing iteration counts, repetitions), each time on the thread that called
 * pb_gbench_run, and must loop until pb_gbench_keep_running (or _batch) returns 0, unless
 * it reports an error with pb_gbench_skip_with_error and returns.
 *
 * Ownership: names, labels and messages are copied; arg stays the caller's and must stay
 * valid until pb_gbench_run returns. No C++ exception crosses this API.
 */
#ifndef PLUGBENCH_GBENCH_H
#define PLUGBENCH_GBENCH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Google Benchmark's benchmark::State, opaque. */
typedef struct pb_gbench_state pb_gbench_state;

/* A benchmark function; arg is what was registered with it. */
typedef void (*pb_gbench_fn)(pb_gbench_state *state, void *arg);

/* Counter flags (pb_gbench_set_counter), as benchmark::Counter's. */
#define PB_GBENCH_COUNTER_DEFAULT 0u        /* the value as given */
#define PB_GBENCH_COUNTER_RATE 1u           /* value per second of measured time */
#define PB_GBENCH_COUNTER_AVG_ITERATIONS 2u /* value per iteration */

/*
 * Registers the benchmark name (copied) running run(state, arg). Returns 0, or -1 when an
 * argument is NULL or memory ran out. Registrations last until pb_gbench_run returns.
 */
int pb_gbench_register(const char *name, void *arg, pb_gbench_fn run);

/* Starts (first call) or continues the timed loop: 1 for one more iteration, 0 when done. */
int pb_gbench_keep_running(pb_gbench_state *state);

/*
 * Like pb_gbench_keep_running for n iterations at once (n >= 1): one call of the body does
 * n iterations. pb_gbench_max_iterations as n gives a single timed batch.
 */
int pb_gbench_keep_running_batch(pb_gbench_state *state, int64_t n);

/* How many iterations Google Benchmark asks of this call of the benchmark function. */
int64_t pb_gbench_max_iterations(const pb_gbench_state *state);

/* How many iterations have completed so far (after the loop: all of them). */
int64_t pb_gbench_iterations(const pb_gbench_state *state);

/* Stops and restarts the clock inside the loop, around work that is not to be measured.
 * Each costs about a microsecond (clock reads): keep it out of very small kernels. */
void pb_gbench_pause(pb_gbench_state *state);
void pb_gbench_resume(pb_gbench_state *state);

/* Totals over all iterations: reported as items_per_second and bytes_per_second. */
void pb_gbench_set_items_processed(pb_gbench_state *state, int64_t items);
void pb_gbench_set_bytes_processed(pb_gbench_state *state, int64_t bytes);

/* A free-form label shown with the result (the JSON's "label"); copied. */
void pb_gbench_set_label(pb_gbench_state *state, const char *label);

/* A user counter (a JSON member of that name): value transformed by PB_GBENCH_COUNTER_*. */
void pb_gbench_set_counter(pb_gbench_state *state, const char *name, double value,
                           uint32_t flags);

/*
 * Marks the benchmark as failed with message (copied; the JSON's error_occurred and
 * error_message) and stops its loop: keep_running then returns 0. Return from the
 * benchmark function soon after; at most once per call of it.
 */
void pb_gbench_skip_with_error(pb_gbench_state *state, const char *message);

/*
 * Initializes Google Benchmark with the flags in argv (argv[0] names the program; every
 * other argument must be a --benchmark_* flag), runs the registered benchmarks that match
 * --benchmark_filter, reports them (console on stdout, --benchmark_out in its own format),
 * then forgets the registrations. argv is not modified. It may be called again with new
 * registrations, but the flags are globals of the library: a flag given to an earlier call
 * keeps its value, and the console format (--benchmark_format) is the first call's.
 * Returns the number of benchmarks run, or -1 when an argument is not a flag Google
 * Benchmark knows (reported on stderr), or on an internal error.
 */
int pb_gbench_run(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
