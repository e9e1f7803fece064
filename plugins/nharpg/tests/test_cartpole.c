/*
 * The paper's CartPole experiment (suite slow): horizon 200, batch 5000 environment steps,
 * 100 iterations, seeds 1-5; a run's score is the mean, over its last 10 iterations, of the
 * host's measured return (10 evaluation episodes with their own seeds, untimed); the
 * plugin's score is the mean over seeds. Vanilla PG with gamma0 = 1 must score >= 185,
 * N-PG-IGT with gamma0 = 0.5 >= 190, N-HARPG with gamma0 = 0.2 and a Hessian batch of 32
 * steps >= 140.
 * test_cartpole VPG.so NPG_IGT.so NHARPG.so
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugin_run.h"
#include "pol_problem.h"

/* The score of one run, or NaN when something failed. */
static double score(const pb__plugin_file *plugin, const pb_value *values, uint64_t seed)
{
    pb__problem *base = open_problem("cartpole");
    char msg[512] = "";
    if (!base)
        return NAN;
    base->seed = seed;
    pb_context ctx = {.struct_size = sizeof(pb_context), .problem = &base->handle,
                      .params = values, .seed = seed, .error = msg, .error_size = sizeof msg};
    void *state;
    double sum = 0.0, m[2], *sol = malloc(base->handle.solution_length * sizeof(double));
    if (plugin->desc->create(&ctx, &state) != 0) {
        CHECK(0, "create: %s", msg);
        free(sol);
        pb__problem_close(base);
        return NAN;
    }
    for (int it = 1; it <= 100; it++) {
        plugin->desc->step(state);
        if (it > 90) {
            base->cost_limit = 0; /* measuring: no oracle may count */
            plugin->desc->solution(state, sol);
            base->cost_limit = UINT64_MAX;
            base->ops->measure(base, sol, m);
            sum += m[1];
        }
    }
    plugin->desc->destroy(state);
    free(sol);
    pb__problem_close(base);
    return sum / 10;
}

int main(int argc, char **argv)
{
    static const double gamma0[3] = {1.0, 0.5, 0.2}, need[3] = {185, 190, 140};
    for (int a = 1; a < argc && a <= 3; a++) {
        pb__plugin_file plugin;
        if (load_plugin(argv[a], &plugin) != 0)
            continue;
        pb_value values[16];
        pb__params_defaults(plugin.desc, values);
        values[0].integer = 5000;  /* batch */
        values[1].real = gamma0[a - 1];
        if (a == 3)
            values[2].integer = 32; /* hess_batch */
        double t0 = pb__now(), total = 0.0, s[5];
        for (int k = 0; k < 5; k++) {
            s[k] = score(&plugin, values, (uint64_t)k + 1);
            total += s[k];
        }
        CHECK(total / 5 >= need[a - 1],
              "cartpole: %s (gamma0 %g) scores %.1f >= %.0f (seeds 1-5: %.1f %.1f %.1f %.1f "
              "%.1f), %.1f s", plugin.desc->name, gamma0[a - 1], total / 5, need[a - 1], s[0],
              s[1], s[2], s[3], s[4], pb__now() - t0);
        pb__plugin_unload(&plugin);
    }
    return check_summary("nharpg cartpole");
}
