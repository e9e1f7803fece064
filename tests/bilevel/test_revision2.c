/*
 * The bilevel kind's revisions 2 and 3, against independent computations:
 *   - every problem's table has revision 2's and 3's members; its value oracles f_value and
 *     g_value agree with its gradient oracles (grad_x g being revision 3's) through central
 *     differences of the values along random directions in (x, y), are counted like the
 *     gradients (1 a call, or the samples averaged on a finite sum), the means of their
 *     fixed batches are the exact values (and grad_x g's batches average to the exact
 *     grad_x g), and a call past the budget returns NaN uncounted;
 *   - mu_g and l_g, where a problem states them, are the extreme eigenvalues of the lower
 *     Hessian read back through hvp_yy_g (power iterations here), and are 0 on the problems
 *     whose lower level has no constant for every x;
 *   - bilevel-maid-quadratic-i1: n = 1000 rows behind values that are sums of squares over
 *     them, y0 = x2 in [0, 1), x0 = 1; grad Phi built here with this file's own solves
 *     (bilevel_check.h) vanishes at the host's x*, and the host's Phi* is f(x*, y*(x*));
 *   - the constraint oracles on bilevel-lvhba-toy-d100 against central differences of h,
 *     counted 1 each, exact mode only; that problem's closed form (test_lvhba_toy), and its
 *     values and grad_x g like the other problems'.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"
#include "gradcheck.h"

/* The largest eigenvalue of a symmetric n x n H (row-major), by power iteration from a
 * fixed start, minus shift on its diagonal. */
static double top_eigenvalue(const double *H, uint32_t n, double shift)
{
    double v[DY], w[DY];
    for (uint32_t i = 0; i < n; i++)
        v[i] = 1.0 + 0.1 * i;
    double lambda = 0.0;
    for (int it = 0; it < 20000; it++) {
        double nv = norm(v, n);
        for (uint32_t i = 0; i < n; i++)
            v[i] /= nv;
        memset(w, 0, sizeof w);
        mat_vec_add(H, n, n, v, w);
        for (uint32_t i = 0; i < n; i++)
            w[i] -= shift * v[i];
        double next = dot(v, w, n);
        memcpy(v, w, sizeof w);
        if (it > 100 && fabs(next - lambda) <= 1e-15 * fabs(next))
            return next;
        lambda = next;
    }
    return lambda;
}

/* A value oracle along (ux, uy) at (x, y): the central difference of f_value (level 0)
 * or g_value (1) against <grad, u> from the gradient oracles; returns the relative error. */
static double value_vs_gradients(pb__bil_problem *p, int level, const double *x,
                                 const double *y, const double *ux, const double *uy, double h)
{
    const pb_bilevel *o = &p->oracle;
    double *xp = gc_zeros(o->dx), *xm = gc_zeros(o->dx), *yp = gc_zeros(o->dy),
           *ym = gc_zeros(o->dy), *gx = gc_zeros(o->dx), *gy = gc_zeros(o->dy);
    for (uint32_t i = 0; i < o->dx; i++) {
        xp[i] = x[i] + h * ux[i];
        xm[i] = x[i] - h * ux[i];
    }
    for (uint32_t i = 0; i < o->dy; i++) {
        yp[i] = y[i] + h * uy[i];
        ym[i] = y[i] - h * uy[i];
    }
    double up, down;
    if (level == 0) {
        o->f_value(o, xp, yp, PB_BILEVEL_EXACT, &up);
        o->f_value(o, xm, ym, PB_BILEVEL_EXACT, &down);
        o->grad_x_f(o, x, y, PB_BILEVEL_EXACT, gx);
        o->grad_y_f(o, x, y, PB_BILEVEL_EXACT, gy);
    } else {
        o->g_value(o, xp, yp, PB_BILEVEL_EXACT, &up);
        o->g_value(o, xm, ym, PB_BILEVEL_EXACT, &down);
        o->grad_x_g(o, x, y, PB_BILEVEL_EXACT, gx);
        o->grad_y_g(o, x, y, PB_BILEVEL_EXACT, gy);
    }
    double fd = (up - down) / (2 * h);
    double an = dot(gx, ux, o->dx) + dot(gy, uy, o->dy);
    free(xp), free(xm), free(yp), free(ym), free(gx), free(gy);
    return fabs(fd - an) / fmax(1.0, fabs(an));
}

/* One problem's value oracles and grad_x g: central differences, accounting, batches,
 * budget. */
static void test_values(const char *id, double h, double tol)
{
    pb__bil_problem *p = open_problem(id);
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    CHECK(PB_BILEVEL_HAS_REVISION_2(o) && o->f_value && o->g_value &&
              PB_BILEVEL_HAS_REVISION_3(o) && o->grad_x_g &&
              (o->n_constraints == 0) == (o->h == NULL),
          "%s: revisions 2 and 3 (struct_size %u), values, grad_x g, h where constrained", id,
          o->struct_size);
    pb_rng rng;
    pb_rng_seed(&rng, 21, 0);
    double *x = gc_zeros(o->dx), *y = gc_zeros(o->dy), *ux = gc_zeros(o->dx),
           *uy = gc_zeros(o->dy);
    for (uint32_t i = 0; i < o->dx; i++) {
        x[i] = o->x0[i] + 0.3 * pb_rng_normal(&rng);
        ux[i] = pb_rng_normal(&rng);
    }
    for (uint32_t i = 0; i < o->dy; i++) {
        y[i] = o->y0[i] + 0.3 * pb_rng_normal(&rng);
        uy[i] = pb_rng_normal(&rng);
    }
    double err = fmax(value_vs_gradients(p, 0, x, y, ux, uy, h),
                      value_vs_gradients(p, 1, x, y, ux, uy, h));
    CHECK(err < tol, "%s: f_value and g_value along (x, y) vs the gradient oracles (grad_x g "
                     "included) by central differences: relative error %.1e (< %.0e)", id, err,
          tol);
    /* Accounting: one exact call costs what an exact gradient costs. */
    uint64_t n_f = o->n_outer ? o->n_outer : 1, n_g = o->n_inner ? o->n_inner : 1;
    p->base.cost = 0;
    double vf, vg;
    o->f_value(o, x, y, PB_BILEVEL_EXACT, &vf);
    o->g_value(o, x, y, PB_BILEVEL_EXACT, &vg);
    CHECK(p->base.cost == n_f + n_g, "%s: an exact f and g value cost %llu (%llu + %llu)", id,
          (unsigned long long)p->base.cost, (unsigned long long)n_f, (unsigned long long)n_g);
    double *gxg = gc_zeros(o->dx), *gb = gc_zeros(o->dx), *gsum = gc_zeros(o->dx);
    p->base.cost = p->calls[PB__BIL_GRAD_X_G] = 0;
    o->grad_x_g(o, x, y, PB_BILEVEL_EXACT, gxg);
    CHECK(p->base.cost == n_g && p->calls[PB__BIL_GRAD_X_G] == n_g,
          "%s: an exact grad_x g costs %llu, g's samples (%llu)", id,
          (unsigned long long)p->base.cost, (unsigned long long)n_g);
    if (o->n_inner) { /* the fixed batches average to the exact values */
        uint32_t bf = (o->n_outer + o->batch_size - 1) / o->batch_size;
        uint32_t bg = (o->n_inner + o->batch_size - 1) / o->batch_size;
        double sf = 0.0, sg = 0.0, b;
        for (uint32_t j = 0; j < bf; j++) {
            o->f_value(o, x, y, PB_BILEVEL_BATCH(j), &b);
            uint32_t lo = j * o->batch_size, hi = lo + o->batch_size;
            sf += b * ((hi < o->n_outer ? hi : o->n_outer) - lo);
        }
        for (uint32_t j = 0; j < bg; j++) {
            o->g_value(o, x, y, PB_BILEVEL_BATCH(j), &b);
            uint32_t lo = j * o->batch_size, hi = lo + o->batch_size;
            sg += b * ((hi < o->n_inner ? hi : o->n_inner) - lo);
        }
        sf /= o->n_outer;
        sg /= o->n_inner;
        for (uint32_t j = 0; j < bg; j++) {
            o->grad_x_g(o, x, y, PB_BILEVEL_BATCH(j), gb);
            uint32_t lo = j * o->batch_size, hi = lo + o->batch_size;
            for (uint32_t i = 0; i < o->dx; i++)
                gsum[i] += gb[i] * ((hi < o->n_inner ? hi : o->n_inner) - lo) / o->n_inner;
        }
        CHECK(rel(gsum, gxg, o->dx) <= 1e-12,
              "%s: the weighted mean of grad_x g's fixed batches is the exact one (%.1e)", id,
              rel(gsum, gxg, o->dx));
        CHECK(fabs(sf - vf) <= 1e-12 * fmax(1.0, fabs(vf)) &&
                  fabs(sg - vg) <= 1e-12 * fmax(1.0, fabs(vg)),
              "%s: the weighted means of the fixed batches' values are the exact f and g "
              "(%.1e, %.1e)", id, fabs(sf - vf), fabs(sg - vg));
    }
    if (o->noise > 0) { /* the noise model: N(0, noise^2) on the value, from the run's seed */
        p->base.seed = 5;
        double s2 = 0.0, v;
        for (int k = 0; k < 4000; k++) {
            o->f_value(o, x, y, PB_BILEVEL_STOCHASTIC, &v);
            s2 += (v - vf) * (v - vf);
        }
        double sd = sqrt(s2 / 4000);
        CHECK(fabs(sd - o->noise) < 0.05 * o->noise,
              "%s: stochastic f_value: exact + noise of sd %.4f (%g)", id, sd, o->noise);
    }
    /* The budget: a value call past it is refused uncounted, its output untouched. */
    p->base.cost = 0;
    p->base.cost_limit = n_f;
    double out = 42.0;
    o->f_value(o, x, y, PB_BILEVEL_EXACT, &vf);
    double r = o->g_value(o, x, y, PB_BILEVEL_EXACT, &out);
    CHECK(isnan(r) && out == 42.0 && p->base.cost == n_f,
          "%s: a value call past the budget returns NaN, counts nothing", id);
    p->base.cost_limit = UINT64_MAX;
    free(x), free(y), free(ux), free(uy), free(gxg), free(gb), free(gsum);
    pb__problem_close(&p->base);
}

/* The stated constants are the lower Hessian's extreme eigenvalues (quadratic lower levels:
 * one Hessian for every x and y). */
static void test_constants(const char *id)
{
    pb__bil_problem *p = open_problem(id);
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    double x[DY] = {0}, y[DY] = {0}, H[DY * DY];
    read_hessian(p, x, y, H);
    double top = top_eigenvalue(H, o->dy, 0.0);
    /* H - top I is negative semidefinite: power iteration finds its eigenvalue of largest
     * magnitude, lambda_min - top. */
    double low = top + top_eigenvalue(H, o->dy, top);
    CHECK(o->l_g > 0 && fabs(o->l_g - top) <= 1e-9 * top && o->mu_g > 0 &&
              fabs(o->mu_g - low) <= 1e-7 * top,
          "%s: l_g %.12g vs lambda_max %.12g, mu_g %.12g vs lambda_min %.12g", id, o->l_g, top,
          o->mu_g, low);
    pb__problem_close(&p->base);
}

static void test_unknown_constants(const char *id)
{
    pb__bil_problem *p = open_problem(id);
    if (!p)
        return;
    CHECK(p->oracle.mu_g == 0.0 && p->oracle.l_g == 0.0,
          "%s: no constant for every x: mu_g and l_g are 0 (unknown)", id);
    pb__problem_close(&p->base);
}

/* bilevel-maid-quadratic-i1: the data's shape and the closed form at the host's x*. */
static void test_maid_quadratic(void)
{
    pb__bil_problem *p = open_problem("bilevel-maid-quadratic-i1");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    enum { Q = 10 };
    int y0_ok = 1;
    for (uint32_t i = 0; i < Q; i++)
        y0_ok = y0_ok && o->x0[i] == 1.0 && o->y0[i] >= 0.0 && o->y0[i] < 1.0;
    CHECK(o->dx == Q && o->dy == Q && o->n_inner == 0 && y0_ok,
          "bilevel-maid-quadratic-i1: dx = dy = 10, not a finite sum, x0 = 1, y0 in [0, 1)");
    /* Phi's gradient with this file's solves: y* = -G^-1 grad_y g(x, 0), z* = G^-1 grad_y f,
     * grad Phi = grad_x f - cross(z*). */
    double H[Q * Q], zero[Q] = {0}, ys[Q], gx[Q];
    read_hessian(p, zero, zero, H);
    const double *xs = p->x_opt;
    quadratic_grad_phi(p, H, o->x0, ys, gx);
    double scale = norm(gx, Q);
    quadratic_grad_phi(p, H, xs, ys, gx);
    double fv;
    o->f_value(o, xs, ys, PB_BILEVEL_EXACT, &fv);
    CHECK(norm(gx, Q) <= 1e-9 * scale && fabs(fv - p->phi_opt) <= 1e-9 * fmax(1.0, fv),
          "at the host's x*: |grad Phi| %.1e (%.1e at x0) from this file's solves; Phi* %.10g, "
          "f(x*, y*) %.10g", norm(gx, Q), scale, p->phi_opt, fv);
    /* f is a sum of squares over 1000 rows: its value at y = 0 is 1/2 |b1|^2, where each
     * entry of b1 = A1 x1 + 0.01 e1 has mean sum(x1) / 2 (U[0, 1) A1) with sum(x1) in
     * [2, 8] but for odds of 1e-3: 1/2 |b1|^2 is between 1000 (1 + 0) / 2 and 1000 (16 + 6) / 2. */
    o->f_value(o, zero, zero, PB_BILEVEL_EXACT, &fv);
    CHECK(fv > 500.0 && fv < 11000.0, "f(., 0) = 1/2 |b1|^2 = %.1f for 1000 rows", fv);
    pb__problem_close(&p->base);
}

/* h_k(x, y) of p, for central differences. */
static double h_k(pb__bil_problem *p, const double *x, const double *y, uint32_t k)
{
    double out[2];
    p->oracle.h(&p->oracle, x, y, PB_BILEVEL_EXACT, out);
    return out[k];
}

/*
 * bilevel-lvhba-toy-d100: the constraint oracles against central differences of h along
 * random directions, their accounting, and the closed form: the host's y*(x) is feasible
 * and satisfies the lower level's KKT conditions with the multiplier mu = -1 of s = 0, the
 * host's grad Phi matches central differences of its Phi, and at x* = -0.3 the authors'
 * y1* = 0.7, y2* = -0.4, grad Phi = 0 and Phi* = 5.
 */
static void test_lvhba_toy(void)
{
    pb__bil_problem *p = open_problem("bilevel-lvhba-toy-d100");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    enum { N = 100 };
    CHECK(o->dx == N && o->dy == 2 * N && o->n_constraints == 2 && o->h && o->jac_x_h &&
              o->jac_y_h && o->mu_g == 0.0,
          "bilevel-lvhba-toy-d100: dx 100, dy 200, 2 constraints, mu_g unknown");
    pb_rng rng;
    pb_rng_seed(&rng, 31, 0);
    double x[N], y[2 * N], ux[N], uy[2 * N], xp[N], xm[N], yp[2 * N], ym[2 * N], jx[N],
        jy[2 * N];
    for (uint32_t i = 0; i < N; i++) {
        x[i] = pb_rng_normal(&rng);
        ux[i] = pb_rng_normal(&rng);
    }
    for (uint32_t i = 0; i < 2 * N; i++) {
        y[i] = pb_rng_normal(&rng);
        uy[i] = pb_rng_normal(&rng);
    }
    double t = 1e-5, worst = 0.0;
    for (uint32_t i = 0; i < N; i++) {
        xp[i] = x[i] + t * ux[i];
        xm[i] = x[i] - t * ux[i];
    }
    for (uint32_t i = 0; i < 2 * N; i++) {
        yp[i] = y[i] + t * uy[i];
        ym[i] = y[i] - t * uy[i];
    }
    p->base.cost = 0;
    for (uint32_t k = 0; k < 2; k++) {
        double lambda[2] = {k == 0, k == 1};
        o->jac_x_h(o, x, y, lambda, PB_BILEVEL_EXACT, jx);
        o->jac_y_h(o, x, y, lambda, PB_BILEVEL_EXACT, jy);
        double fd = (h_k(p, xp, yp, k) - h_k(p, xm, ym, k)) / (2 * t);
        double an = dot(jx, ux, N) + dot(jy, uy, 2 * N);
        worst = fmax(worst, fabs(fd - an) / fmax(1.0, fabs(an)));
    }
    CHECK(worst < 1e-8 && p->base.cost == 8 && p->calls[PB__BIL_H] == 4 &&
              p->calls[PB__BIL_JAC_X_H] == 2 && p->calls[PB__BIL_JAC_Y_H] == 2,
          "constraint Jacobians (transposed, times e_k) vs central differences of h_k along "
          "(x, y): relative error %.1e; 8 calls counted 1 each", worst);
    double out[2] = {42.0, 42.0};
    double r = o->h(o, x, y, PB_BILEVEL_STOCHASTIC, out);
    CHECK(isnan(r) && out[0] == 42.0 && p->base.cost == 8,
          "the constraint oracles refuse a mode other than exact, uncounted");
    /* The host's y*(x) at a random x: feasible, and KKT with mu = -1. */
    double ys[2 * N], gy[2 * N], hs[2], lam[2] = {0.0, 1.0}; /* mu = l0 - l1 = -1 */
    p->fns->y_star(p, x, ys);
    o->h(o, x, ys, PB_BILEVEL_EXACT, hs);
    o->grad_y_g(o, x, ys, PB_BILEVEL_EXACT, gy);
    o->jac_y_h(o, x, ys, lam, PB_BILEVEL_EXACT, jy);
    for (uint32_t i = 0; i < 2 * N; i++)
        gy[i] += jy[i];
    CHECK(fabs(hs[0]) < 1e-11 && norm(gy, 2 * N) < 1e-12,
          "the host's y*(x) is feasible (s = %.1e) and stationary for the lower Lagrangian "
          "with mu = -1 (%.1e)", hs[0], norm(gy, 2 * N));
    /* grad Phi vs central differences of the host's Phi. */
    double g[N], fdg[N];
    pb__bil_grad_phi(p, x, g);
    for (uint32_t i = 0; i < N; i++) {
        double keep = x[i];
        x[i] = keep + 1e-5;
        double up = pb__bil_phi(p, x);
        x[i] = keep - 1e-5;
        double down = pb__bil_phi(p, x);
        x[i] = keep;
        fdg[i] = (up - down) / 2e-5;
    }
    CHECK(rel(g, fdg, N) < 1e-8, "grad Phi vs central differences of Phi: %.1e", rel(g, fdg, N));
    const double *xs = p->x_opt;
    p->fns->y_star(p, xs, ys);
    pb__bil_grad_phi(p, xs, g);
    double e1 = 0.0, e2 = 0.0;
    for (uint32_t i = 0; i < N; i++) {
        e1 = fmax(e1, fabs(ys[i] - 0.7) + fabs(xs[i] + 0.3));
        e2 = fmax(e2, fabs(ys[N + i] + 0.4));
    }
    CHECK(e1 < 1e-13 && e2 < 1e-13 && norm(g, N) < 1e-12 && fabs(p->phi_opt - 5.0) < 1e-12,
          "x* = -0.3, y1* = 0.7, y2* = -0.4 (the paper's; %.1e, %.1e), grad Phi(x*) = %.1e, "
          "Phi* = %.15g", e1, e2, norm(g, N), p->phi_opt);
    pb__problem_close(&p->base);
}

int main(void)
{
    test_values("bilevel-quadratic-i1", 1e-5, 1e-7);
    test_values("bilevel-cosh-d10", 1e-5, 1e-7);
    test_values("bilevel-benchopt-quadratic-i1", 1e-5, 1e-7);
    test_values("bilevel-l2reg-breast-cancer", 1e-5, 1e-7);
    test_values("bilevel-hypercleaning-digits", 1e-5, 1e-6);
    test_values("bilevel-maid-quadratic-i1", 1e-5, 1e-7);
    test_values("bilevel-lvhba-toy-d100", 1e-5, 1e-7);
    test_values("bilevel-tvdenoise-d1-n16", 1e-5, 1e-7);
    test_values("bilevel-tvdenoise-d2-n6", 1e-5, 1e-7);
    test_constants("bilevel-quadratic-i1");
    test_constants("bilevel-maid-quadratic-i1");
    test_unknown_constants("bilevel-l2reg-breast-cancer");
    test_unknown_constants("bilevel-hypercleaning-digits");
    test_maid_quadratic();
    test_lvhba_toy();
    return check_summary("bilevel revisions 2 and 3");
}
