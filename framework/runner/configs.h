/*
 * Configurations: a plugin with one set of parameter values and a label, the unit of a
 * suite's rows. Users describe them as grids, like benchopt's solver[param=...]:
 *   on the command line  -a 'cbo[sigma=1,5,10.1][noise=anisotropic]'  (also FILE.so[...])
 *   in a config file     {"name": "cbo-paper", "plugin": "cbo", "params": {"sigma": [1, 5]}}
 * and a grid expands to one configuration per combination of its values (the first
 * parameter varying slowest). Both forms become one "spec" first, without looking at any
 * plugin: {"plugin": text, "name": text or absent, "params": {name: [value text, ...]}}.
 * Expanding a spec needs the plugin's declared parameters, which check every name and value.
 *
 * Ownership: specs are the caller's to cJSON_Delete; configurations' values and labels are
 * malloc'd and freed by pb__configs_free.
 */
#ifndef PLUGBENCH_CONFIGS_H
#define PLUGBENCH_CONFIGS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "plugbench/plugin.h"

/* At most this many configurations in one suite: a grid past it is a typo, not a plan. */
#define PB__MAX_CONFIGS 1000

typedef struct pb__config {
    size_t plugin;    /* the caller's index of its plugin */
    pb_value *values; /* one per declared parameter */
    char *label;      /* its name, or the plugin's name and the parameters unlike defaults */
    char *identity;   /* the plugin's name and every parameter unlike its default: equal for
                       * two configurations that would run the same runs */
} pb__config;

/* Writes a JSON number, boolean or string as users type it into buf; -1 for other types. */
int pb__json_value_text(const cJSON *v, char *buf, size_t len);

/*
 * Parses "PLUGIN[name=v1,v2,...][name2=v]..." (PLUGIN a name or a path: the grid is the
 * first '[' after its last '/') into a spec. Returns it, or NULL with a one-line message (unbalanced
 * brackets, "[name]" without '=', an empty list or value, a parameter given twice).
 */
cJSON *pb__spec_parse(const char *text, char *err, size_t errlen);

/*
 * Turns a config file's {"name", "plugin", "params"} into a spec: values are numbers,
 * booleans or strings, or non-empty arrays of them (a grid). The name, when given, is
 * 1 to 64 characters [A-Za-z0-9_.-]. Returns it, or NULL with a one-line message.
 */
cJSON *pb__spec_from_object(const cJSON *obj, char *err, size_t errlen);

/* How many configurations spec expands to; more than PB__MAX_CONFIGS counts as
 * PB__MAX_CONFIGS + 1. */
size_t pb__spec_count(const cJSON *spec);

/*
 * Appends spec's configurations of plugin desc (the caller's index plugin) to *configs
 * (*n of them, grown with realloc). Each starts from base (the defaults with the -P values
 * set; fixed[i] nonzero for a parameter -P set, which a grid may not set again). A named
 * configuration whose grid has several values of a parameter is labelled name[param=value].
 * Returns 0, or -1 with a one-line message naming the plugin (an unknown parameter, a bad
 * value, a parameter -P sets too, a label that is not a name pb__label_ok accepts).
 */
int pb__spec_expand(const cJSON *spec, const pb_plugin *desc, size_t plugin,
                    const pb_value *base, const unsigned char *fixed, pb__config **configs,
                    size_t *n, char *err, size_t errlen);

/* Frees n configurations and the array. */
void pb__configs_free(pb__config *configs, size_t n);

#endif
