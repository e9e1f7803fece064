/*
 * bilevel-hypercleaning-digits: data hyper-cleaning (Franceschi et al. 2017) on
 * datasets/digits (8x8 digits, 10 classes, standardized on its training part).
 * The 1438 training rows are split in order: the first 1000 train the model (the lower
 * level), the last 438 validate it (the upper level); test.csv (359 rows) gives
 * test_accuracy. Exactly 30% of the lower-train labels (300 rows, drawn without
 * replacement by a partial Fisher-Yates shuffle from pb_rng seed CORRUPT_SEED, stream 0)
 * are replaced by a class drawn uniformly among the 9 other ones; validation and test
 * labels are clean. With a_j = (features, 1) in R^65, y the 10 x 65 weights of a softmax
 * regression (row-major, dy = 650), CE(y; a, c) = logsumexp(y a) - (y a)_c and one
 * weight x_j per lower-train row (dx = 1000):
 *     g(x, y) = (1/1000) sum_j sigma(x_j) CE(y; a_j, corrupted c_j) + (mu/2) |y|^2,
 *     f(x, y) = (1/438) sum_i CE(y; a_i, c_i)                       (validation loss),
 * both finite sums (the ridge in every inner sample), batches of 32; x0 = 0 (every
 * weight 1/2), y0 = 0. mu = 1e-3 makes g strongly convex in y, so y*(x) is unique and
 * exists even when the weighted data are separable.
 * y*(x) is computed by the host with Newton-CG (Armijo steps, preconditioned CG on
 * Hessian-vector products, started from the last y* solved) to |grad_y g| < 1e-10; grad
 * Phi's linear system is solved by the same CG, from the last z* solved, to a residual of
 * SOLVE_TOL |grad_y f|. Warm starts and the preconditioner change the work, not these
 * stopping tests, so the metrics are within 1e-7 (relative) of the exact ones whatever the
 * history (docs/results-schema.md). Phi* and x* are not known: the main metric is Phi(x)
 * itself (the validation loss at y*(x)), x_dist is NaN; test_accuracy is that of y*(x) on
 * test.csv.
 */
#include "bil_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define F 64          /* features */
#define A (F + 1)     /* a row: features, then 1 for the bias */
#define K 10          /* classes */
#define DY (K * A)    /* 650 */
#define N_TRAIN 1000  /* lower-train rows; the rest of train.csv validates */
#define N_CORRUPT 300 /* 30% of N_TRAIN */
#define BATCH 32
#define MU 1e-3
#define CORRUPT_SEED 20170601u
#define Y_TOL 1e-10   /* |grad_y g| at the host's y*(x) */
/* The residual of grad Phi's linear system, relative to its right-hand side: z* then has
 * a relative error of at most SOLVE_TOL / MU = 1e-7 (H >= MU I), far below what
 * grad_phi_norm is read for, and each decade less saves a few preconditioned CG iterations. */
#define SOLVE_TOL 1e-10
/* A CG solve of more iterations than this rebuilds the preconditioner for the next one. */
#define PRE_STALE 20

typedef struct hc {
    pb__bil_data data; /* first (pb__bil_data_new); rows of A doubles, tr's labels corrupted */
    /* The Hessian of g at one (x, y), kept for the CG iterations: sample weights
     * sigma(x_j) / n_tr and softmax probabilities (n_tr x K). */
    double w[N_TRAIN], prob[N_TRAIN * K];
    double r[DY], d[DY], hd[DY], s[DY]; /* CG's scratch */
    double g[DY], step[DY], trial[DY], g_trial[DY]; /* Newton's */
    double vt[DY], ot[DY]; /* hess_times' v and out, transposed */
    /* CG's preconditioner (see precondition): the Cholesky factors of the Hessian's K
     * diagonal blocks at some earlier (x, y), once pre_ready; pre_its is the iteration
     * count of the last CG solve, which tells when they have gone stale. */
    double pre[K][A * A];
    double gram[A * (A + 1) / 2 * K]; /* precondition_at's sums: (l, k <= l), then class */
    int pre_ready, pre_its;
    /* The last y*(x) solved: the host measures Phi, its gradient and the test accuracy at
     * one x in turn. */
    int cached;
    double cache_x[N_TRAIN], cache_y[DY];
    int hess_at_cache; /* the Hessian fixed for hess_times is at (cache_x, cache_y) */
    double z_last[DY]; /* the last z* solved (hc_solve), 0 at first */
} hc;

/* <a, b> over n doubles. */
static double dot(const double *a, const double *b, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/*
 * y (K x A, row-major, as the oracles take it) into yt (A x K), and back. The per-row loops
 * below work on the transposed weights (and gradients, and Hessian products): each runs
 * over the K classes, contiguous, with no sum across them, which -O2 vectorizes (over the
 * features it would not: 65 is odd, and the logits are sums across them). A transposition
 * moves numbers without arithmetic, so every sum is the same to the bit.
 */
static void transpose_in(const double *y, double *yt)
{
    for (uint32_t c = 0; c < K; c++)
        for (uint32_t l = 0; l < A; l++)
            yt[l * K + c] = y[c * A + l];
}

static void transpose_out(const double *yt, double *y)
{
    for (uint32_t c = 0; c < K; c++)
        for (uint32_t l = 0; l < A; l++)
            y[c * A + l] = yt[l * K + c];
}

/* The logits y a into z (K), for a row a and transposed weights yt (A x K). The K sums
 * advance together so that they do not wait on one another's additions, in a local array
 * that the unrolled class loop keeps in registers (summed in z, each addition was a load
 * and a store waiting on the one before): this and add_outer are the hot loops of the
 * oracles and of the host's solves. */
static void logits(const double *restrict yt, const double *restrict a, double *restrict z)
{
    double s[K] = {0.0};
    for (uint32_t j = 0; j < A; j++)
#pragma GCC unroll 10
        for (uint32_t c = 0; c < K; c++)
            s[c] += yt[(size_t)j * K + c] * a[j];
    memcpy(z, s, sizeof s);
}

/* Softmax of the logits of row a into p (K); returns CE for label c. Shifting by the
 * largest logit keeps exp finite on the large weights of nearly separable data. */
static double softmax_ce(const double *yt, const double *a, uint32_t c, double *p)
{
    double z[K], zmax = -INFINITY, s = 0.0;
    logits(yt, a, z);
    for (uint32_t k = 0; k < K; k++)
        zmax = fmax(zmax, z[k]);
    for (uint32_t k = 0; k < K; k++)
        s += (p[k] = exp(z[k] - zmax));
    for (uint32_t k = 0; k < K; k++)
        p[k] /= s;
    return zmax + log(s) - z[c];
}

/* out += coef a^T, the gradient shape of every per-row term, on out transposed (outt,
 * A x K). */
static void add_outer(double *restrict outt, const double *restrict coef,
                      const double *restrict a)
{
    for (uint32_t j = 0; j < A; j++)
        for (uint32_t c = 0; c < K; c++)
            outt[(size_t)j * K + c] += coef[c] * a[j];
}

/*
 * add_outer of 4 consecutive rows a (A doubles each) with coefficients coef[r]: each
 * entry of outt is loaded and stored once for the four rows, and receives their terms one
 * after the other, row 0 first, as four add_outer calls would add them, so the sums are
 * the same to the bit.
 */
static void add_outer4(double *restrict outt, const double (*restrict coef)[K],
                       const double *restrict a)
{
    const double *a0 = a, *a1 = a + A, *a2 = a + 2 * A, *a3 = a + 3 * A;
    for (uint32_t l = 0; l < A; l++) {
        double *ol = outt + (size_t)l * K;
        for (uint32_t c = 0; c < K; c++)
            ol[c] = ol[c] + coef[0][c] * a0[l] + coef[1][c] * a1[l] + coef[2][c] * a2[l] +
                    coef[3][c] * a3[l];
    }
}

/*
 * Weighted cross-entropy of rows [lo, hi): returns sum_j w_j CE_j and adds
 * sum_j w_j grad CE_j to grad when not NULL; w NULL means every weight is `scale`, else
 * w_j = scale * sigma(w[j]). When prob is not NULL, row j's softmax probabilities go to
 * prob + j K (for the Hessian: newton_pass). The gradient's terms are added four rows at
 * a time (add_outer4), in the order of the rows.
 */
static double ce_sum(const double *a, const uint32_t *c, const double *w, double scale,
                     uint32_t lo, uint32_t hi, const double *y, double *grad, double *prob)
{
    double s = 0.0, p[4][K], yt[DY], gt[DY];
    transpose_in(y, yt);
    if (grad)
        transpose_in(grad, gt);
    for (uint32_t j0 = lo; j0 < hi; j0 += 4) {
        uint32_t n = hi - j0 < 4 ? hi - j0 : 4;
        for (uint32_t r = 0; r < n; r++) {
            uint32_t j = j0 + r;
            double wj = w ? scale * pb__bil_sigmoid(w[j]) : scale;
            s += wj * softmax_ce(yt, a + (size_t)j * A, c[j], p[r]);
            if (prob)
                memcpy(prob + (size_t)j * K, p[r], sizeof p[r]);
            if (grad) {
                p[r][c[j]] -= 1.0;
                for (uint32_t k = 0; k < K; k++)
                    p[r][k] *= wj;
            }
        }
        if (grad && n == 4)
            add_outer4(gt, (const double(*)[K])p, a + (size_t)j0 * A);
        else if (grad)
            for (uint32_t r = 0; r < n; r++)
                add_outer(gt, p[r], a + (size_t)(j0 + r) * A);
    }
    if (grad)
        transpose_out(gt, grad);
    return s;
}

/* out += wt (diag(p) - p p^T)(v a) a^T: one row's softmax Hessian times v, weight wt, on v
 * and out transposed (vt, outt). */
static void row_hvp(const double *p, const double *a, const double *vt, double wt, double *outt)
{
    double u[K], s[K];
    logits(vt, a, u);
    double pu = dot(p, u, K);
    for (uint32_t k = 0; k < K; k++)
        s[k] = wt * p[k] * (u[k] - pu);
    add_outer(outt, s, a);
}

/* d/dx_j <grad_y g, v> for rows [lo, hi) of the lower level, weights sigma'(x_j) / (hi -
 * lo), into out[lo .. hi); other entries untouched. */
static void cross_rows(const hc *m, const double *x, const double *y, const double *v,
                       uint32_t lo, uint32_t hi, double *out)
{
    double p[K], u[K], yt[DY], vt[DY];
    transpose_in(y, yt);
    transpose_in(v, vt);
    for (uint32_t j = lo; j < hi; j++) {
        const double *aj = m->data.tr.a + (size_t)j * A;
        double sg = pb__bil_sigmoid(x[j]);
        softmax_ce(yt, aj, m->data.tr.c[j], p);
        p[m->data.tr.c[j]] -= 1.0;
        logits(vt, aj, u);
        out[j] = sg * (1.0 - sg) / (hi - lo) * dot(p, u, K);
    }
}

/* The mean over samples [lo, hi) of oracle `which`, as bil_problem.h defines it. */
static void hc_batch(pb__bil_problem *p, int which, const double *x, const double *y,
                     const double *v, uint32_t lo, uint32_t hi, double *out)
{
    hc *m = p->model;
    double inv = 1.0 / (hi - lo), pr[K];
    int of_x = which == PB__BIL_GRAD_X_F || which == PB__BIL_CROSS_XY_G ||
               which == PB__BIL_GRAD_X_G;
    memset(out, 0, (of_x ? p->oracle.dx : p->oracle.dy) * sizeof(double));
    switch (which) {
    case PB__BIL_GRAD_X_F:
        break; /* f does not depend on x */
    case PB__BIL_GRAD_Y_F:
        ce_sum(m->data.val.a, m->data.val.c, NULL, inv, lo, hi, y, out, NULL);
        break;
    case PB__BIL_GRAD_Y_G:
        ce_sum(m->data.tr.a, m->data.tr.c, x, inv, lo, hi, y, out, NULL);
        for (uint32_t i = 0; i < DY; i++)
            out[i] += MU * y[i];
        break;
    case PB__BIL_GRAD_X_G: { /* d/dx_j of row j's sigma(x_j) CE_j / (hi - lo) */
        double yt[DY];
        transpose_in(y, yt);
        for (uint32_t j = lo; j < hi; j++) {
            double sg = pb__bil_sigmoid(x[j]);
            out[j] = sg * (1.0 - sg) * inv *
                     softmax_ce(yt, m->data.tr.a + (size_t)j * A, m->data.tr.c[j], pr);
        }
        break;
    }
    case PB__BIL_HVP_YY_G: {
        double yt[DY], vt[DY], outt[DY] = {0.0};
        transpose_in(y, yt);
        transpose_in(v, vt);
        for (uint32_t j = lo; j < hi; j++) {
            const double *aj = m->data.tr.a + (size_t)j * A;
            softmax_ce(yt, aj, m->data.tr.c[j], pr);
            row_hvp(pr, aj, vt, inv * pb__bil_sigmoid(x[j]), outt);
        }
        transpose_out(outt, out);
        for (uint32_t i = 0; i < DY; i++)
            out[i] += MU * v[i];
        break;
    }
    default:
        cross_rows(m, x, y, v, lo, hi, out);
        break;
    }
}

/* The upper level: the mean validation cross-entropy. */
static double hc_f(pb__bil_problem *p, const double *x, const double *y)
{
    (void)x;
    hc *m = p->model;
    const pb__bil_rows *val = &m->data.val;
    return ce_sum(val->a, val->c, NULL, 1.0 / val->n, 0, val->n, y, NULL, NULL);
}

/* The lower level's value, for Newton's line search. */
static double hc_g(hc *m, const double *x, const double *y)
{
    return ce_sum(m->data.tr.a, m->data.tr.c, x, 1.0 / m->data.tr.n, 0, m->data.tr.n, y, NULL,
                  NULL) +
           0.5 * MU * dot(y, y, DY);
}

/* The mean value over samples [lo, hi) of f's or g's samples (the penalty in each of g's). */
static double hc_batch_value(pb__bil_problem *p, int which, const double *x, const double *y,
                             uint32_t lo, uint32_t hi)
{
    hc *m = p->model;
    double inv = 1.0 / (hi - lo);
    if (which == PB__BIL_F_VALUE)
        return ce_sum(m->data.val.a, m->data.val.c, NULL, inv, lo, hi, y, NULL, NULL);
    return ce_sum(m->data.tr.a, m->data.tr.c, x, inv, lo, hi, y, NULL, NULL) +
           0.5 * MU * dot(y, y, DY);
}

static double hc_g_value(pb__bil_problem *p, const double *x, const double *y)
{
    return hc_g(p->model, x, y);
}

/* The Hessian's sample weights sigma(x_j) / n_tr, for hess_at and newton_pass. */
static void hess_weights(hc *m, const double *x)
{
    for (uint32_t j = 0; j < m->data.tr.n; j++)
        m->w[j] = pb__bil_sigmoid(x[j]) / m->data.tr.n;
}

/* Fixes the Hessian of g at (x, y) for hess_times: the weights and probabilities, so that
 * each CG iteration costs two passes over the rows instead of three. */
static void hess_at(hc *m, const double *x, const double *y)
{
    double yt[DY];
    hess_weights(m, x);
    transpose_in(y, yt);
    for (uint32_t j = 0; j < m->data.tr.n; j++)
        softmax_ce(yt, m->data.tr.a + (size_t)j * A, m->data.tr.c[j], m->prob + (size_t)j * K);
    m->hess_at_cache = 0;
}

/*
 * g(x, y), with grad_y g into grad and the Hessian at (x, y) fixed as by hess_at, in one
 * pass over the rows instead of three: what each Newton step needs. The sums are those of
 * hc_g, of the exact GRAD_Y_G oracle and of hess_at, so the results are the same to the
 * bit.
 */
static double newton_pass(hc *m, const double *x, const double *y, double *grad)
{
    hess_weights(m, x);
    memset(grad, 0, DY * sizeof(double));
    double s = ce_sum(m->data.tr.a, m->data.tr.c, x, 1.0 / m->data.tr.n, 0, m->data.tr.n, y,
                      grad, m->prob);
    for (uint32_t i = 0; i < DY; i++)
        grad[i] += MU * y[i];
    return s + 0.5 * MU * dot(y, y, DY);
}

/*
 * ot += the Hessian terms of the 4 consecutive rows a (A doubles each), with
 * probabilities p (K each) and weights w, times v: row_hvp four rows at a time (on v and
 * out transposed, as row_hvp), so that each entry of ot is loaded and stored once for four
 * rows. This is the loop of every CG iteration of a measurement. Each row's logits are
 * row_hvp's (logits, whose sums stay in registers); each entry of ot adds the four rows'
 * terms summed first, in the order of the rows.
 */
static void rows4_hvp(const double *restrict p, const double *restrict a,
                      const double *restrict vt, const double *restrict w, double *restrict ot)
{
    const double *a0 = a, *a1 = a + A, *a2 = a + 2 * A, *a3 = a + 3 * A;
    double s[4][K];
    for (uint32_t r = 0; r < 4; r++)
        logits(vt, a + (size_t)r * A, s[r]);
    for (uint32_t r = 0; r < 4; r++) {
        const double *pr = p + (size_t)r * K;
        double pu = dot(pr, s[r], K);
        for (uint32_t c = 0; c < K; c++)
            s[r][c] = w[r] * pr[c] * (s[r][c] - pu);
    }
    for (uint32_t l = 0; l < A; l++) {
        double *ol = ot + (size_t)l * K;
        for (uint32_t c = 0; c < K; c++)
            ol[c] += s[0][c] * a0[l] + s[1][c] * a1[l] + s[2][c] * a2[l] + s[3][c] * a3[l];
    }
}

_Static_assert(N_TRAIN % 4 == 0, "hess_times takes the rows four at a time");

/* out = (Hessian fixed by hess_at) v. */
static void hess_times(hc *m, const double *v, double *out)
{
    transpose_in(v, m->vt);
    for (uint32_t i = 0; i < DY; i++)
        m->ot[i] = MU * m->vt[i];
    for (uint32_t j = 0; j < N_TRAIN; j += 4)
        rows4_hvp(m->prob + (size_t)j * K, m->data.tr.a + (size_t)j * A, m->vt, m->w + j, m->ot);
    transpose_out(m->ot, out);
}

/*
 * The preconditioner's blocks from the Hessian fixed by hess_at. The Hessian is
 * MU I + sum_j w_j (diag(p_j) - p_j p_j^T) (x) a_j a_j^T on y = (classes) x (A). Shifting
 * every class's weights by one vector v (y -> y + 1 (x) v) changes no probability, so on
 * that subspace (65 dimensions) the Hessian is exactly MU I, and on its complement it is
 * close to its class-diagonal blocks B_c = MU I + sum_j w_j p_jc (1 - p_jc) a_j a_j^T,
 * which hold the ill-conditioning of the data (correlated pixels, rows of near-zero
 * weight). Building them costs K A^2 / 2 multiply-adds per row, as many as 8 Hessian
 * products; they are summed in m->gram with the class innermost, which -O2 vectorizes, in
 * the order of the rows (the blocks are the same to the bit as summed one class at a time).
 */
static void precondition_at(hc *m)
{
    memset(m->gram, 0, sizeof m->gram);
    for (uint32_t j = 0; j < m->data.tr.n; j++) {
        const double *aj = m->data.tr.a + (size_t)j * A;
        double coef[K], t[K];
        for (uint32_t c = 0; c < K; c++) {
            double pc = m->prob[(size_t)j * K + c];
            coef[c] = m->w[j] * pc * (1.0 - pc);
        }
        double *g = m->gram;
        for (uint32_t l = 0; l < A; l++) {
            for (uint32_t c = 0; c < K; c++)
                t[c] = coef[c] * aj[l];
            for (uint32_t k = 0; k <= l; k++, g += K) {
                double ak = aj[k]; /* a local: g may alias the rows, as far as -O2 knows */
                for (uint32_t c = 0; c < K; c++)
                    g[c] += t[c] * ak;
            }
        }
    }
    const double *g = m->gram;
    for (uint32_t l = 0; l < A; l++)
        for (uint32_t k = 0; k <= l; k++, g += K)
            for (uint32_t c = 0; c < K; c++)
                m->pre[c][l * A + k] = g[c];
    for (uint32_t c = 0; c < K; c++) {
        for (uint32_t l = 0; l < A; l++)
            m->pre[c][l * A + l] += MU;
        pb__bil_cholesky(m->pre[c], A); /* B_c >= MU I: positive definite */
    }
    m->pre_ready = 1;
}

/*
 * z = M^{-1} r for the preconditioner M^{-1} = (I - P) / MU + P B^{-1} P, with P the
 * projection on the complement of the class-shift subspace (subtracting the mean over
 * classes) and B the blocks: symmetric positive definite, exact on the shift subspace.
 * On the digits it cuts the iterations of a cold solve of z* from 169 to 20.
 */
static void precondition(const hc *m, const double *r, double *z)
{
    double mean[A] = {0}, zmean[A] = {0};
    for (uint32_t c = 0; c < K; c++)
        for (uint32_t l = 0; l < A; l++)
            mean[l] += r[c * A + l] / K;
    for (uint32_t c = 0; c < K; c++) {
        for (uint32_t l = 0; l < A; l++)
            z[c * A + l] = r[c * A + l] - mean[l];
        pb__bil_cholesky_apply(m->pre[c], A, z + (size_t)c * A);
        for (uint32_t l = 0; l < A; l++)
            zmean[l] += z[c * A + l] / K;
    }
    for (uint32_t c = 0; c < K; c++)
        for (uint32_t l = 0; l < A; l++)
            z[c * A + l] += mean[l] / MU - zmean[l];
}

/*
 * Preconditioned conjugate gradient on the Hessian fixed by hess_at: u ~ H^{-1} b, from
 * u as given when warm (else from 0), until |b - H u| <= tol (at most max_it iterations;
 * H >= MU I, so it converges). The preconditioner changes only how many iterations that
 * takes, not the test: it is rebuilt here (from this Hessian) when there is none yet or
 * the last solve took more than PRE_STALE iterations.
 */
static void cg(hc *m, const double *b, double tol, int max_it, int warm, double *u)
{
    if (!m->pre_ready || m->pre_its > PRE_STALE)
        precondition_at(m);
    if (warm) {
        hess_times(m, u, m->hd);
        for (uint32_t i = 0; i < DY; i++)
            m->r[i] = b[i] - m->hd[i];
    } else {
        memset(u, 0, DY * sizeof(double));
        memcpy(m->r, b, DY * sizeof(double));
    }
    precondition(m, m->r, m->s);
    memcpy(m->d, m->s, DY * sizeof(double));
    double rr = dot(m->r, m->r, DY), rs = dot(m->r, m->s, DY);
    int it = 0;
    for (; it < max_it && sqrt(rr) > tol; it++) {
        hess_times(m, m->d, m->hd);
        double alpha = rs / dot(m->d, m->hd, DY);
        for (uint32_t i = 0; i < DY; i++) {
            u[i] += alpha * m->d[i];
            m->r[i] -= alpha * m->hd[i];
        }
        rr = dot(m->r, m->r, DY);
        precondition(m, m->r, m->s);
        double rs_new = dot(m->r, m->s, DY);
        for (uint32_t i = 0; i < DY; i++)
            m->d[i] = m->s[i] + rs_new / rs * m->d[i];
        rs = rs_new;
    }
    m->pre_its = it;
}

/* (grad_yy g(x, y))^{-1} v by CG to a residual of SOLVE_TOL |v|: the hypergradient's z*, for
 * grad_phi_norm and the tests' 1e-5 check against differences of Phi. CG starts from the
 * last z* solved: the checkpoints of a run are near one another (from 0 it would take
 * some 8 more iterations). */
static void hc_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    hc *m = p->model;
    if (!(m->hess_at_cache && memcmp(x, m->cache_x, m->data.tr.n * sizeof(double)) == 0 &&
          memcmp(y, m->cache_y, DY * sizeof(double)) == 0))
        hess_at(m, x, y);
    memcpy(out, m->z_last, DY * sizeof(double));
    cg(m, v, SOLVE_TOL * sqrt(dot(v, v, DY)), 5000, 1, out);
    if (isfinite(dot(out, out, DY)))
        memcpy(m->z_last, out, DY * sizeof(double));
}

/*
 * Newton-CG in place on y to |grad_y g| < Y_TOL: each step solves the Newton system to the
 * forcing residual min(0.5, sqrt|g|) |g| (superlinear, with few CG iterations far from
 * y*) but no smaller than Y_TOL / 2 (the last step need not overshoot the stop test),
 * then backtracks to Armijo's condition on g. Once the predicted decrease is below g's
 * rounding the test cannot tell, and the full step is taken: there Newton converges
 * quadratically. The full step, the one usually taken, is tried with a whole newton_pass,
 * which the next step then starts from. Returns 1 when it stopped on the test, with the
 * Hessian fixed at the y it leaves (by the last newton_pass), else 0.
 */
static int newton(hc *m, const double *x, double *y)
{
    double g0 = newton_pass(m, x, y, m->g);
    for (int it = 0; it < 100; it++) {
        double gn = sqrt(dot(m->g, m->g, DY));
        if (!(gn >= Y_TOL))
            return 1; /* converged (or NaN: Phi is then NaN, measured as nonfinite) */
        cg(m, m->g, fmax(fmin(0.5, sqrt(gn)) * gn, 0.5 * Y_TOL), 1000, 0, m->step);
        double t = 1.0, dec = dot(m->g, m->step, DY), g_new = NAN;
        int search = dec > 1e-12 * fabs(g0);
        for (int ls = 0; ls < 60 && search; ls++, t *= 0.5) {
            for (uint32_t i = 0; i < DY; i++)
                m->trial[i] = y[i] - t * m->step[i];
            g_new = ls == 0 ? newton_pass(m, x, m->trial, m->g_trial) : hc_g(m, x, m->trial);
            if (g_new <= g0 - 1e-4 * t * dec || ls == 59)
                break;
        }
        if (!search)
            for (uint32_t i = 0; i < DY; i++)
                m->trial[i] = y[i] - m->step[i];
        memcpy(y, m->trial, DY * sizeof(double));
        if (search && t == 1.0) { /* the full step: its pass was made */
            g0 = g_new;
            memcpy(m->g, m->g_trial, DY * sizeof(double));
        } else {
            g0 = newton_pass(m, x, y, m->g);
        }
    }
    return 0;
}

/*
 * y*(x) by Newton-CG; the same x as last time returns the cached y* at once. Newton starts
 * from the last y* solved (from 0 the first time): the checkpoints of a run are near one
 * another, and from there Newton takes a few steps instead of 15 to 20. A measurement
 * then depends on the ones before it only through y*'s tolerance, and a run's sequence
 * of measurements is fixed by its seed, so records stay reproducible.
 */
static void hc_y_star(pb__bil_problem *p, const double *x, double *y)
{
    hc *m = p->model;
    if (m->cached && memcmp(x, m->cache_x, m->data.tr.n * sizeof(double)) == 0) {
        memcpy(y, m->cache_y, DY * sizeof(double));
        return;
    }
    if (m->cached)
        memcpy(y, m->cache_y, DY * sizeof(double));
    else
        memset(y, 0, DY * sizeof(double));
    m->hess_at_cache = newton(m, x, y);
    m->cached = isfinite(y[0]);
    memcpy(m->cache_x, x, m->data.tr.n * sizeof(double));
    memcpy(m->cache_y, y, DY * sizeof(double));
}

/* The share of test rows whose largest logit under y*(x) is their class. */
static double hc_accuracy(pb__bil_problem *p, const double *x)
{
    hc *m = p->model;
    double yt[DY];
    hc_y_star(p, x, p->wy);
    transpose_in(p->wy, yt);
    uint32_t ok = 0;
    for (uint32_t j = 0; j < m->data.test.n; j++) {
        double z[K];
        logits(yt, m->data.test.a + (size_t)j * A, z);
        uint32_t best = 0;
        for (uint32_t k = 1; k < K; k++)
            best = z[k] > z[best] ? k : best;
        ok += best == m->data.test.c[j];
    }
    return (double)ok / m->data.test.n;
}

/* Replaces the labels of N_CORRUPT distinct lower-train rows (the first N_CORRUPT of a
 * seeded Fisher-Yates shuffle) by a uniformly drawn other class. */
static int corrupt(hc *m)
{
    uint32_t *perm = malloc(m->data.tr.n * sizeof(uint32_t));
    if (!perm)
        return -1;
    pb_rng rng;
    pb_rng_seed(&rng, CORRUPT_SEED, 0);
    for (uint32_t j = 0; j < m->data.tr.n; j++)
        perm[j] = j;
    for (uint32_t j = 0; j < N_CORRUPT; j++) {
        uint32_t k = j + (uint32_t)pb_rng_below(&rng, m->data.tr.n - j), t = perm[j];
        perm[j] = perm[k];
        perm[k] = t;
        uint32_t *c = &m->data.tr.c[perm[j]];
        *c = (*c + 1 + (uint32_t)pb_rng_below(&rng, K - 1)) % K;
    }
    free(perm);
    return 0;
}

/* Opens bilevel-hypercleaning-digits (1: not this family's id). */
static int open_hypercleaning(const pb__family *family, const char *id, pb__problem **out,
                              char *err, size_t errlen)
{
    (void)family;
    if (strcmp(id, "bilevel-hypercleaning-digits") != 0)
        return 1;
    hc *m = pb__bil_data_new(sizeof *m, "digits", F, K, N_TRAIN, err, errlen);
    if (!m)
        return -1;
    if (corrupt(m) != 0) {
        pb__bil_data_free(m);
        m = NULL;
    }
    static const pb__bil_fns fns = {.f = hc_f, .y_star = hc_y_star, .solve_yy = hc_solve,
                                    .batch_oracle = hc_batch, .test_accuracy = hc_accuracy,
                                    .g = hc_g_value, .batch_value = hc_batch_value};
    return pb__bil_data_problem(N_TRAIN, DY, &fns, m, BATCH, out, err, errlen);
}

const pb__family pb__family_bil_hypercleaning = {
    &pb__kind_bilevel, "bilevel-hypercleaning", "bilevel-hypercleaning-digits",
    "data hyper-cleaning on the digits data with 30% of training labels corrupted "
    "(per-sample weights sigma(lambda_i) on the lower loss; upper: clean validation loss; "
    "report test accuracy) (main metric = Phi itself, Phi* unknown)",
    open_hypercleaning};
