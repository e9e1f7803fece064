/*
 * PV-RNN, the predictive-coding-inspired variational RNN (Ahmadi & Tani, Neural Computation
 * 31(11), 2019), with error regression at test time. The network and its equations are in
 * pvrnn_model.h; README.md gives the parameters, their sources and the departures.
 *
 * Data: values in [value_min, value_max] are mapped to the tanh range,
 * u = (x - c) / r with c = (value_max + value_min) / 2, r = (value_max - value_min) / 2,
 * and every output y back to c + r y.
 *
 * Training, one step() per minibatch of B sequences from the host (with their indices s):
 * z_t = mu_q + sigma_q eps with fresh noise; the loss of pvrnn_model.h (mean over the batch);
 * BPTT; Adam on the weights; and on each sequence's adaptive vectors A[s] (all its steps
 * and layers) an Adam of its own that steps only when s is in the batch (a lazy Adam: its
 * moments and bias corrections count that sequence's updates). A sequence seen for the
 * first time starts from A = the prior's pre-activations along its first pass (q = p), as
 * in the authors' codes.
 *
 * predict(): error regression, step by step along the sequence. At step t the window is
 * the last min(t + 1, W) steps; the state before it is the one the regression of step t - 1
 * left there (the zero state at the sequence's start). A of the new step starts from the
 * prior; the window's A are optimized for er_iterations iterations of a fresh Adam (learning
 * rate er_lr) on the window's loss (the training loss restricted to the window, weights
 * frozen, fresh noise each iteration); then the window is run once more with the posterior
 * means (noise 0), and from the state it reaches at step t the prior's mean path
 * (z = mu_p) predicts steps t+1 .. t+k. With er_iterations = 0 nothing is inferred: A stays
 * at the prior, and the predictions are the prior's mean path from the sequence's start,
 * the same for every sequence (prediction from the prior without error regression). The
 * noise comes from the run's seed, reset at each call, so that predict() is a function of
 * the model and x.
 *
 * generate(): from the zero state, z = mu_p + sigma_p eps with noise from the host's seed;
 * prior_sigma() reruns that path and reports sigma_p's mean over the latent units per step.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/nn.h>
#include <plugbench/rng.h>
#include <plugbench/rnn.h>

#include "pvrnn_internal.h"
#include "pvrnn_model.h"

#define GEN_ROWS 64 /* generate() works on this many sequences at once */

enum {
    P_LAYERS, P_D1, P_D2, P_D3, P_Z1, P_Z2, P_Z3, P_TAU1, P_TAU2, P_TAU3, P_W1, P_W2, P_W3,
    P_LR, P_BATCH, P_ER_WINDOW, P_ER_ITERATIONS, P_ER_LR
};
/* The per-layer parameters: each family has one type and range for all its layers. */
#define UNITS(name_, def, max_, doc_)                                                       \
    {.name = name_, .type = PB_PARAM_INT, .default_value = def, .min = 1, .max = max_,       \
     .doc = doc_}
#define TAU(name_, def, doc_)                                                               \
    {.name = name_, .type = PB_PARAM_REAL, .default_value = def, .min = 1, .max = 1e6,       \
     .doc = doc_}
#define META_PRIOR(name_, def, doc_)                                                        \
    {.name = name_, .type = PB_PARAM_REAL, .default_value = def, .min = 0, .max = 1e3,       \
     .doc = doc_}
static const pb_param params[] = {
    [P_LAYERS] = {.name = "layers", .type = PB_PARAM_INT, .default_value = 2, .min = 1,
                  .max = PVRNN_MAX_LAYERS,
                  .doc = "layers L, 1-3; layer 1 is the bottom one, next to the output "
                         "(GLean branching_path: 2)"},
    [P_D1] = UNITS("d1", 20, 4096, "deterministic units of layer 1 (GLean: 20)"),
    [P_D2] = UNITS("d2", 10, 4096, "deterministic units of layer 2 (GLean: 10)"),
    [P_D3] = UNITS("d3", 10, 4096, "deterministic units of layer 3 (GLean's top layers: 10)"),
    [P_Z1] = UNITS("z1", 2, 1024, "latent units of layer 1 (GLean: 2)"),
    [P_Z2] = UNITS("z2", 1, 1024, "latent units of layer 2 (GLean: 1)"),
    [P_Z3] = UNITS("z3", 1, 1024, "latent units of layer 3 (GLean's top layers: 1)"),
    [P_TAU1] = TAU("tau1", 4, "time constant of layer 1 (GLean: 4)"),
    [P_TAU2] = TAU("tau2", 8, "time constant of layer 2 (GLean: 8)"),
    [P_TAU3] = TAU("tau3", 16, "time constant of layer 3 (GLean's doubling per layer: 16)"),
    [P_W1] = META_PRIOR("w1", 0.01,
                        "meta-prior of layer 1, the weight of its KL term (GLean: 0.01)"),
    [P_W2] = META_PRIOR("w2", 0.005, "meta-prior of layer 2 (GLean: 0.005)"),
    [P_W3] = META_PRIOR("w3", 0.0025,
                        "meta-prior of layer 3 (GLean's halving per layer: 0.0025)"),
    [P_LR] = {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.001, .min = 1e-9,
              .max = 1, .doc = "Adam's learning rate in training (GLean: 0.001)"},
    [P_BATCH] = PB_PARAM_SEQUENCE_BATCH("all training sequences, at most 64 (GLean trains on "
                                        "its full set of 60)"),
    [P_ER_WINDOW] = {.name = "er_window", .type = PB_PARAM_INT, .default_value = 10, .min = 1,
                     .max = 1e4,
                     .doc = "error regression: steps in the sliding window (pvrnn_sa: 10)"},
    [P_ER_ITERATIONS] = {.name = "er_iterations", .type = PB_PARAM_INT, .default_value = 50,
                         .min = 0, .max = 1e6,
                         .doc = "error regression: Adam iterations per step (pvrnn_sa: 50; "
                                "0: no inference, the prior's mean path predicts)"},
    [P_ER_LR] = {.name = "er_lr", .type = PB_PARAM_REAL, .default_value = 0.09, .min = 1e-9,
                 .max = 100, .doc = "error regression: Adam's learning rate (pvrnn_sa: 0.09)"},
};

typedef struct state {
    pb_state_head head; /* the solution is empty (solution_length 0) */
    const pb_sequence *seq;
    pvrnn_model m;
    uint32_t T, X, B, W, er_iterations;
    uint64_t n_train, seed;
    double center, radius, er_lr, loss;
    pvrnn_terms terms;
    pb_rng rng;          /* the training noise */
    pb_nn_adam adam;     /* the weights' */
    pb_nn_adam adam_a;   /* the template of the per-sequence Adams of A */
    double *theta, *gtheta, *m_theta, *v_theta;
    double *A, *m_A, *v_A; /* n_train x T x sa: sequence s's step t at (s T + t) sa */
    uint64_t *t_A;         /* each sequence's Adam steps; 0: never trained on */
    double *xb, *ab, *gab, *eps, *pass, *work, *g_seq;
    uint32_t *idx;
    uint8_t *fresh;
    /* error regression: the window's A, its gradient and moments, noise, targets, pass */
    double *gaw, *m_aw, *v_aw, *epsw, *zeros, *xw, *passw, *s_prev, *s_roll, *y;
    /* error regression's context per test sequence, in the state's extra block: the state
     * at its window's first step, its window's A (W x sa), its noise; aw_cur points at the
     * sequence's A */
    double *ctx_first, *ctx_aw, *aw_cur;
    pb_rng *ctx_rng;
    uint32_t ctx_n, ctx_steps;
    /* generation */
    double *g_state, *g_eps, *g_y, *g_sigma;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_sequence *q = ctx->problem->oracle;
    const pb_value *v = ctx->params;
    pvrnn_model m = {.layers = (uint32_t)v[P_LAYERS].integer, .x = q->dim};
    for (uint32_t l = 0; l < m.layers; l++) {
        m.d[l] = (uint32_t)v[P_D1 + l].integer;
        m.z[l] = (uint32_t)v[P_Z1 + l].integer;
        m.tau[l] = v[P_TAU1 + l].real;
        m.w[l] = v[P_W1 + l].real;
    }
    pvrnn_model_init(&m);
    uint64_t N = q->n_train;
    uint32_t T = q->length, X = q->dim;
    uint64_t rule = N < 64 ? N : 64;
    uint64_t B64 = (uint64_t)pb_param_or(ctx, P_BATCH, (int64_t)rule);
    uint32_t B = (uint32_t)(B64 < N ? B64 : N);
    uint32_t W = (uint32_t)v[P_ER_WINDOW].integer;
    uint32_t rows = B > GEN_ROWS ? B : GEN_ROWS;
    if (N > SIZE_MAX / ((size_t)T * m.sa * 8))
        return pb_fail(ctx, PB_ERR_NOMEM, "%llu training sequences of %u steps: too many to "
                       "keep their adaptive vectors", (unsigned long long)N, T);
    size_t nA = (size_t)N * T * m.sa;
    state *s = PB_STATE_NEW(
        ctx, state, PB_ARRAY(state, theta, m.n_theta), PB_ARRAY(state, gtheta, m.n_theta),
        PB_ARRAY(state, m_theta, m.n_theta), PB_ARRAY(state, v_theta, m.n_theta),
        PB_ARRAY(state, A, nA), PB_ARRAY(state, m_A, nA), PB_ARRAY(state, v_A, nA),
        PB_ARRAY(state, t_A, N), PB_ARRAY(state, xb, (size_t)B * T * X),
        PB_ARRAY(state, ab, (size_t)T * B * m.sa), PB_ARRAY(state, gab, (size_t)T * B * m.sa),
        PB_ARRAY(state, eps, (size_t)T * B * m.sz),
        PB_ARRAY(state, pass, pvrnn_pass_size(&m, B, T)),
        PB_ARRAY(state, work, pvrnn_work_size(&m, rows)),
        PB_ARRAY(state, g_seq, (size_t)T * m.sa), PB_ARRAY(state, idx, B),
        PB_ARRAY(state, fresh, B),
        PB_ARRAY(state, gaw, (size_t)W * m.sa), PB_ARRAY(state, m_aw, (size_t)W * m.sa),
        PB_ARRAY(state, v_aw, (size_t)W * m.sa), PB_ARRAY(state, epsw, (size_t)W * m.sz),
        PB_ARRAY(state, zeros, (size_t)W * m.sz), PB_ARRAY(state, xw, (size_t)W * X),
        PB_ARRAY(state, passw, pvrnn_pass_size(&m, 1, W)), PB_ARRAY(state, s_prev, m.ss),
        PB_ARRAY(state, s_roll, m.ss),
        PB_ARRAY(state, y, X), PB_ARRAY(state, g_state, (size_t)GEN_ROWS * m.ss),
        PB_ARRAY(state, g_eps, (size_t)GEN_ROWS * m.sz),
        PB_ARRAY(state, g_y, (size_t)GEN_ROWS * X),
        PB_ARRAY(state, g_sigma, (size_t)GEN_ROWS * m.sz));
    if (!s)
        return PB_ERR_NOMEM;
    s->seq = q;
    s->m = m;
    s->T = T, s->X = X, s->B = B, s->W = W, s->n_train = N, s->seed = ctx->seed;
    s->er_iterations = (uint32_t)v[P_ER_ITERATIONS].integer;
    s->er_lr = v[P_ER_LR].real;
    s->center = 0.5 * (q->value_max + q->value_min);
    s->radius = q->value_max > q->value_min ? 0.5 * (q->value_max - q->value_min) : 1.0;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    pvrnn_init_weights(&m, s->theta, &s->rng);
    pb_nn_adam_init(&s->adam, s->m_theta, s->v_theta, m.n_theta, v[P_LR].real);
    pb_nn_adam_init(&s->adam_a, s->m_A, s->v_A, (size_t)T * m.sa, v[P_LR].real);
    pb_rng_seed(&s->rng, ctx->seed, 1);
    *out = s;
    return 0;
}

/* Copies the batch's adaptive vectors from their sequences' rows into the pass layout. */
static void gather(state *s)
{
    const pvrnn_model *m = &s->m;
    uint32_t B = s->B;
    for (uint32_t b = 0; b < B; b++) {
        const double *src = s->A + (size_t)s->idx[b] * s->T * m->sa;
        for (uint32_t t = 0; t < s->T; t++)
            for (uint32_t l = 0; l < m->layers; l++) {
                uint32_t Z = m->z[l];
                double *dst = s->ab + ((size_t)t * m->sa + m->a_off[l]) * B + (size_t)b * Z;
                const double *row = src + (size_t)t * m->sa + m->a_off[l];
                memcpy(dst, row, Z * sizeof *dst);
                memcpy(dst + (size_t)B * Z, row + Z, Z * sizeof *dst);
            }
    }
}

/* Adds batch row b of a pass-layout array (A or its gradient) to a sequence's row. */
static void scatter_add(const state *s, const double *batch, uint32_t b, double *row, int copy)
{
    const pvrnn_model *m = &s->m;
    for (uint32_t t = 0; t < s->T; t++)
        for (uint32_t l = 0; l < m->layers; l++) {
            uint32_t Z = m->z[l];
            const double *src = batch + ((size_t)t * m->sa + m->a_off[l]) * s->B + (size_t)b * Z;
            double *dst = row + (size_t)t * m->sa + m->a_off[l];
            for (uint32_t i = 0; i < Z; i++) {
                dst[i] = copy ? src[i] : dst[i] + src[i];
                dst[Z + i] = copy ? src[(size_t)s->B * Z + i] : dst[Z + i] + src[(size_t)s->B * Z + i];
            }
        }
}

/*
 * One lazy-Adam step for each sequence of the batch, once per sequence even when the host's
 * batch holds it twice (their gradients add). A first-seen sequence first takes the prior
 * values the forward wrote for it.
 */
static void update_A(state *s)
{
    size_t n = (size_t)s->T * s->m.sa;
    for (uint32_t b = 0; b < s->B; b++) {
        uint32_t k = s->idx[b];
        int repeat = 0;
        for (uint32_t e = 0; e < b; e++)
            repeat |= s->idx[e] == k;
        if (repeat)
            continue;
        double *row = s->A + (size_t)k * n;
        if (s->fresh[b])
            scatter_add(s, s->ab, b, row, 1);
        memset(s->g_seq, 0, n * sizeof *s->g_seq);
        for (uint32_t e = b; e < s->B; e++)
            if (s->idx[e] == k)
                scatter_add(s, s->gab, e, s->g_seq, 0);
        pb_nn_adam a = s->adam_a;
        a.m = s->m_A + (size_t)k * n;
        a.v = s->v_A + (size_t)k * n;
        a.t = s->t_A[k];
        pb_nn_adam_step(&a, row, s->g_seq);
        s->t_A[k] = a.t;
    }
}

static int32_t step(void *p)
{
    state *s = p;
    const pvrnn_model *m = &s->m;
    uint32_t B = s->B, T = s->T;
    if (s->seq->next_batch(s->seq, B, s->xb, s->idx) != B)
        return PB_CONTINUE; /* budget spent: the host ends the run */
    for (size_t i = 0; i < (size_t)B * T * s->X; i++)
        s->xb[i] = (s->xb[i] - s->center) / s->radius;
    for (uint32_t b = 0; b < B; b++)
        s->fresh[b] = s->t_A[s->idx[b]] == 0;
    gather(s);
    for (size_t i = 0; i < (size_t)T * B * m->sz; i++)
        s->eps[i] = pb_rng_normal(&s->rng);
    s->loss = pvrnn_forward(m, s->theta, s->ab, s->eps, s->xb, (size_t)T * s->X, NULL, s->fresh,
                            0, B, T, s->pass, &s->terms);
    memset(s->gtheta, 0, m->n_theta * sizeof *s->gtheta);
    memset(s->gab, 0, (size_t)T * B * m->sa * sizeof *s->gab);
    pvrnn_backward(m, s->theta, s->eps, s->xb, (size_t)T * s->X, B, T, s->pass, s->gtheta,
                   s->gab, s->work);
    pb_nn_adam_step(&s->adam, s->theta, s->gtheta);
    update_A(s);
    if (!isfinite(s->loss))
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "the loss diverged (%g); try a smaller lr",
                       s->loss);
    return PB_CONTINUE;
}

/* The error regression of step t over the window [t - n + 1, t] (see the top). */
static void regress(state *s, uint32_t n, const double *s0, pb_rng *rng)
{
    const pvrnn_model *m = &s->m;
    uint8_t one = 1;
    if (s->er_iterations > 0) {
        pb_nn_adam adam;
        pb_nn_adam_init(&adam, s->m_aw, s->v_aw, (size_t)n * m->sa, s->er_lr);
        for (uint32_t it = 0; it < s->er_iterations; it++) {
            for (size_t i = 0; i < (size_t)n * m->sz; i++)
                s->epsw[i] = pb_rng_normal(rng);
            pvrnn_forward(m, s->theta, s->aw_cur, s->epsw, s->xw, 0, s0, it == 0 ? &one : NULL,
                          n - 1, 1, n, s->passw, NULL);
            memset(s->gaw, 0, (size_t)n * m->sa * sizeof *s->gaw);
            pvrnn_backward(m, s->theta, s->epsw, s->xw, 0, 1, n, s->passw, NULL, s->gaw, s->work);
            pb_nn_adam_step(&adam, s->aw_cur, s->gaw);
        }
    }
    pvrnn_forward(m, s->theta, s->aw_cur, s->zeros, s->xw, 0, s0,
                  s->er_iterations == 0 ? &one : NULL, n - 1, 1, n, s->passw, NULL);
}

/*
 * Allocates the per-sequence context of a new measurement of n sequences (kept across the
 * measurement's calls, replaced at the next one, freed with the state). 0, or PB_ERR_NOMEM.
 */
static int32_t ctx_reset(state *s, uint32_t n)
{
    const pvrnn_model *m = &s->m;
    int32_t rc = PB_STATE_EXTRA(s, state, PB_ARRAY(state, ctx_first, (size_t)n * m->ss),
                                PB_ARRAY(state, ctx_aw, (size_t)n * s->W * m->sa),
                                PB_ARRAY(state, ctx_rng, n));
    if (rc != 0)
        return rc;
    for (uint32_t b = 0; b < n; b++)
        pb_rng_seed(&s->ctx_rng[b], s->seed, 2); /* each sequence as if predicted alone */
    s->ctx_n = n, s->ctx_steps = 0;
    return 0;
}

/*
 * Step t of sequence b's error regression (x: its prefix, at least t + 1 steps): the window
 * slides by one step, is regressed, and leaves its first step's state and its A in the
 * sequence's context; the state it reaches at step t is left in s_roll.
 */
static void advance(state *s, uint32_t b, uint32_t t, const double *x)
{
    const pvrnn_model *m = &s->m;
    uint32_t X = s->X, W = s->W;
    double *first = s->ctx_first + (size_t)b * m->ss;
    s->aw_cur = s->ctx_aw + (size_t)b * W * m->sa;
    uint32_t start = t + 1 > W ? t + 1 - W : 0, n = t - start + 1;
    if (start > 0) { /* step start - 1 leaves the window */
        memcpy(s->s_prev, first, m->ss * sizeof *s->s_prev);
        memmove(s->aw_cur, s->aw_cur + m->sa, (size_t)(n - 1) * m->sa * sizeof *s->aw_cur);
    }
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t i = 0; i < X; i++)
            s->xw[(size_t)j * X + i] = (x[(size_t)(start + j) * X + i] - s->center) / s->radius;
    regress(s, n, start > 0 ? s->s_prev : NULL, &s->ctx_rng[b]);
    pvrnn_pass_state(m, s->passw, 1, 0, first);
    pvrnn_pass_state(m, s->passw, 1, n - 1, s->s_roll);
}

static int32_t predict(void *p, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                       double *out)
{
    state *s = p;
    const pvrnn_model *m = &s->m;
    uint32_t X = s->X;
    /* The measurement's next call advances every window by one step; any other call (a new
     * measurement, or calls out of the header's order) starts over from the prefix. */
    uint32_t from = steps - 1;
    if (steps == 1 || n != s->ctx_n || steps != s->ctx_steps + 1) {
        int32_t rc = ctx_reset(s, n);
        if (rc != 0)
            return rc;
        from = 0;
    }
    for (uint32_t b = 0; b < n; b++) {
        const double *xb = x + (size_t)b * steps * X;
        for (uint32_t t = from; t < steps; t++)
            advance(s, b, t, xb);
        for (uint32_t j = 0; j < k; j++) {
            pvrnn_prior_step(m, s->theta, s->s_roll, NULL, 1, s->y, NULL, s->work);
            double *o = out + ((size_t)b * k + j) * X;
            for (uint32_t i = 0; i < X; i++)
                o[i] = s->center + s->radius * s->y[i];
        }
    }
    s->ctx_steps = steps;
    return 0;
}

/*
 * The prior's sampled path of n sequences from the zero state, with noise from seed: writes
 * the outputs, mapped back to the data's range, to out (n * length * X; NULL: not wanted)
 * and, unless sigma is NULL, sigma[b * length + t], the mean of the prior's sigma over all
 * latent units of all layers at step t of sequence b (t = 0's N(0, I) included: 1).
 */
static void roll(state *s, uint64_t seed, uint32_t n, uint32_t length, double *out,
                 double *sigma)
{
    const pvrnn_model *m = &s->m;
    uint32_t X = s->X;
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0);
    for (uint32_t b0 = 0; b0 < n; b0 += GEN_ROWS) {
        uint32_t rows = n - b0 < GEN_ROWS ? n - b0 : GEN_ROWS;
        memset(s->g_state, 0, (size_t)rows * m->ss * sizeof *s->g_state);
        for (uint32_t t = 0; t < length; t++) {
            for (size_t i = 0; i < (size_t)rows * m->sz; i++)
                s->g_eps[i] = pb_rng_normal(&rng);
            pvrnn_prior_step(m, s->theta, s->g_state, s->g_eps, rows, s->g_y,
                             sigma ? s->g_sigma : NULL, s->work);
            for (uint32_t b = 0; b < rows && out; b++)
                for (uint32_t i = 0; i < X; i++)
                    out[((size_t)(b0 + b) * length + t) * X + i] =
                        s->center + s->radius * s->g_y[(size_t)b * X + i];
            for (uint32_t b = 0; b < rows && sigma; b++) {
                double sum = 0.0;
                for (uint32_t l = 0; l < m->layers; l++) /* layer l's [rows, Z_l] block */
                    for (uint32_t i = 0; i < m->z[l]; i++)
                        sum += s->g_sigma[(size_t)rows * m->z_off[l] + (size_t)b * m->z[l] + i];
                sigma[(size_t)(b0 + b) * length + t] = sum / m->sz;
            }
        }
    }
}

static int32_t generate(void *p, uint64_t seed, uint32_t n, uint32_t length, double *out)
{
    roll(p, seed, n, length, out, NULL);
    return 0;
}

/* The prior's sigma along generate()'s sequences of the same seed: the same path again. */
static int32_t prior_sigma(void *p, uint64_t seed, uint32_t n, uint32_t length, double *out)
{
    roll(p, seed, n, length, NULL, out);
    return 0;
}

const pvrnn_model *pvrnn_internal_model(const void *p) { return &((const state *)p)->m; }

const double *pvrnn_internal_theta(const void *p) { return ((const state *)p)->theta; }

double pvrnn_internal_loss(const void *p, pvrnn_terms *terms)
{
    const state *s = p;
    if (terms)
        *terms = s->terms;
    return s->loss;
}

void pvrnn_internal_set_er_iterations(void *p, uint32_t iterations)
{
    ((state *)p)->er_iterations = iterations;
}

int pvrnn_internal_prior_sigma(const void *p, uint64_t index, double *out, double *kl)
{
    const state *s = p;
    const pvrnn_model *m = &s->m;
    if (index >= s->n_train || s->t_A[index] == 0)
        return -1;
    size_t n = (size_t)s->T * m->sa;
    double *a = malloc(n * sizeof *a), *eps = calloc((size_t)s->T * m->sz, sizeof *eps),
           *pass = malloc(pvrnn_pass_size(m, 1, s->T) * sizeof *pass);
    int ok = a && eps && pass;
    if (ok) {
        memcpy(a, s->A + index * n, n * sizeof *a); /* B = 1: the row layout is the pass's */
        pvrnn_forward(m, s->theta, a, eps, NULL, 0, NULL, NULL, 0, 1, s->T, pass, NULL);
        for (uint32_t t = 0; t < s->T; t++) {
            if (kl)
                kl[t] = 0.0;
            for (uint32_t l = 0; l < m->layers; l++) {
                pvrnn_record r = pvrnn_pass_record(m, pass, 1, t, l);
                for (uint32_t i = 0; i < m->z[l]; i++)
                    out[(size_t)t * m->sz + m->z_off[l] + i] = exp(r.ls_p[i]);
                if (kl)
                    kl[t] += pb_nn_gauss_kl_forward(NULL, r.mu_q, r.ls_q, r.mu_p, r.ls_p,
                                                    m->z[l]) / m->z[l];
            }
        }
    }
    free(a), free(eps), free(pass);
    return ok ? 0 : -1;
}

static const pb_sequence_model model = {.struct_size = sizeof(pb_sequence_model),
                                        .predict = predict, .generate = generate,
                                        .prior_sigma = prior_sigma};
PB_EXTENSIONS(extension, {PB_SEQUENCE_MODEL, &model})

PB_PLUGIN(
    .kind = PB_KIND_SEQUENCE, .extension = extension, .name = "pvrnn", .version = "1.0.0",
    .summary = "PV-RNN: multi-layer MTRNN with per-step latent variables, trained by BPTT "
               "with adaptive posterior vectors; error regression at test time",
    .citation = "Ahmadi & Tani, A novel predictive-coding-inspired variational RNN model "
                "for online prediction and recognition, Neural Computation 31(11), 2019",
    PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
