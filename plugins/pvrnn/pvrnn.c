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
 * noise comes from the run's seed, reset at each measurement, so that predict() is a
 * function of the model and x; every sequence draws the same noise, the stream it would
 * draw predicted alone. All test sequences are regressed as one batch of the network (its
 * rows kept apart: each sequence gets the numbers of its own pass).
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
    /* Error regression, in the state's extra block, for the n test sequences of a
     * measurement as one batch (the network's layouts with B = n), kept across its calls:
     * the state at each window's first step, the windows' A ([W] steps) and the noise
     * stream; for each step, the A's gradient and moments, the noise (one sequence's, e1,
     * and it for all), zero noise, the targets (sequence b's window at b W X), the pass, the
     * state reached, the prediction y [X, n], the backward's work and ones (every row
     * takes its new step's A from the prior). */
    double *ctx_first, *ctx_aw, *gaw, *m_aw, *v_aw, *e1, *epsw, *zeros, *xw, *passw, *s_roll,
        *y, *work_er;
    uint8_t *ones;
    pb_rng ctx_rng;
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
        PB_ARRAY(state, fresh, B), PB_ARRAY(state, g_state, (size_t)GEN_ROWS * m.ss),
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

/* Draws the noise of `steps` steps of B rows, laid out as the forward's eps, in the order
 * step, layer, row, unit. */
static void draw_noise(const pvrnn_model *m, double *eps, uint32_t steps, uint32_t B,
                       pb_rng *rng)
{
    for (uint32_t t = 0; t < steps; t++)
        for (uint32_t l = 0; l < m->layers; l++) {
            double *e = eps + ((size_t)t * m->sz + m->z_off[l]) * B;
            for (uint32_t b = 0; b < B; b++)
                for (uint32_t i = 0; i < m->z[l]; i++)
                    e[(size_t)i * B + b] = pb_rng_normal(rng);
        }
}

/* Copies the batch's adaptive vectors from their sequences' rows into the pass layout: a
 * sequence's row is [T sa], the batch's [T sa, B]. */
static void gather(state *s)
{
    size_t n = (size_t)s->T * s->m.sa;
    uint32_t B = s->B;
    for (uint32_t b = 0; b < B; b++) {
        const double *row = s->A + (size_t)s->idx[b] * n;
        for (size_t j = 0; j < n; j++)
            s->ab[j * B + b] = row[j];
    }
}

/* Adds batch row b of a pass-layout array (A or its gradient) to a sequence's row, or
 * copies it there. */
static void scatter_add(const state *s, const double *batch, uint32_t b, double *row, int copy)
{
    size_t n = (size_t)s->T * s->m.sa;
    for (size_t j = 0; j < n; j++)
        row[j] = copy ? batch[j * s->B + b] : row[j] + batch[j * s->B + b];
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
    draw_noise(m, s->eps, T, B, &s->rng);
    pvrnn_forward(m, s->theta, s->ab, s->eps, NULL, s->fresh, 0, B, T, s->pass);
    s->loss = pvrnn_loss(m, s->pass, s->xb, (size_t)T * s->X, B, T, &s->terms);
    memset(s->gtheta, 0, m->n_theta * sizeof *s->gtheta);
    memset(s->gab, 0, (size_t)T * B * m->sa * sizeof *s->gab);
    pvrnn_backward(m, s->theta, s->eps, s->xb, (size_t)T * s->X, B, T, 0, s->pass, s->gtheta,
                   s->gab, s->work);
    pb_nn_adam_step(&s->adam, s->theta, s->gtheta);
    update_A(s);
    if (!isfinite(s->loss))
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "the loss diverged (%g); try a smaller lr",
                       s->loss);
    return PB_CONTINUE;
}

/* The error regression of step t of every sequence over the window [t - nw + 1, t] (see
 * the top), from the states s0 (NULL: the sequences' start). */
static void regress(state *s, uint32_t nw, const double *s0)
{
    const pvrnn_model *m = &s->m;
    uint32_t n = s->ctx_n;
    size_t na = (size_t)nw * m->sa * n;
    if (s->er_iterations > 0) {
        pb_nn_adam adam;
        pb_nn_adam_init(&adam, s->m_aw, s->v_aw, na, s->er_lr);
        for (uint32_t it = 0; it < s->er_iterations; it++) {
            draw_noise(m, s->e1, nw, 1, &s->ctx_rng);
            for (size_t j = 0; j < (size_t)nw * m->sz; j++)
                for (uint32_t b = 0; b < n; b++)
                    s->epsw[j * n + b] = s->e1[j];
            pvrnn_forward(m, s->theta, s->ctx_aw, s->epsw, s0, it == 0 ? s->ones : NULL, nw - 1,
                          n, nw, s->passw);
            memset(s->gaw, 0, na * sizeof *s->gaw);
            pvrnn_backward(m, s->theta, s->epsw, s->xw, (size_t)s->W * s->X, n, nw, 1, s->passw,
                           NULL, s->gaw, s->work_er);
            pb_nn_adam_step(&adam, s->ctx_aw, s->gaw);
        }
    }
    pvrnn_forward(m, s->theta, s->ctx_aw, s->zeros, s0, s->er_iterations == 0 ? s->ones : NULL,
                  nw - 1, n, nw, s->passw);
}

/*
 * Allocates the error regression's context for a new measurement of n sequences (kept
 * across the measurement's calls, replaced at the next one, freed with the state). 0, or
 * PB_ERR_NOMEM.
 */
static int32_t ctx_reset(state *s, uint32_t n)
{
    const pvrnn_model *m = &s->m;
    size_t W = s->W, na = W * m->sa * n, nz = W * m->sz * n;
    int32_t rc = PB_STATE_EXTRA(
        s, state, PB_ARRAY(state, ctx_first, (size_t)n * m->ss), PB_ARRAY(state, ctx_aw, na),
        PB_ARRAY(state, gaw, na), PB_ARRAY(state, m_aw, na), PB_ARRAY(state, v_aw, na),
        PB_ARRAY(state, e1, W * m->sz), PB_ARRAY(state, epsw, nz), PB_ARRAY(state, zeros, nz),
        PB_ARRAY(state, xw, (size_t)n * W * s->X),
        PB_ARRAY(state, passw, pvrnn_pass_size(m, n, s->W)),
        PB_ARRAY(state, s_roll, (size_t)n * m->ss), PB_ARRAY(state, y, (size_t)s->X * n),
        PB_ARRAY(state, work_er, pvrnn_work_size(m, n)), PB_ARRAY(state, ones, n));
    if (rc != 0)
        return rc;
    memset(s->ones, 1, n);
    pb_rng_seed(&s->ctx_rng, s->seed, 2);
    s->ctx_n = n, s->ctx_steps = 0;
    return 0;
}

/*
 * Step t of every sequence's error regression (x: the prefixes, `steps` >= t + 1 steps
 * each): the windows slide by one step, are regressed, and leave their first step's state
 * and their A in the context; the states they reach at step t are left in s_roll.
 */
static void advance(state *s, uint32_t t, const double *x, uint32_t steps)
{
    const pvrnn_model *m = &s->m;
    uint32_t X = s->X, W = s->W, n = s->ctx_n;
    uint32_t start = t + 1 > W ? t + 1 - W : 0, nw = t - start + 1;
    if (start > 0) /* step start - 1 leaves the windows */
        memmove(s->ctx_aw, s->ctx_aw + (size_t)m->sa * n,
                (size_t)(nw - 1) * m->sa * n * sizeof *s->ctx_aw);
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t j = 0; j < nw; j++)
            for (uint32_t i = 0; i < X; i++)
                s->xw[((size_t)b * W + j) * X + i] =
                    (x[((size_t)b * steps + start + j) * X + i] - s->center) / s->radius;
    regress(s, nw, start > 0 ? s->ctx_first : NULL);
    pvrnn_pass_state(m, s->passw, n, 0, s->ctx_first);
    pvrnn_pass_state(m, s->passw, n, nw - 1, s->s_roll);
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
    for (uint32_t t = from; t < steps; t++)
        advance(s, t, x, steps);
    for (uint32_t j = 0; j < k; j++) {
        pvrnn_prior_step(m, s->theta, s->s_roll, NULL, n, s->y, NULL, s->work_er);
        for (uint32_t b = 0; b < n; b++)
            for (uint32_t i = 0; i < X; i++)
                out[((size_t)b * k + j) * X + i] = s->center + s->radius * s->y[(size_t)i * n + b];
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
            draw_noise(m, s->g_eps, 1, rows, &rng);
            pvrnn_prior_step(m, s->theta, s->g_state, s->g_eps, rows, s->g_y,
                             sigma ? s->g_sigma : NULL, s->work);
            for (uint32_t b = 0; b < rows && out; b++)
                for (uint32_t i = 0; i < X; i++)
                    out[((size_t)(b0 + b) * length + t) * X + i] =
                        s->center + s->radius * s->g_y[(size_t)i * rows + b];
            for (uint32_t b = 0; b < rows && sigma; b++) {
                double sum = 0.0;
                for (uint32_t l = 0; l < m->layers; l++) /* layer l's [Z_l, rows] block */
                    for (uint32_t i = 0; i < m->z[l]; i++)
                        sum += s->g_sigma[(size_t)rows * m->z_off[l] + (size_t)i * rows + b];
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
        pvrnn_forward(m, s->theta, a, eps, NULL, NULL, 0, 1, s->T, pass);
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
