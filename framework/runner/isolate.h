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
    int32_t save_solutions; /* PB__SAVE_*: which solutions come back to the parent */
    const char *config; /* its configuration's label (configs.h); NULL: the plugin's name */
} pb__job;

/* Which measured solutions a run sends back (pb__job.save_solutions). */
#define PB__SAVE_NONE 0
#define PB__SAVE_FINAL 1       /* the final solution */
#define PB__SAVE_CHECKPOINTS 2 /* the solution at each trace point (the last is the final) */

#define PB__OUTPUT_KEEP 4096

typedef struct pb__job_result {
    pb__outcome outcome;     /* status may also be PB__STATUS_TIMEOUT or PB__STATUS_CRASHED */
    int signal;              /* the signal that killed a crashed run, else 0 */
    pb__trace_point *trace;  /* n_trace points, owned by the isolation layer */
    size_t n_trace;
    char output[PB__OUTPUT_KEEP + 1]; /* the first bytes the run wrote to stdout/stderr */
    size_t output_bytes;     /* how many it wrote in all */
    double wall_seconds;     /* from fork to exit */
    double max_rss_mib;      /* its memory cgroup's peak, else the child's peak resident set */
    long pid;                /* the child's process id (names its callgrind dump, instr.h) */
    /* The solutions asked for (pb__job.save_solutions) of a run that ended ok or nonfinite:
     * n_solutions rows of the problem's solution_length values, owned by the isolation
     * layer. One row per trace point (solutions_per_point 1), or the final solution alone
     * (0): with PB__SAVE_FINAL, and with PB__SAVE_CHECKPOINTS when the rows would pass
     * pb__isolation.solution_bytes. None (n_solutions 0) when one row would pass it
     * (solutions_capped 1), or when the run ended otherwise. */
    double *solutions;
    size_t n_solutions;
    uint64_t solution_length; /* values per row */
    int solutions_per_point;
    int solutions_capped;
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
    uint64_t memory_bytes;   /* memory limit per run (its memory cgroup's where it has one,
                              * else RLIMIT_AS; see cgroup.h); 0 = none */
    /* The caller's descriptors no run may touch (the results journal): each child closes
     * them first, as it closes the other runs' pipes. */
    const int *private_fds;
    size_t n_private_fds;
    /* The most bytes of solutions the parent keeps of one run (pb__job_result.solutions). */
    uint64_t solution_bytes;
} pb__isolation;

/*
 * What the parent can and cannot trust in a run's messages. The child counts the cost and
 * the iterations, times the steps and measures the solutions in its own address space,
 * which plugin code shares: a plugin can overwrite those figures before they are sent, or
 * write messages of its own into the pipe (its descriptor is found in /proc/self/fd). The
 * parent therefore treats every message as a claim and checks what can be checked:
 *   - messages are fixed-size records of a known type, at most pb__trace_cap(limits)
 *     trace points and then one final outcome, nothing after it and no truncated tail, so
 *     a run sends at most (pb__trace_cap + 1) * one record (about 80 KB for any budget
 *     with the default checkpoints; the cap on points bounds the dense ones) and the
 *     parent holds at most pb__trace_cap points;
 *   - cost and iterations are whole numbers, never above the budget where it has one (the
 *     oracles refuse calls past it), and with the time never decrease along the trace nor
 *     from its last point to the outcome; times are finite and not negative;
 *   - the outcome's status is ok, error or nonfinite (timeouts and crashes are the
 *     parent's findings), its stop reason a known one, its target cost within its cost, and
 *     an ok outcome comes after at least one trace point;
 *   - solutions (only when the job asks for them) come in chunks of at most 128 values, in
 *     order, whose sizes add up to the problem's solution_length as the parent opened it
 *     (never what the run says): with PB__SAVE_CHECKPOINTS one after each trace point,
 *     with PB__SAVE_FINAL one after the last point; an outcome that ends ok or nonfinite
 *     needs them all. So a run can send only values of its own solution's size, and the
 *     parent holds at most pb__isolation.solution_bytes of them.
 * A run whose messages fail a check is killed at once and recorded with status error and a
 * message that says so ("broke the protocol with the harness"), its trace kept up to there.
 * What the parent cannot detect is a forgery that passes every check: a consistent trace
 * and outcome with made-up metrics (a best error of 0 after one evaluation), or a cost and
 * time below the real ones (a saved solution's metrics can be measured again by the host:
 * plugbench remeasure). Only a plugin whose code is trusted, or a rerun outside its
 * reach, vouches for its figures. The wall time, the peak memory (from the kernel: the
 * run's memory cgroup, or wait4) and a timeout or killing signal are the parent's own
 * observations.
 */

/* The most trace points a run under limits sends: the checkpoints up to its cost budget
 * (any cost when it has none: under 70 for the default series) plus the point at PB_DONE
 * and the final point, and never more than the cap (pb__checkpoints_cap), which alone
 * bounds PB__CHECKPOINTS_EVERY. */
size_t pb__trace_cap(const pb__limits *limits);

/* Called in the parent as each run ends, in the order they end. */
typedef void (*pb__job_done_fn)(void *user, size_t index, const pb__job_result *result);

/*
 * Runs jobs[0..n) in isolated children. Each child dies with this process
 * (PR_SET_PDEATHSIG), leads its own process group, killed whole with SIGKILL when its run
 * ends for any reason, and may start PB__PROCESS_ALLOWANCE tasks; where a memory cgroup can
 * be made (cgroup.h), each run is in its own, emptied and removed when the run ends, which
 * then limits its memory instead of RLIMIT_AS; when a sandbox is started (sandbox.h) it
 * enters it first, with timeout_seconds of CPU time, and a child that cannot is recorded as
 * an error saying why, its plugin never loaded. Meanwhile this process is
 * a child subreaper: descendants of a run that left its group are handed to it when their
 * run ends, and killed. The caller must start no other child processes meanwhile (they would
 * be taken for such descendants). Returns 0 when all ran, or -1 when SIGINT or SIGTERM
 * arrived: running children are killed and their runs not reported (a run that had already
 * sent its final result is reported).
 */
int pb__isolate_run(const pb__job *jobs, size_t n, const pb__isolation *iso,
                    pb__job_done_fn done, void *user);

#endif
