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
#include <math.h>

#include <plugbench/kit.h>

#include "pg_common.h"

enum { P_BATCH, P_GAMMA0, P_HESS_BATCH, P_ETA_POWER, P_STEP_POWER, P_SCALE, P_HESS_BASELINE };
static const pb_param params[] = {
    [P_BATCH] = PG_PARAM_BATCH("gradient batch"),
    [P_GAMMA0] = PG_PARAM_GAMMA0(0.2, "initial step length: gamma_t = gamma0 "
                                      "(2/(t+2))^step_power"),
    [P_HESS_BATCH] = PG_PARAM_STEPS("hess_batch", 32, "Hessian batch at the interpolated point"),
    [P_ETA_POWER] = {.name = "eta_power", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 0,
                     .max = 2, .doc = "momentum schedule eta_t = (2/(t+2))^eta_power"},
    [P_STEP_POWER] = {.name = "step_power", .type = PB_PARAM_REAL, .default_value = 1.0,
                      .min = 0, .max = 2,
                      .doc = "step schedule gamma_t = gamma0 (2/(t+2))^step_power"},
    [P_SCALE] = PG_PARAM_SCALE,
    [P_HESS_BASELINE] = {.name = "hess_baseline", .type = PB_PARAM_BOOL, .default_value = 1,
                         .doc = "Phi with returns minus the baseline in B (still unbiased; 0: "
                                "the paper's Phi)"},
};

typedef struct harpg {
    pg_state pg; /* first: the shared state, its head the state's */
    double eta_power, step_power;
    int hess_baseline;
} harpg;

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = pg_state_new(ctx, sizeof(harpg), (uint32_t)ctx->params[P_BATCH].integer,
                              (uint32_t)ctx->params[P_HESS_BATCH].integer,
                              ctx->params[P_GAMMA0].real, ctx->params[P_SCALE].integer == 0, out);
    if (rc == 0) {
        harpg *h = *out;
        h->eta_power = ctx->params[P_ETA_POWER].real;
        h->step_power = ctx->params[P_STEP_POWER].real;
        h->hess_baseline = (int)ctx->params[P_HESS_BASELINE].integer;
    }
    return rc;
}

static int32_t step(void *p)
{
    harpg *h = p;
    pg_state *s = &h->pg;
    uint32_t dim = s->pol->dim;
    double r = 2.0 / (s->t + 2.0), eta = pow(r, h->eta_power);
    double gam = s->gamma0 * pow(r, h->step_power);
    if (s->t > 0) {
        double q = pb_rng_uniform(&s->rng);
        for (uint32_t i = 0; i < dim; i++) {
            s->x[i] = q * s->theta[i] + (1.0 - q) * s->prev[i];
            s->v[i] = s->theta[i] - s->prev[i];
        }
        if (pg_collect(&s->hbatch, s->pol, s->x, s->hess_steps, &s->rng) != 0)
            return PB_CONTINUE;
        /* B on the scale of g: the last gradient batch's mean episode length. */
        s->hbatch.step_norm = (double)s->hbatch.n_eps * s->batch.n / s->batch.n_eps;
        pg_hessian_vector(s->pol, &s->hbatch, h->hess_baseline ? &s->baseline : NULL, s->x, s->v,
                          s->per_step, s->bv, s->s1, s->s2);
    }
    if (pg_gradient(s, s->theta) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < dim; i++)
        s->d[i] = s->t == 0 ? s->g[i] : (1.0 - eta) * (s->d[i] + s->bv[i]) + eta * s->g[i];
    return pg_normalized_step(s, gam);
}

PB_PLUGIN(.name = "nharpg", .version = "1.0.0", .kind = PB_KIND_POLICY,
          .summary = "normalized Hessian-aided recursive policy gradient (N-HARPG)",
          .citation = PG_PAPER,
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
