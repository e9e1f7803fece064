/*
 * The nn kit's layers KoVAE adds (plugbench/nn.h): BatchNorm1d in training and inference
 * modes and the least-squares layer. Every backward against central differences of its
 * forward (h = 1e-5; norm-wise relative error <= 1e-6 for each gradient), through
 * L = sum r o out for a random r (sum W o C for the least-squares layer), and the
 * least-squares layer also through KoVAE's L_pred, for Z_past and Z_future of their own and
 * for the two overlapping views of one sequence. Forwards against independent computations:
 * BatchNorm's outputs and running statistics over two steps by hand, C against the normal
 * equations. (The sigmoid output
 * layer is checked with the other activations in tests/stochastic/test_nn.c.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugbench/nn.h"
#include "plugbench/rng.h"

#define STEP 1e-5
#define TOL 1e-6

static pb_rng rng;
static double worst; /* the largest relative error of a gradient */

static void fill(double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * pb_rng_normal(&rng);
}

/* Checks an analytic gradient against its central differences num[n]. */
static void check_gradient(const char *what, const char *wrt, const double *g, const double *num,
                           size_t n)
{
    double e = rel(g, num, n);
    worst = e > worst ? e : worst;
    CHECK(e <= TOL, "%s d/d%s: relative error %.1e", what, wrt, e);
}

/* A second backward from the same state must double every gradient: they accumulate. */
static void check_doubled(const char *what, const double *twice, const double *once, size_t n)
{
    double e = 0.0;
    for (size_t i = 0; i < n; i++)
        e = fmax(e, fabs(twice[i] - 2 * once[i]));
    CHECK(e <= 1e-12, "%s: a second backward doubles the gradients (%.1e)", what, e);
}

/* ---- BatchNorm1d -------------------------------------------------------------------------- */

enum { BN = 7, BC = 3 };

typedef struct bn_ctx {
    int training;
    double in[BN * BC], gamma[BC], beta[BC], mean[BC], var[BC], r[BN * BC];
    double out[BN * BC], cache[PB_NN_BATCHNORM_CACHE(BN, BC)];
} bn_ctx;

/* In training the running statistics move at every call; the output does not depend on them. */
static double bn_f(void *p)
{
    bn_ctx *c = p;
    pb_nn_batchnorm_forward(c->out, c->cache, c->mean, c->var, c->in, c->gamma, c->beta,
                            c->training, BN, BC);
    return dot(c->r, c->out, BN * BC);
}

static void test_batchnorm_gradients(int training)
{
    const char *what = training ? "batchnorm (training)" : "batchnorm (inference)";
    bn_ctx c = {.training = training};
    fill(c.in, BN * BC, 1.5);
    for (size_t i = 0; i < BN * BC; i++) /* features of different offsets and scales */
        c.in[i] = c.in[i] * (1 + (double)(i % BC)) + (double)(i % BC) - 1;
    fill(c.gamma, BC, 1);
    fill(c.beta, BC, 1);
    fill(c.mean, BC, 1);
    for (int i = 0; i < BC; i++)
        c.var[i] = 0.3 + fabs(pb_rng_normal(&rng));
    fill(c.r, BN * BC, 1);

    double din[BN * BC] = {0}, dgamma[BC] = {0}, dbeta[BC] = {0};
    double num_in[BN * BC], num_gamma[BC], num_beta[BC];
    bn_f(&c);
    pb_nn_batchnorm_backward(din, dgamma, dbeta, c.r, c.cache, c.gamma, training, BN, BC);
    double once[BN * BC];
    memcpy(once, din, sizeof once);
    central_gradient(bn_f, &c, c.in, BN * BC, STEP, num_in);
    central_gradient(bn_f, &c, c.gamma, BC, STEP, num_gamma);
    central_gradient(bn_f, &c, c.beta, BC, STEP, num_beta);
    check_gradient(what, "in", din, num_in, BN * BC);
    check_gradient(what, "gamma", dgamma, num_gamma, BC);
    check_gradient(what, "beta", dbeta, num_beta, BC);

    bn_f(&c);
    pb_nn_batchnorm_backward(din, dgamma, dbeta, c.r, c.cache, c.gamma, training, BN, BC);
    check_doubled(what, din, once, BN * BC);
}

/*
 * N = 4 rows, C = 2 features, gamma = (2, 0.5), beta = (1, -1), from PyTorch's initial state.
 *   step 1: feature 0 = (1, 2, 3, 4): mean 2.5, sum of squares 5 (biased var 5/4, unbiased
 *           5/3); feature 1 = (-3, 1, 1, 1): mean 0, sum of squares 12 (3, 4).
 *   step 2: feature 0 = (2, 4, 6, 8): mean 5, sum of squares 20 (unbiased 20/3); feature 1 =
 *           (5, 5, 5, 5): mean 5, variance 0, so every output is beta.
 * running_mean = 0.9 running_mean + 0.1 mean, running_var = 0.9 running_var + 0.1 unbiased.
 */
static void test_batchnorm_values(void)
{
    double gamma[2], beta[2], mean[2], var[2], out[8], cache[PB_NN_BATCHNORM_CACHE(4, 2)];
    pb_nn_batchnorm_init(gamma, beta, mean, var, 2);
    CHECK(gamma[0] == 1 && beta[0] == 0 && mean[0] == 0 && var[0] == 1,
          "batchnorm starts as PyTorch's: gamma 1, beta 0, running mean 0, running var 1");
    gamma[0] = 2, gamma[1] = 0.5, beta[0] = 1, beta[1] = -1;
    const double step1[8] = {1, -3, 2, 1, 3, 1, 4, 1}, step2[8] = {2, 5, 4, 5, 6, 5, 8, 5};
    const double eps = 1e-5;

    pb_nn_batchnorm_forward(out, cache, mean, var, step1, gamma, beta, 1, 4, 2);
    double e = fmax(fabs(out[0] - (2 * (1 - 2.5) / sqrt(1.25 + eps) + 1)),
                    fabs(out[1] - (0.5 * -3 / sqrt(3 + eps) - 1)));
    CHECK(e <= 1e-15, "batchnorm step 1 normalizes with the biased variance (%.1e)", e);
    double m0 = 0.1 * 2.5, v0 = 0.9 + 0.1 * 5 / 3.0, m1 = 0.0, v1 = 0.9 + 0.1 * 4;
    e = fmax(fmax(fabs(mean[0] - m0), fabs(var[0] - v0)),
             fmax(fabs(mean[1] - m1), fabs(var[1] - v1)));
    CHECK(e <= 1e-15, "batchnorm running statistics after step 1 (%.1e)", e);

    pb_nn_batchnorm_forward(out, cache, mean, var, step2, gamma, beta, 1, 4, 2);
    CHECK(out[1] == -1 && out[3] == -1 && out[5] == -1 && out[7] == -1,
          "batchnorm of a constant feature is beta");
    m0 = 0.9 * m0 + 0.1 * 5, v0 = 0.9 * v0 + 0.1 * 20 / 3.0;
    m1 = 0.9 * m1 + 0.1 * 5, v1 = 0.9 * v1;
    e = fmax(fmax(fabs(mean[0] - m0), fabs(var[0] - v0)),
             fmax(fabs(mean[1] - m1), fabs(var[1] - v1)));
    CHECK(e <= 1e-15, "batchnorm running statistics after step 2: mean (%.17g, %.17g), "
          "var (%.17g, %.17g) (%.1e)", mean[0], mean[1], var[0], var[1], e);

    /* Inference: one row is enough, and the running statistics stay. */
    const double x[2] = {1, 2};
    pb_nn_batchnorm_forward(out, cache, mean, var, x, gamma, beta, 0, 1, 2);
    e = fmax(fabs(out[0] - (2 * (1 - m0) / sqrt(v0 + eps) + 1)),
             fabs(out[1] - (0.5 * (2 - m1) / sqrt(v1 + eps) - 1)));
    CHECK(e <= 1e-15 && mean[0] == m0 && var[1] == v1,
          "batchnorm inference uses the running statistics and leaves them (%.1e)", e);
}

/* ---- The least-squares layer -------------------------------------------------------------- */

/* Z_past and Z_future in zp, zf (or views of one sequence); L = sum W o C, or KoVAE's L_pred. */
typedef struct ls_ctx {
    uint32_t N, k;
    double *zp, *zf, *C, *cache, *work, *W;
    double *pred; /* Z_past C, for L_pred; NULL for sum W o C */
} ls_ctx;

static double ls_f(void *p)
{
    ls_ctx *c = p;
    pb_nn_lstsq_forward(c->C, c->cache, c->zp, c->zf, c->work, c->N, c->k);
    if (!c->pred)
        return dot(c->W, c->C, (size_t)c->k * c->k);
    /* L_pred as the authors' compute_operator_and_pred with num_steps = 1:
     * MSE(Z_past C, Z_future) / ||Z_past C||_F. */
    size_t n = (size_t)c->N * c->k;
    double sq = 0.0;
    for (uint32_t r = 0; r < c->N; r++)
        for (uint32_t j = 0; j < c->k; j++) {
            double s = 0.0;
            for (uint32_t l = 0; l < c->k; l++)
                s += c->zp[(size_t)r * c->k + l] * c->C[(size_t)l * c->k + j];
            c->pred[(size_t)r * c->k + j] = s;
            double d = s - c->zf[(size_t)r * c->k + j];
            sq += d * d;
        }
    return sq / (double)n / sqrt(dot(c->pred, c->pred, n));
}

/*
 * The backward of ls_f into dzp and dzf. For L_pred = m / f with m the MSE and f = ||P||,
 * P = Z_past C: dP = (2 / n) (P - Z_future) / f - m P / f^3, dZ_future gets -(2 / n)
 * (P - Z_future) / f directly, and P's product gives dC = Z_past^T dP and dZ_past += dP C^T
 * before the layer's own backward.
 */
static void ls_b(ls_ctx *c, double *dzp, double *dzf)
{
    uint32_t N = c->N, k = c->k;
    double *dC = gc_zeros((size_t)k * k);
    if (!c->pred) {
        memcpy(dC, c->W, (size_t)k * k * sizeof *dC);
    } else {
        size_t n = (size_t)N * k;
        double f = sqrt(dot(c->pred, c->pred, n)), sq = 0.0;
        for (size_t i = 0; i < n; i++)
            sq += (c->pred[i] - c->zf[i]) * (c->pred[i] - c->zf[i]);
        double m = sq / (double)n;
        double *dP = gc_zeros(n);
        for (size_t i = 0; i < n; i++) {
            double d = 2.0 / (double)n * (c->pred[i] - c->zf[i]) / f;
            dP[i] = d - m * c->pred[i] / (f * f * f);
            dzf[i] -= d;
        }
        for (uint32_t r = 0; r < N; r++)
            for (uint32_t i = 0; i < k; i++)
                for (uint32_t j = 0; j < k; j++) {
                    dC[(size_t)i * k + j] += c->zp[(size_t)r * k + i] * dP[(size_t)r * k + j];
                    dzp[(size_t)r * k + i] += dP[(size_t)r * k + j] * c->C[(size_t)i * k + j];
                }
        free(dP);
    }
    pb_nn_lstsq_backward(dzp, dzf, dC, c->C, c->cache, c->zp, c->zf, c->work, N, k);
    free(dC);
}

static ls_ctx ls_alloc(uint32_t N, uint32_t k)
{
    ls_ctx c = {.N = N, .k = k};
    c.C = gc_zeros((size_t)k * k);
    c.cache = gc_zeros(PB_NN_LSTSQ_CACHE(k));
    c.work = gc_zeros(PB_NN_LSTSQ_WORK(N, k));
    c.W = gc_zeros((size_t)k * k);
    return c;
}

static void ls_free(ls_ctx *c)
{
    free(c->C), free(c->cache), free(c->work), free(c->W), free(c->pred);
}

/* L = sum W o C, or L_pred (pred_loss set), for Z_past, Z_future[N,k] of their own. */
static void test_lstsq_gradients(uint32_t N, uint32_t k, int pred_loss)
{
    char what[96];
    snprintf(what, sizeof what, "least squares, N = %u, k = %u, L = %s", (unsigned)N, (unsigned)k,
             pred_loss ? "L_pred" : "sum W o C");
    size_t n = (size_t)N * k;
    ls_ctx c = ls_alloc(N, k);
    c.zp = gc_zeros(n), c.zf = gc_zeros(n);
    c.pred = pred_loss ? gc_zeros(n) : NULL;
    fill(c.zp, n, 1), fill(c.zf, n, 1), fill(c.W, (size_t)k * k, 1);
    double *dzp = gc_zeros(n), *dzf = gc_zeros(n), *num_p = gc_zeros(n), *num_f = gc_zeros(n);
    double *once = gc_zeros(n);
    ls_f(&c);
    ls_b(&c, dzp, dzf);
    memcpy(once, dzp, n * sizeof *once);
    central_gradient(ls_f, &c, c.zp, n, STEP, num_p);
    central_gradient(ls_f, &c, c.zf, n, STEP, num_f);
    check_gradient(what, "Z_past", dzp, num_p, n);
    check_gradient(what, "Z_future", dzf, num_f, n);
    ls_f(&c);
    ls_b(&c, dzp, dzf);
    check_doubled(what, dzp, once, n);
    free(c.zp), free(c.zf), free(dzp), free(dzf), free(num_p), free(num_f), free(once);
    ls_free(&c);
}

/*
 * KoVAE's L_pred on one sequence z[T,B,k] (time-major): Z_past = steps 0..T-2, Z_future =
 * steps 1..T-1, views of z that overlap, so both gradients land in one dz.
 */
static void test_lstsq_pred_loss(void)
{
    enum { T = 6, SB = 3, K = 4, NZ = T * SB * K };
    uint32_t N = (T - 1) * SB;
    ls_ctx c = ls_alloc(N, K);
    double z[NZ], dz[NZ] = {0}, num[NZ];
    fill(z, NZ, 1);
    c.zp = z, c.zf = z + SB * K;
    c.pred = gc_zeros((size_t)N * K);
    ls_f(&c);
    ls_b(&c, dz, dz + SB * K);
    central_gradient(ls_f, &c, z, NZ, STEP, num);
    check_gradient("KoVAE's L_pred = MSE(Z_past C, Z_future) / ||Z_past C||_F", "z", dz, num, NZ);
    ls_free(&c);
}

/* X[k,m] = A^-1 X for a dense A[k,k] (overwritten): Gaussian elimination, partial pivoting. */
static void dense_solve(double *A, double *X, int k, int m)
{
    for (int j = 0; j < k; j++) {
        int p = j;
        for (int i = j + 1; i < k; i++)
            p = fabs(A[i * k + j]) > fabs(A[p * k + j]) ? i : p;
        for (int l = 0; l < k; l++) {
            double t = A[j * k + l];
            A[j * k + l] = A[p * k + l], A[p * k + l] = t;
        }
        for (int l = 0; l < m; l++) {
            double t = X[j * m + l];
            X[j * m + l] = X[p * m + l], X[p * m + l] = t;
        }
        for (int i = j + 1; i < k; i++) {
            double f = A[i * k + j] / A[j * k + j];
            for (int l = j; l < k; l++)
                A[i * k + l] -= f * A[j * k + l];
            for (int l = 0; l < m; l++)
                X[i * m + l] -= f * X[j * m + l];
        }
    }
    for (int i = k - 1; i >= 0; i--)
        for (int l = 0; l < m; l++) {
            double s = X[i * m + l];
            for (int j = i + 1; j < k; j++)
                s -= A[i * k + j] * X[j * m + l];
            X[i * m + l] = s / A[i * k + i];
        }
}

/* C against (Z_p^T Z_p)^-1 Z_p^T Z_f on a well-conditioned case; an exact fit recovered. */
static void test_lstsq_values(void)
{
    enum { N = 40, K = 5 };
    double zp[N * K], zf[N * K], C[K * K], M[K * K] = {0}, ne[K * K] = {0}, truth[K * K];
    double cache[K * K], work[2 * N * K];
    fill(zp, N * K, 1), fill(zf, N * K, 1);
    pb_nn_lstsq_forward(C, cache, zp, zf, work, N, K);
    for (int r = 0; r < N; r++)
        for (int i = 0; i < K; i++)
            for (int j = 0; j < K; j++) {
                M[i * K + j] += zp[r * K + i] * zp[r * K + j];
                ne[i * K + j] += zp[r * K + i] * zf[r * K + j];
            }
    dense_solve(M, ne, K, K);
    double e = rel(C, ne, K * K);
    CHECK(e <= 1e-12, "least squares = the normal equations' solution (relative %.1e)", e);

    fill(truth, K * K, 1);
    for (int r = 0; r < N; r++)
        for (int j = 0; j < K; j++) {
            zf[r * K + j] = 0.0;
            for (int l = 0; l < K; l++)
                zf[r * K + j] += zp[r * K + l] * truth[l * K + j];
        }
    pb_nn_lstsq_forward(C, cache, zp, zf, work, N, K);
    e = rel(C, truth, K * K);
    CHECK(e <= 1e-13, "least squares recovers C from Z_future = Z_past C (relative %.1e)", e);
}

int main(void)
{
    pb_rng_seed(&rng, 2024, 14);
    test_batchnorm_gradients(1);
    test_batchnorm_gradients(0);
    test_batchnorm_values();
    test_lstsq_gradients(9, 4, 0);
    test_lstsq_gradients(4, 4, 0);
    test_lstsq_gradients(12, 4, 1);
    test_lstsq_pred_loss();
    test_lstsq_values();
    printf("largest relative error of a gradient: %.1e\n", worst);
    return check_summary("nn kovae layers");
}
