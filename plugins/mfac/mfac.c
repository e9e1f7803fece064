/* M-FAC's static and dynamic IHVP engines; see mfac.h for the algebra. */
#include "mfac.h"
#include "plugbench/kit.h"

#include <stdlib.h>
#include <string.h>

#include <cblas.h>

/* LAPACK's Cholesky factorization, as OpenBLAS exports it (column-major). */
extern void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);

#ifndef MFAC_CHUNK
#define MFAC_CHUNK 8192
#endif

/*
 * The two streaming passes over an n x d row-major buffer, in column chunks of MFAC_CHUNK:
 * within a chunk the slice of x (or of out) stays in L1 while the n row segments stream
 * by, so the buffer is read once from memory. Unblocked, a long x (or out) would be re-read
 * (re-written) from memory once per row: at d = 1e6 that doubled the traffic.
 */
static void rows_dot(int n, int d, const double *G, const double *x, double *dots)
{
    for (int c = 0; c < d; c += MFAC_CHUNK) {
        int w = d - c < MFAC_CHUNK ? d - c : MFAC_CHUNK;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, w, 1.0, G + c, d, x + c, 1, c ? 1.0 : 0.0,
                    dots, 1);
    }
}

/* out += alpha G^T y, chunked likewise. */
static void rows_axpy(int n, int d, double alpha, const double *G, const double *y, double *out)
{
    for (int c = 0; c < d; c += MFAC_CHUNK) {
        int w = d - c < MFAC_CHUNK ? d - c : MFAC_CHUNK;
        cblas_dgemv(CblasRowMajor, CblasTrans, n, w, alpha, G + c, d, y, 1, 1.0, out + c, 1);
    }
}

/*
 * The dynamic engine stores its window in column blocks: block k holds columns
 * [k C, k C + w) of all m rows, row-major with leading dimension w, at offset m k C
 * (C = MFAC_CHUNK). A pass over the first n rows then reads n contiguous segments per
 * block, one contiguous stretch of memory in all: no TLB or prefetcher trouble from m
 * concurrent streams d doubles apart.
 */
static double *block_row(const mfac_dynamic *s, uint32_t c, uint32_t r)
{
    uint32_t w = s->d - c < MFAC_CHUNK ? s->d - c : MFAC_CHUNK;
    return s->G + (size_t)s->m * c + (size_t)r * w;
}

static void set_row(mfac_dynamic *s, uint32_t r, const double *g)
{
    for (uint32_t c = 0; c < s->d; c += MFAC_CHUNK) {
        uint32_t w = s->d - c < MFAC_CHUNK ? s->d - c : MFAC_CHUNK;
        memcpy(block_row(s, c, r), g + c, w * sizeof(double));
    }
}

/* dots[0..n) = G x over the first n rows. */
static void window_dot(const mfac_dynamic *s, int n, const double *x, double *dots)
{
    for (uint32_t c = 0; c < s->d; c += MFAC_CHUNK) {
        int w = (int)(s->d - c < MFAC_CHUNK ? s->d - c : MFAC_CHUNK);
        cblas_dgemv(CblasRowMajor, CblasNoTrans, n, w, 1.0, block_row(s, c, 0), w, x + c, 1,
                    c ? 1.0 : 0.0, dots, 1);
    }
}

/* out += alpha G^T y over the first n rows. */
static void window_axpy(const mfac_dynamic *s, int n, double alpha, const double *y, double *out)
{
    for (uint32_t c = 0; c < s->d; c += MFAC_CHUNK) {
        int w = (int)(s->d - c < MFAC_CHUNK ? s->d - c : MFAC_CHUNK);
        cblas_dgemv(CblasRowMajor, CblasTrans, n, w, alpha, block_row(s, c, 0), w, y, 1, 1.0,
                    out + c, 1);
    }
}

mfac_static *mfac_static_new(const double *G, uint32_t m, uint32_t d, double lambda)
{
    mfac_static *s = PB_BLOCK_NEW(mfac_static, PB_ARRAY(mfac_static, V, (size_t)m * d),
                                  PB_ARRAY(mfac_static, q, m ? m : 1),
                                  PB_ARRAY(mfac_static, c, m ? m : 1));
    if (!s)
        return NULL;
    double *c = s->c;
    s->d = d;
    s->m = m;
    s->lambda = lambda;
    for (uint32_t i = 0; i < m; i++) {
        const double *g = G + (size_t)i * d;
        double *v = s->V + (size_t)i * d;
        /* v_i = g_i / lambda - sum_{k<i} v_k (v_k . g_i) / q_k */
        for (uint32_t j = 0; j < d; j++)
            v[j] = g[j] / lambda;
        if (i > 0) {
            rows_dot((int)i, (int)d, s->V, g, c);
            for (uint32_t k = 0; k < i; k++)
                c[k] /= s->q[k];
            rows_axpy((int)i, (int)d, -1.0, s->V, c, v);
        }
        s->q[i] = m + cblas_ddot((int)d, g, 1, v, 1);
    }
    return s;
}

void mfac_static_free(mfac_static *s)
{
    free(s); /* V, q and c live in s's block */
}

void mfac_static_mul(const mfac_static *s, const double *x, double *out)
{
    double *c = s->c;
    rows_dot((int)s->m, (int)s->d, s->V, x, c);
    for (uint32_t k = 0; k < s->m; k++)
        c[k] /= s->q[k];
    for (uint32_t j = 0; j < s->d; j++)
        out[j] = x[j] / s->lambda;
    rows_axpy((int)s->m, (int)s->d, -1.0, s->V, c, out);
}

void mfac_static_diag(const mfac_static *s, double *out)
{
    for (uint32_t j = 0; j < s->d; j++)
        out[j] = 1.0 / s->lambda;
    for (uint32_t i = 0; i < s->m; i++) {
        const double *v = s->V + (size_t)i * s->d;
        double r = 1.0 / s->q[i];
        for (uint32_t j = 0; j < s->d; j++)
            out[j] -= v[j] * v[j] * r;
    }
}

double mfac_static_entry(const mfac_static *s, uint32_t j, uint32_t k)
{
    double e = j == k ? 1.0 / s->lambda : 0.0;
    for (uint32_t i = 0; i < s->m; i++)
        e -= s->V[(size_t)i * s->d + j] * s->V[(size_t)i * s->d + k] / s->q[i];
    return e;
}

mfac_dynamic *mfac_dynamic_new(uint32_t m, uint32_t d, double lambda)
{
    mfac_dynamic *s = PB_BLOCK_NEW(
        mfac_dynamic, PB_ARRAY(mfac_dynamic, G, (size_t)m * d),
        PB_ARRAY(mfac_dynamic, K, (size_t)m * m), PB_ARRAY(mfac_dynamic, L, (size_t)m * m),
        PB_ARRAY(mfac_dynamic, y, m), PB_ARRAY(mfac_dynamic, dots, m));
    if (!s)
        return NULL;
    s->m = m;
    s->d = d;
    s->lambda = lambda;
    return s;
}

void mfac_dynamic_free(mfac_dynamic *s)
{
    free(s); /* G, K, L, y and dots live in s's block */
}

/* Factors the filled block of S = m lambda I + K into L (lower, row-major). */
static int refactor(mfac_dynamic *s)
{
    uint32_t m = s->m;
    int n = (int)s->filled;
    /* A row-major lower triangle is LAPACK's column-major upper one: S = L L^T. */
    for (int i = 0; i < n; i++) {
        memcpy(s->L + (size_t)i * m, s->K + (size_t)i * m, (size_t)(i + 1) * sizeof(double));
        s->L[(size_t)i * m + i] += m * s->lambda;
    }
    int lda = (int)m, info = 0;
    if (n > 0)
        dpotrf_("U", &n, s->L, &lda, &info);
    return info == 0 ? 0 : -1;
}

int mfac_dynamic_fill(mfac_dynamic *s, const double *G, uint32_t n)
{
    uint32_t m = s->m, d = s->d;
    if (n > m)
        n = m;
    memset(s->G, 0, (size_t)m * d * sizeof(double));
    for (uint32_t r = 0; r < n; r++)
        set_row(s, r, G + (size_t)r * d);
    memset(s->K, 0, (size_t)m * m * sizeof(double));
    for (uint32_t c = 0; n > 0 && c < d; c += MFAC_CHUNK) { /* K = sum over blocks */
        int w = (int)(d - c < MFAC_CHUNK ? d - c : MFAC_CHUNK);
        cblas_dsyrk(CblasRowMajor, CblasLower, CblasNoTrans, (int)n, w, 1.0, block_row(s, c, 0),
                    w, 1.0, s->K, (int)m);
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            s->K[(size_t)j * m + i] = s->K[(size_t)i * m + j];
    s->filled = n;
    s->last = n % m;
    return refactor(s);
}

int mfac_dynamic_update(mfac_dynamic *s, const double *g)
{
    uint32_t m = s->m, r = s->last;
    set_row(s, r, g);
    if (s->filled < m)
        s->filled++;
    int n = (int)s->filled; /* rows 0..n-1 hold gradients; the others are zero */
    window_dot(s, n, g, s->dots);
    for (int i = 0; i < n; i++) {
        s->K[(size_t)r * m + i] = s->dots[i];
        s->K[(size_t)i * m + r] = s->dots[i];
    }
    s->last = (r + 1) % m;
    return refactor(s);
}

/* out = (x - G^T S^-1 dots) / lambda with dots = G x on the filled rows. */
static void mul_dots(mfac_dynamic *s, const double *dots, const double *x, double *out)
{
    int n = (int)s->filled, d = (int)s->d;
    for (int j = 0; j < d; j++)
        out[j] = x[j] / s->lambda;
    if (n == 0)
        return;
    memcpy(s->y, dots, (size_t)n * sizeof(double));
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, s->L, (int)s->m, s->y, 1);
    cblas_dtrsv(CblasRowMajor, CblasLower, CblasTrans, CblasNonUnit, n, s->L, (int)s->m, s->y, 1);
    window_axpy(s, n, -1.0 / s->lambda, s->y, out);
}

void mfac_dynamic_mul(mfac_dynamic *s, const double *x, double *out)
{
    if (s->filled)
        window_dot(s, (int)s->filled, x, s->dots);
    mul_dots(s, s->dots, x, out);
}

int mfac_dynamic_update_mul(mfac_dynamic *s, const double *g, double *out)
{
    int rc = mfac_dynamic_update(s, g);
    mul_dots(s, s->dots, g, out);
    return rc;
}
