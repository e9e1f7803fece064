/*
 * Adam (Kingma & Ba, ICLR 2015) on minibatch gradients, with PyTorch's defaults:
 *     g = grad_batch(w) + weight_decay w,
 *     m = b1 m + (1 - b1) g,   v = b2 v + (1 - b2) g^2,
 *     w = w - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
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
    double lr, beta1, beta2, eps, weight_decay;
    uint32_t batch;
    uint64_t t;
    double *block; /* holds w, g, m and v (zeroed: no moments yet) */
    double *w, *g, *m, *v;
} state;

static const pb_param params[] = {
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = 1e-3, .min = 1e-12, .max = 1e3,
     .doc = "learning rate"},
    {.name = "beta1", .type = PB_PARAM_REAL, .default_value = 0.9, .min = 0, .max = 0.999999,
     .doc = "decay of the first-moment estimate"},
    {.name = "beta2", .type = PB_PARAM_REAL, .default_value = 0.999, .min = 0, .max = 0.99999999,
     .doc = "decay of the second-moment estimate"},
    {.name = "eps", .type = PB_PARAM_REAL, .default_value = 1e-8, .min = 0, .max = 1,
     .doc = "added to the root of the second moment"},
    {.name = "weight_decay", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1e3,
     .doc = "added to the gradient times w (L2, as torch.optim.Adam)"},
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
    double **const vecs[] = {&s->w, &s->g, &s->m, &s->v};
    const uint32_t sizes[] = {f->dim, f->dim, f->dim, f->dim};
    if (!s || !(s->block = pb_vec_block(4, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory for %u weights", f->dim);
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->lr = ctx->params[0].real;
    s->beta1 = ctx->params[1].real;
    s->beta2 = ctx->params[2].real;
    s->eps = ctx->params[3].real;
    s->weight_decay = ctx->params[4].real;
    s->batch = (uint64_t)ctx->params[5].integer < f->n_train ? (uint32_t)ctx->params[5].integer
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
    s->t++;
    double c1 = 1.0 - pow(s->beta1, (double)s->t), c2 = 1.0 - pow(s->beta2, (double)s->t);
    for (uint32_t i = 0; i < s->f->dim; i++) {
        double g = s->g[i] + s->weight_decay * s->w[i];
        s->m[i] = s->beta1 * s->m[i] + (1.0 - s->beta1) * g;
        s->v[i] = s->beta2 * s->v[i] + (1.0 - s->beta2) * g * g;
        s->w[i] -= s->lr * (s->m[i] / c1) / (sqrt(s->v[i] / c2) + s->eps);
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
    .name = "adam",
    .version = "1.0.0",
    .summary = "Adam on minibatch gradients (PyTorch defaults)",
    .citation = "Kingma & Ba, Adam: A Method for Stochastic Optimization, ICLR 2015",
    .kind = PB_KIND_STOCHASTIC,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
