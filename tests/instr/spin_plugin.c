/*
 * A test plugin for instruction counts (instr_test.sh, and the project of
 * tests/history): a blackbox algorithm whose step
 * evaluates the centre of the box once and then spins SPIN times through a loop of exactly
 * two instructions (x86-64: dec, jnz). Built twice under the same name, with SPIN 1000
 * (fast/) and 2000 (slow/): callgrind must find the slow build dearer by exactly 2000
 * instructions per step, a figure known from the code and not from the harness. Its
 * microkernel "step" is one step per iteration. Elsewhere than x86-64 the loop is plain C
 * and its length is not known exactly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/blackbox.h"
#include "plugbench/kit.h"
#include "plugbench/microkernels.h"
#include "plugbench/plugin.h"

#ifndef SPIN
#error "build with -DSPIN=<loop length> (see meson.build)"
#endif

typedef struct state {
    const pb_blackbox *f;
    double x[]; /* f->dim doubles: the box centre */
} state;

/* Runs the two-instruction loop n (> 0) times. */
static void spin(uint64_t n)
{
#if defined(__x86_64__)
    __asm__ volatile("1:\n\tdec %0\n\tjnz 1b" : "+r"(n) : : "cc");
#else
    for (volatile uint64_t i = 0; i < n; i++) {
    }
#endif
}

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

/* One evaluation, then the spin. */
static int32_t step(void *p)
{
    state *s = p;
    s->f->evaluate(s->f, s->x);
    spin(SPIN);
    return PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    const state *s = p;
    memcpy(out, s->x, s->f->dim * sizeof(double));
    return 0;
}

static void destroy(void *p) { free(p); }

/* The kernel: iterations steps. */
static int32_t run_steps(void *p, uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++)
        step(p);
    return 0;
}

static const pb_microkernel step_kernel = {
    .struct_size = sizeof(pb_microkernel), .name = "step",
    .doc = "one step: an evaluation of the centre of sphere-d2-i1 and the spin",
    .problem = "sphere-d2-i1", .setup = create, .run = run_steps, .teardown = destroy};
static const pb_microkernel *const kernels[] = {&step_kernel};
static const pb_microkernels table = {.struct_size = sizeof(pb_microkernels),
                                      .n_kernels = 1, .kernels = kernels};

static const void *extension(const char *id)
{
    return strcmp(id, PB_MICROKERNELS_ID) == 0 ? &table : NULL;
}

static const pb_plugin descriptor = {
    PB_PLUGIN_INIT, .name = "instr-spin", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
    .summary = "test plugin for instruction counts: an evaluation and a known spin per step",
    .citation = "baseline",
    .create = create, .step = step, .solution = solution, .destroy = destroy,
    .extension = extension,
};

PB_PLUGIN_ENTRY(descriptor)
