/* Parsing and validating algorithm parameters against a plugin's declared schema. */
#ifndef PLUGBENCH_PARAMS_H
#define PLUGBENCH_PARAMS_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "plugbench/plugin.h"

/* Fills values (desc->n_params entries) with the declared defaults. */
void pb__params_defaults(const pb_plugin *desc, pb_value *values);

/*
 * Sets parameter name from text ("0.5", "12", "true", a choice name). Returns 0, or -1 with
 * a message naming the plugin and the parameter: for an unknown name the valid ones, for a
 * bad value its type and range.
 */
int pb__param_set(const pb_plugin *desc, pb_value *values, const char *name, const char *text,
                  char *err, size_t errlen);

/* Writes value as users type it (round-trip precision for reals) into buf. */
void pb__param_format(const pb_param *param, pb_value value, char *buf, size_t len);

/* The type name users see: "real", "int", "bool" or "choice". */
const char *pb__param_type_name(uint32_t type);

/* A JSON object {name: value} of all values (numbers, booleans, choice names). */
cJSON *pb__params_to_json(const pb_plugin *desc, const pb_value *values);

/*
 * Finds the first parameter of desc (in declaration order) whose name an earlier one
 * already has: returns 1 and sets *name to it, 0 when the names are distinct, -1 when out
 * of memory. Sorts a copy of the names, so that a plugin declaring a million parameters
 * costs n log n, not n^2. Every name must be set.
 */
int pb__params_duplicate(const pb_plugin *desc, const char **name);

#endif
