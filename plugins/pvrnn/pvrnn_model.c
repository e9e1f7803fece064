/* The PV-RNN network: forward and backward through time over a batch; see pvrnn_model.h. */
#include "pvrnn_model.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "plugbench/nn.h"
#include "plugbench/rnn.h"

void pvrnn_model_init(pvrnn_model *m)
{
    assert(m->layers >= 1 && m->layers <= PVRNN_MAX_LAYERS && m->x >= 1);
    size_t off = 0;
    uint32_t sa = 0, sz = 0, ss = 0, cs = 0;
    for (uint32_t l = 0; l < m->layers; l++) {
        size_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < m->layers ? m->d[l + 1] : 0;
        assert(D >= 1 && Z >= 1 && m->tau[l] >= 1.0);
        m->W_dd[l] = off, off += D * D;
        m->W_zd[l] = off, off += D * Z;
        m->W_hd[l] = off, off += D * Dtop;
        m->b[l] = off, off += D;
        m->W_mu[l] = off, off += Z * D;
        m->W_sig[l] = off, off += Z * D;
        m->a_off[l] = sa, sa += 2 * m->z[l];
        m->z_off[l] = sz, sz += m->z[l];
        m->s_off[l] = ss, ss += 2 * m->d[l];
        m->c_off[l] = cs, cs += 2 * m->d[l] + 5 * m->z[l];
    }
    m->W_o = off, off += (size_t)m->x * m->d[0];
    m->n_theta = off;
    m->sa = sa, m->sz = sz, m->ss = ss;
    m->c_y = cs, m->cs = cs + m->x;
}

size_t pvrnn_pass_size(const pvrnn_model *m, uint32_t B, uint32_t T)
{
    return ((size_t)T + 1) * B * m->cs;
}

static uint32_t max_z(const pvrnn_model *m)
{
    uint32_t z = 0;
    for (uint32_t l = 0; l < m->layers; l++)
        z = m->z[l] > z ? m->z[l] : z;
    return z;
}

/* The backward: dd and dh of this step and the previous one per layer, five [Zmax, B]
 * arrays, dy [X, B] and du [D_l, B] of a layer (at most sum D = ss / 2 units). The prior
 * step needs less. */
size_t pvrnn_work_size(const pvrnn_model *m, uint32_t B)
{
    return (size_t)B * (2 * (size_t)m->ss + 5 * (size_t)max_z(m) + m->x + m->ss / 2);
}

/* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) over an [out, fan_in] matrix. */
static void fill_uniform(double *w, size_t out, size_t fan_in, pb_rng *rng)
{
    double k = 1.0 / sqrt((double)fan_in);
    for (size_t i = 0; i < out * fan_in; i++)
        w[i] = pb_rng_uniform_in(rng, -k, k);
}

void pvrnn_init_weights(const pvrnn_model *m, double *theta, pb_rng *rng)
{
    memset(theta, 0, m->n_theta * sizeof *theta);
    for (uint32_t l = 0; l < m->layers; l++) {
        size_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < m->layers ? m->d[l + 1] : 0;
        fill_uniform(theta + m->W_dd[l], D, D, rng);
        fill_uniform(theta + m->W_zd[l], D, Z, rng);
        if (Dtop)
            fill_uniform(theta + m->W_hd[l], D, Dtop, rng);
        fill_uniform(theta + m->W_mu[l], Z, D, rng);
        fill_uniform(theta + m->W_sig[l], Z, D, rng);
    }
    fill_uniform(theta + m->W_o, m->x, m->d[0], rng);
}

/* The step block of step t (t = -1: the initial state) of a pass of B rows. */
static inline double *block(const pvrnn_model *m, const double *pass, uint32_t B, int64_t t)
{
    return (double *)pass + (size_t)(t + 1) * B * m->cs;
}

/* Layer l's records within a step block: h, d ([D, B]), then z, mu_q, ls_q, mu_p, ls_p. */
typedef struct rec {
    double *h, *d, *z, *mu_q, *ls_q, *mu_p, *ls_p;
} rec;

static inline rec rec_of(const pvrnn_model *m, double *blk, uint32_t B, uint32_t l)
{
    size_t D = (size_t)B * m->d[l], Z = (size_t)B * m->z[l];
    rec r;
    r.h = blk + (size_t)B * m->c_off[l];
    r.d = r.h + D;
    r.z = r.d + D;
    r.mu_q = r.z + Z;
    r.ls_q = r.mu_q + Z;
    r.mu_p = r.ls_q + Z;
    r.ls_p = r.mu_p + Z;
    return r;
}

/*
 * The matrix products. The network's matrices are small (tens of units), where a BLAS call
 * costs more than its product, so they are done by hand, on the [n, B] layout: each weight
 * is read once for the whole batch and the innermost loops run along the batch, where they
 * vectorize. A row's arithmetic is that of the row alone, in the same order whatever the
 * batch, so that its numbers do not depend on the rows beside it (the error regression runs
 * all test sequences as one batch and must give each the numbers of its own pass): a
 * forward product is the row's dot product with four partial sums over the index mod 4,
 * then (s0 + s1) + (s2 + s3); a backward product adds its terms in the order of the weight
 * rows; a weight gradient adds the batch rows' terms in row order. The batch is walked in
 * chunks of CHUNK rows whose sums stay in registers. The Gaussian sample and KL are the nn
 * kit's; the kernels' results are those of its dense and MTRNN layers up to rounding
 * (checked in tests/test_pvrnn_grad.c).
 *
 * tanh over n values (in place allowed), in a third of libm's time, to a few ulp: for
 * |x| >= 0.35 as 1 - 2 / (exp(2|x|) + 1), whose result is at least 1/3, so that the
 * subtraction costs a few ulp at most; below, its Taylor series x sum_k a_k x^(2k), the a_k
 * from tanh' = 1 - tanh^2: a_0 = 1, (2k + 1) a_k = -sum_{i+j=k-1} a_i a_j. At 0.35 the 13
 * terms kept leave a relative error under 2e-16 (the next term is 1e-17).
 */
static const double tanh_series[13] = {
    1.0, -0.3333333333333333, 0.13333333333333333, -0.05396825396825397,
    0.021869488536155203, -0.008863235529902197, 0.003592128036572481,
    -0.0014558343870513183, 0.000590027440945586, -0.00023912911424355248,
    9.691537956929451e-05, -3.927832388331683e-05, 1.5918905069328964e-05};

static void tanh_n(double *out, const double *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double x = in[i], a = fabs(x);
        if (a < 0.35) {
            double u = x * x, p = tanh_series[12];
            for (int k = 11; k >= 0; k--)
                p = p * u + tanh_series[k];
            out[i] = x * p;
        } else {
            out[i] = copysign(1.0 - 2.0 / (exp(2.0 * a) + 1.0), x);
        }
    }
}

/* Batch rows per register block: 4 partial sums of 4 rows fill 8 SSE2 registers. The
 * chunk loops are unrolled by pragma: unrolled before the vectorizer runs, their sums stay
 * in registers (5% off predict()'s CPU time; without, they live on the stack). */
#define CHUNK 4

/* The dot products of w [C] with the nb <= CHUNK columns of x [C, B] (rows B apart); out[b]
 * gets the sum, or adds it when add. */
static inline void dot_cols(double *restrict out, const double *restrict w,
                            const double *restrict x, uint32_t C, size_t B, uint32_t nb, int add)
{
    double s0[CHUNK] = {0}, s1[CHUNK] = {0}, s2[CHUNK] = {0}, s3[CHUNK] = {0};
    uint32_t i = 0;
    for (; i + 4 <= C; i += 4) {
        const double *x0 = x + i * B, *x1 = x0 + B, *x2 = x1 + B, *x3 = x2 + B;
#pragma GCC unroll 4
        for (uint32_t b = 0; b < nb; b++) {
            s0[b] += w[i] * x0[b];
            s1[b] += w[i + 1] * x1[b];
            s2[b] += w[i + 2] * x2[b];
            s3[b] += w[i + 3] * x3[b];
        }
    }
    for (; i < C; i++)
        for (uint32_t b = 0; b < nb; b++)
            s0[b] += w[i] * x[i * B + b];
    for (uint32_t b = 0; b < nb; b++) {
        double sum = (s0[b] + s1[b]) + (s2[b] + s3[b]);
        out[b] = add ? out[b] + sum : sum;
    }
}

/* out [R, B] = W [R, C] x [C, B], or out += W x (each dot product complete before it is
 * added) when add. */
static void matmul(double *restrict out, const double *restrict W, const double *restrict x,
                   uint32_t R, uint32_t C, uint32_t B, int add)
{
    for (uint32_t k = 0; k < R; k++) {
        double *o = out + (size_t)k * B;
        const double *w = W + (size_t)k * C;
        uint32_t b = 0;
        for (; b + CHUNK <= B; b += CHUNK) /* the constant count unrolls into registers */
            dot_cols(o + b, w, x + b, C, B, CHUNK, add);
        if (b < B)
            dot_cols(o + b, w, x + b, C, B, B - b, add);
    }
}

/* dx[j, b] += sum_k W[k, j] dy[k, b] over the R rows of W (k in order) for the nb <= CHUNK
 * columns b; w: W's column j (entries C apart). */
static inline void tdot_cols(double *restrict dx, const double *restrict w,
                             const double *restrict dy, uint32_t R, uint32_t C, size_t B,
                             uint32_t nb)
{
    double s[CHUNK];
    for (uint32_t b = 0; b < nb; b++)
        s[b] = dx[b];
    for (uint32_t k = 0; k < R; k++) {
        double wk = w[(size_t)k * C];
#pragma GCC unroll 4
        for (uint32_t b = 0; b < nb; b++)
            s[b] += dy[k * B + b] * wk;
    }
    for (uint32_t b = 0; b < nb; b++)
        dx[b] = s[b];
}

/* Given dy [R, B] = dL/d(W x): dx [C, B] += W^T dy. */
static void matmul_t(double *restrict dx, const double *restrict W, const double *restrict dy,
                     uint32_t R, uint32_t C, uint32_t B)
{
    for (uint32_t j = 0; j < C; j++) {
        double *o = dx + (size_t)j * B;
        uint32_t b = 0;
        for (; b + CHUNK <= B; b += CHUNK)
            tdot_cols(o + b, W + j, dy + b, R, C, B, CHUNK);
        if (b < B)
            tdot_cols(o + b, W + j, dy + b, R, C, B, B - b);
    }
}

/* dW [R, C] += dy [R, B] x [C, B]^T, each entry adding the batch rows' terms in row order (a
 * sum along the batch: it does not vectorize, and is needed in training only). */
static void outer_add(double *restrict dW, const double *restrict dy, const double *restrict x,
                      uint32_t R, uint32_t C, uint32_t B)
{
    for (uint32_t k = 0; k < R; k++)
        for (uint32_t j = 0; j < C; j++) {
            double s = dW[(size_t)k * C + j];
            for (uint32_t b = 0; b < B; b++)
                s += dy[(size_t)k * B + b] * x[(size_t)j * B + b];
            dW[(size_t)k * C + j] = s;
        }
}

/*
 * One MTRNN step of B rows (pb_nn_mtrnn_forward's equations): h = (1 - 1/tau) h_prev +
 * (W_dd d_prev + W_zd z + W_hd d_top + b) / tau into h, summed as b + W_dd d_prev, then
 * + W_zd z, then + W_hd d_top; d = tanh(h) is left to the caller.
 */
static void cell(double *restrict h, const double *restrict h_prev,
                 const double *restrict d_prev, const double *restrict z,
                 const double *restrict d_top, const double *W_dd, const double *W_zd,
                 const double *W_hd, const double *bias, double tau, uint32_t B, uint32_t D,
                 uint32_t Z, uint32_t Dtop)
{
    double keep = 1.0 - 1.0 / tau;
    size_t n = (size_t)B * D;
    for (uint32_t i = 0; i < D; i++)
        for (uint32_t b = 0; b < B; b++)
            h[(size_t)i * B + b] = bias[i];
    matmul(h, W_dd, d_prev, D, D, B, 1);
    matmul(h, W_zd, z, D, Z, B, 1);
    if (d_top)
        matmul(h, W_hd, d_top, D, Dtop, B, 1);
    for (size_t i = 0; i < n; i++)
        h[i] = keep * h_prev[i] + h[i] / tau;
}

/* Its backward (pb_nn_mtrnn_backward's): with g = dh + dd (1 - d^2) and du = g / tau, adds
 * (1 - 1/tau) g to dh_prev and W^T du to dd_prev, dz, dd_top (each skipped when NULL); the
 * weight gradients du d_prev^T, du z^T, du d_top^T and du unless dW_dd is NULL. du: [D, B]
 * of scratch. */
static void cell_backward(double *restrict du, double *dh_prev, double *dd_prev, double *dz,
                          double *dd_top, double *dW_dd, double *dW_zd, double *dW_hd,
                          double *db, const double *dh, const double *dd, const double *d,
                          const double *d_prev, const double *z, const double *d_top,
                          const double *W_dd, const double *W_zd, const double *W_hd,
                          double tau, uint32_t B, uint32_t D, uint32_t Z, uint32_t Dtop)
{
    size_t n = (size_t)B * D;
    for (size_t i = 0; i < n; i++)
        du[i] = (dh[i] + dd[i] * (1.0 - d[i] * d[i])) / tau;
    if (dh_prev)
        for (size_t i = 0; i < n; i++)
            dh_prev[i] += (tau - 1.0) * du[i];
    if (dd_prev)
        matmul_t(dd_prev, W_dd, du, D, D, B);
    matmul_t(dz, W_zd, du, D, Z, B);
    if (dd_top)
        matmul_t(dd_top, W_hd, du, D, Dtop, B);
    if (dW_dd) {
        outer_add(dW_dd, du, d_prev, D, D, B);
        outer_add(dW_zd, du, z, D, Z, B);
        if (d_top)
            outer_add(dW_hd, du, d_top, D, Dtop, B);
        for (uint32_t i = 0; i < D; i++)
            for (uint32_t b = 0; b < B; b++)
                db[i] += du[(size_t)i * B + b];
    }
}

/* Row b's targets at step t, [X]. */
static inline const double *target(const double *x, size_t x_stride, uint32_t b, uint32_t t,
                                   uint32_t X)
{
    return x + b * x_stride + (size_t)t * X;
}

void pvrnn_forward(const pvrnn_model *m, const double *theta, double *a, const double *eps,
                   const double *s0, const uint8_t *init, uint32_t init_from, uint32_t B,
                   uint32_t T, double *pass)
{
    uint32_t L = m->layers;
    double *b0 = block(m, pass, B, -1);
    for (uint32_t l = 0; l < L; l++) {
        rec r = rec_of(m, b0, B, l);
        size_t n = (size_t)B * m->d[l];
        if (s0) {
            memcpy(r.h, s0 + (size_t)B * m->s_off[l], n * sizeof *r.h);
            memcpy(r.d, s0 + (size_t)B * m->s_off[l] + n, n * sizeof *r.d);
        } else {
            memset(r.h, 0, n * sizeof *r.h);
            memset(r.d, 0, n * sizeof *r.d);
        }
    }
    for (uint32_t t = 0; t < T; t++) {
        double *cur = block(m, pass, B, t), *prev = block(m, pass, B, (int64_t)t - 1);
        for (uint32_t l = L; l-- > 0;) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
            size_t nz = (size_t)B * Z;
            rec r = rec_of(m, cur, B, l), p = rec_of(m, prev, B, l);
            double *a_mu = a + ((size_t)t * m->sa + m->a_off[l]) * B, *a_ls = a_mu + nz;
            matmul(r.mu_p, theta + m->W_mu[l], p.d, Z, D, B, 0);
            matmul(r.ls_p, theta + m->W_sig[l], p.d, Z, D, B, 0);
            if (init && t >= init_from)
                for (uint32_t b = 0; b < B; b++)
                    if (init[b])
                        for (uint32_t i = 0; i < Z; i++) {
                            a_mu[(size_t)i * B + b] = r.mu_p[(size_t)i * B + b];
                            a_ls[(size_t)i * B + b] = r.ls_p[(size_t)i * B + b];
                        }
            tanh_n(r.mu_p, r.mu_p, nz);
            tanh_n(r.mu_q, a_mu, nz);
            memcpy(r.ls_q, a_ls, nz * sizeof *a);
            pb_nn_gauss_sample_forward(r.z, r.mu_q, r.ls_q,
                                       eps + ((size_t)t * m->sz + m->z_off[l]) * B, nz);
            cell(r.h, p.h, p.d, r.z, Dtop ? rec_of(m, cur, B, l + 1).d : NULL,
                 theta + m->W_dd[l], theta + m->W_zd[l], theta + m->W_hd[l], theta + m->b[l],
                 m->tau[l], B, D, Z, Dtop);
            tanh_n(r.d, r.h, (size_t)B * D);
        }
        double *y = cur + (size_t)B * m->c_y;
        matmul(y, theta + m->W_o, rec_of(m, cur, B, 0).d, m->x, m->d[0], B, 0);
        tanh_n(y, y, (size_t)B * m->x);
    }
}

double pvrnn_loss(const pvrnn_model *m, const double *pass, const double *x, size_t x_stride,
                  uint32_t B, uint32_t T, pvrnn_terms *terms)
{
    uint32_t L = m->layers, X = m->x;
    double rec_sum = 0.0, kl[PVRNN_MAX_LAYERS] = {0};
    for (uint32_t t = 0; t < T; t++) {
        double *cur = block(m, pass, B, t);
        for (uint32_t l = L; l-- > 0;) {
            uint32_t Z = m->z[l];
            rec r = rec_of(m, cur, B, l);
            double sum = 0.0; /* row by row, each row's units in order */
            for (uint32_t b = 0; b < B; b++)
                for (uint32_t i = 0; i < Z; i++) {
                    size_t k = (size_t)i * B + b;
                    sum += pb_nn_gauss_kl_forward(NULL, r.mu_q + k, r.ls_q + k, r.mu_p + k,
                                                  r.ls_p + k, 1);
                }
            kl[l] += sum / Z;
        }
        const double *y = cur + (size_t)B * m->c_y;
        if (x)
            for (uint32_t b = 0; b < B; b++) {
                const double *xt = target(x, x_stride, b, t, X);
                for (uint32_t i = 0; i < X; i++) {
                    double e = y[(size_t)i * B + b] - xt[i];
                    rec_sum += e * e;
                }
            }
    }
    double loss = rec_sum / (2.0 * X);
    if (terms)
        terms->rec = loss / B;
    for (uint32_t l = 0; l < L; l++) {
        loss += m->w[l] * kl[l];
        if (terms)
            terms->kl[l] = kl[l] / B;
    }
    return loss / B;
}

/*
 * Backward, step t from T-1 down to 0, layers bottom to top, so that every gradient of d^l_t
 * is complete before layer l's step: it gathers the output (l = 0), the layer below's
 * top-down input (same step), and from step t+1 the recurrence, the leak (through h) and
 * the prior. Per layer, in reverse of the forward: the MTRNN step, the sample, the KL,
 * then q's tanh into the A gradient and p's tanh and matrices into d_{t-1}. Without
 * gtheta no weight gradient is formed at all.
 */
void pvrnn_backward(const pvrnn_model *m, const double *theta, const double *eps,
                    const double *x, size_t x_stride, uint32_t B, uint32_t T, int rows_apart,
                    const double *pass, double *gtheta, double *ga, double *work)
{
    uint32_t L = m->layers, X = m->x;
    size_t zmax = (size_t)B * max_z(m);
    double *gt = gtheta; /* NULL: no weight gradients */
    double *dd_cur = work, *dh_cur = dd_cur + (size_t)B * m->ss / 2,
           *dd_nxt = dh_cur + (size_t)B * m->ss / 2, *dh_nxt = dd_nxt + (size_t)B * m->ss / 2;
    double *dz = dh_nxt + (size_t)B * m->ss / 2, *dmu_q = dz + zmax, *dls_q = dmu_q + zmax,
           *dmu_p = dls_q + zmax, *dls_p = dmu_p + zmax, *dy = dls_p + zmax,
           *du = dy + (size_t)B * X;
    size_t half = (size_t)B * m->ss / 2; /* B sum D: one of dd, dh over all layers */
    memset(dd_cur, 0, 4 * half * sizeof *dd_cur);
    size_t l_off[PVRNN_MAX_LAYERS]; /* layer l's [D_l, B] within a dd or dh array */
    for (uint32_t l = 0; l < L; l++)
        l_off[l] = (size_t)B * m->s_off[l] / 2;
    double per = rows_apart ? 1.0 : (double)B; /* the loss is the mean over per rows */

    for (uint32_t t = T; t-- > 0;) {
        double *cur = block(m, pass, B, t), *prev = block(m, pass, B, (int64_t)t - 1);
        const double *y = cur + (size_t)B * m->c_y;
        const double *d0 = rec_of(m, cur, B, 0).d;
        if (x) {
            double scale = 1.0 / ((double)X * per);
            for (uint32_t b = 0; b < B; b++) {
                const double *xt = target(x, x_stride, b, t, X);
                for (uint32_t i = 0; i < X; i++) {
                    double yi = y[(size_t)i * B + b];
                    dy[(size_t)i * B + b] = scale * (yi - xt[i]) * (1.0 - yi * yi);
                }
            }
            matmul_t(dd_cur + l_off[0], theta + m->W_o, dy, X, m->d[0], B);
            if (gt)
                outer_add(gt + m->W_o, dy, d0, X, m->d[0], B);
        }
        for (uint32_t l = 0; l < L; l++) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
            size_t nz = (size_t)B * Z;
            rec r = rec_of(m, cur, B, l), p = rec_of(m, prev, B, l);
            const double *d_top = Dtop ? rec_of(m, cur, B, l + 1).d : NULL;
            const double *eps_l = eps + ((size_t)t * m->sz + m->z_off[l]) * B;
            double *ddp = t ? dd_nxt + l_off[l] : NULL, *dhp = t ? dh_nxt + l_off[l] : NULL;
            memset(dz, 0, 5 * zmax * sizeof *dz);
            cell_backward(du, dhp, ddp, dz, Dtop ? dd_cur + l_off[l + 1] : NULL,
                          gt ? gt + m->W_dd[l] : NULL, gt ? gt + m->W_zd[l] : NULL,
                          gt ? gt + m->W_hd[l] : NULL, gt ? gt + m->b[l] : NULL,
                          dh_cur + l_off[l], dd_cur + l_off[l], r.d, p.d, r.z, d_top,
                          theta + m->W_dd[l], theta + m->W_zd[l], theta + m->W_hd[l],
                          m->tau[l], B, D, Z, Dtop);
            pb_nn_gauss_sample_backward(dmu_q, dls_q, dz, r.ls_q, eps_l, nz);
            pb_nn_gauss_kl_backward(dmu_q, dls_q, dmu_p, dls_p, NULL, m->w[l] / ((double)Z * per),
                                    r.mu_q, r.ls_q, r.mu_p, r.ls_p, nz);
            double *ga_mu = ga + ((size_t)t * m->sa + m->a_off[l]) * B, *ga_ls = ga_mu + nz;
            for (size_t i = 0; i < nz; i++) {
                ga_mu[i] += dmu_q[i] * (1.0 - r.mu_q[i] * r.mu_q[i]);
                ga_ls[i] += dls_q[i];
                dmu_p[i] *= 1.0 - r.mu_p[i] * r.mu_p[i];
            }
            if (ddp) {
                matmul_t(ddp, theta + m->W_mu[l], dmu_p, Z, D, B);
                matmul_t(ddp, theta + m->W_sig[l], dls_p, Z, D, B);
            }
            if (gt) {
                outer_add(gt + m->W_mu[l], dmu_p, p.d, Z, D, B);
                outer_add(gt + m->W_sig[l], dls_p, p.d, Z, D, B);
            }
        }
        double *swap = dd_cur;
        dd_cur = dd_nxt, dd_nxt = swap;
        swap = dh_cur, dh_cur = dh_nxt, dh_nxt = swap;
        memset(dd_nxt, 0, half * sizeof *dd_nxt);
        memset(dh_nxt, 0, half * sizeof *dh_nxt);
    }
}

void pvrnn_pass_state(const pvrnn_model *m, const double *pass, uint32_t B, int64_t t,
                      double *s)
{
    double *blk = block(m, pass, B, t);
    for (uint32_t l = 0; l < m->layers; l++) {
        rec r = rec_of(m, blk, B, l);
        size_t n = (size_t)B * m->d[l];
        memcpy(s + (size_t)B * m->s_off[l], r.h, n * sizeof *s);
        memcpy(s + (size_t)B * m->s_off[l] + n, r.d, n * sizeof *s);
    }
}

pvrnn_record pvrnn_pass_record(const pvrnn_model *m, const double *pass, uint32_t B, int64_t t,
                               uint32_t l)
{
    rec r = rec_of(m, block(m, pass, B, t), B, l);
    return (pvrnn_record){r.h, r.d, r.z, r.mu_q, r.ls_q, r.mu_p, r.ls_p};
}

const double *pvrnn_pass_y(const pvrnn_model *m, const double *pass, uint32_t B, uint32_t t)
{
    return block(m, pass, B, t) + (size_t)B * m->c_y;
}


void pvrnn_prior_step(const pvrnn_model *m, const double *theta, double *s, const double *eps,
                      uint32_t B, double *y, double *sigma, double *work)
{
    uint32_t L = m->layers;
    size_t zmax = (size_t)B * max_z(m);
    double *ns = work, *mu = ns + (size_t)B * m->ss, *ls = mu + zmax, *z = ls + zmax;
    for (uint32_t l = L; l-- > 0;) {
        uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
        size_t nz = (size_t)B * Z, nd = (size_t)B * D;
        const double *hp = s + (size_t)B * m->s_off[l], *dp = hp + nd;
        double *h = ns + (size_t)B * m->s_off[l], *d = h + nd;
        matmul(mu, theta + m->W_mu[l], dp, Z, D, B, 0);
        tanh_n(mu, mu, nz);
        if (eps || sigma)
            matmul(ls, theta + m->W_sig[l], dp, Z, D, B, 0);
        if (sigma)
            for (size_t i = 0; i < nz; i++)
                sigma[(size_t)B * m->z_off[l] + i] = exp(ls[i]);
        if (eps)
            pb_nn_gauss_sample_forward(z, mu, ls, eps + (size_t)B * m->z_off[l], nz);
        else
            memcpy(z, mu, nz * sizeof *z);
        const double *d_top = Dtop ? ns + (size_t)B * (m->s_off[l + 1] + m->d[l + 1]) : NULL;
        cell(h, hp, dp, z, d_top, theta + m->W_dd[l], theta + m->W_zd[l], theta + m->W_hd[l],
             theta + m->b[l], m->tau[l], B, D, Z, Dtop);
        tanh_n(d, h, nd);
    }
    memcpy(s, ns, (size_t)B * m->ss * sizeof *s);
    const double *d0 = s + (size_t)B * m->s_off[0] + (size_t)B * m->d[0];
    matmul(y, theta + m->W_o, d0, m->x, m->d[0], B, 0);
    tanh_n(y, y, (size_t)B * m->x);
}
