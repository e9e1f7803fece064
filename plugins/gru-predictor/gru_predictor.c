/*
 * A GRU next-step predictor, the sequence kind's learned baseline: a multi-layer GRU
 * (PyTorch's nn.GRU, the nn kit's pb_nn_gru) reads x_0 .. x_{T-2} and a dense layer maps
 * its top state h_t to the prediction of x_{t+1}:
 *     y_t = W h_t + b,   loss = mean over batch, t and features of (y_t - x_{t+1})^2,
 * trained with Adam (PyTorch's form) on the host's minibatches, one per step(). Data are
 * mapped to [-1, 1] from [value_min, value_max] as pvrnn does, predictions mapped back.
 * predict() runs the GRU over the prefix, one new step per call of a measurement (each test
 * sequence's state is kept between the calls); k steps ahead feed its own predictions back in
 * (closed loop). It does not generate: it models no distribution (generate = NULL, so the
 * generative metrics are NaN).
 * Initialization as PyTorch's: every GRU and dense weight and bias U(-1/sqrt(H), 1/sqrt(H)).
 */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <plugbench/kit.h>
#include <plugbench/nn.h>
#include <plugbench/rng.h>
#include <plugbench/rnn.h>

enum { P_HIDDEN, P_LAYERS, P_LR, P_BATCH };
static const pb_param params[] = {
    [P_HIDDEN] = {.name = "hidden", .type = PB_PARAM_INT, .default_value = 32, .min = 1,
                  .max = 4096, .doc = "GRU units per layer (baseline choice, not tuned)"},
    [P_LAYERS] = {.name = "layers", .type = PB_PARAM_INT, .default_value = 1, .min = 1,
                  .max = 8, .doc = "GRU layers"},
    [P_LR] = {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.001, .min = 1e-9,
              .max = 1, .doc = "Adam's learning rate (PyTorch's default)"},
    [P_BATCH] = PB_PARAM_SEQUENCE_BATCH("32 sequences per step, at most the training set"),
};

typedef struct state {
    pb_state_head head; /* the solution is empty */
    const pb_sequence *seq;
    pb_nn_gru g;
    uint32_t T, X, B, H;
    size_t n_gru, n_params; /* the GRU's parameters, then W[X,H] and b[X] */
    double center, radius, loss;
    pb_nn_adam adam;
    double *p, *gp, *m, *v;
    double *xb, *xt, *out, *dout, *y, *dy, *cache, *work;
    double *ha, *hn, *cell, *in; /* predict(): the closed loop's state, the next, a cell's
                                  * cache, an input */
    double *ctx_h;               /* predict(): each test sequence's states (layers x H), in
                                  * the state's extra block */
    uint32_t ctx_n, ctx_steps;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_sequence *q = ctx->problem->oracle;
    uint32_t H = (uint32_t)ctx->params[P_HIDDEN].integer, X = q->dim, T = q->length;
    pb_nn_gru g = {.in = X, .hidden = H, .layers = (uint32_t)ctx->params[P_LAYERS].integer,
                   .directions = 1};
    uint64_t rule = q->n_train < 32 ? q->n_train : 32;
    uint64_t B64 = (uint64_t)pb_param_or(ctx, P_BATCH, (int64_t)rule);
    uint32_t B = (uint32_t)(B64 < q->n_train ? B64 : q->n_train);
    size_t n_gru = pb_nn_gru_param_count(&g), n = n_gru + (size_t)X * H + X;
    size_t steps = (size_t)(T - 1) * B; /* the rows of one batch's predictions */
    state *s = PB_STATE_NEW(
        ctx, state, PB_ARRAY(state, p, n), PB_ARRAY(state, gp, n), PB_ARRAY(state, m, n),
        PB_ARRAY(state, v, n), PB_ARRAY(state, xb, (size_t)B * T * X),
        PB_ARRAY(state, xt, (size_t)B * T * X), PB_ARRAY(state, out, steps * H),
        PB_ARRAY(state, dout, steps * H), PB_ARRAY(state, y, steps * X),
        PB_ARRAY(state, dy, steps * X),
        PB_ARRAY(state, cache, pb_nn_gru_cache_size(&g, T - 1, B)),
        PB_ARRAY(state, work, pb_nn_gru_work_size(&g, T - 1, B)),
        PB_ARRAY(state, ha, (size_t)g.layers * H),
        PB_ARRAY(state, hn, (size_t)g.layers * H),
        PB_ARRAY(state, cell, PB_NN_GRU_CELL_CACHE(1, H)),
        PB_ARRAY(state, in, X > H ? X : H));
    if (!s)
        return PB_ERR_NOMEM;
    openblas_set_num_threads(1);
    s->seq = q;
    s->g = g;
    s->T = T, s->X = X, s->B = B, s->H = H, s->n_gru = n_gru, s->n_params = n;
    s->center = 0.5 * (q->value_max + q->value_min);
    s->radius = q->value_max > q->value_min ? 0.5 * (q->value_max - q->value_min) : 1.0;
    pb_rng rng;
    pb_rng_seed(&rng, ctx->seed, 0);
    double k = 1.0 / sqrt((double)H);
    for (size_t i = 0; i < n; i++)
        s->p[i] = pb_rng_uniform_in(&rng, -k, k);
    pb_nn_adam_init(&s->adam, s->m, s->v, n, ctx->params[P_LR].real);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    uint32_t B = s->B, T = s->T, X = s->X, H = s->H;
    if (s->seq->next_batch(s->seq, B, s->xb, NULL) != B)
        return PB_CONTINUE; /* budget spent: the host ends the run */
    for (uint32_t b = 0; b < B; b++) /* [B,T,X] to the GRU's time-major [T,B,X], scaled */
        for (uint32_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < X; i++)
                s->xt[((size_t)t * B + b) * X + i] =
                    (s->xb[((size_t)b * T + t) * X + i] - s->center) / s->radius;
    size_t rows = (size_t)(T - 1) * B;
    const double *W = s->p + s->n_gru, *bias = W + (size_t)X * H;
    pb_nn_gru_forward(s->out, NULL, s->cache, &s->g, s->p, s->xt, NULL, T - 1, B);
    pb_nn_dense_forward(s->y, s->out, W, bias, (uint32_t)rows, H, X);
    double sum = 0.0, scale = 2.0 / ((double)rows * X);
    const double *target = s->xt + (size_t)B * X; /* x_1 .. x_{T-1} */
    for (size_t i = 0; i < rows * X; i++) {
        double e = s->y[i] - target[i];
        sum += e * e;
        s->dy[i] = scale * e;
    }
    s->loss = sum / ((double)rows * X);
    memset(s->gp, 0, s->n_params * sizeof *s->gp);
    memset(s->dout, 0, rows * H * sizeof *s->dout);
    pb_nn_dense_backward(s->dout, s->gp + s->n_gru, s->gp + s->n_gru + (size_t)X * H, s->dy,
                         s->out, W, (uint32_t)rows, H, X);
    pb_nn_gru_backward(NULL, s->gp, NULL, &s->g, s->p, s->dout, NULL, s->cache, s->xt, s->work,
                       T - 1, B);
    pb_nn_adam_step(&s->adam, s->p, s->gp);
    if (!isfinite(s->loss))
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "the loss diverged (%g); try a smaller lr",
                       s->loss);
    return PB_CONTINUE;
}

/* One step of every layer from the states h (layers x H) on input x (scaled): into hn. */
static void cell_step(state *s, const double *x, const double *h, double *hn)
{
    const double *in = x;
    for (uint32_t l = 0; l < s->g.layers; l++) {
        pb_nn_gru_slot k = pb_nn_gru_slot_of(&s->g, l, 0);
        pb_nn_gru_cell_forward(hn + (size_t)l * s->H, s->cell, in, h + (size_t)l * s->H,
                               s->p + k.W_ih, s->p + k.W_hh, s->p + k.b_ih, s->p + k.b_hh, 1,
                               k.in, s->H);
        in = hn + (size_t)l * s->H;
    }
}

/* The prediction y = W h_top + b, scaled. */
static void readout(const state *s, const double *h, double *y)
{
    const double *W = s->p + s->n_gru;
    pb_nn_dense_forward(y, h + (size_t)(s->g.layers - 1) * s->H, W, W + (size_t)s->X * s->H, 1,
                        s->H, s->X);
}

/*
 * A measurement's calls (steps = 1, 2, ... on the same n sequences) keep each sequence's
 * GRU state: a call reads one new step per sequence. Any other call starts over from the
 * zero state and reads the whole prefix.
 */
static int32_t predict(void *p, uint32_t n, uint32_t steps, uint32_t k, const double *x,
                       double *out)
{
    state *s = p;
    uint32_t X = s->X;
    size_t nh = (size_t)s->g.layers * s->H;
    uint32_t from = steps - 1;
    if (steps == 1 || n != s->ctx_n || steps != s->ctx_steps + 1) {
        int32_t rc = PB_STATE_EXTRA(s, state, PB_ARRAY(state, ctx_h, (size_t)n * nh));
        if (rc != 0)
            return rc;
        s->ctx_n = n;
        from = 0;
    }
    double *ahead = s->ha;
    for (uint32_t b = 0; b < n; b++) {
        double *hs = s->ctx_h + (size_t)b * nh;
        for (uint32_t t = from; t < steps; t++) {
            for (uint32_t i = 0; i < X; i++)
                s->in[i] = (x[((size_t)b * steps + t) * X + i] - s->center) / s->radius;
            cell_step(s, s->in, hs, s->hn);
            memcpy(hs, s->hn, nh * sizeof *hs);
        }
        memcpy(ahead, hs, nh * sizeof *ahead);
        for (uint32_t j = 0; j < k; j++) {
            double *o = out + ((size_t)b * k + j) * X;
            readout(s, ahead, s->in);
            for (uint32_t i = 0; i < X; i++)
                o[i] = s->center + s->radius * s->in[i];
            if (j + 1 < k) {
                cell_step(s, s->in, ahead, s->hn);
                memcpy(ahead, s->hn, nh * sizeof *ahead);
            }
        }
    }
    s->ctx_steps = steps;
    return 0;
}

PB_SEQUENCE_PLUGIN(
    predict, NULL, .name = "gru-predictor", .version = "1.0.0",
    .summary = "GRU next-step predictor trained with MSE and Adam; predicts, does not "
               "generate",
    .citation = "baseline (Cho et al. 2014 GRU, PyTorch's nn.GRU; trained as TimeGAN's "
                "post-hoc predictor, Yoon et al. 2019)",
    PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
