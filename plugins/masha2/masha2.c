/*
 * MASHA2 (Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov, NeurIPS 2022, Algorithm 2):
 * MASHA1's variance-reduced extragradient with contractive Top-k compression in both
 * directions and error feedback. Per step, with tau = 1 - prob:
 *     zbar = tau z + (1 - tau) w,   z_half = zbar - gamma F(w),
 *     worker m: v = gamma (F_m(z_half) - F_m(w)) + e_m, sends Top-k(v), e_m = v - Top-k(v);
 *     server: u = mean of what it received + e, broadcasts g = Top-k_server(u), e = u - g;
 *     z = zbar - gamma F(w) - g;
 *     with probability prob: w = z and a full exchange of F(w) (dense, both ways).
 */
#include <math.h>

#include <plugbench/kit.h>

#include "saddle_common.h"

enum { P_K, P_K_SERVER, P_PROB, P_GAMMA };
static const pb_param params[] = {
    SAD_PARAMS_COMPRESSION(P_K, P_K_SERVER, P_PROB),
    [P_GAMMA] = SAD_PARAM_GAMMA("sqrt(prob) / L"),
};

typedef struct state {
    sad_base b; /* the solution is z */
    double *e_workers; /* M x D: each worker's error */
    double *e_server;  /* D */
} state;

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_saddle *f = ctx->problem->oracle;
    const pb_array extra[] = {PB_ARRAY(state, e_workers, (size_t)f->workers * f->dim),
                              PB_ARRAY(state, e_server, f->dim)};
    int32_t rc = sad_create(ctx, sizeof(state), 2, extra, out);
    if (rc)
        return rc;
    sad_base *b = *out;
    sad_compression(b, ctx, P_K);
    /* sqrt(prob) / L: variance-reduced extragradient's step (README: the saddle kind) */
    sad_step_size(b, ctx, P_GAMMA, sqrt(b->prob) / b->f->lipschitz);
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    sad_base *b = &s->b;
    sad_step_start(b);
    for (uint32_t m = 0; m < b->M; m++) {
        if (sad_worker_difference(b, m))
            return PB_CONTINUE;
        double *e = s->e_workers + (size_t)m * b->D;
        for (uint32_t i = 0; i < b->D; i++)
            b->v[i] = b->gamma * b->v[i] + e[i];
        sad_top_k(b, b->v, b->k);
        int32_t rc = sad_send_sparse(b, m, b->v, b->k, 1.0);
        if (rc)
            return rc > 0 ? PB_CONTINUE : rc;
        for (uint32_t i = 0; i < b->D; i++) {
            e[i] = b->v[i] - b->recv[i];
            b->acc[i] += b->recv[i] / b->M;
        }
    }
    for (uint32_t i = 0; i < b->D; i++)
        b->acc[i] += s->e_server[i];
    sad_top_k(b, b->acc, b->k_server);
    int32_t rc = sad_send_sparse(b, b->M, b->acc, b->k_server, 1.0);
    if (rc)
        return rc > 0 ? PB_CONTINUE : rc;
    for (uint32_t i = 0; i < b->D; i++) {
        s->e_server[i] = b->acc[i] - b->recv[i];
        b->z[i] -= b->gamma * b->Fw[i] + b->recv[i];
    }
    rc = sad_refresh_anchor(b, b->prob);
    return rc > 0 ? PB_CONTINUE : rc;
}

PB_PLUGIN(.name = "masha2", .version = "1.0.0", .kind = PB_KIND_SADDLE,
          .summary = "MASHA2: variance-reduced extragradient with Top-k compression and error "
                     "feedback both ways",
          .citation = "Beznosikov, Richtarik, Diskin, Ryabinin, Gasnikov, NeurIPS 2022 (Alg. 2)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
