/*
 * Shared by the blackbox kind (blackbox.c) and its problem families: one problem type
 * that counts evaluations and tracks the best value, so that each family supplies only
 * its objective and its instance generation.
 */
#ifndef PLUGBENCH_BB_PROBLEM_H
#define PLUGBENCH_BB_PROBLEM_H

#include "../problem.h"
#include "plugbench/blackbox.h"

/* The kind, defined at the end of blackbox.c. */
extern const pb__kind pb__kind_blackbox;

/* COCO's targets for f - f_opt: 10^2, 10^1.8, ..., 10^-8. */
#define PB__BB_TARGETS 51

typedef struct pb__bb_problem pb__bb_problem;

/* The objective without accounting: f(x) for x of length dim, using p->work as scratch. */
typedef double (*pb__bb_objective)(pb__bb_problem *p, const double *x);

struct pb__bb_problem {
    pb__problem base;
    pb_blackbox oracle;   /* base.handle.oracle points here */
    uint32_t dim;
    uint32_t instance;
    double *lower, *upper; /* the box, dim each */
    double box;            /* the classic families' box is [-box, box]^dim (5 unless given) */
    double *x_opt;         /* the optimum, dim */
    double f_opt;          /* f(x_opt) */
    double best;           /* lowest counted value so far, +inf before the first */
    uint32_t next_target;  /* index of the first of PB__BB_TARGETS targets not yet reached */
    uint64_t target_hits[PB__BB_TARGETS]; /* evaluation that first reached each, 0 = none */
    pb__bb_objective objective;
    double *work;          /* dim scratch doubles for the objective */
    void *family_data;     /* owned by the family; freed with free() */
};

/*
 * Allocates a problem of dimension dim over [-5, 5]^dim (box 5) with the given objective; x_opt,
 * f_opt and family_data are for the caller to fill. Returns NULL when out of memory.
 */
pb__bb_problem *pb__bb_problem_new(uint32_t dim, uint32_t instance, pb__bb_objective objective);

/* The counted oracle, also used directly by the overhead benchmark. */
double pb__bb_counted_evaluate(const pb_blackbox *self, const double *x);

/*
 * Parses "<prefix>-d<dim>-i<instance>[-box<B>]" with 1 <= dim <= 100000, 0 <= instance <=
 * 10^6 and 0 < B <= 10^6 written as pb__format_double writes it, not 5; *box is B, or 5
 * without the suffix. Returns 0 on a match, 1 when id does not start with "<prefix>-", -1
 * with a message when it does but the rest is malformed.
 */
int pb__bb_parse_id(const char *prefix, const char *id, uint32_t *dim, uint32_t *instance,
                    double *box, char *err, size_t errlen);

#endif
