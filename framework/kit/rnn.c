/*
 * The MTRNN cell and the Gaussian latent pieces of PV-RNN-like models, as forward/backward
 * pairs; see plugbench/rnn.h. (The GRU is in gru.c.)
 */
#include "plugbench/nn.h"
#include "plugbench/rnn.h"

#include <assert.h>
#include <math.h>

/*
 * MTRNN step, with u = W_dd d_{t-1} + W_zd z_t + W_hd d^{l+1}_t + b:
 *
 *   forward                                   backward, given dh = dL/dh_t, dd = dL/dd_t
 *   h_t = (1 - 1/tau) h_{t-1} + u / tau       g  = dh + dd o (1 - d_t^2)   (all of dL/dh_t)
 *   d_t = tanh(h_t)                           dh_{t-1} += (1 - 1/tau) g
 *                                             du = g / tau, then the dense backwards of u's
 *                                             three terms.
 * The forward builds u in h, using d as scratch for each dense term before d gets tanh(h).
 */
void pb_nn_mtrnn_forward(double *h, double *d, const double *h_prev, const double *d_prev,
                         const double *z, const double *d_top, const double *W_dd,
                         const double *W_zd, const double *W_hd, const double *b, double tau,
                         uint32_t B, uint32_t D, uint32_t Z, uint32_t Dtop)
{
    assert(tau >= 1.0 && h != h_prev && d != d_prev && d != z && d != d_top);
    size_t n = (size_t)B * D;
    pb_nn_dense_forward(h, d_prev, W_dd, b, B, D, D);
    if (z) {
        pb_nn_dense_forward(d, z, W_zd, NULL, B, Z, D);
        for (size_t i = 0; i < n; i++)
            h[i] += d[i];
    }
    if (d_top) {
        pb_nn_dense_forward(d, d_top, W_hd, NULL, B, Dtop, D);
        for (size_t i = 0; i < n; i++)
            h[i] += d[i];
    }
    double keep = 1.0 - 1.0 / tau;
    for (size_t i = 0; i < n; i++)
        h[i] = keep * h_prev[i] + h[i] / tau;
    pb_nn_tanh_forward(d, h, n);
}

void pb_nn_mtrnn_backward(double *dh_prev, double *dd_prev, double *dz, double *dd_top,
                          double *dW_dd, double *dW_zd, double *dW_hd, double *db,
                          const double *dh, const double *dd, const double *d,
                          const double *d_prev, const double *z, const double *d_top,
                          const double *W_dd, const double *W_zd, const double *W_hd,
                          double tau, double *work, uint32_t B, uint32_t D, uint32_t Z,
                          uint32_t Dtop)
{
    size_t n = (size_t)B * D;
    double *du = work;
    for (size_t i = 0; i < n; i++) {
        double g = (dh ? dh[i] : 0.0) + (dd ? dd[i] * (1.0 - d[i] * d[i]) : 0.0);
        du[i] = g / tau;
        if (dh_prev)
            dh_prev[i] += (tau - 1.0) * du[i]; /* (1 - 1/tau) g */
    }
    pb_nn_dense_backward(dd_prev, dW_dd, db, du, d_prev, W_dd, B, D, D);
    if (z)
        pb_nn_dense_backward(dz, dW_zd, NULL, du, z, W_zd, B, Z, D);
    if (d_top)
        pb_nn_dense_backward(dd_top, dW_hd, NULL, du, d_top, W_hd, B, Dtop, D);
}

/*
 * KL of diagonal Gaussians, with s = log sigma and the variance ratio
 * rho = sigma_q^2 / sigma_p^2 = exp(2 (s_q - s_p)), e = mu_q - mu_p:
 *   kl = s_p - s_q + (rho + e^2 / sigma_p^2) / 2 - 1/2
 *   dkl/dmu_q = e / sigma_p^2 = -dkl/dmu_p
 *   dkl/ds_q  = rho - 1
 *   dkl/ds_p  = 1 - rho - e^2 / sigma_p^2
 */
double pb_nn_gauss_kl_forward(double *kl, const double *mu_q, const double *logsig_q,
                              const double *mu_p, const double *logsig_p, uint64_t n)
{
    double sum = 0.0;
    for (uint64_t i = 0; i < n; i++) {
        double e = mu_q[i] - mu_p[i];
        double rho = exp(2.0 * (logsig_q[i] - logsig_p[i]));
        double k = logsig_p[i] - logsig_q[i] + 0.5 * (rho + e * e * exp(-2.0 * logsig_p[i])) - 0.5;
        if (kl)
            kl[i] = k;
        sum += k;
    }
    return sum;
}

void pb_nn_gauss_kl_backward(double *dmu_q, double *dlogsig_q, double *dmu_p, double *dlogsig_p,
                             const double *dkl, double scale, const double *mu_q,
                             const double *logsig_q, const double *mu_p, const double *logsig_p,
                             uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        double up = dkl ? scale * dkl[i] : scale;
        double e = mu_q[i] - mu_p[i];
        double inv_vp = exp(-2.0 * logsig_p[i]);
        double rho = exp(2.0 * (logsig_q[i] - logsig_p[i]));
        if (dmu_q)
            dmu_q[i] += up * e * inv_vp;
        if (dmu_p)
            dmu_p[i] -= up * e * inv_vp;
        if (dlogsig_q)
            dlogsig_q[i] += up * (rho - 1.0);
        if (dlogsig_p)
            dlogsig_p[i] += up * (1.0 - rho - e * e * inv_vp);
    }
}

/* Against N(0, 1): kl = -s + (exp(2 s) + mu^2) / 2 - 1/2; dkl/dmu = mu, dkl/ds = exp(2 s) - 1. */
double pb_nn_gauss_kl_std_forward(double *kl, const double *mu_q, const double *logsig_q,
                                  uint64_t n)
{
    double sum = 0.0;
    for (uint64_t i = 0; i < n; i++) {
        double k = -logsig_q[i] + 0.5 * (exp(2.0 * logsig_q[i]) + mu_q[i] * mu_q[i]) - 0.5;
        if (kl)
            kl[i] = k;
        sum += k;
    }
    return sum;
}

void pb_nn_gauss_kl_std_backward(double *dmu_q, double *dlogsig_q, const double *dkl,
                                 double scale, const double *mu_q, const double *logsig_q,
                                 uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        double up = dkl ? scale * dkl[i] : scale;
        if (dmu_q)
            dmu_q[i] += up * mu_q[i];
        if (dlogsig_q)
            dlogsig_q[i] += up * (exp(2.0 * logsig_q[i]) - 1.0);
    }
}

/* z = mu + exp(s) eps: dz/dmu = 1, dz/ds = exp(s) eps. */
void pb_nn_gauss_sample_forward(double *z, const double *mu, const double *logsig,
                                const double *eps, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        z[i] = mu[i] + exp(logsig[i]) * eps[i];
}

void pb_nn_gauss_sample_backward(double *dmu, double *dlogsig, const double *dz,
                                 const double *logsig, const double *eps, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        if (dmu)
            dmu[i] += dz[i];
        if (dlogsig)
            dlogsig[i] += dz[i] * exp(logsig[i]) * eps[i];
    }
}
