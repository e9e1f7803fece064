/*
 * The results file (schema "plugbench/results/1", docs/results-schema.md): a context
 * block and one record per run. While a suite runs, each finished record is appended to a
 * journal next to the results file (one JSON object per line, flushed and synced), so a
 * suite killed at any moment keeps every finished run; the final file is then written
 * atomically and the journal removed.
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_RESULTS_H
#define PLUGBENCH_RESULTS_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "isolate.h"

#define PB__RESULTS_SCHEMA "plugbench/results/1"

/* The context block: host, CPU, cores, compiler and flags, git revision, date, version. */
cJSON *pb__results_context(int argc, char **argv);

/* The fields that identify a run (plugin, problem, seed, parameters, budget, target). */
cJSON *pb__record_identity(const pb__job *job);

/* A whole record: the identity plus status, metrics, counts, times, trace and output. */
cJSON *pb__record_new(const pb__job *job, const pb__job_result *result);

/* A string equal for two records of the same run (for --resume); malloc'd, or NULL. */
char *pb__record_key(const cJSON *record);

/* Opens the journal for appending; NULL with errno set on failure. */
FILE *pb__journal_open(const char *path);

/* Appends one record as a line and syncs it to disk. Returns 0 or -1. */
int pb__journal_append(FILE *journal, const cJSON *record);

/*
 * Adds the records of a journal (a torn last line is ignored) or of a results file to
 * records; when context is not NULL, *context receives the results file's context block,
 * detached (NULL for a journal, which has none). A missing file adds nothing. Returns 0,
 * or -1 with a message for a file that exists but is not a plugbench results file or
 * journal.
 */
int pb__records_load(const char *path, cJSON *records, cJSON **context, char *err,
                     size_t errlen);

/*
 * Writes {schema, context, runs} to path atomically (a temporary file, fsync, rename),
 * creating missing parent directories. Takes no ownership. Returns 0, or -1 with a message.
 */
int pb__results_write(const char *path, const cJSON *context, const cJSON *records, char *err,
                      size_t errlen);

/*
 * Writes doc to path atomically (a temporary file, fsync, rename), creating missing parent
 * directories, with every number exact (see numfmt.h) and non-finite ones as null. Takes
 * no ownership. Returns 0, or -1 with a message.
 */
int pb__json_write_atomic(const char *path, const cJSON *doc, char *err, size_t errlen);

/* Creates dir and its missing parents. Returns 0 or -1 (errno set). */
int pb__mkdirs(const char *dir);

#endif
