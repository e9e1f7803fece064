/*
 * The blackbox kind, revision 1: minimize f over a box using evaluations only.
 *
 * A plugin that declares kind PB_KIND_BLACKBOX receives, in pb_problem.oracle, a pointer
 * to the table below. Its cost unit is the evaluation: budget_cost counts calls of
 * evaluate(). Its solution is a point x, dim doubles. The host measures, outside the timed
 * region, f(solution) - f_opt and the best f - f_opt over all counted evaluations.
 */
#ifndef PLUGBENCH_BLACKBOX_H
#define PLUGBENCH_BLACKBOX_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_BLACKBOX "blackbox/1"

typedef struct pb_blackbox pb_blackbox;

struct pb_blackbox {
    uint32_t struct_size;  /* sizeof(pb_blackbox) as the host was built */
    uint32_t dim;          /* number of variables, >= 1 */
    const double *lower;   /* dim lower bounds of the search box, host-owned */
    const double *upper;   /* dim upper bounds; the optimum lies inside the box */

    /*
     * Returns f(x) for x of length dim (x may lie outside the box). Counted by the host.
     * Once the evaluation budget is spent it returns NaN without evaluating, and the host
     * ends the run after the current step: return from step() soon after seeing NaN.
     */
    double (*evaluate)(const pb_blackbox *self, const double *x);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

#ifdef __cplusplus
}
#endif

#endif
