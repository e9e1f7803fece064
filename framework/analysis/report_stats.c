/* The statistics of the reports; see report_stats.h. */
#include "report_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/rng.h>

#include "stats.h"

/* qsort order of doubles; +inf sorts last. NaN never reaches it (callers skip it). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* qsort with cmp_double; see report_stats.h. */
void pb__sort_doubles(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_double);
}

/* Type 7; p is clamped to [0, 1]. */
double pb__quantile_sorted(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * (p < 0 ? 0 : p > 1 ? 1 : p);
    size_t lo = (size_t)floor(h);
    double frac = h - (double)lo;
    if (lo + 1 >= n || frac == 0)
        return sorted[lo];
    double a = sorted[lo], b = sorted[lo + 1];
    /* inf - inf would be NaN: between a finite value and "never" is "never". */
    if (isinf(b))
        return b;
    return a + frac * (b - a);
}

double pb__quantile(const double *v, size_t n, double p)
{
    double *s = n ? malloc(n * sizeof *s) : NULL;
    if (!s)
        return NAN;
    memcpy(s, v, n * sizeof *s);
    pb__sort_doubles(s, n);
    double q = pb__quantile_sorted(s, n, p);
    free(s);
    return q;
}

/* The arithmetic mean, summed in order. */
double pb__mean(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    return sum / (double)n;
}

/* Each run's last point at or before x; see report_stats.h for hold. */
size_t pb__trace_values_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs, int hold, double *out)
{
    size_t k = 0;
    for (size_t r = 0; r < runs; r++) {
        if (n[r] == 0 || costs[r][0] > x || (!hold && costs[r][n[r] - 1] < x))
            continue;
        size_t i = 0;
        while (i + 1 < n[r] && costs[r][i + 1] <= x)
            i++;
        if (!isnan(values[r][i]))
            out[k++] = values[r][i];
    }
    return k;
}

/* pb__trace_values_at without hold, then the median; its scratch space is its own. */
double pb__trace_median_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs)
{
    double stack[64], *v = runs <= 64 ? stack : malloc(runs * sizeof *v);
    if (!v)
        return NAN;
    size_t k = pb__trace_values_at(x, costs, values, n, runs, 0, v);
    double median = pb__median(v, k);
    if (v != stack)
        free(v);
    return median;
}

/* A linear scan: traces are short (1, 2, 5 x 10^k). */
double pb__first_at_or_below(const double *costs, const double *values, size_t n, double target)
{
    for (size_t i = 0; i < n; i++)
        if (values[i] <= target) /* false for NaN */
            return costs[i];
    return INFINITY;
}

/* 10^(2 - k/5) into the caller's array. */
void pb__coco_targets(double targets[PB__COCO_N_TARGETS])
{
    /* The formula of the blackbox kind (blackbox.c), so that both give the same doubles. */
    for (int k = 0; k < PB__COCO_N_TARGETS; k++)
        targets[k] = pow(10.0, 2.0 - k / 5.0);
}

/* Counts sorted values <= x by bisection; NaN for total 0. */
double pb__ecdf_at(const double *sorted, size_t n, size_t total, double x)
{
    if (total == 0)
        return NAN;
    /* Binary search for the number of values <= x. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (double)lo / (double)total;
}

/* Stratified resampling with the kit's generator; see report_stats.h. */
int pb__bootstrap(const double *v, const size_t *strata, size_t n_strata, pb__statistic_fn stat,
                  size_t resamples, uint64_t seed, uint64_t stream, double *out)
{
    size_t n = 0;
    for (size_t k = 0; k < n_strata; k++)
        n += strata[k];
    double *draw = malloc((n ? n : 1) * sizeof *draw);
    if (!draw)
        return -1;
    pb_rng rng;
    pb_rng_seed(&rng, seed, stream);
    for (size_t b = 0; b < resamples; b++) {
        size_t start = 0, j = 0;
        for (size_t k = 0; k < n_strata; k++) {
            for (size_t i = 0; i < strata[k]; i++)
                draw[j++] = v[start + pb_rng_below(&rng, strata[k])];
            start += strata[k];
        }
        pb__sort_doubles(draw, n);
        out[b] = stat(draw, n);
    }
    free(draw);
    return 0;
}

/* Percentile interval from pb__bootstrap's distribution; see report_stats.h. */
int pb__bootstrap_ci(const double *v, const size_t *strata, size_t n_strata, pb__statistic_fn stat,
                     size_t resamples, double level, uint64_t seed, uint64_t stream, double *lo,
                     double *hi)
{
    *lo = *hi = NAN;
    double *dist = malloc((resamples ? resamples : 1) * sizeof *dist);
    if (!dist)
        return -1;
    if (pb__bootstrap(v, strata, n_strata, stat, resamples, seed, stream, dist) != 0) {
        free(dist);
        return -1;
    }
    /* A statistic may be NaN (an empty stratum set); such resamples carry no information. */
    size_t k = 0;
    for (size_t b = 0; b < resamples; b++)
        if (!isnan(dist[b]))
            dist[k++] = dist[b];
    pb__sort_doubles(dist, k);
    *lo = pb__quantile_sorted(dist, k, (1 - level) / 2);
    *hi = pb__quantile_sorted(dist, k, (1 + level) / 2);
    free(dist);
    return 0;
}

/* Row by row: each problem's best cost divides its row. */
void pb__performance_ratios(const double *t, size_t n_problems, size_t n_solvers, double *r)
{
    for (size_t p = 0; p < n_problems; p++) {
        const double *row = t + p * n_solvers;
        double best = INFINITY;
        for (size_t s = 0; s < n_solvers; s++)
            if (row[s] < best)
                best = row[s];
        /* The best solver's ratio is 1 even when its cost is 0 (0/0); others' are then inf. */
        for (size_t s = 0; s < n_solvers; s++)
            r[p * n_solvers + s] = isinf(row[s]) ? INFINITY : row[s] == best ? 1 : row[s] / best;
    }
}

/* Counts the problems of column s at or below alpha. */
double pb__profile_at(const double *m, size_t n_problems, size_t n_solvers, size_t s, double alpha)
{
    if (n_problems == 0)
        return NAN;
    size_t k = 0;
    for (size_t p = 0; p < n_problems; p++)
        k += m[p * n_solvers + s] <= alpha;
    return (double)k / (double)n_problems;
}

/* Moré and Wild's test f(x) <= f_L + tau (f(x_0) - f_L), with f_L = m_best. */
double pb__more_wild_threshold(double m_start, double m_best, double tau)
{
    return m_start > m_best ? m_best + tau * (m_start - m_best) : m_best;
}
