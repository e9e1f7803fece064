/*
 * Convergence plots with gnuplot: for each problem in a set of result records, the main
 * metric against the cost unit, the median over seeds per algorithm. The full reporting
 * (bands, profiles, ECDFs, leaderboards) builds on this.
 */
#ifndef PLUGBENCH_PLOT_H
#define PLUGBENCH_PLOT_H

#include <stddef.h>

#include <cjson/cJSON.h>

/*
 * Writes DIR/<problem>.dat (C locale), DIR/<problem>.gp and, by running gnuplot,
 * DIR/<problem>.png for every problem in records. Returns the number of PNGs written, or
 * -1 with a message (gnuplot missing, a file that cannot be written).
 */
int pb__plot_convergence(const cJSON *records, const char *dir, char *err, size_t errlen);

/*
 * The median over runs of a step-function trace at cost x: each run contributes the value
 * of its last trace point with cost <= x, if it has one and has not ended before x.
 * costs[r] and values[r] hold run r's n[r] points. Returns NaN when no run contributes.
 * Exposed for the tests.
 */
double pb__trace_median_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs);

#endif
