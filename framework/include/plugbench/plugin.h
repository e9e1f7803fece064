/*
 * plugbench plugin ABI.
 *
 * A plugin is a shared object that exports exactly one symbol, PB_ENTRY_NAME, a function
 * returning a pointer to a constant pb_plugin descriptor. The host reads abi_major,
 * abi_minor and struct_size before anything else and refuses a plugin whose major differs
 * from PB_ABI_MAJOR or whose minor is newer than the host's.
 *
 * The host owns the loop, the clock, the budgets and the accounting: it creates the
 * algorithm's state, calls step() until a budget or target ends the run, asks for the
 * current solution and measures its quality itself, outside the timed region. Every oracle
 * call the plugin makes goes through host functions in the problem's oracle table, which
 * count it.
 *
 * Rules of the boundary (they hold for every struct in this header and the kind headers):
 *   - structs grow only at the end; a reader checks struct_size before reading a member
 *     added after the first version (the comments mark where each minor begins);
 *   - only fixed-width integers, double and pointers cross it; no enum, long or bool;
 *   - memory is freed by the side that allocated it: the host never frees plugin memory,
 *     the plugin never frees host memory;
 *   - strings are NUL-terminated UTF-8; "static" means valid while the .so is loaded.
 *
 * Ownership, once: pointers the host passes stay valid until destroy() returns, unless a
 * member's comment says otherwise. Pointers the plugin returns are static.
 */
#ifndef PLUGBENCH_PLUGIN_H
#define PLUGBENCH_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_ABI_MAJOR 1
#define PB_ABI_MINOR 0

/* The one symbol a plugin exports; PB_PLUGIN_ENTRY below declares it. */
#define PB_ENTRY_NAME "pb_plugin_entry"

#if defined(__GNUC__)
#define PB_EXPORT __attribute__((visibility("default")))
#else
#define PB_EXPORT
#endif

/* Status codes: 0 and positive are normal outcomes, negative are errors. */
#define PB_CONTINUE 0  /* step(): keep going */
#define PB_DONE 1      /* step(): the algorithm has converged or cannot proceed; not an error */
#define PB_ERR_FAILED (-1)   /* generic failure; the message says why */
#define PB_ERR_NOMEM (-2)    /* an allocation failed */
#define PB_ERR_INVALID (-3)  /* the problem or the parameters do not suit the algorithm */

/* Parameter types. */
#define PB_PARAM_REAL 1   /* value.real in [min, max] */
#define PB_PARAM_INT 2    /* value.integer in [min, max] */
#define PB_PARAM_BOOL 3   /* value.integer, 0 or 1; written false/true or 0/1 */
#define PB_PARAM_CHOICE 4 /* value.integer, index into choices */

/*
 * One parameter an algorithm declares. The host parses and validates user input against it
 * (type and range) and hands the typed value over; plugins never parse strings.
 * pb_param and pb_value are array elements indexed with the host's sizeof and carry no
 * struct_size: unlike the other structs they can never grow within ABI major 1.
 */
typedef struct pb_param {
    const char *name;      /* static; [a-z0-9_]+, unique within the plugin */
    uint32_t type;         /* PB_PARAM_* */
    uint32_t reserved;     /* zero */
    double default_value;  /* for INT, BOOL and CHOICE: the integer value (choice index) */
    double min, max;       /* inclusive range for REAL and INT; ignored otherwise */
    const char *choices;   /* CHOICE only: "a|b|c", static; NULL otherwise */
    const char *doc;       /* static; one line */
} pb_param;

/* A typed parameter value, in the order the descriptor declares the parameters. */
typedef union pb_value {
    double real;
    int64_t integer;
} pb_value;

/*
 * The problem a run solves, as the plugin sees it. The kind string selects the oracle
 * table's type: "blackbox/1" means oracle points to a pb_blackbox (plugbench/blackbox.h).
 * The host owns it; it is valid until destroy() returns.
 */
typedef struct pb_problem {
    uint32_t struct_size;      /* sizeof(pb_problem) as the host was built */
    uint32_t reserved;         /* zero */
    const char *kind;          /* "<name>/<revision>", e.g. "blackbox/1" */
    const char *id;            /* problem id, e.g. "rastrigin-d10-i1" */
    const void *oracle;        /* kind-specific oracle table */
    uint64_t solution_length;  /* number of doubles solution() writes */
} pb_problem;

/*
 * Everything create() receives. Budgets are hints, so that an algorithm may plan (restarts,
 * schedules); the host enforces them whatever the plugin does. Zero means no budget.
 */
typedef struct pb_context {
    uint32_t struct_size;         /* sizeof(pb_context) as the host was built */
    uint32_t reserved;            /* zero */
    const pb_problem *problem;    /* valid until destroy() returns */
    const pb_value *params;       /* n_params values in declared order, validated */
    uint64_t seed;                /* the run's seed; the only source of randomness */
    uint64_t budget_cost;         /* the kind's cost unit (blackbox: evaluations), or 0 */
    uint64_t budget_iterations;   /* number of step() calls, or 0 */
    double budget_seconds;        /* algorithm time, or 0 */
    char *error;                  /* host-owned buffer for a message when a call fails */
    uint32_t error_size;          /* its size in bytes, including the NUL */
    uint32_t reserved2;           /* zero */
} pb_context;

/*
 * The algorithm descriptor: a constant object, like a GSL minimizer type. The host calls
 * create once, then step repeatedly (solution between steps as it likes), then destroy.
 * All calls for one run happen on one thread.
 */
typedef struct pb_plugin {
    /* Read first, before anything else. */
    uint32_t abi_major;   /* PB_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;   /* PB_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(pb_plugin) as the plugin was built */
    uint32_t n_params;    /* number of entries in params */

    const char *name;     /* static; [a-z0-9-]+, unique among installed plugins */
    const char *version;  /* static; the plugin's own version, e.g. "1.0.0" */
    const char *summary;  /* static; one line */
    const char *citation; /* static; the paper implemented, or "baseline" */
    const char *kind;     /* static; kind solved, "<name>/<revision>" as in pb_problem */
    const pb_param *params; /* static; n_params entries; NULL when n_params is 0 */

    /*
     * Allocates the algorithm's state for ctx->problem and writes it to *state.
     * Returns 0, or a negative PB_ERR_* with a message in ctx->error (then *state is
     * ignored and destroy is not called). May call oracles (an initial evaluation, say).
     */
    int32_t (*create)(const pb_context *ctx, void **state);

    /*
     * One iteration of the algorithm. Returns PB_CONTINUE, PB_DONE, or a negative PB_ERR_*
     * with a message in the context's error buffer. After PB_DONE or an error the host calls
     * only solution() and destroy(). step() receives no context: a state keeps the pointer
     * create() received (it stays valid until destroy() returns) to write its message there
     * (the kit's pb_state_head.ctx and pb_fail, plugbench/kit.h).
     */
    int32_t (*step)(void *state);

    /*
     * Writes the current recommended solution, problem->solution_length doubles, to out
     * (host-owned). Must not call oracles: the host measures the solution itself, untimed;
     * an oracle called from here returns NaN and the run ends with status error. Returns 0,
     * or a negative PB_ERR_* with a message.
     */
    int32_t (*solution)(void *state, double *out);

    /* Frees the state. Never fails. */
    void (*destroy)(void *state);

    /*
     * Optional (may be NULL): looks up an extension by an id that carries its revision,
     * e.g. "plugbench.microkernels/1". Returns a static table, or NULL when unsupported.
     */
    const void *(*extension)(const char *id);

    /* ABI 1.0 ends here. Later minors append members below; read them only when
     * struct_size covers them. */
} pb_plugin;

typedef const pb_plugin *(*pb_entry_fn)(void);

/* Declares the entry point: PB_PLUGIN_ENTRY(my_descriptor) in exactly one source file. */
#define PB_PLUGIN_ENTRY(descriptor)                                                         \
    PB_EXPORT const pb_plugin *pb_plugin_entry(void);                                       \
    PB_EXPORT const pb_plugin *pb_plugin_entry(void) { return &(descriptor); }

#ifdef __cplusplus
}
#endif

#endif
