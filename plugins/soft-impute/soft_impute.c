/*
 * Soft-impute by alternating least squares: T. Hastie, R. Mazumder, J. D. Lee, R. Zadeh,
 * "Matrix Completion and Low-Rank SVD via Fast Alternating Least Squares", JMLR 16, 2015
 * (softImpute-ALS, their Algorithm 3.1 without the SVD bookkeeping). It minimizes
 *
 *     (1/2) ||P_Omega(M - A B^T)||_F^2 + (lambda / 2) (||A||_F^2 + ||B||_F^2)
 *
 * by filling in the missing entries with the current estimate, X* = P_Omega(M) +
 * P_Omega^perp(A B^T) = A B^T - R with R = P_Omega(A B^T - M), and solving ridge
 * regressions of the filled matrix, which needs R alone ("sparse plus low rank"):
 *
 *     B <- X*^T A (A^T A + lambda I)^{-1} = (B A^T A - R^T A) (A^T A + lambda I)^{-1},
 *     A <- X* B (B^T B + lambda I)^{-1}   = (A B^T B - R B) (B^T B + lambda I)^{-1}.
 *
 * Each is one residual_product call, |Omega| 2k madds, and k x k algebra. It is the
 * baseline the altmin plugins improve on: a preconditioned gradient step, as one step of
 * altmin-robust, but with the Gram matrix of all of A in place of the observed rows' A_j^T
 * A_j (about (|Omega^j| / m) A^T A), so on a matrix observed at rate p it moves about p
 * times as far. Hastie et al. stop at the
 * paper's relative-change tolerance; the host's budget stops this plugin. Its start is the
 * altmin plugins' spectral one (mc_common.h), so that the three differ only in their
 * updates (the paper starts from a random orthonormal A).
 */
#include "mc_common.h"
#include "plugbench/kit.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

enum { P_LAMBDA, P_INIT_ITERS };
static const pb_param params[] = {
    [P_LAMBDA] = {.name = "lambda", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,
                  .max = 1e12,
                  .doc = "nuclear-norm weight (0: the rank-k hard-impute fixed point, which on "
                         "a noiseless problem is M; the paper picks lambda on a path)"},
    [P_INIT_ITERS] = {.name = "init_iters", .type = PB_PARAM_INT, .default_value = 8, .min = 1,
                      .max = 1000,
                      .doc = "rounds of subspace iteration for the spectral start (as altmin)"},
};

typedef struct state {
    mc_base base; /* the solution: base.uv, A then B */
    double lambda;
    double *rx, *gram, *gram_f, *next;
} state;

/*
 * One ridge update of X (B with side COLS, A with side ROWS) given F (the other factor):
 * X <- (X F^T F - R^T F) (F^T F + lambda I)^{-1}. Returns 0, 1 when the budget refused the
 * oracle call (X untouched), -1 when F^T F + lambda I is singular.
 */
static int ridge_update(void *p, uint32_t side, const double *F, double *X)
{
    state *s = p;
    const mc_side d = mc_side_of(p, side, F, X);
    const uint32_t k = d.k;
    if (isnan(mc_gradient(&d, s->rx)))
        return 1;
    mc_gram(F, d.other, k, s->gram);
    memcpy(s->gram_f, s->gram, (size_t)k * k * sizeof(double));
    for (uint32_t a = 0; a < k; a++)
        s->gram_f[a * k + a] += s->lambda;
    if (mc_cholesky(k, s->gram_f) != 0)
        return -1;
    /* next = X F^T F - R^T F, then each row times (F^T F + lambda I)^{-1}. */
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)d.count, (int)k, (int)k, 1.0, X,
                (int)k, s->gram, (int)k, 0.0, s->next, (int)k);
    for (uint32_t i = 0; i < d.count; i++) {
        double *row = s->next + (size_t)i * k;
        for (uint32_t a = 0; a < k; a++)
            row[a] -= s->rx[(size_t)i * k + a];
        mc_cholesky_solve(k, s->gram_f, row);
    }
    memcpy(X, s->next, (size_t)d.count * k * sizeof(double));
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_completion *c = ctx->problem->oracle;
    const uint32_t k = c->rank;
    state *s = PB_STATE_NEW(ctx, state, MC_ARRAYS(state, c),
                            PB_ARRAY(state, rx, (size_t)mc_longer(c) * k),
                            PB_ARRAY(state, gram, (size_t)k * k),
                            PB_ARRAY(state, gram_f, (size_t)k * k),
                            PB_ARRAY(state, next, (size_t)mc_longer(c) * k));
    if (s)
        s->lambda = ctx->params[P_LAMBDA].real;
    return mc_start(s, ctx, ctx->params[P_INIT_ITERS].integer, out);
}

static int32_t step(void *p)
{
    return mc_alternate(p, ridge_update, "a factor lost rank: F^T F is singular");
}

PB_PLUGIN(.name = "soft-impute", .version = "0.1.0", .kind = PB_KIND_COMPLETION,
          .summary = "soft-impute by alternating ridge regressions on the filled-in matrix "
                     "(softImpute-ALS)",
          .citation = "T. Hastie, R. Mazumder, J. D. Lee, R. Zadeh, Matrix Completion and "
                      "Low-Rank SVD via Fast Alternating Least Squares, JMLR 16, 2015",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
