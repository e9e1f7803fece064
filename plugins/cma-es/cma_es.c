/*
 * The cma-es plugin: the CMA-ES of Hansen's tutorial (cma.c), one generation per step,
 * optionally restarted with a doubled population (IPOP-CMA-ES, Auger & Hansen 2005). The
 * recommendation is the best point evaluated so far. See README.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

#include "cma.h"

enum { P_RESTARTS, P_LAMBDA, P_SIGMA0, P_TOL_FUN, P_TOL_X, P_MAX_RESTARTS };
enum { RESTARTS_NONE, RESTARTS_IPOP };

static const pb_param params[] = {
    [P_RESTARTS] = {.name = "restarts", .type = PB_PARAM_CHOICE, .default_value = RESTARTS_IPOP,
                    .choices = "none|ipop",
                    .doc = "on a termination criterion: stop (none) or restart with a doubled "
                           "population from a new random mean (ipop)"},
    [P_LAMBDA] = {.name = "lambda", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 1e6,
                  .doc = "0: 4 + floor(3 ln n); else the initial population size, >= 2"},
    [P_SIGMA0] = {.name = "sigma0", .type = PB_PARAM_REAL, .default_value = 0.3, .min = 1e-9,
                  .max = 10, .doc = "initial step size as a fraction of the mean box width"},
    [P_TOL_FUN] = {.name = "tol_fun", .type = PB_PARAM_REAL, .default_value = 1e-12, .min = 0,
                   .max = 1e6, .doc = "TolFun: stop when recent f values span less than this"},
    [P_TOL_X] = {.name = "tol_x", .type = PB_PARAM_REAL, .default_value = 1e-12, .min = 0,
                 .max = 1, .doc = "TolX, relative to the initial step size"},
    [P_MAX_RESTARTS] = {.name = "max_restarts", .type = PB_PARAM_INT, .default_value = 9,
                        .min = 0, .max = 20, .doc = "ipop: at most this many restarts"},
};

/* IPOP stops doubling here, far beyond any population an evaluation budget allows. */
#define MAX_LAMBDA (1u << 30)

typedef struct state {
    pb_state_head head; /* the solution is best_x */
    const pb_blackbox *f;
    pb_rng rng;
    cma *run; /* the engine's own allocation, freed by destroy() */
    int ipop;
    uint32_t restarts_left;
    double sigma0, tol_fun, tol_x;
    uint64_t budget, used; /* evaluation budget hint (0: none) and evaluations made */
    double best_f;
    double *best_x, *mean; /* best point so far; scratch for a new initial mean */
} state;

/*
 * Starts a CMA-ES run with population lambda from a mean drawn uniformly in the box (so
 * that restarts explore the box). Returns 0, or PB_ERR_NOMEM with a message.
 */
static int32_t start_run(state *s, uint32_t lambda)
{
    const pb_blackbox *f = s->f;
    pb_rng_uniform_box(&s->rng, f->dim, f->lower, f->upper, s->mean);
    cma *run = cma_new(f->dim, lambda, s->mean, s->sigma0, s->tol_fun, s->tol_x * s->sigma0);
    if (!run)
        return pb_fail(s->head.ctx, PB_ERR_NOMEM, "out of memory for population %u", lambda);
    cma_free(s->run);
    s->run = run;
    return 0;
}

/* Frees the run, then the state. */
static void destroy(void *p)
{
    state *s = p;
    cma_free(s->run);
    pb_state_free(s);
}

/* sigma0 is a fraction of the mean box width: C starts as I, so one scalar scales it. */
static double initial_sigma(const pb_blackbox *f, double fraction)
{
    double width = 0.0;
    for (uint32_t i = 0; i < f->dim; i++)
        width += f->upper[i] - f->lower[i];
    return fraction * width / f->dim;
}

/* Allocates the state and the first run (no evaluation yet); rejects lambda = 1. */
static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    uint32_t lambda =
        (uint32_t)pb_param_or(ctx, P_LAMBDA, 4 + (int64_t)floor(3.0 * log(f->dim)));
    if (lambda < 2)
        return pb_fail(ctx, PB_ERR_INVALID, "lambda must be 0 (default) or >= 2");
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, best_x, f->dim),
                            PB_ARRAY(state, mean, f->dim));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->ipop = ctx->params[P_RESTARTS].integer == RESTARTS_IPOP;
    s->restarts_left = (uint32_t)ctx->params[P_MAX_RESTARTS].integer;
    s->sigma0 = initial_sigma(f, ctx->params[P_SIGMA0].real);
    s->tol_fun = ctx->params[P_TOL_FUN].real;
    s->tol_x = ctx->params[P_TOL_X].real;
    s->budget = ctx->budget_cost;
    s->best_f = INFINITY;
    pb_rng_seed(&s->rng, ctx->seed, 0);
    int32_t rc = start_run(s, lambda);
    if (rc < 0) {
        destroy(s);
        return rc;
    }
    /* Until the first evaluation, the initial mean is the recommendation. */
    memcpy(s->best_x, s->mean, f->dim * sizeof(double));
    *out = s;
    return 0;
}

/*
 * After a termination criterion: PB_DONE without restarts or when the next population
 * would not fit in the rest of the evaluation budget; otherwise a new run with the
 * population doubled (IPOP).
 */
static int32_t restart(state *s)
{
    uint64_t lambda = 2 * (uint64_t)s->run->lambda;
    if (!s->ipop || s->restarts_left == 0 || lambda > MAX_LAMBDA ||
        (s->budget && lambda > s->budget - s->used))
        return PB_DONE;
    s->restarts_left--;
    int32_t rc = start_run(s, (uint32_t)lambda);
    return rc < 0 ? rc : PB_CONTINUE;
}

/*
 * One generation: sample lambda points, evaluate them (keeping the best), update the
 * distribution, and restart or stop when a termination criterion holds. Returns at once
 * when the budget is spent.
 */
static int32_t step(void *p)
{
    state *s = p;
    cma *run = s->run;
    const uint32_t n = s->f->dim;
    cma_ask(run, &s->rng);
    for (uint32_t k = 0; k < run->lambda; k++) {
        const double *x = run->x + (size_t)k * n;
        double y = s->f->evaluate(s->f, x);
        if (isnan(y))
            return PB_CONTINUE; /* the budget is spent: the host ends the run */
        s->used++;
        run->f[k] = y;
        if (y < s->best_f) {
            s->best_f = y;
            memcpy(s->best_x, x, n * sizeof(double));
        }
    }
    cma_tell(run);
    return cma_stop(run) ? restart(s) : PB_CONTINUE;
}

PB_PLUGIN(.name = "cma-es", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
          .summary = "CMA-ES (Hansen's tutorial defaults) with optional IPOP restarts",
          .citation = "N. Hansen, The CMA Evolution Strategy: A Tutorial, arXiv:1604.00772, 2016; "
                      "A. Auger and N. Hansen, A Restart CMA Evolution Strategy With Increasing "
                      "Population Size, IEEE CEC 2005",
          PB_PARAMS(params), PB_STATE_LIFECYCLE_DESTROY(create, step, destroy))
