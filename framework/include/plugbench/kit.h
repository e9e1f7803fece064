/*
 * The plugin authoring kit: what every plugin would otherwise write by hand, so that a
 * plugin is its algorithm plus a few declarations. Part of the static kit (plugbench_kit,
 * `pkg-config plugbench`), linked into the plugin with hidden visibility; nothing here is
 * ABI, and a plugin that writes its descriptor by hand loads just the same.
 *
 * The house pattern, in full (docs/writing-a-plugin.md explains each line):
 *
 *     enum { P_LR, P_BATCH };                         parameters are read by name
 *     static const pb_param params[] = {
 *         [P_LR] = {.name = "lr", ...},  [P_BATCH] = {.name = "batch", ...},
 *     };
 *     typedef struct state {
 *         pb_state_head head;                         first: context and solution
 *         const pb_stochastic *f;
 *         double *w, *g;                              carved from the state's block
 *     } state;
 *
 *     static int32_t create(const pb_context *ctx, void **out)
 *     {
 *         const pb_stochastic *f = ctx->problem->oracle;  PB_PLUGIN checked the kind
 *         state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, w, f->dim),
 *                                 PB_ARRAY(state, g, f->dim));   the solution first
 *         if (!s)
 *             return PB_ERR_NOMEM;
 *         ... ctx->params[P_LR].real ...
 *         *out = s;
 *         return 0;
 *     }
 *
 *     PB_PLUGIN(.name = "...", .version = "...", .kind = PB_KIND_STOCHASTIC,
 *               .summary = "...", .citation = "...",
 *               PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
 *
 * Errors: create() fails with `return pb_fail(ctx, PB_ERR_..., "fmt", ...)`. step() has no
 * context argument, so a state keeps its context in head.ctx (PB_STATE_NEW sets it) and
 * fails with `return pb_fail(s->head.ctx, ...)`: the message goes to the run's error buffer,
 * which the host reads after step() returns.
 *
 * Dimension-dependent defaults: a parameter whose best value depends on the problem (a
 * population size, an iteration cap) is declared with default 0, and its doc starts with
 * "0: " and the plugin's rule for it; the plugin reads it with pb_param_or().
 */
#ifndef PLUGBENCH_KIT_H
#define PLUGBENCH_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "bilevel.h"
#include "blackbox.h"
#include "completion.h"
#include "microkernels.h"
#include "plugin.h"
#include "policy.h"
#include "saddle.h"
#include "sequence.h"
#include "stochastic.h"
#include "transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI fields of a descriptor, first in its designated initializer. */
#define PB_PLUGIN_INIT                                                                      \
    .abi_major = PB_ABI_MAJOR, .abi_minor = PB_ABI_MINOR, .struct_size = sizeof(pb_plugin)

/*
 * Declares the plugin: its descriptor, the ABI fields filled by PB_PLUGIN_INIT and the rest
 * given as designated initializers, and the entry point returning it. The descriptor's
 * create() is pb_create_checked over the one given: it refuses a problem of another kind
 * than .kind, so the plugin's create() finds its kind's table in ctx->problem->oracle.
 * In one source file:
 *     PB_PLUGIN(.name = "sgd", .version = "1.0.0", .kind = PB_KIND_STOCHASTIC,
 *               .summary = "...", .citation = "...",
 *               PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
 * (A descriptor written out with PB_PLUGIN_INIT and PB_PLUGIN_ENTRY is the same thing.)
 */
#define PB_PLUGIN(...)                                                                      \
    static const pb_plugin pb__declared = {PB_PLUGIN_INIT, __VA_ARGS__};                    \
    static int32_t pb__create(const pb_context *ctx, void **out)                            \
    {                                                                                       \
        return pb_create_checked(&pb__declared, ctx, out);                                  \
    }                                                                                       \
    PB__OVERRIDE_INIT_BEGIN                                                                 \
    static const pb_plugin pb__descriptor = {PB_PLUGIN_INIT, __VA_ARGS__,                   \
                                             .create = pb__create};                         \
    PB__OVERRIDE_INIT_END                                                                   \
    PB_PLUGIN_ENTRY(pb__descriptor)

/* PB_PLUGIN's descriptor names .create twice, the plugin's then the checked one: C11 takes
 * the last (6.7.9), and these say that the override is meant. */
#if defined(__GNUC__)
#define PB__OVERRIDE_INIT_BEGIN                                                             \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Woverride-init\"")
#define PB__OVERRIDE_INIT_END _Pragma("GCC diagnostic pop")
#else
#define PB__OVERRIDE_INIT_BEGIN
#define PB__OVERRIDE_INIT_END
#endif

/* A descriptor's parameter table and its length, counted from the array. */
#define PB_PARAMS(table) .params = (table), .n_params = (uint32_t)(sizeof(table) / sizeof((table)[0]))

#if defined(__GNUC__)
#define PB_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define PB_PRINTF(fmt, args)
#endif

/*
 * Writes the formatted message into ctx's error buffer and returns code, a negative
 * PB_ERR_*: `return pb_fail(ctx, PB_ERR_INVALID, "needs dim >= %u", 2u);`.
 */
int32_t pb_fail(const pb_context *ctx, int32_t code, const char *fmt, ...) PB_PRINTF(3, 4);

/*
 * The create() that PB_PLUGIN installs: when ctx's problem is of declared->kind, calls
 * declared->create(ctx, out) and returns what it returns; otherwise returns PB_ERR_INVALID
 * with a message naming both kinds, as pb_oracle_of.
 */
int32_t pb_create_checked(const pb_plugin *declared, const pb_context *ctx, void **out);

/*
 * The problem's oracle table when its kind is exactly `kind`; otherwise NULL, with a message
 * in ctx's error buffer (then create() returns PB_ERR_INVALID). The typed accessors below
 * are for a plugin whose descriptor is written by hand (PB_PLUGIN checks the kind itself).
 */
const void *pb_oracle_of(const pb_context *ctx, const char *kind);

/* Defines `static inline const pb_<kind> *pb_<kind>_of(const pb_context *ctx)`: pb_oracle_of
 * for that kind, typed. */
#define PB__ORACLE_ACCESSOR(kind, KIND)                                                     \
    static inline const pb_##kind *pb_##kind##_of(const pb_context *ctx)                    \
    {                                                                                       \
        return (const pb_##kind *)pb_oracle_of(ctx, PB_KIND_##KIND);                        \
    }

PB__ORACLE_ACCESSOR(blackbox, BLACKBOX)     /* pb_blackbox_of */
PB__ORACLE_ACCESSOR(stochastic, STOCHASTIC) /* pb_stochastic_of */
PB__ORACLE_ACCESSOR(transport, TRANSPORT)   /* pb_transport_of */
PB__ORACLE_ACCESSOR(bilevel, BILEVEL)       /* pb_bilevel_of */
PB__ORACLE_ACCESSOR(policy, POLICY)         /* pb_policy_of */
PB__ORACLE_ACCESSOR(sequence, SEQUENCE)     /* pb_sequence_of */
PB__ORACLE_ACCESSOR(saddle, SADDLE)         /* pb_saddle_of */
PB__ORACLE_ACCESSOR(completion, COMPLETION) /* pb_completion_of */

/*
 * An integer parameter with a dimension-dependent default: its value, or `rule` (the
 * plugin's rule for this problem) when the value is 0.
 */
static inline int64_t pb_param_or(const pb_context *ctx, uint32_t index, int64_t rule)
{
    return ctx->params[index].integer != 0 ? ctx->params[index].integer : rule;
}

/*
 * The first member of every plugin state made by PB_STATE_NEW: the run's context (for
 * pb_fail in step()) and where the current solution lives, so that pb_state_solution can
 * serve as the descriptor's solution().
 */
typedef struct pb_state_head {
    const pb_context *ctx;  /* set by PB_STATE_NEW; valid until destroy() returns */
    const double *solution; /* problem->solution_length doubles: PB_STATE_NEW points it at
                               the first array; a plugin whose solution lies elsewhere sets
                               it (it is not read when solution_length is 0, on sequence) */
    void *extra;            /* the block of PB_STATE_EXTRA's arrays, NULL before; freed by
                               pb_state_free */
} pb_state_head;

/* One array carved out of a state's block: where its pointer lives in the state struct,
 * how many elements it has and their size. Written with PB_ARRAY. */
typedef struct pb_array {
    size_t offset, count, size;
} pb_array;

#define PB_ARRAY(type, member, n)                                                           \
    {offsetof(type, member), (size_t)(n), sizeof(*((type *)0)->member)}

/*
 * Allocates a zeroed block holding a struct of `size` bytes followed by n_arrays zeroed
 * arrays, each aligned for any type, and points each array's member in the struct at its
 * array: the state, its vectors and its matrices in one allocation, released by one free().
 * Returns the struct, or NULL when out of memory or when the sizes overflow.
 */
void *pb_block_new(size_t size, size_t n_arrays, const pb_array arrays[]);

/* PB_BLOCK_NEW(type, PB_ARRAY(type, x, n), ...): pb_block_new for a struct `type` with the
 * arrays counted (at least one), typed. */
#define PB_BLOCK_NEW(type, ...)                                                             \
    ((type *)pb_block_new(sizeof(type),                                                     \
                          sizeof((const pb_array[]){__VA_ARGS__}) / sizeof(pb_array),       \
                          (const pb_array[]){__VA_ARGS__}))

/*
 * pb_block_new for a plugin state that starts with a pb_state_head: sets head.ctx, points
 * head.solution at the first array (so a plugin lists its solution first), and on failure
 * writes "out of memory" with the size into ctx's error buffer. A state that holds
 * nothing but its blocks is released by pb_state_free (PB_STATE_LIFECYCLE's destroy).
 */
void *pb_state_new(const pb_context *ctx, size_t size, size_t n_arrays,
                   const pb_array arrays[]);

/* PB_STATE_NEW(ctx, state, PB_ARRAY(state, x, dim), ...): pb_state_new with the arrays
 * counted (at least one; a state without arrays calls pb_state_new(ctx, size, 0, NULL)). */
#define PB_STATE_NEW(ctx, type, ...)                                                        \
    ((type *)pb_state_new((ctx), sizeof(type),                                              \
                          sizeof((const pb_array[]){__VA_ARGS__}) / sizeof(pb_array),       \
                          (const pb_array[]){__VA_ARGS__}))

/*
 * Arrays whose sizes are known only after create() (a sequence model's context per test
 * sequence, sized by predict()'s n), in the state's second block: allocates a zeroed block
 * holding the n_arrays arrays, aligned as pb_block_new's, points each array's member in the
 * state (a struct of `size` bytes starting with a pb_state_head) at its array, and frees the
 * second block of the previous call. pb_state_free releases the last one with the state.
 * Returns 0, or PB_ERR_NOMEM with "out of memory" and the size in head.ctx's error buffer
 * (the state is then unchanged).
 */
int32_t pb_state_extra(void *state, size_t size, size_t n_arrays, const pb_array arrays[]);

/* PB_STATE_EXTRA(s, state, PB_ARRAY(state, h, n * H), ...): pb_state_extra with the arrays
 * counted (at least one). */
#define PB_STATE_EXTRA(s, type, ...)                                                        \
    pb_state_extra((s), sizeof(type),                                                       \
                   sizeof((const pb_array[]){__VA_ARGS__}) / sizeof(pb_array),              \
                   (const pb_array[]){__VA_ARGS__})

/* A descriptor's destroy() for states made by PB_STATE_NEW: frees the second block
 * (PB_STATE_EXTRA's), then the state. NULL does nothing. */
void pb_state_free(void *state);

/* A descriptor's solution() for states with a pb_state_head: copies head.solution. */
int32_t pb_state_solution(void *state, double *out);

/* A descriptor's four calls for a state made by PB_STATE_NEW: the plugin's create and step,
 * pb_state_solution, and the plugin's destroy, which releases what the state owns outside
 * its blocks, then calls pb_state_free. */
#define PB_STATE_LIFECYCLE_DESTROY(create_fn, step_fn, destroy_fn)                          \
    .create = (create_fn), .step = (step_fn), .solution = pb_state_solution,                \
    .destroy = (destroy_fn)

/* PB_STATE_LIFECYCLE_DESTROY for a state that owns nothing outside its blocks: destroy() is
 * pb_state_free. */
#define PB_STATE_LIFECYCLE(create_fn, step_fn)                                              \
    PB_STATE_LIFECYCLE_DESTROY(create_fn, step_fn, pb_state_free)

/* An extension a plugin offers: its id (with revision) and its static table. */
typedef struct pb_extension {
    const char *id;
    const void *table;
} pb_extension;

/* The table of the extension with this id among the n given, or NULL. */
const void *pb_extension_find(const pb_extension *extensions, size_t n, const char *id);

/*
 * Defines `static const void *lookup(const char *id)` over the (id, table) pairs given, for
 * the descriptor's .extension member:
 *     PB_EXTENSIONS(extension, {PB_MICROKERNELS_ID, &microkernels})
 */
#define PB_EXTENSIONS(lookup, ...)                                                          \
    static const pb_extension lookup##_table[] = {__VA_ARGS__};                             \
    static const void *lookup(const char *id)                                               \
    {                                                                                       \
        return pb_extension_find(lookup##_table,                                            \
                                 sizeof lookup##_table / sizeof lookup##_table[0], id);     \
    }

/*
 * The parameter `batch` of a plugin that trains on a sequence problem's training set: the
 * sequences per step, capped at the training set, with 0 standing for the plugin's rule,
 * which rule_doc (a string literal) states.
 */
#define PB_PARAM_SEQUENCE_BATCH(rule_doc)                                                   \
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 1e6,       \
     .doc = "0: " rule_doc "; else the sequences per step (capped at the training set)"}

/*
 * Defines `static const void *lookup(const char *id)` offering one extension, the sequence
 * kind's PB_SEQUENCE_MODEL, whose table has the predict and generate given (generate may be
 * NULL: the model does not generate), for the descriptor's .extension:
 *     PB_SEQUENCE_MODEL_EXTENSION(extension, predict, NULL)
 */
#define PB_SEQUENCE_MODEL_EXTENSION(lookup, predict_fn, generate_fn)                        \
    static const pb_sequence_model lookup##_model = {.struct_size = sizeof(pb_sequence_model), \
                                                     .predict = (predict_fn),               \
                                                     .generate = (generate_fn)};            \
    PB_EXTENSIONS(lookup, {PB_SEQUENCE_MODEL, &lookup##_model})

/*
 * PB_PLUGIN for the sequence kind, whose model the host measures through PB_SEQUENCE_MODEL
 * alone: .kind is PB_KIND_SEQUENCE and .extension offers the model of the predict and
 * generate given (either may be NULL), the rest as PB_PLUGIN's:
 *     PB_SEQUENCE_PLUGIN(predict, NULL, .name = "...", .version = "...", .summary = "...",
 *                        .citation = "...", PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
 */
#define PB_SEQUENCE_PLUGIN(predict_fn, generate_fn, ...)                                    \
    PB_SEQUENCE_MODEL_EXTENSION(pb__sequence_extension, predict_fn, generate_fn)            \
    PB_PLUGIN(.kind = PB_KIND_SEQUENCE, .extension = pb__sequence_extension, __VA_ARGS__)

/*
 * Defines `static const pb_microkernels table` with one kernel, "step": step_fn called
 * `iterations` times on a state made by create_fn and freed by destroy_fn, as
 * `plugbench bench` times it. doc says what one step does and names its items;
 * items is their number per step with the default parameters. create_fn is the plugin's
 * own, unchecked: bench opens only problems of the plugin's kind.
 */
#define PB_STEP_MICROKERNELS(table, create_fn, step_fn, destroy_fn, doc_, items)            \
    static int32_t table##_run(void *state, uint64_t iterations)                            \
    {                                                                                       \
        for (uint64_t i = 0; i < iterations; i++)                                           \
            step_fn(state);                                                                 \
        return 0;                                                                           \
    }                                                                                       \
    static const pb_microkernel table##_step = {                                            \
        .struct_size = sizeof(pb_microkernel), .name = "step", .doc = (doc_),               \
        .items_per_iteration = (items), .setup = create_fn, .run = table##_run,             \
        .teardown = destroy_fn};                                                            \
    static const pb_microkernel *const table##_list[] = {&table##_step};                    \
    static const pb_microkernels table = {                                                  \
        .struct_size = sizeof(pb_microkernels), .n_kernels = 1, .kernels = table##_list};

/*
 * PB_PLUGIN offering plugbench.microkernels/1 with one kernel, "step": the descriptor's own
 * step() called `iterations` times on a state its create() made (unchecked, as
 * PB_STEP_MICROKERNELS's) and its destroy() frees, as `plugbench bench` times it. doc and
 * items as PB_STEP_MICROKERNELS's; the rest as PB_PLUGIN's, but for .extension:
 *     PB_PLUGIN_WITH_STEP_MICROKERNEL("one step: batch (default 10) points; items: evaluations",
 *                                     10, .name = "...", ..., PB_STATE_LIFECYCLE(create, step))
 */
#define PB_PLUGIN_WITH_STEP_MICROKERNEL(doc_, items, ...)                                   \
    static const void *pb__step_extension(const char *id);                                  \
    PB_PLUGIN(.extension = pb__step_extension, __VA_ARGS__)                                 \
    static int32_t pb__step_setup(const pb_context *ctx, void **state)                      \
    {                                                                                       \
        return pb__declared.create(ctx, state);                                             \
    }                                                                                       \
    static void pb__step_teardown(void *state) { pb__declared.destroy(state); }             \
    PB_STEP_MICROKERNELS(pb__step_kernels, pb__step_setup, pb__declared.step,               \
                         pb__step_teardown, doc_, items)                                    \
    PB_EXTENSIONS(pb__step_extension, {PB_MICROKERNELS_ID, &pb__step_kernels})

#ifdef __cplusplus
}
#endif

#endif
