/* Parameter parsing and validation; see params.h. */
#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"

const char *pb__param_type_name(uint32_t type)
{
    switch (type) {
    case PB_PARAM_REAL: return "real";
    case PB_PARAM_INT: return "int";
    case PB_PARAM_BOOL: return "bool";
    default: return "choice";
    }
}

void pb__params_defaults(const pb_plugin *desc, pb_value *values)
{
    for (uint32_t i = 0; i < desc->n_params; i++) {
        const pb_param *p = &desc->params[i];
        if (p->type == PB_PARAM_REAL)
            values[i].real = p->default_value;
        else
            values[i].integer = (int64_t)p->default_value;
    }
}

/* The index of text among "a|b|c", or -1. */
static int choice_index(const char *choices, const char *text)
{
    size_t len = strlen(text);
    int index = 0;
    for (const char *c = choices; c; index++) {
        const char *bar = strchr(c, '|');
        size_t n = bar ? (size_t)(bar - c) : strlen(c);
        if (n == len && strncmp(c, text, n) == 0)
            return index;
        c = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* Writes the i-th choice name into buf. */
static void choice_name(const char *choices, int64_t index, char *buf, size_t len)
{
    const char *c = choices;
    for (int64_t i = 0; i < index && c; i++) {
        c = strchr(c, '|');
        c = c ? c + 1 : NULL;
    }
    const char *bar = c ? strchr(c, '|') : NULL;
    size_t n = !c ? 0 : bar ? (size_t)(bar - c) : strlen(c);
    snprintf(buf, len, "%.*s", (int)n, c ? c : "");
}

/* Reads text as a value of p: decimal numbers only (no spaces, hexadecimal, inf or nan). */
static int parse_value(const pb_param *p, const char *text, pb_value *out)
{
    switch (p->type) {
    case PB_PARAM_REAL: {
        double v;
        if (pb__parse_decimal(text, &v) != 0 || v < p->min || v > p->max)
            return -1;
        out->real = v;
        return 0;
    }
    case PB_PARAM_INT: {
        long long v;
        if (pb__parse_integer(text, &v) != 0 || (double)v < p->min || (double)v > p->max)
            return -1;
        out->integer = v;
        return 0;
    }
    case PB_PARAM_BOOL:
        if (strcmp(text, "true") == 0 || strcmp(text, "1") == 0)
            out->integer = 1;
        else if (strcmp(text, "false") == 0 || strcmp(text, "0") == 0)
            out->integer = 0;
        else
            return -1;
        return 0;
    default: {
        int i = choice_index(p->choices, text);
        if (i < 0)
            return -1;
        out->integer = i;
        return 0;
    }
    }
}

int pb__param_set(const pb_plugin *desc, pb_value *values, const char *name, const char *text,
                  char *err, size_t errlen)
{
    for (uint32_t i = 0; i < desc->n_params; i++) {
        const pb_param *p = &desc->params[i];
        if (strcmp(p->name, name) != 0)
            continue;
        if (parse_value(p, text, &values[i]) == 0)
            return 0;
        if (p->type == PB_PARAM_CHOICE)
            snprintf(err, errlen, "%s: parameter '%s' = '%s' is not one of %s", desc->name, name,
                     text, p->choices);
        else if (p->type == PB_PARAM_BOOL)
            snprintf(err, errlen, "%s: parameter '%s' = '%s' is not a bool (true/false/1/0)",
                     desc->name, name, text);
        else
        {
            char lo[PB__NUMBER_CHARS], hi[PB__NUMBER_CHARS];
            snprintf(err, errlen, "%s: parameter '%s' = '%s' is not %s %s in [%s, %s]",
                     desc->name, name, text, p->type == PB_PARAM_INT ? "an" : "a",
                     pb__param_type_name(p->type), pb__format_double(p->min, lo),
                     pb__format_double(p->max, hi));
        }
        return -1;
    }
    size_t used = (size_t)snprintf(err, errlen, "%s: unknown parameter '%s' (valid:", desc->name,
                                   name);
    for (uint32_t i = 0; i < desc->n_params && used < errlen; i++)
        used += (size_t)snprintf(err + used, errlen - used, " %s", desc->params[i].name);
    if (used < errlen)
        snprintf(err + used, errlen - used, "%s)", desc->n_params ? "" : " none");
    return -1;
}

void pb__param_format(const pb_param *p, pb_value value, char *buf, size_t len)
{
    switch (p->type) {
    case PB_PARAM_REAL: {
        char num[PB__NUMBER_CHARS];
        snprintf(buf, len, "%s", pb__format_double(value.real, num));
        break;
    }
    case PB_PARAM_INT: snprintf(buf, len, "%lld", (long long)value.integer); break;
    case PB_PARAM_BOOL: snprintf(buf, len, "%s", value.integer ? "true" : "false"); break;
    default: choice_name(p->choices, value.integer, buf, len); break;
    }
}

cJSON *pb__params_to_json(const pb_plugin *desc, const pb_value *values)
{
    cJSON *obj = cJSON_CreateObject();
    for (uint32_t i = 0; i < desc->n_params; i++) {
        const pb_param *p = &desc->params[i];
        char buf[256];
        switch (p->type) {
        case PB_PARAM_REAL: cJSON_AddNumberToObject(obj, p->name, values[i].real); break;
        case PB_PARAM_INT: cJSON_AddNumberToObject(obj, p->name, (double)values[i].integer); break;
        case PB_PARAM_BOOL: cJSON_AddBoolToObject(obj, p->name, (cJSON_bool)values[i].integer); break;
        default:
            choice_name(p->choices, values[i].integer, buf, sizeof buf);
            cJSON_AddStringToObject(obj, p->name, buf);
        }
    }
    return obj;
}

/* A parameter's name and place, sorted by name then place. */
typedef struct named {
    const char *name;
    uint32_t index;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index > y->index) - (x->index < y->index);
}

int pb__params_duplicate(const pb_plugin *desc, const char **name)
{
    named *names = malloc((desc->n_params ? desc->n_params : 1) * sizeof *names);
    if (!names)
        return -1;
    for (uint32_t i = 0; i < desc->n_params; i++)
        names[i] = (named){desc->params[i].name, i};
    qsort(names, desc->n_params, sizeof *names, cmp_named);
    /* A name's later places follow its first: the earliest of those is the answer. */
    uint32_t first = UINT32_MAX;
    for (uint32_t k = 1; k < desc->n_params; k++)
        if (strcmp(names[k].name, names[k - 1].name) == 0 && names[k].index < first)
            first = names[k].index;
    free(names);
    if (first == UINT32_MAX)
        return 0;
    *name = desc->params[first].name;
    return 1;
}
