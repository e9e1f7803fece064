/*
 * TimeGAN's post-hoc scores of generated sequences (Yoon, Jarrett and van der Schaar,
 * "Time-series Generative Adversarial Networks", NeurIPS 2019; their code's
 * metrics/discriminative_metrics.py and metrics/predictive_metrics.py), computed by the
 * host with the nn kit (plugbench/rnn.h, built here without BLAS). See seq_problem.h for
 * the contracts; what follows TimeGAN and what differs:
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
 */
#include "seq_problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/nn.h"
#include "plugbench/rnn.h"

/* A one-layer GRU and a dense layer to one output, with Adam over both. */
typedef struct net {
    pb_nn_gru g;
    uint32_t T, B;   /* steps and the largest batch the buffers hold */
    size_t n_gru, n; /* parameters: the GRU's, then the dense layer's H weights and bias */
    double *params, *grad, *m, *v;
    pb_nn_adam adam;
    double *x;       /* [T, B, in] time-major input */
    double *out;     /* [T, B, H] the GRU's states */
    double *h_final; /* [B, H] */
    double *cache, *work;
    double *logit;   /* [T B] */
    double *dlogit;  /* [T B] */
    double *dh;      /* [T B, H]: dL/d(states), or dL/d(last state) in its first B H */
    double *block;
} net;

static uint32_t hidden_of(uint32_t D)
{
    return D / 2 > 0 ? D / 2 : 1;
}

/*
 * Allocates a net over `in` features, T steps and batches of up to B, in one block, and
 * initialises it from rng as Keras does: W_ih Glorot-uniform over the kernel's fans (in,
 * 3H), W_hh with orthonormal columns (Keras's orthogonal [H, 3H] recurrent kernel is its
 * transpose), the dense weights Glorot-uniform over (H, 1), zero biases. Returns 0, or -1
 * when out of memory.
 */
static int net_new(net *n, uint32_t in, uint32_t H, uint32_t T, uint32_t B, pb_rng *rng)
{
    memset(n, 0, sizeof *n);
    n->g = (pb_nn_gru){.in = in, .hidden = H, .layers = 1, .directions = 1};
    n->T = T;
    n->B = B;
    n->n_gru = pb_nn_gru_param_count(&n->g);
    n->n = n->n_gru + H + 1;
    size_t tb = (size_t)T * B;
    size_t sizes[] = {n->n, n->n, n->n, n->n, tb * in, tb * H, (size_t)B * H,
                      pb_nn_gru_cache_size(&n->g, T, B), pb_nn_gru_work_size(&n->g, T, B),
                      tb, tb, tb * H};
    double **ptrs[] = {&n->params, &n->grad, &n->m, &n->v, &n->x, &n->out, &n->h_final,
                       &n->cache, &n->work, &n->logit, &n->dlogit, &n->dh};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += sizes[i];
    n->block = malloc(total * sizeof(double));
    if (!n->block)
        return -1;
    double *p = n->block;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *ptrs[i] = p;
        p += sizes[i];
    }
    memset(n->params, 0, n->n * sizeof(double));
    pb_nn_gru_slot s = pb_nn_gru_slot_of(&n->g, 0, 0);
    double a = sqrt(6.0 / (in + 3.0 * H));
    for (size_t i = 0; i < (size_t)3 * H * in; i++)
        n->params[s.W_ih + i] = pb_rng_uniform_in(rng, -a, a);
    /* Orthonormal columns of W_hh[3H, H]: Gram-Schmidt of Gaussian ones. */
    double *W = n->params + s.W_hh;
    for (uint32_t c = 0; c < H; c++) {
        for (uint32_t r = 0; r < 3 * H; r++)
            W[(size_t)r * H + c] = pb_rng_normal(rng);
        for (uint32_t q = 0; q < c; q++) {
            double dot = 0.0;
            for (uint32_t r = 0; r < 3 * H; r++)
                dot += W[(size_t)r * H + c] * W[(size_t)r * H + q];
            for (uint32_t r = 0; r < 3 * H; r++)
                W[(size_t)r * H + c] -= dot * W[(size_t)r * H + q];
        }
        double norm = 0.0;
        for (uint32_t r = 0; r < 3 * H; r++)
            norm += W[(size_t)r * H + c] * W[(size_t)r * H + c];
        norm = sqrt(norm);
        for (uint32_t r = 0; r < 3 * H; r++)
            W[(size_t)r * H + c] /= norm;
    }
    a = sqrt(6.0 / (H + 1.0));
    for (uint32_t j = 0; j < H; j++)
        n->params[n->n_gru + j] = pb_rng_uniform_in(rng, -a, a);
    pb_nn_adam_init(&n->adam, n->m, n->v, n->n, 1e-3);
    return 0;
}

static void net_free(net *n)
{
    free(n->block);
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
 * Copies features 0..in-1 of steps 0..steps-1 of sequence src (D features per step) into
 * column b of the time-major batch x[steps, B, in]. A loop rather than memcpy: a step is
 * a few doubles, and the call cost more than the copy.
 */
static void put(double *x, uint32_t B, uint32_t b, const double *src, uint32_t D,
                uint32_t steps, uint32_t in)
{
    for (uint32_t t = 0; t < steps; t++)
        for (uint32_t f = 0; f < in; f++)
            x[((size_t)t * B + b) * in + f] = src[(size_t)t * D + f];
}

/* ---- discriminative score -------------------------------------------------------------- */

/* The classifier's logits for the first B columns of n->x (T steps), into n->logit. */
static void classify(net *n, uint32_t B)
{
    uint32_t H = n->g.hidden;
    pb_nn_gru_forward(n->out, n->h_final, n->cache, &n->g, n->params, n->x, NULL, n->T, B);
    pb_nn_dense_forward(n->logit, n->h_final, n->params + n->n_gru, n->params + n->n_gru + H,
                        B, H, 1);
}

double pb__seq_discriminative_score(const double *real, uint32_t n_real, const double *gen,
                                    uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed)
{
    if (n_real < 2 || n_gen < 2)
        return NAN;
    const double *set[2] = {real, gen};
    uint32_t count[2] = {n_real, n_gen}, n_tr[2], batch[2];
    uint32_t *idx[2] = {malloc(n_real * sizeof(uint32_t)), malloc(n_gen * sizeof(uint32_t))};
    uint32_t *labels = NULL;
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
    net n;
    if (!idx[0] || !idx[1] || !(labels = malloc(B * sizeof *labels)) ||
        net_new(&n, D, hidden_of(D), T, B, &rng) != 0)
        goto out;
    for (int s = 0; s < 2; s++) {
        for (uint32_t i = 0; i < count[s]; i++)
            idx[s][i] = i;
        draw(&rng, idx[s], count[s], count[s]);
    }
    uint32_t H = n.g.hidden;
    for (int it = 0; it < PB__SEQ_DISC_ITERATIONS; it++) {
        uint32_t b = 0;
        for (int s = 0; s < 2; s++) {
            /* The training part is idx[s][0 .. n_tr): reshuffled in place, it stays so. */
            draw(&rng, idx[s], n_tr[s], batch[s]);
            for (uint32_t i = 0; i < batch[s]; i++, b++) {
                put(n.x, B_train, b, set[s] + (size_t)idx[s][i] * T * D, D, T, D);
                labels[b] = s == 0; /* real 1, generated 0 */
            }
        }
        classify(&n, B_train);
        memset(n.grad, 0, n.n * sizeof(double));
        memset(n.dlogit, 0, B_train * sizeof(double));
        memset(n.dh, 0, (size_t)B_train * H * sizeof(double));
        /* d(mean over real + mean over generated): each half with its own 1/size. */
        pb_nn_logistic_xent_backward(n.dlogit, n.logit, labels, 1.0 / batch[0], batch[0]);
        pb_nn_logistic_xent_backward(n.dlogit + batch[0], n.logit + batch[0],
                                     labels + batch[0], 1.0 / batch[1], batch[1]);
        pb_nn_dense_backward(n.dh, n.grad + n.n_gru, n.grad + n.n_gru + H, n.dlogit,
                             n.h_final, n.params + n.n_gru, B_train, H, 1);
        pb_nn_gru_backward(NULL, n.grad, NULL, &n.g, n.params, NULL, n.dh, n.cache, n.x,
                           n.work, T, B_train);
        pb_nn_adam_step(&n.adam, n.params, n.grad);
    }
    /* The test parts, all in one batch. */
    uint32_t b = 0;
    for (int s = 0; s < 2; s++)
        for (uint32_t i = n_tr[s]; i < count[s]; i++, b++) {
            put(n.x, n_te, b, set[s] + (size_t)idx[s][i] * T * D, D, T, D);
            labels[b] = s == 0;
        }
    classify(&n, n_te);
    uint32_t correct = 0;
    for (uint32_t i = 0; i < n_te; i++)
        correct += (n.logit[i] > 0.0) == (labels[i] == 1); /* sigmoid > 0.5 */
    score = fabs((double)correct / n_te - 0.5);
    net_free(&n);
out:
    free(idx[0]);
    free(idx[1]);
    free(labels);
    return score;
}

/* ---- predictive score ------------------------------------------------------------------ */

/*
 * The predictor's inputs and targets for sequence src (T steps of D features) in column b
 * of a batch of B: steps 0..T-2 of features 0..D-2 (the feature itself when D = 1) into
 * n->x, feature D-1 of steps 1..T-1 into y[(t B + b)], time-major like the outputs.
 */
static void put_predictor(net *n, double *y, uint32_t B, uint32_t b, const double *src,
                          uint32_t D)
{
    uint32_t steps = n->T, in = n->g.in;
    put(n->x, B, b, src, D, steps, in);
    for (uint32_t t = 0; t < steps; t++)
        y[(size_t)t * B + b] = src[(size_t)(t + 1) * D + D - 1];
}

/* The predictor's outputs sigmoid(dense(states)) for the first B columns, into n->logit. */
static void predict_steps(net *n, uint32_t B)
{
    uint32_t H = n->g.hidden;
    size_t rows = (size_t)n->T * B;
    pb_nn_gru_forward(n->out, NULL, n->cache, &n->g, n->params, n->x, NULL, n->T, B);
    pb_nn_dense_forward(n->logit, n->out, n->params + n->n_gru, n->params + n->n_gru + H,
                        (uint32_t)rows, H, 1);
    pb_nn_sigmoid_forward(n->logit, n->logit, rows);
}

double pb__seq_predictive_score(const double *real, uint32_t n_real, const double *gen,
                                uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed)
{
    if (n_real < 1 || n_gen < 1 || T < 2)
        return NAN;
    uint32_t batch = n_gen < PB__SEQ_PRED_BATCH ? n_gen : PB__SEQ_PRED_BATCH;
    /* The real sequences are predicted in chunks of at most the buffers' batch. */
    uint32_t B = batch > 256 ? batch : 256, steps = T - 1, H = hidden_of(D);
    uint32_t *idx = malloc(n_gen * sizeof *idx);
    double *y = malloc((size_t)steps * B * sizeof *y), score = NAN;
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0x70726564u /* "pred" */);
    net n;
    if (!idx || !y || net_new(&n, D > 1 ? D - 1 : 1, H, steps, B, &rng) != 0)
        goto out;
    for (uint32_t i = 0; i < n_gen; i++)
        idx[i] = i;
    size_t rows = (size_t)steps * batch;
    for (int it = 0; it < PB__SEQ_PRED_ITERATIONS; it++) {
        draw(&rng, idx, n_gen, batch);
        for (uint32_t b = 0; b < batch; b++)
            put_predictor(&n, y, batch, b, gen + (size_t)idx[b] * T * D, D);
        predict_steps(&n, batch);
        memset(n.grad, 0, n.n * sizeof(double));
        memset(n.dh, 0, rows * H * sizeof(double));
        /* d mean|yhat - y| / d logit = sign(yhat - y) yhat (1 - yhat) / rows (sign 0 at 0). */
        for (size_t r = 0; r < rows; r++) {
            double e = n.logit[r] - y[r], p = n.logit[r];
            n.dlogit[r] = (e > 0.0 ? 1.0 : e < 0.0 ? -1.0 : 0.0) * p * (1.0 - p) / (double)rows;
        }
        pb_nn_dense_backward(n.dh, n.grad + n.n_gru, n.grad + n.n_gru + H, n.dlogit, n.out,
                             n.params + n.n_gru, (uint32_t)rows, H, 1);
        pb_nn_gru_backward(NULL, n.grad, NULL, &n.g, n.params, n.dh, NULL, n.cache, n.x, n.work,
                           steps, batch);
        pb_nn_adam_step(&n.adam, n.params, n.grad);
    }
    /* Every real sequence: the mean over sequences of the mean over steps. */
    double total = 0.0;
    for (uint32_t first = 0; first < n_real; first += B) {
        uint32_t m = n_real - first < B ? n_real - first : B;
        for (uint32_t b = 0; b < m; b++)
            put_predictor(&n, y, m, b, real + (size_t)(first + b) * T * D, D);
        predict_steps(&n, m);
        for (size_t r = 0; r < (size_t)steps * m; r++)
            total += fabs(n.logit[r] - y[r]);
    }
    score = total / ((double)n_real * steps);
    net_free(&n);
out:
    free(idx);
    free(y);
    return score;
}
