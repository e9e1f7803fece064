/* The statistics of comparisons and reports; see stats.h. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/rng.h>

/* qsort order of doubles; +inf sorts last. NaN never reaches it (callers refuse it). */
static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* qsort with cmp_double; see stats.h. */
void pb__sort_doubles(double *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_double);
}

/* A sorted copy of v[0..n), n > 0; malloc'd, or NULL when out of memory. */
static double *sorted_copy(const double *v, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, v, n * sizeof *s);
    pb__sort_doubles(s, n);
    return s;
}

double pb__median_sorted(const double *s, size_t n)
{
    if (n == 0)
        return NAN;
    /* Averaging an infinite and a finite middle value gives infinity, which is right: at
     * least half the runs never got there. */
    return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

double pb__median(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    double *s = sorted_copy(v, n);
    if (!s)
        return NAN;
    double m = pb__median_sorted(s, n);
    free(s);
    return m;
}

/* Type 7; p is clamped to [0, 1]. */
double pb__quantile_by(size_t n, double p, double (*at)(const void *ctx, size_t i),
                       const void *ctx)
{
    if (n == 0)
        return NAN;
    double h = (double)(n - 1) * (p < 0 ? 0 : p > 1 ? 1 : p);
    size_t lo = (size_t)floor(h);
    double frac = h - (double)lo;
    if (lo + 1 >= n || frac == 0)
        return at(ctx, lo);
    double a = at(ctx, lo), b = at(ctx, lo + 1);
    /* inf - inf would be NaN: between a finite value and "never" is "never". */
    if (isinf(b))
        return b;
    return a + frac * (b - a);
}

/* The i-th of the sorted array ctx. */
static double array_at(const void *ctx, size_t i) { return ((const double *)ctx)[i]; }

double pb__quantile_sorted(const double *sorted, size_t n, double p)
{
    return pb__quantile_by(n, p, array_at, sorted);
}

double pb__quantile(const double *v, size_t n, double p)
{
    double *s = n ? sorted_copy(v, n) : NULL;
    if (!s)
        return NAN;
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

/* A value of the pooled sample and the sample it came from. */
typedef struct pooled_value {
    double v;
    int from_x;
} pooled_value;

static int cmp_pooled(const void *a, const void *b)
{
    return cmp_double(&((const pooled_value *)a)->v, &((const pooled_value *)b)->v);
}

int pb__mann_whitney(const double *x, size_t nx, const double *y, size_t ny, pb__mw_result *out)
{
    if (nx == 0 || ny == 0)
        return -1;
    size_t n = nx + ny;
    pooled_value *pooled = malloc(n * sizeof *pooled);
    if (!pooled)
        return -1;
    for (size_t i = 0; i < n; i++) {
        pooled[i] = i < nx ? (pooled_value){x[i], 1} : (pooled_value){y[i - nx], 0};
        if (isnan(pooled[i].v)) {
            free(pooled);
            return -1;
        }
    }
    /*
     * U through the rank sum of x, ties given their mean rank: U = R_x - nx (nx + 1) / 2,
     * which equals the count over pairs (1 for x > y, 1/2 for a tie) exactly -- every term is
     * a multiple of 1/2, so the sums are exact -- in n log n rather than nx ny (a
     * comparison of 100,000 seeds took minutes). Infinite values compare like any other,
     * two infinities as a tie. The same pass gives the tie term sum(t^3 - t) over groups of
     * t equal values.
     */
    qsort(pooled, n, sizeof *pooled, cmp_pooled);
    double rank_sum = 0, tie_term = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1, in_x = (size_t)pooled[i].from_x;
        while (j < n && pooled[j].v == pooled[i].v)
            in_x += (size_t)pooled[j++].from_x;
        double t = (double)(j - i);
        rank_sum += (double)in_x * ((double)(i + 1 + j) / 2); /* ranks i+1 .. j */
        tie_term += t * t * t - t;
        i = j;
    }
    free(pooled);
    double u = rank_sum - (double)nx * (double)(nx + 1) / 2;

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

/* Each run's last point at or before x; see stats.h for hold. */
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

/* A value and its index, ordered by value, then index. */
typedef struct {
    double value;
    size_t index;
} indexed_value;

static int cmp_indexed_value(const void *a, const void *b)
{
    const indexed_value *x = a, *y = b;
    int c = cmp_double(&x->value, &y->value);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

/*
 * Stratified resampling with the kit's generator; see stats.h. v is sorted once (with
 * each value's index); each resample counts how often it drew each value and writes them out in
 * that order, so a resample costs O(n) rather than a sort's O(n log n): a report of many
 * seeds per problem stays linear in the runs. The sorted resample is the one sorting the
 * draws gives, but for values that compare equal with other bits (-0 and +0), which may
 * trade places.
 */
int pb__bootstrap(const double *v, const size_t *strata, size_t n_strata, pb__statistic_fn stat,
                  size_t resamples, uint64_t seed, uint64_t stream, double *out)
{
    size_t n = 0;
    for (size_t k = 0; k < n_strata; k++)
        n += strata[k];
    size_t alloc = n ? n : 1;
    double *draw = malloc(alloc * sizeof *draw);
    indexed_value *order = malloc(alloc * sizeof *order);
    size_t *count = malloc(alloc * sizeof *count);
    if (!draw || !order || !count) {
        free(draw);
        free(order);
        free(count);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        order[i] = (indexed_value){v[i], i};
    if (n > 1)
        qsort(order, n, sizeof *order, cmp_indexed_value);
    pb_rng rng;
    pb_rng_seed(&rng, seed, stream);
    for (size_t b = 0; b < resamples; b++) {
        memset(count, 0, n * sizeof *count);
        size_t start = 0;
        for (size_t k = 0; k < n_strata; k++) {
            for (size_t i = 0; i < strata[k]; i++)
                count[start + pb_rng_below(&rng, strata[k])]++;
            start += strata[k];
        }
        size_t j = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t c = count[order[i].index]; c > 0; c--)
                draw[j++] = order[i].value;
        out[b] = stat(draw, n);
    }
    free(draw);
    free(order);
    free(count);
    return 0;
}

/* Percentile interval from pb__bootstrap's distribution; see stats.h. */
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

/* A value and its place, for pb__average_ranks. */
typedef struct placed {
    double value;
    size_t index;
} placed;

static int cmp_placed(const void *a, const void *b)
{
    const placed *x = a, *y = b;
    return (x->value > y->value) - (x->value < y->value);
}

int pb__average_ranks(const double *v, size_t n, double *rank)
{
    placed *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++)
        p[i] = (placed){v[i], i};
    qsort(p, n, sizeof *p, cmp_placed);
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && p[j].value == p[i].value)
            j++;
        double place = 1.0 + (double)i + 0.5 * (double)(j - i - 1);
        for (; i < j; i++)
            rank[p[i].index] = place;
    }
    free(p);
    return 0;
}
