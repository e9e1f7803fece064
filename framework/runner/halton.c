/* The scrambled Halton sequence; see halton.h. */
#include "halton.h"

#include <stdlib.h>

#include "plugbench/rng.h"

static const unsigned primes[PB__HALTON_MAX_DIMS] = {
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47,
    53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113};

/* Digit positions per dimension: 2^-64 is below a double's resolution for every base. */
#define POSITIONS 64

struct pb__halton {
    size_t dims;
    /* perm[(j * POSITIONS + k) * 113 + d]: digit d at position k of dimension j. */
    unsigned char *perm;
};

pb__halton *pb__halton_new(size_t dims, int scrambled, uint64_t seed)
{
    if (dims < 1 || dims > PB__HALTON_MAX_DIMS)
        return NULL;
    pb__halton *h = malloc(sizeof *h);
    unsigned char *perm = malloc(dims * POSITIONS * 113);
    if (!h || !perm) {
        free(h);
        free(perm);
        return NULL;
    }
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0);
    for (size_t j = 0; j < dims; j++)
        for (size_t k = 0; k < POSITIONS; k++) {
            unsigned char *p = perm + (j * POSITIONS + k) * 113;
            for (unsigned d = 0; d < primes[j]; d++)
                p[d] = (unsigned char)d;
            /* Fisher-Yates; the plain sequence keeps the identity. */
            for (unsigned d = primes[j] - 1; scrambled && d > 0; d--) {
                unsigned e = (unsigned)pb_rng_below(&rng, d + 1);
                unsigned char t = p[d];
                p[d] = p[e];
                p[e] = t;
            }
        }
    h->dims = dims;
    h->perm = perm;
    return h;
}

void pb__halton_free(pb__halton *h)
{
    if (h)
        free(h->perm);
    free(h);
}

void pb__halton_point(const pb__halton *h, uint64_t index, double *x)
{
    for (size_t j = 0; j < h->dims; j++) {
        unsigned b = primes[j];
        const unsigned char *p = h->perm + j * POSITIONS * 113;
        double scale = 1.0 / b, v = 0;
        uint64_t n = index;
        /* Past the index's last digit the digits are 0, whose image a scrambled
         * permutation may move: they count too, down to the double's resolution. */
        for (size_t k = 0; k < POSITIONS && scale > 0x1p-60; k++, scale /= b) {
            v += p[k * 113 + n % b] * scale;
            n /= b;
        }
        /* The infinite tail of digits b-1 could round v up to 1: keep it in [0, 1). */
        x[j] = v < 1.0 ? v : 0x1.fffffffffffffp-1;
    }
}
