/* The run cache; see cache.h. */
#include "cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build_info.h"
#include "git_revision.h"
#include "readfile.h"
#include "records.h"
#include "sha256.h"

/* The cache directory, two slashes, two and 64 hex digits and ".json". */
#define ENTRY_PATH_MAX (PATH_MAX + 80)

int pb__cache_open(pb__cache *cache, const char *dir, cJSON *settings, char *err,
                   size_t errlen)
{
    memset(cache, 0, sizeof *cache);
    cache->settings = settings;
    if (!settings || strlen(dir) + 72 >= sizeof cache->dir) {
        snprintf(err, errlen, "--cache %s: %s", dir, settings ? "name too long" : "out of memory");
        return -1;
    }
    snprintf(cache->dir, sizeof cache->dir, "%s", dir);
    if (pb__mkdirs(dir) != 0) {
        snprintf(err, errlen, "--cache: cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

void pb__cache_close(pb__cache *cache)
{
    cJSON_Delete(cache->settings);
    cache->settings = NULL;
}

/* job's key printed exactly, and the path of its entry; NULL when out of memory. */
static char *key_text(const pb__cache *cache, const pb__job *job, char path[ENTRY_PATH_MAX])
{
    cJSON *key = cJSON_CreateObject(), *identity = pb__record_identity(job);
    /* The same binary anywhere is the same plugin: its sha256 is in the identity. A
     * configuration's label names the run but does not change it. */
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(identity, "plugin"),
                                            "path");
    cJSON_DeleteItemFromObjectCaseSensitive(identity, "config");
    cJSON_AddStringToObject(key, "plugbench_version", PB_VERSION);
    cJSON_AddStringToObject(key, "git_revision", PB_GIT_REVISION);
    cJSON_AddItemToObject(key, "run", identity);
    cJSON_AddItemToObject(key, "settings", cJSON_Duplicate(cache->settings, 1));
    char *text = pb__json_print_exact(key, 0);
    cJSON_Delete(key);
    if (text) {
        char hex[65];
        pb__sha256_hex(text, strlen(text), hex);
        snprintf(path, ENTRY_PATH_MAX, "%s/%.2s/%s.json", cache->dir, hex, hex);
    }
    return text;
}

/* Why the entry at path is not a record of job under key; NULL when it is one. */
static const char *entry_fault(const cJSON *entry, const pb__job *job, const char *key,
                               const char *path, char *why, size_t whylen)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(entry, "schema");
    const cJSON *record = cJSON_GetObjectItemCaseSensitive(entry, "record");
    if (!cJSON_IsObject(entry))
        return "not JSON (truncated?)";
    if (!cJSON_IsString(schema) || strcmp(schema->valuestring, PB__CACHE_SCHEMA) != 0)
        return "not a " PB__CACHE_SCHEMA " entry";
    char *stored = pb__json_print_exact(cJSON_GetObjectItemCaseSensitive(entry, "key"), 0);
    int same = stored && strcmp(stored, key) == 0;
    free(stored);
    if (!same)
        return "the key it holds is not the one it is stored under";
    if (pb__record_check(record, path, 1, why, whylen) != 0)
        return why;
    /* The record must be of this very run, as --resume and merge identify runs. */
    cJSON *identity = pb__record_identity(job);
    char *want = pb__record_key(identity), *have = pb__record_key(record);
    same = want && have && strcmp(want, have) == 0;
    free(want);
    free(have);
    cJSON_Delete(identity);
    return same ? NULL : "its record is of another run";
}

cJSON *pb__cache_get(pb__cache *cache, const pb__job *job)
{
    char path[ENTRY_PATH_MAX];
    char *key = key_text(cache, job, path);
    size_t len = 0;
    char *text = key ? pb__read_file(path, &len) : NULL;
    if (!text) {
        free(key);
        return NULL;
    }
    cJSON *entry = cJSON_ParseWithLength(text, len);
    char why[1024];
    const char *fault = entry_fault(entry, job, key, path, why, sizeof why);
    cJSON *record = NULL;
    if (fault) {
        cache->ignored++;
        fprintf(stderr, "plugbench: warning: ignoring the cache entry %s: %s (the run runs "
                        "again and replaces it)\n",
                path, fault);
    } else {
        record = cJSON_DetachItemFromObjectCaseSensitive(entry, "record");
        cJSON *plugin = cJSON_GetObjectItemCaseSensitive(record, "plugin");
        if (cJSON_GetObjectItemCaseSensitive(plugin, "path"))
            cJSON_ReplaceItemInObjectCaseSensitive(plugin, "path",
                                                   cJSON_CreateString(job->plugin->path));
        /* The label is not part of the key: a configuration renamed since takes the runs
         * it had under its old name, as with --resume (one configuration, one row). */
        cJSON_DeleteItemFromObjectCaseSensitive(record, "config");
        cJSON_AddStringToObject(record, "config", pb__job_label(job));
        cJSON_AddTrueToObject(record, "cached");
        cJSON_AddStringToObject(record, "cache_entry", path);
    }
    cJSON_Delete(entry);
    free(text);
    free(key);
    return record;
}

/* Does the same key always give this record? See cache.h. */
static int reproducible(const cJSON *record)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(record, "status");
    const cJSON *instructions = cJSON_GetObjectItemCaseSensitive(record, "instructions");
    if (!cJSON_IsString(status) || cJSON_IsNull(instructions))
        return 0;
    return strcmp(status->valuestring, "ok") == 0 || strcmp(status->valuestring, "nonfinite") == 0;
}

int pb__cache_put(const pb__cache *cache, const pb__job *job, const cJSON *record, char *err,
                  size_t errlen)
{
    if (!reproducible(record))
        return 0;
    char path[ENTRY_PATH_MAX];
    char *key = key_text(cache, job, path);
    cJSON *entry = cJSON_CreateObject(), *parsed_key = key ? cJSON_Parse(key) : NULL;
    int rc = -1;
    if (!parsed_key || !entry) {
        snprintf(err, errlen, "out of memory");
    } else {
        cJSON_AddStringToObject(entry, "schema", PB__CACHE_SCHEMA);
        cJSON_AddItemToObject(entry, "key", parsed_key);
        parsed_key = NULL;
        /* A reference, not a copy: the entry is printed, never kept. */
        cJSON_AddItemReferenceToObject(entry, "record", (cJSON *)record);
        rc = pb__json_write_atomic(path, entry, err, errlen);
    }
    cJSON_Delete(parsed_key);
    cJSON_Delete(entry);
    free(key);
    return rc;
}
