/*
 * Instruction counts in comparisons: the JSON of `plugbench bench --instructions` (schema
 * PB__INSTRUCTIONS_SCHEMA) read as runs compare.c can group, and the verdict on a count.
 * A count under callgrind is deterministic, so it needs no statistical test: equal is
 * identical, and a change of more than the threshold is a regression or an improvement.
 */
#ifndef PLUGBENCH_INSTRUCTIONS_H
#define PLUGBENCH_INSTRUCTIONS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PB__INSTRUCTIONS_SCHEMA "plugbench/instructions/1"

/*
 * When the file at path is a bench --instructions file, appends one run per kernel to runs,
 * shaped as compare.c reads runs: plugin.name and version, problem.id, parameters
 * {"microkernel": KERNEL}, seed 1, status, and "instructions" (per iteration; null when
 * the kernel failed), each passing pb__record_check. Returns 1 when it did, 0 when the
 * file is something else (runs unchanged), -1 with a message naming the file when it is an
 * instructions file that cannot be read.
 */
int pb__instructions_load(const char *path, cJSON *runs, char *err, size_t errlen);

/*
 * The verdict on counts over n seeds (bv[i], nv[i] > 0, finite): "identical" when every
 * pair is equal, else by the relative change of the medians: "regressed" above threshold,
 * "improved" below -threshold, "similar" within. Adds metric, name, base_median,
 * new_median, change and verdict to a new object, returned (NULL when out of memory).
 */
cJSON *pb__compare_counts(const double *bv, const double *nv, size_t n, double threshold);

#endif
