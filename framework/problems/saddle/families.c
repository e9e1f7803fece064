/*
 * The saddle kind's families, both distributed quadratics of sad_problem.h with M workers,
 * x and y of dimension d each (z of 2d), z0 = 0, drawn from a generator seeded by the
 * family's name and the instance, so that an id names one problem exactly:
 *
 * saddle-bilinear-d<d>-m<M>-i<instance>: the paper's strongly monotone bilinear problem
 *     f_m(x, y) = x^T A_m y + a_m^T x + b_m^T y + lambda/2 |x|^2 - lambda/2 |y|^2,
 *     lambda = 0.1, A_m with independent N(0, 1/d) entries (|A_m|_2 about 2), a_m and b_m
 *     standard normal: the form is the paper's as issue 22 states it, lambda and the
 *     distribution are ours (its text past the abstract could not be read; masha1's
 *     README). d = 100, M = 10, which the issue gives as the paper's, are the default
 *     suite's.
 * saddle-quadratic-d<d>-m<M>-i<instance>: a strongly-convex-strongly-concave quadratic with
 *     heterogeneous curvature, f_m = 1/2 x^T B_m x + x^T A_m y - 1/2 y^T C_m y + a_m^T x
 *     + b_m^T y with B_m, C_m diagonal, entries uniform in [0.1, 1], and A_m, a_m, b_m as
 *     above; meant for larger d (500).
 * The solution of both is exact (sad_problem.h).
 */
#include "sad_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LAMBDA 0.1
#define MAX_DATA 25000000u /* M d^2 doubles at most: 200 MB */

static int open_family(const pb__family *family, const char *id, pb__problem **out, char *err,
                       size_t errlen, int bilinear)
{
    size_t len = strlen(family->name);
    if (strncmp(id, family->name, len) != 0 || id[len] != '-')
        return 1;
    unsigned long d = 0, M = 0, inst = 0;
    int used = 0;
    if (sscanf(id + len, "-d%lu-m%lu-i%lu%n", &d, &M, &inst, &used) != 3 ||
        id[len + (size_t)used] != '\0' || d < 1 || d > 5000 || M < 1 || M > 1000 ||
        inst < 1 || inst > 1000000 || (double)M * d * d > MAX_DATA) {
        snprintf(err, errlen,
                 "malformed problem id '%s': expected %s with d in [1, 5000], M in [1, 1000], "
                 "M d^2 <= %u and instance in [1, 1000000]",
                 id, family->pattern, MAX_DATA);
        return -1;
    }
    pb__sad_problem *p = pb__sad_problem_new((uint32_t)d, (uint32_t)d, (uint32_t)M, err, errlen);
    if (!p)
        return -1;
    snprintf(p->base.id, sizeof p->base.id, "%s", id);
    pb_rng rng;
    pb_rng_seed(&rng, pb__name_hash(family->name), inst);
    double scale = 1.0 / sqrt((double)d);
    for (size_t k = 0; k < (size_t)M * d * d; k++)
        p->A[k] = scale * pb_rng_normal(&rng);
    for (size_t k = 0; k < (size_t)M * d; k++) {
        p->a[k] = pb_rng_normal(&rng);
        p->b[k] = pb_rng_normal(&rng);
    }
    for (size_t k = 0; k < (size_t)M * d; k++) {
        p->bdiag[k] = bilinear ? LAMBDA : pb_rng_uniform_in(&rng, 0.1, 1.0);
        p->cdiag[k] = bilinear ? LAMBDA : pb_rng_uniform_in(&rng, 0.1, 1.0);
    }
    if (bilinear)
        p->lambda = LAMBDA;
    if (pb__sad_problem_finish(p, err, errlen) != 0)
        return -1;
    *out = &p->base;
    return 0;
}

static int open_bilinear(const pb__family *family, const char *id, pb__problem **out, char *err,
                         size_t errlen)
{
    return open_family(family, id, out, err, errlen, 1);
}

static int open_quadratic(const pb__family *family, const char *id, pb__problem **out,
                          char *err, size_t errlen)
{
    return open_family(family, id, out, err, errlen, 0);
}

const pb__family pb__family_saddle_bilinear = {
    &pb__kind_saddle, "saddle-bilinear", "saddle-bilinear-d<d>-m<workers>-i<instance>",
    "the paper's strongly monotone bilinear saddle point, M workers (lambda 0.1)",
    open_bilinear};

const pb__family pb__family_saddle_quadratic = {
    &pb__kind_saddle, "saddle-quadratic", "saddle-quadratic-d<d>-m<workers>-i<instance>",
    "a strongly-convex-strongly-concave quadratic with heterogeneous diagonal curvature",
    open_quadratic};
