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
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/plugin.h>
#include <plugbench/stochastic.h>

#include "mfac.h"

typedef struct state {
    const pb_stochastic *f;
    double lr, momentum, weight_decay;
    uint32_t batch;
    mfac_dynamic *hinv;
    double *w, *g, *u, *v;
    char *error;
    uint32_t error_size;
} state;

static const pb_param params[] = {
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = 1e-3, .min = 1e-12, .max = 1e3,
     .doc = "learning rate"},
    {.name = "damp", .type = PB_PARAM_REAL, .default_value = 1e-5, .min = 1e-12, .max = 1e6,
     .doc = "dampening lambda of F = lambda I + (1/m) sum g g^T"},
    {.name = "m", .type = PB_PARAM_INT, .default_value = 1024, .min = 1, .max = 65536,
     .doc = "number of gradients in the sliding window (the authors' ngrads)"},
    {.name = "momentum", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 0.999999,
     .doc = "momentum on the preconditioned direction, v = b v + (1 - b) u (0: none)"},
    {.name = "weight_decay", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1e3,
     .doc = "added to the gradient times w before preconditioning"},
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 128, .min = 1, .max = 1e9,
     .doc = "minibatch size (capped at the training set size)"},
};

static void destroy(void *p)
{
    state *s = p;
    mfac_dynamic_free(s->hinv);
    free(s->w);
    free(s->g);
    free(s->u);
    free(s->v);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_stochastic *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    if (s) {
        s->w = malloc(f->dim * sizeof(double));
        s->g = malloc(f->dim * sizeof(double));
        s->u = malloc(f->dim * sizeof(double));
        s->v = calloc(f->dim, sizeof(double));
        s->hinv = mfac_dynamic_new((uint32_t)ctx->params[2].integer, f->dim, ctx->params[1].real);
    }
    if (!s || !s->w || !s->g || !s->u || !s->v || !s->hinv) {
        snprintf(ctx->error, ctx->error_size, "out of memory for %u weights and a window of %lld",
                 f->dim, (long long)ctx->params[2].integer);
        if (s)
            destroy(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->lr = ctx->params[0].real;
    s->momentum = ctx->params[3].real;
    s->weight_decay = ctx->params[4].real;
    s->batch = (uint64_t)ctx->params[5].integer < f->n_train ? (uint32_t)ctx->params[5].integer
                                                               : (uint32_t)f->n_train;
    s->error = ctx->error;
    s->error_size = ctx->error_size;
    memcpy(s->w, f->w0, f->dim * sizeof(double));
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    uint32_t d = s->f->dim;
    if (isnan(s->f->loss_grad_batch(s->f, s->w, s->batch, s->g)))
        return PB_CONTINUE; /* budget spent: the host stops the run */
    for (uint32_t i = 0; i < d; i++)
        s->g[i] += s->weight_decay * s->w[i];
    if (mfac_dynamic_update_mul(s->hinv, s->g, s->u) != 0) {
        snprintf(s->error, s->error_size,
                 "the window's Gram matrix is not positive definite (non-finite gradient?)");
        return PB_ERR_FAILED;
    }
    const double *u = s->u;
    if (s->momentum > 0) {
        for (uint32_t i = 0; i < d; i++)
            s->v[i] = s->momentum * s->v[i] + (1.0 - s->momentum) * s->u[i];
        u = s->v;
    }
    for (uint32_t i = 0; i < d; i++)
        s->w[i] -= s->lr * u[i];
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    memcpy(out, s->w, s->f->dim * sizeof(double));
    return 0;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "mfac",
    .version = "1.0.0",
    .summary = "M-FAC: matrix-free inverse empirical Fisher over a sliding gradient window",
    .citation = "Frantar, Kurtic, Alistarh, M-FAC: Efficient Matrix-Free Approximations of "
                "Second-Order Information, NeurIPS 2021",
    .kind = PB_KIND_STOCHASTIC,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
