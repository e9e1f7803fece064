/*
 * M-FAC and its baselines SGD and Adam on the stochastic kind's default problems, through
 * the library's run loop: test_stochastic_plugins SGD.so ADAM.so MFAC.so
 *   - each plugin, under the default budget of 20000 samples, lowers the training gap on
 *     every default problem, finishes with status ok, and two runs with one seed give the
 *     same result.
 * The problems themselves are tested in tests/stochastic/test_stochastic.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "plugin_run.h"
#include "sto_problem.h"

/* The training gap at the problem's w0, where every plugin starts; NaN when it fails. */
static double gap_at_w0(const char *id)
{
    pb__sto_problem *p = open_problem(id);
    if (!p)
        return NAN;
    double m0[PB__MAX_METRICS];
    p->base.ops->measure(&p->base, p->w0, m0);
    pb__problem_close(&p->base);
    return m0[0];
}

/* A run with the plugin's defaults under the default budget of 20000 samples. */
static pb__outcome run_defaults(const pb__plugin_file *plugin, const char *id, uint64_t seed)
{
    pb_value values[16];
    pb__params_defaults(plugin->desc, values);
    return run(plugin, values, id, seed, 0, 20000);
}

int main(int argc, char **argv)
{
    static const char *const ids[] = {"logreg-breast-cancer", "softmax-digits", "mlp-digits",
                                      "quadratic-d100-i1"};
    for (int a = 1; a < argc; a++) {
        pb__plugin_file plugin;
        if (load_plugin(argv[a], &plugin) != 0)
            continue;
        for (int k = 0; k < 4; k++) {
            double gap0 = gap_at_w0(ids[k]);
            pb__outcome o = run_defaults(&plugin, ids[k], 1), o2 = run_defaults(&plugin, ids[k], 1);
            CHECK(o.status == PB__STATUS_OK && o.metrics[0] < gap0 && o.cost <= 20000 &&
                      o.metrics[0] == o2.metrics[0],
                  "%s on %s: status %s, train gap %.4g -> %.4g, test accuracy %.3f, %llu "
                  "samples, %.3f s", plugin.desc->name, ids[k], pb__status_name(o.status), gap0,
                  o.metrics[0], o.metrics[3], (unsigned long long)o.cost, o.seconds);
        }
        pb__plugin_unload(&plugin);
    }
    return check_summary("stochastic plugins");
}
