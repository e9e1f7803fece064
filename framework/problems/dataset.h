/*
 * Small real data sets for the problem kinds (stochastic now; bilevel, policy and sequence
 * later): a loader for plain CSV files, with clear errors for a missing or malformed file,
 * and standardization fitted on the training part only.
 *
 * File format (datasets/<name>/train.csv and test.csv): UTF-8 text, C locale, one header
 * line (column names, ignored but counted), then one sample per line: d numbers, then an
 * integer class label in [0, 1000000). Every line has the same number of fields; blank
 * lines are an error except at the end of the file.
 *
 * Ownership: a pb__dataset owns its arrays; pb__dataset_free releases them.
 */
#ifndef PLUGBENCH_DATASET_H
#define PLUGBENCH_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef struct pb__dataset {
    uint32_t n;         /* samples */
    uint32_t d;         /* features */
    uint32_t n_classes; /* 1 + the largest label */
    double *x;          /* n x d, row-major */
    uint32_t *y;        /* n labels */
} pb__dataset;

/*
 * Reads one CSV file. Returns 0, or -1 with a message naming the file (and the line and
 * column when the content is at fault) in err; then *out is zeroed.
 */
int pb__dataset_read_csv(const char *path, pb__dataset *out, char *err, size_t errlen);

/* Frees the arrays (a zeroed dataset is fine) and zeroes it. */
void pb__dataset_free(pb__dataset *ds);

/*
 * Standardizes every feature of train and test with the mean and standard deviation
 * (divisor n) of train; a feature constant on train is only centered. train->d must equal
 * test->d (test may be NULL).
 */
void pb__dataset_standardize(pb__dataset *train, pb__dataset *test);

/*
 * The directory that holds the data sets: $PLUGBENCH_DATASET_DIR when set, else the
 * source tree's datasets/ when this executable runs from the build tree, else the installed
 * one (<datadir>/plugbench/datasets, found relative to the executable: see
 * pb__installed_dir). Static string.
 */
const char *pb__dataset_dir(void);

/*
 * Opens data set name: reads <dir>/<name>/train.csv and test.csv, checks that they have
 * the same number of features, and standardizes both on train. Returns 0, or -1 with a
 * message in err (nothing to free then).
 */
int pb__dataset_open(const char *name, pb__dataset *train, pb__dataset *test, char *err,
                     size_t errlen);

#endif
