/*
 * The microkernels extension, revision 1: small, repeatable units of a plugin's work (one
 * CBO step, one Sinkhorn iteration, one M-FAC inverse-Hessian-vector product, one bbob
 * evaluation) that `plugbench bench` times with Google Benchmark.
 *
 * A plugin that has microkernels answers pb_plugin.extension(PB_MICROKERNELS_ID) with a
 * pointer to a static pb_microkernels table; NULL (or a NULL extension member) means it has
 * none. The host knows nothing of a kernel beyond this table: the kernel owns its state,
 * allocated by setup() and freed by teardown(), and the host owns the problem, the context
 * and the clock. The rules of plugbench/plugin.h hold here too: fixed-width types, structs
 * that grow only at the end behind struct_size, nothing freed across the boundary.
 *
 * How the host times one kernel, in one thread of the plugbench process (not isolated: a
 * crashing kernel ends the command):
 *   1. opens the kernel's problem (pb_microkernel.problem, or else the first default problem
 *      of the plugin's kind) with counting oracles and no budget, so oracles never return
 *      the NaN of a spent budget;
 *   2. calls setup() with a pb_context as create() receives it: that problem, the plugin's
 *      declared default parameter values, seed 1, every budget 0, an error buffer;
 *   3. calls run(state, n) and times the call as a whole: the time per iteration is the
 *      call's time divided by n, so run() should do n times the same work and nothing else;
 *   4. calls teardown().
 * Google Benchmark repeats 1-4 with growing n until a round lasts long enough, and once per
 * --benchmark_repetitions: each round starts from a fresh setup(), so a kernel whose state
 * evolves (an optimizer's step) is timed from the same start every round.
 */
#ifndef PLUGBENCH_MICROKERNELS_H
#define PLUGBENCH_MICROKERNELS_H

#include <stdint.h>

#include "plugin.h" /* pb_context; same directory, whatever the include path */

#ifdef __cplusplus
extern "C" {
#endif

/* The id to pass to pb_plugin.extension(); the revision is part of it. */
#define PB_MICROKERNELS_ID "plugbench.microkernels/1"

/* One microkernel. A constant object; the host benchmarks it as "<plugin>/<name>". */
typedef struct pb_microkernel {
    uint32_t struct_size; /* sizeof(pb_microkernel) as the plugin was built */
    uint32_t reserved;    /* zero */
    const char *name;     /* static; [a-z0-9_-]+, unique within the plugin */
    const char *doc;      /* static; one line: what one iteration does */

    /*
     * Static; the id of a problem of the plugin's kind to run on (e.g. "bbob-f15-d20-i1"),
     * or NULL for the first default problem of the kind (`plugbench list` shows it).
     */
    const char *problem;

    /*
     * The work one iteration does, with the declared default parameters, for Google
     * Benchmark's throughput figures: items (evaluations, particles, samples: the kernel's
     * unit, named in doc) and bytes of memory read and written. 0 means not reported.
     * Whatever these say, the host also reports the oracle cost it counted per iteration.
     */
    uint64_t items_per_iteration;
    uint64_t bytes_per_iteration;

    /*
     * Allocates the kernel's state for ctx->problem and writes it to *state; untimed.
     * ctx and everything it points to, the error buffer included, stay valid until
     * teardown() returns. Returns 0, or a negative PB_ERR_* with a message in ctx->error
     * (then *state is ignored and teardown is not called). An algorithm's create() has
     * this signature and may be used as is.
     */
    int32_t (*setup)(const pb_context *ctx, void **state);

    /*
     * Does the kernel's unit of work iterations times (iterations >= 1); timed as a whole.
     * Returns 0, or a negative PB_ERR_* with a message in the setup context's error buffer:
     * the host then reports the benchmark as failed and calls only teardown(). Positive
     * values are reserved and count as 0.
     */
    int32_t (*run)(void *state, uint64_t iterations);

    /* Frees the state. Never fails. */
    void (*teardown)(void *state);

    /* Revision 1 ends here. Later members are read only when struct_size covers them. */
} pb_microkernel;

/* What extension(PB_MICROKERNELS_ID) returns: a static table of the plugin's kernels. */
typedef struct pb_microkernels {
    uint32_t struct_size; /* sizeof(pb_microkernels) as the plugin was built */
    uint32_t n_kernels;   /* number of entries in kernels, at most 1024 */
    /* Static; n_kernels pointers, none NULL. Pointers, not an array of structs, so that
     * pb_microkernel may grow without changing the stride the host indexes with. */
    const pb_microkernel *const *kernels;

    /* Revision 1 ends here. */
} pb_microkernels;

#ifdef __cplusplus
}
#endif

#endif
