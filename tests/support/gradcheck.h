/*
 * Derivatives against central differences, shared by the tests of the nn kit (tests/nn,
 * tests/stochastic/test_nn.c) and of the kinds' oracles (tests/stochastic, tests/policy,
 * tests/bilevel): the differences themselves, and the norm-wise relative error and the
 * largest entry-wise difference the tests compare them with.
 *
 * The function differentiated reads its point from the arrays its context points to; the
 * helpers move one of those arrays, x, in place and put it back as it was (bit for bit for
 * the partial derivatives; for the directional one, up to the rounding of x + h v - 2 h v
 * + h v). Header-only, like check.h.
 */
#ifndef GRADCHECK_H
#define GRADCHECK_H

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

/* A scalar of the arrays ctx points to. */
typedef double (*gc_scalar_fn)(void *ctx);

/* A gradient, written to g, at the arrays ctx points to. */
typedef void (*gc_gradient_fn)(void *ctx, double *g);

/* n zeroed doubles (at least one); aborts when out of memory: a test's buffers. */
static inline double *gc_zeros(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        abort();
    return p;
}

/* <a, b> over n entries. */
static inline double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* |a - ref| / |ref| in the 2-norm over n entries; |a - ref| when ref is 0. */
static inline double rel(const double *a, const double *ref, size_t n)
{
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < n; i++) {
        num += (a[i] - ref[i]) * (a[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / (den > 0 ? den : 1.0));
}

/* max_i |a_i - b_i| over n entries. */
static inline double max_diff(const double *a, const double *b, size_t n)
{
    double d = 0.0;
    for (size_t i = 0; i < n; i++)
        d = fmax(d, fabs(a[i] - b[i]));
    return d;
}

/* (f(x + h e_i) - f(x - h e_i)) / 2h, with x one of the arrays f reads through ctx. */
static inline double central_partial(gc_scalar_fn f, void *ctx, double *x, size_t i, double h)
{
    double keep = x[i];
    x[i] = keep + h;
    double up = f(ctx);
    x[i] = keep - h;
    double down = f(ctx);
    x[i] = keep;
    return (up - down) / (2 * h);
}

/* The central differences of f with respect to x[0..n), step h, into out. */
static inline void central_gradient(gc_scalar_fn f, void *ctx, double *x, size_t n, double h,
                                    double *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = central_partial(f, ctx, x, i, h);
}

/*
 * The derivative of the gradient g along v, (g(x + h v) - g(x - h v)) / 2h, over the n
 * entries of x (and of the gradient): a Hessian-vector product by differences. gp and gm
 * are n doubles each; the result is left in gm.
 */
static inline void central_along(gc_gradient_fn g, void *ctx, double *x, const double *v,
                                 size_t n, double h, double *gp, double *gm)
{
    for (size_t i = 0; i < n; i++)
        x[i] += h * v[i];
    g(ctx, gp);
    for (size_t i = 0; i < n; i++)
        x[i] -= 2 * h * v[i];
    g(ctx, gm);
    for (size_t i = 0; i < n; i++) {
        x[i] += h * v[i];
        gm[i] = (gp[i] - gm[i]) / (2 * h);
    }
}

#endif
