/*
 * A test plugin for instruction counts (instr_test.sh, and the project of
 * tests/history): a blackbox algorithm whose step
 * evaluates the centre of the box once and then spins SPIN times through a loop of exactly
 * two instructions (x86-64: dec, jnz). Built twice under the same name, with SPIN 1000
 * (fast/) and 2000 (slow/): callgrind must find the slow build dearer by exactly 2000
 * instructions per step, a figure known from the code and not from the harness. Its
 * microkernel "step" is one step per iteration. Elsewhere than x86-64 the loop is plain C
 * and its length is not known exactly. Its state, the box centre, is centre_plugin.h's
 * (tests/support).
 */
#include <stdint.h>

#include "centre_plugin.h"

#ifndef SPIN
#error "build with -DSPIN=<loop length> (see meson.build)"
#endif

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

/* One evaluation, then the spin. */
static int32_t step(void *p)
{
    centre_evaluate(p);
    spin(SPIN);
    return PB_CONTINUE;
}

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
    .problem = "sphere-d2-i1", .setup = centre_create, .run = run_steps,
    .teardown = centre_destroy};
static const pb_microkernel *const kernels[] = {&step_kernel};
static const pb_microkernels table = {.struct_size = sizeof(pb_microkernels),
                                      .n_kernels = 1, .kernels = kernels};

CENTRE_PLUGIN("instr-spin",
              "test plugin for instruction counts: an evaluation and a known spin per step",
              step, table)
