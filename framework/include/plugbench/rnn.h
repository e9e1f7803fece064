/*
 * The nn kit's recurrent part: the GRU (a cell, and multi-layer, optionally bidirectional
 * GRUs over sequences), the MTRNN cell with a time constant (PV-RNN's deterministic units),
 * and the pieces of Gaussian latent variables (KL divergences, reparameterized samples).
 * Part of the static library plugbench_nn, with plugbench/nn.h, whose conventions hold here
 * too: row-major caller-owned arrays of doubles; a forward overwrites its outputs; a
 * backward ADDS into the gradients it writes (zero them first) and a NULL gradient pointer
 * means "not wanted"; outputs never alias inputs. The layers are made of nn.h's dense
 * layers, so they run on OpenBLAS in plugbench_nn and without it under PB_NN_NO_BLAS.
 *
 * Sequences are time-major, as PyTorch's default (batch_first=False): x[T,B,In] holds step t
 * of sample b at x[(t B + b) In ...]. Every backward is checked against central finite
 * differences in tests/nn.
 */
#ifndef PLUGBENCH_RNN_H
#define PLUGBENCH_RNN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- GRU cell --------------------------------------------------------------------------- */

/*
 * One GRU step for a batch of B, with PyTorch's equations and gate order (r, z, n):
 *   r  = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
 *   z  = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n  = tanh(W_in x + b_in + r o (W_hn h + b_hn))
 *   h' = (1 - z) o n + z o h
 * Weights as PyTorch's GRU: W_ih[3H,In] stacks W_ir, W_iz, W_in; W_hh[3H,H] stacks W_hr,
 * W_hz, W_hn; b_ih[3H], b_hh[3H] likewise (either may be NULL for no bias).
 * x[B,In], h[B,H], h_out[B,H]; h_out must not alias x or h. cache receives
 * PB_NN_GRU_CELL_CACHE(B, H) doubles (r, z, n and W_hn h + b_hn, each [B,H]) that the
 * backward reads.
 */
#define PB_NN_GRU_CELL_CACHE(B, H) ((size_t)4 * (size_t)(B) * (size_t)(H))
void pb_nn_gru_cell_forward(double *h_out, double *cache, const double *x, const double *h,
                            const double *W_ih, const double *W_hh, const double *b_ih,
                            const double *b_hh, uint32_t B, uint32_t In, uint32_t H);
/*
 * Given dh_out = dL/dh'[B,H]: dx[B,In] += dL/dx, dh[B,H] += dL/dh (each skipped when NULL;
 * neither may alias dh_out), dW_ih, dW_hh += the weight gradients (required), db_ih,
 * db_hh += the bias gradients (skipped when NULL). cache, x, h are the forward's. work is scratch of
 * PB_NN_GRU_CELL_WORK(B, H) doubles.
 */
#define PB_NN_GRU_CELL_WORK(B, H) ((size_t)3 * (size_t)(B) * (size_t)(H))
void pb_nn_gru_cell_backward(double *dx, double *dh, double *dW_ih, double *dW_hh, double *db_ih,
                             double *db_hh, const double *dh_out, const double *cache,
                             const double *x, const double *h, const double *W_ih,
                             const double *W_hh, double *work, uint32_t B, uint32_t In,
                             uint32_t H);

/* ---- GRU over a sequence ---------------------------------------------------------------- */

/*
 * The shape of a GRU as PyTorch's nn.GRU(input_size=in, hidden_size=hidden,
 * num_layers=layers, bidirectional=(directions == 2), bias=True): layer 0 reads the input
 * (in features), layer l > 0 reads layer l-1's output (directions x hidden features); a
 * layer's output concatenates its forward and its reverse direction's states.
 */
typedef struct pb_nn_gru {
    uint32_t in;         /* input features, > 0 */
    uint32_t hidden;     /* H, > 0 */
    uint32_t layers;     /* L, > 0 */
    uint32_t directions; /* D: 1, or 2 for bidirectional */
} pb_nn_gru;

/*
 * Where one (layer, direction)'s weights live in a flat parameter vector: offsets in doubles
 * of W_ih[3H, In_l], W_hh[3H,H], b_ih[3H] and b_hh[3H], In_l = in for layer 0 and D H above.
 * The order is PyTorch's nn.GRU parameter order (torch.cat of p.flatten() for p in
 * gru.parameters()): layer by layer, direction 0 then 1 (reverse), and within each
 * weight_ih, weight_hh, bias_ih, bias_hh. A gradient vector has the same layout.
 */
typedef struct pb_nn_gru_slot {
    size_t W_ih, W_hh, b_ih, b_hh;
    uint32_t in; /* In_l: the columns of W_ih */
} pb_nn_gru_slot;
pb_nn_gru_slot pb_nn_gru_slot_of(const pb_nn_gru *g, uint32_t layer, uint32_t direction);

/* The doubles of the whole parameter vector. */
size_t pb_nn_gru_param_count(const pb_nn_gru *g);

/* The doubles of the cache of a forward over T steps of a batch of B. */
size_t pb_nn_gru_cache_size(const pb_nn_gru *g, uint32_t T, uint32_t B);

/* The doubles of the backward's scratch for T steps of a batch of B. */
size_t pb_nn_gru_work_size(const pb_nn_gru *g, uint32_t T, uint32_t B);

/*
 * Runs the GRU over x[T,B,in] from the initial states h0[L D, B, H] (index l D + d, as
 * PyTorch's h_0; NULL for zeros). Writes out[T,B,D H] (the top layer's states; direction 1,
 * which runs from t = T-1 down to 0, in columns H..2H) and, unless NULL, h_final[L D, B, H]
 * (each direction's last state, as PyTorch's h_n). cache receives pb_nn_gru_cache_size
 * doubles for the backward. params is laid out as pb_nn_gru_slot_of says.
 */
void pb_nn_gru_forward(double *out, double *h_final, double *cache, const pb_nn_gru *g,
                       const double *params, const double *x, const double *h0, uint32_t T,
                       uint32_t B);
/*
 * Backpropagation through time through all layers and directions, given dout[T,B,D H] and
 * dh_final[L D,B,H] (either NULL for zero: a loss on the outputs only, or on the final states
 * only). Adds into dparams (the layout of params), dx[T,B,in] and dh0[L D,B,H] (dx and dh0
 * skipped when NULL). cache, params and x are the forward's (h0 is in the cache); work is
 * scratch of pb_nn_gru_work_size doubles.
 */
void pb_nn_gru_backward(double *dx, double *dparams, double *dh0, const pb_nn_gru *g,
                        const double *params, const double *dout, const double *dh_final,
                        const double *cache, const double *x, double *work, uint32_t T,
                        uint32_t B);

/* ---- MTRNN cell (PV-RNN's deterministic units) ------------------------------------------ */

/*
 * One step of a multiple-timescale RNN layer of D units with time constant tau >= 1,
 * for a batch of B:
 *   h_t = (1 - 1/tau) h_{t-1} + (1/tau) (W_dd d_{t-1} + W_zd z_t + W_hd d^{l+1}_t + b)
 *   d_t = tanh(h_t)
 * W_dd[D,D], W_zd[D,Z], W_hd[D,Dtop], b[D] (NULL for no bias); h_prev, d_prev[B,D],
 * z[B,Z], d_top[B,Dtop]. The top-down input is optional: d_top and W_hd NULL (Dtop
 * ignored) for the top layer; so is the latent input (z and W_zd NULL). h and d ([B,D])
 * must not alias the inputs.
 */
void pb_nn_mtrnn_forward(double *h, double *d, const double *h_prev, const double *d_prev,
                         const double *z, const double *d_top, const double *W_dd,
                         const double *W_zd, const double *W_hd, const double *b, double tau,
                         uint32_t B, uint32_t D, uint32_t Z, uint32_t Dtop);
/*
 * Given dh = dL/dh_t and dd = dL/dd_t ([B,D], either NULL for zero; d_t's gradient gathers
 * its uses: the output layer, the next step, the layer below, the next prior): adds into
 * dh_prev, dd_prev, dz, dd_top (skipped when NULL) and dW_dd, dW_zd, dW_hd, db (dW_dd
 * required; dW_zd required when z is given, dW_hd when d_top is; db skipped when NULL). d is
 * the forward's output, the inputs its inputs; work is scratch of B D doubles.
 */
void pb_nn_mtrnn_backward(double *dh_prev, double *dd_prev, double *dz, double *dd_top,
                          double *dW_dd, double *dW_zd, double *dW_hd, double *db,
                          const double *dh, const double *dd, const double *d,
                          const double *d_prev, const double *z, const double *d_top,
                          const double *W_dd, const double *W_zd, const double *W_hd,
                          double tau, double *work, uint32_t B, uint32_t D, uint32_t Z,
                          uint32_t Dtop);

/* ---- Gaussian latent variables ---------------------------------------------------------- */

/*
 * Standard deviations are given through their logs, logsig = log sigma, which is also
 * PV-RNN's parameterisation (sigma = exp(raw output)). All arrays hold n values (a batch of
 * B latents of Z units is n = B Z).
 *
 * KL(q || p) of diagonal Gaussians q = N(mu_q, sigma_q^2), p = N(mu_p, sigma_p^2), elementwise:
 *   kl_i = log(sigma_p/sigma_q) + (sigma_q^2 + (mu_q - mu_p)^2) / (2 sigma_p^2) - 1/2.
 * Writes kl[n] unless NULL; returns the sum over the n elements.
 */
double pb_nn_gauss_kl_forward(double *kl, const double *mu_q, const double *logsig_q,
                              const double *mu_p, const double *logsig_p, uint64_t n);
/*
 * The upstream gradient of kl_i is scale dkl[i] (scale alone when dkl is NULL: scale = 1 for
 * the returned sum). Adds into dmu_q, dlogsig_q, dmu_p, dlogsig_p (each skipped when NULL).
 */
void pb_nn_gauss_kl_backward(double *dmu_q, double *dlogsig_q, double *dmu_p, double *dlogsig_p,
                             const double *dkl, double scale, const double *mu_q,
                             const double *logsig_q, const double *mu_p, const double *logsig_p,
                             uint64_t n);

/* KL(q || N(0, I)): kl_i = -log sigma_q + (sigma_q^2 + mu_q^2)/2 - 1/2; as above. */
double pb_nn_gauss_kl_std_forward(double *kl, const double *mu_q, const double *logsig_q,
                                  uint64_t n);
void pb_nn_gauss_kl_std_backward(double *dmu_q, double *dlogsig_q, const double *dkl,
                                 double scale, const double *mu_q, const double *logsig_q,
                                 uint64_t n);

/*
 * Reparameterized sample z = mu + exp(logsig) o eps, eps[n] drawn by the caller (standard
 * normal, e.g. pb_rng_normal of plugbench/rng.h). Backward, given dz: dmu += dz,
 * dlogsig += dz o exp(logsig) o eps (each skipped when NULL).
 */
void pb_nn_gauss_sample_forward(double *z, const double *mu, const double *logsig,
                                const double *eps, uint64_t n);
void pb_nn_gauss_sample_backward(double *dmu, double *dlogsig, const double *dz,
                                 const double *logsig, const double *eps, uint64_t n);

#ifdef __cplusplus
}
#endif

#endif
