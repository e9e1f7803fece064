/*
 * The GRU: a cell and multi-layer, optionally bidirectional GRUs over sequences, as
 * forward/backward pairs; see plugbench/rnn.h. Every matrix product is one of nn.h's dense
 * layers, so that this file builds the same with and without BLAS (PB_NN_NO_BLAS).
 */
#include "plugbench/nn.h"
#include "plugbench/rnn.h"

#include <assert.h>
#include <math.h>
#include <string.h>

/*
 * The cell. Gate k (0 r, 1 z, 2 n) has rows [k H, (k+1) H) of W_ih and W_hh and entries
 * [k H, (k+1) H) of the biases: a contiguous block each, so that a gate's projection is a
 * dense layer of its own, with its output contiguous.
 *
 *   forward                                      backward, given g = dL/dh'
 *   a_r = W_ir x + b_ir + W_hr h + b_hr          dn   = g o (1 - z)
 *   a_z = W_iz x + b_iz + W_hz h + b_hz          dz   = g o (h - n)
 *   q   = W_hn h + b_hn                          dh  += g o z
 *   r = sigmoid(a_r), z = sigmoid(a_z)           da_n = dn o (1 - n^2)
 *   n = tanh(W_in x + b_in + r o q)              da_z = dz o z (1 - z)
 *   h' = (1 - z) o n + z o h                     da_r = da_n o q o r (1 - r)
 *                                                dq   = da_n o r
 * then the dense backwards: (dx, dW_i., db_i.) from da_r, da_z, da_n and (dh, dW_h., db_h.)
 * from da_r, da_z, dq. The cache keeps r, z, n, q.
 */
static const double *gate(const double *W, uint32_t k, uint32_t H, uint32_t cols)
{
    return W ? W + (size_t)k * H * cols : NULL;
}

static double *dgate(double *W, uint32_t k, uint32_t H, uint32_t cols)
{
    return W ? W + (size_t)k * H * cols : NULL;
}

/* The forward's end, from the pre-activations in cache: the gates, n, and h'. */
static void forward_end(double *h_out, double *cache, const double *h, size_t n)
{
    double *r = cache, *z = cache + n, *c = cache + 2 * n, *q = cache + 3 * n;
    pb_nn_sigmoid_forward(r, r, 2 * n); /* r and z */
    for (size_t i = 0; i < n; i++) {
        c[i] = tanh(c[i] + r[i] * q[i]);
        h_out[i] = (1.0 - z[i]) * c[i] + z[i] * h[i];
    }
}


void pb_nn_gru_cell_forward(double *h_out, double *cache, const double *x, const double *h,
                            const double *W_ih, const double *W_hh, const double *b_ih,
                            const double *b_hh, uint32_t B, uint32_t In, uint32_t H)
{
    assert(h_out != h && h_out != x);
    size_t n = (size_t)B * H;
    double *c = cache + 2 * n, *q = cache + 3 * n;
    for (uint32_t k = 0; k < 2; k++) { /* r, z; h_out holds the hidden projection meanwhile */
        double *a = cache + k * n;
        pb_nn_dense_forward(a, x, gate(W_ih, k, H, In), gate(b_ih, k, H, 1), B, In, H);
        pb_nn_dense_forward(h_out, h, gate(W_hh, k, H, H), gate(b_hh, k, H, 1), B, H, H);
        for (size_t i = 0; i < n; i++)
            a[i] += h_out[i];
    }
    pb_nn_dense_forward(q, h, gate(W_hh, 2, H, H), gate(b_hh, 2, H, 1), B, H, H);
    pb_nn_dense_forward(c, x, gate(W_ih, 2, H, In), gate(b_ih, 2, H, 1), B, In, H);
    forward_end(h_out, cache, h, n);
}


void pb_nn_gru_cell_backward(double *dx, double *dh, double *dW_ih, double *dW_hh, double *db_ih,
                             double *db_hh, const double *dh_out, const double *cache,
                             const double *x, const double *h, const double *W_ih,
                             const double *W_hh, double *work, uint32_t B, uint32_t In,
                             uint32_t H)
{
    assert(dh != dh_out && dx != dh_out);
    size_t n = (size_t)B * H;
    const double *r = cache, *z = cache + n, *c = cache + 2 * n, *q = cache + 3 * n;
    double *da[3] = {work, work + n, work + 2 * n}; /* da_r, da_z, da_n */
    for (size_t i = 0; i < n; i++) {
        double g = dh_out[i];
        da[2][i] = g * (1.0 - z[i]) * (1.0 - c[i] * c[i]);
        da[1][i] = g * (h[i] - c[i]) * z[i] * (1.0 - z[i]);
        da[0][i] = da[2][i] * q[i] * r[i] * (1.0 - r[i]);
        if (dh)
            dh[i] += g * z[i];
    }
    for (uint32_t k = 0; k < 3; k++)
        pb_nn_dense_backward(dx, dgate(dW_ih, k, H, In), dgate(db_ih, k, H, 1), da[k], x,
                             gate(W_ih, k, H, In), B, In, H);
    for (size_t i = 0; i < n; i++) /* da_n becomes dq */
        da[2][i] *= r[i];
    for (uint32_t k = 0; k < 3; k++)
        pb_nn_dense_backward(dh, dgate(dW_hh, k, H, H), dgate(db_hh, k, H, 1), da[k], h,
                             gate(W_hh, k, H, H), B, H, H);
}

/* ---- Sequences ---------------------------------------------------------------------------- */

/* The columns of layer l's input. */
static uint32_t layer_in(const pb_nn_gru *g, uint32_t l)
{
    return l ? g->directions * g->hidden : g->in;
}

/* The parameters of one (layer, direction): W_ih, W_hh, b_ih, b_hh. */
static size_t block_params(uint32_t in, uint32_t H)
{
    return (size_t)3 * H * in + (size_t)3 * H * H + (size_t)6 * H;
}

pb_nn_gru_slot pb_nn_gru_slot_of(const pb_nn_gru *g, uint32_t layer, uint32_t direction)
{
    assert(layer < g->layers && direction < g->directions);
    uint32_t H = g->hidden;
    size_t off = 0;
    for (uint32_t l = 0; l < layer; l++)
        off += g->directions * block_params(layer_in(g, l), H);
    pb_nn_gru_slot s;
    s.in = layer_in(g, layer);
    s.W_ih = off + direction * block_params(s.in, H);
    s.W_hh = s.W_ih + (size_t)3 * H * s.in;
    s.b_ih = s.W_hh + (size_t)3 * H * H;
    s.b_hh = s.b_ih + (size_t)3 * H;
    return s;
}

size_t pb_nn_gru_param_count(const pb_nn_gru *g)
{
    size_t count = 0;
    for (uint32_t l = 0; l < g->layers; l++)
        count += g->directions * block_params(layer_in(g, l), g->hidden);
    return count;
}

/*
 * The cache: first, for each layer l < L-1, its output y_l[T,B,D H] (layer l+1's input; the
 * top layer's is the caller's out); then, for each (layer, direction) in parameter order, a
 * block with the states s[T+1,B,H] (s[0] the initial state, s[k+1] the state after the k-th
 * step processed: time k forward, time T-1-k in reverse) and the T cells' caches in the
 * order processed.
 */
static size_t outputs_size(const pb_nn_gru *g, uint32_t T, uint32_t B)
{
    return (size_t)T * B * g->directions * g->hidden;
}

static size_t block_size(const pb_nn_gru *g, uint32_t T, uint32_t B)
{
    return (size_t)(T + 1) * B * g->hidden + (size_t)T * PB_NN_GRU_CELL_CACHE(B, g->hidden);
}

static size_t block_offset(const pb_nn_gru *g, uint32_t T, uint32_t B, uint32_t l, uint32_t d)
{
    return (g->layers - 1) * outputs_size(g, T, B) +
           ((size_t)l * g->directions + d) * block_size(g, T, B);
}

size_t pb_nn_gru_cache_size(const pb_nn_gru *g, uint32_t T, uint32_t B)
{
    return block_offset(g, T, B, g->layers, 0);
}

/* Two gradients of layer outputs [T,B,D H], a step's dL/dh, the carried dL/dh, the cell's. */
size_t pb_nn_gru_work_size(const pb_nn_gru *g, uint32_t T, uint32_t B)
{
    return 2 * outputs_size(g, T, B) + (size_t)2 * B * g->hidden +
           PB_NN_GRU_CELL_WORK(B, g->hidden);
}

/*
 * Forward: layer by layer, each direction in turn; the reverse direction reads time T-1-k
 * at its k-th step and writes its state there, so that both directions' outputs at time t
 * sit side by side in y[t] (columns d H .. (d+1) H).
 */
void pb_nn_gru_forward(double *out, double *h_final, double *cache, const pb_nn_gru *g,
                       const double *params, const double *x, const double *h0, uint32_t T,
                       uint32_t B)
{
    assert(g->in && g->hidden && g->layers && (g->directions == 1 || g->directions == 2));
    uint32_t H = g->hidden, D = g->directions;
    size_t bh = (size_t)B * H;
    for (uint32_t l = 0; l < g->layers; l++) {
        const double *in = l ? cache + (l - 1) * outputs_size(g, T, B) : x;
        double *y = l + 1 < g->layers ? cache + l * outputs_size(g, T, B) : out;
        for (uint32_t d = 0; d < D; d++) {
            pb_nn_gru_slot p = pb_nn_gru_slot_of(g, l, d);
            double *s = cache + block_offset(g, T, B, l, d);
            double *cells = s + (T + 1) * bh;
            if (h0)
                memcpy(s, h0 + (l * D + d) * bh, bh * sizeof *s);
            else
                memset(s, 0, bh * sizeof *s);
            for (uint32_t k = 0; k < T; k++) {
                uint32_t t = d ? T - 1 - k : k;
                double *hk = s + (k + 1) * bh;
                pb_nn_gru_cell_forward(hk, cells + k * PB_NN_GRU_CELL_CACHE(B, H),
                                       in + (size_t)t * B * p.in, s + k * bh, params + p.W_ih,
                                       params + p.W_hh, params + p.b_ih, params + p.b_hh, B,
                                       p.in, H);
                /* A loop, not memcpy: a row is one or a few doubles in small GRUs. */
                for (uint32_t b = 0; b < B; b++)
                    for (uint32_t j = 0; j < H; j++)
                        y[((size_t)t * B + b) * D * H + d * H + j] = hk[(size_t)b * H + j];
            }
            if (h_final)
                memcpy(h_final + (l * D + d) * bh, s + T * bh, bh * sizeof *s);
        }
    }
}

/*
 * Backward, top layer first: dy holds dL/d(layer l's output), and layer l's cell backwards
 * add dL/d(its input) into dbelow, which becomes layer l-1's dy (for layer 0, into the
 * caller's dx). Each direction walks its steps in reverse order of processing, carrying
 * dL/dh from step to step: at the step that produced time t, dL/dh' = carry + dy[t].
 */
void pb_nn_gru_backward(double *dx, double *dparams, double *dh0, const pb_nn_gru *g,
                        const double *params, const double *dout, const double *dh_final,
                        const double *cache, const double *x, double *work, uint32_t T,
                        uint32_t B)
{
    uint32_t H = g->hidden, D = g->directions;
    size_t bh = (size_t)B * H, ny = outputs_size(g, T, B);
    double *dy = work, *dbelow = work + ny, *step = dbelow + ny, *carry = step + bh;
    double *cell_work = carry + bh;
    if (dout)
        memcpy(dy, dout, ny * sizeof *dy);
    else
        memset(dy, 0, ny * sizeof *dy);
    for (uint32_t l = g->layers; l-- > 0;) {
        const double *in = l ? cache + (l - 1) * ny : x;
        double *din = l ? dbelow : dx;
        if (l)
            memset(dbelow, 0, ny * sizeof *dbelow);
        for (uint32_t d = 0; d < D; d++) {
            pb_nn_gru_slot p = pb_nn_gru_slot_of(g, l, d);
            const double *s = cache + block_offset(g, T, B, l, d);
            const double *cells = s + (T + 1) * bh;
            if (dh_final)
                memcpy(carry, dh_final + (l * D + d) * bh, bh * sizeof *carry);
            else
                memset(carry, 0, bh * sizeof *carry);
            for (uint32_t k = T; k-- > 0;) {
                uint32_t t = d ? T - 1 - k : k;
                for (uint32_t b = 0; b < B; b++)
                    for (uint32_t j = 0; j < H; j++)
                        step[(size_t)b * H + j] = carry[(size_t)b * H + j] +
                                                  dy[((size_t)t * B + b) * D * H + d * H + j];
                memset(carry, 0, bh * sizeof *carry);
                size_t at = (size_t)t * B * p.in;
                pb_nn_gru_cell_backward(din ? din + at : NULL, carry, dparams + p.W_ih,
                                        dparams + p.W_hh, dparams + p.b_ih, dparams + p.b_hh,
                                        step, cells + k * PB_NN_GRU_CELL_CACHE(B, H), in + at,
                                        s + k * bh, params + p.W_ih, params + p.W_hh,
                                        cell_work, B, p.in, H);
            }
            if (dh0)
                for (size_t i = 0; i < bh; i++)
                    dh0[(l * D + d) * bh + i] += carry[i];
        }
        double *swap = dy;
        dy = dbelow;
        dbelow = swap;
    }
}
