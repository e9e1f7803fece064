/*
 * Adam (Kingma & Ba, ICLR 2015) on minibatch gradients, with PyTorch's defaults:
 *     g = grad_batch(w) + weight_decay w,
 *     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2,
 *     w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Starts at the problem's w0; one step() is one minibatch.
 */
#include <math.h>
#include <stddef.h>

#include <plugbench/kit.h>

#include "sto_state.h"

enum { P_LR, P_BETA1, P_BETA2, P_EPS, P_WEIGHT_DECAY, P_BATCH };
static const pb_param params[] = {
    [P_LR] = STO_PARAM_LR(1e-3),
    [P_BETA1] = {.name = "beta1", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0,
                 .max = 0.999999, .doc = "decay of the first-moment estimate"},
    [P_BETA2] = {.name = "beta2", .type = PB_PARAM_REAL, .default_value = 0.999, .min = 0,
                 .max = 0.99999999, .doc = "decay of the second-moment estimate"},
    [P_EPS] = {.name = "eps", .type = PB_PARAM_REAL, .default_value = 1e-8, .min = 0, .max = 1,
               .doc = "added to the root of the second moment"},
    [P_WEIGHT_DECAY] = STO_PARAM_WEIGHT_DECAY("(L2, as torch.optim.Adam)"),
    [P_BATCH] = STO_PARAM_BATCH,
};

typedef struct state {
    sto_base base; /* the solution is w; lr, weight_decay, batch */
    double beta1, beta2, eps;
    uint64_t t;
    double *m, *v; /* zeroed: no moments yet */
} state;

static int32_t update(sto_base *b)
{
    state *s = (state *)b;
    s->t++;
    double c1 = 1.0 - pow(s->beta1, (double)s->t), c2 = 1.0 - pow(s->beta2, (double)s->t);
    for (uint32_t i = 0; i < b->f->dim; i++) {
        double g = b->g[i];
        s->m[i] = s->beta1 * s->m[i] + (1.0 - s->beta1) * g;
        s->v[i] = s->beta2 * s->v[i] + (1.0 - s->beta2) * g * g;
        b->w[i] -= b->lr * (s->m[i] / c1) / (sqrt(s->v[i] / c2) + s->eps);
    }
    return PB_CONTINUE;
}

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = STO_CREATE(ctx, state, update, P_LR, P_WEIGHT_DECAY, P_BATCH, out,
                            offsetof(state, m), offsetof(state, v));
    if (rc == 0) {
        state *s = *out;
        s->beta1 = ctx->params[P_BETA1].real;
        s->beta2 = ctx->params[P_BETA2].real;
        s->eps = ctx->params[P_EPS].real;
    }
    return rc;
}

PB_PLUGIN(.name = "adam", .version = "1.0.0", .kind = PB_KIND_STOCHASTIC,
          .summary = "Adam on minibatch gradients (PyTorch defaults)",
          .citation = "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, sto_step))
