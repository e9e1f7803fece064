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
 * same scaled objective whose gradient g estimates). Compiled into each plugin.
 */
#ifndef PG_COMMON_H
#define PG_COMMON_H

#include <stdint.h>

#include <plugbench/policy.h>
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
    double *coef;       /* nf */
    double *A, *b, *f;  /* nf x nf, nf, nf scratch */
} pg_baseline;

/* Room for batches of steps (plus one horizon). Returns 0, or -1 when out of memory (then
 * free with pg_batch_free). */
int pg_batch_init(pg_batch *b, const pb_policy *pol, uint32_t steps);
void pg_batch_free(pg_batch *b);
/*
 * Runs whole episodes with pi_theta, noise from rng, until at least steps environment steps
 * (as garage's samplers do: the last episode runs to its end, so a batch holds between steps
 * and steps + horizon - 1 steps, and a batch of 32 steps is at least one whole episode).
 * Returns 0, or -1 when the budget ran out (the batch is then incomplete).
 */
int pg_collect(pg_batch *b, const pb_policy *pol, const double *theta, uint32_t steps,
               pb_rng *rng);

int pg_baseline_init(pg_baseline *bl, const pb_policy *pol);
void pg_baseline_free(pg_baseline *bl);
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

#endif
