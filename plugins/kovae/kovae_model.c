/*
 * The KoVAE network's forward and backward (kovae_model.h), from the nn kit's layers.
 */
#include <math.h>
#include <string.h>

#include <plugbench/nn.h>

#include "kovae_model.h"

void kovae_model_init(kovae_model *m, uint32_t X, uint32_t H, uint32_t Z, uint32_t L)
{
    memset(m, 0, sizeof *m);
    m->X = X, m->H = H, m->Z = Z, m->L = L;
    m->enc = (pb_nn_gru){.in = X, .hidden = H, .layers = L, .directions = 2};
    m->dec = (pb_nn_gru){.in = Z, .hidden = H, .layers = L, .directions = 2};
    size_t o = 0, H2 = 2 * (size_t)H;
    m->enc_p = o, o += pb_nn_gru_param_count(&m->enc);
    m->bn_gamma = o, o += H2;
    m->bn_beta = o, o += H2;
    m->mu_W = o, o += (size_t)Z * H2;
    m->mu_b = o, o += Z;
    m->lv_W = o, o += (size_t)Z * H2;
    m->lv_b = o, o += Z;
    m->pc_Wih = o, o += (size_t)3 * H * Z;
    m->pc_Whh = o, o += (size_t)3 * H * H;
    m->pc_bih = o, o += (size_t)3 * H;
    m->pc_bhh = o, o += (size_t)3 * H;
    m->pm_W = o, o += (size_t)Z * H;
    m->pm_b = o, o += Z;
    m->pl_W = o, o += (size_t)Z * H;
    m->pl_b = o, o += Z;
    m->dec_p = o, o += pb_nn_gru_param_count(&m->dec);
    m->out_W = o, o += (size_t)X * H2;
    m->out_b = o, o += X;
    m->n_params = o;
}

static void uniform(double *p, size_t n, double k, pb_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = pb_rng_uniform_in(rng, -k, k);
}

void kovae_model_init_params(const kovae_model *m, double *p, pb_rng *rng)
{
    double kh = 1.0 / sqrt((double)m->H), k2h = 1.0 / sqrt(2.0 * m->H);
    uniform(p + m->enc_p, m->bn_gamma - m->enc_p, kh, rng);
    for (size_t i = 0; i < 2 * (size_t)m->H; i++)
        p[m->bn_gamma + i] = 1.0, p[m->bn_beta + i] = 0.0;
    uniform(p + m->mu_W, m->pc_Wih - m->mu_W, k2h, rng);  /* both posterior linears */
    uniform(p + m->pc_Wih, m->dec_p - m->pc_Wih, kh, rng); /* the cell and its linears */
    uniform(p + m->dec_p, m->out_W - m->dec_p, kh, rng);
    uniform(p + m->out_W, m->n_params - m->out_W, k2h, rng);
}

/* The pass's arrays, one after another: their total in doubles; when block is not NULL,
 * points s's arrays into it. */
static size_t layout(kovae_pass *s, const kovae_model *m, uint32_t T, uint32_t B, double *block)
{
    size_t TB = (size_t)T * B, H2 = 2 * (size_t)m->H, Z = m->Z, X = m->X, H = m->H;
    size_t N = (size_t)(T - 1) * B, ew = pb_nn_gru_work_size(&m->enc, T, B),
           dw = pb_nn_gru_work_size(&m->dec, T, B);
    struct {
        double **p;
        size_t n;
    } a[] = {
        {&s->enc_out, TB * H2}, {&s->enc_cache, pb_nn_gru_cache_size(&m->enc, T, B)},
        {&s->bn_out, TB * H2}, {&s->bn_cache, PB_NN_BATCHNORM_CACHE(TB, H2)},
        {&s->mu_q, TB * Z}, {&s->lv_q, TB * Z}, {&s->ls_q, TB * Z}, {&s->z_q, TB * Z},
        {&s->g, (TB + B) * H}, {&s->cell_cache, (size_t)T * PB_NN_GRU_CELL_CACHE(B, H)},
        {&s->zp, (TB + B) * Z}, {&s->mu_p, TB * Z}, {&s->lv_p, TB * Z}, {&s->ls_p, TB * Z},
        {&s->dec_out, TB * H2}, {&s->dec_cache, pb_nn_gru_cache_size(&m->dec, T, B)},
        {&s->y, TB * X}, {&s->xhat, TB * X},
        {&s->C, Z * Z}, {&s->lsq_cache, PB_NN_LSTSQ_CACHE(Z)}, {&s->P, N * Z},
        {&s->gru_work, ew > dw ? ew : dw}, {&s->cell_work, PB_NN_GRU_CELL_WORK(B, H)},
        {&s->lsq_work, PB_NN_LSTSQ_WORK(N, Z)},
        {&s->d_xhat, TB * X}, {&s->d_dec_out, TB * H2}, {&s->d_zq, TB * Z},
        {&s->d_mu_q, TB * Z}, {&s->d_ls_q, TB * Z}, {&s->d_bn, TB * H2}, {&s->d_enc, TB * H2},
        {&s->d_g, (TB + B) * H}, {&s->d_zp, (TB + B) * Z}, {&s->d_mu_p, TB * Z},
        {&s->d_ls_p, TB * Z}, {&s->d_P, N * Z}, {&s->d_C, Z * Z},
    };
    size_t total = 0;
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) {
        if (block)
            *a[i].p = block + total;
        total += a[i].n;
    }
    return total;
}

size_t kovae_pass_size(const kovae_model *m, uint32_t T, uint32_t Bmax)
{
    kovae_pass unused;
    return layout(&unused, m, T, Bmax, NULL);
}

void kovae_pass_init(kovae_pass *s, const kovae_model *m, uint32_t T, uint32_t Bmax,
                     double *block)
{
    memset(s, 0, sizeof *s);
    s->T = T, s->Bmax = Bmax;
    layout(s, m, T, Bmax, block);
}

/* out = 0.5 in over n values (log-variance to log-sigma, or their gradients back). */
static void halve(double *out, const double *in, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = 0.5 * in[i];
}

/* The prior from zero over T steps with noise eps_p: g, zp, mu_p, lv_p, ls_p, caches. */
static void prior_forward(const kovae_model *m, const double *p, kovae_pass *s,
                          const double *eps_p, uint32_t B)
{
    size_t H = m->H, Z = m->Z, BH = B * H, BZ = B * Z;
    memset(s->g, 0, BH * sizeof *s->g);
    memset(s->zp, 0, BZ * sizeof *s->zp);
    for (uint32_t t = 0; t < s->T; t++) {
        double *g = s->g + (t + 1) * BH;
        pb_nn_gru_cell_forward(g, s->cell_cache + t * PB_NN_GRU_CELL_CACHE(B, H), s->zp + t * BZ,
                               s->g + t * BH, p + m->pc_Wih, p + m->pc_Whh, p + m->pc_bih,
                               p + m->pc_bhh, B, m->Z, m->H);
        pb_nn_dense_forward(s->mu_p + t * BZ, g, p + m->pm_W, p + m->pm_b, B, m->H, m->Z);
        pb_nn_dense_forward(s->lv_p + t * BZ, g, p + m->pl_W, p + m->pl_b, B, m->H, m->Z);
        halve(s->ls_p + t * BZ, s->lv_p + t * BZ, BZ);
        pb_nn_gauss_sample_forward(s->zp + (t + 1) * BZ, s->mu_p + t * BZ, s->ls_p + t * BZ,
                                   eps_p + t * BZ, BZ);
    }
}

/* The decoder on z[T,B,Z]: dec_out, y, xhat. */
static void decode(const kovae_model *m, const double *p, kovae_pass *s, const double *z,
                   uint32_t B)
{
    uint32_t TB = s->T * B;
    pb_nn_gru_forward(s->dec_out, NULL, s->dec_cache, &m->dec, p + m->dec_p, z, NULL, s->T, B);
    pb_nn_dense_forward(s->y, s->dec_out, p + m->out_W, p + m->out_b, TB, 2 * m->H, m->X);
    pb_nn_sigmoid_forward(s->xhat, s->y, (uint64_t)TB * m->X);
}

double kovae_forward(const kovae_model *m, const double *p, kovae_pass *s,
                     double *running_mean, double *running_var, const double *eps_q,
                     const double *eps_p, uint32_t B, double w_kl, double w_pred,
                     kovae_terms *terms)
{
    uint32_t T = s->T, TB = T * B, H2 = 2 * m->H, Z = m->Z;
    size_t nz = (size_t)TB * Z;
    s->B = B;
    pb_nn_gru_forward(s->enc_out, NULL, s->enc_cache, &m->enc, p + m->enc_p, s->x, NULL, T, B);
    pb_nn_batchnorm_forward(s->bn_out, s->bn_cache, running_mean, running_var, s->enc_out,
                            p + m->bn_gamma, p + m->bn_beta, 1, TB, H2);
    pb_nn_dense_forward(s->mu_q, s->bn_out, p + m->mu_W, p + m->mu_b, TB, H2, Z);
    pb_nn_dense_forward(s->lv_q, s->bn_out, p + m->lv_W, p + m->lv_b, TB, H2, Z);
    halve(s->ls_q, s->lv_q, nz);
    pb_nn_gauss_sample_forward(s->z_q, s->mu_q, s->ls_q, eps_q, nz);
    prior_forward(m, p, s, eps_p, B);
    decode(m, p, s, s->z_q, B);

    double rec = 0.0;
    for (size_t i = 0; i < (size_t)TB * m->X; i++) {
        double e = s->xhat[i] - s->x[i];
        rec += e * e;
    }
    rec /= B;
    double kl = pb_nn_gauss_kl_forward(NULL, s->mu_q, s->ls_q, s->mu_p, s->ls_p, nz) / B;
    double pred = 0.0;
    if (w_pred != 0.0) {
        /* The authors' loop at num_steps = 1: F.mse_loss(Zp C, Zf) / ||Zp C||_F. */
        size_t N = (size_t)(T - 1) * B;
        const double *Zp = s->zp + (size_t)B * Z, *Zf = Zp + (size_t)B * Z;
        pb_nn_lstsq_forward(s->C, s->lsq_cache, Zp, Zf, s->lsq_work, (uint32_t)N, Z);
        double sse = 0.0, nn = 0.0;
        for (size_t r = 0; r < N; r++)
            for (uint32_t j = 0; j < Z; j++) {
                double v = 0.0;
                for (uint32_t i = 0; i < Z; i++)
                    v += Zp[r * Z + i] * s->C[i * Z + j];
                s->P[r * Z + j] = v;
                double e = v - Zf[r * Z + j];
                sse += e * e;
                nn += v * v;
            }
        s->pred_sse = sse;
        s->pred_norm = sqrt(nn);
        pred = sse / ((double)N * Z) / s->pred_norm;
    }
    double loss = rec + w_kl * kl + w_pred * pred;
    if (terms)
        *terms = (kovae_terms){.loss = loss, .rec = rec, .kl = kl, .pred = pred};
    return loss;
}

/* The least-squares term's gradient, w_pred L_pred, into d_zp (zeroed here first). */
static void pred_backward(const kovae_model *m, kovae_pass *s, double w_pred)
{
    uint32_t B = s->B, Z = m->Z;
    size_t N = (size_t)(s->T - 1) * B;
    memset(s->d_zp, 0, ((size_t)s->T + 1) * B * Z * sizeof *s->d_zp);
    if (w_pred == 0.0)
        return;
    const double *Zp = s->zp + (size_t)B * Z, *Zf = Zp + (size_t)B * Z;
    double *dZp = s->d_zp + (size_t)B * Z, *dZf = dZp + (size_t)B * Z;
    double n = s->pred_norm, a = w_pred / ((double)N * Z * n);
    double b = w_pred * s->pred_sse / ((double)N * Z * n * n * n);
    /* L = sse / (N Z n), n = ||P||: dL/dP = 2 (P - Zf) / (N Z n) - sse P / (N Z n^3). */
    for (size_t i = 0; i < N * Z; i++) {
        double e = s->P[i] - Zf[i];
        s->d_P[i] = 2.0 * a * e - b * s->P[i];
        dZf[i] -= 2.0 * a * e;
    }
    /* P = Zp C: dC = Zp^T dP, dZp += dP C^T. */
    memset(s->d_C, 0, (size_t)Z * Z * sizeof *s->d_C);
    for (size_t r = 0; r < N; r++)
        for (uint32_t i = 0; i < Z; i++) {
            double zi = Zp[r * Z + i], acc = 0.0;
            for (uint32_t j = 0; j < Z; j++) {
                s->d_C[i * Z + j] += zi * s->d_P[r * Z + j];
                acc += s->d_P[r * Z + j] * s->C[i * Z + j];
            }
            dZp[r * Z + i] += acc;
        }
    pb_nn_lstsq_backward(dZp, dZf, s->d_C, s->C, s->lsq_cache, Zp, Zf, s->lsq_work,
                         (uint32_t)N, Z);
}

void kovae_backward(const kovae_model *m, const double *p, kovae_pass *s,
                    const double *eps_q, const double *eps_p, double w_kl, double w_pred,
                    double *grad)
{
    uint32_t T = s->T, B = s->B, TB = T * B, H2 = 2 * m->H, Z = m->Z, H = m->H;
    size_t nz = (size_t)TB * Z, nx = (size_t)TB * m->X, BZ = (size_t)B * Z, BH = (size_t)B * H;
    pred_backward(m, s, w_pred);

    /* Reconstruction, through the decoder to z_q. */
    for (size_t i = 0; i < nx; i++)
        s->d_xhat[i] = 2.0 * (s->xhat[i] - s->x[i]) / B;
    memset(s->d_dec_out, 0, (size_t)TB * H2 * sizeof *s->d_dec_out);
    memset(s->d_zq, 0, nz * sizeof *s->d_zq);
    /* sigmoid backward in place: d_xhat becomes dL/dy */
    for (size_t i = 0; i < nx; i++)
        s->d_xhat[i] *= s->xhat[i] * (1.0 - s->xhat[i]);
    pb_nn_dense_backward(s->d_dec_out, grad + m->out_W, grad + m->out_b, s->d_xhat, s->dec_out,
                         p + m->out_W, TB, H2, m->X);
    pb_nn_gru_backward(s->d_zq, grad + m->dec_p, NULL, &m->dec, p + m->dec_p, s->d_dec_out,
                       NULL, s->dec_cache, s->z_q, s->gru_work, T, B);

    /* The posterior's sample and the KL. */
    memset(s->d_mu_q, 0, nz * sizeof *s->d_mu_q);
    memset(s->d_ls_q, 0, nz * sizeof *s->d_ls_q);
    memset(s->d_mu_p, 0, nz * sizeof *s->d_mu_p);
    memset(s->d_ls_p, 0, nz * sizeof *s->d_ls_p);
    pb_nn_gauss_sample_backward(s->d_mu_q, s->d_ls_q, s->d_zq, s->ls_q, eps_q, nz);
    pb_nn_gauss_kl_backward(s->d_mu_q, s->d_ls_q, s->d_mu_p, s->d_ls_p, NULL, w_kl / B, s->mu_q,
                            s->ls_q, s->mu_p, s->ls_p, nz);

    /* The encoder: the two linears (d_ls_q halved into dL/dlv_q), BatchNorm, the GRU. */
    halve(s->d_ls_q, s->d_ls_q, nz);
    memset(s->d_bn, 0, (size_t)TB * H2 * sizeof *s->d_bn);
    pb_nn_dense_backward(s->d_bn, grad + m->mu_W, grad + m->mu_b, s->d_mu_q, s->bn_out,
                         p + m->mu_W, TB, H2, Z);
    pb_nn_dense_backward(s->d_bn, grad + m->lv_W, grad + m->lv_b, s->d_ls_q, s->bn_out,
                         p + m->lv_W, TB, H2, Z);
    memset(s->d_enc, 0, (size_t)TB * H2 * sizeof *s->d_enc);
    pb_nn_batchnorm_backward(s->d_enc, grad + m->bn_gamma, grad + m->bn_beta, s->d_bn,
                             s->bn_cache, p + m->bn_gamma, 1, TB, H2);
    pb_nn_gru_backward(NULL, grad + m->enc_p, NULL, &m->enc, p + m->enc_p, s->d_enc, NULL,
                       s->enc_cache, s->x, s->gru_work, T, B);

    /* The prior, backwards in time: d_zp[t + 1] (zbar_t) is complete once step t + 1 is
     * done (its cell read zbar_t), and so is d_g[t + 1]. */
    memset(s->d_g, 0, ((size_t)TB + B) * H * sizeof *s->d_g);
    for (uint32_t t = T; t-- > 0;) {
        double *dmu = s->d_mu_p + t * BZ, *dls = s->d_ls_p + t * BZ;
        pb_nn_gauss_sample_backward(dmu, dls, s->d_zp + (t + 1) * BZ, s->ls_p + t * BZ,
                                    eps_p + t * BZ, BZ);
        halve(dls, dls, BZ);
        const double *g = s->g + (t + 1) * BH;
        double *dg = s->d_g + (t + 1) * BH;
        pb_nn_dense_backward(dg, grad + m->pm_W, grad + m->pm_b, dmu, g, p + m->pm_W, B, H, Z);
        pb_nn_dense_backward(dg, grad + m->pl_W, grad + m->pl_b, dls, g, p + m->pl_W, B, H, Z);
        pb_nn_gru_cell_backward(t > 0 ? s->d_zp + t * BZ : NULL, t > 0 ? s->d_g + t * BH : NULL,
                                grad + m->pc_Wih, grad + m->pc_Whh, grad + m->pc_bih,
                                grad + m->pc_bhh, dg,
                                s->cell_cache + t * PB_NN_GRU_CELL_CACHE(B, H), s->zp + t * BZ,
                                s->g + t * BH, p + m->pc_Wih, p + m->pc_Whh, s->cell_work, B, Z,
                                H);
    }
}

void kovae_generate(const kovae_model *m, const double *p, kovae_pass *s, const double *eps_p,
                    uint32_t B)
{
    s->B = B;
    prior_forward(m, p, s, eps_p, B);
    /* zp[1..T] are the samples zbar_0..T-1: the decoder's input [T,B,Z]. */
    decode(m, p, s, s->zp + (size_t)B * m->Z, B);
}
