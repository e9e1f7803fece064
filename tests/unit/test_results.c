/*
 * Results files: numbers round-trip bit for bit, non-finite values become null, the final
 * write replaces the file whole, a journal with a torn last line keeps its complete lines,
 * a journal write that fails part way (a full disk) leaves whole lines only, the file
 * printed a run at a time is the whole document's print byte for byte, and a record's
 * resume key matches the key of the job that produced it.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "loader.h"
#include "readfile.h"
#include "records.h"

static void check_round_trip(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/r.json", dir);
    const double values[] = {0.1 + 0.2, 1e-300, 5e-324, 1.7976931348623157e308, -0.0, 123456789.123456789, 1.0 / 3};
    cJSON *records = cJSON_CreateArray(), *ctx = cJSON_CreateObject();
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddItemToObject(rec, "plugin", cJSON_CreateObject());
    cJSON *arr = cJSON_AddArrayToObject(rec, "values");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateNumber(values[i]));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(NAN));
    cJSON_AddItemToArray(arr, cJSON_CreateNumber(INFINITY));
    cJSON_AddItemToArray(records, rec);
    CHECK(pb__results_write(path, ctx, records, err, sizeof err) == 0, "%s", err);
    /* Written again over the first: the rename replaces it, no temporary is left. */
    CHECK(pb__results_write(path, ctx, records, err, sizeof err) == 0, "%s", err);
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    CHECK(access(tmp, F_OK) != 0, "no temporary file left");

    cJSON *loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == 0, "%s", err);
    const cJSON *back = cJSON_GetObjectItem(cJSON_GetArrayItem(loaded, 0), "values");
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        double v = cJSON_GetArrayItem(back, (int)i)->valuedouble;
        CHECK(memcmp(&v, &values[i], sizeof v) == 0,
              "value %zu: %.17g came back as %.17g", i, values[i], v);
    }
    CHECK(cJSON_IsNull(cJSON_GetArrayItem(back, 7)) && cJSON_IsNull(cJSON_GetArrayItem(back, 8)),
          "NaN and infinity are written as null");
    FILE *f = fopen(path, "r");
    char text[4096] = {0};
    CHECK(f && fread(text, 1, sizeof text - 1, f) > 0, "read back");
    if (f)
        fclose(f);
    CHECK(!strstr(text, "nan") && !strstr(text, "inf"), "no nan/inf tokens: %s", text);
    CHECK(strstr(text, "\"schema\":\t\"plugbench/results/1\"") != NULL, "schema id present");
    cJSON_Delete(loaded);
    cJSON_Delete(records);
    cJSON_Delete(ctx);
}

/* A record {"plugin": {}, "seed": seed, "pad": "xxx..."} of about pad bytes. */
static cJSON *padded_record(int seed, size_t pad)
{
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddItemToObject(rec, "plugin", cJSON_CreateObject());
    cJSON_AddNumberToObject(rec, "seed", seed);
    char *text = malloc(pad + 1);
    memset(text, 'x', pad);
    text[pad] = '\0';
    cJSON_AddStringToObject(rec, "pad", text);
    free(text);
    return rec;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

static void check_journal(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/j.journal", dir);
    int j = pb__journal_open(path);
    CHECK(j >= 0, "journal opens");
    for (int i = 0; i < 3; i++) {
        cJSON *rec = padded_record(i, 0);
        CHECK(pb__journal_append(j, rec) == 0, "append %d", i);
        cJSON_Delete(rec);
    }
    const char cut[] = "{\"plugin\": {}, \"seed\": 9"; /* a write cut off by SIGKILL */
    CHECK(write(j, cut, sizeof cut - 1) == (ssize_t)sizeof cut - 1, "torn line written");
    close(j);
    cJSON *loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(cJSON_GetArraySize(loaded) == 3, "3 complete records, got %d", cJSON_GetArraySize(loaded));
    cJSON_Delete(loaded);

    snprintf(path, sizeof path, "%s/garbage.json", dir);
    FILE *g = fopen(path, "w");
    fputs("hello\nworld\n", g);
    fclose(g);
    loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == -1 && strstr(err, path),
          "a file that is neither is refused, naming it: %s", err);
    size_t torn = 0;
    CHECK(pb__records_load_skipping(path, loaded, NULL, &torn, err, sizeof err) == -1,
          "a file of torn lines only is refused too");
    snprintf(path, sizeof path, "%s/absent.json", dir);
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == 0 && cJSON_GetArraySize(loaded) == 0,
          "a missing file adds nothing");
    cJSON_Delete(loaded);
}

/*
 * A journal write that fails part way -- the disk full, here the file-size limit with
 * SIGXFSZ ignored, which makes write(2) short and then fail with EFBIG exactly as ENOSPC
 * would, unprivileged -- leaves the journal as it was, and the next record lands on a line
 * of its own: no record glued to a half of another.
 */
static void check_journal_full(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/full.journal", dir);
    int j = pb__journal_open(path);
    CHECK(j >= 0, "journal opens");
    cJSON *small = padded_record(1, 100), *big = padded_record(2, 20000);
    CHECK(pb__journal_append(j, small) == 0, "first record");
    off_t before = file_size(path);
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    lim = saved;
    lim.rlim_cur = (rlim_t)before + 4096; /* room for the start of the big record only */
    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0, "file-size limit set");
    errno = 0;
    CHECK(pb__journal_append(j, big) == -1 && errno == EFBIG,
          "the record that does not fit fails with EFBIG (errno %d)", errno);
    CHECK(file_size(path) == before, "the part written is cut back off (%lld bytes, was %lld)",
          (long long)file_size(path), (long long)before);
    CHECK(pb__journal_append(j, small) == 0, "a record that fits still goes in");
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old);
    CHECK(pb__journal_append(j, big) == 0, "and the big one once there is room");
    close(j);
    cJSON *loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(cJSON_GetArraySize(loaded) == 3, "3 whole records, got %d", cJSON_GetArraySize(loaded));
    const cJSON *last = cJSON_GetArrayItem(loaded, 2);
    CHECK(last && cJSON_Compare(last, big, 1), "the last record reads back whole");
    cJSON_Delete(loaded);

    /* A journal torn mid-file (by a crash of the machine, or glued by an older plugbench):
     * refused as before by the readers, skipped and counted for --resume. */
    FILE *f = fopen(path, "a");
    fputs("{\"plugin\": {}, \"seed\": 7, \"pad\": \"xx{\"plugin\": {}}\n", f);
    fclose(f);
    j = pb__journal_open(path);
    CHECK(pb__journal_append(j, small) == 0, "append after the torn line");
    close(j);
    loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == -1, "strict: refused");
    cJSON_Delete(loaded);
    loaded = cJSON_CreateArray();
    size_t torn = 0;
    CHECK(pb__records_load_skipping(path, loaded, NULL, &torn, err, sizeof err) == 0, "%s", err);
    CHECK(torn == 1 && cJSON_GetArraySize(loaded) == 4, "skipping: 1 torn line (%zu), 4 "
          "records (%d)", torn, cJSON_GetArraySize(loaded));
    cJSON_Delete(loaded);
    cJSON_Delete(small);
    cJSON_Delete(big);
}

/* The journal rewritten (as --resume does) holds exactly the given records. */
static void check_journal_rewrite(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/full.journal", dir);
    cJSON *records = cJSON_CreateArray();
    for (int i = 0; i < 2; i++)
        cJSON_AddItemToArray(records, padded_record(i, 3));
    CHECK(pb__journal_rewrite(path, records) == 0, "rewrite");
    cJSON *loaded = cJSON_CreateArray();
    CHECK(pb__records_load(path, loaded, NULL, err, sizeof err) == 0, "%s", err);
    CHECK(cJSON_Compare(loaded, records, 1), "the rewritten journal holds the records");
    cJSON_Delete(loaded);
    cJSON_Delete(records);
}

/* The resume key of a finished record equals the key of the job's identity. */
static void check_keys(const char *plugin_path)
{
    pb__plugin_file plugin;
    char err[1024] = "";
    CHECK(pb__plugin_load(plugin_path, &plugin, err, sizeof err) == 0, "%s", err);
    pb__problem *problem;
    CHECK(pb__problem_open("sphere-d3-i1", &problem, err, sizeof err) == 0, "%s", err);
    pb_value params[1] = {{.integer = 10}};
    pb__job job = {&plugin, params, problem, 4, {.budget = {100, 0, 0}, .target = NAN}, PB__SAVE_NONE, NULL};
    pb__job_result result = {0};
    result.outcome.status = PB__STATUS_OK;
    cJSON *id = pb__record_identity(&job), *rec = pb__record_new(&job, &result);
    char *a = pb__record_key(id), *b = pb__record_key(rec);
    /* Printed and parsed again, as --resume reads it from disk. */
    char *text = cJSON_PrintUnformatted(rec);
    cJSON *parsed = cJSON_Parse(text);
    char *c = pb__record_key(parsed);
    CHECK(a && b && c && strcmp(a, b) == 0 && strcmp(a, c) == 0, "keys %s / %s / %s", a, b, c);
    job.seed = 5;
    cJSON *other = pb__record_identity(&job);
    char *d = pb__record_key(other);
    CHECK(d && strcmp(a, d) != 0, "another seed, another key");
    free(a), free(b), free(c), free(d), free(text);
    cJSON_Delete(id), cJSON_Delete(rec), cJSON_Delete(parsed), cJSON_Delete(other);
    pb__problem_close(problem);
    pb__plugin_unload(&plugin);
}

/* Writes text to dir/name; the path in path. */
static void put_file(const char *dir, const char *name, const char *text, char *path, size_t len)
{
    snprintf(path, len, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f && fputs(text, f) >= 0, "write %s", path);
    if (f)
        fclose(f);
}

/*
 * A results file is read one run at a time (pb__results_load_streaming), with the runs and
 * context the whole parse gives; a file the scanner does not take is read whole, as
 * before, with the same runs or message; the schema probe stops at the schema.
 */
static void check_streaming(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/s.json", dir);
    cJSON *records = cJSON_CreateArray(), *ctx = cJSON_CreateObject();
    cJSON_AddStringToObject(ctx, "note", "a \"quoted\" ] } [ { string\\");
    for (int seed = 1; seed <= 3; seed++) {
        cJSON *rec = padded_record(seed, 100);
        cJSON_AddItemToObject(rec, "nested", cJSON_Parse("{\"a\": [[1, {\"b\": \"]\"}], []]}"));
        cJSON_AddItemToArray(records, rec);
    }
    CHECK(pb__results_write(path, ctx, records, err, sizeof err) == 0, "%s", err);
    cJSON *runs = cJSON_CreateArray(), *got_ctx = NULL;
    CHECK(pb__results_load_streaming(path, runs, &got_ctx) == 1, "a written file is streamed");
    CHECK(cJSON_Compare(runs, records, 1) && cJSON_Compare(got_ctx, ctx, 1) && got_ctx &&
              strcmp(got_ctx->string, "context") == 0,
          "the same runs and context");
    CHECK(pb__json_may_have_schema(path, "plugbench/instructions/1") == 0,
          "a results file is not an instructions file");
    CHECK(pb__json_may_have_schema(path, PB__RESULTS_SCHEMA) == 1, "but a results file");
    cJSON_Delete(runs);
    cJSON_Delete(got_ctx);

    /* cJSON finds the first of two keys: the whole parse reads this one. */
    put_file(dir, "dup.json",
             "{\"schema\": \"plugbench/results/1\", \"runs\": [{\"plugin\": {}, \"seed\": 7}],"
             " \"runs\": []}",
             path, sizeof path);
    runs = cJSON_CreateArray();
    CHECK(pb__results_load_streaming(path, runs, NULL) == 0 && !runs->child, "not streamed");
    CHECK(pb__records_load(path, runs, NULL, err, sizeof err) == 0 &&
              cJSON_GetArraySize(runs) == 1,
          "the first runs read whole: %s", err);
    cJSON_Delete(runs);
    put_file(dir, "esc.json", "{\"sch\\u0065ma\": \"plugbench/instructions/1\"}", path,
             sizeof path);
    CHECK(pb__json_may_have_schema(path, "plugbench/instructions/1") == 1,
          "an escaped key may be the schema");

    /* The messages of a truncated file and of another schema stay what they were. */
    static const struct {
        const char *text, *message;
    } bad[] = {
        {"{\"schema\": \"plugbench/results/1\",\n \"runs\": [{\"plugin\": {}}, {\"plu",
         "bad.json:1: not a plugbench results file or journal"},
        {"{\"schema\": \"x/1\", \"runs\": []}",
         "bad.json: schema 'x/1' is not plugbench/results/1"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put_file(dir, "bad.json", bad[i].text, path, sizeof path);
        runs = cJSON_CreateArray();
        CHECK(pb__records_load(path, runs, NULL, err, sizeof err) == -1 &&
                  strstr(err, bad[i].message) && !runs->child,
              "case %zu: %s", i, err);
        cJSON_Delete(runs);
    }
    cJSON_Delete(records);
    cJSON_Delete(ctx);
}

/*
 * The results file is printed a run at a time: byte for byte what cJSON prints of the
 * whole document, for runs and a context nesting objects and arrays, empty ones, strings
 * with newlines and tabs, and numbers made exact.
 */
static void check_write_whole(const char *dir)
{
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/w.json", dir);
    cJSON *ctx = cJSON_Parse("{\"note\": \"two\\nlines\\tand a tab\", \"empty\": {},"
                             " \"list\": [], \"deep\": {\"a\": [{\"b\": {\"c\": [1, {}]}}]}}");
    cJSON *records = cJSON_CreateArray();
    for (int seed = 1; seed <= 3; seed++) {
        cJSON *rec = padded_record(seed, 5);
        cJSON_AddItemToObject(rec, "nested",
                              cJSON_Parse("{\"a\": [[0.1, {\"b\": \"x\\ny\"}], [], {}],"
                                          " \"c\": {\"d\": {}}, \"e\": 1e-300}"));
        cJSON_AddItemToObject(rec, "third", cJSON_CreateNumber(1.0 / 3));
        cJSON_AddItemToArray(records, rec);
    }
    for (int n = 0; n <= 3; n++) {
        cJSON *some = cJSON_CreateArray();
        for (const cJSON *rec = records->child; rec && cJSON_GetArraySize(some) < n; rec = rec->next)
            cJSON_AddItemToArray(some, cJSON_Duplicate(rec, 1));
        CHECK(pb__results_write(path, ctx, some, err, sizeof err) == 0, "%s", err);
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "schema", PB__RESULTS_SCHEMA);
        cJSON_AddItemReferenceToObject(doc, "context", ctx);
        cJSON_AddItemReferenceToObject(doc, "runs", some);
        char *whole = pb__json_print_exact(doc, 1);
        size_t len = 0;
        char *text = pb__read_file(path, &len);
        CHECK(whole && text && len == strlen(whole) + 1 && memcmp(text, whole, len - 1) == 0 &&
                  text[len - 1] == '\n',
              "%d runs: the file is the whole document's print and a newline", n);
        free(text);
        free(whole);
        cJSON_Delete(doc);
        cJSON_Delete(some);
    }
    cJSON_Delete(records);
    cJSON_Delete(ctx);
}

int main(int argc, char **argv)
{
    char dir[] = "/tmp/pb_results_XXXXXX";
    if (argc < 2 || !mkdtemp(dir))
        return 2;
    check_round_trip(dir);
    check_journal(dir);
    check_journal_full(dir);
    check_journal_rewrite(dir);
    check_streaming(dir);
    check_write_whole(dir);
    check_keys(argv[1]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0, "cleanup");
    return check_summary("results");
}
