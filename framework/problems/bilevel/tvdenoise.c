/*
 * bilevel-tvdenoise-d<params>-n<images>: MAID's image-processing experiment
 * (TV_denoising.py in Salehi, Mukherjee, Roberts, Ehrhardt's code) at CPU size: learning the
 * weight (params 1) or the weight and the smoothing (params 2) of a smoothed total-variation
 * denoiser on the first n (1 to 1438) 8x8 images of datasets/digits/train.csv, pixels
 * scaled from 0..16 to [0, 1] (clean images c_j). Each gets Gaussian noise of standard
 * deviation SIGMA, drawn pixel by pixel, image after image, from pb_rng seed NOISE_SEED,
 * stream 0 (so the first images of a larger n are noised alike): observations z_j. With
 * w = exp(x_1), nu = exp(x_2) (params 2) or NU (params 1), y = (y_1 .. y_n) in R^(64 n):
 *     g(x, y) = (1/n) sum_j [1/2 |y_j - z_j|^2 + w TV_nu(y_j)],
 *     f(x, y) = (1/n) sum_j 1/2 |y_j - c_j|^2                 (the denoising error),
 *     TV_nu(u) = sum over horizontally and vertically adjacent pixels p, q of
 *                sqrt((u_p - u_q)^2 + nu^2),
 * the authors' TV2D (forward differences, no boundary term, each direction smoothed on its
 * own); their weight carries a factor 1/2 that ours does not (their theta_1 is our
 * x_1 + log 2). x0 = -5 (every coordinate; the authors' start), y0 = z (the
 * observations). Both levels are finite sums over the images (the samples: a call costs
 * the images it averages over), in fixed batches of BATCH images, so that a budget buys
 * the same work whatever n; the authors' experiment is full batch, the exact mode here.
 * Constants: the Hessian of g is (1/n) (I + w D^T diag(nu^2 / s^3) D), and the constant
 * image is in the kernel of D, so mu_g = 1/n exactly; its largest eigenvalue grows with
 * w / nu without bound in x, so l_g is 0 (unknown).
 * y*(x) is computed by the host image by image with damped Newton steps (64 x 64 banded
 * Cholesky solves) to |grad| < Y_TOL, started from the last y* solved: the work depends on
 * the history, the stopping test does not (each image's energy is 1-strongly convex, so y*
 * is within Y_TOL of the exact one). Phi* and x* are not known: the main metric is Phi(x)
 * itself, x_dist is NaN, test_accuracy NaN.
 */
#include "bil_problem.h"
#include "dataset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIDE 8
#define P (SIDE * SIDE)              /* pixels of an image */
#define E (2 * SIDE * (SIDE - 1))    /* adjacent pairs: 56 horizontal, then 56 vertical */
#define MAX_IMAGES 1438              /* the rows of digits' train.csv */
#define SIGMA 0.1                    /* the authors' noise level on [0, 1] images */
#define NU 0.01                      /* the smoothing when only the weight is learned */
#define NOISE_SEED 20230820u
#define BATCH 4                      /* images per fixed batch */
#define Y_TOL 1e-12                  /* |grad| of each image's energy at the host's y* */

typedef struct tv {
    uint32_t n, d;          /* images, learned parameters */
    double *clean, *noisy;  /* n x P */
    double S[P * P];        /* a Hessian, then its Cholesky factor */
    /* The last y*(x) solved (n x P): the host measures Phi and its gradient at one x in
     * turn. */
    int cached;
    double cache_x[2], *cache_y;
} tv;

/* Frees the model: its one block of images (clean, noisy and cache_y in turn), then it. */
static void tv_free(void *model)
{
    if (model)
        free(((tv *)model)->clean);
    free(model);
}

/* The pixels a and b of adjacent pair k (b right of or below a). */
static void pair(uint32_t k, uint32_t *a, uint32_t *b)
{
    if (k < E / 2) {
        *a = SIDE * (k / (SIDE - 1)) + k % (SIDE - 1);
        *b = *a + 1;
    } else {
        *a = k - E / 2;
        *b = *a + SIDE;
    }
}

/* The weight w and smoothing nu at x. */
static void weights(const tv *m, const double *x, double *w, double *nu)
{
    *w = exp(x[0]);
    *nu = m->d == 2 ? exp(x[1]) : NU;
}

/* One image's energy 1/2 |u - z|^2 + w TV_nu(u) (w = 0: the squared error alone). */
static double energy(const double *u, const double *z, double w, double nu)
{
    double s = 0.0;
    for (uint32_t i = 0; i < P; i++)
        s += 0.5 * (u[i] - z[i]) * (u[i] - z[i]);
    double t = 0.0;
    for (uint32_t k = 0; w != 0.0 && k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a];
        t += sqrt(dd * dd + nu * nu);
    }
    return s + w * t;
}

/* out += scale grad of energy(., z, w, nu) at u (w = 0: of the squared error alone). */
static void energy_grad(const double *u, const double *z, double w, double nu, double scale,
                        double *out)
{
    for (uint32_t i = 0; i < P; i++)
        out[i] += scale * (u[i] - z[i]);
    for (uint32_t k = 0; w != 0.0 && k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a], c = scale * w * dd / sqrt(dd * dd + nu * nu);
        out[b] += c;
        out[a] -= c;
    }
}

/* out += scale (I + w D^T diag(nu^2 / s^3) D) v, the energy's Hessian at u times v. */
static void energy_hvp(const double *u, const double *v, double w, double nu, double scale,
                       double *out)
{
    for (uint32_t i = 0; i < P; i++)
        out[i] += scale * v[i];
    for (uint32_t k = 0; k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a], s2 = dd * dd + nu * nu;
        double c = scale * w * nu * nu / (s2 * sqrt(s2)) * (v[b] - v[a]);
        out[b] += c;
        out[a] -= c;
    }
}

/* d/dx <grad_u energy(u), v> added, times scale, to out (d doubles): along x_1 (log w)
 * w <psi, D v> with psi = D u / s, along x_2 (log nu) -w <nu^2 D u / s^3, D v>. */
static void energy_cross(const double *u, const double *v, double w, double nu, uint32_t d,
                         double scale, double *out)
{
    for (uint32_t k = 0; k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a], dv = v[b] - v[a], s2 = dd * dd + nu * nu, s = sqrt(s2);
        out[0] += scale * w * dd / s * dv;
        if (d == 2)
            out[1] -= scale * w * nu * nu * dd / (s2 * s) * dv;
    }
}

/* d/dx of the energy at u added, times scale, to out (d doubles): the term w TV_nu(u) is
 * the one that depends on x, so along x_1 (log w) w TV_nu(u), along x_2 (log nu)
 * w sum nu^2 / s. */
static void energy_grad_x(const double *u, double w, double nu, uint32_t d, double scale,
                          double *out)
{
    for (uint32_t k = 0; k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a], s = sqrt(dd * dd + nu * nu);
        out[0] += scale * w * s;
        if (d == 2)
            out[1] += scale * w * nu * nu / s;
    }
}

/* The finite sums' batch oracle: the mean over images [lo, hi) of the terms of oracle
 * `which` (PB__BIL_GRAD_X_F ...; v is NULL for the gradients), each image's in its own
 * block of y, into out. */
static void tv_batch(pb__bil_problem *p, int which, const double *x, const double *y,
                     const double *v, uint32_t lo, uint32_t hi, double *out)
{
    tv *m = p->model;
    int of_x = which == PB__BIL_GRAD_X_F || which == PB__BIL_CROSS_XY_G ||
               which == PB__BIL_GRAD_X_G;
    memset(out, 0, (of_x ? p->oracle.dx : p->oracle.dy) * sizeof(double));
    double w, nu, scale = 1.0 / (hi - lo);
    weights(m, x, &w, &nu);
    for (uint32_t j = lo; j < hi && which != PB__BIL_GRAD_X_F; j++) { /* f is free of x */
        const double *u = y + (size_t)j * P;
        double *o = out + (size_t)j * P;
        if (which == PB__BIL_GRAD_Y_F)
            energy_grad(u, m->clean + (size_t)j * P, 0.0, 0.0, scale, o);
        else if (which == PB__BIL_GRAD_Y_G)
            energy_grad(u, m->noisy + (size_t)j * P, w, nu, scale, o);
        else if (which == PB__BIL_HVP_YY_G)
            energy_hvp(u, v + (size_t)j * P, w, nu, scale, o);
        else if (which == PB__BIL_GRAD_X_G)
            energy_grad_x(u, w, nu, m->d, scale, out);
        else
            energy_cross(u, v + (size_t)j * P, w, nu, m->d, scale, out);
    }
}

/* The mean over images [lo, hi) of f's terms (which PB__BIL_F_VALUE) or g's. */
static double tv_batch_value(pb__bil_problem *p, int which, const double *x, const double *y,
                             uint32_t lo, uint32_t hi)
{
    tv *m = p->model;
    double w, nu, s = 0.0;
    weights(m, x, &w, &nu);
    for (uint32_t j = lo; j < hi; j++) {
        const double *u = y + (size_t)j * P;
        s += which == PB__BIL_F_VALUE ? energy(u, m->clean + (size_t)j * P, 0.0, 0.0)
                                      : energy(u, m->noisy + (size_t)j * P, w, nu);
    }
    return s / (hi - lo);
}

static double tv_f(pb__bil_problem *p, const double *x, const double *y)
{
    return tv_batch_value(p, PB__BIL_F_VALUE, x, y, 0, ((tv *)p->model)->n);
}

static double tv_g(pb__bil_problem *p, const double *x, const double *y)
{
    return tv_batch_value(p, PB__BIL_G_VALUE, x, y, 0, ((tv *)p->model)->n);
}

/* Solves (I + w D^T diag(nu^2 / s^3) D) out = r for one image at u (out may be r);
 * -1 when the factorization fails (a NaN in u). Adjacent pixels are at most SIDE apart, so
 * the matrix is banded: only its lower band is set, and factored. */
static int image_solve(tv *m, const double *u, double w, double nu, const double *r,
                       double *out)
{
    for (uint32_t i = 0; i < P; i++)
        for (uint32_t k = i > SIDE ? i - SIDE : 0; k <= i; k++)
            m->S[i * P + k] = k == i ? 1.0 : 0.0;
    for (uint32_t k = 0; k < E; k++) {
        uint32_t a, b;
        pair(k, &a, &b);
        double dd = u[b] - u[a], s2 = dd * dd + nu * nu, c = w * nu * nu / (s2 * sqrt(s2));
        m->S[a * P + a] += c;
        m->S[b * P + b] += c;
        m->S[b * P + a] -= c; /* the lower triangle is what the factorization reads */
    }
    memmove(out, r, P * sizeof(double));
    return pb__bil_band_cholesky_solve(m->S, P, SIDE, out);
}

/* (grad_yy g)^-1 v = n (I + ...)^-1 v image by image. */
static void tv_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    tv *m = p->model;
    double w, nu;
    weights(m, x, &w, &nu);
    for (uint32_t j = 0; j < m->n; j++) {
        double *o = out + (size_t)j * P;
        if (image_solve(m, y + (size_t)j * P, w, nu, v + (size_t)j * P, o) != 0) {
            for (uint32_t i = 0; i < m->n * P; i++)
                out[i] = NAN;
            return;
        }
        for (uint32_t i = 0; i < P; i++)
            o[i] *= m->n;
    }
}

/*
 * One image's y* in place on u (which starts at z): damped Newton steps to |grad| < Y_TOL, at
 * most 100, with Armijo backtracking while the predicted decrease is above the energy's
 * rounding; below it the test cannot tell, and the full step is taken, where Newton
 * converges quadratically (as bilevel-l2reg's host does).
 */
static void image_newton(tv *m, const double *z, double w, double nu, double *u)
{
    double g[P], step[P], trial[P];
    for (int it = 0; it < 100; it++) {
        memset(g, 0, sizeof g);
        energy_grad(u, z, w, nu, 1.0, g);
        double gn = 0.0;
        for (uint32_t i = 0; i < P; i++)
            gn += g[i] * g[i];
        if (!(sqrt(gn) >= Y_TOL))
            return; /* converged (or NaN: Phi is then NaN, measured as nonfinite) */
        if (image_solve(m, u, w, nu, g, step) != 0) {
            u[0] = NAN;
            return;
        }
        double e0 = energy(u, z, w, nu), dec = 0.0, t = 1.0;
        for (uint32_t i = 0; i < P; i++)
            dec += g[i] * step[i];
        int damped = dec > 1e-13 * fabs(e0);
        for (int ls = 0; ls < 60; ls++, t *= 0.5) {
            for (uint32_t i = 0; i < P; i++)
                trial[i] = u[i] - t * step[i];
            if (!damped || energy(trial, z, w, nu) <= e0 - 0.25 * t * dec)
                break;
        }
        memcpy(u, trial, sizeof trial);
    }
}

/* y*(x) image by image, each from the last y* solved (the observations at first): the
 * host measures at checkpoints along a run, where x moves little, and the stopping test,
 * not the start, sets the accuracy. The same x as last time returns the cached y* at once. */
static void tv_y_star(pb__bil_problem *p, const double *x, double *y)
{
    tv *m = p->model;
    size_t bytes = (size_t)m->n * P * sizeof(double);
    if (m->cached && memcmp(x, m->cache_x, m->d * sizeof(double)) == 0) {
        memcpy(y, m->cache_y, bytes);
        return;
    }
    double w, nu;
    weights(m, x, &w, &nu);
    memcpy(y, m->cached ? m->cache_y : m->noisy, bytes);
    for (uint32_t j = 0; j < m->n; j++)
        image_newton(m, m->noisy + (size_t)j * P, w, nu, y + (size_t)j * P);
    memcpy(m->cache_x, x, m->d * sizeof(double));
    memcpy(m->cache_y, y, bytes);
    m->cached = 1;
}

/* The model of d parameters on n images: digits' first n training images and their noisy
 * observations; NULL with a message in err. */
static tv *tv_new(uint32_t d, uint32_t n, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/digits/train.csv", pb__dataset_dir());
    pb__dataset ds;
    if (pb__dataset_read_csv(path, &ds, err, errlen) != 0)
        return NULL;
    tv *m = calloc(1, sizeof *m);
    if (m && (m->clean = malloc(3 * (size_t)n * P * sizeof(double)))) {
        m->noisy = m->clean + (size_t)n * P;
        m->cache_y = m->noisy + (size_t)n * P;
    }
    if (ds.d != P || ds.n < n) {
        snprintf(err, errlen, "%s: expected %u pixels and at least %u images, found %u and %u",
                 path, P, n, ds.d, ds.n);
        tv_free(m);
        m = NULL;
    } else if (!m || !m->clean) {
        snprintf(err, errlen, "out of memory");
        tv_free(m);
        m = NULL;
    } else {
        m->n = n;
        m->d = d;
        pb_rng rng;
        pb_rng_seed(&rng, NOISE_SEED, 0);
        for (size_t i = 0; i < (size_t)n * P; i++) {
            m->clean[i] = ds.x[i] / 16.0;
            m->noisy[i] = m->clean[i] + SIGMA * pb_rng_normal(&rng);
        }
    }
    pb__dataset_free(&ds);
    return m;
}

static int open_tv(const pb__family *family, const char *id, pb__problem **out, char *err,
                   size_t errlen)
{
    static const char prefix[] = "bilevel-tvdenoise-";
    if (strncmp(id, prefix, sizeof prefix - 1) != 0)
        return 1;
    const char *rest = id + sizeof prefix - 1;
    unsigned long d = 0, n = 0;
    int used = 0;
    const char *dash_n = strstr(rest, "-n");
    /* %lu alone would also take "+3", " 3" and "-1": digits only. */
    int digits = rest[0] == 'd' && rest[1] >= '0' && rest[1] <= '9' && dash_n &&
                 dash_n[2] >= '0' && dash_n[2] <= '9';
    if (!digits || sscanf(rest, "d%lu-n%lu%n", &d, &n, &used) != 2 || rest[used] != '\0' ||
        d < 1 || d > 2 || n < 1 || n > MAX_IMAGES) {
        snprintf(err, errlen, "malformed problem id '%s': expected %s with params 1 or 2 and "
                              "images in [1, %u]", id, family->pattern, MAX_IMAGES);
        return -1;
    }
    tv *m = tv_new((uint32_t)d, (uint32_t)n, err, errlen);
    if (!m)
        return -1;
    static const pb__bil_fns fns = {.f = tv_f, .y_star = tv_y_star, .solve_yy = tv_solve,
                                    .batch_oracle = tv_batch, .g = tv_g,
                                    .batch_value = tv_batch_value};
    pb__bil_problem *p = pb__bil_problem_new((uint32_t)d, (uint32_t)n * P, 0, &fns, m, tv_free,
                                             err, errlen);
    if (!p)
        return -1;
    for (uint32_t i = 0; i < d; i++)
        p->x0[i] = -5.0;
    memcpy(p->y0, m->noisy, (size_t)n * P * sizeof(double));
    pb__bil_finite_sum(p, (uint32_t)n, (uint32_t)n, BATCH);
    p->oracle.mu_g = 1.0 / (double)n;
    *out = &p->base;
    return 0;
}

const pb__family pb__family_bil_tvdenoise = {
    &pb__kind_bilevel, "bilevel-tvdenoise", "bilevel-tvdenoise-d<params>-n<images>",
    "MAID's TV denoising: the weight exp(x_1) (and, params 2, smoothing exp(x_2)) of a "
    "smoothed TV denoiser on n noisy 8x8 digits; upper: squared error (main metric = Phi)",
    open_tv};
