/*
 * N-PG-IGT: normalized policy gradient with implicit gradient transport (Fatkhullin,
 * Barakat, Kireeva, He, ICML 2023, Algorithm 1):
 *     theta~_t = theta_t + (1 - eta_t)/eta_t (theta_t - theta_{t-1})
 *     d_t = (1 - eta_t) d_{t-1} + eta_t g(tau_t, theta~_t),  tau_t sampled at theta~_t
 *     theta_{t+1} = theta_t + gamma_t d_t / |d_t|
 * eta_t = (2/(t+2))^(4/5), gamma_t = gamma0 2/(t+2) (the authors' schedules); g is GPOMDP
 * with the linear-feature baseline, refit after each update.
 */
#include "pg_state.h"

static const pb_param params[] = {
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 5000, .min = 1, .max = 1e8,
     .doc = "environment steps per iteration, at least (whole episodes)"},
    {.name = "gamma0", .type = PB_PARAM_REAL, .default_value = 0.5, .min = 1e-12, .max = 1e6,
     .doc = "initial step length: gamma_t = gamma0 2/(t+2)"},
    {.name = "scale", .type = PB_PARAM_CHOICE, .default_value = 0, .choices = "steps|episodes",
     .doc = "estimator scale: mean over steps, no gamma^t (authors' code) or the paper's (1/N) sum gamma^t"},
};

static int32_t create(const pb_context *ctx, void **out)
{
    pg_state *s;
    int32_t rc = pg_state_new(ctx, (uint32_t)ctx->params[0].integer, 0, ctx->params[1].real, &s);
    if (rc == 0) {
        s->per_step = ctx->params[2].integer == 0;
        *out = s;
    }
    return rc;
}

static int32_t step(void *p)
{
    pg_state *s = p;
    uint32_t dim = s->pol->dim;
    double r = 2.0 / (s->t + 2.0), eta = pow(r, 4.0 / 5.0), gam = s->gamma0 * r;
    for (uint32_t i = 0; i < dim; i++)
        s->x[i] = s->theta[i] + (1.0 - eta) / eta * (s->theta[i] - s->prev[i]);
    if (pg_collect(&s->batch, s->pol, s->x, s->batch_steps, &s->rng) != 0)
        return PB_CONTINUE;
    pg_gpomdp(s->pol, &s->batch, &s->baseline, s->x, s->per_step, s->g);
    for (uint32_t i = 0; i < dim; i++)
        s->d[i] = (1.0 - eta) * s->d[i] + eta * s->g[i];
    pg_normalized_step(s, gam);
    pg_baseline_fit(&s->baseline, s->pol, &s->batch);
    s->t++;
    return PB_CONTINUE;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "npg-igt",
    .version = "1.0.0",
    .summary = "normalized policy gradient with implicit gradient transport (N-PG-IGT)",
    .citation = "Fatkhullin, Barakat, Kireeva, He, Stochastic Policy Gradient Methods: Improved "
                "Sample Complexity for Fisher-non-degenerate Policies, ICML 2023",
    .kind = PB_KIND_POLICY,
    .params = params,
    .create = create,
    .step = step,
    .solution = pg_solution,
    .destroy = pg_state_free,
};

PB_PLUGIN_ENTRY(descriptor)
