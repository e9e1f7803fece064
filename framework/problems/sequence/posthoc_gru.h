/*
 * The post-hoc scores' network (posthoc.c): a one-layer GRU (PyTorch's form, as the nn
 * kit's, plugbench/rnn.h) and a dense layer to one output, trained with the kit's Adam;
 * written for these small nets (a few inputs, one to three units, batches of hundreds of
 * rows) rather than built from the kit's layers: the batch's rows run four at a time side
 * by side (lanes.h), with lanes.h's exp in place of libm's.
 *
 * Batches are time-major; a row is one sequence. The outputs are either the logit of the
 * last state (the discriminator) or the sigmoid of the dense layer at every step (the
 * predictor).
 */
#ifndef PLUGBENCH_POSTHOC_GRU_H
#define PLUGBENCH_POSTHOC_GRU_H

#include <stddef.h>
#include <stdint.h>

#include "plugbench/nn.h"
#include "plugbench/rng.h"

typedef struct pb__phnet {
    uint32_t in, H, T;
    uint32_t rows;   /* the most rows a batch holds, a multiple of 4 */
    int per_step;    /* outputs at every step through a sigmoid, or the last state's logit */
    size_t n_gru, n; /* parameters: the kit's GRU layout, then the dense H weights and bias */
    double *params, *grad, *m, *v;
    pb_nn_adam adam;
    /*
     * The batch's input, step t's feature f of row b at x[((t rows / 4 + b / 4) in + f) 4
     * + b % 4] (pb__phnet_x); its outputs at out[t rows + b] and the loss's gradient of
     * their logits (before the predictor's sigmoid) at dout[t rows + b] (the
     * discriminator's in step 0 only). The rows past a batch, up to a multiple of 4, are
     * computed too: they must have finite inputs (zero at first) and a zero dout.
     */
    double *x, *out, *dout;
    /*
     * When not NULL (the predictor's training), pb__phnet_forward writes dout too: the
     * gradient of the mean absolute error of the outputs against mae_target (laid out as
     * out) over mae_count outputs, sign(out - target) out (1 - out) / mae_count (sign 0 at
     * 0), for every row computed: the caller zeroes the rows past its batch.
     */
    const double *mae_target;
    double mae_count;
    double *wide, *acc, *h, *cache, *carry; /* in vectors of four rows: see posthoc_gru.c */
    double *block;
} pb__phnet;

/*
 * Allocates a net of `in` inputs, H units, T steps and batches of up to `rows` rows, and
 * initialises it from rng as Keras does (posthoc.c), drawing what the kit's GRU of the
 * same shape would: W_ih Glorot-uniform over (in, 3H), W_hh with orthonormal columns, the
 * dense weights Glorot-uniform over (H, 1), zero biases; Adam with lr. Returns 0, or -1
 * when out of memory.
 */
int pb__phnet_new(pb__phnet *n, uint32_t in, uint32_t H, uint32_t T, uint32_t rows,
                  int per_step, double lr, pb_rng *rng);
void pb__phnet_free(pb__phnet *n);

/* Row b's feature 0 at step t; its feature f is 4 f further. */
static inline double *pb__phnet_x(const pb__phnet *n, uint32_t t, uint32_t b)
{
    return n->x + (((size_t)t * (n->rows / 4) + b / 4) * n->in) * 4 + b % 4;
}

/* The outputs of the first `rows` rows of the batch (rounded up to a multiple of 4). */
void pb__phnet_forward(pb__phnet *n, uint32_t rows);

/*
 * After pb__phnet_forward of the same rows, the gradient of the parameters given dout,
 * into grad (each a sum over the rows in four lanes, added up in a fixed order), then one
 * Adam step.
 */
void pb__phnet_train_step(pb__phnet *n, uint32_t rows);

#endif
