/*
 * Four classic test functions with shifted optima: sphere, ellipsoid (condition 1e6),
 * Rosenbrock and Rastrigin. Instance i >= 1 draws x_opt uniformly in [-3, 3]^d and f_opt
 * uniformly in [-100, 100] (rounded to 0.01) from a generator seeded by (family, i), so
 * an id names one function exactly. Instance 0 is the textbook function the papers use,
 * unshifted: x_opt = 0 (Rosenbrock: 1), f_opt = 0. The box is [-5, 5]^d, or [-B, B]^d for
 * an id ending in -box<B>, B >= 3 for i >= 1 (CBO's papers start in [-3, 3]^d:
 * rastrigin-d20-i0-box3).
 */
#include "bb_problem.h"
#include "draw.h"
#include "numfmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/rng.h"

static double sphere(pb__bb_problem *p, const double *x)
{
    double s = 0.0;
    for (uint32_t i = 0; i < p->dim; i++) {
        double z = x[i] - p->x_opt[i];
        s += z * z;
    }
    return s + p->f_opt;
}

static double ellipsoid(pb__bb_problem *p, const double *x)
{
    /* Weights 10^(6 i / (d - 1)) are precomputed in family_data. */
    const double *w = p->family_data;
    double s = 0.0;
    for (uint32_t i = 0; i < p->dim; i++) {
        double z = x[i] - p->x_opt[i];
        s += w[i] * z * z;
    }
    return s + p->f_opt;
}

static double rosenbrock(pb__bb_problem *p, const double *x)
{
    /* z = x - x_opt + 1 puts the minimum of the usual form (at z = 1) at x_opt. */
    double s = 0.0;
    for (uint32_t i = 0; i + 1 < p->dim; i++) {
        double zi = x[i] - p->x_opt[i] + 1.0, zn = x[i + 1] - p->x_opt[i + 1] + 1.0;
        s += 100.0 * (zi * zi - zn) * (zi * zi - zn) + (zi - 1.0) * (zi - 1.0);
    }
    return s + p->f_opt;
}

static double rastrigin(pb__bb_problem *p, const double *x)
{
    double s = 10.0 * p->dim;
    for (uint32_t i = 0; i < p->dim; i++) {
        double z = x[i] - p->x_opt[i];
        s += z * z - 10.0 * cos(2.0 * M_PI * z);
    }
    return s + p->f_opt;
}

static int open_classic(const pb__family *family, const char *id, pb__problem **out, char *err,
                        size_t errlen)
{
    uint32_t dim, instance;
    double box;
    int rc = pb__bb_parse_id(family->name, id, &dim, &instance, &box, err, errlen);
    if (rc != 0)
        return rc;
    /* A shifted optimum lies in [-3, 3]^d: a smaller box could leave it out. */
    if (instance > 0 && box < 3.0) {
        snprintf(err, errlen, "problem id '%s': a box below 3 is for instance 0 only (a shifted "
                 "optimum lies anywhere in [-3, 3]^d)", id);
        return -1;
    }
    pb__bb_objective objective = strcmp(family->name, "sphere") == 0      ? sphere
                                 : strcmp(family->name, "ellipsoid") == 0 ? ellipsoid
                                 : strcmp(family->name, "rosenbrock") == 0 ? rosenbrock
                                                                            : rastrigin;
    pb__bb_problem *p = pb__bb_problem_new(dim, instance, objective);
    double *weights = objective == ellipsoid ? malloc(dim * sizeof(double)) : NULL;
    if (!p || (objective == ellipsoid && !weights)) {
        free(weights);
        pb__problem_close(p ? &p->base : NULL);
        snprintf(err, errlen, "out of memory opening '%s'", id);
        return -1;
    }
    pb_rng rng;
    pb_rng_seed(&rng, instance, pb__name_hash(family->name));
    for (uint32_t i = 0; i < dim; i++) {
        p->x_opt[i] = instance > 0 ? pb_rng_uniform_in(&rng, -3.0, 3.0)
                                   : objective == rosenbrock ? 1.0 : 0.0;
        p->lower[i] = -box;
        p->upper[i] = box;
    }
    p->f_opt = instance > 0 ? round(pb_rng_uniform_in(&rng, -100.0, 100.0) * 100.0) / 100.0 : 0.0;
    for (uint32_t i = 0; weights && i < dim; i++)
        weights[i] = dim == 1 ? 1.0 : pow(10.0, 6.0 * i / (dim - 1.0));
    p->family_data = weights;
    p->box = box;
    char b[PB__NUMBER_CHARS];
    snprintf(p->base.id, sizeof p->base.id, box != 5.0 ? "%s-d%u-i%u-box%s" : "%s-d%u-i%u",
             family->name, dim, instance, pb__format_double(box, b));
    *out = &p->base;
    return 0;
}

const pb__family pb__family_sphere = {&pb__kind_blackbox, "sphere", "sphere-d<dim>-i<instance>[-box<B>]",
                                      "sum of squares, shifted (i0: unshifted)", open_classic};
const pb__family pb__family_ellipsoid = {&pb__kind_blackbox, "ellipsoid", "ellipsoid-d<dim>-i<instance>[-box<B>]",
                                         "axis-parallel ellipsoid, condition 1e6, shifted (i0: unshifted)",
                                         open_classic};
const pb__family pb__family_rosenbrock = {&pb__kind_blackbox, "rosenbrock", "rosenbrock-d<dim>-i<instance>[-box<B>]",
                                          "Rosenbrock's banana valley, shifted (i0: unshifted)", open_classic};
const pb__family pb__family_rastrigin = {&pb__kind_blackbox, "rastrigin", "rastrigin-d<dim>-i<instance>[-box<B>]",
                                         "Rastrigin, 10^d local minima, shifted (i0: unshifted)", open_classic};
