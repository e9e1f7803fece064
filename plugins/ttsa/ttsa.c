/*
 * TTSA (Hong, Wai, Wang, Yang, SIAM J. Optim. 2023): two-timescale stochastic
 * approximation: one SGD step on y, then an x step along a hypergradient whose inverse
 * Hessian is a randomized Neumann series (Ghadimi & Wang 2018) of random depth. See
 * README.md for the equations and the oracle counts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/bilevel.h>
#include <plugbench/plugin.h>
#include <plugbench/rng.h>
#include <plugbench/vec.h>

typedef struct state {
    const pb_bilevel *f;
    double inner_lr, outer_lr, eta_n, inner_decay, outer_decay;
    int64_t q;
    uint32_t mode;
    uint64_t t;
    pb_rng rng;
    double *block; /* holds the vectors below */
    double *x, *y, *gx, *hx, *gy, *v, *hv, *z;
} state;

static const pb_param params[] = {
    {.name = "inner_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "beta: step size of y (at t = 0)"},
    {.name = "outer_lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "alpha: step size of x (at t = 0)"},
    {.name = "eta_n", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 1e-12, .max = 1e3,
     .doc = "Neumann series step (at most 1 / L_g)"},
    {.name = "q", .type = PB_PARAM_INT, .default_value = 10, .min = 1, .max = 1e9,
     .doc = "Q: the depth is drawn uniformly from {0, ..., Q - 1}"},
    {.name = "inner_decay", .type = PB_PARAM_REAL, .default_value = 0.4, .min = 0, .max = 1,
     .doc = "beta_t = beta / (t + 1)^inner_decay"},
    {.name = "outer_decay", .type = PB_PARAM_REAL, .default_value = 0.6, .min = 0, .max = 1,
     .doc = "alpha_t = alpha / (t + 1)^outer_decay"},
    {.name = "stochastic", .type = PB_PARAM_BOOL, .default_value = 1,
     .doc = "use the stochastic oracles (false: exact)"},
};

static void destroy(void *p)
{
    state *s = p;
    free(s->block);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    state *s = calloc(1, sizeof *s);
    double **const vecs[] = {&s->x, &s->gx, &s->hx, &s->y, &s->gy, &s->v, &s->hv, &s->z};
    const uint32_t sizes[] = {f->dx, f->dx, f->dx, f->dy, f->dy, f->dy, f->dy, f->dy};
    if (!s || !(s->block = pb_vec_block(8, vecs, sizes))) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        free(s);
        return PB_ERR_NOMEM;
    }
    s->f = f;
    s->inner_lr = ctx->params[0].real;
    s->outer_lr = ctx->params[1].real;
    s->eta_n = ctx->params[2].real;
    s->q = ctx->params[3].integer;
    s->inner_decay = ctx->params[4].real;
    s->outer_decay = ctx->params[5].real;
    s->mode = ctx->params[6].integer ? PB_BILEVEL_STOCHASTIC : PB_BILEVEL_EXACT;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    memcpy(s->x, f->x0, f->dx * sizeof(double));
    memcpy(s->y, f->y0, f->dy * sizeof(double));
    *out = s;
    return 0;
}

/*
 * The extension returns the estimator's expectation over the random depth p: with exact
 * oracles E[Q eta (I - eta H)^p grad_y f] = eta sum_{p<Q} (I - eta H)^p grad_y f
 * (Q - 1 Hessian-vector products); z is ignored.
 */
static int32_t estimate(void *p, const double *x, const double *y, const double *z, double *out)
{
    (void)z;
    state *s = p;
    const pb_bilevel *f = s->f;
    if (isnan(f->grad_y_f(f, x, y, PB_BILEVEL_EXACT, s->v)))
        return PB_ERR_FAILED;
    for (uint32_t i = 0; i < f->dy; i++)
        s->z[i] = s->eta_n * s->v[i];
    for (int64_t k = 1; k < s->q; k++) {
        if (isnan(f->hvp_yy_g(f, x, y, s->v, PB_BILEVEL_EXACT, s->hv)))
            return PB_ERR_FAILED;
        for (uint32_t i = 0; i < f->dy; i++) {
            s->v[i] -= s->eta_n * s->hv[i];
            s->z[i] += s->eta_n * s->v[i];
        }
    }
    return pb_bilevel_hypergradient_at(f, x, y, s->z, PB_BILEVEL_EXACT, s->hx, out) == 0
               ? 0
               : PB_ERR_FAILED;
}

static int32_t step(void *p)
{
    state *s = p;
    const pb_bilevel *f = s->f;
    double beta = s->inner_lr / pow((double)(s->t + 1), s->inner_decay);
    double alpha = s->outer_lr / pow((double)(s->t + 1), s->outer_decay);
    s->t++;
    if (isnan(f->grad_y_g(f, s->x, s->y, s->mode, s->gy)))
        return PB_CONTINUE;
    for (uint32_t i = 0; i < f->dy; i++)
        s->y[i] -= beta * s->gy[i];
    /* z = Q eta (I - eta H_1) ... (I - eta H_p) grad_y f, p uniform in {0, ..., Q - 1}. */
    uint64_t depth = pb_rng_below(&s->rng, (uint64_t)s->q);
    if (isnan(f->grad_y_f(f, s->x, s->y, s->mode, s->v)))
        return PB_CONTINUE;
    for (uint64_t k = 0; k < depth; k++) {
        if (isnan(f->hvp_yy_g(f, s->x, s->y, s->v, s->mode, s->hv)))
            return PB_CONTINUE;
        for (uint32_t i = 0; i < f->dy; i++)
            s->v[i] -= s->eta_n * s->hv[i];
    }
    for (uint32_t i = 0; i < f->dy; i++)
        s->z[i] = (double)s->q * s->eta_n * s->v[i];
    if (pb_bilevel_hypergradient_at(f, s->x, s->y, s->z, s->mode, s->hx, s->gx) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < f->dx; i++)
        s->x[i] -= alpha * s->gx[i];
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    memcpy(out, s->x, s->f->dx * sizeof(double));
    return 0;
}

static const pb_bilevel_hypergradient hypergradient = {
    .struct_size = sizeof(pb_bilevel_hypergradient),
    .estimate = estimate,
};

static const void *extension(const char *id)
{
    return strcmp(id, PB_BILEVEL_HYPERGRADIENT) == 0 ? &hypergradient : NULL;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "ttsa",
    .version = "1.0.0",
    .summary = "TTSA: two-timescale steps, randomized-depth Neumann hypergradient",
    .citation = "M. Hong, H.-T. Wai, Z. Wang, Z. Yang, A Two-Timescale Stochastic Algorithm "
                "Framework for Bilevel Optimization: Complexity Analysis and Application to "
                "Actor-Critic, SIAM J. Optim. 2023",
    .kind = PB_KIND_BILEVEL,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
