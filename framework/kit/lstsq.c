/*
 * The least-squares layer, C = argmin ||Z_past C - Z_future||_F, as a forward/backward pair;
 * see plugbench/nn.h. Plain C throughout (a Householder QR and triangular solves on k x k
 * systems, k the latent size), so it builds the same with and without BLAS.
 */
#include "plugbench/nn.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

/*
 * Householder QR of the first k columns of A[N,w] (row stride w >= k), applying each
 * reflector to all w columns, in place: afterwards R is the upper triangle of A's first k
 * rows and columns, and columns k..w-1 hold Q^T times what they held. Reflector j is
 * I - tau v v^T with v = (1, v_1, ...) from row j down, chosen (as LAPACK's dlarfg) to map
 * column j below the diagonal to beta e_1 with beta of the opposite sign of a_jj, so that
 * a_jj - beta never cancels; its v_1.. overwrite the zeros it creates.
 */
static void householder_qr(double *A, uint32_t N, uint32_t k, uint32_t w)
{
    for (uint32_t j = 0; j < k; j++) {
        double alpha = A[(size_t)j * w + j], below = 0.0;
        for (uint32_t i = j + 1; i < N; i++)
            below += A[(size_t)i * w + j] * A[(size_t)i * w + j];
        if (below == 0.0)
            continue; /* already triangular in this column: the reflector is I */
        double beta = -copysign(sqrt(alpha * alpha + below), alpha);
        double tau = (beta - alpha) / beta, scale = 1.0 / (alpha - beta);
        for (uint32_t i = j + 1; i < N; i++)
            A[(size_t)i * w + j] *= scale;
        A[(size_t)j * w + j] = beta;
        for (uint32_t c = j + 1; c < w; c++) {
            double s = A[(size_t)j * w + c];
            for (uint32_t i = j + 1; i < N; i++)
                s += A[(size_t)i * w + j] * A[(size_t)i * w + c];
            s *= tau;
            A[(size_t)j * w + c] -= s;
            for (uint32_t i = j + 1; i < N; i++)
                A[(size_t)i * w + c] -= s * A[(size_t)i * w + j];
        }
    }
}

/* X[k,k] = R^-1 X in place, R upper triangular k x k: back substitution, a row of X at a time. */
static void solve_upper(double *X, const double *R, uint32_t k)
{
    for (uint32_t i = k; i-- > 0;) {
        double *x = X + (size_t)i * k;
        for (uint32_t l = i + 1; l < k; l++)
            for (uint32_t c = 0; c < k; c++)
                x[c] -= R[(size_t)i * k + l] * X[(size_t)l * k + c];
        for (uint32_t c = 0; c < k; c++)
            x[c] /= R[(size_t)i * k + i];
    }
}

/* X = R^-T X in place: forward substitution with the lower triangular R^T. */
static void solve_upper_transposed(double *X, const double *R, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        double *x = X + (size_t)i * k;
        for (uint32_t l = 0; l < i; l++)
            for (uint32_t c = 0; c < k; c++)
                x[c] -= R[(size_t)l * k + i] * X[(size_t)l * k + c];
        for (uint32_t c = 0; c < k; c++)
            x[c] /= R[(size_t)i * k + i];
    }
}

/*
 * Householder QR of [Z_past | Z_future] carried through the first k columns gives R and, in
 * the top k rows of the right half, Q^T Z_future: then C = R^-1 Q^T Z_future without Q ever
 * being formed or stored.
 */
void pb_nn_lstsq_forward(double *C, double *cache, const double *Z_past, const double *Z_future,
                         double *work, uint32_t N, uint32_t k)
{
    assert(N >= k && k > 0);
    uint32_t w = 2 * k;
    for (uint32_t r = 0; r < N; r++) {
        memcpy(work + (size_t)r * w, Z_past + (size_t)r * k, k * sizeof *work);
        memcpy(work + (size_t)r * w + k, Z_future + (size_t)r * k, k * sizeof *work);
    }
    householder_qr(work, N, k, w);
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++) {
            cache[(size_t)i * k + j] = j >= i ? work[(size_t)i * w + j] : 0.0;
            C[(size_t)i * k + j] = work[(size_t)i * w + k + j];
        }
    solve_upper(C, cache, k);
}

/* acc[k] += x[k] A[k,k] (transposed: += x A^T). */
static void add_row_times(double *acc, const double *x, const double *A, int transposed,
                          uint32_t k)
{
    for (uint32_t l = 0; l < k; l++)
        for (uint32_t j = 0; j < k; j++)
            acc[j] += x[l] * (transposed ? A[(size_t)j * k + l] : A[(size_t)l * k + j]);
}

/*
 * With M = Z_p^T Z_p = R^T R and H = M^-1 dC: dZ_future += Z_p H and
 * dZ_past += (Z_f - Z_p C) H^T - Z_p H C^T = Z_f H^T - Z_p (C H^T + H C^T), the second form
 * needing no N x k residual. Every write is an addition and no gradient is read back, so
 * dZ_past and dZ_future may overlap.
 */
void pb_nn_lstsq_backward(double *dZ_past, double *dZ_future, const double *dC, const double *C,
                          const double *cache, const double *Z_past, const double *Z_future,
                          double *work, uint32_t N, uint32_t k)
{
    size_t kk = (size_t)k * k;
    double *H = work, *S = work + kk;
    memcpy(H, dC, kk * sizeof *H);
    solve_upper_transposed(H, cache, k);
    solve_upper(H, cache, k);
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++) {
            double s = 0.0;
            for (uint32_t l = 0; l < k; l++)
                s += C[(size_t)i * k + l] * H[(size_t)j * k + l] +
                     H[(size_t)i * k + l] * C[(size_t)j * k + l];
            S[(size_t)i * k + j] = -s;
        }
    for (uint32_t r = 0; r < N; r++) {
        const double *zp = Z_past + (size_t)r * k, *zf = Z_future + (size_t)r * k;
        if (dZ_past) {
            add_row_times(dZ_past + (size_t)r * k, zf, H, 1, k);
            add_row_times(dZ_past + (size_t)r * k, zp, S, 0, k);
        }
        if (dZ_future)
            add_row_times(dZ_future + (size_t)r * k, zp, H, 0, k);
    }
}
