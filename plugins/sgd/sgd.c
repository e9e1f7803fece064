/*
 * Minibatch SGD with heavy-ball momentum, in PyTorch's form:
 *     g = grad_batch(w) + weight_decay w,   v = momentum v + g,   w = w - lr v.
 * Starts at the problem's w0; one step() is one minibatch.
 */
#include <stddef.h>

#include <plugbench/kit.h>

#include "sto_state.h"

enum { P_LR, P_MOMENTUM, P_WEIGHT_DECAY, P_BATCH };
static const pb_param params[] = {
    [P_LR] = STO_PARAM_LR(0.1),
    [P_MOMENTUM] = {.name = "momentum", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0,
                    .max = 0.999999, .doc = "heavy-ball momentum (0: plain SGD)"},
    [P_WEIGHT_DECAY] = STO_PARAM_WEIGHT_DECAY("(on top of the problem's own regularizer)"),
    [P_BATCH] = STO_PARAM_BATCH,
};

typedef struct state {
    sto_base base; /* the solution is w; lr, weight_decay, batch */
    double momentum;
    double *v; /* zeroed: no velocity yet */
} state;

static int32_t update(sto_base *b)
{
    state *s = (state *)b;
    for (uint32_t i = 0; i < b->f->dim; i++) {
        s->v[i] = s->momentum * s->v[i] + b->g[i];
        b->w[i] -= b->lr * s->v[i];
    }
    return PB_CONTINUE;
}

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = STO_CREATE(ctx, state, update, P_LR, P_WEIGHT_DECAY, P_BATCH, out,
                            offsetof(state, v));
    if (rc == 0)
        ((state *)*out)->momentum = ctx->params[P_MOMENTUM].real;
    return rc;
}

PB_PLUGIN(.name = "sgd", .version = "1.0.0", .kind = PB_KIND_STOCHASTIC,
          .summary = "minibatch SGD with heavy-ball momentum",
          .citation = "baseline (Robbins & Monro 1951; Polyak 1964 momentum, PyTorch's form)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, sto_step))
