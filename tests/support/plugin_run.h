/*
 * The library's side of a test, shared by the tests of the kinds (tests/<kind>) and of the
 * plugins (plugins/<name>/tests): opening a problem, loading a plugin module, setting and
 * reading its parameters by name, and running it on a fresh problem through the run loop.
 * Every failure is a failed CHECK with the library's message.
 * Header-only (static inline), so that its CHECKs count in the including test's tally.
 */
#ifndef PLUGIN_RUN_H
#define PLUGIN_RUN_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loader.h"
#include "params.h"
#include "problem.h"
#include "run.h"

/*
 * Opens the problem id. Returns it as void *, so that it converts to its kind's struct
 * (pb__sto_problem *, pb__pol_problem *, ..., each of which starts with its pb__problem);
 * NULL after a failed check. The caller closes it with pb__problem_close.
 */
static inline void *open_problem(const char *id)
{
    pb__problem *p;
    char err[512];
    if (pb__problem_open(id, &p, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        return NULL;
    }
    return p;
}

/* k batches of b drawn by draw on a fresh problem id for seed; out holds k times size bytes. */
static inline void draw_batches(const char *id, uint64_t seed, uint32_t b, int k, size_t size,
                                void (*draw)(void *problem, uint32_t b, void *out), char *out)
{
    pb__problem *p = open_problem(id);
    if (!p)
        return;
    p->seed = seed;
    for (int i = 0; i < k; i++)
        draw(p, b, out + (size_t)i * size);
    pb__problem_close(p);
}

/*
 * The batches of a kind's oracle are the run's seed's: k batches of b on problem id, where
 * draw(problem, b, out) draws one batch and writes size bytes that tell it (its indices,
 * its loss, ...), are the same for the same seed and others for another seed.
 */
static inline void check_seeded_batches(const char *id, uint32_t b, int k, size_t size,
                                        void (*draw)(void *problem, uint32_t b, void *out))
{
    size_t n = (size_t)k * size;
    char *x = calloc(3, n);
    if (!x) {
        CHECK(0, "out of memory");
        return;
    }
    draw_batches(id, 3, b, k, size, draw, x);
    draw_batches(id, 3, b, k, size, draw, x + n);
    draw_batches(id, 4, b, k, size, draw, x + 2 * n);
    CHECK(memcmp(x, x + n, n) == 0, "%s: the same seed draws the same batches", id);
    CHECK(memcmp(x, x + 2 * n, n) != 0, "%s: another seed draws other batches", id);
    free(x);
}

/*
 * Loads the plugin module at path into pl, and opens it in this process: these tests call
 * its code directly. Returns 0, or -1 (a failed check).
 */
static inline int load_plugin(const char *path, pb__plugin_file *pl)
{
    char err[1024];
    if (pb__plugin_load(path, pl, err, sizeof err) != 0 ||
        pb__plugin_open(pl, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        return -1;
    }
    return 0;
}

/*
 * For the main of a plugin's test that takes no CHECK for a module it cannot use: loads
 * path into pl and opens it in this process, or says why on stderr; a module that declares more than max_params
 * parameters is refused the same way (the test's value arrays hold max_params). Returns 0,
 * or -1 (exit status 1).
 */
static inline int load_plugin_quietly(const char *path, pb__plugin_file *pl, uint32_t max_params)
{
    char err[1024];
    if (pb__plugin_load(path, pl, err, sizeof err) != 0 ||
        pb__plugin_open(pl, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (pl->desc->n_params > max_params) {
        fprintf(stderr, "%s declares more than %u parameters\n", path, max_params);
        return -1;
    }
    return 0;
}

/* Sets the parameter called name among values (pl's) from text; a failed check if refused. */
static inline void set(const pb__plugin_file *pl, pb_value *values, const char *name,
                       const char *text)
{
    char err[256];
    if (pb__param_set(pl->desc, values, name, text, err, sizeof err) != 0)
        CHECK(0, "%s", err);
}

/* pl's defaults into values, then set() for each pair of the list {name, text, ..., NULL}. */
static inline void set_from_defaults(const pb__plugin_file *pl, pb_value *values,
                                     const char *const *settings)
{
    pb__params_defaults(pl->desc, values);
    for (; *settings; settings += 2)
        set(pl, values, settings[0], settings[1]);
}

/* The value of the parameter called name among values (pl's), or a failed check and 0. */
static inline pb_value param(const pb__plugin_file *pl, const pb_value *values, const char *name)
{
    for (uint32_t k = 0; k < pl->desc->n_params; k++)
        if (strcmp(pl->desc->params[k].name, name) == 0)
            return values[k];
    CHECK(0, "%s has no parameter %s", pl->desc->name, name);
    return (pb_value){0};
}

/* The index of the metric called name among kind's (e.g. "sequence"); a failed check and 0
 * when it has none. */
static inline int kind_metric(const char *kind, const char *name)
{
    const pb__kind *k = pb__kind_find(kind);
    for (uint32_t i = 0; k && i < pb__kind_n_metrics(k); i++)
        if (strcmp(k->metrics[i], name) == 0)
            return (int)i;
    CHECK(0, "the %s kind has no metric %s", kind, name);
    return 0;
}

/*
 * Runs pl with values on a fresh copy of the problem id with seed under limits, untraced;
 * fills out. Returns 0, or -1 (a failed check) when id does not open: out then says
 * status error.
 */
static inline int run_limits(const pb__plugin_file *pl, const pb_value *values, const char *id,
                             uint64_t seed, const pb__limits *limits, pb__outcome *out)
{
    char err[1024];
    if (pb__run_id(pl, values, id, seed, limits, NULL, NULL, out, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        return -1;
    }
    return 0;
}

/* The outcome of run_limits under a budget of iterations and cost (0: no limit), no target. */
static inline pb__outcome run(const pb__plugin_file *pl, const pb_value *values, const char *id,
                              uint64_t seed, uint64_t iterations, uint64_t cost)
{
    pb__limits limits = {.budget = {.cost = cost, .iterations = iterations}, .target = NAN};
    pb__outcome out;
    run_limits(pl, values, id, seed, &limits, &out);
    return out;
}

/* The outcome of run_limits under a budget of cost evaluations with the target f - f_opt. */
static inline pb__outcome run_to_target(const pb__plugin_file *pl, const pb_value *values,
                                        const char *id, uint64_t seed, uint64_t cost,
                                        double target)
{
    pb__limits limits = {.budget = {.cost = cost}, .target = target};
    pb__outcome out;
    run_limits(pl, values, id, seed, &limits, &out);
    return out;
}

#endif
