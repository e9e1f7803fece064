/*
 * The KoVAE network (Naiman et al., ICLR 2024; azencot-group/KoVAE, models/kovae.py) as a
 * forward/backward pair over one minibatch, built from the nn kit's layers. Internal to the
 * kovae plugin folder (the plugin and its tests compile it in); nothing here is ABI.
 *
 *   encoder   h = BatchNorm1d(biGRU_L(x))            [T,B,2H], statistics over T B rows
 *   posterior mu_q = W_mu h + b,  lv_q = W_lv h + b   z_t ~ N(mu_q, exp(lv_q)), sampled
 *   prior     g_t = GRUCell(zbar_{t-1}, g_{t-1}), g_{-1} = 0, zbar_{-1} = 0,
 *             mu_p = W_pm g_t + b, lv_p = W_pl g_t + b, zbar_t ~ N(mu_p, exp(lv_p)), sampled
 *   decoder   x_hat = sigmoid(W_o biGRU_L(z) + b_o)
 *   loss      sum (x_hat - x)^2 / B + w_kl sum KL(q || p) / B + w_pred L_pred,
 *             L_pred = mean((Zp C - Zf)^2) / ||Zp C||_F, C = lstsq(Zp, Zf) on the prior's
 *             samples (Zp = zbar_0..T-2, Zf = zbar_1..T-1): the authors' num_steps = 1 term.
 * Arrays are time-major as the nn kit's GRUs: x[T,B,X] holds step t of sample b at
 * x[(t B + b) X]. Data are in [0, 1] (the decoder's sigmoid).
 */
#ifndef KOVAE_MODEL_H
#define KOVAE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <plugbench/rng.h>
#include <plugbench/rnn.h>

/* The shape and where each weight lives in the flat parameter vector (offsets in doubles). */
typedef struct kovae_model {
    uint32_t X, H, Z, L; /* features, GRU units, latent units, GRU layers */
    pb_nn_gru enc, dec;  /* the two bidirectional GRUs */
    size_t enc_p, bn_gamma, bn_beta, mu_W, mu_b, lv_W, lv_b;     /* encoder, posterior */
    size_t pc_Wih, pc_Whh, pc_bih, pc_bhh, pm_W, pm_b, pl_W, pl_b; /* prior */
    size_t dec_p, out_W, out_b;                                   /* decoder */
    size_t n_params;
} kovae_model;

/* The loss's terms as the authors log them (rec, kl unweighted; loss weighted). */
typedef struct kovae_terms {
    double loss, rec, kl, pred;
} kovae_terms;

/*
 * One forward's activations and the backward's scratch, for T steps and up to Bmax
 * sequences, in one block of the caller's. Every array is [T(+1), B, .] with the B of the
 * call.
 */
typedef struct kovae_pass {
    uint32_t T, Bmax, B;
    double *x;                                  /* [T,B,X] the input, in [0, 1]; the caller's */
    double *enc_out, *enc_cache, *bn_out, *bn_cache, *mu_q, *lv_q, *ls_q, *z_q;
    double *g, *cell_cache, *zp, *mu_p, *lv_p, *ls_p; /* g[T+1,B,H], zp[T+1,B,Z]: slot 0 zero */
    double *dec_out, *dec_cache, *y, *xhat;
    double *C, *lsq_cache, *P; /* the Koopman matrix [Z,Z], the QR's R, Zp C [(T-1)B,Z] */
    double pred_sse, pred_norm;
    double *gru_work, *cell_work, *lsq_work; /* the backward's */
    double *d_xhat, *d_dec_out, *d_zq, *d_mu_q, *d_ls_q, *d_bn, *d_enc;
    double *d_g, *d_zp, *d_mu_p, *d_ls_p, *d_P, *d_C;
} kovae_pass;

/* Sets the shape and the offsets (X, H, Z, L >= 1). */
void kovae_model_init(kovae_model *m, uint32_t X, uint32_t H, uint32_t Z, uint32_t L);

/* PyTorch's initialization: GRU and GRUCell weights and biases U(+-1/sqrt(H)), Linear
 * weights and biases U(+-1/sqrt(fan_in)), BatchNorm gamma 1 and beta 0. */
void kovae_model_init_params(const kovae_model *m, double *params, pb_rng *rng);

/* The doubles of a pass's block for T steps of up to Bmax sequences. */
size_t kovae_pass_size(const kovae_model *m, uint32_t T, uint32_t Bmax);

/* Lays a pass for T steps of up to Bmax sequences out in block (kovae_pass_size doubles,
 * zeroed, the caller's); s->x stays NULL for the caller to set. */
void kovae_pass_init(kovae_pass *s, const kovae_model *m, uint32_t T, uint32_t Bmax,
                     double *block);

/*
 * The training forward on s->x ([T,B,X], set by the caller), B <= Bmax: BatchNorm in
 * training mode (moving running_mean, running_var[2H]); noise eps_q, eps_p[T,B,Z]
 * (standard normal, the caller's). w_pred = 0 skips the least-squares term (the GRU-VAE).
 * Returns the loss; writes its terms unless NULL. Needs (T-1) B >= Z when w_pred > 0.
 */
double kovae_forward(const kovae_model *m, const double *params, kovae_pass *s,
                     double *running_mean, double *running_var, const double *eps_q,
                     const double *eps_p, uint32_t B, double w_kl, double w_pred,
                     kovae_terms *terms);

/* The gradient of the last forward's loss (same weights and noise), ADDED into grad. */
void kovae_backward(const kovae_model *m, const double *params, kovae_pass *s,
                    const double *eps_q, const double *eps_p, double w_kl, double w_pred,
                    double *grad);

/*
 * Generation: the prior from zero with noise eps_p[T,B,Z], its samples decoded; x_hat
 * [T,B,X] in s->xhat, in [0, 1].
 */
void kovae_generate(const kovae_model *m, const double *params, kovae_pass *s,
                    const double *eps_p, uint32_t B);

#endif
