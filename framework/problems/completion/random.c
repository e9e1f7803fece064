/*
 * The completion kind's random family (the setting of Jain, Netrapalli and Sanghavi 2013
 * and of Gu, Song, Yin and Zhang 2024):
 *
 *   mc-m<m>-n<n>-k<rank>-p<percent>[-noise<sigma>]-i<instance>
 *
 * M = A B^T with A (m x k) and B (n x k) of independent N(0, 1) entries and B scaled by
 * 1/sqrt(k), so that M's entries have variance 1: a random incoherent matrix of rank k. Each
 * entry is observed independently with probability percent / 100 (Bernoulli sampling), and
 * a row or column drawn with fewer than k observed entries gets further ones, uniformly
 * among its unobserved, until it has k (with fewer its least squares are underdetermined).
 * With -noise<sigma>, every observed value gets N(0, sigma^2) noise. Everything is drawn
 * from a generator seeded by the instance and the family's stream of the sizes.
 */
#include "mc_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/rng.h"

/* Largest m and n an id may ask for: the mask drawn when opening is m n bytes. */
#define MC_MAX_SIZE 10000
#define MC_MAX_RANK 100

static const char pattern[] = "mc-m<m>-n<n>-k<rank>-p<percent>[-noise<sigma>]-i<instance>";

static int fail(char *err, size_t errlen, const char *id, const char *why)
{
    snprintf(err, errlen, "malformed problem id '%s': expected %s (%s)", id, pattern, why);
    return -1;
}

/* Marks unobserved entries of line i (of len, at stride step from base) until it has k. */
static void fill_line(unsigned char *mask, size_t base, size_t step, uint32_t len, uint32_t k,
                      pb_rng *rng)
{
    uint32_t have = 0;
    for (uint32_t j = 0; j < len; j++)
        have += mask[base + j * step];
    while (have < k) {
        uint32_t j = (uint32_t)pb_rng_below(rng, len);
        if (!mask[base + j * step]) {
            mask[base + j * step] = 1;
            have++;
        }
    }
}

static int open_random(const pb__family *family, const char *id, pb__problem **out, char *err,
                       size_t errlen)
{
    (void)family;
    if (strncmp(id, "mc-", 3) != 0)
        return 1;
    unsigned m = 0, n = 0, k = 0, inst = 0;
    double percent = 0, noise = 0;
    int used = 0, tail = 0;
    if (sscanf(id + 3, "m%u-n%u-k%u-p%lf%n", &m, &n, &k, &percent, &used) != 4)
        return fail(err, errlen, id, "bad syntax");
    const char *rest = id + 3 + used;
    if (strncmp(rest, "-noise", 6) == 0) {
        if (sscanf(rest + 6, "%lf%n", &noise, &tail) != 1)
            return fail(err, errlen, id, "bad noise");
        rest += 6 + tail;
    }
    if (sscanf(rest, "-i%u%n", &inst, &tail) != 1 || rest[tail] != '\0')
        return fail(err, errlen, id, "bad syntax");
    if (m < 1 || n < 1 || m > MC_MAX_SIZE || n > MC_MAX_SIZE || k < 1 || k > MC_MAX_RANK ||
        k > m || k > n || !(percent > 0 && percent <= 100) || !(noise >= 0 && noise <= 1e6) ||
        inst < 1)
        return fail(err, errlen, id,
                    "m, n in [rank, 10000], rank in [1, 100], percent in (0, 100], "
                    "noise in [0, 1e6], instance >= 1");
    pb_rng rng;
    char stream[96];
    snprintf(stream, sizeof stream, "mc-m%u-n%u-k%u-p%.17g", m, n, k, percent);
    pb_rng_seed(&rng, inst, pb__name_hash(stream));
    double *mu = malloc((size_t)m * k * sizeof(double));
    double *mv = malloc((size_t)n * k * sizeof(double));
    unsigned char *mask = malloc((size_t)m * n);
    if (!mu || !mv || !mask) {
        free(mu);
        free(mv);
        free(mask);
        snprintf(err, errlen, "out of memory opening '%s'", id);
        return -1;
    }
    for (size_t e = 0; e < (size_t)m * k; e++)
        mu[e] = pb_rng_normal(&rng);
    for (size_t e = 0; e < (size_t)n * k; e++)
        mv[e] = pb_rng_normal(&rng) / sqrt((double)k);
    for (size_t e = 0; e < (size_t)m * n; e++)
        mask[e] = pb_rng_uniform(&rng) * 100 < percent;
    for (uint32_t i = 0; i < m; i++)
        fill_line(mask, (size_t)i * n, 1, n, k, &rng);
    for (uint32_t j = 0; j < n; j++)
        fill_line(mask, j, n, m, k, &rng);
    pb__mc_problem *p = pb__mc_problem_new(m, n, k, mu, mv, mask, noise, &rng, err, errlen);
    free(mask);
    if (!p)
        return -1;
    p->percent = percent;
    p->instance = inst;
    *out = &p->base;
    return 0;
}

const pb__family pb__family_mc_random = {&pb__kind_completion, "mc-random", pattern,
                                         "random incoherent rank-k matrix, Bernoulli sampling, "
                                         "optional noise on the observed values",
                                         open_random};
