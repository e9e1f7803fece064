/* The results file: reading it (or a journal), a run's key, exact JSON written atomically;
 * see results_file.h. */
#include "results_file.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "numfmt.h"
#include "readfile.h"

char *pb__record_key(const cJSON *record)
{
    static const char *const fields[] = {"seed", "parameters", "budget", "target"};
    const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(record, "plugin");
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(record, "problem");
    cJSON *key = cJSON_CreateArray();
    cJSON_AddItemToArray(key, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(plugin, "name"), 1));
    cJSON_AddItemToArray(key, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(plugin, "sha256"), 1));
    cJSON_AddItemToArray(key, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(problem, "id"), 1));
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        cJSON_AddItemToArray(key, cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(record, fields[i]), 1));
    char *s = cJSON_PrintUnformatted(key);
    cJSON_Delete(key);
    return s;
}

/*
 * cJSON 1.7.15 accepts a 15-digit form that is only within an epsilon of the value (0.1 + 0.2
 * is written 0.3) and writes DBL_MAX as a number that reads back as infinity. So numbers are
 * replaced by raw text that reads back exactly (pb__format_double).
 */
static void exact_numbers(cJSON *item)
{
    for (cJSON *e = item->child; e; e = e->next) {
        if (cJSON_IsNumber(e)) {
            char text[PB__NUMBER_CHARS];
            if (!isfinite(e->valuedouble)) {
                e->type = cJSON_NULL;
                continue;
            }
            e->valuestring = strdup(pb__format_double(e->valuedouble, text));
            e->type = e->valuestring ? cJSON_Raw : cJSON_NULL;
        } else {
            exact_numbers(e);
        }
    }
}

/* A copy with exact numbers, printed; see results_file.h. */
char *pb__json_print_exact(const cJSON *item, int formatted)
{
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy)
        return NULL;
    exact_numbers(copy);
    char *text = formatted ? cJSON_Print(copy) : cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return text;
}

/* pb__records_load, and with torn not NULL pb__records_load_skipping. */
static int load(const char *path, cJSON *records, cJSON **context, size_t *torn, char *err,
                size_t errlen)
{
    if (torn)
        *torn = 0;
    if (context)
        *context = NULL;
    size_t len;
    char *text = pb__read_file(path, &len);
    if (!text) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    cJSON *doc = cJSON_Parse(text);
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
    if (doc && cJSON_IsString(schema)) {
        const cJSON *runs = cJSON_GetObjectItemCaseSensitive(doc, "runs");
        if (strcmp(schema->valuestring, PB__RESULTS_SCHEMA) != 0 || !cJSON_IsArray(runs)) {
            snprintf(err, errlen, "%s: schema '%s' is not %s", path, schema->valuestring,
                     PB__RESULTS_SCHEMA);
            rc = -1;
        } else {
            /* Moved, not copied: a copy of every run doubled the cost of loading. */
            cJSON *all = (cJSON *)runs;
            while (all->child)
                cJSON_AddItemToArray(records, cJSON_DetachItemViaPointer(all, all->child));
            if (context)
                *context = cJSON_DetachItemFromObjectCaseSensitive(doc, "context");
        }
    } else {
        /* A journal: one record per line; only a torn last line may fail to parse (or,
         * when skipping, any line that is not JSON). */
        char *line = text, *nl;
        int lineno = 1, good = 0;
        for (; rc == 0 && *line; line = nl + 1, lineno++) {
            nl = strchr(line, '\n');
            if (!nl)
                break; /* no newline: the write of this line was cut off */
            *nl = '\0';
            cJSON *rec = cJSON_Parse(line);
            if (!rec && torn) {
                (*torn)++;
                continue;
            }
            if (!cJSON_IsObject(rec) || !cJSON_GetObjectItemCaseSensitive(rec, "plugin")) {
                snprintf(err, errlen, "%s:%d: not a plugbench results file or journal", path,
                         lineno);
                cJSON_Delete(rec);
                rc = -1;
            } else {
                cJSON_AddItemToArray(records, rec);
                good++;
            }
        }
        if (rc == 0 && torn && *torn && !good) {
            snprintf(err, errlen, "%s: not a plugbench results file or journal", path);
            rc = -1;
        }
    }
    cJSON_Delete(doc);
    free(text);
    return rc;
}

int pb__records_load(const char *path, cJSON *records, cJSON **context, char *err,
                     size_t errlen)
{
    return load(path, records, context, NULL, err, errlen);
}

int pb__records_load_skipping(const char *path, cJSON *records, cJSON **context, size_t *torn,
                              char *err, size_t errlen)
{
    return load(path, records, context, torn, err, errlen);
}

int pb__mkdirs(const char *dir)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

int pb__json_write_atomic(const char *path, const cJSON *doc, char *err, size_t errlen)
{
    char dir[PATH_MAX], tmp[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = '\0';
        if (dir[0] && pb__mkdirs(dir) != 0) {
            snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
            return -1;
        }
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    char *text = pb__json_print_exact(doc, 1);
    FILE *f = text ? fopen(tmp, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int pb__results_write(const char *path, const cJSON *context, const cJSON *records, char *err,
                      size_t errlen)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", PB__RESULTS_SCHEMA);
    cJSON_AddItemReferenceToObject(doc, "context", (cJSON *)context);
    cJSON_AddItemReferenceToObject(doc, "runs", (cJSON *)records);
    int rc = pb__json_write_atomic(path, doc, err, errlen);
    cJSON_Delete(doc);
    return rc;
}
