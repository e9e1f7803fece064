/*
 * The host's side of a problem kind: how the harness opens, counts and measures problems.
 * This header is internal to plugbench (plugins see only plugbench/plugin.h and the kind's
 * public header). Adding a kind means: a public header with its oracle table, one
 * pb__kind object with its one pb__problem_ops table, its problem families, and one line in
 * registry.c (docs/adding-a-kind.md).
 *
 * Ownership: a problem is created by its family's open() and freed by its kind's
 * ops->destroy() (pb__problem_close). The plugin-visible pb_problem inside it points into the
 * problem's own memory.
 */
#ifndef PLUGBENCH_PROBLEM_H
#define PLUGBENCH_PROBLEM_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "plugbench/kit.h"
#include "plugbench/plugin.h"

#define PB__MAX_METRICS 8
/* Bounds of a kind's default suite and of its families (pb__kind). */
#define PB__MAX_DEFAULTS 16
#define PB__MAX_FAMILIES 16
/* Per-run numbers a kind records beyond its metrics (blackbox: evaluations to 51 targets). */
#define PB__MAX_EXTRAS 64

typedef struct pb__problem pb__problem;
typedef struct pb__family pb__family;

/*
 * What the host does with a problem besides calling its oracles: one constant table per
 * kind, shared by all the kind's problems (like SQLite's pMethods): pb__kind.ops.
 */
typedef struct pb__problem_ops {
    /*
     * Measures a solution (handle.solution_length doubles) into metrics (pb__kind_n_metrics),
     * without counting. Returns 0, or 1 when the solution or its quality is not finite.
     */
    int (*measure)(pb__problem *problem, const double *solution, double *metrics);
    /* Optional: gathers the run's extras at its end (see pb__kind.record_extras). */
    void (*collect_extras)(const pb__problem *problem, double *extras);
    /* Adds the problem's parameters (dimension, instance, optimum, ...) to obj, after the
     * id, kind, cost unit and family that every record has. */
    void (*describe)(const pb__problem *problem, cJSON *obj);
    /* Frees the problem and everything it owns. */
    void (*destroy)(pb__problem *problem);
    /*
     * Optional, for a kind whose plugins keep their model in their state rather than in a
     * solution vector (sequence: solution_length 0). When set, the run loop calls it
     * instead of measure(), untimed, with the plugin's descriptor (whose extension() gives
     * the table the kind measures through) and its state: at every trace point after
     * solution() with final 0, when it writes every metric (NaN for the end-only ones); and
     * once more after the last point, with final 1, when it writes only the end-only
     * metrics (the costly ones) over the last point's in metrics. The oracles refuse every
     * call meanwhile, as during solution(). Returns 0; 1 when what the model gave is not
     * finite (the run ends nonfinite); -1 when a plugin call failed or the host could not
     * measure (the run ends with an error); then with a message in err (errlen bytes)
     * unless the plugin already wrote one there.
     */
    int (*measure_model)(pb__problem *problem, const pb_plugin *plugin, void *state, int final,
                         double *metrics, char *err, size_t errlen);
} pb__problem_ops;

/* The default budget of a kind, used by the default suite and when a run names none. */
typedef struct pb__budget {
    uint64_t cost;       /* in the kind's cost unit; 0 = none */
    uint64_t iterations; /* 0 = none */
    double seconds;      /* algorithm seconds; 0 = none */
} pb__budget;

typedef struct pb__kind {
    const char *name;      /* "blackbox", the word users type */
    const char *abi_kind;  /* "blackbox/1", what plugins declare */
    /* What budget_cost counts ("evaluations"): it names a results column, so it must differ
     * from "iterations", "seconds" and the metric names (tests/unit/test_problems.c checks). */
    const char *cost_unit;
    const char *doc;       /* one line */
    /* Three lists, each ending at its first NULL (pb__kind_n_metrics and _n_defaults count).
     * Metric names; metrics[0] is the main quality: lower is better, 0 is optimal. */
    const char *metrics[PB__MAX_METRICS + 1];
    const char *default_problems[PB__MAX_DEFAULTS + 1]; /* ids for the default suite */
    pb__budget default_budget;
    const pb__family *families[PB__MAX_FAMILIES + 1];
    pb__problem_ops ops; /* measure, describe, destroy for every problem of the kind */
    /*
     * Optional: adds to a run's record what the problem's collect_extras gathered (extras,
     * PB__MAX_EXTRAS numbers; all zero when the run ended without reporting them).
     */
    void (*record_extras)(const double *extras, cJSON *record);
    /*
     * 1 for a kind whose plugins call no counted oracle (they read the problem's data):
     * the run loop then counts each step() as one unit of cost, so that cost budgets,
     * checkpoints and targets work as for the other kinds.
     */
    int cost_per_step;
    /*
     * 1 for a kind whose measurement runs the plugin's own inference, which may cost far more
     * than training (sequence: predict() with error regression optimizes at every test step):
     * checkpoints at the powers of ten only, a third of the 1, 2, 5 x 10^k points.
     */
    int sparse_checkpoints;
    /*
     * Bit m set: metrics[m] is not a function of the solution alone (blackbox's best_error:
     * the best evaluation counted during the run), so plugbench remeasure, which measures
     * saved solutions on a fresh problem, does not check it.
     */
    uint32_t history_metrics;
    /*
     * Optional (0: none): the score the kind's papers report by iteration, the mean of
     * metrics[score_metric] over the solutions after the last score_last steps (policy: the
     * return over the last 10 iterations). The run loop keeps those solutions and measures
     * them at the end into the kind's last metric, which is NaN in the trace.
     */
    uint32_t score_last;
    uint32_t score_metric;
    /*
     * Bit m set (m >= 1): metrics[m] is a score the kind's papers report (policy's
     * return_last10), which the report's leaderboards show beside the main metric (the mean
     * over runs, with its interval). Results files list them in their context's
     * leaderboard_metrics, since the report reads results files alone.
     */
    uint32_t leaderboard_metrics;
    /*
     * Bit m set: metrics[m] is measured on constrained problems only (pb__problem.
     * constrained; bilevel's max_violation): the records of the kind's other problems leave
     * it out, so that they stay as they were before the metric existed.
     */
    uint32_t constrained_metrics;
} pb__kind;

struct pb__family {
    const pb__kind *kind;
    const char *name;    /* "rastrigin" */
    const char *pattern; /* id pattern shown by `plugbench list`, e.g. "rastrigin-d<dim>-i<instance>" */
    const char *doc;     /* one line */
    /*
     * Opens the problem named id. Returns 0 and *out, 1 when id is not of this family
     * (nothing written), or a negative code with a message in err (id is of this family
     * but malformed or out of range).
     */
    int (*open)(const pb__family *family, const char *id, pb__problem **out, char *err, size_t errlen);
};

/*
 * A family whose ids are its name, '-', a tag letter and a number n in [1, max_n], as its
 * pattern says ("seq-lorenz-i<instance>": "seq-lorenz-i7", n 7). Its family.open is
 * pb__open_numbered, which parses the id (a malformed one gets a message naming the pattern)
 * and calls open_n for problem n; its kind lists &family.
 */
typedef struct pb__numbered_family {
    pb__family family; /* first, so that pb__open_numbered finds the rest from it */
    unsigned long max_n;
    /* Opens problem n: returns 0 and *out, or a negative code with a message in err. */
    int (*open_n)(unsigned long n, pb__problem **out, char *err, size_t errlen);
} pb__numbered_family;

/* The open of every pb__numbered_family (family is its first member). */
int pb__open_numbered(const pb__family *family, const char *id, pb__problem **out, char *err,
                      size_t errlen);

/*
 * The initializer of a pb__numbered_family of kind `kind` named `name` whose ids are
 * name "-" tag with n in [1, max_n] (tag "d<dim>": "bilevel-cosh-d<dim>"), so that the name
 * is written once and the pattern cannot disagree with it.
 */
#define PB__NUMBERED_FAMILY(kind, name, tag, max_n, doc, open_n)                                 \
    {{&(kind), name, name "-" tag, doc, pb__open_numbered}, max_n, open_n}

/* The same for the common case: ids name "-i<instance>", instances 1 to 10^6. */
#define PB__INSTANCE_FAMILY(kind, name, doc, open_n)                                             \
    PB__NUMBERED_FAMILY(kind, name, "i<instance>", 1000000, doc, open_n)

struct pb__problem {
    pb_problem handle;        /* what the plugin sees */
    const pb__family *family;
    char id[128];

    /* Accounting, written only by the kind's oracle trampolines. */
    uint64_t cost;            /* counted oracle calls, in the kind's cost unit */
    uint64_t cost_limit;      /* oracles refuse calls past it: the budget, UINT64_MAX for none,
                                 and 0 while the host measures (see pb__oracle_refused) */
    int exhausted;            /* an oracle call was refused because the budget was spent */
    double target;            /* target for metrics[0], or NaN for none */
    uint64_t target_hit_cost; /* cost at which metrics[0] first reached target; 0 = not yet */
    int measuring;            /* the run loop is in solution(): a refusal is a misuse */
    int oracle_misuse;        /* an oracle was called from solution() */
    uint64_t seed;            /* the run's seed, set by the runner before create() (kinds whose
                                 host draws randomness, like stochastic's minibatches, use it) */
    int constrained;          /* 1: the problem has constraints that only a plugin declaring
                                 it handles them is run on (bilevel: PB_BILEVEL_CONSTRAINTS) */

    const pb__problem_ops *ops; /* the kind's operations (&pb__kind.ops), set by pb__problem_init */
};

/*
 * For oracle trampolines, before a call costing `cost` units: 0 when it may proceed. Else
 * it records why not -- the budget is spent, or solution() called an oracle (the host
 * measures untimed; cost_limit is 0 then) -- and returns 1: the trampoline returns NaN
 * without evaluating or counting. One comparison on the hot path covers both.
 */
static inline int pb__oracle_refused(pb__problem *p, uint64_t cost)
{
    if (p->cost + cost <= p->cost_limit)
        return 0;
    if (p->measuring)
        p->oracle_misuse = 1;
    else
        p->exhausted = 1;
    return 1;
}

/* The kinds plugbench knows, in listing order. */
extern const pb__kind *const pb__kinds[];
extern const uint32_t pb__n_kinds;

/* How many metrics the kind has, and how many problems its default suite. */
static inline uint32_t pb__kind_n_metrics(const pb__kind *kind)
{
    uint32_t n = 0;
    while (kind->metrics[n])
        n++;
    return n;
}

/* 1 when a run on problem has metrics[m] (see pb__kind.constrained_metrics): its record
 * leaves the others out. */
static inline int pb__kind_has_metric(const pb__kind *kind, const pb__problem *problem,
                                      uint32_t m)
{
    return problem->constrained || !(kind->constrained_metrics >> m & 1u);
}

static inline uint32_t pb__kind_n_defaults(const pb__kind *kind)
{
    uint32_t n = 0;
    while (kind->default_problems[n])
        n++;
    return n;
}

/* The kind whose name or abi_kind is name ("blackbox" or "blackbox/1"); NULL if none. */
const pb__kind *pb__kind_find(const char *name);

/*
 * Opens the problem named id, whatever its family. Returns 0, or -1 with a message in err
 * (unknown id: the message lists the id patterns).
 */
int pb__problem_open(const char *id, pb__problem **out, char *err, size_t errlen);

/*
 * For a kind's constructor, once problem is allocated zeroed and the oracle table is filled:
 * sets what every kind sets alike -- the plugin's view of the problem (handle: its size, the
 * kind's abi_kind, oracle and solution_length; pb__problem_open adds the id), no target yet
 * (NaN) and the kind's operations.
 */
void pb__problem_init(pb__problem *problem, const pb__kind *kind, const void *oracle,
                      uint64_t solution_length);

/*
 * For a kind's constructor that takes over a family's model (NULL when the family ran out of
 * memory making it): pb_block_new(size, n_arrays, arrays), the zeroed problem and its arrays
 * in one block; or NULL with "out of memory" in err and the model freed by model_free (which
 * may be NULL), so that the family frees nothing whatever happens.
 */
void *pb__problem_block_new(size_t size, size_t n_arrays, const pb_array arrays[], void *model,
                            void (*model_free)(void *model), char *err, size_t errlen);

/* Frees a problem opened by pb__problem_open or made by a kind's constructor (NULL is fine). */
void pb__problem_close(pb__problem *problem);

#endif
