/*
 * The nn kit: neural-network layers in plain C as forward/backward pairs, in the style of
 * llm.c, in double precision. Part of the static library plugbench_nn (it links OpenBLAS
 * through cblas for the matrix products): link it into a plugin or a problem; nothing
 * crosses the ABI. (The harness itself computes with a copy built without BLAS, so that
 * the host process never loads OpenBLAS; see kit/nn.c.)
 *
 * Conventions, for every pair:
 *   - arrays are row-major and caller-owned; B is the batch size (rows), a layer's
 *     activations are B x n;
 *   - a forward writes (overwrites) its output;
 *   - a backward ADDS into the gradients it writes (din, dW, db, dlogits), like llm.c, so
 *     that branches and minibatch terms accumulate: zero them first. A NULL din means
 *     "not wanted" (the first layer of a network);
 *   - backward takes the upstream gradient dout (dL/dout, same shape as out) and whatever
 *     the forward saw or produced that it needs.
 * Every backward is checked against central finite differences: the dense layer, the
 * activations and the losses in tests/stochastic, BatchNorm1d and the least-squares layer
 * in tests/nn.
 * Recurrent layers (GRU, MTRNN) and Gaussian latent variables: plugbench/rnn.h.
 */
#ifndef PLUGBENCH_NN_H
#define PLUGBENCH_NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Dense layer: out[B,Out] = in[B,In] W^T + b, with W[Out,In] (row o holds output o's weights)
 * and b[Out] (NULL for no bias). */
void pb_nn_dense_forward(double *out, const double *in, const double *W, const double *b,
                         uint32_t B, uint32_t In, uint32_t Out);
/* din[B,In] += dout W (skipped when din is NULL); dW[Out,In] += dout^T in; db[Out] += column sums
 * of dout (skipped when db is NULL). */
void pb_nn_dense_backward(double *din, double *dW, double *db, const double *dout,
                          const double *in, const double *W, uint32_t B, uint32_t In, uint32_t Out);

/* Elementwise over n values: out = tanh(in); din += dout (1 - out^2). */
void pb_nn_tanh_forward(double *out, const double *in, uint64_t n);
void pb_nn_tanh_backward(double *din, const double *dout, const double *out, uint64_t n);

/* out = max(in, 0); din += dout [in > 0]. */
void pb_nn_relu_forward(double *out, const double *in, uint64_t n);
void pb_nn_relu_backward(double *din, const double *dout, const double *in, uint64_t n);

/* out = 1 / (1 + exp(-in)), computed without overflow; din += dout out (1 - out). */
void pb_nn_sigmoid_forward(double *out, const double *in, uint64_t n);
void pb_nn_sigmoid_backward(double *din, const double *dout, const double *out, uint64_t n);

/*
 * BatchNorm1d as PyTorch's nn.BatchNorm1d(C) (eps 1e-5, momentum 0.1, affine, tracking
 * running statistics) on in[N,C]: C features in the columns, normalized each over the N rows,
 *   out = gamma (in - mean) / sqrt(var + eps) + beta.
 * For a sequence [T,B,C] the caller passes its T B rows: statistics per feature over every
 * step and sample, as PyTorch's BatchNorm1d does on a [B,C,T] tensor (KoVAE permutes its
 * GRU's outputs to that shape). In training (training != 0, N > 1) mean and var are the
 * batch's (var biased), and running_mean, running_var[C] move towards them by
 * r = (1 - momentum) r + momentum x, with the UNBIASED variance (N / (N - 1) var), as
 * PyTorch; in inference they are read, not written. cache receives PB_NN_BATCHNORM_CACHE(N, C)
 * doubles (the normalized input, then 1 / sqrt(var + eps) per feature) for the backward.
 */
#define PB_NN_BATCHNORM_EPS 1e-5
#define PB_NN_BATCHNORM_MOMENTUM 0.1
#define PB_NN_BATCHNORM_CACHE(N, C) (((size_t)(N) + 1) * (size_t)(C))
/* PyTorch's initial state: gamma = 1, beta = 0, running_mean = 0, running_var = 1. */
void pb_nn_batchnorm_init(double *gamma, double *beta, double *running_mean, double *running_var,
                          uint32_t C);
void pb_nn_batchnorm_forward(double *out, double *cache, double *running_mean,
                             double *running_var, const double *in, const double *gamma,
                             const double *beta, int training, uint32_t N, uint32_t C);
/* din[N,C] += dL/din (skipped when NULL), dgamma[C], dbeta[C] += theirs, with training as in
 * the forward: in training through the batch statistics, in inference with them constant. */
void pb_nn_batchnorm_backward(double *din, double *dgamma, double *dbeta, const double *dout,
                              const double *cache, const double *gamma, int training,
                              uint32_t N, uint32_t C);

/*
 * The least-squares layer (KoVAE's Koopman operator): C[k,k] = argmin ||Z_past C -
 * Z_future||_F for Z_past, Z_future[N,k], N >= k, Z_past of full column rank (otherwise C
 * holds infinities or NaNs), by Householder QR of Z_past, as KoVAE's torch.linalg.qr and
 * solve_triangular. The row order does not matter: for a sequence z[T,B,k], Z_past = z and
 * Z_future = z + B k with N = (T - 1) B. cache receives PB_NN_LSTSQ_CACHE(k) doubles (the
 * QR's R, with M = Z_past^T Z_past = R^T R); work is scratch of PB_NN_LSTSQ_WORK(N, k)
 * doubles, for the backward too.
 */
#define PB_NN_LSTSQ_CACHE(k) ((size_t)(k) * (size_t)(k))
#define PB_NN_LSTSQ_WORK(N, k) ((size_t)2 * (size_t)(N) * (size_t)(k))
void pb_nn_lstsq_forward(double *C, double *cache, const double *Z_past, const double *Z_future,
                         double *work, uint32_t N, uint32_t k);
/*
 * Given dC = G = dL/dC, with H = M^-1 G (two triangular solves with R) and the residual
 * Z_future - Z_past C: dZ_past += (Z_future - Z_past C) H^T - Z_past H C^T and
 * dZ_future += Z_past H (each skipped when NULL). The two may overlap (the views of one
 * sequence above), since both are only added to. C, cache, Z_past and Z_future are the
 * forward's.
 */
void pb_nn_lstsq_backward(double *dZ_past, double *dZ_future, const double *dC, const double *C,
                          const double *cache, const double *Z_past, const double *Z_future,
                          double *work, uint32_t N, uint32_t k);

/*
 * Softmax cross-entropy over C classes: probs[B,C] = softmax(logits) row by row (max
 * subtracted), losses[B] = -log probs[b, labels[b]] (computed as logsumexp - logit, so it
 * never takes log 0); returns the mean loss. labels are in [0, C).
 */
double pb_nn_softmax_xent_forward(double *probs, double *losses, const double *logits,
                                  const uint32_t *labels, uint32_t B, uint32_t C);
/* dlogits[B,C] += scale (probs - onehot(labels)): scale = 1/B for the mean loss. */
void pb_nn_softmax_xent_backward(double *dlogits, const double *probs, const uint32_t *labels,
                                 double scale, uint32_t B, uint32_t C);

/*
 * Binary cross-entropy on a logit z with label y in {0, 1}:
 * losses[b] = log(1 + exp(z)) - y z, computed stably; returns the mean loss.
 */
double pb_nn_logistic_xent_forward(double *losses, const double *logits, const uint32_t *labels,
                                   uint32_t B);
/* dlogits[b] += scale (sigmoid(z_b) - y_b). */
void pb_nn_logistic_xent_backward(double *dlogits, const double *logits, const uint32_t *labels,
                                  double scale, uint32_t B);

/*
 * Adam (Kingma & Ba, 2015) over a flat parameter vector, in PyTorch's form
 * (torch.optim.Adam, amsgrad off): with g = grad + weight_decay param (L2 added to the
 * gradient, not AdamW's decoupled decay), at step t = 1, 2, ...
 *   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2,
 *   param -= lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
 * The hyperparameters may be changed between steps (a learning-rate schedule).
 */
typedef struct pb_nn_adam {
    double lr, beta1, beta2, eps, weight_decay;
    double *m, *v; /* the moments, n doubles each, caller-owned */
    uint64_t n;    /* the length of the parameter vector */
    uint64_t t;    /* steps taken */
} pb_nn_adam;
/* Sets lr, PyTorch's defaults (beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0) and t = 0;
 * zeroes m[n] and v[n], which stay the caller's. */
void pb_nn_adam_init(pb_nn_adam *a, double *m, double *v, uint64_t n, double lr);
/* One step: updates param[n] in place from grad[n] (the gradient of the loss). */
void pb_nn_adam_step(pb_nn_adam *a, double *param, const double *grad);

#ifdef __cplusplus
}
#endif

#endif
