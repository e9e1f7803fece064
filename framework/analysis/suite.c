/* A reproduction suite's claims: parsing and evaluating them; see suite.h. */
#include "suite.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results_file.h"
#include "stats.h"

static const char *const statistics[] = {"mean", "median", "min", "max", "fraction_below"};
static const char *const comparisons[] = {"<", "<=", ">", ">="};

/* The string at key of o (NULL when absent or not a non-empty string). */
static const char *text_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

/* Index of s in names[0..n), or -1. */
static int index_of(const char *s, const char *const *names, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)i;
    return -1;
}

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* Fills c from claim object o (the k-th, from 1). 0, or -1 with a message. */
static int parse_claim(const cJSON *o, size_t k, pb__claim *c, char *err, size_t errlen)
{
    static const char *const keys[] = {"claim",  "algorithm",  "problem",   "metric", "statistic",
                                       "below", "comparison", "threshold", "paper",
                                       "at_iterations"};
    if (!cJSON_IsObject(o)) {
        snprintf(err, errlen, "suite: claim %zu is not an object", k);
        return -1;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, o) {
        if (index_of(item->string, keys, sizeof keys / sizeof keys[0]) < 0) {
            snprintf(err, errlen, "suite: claim %zu: unknown key '%s'", k, item->string);
            return -1;
        }
    }
    const char *required[] = {"claim", "algorithm", "problem", "metric", "statistic",
                              "comparison", "paper"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!text_of(o, required[i])) {
            snprintf(err, errlen, "suite: claim %zu: '%s' must be a non-empty string", k,
                     required[i]);
            return -1;
        }
    c->text = text_of(o, "claim");
    c->algorithm = text_of(o, "algorithm");
    c->problem = text_of(o, "problem");
    c->metric = text_of(o, "metric");
    c->paper = text_of(o, "paper");
    c->comparison = text_of(o, "comparison");
    c->statistic = index_of(text_of(o, "statistic"), statistics, sizeof statistics / sizeof *statistics);
    if (c->statistic < 0) {
        snprintf(err, errlen, "suite: claim %zu: statistic '%s' is none of mean, median, min, "
                 "max, fraction_below", k, text_of(o, "statistic"));
        return -1;
    }
    if (index_of(c->comparison, comparisons, sizeof comparisons / sizeof *comparisons) < 0) {
        snprintf(err, errlen, "suite: claim %zu: comparison '%s' is none of <, <=, >, >=", k,
                 c->comparison);
        return -1;
    }
    const cJSON *threshold = cJSON_GetObjectItemCaseSensitive(o, "threshold");
    const cJSON *below = cJSON_GetObjectItemCaseSensitive(o, "below");
    if (!cJSON_IsNumber(threshold) || !isfinite(threshold->valuedouble)) {
        snprintf(err, errlen, "suite: claim %zu: 'threshold' must be a finite number", k);
        return -1;
    }
    c->threshold = threshold->valuedouble;
    int fraction = c->statistic == PB__STAT_FRACTION_BELOW;
    if (fraction != (below != NULL) || (below && (!cJSON_IsNumber(below) ||
                                                  !isfinite(below->valuedouble)))) {
        snprintf(err, errlen, "suite: claim %zu: 'below' (a finite number) goes with "
                 "statistic fraction_below, and only with it", k);
        return -1;
    }
    c->below = below ? below->valuedouble : NAN;
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(o, "at_iterations");
    if (at && (!cJSON_IsNumber(at) || !(at->valuedouble >= 1 && at->valuedouble <= 9e15) ||
               at->valuedouble != floor(at->valuedouble))) {
        snprintf(err, errlen, "suite: claim %zu: 'at_iterations' must be a positive integer", k);
        return -1;
    }
    c->at_iterations = at ? at->valuedouble : 0;
    return 0;
}

int pb__suite_parse(const cJSON *block, pb__suite *out, char *err, size_t errlen)
{
    static const char *const keys[] = {"name", "plugin", "paper", "cpu_seconds", "claims"};
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(block)) {
        snprintf(err, errlen, "suite: must be an object {\"name\", \"plugin\", \"paper\", "
                 "\"cpu_seconds\", \"claims\"}");
        return -1;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, block) {
        if (index_of(item->string, keys, sizeof keys / sizeof keys[0]) < 0) {
            snprintf(err, errlen, "suite: unknown key '%s'", item->string);
            return -1;
        }
    }
    out->name = text_of(block, "name");
    out->plugin = text_of(block, "plugin");
    out->paper = text_of(block, "paper");
    if (!name_ok(out->name) || !name_ok(out->plugin) || !out->paper) {
        snprintf(err, errlen, "suite: 'name' and 'plugin' must be 1-64 characters [a-z0-9-], "
                 "'paper' a non-empty string");
        return -1;
    }
    const cJSON *seconds = cJSON_GetObjectItemCaseSensitive(block, "cpu_seconds");
    if (!cJSON_IsNumber(seconds) || !(seconds->valuedouble > 0 && seconds->valuedouble < 1e9)) {
        snprintf(err, errlen, "suite: 'cpu_seconds' must be a positive number");
        return -1;
    }
    out->cpu_seconds = seconds->valuedouble;
    const cJSON *claims = cJSON_GetObjectItemCaseSensitive(block, "claims");
    int n = cJSON_IsArray(claims) ? cJSON_GetArraySize(claims) : 0;
    if (n == 0) {
        snprintf(err, errlen, "suite: 'claims' must be a non-empty array");
        return -1;
    }
    out->claims = calloc((size_t)n, sizeof *out->claims);
    if (!out->claims) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    cJSON_ArrayForEach(item, claims) {
        if (parse_claim(item, out->n_claims + 1, &out->claims[out->n_claims], err, errlen) != 0) {
            pb__suite_free(out);
            return -1;
        }
        out->n_claims++;
    }
    return 0;
}

void pb__suite_free(pb__suite *s)
{
    free(s->claims);
    memset(s, 0, sizeof *s);
}

/*
 * The claim's metric in a record: its final value, or with at_iterations its value at the
 * trace point after that many steps; NaN when the run failed or has no such value.
 */
static double metric_of(const cJSON *rec, const pb__claim *c)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    if (!cJSON_IsString(status) || strcmp(status->valuestring, "ok") != 0)
        return NAN;
    if (c->at_iterations == 0) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(rec, "metrics"), c->metric);
        return cJSON_IsNumber(v) ? v->valuedouble : NAN;
    }
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(rec, "trace");
    const cJSON *iters = cJSON_GetObjectItemCaseSensitive(trace, "iterations");
    const cJSON *values = cJSON_GetObjectItemCaseSensitive(trace, c->metric);
    int i = 0;
    for (const cJSON *e = cJSON_IsArray(iters) ? iters->child : NULL; e; e = e->next, i++)
        if (cJSON_IsNumber(e) && e->valuedouble == c->at_iterations) {
            const cJSON *v = cJSON_IsArray(values) ? cJSON_GetArrayItem(values, i) : NULL;
            return cJSON_IsNumber(v) ? v->valuedouble : NAN;
        }
    return NAN;
}

static int compares(double v, const char *op, double threshold)
{
    switch (index_of(op, comparisons, sizeof comparisons / sizeof *comparisons)) {
    case 0: return v < threshold;
    case 1: return v <= threshold;
    case 2: return v > threshold;
    default: return v >= threshold;
    }
}

int pb__claim_evaluate(const pb__claim *c, const cJSON *runs, pb__claim_result *out, char *err,
                       size_t errlen)
{
    memset(out, 0, sizeof *out);
    size_t cap = (size_t)cJSON_GetArraySize(runs);
    double *v = malloc((cap ? cap : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const cJSON *rec;
    cJSON_ArrayForEach(rec, runs) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(rec, "problem"), "id");
        if (strcmp(pb__record_label(rec), c->algorithm) != 0 || !cJSON_IsString(id) ||
            strcmp(id->valuestring, c->problem) != 0)
            continue;
        double x = metric_of(rec, c);
        out->n_ok += isfinite(x) != 0;
        out->n_success += isfinite(x) && x < c->below;
        v[out->n_runs++] = x;
    }
    if (out->n_runs == 0) {
        free(v);
        snprintf(err, errlen, "no run of '%s' on '%s' in the results (is the claim's algorithm "
                 "a configuration label of the suite?)", c->algorithm, c->problem);
        return -1;
    }
    if (c->statistic == PB__STAT_FRACTION_BELOW)
        out->value = (double)out->n_success / (double)out->n_runs;
    else if (out->n_ok < out->n_runs)
        out->value = NAN;
    else if (c->statistic == PB__STAT_MEAN)
        out->value = pb__mean(v, out->n_runs);
    else if (c->statistic == PB__STAT_MEDIAN)
        out->value = pb__median(v, out->n_runs);
    else
        out->value = pb__quantile(v, out->n_runs, c->statistic == PB__STAT_MIN ? 0.0 : 1.0);
    out->holds = !isnan(out->value) && compares(out->value, c->comparison, c->threshold);
    free(v);
    return 0;
}

void pb__claim_format(const pb__claim *c, const pb__claim_result *r, char *buf, size_t len)
{
    if (c->statistic == PB__STAT_FRACTION_BELOW)
        snprintf(buf, len, "%zu/%zu = %.4g", r->n_success, r->n_runs, r->value);
    else if (isnan(r->value))
        snprintf(buf, len, "failed (%zu of %zu runs not ok)", r->n_runs - r->n_ok, r->n_runs);
    else
        snprintf(buf, len, "%.4g", r->value);
}

void pb__claim_condition(const pb__claim *c, char *buf, size_t len)
{
    char at[64] = "";
    if (c->at_iterations > 0)
        snprintf(at, sizeof at, " after %.0f steps", c->at_iterations);
    if (c->statistic == PB__STAT_FRACTION_BELOW)
        snprintf(buf, len, "fraction of seeds with %s%s < %g %s %g", c->metric, at, c->below,
                 c->comparison, c->threshold);
    else
        snprintf(buf, len, "%s of %s%s over seeds %s %g", statistics[c->statistic], c->metric,
                 at, c->comparison, c->threshold);
}
