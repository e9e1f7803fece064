/*
 * Tests of the nelder-mead plugin, through the library: test_nelder_mead PLUGIN.so.
 *
 * A single run (no restarts) converges to f - f_opt <= 1e-8 on the 2-D Rosenbrock
 * function; on the 2-D Rastrigin function single runs stop at local minima while restarts
 * go on to the global one; Gao and Han's adaptive coefficients beat the standard ones on
 * the 20-D sphere, as their paper reports; a budget that ends mid-iteration is spent
 * exactly.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "plugin_run.h"

#define TARGET 1e-8
#define MAX_PARAMS 16

typedef struct setup {
    const pb__plugin_file *plugin;
    pb_value params[MAX_PARAMS];
} setup;

/* The defaults with one parameter changed (name NULL: none). */
static setup with(const pb__plugin_file *plugin, const char *name, const char *value)
{
    setup s = {.plugin = plugin};
    pb__params_defaults(plugin->desc, s.params);
    if (name)
        set(plugin, s.params, name, value);
    return s;
}

/* Runs on a fresh problem id under an evaluation budget and the 1e-8 target. */
static pb__outcome run_setup(const setup *s, const char *id, uint64_t seed, uint64_t budget)
{
    return run_to_target(s->plugin, s->params, id, seed, budget, TARGET);
}

/* One run, without restarts, reaches the target on the 2-D Rosenbrock function. */
static void test_rosenbrock(const pb__plugin_file *plugin)
{
    setup single = with(plugin, "restarts", "false");
    for (uint32_t instance = 1; instance <= 3; instance++) {
        char id[64];
        snprintf(id, sizeof id, "rosenbrock-d2-i%u", instance);
        pb__outcome o = run_setup(&single, id, instance, 10000);
        CHECK(o.stop == PB__STOP_TARGET, "%s, no restarts: %llu evaluations to 1e-8", id,
               (unsigned long long)o.target_hit_cost);
    }
}

/*
 * Rastrigin's local minima lie about one unit apart, each at least ~1 above the global
 * one. Runs without restarts stop (PB_DONE) when the simplex collapses, mostly at a local
 * minimum; with restarts the same seeds (same first simplex) continue past that point and
 * reach the global minimum.
 */
static void test_restarts(const pb__plugin_file *plugin)
{
    setup single = with(plugin, "restarts", "false"), restarted = with(plugin, NULL, NULL);
    int stuck = 0, rescued = 0;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        pb__outcome a = run_setup(&single, "rastrigin-d2-i1", seed, 100000);
        pb__outcome b = run_setup(&restarted, "rastrigin-d2-i1", seed, 100000);
        int local = a.stop == PB__STOP_DONE && a.metrics[0] > 0.9;
        stuck += local;
        rescued += local && b.stop == PB__STOP_TARGET && b.cost > a.cost;
        CHECK(a.stop == PB__STOP_DONE || a.stop == PB__STOP_TARGET,
               "rastrigin-d2-i1 seed %llu, no restarts: stop %s after %llu evaluations at "
               "f - f_opt = %.3g", (unsigned long long)seed, pb__stop_name(a.stop),
               (unsigned long long)a.cost, a.metrics[0]);
        CHECK(b.stop == PB__STOP_TARGET,
               "rastrigin-d2-i1 seed %llu, restarts: %llu evaluations to 1e-8",
               (unsigned long long)seed, (unsigned long long)b.target_hit_cost);
    }
    CHECK(stuck >= 5 && rescued == stuck,
           "rastrigin-d2-i1: %d of 10 single runs stop at a local minimum, restarts rescue %d",
           stuck, rescued);
}

/* Gao and Han's coefficients need fewer evaluations than the standard ones on the 20-D
 * sphere: their experiments show the standard method slowing down as n grows. */
static void test_adaptive(const pb__plugin_file *plugin)
{
    setup standard = with(plugin, "restarts", "false"), adaptive = standard;
    set(plugin, adaptive.params, "coefficients", "adaptive");
    for (uint64_t seed = 1; seed <= 3; seed++) {
        pb__outcome s = run_setup(&standard, "sphere-d20-i1", seed, 100000);
        pb__outcome a = run_setup(&adaptive, "sphere-d20-i1", seed, 100000);
        CHECK(s.stop == PB__STOP_TARGET && a.stop == PB__STOP_TARGET &&
                   a.target_hit_cost < s.target_hit_cost,
               "sphere-d20-i1 seed %llu: %llu evaluations to 1e-8 adaptive, %llu standard",
               (unsigned long long)seed, (unsigned long long)a.target_hit_cost,
               (unsigned long long)s.target_hit_cost);
    }
}

/* A budget that ends in the middle of an iteration is spent exactly. */
static void test_budget(const pb__plugin_file *plugin)
{
    setup defaults = with(plugin, NULL, NULL);
    pb__outcome o = run_setup(&defaults, "rosenbrock-d10-i1", 1, 1001);
    CHECK(o.status == PB__STATUS_OK && o.stop == PB__STOP_COST && o.cost == 1001,
           "budget 1001 on rosenbrock-d10-i1: status %s, stop %s, %llu evaluations",
           pb__status_name(o.status), pb__stop_name(o.stop), (unsigned long long)o.cost);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_nelder_mead PLUGIN.so\n");
        return 2;
    }
    pb__plugin_file plugin;
    if (load_plugin_quietly(argv[1], &plugin, MAX_PARAMS) != 0)
        return 1;
    test_rosenbrock(&plugin);
    test_restarts(&plugin);
    test_adaptive(&plugin);
    test_budget(&plugin);
    pb__plugin_unload(&plugin);
    return check_summary("nelder-mead");
}
