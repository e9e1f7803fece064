/*
 * bilevel-tvdenoise-d<params>-n<images>, against independent computations:
 *   - its data: the clean images read back through grad_y f are digits' first training
 *     images / 16 (read here from datasets/digits/train.csv), and y0 - clean, the noise, has
 *     mean about 0 and standard deviation about 0.1;
 *   - every oracle against central differences: grad_y f and grad_y g of the values along
 *     random directions, hvp_yy_g of grad_y g along v, cross_xy_g of <grad_y g, v> along
 *     each x coordinate, grad_x f = 0; with one and with two learned parameters;
 *   - mu_g = 1/n is the smallest eigenvalue of the lower Hessian (the constant image is an
 *     eigenvector, and Rayleigh quotients at random directions are above it), l_g is 0;
 *   - the fixed batches average to the exact oracles and values, each call costs its images;
 *   - the host's y*(x) is stationary (|grad_y g| below 1e-13), Phi is f there, and the
 *     host's grad Phi matches central differences of its Phi;
 *   - the banded Cholesky solve of its Newton steps equals the dense one to the bit;
 *   - ids out of range are refused with the pattern in the message.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"
#include "dataset.h"
#include "gradcheck.h"

#define PIX 64

/* A random point between the start and the optimum: x0 + 1.5 + 0.5 N(0, 1), y0 + 0.1 N(0, 1). */
static void random_point(const pb_bilevel *o, pb_rng *rng, double *x, double *y)
{
    for (uint32_t i = 0; i < o->dx; i++)
        x[i] = o->x0[i] + 1.5 + 0.5 * pb_rng_normal(rng);
    for (uint32_t i = 0; i < o->dy; i++)
        y[i] = o->y0[i] + 0.1 * pb_rng_normal(rng);
}

/* The central difference of a value oracle along (ux, uy) at (x, y), step t. */
static double value_along(const pb_bilevel *o, int upper, const double *x, const double *y,
                          const double *ux, const double *uy, double t)
{
    double *xp = gc_zeros(o->dx), *yp = gc_zeros(o->dy), v[2];
    for (int k = 0; k < 2; k++) {
        double s = k ? -t : t;
        for (uint32_t i = 0; i < o->dx; i++)
            xp[i] = x[i] + s * ux[i];
        for (uint32_t i = 0; i < o->dy; i++)
            yp[i] = y[i] + s * uy[i];
        (upper ? o->f_value : o->g_value)(o, xp, yp, PB_BILEVEL_EXACT, &v[k]);
    }
    free(xp), free(yp);
    return (v[0] - v[1]) / (2 * t);
}

static void test_data(void)
{
    pb__bil_problem *p = open_problem("bilevel-tvdenoise-d1-n16");
    if (!p)
        return;
    const pb_bilevel *o = &p->oracle;
    CHECK(o->dx == 1 && o->dy == 16 * PIX && o->n_inner == 16 && o->n_outer == 16 &&
              o->batch_size == 4 && o->x0[0] == -5.0 && o->noise == 0.0 && !o->h,
          "d1-n16: dx 1, dy 1024, a finite sum of 16 images in batches of 4, x0 = -5");
    char path[4096], err[512];
    snprintf(path, sizeof path, "%s/digits/train.csv", pb__dataset_dir());
    pb__dataset ds;
    if (pb__dataset_read_csv(path, &ds, err, sizeof err) != 0) {
        CHECK(0, "%s", err);
        pb__problem_close(&p->base);
        return;
    }
    /* grad_y f(x, 0) = -(1/n) clean. */
    double *zero = gc_zeros(o->dy), *g = gc_zeros(o->dy);
    o->grad_y_f(o, o->x0, zero, PB_BILEVEL_EXACT, g);
    double worst = 0.0, mean = 0.0, var = 0.0;
    for (uint32_t i = 0; i < o->dy; i++) {
        double clean = -16.0 * g[i];
        worst = fmax(worst, fabs(clean - ds.x[i] / 16.0));
        mean += (o->y0[i] - clean) / o->dy;
    }
    for (uint32_t i = 0; i < o->dy; i++)
        var += pow(o->y0[i] + 16.0 * g[i] - mean, 2) / o->dy;
    CHECK(worst < 1e-15 && fabs(mean) < 0.01 && fabs(sqrt(var) - 0.1) < 0.01,
          "clean images = digits' first 16 / 16 (%.1e); y0 = clean + noise of mean %.4f and "
          "sd %.4f (0.1)", worst, mean, sqrt(var));
    pb__dataset_free(&ds);
    free(zero), free(g);
    pb__problem_close(&p->base);
}

/* Every oracle against central differences on p. */
static void test_oracles(pb__bil_problem *p)
{
    const char *id = p->base.id;
    const pb_bilevel *o = &p->oracle;
    uint32_t dx = o->dx, dy = o->dy;
    pb_rng rng;
    pb_rng_seed(&rng, 16, 0);
    double *x = gc_zeros(dx), *y = gc_zeros(dy), *ux = gc_zeros(dx), *uy = gc_zeros(dy),
           *zx = gc_zeros(dx), *v = gc_zeros(dy), *gy = gc_zeros(dy), *gx = gc_zeros(dx),
           *hv = gc_zeros(dy), *fd = gc_zeros(dy), *yp = gc_zeros(dy), *cr = gc_zeros(dx);
    random_point(o, &rng, x, y);
    for (uint32_t i = 0; i < dx; i++)
        ux[i] = pb_rng_normal(&rng);
    for (uint32_t i = 0; i < dy; i++) {
        uy[i] = pb_rng_normal(&rng);
        v[i] = pb_rng_normal(&rng);
    }
    double t = 1e-6, err[5];
    /* grad_y f and grad_x f (= 0) along (ux, uy) from f_value; grad_y g along uy. */
    o->grad_y_f(o, x, y, PB_BILEVEL_EXACT, gy);
    o->grad_x_f(o, x, y, PB_BILEVEL_EXACT, gx);
    double an = dot(gy, uy, dy) + dot(gx, ux, dx);
    err[0] = fabs(value_along(o, 1, x, y, ux, uy, t) - an) / fabs(an) + norm(gx, dx);
    o->grad_y_g(o, x, y, PB_BILEVEL_EXACT, gy);
    an = dot(gy, uy, dy);
    err[1] = fabs(value_along(o, 0, x, y, zx, uy, t) - an) / fabs(an);
    /* hvp: (grad_y g(y + t v) - grad_y g(y - t v)) / 2t. */
    o->hvp_yy_g(o, x, y, v, PB_BILEVEL_EXACT, hv);
    for (int k = 0; k < 2; k++) {
        for (uint32_t i = 0; i < dy; i++)
            yp[i] = y[i] + (k ? -t : t) * v[i];
        o->grad_y_g(o, x, yp, PB_BILEVEL_EXACT, gy);
        for (uint32_t i = 0; i < dy; i++)
            fd[i] = k ? (fd[i] - gy[i]) / (2 * t) : gy[i];
    }
    err[2] = rel(hv, fd, dy);
    /* cross: d/dx_i <grad_y g(x, y), v>. */
    o->cross_xy_g(o, x, y, v, PB_BILEVEL_EXACT, cr);
    err[3] = 0.0;
    for (uint32_t i = 0; i < dx; i++) {
        double keep = x[i], s[2];
        for (int k = 0; k < 2; k++) {
            x[i] = keep + (k ? -t : t);
            o->grad_y_g(o, x, y, PB_BILEVEL_EXACT, gy);
            s[k] = dot(gy, v, dy);
        }
        x[i] = keep;
        err[3] = fmax(err[3], fabs((s[0] - s[1]) / (2 * t) - cr[i]) / fmax(fabs(cr[i]), 1e-8));
    }
    /* f and g's curvature in y is at least mu_g = 1/n: Rayleigh quotient at v, and exactly
     * 1/n along the constant image. */
    double rq = dot(v, hv, dy) / dot(v, v, dy);
    for (uint32_t i = 0; i < dy; i++)
        v[i] = 1.0;
    o->hvp_yy_g(o, x, y, v, PB_BILEVEL_EXACT, hv);
    err[4] = 0.0;
    for (uint32_t i = 0; i < dy; i++)
        err[4] = fmax(err[4], fabs(hv[i] - o->mu_g));
    CHECK(err[0] < 1e-7 && err[1] < 1e-7 && err[2] < 1e-7 && err[3] < 1e-6,
          "%s: grad f, grad_y g, hvp, cross vs central differences: %.1e %.1e %.1e %.1e", id,
          err[0], err[1], err[2], err[3]);
    CHECK(o->mu_g == 1.0 / o->n_inner && o->l_g == 0.0 && err[4] < 1e-15 && rq > o->mu_g,
          "%s: mu_g = 1/n, the Hessian's eigenvalue along the constant image (%.1e), below "
          "the Rayleigh quotient %.3g at a random direction; l_g = 0 (grows with exp(x))",
          id, err[4], rq);
    free(x), free(y), free(ux), free(uy), free(zx), free(v), free(gy), free(gx), free(hv),
        free(fd), free(yp), free(cr);
}

/* The fixed batches average to the exact oracle and value; calls cost their images
 * (bilevel-tvdenoise-d2-n6). */
static void test_batches(pb__bil_problem *p)
{
    const pb_bilevel *o = &p->oracle;
    uint32_t dy = o->dy; /* 6 images in batches of 4: sizes 4 and 2 */
    pb_rng rng;
    pb_rng_seed(&rng, 17, 0);
    double x[2], *y = gc_zeros(dy), *ex = gc_zeros(dy), *b = gc_zeros(dy), *sum = gc_zeros(dy);
    random_point(o, &rng, x, y);
    p->base.cost = 0;
    o->grad_y_g(o, x, y, PB_BILEVEL_EXACT, ex);
    double gv, bv, sv = 0.0;
    o->g_value(o, x, y, PB_BILEVEL_EXACT, &gv);
    uint64_t exact_cost = p->base.cost;
    for (uint32_t j = 0; j < 2; j++) {
        double size = j ? 2.0 : 4.0;
        o->grad_y_g(o, x, y, PB_BILEVEL_BATCH(j), b);
        o->g_value(o, x, y, PB_BILEVEL_BATCH(j), &bv);
        for (uint32_t i = 0; i < dy; i++)
            sum[i] += b[i] * size / 6.0;
        sv += bv * size / 6.0;
    }
    CHECK(exact_cost == 12 && p->base.cost == 24 && rel(sum, ex, dy) < 1e-14 &&
              fabs(sv - gv) < 1e-14 * fabs(gv),
          "d2-n6: exact calls cost 6 each (%llu), batches 4 and 2; the batches' weighted "
          "means are the exact grad_y g (%.1e) and g (%.1e)", (unsigned long long)exact_cost,
          rel(sum, ex, dy), fabs(sv - gv));
    free(y), free(ex), free(b), free(sum);
}

/* The host's y* and grad Phi at a point of d2-n3 (two parameters, both derivatives). */
static void test_host(pb__bil_problem *p)
{
    const pb_bilevel *o = &p->oracle;
    double x[2] = {-3.5, -3.0}, g[2], fdg[2], *ys = gc_zeros(o->dy), *gy = gc_zeros(o->dy);
    p->fns->y_star(p, x, ys);
    o->grad_y_g(o, x, ys, PB_BILEVEL_EXACT, gy);
    double fv, phi = pb__bil_phi(p, x);
    o->f_value(o, x, ys, PB_BILEVEL_EXACT, &fv);
    pb__bil_grad_phi(p, x, g);
    for (uint32_t i = 0; i < 2; i++) {
        double keep = x[i], s[2];
        for (int k = 0; k < 2; k++) {
            x[i] = keep + (k ? -1e-5 : 1e-5);
            s[k] = pb__bil_phi(p, x);
        }
        x[i] = keep;
        fdg[i] = (s[0] - s[1]) / 2e-5;
    }
    CHECK(norm(gy, o->dy) < 1e-13 && phi == fv && rel(g, fdg, 2) < 1e-7,
          "d2-n3: the host's y* is stationary (|grad_y g| %.1e), Phi = f(x, y*), grad Phi "
          "(%.6g, %.6g) vs central differences of Phi: %.1e", norm(gy, o->dy), g[0], g[1],
          rel(g, fdg, 2));
    free(ys), free(gy);
}

/*
 * The banded Cholesky solve the host's Newton uses (band 8 for an image's Hessian) against
 * the dense one on the same matrix: a random symmetric band, diagonally dominant, with
 * random entries above the band in the dense copy's strict upper triangle and garbage
 * outside the band in the banded copy, neither of which may be read. The solutions agree to
 * the bit, and the dense one solves the system.
 */
static void test_band_cholesky(void)
{
    enum { N = PIX, BAND = 8 };
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    double *S = gc_zeros(N * N), *dense = gc_zeros(N * N), *band = gc_zeros(N * N);
    double b[N], u[N], ub[N];
    for (uint32_t i = 0; i < N; i++) {
        b[i] = pb_rng_normal(&rng);
        for (uint32_t k = i > BAND ? i - BAND : 0; k < i; k++)
            S[i * N + k] = S[k * N + i] = pb_rng_uniform_in(&rng, -1.0, 1.0);
    }
    for (uint32_t i = 0; i < N; i++)
        S[i * N + i] = 2.0 * BAND + pb_rng_uniform(&rng);
    for (uint32_t i = 0; i < N; i++)
        for (uint32_t k = 0; k < N; k++) {
            int lower = k <= i;
            dense[i * N + k] = lower ? S[i * N + k] : 1e300;
            band[i * N + k] = lower && k + BAND >= i ? S[i * N + k] : NAN;
        }
    memcpy(u, b, sizeof b);
    memcpy(ub, b, sizeof b);
    int rd = pb__bil_cholesky_solve(dense, N, u);
    int rb = pb__bil_band_cholesky_solve(band, N, BAND, ub);
    double worst = 0.0;
    for (uint32_t i = 0; i < N; i++) {
        double r = -b[i];
        for (uint32_t k = 0; k < N; k++)
            r += S[i * N + k] * u[k];
        worst = fmax(worst, fabs(r));
    }
    CHECK(rd == 0 && rb == 0 && memcmp(u, ub, sizeof u) == 0 && worst < 1e-12,
          "banded (band %d) and dense Cholesky solves of a %d x %d band: identical, residual "
          "%.1e", BAND, N, N, worst);
    free(S), free(dense), free(band);
}

static void test_ids(void)
{
    const char *bad[] = {"bilevel-tvdenoise-d3-n4", "bilevel-tvdenoise-d1-n0",
                         "bilevel-tvdenoise-d1-n1439", "bilevel-tvdenoise-d1-n+4",
                         "bilevel-tvdenoise-d1", "bilevel-tvdenoise-d1-n4x"};
    for (int i = 0; i < 6; i++) {
        pb__problem *p = NULL;
        char err[512] = "";
        CHECK(pb__problem_open(bad[i], &p, err, sizeof err) == -1 && strstr(err, bad[i]) &&
                  strstr(err, "bilevel-tvdenoise-d<params>-n<images>"),
              "%s is refused: %s", bad[i], err);
    }
}

/* Runs test on problem id, opened for it and closed after. */
static void on(const char *id, void (*test)(pb__bil_problem *p))
{
    pb__bil_problem *p = open_problem(id);
    if (p) {
        test(p);
        pb__problem_close(&p->base);
    }
}

int main(void)
{
    test_data();
    on("bilevel-tvdenoise-d1-n16", test_oracles);
    on("bilevel-tvdenoise-d2-n3", test_oracles);
    on("bilevel-tvdenoise-d2-n6", test_batches);
    on("bilevel-tvdenoise-d2-n3", test_host);
    test_band_cholesky();
    test_ids();
    return check_summary("bilevel tvdenoise");
}
