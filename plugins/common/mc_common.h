/*
 * What the completion plugins (altmin, altmin-robust, soft-impute) share: the spectral
 * initialization of Jain, Netrapalli and Sanghavi (2013), and small dense helpers over
 * OpenBLAS's LAPACK.
 */
#ifndef PLUGBENCH_MC_COMMON_H
#define PLUGBENCH_MC_COMMON_H

#include <stdint.h>

#include "plugbench/kit.h"

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
 * One outer iteration of alternating minimization, the step() of every completion plugin:
 * V from U, then U from the new V (uv = U then V), stopping at a refused call. Returns
 * PB_CONTINUE, or PB_ERR_FAILED with `why` in ctx's error buffer when an update failed.
 */
int32_t mc_alternate(void *state, mc_update *update, const pb_context *ctx, double *uv,
                     const char *why);

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
