/*
 * The pieces of plugbench tune that need no runs: the Halton sequence (its known first
 * points, and the stratification that makes it low-discrepancy, scrambled or not) and
 * search spaces (declared ranges, tune files, scales, rounding, refusals).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "halton.h"
#include "space.h"
#include "check.h"
#include "params.h"

/* CHECK with the condition as its message. */
#define EXPECT(cond) CHECK(cond, "%s", #cond)

/* The plain sequence's first points: radical inverses in bases 2, 3 and 5. */
static void test_known_points(void)
{
    static const double want[6][3] = {{0, 0, 0},           {0.5, 1. / 3, 0.2},
                                      {0.25, 2. / 3, 0.4}, {0.75, 1. / 9, 0.6},
                                      {0.125, 4. / 9, 0.8}, {0.625, 7. / 9, 0.04}};
    pb__halton *h = pb__halton_new(3, 0, 0);
    EXPECT(h != NULL);
    int close = 1;
    for (uint64_t i = 0; i < 6; i++) {
        double x[3];
        pb__halton_point(h, i, x);
        for (int j = 0; j < 3; j++)
            close &= fabs(x[j] - want[i][j]) < 1e-15;
    }
    EXPECT(close);
    pb__halton_free(h);
    EXPECT(pb__halton_new(0, 1, 1) == NULL);
    EXPECT(pb__halton_new(PB__HALTON_MAX_DIMS + 1, 1, 1) == NULL);
}

/*
 * The first 2^a 3^c points of dimensions 0 and 1 lie one in each of the 2^a x 3^c boxes
 * [i 2^-a, (i+1) 2^-a) x [j 3^-c, (j+1) 3^-c): the property that makes the discrepancy
 * O((log n)^2 / n). 72 independent uniform points leave about 72/e boxes empty.
 */
static void test_stratified(int scrambled, uint64_t seed)
{
    enum { A = 8, C = 9, N = A * C };
    pb__halton *h = pb__halton_new(4, scrambled, seed);
    int count[A][C] = {{0}}, in_range = 1, once = 1;
    for (uint64_t i = 0; i < N; i++) {
        double x[4];
        pb__halton_point(h, i, x);
        for (int j = 0; j < 4; j++)
            in_range &= x[j] >= 0 && x[j] < 1;
        /* Plain points sit on box edges (1/9 is not a double): the nudge keeps them in. */
        count[(int)(x[0] * A + 1e-9)][(int)(x[1] * C + 1e-9)]++;
    }
    for (int i = 0; i < A; i++)
        for (int j = 0; j < C; j++)
            once &= count[i][j] == 1;
    EXPECT(in_range);
    EXPECT(once);
    pb__halton_free(h);
}

static void test_scrambling(void)
{
    pb__halton *a = pb__halton_new(5, 1, 7), *b = pb__halton_new(5, 1, 7),
               *c = pb__halton_new(5, 1, 8);
    int same = 1, differ = 0;
    for (uint64_t i = 0; i < 20; i++) {
        double x[5], y[5], z[5];
        pb__halton_point(a, i, x);
        pb__halton_point(b, i, y);
        pb__halton_point(c, i, z);
        same &= memcmp(x, y, sizeof x) == 0;
        differ |= memcmp(x, z, sizeof x) != 0;
    }
    EXPECT(same);   /* the same seed, the same points */
    EXPECT(differ); /* another seed, other points */
    pb__halton_free(a);
    pb__halton_free(b);
    pb__halton_free(c);
}

static const pb_param params[] = {
    {.name = "lr", .type = PB_PARAM_REAL, .default_value = 0.1, .min = 0, .max = 1000},
    {.name = "n", .type = PB_PARAM_INT, .default_value = 20, .min = 1, .max = 1000000},
    {.name = "flag", .type = PB_PARAM_BOOL, .default_value = 1},
    {.name = "mode", .type = PB_PARAM_CHOICE, .default_value = 0, .choices = "a|b|c"},
};
static const pb_plugin desc = {.name = "toy", .n_params = 4, .params = params};

static int build(const char *file, const char *suite, pb__space *s, char *err, size_t errlen)
{
    cJSON *f = file ? cJSON_Parse(file) : NULL, *o = suite ? cJSON_Parse(suite) : NULL;
    int rc = pb__space_build(&desc, f, "toy.tune.json", o, s, err, errlen);
    cJSON_Delete(f);
    cJSON_Delete(o);
    return rc;
}

static void test_space(void)
{
    pb__space s;
    char err[512];
    pb_value v[4];
    /* The declared space: every parameter, linear, over its declared range. */
    EXPECT(build(NULL, NULL, &s, err, sizeof err) == 0);
    EXPECT(s.n_dims == 4 && !s.dims[0].log && s.dims[1].hi == 1000000);
    EXPECT(s.dims[2].n_values == 2 && s.dims[3].n_values == 3);
    pb__space_free(&s);

    EXPECT(build("{\"lr\": {\"min\": 1e-4, \"max\": 1, \"log\": true},"
                " \"n\": {\"min\": 10, \"max\": 1000, \"log\": true},"
                " \"flag\": {\"tune\": false}, \"mode\": {\"values\": [\"c\", \"a\"]}}",
                NULL, &s, err, sizeof err) == 0);
    EXPECT(s.n_dims == 3);
    double lo[3] = {0, 0, 0}, mid[3] = {0.5, 0.5, 0.5}, hi[3] = {0.999999, 0.999999, 0.999999};
    pb__params_defaults(&desc, v);
    pb__space_values(&s, lo, v);
    EXPECT(fabs(v[0].real - 1e-4) < 1e-18 && v[1].integer == 10 && v[2].integer == 1 &&
          v[3].integer == 2);
    pb__space_values(&s, mid, v);
    EXPECT(fabs(v[0].real - 1e-2) < 1e-15); /* the log scale's middle */
    EXPECT(v[1].integer >= 95 && v[1].integer <= 105); /* sqrt(9.5 * 1000.5), rounded */
    EXPECT(v[3].integer == 0);
    pb__space_values(&s, hi, v);
    EXPECT(v[0].real <= 1 && v[0].real > 0.99 && v[1].integer == 1000);
    pb__space_free(&s);

    /* Every integer of a small range gets drawn, ends included. */
    EXPECT(build("{\"n\": {\"min\": 1, \"max\": 3}}", NULL, &s, err, sizeof err) == 0);
    int seen[5] = {0};
    for (int k = 0; k < 30; k++) {
        double u[4] = {0, (k + 0.5) / 30, 0, 0};
        pb__space_values(&s, u, v);
        seen[v[1].integer >= 1 && v[1].integer <= 3 ? v[1].integer : 4]++;
    }
    EXPECT(seen[1] == 10 && seen[2] == 10 && seen[3] == 10);
    pb__space_free(&s);

    /* The suite's entry replaces the file's, per parameter. */
    EXPECT(build("{\"lr\": {\"tune\": false}}", "{\"lr\": {\"min\": 0.5, \"max\": 2}}", &s, err,
                sizeof err) == 0);
    EXPECT(s.n_dims == 4 && s.dims[0].lo == 0.5 && s.dims[0].hi == 2);
    pb__space_free(&s);

    static const char *const bad[][2] = {
        {"{\"nope\": {}}", "no parameter 'nope'"},
        {"{\"lr\": {\"min\": 0, \"log\": true}}", "above 0 on a log scale"},
        {"{\"lr\": {\"min\": 2, \"max\": 1}}", "is empty"},
        {"{\"lr\": {\"min\": 1e9}}", "within the declared range"},
        {"{\"n\": {\"min\": 1.5}}", "an integer"},
        {"{\"mode\": {\"values\": [\"d\"]}}", "not one of a|b|c"},
        {"{\"mode\": {\"min\": 1}}", "values, not min"},
        {"{\"lr\": {\"values\": [1]}}", "not values"},
        {"{\"lr\": {\"tune\": 1}}", "true or false"},
        {"{\"lr\": 3}", "must be an object"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        CHECK(build(bad[i][0], NULL, &s, err, sizeof err) == -1 && strstr(err, bad[i][1]),
              "%s refused with '%s': '%s'", bad[i][0], bad[i][1], err);
    }
}

int main(void)
{
    test_known_points();
    test_stratified(0, 0);
    test_stratified(1, 1);
    test_stratified(1, 12345);
    test_scrambling();
    test_space();
    return check_summary("tune");
}
