/*
 * Building blocks of the bbob family (bbob.c): the instance generators of the BBOB 2009
 * definitions (uniform and Gaussian streams, rotations, x_opt, f_opt) and the variable
 * transformations applied on every evaluation (T_osz, T_asy, rotations, f_pen).
 *
 * Reference: N. Hansen, S. Finck, R. Ros, A. Auger, "Real-parameter black-box optimization
 * benchmarking 2009: noiseless functions definitions", INRIA RR-6829. The arithmetic
 * follows the order of operations of COCO's C implementation wherever that order changes
 * the last bits of a result, so that values agree with COCO to rounding.
 */
#ifndef PLUGBENCH_BBOB_TRANSFORMS_H
#define PLUGBENCH_BBOB_TRANSFORMS_H

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* Largest dimension of a rotated function: the 2009 rotation generator draws at most
 * 2000 Gaussian numbers, so COCO supports d * d < 2000. */
#define PB__BBOB_MAX_ROTATED_DIM 44

/*
 * Fills r with n uniform numbers in (0, 1] from the 2009 generator: a Park-Miller
 * "minimal standard" stream (multiplier 16807, modulus 2^31 - 1, Schrage's method)
 * shuffled through a 32-entry Bays-Durham table. seed is used up to sign; 0 acts as 1.
 */
void pb__bbob_uniform(double *r, size_t n, int64_t seed);

/*
 * Fills g with n standard normal numbers (Box-Muller over 2n uniforms of the given seed:
 * the first n give the radii, the last n the angles). Returns 0, or -1 when out of memory.
 */
int pb__bbob_gauss(double *g, size_t n, int64_t seed);

/*
 * Writes an n x n orthogonal matrix, row-major, into b: the Gram-Schmidt
 * orthonormalisation of the columns of a matrix of n * n Gaussian numbers of the given seed
 * (filled column by column). Returns 0, or -1 when out of memory.
 */
int pb__bbob_rotation(double *b, uint32_t n, int64_t seed);

/* Writes the usual optimum location: uniform in [-4, 4) on a 1e-4 * 8 grid, never 0. */
void pb__bbob_xopt(double *x, uint32_t n, int64_t seed);

/*
 * The optimal value of function number seed_function (3 for f4, 17 for f18, else the
 * function number) in the given instance: a Gaussian ratio times 100, rounded to 0.01 and
 * clipped to [-1000, 1000].
 */
double pb__bbob_fopt(int seed_function, uint32_t instance);

/* v_i = base^(scale i/(n-1)): the diagonal of a conditioning matrix. */
void pb__bbob_powers(double *v, uint32_t n, double base, double scale);

/* c_i = beta i/(n-1): the T_asy^beta factors. */
void pb__bbob_asymmetry(double *c, uint32_t n, double beta);

/* out = diag(lambda) a: the rows of the n x n row-major a scaled. */
void pb__bbob_scale_rows(const double *lambda, const double *a, double *out, uint32_t n);

/*
 * out = a diag(lambda) b for n x n row-major matrices, each entry summed over k in order
 * from 0 as (a_ik lambda_k) b_kj, the way COCO forms its combined matrices, so that they
 * agree to the last bit.
 */
void pb__bbob_scaled_product(const double *a, const double *lambda, const double *b,
                             double *out, uint32_t n);

/* A freshly allocated rotation (see pb__bbob_rotation), or NULL when out of memory. */
double *pb__bbob_rotation_new(uint32_t n, int64_t seed);

/*
 * idx = the indices 0..n-1 ordered by increasing v (an insertion sort: n is small, and the
 * draws of one stream are distinct, so any sort gives COCO's order).
 */
void pb__bbob_argsort(const double *v, uint32_t *idx, uint32_t n);

/* i / (n - 1), the position of coordinate i on [0, 1] used by all the scalings. */
static inline double bbob_ratio(uint32_t i, uint32_t n)
{
    return (double)i / ((double)n - 1.0);
}

/* Whether every entry of v is finite (a branch-free scan: the common case). */
static inline int bbob_all_finite(const double *v, uint32_t n)
{
    int bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad |= !(fabs(v[i]) <= DBL_MAX); /* false for NaN as well */
    return !bad;
}

/*
 * COCO's guard between two layers of a problem: a vector passed on to the next layer with
 * an infinite entry makes the value +inf, otherwise one with a NaN entry makes it NaN.
 * Returns 1 and sets *y in those cases, 0 (go on) when v is finite.
 */
static inline int bbob_stop(const double *v, uint32_t n, double *y)
{
    if (bbob_all_finite(v, n))
        return 0;
    for (uint32_t i = 0; i < n; i++) {
        if (isinf(v[i])) {
            *y = INFINITY;
            return 1;
        }
    }
    *y = NAN;
    return 1;
}

/*
 * T_osz for one coordinate: sign(x) exp(h + 0.049 (sin(c1 h) + sin(c2 h))), h = log|x|,
 * (c1, c2) = (10, 7.9) for x > 0 and (5.5, 3.1) for x < 0. It is evaluated as
 * (e^{10 h + 0.49 (...)})^{1/10}, like COCO, so that values agree to rounding and the
 * result overflows to infinity (|x| beyond about 6e30) exactly where COCO's does.
 */
static inline double bbob_t_osz(double x)
{
    if (x > 0.0) {
        double h = log(x) / 0.1;
        return pow(exp(h + 0.49 * (sin(h) + sin(0.79 * h))), 0.1);
    }
    if (x < 0.0) {
        double h = log(-x) / 0.1;
        return -pow(exp(h + 0.49 * (sin(0.55 * h) + sin(0.31 * h))), 0.1);
    }
    return 0.0;
}

/* out = T_osz(in), coordinate-wise (out may be in). */
static inline void bbob_t_osz_all(const double *in, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = bbob_t_osz(in[i]);
}

/*
 * out = T_asy^beta(in): x_i^(1 + c_i sqrt(x_i)) for x_i > 0, x_i otherwise, where
 * c_i = beta i / (n - 1) is precomputed in coef (out may be in).
 */
static inline void bbob_t_asy_all(const double *in, const double *coef, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = in[i] > 0.0 ? pow(in[i], 1.0 + coef[i] * sqrt(in[i])) : in[i];
}

/* out = in - shift (out may be in). */
static inline void bbob_sub(const double *in, const double *shift, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        out[i] = in[i] - shift[i];
}

/* out = m in + b0 for an n x n row-major m; sums start at b0 and run over columns in order. */
static inline void bbob_matvec(const double *m, const double *in, double b0, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        const double *row = m + (size_t)i * n;
        double s = b0;
        for (uint32_t j = 0; j < n; j++)
            s += in[j] * row[j];
        out[i] = s;
    }
}

/* sum over i of (|x_i| - 5)^2 where |x_i| > 5: f_pen, the distance to the box squared. */
static inline double bbob_penalty(const double *x, uint32_t n)
{
    double pen = 0.0;
    for (uint32_t i = 0; i < n; i++) {
        double out = fabs(x[i]) - 5.0;
        if (out > 0.0)
            pen += out * out;
    }
    return pen;
}

#endif
