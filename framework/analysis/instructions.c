/* Instruction counts in comparisons; see instructions.h. */
#include "instructions.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "readfile.h"
#include "results_file.h"
#include "stats.h"

/* A member of an object by exact name; NULL when obj is not an object or lacks it. */
static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* The string member name of obj, or NULL. */
static const char *string_of(const cJSON *obj, const char *name)
{
    const cJSON *v = item(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Is s a kernel name as bench accepts it: [a-z0-9_-], 1 to 64 characters? */
static int kernel_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* One kernel of an instructions file as a run; NULL (message in err) when it lacks a name. */
static cJSON *kernel_run(const cJSON *k, const char *path, int index, char *err, size_t errlen)
{
    const char *plugin = string_of(k, "plugin"), *kernel = string_of(k, "kernel");
    const char *problem = string_of(k, "problem"), *status = string_of(k, "status");
    const cJSON *per = item(k, "instructions_per_iteration");
    if (!plugin || !problem || !status || !kernel_name_ok(kernel)) {
        snprintf(err, errlen, "%s: kernel %d lacks plugin, problem or status, or its kernel "
                 "is not a name of [a-z0-9_-]", path, index);
        return NULL;
    }
    cJSON *run = cJSON_CreateObject();
    cJSON *p = cJSON_AddObjectToObject(run, "plugin");
    cJSON_AddStringToObject(p, "name", plugin);
    const char *version = string_of(k, "plugin_version");
    cJSON_AddStringToObject(p, "version", version ? version : "");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "problem"), "id", problem);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(run, "parameters"), "microkernel", kernel);
    cJSON_AddNumberToObject(run, "seed", 1);
    cJSON_AddStringToObject(run, "status", status);
    if (cJSON_IsNumber(per) && isfinite(per->valuedouble) && per->valuedouble > 0)
        cJSON_AddNumberToObject(run, "instructions", per->valuedouble);
    else
        cJSON_AddNullToObject(run, "instructions");
    if (pb__record_check(run, path, index, err, errlen) != 0) {
        cJSON_Delete(run);
        return NULL;
    }
    return run;
}

int pb__instructions_load(const char *path, cJSON *runs, char *err, size_t errlen)
{
    size_t len;
    /* A results file is not parsed here as a whole: it is read one run at a time. */
    char *text = pb__json_may_have_schema(path, PB__INSTRUCTIONS_SCHEMA)
                     ? pb__read_file(path, &len)
                     : NULL;
    if (!text)
        return 0; /* not one, or the results reader says why */
    cJSON *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const char *schema = string_of(doc, "schema");
    if (!schema || strcmp(schema, PB__INSTRUCTIONS_SCHEMA) != 0) {
        cJSON_Delete(doc);
        return 0;
    }
    const cJSON *kernels = item(doc, "kernels"), *k;
    cJSON *got = cJSON_CreateArray();
    int index = 1, rc = 1;
    cJSON_ArrayForEach(k, kernels) {
        cJSON *run = kernel_run(k, path, index++, err, errlen);
        if (!run) {
            rc = -1;
            break;
        }
        cJSON_AddItemToArray(got, run);
    }
    if (rc == 1 && cJSON_GetArraySize(got) == 0) {
        snprintf(err, errlen, "%s: an instructions file without kernels", path);
        rc = -1;
    }
    while (rc == 1 && got->child)
        cJSON_AddItemToArray(runs, cJSON_DetachItemViaPointer(got, got->child));
    cJSON_Delete(got);
    cJSON_Delete(doc);
    return rc;
}

cJSON *pb__compare_counts(const double *bv, const double *nv, size_t n, double threshold)
{
    cJSON *e = cJSON_CreateObject();
    if (!e)
        return NULL;
    cJSON_AddStringToObject(e, "metric", "instructions");
    cJSON_AddStringToObject(e, "name", "instructions");
    double bm = pb__median(bv, n), nm = pb__median(nv, n);
    size_t identical = 0;
    for (size_t i = 0; i < n; i++)
        identical += bv[i] == nv[i];
    double change = (nm - bm) / bm;
    cJSON_AddNumberToObject(e, "base_median", bm);
    cJSON_AddNumberToObject(e, "new_median", nm);
    cJSON_AddNumberToObject(e, "change", identical == n ? 0 : change);
    cJSON_AddNullToObject(e, "p"); /* no test: the counts are deterministic */
    cJSON_AddStringToObject(e, "verdict", identical == n        ? "identical"
                                          : change > threshold  ? "regressed"
                                          : change < -threshold ? "improved"
                                                                : "similar");
    return e;
}
