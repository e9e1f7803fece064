/*
 * The report (`plugbench report`, and the end of `plugbench run`): from one or more
 * results files, gnuplot plots in SVG and PNG, leaderboard tables in Markdown and HTML,
 * and DIR/index.html linking them all. Everything is computed from the records alone, so
 * a report can be redrawn from old results at any time.
 *
 * What it holds, per problem kind:
 *   - convergence curves per problem: the main metric against the cost unit and against
 *     algorithm seconds, median over seeds with the 25-75% band;
 *   - for a kind whose runs record fixed targets (target_hits; blackbox: COCO's 51),
 *     runtime ECDFs over them (fraction of (problem, target) pairs reached against cost /
 *     dimension);
 *   - performance profiles (Dolan and Moré 2002) and data profiles (Moré and Wild 2009)
 *     under Moré and Wild's convergence test with tolerance tau (with fixed targets: its
 *     threshold rounded down to one of them, whose costs are exact);
 *   - a leaderboard: rank, success rate, median cost to reach the target, median final
 *     main metric, with percentile bootstrap 95% intervals over seeds.
 * A run whose status is not "ok" is a failure in the leaderboards, ECDFs and profiles: it
 * reaches no target and its final quality is +infinity. The convergence plots draw its
 * trace up to where it stopped, and the pages list it with its message.
 *
 * The layout of DIR: index.html, leaderboard-<kind>.md and .html, and plots/<name>.{dat,
 * gp,svg,png} (the data in the C locale and the gnuplot script that draws it, runnable
 * again from plots/). All links are relative; the index has no external resources.
 */
#ifndef PLUGBENCH_REPORT_H
#define PLUGBENCH_REPORT_H

#include <stddef.h>

/* Returned for input that is not a readable plugbench results file (usage error). */
#define PB__REPORT_BAD_INPUT (-2)

/* Success when the main metric reaches this (lower is better, 0 optimal): COCO's last target. */
#define PB__REPORT_DEFAULT_TARGET 1e-8
/* Moré and Wild's tolerance for the profiles' convergence test. */
#define PB__REPORT_DEFAULT_TAU 1e-3

typedef struct pb__report_options {
    double target; /* success target for every kind; NaN: the kind's default (see below) */
    double tau;    /* tolerance of the profiles' convergence test, in (0, 1) */
} pb__report_options;

/* The defaults: target NaN (per kind: the runs' common --target, else 1e-8), tau 1e-3. */
pb__report_options pb__report_defaults(void);

/*
 * Writes the report of the runs in the results files (or journals) inputs[0..n) to dir,
 * creating it. Returns 0; PB__REPORT_BAD_INPUT with a one-line message naming the file
 * when an input is missing, is not a plugbench results file, lacks a field the report
 * needs or carries a name that is not a plain word, or when two problem ids would give
 * one plot file name (only an id made to equal another's hashed name can); or -1 with a message when gnuplot is missing or fails, or a file cannot be
 * written. Prints nothing.
 */
int pb__report_write(const char *const *inputs, size_t n, const char *dir,
                     const pb__report_options *opt, char *err, size_t errlen);

/* The default output directory for a results file: its directory + "/report". */
void pb__report_default_dir(const char *results, char *dir, size_t len);

#endif
