/*
 * N-PG-IGT: normalized policy gradient with implicit gradient transport (Fatkhullin,
 * Barakat, Kireeva, He, ICML 2023, Algorithm 1):
 *     theta~_t = theta_t + (1 - eta_t)/eta_t (theta_t - theta_{t-1})
 *     d_t = (1 - eta_t) d_{t-1} + eta_t g(tau_t, theta~_t),  tau_t sampled at theta~_t
 *     theta_{t+1} = theta_t + gamma_t d_t / |d_t|
 * eta_t = (2/(t+2))^(4/5), gamma_t = gamma0 2/(t+2) (the authors' schedules); g is GPOMDP
 * with the linear-feature baseline, refit after each update.
 */
#include <math.h>

#include <plugbench/kit.h>

#include "pg_common.h"

static const pb_param params[] =
    PG_CREATE_PARAMS(0.5, "initial step length: gamma_t = gamma0 2/(t+2)");

static int32_t step(void *p)
{
    pg_state *s = p;
    uint32_t dim = s->pol->dim;
    double r = 2.0 / (s->t + 2.0), eta = pow(r, 4.0 / 5.0), gam = s->gamma0 * r;
    for (uint32_t i = 0; i < dim; i++)
        s->x[i] = s->theta[i] + (1.0 - eta) / eta * (s->theta[i] - s->prev[i]);
    if (pg_gradient(s, s->x) != 0)
        return PB_CONTINUE;
    for (uint32_t i = 0; i < dim; i++)
        s->d[i] = (1.0 - eta) * s->d[i] + eta * s->g[i];
    return pg_normalized_step(s, gam);
}

PB_PLUGIN(.name = "npg-igt", .version = "1.0.0", .kind = PB_KIND_POLICY,
          .summary = "normalized policy gradient with implicit gradient transport (N-PG-IGT)",
          .citation = PG_PAPER,
          PB_PARAMS(params), PB_STATE_LIFECYCLE(pg_create, step))
