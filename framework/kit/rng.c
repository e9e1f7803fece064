/* xoshiro256** (Blackman and Vigna, 2018) seeded by splitmix64; see plugbench/rng.h. */
#include "plugbench/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void pb_rng_seed(pb_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mixing the stream into the splitmix state gives unrelated sequences per stream. */
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    rng->has_spare = 0;
    rng->spare_normal = 0.0;
}

uint64_t pb_rng_u64(pb_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double pb_rng_uniform(pb_rng *rng) { return (double)(pb_rng_u64(rng) >> 11) * 0x1.0p-53; }

double pb_rng_uniform_in(pb_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * pb_rng_uniform(rng);
}

void pb_rng_uniform_box(pb_rng *rng, uint32_t dim, const double *lower, const double *upper,
                        double *x)
{
    for (uint32_t i = 0; i < dim; i++)
        x[i] = pb_rng_uniform_in(rng, lower[i], upper[i]);
}

double pb_rng_normal(pb_rng *rng)
{
    if (rng->has_spare) {
        rng->has_spare = 0;
        return rng->spare_normal;
    }
    double u, v, s;
    do {
        u = 2.0 * pb_rng_uniform(rng) - 1.0;
        v = 2.0 * pb_rng_uniform(rng) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double scale = sqrt(-2.0 * log(s) / s);
    rng->spare_normal = v * scale;
    rng->has_spare = 1;
    return u * scale;
}

uint64_t pb_rng_below(pb_rng *rng, uint64_t n)
{
    /* Rejection from the top of the range removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do {
        r = pb_rng_u64(rng);
    } while (r >= limit);
    return r % n;
}
