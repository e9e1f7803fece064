/*
 * SABA (Dagréou, Ablin, Vaiter, Moreau, NeurIPS 2022): SOBA's single-loop joint steps with
 * SAGA variance reduction of all five oracle directions over the fixed batches of a
 * finite-sum problem. On a problem that is not a finite sum there is one "batch" and SABA
 * is SOBA with constant steps. See README.md.
 */
#include <stdlib.h>

#include <plugbench/kit.h>

#include "bilevel_common.h"

enum { P_INNER_LR, P_OUTER_LR };
static const pb_param params[] = {
    [P_INNER_LR] = BILEVEL_PARAM_INNER_LR("rho: step size of y and z"),
    [P_OUTER_LR] = BILEVEL_PARAM_OUTER_LR("gamma: step size of x"),
};

/* One SAGA table: nb entries of n doubles (zeroed: the memory starts at 0), their weighted
 * mean, the batch weights. */
typedef struct saga {
    uint32_t nb, n;
    double *mem, *mean, *weight, *fresh, *dir;
} saga;

typedef struct state {
    bilevel_base base; /* x, y, z (z_0 = 0); the solution is x */
    int finite;
    saga gyg, hvp, cross, gyf, gxf;
} state;

/* Batches of a level of n_samples samples (0: not a finite sum, one batch). */
static uint32_t n_batches(uint32_t n_samples, uint32_t batch)
{
    return n_samples ? (n_samples + batch - 1) / batch : 1;
}

/* The arrays of the SAGA table `t` (a member of state) of nb entries of n doubles. */
#define SAGA_ARRAYS(t, n, nb)                                                               \
    PB_ARRAY(state, t.mem, (size_t)(nb) * (n)), PB_ARRAY(state, t.mean, n),                 \
        PB_ARRAY(state, t.weight, nb), PB_ARRAY(state, t.fresh, n), PB_ARRAY(state, t.dir, n)

/* The weights of a table whose arrays PB_STATE_NEW carved: batch j's share of the level's
 * n_samples samples (1 when not a finite sum). */
static void saga_init(saga *t, uint32_t n, uint32_t n_samples, uint32_t batch)
{
    t->nb = n_batches(n_samples, batch);
    t->n = n;
    for (uint32_t j = 0; j < t->nb; j++) {
        uint32_t lo = j * batch, hi = lo + batch < n_samples ? lo + batch : n_samples;
        t->weight[j] = n_samples ? (double)(hi - lo) / n_samples : 1.0;
    }
}

/* dir = nb w_j (fresh - mem_j) + mean (unbiased for uniform j); then mem_j = fresh. */
static void saga_update(saga *t, uint32_t j)
{
    double *m = t->mem + (size_t)j * t->n, c = t->nb * t->weight[j];
    for (uint32_t i = 0; i < t->n; i++) {
        double delta = t->fresh[i] - m[i];
        t->dir[i] = c * delta + t->mean[i];
        t->mean[i] += t->weight[j] * delta;
        m[i] = t->fresh[i];
    }
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    int finite = f->n_inner > 0 && f->n_outer > 0;
    uint32_t ni = finite ? f->n_inner : 0, no = finite ? f->n_outer : 0, b = f->batch_size;
    uint32_t nbi = n_batches(ni, b), nbo = n_batches(no, b);
    state *s = PB_STATE_NEW(ctx, state, BILEVEL_ARRAYS(state, f), SAGA_ARRAYS(gyg, f->dy, nbi),
                            SAGA_ARRAYS(hvp, f->dy, nbi), SAGA_ARRAYS(cross, f->dx, nbi),
                            SAGA_ARRAYS(gyf, f->dy, nbo), SAGA_ARRAYS(gxf, f->dx, nbo));
    if (!s)
        return PB_ERR_NOMEM;
    bilevel_start(&s->base, f, 1); /* the modes are chosen per step */
    saga_init(&s->gyg, f->dy, ni, b);
    saga_init(&s->hvp, f->dy, ni, b);
    saga_init(&s->cross, f->dx, ni, b);
    saga_init(&s->gyf, f->dy, no, b);
    saga_init(&s->gxf, f->dx, no, b);
    s->finite = finite;
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    bilevel_base *b = &s->base;
    const pb_bilevel *f = b->f;
    uint32_t j = 0, i = 0, mi = PB_BILEVEL_STOCHASTIC, mo = PB_BILEVEL_STOCHASTIC;
    if (s->finite) {
        j = f->draw_batch(f, PB_BILEVEL_INNER);
        i = f->draw_batch(f, PB_BILEVEL_OUTER);
        mi = PB_BILEVEL_BATCH(j);
        mo = PB_BILEVEL_BATCH(i);
    }
    if (bilevel_oracles(b, mi, mo, s->gyg.fresh, s->hvp.fresh, s->cross.fresh, s->gyf.fresh,
                        s->gxf.fresh) != 0)
        return PB_CONTINUE;
    saga_update(&s->gyg, j);
    saga_update(&s->hvp, j);
    saga_update(&s->cross, j);
    saga_update(&s->gyf, i);
    saga_update(&s->gxf, i);
    bilevel_joint_yz(b, b->param[P_INNER_LR].real, s->gyg.dir, s->hvp.dir, s->gyf.dir);
    double gamma = b->param[P_OUTER_LR].real;
    for (uint32_t k = 0; k < f->dx; k++)
        b->x[k] -= gamma * (s->gxf.dir[k] - s->cross.dir[k]);
    return PB_CONTINUE;
}

/* The extension's estimate at (x, y, z): grad_x f(x, y) - grad_xy g(x, y) z, 2 oracle calls. */
PB_PLUGIN(BILEVEL_PLUGIN("saba", "1.0.0", params, create, step, bilevel_extension_at_z),
          .summary = "SABA: SOBA with SAGA variance reduction over the fixed batches of "
                     "finite sums",
          .citation = BILEVEL_SOBA_PAPER)
