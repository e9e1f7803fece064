/*
 * Vanilla policy gradient: GPOMDP (REINFORCE with reward-to-go) with the linear-feature
 * baseline, as in Fatkhullin et al. (ICML 2023), section 5:
 *     theta_{t+1} = theta_t + gamma_t g(tau_t, theta_t),  gamma_t = gamma0 (2/(t+2))^(2/3),
 * one batch of `batch` environment steps per step(); the baseline is refit after each update.
 */
#include "pg_state.h"

static const pb_param params[] = {
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 5000, .min = 1, .max = 1e8,
     .doc = "environment steps per iteration, at least (whole episodes)"},
    {.name = "gamma0", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 1e-12, .max = 1e6,
     .doc = "initial step size: gamma_t = gamma0 (2/(t+2))^(2/3)"},
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
    if (pg_collect(&s->batch, s->pol, s->theta, s->batch_steps, &s->rng) != 0)
        return PB_CONTINUE; /* budget spent: the host stops the run */
    pg_gpomdp(s->pol, &s->batch, &s->baseline, s->theta, s->per_step, s->g);
    double step = s->gamma0 * pow(2.0 / (s->t + 2.0), 2.0 / 3.0);
    for (uint32_t i = 0; i < s->pol->dim; i++)
        s->theta[i] += step * s->g[i];
    pg_baseline_fit(&s->baseline, s->pol, &s->batch);
    s->t++;
    return PB_CONTINUE;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "vpg",
    .version = "1.0.0",
    .summary = "vanilla policy gradient (GPOMDP with linear-feature baseline)",
    .citation = "baseline (Williams 1992; Baxter & Bartlett 2001), as in Fatkhullin, Barakat, "
                "Kireeva, He, ICML 2023",
    .kind = PB_KIND_POLICY,
    .params = params,
    .create = create,
    .step = step,
    .solution = pg_solution,
    .destroy = pg_state_free,
};

PB_PLUGIN_ENTRY(descriptor)
