/*
 * The policy kind's environments, deterministic given the seed:
 *   cartpole   gymnasium's CartPole-v1 exactly (Euler), horizon 200 (the paper's), reference 200;
 *   acrobot    gymnasium's Acrobot-v1 ("book" dynamics, one RK4 step of 0.2 s), horizon 500,
 *              reference 0 (an upper bound: every step before the goal costs 1);
 *   lqr        s' = A s + B a, reward -(s'Qs + a'Ra), s0 ~ N(0, I), gamma 0.9, horizon 100,
 *              linear Gaussian policy; measured exactly (the mean policy's expected
 *              discounted cost); reference: that cost for the Riccati gain;
 *   gridworld  5x5, start (0,0), goal (4,4) worth 1, slip 0.2, gamma 0.99, horizon 30,
 *              tabular softmax; measured exactly; reference: the optimal value (backward
 *              induction);
 *   bandit3    one step, 3 arms with rewards 1, 0.5, 0, softmax over 3 logits; exact.
 * CartPole and Acrobot use the paper's softmax MLP (32-32 tanh); gamma 0.99.
 */
#include "pol_problem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- CartPole-v1 -------------------------------------------------------------------------- */

static void cartpole_obs(const double *st, double *obs) { memcpy(obs, st, 4 * sizeof(double)); }

static void cartpole_reset(pb__pol_problem *p, double *st, pb_rng *rng, double *obs)
{
    (void)p;
    for (int i = 0; i < 4; i++)
        st[i] = pb_rng_uniform_in(rng, -0.05, 0.05);
    cartpole_obs(st, obs);
}

static double cartpole_step(pb__pol_problem *p, double *st, pb_rng *rng, const double *action,
                            double *obs, int *terminal)
{
    (void)p;
    (void)rng;
    const double gravity = 9.8, masscart = 1.0, masspole = 0.1, length = 0.5, tau = 0.02;
    const double total_mass = masspole + masscart, polemass_length = masspole * length;
    double x = st[0], x_dot = st[1], theta = st[2], theta_dot = st[3];
    double force = action[0] >= 0.5 ? 10.0 : -10.0;
    double costheta = cos(theta), sintheta = sin(theta);
    double temp = (force + polemass_length * theta_dot * theta_dot * sintheta) / total_mass;
    double thetaacc = (gravity * sintheta - costheta * temp) /
                      (length * (4.0 / 3.0 - masspole * costheta * costheta / total_mass));
    double xacc = temp - polemass_length * thetaacc * costheta / total_mass;
    x = x + tau * x_dot;
    x_dot = x_dot + tau * xacc;
    theta = theta + tau * theta_dot;
    theta_dot = theta_dot + tau * thetaacc;
    st[0] = x;
    st[1] = x_dot;
    st[2] = theta;
    st[3] = theta_dot;
    const double theta_threshold = 12 * 2 * M_PI / 360;
    *terminal = x < -2.4 || x > 2.4 || theta < -theta_threshold || theta > theta_threshold;
    cartpole_obs(st, obs);
    return 1.0;
}

static const pb__pol_env env_cartpole = {"cartpole", 4, 1, 2, 200, 0.99, 200.0,
                                         cartpole_reset, cartpole_step, NULL};

/* ---- Acrobot-v1 --------------------------------------------------------------------------- */

static void acrobot_obs(const double *st, double *obs)
{
    obs[0] = cos(st[0]);
    obs[1] = sin(st[0]);
    obs[2] = cos(st[1]);
    obs[3] = sin(st[1]);
    obs[4] = st[2];
    obs[5] = st[3];
}

static void acrobot_reset(pb__pol_problem *p, double *st, pb_rng *rng, double *obs)
{
    (void)p;
    for (int i = 0; i < 4; i++)
        st[i] = pb_rng_uniform_in(rng, -0.1, 0.1);
    acrobot_obs(st, obs);
}

/* gymnasium's _dsdt with book_or_nips = "book". */
static void acrobot_dsdt(const double *s, double a, double *ds)
{
    const double m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, I1 = 1.0, I2 = 1.0,
                 g = 9.8;
    double theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3];
    double d1 = m1 * lc1 * lc1 + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2;
    double d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + I2;
    double phi2 = m2 * lc2 * g * cos(theta1 + theta2 - M_PI / 2.0);
    double phi1 = -m2 * l1 * lc2 * dtheta2 * dtheta2 * sin(theta2) -
                  2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2) +
                  (m1 * lc1 + m2 * l1) * g * cos(theta1 - M_PI / 2) + phi2;
    double ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1 * dtheta1 * sin(theta2) - phi2) /
                      (m2 * lc2 * lc2 + I2 - d2 * d2 / d1);
    double ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
    ds[0] = dtheta1;
    ds[1] = dtheta2;
    ds[2] = ddtheta1;
    ds[3] = ddtheta2;
}

static double wrap(double x, double m, double M)
{
    double diff = M - m;
    while (x > M)
        x -= diff;
    while (x < m)
        x += diff;
    return x;
}

static double bound(double x, double m, double M) { return x < m ? m : (x > M ? M : x); }

static double acrobot_step(pb__pol_problem *p, double *st, pb_rng *rng, const double *action,
                           double *obs, int *terminal)
{
    (void)p;
    (void)rng;
    const double dt = 0.2;
    double torque = action[0] - 1.0; /* AVAIL_TORQUE = [-1, 0, 1] */
    double k1[4], k2[4], k3[4], k4[4], y[4];
    acrobot_dsdt(st, torque, k1);
    for (int i = 0; i < 4; i++)
        y[i] = st[i] + dt / 2.0 * k1[i];
    acrobot_dsdt(y, torque, k2);
    for (int i = 0; i < 4; i++)
        y[i] = st[i] + dt / 2.0 * k2[i];
    acrobot_dsdt(y, torque, k3);
    for (int i = 0; i < 4; i++)
        y[i] = st[i] + dt * k3[i];
    acrobot_dsdt(y, torque, k4);
    for (int i = 0; i < 4; i++)
        st[i] = st[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    st[0] = wrap(st[0], -M_PI, M_PI);
    st[1] = wrap(st[1], -M_PI, M_PI);
    st[2] = bound(st[2], -4 * M_PI, 4 * M_PI);
    st[3] = bound(st[3], -9 * M_PI, 9 * M_PI);
    *terminal = -cos(st[0]) - cos(st[1] + st[0]) > 1.0;
    acrobot_obs(st, obs);
    return *terminal ? 0.0 : -1.0;
}

static const pb__pol_env env_acrobot = {"acrobot", 6, 1, 3, 500, 0.99, 0.0,
                                        acrobot_reset, acrobot_step, NULL};

/* ---- LQR ---------------------------------------------------------------------------------- */

#define LQR_H 100
static const double lqr_A[4] = {0.9, 0.3, 0.0, 0.9}, lqr_B[2] = {0.0, 1.0}, lqr_R = 0.5;

static void lqr_reset(pb__pol_problem *p, double *st, pb_rng *rng, double *obs)
{
    (void)p;
    st[0] = pb_rng_normal(rng);
    st[1] = pb_rng_normal(rng);
    memcpy(obs, st, 2 * sizeof(double));
}

static double lqr_step(pb__pol_problem *p, double *st, pb_rng *rng, const double *action,
                       double *obs, int *terminal)
{
    (void)p;
    (void)rng;
    double a = action[0], s0 = st[0], s1 = st[1];
    double r = -(s0 * s0 + s1 * s1 + lqr_R * a * a); /* Q = I */
    st[0] = lqr_A[0] * s0 + lqr_A[1] * s1 + lqr_B[0] * a;
    st[1] = lqr_A[2] * s0 + lqr_A[3] * s1 + lqr_B[1] * a;
    *terminal = 0;
    memcpy(obs, st, 2 * sizeof(double));
    return r;
}

/*
 * The expected discounted cost over LQR_H steps of the mean policy a = K s (K = theta[0..1])
 * from s0 ~ N(0, I): sum_t gamma^t tr((Q + K'RK) S_t), S_{t+1} = M S_t M', M = A + BK.
 */
static double lqr_cost(const double *K, double gamma)
{
    double M[4] = {lqr_A[0] + lqr_B[0] * K[0], lqr_A[1] + lqr_B[0] * K[1],
                   lqr_A[2] + lqr_B[1] * K[0], lqr_A[3] + lqr_B[1] * K[1]};
    double C[4] = {1 + lqr_R * K[0] * K[0], lqr_R * K[0] * K[1], lqr_R * K[1] * K[0],
                   1 + lqr_R * K[1] * K[1]};
    double S[4] = {1, 0, 0, 1}, cost = 0.0, g = 1.0;
    for (int t = 0; t < LQR_H; t++) {
        cost += g * (C[0] * S[0] + C[1] * S[2] + C[2] * S[1] + C[3] * S[3]);
        double T[4] = {M[0] * S[0] + M[1] * S[2], M[0] * S[1] + M[1] * S[3],
                       M[2] * S[0] + M[3] * S[2], M[2] * S[1] + M[3] * S[3]};
        S[0] = T[0] * M[0] + T[1] * M[1];
        S[1] = T[0] * M[2] + T[1] * M[3];
        S[2] = T[2] * M[0] + T[3] * M[1];
        S[3] = T[2] * M[2] + T[3] * M[3];
        g *= gamma;
    }
    return cost;
}

static double lqr_exact(pb__pol_problem *p, const double *theta)
{
    return -lqr_cost(theta, p->env->gamma);
}


/* ---- gridworld ---------------------------------------------------------------------------- */

#define GW_N 5
#define GW_S (GW_N * GW_N)
#define GW_H 30
#define GW_SLIP 0.2

static int gw_move(int s, int a)
{
    int r = s / GW_N, c = s % GW_N;
    static const int dr[4] = {-1, 0, 1, 0}, dc[4] = {0, 1, 0, -1};
    int nr = r + dr[a], nc = c + dc[a];
    if (nr < 0 || nr >= GW_N || nc < 0 || nc >= GW_N)
        return s;
    return nr * GW_N + nc;
}

static void gw_obs(int s, double *obs)
{
    memset(obs, 0, GW_S * sizeof(double));
    obs[s] = 1.0;
}

static void gw_reset(pb__pol_problem *p, double *st, pb_rng *rng, double *obs)
{
    (void)p;
    (void)rng;
    st[0] = 0;
    gw_obs(0, obs);
}

static double gw_step(pb__pol_problem *p, double *st, pb_rng *rng, const double *action,
                      double *obs, int *terminal)
{
    (void)p;
    int a = (int)action[0];
    if (pb_rng_uniform(rng) < GW_SLIP)
        a = (int)pb_rng_below(rng, 4);
    int s = gw_move((int)st[0], a);
    st[0] = s;
    *terminal = s == GW_S - 1;
    gw_obs(s, obs);
    return *terminal ? 1.0 : 0.0;
}

/* Finite-horizon discounted value of the start state: of the policy probs[s][a], or the
 * optimal one when probs is NULL (backward induction). */
static double gw_value(const double (*probs)[4], double gamma)
{
    double V[GW_S] = {0}, W[GW_S];
    for (int k = 0; k < GW_H; k++) {
        for (int s = 0; s < GW_S; s++) {
            if (s == GW_S - 1) {
                W[s] = 0.0;
                continue;
            }
            double best = -1.0, mean = 0.0;
            for (int a = 0; a < 4; a++) {
                double q = 0.0;
                for (int b = 0; b < 4; b++) {
                    double pb = (b == a ? 1.0 - GW_SLIP : 0.0) + GW_SLIP / 4.0;
                    int s2 = gw_move(s, b);
                    q += pb * (s2 == GW_S - 1 ? 1.0 : gamma * V[s2]);
                }
                best = q > best ? q : best;
                if (probs)
                    mean += probs[s][a] * q;
            }
            W[s] = probs ? mean : best;
        }
        memcpy(V, W, sizeof V);
    }
    return V[0];
}

static double gw_exact(pb__pol_problem *p, const double *theta)
{
    double probs[GW_S][4], obs[GW_S], a, u = 0.5;
    for (int s = 0; s < GW_S; s++) {
        gw_obs(s, obs);
        pb__pol_net_act(&p->net, theta, obs, &u, &a, probs[s]);
    }
    return gw_value((const double(*)[4])probs, p->env->gamma);
}


/* ---- bandit3 ------------------------------------------------------------------------------ */

static const double bandit_r[3] = {1.0, 0.5, 0.0};

static void bandit_reset(pb__pol_problem *p, double *st, pb_rng *rng, double *obs)
{
    (void)p;
    (void)rng;
    (void)st;
    obs[0] = 1.0;
}

static double bandit_step(pb__pol_problem *p, double *st, pb_rng *rng, const double *action,
                          double *obs, int *terminal)
{
    (void)p;
    (void)rng;
    (void)st;
    *terminal = 1;
    obs[0] = 1.0;
    return bandit_r[(int)action[0]];
}

static double bandit_exact(pb__pol_problem *p, const double *theta)
{
    double probs[3], obs = 1.0, a, u = 0.5;
    pb__pol_net_act(&p->net, theta, &obs, &u, &a, probs);
    return probs[0] * bandit_r[0] + probs[1] * bandit_r[1] + probs[2] * bandit_r[2];
}

static const pb__pol_env env_bandit = {"bandit3", 1, 1, 3, 1, 0.99, 1.0, bandit_reset,
                                       bandit_step, bandit_exact};

/* ---- the families ------------------------------------------------------------------------- */

/* A copy of an environment whose reference is computed at open (LQR, gridworld). */
typedef struct env_slot {
    pb__pol_env env;
} env_slot;

static env_slot lqr_slot = {{"lqr", 2, 1, 0, LQR_H, 0.9, NAN, lqr_reset, lqr_step, lqr_exact}};
static env_slot gw_slot = {{"gridworld", GW_S, 1, 4, GW_H, 0.99, NAN, gw_reset, gw_step, gw_exact}};

/* The discounted Riccati gain for (A, B, Q = I, R): P = Q + g A'PA - g^2 A'PB (R + g B'PB)^-1
 * B'PA, K = -g (R + g B'PB)^-1 B'PA, by iteration to a fixed point. */
static void lqr_riccati(double gamma, double *K)
{
    double P[4] = {1, 0, 0, 1};
    for (int it = 0; it < 100000; it++) {
        double PA[4] = {P[0] * lqr_A[0] + P[1] * lqr_A[2], P[0] * lqr_A[1] + P[1] * lqr_A[3],
                        P[2] * lqr_A[0] + P[3] * lqr_A[2], P[2] * lqr_A[1] + P[3] * lqr_A[3]};
        double BtPA[2] = {lqr_B[0] * PA[0] + lqr_B[1] * PA[2], lqr_B[0] * PA[1] + lqr_B[1] * PA[3]};
        double PB[2] = {P[0] * lqr_B[0] + P[1] * lqr_B[1], P[2] * lqr_B[0] + P[3] * lqr_B[1]};
        double BtPB = lqr_B[0] * PB[0] + lqr_B[1] * PB[1];
        double denom = lqr_R + gamma * BtPB;
        K[0] = -gamma * BtPA[0] / denom;
        K[1] = -gamma * BtPA[1] / denom;
        double N[4];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++) {
                double AtPA = lqr_A[i] * PA[j] + lqr_A[2 + i] * PA[2 + j];
                N[2 * i + j] = (i == j) + gamma * AtPA -
                               gamma * gamma * BtPA[i] * BtPA[j] / denom;
            }
        double d = fabs(N[0] - P[0]) + fabs(N[1] - P[1]) + fabs(N[2] - P[2]) + fabs(N[3] - P[3]);
        memcpy(P, N, sizeof P);
        if (d < 1e-15)
            break;
    }
}

static int open_env(const pb__family *family, const char *id, pb__problem **out, char *err,
                    size_t errlen)
{
    (void)err;
    (void)errlen;
    const pb__pol_env *env = NULL;
    uint32_t mlp[4], n_layers = 3;
    int bias = 1;
    double log_std0 = 0.0;
    if (strcmp(family->name, "cartpole") == 0)
        env = &env_cartpole;
    else if (strcmp(family->name, "acrobot") == 0)
        env = &env_acrobot;
    else if (strcmp(family->name, "lqr") == 0) {
        if (isnan(lqr_slot.env.reference)) {
            double K[2];
            lqr_riccati(lqr_slot.env.gamma, K);
            lqr_slot.env.reference = -lqr_cost(K, lqr_slot.env.gamma);
        }
        env = &lqr_slot.env;
        n_layers = 1;
        bias = 0;
        log_std0 = log(0.3);
    } else if (strcmp(family->name, "gridworld") == 0) {
        if (isnan(gw_slot.env.reference))
            gw_slot.env.reference = gw_value(NULL, gw_slot.env.gamma);
        env = &gw_slot.env;
        n_layers = 1;
        bias = 0;
    } else {
        env = &env_bandit;
        n_layers = 1;
        bias = 0;
    }
    if (strcmp(id, env->name) != 0)
        return 1;
    mlp[0] = env->obs_dim;
    if (n_layers == 3) {
        mlp[1] = mlp[2] = 32;
        mlp[3] = env->n_actions;
    } else {
        mlp[1] = env->n_actions ? env->n_actions : env->action_dim;
    }
    pb__pol_problem *p = pb__pol_problem_new(env, n_layers, mlp, bias, log_std0);
    if (!p)
        return -1;
    if (env->exact_return == NULL)
        p->eval_episodes = 10;
    *out = &p->base;
    return 0;
}

const pb__family pb__family_cartpole = {&pb__kind_policy, "cartpole", "cartpole",
                                        "gymnasium CartPole-v1 (Euler), horizon 200, softmax MLP 32-32 tanh",
                                        open_env};
const pb__family pb__family_acrobot = {&pb__kind_policy, "acrobot", "acrobot",
                                       "gymnasium Acrobot-v1 (RK4), horizon 500, softmax MLP 32-32 tanh",
                                       open_env};
const pb__family pb__family_lqr = {&pb__kind_policy, "lqr", "lqr",
                                   "2-state 1-input discounted LQR, linear Gaussian policy, exact cost",
                                   open_env};
const pb__family pb__family_gridworld = {&pb__kind_policy, "gridworld", "gridworld",
                                         "5x5 gridworld with slip 0.2, tabular softmax, exact value",
                                         open_env};
const pb__family pb__family_bandit = {&pb__kind_policy, "bandit3", "bandit3",
                                      "one-step 3-armed bandit (rewards 1, 0.5, 0), softmax",
                                      open_env};
