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

/*
 * Where a run records its trace points (--checkpoints). All zero is the default: cost 1, 2,
 * 5 x 10^k (10^k for a kind with sparse_checkpoints), the series results had before.
 */
#define PB__CHECKPOINTS_125 0    /* cost 1, 2, 5 x 10^k */
#define PB__CHECKPOINTS_DECADE 1 /* n per decade of cost: the distinct round(10^(j/n)) */
#define PB__CHECKPOINTS_EVERY 2  /* after every n-th step (n = 1: "all") */
/* The most points a run records unless told otherwise: about 2 MB of JSON per run. */
#define PB__DEFAULT_MAX_TRACE 100000
#define PB__MAX_PER_DECADE 1000

typedef struct pb__checkpoints {
    int32_t mode;        /* PB__CHECKPOINTS_* */
    uint64_t n;          /* per decade, or the step interval; unused for the default */
    uint64_t max_points; /* the cap on a run's trace points (>= 2); 0 = PB__DEFAULT_MAX_TRACE */
} pb__checkpoints;

typedef struct pb__limits {
    pb__budget budget;
    double target; /* for metrics[0]; NaN for none */
    pb__checkpoints checkpoints;
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
    int32_t trace_capped;     /* 1 when checkpoints were skipped at the cap on points */
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

/* The first cost checkpoint after n of PB__CHECKPOINTS_DECADE with per_decade points. */
uint64_t pb__next_decade_checkpoint(uint64_t n, uint64_t per_decade);

/* The cap on a run's trace points under c (its max_points, or the default). */
uint64_t pb__checkpoints_cap(const pb__checkpoints *c);

/*
 * Parses "1-2-5", "decade:N" (N in [1, PB__MAX_PER_DECADE]), "every:K" (K >= 1) or "all"
 * (every:1) into c's mode and n (max_points is left alone). Returns 0, or -1.
 */
int pb__checkpoints_parse(const char *text, pb__checkpoints *c);

/* c's series as the text pb__checkpoints_parse reads ("all" for every:1), into buf. */
const char *pb__checkpoints_name(const pb__checkpoints *c, char *buf, size_t len);

/*
 * Runs plugin with params on problem (fresh: nothing counted yet) with seed under limits.
 * A trace point goes to on_point (may be NULL) after create() and after each step when
 * the cost crossed a checkpoint since the last point (one point however many it crossed;
 * the point after create() has iteration 0), or with PB__CHECKPOINTS_EVERY after each n-th
 * step (and after create() when it spent cost), and the final point always. At most
 * pb__checkpoints_cap points: once one short of it, checkpoints are skipped (the final point
 * is still recorded) and out->trace_capped says so. A kind with an iteration score
 * (pb__kind.score_last) gets it in its last metric at the end, not in the trace. A kind that
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
