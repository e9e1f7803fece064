/*
 * The run cache (`plugbench run --cache DIR`): a finished run's record stored under a key
 * of everything that decides it, so that a later suite -- another shard, a resubmitted
 * Slurm task, a suite grown by one plugin -- reuses the record instead of running again.
 *
 * The key is the run's identity (records.h: the plugin's sha256, not its path; the problem
 * and its description; seed, parameters, budget, target) plus the plugbench version and git
 * revision and the caller's settings that change a record (instruction counting, the
 * sandbox, the memory limit, the timeout). An entry is DIR/<h[0..2]>/<h>.json, h the
 * sha256 of the key printed exactly, holding {schema, key, record}; it is written to a
 * temporary name unique to this host and process and renamed, so that writers sharing DIR
 * (shards on one file system) never leave a partial entry, and the last one wins with a
 * whole one. An entry that is not JSON, not of this schema, of another key (a collision,
 * an edited file), whose record a results reader would refuse or is of another run (as
 * --resume and merge identify runs) is ignored with a warning: the run runs again and its
 * entry is rewritten.
 *
 * Only runs whose record the same key always reproduces are stored: status ok or
 * nonfinite (what the algorithm did), and with --count-instructions only when counted. An
 * error, a timeout or a crash may come from the machine (a node out of memory, a loaded
 * node, a missing library): a resubmission runs those again.
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_CACHE_H
#define PLUGBENCH_CACHE_H

#include <limits.h>

#include <cjson/cJSON.h>

#include "isolate.h"

#define PB__CACHE_SCHEMA "plugbench/cache/1"

typedef struct pb__cache {
    char dir[PATH_MAX];
    cJSON *settings; /* owned: the settings part of every key */
    size_t ignored;  /* entries ignored as corrupt so far (each warned about) */
} pb__cache;

/*
 * Opens the cache in dir (created with its parents when missing), for runs under settings
 * (an object, taken over). Returns 0, or -1 with a message in err.
 */
int pb__cache_open(pb__cache *cache, const char *dir, cJSON *settings, char *err,
                   size_t errlen);

void pb__cache_close(pb__cache *cache);

/*
 * The stored record of job, or NULL when there is none (or it is ignored, with a warning
 * on stderr). The record returned is the one stored, with plugin.path set to job's and
 * "cached": true and "cache_entry": its entry's path added.
 */
cJSON *pb__cache_get(pb__cache *cache, const pb__job *job);

/*
 * Stores record, job's finished run, when its status is one the cache keeps (see above).
 * Returns 0 when stored or not kept, or -1 with a message in err (the run is recorded
 * anyway; the caller warns).
 */
int pb__cache_put(const pb__cache *cache, const pb__job *job, const cJSON *record, char *err,
                  size_t errlen);

#endif
