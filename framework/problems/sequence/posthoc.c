/*
 * TimeGAN's post-hoc scores of generated sequences (Yoon, Jarrett and van der Schaar,
 * "Time-series Generative Adversarial Networks", NeurIPS 2019; their code's
 * metrics/discriminative_metrics.py and metrics/predictive_metrics.py), computed by the
 * host with a GRU trainer of its own (posthoc_gru.c; the nn kit's Adam). See seq_problem.h
 * for the contracts; what follows TimeGAN and what differs:
 *
 *   - discriminative: a GRU cell of hidden max(1, floor(D/2)) (TimeGAN: int(dim/2)) over
 *     the whole sequence, a dense layer to one logit on its last state, the logistic loss
 *     mean(real) + mean(generated), Adam with lr 1e-3; each of the 2000 iterations draws
 *     128 sequences of each set from its 80 % training part, without replacement (TimeGAN's
 *     batch_generator: the first 128 of a random permutation; all of them when the part is
 *     smaller); accuracy with threshold 0.5 on the 20 % test parts of both sets.
 *   - predictive: a GRU over steps 0..T-2 of features 0..D-2, a dense layer and a sigmoid
 *     at every step predicting feature D-1 at the next step, trained on the generated
 *     sequences by mean absolute error (5000 iterations of 128, Adam lr 1e-3), tested on
 *     every real sequence: the mean absolute error over sequences and steps.
 *   - the GRU is PyTorch's form (reset gate applied to the recurrent product, as Keras's
 *     GRUCell with reset_after=True, which the discriminator uses; TimeGAN's predictor uses
 *     TF1's GRUCell, which applies it to the state before the product). Initialisation as
 *     Keras's defaults: Glorot-uniform input kernel and dense kernel, orthogonal recurrent
 *     kernel, zero biases. Double precision.
 *   - for D = 1 (which TimeGAN's predictor cannot take: no other feature) the predictor
 *     reads the feature itself.
 *   - the arithmetic: the nn kit's GRU, dense and sigmoid layers' equations, each sum in
 *     their order, but the batch's rows four at a time side by side, with an exp of its own
 *     (lanes.h: within 2 ulp of libm's; the sigmoid and tanh within 1e-15) and the weight
 *     gradients summed over the rows in four lanes. The scores therefore differ from the
 *     kit's layers' (this file's until 2026-12) by rounding: the predictive score mostly
 *     by 1e-15 relative, up to 5e-4 where a residual's sign flips in the mean absolute
 *     error's training, the discriminative score (an accuracy) by one test sequence in 2
 *     of 70 inputs measured (bench/README.md). The same on every x86-64: the vectors are
 *     four lanes wide whatever the CPU, without fused multiply-adds.
 */
#include "seq_problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/nn.h"
#include "lanes.h"
#include "posthoc_gru.h"

static uint32_t hidden_of(uint32_t D)
{
    return D / 2 > 0 ? D / 2 : 1;
}

/*
 * The first `take` entries of idx[0..count) become a uniformly random subset in random
 * order (a partial Fisher-Yates shuffle): the first `take` of a random permutation, as
 * TimeGAN draws its minibatches.
 */
static void draw(pb_rng *rng, uint32_t *idx, uint32_t count, uint32_t take)
{
    for (uint32_t i = 0; i < take; i++) {
        uint32_t j = i + (uint32_t)pb_rng_below(rng, count - i);
        uint32_t t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/*
 * Fills the net's batch with rows 0..rows-1 from the sequences src[0..rows) (T steps of D
 * features each, T >= the net's steps): the net's steps of features 0..in-1; and, when y
 * is not NULL, the predictor's targets, feature D-1 of the next step, at y[t rows + b] as
 * the net lays out its outputs. Four rows (one vector of the net's) at a time, step after
 * step: each of the four sequences is read in order once, and the writes of a step are
 * one vector per feature.
 */
static void put(pb__phnet *n, const double *const *src, uint32_t rows, uint32_t D, double *y)
{
    /* In locals: the vector stores may alias the net's fields. */
    const uint32_t T = n->T, in = n->in;
    const size_t per_step = n->rows, step = per_step * in; /* y's and x's doubles a step */
    for (uint32_t b = 0; b < rows; b += 4) {
        uint32_t m = rows - b < 4 ? rows - b : 4;
        double *x = pb__phnet_x(n, 0, b), *yb = y ? y + b : NULL;
        if (m == 4) { /* the common case, unrolled */
            const double *s0 = src[b], *s1 = src[b + 1], *s2 = src[b + 2], *s3 = src[b + 3];
            for (size_t at = 0; at < (size_t)T * D; at += D, x += step) {
                for (uint32_t f = 0; f < in; f++)
                    *(pb__v4d *)(x + 4 * f) =
                        (pb__v4d){s0[at + f], s1[at + f], s2[at + f], s3[at + f]};
                if (yb) {
                    size_t a = at + D + D - 1;
                    *(pb__v4d *)yb = (pb__v4d){s0[a], s1[a], s2[a], s3[a]};
                    yb += per_step;
                }
            }
        } else
            for (uint32_t t = 0; t < T; t++, x += step) {
                for (uint32_t l = 0; l < m; l++) {
                    const double *s = src[b + l] + (size_t)t * D;
                    for (uint32_t f = 0; f < in; f++)
                        x[4 * f + l] = s[f];
                    if (yb)
                        yb[t * per_step + l] = s[D + D - 1];
                }
            }
    }
}

/* ---- discriminative score -------------------------------------------------------------- */

double pb__seq_discriminative_score(const double *real, uint32_t n_real, const double *gen,
                                    uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed)
{
    if (n_real < 2 || n_gen < 2)
        return NAN;
    const double *set[2] = {real, gen};
    uint32_t count[2] = {n_real, n_gen}, n_tr[2], batch[2];
    uint32_t *idx[2] = {malloc(n_real * sizeof(uint32_t)), malloc(n_gen * sizeof(uint32_t))};
    uint32_t *labels = NULL;
    const double **src = NULL; /* the batch's sequences */
    double score = NAN;
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0x64697363u /* "disc" */);
    for (int s = 0; s < 2; s++) {
        /* TimeGAN's train_test_divide: int(n * 0.8) of a random permutation train. */
        n_tr[s] = (uint32_t)(count[s] * PB__SEQ_DISC_TRAIN_FRACTION);
        n_tr[s] = n_tr[s] < 1 ? 1 : n_tr[s] >= count[s] ? count[s] - 1 : n_tr[s];
        batch[s] = n_tr[s] < PB__SEQ_DISC_BATCH ? n_tr[s] : PB__SEQ_DISC_BATCH;
    }
    uint32_t n_te = (n_real - n_tr[0]) + (n_gen - n_tr[1]), B_train = batch[0] + batch[1];
    uint32_t B = B_train > n_te ? B_train : n_te; /* what the buffers hold */
    pb__phnet n;
    if (!idx[0] || !idx[1] || !(labels = malloc(B * sizeof *labels)) ||
        !(src = malloc(B * sizeof *src)) || pb__phnet_new(&n, D, hidden_of(D), T, B, 0, 1e-3, &rng) != 0)
        goto out;
    for (int s = 0; s < 2; s++) {
        for (uint32_t i = 0; i < count[s]; i++)
            idx[s][i] = i;
        draw(&rng, idx[s], count[s], count[s]);
    }
    for (int it = 0; it < PB__SEQ_DISC_ITERATIONS; it++) {
        uint32_t b = 0;
        for (int s = 0; s < 2; s++) {
            /* The training part is idx[s][0 .. n_tr): reshuffled in place, it stays so. */
            draw(&rng, idx[s], n_tr[s], batch[s]);
            for (uint32_t i = 0; i < batch[s]; i++, b++) {
                src[b] = set[s] + (size_t)idx[s][i] * T * D;
                labels[b] = s == 0; /* real 1, generated 0 */
            }
        }
        put(&n, src, B_train, D, NULL);
        pb__phnet_forward(&n, B_train);
        memset(n.dout, 0, B_train * sizeof(double));
        /* d(mean over real + mean over generated): each half with its own 1/size. */
        pb_nn_logistic_xent_backward(n.dout, n.out, labels, 1.0 / batch[0], batch[0]);
        pb_nn_logistic_xent_backward(n.dout + batch[0], n.out + batch[0], labels + batch[0],
                                     1.0 / batch[1], batch[1]);
        pb__phnet_train_step(&n, B_train);
    }
    /* The test parts, all in one batch. */
    uint32_t b = 0;
    for (int s = 0; s < 2; s++)
        for (uint32_t i = n_tr[s]; i < count[s]; i++, b++) {
            src[b] = set[s] + (size_t)idx[s][i] * T * D;
            labels[b] = s == 0;
        }
    put(&n, src, n_te, D, NULL);
    pb__phnet_forward(&n, n_te);
    uint32_t correct = 0;
    for (uint32_t i = 0; i < n_te; i++)
        correct += (n.out[i] > 0.0) == (labels[i] == 1); /* sigmoid > 0.5 */
    score = fabs((double)correct / n_te - 0.5);
    pb__phnet_free(&n);
out:
    free(idx[0]);
    free(idx[1]);
    free(labels);
    free(src);
    return score;
}

/* ---- predictive score ------------------------------------------------------------------ */

double pb__seq_predictive_score(const double *real, uint32_t n_real, const double *gen,
                                uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed)
{
    if (n_real < 1 || n_gen < 1 || T < 2)
        return NAN;
    uint32_t batch = n_gen < PB__SEQ_PRED_BATCH ? n_gen : PB__SEQ_PRED_BATCH;
    /* The real sequences are predicted in chunks of at most the buffers' batch. */
    uint32_t B = batch > 256 ? batch : 256, steps = T - 1, H = hidden_of(D);
    uint32_t *idx = malloc(n_gen * sizeof *idx);
    const double **src = malloc(B * sizeof *src);
    /* The targets, laid out as the net's outputs (whole vectors of four rows). */
    size_t y_size = (size_t)steps * ((B + 3) / 4 * 4) * sizeof(double);
    double *y = aligned_alloc(32, y_size), score = NAN;
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0x70726564u /* "pred" */);
    pb__phnet n;
    if (!idx || !src || !y || pb__phnet_new(&n, D > 1 ? D - 1 : 1, H, steps, B, 1, 1e-3, &rng) != 0)
        goto out;
    memset(y, 0, y_size);
    for (uint32_t i = 0; i < n_gen; i++)
        idx[i] = i;
    for (int it = 0; it < PB__SEQ_PRED_ITERATIONS; it++) {
        draw(&rng, idx, n_gen, batch);
        for (uint32_t b = 0; b < batch; b++)
            src[b] = gen + (size_t)idx[b] * T * D;
        put(&n, src, batch, D, y);
        /* The forward writes the mean absolute error's gradient; the rows past the batch,
         * up to a multiple of 4, get 0. */
        n.mae_target = y;
        n.mae_count = (double)steps * batch;
        pb__phnet_forward(&n, batch);
        n.mae_target = NULL;
        for (uint32_t t = 0; t < steps; t++)
            for (uint32_t b = batch; b % 4; b++)
                n.dout[(size_t)t * n.rows + b] = 0.0;
        pb__phnet_train_step(&n, batch);
    }
    /* Every real sequence: the mean over sequences of the mean over steps. */
    double total = 0.0;
    for (uint32_t first = 0; first < n_real; first += B) {
        uint32_t m = n_real - first < B ? n_real - first : B;
        for (uint32_t b = 0; b < m; b++)
            src[b] = real + (size_t)(first + b) * T * D;
        put(&n, src, m, D, y);
        pb__phnet_forward(&n, m);
        for (uint32_t t = 0; t < steps; t++)
            for (uint32_t b = 0; b < m; b++)
                total += fabs(n.out[(size_t)t * n.rows + b] - y[(size_t)t * n.rows + b]);
    }
    score = total / ((double)n_real * steps);
    pb__phnet_free(&n);
out:
    free(idx);
    free(src);
    free(y);
    return score;
}
