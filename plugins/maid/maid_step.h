/*
 * MAID's own extension, for its tests: what the last accepted upper-level step was, so that
 * a test can check the hypergradient error bound against the exact hypergradient at every
 * accepted step, and check the step the plugin reports against the one its solutions show.
 */
#ifndef MAID_STEP_H
#define MAID_STEP_H

#include <stdint.h>

#define MAID_STEP_ID "plugbench.maid-step/1"

typedef struct maid_step {
    uint32_t struct_size; /* sizeof(maid_step) as the plugin was built */
    uint32_t reserved;    /* zero */
    /*
     * The number of accepted steps so far; when it is not 0, of the last one: its size
     * alpha (x_new = x - alpha h), the accuracies eps (|y - y*(x)| <= eps) and delta (of the
     * adjoint) and the bound omega >= |h - grad Phi(x)| they give, and h into out (dx
     * doubles). Calls no oracle.
     */
    uint64_t (*last)(void *state, double *alpha, double *eps, double *delta, double *omega,
                     double *h);
} maid_step;

#endif
