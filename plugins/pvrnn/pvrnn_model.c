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

/* The backward: dd and dh of this step and the previous one per layer, five [B, Zmax]
 * arrays, one row's dy and one row's du of a layer (at most sum D = ss / 2). The prior
 * step needs less. */
size_t pvrnn_work_size(const pvrnn_model *m, uint32_t B)
{
    return (size_t)B * (2 * (size_t)m->ss + 5 * (size_t)max_z(m)) + m->x + m->ss / 2;
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

/* Layer l's records within a step block: h, d ([B, D]), then z, mu_q, ls_q, mu_p, ls_p. */
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
 * The matrix products. The network's matrices are small (tens of units) and the error
 * regression runs one sequence at a time, where a BLAS call costs more than its product; so
 * each batch row is done by hand, in the two forms that keep memory contiguous: a dot
 * product with a weight row (forward), and y += a x along a weight row (the backward's input
 * and weight gradients). The Gaussian sample and KL are the nn kit's; the kernels' results
 * are those of its dense and MTRNN layers up to rounding (checked in
 * tests/test_pvrnn_grad.c).
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

static inline double dot(const double *a, const double *b, uint32_t n)
{
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    uint32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

static inline void axpy(double *restrict y, double a, const double *restrict x, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        y[i] += a * x[i];
}

/* out[k] = W[k,:] . x for the R rows of W[R, C]. */
static inline void matvec(double *restrict out, const double *restrict W,
                          const double *restrict x, uint32_t R, uint32_t C)
{
    for (uint32_t k = 0; k < R; k++)
        out[k] = dot(W + (size_t)k * C, x, C);
}

/* Given dy [R] = dL/d(W x): dx += W^T dy, and dW += dy x^T unless dW is NULL. */
static inline void matvec_backward(double *restrict dx, double *restrict dW,
                                   const double *restrict dy, const double *restrict W,
                                   const double *restrict x, uint32_t R, uint32_t C)
{
    for (uint32_t k = 0; k < R; k++) {
        if (dx)
            axpy(dx, dy[k], W + (size_t)k * C, C);
        if (dW)
            axpy(dW + (size_t)k * C, dy[k], x, C);
    }
}

/*
 * One MTRNN step of one row (pb_nn_mtrnn_forward's equations): h = (1 - 1/tau) h_prev +
 * (W_dd d_prev + W_zd z + W_hd d_top + b) / tau into h; d = tanh(h) is left to the caller.
 */
static inline void cell_row(double *restrict h, const double *restrict h_prev,
                            const double *restrict d_prev, const double *restrict z,
                            const double *restrict d_top, const double *W_dd, const double *W_zd,
                            const double *W_hd, const double *bias, double tau, uint32_t D,
                            uint32_t Z, uint32_t Dtop)
{
    double keep = 1.0 - 1.0 / tau;
    for (uint32_t i = 0; i < D; i++) {
        double u = bias[i] + dot(W_dd + (size_t)i * D, d_prev, D) + dot(W_zd + (size_t)i * Z, z, Z);
        if (d_top)
            u += dot(W_hd + (size_t)i * Dtop, d_top, Dtop);
        h[i] = u;
    }
    /* The divisions in a loop of their own, where they pipeline (vector divisions) instead
     * of each waiting for its row's products. */
    for (uint32_t i = 0; i < D; i++)
        h[i] = keep * h_prev[i] + h[i] / tau;
}

/* Its backward (pb_nn_mtrnn_backward's): with g = dh + dd (1 - d^2) and du = g / tau, adds
 * (1 - 1/tau) g to dh_prev and W^T du to dd_prev, dz, dd_top (each skipped when NULL); the
 * weight gradients du d_prev^T, du z^T, du d_top^T and du unless dW_dd is NULL. du_all: D
 * doubles of scratch for the du of every unit. */
static inline void cell_row_backward(double *restrict du_all, double *dh_prev, double *dd_prev,
                                     double *dz, double *dd_top, double *dW_dd, double *dW_zd,
                                     double *dW_hd, double *db,
                                     const double *dh, const double *dd, const double *d,
                                     const double *d_prev, const double *z, const double *d_top,
                                     const double *W_dd, const double *W_zd, const double *W_hd,
                                     double tau, uint32_t D, uint32_t Z, uint32_t Dtop)
{
    for (uint32_t i = 0; i < D; i++) /* apart, as cell_row's divisions */
        du_all[i] = (dh[i] + dd[i] * (1.0 - d[i] * d[i])) / tau;
    for (uint32_t i = 0; i < D; i++) {
        double du = du_all[i];
        if (du == 0.0)
            continue;
        if (dh_prev)
            dh_prev[i] += (tau - 1.0) * du;
        if (dd_prev)
            axpy(dd_prev, du, W_dd + (size_t)i * D, D);
        axpy(dz, du, W_zd + (size_t)i * Z, Z);
        if (dd_top)
            axpy(dd_top, du, W_hd + (size_t)i * Dtop, Dtop);
        if (dW_dd) {
            axpy(dW_dd + (size_t)i * D, du, d_prev, D);
            axpy(dW_zd + (size_t)i * Z, du, z, Z);
            if (d_top)
                axpy(dW_hd + (size_t)i * Dtop, du, d_top, Dtop);
            db[i] += du;
        }
    }
}

double pvrnn_forward(const pvrnn_model *m, const double *theta, double *a, const double *eps,
                     const double *x, size_t x_stride, const double *s0, const uint8_t *init,
                     uint32_t init_from, uint32_t B, uint32_t T, double *pass,
                     pvrnn_terms *terms)
{
    uint32_t L = m->layers, X = m->x;
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
    double rec_sum = 0.0, kl[PVRNN_MAX_LAYERS] = {0};
    for (uint32_t t = 0; t < T; t++) {
        double *cur = block(m, pass, B, t), *prev = block(m, pass, B, (int64_t)t - 1);
        for (uint32_t l = L; l-- > 0;) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
            size_t nz = (size_t)B * Z;
            rec r = rec_of(m, cur, B, l), p = rec_of(m, prev, B, l);
            const double *W_mu = theta + m->W_mu[l], *W_sig = theta + m->W_sig[l];
            double *a_mu = a + ((size_t)t * m->sa + m->a_off[l]) * B, *a_ls = a_mu + nz;
            for (uint32_t b = 0; b < B; b++) {
                const double *dp = p.d + (size_t)b * D;
                matvec(r.mu_p + (size_t)b * Z, W_mu, dp, Z, D);
                matvec(r.ls_p + (size_t)b * Z, W_sig, dp, Z, D);
                if (init && t >= init_from && init[b]) {
                    memcpy(a_mu + (size_t)b * Z, r.mu_p + (size_t)b * Z, Z * sizeof *a);
                    memcpy(a_ls + (size_t)b * Z, r.ls_p + (size_t)b * Z, Z * sizeof *a);
                }
            }
            tanh_n(r.mu_p, r.mu_p, nz);
            tanh_n(r.mu_q, a_mu, nz);
            memcpy(r.ls_q, a_ls, nz * sizeof *a);
            pb_nn_gauss_sample_forward(r.z, r.mu_q, r.ls_q,
                                       eps + ((size_t)t * m->sz + m->z_off[l]) * B, nz);
            const double *d_top = Dtop ? rec_of(m, cur, B, l + 1).d : NULL;
            for (uint32_t b = 0; b < B; b++)
                cell_row(r.h + (size_t)b * D, p.h + (size_t)b * D, p.d + (size_t)b * D,
                         r.z + (size_t)b * Z, d_top ? d_top + (size_t)b * Dtop : NULL,
                         theta + m->W_dd[l], theta + m->W_zd[l], theta + m->W_hd[l],
                         theta + m->b[l], m->tau[l], D, Z, Dtop);
            tanh_n(r.d, r.h, (size_t)B * D);
            kl[l] += pb_nn_gauss_kl_forward(NULL, r.mu_q, r.ls_q, r.mu_p, r.ls_p, nz) / Z;
        }
        double *y = cur + (size_t)B * m->c_y;
        const double *d0 = rec_of(m, cur, B, 0).d;
        for (uint32_t b = 0; b < B; b++)
            matvec(y + (size_t)b * X, theta + m->W_o, d0 + (size_t)b * m->d[0], X, m->d[0]);
        tanh_n(y, y, (size_t)B * X);
        if (x)
            for (uint32_t b = 0; b < B; b++) {
                const double *xt = x + b * x_stride + (size_t)t * X;
                for (uint32_t i = 0; i < X; i++) {
                    double e = y[(size_t)b * X + i] - xt[i];
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
                    const double *x, size_t x_stride, uint32_t B, uint32_t T,
                    const double *pass, double *gtheta, double *ga, double *work)
{
    uint32_t L = m->layers, X = m->x;
    size_t zmax = (size_t)B * max_z(m);
    double *gt = gtheta; /* NULL: no weight gradients */
    double *dd_cur = work, *dh_cur = dd_cur + (size_t)B * m->ss / 2,
           *dd_nxt = dh_cur + (size_t)B * m->ss / 2, *dh_nxt = dd_nxt + (size_t)B * m->ss / 2;
    double *dz = dh_nxt + (size_t)B * m->ss / 2, *dmu_q = dz + zmax, *dls_q = dmu_q + zmax,
           *dmu_p = dls_q + zmax, *dls_p = dmu_p + zmax, *dy = dls_p + zmax, *du = dy + X;
    size_t half = (size_t)B * m->ss / 2; /* B sum D: one of dd, dh over all layers */
    memset(dd_cur, 0, 4 * half * sizeof *dd_cur);
    size_t l_off[PVRNN_MAX_LAYERS]; /* layer l's [B, D_l] within a dd or dh array */
    for (uint32_t l = 0; l < L; l++)
        l_off[l] = (size_t)B * m->s_off[l] / 2;

    for (uint32_t t = T; t-- > 0;) {
        double *cur = block(m, pass, B, t), *prev = block(m, pass, B, (int64_t)t - 1);
        const double *y = cur + (size_t)B * m->c_y;
        const double *d0 = rec_of(m, cur, B, 0).d;
        if (x) {
            double scale = 1.0 / ((double)X * B);
            uint32_t D0 = m->d[0];
            for (uint32_t b = 0; b < B; b++) {
                const double *xt = x + b * x_stride + (size_t)t * X;
                for (uint32_t i = 0; i < X; i++) {
                    double yi = y[(size_t)b * X + i];
                    dy[i] = scale * (yi - xt[i]) * (1.0 - yi * yi);
                }
                matvec_backward(dd_cur + l_off[0] + (size_t)b * D0, gt ? gt + m->W_o : NULL, dy,
                                theta + m->W_o, d0 + (size_t)b * D0, X, D0);
            }
        }
        for (uint32_t l = 0; l < L; l++) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
            size_t nz = (size_t)B * Z;
            rec r = rec_of(m, cur, B, l), p = rec_of(m, prev, B, l);
            const double *d_top = Dtop ? rec_of(m, cur, B, l + 1).d : NULL;
            const double *eps_l = eps + ((size_t)t * m->sz + m->z_off[l]) * B;
            double *dd = dd_cur + l_off[l], *dh = dh_cur + l_off[l];
            double *ddp = t ? dd_nxt + l_off[l] : NULL, *dhp = t ? dh_nxt + l_off[l] : NULL;
            memset(dz, 0, 5 * zmax * sizeof *dz);
            for (uint32_t b = 0; b < B; b++) {
                size_t bd = (size_t)b * D;
                cell_row_backward(du, dhp ? dhp + bd : NULL, ddp ? ddp + bd : NULL,
                                  dz + (size_t)b * Z,
                                  Dtop ? dd_cur + l_off[l + 1] + (size_t)b * Dtop : NULL,
                                  gt ? gt + m->W_dd[l] : NULL, gt ? gt + m->W_zd[l] : NULL,
                                  gt ? gt + m->W_hd[l] : NULL, gt ? gt + m->b[l] : NULL,
                                  dh + bd, dd + bd, r.d + bd, p.d + bd, r.z + (size_t)b * Z,
                                  d_top ? d_top + (size_t)b * Dtop : NULL, theta + m->W_dd[l],
                                  theta + m->W_zd[l], theta + m->W_hd[l], m->tau[l], D, Z, Dtop);
            }
            pb_nn_gauss_sample_backward(dmu_q, dls_q, dz, r.ls_q, eps_l, nz);
            pb_nn_gauss_kl_backward(dmu_q, dls_q, dmu_p, dls_p, NULL, m->w[l] / ((double)Z * B),
                                    r.mu_q, r.ls_q, r.mu_p, r.ls_p, nz);
            double *ga_mu = ga + ((size_t)t * m->sa + m->a_off[l]) * B, *ga_ls = ga_mu + nz;
            for (size_t i = 0; i < nz; i++) {
                ga_mu[i] += dmu_q[i] * (1.0 - r.mu_q[i] * r.mu_q[i]);
                ga_ls[i] += dls_q[i];
                dmu_p[i] *= 1.0 - r.mu_p[i] * r.mu_p[i];
            }
            if (ddp || gt)
                for (uint32_t b = 0; b < B; b++) {
                    const double *dp = p.d + (size_t)b * D;
                    matvec_backward(ddp ? ddp + (size_t)b * D : NULL, gt ? gt + m->W_mu[l] : NULL,
                                    dmu_p + (size_t)b * Z, theta + m->W_mu[l], dp, Z, D);
                    matvec_backward(ddp ? ddp + (size_t)b * D : NULL,
                                    gt ? gt + m->W_sig[l] : NULL, dls_p + (size_t)b * Z,
                                    theta + m->W_sig[l], dp, Z, D);
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
        for (uint32_t b = 0; b < B; b++)
            matvec(mu + (size_t)b * Z, theta + m->W_mu[l], dp + (size_t)b * D, Z, D);
        tanh_n(mu, mu, nz);
        if (eps || sigma)
            for (uint32_t b = 0; b < B; b++)
                matvec(ls + (size_t)b * Z, theta + m->W_sig[l], dp + (size_t)b * D, Z, D);
        if (sigma)
            for (size_t i = 0; i < nz; i++)
                sigma[(size_t)B * m->z_off[l] + i] = exp(ls[i]);
        if (eps)
            pb_nn_gauss_sample_forward(z, mu, ls, eps + (size_t)B * m->z_off[l], nz);
        else
            memcpy(z, mu, nz * sizeof *z);
        const double *d_top = Dtop ? ns + (size_t)B * (m->s_off[l + 1] + m->d[l + 1]) : NULL;
        for (uint32_t b = 0; b < B; b++)
            cell_row(h + (size_t)b * D, hp + (size_t)b * D, dp + (size_t)b * D, z + (size_t)b * Z,
                     d_top ? d_top + (size_t)b * Dtop : NULL, theta + m->W_dd[l],
                     theta + m->W_zd[l], theta + m->W_hd[l], theta + m->b[l], m->tau[l], D, Z,
                     Dtop);
        tanh_n(d, h, nd);
    }
    memcpy(s, ns, (size_t)B * m->ss * sizeof *s);
    const double *d0 = s + (size_t)B * m->s_off[0] + (size_t)B * m->d[0];
    for (uint32_t b = 0; b < B; b++)
        matvec(y + (size_t)b * m->x, theta + m->W_o, d0 + (size_t)b * m->d[0], m->x, m->d[0]);
    tanh_n(y, y, (size_t)B * m->x);
}
