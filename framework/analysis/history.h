/*
 * The analysis half of `plugbench history`: given the results measured at each commit of a
 * range, oldest first, the series of every experiment and metric over the commits, their
 * steps, and the page that shows them (cmd_history.c measures the commits).
 *
 * A step is found between consecutive measured commits by the same rule as `plugbench
 * compare` (compare.h): an instruction count is deterministic, so a change beyond the
 * instructions threshold is a step, exactly at the commit that made it; quality and targets
 * are deterministic for a seed and judged over the seeds with the Mann-Whitney test and the
 * threshold, as the CI gate judges them. Noisy series (time) are not stepped at all: a
 * change point on wall time measured at different moments would be a guess. So the first
 * commit of a regression is the first measured commit after the step; when commits between
 * the two could not be measured (their build failed), they are named as well.
 *
 * Ownership: the returned cJSON is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_HISTORY_H
#define PLUGBENCH_HISTORY_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "compare.h"

#define PB__HISTORY_SCHEMA "plugbench/history/1"

/* One commit of the range, as measured. */
typedef struct pb__history_commit {
    const char *sha, *subject;
    const char *status;  /* "ok", "build failed" or "run failed" */
    const char *dir;     /* its directory, relative to the history directory */
    const char *results; /* its results file (status "ok"): absolute, or relative to cwd */
} pb__history_commit;

typedef struct pb__history_options {
    pb__compare_options cmp; /* metrics, alpha and thresholds of the steps */
    const char *dir;         /* the history directory: history.json, index.html, plots/ */
    const char *range;       /* as given, for the page */
    int plots;               /* draw the trend plots (needs gnuplot) */
} pb__history_options;

/*
 * Finds the series and steps of commits[0..n) (oldest first) and writes dir/history.json
 * (schema PB__HISTORY_SCHEMA: README.md, "History across commits", lists its fields) and
 * dir/index.html, with one gnuplot trend plot per series in dir/plots/ when opt->plots.
 * Returns the document, or NULL with a message (a file that cannot be written, gnuplot
 * missing or failing, out of memory). A commit whose results cannot be read is not a
 * failure: it is listed with the reason, as not measured.
 */
cJSON *pb__history(const pb__history_commit *commits, size_t n, const pb__history_options *opt,
                   char *err, size_t errlen);

/* Prints the document's regressions and improvements, one line each, to f. */
void pb__history_print(const cJSON *doc, FILE *f);

#endif
