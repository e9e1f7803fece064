/*
 * seq-stocks: daily closing prices of four European stock indices, R's EuStockMarkets
 * (DAX, SMI, CAC, FTSE; 1860 trading days, 1991-1998; datasets/eustocks/, exported from
 * Debian's r-base-core by datasets/eustocks/export.sh, with its provenance in the README).
 * Each index is min-max scaled to [0, 1] over the whole series, as TimeGAN scales its stock
 * data. The series is cut by time: the first 80 % of the days (0 .. 1487) give the training
 * windows, the last 20 % (1488 .. 1859) the test windows, each every window of 24
 * consecutive days inside its part (stride 1, overlapping): 1465 training windows
 * (starting on days 0 .. 1464) and 349 test windows (1488 .. 1836). No test window shares
 * a day with a training window.
 */
#include "seq_problem.h"

#include <stdio.h>
#include <string.h>

#include "../dataset.h"

#define ST_DAYS 1860
#define ST_DIM 4
#define ST_LENGTH 24
#define ST_SPLIT 1488 /* floor(0.8 * 1860) */
#define ST_TRAIN (ST_SPLIT - ST_LENGTH + 1)
#define ST_TEST (ST_DAYS - ST_SPLIT - ST_LENGTH + 1)

static int open_stocks(const pb__family *family, const char *id, pb__problem **out, char *err,
                       size_t errlen)
{
    (void)family;
    if (strncmp(id, "seq-stocks", 10) != 0)
        return 1;
    if (strcmp(id, "seq-stocks") != 0) {
        snprintf(err, errlen, "malformed problem id '%s': expected seq-stocks", id);
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/eustocks/eustocks.csv", pb__dataset_dir());
    pb__dataset ds;
    if (pb__dataset_read_csv(path, &ds, err, errlen) != 0)
        return -1;
    int ok = ds.n == ST_DAYS && ds.d == ST_DIM;
    for (uint32_t i = 0; ok && i < ds.n; i++)
        ok = ds.y[i] == i + 1;
    if (!ok) {
        snprintf(err, errlen, "%s: expected %u days of %u indices and the day numbered from 1 "
                 "in the last column, found %u rows of %u values", path, ST_DAYS, ST_DIM, ds.n,
                 ds.d);
        pb__dataset_free(&ds);
        return -1;
    }
    for (uint32_t j = 0; j < ST_DIM; j++) {
        double lo = ds.x[j], hi = ds.x[j];
        for (uint32_t i = 0; i < ST_DAYS; i++) {
            double v = ds.x[(size_t)i * ST_DIM + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        for (uint32_t i = 0; i < ST_DAYS; i++)
            ds.x[(size_t)i * ST_DIM + j] = (ds.x[(size_t)i * ST_DIM + j] - lo) / (hi - lo);
    }
    pb__seq_problem *p = pb__seq_problem_new(ST_DIM, ST_LENGTH, ST_TRAIN, ST_TEST, 0.0, 1.0);
    if (!p) {
        pb__dataset_free(&ds);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t row = (size_t)ST_LENGTH * ST_DIM;
    for (uint32_t w = 0; w < ST_TRAIN; w++)
        memcpy(p->train + w * row, ds.x + (size_t)w * ST_DIM, row * sizeof(double));
    for (uint32_t w = 0; w < ST_TEST; w++)
        memcpy(p->test + w * row, ds.x + (size_t)(ST_SPLIT + w) * ST_DIM, row * sizeof(double));
    pb__dataset_free(&ds);
    *out = &p->base;
    return 0;
}

const pb__family pb__family_seq_stocks = {
    &pb__kind_sequence, "seq-stocks", "seq-stocks",
    "R's EuStockMarkets (DAX, SMI, CAC, FTSE daily, 1991-1998), min-max scaled, windows of "
    "24 days: 1465 train from the first 80 % of days, 349 test from the last 20 %",
    open_stocks};
