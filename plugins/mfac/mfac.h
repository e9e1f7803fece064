/*
 * M-FAC's two inverse-Hessian-vector-product engines (Frantar, Kurtic, Alistarh, "M-FAC:
 * Efficient Matrix-Free Approximations of Second-Order Information", NeurIPS 2021), for
 * the damped empirical Fisher of m gradients g_1..g_m in R^d:
 *
 *     F = lambda I + (1/m) sum_i g_i g_i^T.
 *
 * Neither forms F. Both are plain C over cblas (OpenBLAS), double precision, and are
 * compiled into the mfac plugin and into the tests and benchmarks that call them directly
 * (the pruning use case needs the static one's diagonal and single entries).
 *
 * Ownership: an engine owns every array it allocates; *_free releases it. Inputs are
 * caller-owned and only read during the call.
 */
#ifndef PLUGBENCH_MFAC_H
#define PLUGBENCH_MFAC_H

#include <stdint.h>

/*
 * The static algorithm (paper Sect. 3.1): Sherman-Morrison applied m times,
 *     F_0^-1 = I / lambda,   v_i = F_{i-1}^-1 g_i,   q_i = m + g_i . v_i,
 *     F_i^-1 = F_{i-1}^-1 - v_i v_i^T / q_i,
 * keeping only V = (v_1..v_m) (m x d) and q: O(d m^2) to set up, then
 *     F^-1 x = x / lambda - sum_i v_i (v_i . x) / q_i          O(d m)
 *     (F^-1)_jj = 1 / lambda - sum_i v_ij^2 / q_i               O(d m) for all j
 *     (F^-1)_jk = [j == k] / lambda - sum_i v_ij v_ik / q_i     O(m)
 */
typedef struct mfac_static {
    uint32_t d, m;
    double lambda;
    double *V; /* m x d, row i = v_i */
    double *q; /* m */
    double *c; /* m scratch */
} mfac_static;

/* Builds the engine from G (m x d, row i = g_i). Returns NULL when out of memory. */
mfac_static *mfac_static_new(const double *G, uint32_t m, uint32_t d, double lambda);
void mfac_static_free(mfac_static *s);
/* out = F^-1 x (d each; out may not alias x). */
void mfac_static_mul(const mfac_static *s, const double *x, double *out);
/* out = the diagonal of F^-1 (d). */
void mfac_static_diag(const mfac_static *s, double *out);
/* (F^-1)_jk. */
double mfac_static_entry(const mfac_static *s, uint32_t j, uint32_t k);

/*
 * The dynamic algorithm (paper Sect. 3.2 and the authors' HInvFastUpMulti): a sliding
 * window of the last m gradients in a ring buffer G (m x d), initially zero, and its Gram
 * matrix K = G G^T (m x m). By Woodbury,
 *     F^-1 x = (x - G^T (m lambda I + K)^-1 G x) / lambda,
 * so with the Cholesky factor of S = m lambda I + K a product costs two streaming passes
 * over G and two triangular solves: O(d m + m^2). An update overwrites the oldest row
 * with the new gradient, recomputes that row and column of K (one pass, O(d m)) and
 * refactors S (O(m^3), independent of d). The authors factor the same matrix (their LU of
 * m I + K / lambda without pivoting is this Cholesky, scaled) and keep the same buffer.
 * While fewer than m gradients have arrived, the rows never written are zero: they
 * decouple (diagonal m lambda in S), so only the filled block is factored and streamed.
 */
typedef struct mfac_dynamic {
    uint32_t d, m;
    double lambda;
    uint32_t last;   /* ring index of the next row to overwrite */
    uint32_t filled; /* rows written so far, up to m */
    double *G;       /* m x d, stored in column blocks (see mfac.c); read it through the API */
    double *K;       /* m x m Gram matrix */
    double *L;       /* m x m: Cholesky factor of the filled block of S (lower, row-major) */
    double *y;       /* m scratch */
    double *dots;    /* m: G g of the last update (or G x of the last product) */
} mfac_dynamic;

mfac_dynamic *mfac_dynamic_new(uint32_t m, uint32_t d, double lambda);
void mfac_dynamic_free(mfac_dynamic *s);
/*
 * Sets the window to the n <= m rows of G (n x d) at once, as the authors' constructor
 * does with its initial gradients: one Gram matrix (dsyrk, O(d m^2)) and one factorization;
 * the next update overwrites row n % m. Returns as mfac_dynamic_update.
 */
int mfac_dynamic_fill(mfac_dynamic *s, const double *G, uint32_t n);
/* Replaces the oldest gradient with g (d). Returns 0, or -1 when S is not positive
 * definite numerically (non-finite gradients). */
int mfac_dynamic_update(mfac_dynamic *s, const double *g);
/* out = F^-1 x (out may not alias x). */
void mfac_dynamic_mul(mfac_dynamic *s, const double *x, double *out);
/* mfac_dynamic_update(g), then out = F^-1 g reusing G g from the update: the optimizer's
 * step, two passes over G in all. Returns as mfac_dynamic_update. */
int mfac_dynamic_update_mul(mfac_dynamic *s, const double *g, double *out);

#endif
