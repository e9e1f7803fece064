/*
 * plugbench merge -o OUT.json FILE...: joins the results files (or journals) of the shards
 * of one suite, or of separate suites, into one results file, in a fixed order.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "records.h"
#include "solutions.h"

static const char usage[] =
    "usage: plugbench merge -o OUT.json FILE...\n"
    "\n"
    "Joins results files or journals of plugbench run into one results file: the shards of\n"
    "one suite run with --shard I/N (for example as a Slurm job array), or several suites.\n"
    "The runs are sorted by algorithm, problem, seed, then parameters, budget and target, so\n"
    "the same inputs give the same file in any order. The context of OUT records this\n"
    "command, and under `merged` each input's path and context (null for a journal);\n"
    "tune's protocol (tuning) when every input has the same one.\n"
    "\n"
    "A run that appears in two inputs (same plugin name and sha256, problem, seed,\n"
    "parameters, budget and target) is refused: shards never overlap, so it means two\n"
    "different slicings or a suite merged twice, and neither copy is the right one to keep.\n"
    "\n"
    "  -o, --output FILE  the results file to write (required; written atomically)\n"
    "\n"
    "Each input is checked as report and compare check theirs: one that is missing, empty,\n"
    "truncated, not a results file or journal, or holds a record without plugin name,\n"
    "problem id, seed and status or with a name that is not a plain word is refused. OUT\n"
    "is locked as plugbench run locks it (OUT.lock): merging into the output of a suite\n"
    "that is still running is refused.\n"
    "\n"
    "Saved solutions (run --save-solutions) are copied into OUT.solutions, each checked\n"
    "against its sha256 first, and the records point there: OUT needs its inputs' side\n"
    "files only while merging. A missing or changed one is refused.\n"
    "\n"
    "Exit status: 0 when OUT was written, 1 when it could not be, 2 for bad usage, an\n"
    "input that is refused or repeats a run, or an OUT that another run or merge writes.\n";

/* A run with its sort key and the input it came from. */
typedef struct entry {
    cJSON *record;
    char *key;
    const char *algorithm, *problem;
    double seed;
    const char *file;
    size_t order; /* its place in the inputs: equal keys keep the inputs' order */
} entry;

static const char *string_at(const cJSON *record, const char *object, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(record, object), name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->algorithm, y->algorithm);
    if (c == 0)
        c = strcmp(x->problem, y->problem);
    if (c == 0 && x->seed != y->seed)
        c = x->seed < y->seed ? -1 : 1;
    if (c == 0)
        c = strcmp(x->key, y->key);
    return c ? c : (x->order > y->order) - (x->order < y->order);
}

/*
 * Copies the saved solutions of the sorted entries[0..n) into OUT.solutions (through a
 * temporary file, renamed when all are in) and points their records there. No file when no
 * record has one. Returns 0, or an exit code after saying why.
 */
static int copy_solutions(entry *entries, size_t n, const char *output)
{
    char path[PATH_MAX + 16], tmp[PATH_MAX + 48], err[PATH_MAX + 512], dir[PATH_MAX];
    snprintf(path, sizeof path, "%s" PB__SOLUTIONS_SUFFIX, output);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
    int fd = -1, rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        cJSON *ref = cJSON_GetObjectItemCaseSensitive(entries[i].record, "solution");
        if (!cJSON_GetObjectItemCaseSensitive(ref, "file"))
            continue;
        if (fd < 0 && (fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0) {
            fprintf(stderr, "plugbench: cannot write %s: %s\n", tmp, strerror(errno));
            return PB_EXIT_FAILED;
        }
        double *values;
        uint64_t rows, length;
        int sha_mismatch;
        char copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", entries[i].file);
        snprintf(dir, sizeof dir, "%s", dirname(copy));
        if (pb__solutions_read(dir, ref, &values, &rows, &length, &sha_mismatch, err,
                               sizeof err) != 0) {
            rc = pb_usage_error("merge: %s: %s on %s seed %.0f: %s", entries[i].file,
                                entries[i].algorithm, entries[i].problem, entries[i].seed, err);
            break;
        }
        const cJSON *points = cJSON_GetObjectItemCaseSensitive(ref, "points");
        cJSON *moved = pb__solutions_append(
            fd, name, values, rows, length,
            cJSON_IsString(points) && strcmp(points->valuestring, "trace") == 0);
        free(values);
        if (!moved) {
            fprintf(stderr, "plugbench: cannot write %s: %s\n", tmp, strerror(errno));
            rc = PB_EXIT_FAILED;
            break;
        }
        cJSON_ReplaceItemInObjectCaseSensitive(entries[i].record, "solution", moved);
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        fprintf(stderr, "plugbench: cannot write %s: %s\n", tmp, strerror(errno));
        rc = PB_EXIT_FAILED;
    }
    if (fd >= 0 && rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "plugbench: cannot write %s: %s\n", path, strerror(errno));
        rc = PB_EXIT_FAILED;
    }
    if (fd >= 0 && rc != 0)
        unlink(tmp);
    return rc;
}

int pb_cmd_merge(int argc, char **argv)
{
    const char *output = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t n_inputs = 0;
    if (!inputs)
        return pb_usage_error("out of memory");
    int rc = 0;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *a = argv[i];
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            free(inputs);
            return PB_EXIT_OK;
        }
        if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc)
                rc = pb_usage_error("%s needs a file", a);
            else
                output = argv[++i];
        } else if (strncmp(a, "--output=", 9) == 0) {
            output = a + 9;
        } else if (a[0] == '-' && a[1]) {
            rc = pb_usage_error("merge: unknown option '%s' (see plugbench merge --help)", a);
        } else {
            inputs[n_inputs++] = a;
        }
    }
    if (rc == 0 && (!output || n_inputs == 0))
        rc = pb_usage_error("merge: needs -o OUT.json and at least one input (see plugbench "
                            "merge --help)");
    cJSON *records = cJSON_CreateArray(), *context = pb__results_context(argc, argv);
    cJSON *merged = cJSON_AddArrayToObject(context, "merged");
    entry *entries = NULL;
    size_t n = 0;
    char err[1024];
    int lock_fd = -1;
    if (rc == 0) {
        /* Like run: the output's directory exists, and nobody else writes the output (a
         * suite still running into it would lose its runs to this file, or this file to its). */
        char dir[PATH_MAX], copy[PATH_MAX];
        snprintf(copy, sizeof copy, "%s", output);
        snprintf(dir, sizeof dir, "%s", dirname(copy));
        if (pb__mkdirs(dir) != 0)
            rc = pb_usage_error("cannot create %s: %s", dir, strerror(errno));
        else if ((lock_fd = pb__results_lock(output, err, sizeof err)) < 0)
            rc = pb_usage_error("%s", err);
    }
    for (size_t f = 0; rc == 0 && f < n_inputs; f++) {
        int before = cJSON_GetArraySize(records);
        cJSON *ctx = NULL;
        /* Checked as report and compare check theirs: a file that is truncated, empty or
         * holds an invalid record is refused, never read as fewer runs. */
        if (pb__results_load_checked(inputs[f], records, &ctx, err, sizeof err) != 0) {
            rc = pb_usage_error("%s", err);
            break;
        }
        cJSON *from = cJSON_CreateObject();
        cJSON_AddStringToObject(from, "path", inputs[f]);
        cJSON_AddItemToObject(from, "context", ctx ? ctx : cJSON_CreateNull());
        cJSON_AddItemToArray(merged, from);
        size_t total = (size_t)cJSON_GetArraySize(records);
        entry *grown = realloc(entries, (total ? total : 1) * sizeof *entries);
        if (!grown) {
            rc = pb_usage_error("out of memory");
            break;
        }
        entries = grown;
        cJSON *rec = cJSON_GetArrayItem(records, before);
        for (; rec; rec = rec->next) {
            const cJSON *seed = cJSON_GetObjectItemCaseSensitive(rec, "seed");
            entries[n] = (entry){
                .record = rec,
                .key = pb__record_key(rec),
                .algorithm = pb__record_label(rec), /* a configuration's runs together */
                .problem = string_at(rec, "problem", "id"),
                .seed = cJSON_IsNumber(seed) ? seed->valuedouble : -1,
                .file = inputs[f],
                .order = n,
            };
            if (!entries[n++].key)
                rc = pb_usage_error("out of memory");
        }
    }
    if (rc == 0) {
        qsort(entries, n, sizeof *entries, cmp_entry);
        for (size_t i = 1; i < n && rc == 0; i++)
            if (strcmp(entries[i].key, entries[i - 1].key) == 0)
                rc = pb_usage_error("merge: %s on %s seed %.0f is in %s and in %s: refusing to "
                                    "pick one",
                                    entries[i].algorithm, entries[i].problem, entries[i].seed,
                                    entries[i - 1].file, entries[i].file);
    }
    if (rc == 0)
        rc = copy_solutions(entries, n, output);
    /* Shards of one tuned suite share tune's protocol: the merged file keeps it where the
     * report looks, so the merged leaderboard still states it. Differing ones stay under
     * merged only. */
    const cJSON *from, *tuning = NULL;
    int one = 1;
    cJSON_ArrayForEach(from, merged) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(from, "context"), "tuning");
        one = one && t && (!tuning || cJSON_Compare(t, tuning, 1));
        tuning = t;
    }
    if (rc == 0 && one && tuning)
        cJSON_AddItemToObject(context, "tuning", cJSON_Duplicate(tuning, 1));
    if (rc == 0) {
        cJSON *sorted = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++)
            cJSON_AddItemToArray(sorted, cJSON_DetachItemViaPointer(records, entries[i].record));
        if (pb__results_write(output, context, sorted, err, sizeof err) != 0) {
            fprintf(stderr, "plugbench: %s\n", err);
            rc = PB_EXIT_FAILED;
        } else {
            printf("%zu runs from %zu files: %s\n", n, n_inputs, output);
        }
        cJSON_Delete(sorted);
    }
    pb__results_unlock(output, lock_fd);
    for (size_t i = 0; i < n; i++)
        free(entries[i].key);
    free(entries);
    free(inputs);
    cJSON_Delete(records);
    cJSON_Delete(context);
    return rc;
}
