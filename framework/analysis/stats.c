/* The median and the two-sided Mann-Whitney U test; see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* qsort order of doubles; +infinity sorts last. NaN never reaches it (callers refuse it). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pb__median(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    /* Averaging an infinite and a finite middle value gives infinity, which is right: at
     * least half the runs never got there. */
    double m = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    free(s);
    return m;
}

long long *pb__mw_distribution(size_t m, size_t n, long long *counts)
{
    /*
     * The counts are the coefficients of the Gaussian binomial [m+n choose m]_q
     * = prod_{j=1..m} (1 - q^(n+j)) / (1 - q^j). After step j the array holds
     * [n+j choose j]_q, a polynomial of degree j*n with non-negative integer coefficients,
     * so each division by (1 - q^j) is exact and nothing leaves the integers. The product
     * has degree up to j*n + j before the division: hence the m extra entries.
     */
    size_t top = m * n + m;
    memset(counts, 0, (top + 1) * sizeof *counts);
    counts[0] = 1;
    for (size_t j = 1; j <= m; j++) {
        size_t deg = (j - 1) * n + n + j; /* degree after multiplying by 1 - q^(n+j) */
        for (size_t k = deg; k >= n + j; k--)
            counts[k] -= counts[k - (n + j)];
        for (size_t k = j; k <= deg; k++)
            counts[k] += counts[k - j];
    }
    return counts;
}

double pb__mw_min_p(size_t nx, size_t ny)
{
    /* C(nx + ny, nx) as a product of ratios: exact enough, and never overflows first. */
    double c = 1;
    for (size_t i = 1; i <= nx; i++)
        c = c * (double)(ny + i) / (double)i;
    double p = 2 / c;
    return p < 1 ? p : 1;
}

/* Two-sided exact p-value for U = u of samples of m and n values without ties; -1 when out
 * of memory. */
static double exact_p(double u, size_t m, size_t n)
{
    long long *counts = malloc((m * n + m + 1) * sizeof *counts);
    if (!counts)
        return -1;
    pb__mw_distribution(m, n, counts);
    /* The distribution is symmetric about m*n/2: P(U >= max(u, mn - u)) is one tail. */
    double mn = (double)(m * n), hi = u > mn - u ? u : mn - u, tail = 0, total = 0;
    for (size_t k = 0; k <= m * n; k++) {
        total += (double)counts[k];
        if ((double)k >= hi)
            tail += (double)counts[k];
    }
    free(counts);
    double p = 2 * tail / total;
    return p < 1 ? p : 1;
}

int pb__mann_whitney(const double *x, size_t nx, const double *y, size_t ny, pb__mw_result *out)
{
    if (nx == 0 || ny == 0)
        return -1;
    size_t n = nx + ny;
    double *pooled = malloc(n * sizeof *pooled);
    if (!pooled)
        return -1;
    memcpy(pooled, x, nx * sizeof *x);
    memcpy(pooled + nx, y, ny * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        if (isnan(pooled[i])) {
            free(pooled);
            return -1;
        }
    }
    /* U by its definition over pairs rather than through rank sums: with a few dozen seeds
     * the quadratic count costs nothing and leaves no room for a rank off by one. Infinite
     * values compare like any other, two infinities as a tie. */
    double u = 0;
    for (size_t i = 0; i < nx; i++)
        for (size_t j = 0; j < ny; j++)
            u += x[i] > y[j] ? 1 : x[i] == y[j] ? 0.5 : 0;
    /* The tie term sum(t^3 - t) over groups of t equal values of the pooled sample. */
    qsort(pooled, n, sizeof *pooled, cmp_double);
    double tie_term = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && pooled[j] == pooled[i])
            j++;
        double t = (double)(j - i);
        tie_term += t * t * t - t;
        i = j;
    }
    free(pooled);

    pb__mw_result r = {.u = u, .ties = tie_term > 0};
    if (!r.ties && nx <= PB__MW_EXACT_MAX && ny <= PB__MW_EXACT_MAX) {
        r.p = exact_p(u, nx, ny);
        r.exact = 1;
        if (r.p < 0)
            return -1;
    } else {
        double n1 = (double)nx, n2 = (double)ny, nn = (double)n;
        double mu = n1 * n2 / 2, big = u > n1 * n2 - u ? u : n1 * n2 - u;
        double var = n1 * n2 / 12 * ((nn + 1) - tie_term / (nn * (nn - 1)));
        /* With every value tied var is 0 and z is -infinity: p = 1, nothing to see. */
        double z = (big - mu - 0.5) / sqrt(var > 0 ? var : 0);
        double p = erfc(z / sqrt(2.0)); /* 2 * P(Z > z) */
        r.p = p < 1 ? p : 1;
    }
    *out = r;
    return 0;
}
