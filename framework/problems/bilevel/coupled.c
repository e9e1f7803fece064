/*
 * bilevel-coupled-i<instance>: a larger problem with a lower level whose constraints
 * couple x and y, with a certified solution: dx = dy = 100 and p = 20 linear equalities
 *     f(x, y) = 1/2 |x - xt|^2 + 1/2 |y - yt|^2,
 *     y in argmin { 1/2 y^T Q y - y^T B x :  A x + E y = b },
 * the equalities written as the 2p inequalities h = (r, -r) <= 0, r = A x + E y - b (as in
 * bilevel-lvhba-toy). Q = U diag(s) U^T with U random orthogonal and s evenly spaced over
 * [1, 10], so g is 1-strongly convex and 10-smooth in y (mu_g = 1, l_g = 10); B (dy x dx),
 * A (p x dx), E (p x dy) with N(0, 1/dx) and N(0, 1/dy) entries; b, xt, yt standard
 * normal; all drawn from a generator seeded by the instance. E has full row rank (almost
 * surely; the Cholesky factorization of S = E Q^-1 E^T checks it), so the lower level has
 * one solution, affine in x: with u = Q^-1 B x and nu = S^-1 (E u + A x - b),
 *     y*(x) = u - Q^-1 E^T nu,
 * the KKT point of the lower level with multiplier nu of the equalities. Phi(x) =
 * f(x, y*(x)) is then a strongly convex quadratic (Hessian I + Y^T Y, Y = d y* / d x), so its
 * stationary point x* (solved from that Hessian, built column by column from grad Phi) is
 * its global minimizer: the certificate. x0 = 0, y0 = 0 (not in C: the plugin projects).
 */
#include "bil_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIM 100 /* dx = dy */
#define P 20    /* equalities; 2P constraints */

typedef struct cq {
    double Q[DIM * DIM], LQ[DIM * DIM]; /* Q and its Cholesky factor */
    double B[DIM * DIM], A[P * DIM], E[P * DIM], b[P], xt[DIM], yt[DIM];
    double LS[P * P];                   /* the Cholesky factor of S = E Q^-1 E^T */
    double u[DIM], w[DIM], r[P];        /* scratch */
} cq;

static void cq_grad_x_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)y;
    cq *q = p->model;
    for (uint32_t i = 0; i < DIM; i++)
        out[i] = x[i] - q->xt[i];
}

static void cq_grad_y_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)x;
    cq *q = p->model;
    for (uint32_t i = 0; i < DIM; i++)
        out[i] = y[i] - q->yt[i];
}

/* grad_y g = Q y - B x. */
static void cq_grad_y_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    cq *q = p->model;
    pb__bil_matvec(q->Q, DIM, DIM, y, out);
    pb__bil_matvec(q->B, DIM, DIM, x, q->u);
    for (uint32_t i = 0; i < DIM; i++)
        out[i] -= q->u[i];
}

static void cq_hvp(pb__bil_problem *p, const double *x, const double *y, const double *v,
                   double *out)
{
    (void)x, (void)y;
    pb__bil_matvec(((cq *)p->model)->Q, DIM, DIM, v, out);
}

/* d/dx <grad_y g, v> = -B^T v. */
static void cq_cross(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x, (void)y;
    pb__bil_neg_mattvec(((cq *)p->model)->B, DIM, DIM, v, out);
}

/* grad_x g = -B^T y: g is linear in x. */
static void cq_grad_x_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    cq_cross(p, x, y, y, out);
}

static double cq_f(pb__bil_problem *p, const double *x, const double *y)
{
    cq *q = p->model;
    double s = 0.0;
    for (uint32_t i = 0; i < DIM; i++)
        s += 0.5 * (x[i] - q->xt[i]) * (x[i] - q->xt[i]) +
             0.5 * (y[i] - q->yt[i]) * (y[i] - q->yt[i]);
    return s;
}

static double cq_g(pb__bil_problem *p, const double *x, const double *y)
{
    cq *q = p->model;
    pb__bil_matvec(q->Q, DIM, DIM, y, q->u);
    pb__bil_matvec(q->B, DIM, DIM, x, q->w);
    double s = 0.0;
    for (uint32_t i = 0; i < DIM; i++)
        s += y[i] * (0.5 * q->u[i] - q->w[i]);
    return s;
}

/* r = A x + E y - b into q->r. */
static void residual(cq *q, const double *x, const double *y)
{
    pb__bil_matvec(q->A, P, DIM, x, q->r);
    pb__bil_matvec(q->E, P, DIM, y, q->w);
    for (uint32_t k = 0; k < P; k++)
        q->r[k] += q->w[k] - q->b[k];
}

static void cq_h(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    cq *q = p->model;
    residual(q, x, y);
    for (uint32_t k = 0; k < P; k++) {
        out[k] = q->r[k];
        out[P + k] = -q->r[k];
    }
}

/* (dh/dx)^T l = A^T (l+ - l-) and (dh/dy)^T l = E^T (l+ - l-), l = (l+, l-). */
static void jac_t(const double *M, const double *l, double *out)
{
    double d[P];
    for (uint32_t k = 0; k < P; k++)
        d[k] = l[k] - l[P + k];
    pb__bil_mattvec(M, P, DIM, d, out);
}

static void cq_jac_x_h(pb__bil_problem *p, const double *x, const double *y, const double *l,
                       double *out)
{
    (void)x, (void)y;
    jac_t(((cq *)p->model)->A, l, out);
}

static void cq_jac_y_h(pb__bil_problem *p, const double *x, const double *y, const double *l,
                       double *out)
{
    (void)x, (void)y;
    jac_t(((cq *)p->model)->E, l, out);
}

/* out = Q^-1 E^T S^-1 v for v (P): the correction of the unconstrained minimizer. */
static void correction(cq *q, double *v, double *out)
{
    pb__bil_cholesky_apply(q->LS, P, v);
    pb__bil_mattvec(q->E, P, DIM, v, out);
    pb__bil_cholesky_apply(q->LQ, DIM, out);
}

/* y*(x) = u - Q^-1 E^T S^-1 (E u + A x - b), u = Q^-1 B x. */
static void cq_y_star(pb__bil_problem *p, const double *x, double *out)
{
    cq *q = p->model;
    double u[DIM], c[DIM];
    pb__bil_matvec(q->B, DIM, DIM, x, u);
    pb__bil_cholesky_apply(q->LQ, DIM, u);
    residual(q, x, u);
    correction(q, q->r, c);
    for (uint32_t i = 0; i < DIM; i++)
        out[i] = u[i] - c[i];
}

/*
 * grad Phi(x) = (x - xt) + Y^T (y*(x) - yt), Y = d y* / d x = (I - Q^-1 E^T S^-1 E) Q^-1 B -
 * Q^-1 E^T S^-1 A: with a = Q^-1 (y* - yt) and beta = S^-1 E a,
 * Y^T (y* - yt) = B^T (a - Q^-1 E^T beta) - A^T beta.
 */
static void cq_grad_phi(pb__bil_problem *p, const double *x, double *out)
{
    cq *q = p->model;
    double a[DIM], c[DIM], beta[P];
    cq_y_star(p, x, a);
    for (uint32_t i = 0; i < DIM; i++)
        a[i] -= q->yt[i];
    pb__bil_cholesky_apply(q->LQ, DIM, a);
    pb__bil_matvec(q->E, P, DIM, a, beta);
    pb__bil_cholesky_apply(q->LS, P, beta);
    pb__bil_mattvec(q->E, P, DIM, beta, c);
    pb__bil_cholesky_apply(q->LQ, DIM, c);
    for (uint32_t i = 0; i < DIM; i++)
        a[i] -= c[i];
    pb__bil_mattvec(q->B, DIM, DIM, a, out);
    pb__bil_mattvec(q->A, P, DIM, beta, c);
    for (uint32_t i = 0; i < DIM; i++)
        out[i] += x[i] - q->xt[i] - c[i];
}

/* Draws the model from rng: 0, or -1 when Q or S is not positive definite. */
static int draw(pb_rng *rng, cq *q)
{
    double U[DIM * DIM];
    pb__random_orthogonal(rng, U, DIM);
    for (uint32_t i = 0; i < DIM; i++)
        for (uint32_t j = 0; j < DIM; j++) {
            double s = 0.0;
            for (uint32_t k = 0; k < DIM; k++)
                s += U[i * DIM + k] * (1.0 + 9.0 * k / (DIM - 1)) * U[j * DIM + k];
            q->Q[i * DIM + j] = s;
        }
    double sd = 1.0 / sqrt((double)DIM);
    for (uint32_t k = 0; k < DIM * DIM; k++)
        q->B[k] = sd * pb_rng_normal(rng);
    for (uint32_t k = 0; k < P * DIM; k++) {
        q->A[k] = sd * pb_rng_normal(rng);
        q->E[k] = sd * pb_rng_normal(rng);
    }
    for (uint32_t k = 0; k < P; k++)
        q->b[k] = pb_rng_normal(rng);
    for (uint32_t i = 0; i < DIM; i++) {
        q->xt[i] = pb_rng_normal(rng);
        q->yt[i] = pb_rng_normal(rng);
    }
    memcpy(q->LQ, q->Q, sizeof q->Q);
    if (pb__bil_cholesky(q->LQ, DIM) != 0)
        return -1;
    /* S = E Q^-1 E^T, column by column. */
    double col[DIM];
    for (uint32_t j = 0; j < P; j++) {
        memcpy(col, q->E + (size_t)j * DIM, sizeof col);
        pb__bil_cholesky_apply(q->LQ, DIM, col);
        pb__bil_matvec(q->E, P, DIM, col, q->r);
        for (uint32_t i = 0; i < P; i++)
            q->LS[i * P + j] = q->r[i];
    }
    return pb__bil_cholesky(q->LS, P);
}

static int open_coupled(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    static const pb__bil_fns fns = {
        .grad_x_f = cq_grad_x_f, .grad_y_f = cq_grad_y_f, .grad_y_g = cq_grad_y_g,
        .hvp_yy_g = cq_hvp, .cross_xy_g = cq_cross, .grad_x_g = cq_grad_x_g, .f = cq_f,
        .g = cq_g, .y_star = cq_y_star, .h = cq_h, .jac_x_h = cq_jac_x_h,
        .jac_y_h = cq_jac_y_h, .grad_phi = cq_grad_phi};
    pb_rng rng;
    pb_rng_seed(&rng, 0x62637071u /* "bcpq" */, inst);
    cq *q = calloc(1, sizeof *q);
    if (q && draw(&rng, q) != 0) {
        free(q);
        snprintf(err, errlen, "bilevel-coupled-i%lu: E Q^-1 E^T is not positive definite",
                 inst);
        return -1;
    }
    pb__bil_problem *p = pb__bil_problem_new(DIM, DIM, 1, &fns, q, free, err, errlen);
    if (!p)
        return -1;
    pb__bil_constrained(p, 2 * P);
    p->oracle.mu_g = 1.0; /* spec(Q) = [1, 10] */
    p->oracle.l_g = 10.0;
    if (pb__bil_quadratic_x_opt(p) != 0) {
        pb__problem_close(&p->base);
        snprintf(err, errlen, "bilevel-coupled-i%lu: Phi's Hessian is not positive definite "
                              "(or out of memory)", inst);
        return -1;
    }
    p->phi_opt = pb__bil_phi(p, p->x_opt);
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_bil_coupled =
    PB__INSTANCE_FAMILY(pb__kind_bilevel, "bilevel-coupled",
        "a strongly convex quadratic lower level under 20 linear equalities coupling x and y "
        "(40 constraints h <= 0), dx = dy = 100; x* certified (Phi strongly convex quadratic)",
        open_coupled);
