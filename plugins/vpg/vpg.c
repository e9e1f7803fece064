/*
 * Vanilla policy gradient: GPOMDP (REINFORCE with reward-to-go) with the linear-feature
 * baseline, as in Fatkhullin et al. (ICML 2023), section 5:
 *     theta_{t+1} = theta_t + gamma_t g(tau_t, theta_t),  gamma_t = gamma0 (2/(t+2))^(2/3),
 * one batch of `batch` environment steps per step(); the baseline is refit after each update.
 */
#include <math.h>

#include <plugbench/kit.h>

#include "pg_common.h"

static const pb_param params[] =
    PG_CREATE_PARAMS(1.0, "initial step size: gamma_t = gamma0 (2/(t+2))^(2/3)");

static int32_t step(void *p)
{
    pg_state *s = p;
    if (pg_gradient(s, s->theta) != 0)
        return PB_CONTINUE; /* budget spent: the host stops the run */
    double step = s->gamma0 * pow(2.0 / (s->t + 2.0), 2.0 / 3.0);
    for (uint32_t i = 0; i < s->pol->dim; i++)
        s->theta[i] += step * s->g[i];
    return pg_iteration_done(s);
}

PB_PLUGIN(.name = "vpg", .version = "1.0.0", .kind = PB_KIND_POLICY,
          .summary = "vanilla policy gradient (GPOMDP with linear-feature baseline)",
          .citation = "baseline (Williams 1992; Baxter & Bartlett 2001), as in Fatkhullin, "
                      "Barakat, Kireeva, He, ICML 2023",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(pg_create, step))
