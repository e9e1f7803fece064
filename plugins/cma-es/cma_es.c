/*
 * The cma-es plugin: the CMA-ES of Hansen's tutorial (cma.c), one generation per step,
 * optionally restarted with a doubled population (IPOP-CMA-ES, Auger & Hansen 2005). The
 * recommendation is the best point evaluated so far. See README.md.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cma.h"
#include "plugbench/blackbox.h"
#include "plugbench/plugin.h"
#include "plugbench/rng.h"

enum { P_RESTARTS, P_LAMBDA, P_SIGMA0, P_TOL_FUN, P_TOL_X, P_MAX_RESTARTS };
enum { RESTARTS_NONE, RESTARTS_IPOP };

static const pb_param params[] = {
    [P_RESTARTS] = {.name = "restarts", .type = PB_PARAM_CHOICE, .default_value = RESTARTS_IPOP,
                    .choices = "none|ipop",
                    .doc = "on a termination criterion: stop (none) or restart with a doubled "
                           "population from a new random mean (ipop)"},
    [P_LAMBDA] = {.name = "lambda", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 1e6,
                  .doc = "initial population size, >= 2; 0 means 4 + floor(3 ln n)"},
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
    const pb_blackbox *f;
    pb_rng rng;
    cma *run;
    int ipop;
    uint32_t restarts_left;
    double sigma0, tol_fun, tol_x;
    uint64_t budget, used; /* evaluation budget hint (0: none) and evaluations made */
    double best_f;
    double *best_x, *mean; /* best point so far; scratch for a new initial mean */
    char *error;
    uint32_t error_size;
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
    if (!run) {
        snprintf(s->error, s->error_size, "cma-es: out of memory for population %u", lambda);
        return PB_ERR_NOMEM;
    }
    cma_free(s->run);
    s->run = run;
    return 0;
}

/* Frees the state and its run. */
static void destroy(void *p)
{
    state *s = p;
    cma_free(s->run);
    free(s->best_x);
    free(s->mean);
    free(s);
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
    const pb_value *v = ctx->params;
    uint32_t lambda = (uint32_t)v[P_LAMBDA].integer;
    if (lambda == 0)
        lambda = 4 + (uint32_t)floor(3.0 * log(f->dim));
    if (lambda < 2) {
        snprintf(ctx->error, ctx->error_size, "cma-es: lambda must be 0 (default) or >= 2");
        return PB_ERR_INVALID;
    }
    state *s = calloc(1, sizeof *s);
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->ipop = v[P_RESTARTS].integer == RESTARTS_IPOP;
    s->restarts_left = (uint32_t)v[P_MAX_RESTARTS].integer;
    s->sigma0 = initial_sigma(f, v[P_SIGMA0].real);
    s->tol_fun = v[P_TOL_FUN].real;
    s->tol_x = v[P_TOL_X].real;
    s->budget = ctx->budget_cost;
    s->best_f = INFINITY;
    s->error = ctx->error;
    s->error_size = ctx->error_size;
    s->best_x = malloc(f->dim * sizeof(double));
    s->mean = malloc(f->dim * sizeof(double));
    pb_rng_seed(&s->rng, ctx->seed, 0);
    int32_t rc = s->best_x && s->mean ? start_run(s, lambda) : PB_ERR_NOMEM;
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

/* Writes the best point evaluated so far (the initial mean before any evaluation). */
static int32_t solution(void *p, double *out)
{
    const state *s = p;
    memcpy(out, s->best_x, s->f->dim * sizeof(double));
    return 0;
}

static const pb_plugin descriptor = {
    .abi_major = PB_ABI_MAJOR,
    .abi_minor = PB_ABI_MINOR,
    .struct_size = sizeof(pb_plugin),
    .n_params = sizeof params / sizeof params[0],
    .name = "cma-es",
    .version = "1.0.0",
    .summary = "CMA-ES (Hansen's tutorial defaults) with optional IPOP restarts",
    .citation = "N. Hansen, The CMA Evolution Strategy: A Tutorial, arXiv:1604.00772, 2016; "
                "A. Auger and N. Hansen, A Restart CMA Evolution Strategy With Increasing "
                "Population Size, IEEE CEC 2005",
    .kind = PB_KIND_BLACKBOX,
    .params = params,
    .create = create,
    .step = step,
    .solution = solution,
    .destroy = destroy,
};

PB_PLUGIN_ENTRY(descriptor)
