/*
 * The nn kit: every backward against central finite differences of its forward, with a
 * random upstream gradient r (the scalar checked is L = sum r o out, or the mean loss for
 * the losses): the norm-wise relative error of each gradient is <= 1e-6. Inputs stay away
 * from ReLU's kink; step h = 1e-5. Backwards accumulate: checked too.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugbench/nn.h"
#include "plugbench/rng.h"

#define H 1e-5
#define TOL 1e-6

enum { B = 5, IN = 7, OUT = 4, C = 6 };

static pb_rng rng;

static void fill(double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * pb_rng_normal(&rng);
}

typedef struct dense_ctx {
    double in[B * IN], W[OUT * IN], b[OUT], out[B * OUT], r[B * OUT];
} dense_ctx;

static double dense_scalar(void *p)
{
    dense_ctx *c = p;
    pb_nn_dense_forward(c->out, c->in, c->W, c->b, B, IN, OUT);
    return dot(c->r, c->out, B * OUT);
}

static void test_dense(void)
{
    dense_ctx c;
    fill(c.in, B * IN, 1);
    fill(c.W, OUT * IN, 0.5);
    fill(c.b, OUT, 0.5);
    fill(c.r, B * OUT, 1);
    double din[B * IN] = {0}, dW[OUT * IN] = {0}, db[OUT] = {0};
    double nin[B * IN], nW[OUT * IN], nb[OUT];
    dense_scalar(&c);
    pb_nn_dense_backward(din, dW, db, c.r, c.in, c.W, B, IN, OUT);
    central_gradient(dense_scalar, &c, c.in, B * IN, H, nin);
    central_gradient(dense_scalar, &c, c.W, OUT * IN, H, nW);
    central_gradient(dense_scalar, &c, c.b, OUT, H, nb);
    CHECK(rel(din, nin, B * IN) <= TOL, "dense d/din: relative error %.1e", rel(din, nin, B * IN));
    CHECK(rel(dW, nW, OUT * IN) <= TOL, "dense d/dW: relative error %.1e", rel(dW, nW, OUT * IN));
    CHECK(rel(db, nb, OUT) <= TOL, "dense d/db: relative error %.1e", rel(db, nb, OUT));
    /* Accumulation: a second backward doubles the gradients. */
    pb_nn_dense_backward(din, dW, db, c.r, c.in, c.W, B, IN, OUT);
    for (size_t i = 0; i < OUT; i++)
        nb[i] *= 2;
    CHECK(rel(db, nb, OUT) <= TOL, "dense backward accumulates into db");
}

typedef struct act_ctx {
    int which; /* 0 tanh, 1 relu, 2 sigmoid */
    double in[B * IN], out[B * IN], r[B * IN];
} act_ctx;

static double act_scalar(void *p)
{
    act_ctx *c = p;
    if (c->which == 0)
        pb_nn_tanh_forward(c->out, c->in, B * IN);
    else if (c->which == 1)
        pb_nn_relu_forward(c->out, c->in, B * IN);
    else
        pb_nn_sigmoid_forward(c->out, c->in, B * IN);
    return dot(c->r, c->out, B * IN);
}

static void test_activations(void)
{
    static const char *const names[] = {"tanh", "relu", "sigmoid"};
    for (int which = 0; which < 3; which++) {
        act_ctx c = {.which = which};
        fill(c.in, B * IN, 2);
        for (size_t i = 0; i < B * IN; i++) /* away from relu's kink */
            c.in[i] += c.in[i] >= 0 ? 0.01 : -0.01;
        fill(c.r, B * IN, 1);
        double din[B * IN] = {0}, nin[B * IN];
        act_scalar(&c);
        if (which == 0)
            pb_nn_tanh_backward(din, c.r, c.out, B * IN);
        else if (which == 1)
            pb_nn_relu_backward(din, c.r, c.in, B * IN);
        else
            pb_nn_sigmoid_backward(din, c.r, c.out, B * IN);
        central_gradient(act_scalar, &c, c.in, B * IN, H, nin);
        CHECK(rel(din, nin, B * IN) <= TOL, "%s d/din: relative error %.1e", names[which],
              rel(din, nin, B * IN));
    }
    /* Large arguments do not overflow. */
    double big[2] = {-800, 800}, out[2];
    pb_nn_sigmoid_forward(out, big, 2);
    CHECK(out[0] == 0.0 && out[1] == 1.0, "sigmoid(-800) = %g, sigmoid(800) = %g", out[0], out[1]);
}

typedef struct loss_ctx {
    double logits[B * C], probs[B * C], losses[B];
    uint32_t labels[B];
    int binary;
} loss_ctx;

static double loss_scalar(void *p)
{
    loss_ctx *c = p;
    return c->binary ? pb_nn_logistic_xent_forward(c->losses, c->logits, c->labels, B)
                     : pb_nn_softmax_xent_forward(c->probs, c->losses, c->logits, c->labels, B, C);
}

static void test_losses(void)
{
    loss_ctx c = {.binary = 0};
    fill(c.logits, B * C, 3);
    for (int i = 0; i < B; i++)
        c.labels[i] = (uint32_t)pb_rng_below(&rng, C);
    double dl[B * C] = {0}, nl[B * C];
    loss_scalar(&c);
    pb_nn_softmax_xent_backward(dl, c.probs, c.labels, 1.0 / B, B, C);
    central_gradient(loss_scalar, &c, c.logits, B * C, H, nl);
    CHECK(rel(dl, nl, B * C) <= TOL, "softmax cross-entropy d/dlogits: relative error %.1e",
          rel(dl, nl, B * C));
    c.binary = 1;
    for (int i = 0; i < B; i++)
        c.labels[i] = (uint32_t)pb_rng_below(&rng, 2);
    double db[B] = {0}, nb[B];
    loss_scalar(&c);
    pb_nn_logistic_xent_backward(db, c.logits, c.labels, 1.0 / B, B);
    central_gradient(loss_scalar, &c, c.logits, B, H, nb);
    CHECK(rel(db, nb, B) <= TOL, "logistic cross-entropy d/dlogit: relative error %.1e",
          rel(db, nb, B));
    /* Stable at extreme logits: finite losses, no log 0. */
    double z[2] = {1000, -1000}, losses[2];
    uint32_t y[2] = {0, 0};
    double mean = pb_nn_logistic_xent_forward(losses, z, y, 2);
    CHECK(isfinite(mean) && fabs(losses[0] - 1000) < 1e-9 && losses[1] < 1e-300,
          "logistic loss at logits +-1000: %g, %g", losses[0], losses[1]);
    double zz[C] = {1000, -1000, 0, 0, 0, 0}, pr[C], ls[1];
    uint32_t lab[1] = {1};
    mean = pb_nn_softmax_xent_forward(pr, ls, zz, lab, 1, C);
    CHECK(isfinite(mean) && fabs(mean - 2000) < 1e-9, "softmax loss of a -2000 margin: %g", mean);
}

#ifdef PB_NN_NO_BLAS
/*
 * Without BLAS, each output of a dense layer adds its products in order of k, skipping
 * those whose input factor is zero, whichever loop computes it (nn.c: passes down the rows
 * for a short inner dimension, register tiles for a long one): forward and input gradient
 * against that loop written out, bit for bit, on an odd number of rows and outputs (the
 * tiles' edges), inner dimensions 19 and 9, a quarter of the factors zero.
 */
static void test_dense_order(void)
{
    enum { RB = 37, RIN = 19, ROUT = 9 };
    static double in[RB * RIN], W[ROUT * RIN], b[ROUT], dout[RB * ROUT], out[RB * ROUT],
        din[RB * RIN], dW[ROUT * RIN], ref_out[RB * ROUT], ref_din[RB * RIN];
    fill(in, RB * RIN, 1.0);
    fill(W, ROUT * RIN, 1.0);
    fill(b, ROUT, 1.0);
    fill(dout, RB * ROUT, 1.0);
    fill(din, RB * RIN, 1.0);
    for (size_t i = 0; i < RB * RIN; i += 4)
        in[i] = 0.0;
    for (size_t i = 1; i < RB * ROUT; i += 4)
        dout[i] = 0.0;
    memcpy(ref_din, din, sizeof din);
    for (uint32_t r = 0; r < RB; r++) {
        for (uint32_t o = 0; o < ROUT; o++) {
            double z = b[o];
            for (uint32_t k = 0; k < RIN; k++)
                if (in[r * RIN + k] != 0.0)
                    z += in[r * RIN + k] * W[o * RIN + k];
            ref_out[r * ROUT + o] = z;
        }
        for (uint32_t i = 0; i < RIN; i++)
            for (uint32_t o = 0; o < ROUT; o++)
                if (dout[r * ROUT + o] != 0.0)
                    ref_din[r * RIN + i] += dout[r * ROUT + o] * W[o * RIN + i];
    }
    pb_nn_dense_forward(out, in, W, b, RB, RIN, ROUT);
    pb_nn_dense_backward(din, dW, NULL, dout, in, W, RB, RIN, ROUT);
    CHECK(memcmp(out, ref_out, sizeof out) == 0 && memcmp(din, ref_din, sizeof din) == 0,
          "dense forward and input gradient: each output's products in order of k, bit for bit");
}
#endif

int main(void)
{
    pb_rng_seed(&rng, 2021, 0);
    test_dense();
#ifdef PB_NN_NO_BLAS
    test_dense_order();
#endif
    test_activations();
    test_losses();
    return check_summary("nn");
}
