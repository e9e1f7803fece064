/*
 * Minibatch SGD with heavy-ball momentum, in PyTorch's form:
 *     g = grad_batch(w) + weight_decay w,   v = momentum v + g,   w = w - lr v.
 * Starts at the problem's w0; one step() is one minibatch.
 */
#include <stdlib.h>

#include <plugbench/kit.h>

#include "sto_state.h"

enum { P_LR, P_MOMENTUM, P_WEIGHT_DECAY, P_BATCH };
static const pb_param params[] = {
    [P_LR] = {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12,
              .max = 1e3, .doc = "learning rate"},
    [P_MOMENTUM] = {.name = "momentum", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0,
                    .max = 0.999999, .doc = "heavy-ball momentum (0: plain SGD)"},
    [P_WEIGHT_DECAY] = {.name = "weight_decay", .type = PB_PARAM_REAL, .default_value = 0,
                        .min = 0, .max = 1e3,
                        .doc = "added to the gradient times w (on top of the problem's own "
                               "regularizer)"},
    [P_BATCH] = {.name = "batch", .type = PB_PARAM_INT, .default_value = 128, .min = 1,
                 .max = 1e9, .doc = "minibatch size (capped at the training set size)"},
};

typedef struct state {
    sto_base base; /* the solution is w; lr, weight_decay, batch */
    double momentum;
    double *v; /* zeroed: no velocity yet */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_stochastic *f = pb_stochastic_of(ctx);
    if (!f)
        return PB_ERR_INVALID;
    state *s = PB_STATE_NEW(ctx, state, STO_BASE_ARRAYS(state, f), PB_ARRAY(state, v, f->dim));
    if (!s)
        return PB_ERR_NOMEM;
    sto_base_start(&s->base, f, ctx->params[P_LR].real, ctx->params[P_WEIGHT_DECAY].real,
                   ctx->params[P_BATCH].integer);
    s->momentum = ctx->params[P_MOMENTUM].real;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    sto_base *b = &s->base;
    if (sto_base_gradient(b) != 0)
        return PB_CONTINUE; /* budget spent: the host stops the run */
    for (uint32_t i = 0; i < b->f->dim; i++) {
        s->v[i] = s->momentum * s->v[i] + b->g[i];
        b->w[i] -= b->lr * s->v[i];
    }
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "sgd", .version = "1.0.0", .kind = PB_KIND_STOCHASTIC,
          .summary = "minibatch SGD with heavy-ball momentum",
          .citation = "baseline (Robbins & Monro 1951; Polyak 1964 momentum, PyTorch's form)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
