/*
 * The instance generators of the bbob family: the 2009 uniform and Gaussian streams and
 * what is drawn from them (rotations, x_opt, f_opt). See bbob_transforms.h.
 */
#include "bbob_transforms.h"

#include <stdlib.h>

#define LEHMER_MODULUS 2147483647 /* 2^31 - 1 */
#define SHUFFLE_SIZE 32

static const double pi = 3.14159265358979323846;

/*
 * One step of the Lehmer generator s -> 16807 s mod (2^31 - 1), by Schrage's method
 * (q = 127773, r = 2836) as the 2009 code does it; that code also feeds it seeds above
 * the modulus on the first step, where the method is applied as is.
 */
static int64_t lehmer_step(int64_t s)
{
    int64_t q = s / 127773;
    s = 16807 * (s - q * 127773) - 2836 * q;
    return s < 0 ? s + LEHMER_MODULUS : s;
}

void pb__bbob_uniform(double *r, size_t n, int64_t seed)
{
    int64_t s = seed < 0 ? -seed : seed;
    if (s < 1)
        s = 1;
    /* 40 warm-up steps; the last 32 fill the shuffle table, from its end down. */
    int64_t table[SHUFFLE_SIZE];
    for (int k = 39; k >= 0; k--) {
        s = lehmer_step(s);
        if (k < SHUFFLE_SIZE)
            table[k] = s;
    }
    int64_t out = table[0];
    for (size_t i = 0; i < n; i++) {
        s = lehmer_step(s);
        /* The previous output picks the slot: 2^26 + 1 maps [0, 2^31 - 1) onto 0..31. */
        int64_t slot = out / 67108865;
        out = table[slot];
        table[slot] = s;
        r[i] = (double)out / 2.147483647e9;
        if (r[i] == 0.0)
            r[i] = 1e-99;
    }
}

/* g_i = sqrt(-2 log u_i) cos(2 pi u_{n+i}) for i < n: Box-Muller over 2n uniforms u. */
static void box_muller(const double *u, size_t n, double *g)
{
    for (size_t i = 0; i < n; i++) {
        g[i] = sqrt(-2.0 * log(u[i])) * cos(2.0 * pi * u[n + i]);
        if (g[i] == 0.0)
            g[i] = 1e-99;
    }
}

int pb__bbob_gauss(double *g, size_t n, int64_t seed)
{
    double *u = malloc(2 * n * sizeof *u);
    if (!u)
        return -1;
    pb__bbob_uniform(u, 2 * n, seed);
    box_muller(u, n, g);
    free(u);
    return 0;
}

/* Makes column i of the row-major n x n matrix b orthogonal to columns 0..i-1, then unit. */
static void orthonormalise_column(double *b, uint32_t n, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++) {
        double dot = 0.0;
        for (uint32_t k = 0; k < n; k++)
            dot += b[(size_t)k * n + i] * b[(size_t)k * n + j];
        for (uint32_t k = 0; k < n; k++)
            b[(size_t)k * n + i] -= dot * b[(size_t)k * n + j];
    }
    double norm2 = 0.0;
    for (uint32_t k = 0; k < n; k++)
        norm2 += b[(size_t)k * n + i] * b[(size_t)k * n + i];
    for (uint32_t k = 0; k < n; k++)
        b[(size_t)k * n + i] /= sqrt(norm2);
}

int pb__bbob_rotation(double *b, uint32_t n, int64_t seed)
{
    size_t nn = (size_t)n * n;
    double *g = malloc(nn * sizeof *g);
    if (!g || pb__bbob_gauss(g, nn, seed) != 0) {
        free(g);
        return -1;
    }
    /* The stream fills the matrix column by column. */
    for (uint32_t row = 0; row < n; row++)
        for (uint32_t col = 0; col < n; col++)
            b[(size_t)row * n + col] = g[(size_t)col * n + row];
    free(g);
    for (uint32_t i = 0; i < n; i++)
        orthonormalise_column(b, n, i);
    return 0;
}

void pb__bbob_xopt(double *x, uint32_t n, int64_t seed)
{
    pb__bbob_uniform(x, n, seed);
    for (uint32_t i = 0; i < n; i++) {
        x[i] = 8.0 * floor(1e4 * x[i]) / 1e4 - 4.0;
        /* An exact 0 would make the sign-dependent constructions degenerate. */
        if (x[i] == 0.0)
            x[i] = -1e-5;
    }
}

double pb__bbob_fopt(int seed_function, uint32_t instance)
{
    int64_t seed = seed_function + 10000 * (int64_t)instance;
    double u[2], num, den;
    /* Each draw is the only number of its own stream (seeds s and s + 1). */
    pb__bbob_uniform(u, 2, seed);
    box_muller(u, 1, &num);
    pb__bbob_uniform(u, 2, seed + 1);
    box_muller(u, 1, &den);
    double v = floor(100.0 * 100.0 * num / den + 0.5) / 100.0;
    return fmin(1000.0, fmax(-1000.0, v));
}

void pb__bbob_powers(double *v, uint32_t n, double base, double scale)
{
    for (uint32_t i = 0; i < n; i++)
        v[i] = pow(base, scale * (double)i / ((double)n - 1.0));
}

void pb__bbob_asymmetry(double *c, uint32_t n, double beta)
{
    for (uint32_t i = 0; i < n; i++)
        c[i] = beta * (double)i / ((double)n - 1.0);
}

void pb__bbob_scale_rows(const double *lambda, const double *a, double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++)
            out[(size_t)i * n + j] = lambda[i] * a[(size_t)i * n + j];
}

void pb__bbob_scaled_product(const double *a, const double *lambda, const double *b,
                             double *out, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t j = 0; j < n; j++) {
            double s = 0.0;
            for (uint32_t k = 0; k < n; k++)
                s += a[(size_t)i * n + k] * lambda[k] * b[(size_t)k * n + j];
            out[(size_t)i * n + j] = s;
        }
    }
}

double *pb__bbob_rotation_new(uint32_t n, int64_t seed)
{
    double *r = malloc((size_t)n * n * sizeof *r);
    if (r && pb__bbob_rotation(r, n, seed) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void pb__bbob_argsort(const double *v, uint32_t *idx, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint32_t j = i;
        for (; j > 0 && v[idx[j - 1]] > v[i]; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
    }
}
