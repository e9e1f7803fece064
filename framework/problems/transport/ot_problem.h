/*
 * Shared by the transport kind (transport.c) and its problem families (families.c): one
 * problem type holding C, r, c and eta, measured by the host from the dual potentials the
 * plugin reports (see plugbench/transport.h for the definitions).
 */
#ifndef PLUGBENCH_OT_PROBLEM_H
#define PLUGBENCH_OT_PROBLEM_H

#include "../problem.h"
#include "plugbench/transport.h"

/* The kind, defined at the end of transport.c. */
extern const pb__kind pb__kind_transport;

/* Metric indices, in the kind's order. */
#define PB__OT_MARGINAL_ERROR 0
#define PB__OT_TRANSPORT_COST 1
#define PB__OT_PRIMAL 2
#define PB__OT_DUAL 3
#define PB__OT_PLAN_DISTANCE 4
#define PB__OT_N_METRICS 5

/* Largest n and m a problem id may ask for (C alone is then 200 MB). */
#define PB__OT_MAX_SIZE 5000

typedef struct pb__ot_problem {
    pb__problem base;
    pb_transport oracle;   /* base.handle.oracle points here */
    uint32_t n, m;
    double eta;
    uint32_t instance;     /* the id's instance (or digit pair), for describe() */
    const char *cost_name; /* "uniform", "sqeuclidean", "l1", "l2" */
    double *cost;          /* n * m, row-major, scaled so that its maximum is 1 */
    double *r, *c;         /* n and m, positive, sum 1 */
    double *reference;     /* optional reference plan, n * m; NULL when unknown */
} pb__ot_problem;

/*
 * Allocates a problem of size n x m with regularization eta; cost, r and c are for the
 * caller to fill, then to finish with pb__ot_problem_finish. Returns NULL when out of memory.
 */
pb__ot_problem *pb__ot_problem_new(uint32_t n, uint32_t m, double eta);

/*
 * Scales the cost so that its maximum is 1 (when positive), normalizes r and c to sum 1
 * and sets the oracle's cost_max. Call once after filling cost, r and c.
 */
void pb__ot_problem_finish(pb__ot_problem *p);

/*
 * The host's measurement of dual potentials fg = (f, g), n + m doubles, into
 * metrics[PB__OT_N_METRICS]; plain loops in the order of transport.h's definitions.
 * Returns 0, or 1 when the potentials or a metric are not finite (the plan distance may be
 * NaN when the problem has no reference).
 */
int pb__ot_measure(const pb__ot_problem *p, const double *fg, double *metrics);

#endif
