/*
 * What the completion plugins (altmin, altmin-robust, soft-impute) share: the spectral
 * initialization of Jain, Netrapalli and Sanghavi (2013), and small dense helpers over
 * OpenBLAS's LAPACK.
 */
#ifndef PLUGBENCH_MC_COMMON_H
#define PLUGBENCH_MC_COMMON_H

#include <stdint.h>

#include "plugbench/kit.h"

/* The first member, named `base`, of a completion plugin's state. */
typedef struct mc_base {
    pb_state_head head;     /* the solution: uv */
    const pb_completion *c; /* the problem's oracle table */
    double *uv;             /* U (m x k) then V (n x k) */
    double *work;           /* max(m, n) k scratch */
} mc_base;

static inline uint32_t mc_longer(const pb_completion *c) { return c->m > c->n ? c->m : c->n; }

/* The base's arrays, first in PB_STATE_NEW(ctx, state, MC_ARRAYS(state, c), ...). */
#define MC_ARRAYS(type, c)                                                                  \
    PB_ARRAY(type, base.uv, ((size_t)(c)->m + (c)->n) * (c)->rank),                         \
        PB_ARRAY(type, base.work, (size_t)mc_longer(c) * (c)->rank)

/*
 * The end of a completion plugin's create(), for a state (NULL: out of memory) made by
 * PB_STATE_NEW with MC_ARRAYS: sets the base's table and makes the spectral start
 * (mc_spectral_init, iters rounds) into uv. Returns 0 with the state in *out, or
 * PB_ERR_NOMEM.
 */
int32_t mc_start(void *state, const pb_context *ctx, int64_t iters, void **out);

/*
 * The spectral start into uv = (U, V), U m x k then V n x k, on ctx's problem with ctx's
 * seed: U (m x k) orthonormal columns spanning the top-k left singular
 * subspace of P_Omega(M), found by `iters` rounds of subspace iteration from a Gaussian
 * block drawn with seed, and V = P_Omega(M)^T U / p (n x k) with p = |Omega| / (m n), so
 * that U V^T = U U^T P_Omega(M) / p, the rank-k part of the unbiased estimate of M.
 * Sets OpenBLAS to one thread (every create() calls this first).
 * work holds max(m, n) k doubles. iters >= 1. Costs 2 iters |Omega| k madds. Returns 0, or
 * -1 when an oracle call was refused (the budget is spent).
 */
int mc_spectral_init(const pb_context *ctx, uint32_t iters, double *uv, double *work);

/*
 * The update of one side: X (V with side PB_COMPLETION_COLS, U with side ROWS) from F, the
 * other factor. Returns 0, 1 when the budget refused an oracle call, -1 when it failed.
 */
typedef int mc_update(void *state, uint32_t side, const double *F, double *X);

/*
 * What an update of one side (mc_update's state, side, F and X) works with: the oracle
 * table, the side and the rank, the number of lines it updates (m for side ROWS, n for
 * COLS) and of the other side's, its lines' observed counts, and the factors: (U, V) = (X,
 * F) for side ROWS, (F, X) for COLS.
 */
typedef struct mc_side {
    const pb_completion *c;
    uint32_t side, k, count, other;
    const uint32_t *seen;
    const double *U, *V, *F;
} mc_side;

static inline mc_side mc_side_of(const void *state, uint32_t side, const double *F,
                                 const double *X)
{
    const pb_completion *c = ((const mc_base *)state)->c;
    int rows = side == PB_COMPLETION_ROWS;
    return (mc_side){c, side, c->rank, rows ? c->m : c->n, rows ? c->n : c->m,
                     rows ? c->row_count : c->col_count, rows ? X : F, rows ? F : X, F};
}

/*
 * The gradient in X of (1/2) ||P_Omega(U V^T - M)||_F^2 at d's factors into grad (d->count
 * x k): R^T U for side COLS, R V for ROWS, one residual_product call (|Omega| 2k madds).
 * Returns ||P_Omega(U V^T - M)||_F^2, or NaN when the budget refused the call (grad
 * untouched).
 */
static inline double mc_gradient(const mc_side *d, double *grad)
{
    return d->c->residual_product(d->c, d->side, d->U, d->V, d->k, d->F, grad);
}

/*
 * The exact update of d's side (altmin's): X = argmin ||P_Omega(U V^T - M)||_F^2 line by
 * line, from the host's normal equations (|Omega| (k (k + 1) / 2 + k) madds) solved by
 * mc_solve_spd. gram (d->count k x k) is left holding each line's Cholesky factor, rhs
 * (d->count k) and save (k x k) are scratch. Returns 0, 1 when the budget refused the call
 * (X untouched), -1 when a Gram matrix could not be factored.
 */
int mc_exact_update(const mc_side *d, double *gram, double *rhs, double *save, double *X);

/*
 * One outer iteration of alternating minimization, the step() of every completion plugin
 * (state's first member an mc_base): V from U, then U from the new V, stopping at a refused
 * call. Returns PB_CONTINUE, or PB_ERR_FAILED with `why` in the run's error buffer when an
 * update failed.
 */
int32_t mc_alternate(void *state, mc_update *update, const char *why);

/* Orthonormalizes the k columns of X (rows x k, row-major) in place: modified Gram-Schmidt;
 * a column that vanishes is left zero. */
void mc_orthonormalize(double *X, uint32_t rows, uint32_t k);

/*
 * Solves G x = b for x (k doubles, written into b) with G symmetric positive semidefinite
 * (k x k; overwritten by its factor): Cholesky, and when G is singular the minimum-norm
 * regularized solve (G + tau I) x = b with tau = 1e-12 trace(G) / k + 1e-300, from the copy
 * in save (k x k, the caller's copy of G). Returns 0, or -1 when even that fails.
 */
int mc_solve_spd(uint32_t k, double *G, const double *save, double *b);

/* The Cholesky factor of the SPD k x k matrix G, in place (LAPACK's dpotrf, upper). Returns
 * 0, or -1 when G is not positive definite. */
int mc_cholesky(uint32_t k, double *G);

/* Solves with a factor from mc_cholesky: x = G^{-1} b, in place in b (k doubles). */
void mc_cholesky_solve(uint32_t k, const double *factor, double *b);

/* gram = X^T X for X rows x k, row-major (k x k, both triangles). */
void mc_gram(const double *X, uint32_t rows, uint32_t k, double *gram);

#endif
