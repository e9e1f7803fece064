/* The policy kind: the policy classes, environment-step counting, measurement. */
#include "plugbench/kit.h"
#include "pol_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_cartpole, pb__family_acrobot, pb__family_lqr,
    pb__family_gridworld, pb__family_bandit;

/* ---- the policy classes ---------------------------------------------------------------- */

int pb__pol_net_init(pb__pol_net *net, uint32_t n_layers, const uint32_t *sizes, int bias,
                     uint32_t n_actions)
{
    memset(net, 0, sizeof *net);
    net->n_layers = n_layers;
    net->bias = bias;
    net->n_actions = n_actions;
    net->action_dim = n_actions ? 1 : sizes[n_layers];
    uint32_t total = 0, np = 0;
    for (uint32_t l = 0; l <= n_layers; l++) {
        net->sizes[l] = sizes[l];
        total += sizes[l];
        if (l > 0)
            np += sizes[l] * sizes[l - 1] + (bias ? sizes[l] : 0);
    }
    net->n_params = np + (n_actions ? 0 : net->action_dim);
    /* The four scratch vectors share one allocation, owned through h. */
    net->h = calloc(4 * (size_t)total, sizeof(double));
    if (!net->h)
        return -1;
    net->rh = net->h + total;
    net->gh = net->rh + total;
    net->rgh = net->gh + total;
    return 0;
}

void pb__pol_net_free(pb__pol_net *net)
{
    free(net->h);
    net->h = net->rh = net->gh = net->rgh = NULL;
}

void pb__pol_net_init_params(const pb__pol_net *net, pb_rng *rng, double log_std0, double *theta)
{
    uint32_t k = 0;
    for (uint32_t l = 1; l <= net->n_layers; l++) {
        uint32_t O = net->sizes[l], I = net->sizes[l - 1];
        double a = sqrt(6.0 / (O + I));
        for (uint32_t i = 0; i < O * I; i++)
            theta[k++] = pb_rng_uniform_in(rng, -a, a);
        if (net->bias)
            for (uint32_t i = 0; i < O; i++)
                theta[k++] = 0.0;
    }
    for (; k < net->n_params; k++)
        theta[k] = log_std0;
}

/* Offsets of layer l's activations in the scratch arrays. */
static uint32_t act_offset(const pb__pol_net *net, uint32_t l)
{
    uint32_t off = 0;
    for (uint32_t i = 0; i < l; i++)
        off += net->sizes[i];
    return off;
}

/* Forward (and, when v, the R-forward): fills h (and rh) for every layer. */
static void forward(pb__pol_net *net, const double *theta, const double *s, const double *v)
{
    uint32_t L = net->n_layers, k = 0, off = 0;
    memcpy(net->h, s, net->sizes[0] * sizeof(double));
    if (v)
        memset(net->rh, 0, net->sizes[0] * sizeof(double));
    for (uint32_t l = 1; l <= L; l++) {
        uint32_t O = net->sizes[l], I = net->sizes[l - 1];
        const double *W = theta + k, *b = net->bias ? theta + k + O * I : NULL;
        const double *hin = net->h + off, *rin = net->rh + off;
        double *hout = net->h + off + I, *rout = net->rh + off + I;
        for (uint32_t o = 0; o < O; o++) {
            double z = b ? b[o] : 0.0, rz = 0.0;
            const double *w = W + (size_t)o * I;
            for (uint32_t i = 0; i < I; i++)
                z += w[i] * hin[i];
            if (v) {
                const double *vw = v + k + (size_t)o * I;
                for (uint32_t i = 0; i < I; i++)
                    rz += vw[i] * hin[i] + w[i] * rin[i];
                if (b)
                    rz += v[k + O * I + o];
            }
            if (l < L) {
                hout[o] = tanh(z);
                if (v)
                    rout[o] = (1.0 - hout[o] * hout[o]) * rz;
            } else {
                hout[o] = z;
                if (v)
                    rout[o] = rz;
            }
        }
        k += O * I + (net->bias ? O : 0);
        off += I;
    }
}

double pb__pol_net_eval(pb__pol_net *net, const double *theta, const double *s, const double *a,
                        double w, double *grad, const double *v, double *hv)
{
    if (!hv)
        v = NULL;
    forward(net, theta, s, v);
    uint32_t L = net->n_layers, out = act_offset(net, L), C = net->sizes[L];
    double *o = net->h + out, *ro = net->rh + out, *go = net->gh + out, *rgo = net->rgh + out;
    double logp;
    uint32_t np_net = net->n_params - (net->n_actions ? 0 : net->action_dim);
    if (net->n_actions) {
        uint32_t ai = (uint32_t)a[0];
        double m = o[0];
        for (uint32_t c = 1; c < C; c++)
            m = o[c] > m ? o[c] : m;
        double z = 0.0;
        for (uint32_t c = 0; c < C; c++)
            z += exp(o[c] - m);
        double lse = m + log(z), pro = 0.0;
        logp = o[ai] - lse;
        for (uint32_t c = 0; c < C; c++) {
            double pc = exp(o[c] - lse);
            go[c] = (c == ai) - pc;
            if (v)
                pro += pc * ro[c];
        }
        if (v)
            for (uint32_t c = 0; c < C; c++) {
                double pc = exp(o[c] - lse);
                rgo[c] = -(pc * ro[c] - pc * pro);
            }
    } else {
        const double *ls = theta + np_net;
        logp = 0.0;
        for (uint32_t j = 0; j < C; j++) {
            double d = a[j] - o[j], iv = exp(-2.0 * ls[j]);
            logp += -0.5 * d * d * iv - ls[j] - 0.9189385332046727; /* 0.5 log(2 pi) */
            go[j] = d * iv;
            if (grad)
                grad[np_net + j] += w * (d * d * iv - 1.0);
            if (v) {
                double vls = v[np_net + j];
                rgo[j] = -ro[j] * iv - 2.0 * d * iv * vls;
                hv[np_net + j] += w * (-2.0 * d * iv * ro[j] - 2.0 * d * d * iv * vls);
            }
        }
    }
    if (!grad && !v)
        return logp;
    /* Backward (and R-backward), layer by layer from the output. */
    uint32_t k = np_net;
    for (uint32_t l = L; l >= 1; l--) {
        uint32_t O = net->sizes[l], I = net->sizes[l - 1];
        k -= O * I + (net->bias ? O : 0);
        uint32_t oo = act_offset(net, l), oi = oo - I;
        double *h = net->h + oo, *rh = net->rh + oo, *gz = net->gh + oo, *rgz = net->rgh + oo;
        const double *hin = net->h + oi, *rin = net->rh + oi;
        const double *W = theta + k;
        if (l < L)
            for (uint32_t o2 = 0; o2 < O; o2++) {
                double d = 1.0 - h[o2] * h[o2];
                if (v)
                    rgz[o2] = rgz[o2] * d - 2.0 * gz[o2] * h[o2] * rh[o2];
                gz[o2] *= d;
            }
        for (uint32_t o2 = 0; o2 < O; o2++) {
            if (grad) {
                double *gw = grad + k + (size_t)o2 * I;
                for (uint32_t i = 0; i < I; i++)
                    gw[i] += w * gz[o2] * hin[i];
                if (net->bias)
                    grad[k + O * I + o2] += w * gz[o2];
            }
            if (v) {
                double *hw = hv + k + (size_t)o2 * I;
                for (uint32_t i = 0; i < I; i++)
                    hw[i] += w * (rgz[o2] * hin[i] + gz[o2] * rin[i]);
                if (net->bias)
                    hv[k + O * I + o2] += w * rgz[o2];
            }
        }
        if (l > 1) {
            double *gin = net->gh + oi, *rgin = net->rgh + oi;
            for (uint32_t i = 0; i < I; i++) {
                gin[i] = 0.0;
                if (v)
                    rgin[i] = 0.0;
            }
            for (uint32_t o2 = 0; o2 < O; o2++) {
                const double *wr = W + (size_t)o2 * I;
                for (uint32_t i = 0; i < I; i++)
                    gin[i] += wr[i] * gz[o2];
                if (v) {
                    const double *vr = v + k + (size_t)o2 * I;
                    for (uint32_t i = 0; i < I; i++)
                        rgin[i] += vr[i] * gz[o2] + wr[i] * rgz[o2];
                }
            }
        }
    }
    return logp;
}

void pb__pol_net_act(pb__pol_net *net, const double *theta, const double *s, const double *noise,
                     double *a, double *probs)
{
    forward(net, theta, s, NULL);
    uint32_t L = net->n_layers, C = net->sizes[L];
    const double *o = net->h + act_offset(net, L);
    if (net->n_actions) {
        double m = o[0], z = 0.0;
        for (uint32_t c = 1; c < C; c++)
            m = o[c] > m ? o[c] : m;
        for (uint32_t c = 0; c < C; c++)
            z += exp(o[c] - m);
        double u = noise[0] * z, acc = 0.0;
        uint32_t pick = C - 1;
        int found = 0;
        for (uint32_t c = 0; c < C; c++) {
            double e = exp(o[c] - m);
            if (probs)
                probs[c] = e / z;
            acc += e;
            if (!found && u < acc) {
                pick = c;
                found = 1;
            }
        }
        a[0] = pick;
    } else {
        const double *ls = theta + net->n_params - net->action_dim;
        for (uint32_t j = 0; j < C; j++)
            a[j] = o[j] + exp(ls[j]) * noise[j];
    }
}

/* ---- the oracle trampolines ------------------------------------------------------------ */

static void seed_env(pb__pol_problem *p)
{
    if (!p->seeded) {
        /* Stream "envr": independent of the plugin's stream 0 for the same seed. */
        pb_rng_seed(&p->rng, p->base.seed, 0x656e7672u);
        p->seeded = 1;
    }
}

void pb__pol_reset(const pb_policy *self, double *obs)
{
    pb__pol_problem *p = self->host;
    seed_env(p);
    p->env->reset(p, p->state, &p->rng, obs);
    p->t = 0;
    p->running = 1;
}

double pb__pol_step(const pb_policy *self, const double *action, double *obs, int32_t *done)
{
    pb__pol_problem *p = self->host;
    if (!p->running || pb__oracle_refused(&p->base, 1)) {
        *done = PB_POLICY_TRUNCATED;
        return NAN;
    }
    p->base.cost += 1;
    int terminal = 0;
    double r = p->env->step(p, p->state, &p->rng, action, obs, &terminal);
    p->t++;
    *done = terminal ? PB_POLICY_TERMINATED
                     : (p->t >= p->env->horizon ? PB_POLICY_TRUNCATED : PB_POLICY_RUNNING);
    if (*done)
        p->running = 0;
    return r;
}

static void act(const pb_policy *self, const double *theta, const double *obs,
                const double *noise, double *action)
{
    pb__pol_problem *p = self->host;
    pb__pol_net_act(&p->net, theta, obs, noise, action, NULL);
}

static double grad_log_pi(const pb_policy *self, const double *theta, uint32_t n,
                          const double *obs, const double *actions, const double *weights,
                          double *out)
{
    pb__pol_problem *p = self->host;
    memset(out, 0, self->dim * sizeof(double));
    double s = 0.0;
    for (uint32_t k = 0; k < n; k++)
        s += weights[k] * pb__pol_net_eval(&p->net, theta, obs + (size_t)k * self->obs_dim,
                                           actions + (size_t)k * self->action_dim, weights[k],
                                           out, NULL, NULL);
    return s;
}

static void hvp_log_pi(const pb_policy *self, const double *theta, uint32_t n, const double *obs,
                       const double *actions, const double *weights, const double *v,
                       double *out)
{
    pb__pol_problem *p = self->host;
    memset(out, 0, self->dim * sizeof(double));
    for (uint32_t k = 0; k < n; k++)
        pb__pol_net_eval(&p->net, theta, obs + (size_t)k * self->obs_dim,
                         actions + (size_t)k * self->action_dim, weights[k], NULL, v, out);
}

/* ---- measuring -------------------------------------------------------------------------- */

int pb__pol_measure(pb__problem *base, const double *theta, double *out)
{
    pb__pol_problem *p = (pb__pol_problem *)base;
    for (uint32_t i = 0; i < p->oracle.dim; i++)
        if (!isfinite(theta[i])) {
            out[0] = out[1] = NAN;
            return 1;
        }
    double ret;
    if (p->env->exact_return) {
        ret = p->env->exact_return(p, theta);
    } else {
        /* Evaluation episodes with their own seeds (the same for every run), the stochastic
         * policy, undiscounted returns; the problem's episode state is left alone. */
        double st[PB__POL_ENV_STATE];
        pb_rng env_rng, act_rng;
        double sum = 0.0;
        for (uint32_t e = 0; e < p->eval_episodes; e++) {
            pb_rng_seed(&env_rng, 0x6576616cu + e, 1);
            pb_rng_seed(&act_rng, 0x6576616cu + e, 2);
            p->env->reset(p, st, &env_rng, p->obs);
            for (uint32_t t = 0; t < p->env->horizon; t++) {
                for (uint32_t j = 0; j < p->oracle.noise_dim; j++)
                    p->noise[j] = p->env->n_actions ? pb_rng_uniform(&act_rng)
                                                    : pb_rng_normal(&act_rng);
                pb__pol_net_act(&p->net, theta, p->obs, p->noise, p->act, NULL);
                int terminal = 0;
                sum += p->env->step(p, st, &env_rng, p->act, p->obs, &terminal);
                if (terminal)
                    break;
            }
        }
        ret = sum / p->eval_episodes;
    }
    out[1] = ret;
    out[0] = p->env->reference - ret;
    return isfinite(out[0]) ? 0 : 1;
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__pol_problem *p = (const pb__pol_problem *)base;
    cJSON_AddNumberToObject(obj, "dimension", p->oracle.dim);
    cJSON_AddNumberToObject(obj, "obs_dim", p->env->obs_dim);
    cJSON_AddNumberToObject(obj, "n_actions", p->env->n_actions);
    cJSON_AddNumberToObject(obj, "horizon", p->env->horizon);
    cJSON_AddNumberToObject(obj, "gamma", p->env->gamma);
    cJSON_AddNumberToObject(obj, "reference_return", p->env->reference);
    cJSON_AddStringToObject(obj, "evaluation", p->env->exact_return ? "exact" : "episodes");
    if (!p->env->exact_return)
        cJSON_AddNumberToObject(obj, "eval_episodes", p->eval_episodes);
}

static void destroy(pb__problem *base)
{
    pb__pol_problem *p = (pb__pol_problem *)base;
    pb__pol_net_free(&p->net);
    free(p->model);
    free(p); /* theta0 and the measuring scratch live in p's block */
}

pb__pol_problem *pb__pol_problem_new(const pb__pol_env *env, uint32_t n_layers,
                                     const uint32_t *sizes, int bias, double log_std0)
{
    pb__pol_net net;
    if (pb__pol_net_init(&net, n_layers, sizes, bias, env->n_actions) != 0)
        return NULL;
    const pb_array arrays[] = {PB_ARRAY(pb__pol_problem, theta0, net.n_params),
                               PB_ARRAY(pb__pol_problem, obs, env->obs_dim),
                               PB_ARRAY(pb__pol_problem, act, env->action_dim),
                               PB_ARRAY(pb__pol_problem, noise, env->action_dim)};
    pb__pol_problem *p = pb_block_new(sizeof *p, sizeof arrays / sizeof arrays[0], arrays);
    if (!p) {
        pb__pol_net_free(&net);
        return NULL;
    }
    p->net = net; /* freed by destroy from here on */
    p->env = env;
    p->eval_episodes = 10;
    /* The initial policy: drawn once from a fixed seed, the same for every run. */
    pb_rng rng;
    pb_rng_seed(&rng, 0x74686574u, 0);
    pb__pol_net_init_params(&p->net, &rng, log_std0, p->theta0);
    p->oracle = (pb_policy){
        .struct_size = sizeof(pb_policy),
        .dim = p->net.n_params,
        .obs_dim = env->obs_dim,
        .action_dim = env->action_dim,
        .n_actions = env->n_actions,
        .noise_dim = env->n_actions ? 1 : env->action_dim,
        .horizon = env->horizon,
        .gamma = env->gamma,
        .theta0 = p->theta0,
        .reset = pb__pol_reset,
        .step = pb__pol_step,
        .act = act,
        .grad_log_pi = grad_log_pi,
        .hvp_log_pi = hvp_log_pi,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_policy, &p->oracle, p->net.n_params);
    return p;
}

/* The policy kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_policy = {
    .name = "policy",
    .abi_kind = PB_KIND_POLICY,
    .cost_unit = "env_steps",
    .doc = "maximize the expected return of a parametric policy from trajectories; the "
           "problem supplies the environment and grad / Hessian-vector products of log pi",
    /* return_last10: the papers' score (N-HARPG, VPG on CartPole), the mean return of the
     * policies after the last 10 iterations, measured at the end (pb__kind.score_last). */
    .metrics = {"regret", "return", "return_last10"},
    .default_problems = {"cartpole", "acrobot", "lqr", "gridworld"},
    .default_budget = {.cost = 20000},
    .families = {&pb__family_cartpole, &pb__family_acrobot, &pb__family_lqr,
                 &pb__family_gridworld, &pb__family_bandit},
    .ops = {.measure = pb__pol_measure, .describe = describe, .destroy = destroy},
    .score_last = 10,
    .score_metric = 1,
    .history_metrics = 1u << 2, /* return_last10: of the last 10 policies, not the final one */
    .leaderboard_metrics = 1u << 2, /* return_last10: the papers' number, on the leaderboard */
};
