/*
 * Process isolation: every run executes in its own child process, under a memory limit
 * and a wall-clock limit, with its stdout and stderr captured. The parent schedules up to
 * N children at once and turns whatever happened to each (finished, error, crash, timeout,
 * exit) into a result. A misbehaving plugin never takes the harness or other runs down.
 */
#ifndef PLUGBENCH_ISOLATE_H
#define PLUGBENCH_ISOLATE_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

typedef struct pb__job {
    const pb__plugin_file *plugin;
    const pb_value *params;
    pb__problem *problem; /* opened by the parent and never run there: each child runs a copy */
    uint64_t seed;
    pb__limits limits;
} pb__job;

#define PB__OUTPUT_KEEP 4096

typedef struct pb__job_result {
    pb__outcome outcome;     /* status may also be PB__STATUS_TIMEOUT or PB__STATUS_CRASHED */
    int signal;              /* the signal that killed a crashed run, else 0 */
    pb__trace_point *trace;  /* n_trace points, owned by the isolation layer */
    size_t n_trace;
    char output[PB__OUTPUT_KEEP + 1]; /* the first bytes the run wrote to stdout/stderr */
    size_t output_bytes;     /* how many it wrote in all */
    double wall_seconds;     /* from fork to exit */
    double max_rss_mib;      /* the child's peak resident memory */
} pb__job_result;

/*
 * Tasks (processes and threads) a run may start, bounded through RLIMIT_NPROC. That limit is
 * per user, not per run: each child gets the number of tasks its user had when
 * pb__isolate_run began, plus this allowance for each run at once. The user's other
 * processes count against it too, and root (CAP_SYS_RESOURCE or CAP_SYS_ADMIN) is exempt.
 */
#define PB__PROCESS_ALLOWANCE 256

typedef struct pb__isolation {
    unsigned parallel;       /* children at once, >= 1 */
    double timeout_seconds;  /* wall-clock limit per run; the child is killed after it */
    uint64_t memory_bytes;   /* address-space limit per run; 0 = none */
    /* The caller's descriptors no run may touch (the results journal): each child closes
     * them first, as it closes the other runs' pipes. */
    const int *private_fds;
    size_t n_private_fds;
} pb__isolation;

/* Called in the parent as each run ends, in the order they end. */
typedef void (*pb__job_done_fn)(void *user, size_t index, const pb__job_result *result);

/*
 * Runs jobs[0..n) in isolated children. Each child dies with this process
 * (PR_SET_PDEATHSIG), leads its own process group, killed whole with SIGKILL when its run
 * ends for any reason, and may start PB__PROCESS_ALLOWANCE tasks. Meanwhile this process is
 * a child subreaper: descendants of a run that left its group are handed to it when their
 * run ends, and killed. The caller must start no other child processes meanwhile (they would
 * be taken for such descendants). Returns 0 when all ran, or -1 when SIGINT or SIGTERM
 * arrived: running children are killed and their runs not reported (a run that had already
 * sent its final result is reported).
 */
int pb__isolate_run(const pb__job *jobs, size_t n, const pb__isolation *iso,
                    pb__job_done_fn done, void *user);

#endif
