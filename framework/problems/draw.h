/*
 * What problem families draw their instances with, whatever their kind: a generator stream
 * from a name, and a random orthogonal matrix. Both are part of what an id means: changing
 * either changes every instance drawn with it.
 */
#ifndef PLUGBENCH_DRAW_H
#define PLUGBENCH_DRAW_H

#include <stdint.h>

#include "plugbench/rng.h"

/* The 64-bit FNV-1a hash of s: a generator stream (or seed) from a family's name or an id. */
uint64_t pb__name_hash(const char *s);

/* A random orthogonal d x d matrix into Q, row-major: modified Gram-Schmidt on a Gaussian one
 * drawn from rng. */
void pb__random_orthogonal(pb_rng *rng, double *Q, uint32_t d);

#endif
