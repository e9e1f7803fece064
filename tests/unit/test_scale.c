/*
 * The paths that were quadratic stay linear (or n log n), checked without a clock: the hash
 * map's key comparisons are counted (about one per lookup at any size), and the cases that
 * a return of a scan would make take hours -- 100,000 experiments to compare, 100,000 seeds
 * of one experiment, a rank test of 100,000 values against 100,000, a million parameter
 * names -- finish within the test's time limit.
 * bench/scale/README.md measures the times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "compare.h"
#include "params.h"
#include "stats.h"
#include "strmap.h"

#define N_KEYS 200000

/* Interning and finding 200,000 keys costs about one key comparison each. */
static void check_strmap(void)
{
    char **keys = malloc(N_KEYS * sizeof *keys);
    pb__strmap m = {0};
    size_t fresh = 0;
    for (size_t i = 0; i < N_KEYS; i++) {
        char text[64];
        snprintf(text, sizeof text, "[\"alg\",\"sphere-d2-i%zu\",{\"batch\":10}]", i);
        keys[i] = strdup(text);
        fresh += pb__strmap_intern(&m, keys[i], i) == i;
    }
    CHECK(fresh == N_KEYS && m.n == N_KEYS, "%zu distinct keys interned", fresh);
    size_t before = m.compares, found = 0;
    for (size_t i = 0; i < N_KEYS; i++)
        found += pb__strmap_get(&m, keys[i]) == i;
    CHECK(found == N_KEYS, "every key finds its index (%zu of %d)", found, N_KEYS);
    CHECK(pb__strmap_intern(&m, keys[7], 99) == 7, "interning a known key returns its index");
    CHECK(pb__strmap_get(&m, "absent") == (size_t)-1, "an absent key is not found");
    double per = (double)(m.compares - before) / N_KEYS;
    CHECK(per >= 1 && per < 1.1, "%.3f key comparisons per lookup (a scan would make %d)", per,
          N_KEYS / 2);
    pb__strmap_free(&m);
    for (size_t i = 0; i < N_KEYS; i++)
        free(keys[i]);
    free(keys);
}

/* A minimal record that compare accepts: algorithm, problem, seed, status, one metric. */
static cJSON *run(const char *problem, double seed, double metric)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "plugin"), "name", "alg");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "problem"), "id", problem);
    cJSON_AddNumberToObject(r, "seed", seed);
    cJSON_AddStringToObject(r, "status", "ok");
    cJSON_AddNumberToObject(cJSON_AddObjectToObject(r, "metrics"), "best_error", metric);
    return r;
}

/* 100,000 experiments of one seed each, then one experiment of 100,000 seeds. */
static void check_compare(void)
{
    pb__compare_options opt = {.metrics = PB__CMP_QUALITY, .alpha = 0.05, .threshold = 0.05};
    char err[512] = "";
    for (int shape = 0; shape < 2; shape++) {
        cJSON *base = cJSON_CreateArray(), *nw = cJSON_CreateArray();
        for (int i = 0; i < 100000; i++) {
            char id[32];
            snprintf(id, sizeof id, "sphere-d2-i%d", shape ? 1 : i);
            /* NEW in the reverse order: pairing must not rely on the files' order. */
            cJSON_AddItemToArray(base, run(id, shape ? i : 1, i));
            snprintf(id, sizeof id, "sphere-d2-i%d", shape ? 1 : 99999 - i);
            cJSON_AddItemToArray(nw, run(id, shape ? 99999 - i : 1, 99999 - i));
        }
        cJSON *doc = pb__compare(base, nw, &opt, err, sizeof err);
        const cJSON *counts = cJSON_GetObjectItem(doc, "counts");
        double compared = cJSON_GetObjectItem(counts, "compared")->valuedouble;
        double identical = cJSON_GetObjectItem(counts, "identical")->valuedouble;
        CHECK(doc && compared == (shape ? 1 : 100000) && identical == compared,
              "%s: %g compared, %g identical", shape ? "100000 seeds" : "100000 experiments",
              compared, identical);
        cJSON_Delete(doc);
        /* A seed taken twice is still refused. */
        cJSON_AddItemToArray(nw, run("sphere-d2-i1", shape ? 5 : 1, 0));
        doc = pb__compare(base, nw, &opt, err, sizeof err);
        CHECK(!doc && strstr(err, shape ? "NEW has two runs of alg on sphere-d2-i1 with seed 5"
                                        : "NEW has two runs of alg on sphere-d2-i1 with seed 1"),
              "%s", err);
        cJSON_Delete(doc);
        cJSON_Delete(base);
        cJSON_Delete(nw);
    }
}

/* The Mann-Whitney U of 100,000 values against 100,000, with and without ties. */
static void check_mann_whitney(void)
{
    size_t n = 100000;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        x[n - 1 - i] = (double)i; /* unsorted: the ranks come from sorting */
        y[i] = (double)i + 0.5;
    }
    pb__mw_result r;
    CHECK(pb__mann_whitney(x, n, y, n, &r) == 0 && r.u == (double)n * (double)(n - 1) / 2 &&
          !r.ties, "U = n(n-1)/2 = %.0f without ties: %.1f", (double)n * (double)(n - 1) / 2, r.u);
    for (size_t i = 0; i < n; i++)
        y[i] = (double)(i / 2 * 2); /* each even value twice (and once in x) */
    /* x = v scores 2 per even below v, and 1/2 per tie (v even: two of them): v + 1. */
    double expect = (double)n * (double)(n + 1) / 2;
    CHECK(pb__mann_whitney(x, n, y, n, &r) == 0 && r.u == expect && r.ties,
          "with ties: U %.1f, expected %.1f", r.u, expect);
    free(x);
    free(y);
}

/* A million parameter names: the duplicate found is the first in declaration order. */
static void check_params(void)
{
    uint32_t n = 1000000;
    pb_param *params = calloc(n, sizeof *params);
    char (*names)[16] = calloc(n, sizeof *names);
    for (uint32_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "p%u", (unsigned)((i * 7919ull) % n));
        params[i].name = names[i];
    }
    pb_plugin desc = {.name = "many", .n_params = n, .params = params};
    const char *twice = NULL;
    CHECK(pb__params_duplicate(&desc, &twice) == 0, "a million distinct names: no duplicate");
    params[n - 1].name = names[5];
    params[600000].name = names[700000];
    CHECK(pb__params_duplicate(&desc, &twice) == 1 && twice == names[700000],
          "the first name declared twice, in declaration order: %s", twice ? twice : "none");
    free(params);
    free(names);
}

int main(void)
{
    check_strmap();
    check_compare();
    check_mann_whitney();
    check_params();
    return check_summary("scale");
}
