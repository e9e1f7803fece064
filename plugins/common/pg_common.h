/*
 * Shared by the policy-gradient plugins (vpg, npg-igt, nharpg): trajectory batches counted
 * in environment steps, the linear-feature baseline (rllab's LinearFeatureBaseline) and the
 * GPOMDP estimator with baseline,
 *     g = sum_tau sum_t c_t (G_t - b(s_t, t)) grad log pi(a_t | s_t),
 *     G_t = sum_{h >= t} gamma^(h - t) r_h,
 * and N-HARPG's Hessian estimator, summed over the batch's trajectories,
 *     B v = sum_tau [grad Phi_tau (grad log p(tau) . v) + hess Phi_tau v],
 *     Phi_tau = sum_t c_t G_t log pi(a_t | s_t)   (the paper's; optionally G_t - b),
 * with c_t = gamma^t / N (N trajectories: the paper's estimator, per_step = 0) or c_t = 1 / n
 * (n steps: the authors' code, garage's VPG loss, a mean over steps without gamma^t,
 * per_step = 1; n is the batch's step_norm, which N-HARPG sets for its Hessian batch to
 * N_h times the mean episode length of its gradient batch, so that B is the Hessian of the
 * same scaled objective whose gradient g estimates).
 *
 * And the plugins' state, pg_state: the oracle table, the plugin's own generator (stream 0
 * of the run's seed: its action noise and draws), the batches, the baseline, the iterate and
 * its predecessor, all in one block made by pg_state_new (one free() releases it); the
 * pieces of their step() (the gradient at a point, the normalized step, the end of an
 * iteration); their common parameters and descriptor members. A static library (pg_common
 * in plugins/common/meson.build) linked into each plugin.
 */
#ifndef PG_COMMON_H
#define PG_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

typedef struct pg_batch {
    uint32_t cap, n, n_eps;  /* capacity (steps + horizon) and steps; episodes */
    double *obs, *act, *rew; /* per step: obs_dim, action_dim, 1 */
    uint32_t *t;             /* step index within its episode */
    uint32_t *ep_start;      /* n_eps + 1 offsets */
    double *G;               /* discounted return-to-go */
    double *w;               /* weights scratch */
    double *noise;           /* noise_dim */
    double step_norm;        /* the per-step scale's divisor: n, unless the caller sets it */
} pg_batch;

typedef struct pg_baseline {
    uint32_t nf;        /* features: 2 obs_dim + 4 */
    int fitted;
    double *coef;       /* nf, zero until the first fit */
    double *A, *b, *f;  /* nf x nf, nf, nf scratch */
    double *FtF, *Fty;  /* nf x nf, nf: the normal equations, rebuilt by every fit */
} pg_baseline;

/*
 * Runs whole episodes with pi_theta, noise from rng, until at least steps environment steps
 * (as garage's samplers do: the last episode runs to its end, so a batch holds between steps
 * and steps + horizon - 1 steps, and a batch of 32 steps is at least one whole episode).
 * Returns 0, or -1 when the budget ran out (the batch is then incomplete).
 */
int pg_collect(pg_batch *b, const pb_policy *pol, const double *theta, uint32_t steps,
               pb_rng *rng);

/* Refits by ridge regression (regularizer 1e-5, times 10 until finite) on b's returns. */
void pg_baseline_fit(pg_baseline *bl, const pb_policy *pol, const pg_batch *b);

/* GPOMDP with baseline (bl may be NULL or unfitted: no baseline) into out (dim). */
void pg_gpomdp(const pb_policy *pol, pg_batch *b, const pg_baseline *bl, const double *theta,
               int per_step, double *out);

/*
 * B v at theta into out (dim); scratch: two dim vectors. With a fitted baseline bl, Phi's
 * returns G_t become G_t - b(s_t, t) (still unbiased: the baseline term's expectation is 0
 * for every theta, so the expectation of its B is the derivative of 0); b's G is then
 * overwritten. bl NULL: the paper's Phi.
 */
void pg_hessian_vector(const pb_policy *pol, pg_batch *b, const pg_baseline *bl,
                       const double *theta, const double *v, int per_step, double *out,
                       double *scratch1, double *scratch2);

/* The parameters of vpg and npg-igt, by their index in the table (pg_create reads them). */
enum { PG_P_BATCH, PG_P_GAMMA0, PG_P_SCALE };

/* A batch size in environment steps: the parameter `name`, steps per `what` (a string
 * literal) with the default given. */
#define PG_PARAM_STEPS(name_, default_steps, what)                                          \
    {.name = (name_), .type = PB_PARAM_INT, .default_value = (default_steps), .min = 1,     \
     .max = 1e8, .doc = "environment steps per " what ", at least (whole episodes)"}

/* The parameter `batch`: environment steps per `what` ("iteration", "gradient batch"). */
#define PG_PARAM_BATCH(what) PG_PARAM_STEPS("batch", 5000, what)

/* The parameter `gamma0`, with the plugin's default; doc gives its schedule. */
#define PG_PARAM_GAMMA0(default_gamma0, doc_)                                               \
    {.name = "gamma0", .type = PB_PARAM_REAL, .default_value = (default_gamma0),            \
     .min = 1e-12, .max = 1e6, .doc = (doc_)}

/* The parameter `scale`: per_step is its value == 0 ("steps"). */
#define PG_PARAM_SCALE                                                                      \
    {.name = "scale", .type = PB_PARAM_CHOICE, .default_value = 0,                          \
     .choices = "steps|episodes",                                                           \
     .doc = "estimator scale: mean over steps, no gamma^t (authors' code) or the paper's "  \
            "(1/N) sum gamma^t"}

/* The parameter table of vpg and npg-igt, which pg_create reads: the batch per iteration,
 * gamma0 (PG_PARAM_GAMMA0) and the scale. */
#define PG_CREATE_PARAMS(default_gamma0, gamma0_doc)                                        \
    {[PG_P_BATCH] = PG_PARAM_BATCH("iteration"),                                            \
     [PG_P_GAMMA0] = PG_PARAM_GAMMA0(default_gamma0, gamma0_doc),                           \
     [PG_P_SCALE] = PG_PARAM_SCALE}

/* A policy-gradient plugin's state. A plugin that needs more fields declares a struct with
 * a pg_state as its first member and passes its size to pg_state_new. */
typedef struct pg_state {
    pb_state_head head; /* the solution is theta */
    const pb_policy *pol;
    pb_rng rng;
    pg_batch batch;     /* the gradient batch, batch_steps steps */
    pg_batch hbatch;    /* N-HARPG's Hessian batch, hess_steps steps */
    pg_baseline baseline;
    uint32_t batch_steps, hess_steps;
    double gamma0;
    int per_step; /* the estimators' scale: see above */
    uint64_t t;   /* iterations done */
    double *theta, *prev, *g, *d, *x; /* dim each: theta and prev start at theta0, g and d 0 */
    double *v, *bv, *s1, *s2;         /* dim each, N-HARPG's: v, B v and B's scratch */
} pg_state;

/*
 * Makes the state (of `size` bytes, at least sizeof(pg_state)) for ctx's problem, which
 * must be of the policy kind, with room for batches of batch_steps and hess_steps (0 but for
 * N-HARPG) environment steps, into *out; the descriptor's destroy() is pb_state_free() and
 * its solution() pb_state_solution. Returns 0, or a PB_ERR_* with the message in ctx's
 * error buffer (create() returns it as it is).
 */
int32_t pg_state_new(const pb_context *ctx, size_t size, uint32_t batch_steps,
                     uint32_t hess_steps, double gamma0, int per_step, void **out);

/* The create() of vpg and npg-igt: pg_state_new with their parameters PG_P_*, no Hessian
 * batch. */
int32_t pg_create(const pb_context *ctx, void **out);

/* Samples the gradient batch at `at` (batch_steps steps at least) and estimates g there
 * (GPOMDP with the baseline). Returns 0, or -1 when the budget ran out: step() returns. */
int pg_gradient(pg_state *s, const double *at);

/* The update that ends an iteration of the normalized methods (npg-igt, nharpg):
 * prev = theta; theta += step d / |d| (no move when d is 0); then pg_iteration_done, whose
 * PB_CONTINUE it returns. */
int32_t pg_normalized_step(pg_state *s, double step);

/* Ends an iteration, after its update: refits the baseline on its gradient batch and counts
 * it. Returns PB_CONTINUE, for step() to return. */
int32_t pg_iteration_done(pg_state *s);

/* The citation of npg-igt and nharpg. */
#define PG_PAPER                                                                            \
    "Fatkhullin, Barakat, Kireeva, He, Stochastic Policy Gradient Methods: Improved Sample " \
    "Complexity for Fisher-non-degenerate Policies, ICML 2023"

#endif
