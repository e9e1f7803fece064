/*
 * The report's statistics against independent computations: quantiles and ECDFs worked
 * by hand, the bootstrap against the exact bootstrap distribution of a tiny sample and
 * the binomial standard error, the Dolan-Moré and Moré-Wild profiles on a hand-worked
 * example.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "stats.h"

/* |a - b| <= tol. */
static int near(double a, double b, double tol) { return fabs(a - b) <= tol; }

/* Type 7 quantiles, medians with infinities, sorting, the mean. */
static void quantiles(void)
{
    const double a[] = {1, 2, 3, 4};
    /* Type 7 by hand: h = 3p; q = a[floor h] + frac(h) (a[floor h + 1] - a[floor h]). */
    CHECK(pb__quantile_sorted(a, 4, 0) == 1, "q(0) of 1..4 is 1");
    CHECK(pb__quantile_sorted(a, 4, 0.25) == 1.75, "q(.25) of 1..4: h = .75 -> 1.75");
    CHECK(pb__quantile_sorted(a, 4, 0.5) == 2.5, "median of 1..4 is 2.5");
    CHECK(pb__quantile_sorted(a, 4, 0.75) == 3.25, "q(.75) of 1..4: h = 2.25 -> 3.25");
    CHECK(pb__quantile_sorted(a, 4, 1) == 4, "q(1) of 1..4 is 4");
    const double b[] = {2, 4, 4, 5, 7, 9};
    CHECK(pb__quantile_sorted(b, 6, 0.3) == 4, "q(.3) of 2,4,4,5,7,9: h = 1.5 -> 4");
    CHECK(pb__quantile_sorted(b, 6, 0.9) == 8, "q(.9) of 2,4,4,5,7,9: h = 4.5 -> 8");
    CHECK(pb__quantile_sorted(b, 6, 0.5) == 4.5 && pb__median(b, 6) == 4.5,
          "median of 2,4,4,5,7,9 is 4.5, as the 0.5 quantile and by stats.h");
    const double one[] = {5};
    CHECK(pb__quantile_sorted(one, 1, 0.25) == 5 && pb__median(one, 1) == 5,
          "any quantile of one value is that value");
    CHECK(isnan(pb__median(one, 0)), "median of nothing is NaN");
    const double inf[] = {1, INFINITY};
    CHECK(isinf(pb__quantile_sorted(inf, 2, 0.5)) && isinf(pb__median(inf, 2)),
          "median of {1, inf} is inf: half never got there");
    CHECK(pb__quantile_sorted(inf, 2, 0) == 1, "q(0) of {1, inf} is 1");
    const double inf3[] = {1, 2, INFINITY};
    CHECK(pb__median(inf3, 3) == 2, "median of {1, 2, inf} is 2");
    CHECK(pb__median_sorted(b, 6) == 4.5 && pb__median_sorted(inf3, 3) == 2 &&
              isinf(pb__median_sorted(inf, 2)) && isnan(pb__median_sorted(one, 0)),
          "the median of a sorted sample, without sorting: 4.5, 2, inf, NaN as above");
    double v[] = {3, INFINITY, 1, 2};
    pb__sort_doubles(v, 4);
    CHECK(v[0] == 1 && v[1] == 2 && v[2] == 3 && isinf(v[3]), "sort puts inf last");
    const double m[] = {1, 2, 6};
    CHECK(pb__mean(m, 3) == 3 && isnan(pb__mean(m, 0)), "mean of 1, 2, 6 is 3");
}

/* Step-function traces with and without hold, and the first pass of a target. */
static void traces(void)
{
    /* Three runs: values hold between points; run 2 ends at cost 50. */
    const double c0[] = {1, 10, 100}, v0[] = {9, 5, 1};
    const double c1[] = {2, 20, 100}, v1[] = {8, 4, 2};
    const double c2[] = {1, 50}, v2[] = {7, 3};
    const double *costs[] = {c0, c1, c2}, *values[] = {v0, v1, v2};
    const size_t n[] = {3, 3, 2};
    double out[3];
    CHECK(pb__trace_values_at(1, costs, values, n, 3, 1, out) == 2 && out[0] == 9 && out[1] == 7,
          "x=1: runs 0 and 2 have started, run 1 not yet");
    CHECK(pb__trace_values_at(100, costs, values, n, 3, 1, out) == 3 && out[2] == 3,
          "x=100, hold: the finished run 2 holds 3");
    CHECK(pb__trace_values_at(100, costs, values, n, 3, 0, out) == 2,
          "x=100, no hold: run 2 has ended");
    CHECK(pb__trace_values_at(1e9, costs, values, n, 3, 1, out) == 3 && out[0] == 1 &&
              out[1] == 2 && out[2] == 3,
          "far right, hold: every run's last value");
    CHECK(pb__trace_median_at(20, costs, values, n, 3) == 5, "x=20: median of 5, 4, 7");
    CHECK(pb__trace_median_at(100, costs, values, n, 3) == 1.5, "x=100: (1+2)/2");
    CHECK(isnan(pb__trace_median_at(0.5, costs, values, n, 3)), "before any point: NaN");
    const double cn[] = {1, 2}, vn[] = {NAN, 4};
    const double *cc[] = {cn}, *vv[] = {vn};
    const size_t nn[] = {2};
    CHECK(pb__trace_values_at(1, cc, vv, nn, 1, 1, out) == 0, "a NaN value is skipped");

    const double tc[] = {1, 2, 5, 10}, tv[] = {5, 3, NAN, 0.5};
    CHECK(pb__first_at_or_below(tc, tv, 4, 3) == 2, "first at or below 3: cost 2");
    CHECK(pb__first_at_or_below(tc, tv, 4, 1) == 10, "first at or below 1: cost 10 (NaN skipped)");
    CHECK(isinf(pb__first_at_or_below(tc, tv, 4, 0.1)), "never at or below 0.1: inf");
}

/* The ECDF of a hand-made set. */
static void ecdf(void)
{
    /* Three times out of five (run, target) pairs; two never happen. */
    const double s[] = {1, 2, 3};
    CHECK(pb__ecdf_at(s, 3, 5, 0.5) == 0, "ECDF below every value: 0");
    CHECK(pb__ecdf_at(s, 3, 5, 1) == 0.2, "ECDF at 1: 1/5 (<= counts)");
    CHECK(pb__ecdf_at(s, 3, 5, 2.5) == 0.4, "ECDF at 2.5: 2/5");
    CHECK(pb__ecdf_at(s, 3, 5, 10) == 0.6, "ECDF tops out at 3/5");
    const double ties[] = {1, 1, 1, 4};
    CHECK(pb__ecdf_at(ties, 4, 4, 1) == 0.75, "ties all count at their value");
}

/* The bootstrap against exact and binomial values; strata; determinism. */
static void bootstrap(void)
{
    /*
     * The exact bootstrap distribution of the median of three draws from {1, 2, 3}: the
     * median is 1 when at least two draws are 1: 3 (1/3)^2 (2/3) + (1/3)^3 = 7/27; 3
     * likewise; 2 with 13/27.
     */
    enum { B = 20000 };
    static double dist[B], again[B], other[B];
    const double v[] = {1, 2, 3};
    const size_t one_stratum[] = {3};
    CHECK(pb__bootstrap(v, one_stratum, 1, pb__median_sorted, B, 42, 0, dist) == 0,
          "bootstrap runs");
    size_t ones = 0, threes = 0;
    for (int b = 0; b < B; b++) {
        ones += dist[b] == 1;
        threes += dist[b] == 3;
    }
    /* Binomial standard error sqrt(p (1-p) / B) = 0.0031: 5 of them. */
    CHECK(near((double)ones / B, 7.0 / 27, 0.016), "P(median 1) = %g, exact 7/27 = %g",
          (double)ones / B, 7.0 / 27);
    CHECK(near((double)threes / B, 7.0 / 27, 0.016), "P(median 3) = %g, exact 7/27",
          (double)threes / B);
    pb__bootstrap(v, one_stratum, 1, pb__median, B, 42, 0, again);
    pb__bootstrap(v, one_stratum, 1, pb__median, B, 42, 1, other);
    int same = 1, differs = 0;
    for (int b = 0; b < B; b++) {
        same &= dist[b] == again[b];
        differs |= dist[b] != other[b];
    }
    CHECK(same, "the same seed and stream give the same resamples");
    CHECK(differs, "another stream gives other resamples");

    /* The bootstrap standard error of a mean of 0/1 values is sqrt(p (1-p) / n). */
    double coin[20];
    for (int i = 0; i < 20; i++)
        coin[i] = i % 2;
    const size_t n20[] = {20};
    pb__bootstrap(coin, n20, 1, pb__mean, B, 7, 0, dist);
    double mean = 0, var = 0;
    for (int b = 0; b < B; b++)
        mean += dist[b] / B;
    for (int b = 0; b < B; b++)
        var += (dist[b] - mean) * (dist[b] - mean) / (B - 1);
    CHECK(near(mean, 0.5, 0.005), "bootstrap mean of the mean %g, sample mean 0.5", mean);
    CHECK(near(sqrt(var), sqrt(0.25 / 20), 0.005), "bootstrap standard error %g, binomial %g",
          sqrt(var), sqrt(0.25 / 20));

    /* Strata are resampled apart: {0,0,0} and {1,1,1} always give a mean of 1/2. */
    const double strat[] = {0, 0, 0, 1, 1, 1};
    const size_t two[] = {3, 3};
    double lo, hi;
    pb__bootstrap_ci(strat, two, 2, pb__mean, 1000, 0.95, 1, 0, &lo, &hi);
    CHECK(lo == 0.5 && hi == 0.5, "stratified: CI [%g, %g] is [0.5, 0.5]", lo, hi);
    const size_t six[] = {6};
    pb__bootstrap_ci(strat, six, 1, pb__mean, 1000, 0.95, 1, 0, &lo, &hi);
    CHECK(lo < 0.5 && hi > 0.5, "pooled: CI [%g, %g] is wider", lo, hi);
    const double constant[] = {2, 2, 2, 2};
    const size_t four[] = {4};
    pb__bootstrap_ci(constant, four, 1, pb__median, 1000, 0.95, 1, 0, &lo, &hi);
    CHECK(lo == 2 && hi == 2, "a constant sample has a point interval");
    /* {1,2,3}: 2.5% and 97.5% quantiles of a distribution with 26% mass at each end. */
    pb__bootstrap_ci(v, one_stratum, 1, pb__median, 1000, 0.95, 3, 0, &lo, &hi);
    CHECK(lo == 1 && hi == 3, "median of {1,2,3}: CI [1, 3]; got [%g, %g]", lo, hi);
    const double fails[] = {1, INFINITY, INFINITY};
    pb__bootstrap_ci(fails, one_stratum, 1, pb__median, 1000, 0.95, 3, 0, &lo, &hi);
    CHECK(lo == 1 && isinf(hi), "median of {1, inf, inf}: CI [1, inf]; got [%g, %g]", lo, hi);
}

/* Dolan-Moré and Moré-Wild profiles on a hand-worked example. */
static void profiles(void)
{
    /*
     * Dolan and Moré by hand: three problems, two solvers.
     *   t = p0: 1  2    best 1  ratios 1    2
     *       p1: 4  2    best 2         2    1
     *       p2: inf 5   best 5         inf  1
     *       p3: inf inf (nobody)       inf  inf
     * rho_0: 1/4 at alpha 1, 2/4 from 2 on; rho_1: 2/4 at 1, 3/4 from 2 on.
     */
    const double t[] = {1, 2, 4, 2, INFINITY, 5, INFINITY, INFINITY};
    double r[8];
    pb__performance_ratios(t, 4, 2, r);
    CHECK(r[0] == 1 && r[1] == 2 && r[2] == 2 && r[3] == 1 && isinf(r[4]) && r[5] == 1 &&
              isinf(r[6]) && isinf(r[7]),
          "ratios by hand");
    CHECK(pb__profile_at(r, 4, 2, 0, 1) == 0.25 && pb__profile_at(r, 4, 2, 0, 1.99) == 0.25 &&
              pb__profile_at(r, 4, 2, 0, 2) == 0.5 && pb__profile_at(r, 4, 2, 0, 1e9) == 0.5,
          "rho_0: 1/4 at 1, 1/2 from 2");
    CHECK(pb__profile_at(r, 4, 2, 1, 1) == 0.5 && pb__profile_at(r, 4, 2, 1, 2) == 0.75,
          "rho_1: 1/2 at 1, 3/4 from 2");
    /*
     * Moré and Wild's data profile: t / (n_p + 1) with n = 1, 3, 4, 2:
     *   solver 0: 0.5, 1, inf, inf   solver 1: 1, 0.5, 1, inf
     */
    const double dims[] = {1, 3, 4, 2};
    double d[8];
    for (int p = 0; p < 4; p++)
        for (int s = 0; s < 2; s++)
            d[p * 2 + s] = t[p * 2 + s] / (dims[p] + 1);
    CHECK(pb__profile_at(d, 4, 2, 0, 0.5) == 0.25 && pb__profile_at(d, 4, 2, 0, 1) == 0.5,
          "d_0: 1/4 at 0.5, 1/2 at 1");
    CHECK(pb__profile_at(d, 4, 2, 1, 0.5) == 0.25 && pb__profile_at(d, 4, 2, 1, 1) == 0.75,
          "d_1: 1/4 at 0.5, 3/4 at 1");
    CHECK(pb__more_wild_threshold(100, 0, 1e-3) == 0.1, "threshold 0 + 1e-3 (100 - 0) = 0.1");
    CHECK(pb__more_wild_threshold(11, 1, 0.1) == 2, "threshold 1 + 0.1 (11 - 1) = 2");
    CHECK(pb__more_wild_threshold(1, 2, 0.1) == 2, "no reduction: the best itself");
}

/* Runs every group of checks; exit 1 when one failed. */
int main(void)
{
    quantiles();
    traces();
    ecdf();
    bootstrap();
    profiles();
    return check_summary("report_stats");
}
