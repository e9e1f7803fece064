/*
 * The search space of `plugbench tune`: which of a plugin's parameters a tuner varies, over
 * which values, on which scale. By default every declared parameter is tuned over its
 * declared range (REAL and INT on a linear scale, BOOL over both values, CHOICE over every
 * choice). A plugin narrows this without touching its descriptor (the ABI stays as it is)
 * in a file installed next to its module, NAME.tune.json beside NAME.so:
 *
 *   {"parameters": {"sigma": {"min": 0.1, "max": 10, "log": true},
 *                   "alpha_max": {"tune": false},
 *                   "noise": {"values": ["isotropic", "anisotropic"]}}}
 *
 * Per parameter: "tune" false keeps its default; "min"/"max" narrow a REAL or INT range
 * (within the declared one); "log" true draws it on a log scale (min > 0); "values" lists
 * the CHOICE names or BOOL values to draw from. A suite's "search_space" gives the same
 * objects per plugin, {"cbo": {"sigma": {...}}}, and each replaces the plugin's entry for
 * that parameter whole. Both are data from strangers: every key and value is checked.
 */
#ifndef PLUGBENCH_SPACE_H
#define PLUGBENCH_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "plugbench/plugin.h"

/* The most BOOL or CHOICE values one dimension draws from. */
#define PB__SPACE_MAX_VALUES 64

/* One tuned parameter. */
typedef struct pb__space_dim {
    uint32_t param;   /* its index in the descriptor's parameters */
    double lo, hi;    /* REAL, INT: the range drawn from */
    int log;          /* REAL, INT: drawn uniformly in log(value) */
    size_t n_values;  /* BOOL, CHOICE: values[0..n_values) drawn from */
    int64_t values[PB__SPACE_MAX_VALUES];
} pb__space_dim;

typedef struct pb__space {
    const pb_plugin *desc;
    pb__space_dim *dims;
    size_t n_dims;
} pb__space;

/*
 * Builds desc's space from its file's "parameters" object (may be NULL: the declared
 * space) and a suite's object for this plugin (may be NULL), which wins per parameter.
 * Returns 0, or -1 with a message naming source (the file) or "search_space" and the
 * parameter. Free with pb__space_free.
 */
int pb__space_build(const pb_plugin *desc, const cJSON *file, const char *source,
                    const cJSON *suite, pb__space *out, char *err, size_t errlen);
void pb__space_free(pb__space *space);

/*
 * Reads the "parameters" object of the tune file next to the plugin module at so_path
 * (x/NAME.so -> x/NAME.tune.json) into *params (NULL when there is no such file), and the
 * file's name into path. Returns 0, or -1 with a message for a file that is not valid.
 * *params is the caller's to cJSON_Delete.
 */
int pb__space_read_file(const char *so_path, cJSON **params, char *path, size_t pathlen,
                        char *err, size_t errlen);

/*
 * Sets the tuned parameters of values from u (n_dims coordinates in [0, 1)): REAL and
 * INT by their scale (INT rounded, and kept in range), BOOL and CHOICE by the value whose
 * equal share of [0, 1) holds u. The other values are left as they are (the defaults).
 */
void pb__space_values(const pb__space *space, const double *u, pb_value *values);

/* The space as JSON, {"name": {"min", "max", "log"} or {"values": [...]}}, for the log. */
cJSON *pb__space_to_json(const pb__space *space);

#endif
