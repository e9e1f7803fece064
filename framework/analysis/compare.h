/*
 * Comparing two results files (`plugbench compare BASE NEW`): runs are grouped by what
 * makes them the same experiment -- plugin name, problem id, parameters, budget and
 * target -- and within a group paired by seed. The plugin's version, sha256 and path are
 * deliberately not part of that key: a changed plugin binary is exactly what a comparison
 * (and the CI regression gate) is there to judge.
 *
 * For every group in both files and every selected metric, the values over the common
 * seeds are compared with the two-sided Mann-Whitney U test (stats.h). A metric regressed
 * when the test rejects at alpha AND its median got worse by more than the relative
 * threshold; improved symmetrically; identical when every seed gave the same value (the
 * deterministic metrics of an unchanged plugin); similar otherwise. All metrics are lower
 * is better. A run that is not `ok` counts as +infinity (worse than any finished run) in
 * every metric, and a run that was `ok` in BASE and is not in NEW is a regression by
 * itself. Groups present in only one file are listed, never regressions.
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_COMPARE_H
#define PLUGBENCH_COMPARE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PB__COMPARE_SCHEMA "plugbench/compare/1"

/* The metrics a comparison may look at (bits of pb__compare_options.metrics). */
#define PB__CMP_QUALITY 1u /* the main metric of the final solution: first key of `metrics` */
#define PB__CMP_TARGET 2u  /* cost to reach the run's target (`target_hit`) and each of the
                             kind's fixed targets (`target_hits`); +inf when never reached */
#define PB__CMP_TIME 4u    /* algorithm time: `time.algorithm_seconds` (noisy: same machine only) */
#define PB__CMP_ALL (PB__CMP_QUALITY | PB__CMP_TARGET | PB__CMP_TIME)
#define PB__CMP_INSTRUCTIONS 8u /* `instructions` (run --count-instructions, bench
                                   --instructions): deterministic, compared without a test
                                   against instructions_threshold; only when named */

typedef struct pb__compare_options {
    unsigned metrics; /* PB__CMP_* bits, at least one */
    double alpha;     /* significance level of the two-sided test, in (0, 1) */
    double threshold; /* relative change of the median that counts, >= 0 (0.05 = 5%) */
    const char *base_name, *new_name; /* written into the verdict as "base" and "new" */
    double instructions_threshold; /* relative change of an instruction count that counts */
} pb__compare_options;

/*
 * Parses a comma-separated list of metric names (quality, target, time, instructions, or
 * all: the first three) into PB__CMP_* bits. Returns the bits, or 0 for an empty list or an unknown name.
 */
unsigned pb__compare_parse_metrics(const char *list);

/*
 * Loads the runs of a results file (or of a journal) for comparison into *records, a new
 * array, with pb__results_load_checked (each run carries plugin name, problem id, seed and
 * status, and its names are plain words); the JSON of bench --instructions too, one run per
 * kernel (pb__instructions_load). Returns 0, or -1 with a one-line message naming
 * the file: it does not exist, is not a plugbench results file, holds no runs, or a run
 * lacks a field or carries a name that is not a plain word.
 */
int pb__compare_load(const char *path, cJSON **records, char *err, size_t errlen);

/*
 * Compares the runs of NEW against those of BASE and returns the verdict document (schema
 * PB__COMPARE_SCHEMA; README.md, "Regression tracking", lists its fields): "verdict"
 * ("regressed" or "ok"), the options, "counts", one entry per compared group under
 * "comparisons", and "only_base" / "only_new". Takes no ownership. Returns NULL with a
 * message when the input cannot be compared: two runs of the same group and seed in one
 * file, or no group with a seed in common.
 */
cJSON *pb__compare(const cJSON *base, const cJSON *new_runs, const pb__compare_options *opt,
                   char *err, size_t errlen);

#endif
