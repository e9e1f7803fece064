/* The CSV data-set loader; see dataset.h. */
#include "dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"
#include "readfile.h"

#ifndef PB_DATASET_INSTALL_DIR
#define PB_DATASET_INSTALL_DIR "/usr/local/share/plugbench/datasets"
#endif
#ifndef PB_DATASET_SOURCE_DIR
#define PB_DATASET_SOURCE_DIR "datasets"
#endif
#ifndef PB_DATASET_DIR_FROM_BINDIR
#define PB_DATASET_DIR_FROM_BINDIR "../share/plugbench/datasets"
#endif

#define MAX_LABEL 1000000u

/* Reads the whole file into a NUL-terminated buffer; NULL with a message on failure. */
static char *slurp(const char *path, char *err, size_t errlen)
{
    size_t len;
    char *buf = pb__read_file(path, &len);
    if (!buf && (errno == EIO || errno == ENOMEM))
        snprintf(err, errlen, "%s: %s", path, errno == EIO ? "read error" : "out of memory");
    else if (!buf)
        snprintf(err, errlen, "%s: cannot open data file: %s", path, strerror(errno));
    return buf;
}

/* Number of comma-separated fields on the line starting at s (up to '\n' or NUL). */
static uint32_t count_fields(const char *s)
{
    uint32_t n = 1;
    for (; *s && *s != '\n'; s++)
        n += *s == ',';
    return n;
}

int pb__dataset_read_csv(const char *path, pb__dataset *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char *text = slurp(path, err, errlen);
    if (!text)
        return -1;
    /* Strip trailing blank lines and carriage returns' effect: count the data lines. */
    size_t len = strlen(text);
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        text[--len] = '\0';
    char *p = text;
    if (!*p) {
        snprintf(err, errlen, "%s: empty file (expected a header line and samples)", path);
        goto fail;
    }
    uint32_t cols = count_fields(p);
    if (cols < 2) {
        snprintf(err, errlen, "%s:1: the header has %u column; expected features then a label",
                 path, cols);
        goto fail;
    }
    uint64_t lines = 0;
    for (const char *q = p; *q; q++)
        lines += *q == '\n';
    if (lines == 0) {
        snprintf(err, errlen, "%s: no samples after the header line", path);
        goto fail;
    }
    out->n = (uint32_t)lines;
    out->d = cols - 1;
    out->x = malloc((size_t)out->n * out->d * sizeof(double));
    out->y = malloc((size_t)out->n * sizeof(uint32_t));
    if (!out->x || !out->y) {
        snprintf(err, errlen, "%s: out of memory for %u x %u values", path, out->n, cols);
        goto fail;
    }
    p = strchr(p, '\n') + 1;
    for (uint32_t i = 0; i < out->n; i++) {
        uint32_t line = i + 2;
        for (uint32_t j = 0; j < cols; j++) {
            char *end = p;
            double v = 0.0;
            int bad = 1;
            /* strtod would skip a newline and read the next line: an empty field is bad. */
            if (*p != ',' && *p != '\n' && *p != '\r' && *p != '\0') {
                errno = 0;
                v = strtod(p, &end);
                bad = end == p || errno == ERANGE || !isfinite(v);
            }
            if (*end == '\r')
                end++;
            char want = j + 1 < cols ? ',' : '\n';
            if (!bad && *end != want && !(j + 1 == cols && *end == '\0')) {
                if (*end == ',' || *end == '\n' || *end == '\0')
                    snprintf(err, errlen, "%s:%u: expected %u fields like the header, found %s",
                             path, line, cols, *end == ',' ? "more" : "fewer");
                else
                    snprintf(err, errlen, "%s:%u: field %u is not a number", path, line, j + 1);
                goto fail;
            }
            if (bad) {
                if (*p == '\n' || *p == ',' || *p == '\0')
                    snprintf(err, errlen, "%s:%u: field %u is empty%s", path, line, j + 1,
                             j == 0 && *p == '\n' ? " (blank line)" : "");
                else
                    snprintf(err, errlen, "%s:%u: field %u is not a finite number", path, line,
                             j + 1);
                goto fail;
            }
            if (j + 1 < cols) {
                out->x[(size_t)i * out->d + j] = v;
            } else {
                if (v < 0 || v >= MAX_LABEL || v != floor(v)) {
                    snprintf(err, errlen,
                             "%s:%u: the label (last field) must be an integer in [0, %u), "
                             "found %.17g", path, line, MAX_LABEL, v);
                    goto fail;
                }
                out->y[i] = (uint32_t)v;
                if (out->y[i] + 1 > out->n_classes)
                    out->n_classes = out->y[i] + 1;
            }
            p = *end ? end + 1 : end;
        }
    }
    free(text);
    return 0;
fail:
    free(text);
    pb__dataset_free(out);
    return -1;
}

void pb__dataset_free(pb__dataset *ds)
{
    free(ds->x);
    free(ds->y);
    memset(ds, 0, sizeof *ds);
}

void pb__dataset_standardize(pb__dataset *train, pb__dataset *test)
{
    for (uint32_t j = 0; j < train->d; j++) {
        double mean = 0.0, var = 0.0;
        for (uint32_t i = 0; i < train->n; i++)
            mean += train->x[(size_t)i * train->d + j];
        mean /= train->n;
        for (uint32_t i = 0; i < train->n; i++) {
            double z = train->x[(size_t)i * train->d + j] - mean;
            var += z * z;
        }
        double sd = sqrt(var / train->n);
        double scale = sd > 0.0 ? 1.0 / sd : 1.0;
        for (uint32_t i = 0; i < train->n; i++)
            train->x[(size_t)i * train->d + j] = (train->x[(size_t)i * train->d + j] - mean) * scale;
        for (uint32_t i = 0; test && i < test->n; i++)
            test->x[(size_t)i * test->d + j] = (test->x[(size_t)i * test->d + j] - mean) * scale;
    }
}

const char *pb__dataset_dir(void)
{
    const char *env = getenv("PLUGBENCH_DATASET_DIR");
    if (env && *env)
        return env;
    struct stat st;
    if (pb__running_from_build_tree() && stat(PB_DATASET_SOURCE_DIR, &st) == 0 &&
        S_ISDIR(st.st_mode))
        return PB_DATASET_SOURCE_DIR;
    static char installed[PATH_MAX];
    return pb__installed_dir(PB_DATASET_DIR_FROM_BINDIR, PB_DATASET_INSTALL_DIR, installed);
}

int pb__dataset_open(const char *name, pb__dataset *train, pb__dataset *test, char *err,
                     size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/train.csv", pb__dataset_dir(), name);
    if (pb__dataset_read_csv(path, train, err, errlen) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/%s/test.csv", pb__dataset_dir(), name);
    if (pb__dataset_read_csv(path, test, err, errlen) != 0) {
        pb__dataset_free(train);
        return -1;
    }
    if (train->d != test->d) {
        snprintf(err, errlen, "%s: %u features, but train.csv has %u", path, test->d, train->d);
        pb__dataset_free(train);
        pb__dataset_free(test);
        return -1;
    }
    if (test->n_classes > train->n_classes)
        train->n_classes = test->n_classes;
    test->n_classes = train->n_classes;
    pb__dataset_standardize(train, test);
    return 0;
}
