/*
 * The body of a test blackbox plugin that evaluates the centre of the box, shared by
 * tests/instr's spin plugin and tests/shim's bench plugin. Header only, over the public
 * headers alone: tests/history builds the spin plugin with nothing but cc. The state is
 * malloc'd (no kit library to link); create() also serves as a microkernel's setup, and
 * destroy() as its teardown. The context's error buffer is kept, so that a microkernel's
 * run() can fail with a message in the buffer its setup was given. CENTRE_PLUGIN declares
 * the plugin.
 */
#ifndef PLUGBENCH_TEST_CENTRE_PLUGIN_H
#define PLUGBENCH_TEST_CENTRE_PLUGIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/blackbox.h"
#include "plugbench/kit.h"
#include "plugbench/microkernels.h"
#include "plugbench/plugin.h"

typedef struct centre_state {
    const pb_blackbox *f;
    char *error; /* the context's buffer, valid until destroy returns */
    uint32_t error_size;
    double x[]; /* f->dim doubles: the point evaluated, the box centre */
} centre_state;

/* Allocates a state at the box centre. */
static int32_t centre_create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    centre_state *s = malloc(sizeof *s + f->dim * sizeof(double));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->error = ctx->error;
    s->error_size = ctx->error_size;
    for (uint32_t i = 0; i < f->dim; i++)
        s->x[i] = 0.5 * (f->lower[i] + f->upper[i]);
    *out = s;
    return 0;
}

/* One evaluation of the centre. */
static void centre_evaluate(void *p)
{
    centre_state *s = p;
    s->f->evaluate(s->f, s->x);
}

/* The centre. */
static int32_t centre_solution(void *p, double *out)
{
    const centre_state *s = p;
    memcpy(out, s->x, s->f->dim * sizeof(double));
    return 0;
}

/* Frees the state. */
static void centre_destroy(void *p) { free(p); }

/*
 * The plugin's descriptor and entry point: a blackbox algorithm on the centre state whose
 * step is step_fn, and whose one extension is the microkernels table `table` (a
 * pb_microkernels defined before).
 */
#define CENTRE_PLUGIN(name_, summary_, step_fn, table)                                      \
    static const void *extension(const char *id)                                            \
    {                                                                                       \
        return strcmp(id, PB_MICROKERNELS_ID) == 0 ? &(table) : NULL;                       \
    }                                                                                       \
    static const pb_plugin descriptor = {                                                   \
        PB_PLUGIN_INIT, .name = name_, .version = "1.0.0", .kind = PB_KIND_BLACKBOX,        \
        .summary = summary_, .citation = "baseline", .create = centre_create,               \
        .step = step_fn, .solution = centre_solution, .destroy = centre_destroy,            \
        .extension = extension};                                                            \
    PB_PLUGIN_ENTRY(descriptor)

#endif
