/*
 * The policy kind through the library (fast, suite core):
 *   - CartPole is gymnasium's CartPole-v1: from s0 = (0.01, -0.02, 0.03, 0.04) the actions
 *     1, 0, 1, 1, 0 give gymnasium's state to 1e-12; termination and reward 1 per step;
 *   - Acrobot is gymnasium's Acrobot-v1: under a feedback torque from s0 it follows the
 *     trajectory of gymnasium's equations to 1e-9 for 74 steps, through 4 angle wraps, to
 *     the goal; without torque its RK4 steps conserve the model's energy; angles wrap,
 *     velocities are bounded, reward -1 per step until the goal;
 *   - grad log pi and Hessian-vector products of log pi of the softmax MLP (CartPole), the
 *     Gaussian MLP (3-32-32-2) and the linear Gaussian policy (LQR) match central
 *     differences (relative error <= 1e-6);
 *   - LQR: the problem's reference equals the cost of the Riccati gain this test computes
 *     by policy iteration (Lyapunov sums, independent of the problem's Riccati iteration);
 *     regret 0 there and positive elsewhere;
 *   - gridworld: the reference equals this test's value iteration;
 *   - environment steps are counted, one per step(), and a step beyond the budget returns
 *     NaN and counts nothing; evaluation is deterministic and leaves the episode alone.
 * The plugins' own tests (N-HARPG's estimators, the LQR and CartPole runs of vpg, npg-igt
 * and nharpg) are in plugins/nharpg/tests.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugin_run.h"
#include "pol_problem.h"

static void test_cartpole(void)
{
    pb__pol_problem *p = open_problem("cartpole");
    if (!p)
        return;
    const pb_policy *f = &p->oracle;
    CHECK(f->dim == 4 * 32 + 32 + 32 * 32 + 32 + 32 * 2 + 2 && f->n_actions == 2 &&
              f->horizon == 200 && f->gamma == 0.99,
          "cartpole: softmax MLP 32-32 (%u parameters), horizon 200, gamma 0.99", f->dim);
    double obs[4];
    f->reset(f, obs);
    const double s0[4] = {0.01, -0.02, 0.03, 0.04};
    memcpy(p->state, s0, sizeof s0);
    const double acts[5] = {1, 0, 1, 1, 0};
    double total = 0.0;
    int32_t done = 0;
    for (int k = 0; k < 5; k++)
        total += f->step(f, &acts[k], obs, &done);
    const double want[4] = {2.352555866347568e-02, 1.731626369257558e-01, 1.243308782215031e-02,
                            -2.095015286811473e-01};
    double err = 0.0;
    for (int i = 0; i < 4; i++)
        err = fmax(err, fabs(obs[i] - want[i]));
    CHECK(err <= 1e-12 && total == 5.0 && done == PB_POLICY_RUNNING && p->base.cost == 5,
          "cartpole: actions 1,0,1,1,0 from s0 give gymnasium's state (max error %.1e), "
          "reward 1 per step, 5 steps counted", err);
    /* Pushing right forever ends the episode by the angle or position limit, the last
     * step rewarded too. */
    f->reset(f, obs);
    int n = 0;
    const double right = 1;
    total = 0.0;
    do {
        total += f->step(f, &right, obs, &done);
        n++;
    } while (!done && n < 1000);
    CHECK(done == PB_POLICY_TERMINATED && total == n && n < 200 &&
              (fabs(obs[0]) > 2.4 || fabs(obs[2]) > 12 * 2 * M_PI / 360),
          "cartpole: always right terminates after %d steps, each rewarded", n);
    double r = f->step(f, &right, obs, &done);
    CHECK(isnan(r), "cartpole: a step after the end returns NaN until reset");
    /* The budget. */
    f->reset(f, obs);
    p->base.cost = 0;
    p->base.cost_limit = 3;
    double keep = obs[0];
    int nan_seen = 0;
    for (int k = 0; k < 4; k++) {
        double rr = f->step(f, &acts[k % 2], obs, &done);
        if (k < 3)
            keep = obs[0];
        nan_seen += isnan(rr);
    }
    CHECK(nan_seen == 1 && p->base.cost == 3 && p->base.exhausted && obs[0] == keep,
          "cartpole: the 4th step under a budget of 3 returns NaN, observation untouched");
    p->base.cost_limit = UINT64_MAX;
    /* Evaluation: deterministic and leaves the running episode alone. */
    double m1[2], m2[2], st[PB__POL_ENV_STATE];
    f->reset(f, obs);
    memcpy(st, p->state, sizeof st);
    p->base.ops->measure(&p->base, f->theta0, m1);
    p->base.ops->measure(&p->base, f->theta0, m2);
    CHECK(m1[0] == m2[0] && m1[1] == 200.0 - m1[0] && memcmp(st, p->state, sizeof st) == 0 &&
              m1[1] > 5 && m1[1] < 100,
          "cartpole: evaluation of theta0 (return %.1f over 10 episodes) is deterministic and "
          "leaves the episode alone", m1[1]);
    pb__problem_close(&p->base);
}

/* The Acrobot's energy ("book" dynamics, I1 = I2 = 1): kinetic with its mass matrix,
 * potential from its gravity terms. */
static double acrobot_energy(const double *st)
{
    double c2 = cos(st[1]);
    double d11 = 0.25 + (1 + 0.25 + c2) + 2, d12 = 0.25 + 0.5 * c2 + 1, d22 = 0.25 + 1;
    double T = 0.5 * (d11 * st[2] * st[2] + 2 * d12 * st[2] * st[3] + d22 * st[3] * st[3]);
    double V = -(0.5 + 1.0) * 9.8 * cos(st[0]) - 0.5 * 9.8 * cos(st[0] + st[1]);
    return T + V;
}

static void test_acrobot(void)
{
    pb__pol_problem *p = open_problem("acrobot");
    if (!p)
        return;
    const pb_policy *f = &p->oracle;
    double obs[6];
    f->reset(f, obs);
    CHECK(f->obs_dim == 6 && f->n_actions == 3 && f->horizon == 500 &&
              fabs(obs[0] * obs[0] + obs[1] * obs[1] - 1) < 1e-15 && fabs(obs[4]) <= 0.1,
          "acrobot: 6 observations (cos, sin, cos, sin, velocities), 3 actions, horizon 500");
    /* Without torque the dynamics conserve energy; one RK4 step of gymnasium's dt = 0.2 per
     * step drifts by 5e-4 of it over 50 steps from this swing (the drift falls as dt^4 with
     * substeps, so it is RK4's, not the equations'); a wrong sign or term drifts O(1). */
    const double s0[4] = {0.3, -0.2, 0.0, 0.0}, none = 1;
    memcpy(p->state, s0, sizeof s0);
    double e0 = acrobot_energy(p->state), drift = 0.0;
    int32_t d0 = 0;
    for (int k = 0; k < 50; k++) {
        f->step(f, &none, obs, &d0);
        drift = fmax(drift, fabs(acrobot_energy(p->state) - e0));
    }
    CHECK(drift <= 1e-3 * fabs(e0) && !d0, "acrobot: no torque conserves energy over 50 RK4 steps "
          "(drift %.1e of %.3f)", drift, e0);
    /* Step by step as gymnasium's Acrobot-v1 (acrobot.py: the book's dynamics, one RK4
     * step of dt = 0.2, angles wrapped, velocities bounded), under the feedback torque
     * +1 when dtheta2 > 0, else -1, from s0: the reference is that file's equations run in
     * NumPy (gymnasium itself cannot be installed here), which terminate at step 74 after
     * 4 wraps of an angle, with dtheta2 up to 8.73. */
    const double s1[4] = {0.05, -0.03, 0.02, -0.04};
    const double want[4] = {2.0663447700501187, 1.5916639062854798, 0.8164785725974977,
                            -2.4687306004000376};
    memcpy(p->state, s1, sizeof s1);
    int32_t d1 = 0;
    int steps = 0;
    double ret = 0.0;
    while (!d1 && steps < 500) {
        const double a = p->state[3] > 0 ? 2 : 0;
        ret += f->step(f, &a, obs, &d1);
        steps++;
    }
    double gym_err = 0.0;
    for (int i = 0; i < 4; i++)
        gym_err = fmax(gym_err, fabs(p->state[i] - want[i]));
    CHECK(steps == 74 && d1 == PB_POLICY_TERMINATED && ret == -73 && gym_err <= 1e-9,
          "acrobot: gymnasium's trajectory, terminated at step %d (74), return %.0f (-73), "
          "final state within %.1e", steps, ret, gym_err);
    f->reset(f, obs);
    /* Bounded velocities and wrapped angles under a constant torque. */
    int ok = 1, n = 0;
    int32_t done = 0;
    const double push = 2;
    double total = 0.0;
    while (!done && n < 500) {
        total += f->step(f, &push, obs, &done);
        ok &= fabs(p->state[0]) <= M_PI && fabs(p->state[1]) <= M_PI &&
              fabs(p->state[2]) <= 4 * M_PI && fabs(p->state[3]) <= 9 * M_PI;
        n++;
    }
    CHECK(ok && total == (done == PB_POLICY_TERMINATED ? -(n - 1) : -n),
          "acrobot: angles wrapped, velocities bounded, reward -1 per step until the goal "
          "(%d steps, return %.0f)", n, total);
    pb__problem_close(&p->base);
}

/* log pi(a | s) of a policy net at parameters th, and its gradient, for gradcheck.h. */
typedef struct log_pi_at {
    pb__pol_net *net;
    double *th;
    const double *s, *a;
} log_pi_at;

static double log_pi(void *ctx)
{
    log_pi_at *c = ctx;
    return pb__pol_net_eval(c->net, c->th, c->s, c->a, 1.0, NULL, NULL, NULL);
}

static void grad_log_pi(void *ctx, double *g)
{
    log_pi_at *c = ctx;
    pb__pol_net_eval(c->net, c->th, c->s, c->a, 1.0, g, NULL, NULL);
}

/* grad log pi and hess log pi v against central differences at random (s, a). */
static void check_derivatives(const char *what, pb__pol_net *net, const double *theta0,
                              uint32_t obs_dim, pb_rng *rng)
{
    uint32_t d = net->n_params;
    double *th = malloc(d * sizeof(double)), *g = calloc(d, sizeof(double));
    double *v = malloc(d * sizeof(double)), *hv = calloc(d, sizeof(double));
    double *gp = calloc(d, sizeof(double)), *gm = calloc(d, sizeof(double));
    double *fd = calloc(d, sizeof(double));
    double s[32], a[4], noise[4];
    for (uint32_t i = 0; i < d; i++) {
        th[i] = theta0[i] + 0.1 * pb_rng_normal(rng);
        v[i] = pb_rng_normal(rng);
    }
    for (uint32_t i = 0; i < obs_dim; i++)
        s[i] = pb_rng_normal(rng);
    for (int j = 0; j < 4; j++)
        noise[j] = net->n_actions ? pb_rng_uniform(rng) : pb_rng_normal(rng);
    pb__pol_net_act(net, th, s, noise, a, NULL);
    pb__pol_net_eval(net, th, s, a, 1.0, g, v, hv);
    log_pi_at at = {net, th, s, a};
    central_gradient(log_pi, &at, th, d, 1e-5, fd);
    double worst_g = rel(g, fd, d);
    /* hess v by central differences of the gradient along v (into gm). */
    central_along(grad_log_pi, &at, th, v, d, 1e-5, gp, gm);
    double worst_h = rel(hv, gm, d);
    CHECK(worst_g <= 1e-6 && worst_h <= 1e-6,
          "%s (%u parameters): grad log pi vs central differences %.1e, hvp %.1e", what, d,
          worst_g, worst_h);
    free(th);
    free(g);
    free(v);
    free(hv);
    free(gp);
    free(gm);
    free(fd);
}

static void test_derivatives(void)
{
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    pb__pol_problem *p = open_problem("cartpole");
    if (p) {
        for (int k = 0; k < 3; k++)
            check_derivatives("softmax MLP 4-32-32-2", &p->net, p->theta0, 4, &rng);
        pb__problem_close(&p->base);
    }
    p = open_problem("lqr");
    if (p) {
        for (int k = 0; k < 3; k++)
            check_derivatives("linear Gaussian 2-1", &p->net, p->theta0, 2, &rng);
        pb__problem_close(&p->base);
    }
    pb__pol_net net;
    const uint32_t sizes[4] = {3, 32, 32, 2};
    if (pb__pol_net_init(&net, 3, sizes, 1, 0) == 0) {
        double *th = malloc(net.n_params * sizeof(double));
        pb__pol_net_init_params(&net, &rng, -0.3, th);
        for (int k = 0; k < 3; k++)
            check_derivatives("Gaussian MLP 3-32-32-2", &net, th, 3, &rng);
        free(th);
        pb__pol_net_free(&net);
    }
    /* The oracle table's batched forms equal the sums of single evaluations. */
    p = open_problem("cartpole");
    if (p) {
        const pb_policy *f = &p->oracle;
        double obs[3 * 4], acts[3] = {0, 1, 1}, w[3] = {0.5, -1.0, 2.0};
        for (int i = 0; i < 12; i++)
            obs[i] = pb_rng_normal(&rng);
        double *g = malloc(f->dim * sizeof(double)), *g2 = calloc(f->dim, sizeof(double));
        double *hv = malloc(f->dim * sizeof(double)), *hv2 = calloc(f->dim, sizeof(double));
        double *v = malloc(f->dim * sizeof(double));
        for (uint32_t i = 0; i < f->dim; i++)
            v[i] = pb_rng_normal(&rng);
        f->grad_log_pi(f, f->theta0, 3, obs, acts, w, g);
        f->hvp_log_pi(f, f->theta0, 3, obs, acts, w, v, hv);
        for (int k = 0; k < 3; k++)
            pb__pol_net_eval(&p->net, f->theta0, obs + 4 * k, acts + k, w[k], g2, v, hv2);
        CHECK(rel(g, g2, f->dim) < 1e-14 && rel(hv, hv2, f->dim) < 1e-14 && p->base.cost == 0,
              "the oracles' weighted sums equal single evaluations and count nothing");
        free(g);
        free(g2);
        free(hv);
        free(hv2);
        free(v);
        pb__problem_close(&p->base);
    }
}

/* ---- LQR: the Riccati optimum by policy iteration, independently of the problem --------- */

static const double A[2][2] = {{0.9, 0.3}, {0.0, 0.9}}, B[2] = {0.0, 1.0}, R = 0.5;

/* P_K = sum_t gamma^t (M^t)' (Q + K'RK) M^t, M = A + BK, summed to convergence. */
static void lyapunov(const double *K, double gamma, double P[2][2])
{
    double M[2][2], C[2][2], X[2][2];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            M[i][j] = A[i][j] + B[i] * K[j];
            C[i][j] = (i == j) + R * K[i] * K[j];
            X[i][j] = C[i][j];
            P[i][j] = 0.0;
        }
    double g = 1.0;
    for (int t = 0; t < 5000; t++) {
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                P[i][j] += g * X[i][j];
        double Y[2][2];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
                Y[i][j] = M[0][i] * (X[0][0] * M[0][j] + X[0][1] * M[1][j]) +
                          M[1][i] * (X[1][0] * M[0][j] + X[1][1] * M[1][j]);
        memcpy(X, Y, sizeof X);
        g *= gamma;
    }
}

/* Policy iteration: K <- -gamma (R + gamma B'PB)^-1 B'PA with P = P_K. */
static void riccati_by_policy_iteration(double gamma, double *K, double *cost)
{
    K[0] = K[1] = 0.0;
    double P[2][2];
    for (int it = 0; it < 100; it++) {
        lyapunov(K, gamma, P);
        double PB[2] = {P[0][0] * B[0] + P[0][1] * B[1], P[1][0] * B[0] + P[1][1] * B[1]};
        double BtPB = B[0] * PB[0] + B[1] * PB[1];
        for (int j = 0; j < 2; j++)
            K[j] = -gamma * (PB[0] * A[0][j] + PB[1] * A[1][j]) / (R + gamma * BtPB);
    }
    lyapunov(K, gamma, P);
    *cost = P[0][0] + P[1][1]; /* tr(P Sigma0), Sigma0 = I */
}

static void test_lqr(void)
{
    pb__pol_problem *p = open_problem("lqr");
    if (!p)
        return;
    double K[2], cost;
    riccati_by_policy_iteration(p->oracle.gamma, K, &cost);
    double th[3] = {K[0], K[1], -1.0}, m[2];
    p->base.ops->measure(&p->base, th, m);
    CHECK(fabs(p->env->reference + cost) <= 1e-6 * cost && fabs(m[0]) <= 1e-6 * cost,
          "lqr: reference return %.10g = minus the Riccati cost %.10g (K* = %.6f, %.6f), "
          "regret there %.1e", p->env->reference, cost, K[0], K[1], m[0]);
    th[0] += 0.05;
    p->base.ops->measure(&p->base, th, m);
    double m0[2];
    p->base.ops->measure(&p->base, p->theta0, m0);
    CHECK(m[0] > 0 && m0[0] > m[0], "lqr: regret %.3g at K* + 0.05 e1, %.3g at theta0", m[0],
          m0[0]);
    pb__problem_close(&p->base);
}

/* ---- gridworld: value iteration, independently ------------------------------------------ */

static void test_gridworld(void)
{
    pb__pol_problem *p = open_problem("gridworld");
    if (!p)
        return;
    const int n = 5, S = 25, H = 30;
    const double slip = 0.2, gamma = p->oracle.gamma;
    double V[25] = {0}, W[25];
    for (int k = 0; k < H; k++) {
        for (int s = 0; s < S; s++) {
            W[s] = 0.0;
            if (s == S - 1)
                continue;
            int r = s / n, c = s % n;
            int next[4] = {r > 0 ? s - n : s, c < n - 1 ? s + 1 : s, r < n - 1 ? s + n : s,
                           c > 0 ? s - 1 : s};
            double best = 0.0;
            for (int a = 0; a < 4; a++) {
                double q = 0.0;
                for (int b = 0; b < 4; b++) {
                    double pr = (a == b) * (1 - slip) + slip / 4;
                    q += pr * (next[b] == S - 1 ? 1.0 : gamma * V[next[b]]);
                }
                best = fmax(best, q);
            }
            W[s] = best;
        }
        memcpy(V, W, sizeof V);
    }
    CHECK(fabs(p->env->reference - V[0]) <= 1e-12,
          "gridworld: reference %.12f equals value iteration's optimal value %.12f",
          p->env->reference, V[0]);
    double m[2];
    p->base.ops->measure(&p->base, p->theta0, m);
    CHECK(m[0] > 0.05 && m[1] > 0, "gridworld: theta0's regret %.3f (value %.3f)", m[0], m[1]);
    pb__problem_close(&p->base);
}

int main(void)
{
    test_cartpole();
    test_acrobot();
    test_derivatives();
    test_lqr();
    test_gridworld();
    return check_summary("policy");
}
