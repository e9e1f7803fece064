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
    SAD_PARAMS_COMPRESSION(P_K, P_K_SERVER, P_PROB),
    [P_GAMMA] = SAD_PARAM_GAMMA("sqrt(prob / (1 + omega / M)) / L, omega = dim / k - 1"),
};

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = sad_create(ctx, sizeof(sad_base), 0, NULL, out);
    if (rc)
        return rc;
    sad_base *b = *out;
    sad_compression(b, ctx, P_K);
    /* sqrt(prob) / Lbar, Lbar = L sqrt(1 + omega / M) the mean-square Lipschitz constant of
     * the workers' Rand-k messages; the README's saddle section says why the server's
     * compression is left out. */
    double omega = (double)b->D / b->k - 1.0;
    sad_step_size(b, ctx, P_GAMMA, sqrt(b->prob / (1.0 + omega / b->M)) / b->f->lipschitz);
    return 0;
}

static int32_t step(void *p)
{
    sad_base *b = p;
    sad_step_start(b);
    for (uint32_t m = 0; m < b->M; m++) {
        if (sad_worker_difference(b, m))
            return PB_CONTINUE;
        sad_rand_k(b, b->k);
        int32_t rc = sad_send_sparse(b, m, b->v, b->k, (double)b->D / b->k);
        if (rc)
            return rc > 0 ? PB_CONTINUE : rc;
        for (uint32_t i = 0; i < b->D; i++)
            b->acc[i] += b->recv[i] / b->M;
    }
    sad_rand_k(b, b->k_server);
    int32_t rc = sad_send_sparse(b, b->M, b->acc, b->k_server, (double)b->D / b->k_server);
    if (rc)
        return rc > 0 ? PB_CONTINUE : rc;
    for (uint32_t i = 0; i < b->D; i++)
        b->z[i] -= b->gamma * (b->Fw[i] + b->recv[i]);
    rc = sad_refresh_anchor(b, b->prob);
    return rc > 0 ? PB_CONTINUE : rc;
}

PB_PLUGIN(.name = "masha1", .version = "1.0.0", .kind = PB_KIND_SADDLE,
          .summary = "MASHA1: variance-reduced extragradient with Rand-k compression both ways",
          .citation = "Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov, NeurIPS 2022 (Alg. 1)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
