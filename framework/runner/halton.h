/*
 * The scrambled Halton sequence: quasi-random points of the unit cube that fill it more
 * evenly than independent uniform draws (low discrepancy), so that a search of a few dozen
 * trials covers every parameter's range without the clumps and gaps of random search.
 * Dimension j uses the j-th prime as its base b; point i's coordinate is the radical
 * inverse of i in base b (its digits mirrored behind the point). Scrambling replaces the
 * digit d at position k by perm[j][k][d], a random permutation per dimension and position
 * (Owen's random digit permutation, not nested): each scrambled sequence keeps the
 * stratification of the plain one -- the first b^m points of dimension j lie one in each
 * interval [t b^-m, (t+1) b^-m), and the first 2^a 3^c points of dimensions 0 and 1 one
 * in each box 2^-a x 3^-c -- while breaking the correlation of the plain sequence between
 * dimensions of large neighbouring bases.
 */
#ifndef PLUGBENCH_HALTON_H
#define PLUGBENCH_HALTON_H

#include <stddef.h>
#include <stdint.h>

/* Dimensions a sequence can have (the primes up to 113). */
#define PB__HALTON_MAX_DIMS 30

typedef struct pb__halton pb__halton;

/*
 * A sequence of dims dimensions (1..PB__HALTON_MAX_DIMS) scrambled by the permutations
 * that seed draws, or the plain (unscrambled) sequence when scrambled is 0. Returns NULL
 * when dims is out of range or memory runs out. Free with pb__halton_free.
 */
pb__halton *pb__halton_new(size_t dims, int scrambled, uint64_t seed);
void pb__halton_free(pb__halton *h);

/* Writes point index (from 0) of the sequence, dims coordinates in [0, 1), into x. */
void pb__halton_point(const pb__halton *h, uint64_t index, double *x);

#endif
