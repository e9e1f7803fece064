/*
 * The state the three policy-gradient plugins share: the oracle table, the plugin's own
 * generator (stream 0 of the run's seed: its action noise and draws), the main batch, the
 * baseline, the iterate and its predecessor. Header-only helpers; see pg_common.h.
 */
#ifndef PG_STATE_H
#define PG_STATE_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/plugin.h>

#include "pg_common.h"

typedef struct pg_state {
    const pb_policy *pol;
    pb_rng rng;
    pg_batch batch, hbatch;
    pg_baseline baseline;
    uint32_t batch_steps, hess_steps;
    double gamma0;
    int per_step; /* the estimator's scale: see pg_common.h */
    uint64_t t;
    double *theta, *prev, *g, *d, *x, *s1, *s2;
} pg_state;

static inline void pg_state_free(void *p)
{
    pg_state *s = p;
    pg_batch_free(&s->batch);
    pg_batch_free(&s->hbatch);
    pg_baseline_free(&s->baseline);
    free(s->theta);
    free(s->prev);
    free(s->g);
    free(s->d);
    free(s->x);
    free(s->s1);
    free(s->s2);
    free(s);
}

/* Allocates the state for ctx's problem, batches of batch_steps and hess_steps (0: none). */
static inline int32_t pg_state_new(const pb_context *ctx, uint32_t batch_steps, uint32_t hess_steps,
                            double gamma0, pg_state **out)
{
    const pb_policy *pol = ctx->problem->oracle;
    pg_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(ctx->error, ctx->error_size, "out of memory");
        return PB_ERR_NOMEM;
    }
    s->pol = pol;
    s->batch_steps = batch_steps;
    s->hess_steps = hess_steps;
    s->gamma0 = gamma0;
    size_t n = pol->dim * sizeof(double);
    int bad = pg_batch_init(&s->batch, pol, batch_steps) != 0 ||
              pg_batch_init(&s->hbatch, pol, hess_steps ? hess_steps : 1) != 0 ||
              pg_baseline_init(&s->baseline, pol) != 0;
    s->theta = malloc(n);
    s->prev = malloc(n);
    s->g = calloc(pol->dim, sizeof(double));
    s->d = calloc(pol->dim, sizeof(double));
    s->x = malloc(n);
    s->s1 = malloc(n);
    s->s2 = malloc(n);
    if (bad || !s->theta || !s->prev || !s->g || !s->d || !s->x || !s->s1 || !s->s2) {
        pg_state_free(s);
        snprintf(ctx->error, ctx->error_size, "out of memory for %u parameters", pol->dim);
        return PB_ERR_NOMEM;
    }
    memcpy(s->theta, pol->theta0, n);
    memcpy(s->prev, pol->theta0, n);
    pb_rng_seed(&s->rng, ctx->seed, 0);
    *out = s;
    return 0;
}

/* theta_prev = theta; theta += step d / |d| (no move when d is 0). */
static inline void pg_normalized_step(pg_state *s, double step)
{
    double nrm = 0.0;
    for (uint32_t i = 0; i < s->pol->dim; i++)
        nrm += s->d[i] * s->d[i];
    nrm = sqrt(nrm);
    memcpy(s->prev, s->theta, s->pol->dim * sizeof(double));
    if (nrm > 0)
        for (uint32_t i = 0; i < s->pol->dim; i++)
            s->theta[i] += step * s->d[i] / nrm;
}

static inline int32_t pg_solution(void *p, double *out)
{
    pg_state *s = p;
    memcpy(out, s->theta, s->pol->dim * sizeof(double));
    return 0;
}

#endif
