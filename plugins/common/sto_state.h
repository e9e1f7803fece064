/*
 * What the first-order stochastic plugins (sgd, adam, mfac) share: their parameters lr,
 * weight_decay and batch; the start of their state, with the iterate w (the solution, from
 * the problem's w0), the minibatch gradient g, the learning rate, the weight decay and the
 * batch size; and their step(), sto_step: its first line,
 *     g = grad_batch(w) + weight_decay w,
 * then the plugin's update of w from g.
 * A plugin's state has a sto_base named base as its first member (so it starts with the
 * pb_state_head); its create() starts with STO_CREATE. Header-only.
 */
#ifndef STO_STATE_H
#define STO_STATE_H

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include <plugbench/kit.h>

/* The parameter `lr`, with the plugin's default. */
#define STO_PARAM_LR(default_lr)                                                            \
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = (default_lr), .min = 1e-12,      \
     .max = 1e3, .doc = "learning rate"}

/* The parameter `weight_decay`; how_ (a string literal) ends its doc with how the plugin
 * applies it. */
#define STO_PARAM_WEIGHT_DECAY(how_)                                                        \
    {.name = "weight_decay", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,           \
     .max = 1e3, .doc = "added to the gradient times w " how_}

/* The parameter `batch`. */
#define STO_PARAM_BATCH                                                                     \
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 128, .min = 1, .max = 1e9,     \
     .doc = "minibatch size (capped at the training set size)"}

typedef struct sto_base {
    pb_state_head head; /* the solution is w */
    const pb_stochastic *f;
    double lr, weight_decay;
    uint32_t batch; /* the batch parameter, capped at the training set size */
    double *w, *g;  /* f->dim each */
    /* The plugin's update of w from g, which sto_step calls; returns what step() returns. */
    int32_t (*update)(struct sto_base *b);
} sto_base;

/* Fills b in a state just made by pb_state_new: the oracle, the plugin's update, the
 * parameters, w = w0. */
static inline void sto_base_start(sto_base *b, const pb_stochastic *f,
                                  int32_t (*update)(sto_base *b), double lr, double weight_decay,
                                  int64_t batch)
{
    b->f = f;
    b->update = update;
    b->lr = lr;
    b->weight_decay = weight_decay;
    b->batch = (uint64_t)batch < f->n_train ? (uint32_t)batch : (uint32_t)f->n_train;
    memcpy(b->w, f->w0, f->dim * sizeof(double));
}

/* The most vectors a plugin's state may add to w and g. */
#define STO_MAX_VECTORS 2

/*
 * A plugin's create() up to its own parameters: the problem's oracle table, then the state
 * of `size` bytes (a sto_base first) with w, g and the n_vectors zeroed vectors of dim
 * doubles whose pointers are at the offsets given, its base started with the plugin's update
 * and the parameters lr, weight_decay and batch at the indices given, into *out. Returns 0,
 * or a PB_ERR_* with the message in ctx's error buffer. Called as STO_CREATE.
 */
static inline int32_t sto_create(const pb_context *ctx, size_t size,
                                 int32_t (*update)(sto_base *b), uint32_t p_lr,
                                 uint32_t p_weight_decay, uint32_t p_batch, size_t n_vectors,
                                 const size_t vectors[], void **out)
{
    const pb_stochastic *f = ctx->problem->oracle;
    assert(n_vectors <= STO_MAX_VECTORS);
    pb_array arrays[2 + STO_MAX_VECTORS] = {PB_ARRAY(sto_base, w, f->dim),
                                            PB_ARRAY(sto_base, g, f->dim)};
    for (size_t k = 0; k < n_vectors; k++)
        arrays[2 + k] = (pb_array){vectors[k], f->dim, sizeof(double)};
    sto_base *b = pb_state_new(ctx, size, 2 + n_vectors, arrays);
    if (!b)
        return PB_ERR_NOMEM;
    sto_base_start(b, f, update, ctx->params[p_lr].real, ctx->params[p_weight_decay].real,
                   ctx->params[p_batch].integer);
    *out = b;
    return 0;
}

/* STO_CREATE(ctx, state, update, P_LR, P_WEIGHT_DECAY, P_BATCH, out, offsetof(state, v), ...):
 * sto_create with the state's size and its vectors counted (at least one). */
#define STO_CREATE(ctx, type, update, p_lr, p_weight_decay, p_batch, out, ...)               \
    sto_create((ctx), sizeof(type), (update), (p_lr), (p_weight_decay), (p_batch),         \
               sizeof((const size_t[]){__VA_ARGS__}) / sizeof(size_t),                      \
               (const size_t[]){__VA_ARGS__}, (out))

/*
 * g = the gradient of the next minibatch at w + weight_decay w. Returns 0, or -1 when the
 * sample budget is spent: g is then untouched, and step() returns PB_CONTINUE (the host
 * ends the run).
 */
static inline int sto_base_gradient(sto_base *b)
{
    if (isnan(b->f->loss_grad_batch(b->f, b->w, b->batch, b->g)))
        return -1;
    for (uint32_t i = 0; i < b->f->dim; i++)
        b->g[i] += b->weight_decay * b->w[i];
    return 0;
}

/* The descriptor's step(): g, then the plugin's update. */
static inline int32_t sto_step(void *state)
{
    sto_base *b = state;
    if (sto_base_gradient(b) != 0)
        return PB_CONTINUE; /* budget spent: the host stops the run */
    return b->update(b);
}

#endif
