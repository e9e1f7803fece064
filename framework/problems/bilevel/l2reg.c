/*
 * bilevel-l2reg-breast-cancer: hyperparameter learning of per-weight L2 penalties for
 * logistic regression on datasets/breast_cancer (standardized on its training part).
 * The 456 training rows are split in order: the first 304 train the model (the lower
 * level), the last 152 validate it (the upper level); test.csv (113 rows) gives
 * test_accuracy. With a_j = (features, 1) in R^31, b_j = +-1 and lambda = exp(x) in R^31:
 *     g(x, y) = (1/304) sum_j log(1 + exp(-b_j a_j . y)) + 1/2 sum_i (mu0 + exp(x_i)) y_i^2,
 *     f(x, y) = (1/152) sum_i log(1 + exp(-b_i a_i . y))           (validation loss),
 * both finite sums (the penalty in every inner sample), batches of 32; x0 = 0, y0 = 0.
 * mu0 = 1e-3 keeps g strongly convex, so y*(x) stays finite as x -> -inf: the data are
 * nearly separable and without it Phi keeps decreasing towards penalties of 0, where the
 * unregularized y* does not exist.
 * y*(x) is computed by the host with damped Newton steps to |grad_y g| < 1e-15 (within
 * 1e-7 relative, docs/results-schema.md, whatever the history). Phi* and
 * x* are not known: the main metric is Phi(x) itself (the validation loss at y*(x)),
 * x_dist is NaN; test_accuracy is that of y*(x) on test.csv.
 */
#include "bil_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define D 31
#define N_TRAIN 304
#define BATCH 32
#define MU0 1e-3 /* fixed ridge under the learned penalties */

typedef struct lr {
    pb__bil_data data; /* first (pb__bil_data_new); rows of D doubles, labels 1, 0 for +1, -1 */
    double S[D * D];               /* scratch */
    /* The last y*(x) solved: the host measures Phi, its gradient and the test accuracy at
     * one x in turn (see lr_y_star). */
    int cached;
    double cache_x[D], cache_y[D];
} lr;

static double softplus(double t) /* log(1 + exp(t)), stable */
{
    return t > 0 ? t + log1p(exp(-t)) : log1p(exp(t));
}

static double dotd(const double *a, const double *b)
{
    double s = 0.0;
    for (uint32_t i = 0; i < D; i++)
        s += a[i] * b[i];
    return s;
}

/* The sign b_j of a label: +1 for 1, -1 for 0. */
static double sign_of(uint32_t label) { return label ? 1.0 : -1.0; }

/* Mean logistic loss over rows [lo, hi) of r at y; gradient added (scaled by the mean) to
 * grad when not NULL. */
static double logistic(const pb__bil_rows *r, uint32_t lo, uint32_t hi, const double *y,
                       double *grad)
{
    const double *a = r->a;
    double s = 0.0, inv = 1.0 / (hi - lo);
    for (uint32_t j = lo; j < hi; j++) {
        double b = sign_of(r->c[j]), m = b * dotd(a + (size_t)j * D, y);
        s += softplus(-m);
        if (grad) {
            double c = -b * pb__bil_sigmoid(-m) * inv;
            for (uint32_t i = 0; i < D; i++)
                grad[i] += c * a[(size_t)j * D + i];
        }
    }
    return s * inv;
}

/* Logistic Hessian of rows [lo, hi) times v, mean, added to out. */
static void logistic_hvp(const double *a, uint32_t lo, uint32_t hi, const double *y,
                         const double *v, double *out)
{
    double inv = 1.0 / (hi - lo);
    for (uint32_t j = lo; j < hi; j++) {
        const double *aj = a + (size_t)j * D;
        double s = pb__bil_sigmoid(dotd(aj, y)), c = s * (1 - s) * dotd(aj, v) * inv;
        for (uint32_t i = 0; i < D; i++)
            out[i] += c * aj[i];
    }
}

static void lr_batch(pb__bil_problem *p, int which, const double *x, const double *y,
                     const double *v, uint32_t lo, uint32_t hi, double *out)
{
    lr *m = p->model;
    uint32_t n = which == PB__BIL_GRAD_X_F || which == PB__BIL_GRAD_X_G ? p->oracle.dx
                                                                        : p->oracle.dy;
    memset(out, 0, n * sizeof(double));
    switch (which) {
    case PB__BIL_GRAD_X_F:
        break; /* f does not depend on x */
    case PB__BIL_GRAD_Y_F:
        logistic(&m->data.val, lo, hi, y, out);
        break;
    case PB__BIL_GRAD_Y_G:
        logistic(&m->data.tr, lo, hi, y, out);
        for (uint32_t i = 0; i < D; i++)
            out[i] += (MU0 + exp(x[i])) * y[i];
        break;
    case PB__BIL_GRAD_X_G: /* the penalty's, in every sample */
        for (uint32_t i = 0; i < D; i++)
            out[i] = 0.5 * exp(x[i]) * y[i] * y[i];
        break;
    case PB__BIL_HVP_YY_G:
        logistic_hvp(m->data.tr.a, lo, hi, y, v, out);
        for (uint32_t i = 0; i < D; i++)
            out[i] += (MU0 + exp(x[i])) * v[i];
        break;
    default: /* d/dx <grad_y g, v> = exp(x) o y o v */
        for (uint32_t i = 0; i < D; i++)
            out[i] = exp(x[i]) * y[i] * v[i];
        break;
    }
}

static double lr_f(pb__bil_problem *p, const double *x, const double *y)
{
    (void)x;
    lr *m = p->model;
    return logistic(&m->data.val, 0, m->data.val.n, y, NULL);
}

static double lr_g(lr *m, const double *x, const double *y)
{
    double s = logistic(&m->data.tr, 0, m->data.tr.n, y, NULL);
    for (uint32_t i = 0; i < D; i++)
        s += 0.5 * (MU0 + exp(x[i])) * y[i] * y[i];
    return s;
}

static double lr_g_value(pb__bil_problem *p, const double *x, const double *y)
{
    return lr_g(p->model, x, y);
}

/* The mean value over samples [lo, hi) of f's or g's samples (the penalty in each of g's). */
static double lr_batch_value(pb__bil_problem *p, int which, const double *x, const double *y,
                             uint32_t lo, uint32_t hi)
{
    lr *m = p->model;
    if (which == PB__BIL_F_VALUE)
        return logistic(&m->data.val, lo, hi, y, NULL);
    double s = logistic(&m->data.tr, lo, hi, y, NULL);
    for (uint32_t i = 0; i < D; i++)
        s += 0.5 * (MU0 + exp(x[i])) * y[i] * y[i];
    return s;
}

_Static_assert(N_TRAIN % 4 == 0, "hessian takes the rows four at a time");

/* The lower-level Hessian at (x, y) into m->S: its lower triangle, all that the Cholesky
 * factorization reads (the strict upper one stays 0). Four rows at a time: each entry is
 * loaded and stored once for the four and receives their terms c_j a_jr a_jk one after the
 * other, in the order of the rows, so the sums are those of one row at a time to the bit. */
static void hessian(lr *m, const double *x, const double *y)
{
    memset(m->S, 0, sizeof m->S);
    for (uint32_t j = 0; j < N_TRAIN; j += 4) {
        const double *a[4];
        double c[4];
        for (uint32_t q = 0; q < 4; q++) {
            a[q] = m->data.tr.a + (size_t)(j + q) * D;
            double s = pb__bil_sigmoid(dotd(a[q], y));
            c[q] = s * (1 - s) / N_TRAIN;
        }
        for (uint32_t r = 0; r < D; r++) {
            double t0 = c[0] * a[0][r], t1 = c[1] * a[1][r], t2 = c[2] * a[2][r],
                   t3 = c[3] * a[3][r];
            double *row = m->S + r * D;
            for (uint32_t k = 0; k <= r; k++)
                row[k] = row[k] + t0 * a[0][k] + t1 * a[1][k] + t2 * a[2][k] + t3 * a[3][k];
        }
    }
    for (uint32_t i = 0; i < D; i++)
        m->S[i * D + i] += MU0 + exp(x[i]);
}

static void lr_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    lr *m = p->model;
    hessian(m, x, y);
    memcpy(out, v, D * sizeof(double));
    if (pb__bil_cholesky_solve(m->S, D, out) != 0)
        for (uint32_t i = 0; i < D; i++)
            out[i] = NAN;
}

static void newton(pb__bil_problem *p, const double *x, double *y, double *g, double *step,
                   double *trial);

/*
 * Damped Newton from 0 to |grad_y g| < 1e-15 (at most 100 steps); the same x as last time
 * returns the cached y* at once.
 */
static void lr_y_star(pb__bil_problem *p, const double *x, double *y)
{
    lr *m = p->model;
    double g[D], step[D], trial[D];
    if (m->cached && memcmp(x, m->cache_x, sizeof m->cache_x) == 0) {
        memcpy(y, m->cache_y, sizeof m->cache_y);
        return;
    }
    memset(y, 0, D * sizeof(double));
    newton(p, x, y, g, step, trial);
    m->cached = isfinite(y[0]);
    memcpy(m->cache_x, x, sizeof m->cache_x);
    memcpy(m->cache_y, y, sizeof m->cache_y);
}

/* The Newton iterations of lr_y_star, in place on y: Armijo backtracking while the
 * predicted decrease is above g's rounding; below, the test cannot tell (it used to fail 60
 * times per step, for 100 steps, with |grad_y g| stuck near 2e-8), and the full step is
 * taken: there Newton converges quadratically. */
static void newton(pb__bil_problem *p, const double *x, double *y, double *g, double *step,
                   double *trial)
{
    lr *m = p->model;
    for (int it = 0; it < 100; it++) {
        pb__bil_exact(p, PB__BIL_GRAD_Y_G, x, y, NULL, g);
        double gn = 0.0;
        for (uint32_t i = 0; i < D; i++)
            gn += g[i] * g[i];
        if (!(sqrt(gn) >= 1e-15))
            return; /* converged (or NaN: Phi is then NaN, measured as nonfinite) */
        lr_solve(p, x, y, g, step);
        double g0 = lr_g(m, x, y), t = 1.0, dec = dotd(g, step);
        for (int ls = 0; ls < 60 && dec > 1e-12 * fabs(g0); ls++, t *= 0.5) {
            for (uint32_t i = 0; i < D; i++)
                trial[i] = y[i] - t * step[i];
            if (lr_g(m, x, trial) <= g0 - 0.25 * t * dec || ls == 59)
                break;
        }
        if (!(dec > 1e-12 * fabs(g0)))
            for (uint32_t i = 0; i < D; i++)
                trial[i] = y[i] - step[i];
        memcpy(y, trial, D * sizeof(double));
    }
}

static double lr_accuracy(pb__bil_problem *p, const double *x)
{
    lr *m = p->model;
    double y[D];
    lr_y_star(p, x, y);
    uint32_t ok = 0;
    for (uint32_t j = 0; j < m->data.test.n; j++)
        ok += sign_of(m->data.test.c[j]) * dotd(m->data.test.a + (size_t)j * D, y) > 0;
    return (double)ok / m->data.test.n;
}

static int open_l2reg(const pb__family *family, const char *id, pb__problem **out, char *err,
                      size_t errlen)
{
    (void)family;
    if (strcmp(id, "bilevel-l2reg-breast-cancer") != 0)
        return 1;
    lr *m = pb__bil_data_new(sizeof *m, "breast_cancer", D - 1, 2, N_TRAIN, err, errlen);
    if (!m)
        return -1;
    static const pb__bil_fns fns = {.f = lr_f, .y_star = lr_y_star, .solve_yy = lr_solve,
                                    .batch_oracle = lr_batch, .test_accuracy = lr_accuracy,
                                    .g = lr_g_value, .batch_value = lr_batch_value};
    return pb__bil_data_problem(D, D, &fns, m, BATCH, out, err, errlen);
}

const pb__family pb__family_bil_l2reg = {
    &pb__kind_bilevel, "bilevel-l2reg", "bilevel-l2reg-breast-cancer",
    "per-weight L2 penalties exp(x) of logistic regression on breast cancer; upper: validation "
    "loss (main metric = Phi itself, Phi* unknown)",
    open_l2reg};
