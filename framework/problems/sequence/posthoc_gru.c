/*
 * The post-hoc scores' GRU and dense layer; see posthoc_gru.h. The cell's equations are
 * the nn kit's (kit/gru.c's comment gives them, forward and backward), each sum in the
 * kit's order (bias first, then the inputs' products in order, the input side's sum
 * before the state side's); what differs from the kit, and moves the results by rounding,
 * is lanes.h's exp, and the weight gradients' sums over the rows: four lane sums (rows
 * b with the same b % 4, in order of step from the last, then of row), added up as
 * (lane 0 + lane 1) + (lane 2 + lane 3).
 *
 * Every array is in vectors of four rows: the states h[T+1][rows/4][H], the cell's cache
 * [T][rows/4][4H] (r, z, n, q as the kit's; the backward overwrites a step's with its
 * da_r, da_z, da_n and dq), the carried gradient of the state [rows/4][H], the parameters
 * broadcast to four lanes and the gradients' lane sums [n]. The loops run step by step
 * over every block of rows, so that a block's chain of dependent operations (a step's
 * state waits on three exponentials) overlaps the next block's.
 */
#include "posthoc_gru.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lanes.h"

typedef pb__v4d v4d;

/* Each size rounded up to whole vectors, so that every array starts 32-byte aligned. */
static size_t whole(size_t doubles)
{
    return (doubles + 3) / 4 * 4;
}

int pb__phnet_new(pb__phnet *n, uint32_t in, uint32_t H, uint32_t T, uint32_t rows,
                  int per_step, double lr, pb_rng *rng)
{
    rows = (rows + 3) / 4 * 4;
    *n = (pb__phnet){.in = in, .H = H, .T = T, .rows = rows, .per_step = per_step};
    n->n_gru = (size_t)3 * H * in + (size_t)3 * H * H + (size_t)6 * H;
    n->n = n->n_gru + H + 1;
    size_t tr = (size_t)T * rows;
    size_t sizes[] = {n->n, n->n, n->n, n->n, tr * in, tr, tr, 4 * n->n, 4 * n->n,
                      (T + 1) * (size_t)rows * H, tr * 4 * H, (size_t)rows * H};
    double **ptrs[] = {&n->params, &n->grad, &n->m, &n->v, &n->x, &n->out, &n->dout,
                       &n->wide, &n->acc, &n->h, &n->cache, &n->carry};
    size_t total = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        total += whole(sizes[i]);
    n->block = aligned_alloc(32, total * sizeof(double));
    if (!n->block)
        return -1;
    memset(n->block, 0, total * sizeof(double));
    double *p = n->block;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *ptrs[i] = p;
        p += whole(sizes[i]);
    }
    double *W_ih = n->params, *W = W_ih + (size_t)3 * H * in; /* W_hh [3H, H] */
    double a = sqrt(6.0 / (in + 3.0 * H));
    for (size_t i = 0; i < (size_t)3 * H * in; i++)
        W_ih[i] = pb_rng_uniform_in(rng, -a, a);
    /* Orthonormal columns of W_hh: Gram-Schmidt of Gaussian ones. */
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
    pb_nn_adam_init(&n->adam, n->m, n->v, n->n, lr);
    return 0;
}

void pb__phnet_free(pb__phnet *n)
{
    free(n->block);
}

/* Where the parameters of each kind start, in vectors of the broadcast or summed ones. */
typedef struct layout {
    const v4d *W_ih, *W_hh, *b_ih, *b_hh, *w_out, *b_out;
} layout;

static layout layout_of(const v4d *p, uint32_t in, uint32_t H)
{
    layout l;
    l.W_ih = p;
    l.W_hh = l.W_ih + (size_t)3 * H * in;
    l.b_ih = l.W_hh + (size_t)3 * H * H;
    l.b_hh = l.b_ih + (size_t)3 * H;
    l.w_out = l.b_hh + (size_t)3 * H;
    l.b_out = l.w_out + H;
    return l;
}

#define CELL_INLINE static inline __attribute__((always_inline))
/*
 * The loops over units, gates and inputs run a few times each for the problems' shapes;
 * -O2 keeps them as loops (their counters and branches were 13% of the instructions):
 * unrolled whole. Their order, and so every sum's, is unchanged.
 */
#ifdef __clang__
/* clang (the fuzzers' build) unrolls on its own judgement: a pragma it cannot apply to the
 * shape-generic loops would be an error under -Werror (-Wpass-failed). */
#define UNROLL
#else
#define UNROLL _Pragma("GCC unroll 8")
#endif

/* The dense layer on one block's state: b + the products in order of unit. */
CELL_INLINE v4d dense(const layout *w, const v4d *h, uint32_t H)
{
    v4d s = w->b_out[0];
    UNROLL
    for (uint32_t o = 0; o < H; o++)
        s += h[o] * w->w_out[o];
    return s;
}

/* s + v[0] w[0] + v[1] w[1] + ... + v[n-1] w[n-1], added in that order. */
CELL_INLINE v4d add_products(v4d s, const v4d *v, const v4d *w, uint32_t n)
{
    UNROLL
    for (uint32_t f = 0; f < n; f++)
        s += v[f] * w[f];
    return s;
}

/* One block's step: from its input x[in] and state h[H], the cache c[4H] and state hn. */
CELL_INLINE void cell_forward(v4d *restrict c, v4d *restrict hn, const layout *w,
                              const v4d *restrict x, const v4d *restrict h, uint32_t in,
                              uint32_t H)
{
    UNROLL
    for (uint32_t o = 0; o < H; o++) {
        v4d a[3];
        UNROLL
        for (uint32_t k = 0; k < 3; k++) {
            size_t g = (size_t)k * H + o;
            a[k] = add_products(w->b_ih[g], x, w->W_ih + g * in, in);
        }
        UNROLL
        for (uint32_t k = 0; k < 2; k++) {
            size_t g = (size_t)k * H + o;
            a[k] += add_products(w->b_hh[g], h, w->W_hh + g * H, H);
        }
        size_t g = (size_t)2 * H + o;
        v4d q = add_products(w->b_hh[g], h, w->W_hh + g * H, H);
        v4d r = pb__v4_sigmoid(a[0]), z = pb__v4_sigmoid(a[1]);
        v4d nn = pb__v4_tanh(a[2] + r * q);
        c[o] = r;
        c[H + o] = z;
        c[2 * H + o] = nn;
        c[3 * H + o] = q;
        hn[o] = (1.0 - z) * nn + z * h[o];
    }
}

/* d mean|p - y| / d logit of p = sign(p - y) p (1 - p) / count, sign 0 at 0. */
CELL_INLINE v4d mae_gradient(v4d p, v4d y, double count)
{
    const v4d one = pb__v4_set(1.0), zero = pb__v4_set(0.0);
    v4d e = p - y;
    v4d sign = pb__v4_select(e > 0.0, one, zero) - pb__v4_select(e < 0.0, one, zero);
    return sign * p * (1.0 - p) / count;
}

CELL_INLINE void forward_pass(pb__phnet *n, uint32_t nb, uint32_t in, uint32_t H)
{
    const v4d *X = (const v4d *)n->x;
    v4d *h = (v4d *)n->h, *cache = (v4d *)n->cache, *out = (v4d *)n->out;
    v4d *dout = (v4d *)n->dout;
    const v4d *target = (const v4d *)n->mae_target;
    layout w = layout_of((const v4d *)n->wide, in, H);
    size_t stride = n->rows / 4; /* blocks per step */
    for (uint32_t t = 0; t < n->T; t++)
        for (uint32_t b = 0; b < nb; b++) {
            size_t at = (size_t)t * stride + b;
            v4d *hn = h + (at + stride) * H;
            cell_forward(cache + at * 4 * H, hn, &w, X + at * in, h + at * H, in, H);
            if (n->per_step) {
                v4d p = pb__v4_sigmoid(dense(&w, hn, H));
                out[at] = p;
                if (target) /* here, its division overlaps the next blocks' chains */
                    dout[at] = mae_gradient(p, target[at], n->mae_count);
            } else if (t + 1 == n->T)
                out[b] = dense(&w, hn, H);
        }
}

/*
 * One block's step backward. dh[H] holds g = dL/d(its new state) and becomes dL/d(its state
 * before); the cache c becomes da_r, da_z, da_n, dq; the gradients' lane sums add into acc.
 */
CELL_INLINE void cell_backward(v4d *dh, v4d *restrict c, const layout *w, const layout *acc,
                               const v4d *restrict x, const v4d *restrict h, uint32_t in,
                               uint32_t H)
{
    v4d *dW_ih = (v4d *)acc->W_ih, *dW_hh = (v4d *)acc->W_hh;
    v4d *db_ih = (v4d *)acc->b_ih, *db_hh = (v4d *)acc->b_hh;
    UNROLL
    for (uint32_t o = 0; o < H; o++) {
        v4d g = dh[o], r = c[o], z = c[H + o], nn = c[2 * H + o], q = c[3 * H + o];
        v4d da_n = g * (1.0 - z) * (1.0 - nn * nn);
        c[H + o] = g * (h[o] - nn) * z * (1.0 - z);
        c[o] = da_n * q * r * (1.0 - r);
        c[2 * H + o] = da_n;
        c[3 * H + o] = da_n * r;
        dh[o] = g * z;
    }
    UNROLL
    for (uint32_t k = 0; k < 3 * H; k++) {
        UNROLL
        for (uint32_t f = 0; f < in; f++)
            dW_ih[(size_t)k * in + f] += c[k] * x[f];
        db_ih[k] += c[k];
    }
    /* The state side: da_r, da_z, and dq in place of da_n. */
    UNROLL
    for (uint32_t k = 0; k < 3 * H; k++) {
        v4d d = k < 2 * H ? c[k] : c[k + H];
        UNROLL
        for (uint32_t j = 0; j < H; j++)
            dW_hh[(size_t)k * H + j] += d * h[j];
        db_hh[k] += d;
    }
    UNROLL
    for (uint32_t j = 0; j < H; j++)
        UNROLL
        for (uint32_t k = 0; k < 3 * H; k++)
            dh[j] += (k < 2 * H ? c[k] : c[k + H]) * w->W_hh[(size_t)k * H + j];
}

CELL_INLINE void backward_pass(pb__phnet *n, uint32_t nb, uint32_t in, uint32_t H)
{
    const v4d *X = (const v4d *)n->x, *h = (const v4d *)n->h, *dout = (const v4d *)n->dout;
    v4d *cache = (v4d *)n->cache, *carry = (v4d *)n->carry;
    layout w = layout_of((const v4d *)n->wide, in, H);
    layout acc = layout_of((const v4d *)n->acc, in, H);
    v4d *dw_out = (v4d *)acc.w_out, *db_out = (v4d *)acc.b_out;
    size_t stride = n->rows / 4;
    for (uint32_t t = n->T; t-- > 0;)
        for (uint32_t b = 0; b < nb; b++) {
            size_t at = (size_t)t * stride + b;
            const v4d *hn = h + (at + stride) * H;
            v4d *dh = carry + (size_t)b * H;
            /* dL/d(the new state): the carried part (none after the last step) plus the
             * output's, where there is one. */
            if (n->per_step || t + 1 == n->T) {
                v4d d = dout[n->per_step ? at : b];
                UNROLL
                for (uint32_t o = 0; o < H; o++) {
                    dh[o] = (t + 1 < n->T ? dh[o] : pb__v4_set(0.0)) + d * w.w_out[o];
                    dw_out[o] += d * hn[o];
                }
                db_out[0] += d;
            }
            cell_backward(dh, cache + at * 4 * H, &w, &acc, X + at * in, h + at * H, in, H);
        }
}

/*
 * The passes with the shape a constant for the problems' nets ((in, H): the discriminator's
 * (D, D/2) and the predictor's (D-1, D/2) for D = 2, 3, 5, 6; their loops unroll), any
 * other shape with loops; cloned for AVX2, where a vector operation is one instruction
 * instead of two SSE2 ones (both round alike).
 */
#define SHAPES(X) X(1, 1) X(2, 1) X(3, 1) X(4, 2) X(5, 2) X(5, 3) X(6, 3)
#define CLONED __attribute__((target_clones("avx2", "default")))

#define FORWARD_IF(IN, HH)                                                                   \
    if (n->in == IN && n->H == HH) {                                                          \
        forward_pass(n, nb, IN, HH);                                                          \
        return;                                                                              \
    }
#define BACKWARD_IF(IN, HH)                                                                  \
    if (n->in == IN && n->H == HH) {                                                          \
        backward_pass(n, nb, IN, HH);                                                         \
        return;                                                                              \
    }

CLONED static void forward_any(pb__phnet *n, uint32_t nb)
{
    SHAPES(FORWARD_IF)
    forward_pass(n, nb, n->in, n->H);
}

CLONED static void backward_any(pb__phnet *n, uint32_t nb)
{
    SHAPES(BACKWARD_IF)
    backward_pass(n, nb, n->in, n->H);
}

void pb__phnet_forward(pb__phnet *n, uint32_t rows)
{
    v4d *wide = (v4d *)n->wide;
    for (size_t i = 0; i < n->n; i++)
        wide[i] = pb__v4_set(n->params[i]);
    forward_any(n, (rows + 3) / 4);
}

void pb__phnet_train_step(pb__phnet *n, uint32_t rows)
{
    memset(n->acc, 0, 4 * n->n * sizeof(double));
    backward_any(n, (rows + 3) / 4);
    const v4d *acc = (const v4d *)n->acc;
    for (size_t i = 0; i < n->n; i++)
        n->grad[i] = (acc[i][0] + acc[i][1]) + (acc[i][2] + acc[i][3]);
    pb_nn_adam_step(&n->adam, n->params, n->grad);
}
