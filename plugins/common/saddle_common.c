/* The saddle plugins' shared state, exchange, compressors and sends (saddle_common.h). */
#include "saddle_common.h"

#include <math.h>
#include <string.h>

int32_t sad_create(const pb_context *ctx, size_t size, size_t n_extra, const pb_array extra[],
                   void **out)
{
    const pb_saddle *f = ctx->problem->oracle;
    size_t D = f->dim, M = f->workers;
    pb_array arrays[11 + SAD_MAX_EXTRA] = {
        PB_ARRAY(sad_base, z, D),    PB_ARRAY(sad_base, w, D),     PB_ARRAY(sad_base, Fw, D),
        PB_ARRAY(sad_base, Fm, M * D), PB_ARRAY(sad_base, zh, D),  PB_ARRAY(sad_base, v, D),
        PB_ARRAY(sad_base, recv, D), PB_ARRAY(sad_base, acc, D),   PB_ARRAY(sad_base, val, D),
        PB_ARRAY(sad_base, idx, D),  PB_ARRAY(sad_base, perm, D)};
    if (n_extra > SAD_MAX_EXTRA)
        return pb_fail(ctx, PB_ERR_FAILED, "at most %d extra arrays", SAD_MAX_EXTRA);
    if (n_extra) /* extra may be NULL then, which memcpy may not be given */
        memcpy(arrays + 11, extra, n_extra * sizeof *extra);
    sad_base *b = pb_state_new(ctx, size, 11 + n_extra, arrays);
    if (!b)
        return PB_ERR_NOMEM;
    b->f = f;
    b->D = f->dim;
    b->M = f->workers;
    pb_rng_seed(&b->rng, ctx->seed, 0);
    for (uint32_t i = 0; i < b->D; i++)
        b->perm[i] = i;
    memcpy(b->z, f->z0, D * sizeof *b->z);
    memcpy(b->w, f->z0, D * sizeof *b->w);
    int32_t rc = sad_exchange(b, b->w, b->Fm, b->Fw);
    if (rc < 0) {
        pb_state_free(b);
        return rc;
    }
    *out = b; /* rc 1: the budget is spent already, and the host ends the run */
    return 0;
}

void sad_compression(sad_base *b, const pb_context *ctx, uint32_t p_k)
{
    int64_t k = pb_param_or(ctx, p_k, (b->D + 9) / 10);
    b->k = k < b->D ? (uint32_t)k : b->D;
    int64_t ks = pb_param_or(ctx, p_k + 1, b->k);
    b->k_server = ks < b->D ? (uint32_t)ks : b->D;
    double prob = ctx->params[p_k + 2].real;
    b->prob = prob > 0 ? prob : (double)b->k / b->D;
}

void sad_step_size(sad_base *b, const pb_context *ctx, uint32_t p_gamma, double rule)
{
    double gamma = ctx->params[p_gamma].real;
    b->gamma = gamma > 0 ? gamma : rule;
}

int32_t sad_worker_difference(sad_base *b, uint32_t m)
{
    if (isnan(b->f->oper(b->f, m, b->zh, b->v)))
        return 1;
    const double *Fm = b->Fm + (size_t)m * b->D;
    for (uint32_t i = 0; i < b->D; i++)
        b->v[i] -= Fm[i];
    return 0;
}

/* 0 for a delivered message, 1 for the NaN of a spent budget, else an error. */
static int32_t sent(sad_base *b, double bits)
{
    if (isnan(bits))
        return 1;
    if (bits < 0)
        return pb_fail(b->head.ctx, PB_ERR_FAILED, "the host refused a malformed message");
    return 0;
}

int32_t sad_exchange(sad_base *b, const double *p, double *Fm, double *mean)
{
    const pb_saddle *f = b->f;
    memset(b->acc, 0, b->D * sizeof *b->acc);
    for (uint32_t m = 0; m < b->M; m++) {
        double *row = Fm + (size_t)m * b->D;
        if (isnan(f->oper(f, m, p, row)))
            return 1;
        int32_t rc = sent(b, f->send_up(f, m, b->D, NULL, row, b->recv));
        if (rc)
            return rc;
        for (uint32_t i = 0; i < b->D; i++)
            b->acc[i] += b->recv[i];
    }
    for (uint32_t i = 0; i < b->D; i++)
        b->acc[i] /= b->M;
    return sent(b, f->broadcast(f, b->D, NULL, b->acc, mean));
}

int32_t sad_refresh_anchor(sad_base *b, double prob)
{
    if (pb_rng_uniform(&b->rng) >= prob)
        return 0;
    memcpy(b->w, b->z, b->D * sizeof *b->w);
    return sad_exchange(b, b->w, b->Fm, b->Fw);
}

void sad_rand_k(sad_base *b, uint32_t k)
{
    for (uint32_t i = 0; i < k; i++) {
        uint32_t j = i + (uint32_t)pb_rng_below(&b->rng, b->D - i);
        uint32_t t = b->perm[i];
        b->perm[i] = b->perm[j];
        b->perm[j] = t;
        b->idx[i] = b->perm[i];
    }
}

/* Whether entry i ranks below entry j: smaller |v|, or equal and a higher index. */
static int below(const double *v, uint32_t i, uint32_t j)
{
    return fabs(v[i]) < fabs(v[j]) || (fabs(v[i]) == fabs(v[j]) && i > j);
}

/* Restores the min-heap (by `below`) of h[0..n) from position at down. */
static void sift_down(const double *v, uint32_t *h, uint32_t n, uint32_t at)
{
    for (;;) {
        uint32_t least = at, l = 2 * at + 1, r = l + 1;
        if (l < n && below(v, h[l], h[least]))
            least = l;
        if (r < n && below(v, h[r], h[least]))
            least = r;
        if (least == at)
            return;
        uint32_t t = h[at];
        h[at] = h[least];
        h[least] = t;
        at = least;
    }
}

void sad_top_k(sad_base *b, const double *v, uint32_t k)
{
    uint32_t *h = b->idx; /* a min-heap of the k largest so far */
    for (uint32_t i = 0; i < k; i++)
        h[i] = i;
    for (uint32_t i = k / 2; i-- > 0;)
        sift_down(v, h, k, i);
    for (uint32_t i = k; i < b->D; i++)
        if (k && below(v, h[0], i)) {
            h[0] = i;
            sift_down(v, h, k, 0);
        }
}

int32_t sad_send_sparse(sad_base *b, uint32_t m, const double *v, uint32_t k, double scale)
{
    const pb_saddle *f = b->f;
    for (uint32_t i = 0; i < k; i++)
        b->val[i] = scale * v[b->idx[i]];
    double bits = m < b->M ? f->send_up(f, m, k, b->idx, b->val, b->recv)
                           : f->broadcast(f, k, b->idx, b->val, b->recv);
    return sent(b, bits);
}

void sad_step_start(sad_base *b)
{
    double tau = 1.0 - b->prob;
    for (uint32_t i = 0; i < b->D; i++) {
        b->z[i] = tau * b->z[i] + (1.0 - tau) * b->w[i];
        b->zh[i] = b->z[i] - b->gamma * b->Fw[i];
        b->acc[i] = 0.0;
    }
}
