/*
 * The plugin of the history test's small project (history_test.sh commits it, changed, five
 * times): a blackbox algorithm whose step evaluates the centre of the box once and then
 * spins SPIN times through an empty loop. Its quality never changes; its instructions per
 * step grow with SPIN, which the test's third commit raises.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/blackbox.h"
#include "plugbench/kit.h"
#include "plugbench/plugin.h"

#define SPIN 1000

typedef struct state {
    const pb_blackbox *f;
    double x[]; /* f->dim doubles: the box centre */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    state *s = malloc(sizeof *s + f->dim * sizeof(double));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    for (uint32_t i = 0; i < f->dim; i++)
        s->x[i] = 0.5 * (f->lower[i] + f->upper[i]);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    s->f->evaluate(s->f, s->x);
    for (volatile uint32_t i = 0; i < SPIN; i++) {
    }
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    const state *s = p;
    memcpy(out, s->x, s->f->dim * sizeof(double));
    return 0;
}

static void destroy(void *p) { free(p); }

static const pb_plugin descriptor = {
    PB_PLUGIN_INIT, .name = "slow-step", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
    .summary = "the history test's plugin: an evaluation and a spin per step",
    .citation = "baseline",
    .create = create, .step = step, .solution = solution, .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
