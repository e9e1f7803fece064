/*
 * One run, in the calling process: create the algorithm's state on a problem, step it
 * under the budgets, record the anytime trace, measure the final solution. The isolation
 * layer (isolate.h) calls this inside a child process; the tests and the benchmarks may call
 * it directly, running plugin code in their own process.
 */
#ifndef PLUGBENCH_RUN_H
#define PLUGBENCH_RUN_H

#include <stdint.h>

#include "../problems/problem.h"
#include "loader.h"

/* Run statuses, as written in results. */
#define PB__STATUS_OK 0
#define PB__STATUS_ERROR 1     /* the plugin reported an error, or broke the protocol */
#define PB__STATUS_NONFINITE 2 /* the solution or its quality became NaN or infinite */
#define PB__STATUS_TIMEOUT 3   /* killed at the wall-clock limit */
#define PB__STATUS_CRASHED 4   /* killed by a signal */

/* Why a run stopped. */
#define PB__STOP_NONE 0
#define PB__STOP_COST 1       /* the cost budget (evaluations, ...) was spent */
#define PB__STOP_ITERATIONS 2 /* the iteration budget was spent */
#define PB__STOP_SECONDS 3    /* the algorithm-time budget was spent */
#define PB__STOP_TARGET 4     /* the main metric reached the target */
#define PB__STOP_DONE 5       /* the plugin said PB_DONE */

typedef struct pb__limits {
    pb__budget budget;
    double target; /* for metrics[0]; NaN for none */
} pb__limits;

typedef struct pb__trace_point {
    double cost, iterations, seconds; /* seconds of algorithm time */
    double metrics[PB__MAX_METRICS];
} pb__trace_point;

typedef struct pb__outcome {
    int32_t status;           /* PB__STATUS_OK, _ERROR or _NONFINITE */
    int32_t stop;             /* PB__STOP_* */
    uint64_t cost;            /* counted oracle calls */
    uint64_t iterations;      /* step() calls */
    uint64_t target_hit_cost; /* cost when the target was first reached; 0 = never */
    double seconds;           /* algorithm time: create and steps, not measurement */
    double metrics[PB__MAX_METRICS];
    double extras[PB__MAX_EXTRAS]; /* the kind's extras (problem.h), zero if it has none */
    char message[512];        /* for errors */
} pb__outcome;

typedef void (*pb__trace_fn)(void *user, const pb__trace_point *point);

/*
 * Receives a measured solution (length doubles, the problem's solution_length; the loop's
 * buffer, valid during the call): with final 0 right after on_point got the point it was
 * measured at, and with final 1 once after the last point, the last one measured again, when
 * the run ends ok or nonfinite. Never for a kind without a solution vector (length 0).
 */
typedef void (*pb__solution_fn)(void *user, const double *solution, uint64_t length, int final);

/*
 * The first checkpoint after n: of 1, 2, 5, 10, 20, 50, ..., or with sparse of 1, 10, 100,
 * ... (pb__kind.sparse_checkpoints). Exposed for the tests and the isolation layer, which
 * bounds a run's trace by it.
 */
uint64_t pb__next_checkpoint(uint64_t n, int sparse);

/*
 * Runs plugin with params on problem (fresh: nothing counted yet) with seed under limits.
 * A trace point goes to on_point (may be NULL) after create() and after each step when
 * the cost crossed a checkpoint since the last point (one point however many it crossed;
 * the point after create() has iteration 0), and the final point always. A kind that
 * measures the plugin's model (problem.h, measure_model) adds its end-only metrics to
 * out->metrics after the final point, not to the trace. Fills out; never fails otherwise.
 * problem is modified (counters). The plugin's code runs in the calling process: it is
 * opened here (pb__plugin_open) unless it already is; when that fails, out says status
 * error with the reason. on_solution (may be NULL) gets the solutions (pb__solution_fn),
 * with the same user.
 */
void pb__run_execute(const pb__plugin_file *plugin, const pb_value *params, pb__problem *problem,
                     uint64_t seed, const pb__limits *limits, pb__trace_fn on_point,
                     pb__solution_fn on_solution, void *user, pb__outcome *out);

/*
 * pb__run_execute on a fresh copy of the problem named id, closed afterwards. Returns 0,
 * or -1 with a message in err when id does not open (then out says status error).
 */
int pb__run_id(const pb__plugin_file *plugin, const pb_value *params, const char *id,
               uint64_t seed, const pb__limits *limits, pb__trace_fn on_point, void *user,
               pb__outcome *out, char *err, size_t errlen);

/* Wall-clock seconds from a monotonic clock. */
double pb__now(void);

const char *pb__status_name(int32_t status);
const char *pb__stop_name(int32_t stop);

#endif
