/*
 * N-HARPG: normalized Hessian-aided recursive policy gradient (Fatkhullin, Barakat,
 * Kireeva, He, ICML 2023, Algorithm 2):
 *     q ~ U(0, 1),  theta^_t = q theta_t + (1 - q) theta_{t-1}
 *     v_t = B(tau^_t, theta^_t) (theta_t - theta_{t-1}),  tau^_t sampled at theta^_t
 *     d_t = (1 - eta_t) (d_{t-1} + v_t) + eta_t g(tau_t, theta_t)
 *     theta_{t+1} = theta_t + gamma_t d_t / |d_t|
 * with B(tau, theta) = grad Phi grad log p(tau)^T + hess Phi (the paper's sign; see
 * README), eta_t = (2/(t+2))^eta_power, gamma_t = gamma0 (2/(t+2))^step_power (the authors':
 * both powers 1); d_0 = g_0.
 */
#include "pg_state.h"

static const pb_param params[] = {
    {.name = "batch", .type = PB_PARAM_INT, .default_value = 5000, .min = 1, .max = 1e8,
     .doc = "environment steps per gradient batch, at least (whole episodes)"},
    {.name = "gamma0", .type = PB_PARAM_REAL, .default_value = 0.2, .min = 1e-12, .max = 1e6,
     .doc = "initial step length: gamma_t = gamma0 (2/(t+2))^step_power"},
    {.name = "hess_batch", .type = PB_PARAM_INT, .default_value = 32, .min = 1, .max = 1e8,
     .doc = "environment steps per Hessian batch at the interpolated point, at least (whole episodes)"},
    {.name = "eta_power", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 0, .max = 2,
     .doc = "momentum schedule eta_t = (2/(t+2))^eta_power"},
    {.name = "step_power", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 0, .max = 2,
     .doc = "step schedule gamma_t = gamma0 (2/(t+2))^step_power"},
    {.name = "scale", .type = PB_PARAM_CHOICE, .default_value = 0, .choices = "steps|episodes",
     .doc = "estimator scale: mean over steps, no gamma^t (authors' code) or the paper's (1/N) sum gamma^t"},
    {.name = "hess_baseline", .type = PB_PARAM_BOOL, .default_value = 1,
     .doc = "Phi with returns minus the baseline in B (still unbiased; 0: the paper's Phi)"},
};

typedef struct harpg {
    pg_state *s;
    double eta_power, step_power;
    int hess_baseline;
    double *v, *bv;
} harpg;

static void destroy(void *p)
{
    harpg *h = p;
    if (h->s)
        pg_state_free(h->s);
    free(h->v);
    free(h->bv);
    free(h);
}

static int32_t create(const pb_context *ctx, void **out)
{
    harpg *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        return PB_ERR_NOMEM;
    }
    int32_t rc = pg_state_new(ctx, (uint32_t)ctx->params[0].integer,
                              (uint32_t)ctx->params[2].integer, ctx->params[1].real, &h->s);
    if (rc != 0) {
        free(h);
        return rc;
    }
    const pb_policy *pol = ctx->problem->oracle;
    h->eta_power = ctx->params[3].real;
    h->step_power = ctx->params[4].real;
    h->s->per_step = ctx->params[5].integer == 0;
    h->hess_baseline = (int)ctx->params[6].integer;
    h->v = malloc(pol->dim * sizeof(double));
    h->bv = malloc(pol->dim * sizeof(double));
    if (!h->v || !h->bv) {
        destroy(h);
        snprintf(ctx->error, ctx->error_size, "out of memory");
        return PB_ERR_NOMEM;
    }
    *out = h;
    return 0;
}

static int32_t step(void *p)
{
    harpg *h = p;
    pg_state *s = h->s;
    uint32_t dim = s->pol->dim;
    double r = 2.0 / (s->t + 2.0), eta = pow(r, h->eta_power);
    double gam = s->gamma0 * pow(r, h->step_power);
    if (s->t > 0) {
        double q = pb_rng_uniform(&s->rng);
        for (uint32_t i = 0; i < dim; i++) {
            s->x[i] = q * s->theta[i] + (1.0 - q) * s->prev[i];
            h->v[i] = s->theta[i] - s->prev[i];
        }
        if (pg_collect(&s->hbatch, s->pol, s->x, s->hess_steps, &s->rng) != 0)
            return PB_CONTINUE;
        /* B on the scale of g: the last gradient batch's mean episode length. */
        s->hbatch.step_norm = (double)s->hbatch.n_eps * s->batch.n / s->batch.n_eps;
        pg_hessian_vector(s->pol, &s->hbatch, h->hess_baseline ? &s->baseline : NULL, s->x, h->v,
                          s->per_step, h->bv, s->s1, s->s2);
    }
    if (pg_collect(&s->batch, s->pol, s->theta, s->batch_steps, &s->rng) != 0)
        return PB_CONTINUE;
    pg_gpomdp(s->pol, &s->batch, &s->baseline, s->theta, s->per_step, s->g);
    for (uint32_t i = 0; i < dim; i++)
        s->d[i] = s->t == 0 ? s->g[i] : (1.0 - eta) * (s->d[i] + h->bv[i]) + eta * s->g[i];
    pg_normalized_step(s, gam);
    pg_baseline_fit(&s->baseline, s->pol, &s->batch);
    s->t++;
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out) { return pg_solution(((harpg *)p)->s, out); }

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "nharpg",
    .version = "1.0.0",
    .summary = "normalized Hessian-aided recursive policy gradient (N-HARPG)",
    .citation = "Fatkhullin, Barakat, Kireeva, He, Stochastic Policy Gradient Methods: Improved "
                "Sample Complexity for Fisher-non-degenerate Policies, ICML 2023",
    .kind = PB_KIND_POLICY,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
