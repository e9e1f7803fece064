/*
 * The completion kind, revision 1: low-rank matrix completion.
 *
 * A problem is an m x n matrix M of rank k, of which the entries in a set Omega are
 * observed (possibly with noise). It asks for factors U (m x k) and V (n x k) with
 * U V^T = M. The plugin never sees Omega nor the observed values: it sees the sizes, the
 * rank and how many entries each row and column has, and reaches the observations through
 * the two counted oracles below, which do every pass over the observed entries.
 *
 * The solution a plugin writes (pb_problem.solution_length = (m + n) k doubles) is U, m x k
 * row-major, then V, n x k row-major. The HOST measures, outside the timed region:
 * ||U V^T - M||_F / ||M||_F over all m n entries of the noiseless M (the main metric: lower
 * is better, 0 at the optimum of a noiseless problem; with noise, the least-squares fit to
 * the observations is not M and the metric stays above 0), and
 * ||P_Omega(U V^T - M_obs)||_F / ||P_Omega(M_obs)||_F over the observed values M_obs.
 *
 * The cost unit is the multiply-add on an observed entry ("madds"): what the oracles spend
 * in their passes over Omega, stated with each oracle. It counts arithmetic the host
 * performs and the plugin cannot do itself (only the host knows Omega), so it is exact and
 * cannot be misreported; the plugin's own arithmetic on k x k matrices and on the factors
 * (O((m + n) k^2) per update, no pass over Omega) is not counted, and seconds compare it.
 * The unit separates exact from approximate least squares as the complexity analyses do:
 * the normal equations of every row cost |Omega| (k (k + 1) / 2 + k) madds, O(|Omega| k^2),
 * and one gradient of the least-squares objective |Omega| 2 k, O(|Omega| k): an update by
 * T gradient steps is cheaper than an exact one while 4 T < k + 3.
 *
 * Once the budget would be exceeded, an oracle returns NaN without computing anything,
 * counts nothing and leaves its outputs untouched; the host ends the run after the
 * current step: return from step() soon after seeing NaN.
 */
#ifndef PLUGBENCH_COMPLETION_H
#define PLUGBENCH_COMPLETION_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_COMPLETION "completion/1"

/* The side an oracle works on (its `side` argument). */
#define PB_COMPLETION_ROWS 0u /* one result per row i of M, summing over j in Omega_i */
#define PB_COMPLETION_COLS 1u /* one result per column j, summing over i in Omega^j */

typedef struct pb_completion pb_completion;

struct pb_completion {
    uint32_t struct_size; /* sizeof(pb_completion) as the host was built */
    uint32_t rank;        /* k, the rank of M and the width of U and V, >= 1 */
    uint32_t m;           /* rows, >= 1 */
    uint32_t n;           /* columns, >= 1 */
    uint64_t n_observed;  /* |Omega| */
    const uint32_t *row_count; /* m counts: |Omega_i|, observed entries of row i; host-owned */
    const uint32_t *col_count; /* n counts: |Omega^j|, observed entries of column j */

    /*
     * The least-squares normal equations of one side, the exact update of alternating
     * minimization. With side PB_COMPLETION_ROWS, F is V (n x k, row-major) and for every
     * row i it writes gram[i k^2 ...] = sum_{j in Omega_i} v_j v_j^T (k x k, both
     * triangles) and rhs[i k ...] = sum_{j in Omega_i} M_ij v_j (M_ij the observed value):
     * the minimizer of sum_{j in Omega_i} (<u, v_j> - M_ij)^2 solves gram_i u = rhs_i.
     * With PB_COMPLETION_COLS, F is U (m x k) and the same for every column j over
     * Omega^j. gram holds (rows or columns) k^2 doubles, rhs (rows or columns) k; both
     * caller-owned. Costs |Omega| (k (k + 1) / 2 + k) madds. Returns 0, or NaN when the
     * budget does not allow it (outputs untouched) or side is neither value.
     */
    double (*normal_equations)(const pb_completion *self, uint32_t side, const double *F,
                               double *gram, double *rhs);

    /*
     * The residual R = P_Omega(U V^T - M) (m x n, zero off Omega) times a block X of b
     * columns: with side PB_COMPLETION_ROWS, out = R X (X n x b, out m x b); with
     * PB_COMPLETION_COLS, out = R^T X (X m x b, out n x b); all row-major and
     * caller-owned. U is m x k and V n x k; either NULL means U V^T = 0, so that
     * R = -P_Omega(M). With X = V and side ROWS, out is the gradient in U of
     * (1/2) ||P_Omega(U V^T - M)||_F^2; with X = U and side COLS, the gradient in V.
     * Costs |Omega| (k + b) madds, |Omega| b when U or V is NULL. Returns ||R||_F^2, or
     * NaN when the budget does not allow it (out untouched) or side or b (>= 1) is invalid.
     */
    double (*residual_product)(const pb_completion *self, uint32_t side, const double *U,
                               const double *V, uint32_t b, const double *X, double *out);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

#ifdef __cplusplus
}
#endif

#endif
