/*
 * M-FAC's engines against an independent dense computation: F = lambda I + G^T G / m is
 * formed explicitly (dsyrk), factored by LAPACK's Cholesky and solved by two triangular
 * solves with one step of iterative refinement.
 *   - static and dynamic F^-1 v agree with the dense solve to a relative error <= 1e-8,
 *     for (d, m, lambda) = (400, 32, 1e-2) and (2000, 256, 1e-5);
 *   - after 45 updates of a window of m = 32 (the ring wrapped around once and 13 rows
 *     were overwritten) the dynamic product equals the dense solve with the last 32;
 *   - the optimizer's step w - lr F^-1 g with lr = 1 on the quadratic
 *     f(w) = 1/2 (w - w*)^T F (w - w*), whose Hessian is exactly F (its window: m - 1 stored
 *     gradients plus the gradient at w0 itself), reaches w* to 1e-10;
 *   - the static engine's diagonal and single entries match the dense inverse.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "check.h"
#include "gradcheck.h"
#include "mfac.h"
#include "plugbench/rng.h"

extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

typedef struct dense {
    int d;
    double *F; /* d x d */
    double *L; /* its Cholesky factor, lower, row-major */
} dense;

/* F = lambda I + (1/m) sum over the rows of G (m x d), and its factor. */
static dense dense_new(const double *G, int m, int d, double lambda)
{
    dense D = {d, calloc((size_t)d * d, sizeof(double)), malloc((size_t)d * d * sizeof(double))};
    /* Lower triangle of G^T G / m in row-major, then symmetrize. */
    cblas_dsyrk(CblasRowMajor, CblasLower, CblasTrans, d, m, 1.0 / m, G, d, 0.0, D.F, d);
    for (int i = 0; i < d; i++) {
        D.F[(size_t)i * d + i] += lambda;
        for (int j = 0; j < i; j++)
            D.F[(size_t)j * d + i] = D.F[(size_t)i * d + j];
    }
    memcpy(D.L, D.F, (size_t)d * d * sizeof(double));
    int info = 0;
    dpotrf_("U", &d, D.L, &d, &info); /* row-major lower = column-major upper */
    CHECK(info == 0, "dense Cholesky of F (d = %d) succeeds", d);
    return D;
}

static void dense_free(dense *D)
{
    free(D->F);
    free(D->L);
}

/* x = F^-1 b: two triangular solves, then one refinement step with the residual. */
static void dense_solve(const dense *D, const double *b, double *x)
{
    int d = D->d;
    double *r = malloc((size_t)d * sizeof(double));
    memcpy(x, b, (size_t)d * sizeof(double));
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, d, D->L, d, x, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, d, D->L, d, x, 1);
    memcpy(r, b, (size_t)d * sizeof(double));
    cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, -1.0, D->F, d, x, 1, 1.0, r, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, d, D->L, d, r, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, d, D->L, d, r, 1);
    for (int i = 0; i < d; i++)
        x[i] += r[i];
    free(r);
}

static double *normal_matrix(pb_rng *rng, size_t n)
{
    double *a = malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++)
        a[i] = pb_rng_normal(rng);
    return a;
}

/* A check's data: G (rows x d) and then, when with_v, v (d), N(0, 1) from a generator
 * seeded seed that the check may go on drawing from; ref and x, d doubles each, for a
 * reference and a result. */
typedef struct data {
    pb_rng rng;
    double *G, *v, *ref, *x;
} data;

static data data_new(uint64_t seed, int rows, int d, int with_v)
{
    data dt;
    pb_rng_seed(&dt.rng, seed, 0);
    dt.G = normal_matrix(&dt.rng, (size_t)rows * d);
    dt.v = with_v ? normal_matrix(&dt.rng, (size_t)d) : NULL;
    dt.ref = malloc(d * sizeof(double));
    dt.x = malloc(d * sizeof(double));
    return dt;
}

static void data_free(data *dt)
{
    free(dt->G);
    free(dt->v);
    free(dt->ref);
    free(dt->x);
}

static void test_products(int d, int m, double lambda)
{
    data dt = data_new((uint64_t)d * 1000 + (uint64_t)m, m, d, 1);
    double *G = dt.G, *v = dt.v, *ref = dt.ref, *x = dt.x;
    dense D = dense_new(G, m, d, lambda);
    dense_solve(&D, v, ref);

    mfac_static *s = mfac_static_new(G, (uint32_t)m, (uint32_t)d, lambda);
    mfac_static_mul(s, v, x);
    double e = rel(x, ref, (size_t)d);
    CHECK(e <= 1e-8, "static F^-1 v, d = %d, m = %d, lambda = %g: relative error %.2e", d, m,
          lambda, e);

    mfac_dynamic *y = mfac_dynamic_new((uint32_t)m, (uint32_t)d, lambda);
    int rc = 0;
    for (int i = 0; i < m; i++)
        rc |= mfac_dynamic_update(y, G + (size_t)i * d);
    mfac_dynamic_mul(y, v, x);
    e = rel(x, ref, (size_t)d);
    CHECK(rc == 0 && e <= 1e-8, "dynamic F^-1 v, d = %d, m = %d, lambda = %g: relative error %.2e",
          d, m, lambda, e);

    /* Setting the window at once (the authors' constructor) gives the same product. */
    mfac_dynamic *w = mfac_dynamic_new((uint32_t)m, (uint32_t)d, lambda);
    rc = mfac_dynamic_fill(w, G, (uint32_t)m);
    mfac_dynamic_mul(w, v, x);
    e = rel(x, ref, (size_t)d);
    CHECK(rc == 0 && e <= 1e-8 && w->last == 0,
          "dynamic, window set at once, d = %d, m = %d: relative error %.2e", d, m, e);
    mfac_dynamic_free(w);

    /* update_mul with the last gradient gives F^-1 g_m from the same window. */
    mfac_dynamic *z = mfac_dynamic_new((uint32_t)m, (uint32_t)d, lambda);
    for (int i = 0; i + 1 < m; i++)
        mfac_dynamic_update(z, G + (size_t)i * d);
    mfac_dynamic_update_mul(z, G + (size_t)(m - 1) * d, x);
    dense_solve(&D, G + (size_t)(m - 1) * d, ref);
    e = rel(x, ref, (size_t)d);
    CHECK(e <= 1e-8, "dynamic update_mul(g_m) = F^-1 g_m, d = %d, m = %d: relative error %.2e", d,
          m, e);
    mfac_dynamic_free(z);
    mfac_dynamic_free(y);
    mfac_static_free(s);
    dense_free(&D);
    data_free(&dt);
}

/* 45 gradients through a window of m < 45: the product uses exactly the last m. */
static void test_wraparound(int d, int m, double lambda)
{
    const int total = 45;
    data dt = data_new(45, total, d, 1);
    double *all = dt.G, *v = dt.v, *ref = dt.ref, *x = dt.x;
    mfac_dynamic *y = mfac_dynamic_new(m, d, lambda);
    for (int i = 0; i < total; i++)
        mfac_dynamic_update(y, all + (size_t)i * d);
    dense D = dense_new(all + (size_t)(total - m) * d, m, d, lambda);
    dense_solve(&D, v, ref);
    mfac_dynamic_mul(y, v, x);
    double e = rel(x, ref, (size_t)d);
    CHECK(y->last == (uint32_t)(total % m) && e <= 1e-8,
          "after %d updates of a window of %d (ring index %u): relative error %.2e vs the last %d",
          total, m, y->last, e, m);
    /* And not the first m: the window really moved. */
    dense E = dense_new(all, m, d, lambda);
    dense_solve(&E, v, ref);
    e = rel(x, ref, (size_t)d);
    CHECK(e > 1e-3, "the first %d gradients give a different product (relative difference %.2e)",
          m, e);
    dense_free(&E);
    dense_free(&D);
    mfac_dynamic_free(y);
    data_free(&dt);
}

/* One M-FAC step with lr = 1 on a quadratic whose Hessian is the window's F. */
static void test_quadratic_step(int d, int m, double lambda)
{
    data dt = data_new(7, m, d, 1);
    double *G = dt.G, *w0 = dt.v, *w_opt = dt.ref, *u = dt.x;
    double *grad = malloc(d * sizeof(double)), *e = malloc(d * sizeof(double));
    dense D = dense_new(G, m, d, lambda);
    /* w* = w0 - F^-1 g_m, so that grad f(w0) = F (w0 - w*) = g_m. */
    const double *g_m = G + (size_t)(m - 1) * d;
    dense_solve(&D, g_m, u);
    for (int i = 0; i < d; i++) {
        w_opt[i] = w0[i] - u[i];
        e[i] = w0[i] - w_opt[i];
    }
    cblas_dgemv(CblasRowMajor, CblasNoTrans, d, d, 1.0, D.F, d, e, 1, 0.0, grad, 1);
    double ge = rel(grad, g_m, (size_t)d);
    mfac_dynamic *y = mfac_dynamic_new(m, d, lambda);
    for (int i = 0; i + 1 < m; i++)
        mfac_dynamic_update(y, G + (size_t)i * d);
    mfac_dynamic_update_mul(y, grad, u); /* the optimizer's step at w0, lr = 1 */
    for (int i = 0; i < d; i++)
        u[i] = w0[i] - u[i];
    double err = rel(u, w_opt, (size_t)d);
    CHECK(ge <= 1e-12 && err <= 1e-10,
          "one step with lr = 1 reaches the minimizer: |w1 - w*| / |w*| = %.2e (gradient check "
          "%.1e)", err, ge);
    mfac_dynamic_free(y);
    dense_free(&D);
    data_free(&dt);
    free(grad);
    free(e);
}

/* The static engine's diagonal and single entries against the dense inverse. */
static void test_diag_entries(int d, int m, double lambda)
{
    data dt = data_new(11, m, d, 0);
    double *G = dt.G, *col = dt.ref, *diag = dt.x;
    dense D = dense_new(G, m, d, lambda);
    double *inv = malloc((size_t)d * d * sizeof(double)), *unit = calloc(d, sizeof(double));
    for (int j = 0; j < d; j++) { /* column j of F^-1 (symmetric: row j too) */
        unit[j] = 1.0;
        dense_solve(&D, unit, col);
        unit[j] = 0.0;
        memcpy(inv + (size_t)j * d, col, d * sizeof(double));
    }
    mfac_static *s = mfac_static_new(G, m, d, lambda);
    mfac_static_diag(s, diag);
    double worst = 0.0, scale = 0.0;
    for (int j = 0; j < d; j++) {
        double ref = inv[(size_t)j * d + j];
        worst = fmax(worst, fabs(diag[j] - ref));
        scale = fmax(scale, fabs(ref));
    }
    CHECK(worst <= 1e-10 * scale, "diagonal of F^-1: max error %.2e (max entry %.3g)", worst,
          scale);
    worst = 0.0;
    for (int t = 0; t < 200; t++) {
        uint32_t j = (uint32_t)pb_rng_below(&dt.rng, d);
        uint32_t k = (uint32_t)pb_rng_below(&dt.rng, d);
        if (t < 10)
            k = j;
        worst = fmax(worst, fabs(mfac_static_entry(s, j, k) - inv[(size_t)j * d + k]));
    }
    CHECK(worst <= 1e-10 * scale, "200 single entries (F^-1)_jk: max error %.2e", worst);
    mfac_static_free(s);
    dense_free(&D);
    data_free(&dt);
    free(inv);
    free(unit);
}

/* d larger than the dynamic engine's column block: the blocked window against the static
 * engine (plain row-major, itself checked against the dense solve above). */
static void test_blocked(int d, int m, double lambda)
{
    data dt = data_new(20000, m + 5, d, 1);
    double *G = dt.G, *v = dt.v, *ref = dt.ref, *x = dt.x;
    mfac_static *s = mfac_static_new(G + (size_t)5 * d, m, d, lambda);
    mfac_static_mul(s, v, ref);
    mfac_dynamic *y = mfac_dynamic_new(m, d, lambda);
    for (int i = 0; i < m + 5; i++)
        mfac_dynamic_update(y, G + (size_t)i * d);
    mfac_dynamic_mul(y, v, x);
    double e = rel(x, ref, (size_t)d);
    mfac_dynamic *z = mfac_dynamic_new(m, d, lambda);
    mfac_dynamic_fill(z, G + (size_t)5 * d, m);
    mfac_dynamic_mul(z, v, x);
    double e2 = rel(x, ref, (size_t)d);
    CHECK(e <= 1e-10 && e2 <= 1e-10,
          "d = %d (several column blocks), m = %d, wrapped: dynamic vs static %.2e, filled %.2e",
          d, m, e, e2);
    mfac_dynamic_free(y);
    mfac_dynamic_free(z);
    mfac_static_free(s);
    data_free(&dt);
}

int main(void)
{
    test_products(400, 32, 1e-2);
    test_products(2000, 256, 1e-5);
    test_wraparound(400, 32, 1e-2);
    test_quadratic_step(400, 32, 1e-2);
    test_diag_entries(400, 32, 1e-2);
    test_blocked(20000, 16, 1e-3);
    return check_summary("mfac");
}
