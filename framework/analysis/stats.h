/*
 * The statistics of plugbench, free of any I/O so that the tests can check each one against
 * an independent computation: for comparing two sets of runs (plugbench compare) the median
 * and the two-sided Mann-Whitney U test (Wilcoxon rank-sum test); for the reports
 * quantiles, step-function traces over runs, the percentile bootstrap, empirical
 * distribution functions, and the profiles of Dolan and Moré (2002) and Moré and Wild
 * (2009).
 *
 * Conventions: +inf is a legal value everywhere and means "never" (a target not reached, a
 * failed run); it sorts last, the rank test compares it like any other value (two
 * infinities tie), and an interpolation that touches it gives +inf, so a median is
 * infinite as soon as half the runs never got there. NaN is not a legal input unless a
 * function says it skips it: callers map a missing value to +inf. No function keeps a
 * pointer to its inputs; outputs go to caller-owned arrays.
 */
#ifndef PLUGBENCH_STATS_H
#define PLUGBENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* --- Order statistics --- */

/* Sorts v ascending in place (+inf last). v must hold no NaN. */
void pb__sort_doubles(double *v, size_t n);

/* The median of n values (the mean of the middle two for even n); NaN for n == 0 or when
 * out of memory. Does not modify v. An infinite middle value gives an infinite median. */
double pb__median(const double *v, size_t n);

/* The same of an ascending sample, without sorting a copy: a bootstrap's statistic. */
double pb__median_sorted(const double *sorted, size_t n);

/*
 * The p-quantile (0 <= p <= 1) of sorted[0..n), by linear interpolation between order
 * statistics (Hyndman and Fan's type 7, the default of R and NumPy): with h = (n-1)p, the
 * value sorted[floor h] + (h - floor h)(sorted[floor h + 1] - sorted[floor h]). At p = 0.5
 * it is pb__median up to rounding (the report uses pb__median for medians). Returns NaN for
 * n == 0.
 */
double pb__quantile_sorted(const double *sorted, size_t n, double p);

/* pb__quantile_sorted of the n values at(ctx, 0) <= at(ctx, 1) <= ...: for sorted values
 * that are not in an array (an order-statistics tree). */
double pb__quantile_by(size_t n, double p, double (*at)(const void *ctx, size_t i),
                       const void *ctx);

/* The p-quantile of v[0..n) in any order (a sorted copy; NaN for n == 0 or no memory). */
double pb__quantile(const double *v, size_t n, double p);

/* The mean of v[0..n) (+inf when a value is +inf; NaN for n == 0); a pb__statistic_fn. */
double pb__mean(const double *v, size_t n);

/*
 * The rank of each of v[0..n) among them, 1 for the smallest (+inf last), tied values
 * sharing the mean of their places (1, 2.5, 2.5, 4), into rank[0..n). Returns 0, or -1
 * when out of memory. v must hold no NaN.
 */
int pb__average_ranks(const double *v, size_t n, double *rank);

/* --- Comparing two samples: the Mann-Whitney U test --- */

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

/* --- Traces, targets and distributions over runs --- */

/*
 * The values at cost x of step-function traces: run r has n[r] points (costs[r][i],
 * values[r][i]), costs ascending, and holds values[r][i] from costs[r][i] until its next
 * point. A run contributes nothing before its first point; after its last point it holds
 * its last value when hold is nonzero (a finished run keeps the best it found) and
 * contributes nothing when hold is zero. NaN values are skipped. Writes the contributions
 * to out (room for `runs` values) and returns how many there are.
 */
size_t pb__trace_values_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs, int hold, double *out);

/*
 * The median over runs of the traces at cost x, each run contributing only within its own
 * cost range (hold == 0 above). Returns NaN when no run contributes. Kept from the first
 * convergence plots for their tests; the report itself holds finished runs.
 */
double pb__trace_median_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs);

/*
 * The cost of the first trace point whose value is at or below target: when a run is
 * first seen to pass the target, at the resolution of its trace. +inf if never.
 */
double pb__first_at_or_below(const double *costs, const double *values, size_t n, double target);

/*
 * The empirical distribution function at x: the number of values of sorted[0..n) that are
 * <= x, divided by total. total also counts the values that never happen (failures,
 * +inf, which need not be in sorted), so the function may top out below 1.
 */
double pb__ecdf_at(const double *sorted, size_t n, size_t total, double x);

/* A statistic of an ascending sample, e.g. pb__mean or pb__median_sorted. */
typedef double (*pb__statistic_fn)(const double *sorted, size_t n);

/*
 * The bootstrap distribution of stat: `resamples` times, draw each stratum's values with
 * replacement (strata[k] values from the k-th consecutive block of v; with one stratum
 * per problem every resample keeps as many seeds per problem as the data), sort the whole
 * resample and evaluate stat on it. Writes the statistics to out[0..resamples). The
 * draws come from the kit's generator seeded with (seed, stream): the same call gives the
 * same numbers. Returns 0, or -1 when out of memory.
 */
int pb__bootstrap(const double *v, const size_t *strata, size_t n_strata, pb__statistic_fn stat,
                  size_t resamples, uint64_t seed, uint64_t stream, double *out);

/*
 * The percentile bootstrap confidence interval at level (e.g. 0.95): the (1-level)/2 and
 * (1+level)/2 quantiles of pb__bootstrap's distribution. Returns 0, or -1 when out of
 * memory (*lo and *hi are then NaN).
 */
int pb__bootstrap_ci(const double *v, const size_t *strata, size_t n_strata, pb__statistic_fn stat,
                     size_t resamples, double level, uint64_t seed, uint64_t stream, double *lo,
                     double *hi);

/*
 * Performance ratios (Dolan and Moré 2002): t[p * n_solvers + s] is the cost solver s
 * needs to pass the convergence test on problem p (+inf: it never does). Writes
 * r[p * n_solvers + s] = t / (min over solvers of t on p), or +inf where t is +inf. The
 * best solver's ratio is 1 also when its cost is 0.
 */
void pb__performance_ratios(const double *t, size_t n_problems, size_t n_solvers, double *r);

/*
 * A profile at alpha: the fraction of problems p with m[p * n_solvers + s] <= alpha. With
 * performance ratios for m this is the performance profile rho_s(alpha); with
 * t_{p,s} / (n_p + 1), the cost in simplex gradients, it is the data profile d_s(alpha)
 * of Moré and Wild (2009).
 */
double pb__profile_at(const double *m, size_t n_problems, size_t n_solvers, size_t s, double alpha);

/*
 * The threshold of Moré and Wild's convergence test, m <= m_best + tau (m_start - m_best):
 * a run passes once its main metric m has dropped by the fraction 1 - tau of the best
 * reduction any run achieved. With m_start <= m_best, m_best itself.
 */
double pb__more_wild_threshold(double m_start, double m_best, double tau);

#endif
