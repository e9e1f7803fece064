/*
 * Plugin state in one allocation: the working vectors of an algorithm (iterate, gradients,
 * directions) carved out of one zeroed block, so that create() makes one call and one
 * check and destroy() one free(). Part of the static kit (plugbench_kit).
 */
#ifndef PLUGBENCH_VEC_H
#define PLUGBENCH_VEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Allocates n zeroed arrays of doubles in one block: *vecs[k] points to sizes[k] of them.
 * Returns the block, which free() releases all at once, or NULL when out of memory (then
 * no pointer is written).
 */
double *pb_vec_block(size_t n, double **const vecs[], const uint32_t sizes[]);

#ifdef __cplusplus
}
#endif

#endif
