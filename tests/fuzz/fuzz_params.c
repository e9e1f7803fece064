/*
 * Fuzzes the parameter parser (runner/params.c) against a schema with one parameter of
 * each type. The input is lines "name=value", as --param gives them. A value that is
 * accepted must print (pb__param_format) as text that parses back to the same value, as
 * the results file and --resume rely on; the values then go to JSON as a run records them.
 */
#include <stdlib.h>
#include <string.h>

#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const pb_param schema[] = {
    {.name = "rate", .type = PB_PARAM_REAL, .default_value = 0.5, .min = -1e300, .max = 1e300,
     .doc = "a real"},
    {.name = "size", .type = PB_PARAM_INT, .default_value = 10, .min = -9e18, .max = 9e18,
     .doc = "an int"},
    {.name = "restart", .type = PB_PARAM_BOOL, .default_value = 1, .doc = "a bool"},
    {.name = "mode", .type = PB_PARAM_CHOICE, .choices = "fast|slow|x", .doc = "a choice"},
};
static const pb_plugin plugin = {.name = "fuzz", .n_params = 4, .params = schema};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    pb_value values[4];
    pb__params_defaults(&plugin, values);
    char err[1024] = "";
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (pb__param_set(&plugin, values, line, eq + 1, err, sizeof err) != 0)
            continue;
        for (uint32_t i = 0; i < plugin.n_params; i++) {
            char printed[128];
            pb__param_format(&schema[i], values[i], printed, sizeof printed);
            pb_value again[4];
            memcpy(again, values, sizeof again);
            if (pb__param_set(&plugin, again, schema[i].name, printed, err, sizeof err) != 0 ||
                memcmp(&again[i], &values[i], sizeof again[i]) != 0)
                abort();
        }
    }
    cJSON_Delete(pb__params_to_json(&plugin, values));
    free(text);
    return 0;
}
