/*
 * The transport kind, revision 1: entropic optimal transport.
 *
 * A problem is a cost matrix C (n x m), marginals r (n) and c (m), each positive and summing
 * to 1, and a regularization eta > 0. It asks for the plan P, n x m, that minimizes
 *
 *     F(P) = <C, P> + (1/eta) sum_ij P_ij (log P_ij - 1)   subject to P 1 = r, P^T 1 = c,
 *
 * which on the transport polytope is the usual <C, P> + (1/eta) sum P log P minus the
 * constant 1/eta. Its dual, maximized over the potentials f (n) and g (m), is
 *
 *     D(f, g) = <r, f> + <c, g> - (1/eta) sum_ij exp(eta (f_i + g_j - C_ij)),
 *
 * and F(P*) = D(f*, g*) at the optimum.
 *
 * The solution a plugin writes (pb_problem.solution_length = n + m doubles) is the dual
 * potentials, f_1..f_n then g_1..g_m. The HOST builds the plan from them, in the log domain,
 *
 *     P_ij = exp(eta (f_i + g_j - C_ij)),
 *
 * and measures, outside the timed region: the L1 marginal violation
 * |P 1 - r|_1 + |P^T 1 - c|_1 (the main metric: lower is better, 0 optimal), the transport
 * cost <C, P>, F(P) with log P_ij = eta (f_i + g_j - C_ij), D(f, g), and, where the problem
 * has a reference solution, the L1 distance of P to the reference plan. A plugin in the
 * scaling form (u = exp(eta f), v = exp(eta g)) reports f = log(u) / eta, g = log(v) / eta.
 *
 * The cost unit is the step ("steps" in results and budgets): one step() call. A Sinkhorn
 * iteration (an update of f and one of g) is one step; a Newton iteration of a second-order
 * method is one step, and so is each of its warm-up Sinkhorn iterations, so that a budget
 * or a comparison in steps charges every method for all its passes over C. Seconds compare
 * the rest. The oracle table has no functions: the data are read directly, nothing else is
 * counted.
 */
#ifndef PLUGBENCH_TRANSPORT_H
#define PLUGBENCH_TRANSPORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_TRANSPORT "transport/1"

typedef struct pb_transport {
    uint32_t struct_size; /* sizeof(pb_transport) as the host was built */
    uint32_t reserved;    /* zero */
    uint32_t n;           /* rows: number of source points, >= 1 */
    uint32_t m;           /* columns: number of target points, >= 1 */
    double eta;           /* regularization: the entropy term is weighted by 1/eta */
    double cost_max;      /* max_ij C_ij (C_ij >= 0), so that eta * cost_max is at hand */
    const double *cost;   /* C, n * m doubles, row-major: C_ij = cost[i * m + j]; host-owned */
    const double *r;      /* n source weights, > 0, sum 1; host-owned */
    const double *c;      /* m target weights, > 0, sum 1; host-owned */
    void *host;           /* the host's; do not touch */

    /* Revision 1 ends here. */
} pb_transport;

#ifdef __cplusplus
}
#endif

#endif
