/*
 * Shared by the policy kind (policy.c) and its environments (envs.c): one problem type that
 * owns the environment's state and the policy class, counts environment steps and measures,
 * so that each environment supplies only its dynamics (and optionally an exact return).
 */
#ifndef PLUGBENCH_POL_PROBLEM_H
#define PLUGBENCH_POL_PROBLEM_H

#include "../problem.h"
#include "plugbench/policy.h"
#include "plugbench/rng.h"

/* The kind, defined at the end of policy.c. */
extern const pb__kind pb__kind_policy;

#define PB__POL_MAX_LAYERS 4

/*
 * The policy classes: an MLP (tanh hidden layers, linear output) whose output is the
 * logits of a softmax over n_actions (discrete) or the mean of a Gaussian with a
 * state-independent log standard deviation per action coordinate (continuous). Parameters,
 * in order: per layer W (out x in, row-major) then b (when bias), then the log stds.
 */
typedef struct pb__pol_net {
    uint32_t n_layers;                       /* dense layers, hidden + output, >= 1 */
    uint32_t sizes[PB__POL_MAX_LAYERS + 1];  /* sizes[0] = obs_dim, sizes[n_layers] = outputs */
    int bias;
    uint32_t n_actions;                      /* > 0: softmax; 0: Gaussian */
    uint32_t action_dim;
    uint32_t n_params;
    double *h, *rh, *gh, *rgh;               /* scratch, sum(sizes) each */
} pb__pol_net;

/* Sets up net (scratch allocated); returns 0 or -1 when out of memory. */
int pb__pol_net_init(pb__pol_net *net, uint32_t n_layers, const uint32_t *sizes, int bias,
                     uint32_t n_actions);
void pb__pol_net_free(pb__pol_net *net);
/* Glorot-uniform weights, zero biases, log stds log_std0, from rng. */
void pb__pol_net_init_params(const pb__pol_net *net, pb_rng *rng, double log_std0, double *theta);
/*
 * Returns log pi_theta(a | s); adds w grad log pi to grad (when not NULL) and w (hess log
 * pi) v to hv (when v and hv are not NULL).
 */
double pb__pol_net_eval(pb__pol_net *net, const double *theta, const double *s, const double *a,
                        double w, double *grad, const double *v, double *hv);
/* a ~ pi_theta(. | s) from noise (uniform / normals); probs (n_actions) gets the
 * probabilities when discrete and not NULL. */
void pb__pol_net_act(pb__pol_net *net, const double *theta, const double *s, const double *noise,
                     double *a, double *probs);

typedef struct pb__pol_problem pb__pol_problem;

/* An environment: its dynamics on env[] (PB__POL_ENV_STATE doubles). */
#define PB__POL_ENV_STATE 8
typedef struct pb__pol_env {
    const char *name;
    uint32_t obs_dim, action_dim, n_actions, horizon;
    double gamma;
    double reference; /* the return the regret is measured from */
    void (*reset)(pb__pol_problem *p, double *env, pb_rng *rng, double *obs);
    /* Returns the reward; *terminal = 1 when the new state is terminal. */
    double (*step)(pb__pol_problem *p, double *env, pb_rng *rng, const double *action,
                   double *obs, int *terminal);
    /* Optional: the exact expected return of theta (no episodes). */
    double (*exact_return)(pb__pol_problem *p, const double *theta);
} pb__pol_env;

struct pb__pol_problem {
    pb__problem base;
    pb_policy oracle;      /* base.handle.oracle points here */
    const pb__pol_env *env;
    pb__pol_net net;
    double *theta0;
    double state[PB__POL_ENV_STATE];
    uint32_t t;            /* steps into the current episode */
    int running;
    pb_rng rng;            /* initial states and transition noise, from the run's seed */
    int seeded;
    uint32_t eval_episodes;
    double *obs, *act, *noise; /* measuring scratch */
    double *model;         /* the environment's own numbers (LQR gain, ...), or NULL */
};

/* The counted oracles, also used directly by tests. */
void pb__pol_reset(const pb_policy *self, double *obs);
double pb__pol_step(const pb_policy *self, const double *action, double *obs, int32_t *done);

/* Opens a problem for env with the given policy net layout; NULL when out of memory. */
pb__pol_problem *pb__pol_problem_new(const pb__pol_env *env, uint32_t n_layers,
                                     const uint32_t *sizes, int bias, double log_std0);

/* Measures theta: out[0] = regret, out[1] = return. */
int pb__pol_measure(pb__problem *base, const double *theta, double *out);

#endif
