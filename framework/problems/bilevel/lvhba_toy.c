/*
 * bilevel-lvhba-toy-d<dim>: the toy problem with a lower-level constraint coupling both
 * levels of LV-HBA's paper (Yao, Yu, Zeng, Zhang, ICLR 2024; Toy-example/LLC in the authors'
 * code), at dim = n (their n = 100): x in R^n, y = (y1, y2) in R^2n,
 *     f(x, y) = 1/2 |x - y2|^2 + 1/2 |y1 - 1|^2,
 *     y in argmin { 1/2 |y1|^2 - x . y1 + 1 . y2 :  1 . x + 1 . y = 0 },
 * the equality written as the two inequalities h = (s, -s) <= 0, s = 1 . x + 1 . y (the
 * authors' code keeps s = 0 by projecting and lets the multiplier take either sign).
 * The lower level's solutions: y1 = x + 1 and any y2 with 1 . y2 = -1 . (2 x + 1): a set, of
 * which the optimistic bilevel problem takes the y2 nearest x,
 *     y2(x) = x - (3 xbar + 1) 1  (xbar the mean of x),
 * so Phi(x) = n/2 (3 xbar + 1)^2 + 1/2 |x|^2, grad Phi = 3 (3 xbar + 1) 1 + x, and
 * x* = -0.3 (every coordinate), y1* = 0.7, y2* = -0.4 (the authors' x_opt, y1_opt and
 * y2_opt) and Phi* = n / 2 0.01 + n / 2 0.09 = n / 20 (5 at n = 100). The host measures with the
 * optimistic y*(x) above. g is not strongly convex (linear in y2): mu_g and l_g are 0.
 * x0 = -20 and y0 = 10, the authors' start after their projection onto s = 0.
 */
#include "bil_problem.h"

#include <stdio.h>
#include <string.h>

/* The problem's dimension n is dx; y1 is y[0, n), y2 is y[n, 2n). */
static double mean(const double *v, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += v[i];
    return s / n;
}

static void toy_grad_x_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    uint32_t n = p->oracle.dx;
    for (uint32_t i = 0; i < n; i++)
        out[i] = x[i] - y[n + i];
}

static void toy_grad_y_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    uint32_t n = p->oracle.dx;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = y[i] - 1.0;
        out[n + i] = y[n + i] - x[i];
    }
}

static void toy_grad_y_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    uint32_t n = p->oracle.dx;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = y[i] - x[i];
        out[n + i] = 1.0;
    }
}

/* grad_x g = -y1. */
static void toy_grad_x_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)x;
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        out[i] = -y[i];
}

static void toy_hvp(pb__bil_problem *p, const double *x, const double *y, const double *v,
                    double *out)
{
    (void)x, (void)y;
    uint32_t n = p->oracle.dx;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = v[i];
        out[n + i] = 0.0;
    }
}

/* d/dx <grad_y g, v> = -v1. */
static void toy_cross(pb__bil_problem *p, const double *x, const double *y, const double *v,
                      double *out)
{
    (void)x, (void)y;
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        out[i] = -v[i];
}

static double toy_f(pb__bil_problem *p, const double *x, const double *y)
{
    uint32_t n = p->oracle.dx;
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += 0.5 * (x[i] - y[n + i]) * (x[i] - y[n + i]) + 0.5 * (y[i] - 1.0) * (y[i] - 1.0);
    return s;
}

static double toy_g(pb__bil_problem *p, const double *x, const double *y)
{
    uint32_t n = p->oracle.dx;
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += 0.5 * y[i] * y[i] - x[i] * y[i] + y[n + i];
    return s;
}

/* s = 1 . x + 1 . y; h = (s, -s). */
static void toy_h(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    uint32_t n = p->oracle.dx;
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += x[i] + y[i] + y[n + i];
    out[0] = s;
    out[1] = -s;
}

/* (d h / d x)^T l = (l0 - l1) 1 over x, and likewise over y. */
static void toy_jac_x_h(pb__bil_problem *p, const double *x, const double *y,
                        const double *l, double *out)
{
    (void)x, (void)y;
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        out[i] = l[0] - l[1];
}

static void toy_jac_y_h(pb__bil_problem *p, const double *x, const double *y,
                        const double *l, double *out)
{
    (void)x, (void)y;
    for (uint32_t i = 0; i < p->oracle.dy; i++)
        out[i] = l[0] - l[1];
}

/* The optimistic lower solution: y1 = x + 1, y2 = x - (3 xbar + 1) 1. */
static void toy_y_star(pb__bil_problem *p, const double *x, double *out)
{
    uint32_t n = p->oracle.dx;
    double c = 3.0 * mean(x, n) + 1.0;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = x[i] + 1.0;
        out[n + i] = x[i] - c;
    }
}

static void toy_grad_phi(pb__bil_problem *p, const double *x, double *out)
{
    uint32_t n = p->oracle.dx;
    double c = 3.0 * (3.0 * mean(x, n) + 1.0);
    for (uint32_t i = 0; i < n; i++)
        out[i] = c + x[i];
}

static int open_toy(unsigned long d, pb__problem **out, char *err, size_t errlen)
{
    static const pb__bil_fns fns = {
        .grad_x_f = toy_grad_x_f, .grad_y_f = toy_grad_y_f, .grad_y_g = toy_grad_y_g,
        .hvp_yy_g = toy_hvp, .cross_xy_g = toy_cross, .grad_x_g = toy_grad_x_g, .f = toy_f,
        .g = toy_g,
        .y_star = toy_y_star, .h = toy_h, .jac_x_h = toy_jac_x_h, .jac_y_h = toy_jac_y_h,
        .grad_phi = toy_grad_phi};
    uint32_t n = (uint32_t)d;
    /* The model is the problem's own sizes: a non-NULL placeholder owned by nobody. */
    static const char none;
    pb__bil_problem *p = pb__bil_problem_new(n, 2 * n, 1, &fns, (void *)&none, NULL, err,
                                             errlen);
    if (!p)
        return -1;
    pb__bil_constrained(p, 2);
    for (uint32_t i = 0; i < n; i++) {
        p->x_opt[i] = -0.3;
        p->x0[i] = -20.0;
        p->y0[i] = p->y0[n + i] = 10.0;
    }
    p->phi_opt = pb__bil_phi(p, p->x_opt);
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_bil_lvhba_toy =
    PB__NUMBERED_FAMILY(pb__kind_bilevel, "bilevel-lvhba-toy", "d<dim>", 100000,
        "LV-HBA's toy problem: a lower-level constraint coupling x and y, a set of lower "
        "solutions (optimistic), x* = -0.3, y* = (0.7, -0.4), dy = 2 dim",
        open_toy);
