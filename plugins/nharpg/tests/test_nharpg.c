/*
 * The policy-gradient plugins' own claims (fast, suite core); the policy kind itself
 * (environments, policy classes, references) is tested in tests/policy:
 *   - unbiasedness of N-HARPG's Hessian estimator (plugins/common/pg_common.c): on bandit3,
 *     the Monte Carlo mean of B(tau) v over 1e6 one-step trajectories is within 1% of the
 *     exact hess J v, and the GPOMDP mean within 1% of grad J;
 *   - LQR: vanilla PG and N-PG-IGT reach a cost within 5% of the Riccati optimum (the
 *     problem's reference, checked against policy iteration in tests/policy).
 * test_nharpg VPG.so NPG_IGT.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "pg_common.h"
#include "plugin_run.h"
#include "pol_problem.h"

/* ---- unbiasedness of the Hessian estimator on bandit3 ----------------------------------- */

static void test_unbiased(void)
{
    pb__pol_problem *p = open_problem("bandit3");
    if (!p)
        return;
    const pb_policy *f = &p->oracle;
    const double theta[3] = {0.2, -0.1, 0.4}, v[3] = {1.0, -2.0, 0.5}, r[3] = {1.0, 0.5, 0.0};
    /* Exact: J = sum_a pi_a r_a, hess J = sum_a r_a pi_a [(e_a - pi)(e_a - pi)' - (diag pi -
     * pi pi')]. */
    double z = 0.0, pi[3], hv[3] = {0};
    for (int a = 0; a < 3; a++)
        z += exp(theta[a]);
    for (int a = 0; a < 3; a++)
        pi[a] = exp(theta[a]) / z;
    double piv = pi[0] * v[0] + pi[1] * v[1] + pi[2] * v[2];
    for (int a = 0; a < 3; a++) {
        double ev = v[a] - piv; /* (e_a - pi) . v */
        for (int i = 0; i < 3; i++) {
            double ea = (i == a) - pi[i];
            double fisher_v = pi[i] * v[i] - pi[i] * piv; /* (diag pi - pi pi') v */
            hv[i] += r[a] * pi[a] * (ea * ev - fisher_v);
        }
    }
    /* The batch of a plugin state with room for N steps; the test draws its own noise. */
    const uint32_t N = 1000000;
    char msg[256] = "";
    pb_context ctx = {.struct_size = sizeof(pb_context), .problem = &p->base.handle, .seed = 11,
                      .error = msg, .error_size = sizeof msg};
    void *state = NULL;
    double est[3], s1[3], s2[3];
    p->base.seed = 3;
    pb_rng rng;
    pb_rng_seed(&rng, 11, 0);
    int made = pg_state_new(&ctx, sizeof(pg_state), N, 0, 1.0, 1, &state) == 0;
    pg_batch *b = made ? &((pg_state *)state)->batch : NULL;
    if (made && pg_collect(b, f, theta, N, &rng) == 0) {
        pg_hessian_vector(f, b, NULL, theta, v, 1, est, s1, s2);
        CHECK(b->n_eps == N && rel(est, hv, 3) <= 0.01,
              "bandit3: the mean of B(tau) v over %u trajectories (%.5f, %.5f, %.5f) is within "
              "1%% of hess J v (%.5f, %.5f, %.5f): relative error %.2e",
              N, est[0], est[1], est[2], hv[0], hv[1], hv[2], rel(est, hv, 3));
        /* And the gradient estimator without baseline: the mean of grad Phi is grad J. */
        double g[3], gJ[3];
        pg_gpomdp(f, b, NULL, theta, 1, g);
        double J = pi[0] * r[0] + pi[1] * r[1] + pi[2] * r[2];
        for (int i = 0; i < 3; i++)
            gJ[i] = pi[i] * (r[i] - J);
        CHECK(rel(g, gJ, 3) <= 0.01, "bandit3: the GPOMDP mean is within 1%% of grad J (%.2e)",
              rel(g, gJ, 3));
    } else {
        CHECK(0, "bandit3: collecting %u episodes %s", N, msg);
    }
    free(state);
    pb__problem_close(&p->base);
}

/* ---- LQR runs ------------------------------------------------------------------------------ */

static double run_lqr(const pb__plugin_file *plugin, uint64_t seed, int64_t batch, double gamma0)
{
    pb_value values[16];
    pb__params_defaults(plugin->desc, values);
    values[PG_P_BATCH].integer = batch;
    values[PG_P_GAMMA0].real = gamma0;
    pb__limits limits = {.budget = {.cost = 400000}, .target = NAN};
    pb__outcome out;
    if (run_limits(plugin, values, "lqr", seed, &limits, &out) != 0)
        return NAN;
    return out.metrics[1];
}

static void test_lqr_runs(int argc, char **argv)
{
    pb__pol_problem *p = open_problem("lqr");
    if (!p)
        return;
    double opt = -p->env->reference;
    pb__problem_close(&p->base);
    for (int a = 1; a < argc && a <= 2; a++) {
        pb__plugin_file plugin;
        if (load_plugin(argv[a], &plugin) != 0)
            continue;
        int vanilla = strcmp(plugin.desc->name, "vpg") == 0;
        for (uint64_t seed = 1; seed <= 3; seed++) {
            double t0 = pb__now();
            double ret = run_lqr(&plugin, seed, 2000, vanilla ? 0.4 : 0.2);
            CHECK(-ret <= 1.05 * opt, "lqr: %s seed %llu reaches cost %.4f, optimum %.4f (%.2f%% "
                  "above), %.2f s", plugin.desc->name, (unsigned long long)seed, -ret, opt,
                  100 * (-ret / opt - 1), pb__now() - t0);
        }
        pb__plugin_unload(&plugin);
    }
}

int main(int argc, char **argv)
{
    test_unbiased();
    test_lqr_runs(argc, argv);
    return check_summary("nharpg");
}
