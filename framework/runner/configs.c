/* Configurations and the grids that describe them; see configs.h. */
#include "configs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "params.h"
#include "results_file.h"

int pb__json_value_text(const cJSON *v, char *buf, size_t len)
{
    char num[PB__NUMBER_CHARS];
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%s", pb__format_double(v->valuedouble, num));
    else if (cJSON_IsBool(v))
        snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsString(v))
        snprintf(buf, len, "%s", v->valuestring);
    else
        return -1;
    return 0;
}

/* A new spec {"plugin": plugin (len bytes), "params": {}}; NULL when out of memory. */
static cJSON *spec_new(const char *plugin, size_t len)
{
    cJSON *spec = cJSON_CreateObject();
    char *copy = strndup(plugin, len);
    if (!spec || !copy || !cJSON_AddStringToObject(spec, "plugin", copy) ||
        !cJSON_AddObjectToObject(spec, "params")) {
        cJSON_Delete(spec);
        spec = NULL;
    }
    free(copy);
    return spec;
}

/* Adds to spec's params the list of values "v1,v2,..." (len bytes) of name; -1 for an
 * empty value or out of memory. */
static int add_list(cJSON *spec, const char *name, const char *values, size_t len)
{
    cJSON *list = cJSON_AddArrayToObject(cJSON_GetObjectItemCaseSensitive(spec, "params"), name);
    for (const char *v = values, *end = values + len; list && v <= end;) {
        const char *comma = memchr(v, ',', (size_t)(end - v));
        size_t n = comma ? (size_t)(comma - v) : (size_t)(end - v);
        char *text = strndup(v, n);
        int ok = n > 0 && text && cJSON_AddItemToArray(list, cJSON_CreateString(text));
        free(text);
        if (!ok)
            return -1;
        v += n + 1;
    }
    return list ? 0 : -1;
}

cJSON *pb__spec_parse(const char *text, char *err, size_t errlen)
{
    /* The plugin's file name starts after the last '/' before the first '=': a value may
     * hold a '/' too (a choice "a/b"), a directory may hold a '['. */
    const char *eq = strchr(text, '='), *last = text;
    for (const char *c = text; *c && (!eq || c < eq); c++)
        if (*c == '/')
            last = c + 1;
    const char *p = strchr(last, '[');
    size_t len = p ? (size_t)(p - text) : strlen(text);
    if ((!p && strchr(last, ']')) || len == 0) {
        snprintf(err, errlen, "algorithm '%s': %s", text,
                 len ? "unbalanced brackets (']' without '[')" : "no algorithm before '['");
        return NULL;
    }
    cJSON *spec = spec_new(text, len);
    while (spec && p && *p) {
        const char *close = strchr(p + 1, ']'), *inner = strchr(p + 1, '[');
        const char *eq = close ? memchr(p + 1, '=', (size_t)(close - p - 1)) : NULL;
        const char *why = NULL;
        char name[128] = "";
        if (*p != '[')
            why = "expected '[' after ']'";
        else if (!close || (inner && inner < close))
            why = "unbalanced brackets";
        else if (!eq || eq == p + 1 || (size_t)(eq - p - 1) >= sizeof name)
            why = "each [...] must be [parameter=value,value,...]";
        else if (eq + 1 == close)
            why = "an empty list of values";
        else {
            snprintf(name, sizeof name, "%.*s", (int)(eq - p - 1), p + 1);
            if (cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(spec, "params"),
                                                 name))
                why = "a parameter is given twice";
            else if (add_list(spec, name, eq + 1, (size_t)(close - eq - 1)) != 0)
                why = "an empty value in a list";
        }
        if (why) {
            snprintf(err, errlen, "algorithm '%s': %s", text, why);
            cJSON_Delete(spec);
            return NULL;
        }
        p = close + 1;
    }
    if (!spec)
        snprintf(err, errlen, "out of memory");
    return spec;
}

/* Is s a configuration's name: 1 to 64 characters [A-Za-z0-9_.-]? */
static int name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

cJSON *pb__spec_from_object(const cJSON *obj, char *err, size_t errlen)
{
    const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(obj, "plugin");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj, "name");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(obj, "params"), *e;
    cJSON_ArrayForEach(e, obj) {
        if (strcmp(e->string, "plugin") && strcmp(e->string, "name") && strcmp(e->string, "params")) {
            snprintf(err, errlen, "unknown key '%s' in a configuration (plugin, name, params)",
                     e->string);
            return NULL;
        }
    }
    if (!cJSON_IsString(plugin) || !plugin->valuestring[0] || strpbrk(plugin->valuestring, "[]")) {
        snprintf(err, errlen, "a configuration needs \"plugin\": a name or FILE.so, without "
                              "[...] (a grid goes into \"params\")");
        return NULL;
    }
    if (name && !(cJSON_IsString(name) && name_ok(name->valuestring))) {
        snprintf(err, errlen, "configuration of %s: \"name\" must be 1 to 64 characters "
                              "[A-Za-z0-9_.-]",
                 plugin->valuestring);
        return NULL;
    }
    if (params && !cJSON_IsObject(params)) {
        snprintf(err, errlen, "configuration of %s: \"params\" must be an object {\"name\": "
                              "value or [values]}",
                 plugin->valuestring);
        return NULL;
    }
    cJSON *spec = spec_new(plugin->valuestring, strlen(plugin->valuestring));
    if (spec && name && !cJSON_AddStringToObject(spec, "name", name->valuestring)) {
        cJSON_Delete(spec);
        spec = NULL;
    }
    cJSON *lists = cJSON_GetObjectItemCaseSensitive(spec, "params");
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        cJSON *list = cJSON_AddArrayToObject(lists, p->string);
        const cJSON *v = cJSON_IsArray(p) ? p->child : p;
        int ok = list && v;
        for (; ok && v; v = cJSON_IsArray(p) ? v->next : NULL) {
            char text[256];
            ok = pb__json_value_text(v, text, sizeof text) == 0 &&
                 cJSON_AddItemToArray(list, cJSON_CreateString(text));
        }
        if (!ok) {
            snprintf(err, errlen, "configuration of %s: params.%s must be a number, bool or "
                                  "string, or a non-empty list of them",
                     plugin->valuestring, p->string);
            cJSON_Delete(spec);
            return NULL;
        }
    }
    if (!spec)
        snprintf(err, errlen, "out of memory");
    return spec;
}

size_t pb__spec_count(const cJSON *spec)
{
    size_t n = 1;
    const cJSON *list;
    cJSON_ArrayForEach(list, cJSON_GetObjectItemCaseSensitive(spec, "params")) {
        n *= (size_t)cJSON_GetArraySize(list);
        if (n > PB__MAX_CONFIGS)
            return PB__MAX_CONFIGS + 1;
    }
    return n;
}

/*
 * Writes prefix and "[name=value]" for each parameter of values that is unlike its default
 * (all: every one), or only for those whose grid list in lists has several values (!all).
 * malloc'd, or NULL.
 */
static char *label_of(const char *prefix, const pb_plugin *desc, const pb_value *values,
                      const cJSON *lists, int all)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    pb_value *defaults = malloc((desc->n_params ? desc->n_params : 1) * sizeof *defaults);
    if (defaults) {
        fputs(prefix, f);
        pb__params_defaults(desc, defaults);
    }
    for (uint32_t i = 0; defaults && i < desc->n_params; i++) {
        const pb_param *p = &desc->params[i];
        char value[256], dflt[256];
        pb__param_format(p, values[i], value, sizeof value);
        pb__param_format(p, defaults[i], dflt, sizeof dflt);
        int shown = all ? strcmp(value, dflt) != 0
                        : cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(lists, p->name)) > 1;
        if (shown)
            fprintf(f, "[%s=%s]", p->name, value);
    }
    if (fclose(f) != 0 || !defaults) {
        free(text);
        text = NULL;
    }
    free(defaults);
    return text;
}

/* Appends one configuration of values to *configs; 0 or -1 with a message. */
static int add_config(const cJSON *spec, const pb_plugin *desc, size_t plugin,
                      const pb_value *values, pb__config **configs, size_t *n, char *err,
                      size_t errlen)
{
    pb__config *grown = realloc(*configs, (*n + 1) * sizeof *grown);
    if (!grown) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    *configs = grown;
    pb__config *c = &grown[*n];
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
    const cJSON *lists = cJSON_GetObjectItemCaseSensitive(spec, "params");
    *c = (pb__config){.plugin = plugin};
    c->values = malloc((desc->n_params ? desc->n_params : 1) * sizeof *c->values);
    c->identity = label_of(desc->name, desc, values, lists, 1);
    c->label = name ? label_of(name->valuestring, desc, values, lists, 0)
                    : c->identity ? strdup(c->identity) : NULL;
    (*n)++; /* counted now, so that pb__configs_free releases what was made */
    if (!c->values || !c->identity || !c->label) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    memcpy(c->values, values, desc->n_params * sizeof *values);
    if (!pb__label_ok(c->label)) {
        snprintf(err, errlen, "%s: the label '%.80s%s' is not 1 to %d characters "
                              "[A-Za-z0-9_.+=[]-]: give the configuration a name",
                 desc->name, c->label, strlen(c->label) > 80 ? "..." : "", PB__LABEL_MAX);
        return -1;
    }
    return 0;
}

int pb__spec_expand(const cJSON *spec, const pb_plugin *desc, size_t plugin,
                    const pb_value *base, const unsigned char *fixed, pb__config **configs,
                    size_t *n, char *err, size_t errlen)
{
    const cJSON *lists = cJSON_GetObjectItemCaseSensitive(spec, "params"), *list;
    size_t n_lists = (size_t)cJSON_GetArraySize(lists), count = pb__spec_count(spec);
    const cJSON **at = calloc(n_lists ? n_lists : 1, sizeof *at); /* per list, its value */
    pb_value *values = malloc((desc->n_params ? desc->n_params : 1) * sizeof *values);
    int rc = 0;
    if (!at || !values) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    }
    size_t k = 0;
    cJSON_ArrayForEach(list, lists) {
        for (uint32_t i = 0; rc == 0 && i < desc->n_params; i++)
            if (fixed[i] && strcmp(desc->params[i].name, list->string) == 0) {
                snprintf(err, errlen, "%s: parameter '%s' is set by both -P and a grid (set it "
                                      "in one place)",
                         desc->name, list->string);
                rc = -1;
            }
        if (at)
            at[k++] = list->child;
    }
    /* An odometer over the lists, the last turning fastest. */
    for (size_t c = 0; rc == 0 && c < count; c++) {
        memcpy(values, base, desc->n_params * sizeof *values);
        k = 0;
        cJSON_ArrayForEach(list, lists) {
            if (rc == 0 && pb__param_set(desc, values, list->string, at[k]->valuestring, err,
                                         errlen) != 0)
                rc = -1;
            k++;
        }
        if (rc == 0)
            rc = add_config(spec, desc, plugin, values, configs, n, err, errlen);
        for (k = n_lists; k-- > 0;) {
            if (at[k]->next) {
                at[k] = at[k]->next;
                break;
            }
            at[k] = cJSON_GetArrayItem(lists, (int)k)->child;
        }
    }
    free(at);
    free(values);
    return rc;
}

void pb__configs_free(pb__config *configs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(configs[i].values);
        free(configs[i].label);
        free(configs[i].identity);
    }
    free(configs);
}
