/*
 * Minibatch SGD with heavy-ball momentum, in PyTorch's form:
 *     g = grad_batch(w) + weight_decay w,   v = momentum v + g,   w = w - lr v.
 * Starts at the problem's w0; one step() is one minibatch.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/plugin.h>
#include <plugbench/stochastic.h>
#include <plugbench/vec.h>

typedef struct state {
    const pb_stochastic *f;
    double lr, momentum, weight_decay;
    uint32_t batch;
    double *block; /* holds w, g and v (zeroed: no velocity yet) */
    double *w, *g, *v;
} state;

static const pb_param params[] = {
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "learning rate"},
    {.name = "momentum", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0, .max = 0.999999,
     .doc = "heavy-ball momentum (0: plain SGD)"},
    {.name = "weight_decay", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1e3,
     .doc = "added to the gradient times w (on top of the problem's own regularizer)"},
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 128, .min = 1, .max = 1e9,
     .doc = "minibatch size (capped at the training set size)"},
};

static void destroy(void *p)
{
    state *s = p;
    free(s->block);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_stochastic *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    double **const vecs[] = {&s->w, &s->g, &s->v};
    const uint32_t sizes[] = {f->dim, f->dim, f->dim};
    if (!s || !(s->block = pb_vec_block(3, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory for %u weights", f->dim);
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->lr = ctx->params[0].real;
    s->momentum = ctx->params[1].real;
    s->weight_decay = ctx->params[2].real;
    s->batch = (uint64_t)ctx->params[3].integer < f->n_train ? (uint32_t)ctx->params[3].integer
                                                               : (uint32_t)f->n_train;
    memcpy(s->w, f->w0, f->dim * sizeof(double));
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    if (isnan(s->f->loss_grad_batch(s->f, s->w, s->batch, s->g)))
        return PB_CONTINUE; /* budget spent: the host stops the run */
    for (uint32_t i = 0; i < s->f->dim; i++) {
        double g = s->g[i] + s->weight_decay * s->w[i];
        s->v[i] = s->momentum * s->v[i] + g;
        s->w[i] -= s->lr * s->v[i];
    }
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
    .name = "sgd",
    .version = "1.0.0",
    .summary = "minibatch SGD with heavy-ball momentum",
    .citation = "baseline (Robbins & Monro 1951; Polyak 1964 momentum, PyTorch's form)",
    .kind = PB_KIND_STOCHASTIC,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
