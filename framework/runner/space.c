/* The search spaces of `plugbench tune`; see space.h. */
#include "space.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "params.h"
#include "readfile.h"
#include "results_file.h"

void pb__space_free(pb__space *space)
{
    free(space->dims);
    space->dims = NULL;
    space->n_dims = 0;
}

/* Reads entry's "min"/"max" (a number within the declared range) into *v. */
static int bound(const pb_param *p, const cJSON *entry, const char *key, double *v,
                 const char *source, char *err, size_t errlen)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, key);
    if (!b)
        return 0;
    if (!cJSON_IsNumber(b) || b->valuedouble < p->min || b->valuedouble > p->max ||
        (p->type == PB_PARAM_INT && b->valuedouble != floor(b->valuedouble))) {
        snprintf(err, errlen, "%s: %s.%s must be %s within the declared range [%g, %g]",
                 source, p->name, key, p->type == PB_PARAM_INT ? "an integer" : "a number",
                 p->min, p->max);
        return -1;
    }
    *v = b->valuedouble;
    return 0;
}

/* Reads entry's "values" (choice names, or booleans) into dim. */
static int values(const pb_plugin *desc, const pb_param *p, const cJSON *list,
                  pb__space_dim *dim, const char *source, char *err, size_t errlen)
{
    pb_value *scratch = calloc(desc->n_params, sizeof *scratch);
    int rc = scratch ? 0 : -1;
    if (!scratch)
        snprintf(err, errlen, "out of memory");
    if (rc == 0 && (!cJSON_IsArray(list) || cJSON_GetArraySize(list) < 1 ||
                    cJSON_GetArraySize(list) > PB__SPACE_MAX_VALUES)) {
        snprintf(err, errlen, "%s: %s.values must be a list of 1 to %d values", source, p->name,
                 PB__SPACE_MAX_VALUES);
        rc = -1;
    }
    const cJSON *v, *from = rc == 0 ? list : NULL;
    dim->n_values = 0;
    cJSON_ArrayForEach(v, from) {
        const char *text = cJSON_IsString(v) ? v->valuestring
                           : cJSON_IsTrue(v) ? "true" : cJSON_IsFalse(v) ? "false" : "";
        char why[512];
        if (pb__param_set(desc, scratch, p->name, text, why, sizeof why) != 0) {
            snprintf(err, errlen, "%s: %s.values: %s", source, p->name, why);
            rc = -1;
            break;
        }
        dim->values[dim->n_values++] = scratch[p - desc->params].integer;
    }
    free(scratch);
    return rc;
}

/* The dimension of parameter i from its entry (NULL: the declared space); 1 when tuned,
 * 0 when kept at its default, -1 on a bad entry. */
static int dimension(const pb_plugin *desc, uint32_t i, const cJSON *entry, const char *source,
                     pb__space_dim *dim, char *err, size_t errlen)
{
    const pb_param *p = &desc->params[i];
    *dim = (pb__space_dim){.param = i, .lo = p->min, .hi = p->max};
    if (entry && !cJSON_IsObject(entry)) {
        snprintf(err, errlen, "%s: %s must be an object", source, p->name);
        return -1;
    }
    static const char *const known[] = {"tune", "min", "max", "log", "values"};
    const cJSON *k;
    cJSON_ArrayForEach(k, entry) {
        size_t j = 0;
        while (j < 5 && strcmp(k->string, known[j]) != 0)
            j++;
        if (j == 5) {
            snprintf(err, errlen, "%s: %s: unknown key '%s' (tune, min, max, log, values)",
                     source, p->name, k->string);
            return -1;
        }
    }
    const cJSON *tune = cJSON_GetObjectItemCaseSensitive(entry, "tune");
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(entry, "log");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(entry, "values");
    if ((tune && !cJSON_IsBool(tune)) || (log && !cJSON_IsBool(log))) {
        snprintf(err, errlen, "%s: %s: tune and log must be true or false", source, p->name);
        return -1;
    }
    int numeric = p->type == PB_PARAM_REAL || p->type == PB_PARAM_INT;
    if ((numeric && list) || (!numeric && (log || cJSON_GetObjectItemCaseSensitive(entry, "min") ||
                                           cJSON_GetObjectItemCaseSensitive(entry, "max")))) {
        snprintf(err, errlen, "%s: %s is a %s parameter: %s", source, p->name,
                 pb__param_type_name(p->type),
                 numeric ? "min, max and log, not values" : "values, not min, max or log");
        return -1;
    }
    if (cJSON_IsFalse(tune))
        return 0;
    if (!numeric) {
        if (list)
            return values(desc, p, list, dim, source, err, errlen) ? -1 : 1;
        size_t n = p->type == PB_PARAM_BOOL ? 2 : 1;
        if (p->type == PB_PARAM_CHOICE)
            for (const char *c = p->choices; (c = strchr(c, '|')); c++)
                n++;
        n = n > PB__SPACE_MAX_VALUES ? PB__SPACE_MAX_VALUES : n;
        for (size_t v = 0; v < n; v++)
            dim->values[v] = (int64_t)v;
        dim->n_values = n;
        return 1;
    }
    if (bound(p, entry, "min", &dim->lo, source, err, errlen) ||
        bound(p, entry, "max", &dim->hi, source, err, errlen))
        return -1;
    dim->log = cJSON_IsTrue(log);
    if (dim->lo > dim->hi || (dim->log && dim->lo <= 0) || !isfinite(dim->hi - dim->lo)) {
        snprintf(err, errlen, "%s: %s: the range [%g, %g] %s", source, p->name, dim->lo,
                 dim->hi, dim->lo > dim->hi ? "is empty" : dim->log ? "must be above 0 on a "
                 "log scale" : "is too wide to draw from (give min and max)");
        return -1;
    }
    return 1;
}

/* Is every key of object a parameter of desc? */
static int known_names(const pb_plugin *desc, const cJSON *object, const char *source,
                       char *err, size_t errlen)
{
    if (object && !cJSON_IsObject(object)) {
        snprintf(err, errlen, "%s: must be an object {\"parameter\": {...}}", source);
        return -1;
    }
    const cJSON *k;
    cJSON_ArrayForEach(k, object) {
        uint32_t i = 0;
        while (i < desc->n_params && strcmp(desc->params[i].name, k->string) != 0)
            i++;
        if (i == desc->n_params) {
            snprintf(err, errlen, "%s: %s has no parameter '%s'", source, desc->name,
                     k->string);
            return -1;
        }
    }
    return 0;
}

int pb__space_build(const pb_plugin *desc, const cJSON *file, const char *source,
                    const cJSON *suite, pb__space *out, char *err, size_t errlen)
{
    *out = (pb__space){.desc = desc};
    char suite_source[128];
    snprintf(suite_source, sizeof suite_source, "search_space.%s", desc->name);
    if (known_names(desc, file, source, err, errlen) ||
        known_names(desc, suite, suite_source, err, errlen))
        return -1;
    out->dims = calloc(desc->n_params ? desc->n_params : 1, sizeof *out->dims);
    if (!out->dims) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < desc->n_params; i++) {
        const char *name = desc->params[i].name;
        const cJSON *own = cJSON_GetObjectItemCaseSensitive(suite, name);
        const cJSON *entry = own ? own : cJSON_GetObjectItemCaseSensitive(file, name);
        int tuned = dimension(desc, i, entry, own ? suite_source : source,
                              &out->dims[out->n_dims], err, errlen);
        if (tuned < 0) {
            pb__space_free(out);
            return -1;
        }
        out->n_dims += (size_t)tuned;
    }
    return 0;
}

int pb__space_read_file(const char *so_path, cJSON **params, char *path, size_t pathlen,
                        char *err, size_t errlen)
{
    *params = NULL;
    size_t len = strlen(so_path);
    size_t stem = len > 3 && strcmp(so_path + len - 3, ".so") == 0 ? len - 3 : len;
    snprintf(path, pathlen, "%.*s.tune.json", (int)stem, so_path);
    size_t n;
    char *text;
    int found = pb__read_file_if_any(path, &text, &n, err, errlen);
    if (found <= 0)
        return found;
    cJSON *doc = cJSON_ParseWithLength(text, n);
    free(text);
    const char *dup = NULL;
    int nomem = doc && pb__json_duplicate_key(doc, &dup) != 0;
    if (nomem || dup) {
        if (nomem)
            snprintf(err, errlen, "%s: out of memory", path);
        else
            snprintf(err, errlen, "%s: key '%s' appears twice in one object (which one is "
                                  "meant?)", path, dup);
        cJSON_Delete(doc);
        return -1;
    }
    const cJSON *k, *keys = cJSON_IsObject(doc) ? doc : NULL;
    int ok = keys != NULL;
    cJSON_ArrayForEach(k, keys)
        ok = ok && strcmp(k->string, "parameters") == 0;
    cJSON *p = ok ? cJSON_DetachItemFromObjectCaseSensitive(doc, "parameters") : NULL;
    cJSON_Delete(doc);
    if (!cJSON_IsObject(p)) {
        cJSON_Delete(p);
        snprintf(err, errlen, "%s: not a tune file {\"parameters\": {...}}", path);
        return -1;
    }
    *params = p;
    return 0;
}

void pb__space_values(const pb__space *space, const double *u, pb_value *values)
{
    for (size_t d = 0; d < space->n_dims; d++) {
        const pb__space_dim *dim = &space->dims[d];
        const pb_param *p = &space->desc->params[dim->param];
        if (dim->n_values) {
            size_t k = (size_t)(u[d] * (double)dim->n_values);
            values[dim->param].integer = dim->values[k < dim->n_values ? k : dim->n_values - 1];
            continue;
        }
        /* An integer i stands for [i - 1/2, i + 1/2): each value gets an equal share. */
        double widen = p->type == PB_PARAM_INT ? 0.5 : 0;
        double lo = dim->log ? fmax(dim->lo - widen, dim->lo / 2) : dim->lo - widen;
        double hi = dim->hi + widen;
        double x = dim->log ? exp(log(lo) + u[d] * (log(hi) - log(lo))) : lo + u[d] * (hi - lo);
        if (p->type == PB_PARAM_REAL) {
            values[dim->param].real = fmin(fmax(x, dim->lo), dim->hi);
        } else {
            values[dim->param].integer = (int64_t)fmin(fmax(round(x), dim->lo), dim->hi);
        }
    }
}

cJSON *pb__space_to_json(const pb__space *space)
{
    cJSON *obj = cJSON_CreateObject();
    for (size_t d = 0; d < space->n_dims; d++) {
        const pb__space_dim *dim = &space->dims[d];
        const pb_param *p = &space->desc->params[dim->param];
        cJSON *e = cJSON_AddObjectToObject(obj, p->name);
        if (dim->n_values) {
            cJSON *list = cJSON_AddArrayToObject(e, "values");
            for (size_t k = 0; k < dim->n_values; k++) {
                char buf[256];
                pb__param_format(p, (pb_value){.integer = dim->values[k]}, buf, sizeof buf);
                cJSON_AddItemToArray(list, p->type == PB_PARAM_BOOL
                                               ? cJSON_CreateBool(dim->values[k] != 0)
                                               : cJSON_CreateString(buf));
            }
        } else {
            cJSON_AddNumberToObject(e, "min", dim->lo);
            cJSON_AddNumberToObject(e, "max", dim->hi);
            cJSON_AddBoolToObject(e, "log", dim->log);
        }
    }
    return obj;
}
