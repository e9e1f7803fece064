/* The nn kit's layers: forward/backward pairs side by side; see plugbench/nn.h. */
#include "plugbench/nn.h"

#include <math.h>
#include <stddef.h>

/*
 * C[M,N] += op(A)[M,K] op(B)[K,N], row-major, op = transpose when ta / tb is set. With
 * OpenBLAS (the plugbench_nn library plugins link) it is cblas_dgemm. The harness's own
 * copy (libplugbench, which computes the stochastic kind's losses) is built with
 * PB_NN_NO_BLAS and loops instead: OpenBLAS reserves some 50 MB of address space when it
 * loads, which would come out of the memory limit of every isolated run of every kind.
 */
#ifndef PB_NN_NO_BLAS
#include <cblas.h>

static void gemm_acc(int ta, int tb, uint32_t M, uint32_t N, uint32_t K, const double *A,
                     uint32_t lda, const double *B, uint32_t ldb, double *C, uint32_t ldc)
{
    cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (int)M, (int)N, (int)K, 1.0, A, (int)lda, B, (int)ldb, 1.0, C, (int)ldc);
}
#else
/*
 * Each C[i][j] adds its K products in order of k, skipping those whose factor from A is
 * zero, as the loop over (i, k, j) these replace did; only the order in which the outputs
 * advance differs. On products of many rows by matrices of a few rows and columns (the
 * stochastic kind's losses over a whole data set; the post-hoc GRUs' before they had a
 * trainer of their own) that loop spent its time on loop overhead, and on storing and
 * reloading C[i][j] at every k.
 *
 * cols_outer, for products with many rows and a short inner dimension or few outputs (A
 * not transposed, K < TILE_K or N < 4): for each (j, k), one pass
 * down the rows, whose outputs are independent, so that no output waits for the previous
 * one.
 */
static void cols_outer(int tb, uint32_t M, uint32_t N, uint32_t K, const double *A,
                       uint32_t lda, const double *B, uint32_t ldb, double *C, uint32_t ldc)
{
    for (uint32_t j = 0; j < N; j++)
        for (uint32_t k = 0; k < K; k++) {
            double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
            for (uint32_t i = 0; i < M; i++) {
                double a = A[(size_t)i * lda + k];
                if (a != 0.0)
                    C[(size_t)i * ldc + j] += a * b;
            }
        }
}

/*
 * sums_inner, for products with a long inner dimension (A transposed: the weight
 * gradients, sums over the batch into a few outputs; A not transposed with K >= TILE_K:
 * the layers' outputs and input gradients over a whole data set, where cols_outer's
 * passes down the rows read A and C a cache line per product, when there are four outputs
 * or more: with fewer, the tile's unused lanes cost more than it saves, as logistic
 * regression's single output showed, +31% instructions per step): a tile of two rows by four
 * outputs at a time, summed in registers, eight sums that do not wait for one another.
 * Lanes past M or N repeat row M-1 or column N-1 and are not stored.
 */
#define TILE_K 8
static void sums_inner(int ta, int tb, uint32_t M, uint32_t N, uint32_t K, const double *A,
                       uint32_t lda, const double *B, uint32_t ldb, double *C, uint32_t ldc)
{
    size_t ai = ta ? 1 : lda, ak = ta ? lda : 1; /* A(i, k) at A[i * ai + k * ak] */
    for (uint32_t i = 0; i < M; i += 2)
        for (uint32_t j = 0; j < N; j += 4) {
            uint32_t i1 = i + (M - i > 1), n = N - j < 4 ? N - j : 4;
            uint32_t j1 = j + (n > 1), j2 = j + (n > 2) * 2, j3 = j + (n > 3) * 3;
            double *c = C + (size_t)i * ldc, *d = C + (size_t)i1 * ldc;
            double c0 = c[j], c1 = c[j1], c2 = c[j2], c3 = c[j3];
            double d0 = d[j], d1 = d[j1], d2 = d[j2], d3 = d[j3];
            size_t stride = tb ? ldb : 1;
            for (uint32_t k = 0; k < K; k++) {
                const double *b = tb ? B + k : B + (size_t)k * ldb;
                double b0 = b[j * stride], b1 = b[j1 * stride], b2 = b[j2 * stride],
                       b3 = b[j3 * stride];
                double a = A[i * ai + k * ak], e = A[i1 * ai + k * ak];
                if (a != 0.0) {
                    c0 += a * b0;
                    c1 += a * b1;
                    c2 += a * b2;
                    c3 += a * b3;
                }
                if (e != 0.0) {
                    d0 += e * b0;
                    d1 += e * b1;
                    d2 += e * b2;
                    d3 += e * b3;
                }
            }
            double out[2][4] = {{c0, c1, c2, c3}, {d0, d1, d2, d3}};
            for (uint32_t r = 0; r < 1 + (i1 > i); r++)
                for (uint32_t l = 0; l < n; l++)
                    C[(size_t)(i + r) * ldc + j + l] = out[r][l];
        }
}

static void gemm_acc(int ta, int tb, uint32_t M, uint32_t N, uint32_t K, const double *A,
                     uint32_t lda, const double *B, uint32_t ldb, double *C, uint32_t ldc)
{
    if (ta || (K >= TILE_K && N >= 4))
        sums_inner(ta, tb, M, N, K, A, lda, B, ldb, C, ldc);
    else
        cols_outer(tb, M, N, K, A, lda, B, ldb, C, ldc);
}
#endif

void pb_nn_dense_forward(double *out, const double *in, const double *W, const double *b,
                         uint32_t B, uint32_t In, uint32_t Out)
{
    for (uint32_t r = 0; r < B; r++)
        for (uint32_t o = 0; o < Out; o++)
            out[(size_t)r * Out + o] = b ? b[o] : 0.0;
    gemm_acc(0, 1, B, Out, In, in, In, W, In, out, Out); /* out[B,Out] += in[B,In] W^T */
}

void pb_nn_dense_backward(double *din, double *dW, double *db, const double *dout,
                          const double *in, const double *W, uint32_t B, uint32_t In, uint32_t Out)
{
    if (din)
        gemm_acc(0, 0, B, In, Out, dout, Out, W, In, din, In); /* din[B,In] += dout W */
    gemm_acc(1, 0, Out, In, B, dout, Out, in, In, dW, In);     /* dW[Out,In] += dout^T in */
    if (db)
        for (uint32_t o = 0; o < Out; o++) { /* summed in a register, in order of r */
            double sum = db[o];
            for (uint32_t r = 0; r < B; r++)
                sum += dout[(size_t)r * Out + o];
            db[o] = sum;
        }
}

void pb_nn_tanh_forward(double *out, const double *in, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        out[i] = tanh(in[i]);
}

void pb_nn_tanh_backward(double *din, const double *dout, const double *out, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        din[i] += dout[i] * (1.0 - out[i] * out[i]);
}

void pb_nn_relu_forward(double *out, const double *in, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0 ? in[i] : 0.0;
}

void pb_nn_relu_backward(double *din, const double *dout, const double *in, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (in[i] > 0.0)
            din[i] += dout[i];
}

/*
 * sigmoid(z) without overflow: exp of a non-positive number only, 1 / (1 + e^-z) for
 * z >= 0 and e^z / (1 + e^z) below, the same operations as a branch on the sign of z,
 * which a random sign mispredicts, would do. (Only a NaN z may come out as a NaN of the
 * other sign than it did with that branch.)
 */
static double sigmoid(double z)
{
    double e = exp(-fabs(z));
    return (z >= 0.0 ? 1.0 : e) / (1.0 + e);
}

void pb_nn_sigmoid_forward(double *out, const double *in, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        out[i] = sigmoid(in[i]);
}

void pb_nn_sigmoid_backward(double *din, const double *dout, const double *out, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        din[i] += dout[i] * out[i] * (1.0 - out[i]);
}

double pb_nn_softmax_xent_forward(double *probs, double *losses, const double *logits,
                                  const uint32_t *labels, uint32_t B, uint32_t C)
{
    double total = 0.0;
    for (uint32_t r = 0; r < B; r++) {
        const double *z = logits + (size_t)r * C;
        double *p = probs + (size_t)r * C;
        double zmax = z[0];
        for (uint32_t c = 1; c < C; c++)
            zmax = z[c] > zmax ? z[c] : zmax;
        double sum = 0.0;
        for (uint32_t c = 0; c < C; c++) {
            p[c] = exp(z[c] - zmax);
            sum += p[c];
        }
        for (uint32_t c = 0; c < C; c++)
            p[c] /= sum;
        losses[r] = log(sum) + zmax - z[labels[r]];
        total += losses[r];
    }
    return B ? total / B : 0.0;
}

void pb_nn_softmax_xent_backward(double *dlogits, const double *probs, const uint32_t *labels,
                                 double scale, uint32_t B, uint32_t C)
{
    for (uint32_t r = 0; r < B; r++) {
        for (uint32_t c = 0; c < C; c++)
            dlogits[(size_t)r * C + c] += scale * probs[(size_t)r * C + c];
        dlogits[(size_t)r * C + labels[r]] -= scale;
    }
}

double pb_nn_logistic_xent_forward(double *losses, const double *logits, const uint32_t *labels,
                                   uint32_t B)
{
    double total = 0.0;
    for (uint32_t r = 0; r < B; r++) {
        double z = logits[r];
        /* log(1 + e^z) = max(z, 0) + log1p(e^-|z|) */
        double softplus = (z > 0.0 ? z : 0.0) + log1p(exp(-fabs(z)));
        losses[r] = softplus - (labels[r] ? z : 0.0);
        total += losses[r];
    }
    return B ? total / B : 0.0;
}

void pb_nn_logistic_xent_backward(double *dlogits, const double *logits, const uint32_t *labels,
                                  double scale, uint32_t B)
{
    for (uint32_t r = 0; r < B; r++)
        dlogits[r] += scale * (sigmoid(logits[r]) - (labels[r] ? 1.0 : 0.0));
}
