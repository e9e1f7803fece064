/*
 * The post-hoc scores' GRU (posthoc_gru.c) against the nn kit's GRU, dense and sigmoid
 * layers (plugbench/rnn.h, plugbench/nn.h) on the same parameters and batch: the outputs
 * and, for an upstream gradient of the outputs, the gradient of every parameter, within
 * 1e-12 relative to the largest (the two differ in the exponential, in the order of the
 * sums over rows, nothing else). For the discriminator's form (the last state's logit) and
 * the predictor's (a sigmoid at every step), for shapes the scores use (in 2, 1 unit; in 4,
 * 2 units) and one that takes the loops of any shape (in 3, 4 units), with a batch of 10
 * rows, so that the last block of four has two rows past it. And the predictor's mean
 * absolute error gradient, which its forward computes, against the formula row by row.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugbench/nn.h"
#include "plugbench/rnn.h"
#include "posthoc_gru.h"

enum { T = 7, ROWS = 10 };

static double max_abs(const double *a, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++)
        m = fmax(m, fabs(a[i]));
    return m;
}

/*
 * The predictor's forward with a target writes the mean absolute error's gradient: the
 * same bits as the formula one row at a time, sign 0 where an output equals its target
 * (every third row's). Leaves dout at 0.
 */
static void check_mae(pb__phnet *n, pb_rng *rng)
{
    size_t size = (size_t)T * n->rows;
    double *target = aligned_alloc(32, size * sizeof *target);
    for (size_t i = 0; i < size; i++)
        target[i] = i % 3 ? pb_rng_uniform(rng) : n->out[i];
    n->mae_target = target;
    n->mae_count = 3.0 * ROWS;
    pb__phnet_forward(n, ROWS);
    n->mae_target = NULL;
    int same = 1;
    for (size_t i = 0; i < size; i++) {
        double p = n->out[i], sign = (p > target[i]) - (p < target[i]);
        same &= n->dout[i] == sign * p * (1.0 - p) / (3.0 * ROWS);
    }
    CHECK(same, "the forward's mean absolute error gradient is the formula's, bit for bit");
    memset(n->dout, 0, size * sizeof *n->dout);
    free(target);
}

static void compare(uint32_t in, uint32_t H, int per_step)
{
    pb_rng rng;
    pb_rng_seed(&rng, 7, in * 10 + H);
    pb__phnet n;
    if (pb__phnet_new(&n, in, H, T, ROWS, per_step, 1e-3, &rng) != 0) {
        CHECK(0, "out of memory");
        return;
    }
    /* Nonzero biases too, which the initialisation leaves at 0. */
    for (size_t i = n.n_gru - 6 * H; i < n.n; i++)
        n.params[i] += pb_rng_uniform_in(&rng, -0.5, 0.5);
    pb_nn_gru g = {.in = in, .hidden = H, .layers = 1, .directions = 1};
    size_t tb = (size_t)T * ROWS, cache_n = pb_nn_gru_cache_size(&g, T, ROWS);
    double *x = malloc(tb * in * sizeof *x), *out = malloc(tb * H * sizeof *out);
    double *hT = malloc(ROWS * H * sizeof *hT), *cache = malloc(cache_n * sizeof *cache);
    double *work = malloc(pb_nn_gru_work_size(&g, T, ROWS) * sizeof *work);
    double *y = malloc(tb * sizeof *y), *dy = malloc(tb * sizeof *dy);
    double *dh = calloc(tb * H, sizeof *dh), *grad = calloc(n.n, sizeof *grad);
    for (uint32_t t = 0; t < T; t++)
        for (uint32_t b = 0; b < ROWS; b++)
            for (uint32_t f = 0; f < in; f++) {
                double v = pb_rng_uniform(&rng);
                x[((size_t)t * ROWS + b) * in + f] = v;
                pb__phnet_x(&n, t, b)[4 * f] = v;
            }
    for (size_t i = 0; i < tb; i++)
        dy[i] = pb_rng_uniform_in(&rng, -1.0, 1.0);
    const double *w_out = n.params + n.n_gru, *b_out = w_out + H;
    double *dw_out = grad + n.n_gru, *db_out = dw_out + H;
    /* The kit: forward, then backward from dy. */
    pb_nn_gru_forward(out, hT, cache, &g, n.params, x, NULL, T, ROWS);
    size_t outs = per_step ? tb : ROWS;
    pb_nn_dense_forward(y, per_step ? out : hT, w_out, b_out, (uint32_t)outs, H, 1);
    if (per_step) /* dy is the gradient of the logits, before the sigmoid */
        pb_nn_sigmoid_forward(y, y, tb);
    pb_nn_dense_backward(dh, dw_out, db_out, dy, per_step ? out : hT, w_out, (uint32_t)outs,
                         H, 1);
    pb_nn_gru_backward(NULL, grad, NULL, &g, n.params, per_step ? dh : NULL,
                       per_step ? NULL : dh, cache, x, work, T, ROWS);
    /* Ours. */
    pb__phnet_forward(&n, ROWS);
    if (per_step)
        check_mae(&n, &rng);
    double d_out = 0.0;
    for (size_t i = 0; i < outs; i++) {
        size_t at = per_step ? i / ROWS * n.rows + i % ROWS : i;
        d_out = fmax(d_out, fabs(n.out[at] - y[i]));
        n.dout[at] = dy[i];
    }
    double *before = malloc(n.n * sizeof *before);
    memcpy(before, n.params, n.n * sizeof *before);
    pb__phnet_train_step(&n, ROWS);
    double d_grad = 0.0, scale = max_abs(grad, n.n);
    for (size_t i = 0; i < n.n; i++)
        d_grad = fmax(d_grad, fabs(n.grad[i] - grad[i]));
    CHECK(d_out <= 1e-12 * fmax(1.0, max_abs(y, outs)), "in %u, %u units, %s: outputs within "
          "%.3g of the kit's", in, H, per_step ? "every step" : "last state", d_out);
    CHECK(d_grad <= 1e-12 * scale, "in %u, %u units, %s: gradients within %.3g of the kit's "
          "(largest %.3g)", in, H, per_step ? "every step" : "last state", d_grad, scale);
    CHECK(memcmp(before, n.params, n.n * sizeof *before) != 0, "the Adam step moved the "
          "parameters");
    free(x), free(out), free(hT), free(cache), free(work), free(y), free(dy), free(dh);
    free(grad), free(before);
    pb__phnet_free(&n);
}

int main(void)
{
    uint32_t shapes[3][2] = {{2, 1}, {4, 2}, {3, 4}};
    for (int s = 0; s < 3; s++)
        for (int per_step = 0; per_step < 2; per_step++)
            compare(shapes[s][0], shapes[s][1], per_step);
    return check_summary("post-hoc gru");
}
