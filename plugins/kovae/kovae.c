/*
 * KoVAE (Naiman, Erichson, Ren, Mahoney, Azencot, "Generative Modeling of Regular and
 * Irregular Time Series Data via Koopman VAEs", ICLR 2024; azencot-group/KoVAE): a
 * sequential VAE whose prior is pushed towards linear dynamics in the latent space. The
 * network and its loss are kovae_model.h's; this file is the plugin around them:
 *   - step(): one minibatch of the host's (batch sequences), mapped from [value_min,
 *     value_max] to [0, 1] (the decoder ends in a sigmoid), fresh noise for the posterior's
 *     and the prior's samples from the run's seed, the full backward, one Adam step
 *     (PyTorch's Adam, as the authors' run_regular.py; weight decay 0);
 *   - generate(): the prior's GRU cell from zero, its samples zbar decoded, mapped back to
 *     the problem's range; the noise from the host's seed alone;
 *   - predict is NULL: KoVAE is a generative model and the authors' code has no forecaster
 *     (the kind then reports the prediction metrics as NaN; README.md says more).
 * w_pred = 0 drops the least-squares term: the same network trained as a plain GRU-VAE,
 * the paper's ablation, shown on the leaderboard as `-P kovae.w_pred=0`.
 */
#include <math.h>
#include <string.h>

#include <cblas.h>
#include <plugbench/kit.h>
#include <plugbench/nn.h>
#include <plugbench/rng.h>

#include "kovae_internal.h"
#include "kovae_model.h"

enum { P_W_KL, P_W_PRED, P_HIDDEN, P_Z_DIM, P_LAYERS, P_LR, P_BATCH };
static const pb_param params[] = {
    [P_W_KL] = {.name = "w_kl", .type = PB_PARAM_REAL, .default_value = 0.007, .min = 0,
                .max = 1e3, .doc = "weight of the KL term (sine_regular.sh: 0.007; "
                                   "stock_regular.sh: 0.009)"},
    [P_W_PRED] = {.name = "w_pred", .type = PB_PARAM_REAL, .default_value = 0.005, .min = 0,
                  .max = 1e3,
                  .doc = "weight of the Koopman prediction term on the prior's samples "
                         "(sine_regular.sh: 0.005; stock_regular.sh: 0.03; 0: the GRU-VAE)"},
    [P_HIDDEN] = {.name = "hidden", .type = PB_PARAM_INT, .default_value = 20, .min = 1,
                  .max = 4096, .doc = "GRU units per direction and of the prior's cell "
                                      "(run_regular.py: 20)"},
    [P_Z_DIM] = {.name = "z_dim", .type = PB_PARAM_INT, .default_value = 16, .min = 1,
                 .max = 1024, .doc = "latent units (run_regular.py: 16)"},
    [P_LAYERS] = {.name = "layers", .type = PB_PARAM_INT, .default_value = 3, .min = 1,
                  .max = 8, .doc = "layers of the encoder's and the decoder's bidirectional "
                                   "GRUs (run_regular.py: 3)"},
    [P_LR] = {.name = "lr", .type = PB_PARAM_REAL, .default_value = 7e-4, .min = 1e-9, .max = 1,
              .doc = "Adam's learning rate (run_regular.py: 7e-4)"},
    [P_BATCH] = PB_PARAM_SEQUENCE_BATCH("64 (run_regular.py), at most the training set"),
};

typedef struct state {
    pb_state_head head; /* the solution is empty */
    const pb_sequence *seq;
    kovae_model m;
    kovae_pass pass;
    uint32_t T, X, B;
    double lo, range, w_kl, w_pred;
    kovae_terms terms;
    uint64_t steps;
    pb_rng rng; /* the training noise */
    pb_nn_adam adam;
    double *p, *gp, *mom, *vel, *run_mean, *run_var, *xb, *xt, *eps_q, *eps_p, *pass_block;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_sequence *q = ctx->problem->oracle;
    uint32_t X = q->dim, T = q->length, H = (uint32_t)ctx->params[P_HIDDEN].integer,
             Z = (uint32_t)ctx->params[P_Z_DIM].integer,
             L = (uint32_t)ctx->params[P_LAYERS].integer;
    uint64_t rule = q->n_train < 64 ? q->n_train : 64;
    uint64_t B64 = (uint64_t)pb_param_or(ctx, P_BATCH, (int64_t)rule);
    uint32_t B = (uint32_t)(B64 < q->n_train ? B64 : q->n_train);
    double w_pred = ctx->params[P_W_PRED].real;
    if (w_pred != 0.0 && (uint64_t)(T - 1) * B < Z)
        return pb_fail(ctx, PB_ERR_INVALID, "the Koopman least squares needs (length - 1) "
                       "batch >= z_dim: %u x %u < %u; raise batch or lower z_dim", T - 1, B, Z);
    kovae_model m;
    kovae_model_init(&m, X, H, Z, L);
    size_t n = m.n_params, nx = (size_t)B * T * X, nz = (size_t)T * B * Z;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, p, n), PB_ARRAY(state, gp, n),
                            PB_ARRAY(state, mom, n), PB_ARRAY(state, vel, n),
                            PB_ARRAY(state, run_mean, 2 * (size_t)H),
                            PB_ARRAY(state, run_var, 2 * (size_t)H), PB_ARRAY(state, xb, nx),
                            PB_ARRAY(state, xt, nx), PB_ARRAY(state, eps_q, nz),
                            PB_ARRAY(state, eps_p, nz),
                            PB_ARRAY(state, pass_block, kovae_pass_size(&m, T, B)));
    if (!s)
        return PB_ERR_NOMEM;
    kovae_pass_init(&s->pass, &m, T, B, s->pass_block);
    openblas_set_num_threads(1);
    s->seq = q;
    s->m = m;
    s->pass.x = s->xt;
    s->T = T, s->X = X, s->B = B;
    s->lo = q->value_min;
    s->range = q->value_max > q->value_min ? q->value_max - q->value_min : 1.0;
    s->w_kl = ctx->params[P_W_KL].real, s->w_pred = w_pred;
    pb_rng init;
    pb_rng_seed(&init, ctx->seed, 0);
    kovae_model_init_params(&m, s->p, &init);
    pb_nn_batchnorm_init(s->p + m.bn_gamma, s->p + m.bn_beta, s->run_mean, s->run_var, 2 * H);
    pb_rng_seed(&s->rng, ctx->seed, 1);
    pb_nn_adam_init(&s->adam, s->mom, s->vel, n, ctx->params[P_LR].real);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    uint32_t B = s->B, T = s->T, X = s->X;
    if (s->seq->next_batch(s->seq, B, s->xb, NULL) != B)
        return PB_CONTINUE; /* budget spent: the host ends the run */
    for (uint32_t b = 0; b < B; b++) /* [B,T,X] to time-major [T,B,X], in [0, 1] */
        for (uint32_t t = 0; t < T; t++)
            for (uint32_t i = 0; i < X; i++)
                s->xt[((size_t)t * B + b) * X + i] =
                    (s->xb[((size_t)b * T + t) * X + i] - s->lo) / s->range;
    size_t nz = (size_t)T * B * s->m.Z;
    for (size_t i = 0; i < nz; i++)
        s->eps_q[i] = pb_rng_normal(&s->rng);
    for (size_t i = 0; i < nz; i++)
        s->eps_p[i] = pb_rng_normal(&s->rng);
    kovae_forward(&s->m, s->p, &s->pass, s->run_mean, s->run_var, s->eps_q, s->eps_p, B,
                  s->w_kl, s->w_pred, &s->terms);
    if (!isfinite(s->terms.loss))
        return pb_fail(s->head.ctx, PB_ERR_FAILED, "the loss diverged (%g); try a smaller lr",
                       s->terms.loss);
    memset(s->gp, 0, s->m.n_params * sizeof *s->gp);
    kovae_backward(&s->m, s->p, &s->pass, s->eps_q, s->eps_p, s->w_kl, s->w_pred, s->gp);
    pb_nn_adam_step(&s->adam, s->p, s->gp);
    s->steps++;
    return PB_CONTINUE;
}

/* n sequences from the prior, B at a time through the training pass's arrays. */
static int32_t generate(void *p, uint64_t seed, uint32_t n, uint32_t length, double *out)
{
    state *s = p;
    uint32_t T = s->T, X = s->X, Z = s->m.Z;
    if (length != T)
        return pb_fail(s->head.ctx, PB_ERR_INVALID, "generate: length %u, the model's is %u",
                       length, T);
    pb_rng rng;
    pb_rng_seed(&rng, seed, 0);
    for (uint32_t b0 = 0; b0 < n; b0 += s->B) {
        uint32_t rows = n - b0 < s->B ? n - b0 : s->B;
        for (size_t i = 0; i < (size_t)T * rows * Z; i++)
            s->eps_p[i] = pb_rng_normal(&rng);
        kovae_generate(&s->m, s->p, &s->pass, s->eps_p, rows);
        for (uint32_t b = 0; b < rows; b++)
            for (uint32_t t = 0; t < T; t++)
                for (uint32_t i = 0; i < X; i++)
                    out[((size_t)(b0 + b) * T + t) * X + i] =
                        s->lo + s->range * s->pass.xhat[((size_t)t * rows + b) * X + i];
    }
    return 0;
}

kovae_terms kovae_internal_terms(const void *p) { return ((const state *)p)->terms; }

PB_SEQUENCE_PLUGIN(
    NULL, generate, .name = "kovae", .version = "1.0.0",
    .summary = "KoVAE: sequential VAE (biGRU encoder and decoder, GRU-cell prior) whose "
               "prior is fitted to linear Koopman dynamics; generates, does not predict",
    .citation = "Naiman, Erichson, Ren, Mahoney & Azencot, Generative Modeling of Regular "
                "and Irregular Time Series Data via Koopman VAEs, ICLR 2024",
    PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
