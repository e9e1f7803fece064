/*
 * A paper's reproduction suite (docs/suites.md): a run config whose "suite" block names the
 * plugin and paper and states the paper's claims as data -- which runs (configuration label
 * and problem), which final metric, which statistic over the seeds, a comparison with a
 * threshold, and the paper's own figure for reference. This module reads that block and
 * evaluates each claim on the runs of a results file; `plugbench reproduce` prints the
 * verdicts and the report shows them. It does no I/O.
 *
 * Ownership: a parsed suite's strings point into the cJSON it was parsed from, which must
 * outlive it; pb__suite_free frees only the claims array.
 */
#ifndef PLUGBENCH_SUITE_H
#define PLUGBENCH_SUITE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The statistics over a claim's runs (one run per seed). */
enum { PB__STAT_MEAN, PB__STAT_MEDIAN, PB__STAT_MIN, PB__STAT_MAX, PB__STAT_FRACTION_BELOW };

typedef struct pb__claim {
    const char *text;      /* the claim in words */
    const char *algorithm; /* the configuration label whose runs it reads */
    const char *problem;   /* the problem id */
    const char *metric;    /* a key of the records' final metrics */
    double at_iterations;  /* > 0: the metric at the trace point after this many steps */
    int statistic;         /* PB__STAT_* */
    double below;          /* PB__STAT_FRACTION_BELOW: a run succeeds when metric < below */
    const char *comparison; /* "<", "<=", ">" or ">=": statistic comparison threshold holds */
    double threshold;
    const char *paper;     /* the paper's figure, as the paper gives it */
} pb__claim;

typedef struct pb__suite {
    const char *name;       /* [a-z0-9-], 1-64 */
    const char *plugin;     /* the plugin whose paper it reproduces */
    const char *paper;      /* the paper, as a citation */
    double cpu_seconds;     /* its runs' CPU time measured here (user + system) */
    pb__claim *claims;
    size_t n_claims;
} pb__suite;

/*
 * Parses and checks a "suite" block. Returns 0 with *out filled, or -1 with a message
 * naming the key at fault (out zeroed).
 */
int pb__suite_parse(const cJSON *block, pb__suite *out, char *err, size_t errlen);

void pb__suite_free(pb__suite *s);

/* A claim measured on runs. */
typedef struct pb__claim_result {
    size_t n_runs;    /* runs of the claim's algorithm on its problem */
    size_t n_ok;      /* of them with status ok and the metric finite */
    size_t n_success; /* PB__STAT_FRACTION_BELOW: of them with metric < below */
    double value;     /* the statistic; NaN when a run failed (except for fractions) */
    int holds;        /* 1 when value compares to the threshold as claimed */
} pb__claim_result;

/*
 * Measures claim c over runs (checked records, results_file.h): a failed run, or one
 * without the metric (or, with at_iterations, without a trace point there), counts as a failure for a fraction and makes any other statistic
 * NaN, so that the claim fails. Returns 0, or -1 with a message when no run matches
 * (the suite names runs it did not make).
 */
int pb__claim_evaluate(const pb__claim *c, const cJSON *runs, pb__claim_result *out, char *err,
                       size_t errlen);

/* "ours" as printed: "88/100 = 0.88" for a fraction, else the value to 4 digits. */
void pb__claim_format(const pb__claim *c, const pb__claim_result *r, char *buf, size_t len);

/* The condition as printed: "fraction of seeds with metric < 0.25 >= 0.95" and the like. */
void pb__claim_condition(const pb__claim *c, char *buf, size_t len);

#endif
