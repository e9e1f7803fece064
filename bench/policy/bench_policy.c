/*
 * bench_policy [NHARPG.so]: the policy kind's speed, printed as TSV for run.sh:
 *   - CartPole environment steps per second through the counted oracle a plugin calls
 *     (pb_policy.step, random actions), best of 5 rounds of 2e6 steps;
 *   - the wall time of one full N-HARPG iteration on CartPole with its defaults (gradient
 *     batch 5000 steps, Hessian batch 32 steps: sampling with the 32-32 tanh policy, GPOMDP,
 *     the Hessian estimator, the baseline refit), median of iterations 2..21, seed 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "params.h"
#include "pol_problem.h"
#include "problem.h"
#include "run.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    pb__problem *base;
    char err[512];
    if (pb__problem_open("cartpole", &base, err, sizeof err) != 0) {
        fprintf(stderr, "bench_policy: %s\n", err);
        return 2;
    }
    const pb_policy *f = base->handle.oracle;
    pb_rng rng;
    pb_rng_seed(&rng, 1, 0);
    base->seed = 1;
    double obs[4], best = 0.0, sink = 0.0;
    const long n = 2000000;
    for (int round = 0; round < 5; round++) {
        double t0 = pb__now();
        f->reset(f, obs);
        for (long k = 0; k < n; k++) {
            double a = (double)(pb_rng_u64(&rng) >> 63);
            int32_t done;
            sink += f->step(f, &a, obs, &done);
            if (done)
                f->reset(f, obs);
        }
        double rate = n / (pb__now() - t0);
        best = rate > best ? rate : best;
    }
    printf("cartpole_c_steps_per_second\t%.0f\n", best);
    if (sink < 0)
        printf("# %g\n", sink);
    if (argc > 1) {
        pb__plugin_file plugin;
        /* The plugin's code is timed here, in this process: open it after the probe. */
        if (pb__plugin_load(argv[1], &plugin, err, sizeof err) != 0 ||
            pb__plugin_open(&plugin, err, sizeof err) != 0) {
            fprintf(stderr, "bench_policy: %s\n", err);
            return 2;
        }
        pb_value values[16];
        pb__params_defaults(plugin.desc, values);
        char msg[256] = "";
        pb_context ctx = {.struct_size = sizeof(pb_context), .problem = &base->handle,
                          .params = values, .seed = 1, .error = msg, .error_size = sizeof msg};
        void *state;
        if (plugin.desc->create(&ctx, &state) != 0) {
            fprintf(stderr, "bench_policy: %s\n", msg);
            return 2;
        }
        double times[21];
        uint64_t steps0 = base->cost;
        for (int it = 0; it < 21; it++) {
            double t0 = pb__now();
            plugin.desc->step(state);
            times[it] = pb__now() - t0;
        }
        uint64_t steps = base->cost - steps0;
        qsort(times + 1, 20, sizeof(double), cmp);
        printf("%s_iteration_seconds\t%.6f\n", plugin.desc->name, (times[10] + times[11]) / 2);
        printf("%s_env_steps_per_iteration\t%.0f\n", plugin.desc->name, steps / 21.0);
        plugin.desc->destroy(state);
        pb__plugin_unload(&plugin);
    }
    pb__problem_close(base);
    return 0;
}
