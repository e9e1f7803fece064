/* The results file: reading it (or a journal), a run's key, exact JSON written atomically;
 * see results_file.h. */
#include "results_file.h"

#include <errno.h>
#include <fcntl.h>
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
    /* checkpoints is absent from default records: their keys stay as they were. */
    static const char *const fields[] = {"seed", "parameters", "budget", "target",
                                         "checkpoints"};
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

static int cmp_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A key twice in one object, at any depth; see results_file.h. */
int pb__json_duplicate_key(const cJSON *item, const char **dup)
{
    *dup = NULL;
    size_t n = 0;
    for (const cJSON *e = item->child; e; e = e->next)
        n++;
    if (cJSON_IsObject(item) && n > 1) {
        const char **keys = malloc(n * sizeof *keys);
        if (!keys)
            return -1;
        n = 0;
        for (const cJSON *e = item->child; e; e = e->next)
            keys[n++] = e->string;
        qsort(keys, n, sizeof *keys, cmp_key);
        for (size_t i = 1; i < n && !*dup; i++)
            if (strcmp(keys[i], keys[i - 1]) == 0)
                *dup = keys[i];
        free(keys);
    }
    for (const cJSON *e = item->child; e && !*dup; e = e->next)
        if (pb__json_duplicate_key(e, dup) != 0)
            return -1;
    return 0;
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

/*
 * A results file read one run at a time: a scanner walks the top-level object, and each
 * of its values -- each element of "runs" on its own -- is cut out as text and parsed by
 * cJSON alone, so that the file's text and a tree of the whole document are never held
 * (at 100,000 runs they were 3.4 GB, and their cost grew faster than the runs). It
 * accepts only what the whole-document parse (load, below) reads as a results file, with
 * the same records and context: anything else -- a journal, a syntax error, a truncated
 * file, a wrong schema, "schema", "runs" or "context" twice, an escape in a top-level
 * key, a NUL byte, whitespace other than JSON's or nesting near cJSON's limit -- makes it
 * give up, and load reads the file whole as before, with the messages it always gave.
 * tests/fuzz/fuzz_compare.c checks that whatever it reads, the whole parse reads alike.
 */
typedef struct scan {
    FILE *f;
    int c;           /* the current byte, or EOF */
    size_t pos, end; /* the unread part of chunk */
    int keep;        /* does cut_value keep the text it passes? */
    char *text;      /* the value cut out, NUL-terminated */
    size_t len, cap;
    char chunk[1 << 14];
} scan;

/* Well below CJSON_NESTING_LIMIT (1000), counted from the top-level object. */
#define SCAN_MAX_DEPTH 900

/* The top-level keys the readers look at, by their index in the scanner. */
enum { KEY_SCHEMA, KEY_RUNS, KEY_CONTEXT, KEY_OTHER };
static const char *const scan_keys[KEY_OTHER] = {"schema", "runs", "context"};

static int next(scan *s)
{
    if (s->pos == s->end) {
        s->pos = 0;
        s->end = fread(s->chunk, 1, sizeof s->chunk, s->f);
        if (s->end == 0)
            return s->c = EOF;
    }
    return s->c = (unsigned char)s->chunk[s->pos++];
}

static void skip_space(scan *s)
{
    while (s->c == ' ' || s->c == '\t' || s->c == '\n' || s->c == '\r')
        next(s);
}

/* Passes the current byte (kept in text when s->keep); -1 at EOF, a NUL or no memory. */
static int take(scan *s)
{
    if (s->c == EOF || s->c == '\0')
        return -1;
    if (s->keep) {
        if (s->len + 1 >= s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 4096;
            char *bigger = realloc(s->text, cap);
            if (!bigger)
                return -1;
            s->text = bigger;
            s->cap = cap;
        }
        s->text[s->len++] = (char)s->c;
    }
    next(s);
    return 0;
}

/*
 * Passes the value that starts at the current byte, cutting it out into text when
 * s->keep: a string, an object or an array up to its closing byte (brackets counted
 * outside strings; cJSON checks that they match), a number or literal up to the next
 * delimiter. depth is the nesting it sits in. Returns 0, or -1 where the scanner gives up.
 */
static int cut_value(scan *s, int depth)
{
    s->len = 0;
    if (s->c == EOF || !s->c || !strchr("{[\"-0123456789tfn", s->c))
        return -1;
    if (s->c != '"' && s->c != '{' && s->c != '[') {
        while (s->c != EOF && s->c && !strchr(",]} \t\n\r", s->c))
            if (take(s))
                return -1;
    } else {
        int open = 0, in_string = 0;
        do {
            int c = s->c;
            if (take(s))
                return -1;
            if (in_string) {
                if (c == '\\' && take(s))
                    return -1;
                in_string = c != '"';
            } else if (c == '"') {
                in_string = 1;
            } else if (c == '{' || c == '[') {
                if (depth + ++open > SCAN_MAX_DEPTH)
                    return -1;
            } else if (c == '}' || c == ']') {
                open--;
            }
        } while (in_string || open > 0);
    }
    if (s->keep)
        s->text[s->len] = '\0';
    return 0;
}

/* The value at the current byte, parsed alone; NULL where the scanner gives up. */
static cJSON *scan_value(scan *s, int depth)
{
    s->keep = 1;
    return cut_value(s, depth) == 0 ? cJSON_ParseWithOpts(s->text, NULL, 1) : NULL;
}

/* Opens path with the current byte at the first of its value (after a BOM, which cJSON
 * skips, and whitespace); NULL when it cannot be read or is out of memory. */
static scan *scan_open(const char *path)
{
    scan *s = calloc(1, sizeof *s);
    if (s && !(s->f = fopen(path, "rb"))) {
        free(s);
        return NULL;
    }
    if (s && next(s) == 0xEF) {
        int bom = next(s) == 0xBB && next(s) == 0xBF;
        s->c = bom ? next(s) : 0xEF; /* a part of a BOM is no JSON for cJSON either */
    }
    if (s)
        skip_space(s);
    return s;
}

static void scan_close(scan *s)
{
    if (s) {
        fclose(s->f);
        free(s->text);
        free(s);
    }
}

/*
 * Walks the members of the top-level object from after its '{': visit gets each one's key
 * (a KEY_ index) with the current byte at its value, passes the value and returns 0 to go
 * on, 1 to stop there or -1 to give up. Returns 1 at the object's end or where visit
 * stopped, else -1: a malformed object, an escape in a key (cJSON would read the key it
 * stands for) or one of scan_keys twice (cJSON would find the first).
 */
static int scan_object(scan *s, int (*visit)(scan *s, int key, void *arg), void *arg)
{
    int seen[KEY_OTHER] = {0};
    skip_space(s);
    if (s->c == '}')
        return 1;
    while (s->c == '"') {
        s->keep = 1;
        if (cut_value(s, 1) || memchr(s->text, '\\', s->len))
            return -1;
        int key = 0;
        while (key < KEY_OTHER && (s->len != strlen(scan_keys[key]) + 2 ||
                                   memcmp(s->text + 1, scan_keys[key], s->len - 2) != 0))
            key++;
        skip_space(s);
        if ((key < KEY_OTHER && seen[key]++) || s->c != ':')
            return -1;
        next(s);
        skip_space(s);
        int rc = visit(s, key, arg);
        if (rc)
            return rc;
        skip_space(s);
        if (s->c == '}')
            return 1;
        if (s->c != ',')
            return -1;
        next(s);
        skip_space(s);
    }
    return -1;
}

/* What pb__results_load_streaming gathers. */
typedef struct loaded {
    cJSON *runs, *context; /* context only when wanted */
    int want_context, schema_ok, have_runs;
} loaded;

/* The elements of the array at the current byte, added to runs; 0 or -1 (give up). */
static int scan_runs(scan *s, cJSON *runs)
{
    if (s->c != '[')
        return -1;
    next(s);
    skip_space(s);
    int more = s->c != ']';
    while (more) {
        cJSON *run = scan_value(s, 2);
        if (!run)
            return -1;
        cJSON_AddItemToArray(runs, run);
        skip_space(s);
        more = s->c == ',';
        if (more) {
            next(s);
            skip_space(s);
        }
    }
    if (s->c != ']')
        return -1;
    next(s);
    return 0;
}

/* A member of a results file, for scan_object. Every value is parsed, whether or not it
 * is used, so that a file cJSON would refuse is never read here. */
static int visit_results(scan *s, int key, void *arg)
{
    loaded *l = arg;
    if (key == KEY_RUNS) {
        l->have_runs = 1;
        return scan_runs(s, l->runs);
    }
    cJSON *value = scan_value(s, 1);
    if (!value)
        return -1;
    if (key == KEY_SCHEMA)
        l->schema_ok = cJSON_IsString(value) && strcmp(value->valuestring, PB__RESULTS_SCHEMA) == 0;
    if (key == KEY_CONTEXT && l->want_context) {
        /* as a member of the parsed document, it carried its name */
        l->context = value;
        value->string = strdup("context");
        return value->string ? 0 : -1;
    }
    cJSON_Delete(value);
    return 0;
}

int pb__results_load_streaming(const char *path, cJSON *records, cJSON **context)
{
    scan *s = scan_open(path);
    loaded l = {.runs = cJSON_CreateArray(), .want_context = context != NULL};
    int ok = 0;
    if (s && l.runs && s->c == '{') {
        next(s);
        ok = scan_object(s, visit_results, &l) == 1 && l.schema_ok && l.have_runs &&
             !ferror(s->f);
    }
    scan_close(s);
    while (ok && l.runs->child)
        cJSON_AddItemToArray(records, cJSON_DetachItemViaPointer(l.runs, l.runs->child));
    if (ok && context)
        *context = l.context;
    else
        cJSON_Delete(l.context);
    cJSON_Delete(l.runs);
    return ok;
}

/* A member of a file read by pb__json_may_have_schema: stops at "schema", with its value
 * in *arg (NULL when cJSON would not parse it); passes the others. */
static int visit_schema(scan *s, int key, void *arg)
{
    if (key != KEY_SCHEMA) {
        s->keep = 0;
        return cut_value(s, 1);
    }
    *(cJSON **)arg = scan_value(s, 1);
    return *(cJSON **)arg ? 1 : -1;
}

int pb__json_may_have_schema(const char *path, const char *schema)
{
    scan *s = scan_open(path);
    cJSON *found = NULL;
    int rc = 1, not_object = s && s->c > ' ' && s->c != '{';
    if (not_object) {
        rc = 0;
    } else if (s && s->c == '{') {
        next(s);
        if (scan_object(s, visit_schema, &found) == 1 && !ferror(s->f))
            rc = !found ? 0 : cJSON_IsString(found) && strcmp(found->valuestring, schema) == 0;
    }
    cJSON_Delete(found);
    scan_close(s);
    return rc;
}

/* pb__records_load, and with torn not NULL pb__records_load_skipping. */
static int load(const char *path, cJSON *records, cJSON **context, size_t *torn, char *err,
                size_t errlen)
{
    if (torn)
        *torn = 0;
    if (context)
        *context = NULL;
    if (pb__results_load_streaming(path, records, context))
        return 0;
    size_t len;
    char *text;
    int found = pb__read_file_if_any(path, &text, &len, err, errlen);
    if (found <= 0)
        return found;
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

/* The characters a name may hold, per field; see results_file.h. */
#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"
static const struct name_rule {
    const char *chars, *shown;
    size_t max;
} rule_plugin = {LOWER DIGITS "-", "[a-z0-9-]", 64},
  rule_parameter = {LOWER DIGITS "_", "[a-z0-9_]", 64},
  rule_kind = {LOWER DIGITS "_", "[a-z0-9_]", 32},
  rule_status = {LOWER "_", "[a-z_]", 32},
  rule_metric = {LOWER UPPER DIGITS "_.-", "[A-Za-z0-9_.-]", 64},
  rule_id = {LOWER UPPER DIGITS "_.-+:/=", "[A-Za-z0-9_.+:/=-]", 128},
  rule_sha256 = {DIGITS "abcdef", "[0-9a-f]", 64},
  rule_label = {LOWER UPPER DIGITS "_.+=[]-", "[A-Za-z0-9_.+=[]-]", PB__LABEL_MAX};

const char *pb__record_label(const cJSON *record)
{
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(record, "config");
    return cJSON_IsString(config)
               ? config->valuestring
               : cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(record, "plugin"),
                                                  "name")
                     ->valuestring;
}

/* Does s follow rule? */
static int follows(const char *s, const struct name_rule *rule)
{
    size_t len = strlen(s);
    return len >= 1 && len <= rule->max && strspn(s, rule->chars) == len;
}

int pb__label_ok(const char *s)
{
    return follows(s, &rule_label);
}

/*
 * At most 40 bytes of s for a message: printable ASCII as it is (with '"' and '\'
 * escaped), anything else as \xNN, so that the message stays one harmless line.
 */
static void excerpt(const char *s, char *out, size_t len)
{
    size_t n = 0, i = 0;
    for (; s[i] && i < 40 && n + 5 < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            n += (size_t)snprintf(out + n, len - n, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            out[n++] = (char)c;
        else
            n += (size_t)snprintf(out + n, len - n, "\\x%02x", c);
    }
    snprintf(out + n, len - n, "%s", s[i] ? "..." : "");
}

/* 0 when s follows rule; else -1 with a message naming path, the run and field. */
static int check_name(const char *s, const struct name_rule *rule, const char *path, int index,
                      const char *field, char *err, size_t errlen)
{
    if (follows(s, rule))
        return 0;
    char shown[200];
    excerpt(s, shown, sizeof shown);
    snprintf(err, errlen, "%s: run %d: %s \"%s\" is not a name of 1 to %zu characters %s", path,
             index, field, shown, rule->max, rule->shown);
    return -1;
}

/* The keys of object field of rec (absent: none) checked against rule; 0 or -1. */
static int check_keys(const cJSON *rec, const char *field, const struct name_rule *rule,
                      const char *path, int index, char *err, size_t errlen)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(rec, field), *e;
    char what[64];
    snprintf(what, sizeof what, "a name in %s", field);
    if (!obj || cJSON_IsNull(obj))
        return 0;
    if (!cJSON_IsObject(obj)) {
        snprintf(err, errlen, "%s: run %d: %s is not an object", path, index, field);
        return -1;
    }
    cJSON_ArrayForEach(e, obj) if (check_name(e->string, rule, path, index, what, err, errlen))
        return -1;
    return 0;
}

int pb__record_check(const cJSON *rec, const char *path, int index, char *err, size_t errlen)
{
    const cJSON *plugin = cJSON_GetObjectItemCaseSensitive(rec, "plugin");
    const cJSON *problem = cJSON_GetObjectItemCaseSensitive(rec, "problem");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(plugin, "name");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(plugin, "sha256");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(problem, "id");
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(problem, "kind");
    const cJSON *unit = cJSON_GetObjectItemCaseSensitive(problem, "cost_unit");
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(rec, "config");
    const char *missing = NULL;
    if (!cJSON_IsObject(rec))
        missing = "a JSON object";
    else if (!cJSON_IsString(name))
        missing = "plugin.name";
    else if (!cJSON_IsString(id))
        missing = "problem.id";
    else if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(rec, "seed")))
        missing = "seed";
    else if (!cJSON_IsString(status))
        missing = "status";
    else if ((sha && !cJSON_IsString(sha)) || (kind && !cJSON_IsString(kind)) ||
             (unit && !cJSON_IsString(unit)) || (config && !cJSON_IsString(config)))
        missing = "string plugin.sha256, problem.kind, problem.cost_unit or config";
    if (missing) {
        snprintf(err, errlen, "%s: run %d has no %s (not a plugbench results file?)", path, index,
                 missing);
        return -1;
    }
    if (check_name(name->valuestring, &rule_plugin, path, index, "plugin.name", err, errlen) ||
        (sha && check_name(sha->valuestring, &rule_sha256, path, index, "plugin.sha256", err,
                           errlen)) ||
        check_name(id->valuestring, &rule_id, path, index, "problem.id", err, errlen) ||
        (kind && check_name(kind->valuestring, &rule_kind, path, index, "problem.kind", err,
                            errlen)) ||
        (unit && check_name(unit->valuestring, &rule_metric, path, index, "problem.cost_unit",
                            err, errlen)) ||
        check_name(status->valuestring, &rule_status, path, index, "status", err, errlen) ||
        (config && check_name(config->valuestring, &rule_label, path, index, "config", err,
                              errlen)) ||
        check_keys(rec, "parameters", &rule_parameter, path, index, err, errlen) ||
        check_keys(rec, "metrics", &rule_metric, path, index, err, errlen) ||
        check_keys(rec, "trace", &rule_metric, path, index, err, errlen))
        return -1;
    return 0;
}

int pb__results_load_checked(const char *path, cJSON *records, cJSON **context, char *err,
                             size_t errlen)
{
    if (context)
        *context = NULL;
    struct stat st;
    /* pb__records_load takes a missing file for an empty one (for --resume): not here. */
    int absent = stat(path, &st) != 0;
    if (absent || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: %s", path, absent ? strerror(errno) : "not a regular file");
        return -1;
    }
    cJSON *runs = cJSON_CreateArray();
    if (!runs) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int rc = pb__records_load(path, runs, context, err, errlen);
    if (rc == 0 && !runs->child) {
        snprintf(err, errlen, "%s: no runs (not a plugbench results file?)", path);
        rc = -1;
    }
    int index = 1;
    for (const cJSON *rec = runs->child; rc == 0 && rec; rec = rec->next)
        rc = pb__record_check(rec, path, index++, err, errlen);
    while (rc == 0 && runs->child)
        cJSON_AddItemToArray(records, cJSON_DetachItemViaPointer(runs, runs->child));
    cJSON_Delete(runs);
    if (rc != 0 && context) {
        cJSON_Delete(*context);
        *context = NULL;
    }
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

/*
 * Writes a file atomically: fill(f, arg) writes a temporary file beside path (0 on
 * success), which is synced and renamed over path. Creates missing parent directories.
 * Returns 0, or -1 with a message.
 */
static int write_atomic(const char *path, int (*fill)(FILE *f, const void *arg),
                        const void *arg, char *err, size_t errlen)
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
    /* Unique to this host and process: writers on several hosts may share the directory
     * (run caches, cache.h), and their pids can be equal. */
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(tmp, sizeof tmp, "%s.tmp.%s.%ld", path, host, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int ok = f && fill(f, arg) == 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    if (f)
        ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* A text buffer that write_exact prints into, reused from item to item. */
typedef struct print_buffer {
    char *text;
    size_t size;
} print_buffer;

/*
 * item printed exact and formatted into buf, grown as needed; 0, or -1. A buffer reused for
 * every run rather than cJSON_Print's, grown by realloc for each run: there each growth
 * could split a large free chunk (the file's text, freed after reading), and under
 * MALLOC_PERTURB_ glibc clears the whole remainder, which made writing quadratic.
 */
static int print_exact_into(const cJSON *item, print_buffer *buf)
{
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy)
        return -1;
    exact_numbers(copy);
    int ok;
    while (!(ok = buf->size && cJSON_PrintPreallocated(copy, buf->text, (int)buf->size, 1))) {
        size_t size = buf->size ? 2 * buf->size : (size_t)1 << 16;
        char *text = size <= INT_MAX ? realloc(buf->text, size) : NULL;
        if (!text)
            break;
        buf->text = text;
        buf->size = size;
    }
    cJSON_Delete(copy);
    return ok ? 0 : -1;
}

/* item printed exact and formatted, as cJSON prints it depth levels down in a document:
 * each line after the first indented by depth more tabs. 0, or -1. */
static int write_exact(FILE *f, const cJSON *item, int depth, print_buffer *buf)
{
    int ok = print_exact_into(item, buf) == 0;
    for (const char *line = buf->text; ok && line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) + 1 : strlen(line);
        ok = fwrite(line, 1, len, f) == len;
        for (int i = 0; ok && end && i < depth; i++)
            ok = fputc('\t', f) != EOF;
        line = end ? end + 1 : NULL;
    }
    return ok ? 0 : -1;
}

static int write_doc(FILE *f, const void *doc)
{
    print_buffer buf = {NULL, 0};
    int rc = write_exact(f, doc, 0, &buf);
    free(buf.text);
    return rc;
}

int pb__json_write_atomic(const char *path, const cJSON *doc, char *err, size_t errlen)
{
    return write_atomic(path, write_doc, doc, err, errlen);
}

/* Reads the pid a lock file's last holder wrote into it: 0 when there is none. */
static long lock_holder(int fd)
{
    char text[32] = {0};
    long pid = 0;
    if (pread(fd, text, sizeof text - 1, 0) > 0)
        sscanf(text, "%ld", &pid);
    return pid > 0 ? pid : 0;
}

int pb__results_lock(const char *path, char *err, size_t errlen)
{
    char lock_path[PATH_MAX + 16];
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    /* A few tries: each time the file we locked turns out to be one its holder had just
     * removed, somebody else is taking the lock at the same moment. */
    for (int attempt = 0; attempt < 16; attempt++) {
        int created = 1;
        int fd = open(lock_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno == EEXIST) {
            created = 0;
            fd = open(lock_path, O_RDWR | O_CLOEXEC);
            if (fd < 0 && errno == ENOENT)
                continue; /* removed by its holder in between */
        }
        /* A POSIX record lock, not flock(): the forked children of a run must not inherit
         * it, or a killed suite's children would hold it until their parent-death signal
         * lands. */
        struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fd < 0 || fcntl(fd, F_SETLK, &whole) != 0) {
            snprintf(err, errlen, "%s: %s", path,
                     fd >= 0 && (errno == EAGAIN || errno == EACCES)
                         ? "another plugbench run or merge is writing it"
                         : strerror(errno));
            if (fd >= 0)
                close(fd);
            return -1;
        }
        /* The holder removes the file before it lets go (pb__results_unlock): a lock won on
         * a file that is no longer the one at lock_path guards nothing. */
        struct stat held, named;
        if (fstat(fd, &held) != 0 || stat(lock_path, &named) != 0 ||
            held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
            close(fd);
            continue;
        }
        if (!created) {
            long pid = lock_holder(fd);
            char holder[48] = "a run or merge";
            if (pid)
                snprintf(holder, sizeof holder, "plugbench process %ld", pid);
            fprintf(stderr,
                    "plugbench: %s was left behind by %s that ended without removing it "
                    "(killed?); taking it over\n",
                    lock_path, holder);
        }
        char pid_line[32];
        int len = snprintf(pid_line, sizeof pid_line, "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) != 0 || pwrite(fd, pid_line, (size_t)len, 0) != len) {
            snprintf(err, errlen, "%s: %s", lock_path, strerror(errno));
            unlink(lock_path);
            close(fd);
            return -1;
        }
        return fd;
    }
    snprintf(err, errlen, "%s: another plugbench run or merge keeps taking its lock", path);
    return -1;
}

void pb__results_unlock(const char *path, int fd)
{
    if (fd < 0)
        return;
    char lock_path[PATH_MAX + 16];
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    unlink(lock_path); /* before the lock is let go: see pb__results_lock */
    close(fd);
}

/* The results file's context and runs, as pb__results_write's write_atomic fills it. */
typedef struct results_doc {
    const cJSON *context, *records;
} results_doc;

/*
 * The document {schema, context, runs} as pb__json_write_atomic would write it, byte for
 * byte, but printed a run at a time: a copy of the whole tree and its whole text were
 * held beside the runs before (at 100,000 runs, the merge's peak memory).
 */
static int write_results(FILE *f, const void *arg)
{
    const results_doc *doc = arg;
    print_buffer buf = {NULL, 0};
    int ok = fputs("{\n\t\"schema\":\t\"" PB__RESULTS_SCHEMA "\",\n\t\"context\":\t", f) >= 0 &&
             write_exact(f, doc->context, 1, &buf) == 0 && fputs(",\n\t\"runs\":\t[", f) >= 0;
    for (const cJSON *rec = doc->records->child; ok && rec; rec = rec->next)
        ok = write_exact(f, rec, 2, &buf) == 0 && (!rec->next || fputs(", ", f) >= 0);
    free(buf.text);
    return ok && fputs("]\n}", f) >= 0 ? 0 : -1;
}

int pb__results_write(const char *path, const cJSON *context, const cJSON *records, char *err,
                      size_t errlen)
{
    const results_doc doc = {context, records};
    return write_atomic(path, write_results, &doc, err, errlen);
}
