/* The completion plugins' spectral start and dense helpers (mc_common.h). */
#include "mc_common.h"

#include <math.h>
#include <string.h>

#include <cblas.h>

#include "plugbench/rng.h"

/* LAPACK's Cholesky factorization and solve, as OpenBLAS exports them (column-major: a
 * symmetric matrix is its own transpose, so row-major G works as is). */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
extern void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a,
                    const int *lda, double *b, const int *ldb, int *info);

int mc_cholesky(uint32_t k, double *G)
{
    int n = (int)k, info = 0;
    dpotrf_("U", &n, G, &n, &info);
    return info == 0 ? 0 : -1;
}

void mc_cholesky_solve(uint32_t k, const double *factor, double *b)
{
    int n = (int)k, one = 1, info = 0;
    dpotrs_("U", &n, &one, factor, &n, b, &n, &info);
}

int mc_solve_spd(uint32_t k, double *G, const double *save, double *b)
{
    if (mc_cholesky(k, G) != 0) {
        double trace = 0;
        for (uint32_t a = 0; a < k; a++)
            trace += save[a * k + a];
        memcpy(G, save, (size_t)k * k * sizeof(double));
        for (uint32_t a = 0; a < k; a++)
            G[a * k + a] += 1e-12 * trace / k + 1e-300;
        if (mc_cholesky(k, G) != 0)
            return -1;
    }
    mc_cholesky_solve(k, G, b);
    return 0;
}

void mc_gram(const double *X, uint32_t rows, uint32_t k, double *gram)
{
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)k, (int)k, (int)rows, 1.0, X,
                (int)k, X, (int)k, 0.0, gram, (int)k);
}

void mc_orthonormalize(double *X, uint32_t rows, uint32_t k)
{
    for (uint32_t a = 0; a < k; a++) {
        for (uint32_t b = 0; b < a; b++) {
            double dot = 0;
            for (uint32_t i = 0; i < rows; i++)
                dot += X[(size_t)i * k + a] * X[(size_t)i * k + b];
            for (uint32_t i = 0; i < rows; i++)
                X[(size_t)i * k + a] -= dot * X[(size_t)i * k + b];
        }
        double norm = 0;
        for (uint32_t i = 0; i < rows; i++)
            norm += X[(size_t)i * k + a] * X[(size_t)i * k + a];
        norm = sqrt(norm);
        for (uint32_t i = 0; i < rows; i++)
            X[(size_t)i * k + a] = norm > 0 ? X[(size_t)i * k + a] / norm : 0;
    }
}

int mc_spectral_init(const pb_context *ctx, uint32_t iters, double *uv, double *work)
{
    const pb_completion *c = ctx->problem->oracle;
    const uint32_t m = c->m, n = c->n, k = c->rank;
    double *U = uv, *V = uv + (size_t)m * k;
    /* One thread: the harness runs isolated runs in parallel and times one core each. */
    openblas_set_num_threads(1);
    pb_rng rng;
    pb_rng_seed(&rng, ctx->seed, 0);
    for (size_t e = 0; e < (size_t)n * k; e++)
        work[e] = pb_rng_normal(&rng);
    /* The oracle with no factors gives -P_Omega(M) X; the sign does not change a subspace. */
    for (uint32_t t = 0; t < iters; t++) {
        mc_orthonormalize(work, n, k);
        if (isnan(c->residual_product(c, PB_COMPLETION_ROWS, NULL, NULL, k, work, U)))
            return -1;
        mc_orthonormalize(U, m, k);
        if (t + 1 < iters &&
            isnan(c->residual_product(c, PB_COMPLETION_COLS, NULL, NULL, k, U, work)))
            return -1;
    }
    if (isnan(c->residual_product(c, PB_COMPLETION_COLS, NULL, NULL, k, U, V)))
        return -1;
    double scale = -(double)m * n / (double)c->n_observed;
    for (size_t e = 0; e < (size_t)n * k; e++)
        V[e] *= scale;
    return 0;
}

int32_t mc_start(void *state, const pb_context *ctx, int64_t iters, void **out)
{
    mc_base *b = state;
    if (!b)
        return PB_ERR_NOMEM;
    b->c = ctx->problem->oracle;
    mc_spectral_init(ctx, (uint32_t)iters, b->uv, b->work);
    *out = b;
    return 0;
}

int mc_exact_update(const mc_side *d, double *gram, double *rhs, double *save, double *X)
{
    const uint32_t k = d->k;
    if (isnan(d->c->normal_equations(d->c, d->side, d->F, gram, rhs)))
        return 1;
    for (uint32_t i = 0; i < d->count; i++) {
        double *g = gram + (size_t)i * k * k, *b = rhs + (size_t)i * k;
        memcpy(save, g, (size_t)k * k * sizeof(double));
        if (mc_solve_spd(k, g, save, b) != 0)
            return -1;
        memcpy(X + (size_t)i * k, b, k * sizeof(double));
    }
    return 0;
}

int32_t mc_alternate(void *state, mc_update *update, const char *why)
{
    mc_base *b = state;
    double *U = b->uv, *V = b->uv + (size_t)b->c->m * b->c->rank;
    int rc = update(state, PB_COMPLETION_COLS, U, V);
    if (rc == 0)
        rc = update(state, PB_COMPLETION_ROWS, V, U);
    return rc < 0 ? pb_fail(b->head.ctx, PB_ERR_FAILED, "%s", why) : PB_CONTINUE;
}
