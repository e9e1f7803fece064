/*
 * Statistics for comparing two sets of runs (plugbench compare): the median and the
 * two-sided Mann-Whitney U test (Wilcoxon rank-sum test). Values may be +infinity (a run
 * that failed, or never reached a target, is worse than any that did); the test only uses
 * ranks, so that is well defined. NaN is not a value: callers map a missing value to
 * +infinity. The report's statistics are in report_stats.h.
 */
#ifndef PLUGBENCH_STATS_H
#define PLUGBENCH_STATS_H

#include <stddef.h>

/* At or below this sample size (each side), and without ties, the p-value is exact; else
 * it is the normal approximation. C(40, 20) still fits a double's 53 bits. */
#define PB__MW_EXACT_MAX 20

typedef struct pb__mw_result {
    double u;  /* U of the first sample: pairs with x > y, plus half the tied pairs */
    double p;  /* two-sided p-value, in (0, 1] */
    int exact; /* 1: from the exact distribution of U; 0: normal approximation */
    int ties;  /* 1 when some value occurs more than once in the pooled sample */
} pb__mw_result;

/*
 * Two-sided Mann-Whitney U test of x (nx values) against y (ny values). Without ties and
 * with nx, ny <= PB__MW_EXACT_MAX the p-value comes from the exact null distribution of U;
 * otherwise from the normal approximation with the tie correction of the variance and a
 * continuity correction of 0.5 (the same as scipy.stats.mannwhitneyu with method "exact"
 * and "asymptotic" respectively). Returns 0, or -1 (out untouched) when a sample is empty,
 * a value is NaN or memory runs out.
 */
int pb__mann_whitney(const double *x, size_t nx, const double *y, size_t ny, pb__mw_result *out);

/*
 * The smallest two-sided p-value the exact test can give for samples of nx and ny values
 * without ties: 2 / C(nx + ny, nx), capped at 1. When it is not below alpha no difference
 * can be significant (3 vs 3 seeds: 0.1; 4 vs 4: 0.029; 5 vs 5: 0.0079).
 */
double pb__mw_min_p(size_t nx, size_t ny);

/*
 * The null distribution of U for samples of m and n values without ties: counts[u], for
 * u = 0 .. m*n, is the number of the C(m+n, m) orderings whose U is u. counts must hold
 * m*n + m + 1 entries (the extra ones are scratch space). Exact in 64-bit integers for
 * m, n <= PB__MW_EXACT_MAX. Returns counts.
 */
long long *pb__mw_distribution(size_t m, size_t n, long long *counts);

/* The median of n values (the mean of the middle two for even n); NaN for n == 0 or when
 * out of memory. Does not modify v. An infinite middle value gives an infinite median. */
double pb__median(const double *v, size_t n);

#endif
