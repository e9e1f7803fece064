/*
 * MASHA1 (Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov, NeurIPS 2022, Algorithm 1):
 * extragradient with variance reduction around an anchor w and unbiased Rand-k compression
 * in both directions. Per step, with tau = 1 - prob:
 *     zbar = tau z + (1 - tau) w,   z_half = zbar - gamma F(w),
 *     worker m sends Q_m(F_m(z_half) - F_m(w)),  Rand-k scaled by dim / k;
 *     the server broadcasts g = Q(mean of what it received),  Rand-k_server scaled likewise;
 *     z = zbar - gamma (F(w) + g);
 *     with probability prob: w = z and a full exchange of F(w) (dense, both ways).
 */
#include <math.h>

#include <plugbench/kit.h>

#include "saddle_common.h"

enum { P_K, P_K_SERVER, P_PROB, P_GAMMA };
static const pb_param params[] = {
    [P_K] = {.name = "k", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 1e9,
             .doc = "coordinates a worker sends (0: dim / 10, rounded up)"},
    [P_K_SERVER] = {.name = "k_server", .type = PB_PARAM_INT, .default_value = 0, .min = 0,
                    .max = 1e9, .doc = "coordinates the server sends (0: k)"},
    [P_PROB] = {.name = "prob", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1,
                .doc = "probability of a full exchange, 1 - tau (0: k / dim)"},
    [P_GAMMA] = {.name = "gamma", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,
                 .max = 1e6, .doc = "step size (0: the rule in the README's saddle section)"},
};

typedef struct state {
    sad_base b; /* the solution is z */
    uint32_t k, k_server;
    double prob, gamma;
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = sad_create(ctx, sizeof(state), 0, NULL, out);
    if (rc)
        return rc;
    state *s = *out;
    uint32_t D = s->b.D;
    int64_t k = pb_param_or(ctx, P_K, (D + 9) / 10);
    s->k = k < D ? (uint32_t)k : D;
    int64_t ks = pb_param_or(ctx, P_K_SERVER, s->k);
    s->k_server = ks < D ? (uint32_t)ks : D;
    double prob = ctx->params[P_PROB].real;
    s->prob = prob > 0 ? prob : (double)s->k / D;
    double gamma = ctx->params[P_GAMMA].real;
    /* sqrt(prob) / Lbar, Lbar = L sqrt(1 + omega / M) the mean-square Lipschitz constant of
     * the workers' Rand-k messages (omega = dim / k - 1); the README's saddle section says
     * why the server's compression is left out. */
    double omega = (double)D / s->k - 1.0;
    s->gamma = gamma > 0 ? gamma : sqrt(s->prob / (1.0 + omega / s->b.M)) / s->b.f->lipschitz;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    sad_base *b = &s->b;
    const pb_saddle *f = b->f;
    sad_extrapolate(b, 1.0 - s->prob, s->gamma);
    for (uint32_t i = 0; i < b->D; i++)
        b->acc[i] = 0.0;
    for (uint32_t m = 0; m < b->M; m++) {
        if (isnan(f->oper(f, m, b->zh, b->v)))
            return PB_CONTINUE;
        const double *Fm = b->Fm + (size_t)m * b->D;
        for (uint32_t i = 0; i < b->D; i++)
            b->v[i] -= Fm[i];
        sad_rand_k(b, s->k);
        int32_t rc = sad_send_sparse(b, m, b->v, s->k, (double)b->D / s->k);
        if (rc)
            return rc > 0 ? PB_CONTINUE : rc;
        for (uint32_t i = 0; i < b->D; i++)
            b->acc[i] += b->recv[i] / b->M;
    }
    sad_rand_k(b, s->k_server);
    int32_t rc = sad_send_sparse(b, b->M, b->acc, s->k_server, (double)b->D / s->k_server);
    if (rc)
        return rc > 0 ? PB_CONTINUE : rc;
    for (uint32_t i = 0; i < b->D; i++)
        b->z[i] -= s->gamma * (b->Fw[i] + b->recv[i]);
    rc = sad_refresh_anchor(b, s->prob);
    return rc > 0 ? PB_CONTINUE : rc;
}

PB_PLUGIN(.name = "masha1", .version = "1.0.0", .kind = PB_KIND_SADDLE,
          .summary = "MASHA1: variance-reduced extragradient with Rand-k compression both ways",
          .citation = "Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov, NeurIPS 2022 (Alg. 1)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
