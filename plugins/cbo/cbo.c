/*
 * Consensus-based optimization (CBO) as a plugbench blackbox plugin.
 *
 * Particles x_1..x_N move towards the consensus point c = sum w_i x_i / sum w_i, with
 * w_i = exp(-alpha f(x_i)), and explore with noise that shrinks as they reach consensus:
 *
 *   x_i <- x_i - lambda dt (x_i - c) + sigma sqrt(dt) s_i (.) xi_i,    xi_i ~ N(0, I),
 *
 * where s_i = |x_i - c|_2 (isotropic; Pinnau, Totzeck, Tse, Martin 2017) or s_i = x_i - c
 * componentwise (anisotropic; Carrillo, Jin, Li, Zhu 2021). Carrillo et al.'s random
 * mini-batches compute c from random batches of size M instead of from all N particles.
 * The consensus-hopping variant (Riedl, Klock, Geldhauser, Fornasier 2023) resamples every
 * particle around the consensus point instead: x_i <- c + sigma xi_i. Defaults follow the
 * reference package CBXpy; README.md gives the equations and where they come from.
 */
#include <math.h>
#include <string.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

#include "cbo_internal.h"

/* CBXpy's default scheduler multiplies alpha by this factor after every iteration. */
#define ALPHA_FACTOR 1.05
/* CBXpy's default post-processing keeps coordinates in [-CLIP, CLIP] (NaN becomes CLIP). */
#define CLIP 1e8

enum { NOISE_ISOTROPIC, NOISE_ANISOTROPIC };
enum { VARIANT_STANDARD, VARIANT_HOPPING };

/* Indices into params[] and ctx->params, in declaration order. */
enum {
    P_N_PARTICLES, P_DT, P_LAMBDA, P_SIGMA, P_ALPHA, P_ALPHA_SCHEDULE, P_ALPHA_MAX, P_NOISE,
    P_BATCH_SIZE, P_VARIANT
};

static const pb_param params[] = {
    [P_N_PARTICLES] = {.name = "n_particles", .type = PB_PARAM_INT, .default_value = 20,
                       .min = 1, .max = 1e6, .doc = "number of particles N (CBXpy: 20)"},
    [P_DT] = {.name = "dt", .type = PB_PARAM_REAL, .default_value = 0.01, .min = 1e-12,
              .max = 1e3, .doc = "time step of the Euler-Maruyama scheme (CBXpy: 0.01)"},
    [P_LAMBDA] = {.name = "lambda", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 0,
                  .max = 1e6, .doc = "drift rate towards the consensus point (CBXpy: 1)"},
    [P_SIGMA] = {.name = "sigma", .type = PB_PARAM_REAL, .default_value = 5.1, .min = 0,
                 .max = 1e6,
                 .doc = "noise strength; for variant=hopping the absolute std deviation of "
                        "the hop (CBXpy: 5.1)"},
    [P_ALPHA] = {.name = "alpha", .type = PB_PARAM_REAL, .default_value = 1.0, .min = 0,
                 .max = 1e15, .doc = "initial inverse temperature of the weights (CBXpy: 1)"},
    [P_ALPHA_SCHEDULE] = {.name = "alpha_schedule", .type = PB_PARAM_BOOL,
                          .default_value = 1,
                          .doc = "after each iteration alpha <- min(1.05 alpha, alpha_max), "
                                 "as CBXpy's default scheduler"},
    [P_ALPHA_MAX] = {.name = "alpha_max", .type = PB_PARAM_REAL, .default_value = 1e5,
                     .min = 0, .max = 1e15, .doc = "cap of the alpha schedule (CBXpy: 1e5)"},
    [P_NOISE] = {.name = "noise", .type = PB_PARAM_CHOICE, .default_value = NOISE_ISOTROPIC,
                 .choices = "isotropic|anisotropic",
                 .doc = "noise scaled by |x-c|_2 (isotropic) or by x-c per coordinate "
                        "(anisotropic) (CBXpy: isotropic)"},
    [P_BATCH_SIZE] = {.name = "batch_size", .type = PB_PARAM_INT, .default_value = 0,
                      .min = 0, .max = 1e6,
                      .doc = "random mini-batch size M for the consensus; 0 or >= N uses "
                             "all particles"},
    [P_VARIANT] = {.name = "variant", .type = PB_PARAM_CHOICE,
                   .default_value = VARIANT_STANDARD, .choices = "standard|hopping",
                   .doc = "standard CBO, or consensus hopping x_i <- c + sigma xi_i "
                          "(ignores dt, lambda, noise)"},
};

typedef struct state {
    pb_state_head head; /* the solution is consensus */
    const pb_blackbox *f;
    pb_rng rng;
    cbo_normal_fn normal; /* standard normal draws of the updates; the kit RNG by default */
    void *normal_ctx;
    size_t n, dim, batch;    /* particles, dimension, batch size (n when unbatched) */
    double drift, diffusion; /* lambda dt and sigma sqrt(dt) */
    double sigma, alpha, alpha_max;
    int schedule, anisotropic, hopping;
    double *x;         /* n x dim positions, row-major */
    double *energy;    /* f at each particle's position, this iteration */
    uint32_t *order;   /* particle indices; shuffled each iteration when batched */
    double *consensus; /* of all particles: the recommended solution */
    double *batch_c;   /* consensus of the current batch */
    double *diff;      /* x_i - c for the particle being moved */
} state;

/* The kit RNG as a cbo_normal_fn. */
static double rng_normal(void *rng) { return pb_rng_normal(rng); }

/* Test-only (cbo_internal.h): the source of the updates' standard normal draws. */
void cbo_set_normal_source(void *p, cbo_normal_fn draw, void *ctx)
{
    state *s = p;
    s->normal = draw;
    s->normal_ctx = ctx;
}

/* Copies the typed parameter values into the state. */
static void read_params(state *s, const pb_context *ctx)
{
    s->n = (size_t)ctx->params[P_N_PARTICLES].integer;
    size_t batch = (size_t)ctx->params[P_BATCH_SIZE].integer;
    s->batch = batch == 0 || batch > s->n ? s->n : batch;
    s->drift = ctx->params[P_LAMBDA].real * ctx->params[P_DT].real;
    s->diffusion = ctx->params[P_SIGMA].real * sqrt(ctx->params[P_DT].real);
    s->sigma = ctx->params[P_SIGMA].real;
    s->alpha = ctx->params[P_ALPHA].real;
    s->alpha_max = ctx->params[P_ALPHA_MAX].real;
    s->schedule = ctx->params[P_ALPHA_SCHEDULE].integer != 0;
    s->anisotropic = ctx->params[P_NOISE].integer == NOISE_ANISOTROPIC;
    s->hopping = ctx->params[P_VARIANT].integer == VARIANT_HOPPING;
}

/*
 * Draws the particles uniformly in the box (the papers' U(-3,3)^d setting is the box
 * [-3,3]^d). Until the first evaluation the box centre stands for the consensus point.
 */
static void initialise(state *s)
{
    const pb_blackbox *f = s->f;
    for (size_t i = 0; i < s->n; i++) {
        s->order[i] = (uint32_t)i;
        pb_rng_uniform_box(&s->rng, f->dim, f->lower, f->upper, &s->x[i * s->dim]);
    }
    for (size_t j = 0; j < s->dim; j++)
        s->consensus[j] = 0.5 * (f->lower[j] + f->upper[j]);
}

/* Allocates the state for ctx->problem and draws the initial particles. */
static int32_t create(const pb_context *ctx, void **out)
{
    const pb_blackbox *f = ctx->problem->oracle;
    size_t n = (size_t)ctx->params[P_N_PARTICLES].integer, dim = f->dim;
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, consensus, dim),
                            PB_ARRAY(state, x, n * dim), PB_ARRAY(state, energy, n),
                            PB_ARRAY(state, order, n), PB_ARRAY(state, batch_c, dim),
                            PB_ARRAY(state, diff, dim));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->dim = dim;
    read_params(s, ctx);
    pb_rng_seed(&s->rng, ctx->seed, 0);
    cbo_set_normal_source(s, rng_normal, &s->rng);
    initialise(s);
    *out = s;
    return 0;
}

/*
 * The weight exp(-alpha (f - best)) of a particle, relative to the best one in its set.
 * Shifting by the minimum is the log-sum-exp trick: the best particle weighs exactly 1 and
 * the others lie in [0, 1], so the normaliser is >= 1 for any alpha and never overflows
 * or underflows to zero. z is NaN only for alpha = 0 with an infinite energy or when every
 * energy is infinite; there the comparison fails and equal weights are the right limit.
 */
static double weight(double alpha, double energy, double best)
{
    double z = alpha * (energy - best);
    return z > 0 ? exp(-z) : 1.0;
}

/* Writes to c the weighted mean of the n particles listed in idx. */
static void weighted_mean(const state *s, const uint32_t *idx, size_t n, double *c)
{
    double best = s->energy[idx[0]];
    for (size_t k = 1; k < n; k++)
        best = best < s->energy[idx[k]] ? best : s->energy[idx[k]];
    double total = 0.0;
    memset(c, 0, s->dim * sizeof *c);
    for (size_t k = 0; k < n; k++) {
        double w = weight(s->alpha, s->energy[idx[k]], best);
        const double *x = &s->x[(size_t)idx[k] * s->dim];
        total += w;
        for (size_t j = 0; j < s->dim; j++)
            c[j] += w * x[j];
    }
    for (size_t j = 0; j < s->dim; j++)
        c[j] /= total;
}

/* CBXpy's post-processing: NaN becomes CLIP and coordinates are clipped to [-CLIP, CLIP],
 * so that a diverging run (isotropic noise in high dimension) stays finite. */
static double clip(double v) { return isnan(v) ? CLIP : fmin(fmax(v, -CLIP), CLIP); }

/*
 * One Euler-Maruyama step of a particle towards c:
 * x <- x - lambda dt (x - c) + sigma sqrt(dt) (s (.) xi), with s = |x - c|_2 (isotropic)
 * or s = x - c componentwise (anisotropic).
 */
static void move(state *s, double *x, const double *c)
{
    double sq = 0.0;
    for (size_t j = 0; j < s->dim; j++) {
        s->diff[j] = x[j] - c[j];
        sq += s->diff[j] * s->diff[j];
    }
    double norm = sqrt(sq);
    for (size_t j = 0; j < s->dim; j++) {
        double scale = s->anisotropic ? s->diff[j] : norm;
        x[j] = clip(x[j] - s->drift * s->diff[j] +
                    s->diffusion * (scale * s->normal(s->normal_ctx)));
    }
}

/* Consensus hopping: the particle is resampled around c, x <- c + sigma xi. */
static void hop(state *s, double *x, const double *c)
{
    for (size_t j = 0; j < s->dim; j++)
        x[j] = clip(c[j] + s->sigma * s->normal(s->normal_ctx));
}

/* Moves the n particles listed in idx with respect to their consensus point c. */
static void update(state *s, const uint32_t *idx, size_t n, const double *c)
{
    for (size_t k = 0; k < n; k++) {
        double *x = &s->x[(size_t)idx[k] * s->dim];
        if (s->hopping)
            hop(s, x, c);
        else
            move(s, x, c);
    }
}

/* Fisher-Yates shuffle of the particle order, for a fresh random batch partition. */
static void shuffle(state *s)
{
    for (size_t i = s->n - 1; i > 0; i--) {
        size_t j = (size_t)pb_rng_below(&s->rng, i + 1);
        uint32_t t = s->order[i];
        s->order[i] = s->order[j];
        s->order[j] = t;
    }
}

/*
 * One CBO iteration (the random batch algorithm of Carrillo et al. 2021): evaluate every
 * particle, then partition the particles at random into batches of batch_size (the last
 * one smaller when it does not divide N) and move each batch with respect to its own
 * consensus point.
 * Batches are disjoint and only a batch's own particles move, so evaluating all of them
 * first is the same as the paper's batch-by-batch loop. Unbatched, the single batch is the
 * whole ensemble and its consensus is the recommendation. The consensus always comes from
 * the positions before the move (the previous iterate), as in the papers and CBXpy.
 */
static int32_t step(void *p)
{
    state *s = p;
    for (size_t i = 0; i < s->n; i++) {
        s->energy[i] = s->f->evaluate(s->f, &s->x[i * s->dim]);
        if (isnan(s->energy[i]))
            return PB_CONTINUE; /* the budget is spent: the host ends the run */
    }
    weighted_mean(s, s->order, s->n, s->consensus);
    if (s->batch < s->n)
        shuffle(s);
    for (size_t start = 0; start < s->n; start += s->batch) {
        size_t count = s->n - start < s->batch ? s->n - start : s->batch;
        const double *c = s->consensus;
        if (count < s->n) {
            weighted_mean(s, &s->order[start], count, s->batch_c);
            c = s->batch_c;
        }
        update(s, &s->order[start], count, c);
    }
    if (s->schedule)
        s->alpha = fmin(s->alpha * ALPHA_FACTOR, s->alpha_max);
    return PB_CONTINUE;
}

/* plugbench.microkernels/1, "step": one CBO iteration as `plugbench bench` times it. */
PB_PLUGIN_WITH_STEP_MICROKERNEL(
    "one CBO iteration: n_particles (default 20) evaluations, consensus and "
    "moves; items: evaluations",
    20 /* the default n_particles */,
    .name = "cbo", .version = "1.0.0", .kind = PB_KIND_BLACKBOX,
    .summary = "consensus-based optimization: isotropic or anisotropic noise, alpha "
               "schedule, random mini-batches, consensus hopping",
    .citation = "R. Pinnau, C. Totzeck, O. Tse, S. Martin, A consensus-based model for "
                "global optimization and its mean-field limit, M3AS 27(1), 2017; J. A. "
                "Carrillo, S. Jin, L. Li, Y. Zhu, A consensus-based global optimization "
                "method for high dimensional machine learning problems, ESAIM:COCV 27, "
                "2021; K. Riedl, T. Klock, C. Geldhauser, M. Fornasier, Gradient is All "
                "You Need?, arXiv:2306.09778, 2023",
    PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step))
