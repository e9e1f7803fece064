/*
 * A small, fast, reproducible random number generator for plugins and problems
 * (xoshiro256**, seeded through splitmix64). Part of the static kit (plugbench_kit): link
 * it into a plugin; nothing crosses the ABI. The same seed gives the same stream on every
 * platform.
 */
#ifndef PLUGBENCH_RNG_H
#define PLUGBENCH_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pb_rng {
    uint64_t s[4];
    double spare_normal; /* second value of the last polar pair */
    int has_spare;
} pb_rng;

/* Seeds the generator; stream is an independent sub-stream index (0 for the default). */
void pb_rng_seed(pb_rng *rng, uint64_t seed, uint64_t stream);

/* Uniform 64-bit integer. */
uint64_t pb_rng_u64(pb_rng *rng);

/* Uniform double in [0, 1), 53 random bits. */
double pb_rng_uniform(pb_rng *rng);

/* Uniform double in [lo, hi). */
double pb_rng_uniform_in(pb_rng *rng, double lo, double hi);

/* Fills x[0..dim) with a point drawn uniformly in the box [lower, upper]. */
void pb_rng_uniform_box(pb_rng *rng, uint32_t dim, const double *lower, const double *upper,
                        double *x);

/* Standard normal (Marsaglia's polar method). */
double pb_rng_normal(pb_rng *rng);

/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t pb_rng_below(pb_rng *rng, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
