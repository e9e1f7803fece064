/*
 * Distributed extragradient (Korpelevich 1976) without compression, the baseline of
 * MASHA1 and MASHA2: per step two full exchanges (each worker sends F_m dense, the server
 * broadcasts the mean dense),
 *     z_half = z - gamma F(z),   z = z - gamma F(z_half).
 */
#include <plugbench/kit.h>

#include "saddle_common.h"

enum { P_GAMMA };
static const pb_param params[] = {
    [P_GAMMA] = SAD_PARAM_GAMMA("1 / (2 L), L the problem's Lipschitz constant"),
};

static int32_t create(const pb_context *ctx, void **out)
{
    int32_t rc = sad_create(ctx, sizeof(sad_base), 0, NULL, out);
    if (rc == 0) {
        sad_base *b = *out;
        sad_step_size(b, ctx, P_GAMMA, 0.5 / b->f->lipschitz);
    }
    return rc;
}

static int32_t step(void *p)
{
    sad_base *b = p;
    int32_t rc = sad_exchange(b, b->z, b->Fm, b->Fw);
    if (rc)
        return rc > 0 ? PB_CONTINUE : rc;
    for (uint32_t i = 0; i < b->D; i++)
        b->zh[i] = b->z[i] - b->gamma * b->Fw[i];
    rc = sad_exchange(b, b->zh, b->Fm, b->v);
    if (rc)
        return rc > 0 ? PB_CONTINUE : rc;
    for (uint32_t i = 0; i < b->D; i++)
        b->z[i] -= b->gamma * b->v[i];
    return PB_CONTINUE;
}

PB_PLUGIN(.name = "extragradient", .version = "1.0.0", .kind = PB_KIND_SADDLE,
          .summary = "distributed extragradient, uncompressed (MASHA's baseline)",
          .citation = "baseline (Korpelevich 1976; as compared in Beznosikov et al., NeurIPS 2022)",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
