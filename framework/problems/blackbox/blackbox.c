/* The blackbox kind: counted evaluations, best-so-far tracking and measurement. */
#include "bb_problem.h"
#include "numfmt.h"
#include "plugbench/kit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_sphere, pb__family_ellipsoid, pb__family_rosenbrock,
    pb__family_rastrigin, pb__family_bbob;

/* The i-th of COCO's 51 targets for f - f_opt, 10^(2 - i/5), from 100 down to 1e-8. */
static double coco_target(uint32_t i) { return pow(10.0, 2.0 - i / 5.0); }

/*
 * Records the exact evaluation at which each target (the run's, and COCO's 51) is reached;
 * returns y. Improvements are rare after the first few calls, so this stays out of line and
 * is tail-called: inlined (gcc inlines a static function called once), its loop and its
 * call to pow made the counted oracle save three registers and spill y on every call, and
 * a call that returned nothing made it keep a stack slot for y. See bench/README.md.
 */
__attribute__((noinline, cold)) static double record_improvement(pb__bb_problem *p, double y)
{
    p->best = y;
    double error = y - p->f_opt;
    if (p->base.target_hit_cost == 0 && error <= p->base.target)
        p->base.target_hit_cost = p->base.cost;
    while (p->next_target < PB__BB_TARGETS && error <= coco_target(p->next_target))
        p->target_hits[p->next_target++] = p->base.cost;
    return y;
}

static void collect_extras(const pb__problem *base, double *extras)
{
    const pb__bb_problem *p = (const pb__bb_problem *)base;
    for (uint32_t i = 0; i < PB__BB_TARGETS; i++)
        extras[i] = (double)p->target_hits[i];
}

static void record_extras(const double *extras, cJSON *record)
{
    cJSON *hits = cJSON_AddObjectToObject(record, "target_hits");
    cJSON *targets = cJSON_AddArrayToObject(hits, "targets");
    cJSON *evaluations = cJSON_AddArrayToObject(hits, "evaluations");
    for (uint32_t i = 0; i < PB__BB_TARGETS; i++) {
        cJSON_AddItemToArray(targets, cJSON_CreateNumber(coco_target(i)));
        cJSON_AddItemToArray(evaluations,
                             extras[i] > 0 ? cJSON_CreateNumber(extras[i]) : cJSON_CreateNull());
    }
}

double pb__bb_counted_evaluate(const pb_blackbox *self, const double *x)
{
    pb__bb_problem *p = self->host;
    if (pb__oracle_refused(&p->base, 1))
        return NAN;
    p->base.cost++;
    double y = p->objective(p, x);
    return y < p->best ? record_improvement(p, y) : y;
}

static int measure(pb__problem *base, const double *x, double *out)
{
    pb__bb_problem *p = (pb__bb_problem *)base;
    double dist2 = 0.0, linf = 0.0;
    int finite = 1;
    for (uint32_t i = 0; i < p->dim; i++) {
        finite &= isfinite(x[i]) != 0;
        dist2 += (x[i] - p->x_opt[i]) * (x[i] - p->x_opt[i]);
        linf = fmax(linf, fabs(x[i] - p->x_opt[i]));
    }
    out[0] = p->best - p->f_opt;
    out[1] = finite ? p->objective(p, x) - p->f_opt : NAN;
    out[2] = sqrt(dist2);
    /* The maximum norm: CBO's papers count a run a success when it is below 0.25. */
    out[3] = finite ? linf : NAN;
    return finite && isfinite(out[1]) ? 0 : 1;
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__bb_problem *p = (const pb__bb_problem *)base;
    cJSON_AddNumberToObject(obj, "dimension", p->dim);
    cJSON_AddNumberToObject(obj, "instance", p->instance);
    cJSON_AddNumberToObject(obj, "f_opt", p->f_opt);
    if (p->box != 5.0) /* records of the default box stay as they were */
        cJSON_AddNumberToObject(obj, "box", p->box);
}

static void destroy(pb__problem *base)
{
    pb__bb_problem *p = (pb__bb_problem *)base;
    free(p->family_data);
    free(p); /* lower, upper, x_opt and work live in p's block */
}

pb__bb_problem *pb__bb_problem_new(uint32_t dim, uint32_t instance, pb__bb_objective objective)
{
    const pb_array arrays[] = {
        PB_ARRAY(pb__bb_problem, lower, dim), PB_ARRAY(pb__bb_problem, upper, dim),
        PB_ARRAY(pb__bb_problem, x_opt, dim), PB_ARRAY(pb__bb_problem, work, dim)};
    pb__bb_problem *p = pb_block_new(sizeof *p, sizeof arrays / sizeof arrays[0], arrays);
    if (!p)
        return NULL;
    for (uint32_t i = 0; i < dim; i++) {
        p->lower[i] = -5.0;
        p->upper[i] = 5.0;
    }
    p->dim = dim;
    p->box = 5.0;
    p->instance = instance;
    p->objective = objective;
    p->best = INFINITY;
    p->oracle = (pb_blackbox){
        .struct_size = sizeof(pb_blackbox),
        .dim = dim,
        .lower = p->lower,
        .upper = p->upper,
        .evaluate = pb__bb_counted_evaluate,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_blackbox, &p->oracle, dim);
    return p;
}

int pb__bb_parse_id(const char *prefix, const char *id, uint32_t *dim, uint32_t *instance,
                    double *box, char *err, size_t errlen)
{
    size_t n = strlen(prefix);
    if (strncmp(id, prefix, n) != 0 || id[n] != '-')
        return 1;
    unsigned long d = 0, i = 0;
    int used = 0;
    const char *dash_i = strstr(id + n, "-i");
    /* %lu alone would also take "+3", " 3" and "-1": digits only. */
    int digits = id[n + 2] >= '0' && id[n + 2] <= '9' && dash_i && dash_i[2] >= '0' &&
                 dash_i[2] <= '9';
    const char *rest = "";
    if (digits && sscanf(id + n, "-d%lu-i%lu%n", &d, &i, &used) == 2)
        rest = id + n + used;
    /* The box as the shortest decimal that reads back, and not the default's: one id per
     * function. */
    char canonical[PB__NUMBER_CHARS];
    *box = 5.0;
    int box_ok = rest[0] == '\0' ||
                 (strncmp(rest, "-box", 4) == 0 && pb__parse_decimal(rest + 4, box) == 0 &&
                  *box > 0.0 && *box <= 1e6 && *box != 5.0 &&
                  strcmp(pb__format_double(*box, canonical), rest + 4) == 0);
    if (!digits || used == 0 || !box_ok || d < 1 || d > 100000 || i > 1000000) {
        snprintf(err, errlen,
                 "malformed problem id '%s': expected %s-d<dim>-i<instance>[-box<B>] with dim in "
                 "[1, 100000], instance in [0, 1000000] and B in (0, 10^6] written as the "
                 "shortest decimal, not 5 (the default box)",
                 id, prefix);
        return -1;
    }
    *dim = (uint32_t)d;
    *instance = (uint32_t)i;
    return 0;
}

/* The blackbox kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_blackbox = {
    .name = "blackbox",
    .abi_kind = PB_KIND_BLACKBOX,
    .cost_unit = "evaluations",
    .doc = "minimize f over a box from evaluations only",
    .metrics = {"best_error", "solution_error", "distance_to_optimum",
                "linf_distance_to_optimum"},
    .history_metrics = 1u << 0, /* best_error: the best counted evaluation, not the solution's */
    /* The default suite: bbob's sphere, Rosenbrock, rotated ellipsoid, rotated Rastrigin and
     * Gallagher's 101 peaks in d=10, two instances each: unimodal to multimodal in seconds. */
    .default_problems = {"bbob-f01-d10-i1", "bbob-f01-d10-i2", "bbob-f08-d10-i1",
                         "bbob-f08-d10-i2", "bbob-f10-d10-i1", "bbob-f10-d10-i2",
                         "bbob-f15-d10-i1", "bbob-f15-d10-i2", "bbob-f21-d10-i1",
                         "bbob-f21-d10-i2"},
    .default_budget = {.cost = 10000},
    .families = {&pb__family_sphere, &pb__family_ellipsoid, &pb__family_rosenbrock,
                 &pb__family_rastrigin, &pb__family_bbob},
    .ops = {.measure = measure, .collect_extras = collect_extras, .describe = describe,
            .destroy = destroy},
    .record_extras = record_extras,
};
