/*
 * The runner's side of the results file (schema "plugbench/results/1",
 * docs/results-schema.md): the context block and a run's record. While a suite runs, each
 * finished record is appended to a journal next to the results file (one JSON object per
 * line, written whole and synced), so a suite killed at any moment keeps every finished run;
 * the final file is then written atomically from the journal and the journal removed.
 * Reading both, and writing the file, is the analysis library's (results_file.h).
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete.
 */
#ifndef PLUGBENCH_RECORDS_H
#define PLUGBENCH_RECORDS_H

#include <cjson/cJSON.h>

#include "isolate.h"
#include "results_file.h"

/* The context block: host, CPU, cores, compiler and flags, git revision, date, version. */
cJSON *pb__results_context(int argc, char **argv);

/* The fields that identify a run (plugin, problem, seed, parameters, budget, target). */
/* The label of job's configuration as records carry it ("config"): its name, or the plugin's. */
const char *pb__job_label(const pb__job *job);

cJSON *pb__record_identity(const pb__job *job);

/* A whole record: the identity plus status, metrics, counts, times, trace and output. */
cJSON *pb__record_new(const pb__job *job, const pb__job_result *result);

/*
 * Opens the journal for appending (O_APPEND), first cutting off a torn last line that a
 * crash left. Returns the descriptor, or -1 with errno set.
 */
int pb__journal_open(const char *path);

/*
 * Appends one record as a line, in one write(2), and syncs it to disk. A write that fails
 * part way (a full disk, a file-size limit) is cut back off, so that the journal holds
 * whole records only and the next append starts a line of its own. Returns 0, or -1 with
 * errno set (ENOSPC or EFBIG for a write that was cut short).
 */
int pb__journal_append(int fd, const cJSON *record);

/*
 * Replaces the journal at path with the records, one a line, atomically (a temporary file,
 * fsync, rename): what --resume keeps. Returns 0, or -1 with errno set.
 */
int pb__journal_rewrite(const char *path, const cJSON *records);

#endif
