/*
 * The policy kind, revision 1: maximize the expected discounted return of a parametric
 * policy pi_theta in an environment, from sampled trajectories.
 *
 * A plugin that declares kind PB_KIND_POLICY receives, in pb_problem.oracle, a pointer to
 * the table below. The problem supplies both the environment (reset, step, horizon,
 * discount) and the policy class (action sampling, grad log pi and Hessian-vector products
 * of log pi at given parameters). Its cost unit is the environment step: each step() call
 * counts one, nothing else counts. The HOST draws the initial states and any transition
 * noise from the run's seed; the plugin supplies the noise of its actions (so that the same
 * seed gives the same trajectories).
 *
 * Its solution is the parameter vector theta, dim doubles. The host measures, outside the
 * timed region, the average return of pi_theta on evaluation episodes with their own seeds
 * (the same episodes for every run), or exactly where the problem can (LQR, gridworld,
 * bandit). The main metric is the regret: the problem's reference return (optimal or an
 * upper bound, see `plugbench list`) minus that return; lower is better.
 *
 * Once the step budget is spent step() returns NaN without stepping; the host ends the run
 * after the current step: return from the plugin's step() soon after seeing NaN.
 *
 * Actions are doubles: for a discrete action space (n_actions > 0) one double holding the
 * index; for a continuous one action_dim doubles.
 */
#ifndef PLUGBENCH_POLICY_H
#define PLUGBENCH_POLICY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_POLICY "policy/1"

/* step()'s *done: the episode goes on, ended in a terminal state, or hit the horizon. */
#define PB_POLICY_RUNNING 0
#define PB_POLICY_TERMINATED 1
#define PB_POLICY_TRUNCATED 2

typedef struct pb_policy pb_policy;

struct pb_policy {
    uint32_t struct_size; /* sizeof(pb_policy) as the host was built */
    uint32_t dim;         /* number of policy parameters, >= 1 */
    uint32_t obs_dim;     /* length of an observation */
    uint32_t action_dim;  /* doubles per action: 1 for a discrete action space */
    uint32_t n_actions;   /* number of discrete actions; 0 for a continuous action space */
    uint32_t noise_dim;   /* doubles of noise act() takes: 1 uniform in [0, 1) when discrete,
                             action_dim standard normals when continuous */
    uint32_t horizon;     /* steps after which an episode is truncated */
    uint32_t reserved;    /* zero */
    double gamma;         /* the discount of the objective */
    const double *theta0; /* dim doubles, host-owned: the problem's initial policy */

    /* Starts a new episode (abandoning any other) and writes its first observation to obs
     * (obs_dim doubles). Counts nothing. */
    void (*reset)(const pb_policy *self, double *obs);

    /*
     * Applies action to the current episode, writes the next observation to obs and
     * *done (PB_POLICY_*), returns the reward. Counts one environment step. Returns NaN
     * with obs untouched and *done = PB_POLICY_TRUNCATED when the budget is spent or no
     * episode is running (call reset first, and again after done).
     */
    double (*step)(const pb_policy *self, const double *action, double *obs, int32_t *done);

    /* Samples a ~ pi_theta(. | obs) using the caller's noise (noise_dim doubles) into
     * action (action_dim doubles). Counts nothing. */
    void (*act)(const pb_policy *self, const double *theta, const double *obs,
                const double *noise, double *action);

    /*
     * out (dim doubles, overwritten) = sum_k weights[k] grad_theta log pi_theta(a_k | s_k)
     * over n pairs: obs is n x obs_dim, actions n x action_dim, row-major. Returns
     * sum_k weights[k] log pi_theta(a_k | s_k). Counts nothing.
     */
    double (*grad_log_pi)(const pb_policy *self, const double *theta, uint32_t n,
                          const double *obs, const double *actions, const double *weights,
                          double *out);

    /* out (dim, overwritten) = sum_k weights[k] hess_theta log pi_theta(a_k | s_k) v, exact
     * (forward-over-reverse differentiation). Counts nothing. */
    void (*hvp_log_pi)(const pb_policy *self, const double *theta, uint32_t n,
                       const double *obs, const double *actions, const double *weights,
                       const double *v, double *out);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

#ifdef __cplusplus
}
#endif

#endif
