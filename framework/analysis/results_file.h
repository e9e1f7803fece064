/*
 * The results file (schema "plugbench/results/1", docs/results-schema.md): a context block
 * and one record per run; and the journal, one record per line, that the runner appends to
 * while a suite runs (runner/records.h). This is the one reader of both -- for report,
 * compare, merge and the runner's --resume -- and the writer of JSON files whose numbers
 * read back exactly.
 *
 * Ownership: every cJSON returned here is the caller's to cJSON_Delete; every string is the
 * caller's to free.
 */
#ifndef PLUGBENCH_RESULTS_FILE_H
#define PLUGBENCH_RESULTS_FILE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#define PB__RESULTS_SCHEMA "plugbench/results/1"

/*
 * The most fixed targets read from a record's target_hits (blackbox records COCO's 51; the
 * runner records at most 64 extra numbers per run, PB__MAX_EXTRAS in problems/problem.h).
 */
#define PB__MAX_FIXED_TARGETS 64

/* A string equal for two records of the same run (for --resume); malloc'd, or NULL. */
char *pb__record_key(const cJSON *record);

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
 * Checks that record (the index-th of path, from 1) has what every reader of runs relies
 * on -- plugin.name, problem.id, seed and status -- and that every name in it that the
 * readers write into plots, pages, scripts or file names is a plain word, so that no
 * results file, whoever made it, can smuggle markup or commands into them:
 *   plugin.name [a-z0-9-], 1-64 (the loader's rule); plugin.sha256 [0-9a-f], 1-64;
 *   problem.id [A-Za-z0-9_.+:/=-], 1-128; problem.kind [a-z0-9_], 1-32; status [a-z_], 1-32;
 *   problem.cost_unit and the names in metrics and trace [A-Za-z0-9_.-], 1-64;
 *   the names in parameters [a-z0-9_], 1-64 (the loader's rule);
 *   config (a configuration's label, optional) as pb__label_ok says.
 * Values that are free text (messages, parameter values, context) are not checked: each
 * writer escapes them for where they go. Returns 0, or -1 with a one-line message naming
 * the file, the run and the field.
 */
int pb__record_check(const cJSON *record, const char *path, int index, char *err,
                     size_t errlen);

/*
 * A checked record's algorithm as users see it: its configuration's label ("config"), or
 * its plugin's name in files written before configurations existed. Points into record.
 */
const char *pb__record_label(const cJSON *record);

/* The longest configuration label (a record's "config"). */
#define PB__LABEL_MAX 256

/*
 * Is s a configuration's label (runner/configs.h), 1 to PB__LABEL_MAX characters
 * [A-Za-z0-9_.+=[]-], like "cbo-paper" or "cbo[sigma=5][noise=anisotropic]"? Returns 1 or 0.
 */
int pb__label_ok(const char *s);

/*
 * pb__records_load for a file named on a command line (report, compare, merge): the file
 * must exist and be a regular file with at least one run, and every run must pass
 * pb__record_check. Returns 0 with the runs added to records (and *context as there), or
 * -1 with a message (records unchanged, *context NULL).
 */
int pb__results_load_checked(const char *path, cJSON *records, cJSON **context, char *err,
                             size_t errlen);

/*
 * Takes the lock of the results file path, held by whoever writes it (run, merge): a
 * POSIX write lock on path + ".lock", which holds the holder's pid. Its directory must
 * exist. A lock file that is there but not locked was left by a holder that died without
 * removing it (SIGKILL, a machine crash): it is taken over, with a line on stderr naming
 * that holder. Returns the locked descriptor (close-on-exec, not inherited by forked
 * children; release it with pb__results_unlock), or -1 with a message when another
 * process holds it or it cannot be created.
 */
int pb__results_lock(const char *path, char *err, size_t errlen);

/* Removes path + ".lock" and releases the lock fd took on it; fd < 0 is a no-op. */
void pb__results_unlock(const char *path, int fd);

/*
 * As pb__records_load, but a journal's line that is not JSON at all -- torn mid-file by a
 * machine crash, or by a failed write of plugbench 0.x, which glued records together -- is
 * skipped and counted in *torn rather than refusing the whole journal (what --resume
 * wants: the other lines are good runs). A file of torn lines only is still refused.
 */
int pb__records_load_skipping(const char *path, cJSON *records, cJSON **context, size_t *torn,
                              char *err, size_t errlen);

/*
 * The part of pb__records_load that reads a results file one run at a time, without its
 * text or a tree of the whole file in memory: adds its runs to records (and its context
 * to *context when context is not NULL) and returns 1; or returns 0, with nothing
 * changed, for any file that cJSON's parse of the whole text would not read as a results
 * file with the same runs and context -- or that this reader does not take on (an
 * escaped top-level key, a key twice, unusual whitespace, deep nesting) -- which
 * pb__records_load then reads whole.
 */
int pb__results_load_streaming(const char *path, cJSON *records, cJSON **context);

/*
 * Might the JSON file at path have schema as its top-level "schema" member, as cJSON would
 * find it in the whole file parsed? Returns 0 only when it certainly does not, read up to
 * that member rather than the whole file; else 1. For a reader of another schema, so that
 * it need not parse a results file whole to learn that it is not its own.
 */
int pb__json_may_have_schema(const char *path, const char *schema);

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

/*
 * item printed as JSON, formatted or on one line, with every number exact (see numfmt.h)
 * and non-finite ones as null; malloc'd, or NULL when out of memory.
 */
char *pb__json_print_exact(const cJSON *item, int formatted);

/*
 * Finds a key that appears twice in one object of item, at any depth: cJSON keeps both and
 * finds the first, so a flag (which replaces the first) would lose to the second, and a
 * reader would silently ignore the second (configs, tune files). Sorted,
 * not compared pairwise, so that a config of many keys stays fast. Returns 0 with *dup the
 * key or NULL, or -1 when out of memory.
 */
int pb__json_duplicate_key(const cJSON *item, const char **dup);

/* Creates dir and its missing parents. Returns 0 or -1 (errno set). */
int pb__mkdirs(const char *dir);

#endif
