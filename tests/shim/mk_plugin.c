/*
 * A test plugin for `plugbench bench` (tests/shim/bench_test.sh): a trivial blackbox
 * algorithm whose plugbench.microkernels/1 table has one kernel per path of the host:
 *   count            3 evaluations per iteration on sphere-d2-i1; declares 3 items and 48
 *                    bytes (3 points of 2 doubles), so the host's figures can be checked;
 *   default-problem  1 evaluation per iteration on the kind's default problem; no items;
 *   setup-fails      setup() refuses with a message;
 *   run-fails        run() fails with a message written to the setup context's buffer;
 *   unknown-problem  names a problem that does not exist.
 * Built with -DBAD_TABLE (as mk-bad) the table is invalid instead: its kernel has no run.
 * PLUGIN_NAME is the descriptor's name. Its state, the box centre, is centre_plugin.h's
 * (tests/support).
 */
#include <stdio.h>

#include "centre_plugin.h"

#ifndef PLUGIN_NAME
#error "build with -DPLUGIN_NAME=\"<name>\" (see meson.build)"
#endif

#define EVALS_PER_COUNT 3

/* One evaluation of the centre. */
static int32_t step(void *p)
{
    centre_evaluate(p);
    return PB_CONTINUE;
}

#ifndef BAD_TABLE
/* count: EVALS_PER_COUNT evaluations per iteration. */
static int32_t run_count(void *p, uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations * EVALS_PER_COUNT; i++)
        step(p);
    return 0;
}

/* default-problem: one evaluation per iteration. */
static int32_t run_one(void *p, uint64_t iterations)
{
    for (uint64_t i = 0; i < iterations; i++)
        step(p);
    return 0;
}

/* setup-fails: refuses, with a message in the context's buffer. */
static int32_t setup_refuses(const pb_context *ctx, void **out)
{
    (void)out;
    snprintf(ctx->error, ctx->error_size, "setup refused on purpose");
    return PB_ERR_INVALID;
}

/* run-fails: fails at once, with a message in the buffer setup() was given. */
static int32_t run_refuses(void *p, uint64_t iterations)
{
    centre_state *s = p;
    (void)iterations;
    snprintf(s->error, s->error_size, "run refused on purpose");
    return PB_ERR_FAILED;
}

static const pb_microkernel count = {
    .struct_size = sizeof(pb_microkernel), .name = "count",
    .doc = "3 evaluations of the centre of sphere-d2-i1; items: evaluations",
    .problem = "sphere-d2-i1", .items_per_iteration = EVALS_PER_COUNT,
    .bytes_per_iteration = EVALS_PER_COUNT * 2 * sizeof(double),
    .setup = centre_create, .run = run_count, .teardown = centre_destroy};
static const pb_microkernel default_problem = {
    .struct_size = sizeof(pb_microkernel), .name = "default-problem",
    .doc = "1 evaluation of the centre of the kind's default problem",
    .setup = centre_create, .run = run_one, .teardown = centre_destroy};
static const pb_microkernel setup_fails = {
    .struct_size = sizeof(pb_microkernel), .name = "setup-fails", .doc = "setup() refuses",
    .setup = setup_refuses, .run = run_one, .teardown = centre_destroy};
static const pb_microkernel run_fails = {
    .struct_size = sizeof(pb_microkernel), .name = "run-fails", .doc = "run() fails",
    .setup = centre_create, .run = run_refuses, .teardown = centre_destroy};
static const pb_microkernel unknown_problem = {
    .struct_size = sizeof(pb_microkernel), .name = "unknown-problem",
    .doc = "names a problem that does not exist", .problem = "no-such-problem",
    .setup = centre_create, .run = run_one, .teardown = centre_destroy};
static const pb_microkernel *const kernels[] = {&count, &default_problem, &setup_fails,
                                                &run_fails, &unknown_problem};
#else
static const pb_microkernel no_run = {
    .struct_size = sizeof(pb_microkernel), .name = "no-run", .doc = "has no run()",
    .setup = centre_create, .teardown = centre_destroy};
static const pb_microkernel *const kernels[] = {&no_run};
#endif

static const pb_microkernels table = {.struct_size = sizeof(pb_microkernels),
                                      .n_kernels = sizeof kernels / sizeof kernels[0],
                                      .kernels = kernels};

CENTRE_PLUGIN(PLUGIN_NAME,
              "test plugin for plugbench bench: one microkernel per path of the host",
              step, table)
