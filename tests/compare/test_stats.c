/*
 * The Mann-Whitney U test and the median of framework/analysis/stats.c against independent
 * values: null distributions enumerated by hand (every ordering of the two samples),
 * smallest p-values from the binomial coefficient, and p-values that scipy 1.10.1
 * (Debian python3-scipy) gives for the same samples with
 *   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="exact" | "asymptotic")
 * The first scipy case is the example of scipy's documentation (U = 17, p = 0.1111 exact,
 * 0.1113 asymptotic). Only the numbers are kept here; scipy is not needed to run the test.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "stats.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* |a - b| within a relative 1e-12 of b: the same computation up to rounding. */
static int close_to(double a, double b) { return fabs(a - b) <= 1e-12 * fabs(b); }

/* Null distributions whose counts were enumerated by listing every ordering. */
static void check_distribution(void)
{
    static const long long d44[] = {1, 1, 2, 3, 5, 5, 7, 7, 8, 7, 7, 5, 5, 3, 2, 1, 1};
    static const long long d23[] = {1, 1, 2, 2, 2, 1, 1};
    static const long long d35[] = {1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 5, 4, 3, 2, 1, 1};
    const struct {
        size_t m, n;
        const long long *want;
    } cases[] = {{4, 4, d44}, {2, 3, d23}, {3, 5, d35}, {5, 3, d35}};
    long long counts[64];
    for (size_t c = 0; c < N_OF(cases); c++) {
        pb__mw_distribution(cases[c].m, cases[c].n, counts);
        for (size_t u = 0; u <= cases[c].m * cases[c].n; u++)
            CHECK(counts[u] == cases[c].want[u], "%zu x %zu: count of U=%zu is %lld, want %lld",
                  cases[c].m, cases[c].n, u, counts[u], cases[c].want[u]);
    }
    /* The largest exact case: the counts add up to C(40, 20), symmetric about 200. */
    long long *big = malloc((20 * 20 + 20 + 1) * sizeof *big);
    CHECK(big != NULL, "memory");
    if (!big)
        return;
    pb__mw_distribution(20, 20, big);
    long long total = 0;
    int symmetric = 1, positive = 1;
    for (size_t u = 0; u <= 400; u++) {
        total += big[u];
        symmetric &= big[u] == big[400 - u];
        positive &= big[u] > 0;
    }
    CHECK(total == 137846528820LL, "20 x 20: the counts add up to %lld, want C(40,20)", total);
    CHECK(symmetric && positive, "20 x 20: positive and symmetric");
    free(big);
}

/* The smallest two-sided exact p: 2 / C(nx + ny, nx). */
static void check_min_p(void)
{
    CHECK(close_to(pb__mw_min_p(3, 3), 0.1), "3 vs 3: %g", pb__mw_min_p(3, 3));
    CHECK(close_to(pb__mw_min_p(4, 4), 2.0 / 70), "4 vs 4: %g", pb__mw_min_p(4, 4));
    CHECK(close_to(pb__mw_min_p(5, 5), 2.0 / 252), "5 vs 5: %g", pb__mw_min_p(5, 5));
    CHECK(close_to(pb__mw_min_p(3, 5), 2.0 / 56), "3 vs 5: %g", pb__mw_min_p(3, 5));
    CHECK(pb__mw_min_p(1, 1) == 1, "1 vs 1 is capped at 1: %g", pb__mw_min_p(1, 1));
}

static void check_median(void)
{
    const double odd[] = {5, 1, 3}, even[] = {4, 1, 3, 2}, inf1[] = {1, INFINITY, 2},
                 inf2[] = {1, INFINITY, INFINITY, 2}, inf3[] = {1, INFINITY, INFINITY};
    CHECK(pb__median(odd, 3) == 3, "odd: %g", pb__median(odd, 3));
    CHECK(pb__median(even, 4) == 2.5, "even: %g", pb__median(even, 4));
    CHECK(odd[0] == 5 && odd[1] == 1, "the input is left alone");
    CHECK(pb__median(inf1, 3) == 2, "one infinity of three: %g", pb__median(inf1, 3));
    CHECK(isinf(pb__median(inf2, 4)), "half infinite: infinite");
    CHECK(isinf(pb__median(inf3, 3)), "most infinite: %g", pb__median(inf3, 3));
    CHECK(isnan(pb__median(odd, 0)), "empty: NaN");
}

/* A case whose U and p-values come from scipy; exact_p < 0 when there is no exact value
 * (ties, or a sample above PB__MW_EXACT_MAX). */
typedef struct ref {
    const char *name;
    const double *x, *y;
    size_t nx, ny;
    double u, exact_p, asymptotic_p;
} ref;

static void check_ref(const ref *r)
{
    pb__mw_result got;
    CHECK(pb__mann_whitney(r->x, r->nx, r->y, r->ny, &got) == 0, "%s: test runs", r->name);
    CHECK(got.u == r->u, "%s: U = %g, want %g", r->name, got.u, r->u);
    int want_exact = r->exact_p >= 0;
    CHECK(got.exact == want_exact, "%s: exact = %d", r->name, got.exact);
    double want = want_exact ? r->exact_p : r->asymptotic_p;
    CHECK(close_to(got.p, want), "%s: p = %.17g, want %.17g", r->name, got.p, want);
    /* Swapping the samples mirrors U and leaves the two-sided p alone. */
    pb__mw_result swapped;
    CHECK(pb__mann_whitney(r->y, r->ny, r->x, r->nx, &swapped) == 0 &&
              swapped.u == (double)(r->nx * r->ny) - r->u && close_to(swapped.p, want),
          "%s: swapped U = %g, p = %.17g", r->name, swapped.u, swapped.p);
}

static void check_scipy(void)
{
    static const double docs_x[] = {19, 22, 16, 29, 24}, docs_y[] = {20, 11, 17, 12};
    static const double sep3_x[] = {1, 2, 3}, sep3_y[] = {4, 5, 6};
    static const double sep5_x[] = {1, 2, 3, 4, 5}, sep5_y[] = {6, 7, 8, 9, 10};
    static const double mix_x[] = {0.8, 2.1, 3.3, 4.7, 6.2, 9.9},
                        mix_y[] = {1.5, 2.9, 5.1, 5.8, 7.4, 8.8, 10.3};
    static const double one_x[] = {3.0}, one_y[] = {1.0, 2.0, 4.0, 5.0};
    static const double ties_x[] = {1, 2, 2, 3, 5, 5, 5}, ties_y[] = {2, 3, 3, 4, 5, 6, 6, 7};
    /* Never-reached targets are +inf: ties among them, ranked above every finite value. */
    static const double inf_x[] = {1, 2, INFINITY, INFINITY, INFINITY},
                        inf_y[] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
    static const double inf2_x[] = {100, 250, 400, INFINITY, 900},
                        inf2_y[] = {1200, INFINITY, INFINITY, 1500, INFINITY};
    /* 20 vs 20 with one tie (56.213562 in both): the normal approximation. */
    static const double n20_x[] = {56.213562, 5.067977,  15.427125, 18.62479,  55.657387,
                                   49.105626, 10.135955, 42.831523, 55.019514, 50.164807,
                                   30.854249, 96.079783, 53.414003, 1.124237,  37.249581,
                                   65.6546,   87.067812, 5.109889,  14.314774, 18.145748};
    static const double n20_y[] = {56.213562, 59.467277, 58.941943, 30.392214, 24.780306,
                                   65.692569, 69.34955,  44.045058, 92.387729, 24.380311,
                                   36.997998, 35.523701, 21.754546, 94.135348, 59.848328,
                                   16.875444, 63.042886, 5.053624,  37.511696, 63.940668};
    /* 20 vs 20 without ties: the largest exact case. */
    static const double n20b_x[] = {61.213562, 50.582519, 5.849839,  90.326869,
                                    81.863826, 11.044241, 88.640969, 34.032573,
                                    48.170894, 38.982589, 10.109888999999999, 61.3356,
                                    97.842766, 24.381405, 36.379996, 38.022573,
                                    30.303561, 14.067742, 87.04001,  55.847912};
    static const double n20b_y[] = {56.213562, 70.590212, 10.761059, 3.99156,   64.281573,
                                    5.475947,  26.495168, 33.66625,  29.363372, 15.351105,
                                    89.983346, 60.325848, 24.235393, 79.413024, 32.441011,
                                    77.809248, 21.934555, 59.175083, 92.841267, 26.204273};
    /* 21 vs 21 without ties: one past the exact limit. */
    static const double n21_x[] = {56.213562, 33.049894, 82.288736, 43.55213,  94.093031,
                                   74.877125, 4.889827,  89.80586,  46.411872, 74.208866,
                                   80.253933, 67.640976, 38.793355, 92.651263, 36.796714,
                                   66.539803, 85.97996,  96.05053,  0.55191,   91.176643,
                                   77.528726};
    static const double n21_y[] = {76.213562,  99.594362, 96.848009,  90.085447,
                                   21.817783,  105.019202, 59.543109, 86.287581,
                                   92.960159,  82.94331199999999, 58.764363, 22.370651,
                                   72.300355,  112.793601, 47.867549, 72.36878200000001,
                                   90.010852,  101.401832, 107.064928, 107.454195,
                                   102.966692};
    /* 25 vs 30 with many ties, and the same shifted by 0.5 without ties. */
    static const double n25_x[] = {56.213562, 12.390153, 7.822128,  22.57566,  85.335345,
                                   16.551275, 18.717738, 0.330723,  62.188724, 13.047012,
                                   48.979486, 74.593557, 91.165038, 2.726674,  4.128425,
                                   96.079783, 85.180273, 68.941931, 47.806199, 22.156843,
                                   89.329983, 55.621983, 18.29574,  74.585746, 30.702209};
    static const double n30_y[] = {56.213562, 7.822128,  85.335345, 18.717738, 62.188724,
                                   48.979486, 91.165038, 4.128425,  85.180273, 47.806199,
                                   89.329983, 18.29574,  30.702209, 31.153625, 20.960815,
                                   1.211251,  69.818954, 33.56092,  87.104261, 37.026805,
                                   77.832981, 15.966241, 45.818912, 70.740079, 91.041984,
                                   10.005244, 21.883167, 29.905331, 34.280585, 35.199577};
    /* Shifted as in the Python script, whose float additions round the same way. */
    double n30s_y[30];
    for (size_t i = 0; i < 30; i++)
        n30s_y[i] = n30_y[i] + 0.5;

    const ref refs[] = {
        {"scipy docs", docs_x, docs_y, 5, 4, 17, 0.1111111111111111, 0.11134688653314041},
        {"3 vs 3 separated", sep3_x, sep3_y, 3, 3, 0, 0.1, 0.08085559837005224},
        {"5 vs 5 separated", sep5_x, sep5_y, 5, 5, 0, 0.007936507936507936,
         0.012185780355344813},
        {"6 vs 7 mixed", mix_x, mix_y, 6, 7, 15, 0.4452214452214452, 0.43203489200500755},
        {"1 vs 4", one_x, one_y, 1, 4, 2, 1.0, 1.0},
        {"ties", ties_x, ties_y, 7, 8, 16.5, -1, 0.19526374312788042},
        {"infinities", inf_x, inf_y, 5, 5, 7.5, -1, 0.17971249487899976},
        {"infinities 2", inf2_x, inf2_y, 5, 5, 3.5, -1, 0.06695528231736841},
        {"20 vs 20 one tie", n20_x, n20_y, 20, 20, 146.5, -1, 0.15165162048051126},
        {"20 vs 20 exact", n20b_x, n20b_y, 20, 20, 223, 0.5468230177665782,
         0.5427717015170068},
        {"21 vs 21", n21_x, n21_y, 21, 21, 130, -1, 0.023573092816297346},
        {"25 vs 30 ties", n25_x, n30_y, 25, 30, 357.5, -1, 0.7737908632888253},
        {"25 vs 30", n25_x, n30s_y, 25, 30, 347, -1, 0.6420497358773687},
    };
    for (size_t i = 0; i < N_OF(refs); i++)
        check_ref(&refs[i]);
}

/* Degenerate input: every value tied gives p = 1; empty samples and NaN are refused. */
static void check_edges(void)
{
    const double same[] = {7, 7, 7}, nan_x[] = {1, NAN};
    pb__mw_result r;
    CHECK(pb__mann_whitney(same, 3, same, 3, &r) == 0 && r.p == 1 && r.u == 4.5 && !r.exact &&
              r.ties,
          "all tied: p = %g, U = %g", r.p, r.u);
    const double inf5[] = {INFINITY, INFINITY, INFINITY, INFINITY, INFINITY};
    CHECK(pb__mann_whitney(inf5, 5, inf5, 5, &r) == 0 && r.p == 1, "all never: p = %g", r.p);
    CHECK(pb__mann_whitney(same, 0, same, 3, &r) == -1, "empty x refused");
    CHECK(pb__mann_whitney(same, 3, same, 0, &r) == -1, "empty y refused");
    CHECK(pb__mann_whitney(nan_x, 2, same, 3, &r) == -1, "NaN refused");
}

int main(void)
{
    check_distribution();
    check_min_p();
    check_median();
    check_scipy();
    check_edges();
    return check_summary("stats");
}
