/*
 * The runner's side of the results file (schema "plugbench/results/1",
 * docs/results-schema.md): the context block and a run's record. While a suite runs, each
 * finished record is appended to a journal next to the results file (one JSON object per
 * line, flushed and synced), so a suite killed at any moment keeps every finished run; the
 * final file is then written atomically and the journal removed. Reading both, and writing
 * the file, is the analysis library's (results_file.h).
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_RECORDS_H
#define PLUGBENCH_RECORDS_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "isolate.h"
#include "results_file.h"

/* The context block: host, CPU, cores, compiler and flags, git revision, date, version. */
cJSON *pb__results_context(int argc, char **argv);

/* The fields that identify a run (plugin, problem, seed, parameters, budget, target). */
cJSON *pb__record_identity(const pb__job *job);

/* A whole record: the identity plus status, metrics, counts, times, trace and output. */
cJSON *pb__record_new(const pb__job *job, const pb__job_result *result);

/* Opens the journal for appending; NULL with errno set on failure. */
FILE *pb__journal_open(const char *path);

/* Appends one record as a line and syncs it to disk. Returns 0 or -1. */
int pb__journal_append(FILE *journal, const cJSON *record);

#endif
