/*
 * Test helper for the transport plugins (ot_dump here, plugins/sns/tests/test_ot_plugins.c):
 * runs a plugin on a problem with a loop of its own (the library's run loop records
 * metrics, not the solution vector), stepping until the plugin is done or max_steps, then
 * returns the potentials and the host's metrics.
 */
#ifndef PLUGBENCH_OT_RUN_H
#define PLUGBENCH_OT_RUN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "ot_problem.h"
#include "params.h"

typedef struct ot_result {
    int ok;             /* 1 when everything ran */
    uint64_t steps;     /* step() calls */
    double *fg;         /* n + m potentials, malloc'ed: free it */
    double metrics[PB__OT_N_METRICS];
    char error[256];
} ot_result;

/*
 * Runs the plugin at so_path on problem id with params given as "name=value" strings
 * (n_settings of them), at most max_steps steps.
 */
static inline ot_result ot_run(const char *so_path, const char *id, const char *const *settings,
                               int n_settings, uint64_t max_steps)
{
    ot_result res;
    memset(&res, 0, sizeof res);
    pb__plugin_file plugin;
    pb__problem *problem = NULL;
    void *state = NULL;
    pb_value values[32];
    char err[256] = "";
    /* The plugin's code is called here, in this process: open it after the probe. */
    if (pb__plugin_load(so_path, &plugin, res.error, sizeof res.error) != 0 ||
        pb__plugin_open(&plugin, res.error, sizeof res.error) != 0)
        return res;
    pb__params_defaults(plugin.desc, values);
    for (int k = 0; k < n_settings; k++) {
        char name[64];
        const char *eq = strchr(settings[k], '=');
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - settings[k]) : 0, settings[k]);
        if (!eq || pb__param_set(plugin.desc, values, name, eq + 1, res.error, sizeof res.error) != 0)
            goto out;
    }
    if (pb__problem_open(id, &problem, res.error, sizeof res.error) != 0)
        goto out;
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &problem->handle, .params = values,
                      .seed = 1, .error = err, .error_size = sizeof err};
    if (plugin.desc->create(&ctx, &state) < 0) {
        snprintf(res.error, sizeof res.error, "create: %s", err);
        goto out;
    }
    int32_t rc = PB_CONTINUE;
    while (rc == PB_CONTINUE && res.steps < max_steps) {
        rc = plugin.desc->step(state);
        res.steps++;
    }
    res.fg = malloc(problem->handle.solution_length * sizeof(double));
    if (rc < 0 || !res.fg || plugin.desc->solution(state, res.fg) != 0) {
        snprintf(res.error, sizeof res.error, "step or solution failed: %s", err);
        goto out;
    }
    problem->ops->measure(problem, res.fg, res.metrics);
    res.ok = 1;
out:
    if (state)
        plugin.desc->destroy(state);
    pb__problem_close(problem);
    pb__plugin_unload(&plugin);
    return res;
}

/* L1 distance between the plans of two potential vectors on the problem id. */
static inline double ot_plan_distance(const char *id, const double *fg1, const double *fg2)
{
    pb__problem *base;
    char err[256];
    if (pb__problem_open(id, &base, err, sizeof err) != 0)
        return INFINITY;
    const pb__ot_problem *p = (const pb__ot_problem *)base;
    double d = 0;
    for (uint32_t i = 0; i < p->n; i++)
        for (uint32_t j = 0; j < p->m; j++) {
            double c = p->cost[(size_t)i * p->m + j];
            d += fabs(exp(p->eta * (fg1[i] + fg1[p->n + j] - c)) -
                      exp(p->eta * (fg2[i] + fg2[p->n + j] - c)));
        }
    pb__problem_close(base);
    return d;
}

#endif
