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

static uint32_t max_d(const pvrnn_model *m)
{
    uint32_t d = 0;
    for (uint32_t l = 0; l < m->layers; l++)
        d = m->d[l] > d ? m->d[l] : d;
    return d;
}

/* The backward: a dummy weight gradient, dd and dh of this step and the previous one per
 * layer, six [B, Zmax] and one [B, Dmax] scratch arrays, dy. The prior step needs less. */
size_t pvrnn_work_size(const pvrnn_model *m, uint32_t B)
{
    return m->n_theta + (size_t)B * (2 * (size_t)m->ss + 6 * (size_t)max_z(m) + max_d(m) + m->x);
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
            pb_nn_dense_forward(r.mu_p, p.d, theta + m->W_mu[l], NULL, B, D, Z);
            pb_nn_dense_forward(r.ls_p, p.d, theta + m->W_sig[l], NULL, B, D, Z);
            double *a_mu = a + ((size_t)t * m->sa + m->a_off[l]) * B, *a_ls = a_mu + nz;
            if (init && t >= init_from)
                for (uint32_t b = 0; b < B; b++)
                    if (init[b]) {
                        memcpy(a_mu + (size_t)b * Z, r.mu_p + (size_t)b * Z, Z * sizeof *a);
                        memcpy(a_ls + (size_t)b * Z, r.ls_p + (size_t)b * Z, Z * sizeof *a);
                    }
            pb_nn_tanh_forward(r.mu_p, r.mu_p, nz);
            pb_nn_tanh_forward(r.mu_q, a_mu, nz);
            memcpy(r.ls_q, a_ls, nz * sizeof *a);
            pb_nn_gauss_sample_forward(r.z, r.mu_q, r.ls_q,
                                       eps + ((size_t)t * m->sz + m->z_off[l]) * B, nz);
            const double *d_top = Dtop ? rec_of(m, cur, B, l + 1).d : NULL;
            pb_nn_mtrnn_forward(r.h, r.d, p.h, p.d, r.z, d_top, theta + m->W_dd[l],
                                theta + m->W_zd[l], d_top ? theta + m->W_hd[l] : NULL,
                                theta + m->b[l], m->tau[l], B, D, Z, Dtop);
            kl[l] += pb_nn_gauss_kl_forward(NULL, r.mu_q, r.ls_q, r.mu_p, r.ls_p, nz) / Z;
        }
        double *y = cur + (size_t)B * m->c_y;
        pb_nn_dense_forward(y, rec_of(m, cur, B, 0).d, theta + m->W_o, NULL, B, m->d[0], X);
        pb_nn_tanh_forward(y, y, (size_t)B * X);
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
 * then q's tanh into the A gradient and p's tanh and dense layers into d_{t-1}.
 */
void pvrnn_backward(const pvrnn_model *m, const double *theta, const double *eps,
                    const double *x, size_t x_stride, uint32_t B, uint32_t T,
                    const double *pass, double *gtheta, double *ga, double *work)
{
    uint32_t L = m->layers, X = m->x;
    size_t zmax = (size_t)B * max_z(m);
    double *gt = gtheta ? gtheta : work;
    double *dd_cur = work + m->n_theta, *dh_cur = dd_cur + (size_t)B * m->ss / 2,
           *dd_nxt = dh_cur + (size_t)B * m->ss / 2, *dh_nxt = dd_nxt + (size_t)B * m->ss / 2;
    double *dz = dh_nxt + (size_t)B * m->ss / 2, *dmu_q = dz + zmax, *dls_q = dmu_q + zmax,
           *dmu_p = dls_q + zmax, *dls_p = dmu_p + zmax, *cell_work = dls_p + zmax,
           *dy = cell_work + (size_t)B * max_d(m);
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
            for (uint32_t b = 0; b < B; b++) {
                const double *xt = x + b * x_stride + (size_t)t * X;
                for (uint32_t i = 0; i < X; i++) {
                    double yi = y[(size_t)b * X + i];
                    dy[(size_t)b * X + i] = scale * (yi - xt[i]) * (1.0 - yi * yi);
                }
            }
            pb_nn_dense_backward(dd_cur + l_off[0], gt + m->W_o, NULL, dy, d0, theta + m->W_o, B,
                                 m->d[0], X);
        }
        for (uint32_t l = 0; l < L; l++) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
            size_t nz = (size_t)B * Z;
            rec r = rec_of(m, cur, B, l), p = rec_of(m, prev, B, l);
            const double *d_top = Dtop ? rec_of(m, cur, B, l + 1).d : NULL;
            const double *eps_l = eps + ((size_t)t * m->sz + m->z_off[l]) * B;
            memset(dz, 0, 5 * zmax * sizeof *dz);
            pb_nn_mtrnn_backward(t ? dh_nxt + l_off[l] : NULL, t ? dd_nxt + l_off[l] : NULL, dz,
                                 Dtop ? dd_cur + l_off[l + 1] : NULL, gt + m->W_dd[l],
                                 gt + m->W_zd[l], Dtop ? gt + m->W_hd[l] : NULL, gt + m->b[l],
                                 dh_cur + l_off[l], dd_cur + l_off[l], r.d, p.d, r.z, d_top,
                                 theta + m->W_dd[l], theta + m->W_zd[l],
                                 Dtop ? theta + m->W_hd[l] : NULL, m->tau[l], cell_work, B, D, Z,
                                 Dtop);
            pb_nn_gauss_sample_backward(dmu_q, dls_q, dz, r.ls_q, eps_l, nz);
            pb_nn_gauss_kl_backward(dmu_q, dls_q, dmu_p, dls_p, NULL, m->w[l] / ((double)Z * B),
                                    r.mu_q, r.ls_q, r.mu_p, r.ls_p, nz);
            double *ga_mu = ga + ((size_t)t * m->sa + m->a_off[l]) * B, *ga_ls = ga_mu + nz;
            for (size_t i = 0; i < nz; i++) {
                ga_mu[i] += dmu_q[i] * (1.0 - r.mu_q[i] * r.mu_q[i]);
                ga_ls[i] += dls_q[i];
                dmu_p[i] *= 1.0 - r.mu_p[i] * r.mu_p[i];
            }
            pb_nn_dense_backward(t ? dd_nxt + l_off[l] : NULL, gt + m->W_mu[l], NULL, dmu_p, p.d,
                                 theta + m->W_mu[l], B, D, Z);
            pb_nn_dense_backward(t ? dd_nxt + l_off[l] : NULL, gt + m->W_sig[l], NULL, dls_p,
                                 p.d, theta + m->W_sig[l], B, D, Z);
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

const double *pvrnn_pass_logsig_p(const pvrnn_model *m, const double *pass, uint32_t B,
                                  uint32_t t, uint32_t l)
{
    return rec_of(m, block(m, pass, B, t), B, l).ls_p;
}

const double *pvrnn_pass_y(const pvrnn_model *m, const double *pass, uint32_t B, uint32_t t)
{
    return block(m, pass, B, t) + (size_t)B * m->c_y;
}

void pvrnn_prior_step(const pvrnn_model *m, const double *theta, double *s, const double *eps,
                      uint32_t B, double *y, double *work)
{
    uint32_t L = m->layers;
    size_t zmax = (size_t)B * max_z(m);
    double *ns = work, *mu = ns + (size_t)B * m->ss, *ls = mu + zmax, *z = ls + zmax;
    for (uint32_t l = L; l-- > 0;) {
        uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < L ? m->d[l + 1] : 0;
        size_t nz = (size_t)B * Z, nd = (size_t)B * D;
        const double *hp = s + (size_t)B * m->s_off[l], *dp = hp + nd;
        double *h = ns + (size_t)B * m->s_off[l], *d = h + nd;
        pb_nn_dense_forward(mu, dp, theta + m->W_mu[l], NULL, B, D, Z);
        pb_nn_tanh_forward(mu, mu, nz);
        if (eps) {
            pb_nn_dense_forward(ls, dp, theta + m->W_sig[l], NULL, B, D, Z);
            pb_nn_gauss_sample_forward(z, mu, ls, eps + (size_t)B * m->z_off[l], nz);
        } else {
            memcpy(z, mu, nz * sizeof *z);
        }
        const double *d_top = Dtop ? ns + (size_t)B * (m->s_off[l + 1] + m->d[l + 1]) : NULL;
        pb_nn_mtrnn_forward(h, d, hp, dp, z, d_top, theta + m->W_dd[l], theta + m->W_zd[l],
                            d_top ? theta + m->W_hd[l] : NULL, theta + m->b[l], m->tau[l], B, D,
                            Z, Dtop);
    }
    memcpy(s, ns, (size_t)B * m->ss * sizeof *s);
    pb_nn_dense_forward(y, s + (size_t)B * m->s_off[0] + (size_t)B * m->d[0], theta + m->W_o,
                        NULL, B, m->d[0], m->x);
    pb_nn_tanh_forward(y, y, (size_t)B * m->x);
}
