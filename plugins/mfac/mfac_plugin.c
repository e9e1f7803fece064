/*
 * The M-FAC optimizer (the authors' class MFAC in optim.py): on each minibatch gradient g,
 *     g = grad_batch(w) + weight_decay w,
 *     u = F^-1 g  with F the damped empirical Fisher of the last m gradients, g included
 *                 (the dynamic algorithm: mfac_dynamic_update_mul),
 *     if momentum > 0:  v = momentum v + (1 - momentum) u,  u = v,
 *     w = w - lr u.
 * Defaults are the authors': lr 1e-3, damp 1e-5, m (ngrads) 1024, momentum 0, weight decay
 * 0, batch 128 (main_optim.py's N_PERGRAD).
 */
#include <stddef.h>
#include <stdlib.h>

#include <plugbench/kit.h>

#include "mfac.h"
#include "sto_state.h"

enum { P_LR, P_DAMP, P_M, P_MOMENTUM, P_WEIGHT_DECAY, P_BATCH };
static const pb_param params[] = {
    [P_LR] = STO_PARAM_LR(1e-3),
    [P_DAMP] = {.name = "damp", .type = PB_PARAM_REAL, .default_value = 1e-5, .min = 1e-12,
                .max = 1e6, .doc = "dampening lambda of F = lambda I + (1/m) sum g g^T"},
    [P_M] = {.name = "m", .type = PB_PARAM_INT, .default_value = 1024, .min = 1, .max = 65536,
             .doc = "number of gradients in the sliding window (the authors' ngrads)"},
    [P_MOMENTUM] = {.name = "momentum", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,
                    .max = 0.999999,
                    .doc = "momentum on the preconditioned direction, v = b v + (1 - b) u "
                           "(0: none)"},
    [P_WEIGHT_DECAY] = STO_PARAM_WEIGHT_DECAY("before preconditioning"),
    [P_BATCH] = STO_PARAM_BATCH,
};

typedef struct state {
    sto_base base; /* the solution is w; lr, weight_decay, batch */
    double momentum;
    mfac_dynamic *hinv; /* the engine: its own allocation, freed by destroy() */
    double *u, *v;      /* v zeroed: no momentum yet */
} state;

static int32_t update(sto_base *b)
{
    state *s = (state *)b;
    uint32_t d = b->f->dim;
    if (mfac_dynamic_update_mul(s->hinv, b->g, s->u) != 0)
        return pb_fail(b->head.ctx, PB_ERR_FAILED, "the window's Gram matrix is not positive "
                       "definite (non-finite gradient?)");
    const double *u = s->u;
    if (s->momentum > 0) {
        for (uint32_t i = 0; i < d; i++)
            s->v[i] = s->momentum * s->v[i] + (1.0 - s->momentum) * s->u[i];
        u = s->v;
    }
    for (uint32_t i = 0; i < d; i++)
        b->w[i] -= b->lr * u[i];
    return PB_CONTINUE;
}

static void destroy(void *p)
{
    state *s = p;
    mfac_dynamic_free(s->hinv);
    pb_state_free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = STO_CREATE(ctx, state, update, P_LR, P_WEIGHT_DECAY, P_BATCH, out,
                            offsetof(state, u), offsetof(state, v));
    if (rc != 0)
        return rc;
    state *s = *out;
    int64_t m = ctx->params[P_M].integer;
    uint32_t dim = s->base.f->dim;
    s->hinv = mfac_dynamic_new((uint32_t)m, dim, ctx->params[P_DAMP].real);
    if (!s->hinv) {
        free(s);
        return pb_fail(ctx, PB_ERR_NOMEM, "out of memory for a window of %lld gradients of %u "
                       "weights", (long long)m, dim);
    }
    s->momentum = ctx->params[P_MOMENTUM].real;
    return 0;
}

PB_PLUGIN(.name = "mfac", .version = "1.0.0", .kind = PB_KIND_STOCHASTIC,
          .summary = "M-FAC: matrix-free inverse empirical Fisher over a sliding gradient window",
          .citation = "Frantar, Kurtic, Alistarh, M-FAC: Efficient Matrix-Free Approximations of "
                      "Second-Order Information, NeurIPS 2021",
          PB_PARAMS(params), PB_STATE_LIFECYCLE_DESTROY(create, sto_step, destroy))
