/*
 * The PV-RNN network (Ahmadi & Tani, Neural Computation 31(11), 2019) as forward/backward
 * pairs over a batch of sequences, built of the nn kit's layers (plugbench/nn.h, rnn.h).
 * pvrnn.c makes the plugin of it; the tests link it directly.
 *
 * Layers l = 0 .. L-1, bottom (next to the output; the paper's l = 1) to top, each with D_l
 * deterministic units, Z_l latent units, time constant tau_l and meta-prior w_l. At step
 * t = 0 .. T-1, top layer first:
 *   prior      mu_p = tanh(W_mu d_{t-1}),  log sigma_p = W_sig d_{t-1}
 *   posterior  mu_q = tanh(A_mu[t]),       log sigma_q = A_sig[t]
 *   latent     z_t = mu_q + sigma_q eps_t,  eps_t ~ N(0, I) drawn by the caller
 *   MTRNN      h_t = (1 - 1/tau) h_{t-1} + (W_dd d_{t-1} + W_zd z_t + W_hd d^{l+1}_t + b) / tau,
 *              d_t = tanh(h_t)   (no W_hd on the top layer)
 *   output     y_t = tanh(W_o d^0_t)
 * From the zero state (h_{-1} = d_{-1} = 0) the first prior is N(0, I) by construction.
 * The loss of a batch of B sequences is the mean over the batch of
 *   sum_t ||x_t - y_t||^2 / (2 X)  +  sum_l w_l / Z_l sum_t sum_i KL(q_i || p_i)
 * (the reconstruction normalized by the output dimension, the KL averaged over a layer's
 * latent units, both summed over time, as in the authors' pvrnn_cpp_sa).
 *
 * Arrays are caller-owned doubles. Within one step, every per-layer quantity of the batch
 * is a contiguous [n, B] block, unit-major: unit i of batch row b at i B + b, so that the
 * products read each weight once for the whole batch and their inner loops run along it.
 * A row's arithmetic does not depend on the batch (pvrnn_model.c, the matrix products): a
 * row computed among others gives the numbers it gives alone.
 *   a    the adaptive vectors, [T] blocks of B sa doubles; layer l's A_mu at B a_off[l]
 *        ([Z_l, B]), its A_sig right after it at B a_off[l] + B Z_l;
 *   eps  the noise, [T] blocks of B sz doubles, layer l's [Z_l, B] at B z_off[l];
 *   a state (h and d of every layer, of B rows): layer l's h [D_l, B] at B s_off[l], its
 *        d [D_l, B] at B s_off[l] + B D_l; B ss doubles;
 *   x    the targets: row b's step t at x[b * x_stride + t * X].
 */
#ifndef PVRNN_MODEL_H
#define PVRNN_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "plugbench/rng.h"

#define PVRNN_MAX_LAYERS 3

typedef struct pvrnn_model {
    /* Set by the caller before pvrnn_model_init. */
    uint32_t layers; /* L, 1 .. PVRNN_MAX_LAYERS */
    uint32_t x;      /* output features X */
    uint32_t d[PVRNN_MAX_LAYERS], z[PVRNN_MAX_LAYERS];
    double tau[PVRNN_MAX_LAYERS], w[PVRNN_MAX_LAYERS];

    /* Derived by pvrnn_model_init. Offsets in the flat weight vector theta: */
    size_t W_dd[PVRNN_MAX_LAYERS], W_zd[PVRNN_MAX_LAYERS], W_hd[PVRNN_MAX_LAYERS],
        b[PVRNN_MAX_LAYERS], W_mu[PVRNN_MAX_LAYERS], W_sig[PVRNN_MAX_LAYERS], W_o;
    size_t n_theta;
    uint32_t a_off[PVRNN_MAX_LAYERS], sa; /* sa = 2 sum Z */
    uint32_t z_off[PVRNN_MAX_LAYERS], sz; /* sz = sum Z */
    uint32_t s_off[PVRNN_MAX_LAYERS], ss; /* ss = 2 sum D */
    /* One step of a pass record, in blocks of B doubles: layer l's h, d [D_l, B] and z,
     * mu_q, ls_q, mu_p, ls_p [Z_l, B] from B c_off[l] in that order; y [X, B] at B c_y;
     * B cs in all. */
    uint32_t c_off[PVRNN_MAX_LAYERS], c_y, cs;
} pvrnn_model;

/* The loss of a pass, each term already averaged over the batch. */
typedef struct pvrnn_terms {
    double rec;                   /* sum_t ||x_t - y_t||^2 / (2 X) */
    double kl[PVRNN_MAX_LAYERS];  /* sum_t mean_i KL, before the meta-prior */
} pvrnn_terms;

/* Fills the derived members from layers, x, d and z. */
void pvrnn_model_init(pvrnn_model *m);

/* Doubles of a pass record of T steps of B rows (T + 1 step blocks; the first holds the
 * initial state). */
size_t pvrnn_pass_size(const pvrnn_model *m, uint32_t B, uint32_t T);

/* Doubles of the backward's and the prior step's scratch for B rows. */
size_t pvrnn_work_size(const pvrnn_model *m, uint32_t B);

/* The initialization of the authors' PyTorch code (pvrnn_sa, nn.Linear's default): every
 * weight matrix U(-1/sqrt(fan_in), 1/sqrt(fan_in)), each of W_dd, W_zd, W_hd, W_mu, W_sig
 * and W_o a layer of its own; the biases zero (GLean's). */
void pvrnn_init_weights(const pvrnn_model *m, double *theta, pb_rng *rng);

/*
 * Runs T posterior steps of B rows from the state s0 (NULL: the zero state, a sequence's
 * start) and records them in pass. Rows b with init[b] != 0 (init NULL: none) take their
 * adaptive vectors at steps t >= init_from from the prior: a's A_mu and A_sig there are
 * overwritten with the prior's pre-activations W_mu d_{t-1}, W_sig d_{t-1} before use, so
 * that q = p (the authors' initialization of a sequence's A).
 */
void pvrnn_forward(const pvrnn_model *m, const double *theta, double *a, const double *eps,
                   const double *s0, const uint8_t *init, uint32_t init_from, uint32_t B,
                   uint32_t T, double *pass);

/* The loss of a pass of B rows and T steps (the mean over the batch), its terms unless
 * NULL. x NULL: no reconstruction term. */
double pvrnn_loss(const pvrnn_model *m, const double *pass, const double *x, size_t x_stride,
                  uint32_t B, uint32_t T, pvrnn_terms *terms);

/*
 * Backpropagation through the T steps of the pass (its forward's arguments again): adds
 * the loss's gradient to gtheta (NULL: not wanted; the error regression's case) and to
 * ga (laid out as a). The loss is the batch's mean, or with rows_apart each row's own loss
 * (the rows are separate problems, as the error regression's sequences are), so that a
 * row's gradient is the one it has alone. The initial state is a constant. work:
 * pvrnn_work_size doubles.
 */
void pvrnn_backward(const pvrnn_model *m, const double *theta, const double *eps,
                    const double *x, size_t x_stride, uint32_t B, uint32_t T, int rows_apart,
                    const double *pass, double *gtheta, double *ga, double *work);

/* Copies the state after step t (t = -1: the initial state) of a pass into s (B ss). */
void pvrnn_pass_state(const pvrnn_model *m, const double *pass, uint32_t B, int64_t t,
                      double *s);

/* Layer l's records at step t of a pass (t = -1: the initial state, h and d only): h, d
 * [D_l, B]; z, the posterior's mu_q and log sigma_q, the prior's mu_p and log sigma_p
 * [Z_l, B]. Pointers into the pass. */
typedef struct pvrnn_record {
    const double *h, *d, *z, *mu_q, *ls_q, *mu_p, *ls_p;
} pvrnn_record;
pvrnn_record pvrnn_pass_record(const pvrnn_model *m, const double *pass, uint32_t B, int64_t t,
                               uint32_t l);

/* The output y_t of a pass, [X, B]. */
const double *pvrnn_pass_y(const pvrnn_model *m, const double *pass, uint32_t B, uint32_t t);

/*
 * One step of the prior for B rows, in place on the state s (B ss): z = mu_p + sigma_p eps
 * with eps laid out as one step of the forward's (NULL: z = mu_p, the prior's mean path).
 * Writes y [X, B] and, unless sigma is NULL, the step's sigma_p laid out as eps (B sz).
 * work: pvrnn_work_size doubles.
 */
void pvrnn_prior_step(const pvrnn_model *m, const double *theta, double *s, const double *eps,
                      uint32_t B, double *y, double *sigma, double *work);

#endif
