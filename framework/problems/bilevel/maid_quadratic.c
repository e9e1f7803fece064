/*
 * bilevel-maid-quadratic-i<instance>: the synthetic quadratic of MAID's experiments
 * (Salehi, Mukherjee, Roberts, Ehrhardt, SIMODS; Quadratic.py in their code), with n = 1000
 * rows and m = 10: A1, A2, A3 (n x m) with U[0, 1) entries, x1, x2, theta_e in U[0, 1)^m,
 * e1, e2 ~ N(0, I_n), b1 = A1 x1 + 0.01 e1, b2 = A2 x2 + A3 theta_e + 0.01 e2, and
 *     g(x, y) = 1/2 |A2 y + A3 x - b2|^2,     f(x, y) = 1/2 |A1 y - b1|^2
 * (their theta is our x, their x our y; dx = dy = 10); x0 = 1 (every coordinate) and
 * y0 = x2, as there. The construction is theirs; the random numbers are ours (a generator
 * seeded by the instance), so instance 1 is not their torch seed 29's data.
 * Closed forms: y*(x) = G^-1 (A2^T b2 - A2^T A3 x) with G = A2^T A2, so Phi(x) =
 * 1/2 |r0 - P x|^2 with P = A1 G^-1 A2^T A3, r0 = A1 G^-1 A2^T b2 - b1, and
 * x* = (P^T P)^-1 P^T r0; mu_g and l_g are G's extreme eigenvalues (Jacobi's method).
 * The uniform data make P nearly rank one (every column's mean is 1/2): on instance 1 the
 * eigenvalues of P^T P range over [0.02, 2400] or so, and x* lies about 600 from x0, beyond
 * reach of first-order methods in any budget we run (their gradient steps shrink the
 * error along the smallest eigenvector by 1 - 1e-5 each).
 * bilevel-maid-centered-i<instance>: the same with the matrices' entries in [-1/2, 1/2)
 * (b1, b2 built from them as above): P^T P's spectrum within about [0.02, 3], a condition
 * number near 1e2, so that convergence to x* can be measured (the test of the maid plugin).
 */
#include "bil_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000
#define M 10

typedef struct mq {
    double A1[N * M], A2[N * M], A3[N * M], b1[N], b2[N];
    double G[M * M], L[M * M];   /* A2^T A2 and its Cholesky factor */
    double C[M * M];             /* A2^T A3 */
    double G1[M * M];            /* A1^T A1 */
    double c1[M], c2[M];         /* A1^T b1, A2^T b2 */
    double r[N];                 /* scratch */
} mq;

/* out = S v for an M x M S (row-major). */
static void small_mv(const double *S, const double *v, double *out)
{
    for (uint32_t i = 0; i < M; i++) {
        double s = 0.0;
        for (uint32_t j = 0; j < M; j++)
            s += S[i * M + j] * v[j];
        out[i] = s;
    }
}

/* out = U^T V for n x M U and V (row-major), an M x M matrix. */
static void gram(const double *U, const double *V, double *out)
{
    memset(out, 0, M * M * sizeof(double));
    for (uint32_t k = 0; k < N; k++)
        for (uint32_t i = 0; i < M; i++)
            for (uint32_t j = 0; j < M; j++)
                out[i * M + j] += U[k * M + i] * V[k * M + j];
}

/* out = U^T b for an n x M U. */
static void t_apply(const double *U, const double *b, double *out)
{
    memset(out, 0, M * sizeof(double));
    for (uint32_t k = 0; k < N; k++)
        for (uint32_t i = 0; i < M; i++)
            out[i] += U[k * M + i] * b[k];
}

static void mq_grad_x_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)p, (void)x, (void)y;
    memset(out, 0, M * sizeof(double)); /* f does not depend on x */
}

/* grad_y f = A1^T A1 y - A1^T b1. */
static void mq_grad_y_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)x;
    mq *q = p->model;
    small_mv(q->G1, y, out);
    for (uint32_t i = 0; i < M; i++)
        out[i] -= q->c1[i];
}

/* grad_y g = G y + A2^T A3 x - A2^T b2. */
static void mq_grad_y_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mq *q = p->model;
    double cx[M];
    small_mv(q->G, y, out);
    small_mv(q->C, x, cx);
    for (uint32_t i = 0; i < M; i++)
        out[i] += cx[i] - q->c2[i];
}

static void mq_hvp(pb__bil_problem *p, const double *x, const double *y, const double *v,
                   double *out)
{
    (void)x, (void)y;
    small_mv(((mq *)p->model)->G, v, out);
}

/* d/dx <grad_y g, v> = (A2^T A3)^T v. */
static void mq_cross(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x, (void)y;
    mq *q = p->model;
    for (uint32_t j = 0; j < M; j++) {
        double s = 0.0;
        for (uint32_t i = 0; i < M; i++)
            s += q->C[i * M + j] * v[i];
        out[j] = s;
    }
}

/* 1/2 |U y + V x - b|^2 over the n rows (V NULL: no x term). */
static double half_sq(mq *q, const double *U, const double *V, const double *x,
                      const double *y, const double *b)
{
    double s = 0.0;
    for (uint32_t k = 0; k < N; k++) {
        double t = -b[k];
        for (uint32_t i = 0; i < M; i++)
            t += U[k * M + i] * y[i] + (V ? V[k * M + i] * x[i] : 0.0);
        q->r[k] = t;
        s += t * t;
    }
    return 0.5 * s;
}

static double mq_f(pb__bil_problem *p, const double *x, const double *y)
{
    mq *q = p->model;
    return half_sq(q, q->A1, NULL, x, y, q->b1);
}

static double mq_g(pb__bil_problem *p, const double *x, const double *y)
{
    mq *q = p->model;
    return half_sq(q, q->A2, q->A3, x, y, q->b2);
}

/* grad_x g = A3^T (A2 y + A3 x - b2), from the residual that half_sq leaves in q->r. */
static void mq_grad_x_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mq *q = p->model;
    half_sq(q, q->A2, q->A3, x, y, q->b2);
    t_apply(q->A3, q->r, out);
}

static void mq_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x, (void)y;
    memcpy(out, v, M * sizeof(double));
    pb__bil_cholesky_apply(((mq *)p->model)->L, M, out);
}

static void mq_y_star(pb__bil_problem *p, const double *x, double *out)
{
    mq *q = p->model;
    double rhs[M];
    small_mv(q->C, x, rhs);
    for (uint32_t i = 0; i < M; i++)
        rhs[i] = q->c2[i] - rhs[i];
    mq_solve(p, x, NULL, rhs, out);
}

/* The smallest and largest eigenvalues of a symmetric M x M S, by cyclic Jacobi rotations
 * (S is left unchanged). */
static void extreme_eigenvalues(const double *S, double *lo, double *hi)
{
    double a[M * M];
    memcpy(a, S, sizeof a);
    for (int sweep = 0; sweep < 50; sweep++) {
        double off = 0.0;
        for (uint32_t i = 0; i < M; i++)
            for (uint32_t j = i + 1; j < M; j++)
                off += a[i * M + j] * a[i * M + j];
        if (off < 1e-30)
            break;
        for (uint32_t i = 0; i < M; i++)
            for (uint32_t j = i + 1; j < M; j++) {
                if (a[i * M + j] == 0.0)
                    continue;
                double th = 0.5 * (a[j * M + j] - a[i * M + i]) / a[i * M + j];
                double t = (th >= 0 ? 1.0 : -1.0) / (fabs(th) + sqrt(th * th + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (uint32_t k = 0; k < M; k++) { /* columns i, j */
                    double u = a[k * M + i], w = a[k * M + j];
                    a[k * M + i] = c * u - s * w;
                    a[k * M + j] = s * u + c * w;
                }
                for (uint32_t k = 0; k < M; k++) { /* rows i, j */
                    double u = a[i * M + k], w = a[j * M + k];
                    a[i * M + k] = c * u - s * w;
                    a[j * M + k] = s * u + c * w;
                }
            }
    }
    *lo = *hi = a[0];
    for (uint32_t i = 1; i < M; i++) {
        *lo = fmin(*lo, a[i * M + i]);
        *hi = fmax(*hi, a[i * M + i]);
    }
}

/* Draws the data of Quadratic.py into q and x0, y0 of p, the matrices' entries in
 * [lo, lo + 1). */
static void draw(pb_rng *rng, double lo, mq *q, pb__bil_problem *p)
{
    double *mats[3] = {q->A1, q->A2, q->A3};
    for (int k = 0; k < 3; k++)
        for (uint32_t i = 0; i < N * M; i++)
            mats[k][i] = lo + pb_rng_uniform(rng);
    double x1[M], x2[M], te[M];
    for (uint32_t i = 0; i < M; i++) {
        x1[i] = pb_rng_uniform(rng);
        x2[i] = pb_rng_uniform(rng);
        te[i] = pb_rng_uniform(rng);
    }
    for (uint32_t k = 0; k < N; k++) {
        double s1 = 0.0, s2 = 0.0;
        for (uint32_t i = 0; i < M; i++) {
            s1 += q->A1[k * M + i] * x1[i];
            s2 += q->A2[k * M + i] * x2[i] + q->A3[k * M + i] * te[i];
        }
        q->b1[k] = s1 + 0.01 * pb_rng_normal(rng);
        q->b2[k] = s2 + 0.01 * pb_rng_normal(rng);
    }
    for (uint32_t i = 0; i < M; i++) {
        p->x0[i] = 1.0;
        p->y0[i] = x2[i];
    }
}

/* x* = (P^T P)^-1 P^T r0 with P = A1 G^-1 C and r0 = A1 G^-1 c2 - b1, column by column;
 * -1 when P^T P is not positive definite. */
static int solve_x_star(mq *q, double *x_star)
{
    double *P = malloc((size_t)N * M * sizeof(double));
    if (!P)
        return -1;
    double col[M], r0[N], S[M * M];
    for (uint32_t j = 0; j < M; j++) {
        for (uint32_t i = 0; i < M; i++)
            col[i] = q->C[i * M + j];
        pb__bil_cholesky_apply(q->L, M, col);
        for (uint32_t k = 0; k < N; k++) {
            double s = 0.0;
            for (uint32_t i = 0; i < M; i++)
                s += q->A1[k * M + i] * col[i];
            P[k * M + j] = s;
        }
    }
    memcpy(col, q->c2, sizeof col);
    pb__bil_cholesky_apply(q->L, M, col);
    for (uint32_t k = 0; k < N; k++) {
        double s = -q->b1[k];
        for (uint32_t i = 0; i < M; i++)
            s += q->A1[k * M + i] * col[i];
        r0[k] = s;
    }
    gram(P, P, S);
    t_apply(P, r0, x_star);
    free(P);
    return pb__bil_cholesky_solve(S, M, x_star);
}

/* The problem of instance inst, its matrices' entries in [lo, lo + 1), with the family's
 * name for messages. */
static int open_mq(unsigned long inst, double lo, const char *name, pb__problem **out,
                   char *err, size_t errlen)
{
    static const pb__bil_fns fns = {.grad_x_f = mq_grad_x_f, .grad_y_f = mq_grad_y_f,
                                    .grad_y_g = mq_grad_y_g, .hvp_yy_g = mq_hvp,
                                    .cross_xy_g = mq_cross, .grad_x_g = mq_grad_x_g,
                                    .f = mq_f, .y_star = mq_y_star,
                                    .solve_yy = mq_solve, .g = mq_g};
    mq *q = calloc(1, sizeof *q);
    pb__bil_problem *p = pb__bil_problem_new(M, M, 1, &fns, q, free, err, errlen);
    if (!p)
        return -1;
    pb_rng rng;
    pb_rng_seed(&rng, 0x6d616964u /* "maid" */, inst);
    draw(&rng, lo, q, p);
    gram(q->A2, q->A2, q->G);
    gram(q->A2, q->A3, q->C);
    gram(q->A1, q->A1, q->G1);
    t_apply(q->A1, q->b1, q->c1);
    t_apply(q->A2, q->b2, q->c2);
    memcpy(q->L, q->G, sizeof q->L);
    extreme_eigenvalues(q->G, &p->oracle.mu_g, &p->oracle.l_g);
    if (pb__bil_cholesky(q->L, M) != 0 || solve_x_star(q, p->x_opt) != 0) {
        pb__problem_close(&p->base);
        snprintf(err, errlen, "%s-i%lu: a singular draw", name, inst);
        return -1;
    }
    p->phi_opt = pb__bil_phi(p, p->x_opt);
    *out = &p->base;
    return 0;
}

static int open_uniform(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    return open_mq(inst, 0.0, "bilevel-maid-quadratic", out, err, errlen);
}

static int open_centered(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    return open_mq(inst, -0.5, "bilevel-maid-centered", out, err, errlen);
}

const pb__numbered_family pb__family_bil_maid =
    PB__INSTANCE_FAMILY(pb__kind_bilevel, "bilevel-maid-quadratic",
        "MAID's synthetic quadratic (Quadratic.py): least squares over 1000 rows at both levels, "
        "dx = dy = 10, closed-form x*, mu_g and l_g known; Phi's condition number is about 1e5",
        open_uniform);
const pb__numbered_family pb__family_bil_maid_centered =
    PB__INSTANCE_FAMILY(pb__kind_bilevel, "bilevel-maid-centered",
        "bilevel-maid-quadratic with centred data (entries in [-1/2, 1/2)): Phi's condition "
        "number about 1e2, so that first-order methods can reach x*",
        open_centered);
