/*
 * The bilevel kind: the host's problems, against independent computations (the plugins'
 * claims are tested in plugins/<name>/tests):
 *   - the problems open with their dimensions; the exact oracles agree with differences of
 *     f and of grad_y g; the matrices A, B, C^T C, C^T t are read back through the exact
 *     oracles and the closed-form grad Phi(x) = 0.1 x + (A^-1 B)^T (C^T C A^-1 B x - C^T t)
 *     is built with bilevel_check.h's own Gaussian elimination; the host's grad Phi equals
 *     it to 1e-12; Phi is 0.1-strongly convex; on bilevel-cosh-d10 the metrics at x0 are
 *     10 (cosh 9 - 1) and sqrt(10) sinh 9;
 *   - every oracle call is counted, one per call, and a call past the budget returns NaN,
 *     leaves its output untouched and counts nothing; the noise comes from the run's seed;
 *   - bilevel-benchopt-quadratic: the mean of the fixed batches is the exact value of each
 *     oracle, samples are counted per batch, the stochastic mode is draw_batch + that batch,
 *     and grad Phi computed here (own solves) vanishes at the host's x*;
 *   - bilevel-l2reg-breast-cancer: the host's y* is stationary, its solve equals one with
 *     the Hessian summed here a row at a time, bit for bit, hvp and cross match
 *     differences of grad_y g, grad Phi matches central differences of Phi, batches average
 *     to the exact oracle, the metrics at x0;
 *   - bilevel-hypercleaning-digits: the lower-train labels read back through the cross
 *     oracle differ from digits' in exactly 300 of 1000 rows; grad_y g equals its sum a
 *     row at a time here, bit for bit, and against central
 *     differences of g computed here (own softmax cross-entropy, mu = 1e-3) and grad_y f
 *     against those of f, along random directions; hvp and cross against differences of
 *     grad_y g; the host's y* is stationary and grad Phi matches 4th-order differences of
 *     Phi along a random direction to 1e-5; batches average to the exact oracle; metrics;
 *     the measurement at the checkpoints of a run of the plugin given (`test_bilevel
 *     PLUGIN.so`) against dense solves here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"
#include "dataset.h"
#include "gradcheck.h"

/* <a, b> in bilevel-hypercleaning-digits' y space (dy 650). */
static double dot650(const double *a, const double *b)
{
    double s = 0.0;
    for (uint32_t i = 0; i < 650; i++)
        s += a[i] * b[i];
    return s;
}

/* t = a + s d over n entries: the point a step s along d, for differences that leave a
 * where it is. */
static void step_along(double *t, const double *a, double s, const double *d, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        t[i] = a[i] + s * d[i];
}

/* The upper-level objective f of a problem at (x, y), for gradcheck.h. */
typedef struct f_at {
    pb__bil_problem *p;
    const double *x, *y;
} f_at;

static double f_of(void *ctx)
{
    f_at *c = ctx;
    return c->p->fns->f(c->p, c->x, c->y);
}

/* The problems: dimensions, oracles against differences, the optimum's metrics. */
static void test_problems(void)
{
    pb__bil_problem *p = open_problem("bilevel-quadratic-i1");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    CHECK(o->dx == DX && o->dy == DY && p->base.handle.solution_length == DX &&
              o->struct_size == sizeof(pb_bilevel) && o->noise == 0.1,
          "bilevel-quadratic-i1: dx %u, dy %u, noise %g", o->dx, o->dy, o->noise);
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    double x[DX], y[DY], g[DY], gp[DY], gm[DY], v[DY], hv[DY], gxf[DX];
    for (uint32_t i = 0; i < DX; i++)
        x[i] = pb_rng_normal(&rng);
    for (uint32_t i = 0; i < DY; i++) {
        y[i] = pb_rng_normal(&rng);
        v[i] = pb_rng_normal(&rng);
    }
    /* grad_y f and grad_x f against central differences of f. */
    double err = 0.0, h = 1e-5;
    o->grad_y_f(o, x, y, PB_BILEVEL_EXACT, g);
    o->grad_x_f(o, x, y, PB_BILEVEL_EXACT, gxf);
    f_at at = {p, x, y};
    for (uint32_t i = 0; i < DY; i++)
        err = fmax(err, fabs(central_partial(f_of, &at, y, i, h) - g[i]));
    for (uint32_t i = 0; i < DX; i++)
        err = fmax(err, fabs(central_partial(f_of, &at, x, i, h) - gxf[i]));
    CHECK(err < 1e-7, "grad_x f, grad_y f vs central differences of f: max error %.1e", err);
    /* hvp and cross against differences of grad_y g (linear in y and x: exact). */
    double yp[DY], xp[DX], c[DX], dv[DX];
    o->hvp_yy_g(o, x, y, v, PB_BILEVEL_EXACT, hv);
    for (uint32_t i = 0; i < DY; i++)
        yp[i] = y[i] + v[i];
    o->grad_y_g(o, x, yp, PB_BILEVEL_EXACT, gp);
    o->grad_y_g(o, x, y, PB_BILEVEL_EXACT, gm);
    err = 0.0;
    for (uint32_t i = 0; i < DY; i++)
        err = fmax(err, fabs(gp[i] - gm[i] - hv[i]));
    o->cross_xy_g(o, x, y, v, PB_BILEVEL_EXACT, c);
    for (uint32_t k = 0; k < DX; k++) {
        memcpy(xp, x, sizeof xp);
        xp[k] += 1.0;
        o->grad_y_g(o, xp, y, PB_BILEVEL_EXACT, gp);
        dv[k] = 0.0;
        for (uint32_t i = 0; i < DY; i++)
            dv[k] += (gp[i] - gm[i]) * v[i];
        err = fmax(err, fabs(dv[k] - c[k]));
    }
    CHECK(err < 1e-12, "hvp_yy_g and cross_xy_g vs differences of grad_y g: max error %.1e", err);
    CHECK(p->base.cost == 2 + 2 + 1 + 10 + 1, "every exact call counted once (%llu)",
          (unsigned long long)p->base.cost);
    /* The optimum: Phi gap 0, grad Phi 0, x_dist 0; x0 measured too. */
    double met[PB__MAX_METRICS];
    int rc = p->base.ops->measure(&p->base, p->x_opt, met);
    CHECK(rc == 0 && fabs(met[0]) < 1e-12 && met[1] < 1e-12 && met[2] == 0 && isnan(met[3]),
          "at x*: phi_gap %.1e, grad_phi_norm %.1e, x_dist %g, no test accuracy", met[0], met[1],
          met[2]);
    /* The Hessian of Phi, 0.1 I + B^T A^-1 C^T C A^-1 B, from the oracles: its extremes. */
    mats *mm = calloc(1, sizeof *mm);
    read_mats(p, mm);
    double H[DX * DX], AiB[DY * DX], col[DY], sol[DY];
    for (uint32_t j = 0; j < DX; j++) {
        for (uint32_t i = 0; i < DY; i++)
            col[i] = mm->B[(size_t)i * DX + j];
        solve(mm->A, DY, col, sol);
        for (uint32_t i = 0; i < DY; i++)
            AiB[(size_t)i * DX + j] = sol[i];
    }
    for (uint32_t a = 0; a < DX; a++)
        for (uint32_t b = 0; b < DX; b++) {
            double h2 = a == b ? 0.1 : 0.0;
            for (uint32_t i = 0; i < DY; i++)
                for (uint32_t j = 0; j < DY; j++)
                    h2 += AiB[(size_t)i * DX + a] * mm->CtC[(size_t)i * DY + j] *
                          AiB[(size_t)j * DX + b];
            H[(size_t)a * DX + b] = h2;
        }
    double L = op_norm(H, DX, DX), shifted[DX * DX];
    for (uint32_t i = 0; i < DX * DX; i++)
        shifted[i] = (i % (DX + 1) == 0 ? L : 0.0) - H[i];
    double mu = L - op_norm(shifted, DX, DX);
    CHECK(mu >= 0.1 - 1e-9 && L < 5, "Phi is %.3g-strongly convex and %.3g-smooth", mu, L);
    free(mm);
    rc = p->base.ops->measure(&p->base, p->x0, met);
    CHECK(rc == 0 && met[0] > 1 && met[2] > 1, "at x0: phi_gap %.4g, |x0 - x*| %.4g", met[0],
          met[2]);
    pb__problem_close(&p->base);

    p = open_problem("bilevel-cosh-d10");
    if (!p)
        return;
    rc = p->base.ops->measure(&p->base, p->x0, met);
    CHECK(p->oracle.dx == 10 && p->oracle.dy == 10 && p->x0[3] == 10.0 && rc == 0 &&
              fabs(met[0] - 10 * (cosh(9.0) - 1)) < 1e-8 * met[0] &&
              fabs(met[1] - sqrt(10.0) * sinh(9.0)) < 1e-9 * met[1],
          "bilevel-cosh-d10 at x0 = 10: phi_gap %.6g = 10 (cosh 9 - 1), |grad Phi| %.6g = "
          "sqrt(10) sinh 9", met[0], met[1]);
    pb__problem_close(&p->base);
}

/* The host's noise and budget: seed-determined, unbiased size, refusals. */
static void test_accounting(void)
{
    pb__bil_problem *p = open_problem("bilevel-quadratic-i1"), *q = open_problem("bilevel-quadratic-i1");
    if (!p || !q)
        return;
    p->base.seed = q->base.seed = 5;
    double x[DX] = {0}, y[DY] = {0}, a[DY], b[DY], e[DY];
    p->oracle.grad_y_g(&p->oracle, x, y, PB_BILEVEL_EXACT, e);
    double s2 = 0.0, same = 1;
    int n = 2000;
    for (int k = 0; k < n; k++) {
        p->oracle.grad_y_g(&p->oracle, x, y, PB_BILEVEL_STOCHASTIC, a);
        q->oracle.grad_y_g(&q->oracle, x, y, PB_BILEVEL_STOCHASTIC, b);
        for (uint32_t i = 0; i < DY; i++) {
            same = same && a[i] == b[i];
            s2 += (a[i] - e[i]) * (a[i] - e[i]);
        }
    }
    double sd = sqrt(s2 / (n * DY));
    CHECK(same && fabs(sd - 0.1) < 0.005, "noise: same seed same draws, sd %.4f (0.1)", sd);
    /* The budget: 3 calls allowed, the fourth refused with its output untouched. */
    p->base.cost = 0;
    p->base.cost_limit = 3;
    double out[DX];
    int ok = 1;
    for (int k = 0; k < 3; k++)
        ok = ok && p->oracle.grad_x_f(&p->oracle, x, y, PB_BILEVEL_EXACT, out) == 0.0;
    for (uint32_t i = 0; i < DX; i++)
        out[i] = 42.0;
    double r = p->oracle.cross_xy_g(&p->oracle, x, y, e, PB_BILEVEL_STOCHASTIC, out);
    CHECK(ok && isnan(r) && out[0] == 42.0 && p->base.cost == 3 && p->base.exhausted,
          "beyond the budget: NaN, output untouched, %llu of 3 calls counted",
          (unsigned long long)p->base.cost);
    p->base.cost_limit = UINT64_MAX;
    r = p->oracle.grad_x_f(&p->oracle, x, y, 7, out);
    CHECK(isnan(r) && p->base.cost == 3, "an unknown mode is refused uncounted");
    pb__problem_close(&p->base);
    pb__problem_close(&q->base);
}

/* Oracle which of o (0 grad_x f, 1 grad_y f, 2 grad_y g, 3 hvp_yy g v, 4 cross_xy g v) at
 * (x, y) in mode, into out. */
static void call_oracle(const pb_bilevel *o, int which, const double *x, const double *y,
                        const double *v, uint32_t mode, double *out)
{
    switch (which) {
    case 0: o->grad_x_f(o, x, y, mode, out); break;
    case 1: o->grad_y_f(o, x, y, mode, out); break;
    case 2: o->grad_y_g(o, x, y, mode, out); break;
    case 3: o->hvp_yy_g(o, x, y, v, mode, out); break;
    default: o->cross_xy_g(o, x, y, v, mode, out); break;
    }
}

/* The benchopt family: finite-sum consistency, batch accounting, closed forms at x*. */
static void test_benchopt(void)
{
    pb__bil_problem *p = open_problem("bilevel-benchopt-quadratic-i1"),
                    *q = open_problem("bilevel-benchopt-quadratic-i1");
    if (!p || !q)
        return;
    const pb_bilevel *o = &p->oracle;
    enum { BX = 10, BY = 100 };
    CHECK(o->dx == BX && o->dy == BY && o->n_inner == 1024 && o->n_outer == 1024 &&
              o->batch_size == 64 && o->noise == 0,
          "bilevel-benchopt-quadratic-i1: dx %u, dy %u, n %u + %u, batches of %u", o->dx, o->dy,
          o->n_inner, o->n_outer, o->batch_size);
    pb_rng rng;
    pb_rng_seed(&rng, 3, 0);
    double x[BX], y[BY], v[BY], ex[BY], acc[BY], b[BY];
    for (uint32_t i = 0; i < BX; i++)
        x[i] = pb_rng_normal(&rng);
    for (uint32_t i = 0; i < BY; i++) {
        y[i] = pb_rng_normal(&rng);
        v[i] = pb_rng_normal(&rng);
    }
    /* The mean of the 16 batches equals the exact value, for each of the five oracles. */
    double worst = 0.0;
    for (int which = 0; which < 5; which++) {
        uint32_t n = which == 0 || which == 4 ? BX : BY;
        memset(acc, 0, sizeof acc);
        for (uint32_t j = 0; j < 16; j++) {
            call_oracle(o, which, x, y, v, PB_BILEVEL_BATCH(j), b);
            for (uint32_t i = 0; i < n; i++)
                acc[i] += b[i] / 16;
        }
        call_oracle(o, which, x, y, v, PB_BILEVEL_EXACT, ex);
        worst = fmax(worst, dist(acc, ex, n) / fmax(1.0, norm(ex, n)));
    }
    CHECK(worst < 1e-12 && p->base.cost == 5 * (16 * 64 + 1024),
          "the mean of the 16 fixed batches is the exact value for all five oracles (relative "
          "error %.1e); %llu samples counted (80 batches of 64, 5 exact calls of 1024)", worst,
          (unsigned long long)p->base.cost);
    /* The stochastic mode is draw_batch then that batch, from the run's seed. */
    p->base.seed = q->base.seed = 9;
    int same = 1;
    for (int k = 0; k < 20; k++) {
        uint32_t j = q->oracle.draw_batch(&q->oracle, PB_BILEVEL_INNER);
        o->grad_y_g(o, x, y, PB_BILEVEL_STOCHASTIC, ex);
        q->oracle.grad_y_g(&q->oracle, x, y, PB_BILEVEL_BATCH(j), acc);
        same = same && memcmp(ex, acc, sizeof ex) == 0;
    }
    uint64_t before = p->base.cost;
    double r = o->grad_y_g(o, x, y, PB_BILEVEL_BATCH(16), ex);
    CHECK(same && isnan(r) && p->base.cost == before,
          "stochastic = draw_batch + that batch for one seed; batch 16 of 16 is refused");
    /* Closed forms with bilevel_check.h's solver: y* = -H^-1 grad_y g(x, 0),
     * z* = H^-1 grad_y f, grad Phi = grad_x f - cross(z*); zero at the host's x* (the
     * plugins' tests check their estimates against the closed forms of the synthetic
     * problems). */
    double *H = malloc((size_t)BY * BY * sizeof(double)), ys[BY], gx[BX];
    read_hessian(p, x, y, H);
    const double *xs = p->x_opt;
    quadratic_grad_phi(p, H, xs, ys, gx);
    double met[PB__MAX_METRICS];
    int rc = p->base.ops->measure(&p->base, xs, met);
    CHECK(norm(gx, BX) < 1e-10 && rc == 0 && fabs(met[0]) < 1e-12 && met[1] < 1e-10,
          "at the host's x*: grad Phi from this file's solves %.1e, host's phi_gap %.1e and "
          "|grad Phi| %.1e", norm(gx, BX), met[0], met[1]);
    rc = p->base.ops->measure(&p->base, p->x0, met);
    CHECK(rc == 0 && met[0] > 0.01 && met[2] > 0.1, "at x0 = 0: phi_gap %.4g, |x0 - x*| %.4g",
          met[0], met[2]);
    free(H);
    pb__problem_close(&p->base);
    pb__problem_close(&q->base);
}

/* The L2-penalty problem: y* is a stationary point, grad Phi matches differences of Phi,
 * the batches average to the exact oracles, the metrics on the data. */
static void test_l2reg(void)
{
    pb__bil_problem *p = open_problem("bilevel-l2reg-breast-cancer");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    enum { N = 31 };
    CHECK(o->dx == N && o->dy == N && o->n_inner == 304 && o->n_outer == 152 &&
              o->batch_size == 32, "bilevel-l2reg-breast-cancer: dx = dy = 31, n 304 + 152");
    pb_rng rng;
    pb_rng_seed(&rng, 5, 0);
    double x[N], ys[N], g[N], gp[N], gd[N], acc[N], v[N], yv[N];
    for (uint32_t i = 0; i < N; i++) {
        x[i] = -2.0 + 0.5 * pb_rng_normal(&rng);
        v[i] = pb_rng_normal(&rng);
    }
    p->fns->y_star(p, x, ys);
    o->grad_y_g(o, x, ys, PB_BILEVEL_EXACT, g);
    CHECK(norm(g, N) < 1e-11, "y*(x) by the host's Newton: |grad_y g| = %.1e", norm(g, N));
    /* Near x0, where a run starts, Newton reaches its stopping test |grad_y g| < 1e-15: it
     * used to stall at 2e-8, its line search unable to see a decrease below g's rounding,
     * for 100 steps of 60 trials each. */
    double worst = 0.0, xn[N];
    for (int k = 1; k <= 5; k++) {
        for (uint32_t i = 0; i < N; i++)
            xn[i] = 1e-3 * k * pb_rng_normal(&rng);
        p->fns->y_star(p, xn, yv);
        o->grad_y_g(o, xn, yv, PB_BILEVEL_EXACT, g);
        worst = fmax(worst, norm(g, N));
    }
    CHECK(worst < 1e-15, "y*(x) near x0 by the host's Newton: |grad_y g| up to %.1e", worst);
    /* The host's solve with the Hessian at (x, y*) = the Hessian summed here one row at a
     * time, in the host's order, then the same Cholesky solve: bit for bit. */
    pb__dataset train, test;
    char err[512] = "";
    if (pb__dataset_open("breast_cancer", &train, &test, err, sizeof err) == 0) {
        static double S[N * N];
        double a[N], u[N], w[N];
        memset(S, 0, sizeof S);
        for (uint32_t j = 0; j < 304; j++) {
            memcpy(a, train.x + (size_t)j * (N - 1), (N - 1) * sizeof(double));
            a[N - 1] = 1.0;
            double m = 0.0;
            for (uint32_t i = 0; i < N; i++)
                m += a[i] * ys[i];
            double sg = pb__bil_sigmoid(m), cj = sg * (1 - sg) / 304;
            for (uint32_t r = 0; r < N; r++)
                for (uint32_t k = 0; k <= r; k++)
                    S[r * N + k] += cj * a[r] * a[k];
        }
        for (uint32_t i = 0; i < N; i++)
            S[i * N + i] += 1e-3 + exp(x[i]);
        memcpy(u, v, sizeof u);
        pb__bil_cholesky_solve(S, N, u);
        p->fns->solve_yy(p, x, ys, v, w);
        CHECK(memcmp(u, w, sizeof u) == 0,
              "solve with the Hessian at y* = one summed a row at a time, bit for bit");
        pb__dataset_free(&train);
        pb__dataset_free(&test);
    } else {
        CHECK(0, "%s", err);
    }
    /* hvp and cross vs central differences of grad_y g in y and in x (step 1e-6). */
    double h = 1e-6, err_h = 0.0, err_c = 0.0, hv[N], cv[N], xp[N], xm[N], gm[N];
    o->hvp_yy_g(o, x, ys, v, PB_BILEVEL_EXACT, hv);
    o->cross_xy_g(o, x, ys, v, PB_BILEVEL_EXACT, cv);
    step_along(yv, ys, h, v, N);
    o->grad_y_g(o, x, yv, PB_BILEVEL_EXACT, gp);
    step_along(yv, ys, -h, v, N);
    o->grad_y_g(o, x, yv, PB_BILEVEL_EXACT, gm);
    for (uint32_t i = 0; i < N; i++)
        err_h = fmax(err_h, fabs((gp[i] - gm[i]) / (2 * h) - hv[i]));
    for (uint32_t k = 0; k < N; k++) {
        memcpy(xp, x, sizeof xp);
        memcpy(xm, x, sizeof xm);
        xp[k] += h;
        xm[k] -= h;
        o->grad_y_g(o, xp, ys, PB_BILEVEL_EXACT, gp);
        o->grad_y_g(o, xm, ys, PB_BILEVEL_EXACT, gm);
        double d = 0.0;
        for (uint32_t i = 0; i < N; i++)
            d += (gp[i] - gm[i]) / (2 * h) * v[i];
        err_c = fmax(err_c, fabs(d - cv[k]));
    }
    CHECK(err_h < 1e-7 && err_c < 1e-7, "hvp and cross vs differences of grad_y g: %.1e, %.1e",
          err_h, err_c);
    /* grad Phi (host: y*, z*) vs fourth-order central differences of Phi (Newton y* at each
     * point; h = 4e-3: truncation ~h^4; below it the noise of Phi grows as 1 / h). */
    pb__bil_grad_phi(p, x, g);
    for (uint32_t k = 0; k < N; k++) {
        double f4[4];
        const double off[4] = {8e-3, 4e-3, -4e-3, -8e-3};
        for (int q = 0; q < 4; q++) {
            memcpy(xp, x, sizeof xp);
            xp[k] += off[q];
            f4[q] = pb__bil_phi(p, xp);
        }
        gd[k] = (-f4[0] + 8 * f4[1] - 8 * f4[2] + f4[3]) / 48e-3;
    }
    double e_phi = dist(g, gd, N) / norm(gd, N);
    CHECK(e_phi < 1e-6,
          "grad Phi vs 4th-order differences of Phi: relative error %.1e (|grad| %.3g)", e_phi,
          norm(gd, N));
    /* The 10 inner batches (9 of 32, one of 16) average, weighted, to the exact gradient. */
    memset(acc, 0, sizeof acc);
    for (uint32_t j = 0; j < 10; j++) {
        o->grad_y_g(o, x, ys, PB_BILEVEL_BATCH(j), gp);
        double w = (j < 9 ? 32.0 : 16.0) / 304.0;
        for (uint32_t i = 0; i < N; i++)
            acc[i] += w * gp[i];
    }
    o->grad_y_g(o, x, ys, PB_BILEVEL_EXACT, g);
    CHECK(dist(acc, g, N) < 1e-14, "weighted mean of the inner batches = exact (%.1e)",
          dist(acc, g, N));
    double met[PB__MAX_METRICS];
    int rc = p->base.ops->measure(&p->base, p->x0, met);
    CHECK(rc == 0 && met[0] > 0 && met[0] < 1 && isnan(met[2]) && met[3] > 0.8,
          "at x0 = 0: validation loss %.4f, test accuracy %.3f, x_dist unknown", met[0], met[3]);
    pb__problem_close(&p->base);
}

/* Softmax cross-entropy of weights y (10 x 65, row-major) on features a (64, then 1). */
static double hc_ce(const double *y, const double *a, uint32_t c)
{
    double z[10], zmax = -INFINITY, s = 0.0;
    for (uint32_t k = 0; k < 10; k++) {
        z[k] = y[k * 65 + 64];
        for (uint32_t i = 0; i < 64; i++)
            z[k] += y[k * 65 + i] * a[i];
        zmax = fmax(zmax, z[k]);
    }
    for (uint32_t k = 0; k < 10; k++)
        s += exp(z[k] - zmax);
    return zmax + log(s) - z[c];
}

/* g of bilevel-hypercleaning-digits as its header defines it, from the data set's first
 * 1000 rows with labels c: independent of the host's code, for the gradient check. */
static double hc_g(const pb__dataset *ds, const uint32_t *c, const double *x, const double *y)
{
    double s = 0.0, yy = 0.0;
    for (uint32_t j = 0; j < 1000; j++)
        s += hc_ce(y, ds->x + (size_t)j * 64, c[j]) / (1.0 + exp(-x[j]));
    for (uint32_t i = 0; i < 650; i++)
        yy += y[i] * y[i];
    return s / 1000 + 0.5e-3 * yy;
}

/*
 * grad_y g of bilevel-hypercleaning-digits summed one row at a time, each sum in the order
 * the host's ce_sum makes it (logits over the features then the bias, from 0; the row's
 * term p_jk a_j added to the gradient as soon as it is known), for the check that the
 * host's four rows at a time give the same bits.
 */
static void hc_grad_rows(const pb__dataset *ds, const uint32_t *c, const double *x,
                         const double *y, double *grad)
{
    memset(grad, 0, 650 * sizeof(double));
    for (uint32_t j = 0; j < 1000; j++) {
        double a[65], z[10], p[10], zmax = -INFINITY, s = 0.0;
        memcpy(a, ds->x + (size_t)j * 64, 64 * sizeof(double));
        a[64] = 1.0;
        for (uint32_t k = 0; k < 10; k++) {
            z[k] = 0.0;
            for (uint32_t l = 0; l < 65; l++)
                z[k] += y[k * 65 + l] * a[l];
            zmax = fmax(zmax, z[k]);
        }
        for (uint32_t k = 0; k < 10; k++)
            s += (p[k] = exp(z[k] - zmax));
        double w = 1.0 / 1000 * pb__bil_sigmoid(x[j]);
        for (uint32_t k = 0; k < 10; k++)
            p[k] = (p[k] / s - (k == c[j])) * w;
        for (uint32_t k = 0; k < 10; k++)
            for (uint32_t l = 0; l < 65; l++)
                grad[k * 65 + l] += p[k] * a[l];
    }
    for (uint32_t i = 0; i < 650; i++)
        grad[i] += 1e-3 * y[i];
}

/* The lower-train labels, read back through the cross oracle at y = 0: there
 * d/dx_j <grad_y g, e_(class k, bias)> = sigma'(x_j) / n (1/10 - [c_j = k]), negative
 * only for k = c_j. */
static void hc_labels(const pb_bilevel *o, uint32_t *c)
{
    double *x = calloc(1000, sizeof(double)), *y = calloc(650, sizeof(double));
    double *v = calloc(650, sizeof(double)), *out = calloc(1000, sizeof(double));
    for (uint32_t k = 0; k < 10; k++) {
        memset(v, 0, 650 * sizeof(double));
        v[k * 65 + 64] = 1.0;
        o->cross_xy_g(o, x, y, v, PB_BILEVEL_EXACT, out);
        for (uint32_t j = 0; j < 1000; j++)
            if (out[j] < 0)
                c[j] = k;
    }
    free(x);
    free(y);
    free(v);
    free(out);
}

/* test_hypercleaning's points, directions and gradients, off the stack (dx 1000, dy 650). */
typedef struct hc_point {
    double x[1000], y[650], xt[1000], yt[650], v[650], u[1000];
    double a[650], b[650], c[650];
} hc_point;

static void test_hypercleaning(void)
{
    pb__bil_problem *p = open_problem("bilevel-hypercleaning-digits");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    CHECK(o->dx == 1000 && o->dy == 650 && o->n_inner == 1000 && o->n_outer == 438 &&
              o->batch_size == 32, "bilevel-hypercleaning-digits: dx 1000, dy 650, n 1000 + 438");
    pb__dataset train, test;
    char err[512] = "";
    if (pb__dataset_open("digits", &train, &test, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        pb__problem_close(&p->base);
        return;
    }
    uint32_t *c = calloc(1000, sizeof(uint32_t)), flipped = 0;
    hc_labels(o, c);
    for (uint32_t j = 0; j < 1000; j++)
        flipped += c[j] != train.y[j];
    CHECK(flipped == 300, "corrupted lower-train labels: %u of 1000 (30%% expected)", flipped);
    hc_point *q = calloc(1, sizeof *q);
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    for (uint32_t j = 0; j < 1000; j++) {
        q->x[j] = pb_rng_normal(&rng);
        q->u[j] = pb_rng_normal(&rng);
    }
    for (uint32_t i = 0; i < 650; i++) {
        q->y[i] = 0.1 * pb_rng_normal(&rng);
        q->v[i] = pb_rng_normal(&rng);
    }
    /* grad_y g and grad_y f vs central differences of g (here) and f (the host's), step
     * 1e-5 along v: truncation ~1e-10, rounding ~1e-11. */
    double h = 1e-5, e_g, e_f;
    step_along(q->yt, q->y, h, q->v, 650);
    double gp = hc_g(&train, c, q->x, q->yt), fp = p->fns->f(p, q->x, q->yt);
    step_along(q->yt, q->y, -h, q->v, 650);
    double gm = hc_g(&train, c, q->x, q->yt), fm = p->fns->f(p, q->x, q->yt);
    o->grad_y_g(o, q->x, q->y, PB_BILEVEL_EXACT, q->a);
    hc_grad_rows(&train, c, q->x, q->y, q->c);
    CHECK(memcmp(q->a, q->c, sizeof q->c) == 0,
          "grad_y g (exact) = its sum one row at a time, bit for bit");
    o->grad_y_f(o, q->x, q->y, PB_BILEVEL_EXACT, q->b);
    e_g = fabs((gp - gm) / (2 * h) - dot650(q->a, q->v)) / fabs(dot650(q->a, q->v));
    e_f = fabs((fp - fm) / (2 * h) - dot650(q->b, q->v)) / fabs(dot650(q->b, q->v));
    CHECK(e_g < 1e-6 && e_f < 1e-6, "grad_y g, grad_y f along v vs central differences of g, f: "
          "relative errors %.1e, %.1e", e_g, e_f);
    /* hvp vs differences of grad_y g along v; cross . u vs those of <grad_y g, v> along u. */
    step_along(q->yt, q->y, h, q->v, 650);
    o->grad_y_g(o, q->x, q->yt, PB_BILEVEL_EXACT, q->a);
    step_along(q->yt, q->y, -h, q->v, 650);
    o->grad_y_g(o, q->x, q->yt, PB_BILEVEL_EXACT, q->b);
    o->hvp_yy_g(o, q->x, q->y, q->v, PB_BILEVEL_EXACT, q->c);
    for (uint32_t i = 0; i < 650; i++)
        q->a[i] = (q->a[i] - q->b[i]) / (2 * h);
    double e_h = dist(q->a, q->c, 650) / norm(q->c, 650);
    step_along(q->xt, q->x, h, q->u, 1000);
    o->grad_y_g(o, q->xt, q->y, PB_BILEVEL_EXACT, q->a);
    step_along(q->xt, q->x, -h, q->u, 1000);
    o->grad_y_g(o, q->xt, q->y, PB_BILEVEL_EXACT, q->b);
    o->cross_xy_g(o, q->x, q->y, q->v, PB_BILEVEL_EXACT, q->xt);
    double cu = 0.0, diff = 0.0;
    for (uint32_t j = 0; j < 1000; j++)
        cu += q->xt[j] * q->u[j];
    for (uint32_t i = 0; i < 650; i++)
        diff += (q->a[i] - q->b[i]) / (2 * h) * q->v[i];
    double e_c = fabs(diff - cu) / fabs(cu);
    CHECK(e_h < 1e-6 && e_c < 1e-6, "hvp and cross vs differences of grad_y g: relative errors "
          "%.1e, %.1e", e_h, e_c);
    /* The host's y*, then grad Phi vs 4th-order central differences of Phi along u / |u|
     * (step 1e-2: truncation ~h^4, Phi's noise from |grad_y g| < 1e-10 far below). */
    p->fns->y_star(p, q->x, q->yt);
    o->grad_y_g(o, q->x, q->yt, PB_BILEVEL_EXACT, q->a);
    CHECK(norm(q->a, 650) < 1e-10, "y*(x) by the host's Newton-CG: |grad_y g| = %.1e",
          norm(q->a, 650));
    pb__bil_grad_phi(p, q->x, q->xt);
    double un = norm(q->u, 1000), dphi = 0.0, f4[4];
    for (uint32_t j = 0; j < 1000; j++)
        dphi += q->xt[j] * q->u[j] / un;
    const double off[4] = {2e-2, 1e-2, -1e-2, -2e-2};
    for (int k = 0; k < 4; k++) {
        for (uint32_t j = 0; j < 1000; j++)
            q->xt[j] = q->x[j] + off[k] * q->u[j] / un;
        f4[k] = pb__bil_phi(p, q->xt);
    }
    double fd = (-f4[0] + 8 * f4[1] - 8 * f4[2] + f4[3]) / 12e-2;
    double e_phi = fabs(fd - dphi) / fabs(fd);
    CHECK(e_phi < 1e-5, "grad Phi along a random direction vs 4th-order differences of Phi: "
          "relative error %.1e (derivative %.3e)", e_phi, fd);
    /* The 32 inner batches (31 of 32, one of 8) average, weighted, to the exact gradient. */
    memset(q->c, 0, sizeof q->c);
    for (uint32_t j = 0; j < 32; j++) {
        o->grad_y_g(o, q->x, q->y, PB_BILEVEL_BATCH(j), q->a);
        double w = (j < 31 ? 32.0 : 8.0) / 1000.0;
        for (uint32_t i = 0; i < 650; i++)
            q->c[i] += w * q->a[i];
    }
    o->grad_y_g(o, q->x, q->y, PB_BILEVEL_EXACT, q->a);
    CHECK(dist(q->a, q->c, 650) < 1e-14, "weighted mean of the inner batches = exact (%.1e)",
          dist(q->a, q->c, 650));
    double met[PB__MAX_METRICS];
    int rc = p->base.ops->measure(&p->base, p->x0, met);
    CHECK(rc == 0 && met[0] > 0 && isfinite(met[1]) && isnan(met[2]) && met[3] > 0.5 &&
              met[3] <= 1, "at x0 = 0: validation loss %.4f, |grad Phi| %.3g, test accuracy %.3f",
          met[0], met[1], met[3]);
    free(q);
    free(c);
    pb__dataset_free(&train);
    pb__dataset_free(&test);
    pb__problem_close(&p->base);
}

/* The points a run measured (measure_run): x, the metrics, the host's y*(x). */
#define HC_POINTS 32
typedef struct hc_run {
    const pb__problem_ops *ops; /* the kind's, which record() calls */
    pb__bil_problem *p;
    int n;
    double x[HC_POINTS][1000], met[HC_POINTS][PB__MAX_METRICS], y[HC_POINTS][650];
} hc_run;

static hc_run *recording; /* the run record() records into */

/* The kind's measure, recording what it measured and the host's y* (cached by measure:
 * reading it back changes nothing the next measurement starts from). */
static int record(pb__problem *base, const double *x, double *met)
{
    hc_run *r = recording;
    int rc = r->ops->measure(base, x, met);
    if (r->n < HC_POINTS) {
        memcpy(r->x[r->n], x, sizeof r->x[0]);
        memcpy(r->met[r->n], met, sizeof r->met[0]);
        r->p->fns->y_star(r->p, x, r->y[r->n]);
        r->n++;
    }
    return rc;
}

/* The Hessian of g at (x, y), column by column from the exact oracle, into H (650 x 650). */
static void hc_hessian(pb__bil_problem *p, const double *x, const double *y, double *H)
{
    double *e = calloc(650, sizeof(double)), *col = malloc(650 * sizeof(double));
    for (uint32_t i = 0; i < 650; i++) {
        e[i] = 1.0;
        pb__bil_exact(p, PB__BIL_HVP_YY_G, x, y, e, col);
        e[i] = 0.0;
        for (uint32_t r = 0; r < 650; r++)
            H[(size_t)r * 650 + i] = col[r];
    }
    free(e);
    free(col);
}

/*
 * bilevel-hypercleaning-digits' measurement at the checkpoints of a run of the default
 * suite (the plugin given, seed 1, the kind's default budget), in the run's order, so with
 * the warm starts and the preconditioner that history gives. At every checkpoint the
 * host's y* meets its stopping test, |grad_y g| < 1e-10 (exact oracle). At the first,
 * the middle and the last, the Hessian H of g at the host's y* is built column by column
 * from the exact oracle and solved by Gaussian elimination (bilevel_check.h): Phi at
 * y* - H^-1 grad_y g (a Newton step from the host's y*, so y* to about 1e-14) and
 * |grad_x f - cross(H^-1 grad_y f)| match the host's phi_gap and grad_phi_norm to 1e-8
 * relative (docs/results-schema.md's bound is 1e-7; measured about 1e-10). After the run,
 * the host's z* at the last checkpoint (its solve, which starts from the z* it measured
 * there) meets its stopping test against that H: |H z* - grad_y f| <= 1e-10 |grad_y f|.
 * The two stopping tests fail when either tolerance is made 100 times looser.
 */
static void test_hypercleaning_measure(const char *plugin_path)
{
    pb__plugin_file pl;
    if (load_plugin(plugin_path, &pl) != 0)
        return;
    pb__bil_problem *p = open_problem("bilevel-hypercleaning-digits");
    if (!p) {
        pb__plugin_unload(&pl);
        return;
    }
    hc_run *r = calloc(1, sizeof *r);
    pb__problem_ops ops = *p->base.ops;
    r->ops = p->base.ops;
    r->p = p;
    ops.measure = record;
    p->base.ops = &ops;
    recording = r;
    pb_value values[32];
    pb__params_defaults(pl.desc, values);
    pb__limits limits = {.budget = pb__kind_bilevel.default_budget, .target = NAN};
    pb__outcome out;
    pb__run_execute(&pl, values, &p->base, 1, &limits, NULL, NULL, NULL, &out);
    CHECK(out.status == PB__STATUS_OK && r->n >= 5 && r->n < HC_POINTS,
          "%s on bilevel-hypercleaning-digits, seed 1, default budget: status %d, %d "
          "checkpoints measured", pl.desc->name, out.status, r->n);
    const uint32_t dx = 1000, dy = 650;
    double *H = malloc((size_t)dy * dy * sizeof(double));
    double *gx = malloc(dx * sizeof(double)), *c = malloc(dx * sizeof(double));
    double *b = malloc(dy * sizeof(double)), *z = malloc(dy * sizeof(double));
    double worst_gy = 0.0, worst_phi = 0.0, worst_grad = 0.0, resid = INFINITY;
    for (int k = 0; k < r->n; k++) {
        const double *x = r->x[k], *y = r->y[k];
        pb__bil_exact(p, PB__BIL_GRAD_Y_G, x, y, NULL, b);
        worst_gy = fmax(worst_gy, norm(b, dy));
        if (k != 0 && k != r->n / 2 && k != r->n - 1)
            continue;
        hc_hessian(p, x, y, H);
        solve(H, dy, b, z);
        for (uint32_t i = 0; i < dy; i++)
            z[i] = y[i] - z[i];
        double phi = p->fns->f(p, x, z);
        pb__bil_exact(p, PB__BIL_GRAD_Y_F, x, y, NULL, b);
        solve(H, dy, b, z);
        pb__bil_exact(p, PB__BIL_GRAD_X_F, x, y, NULL, gx);
        pb__bil_exact(p, PB__BIL_CROSS_XY_G, x, y, z, c);
        for (uint32_t j = 0; j < dx; j++)
            gx[j] -= c[j];
        worst_phi = fmax(worst_phi, fabs(r->met[k][0] - phi) / fabs(phi));
        worst_grad = fmax(worst_grad, fabs(r->met[k][1] - norm(gx, dx)) / norm(gx, dx));
    }
    if (r->n > 0) { /* H is at the last checkpoint, b is grad_y f there */
        const double *x = r->x[r->n - 1], *y = r->y[r->n - 1];
        p->fns->solve_yy(p, x, y, b, z);
        double hz_b = 0.0;
        for (uint32_t i = 0; i < dy; i++) {
            double s = -b[i];
            for (uint32_t k = 0; k < dy; k++)
                s += H[(size_t)i * dy + k] * z[k];
            hz_b += s * s;
        }
        resid = sqrt(hz_b) / norm(b, dy);
    }
    CHECK(worst_gy < 1e-10, "the host's y* at every checkpoint: |grad_y g| <= %.1e (< 1e-10)",
          worst_gy);
    /* The host's test, 1e-10, on its own product H z*: the dense one differs by rounding,
     * about 1e-16 |H| |z*|, far below the margin. */
    CHECK(resid <= 1.01e-10, "the host's z* at the last checkpoint: |H z* - grad_y f| = %.1e "
          "|grad_y f| (<= 1e-10)", resid);
    CHECK(worst_phi <= 1e-8 && worst_grad <= 1e-8,
          "hypercleaning's measurement at a run's checkpoints vs dense solves: Phi within "
          "%.1e, |grad Phi| within %.1e (relative, <= 1e-8)", worst_phi, worst_grad);
    free(H);
    free(gx);
    free(c);
    free(b);
    free(z);
    free(r);
    pb__problem_close(&p->base);
    pb__plugin_unload(&pl);
}

/* The host's grad Phi (its own y*, z*) vs the closed form on bilevel-quadratic-i1, at 5
 * points x = 2 N(0, I). */
static void test_grad_phi(void)
{
    pb__bil_problem *p = open_problem("bilevel-quadratic-i1");
    if (!p)
        return;
    mats *m = calloc(1, sizeof *m);
    read_mats(p, m);
    pb_rng rng;
    pb_rng_seed(&rng, 11, 0);
    double worst_host = 0.0;
    for (int trial = 0; trial < 5; trial++) {
        double x[DX], y[DY], z[DY], g[DX], host[DX];
        for (uint32_t i = 0; i < DX; i++)
            x[i] = 2 * pb_rng_normal(&rng);
        quad_closed(m, x, y, z, g);
        pb__bil_grad_phi(p, x, host);
        worst_host = fmax(worst_host, dist(host, g, DX) / fmax(1.0, norm(g, DX)));
    }
    CHECK(worst_host <= 1e-12, "the host's grad Phi vs the closed form: %.1e", worst_host);
    free(m);
    pb__problem_close(&p->base);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        CHECK(0, "usage: %s PLUGIN.so (a bilevel plugin of the default suite)", argv[0]);
        return check_summary("bilevel");
    }
    test_problems();
    test_grad_phi();
    test_accounting();
    test_benchopt();
    test_l2reg();
    test_hypercleaning();
    test_hypercleaning_measure(argv[1]);
    return check_summary("bilevel");
}
