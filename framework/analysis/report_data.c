/*
 * The report's data: loads the inputs, checks that each run has what the report reads,
 * and indexes the runs by kind, problem and algorithm, computing per run what every view
 * shares (the trace as numbers, the final quality, the cost to reach the target, the
 * cost to reach each of the kind's fixed targets). See report_internal.h.
 */
#include <assert.h>
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt.h"
#include "report_internal.h"
#include "strmap.h"
#include "results_file.h"

static const cJSON *get(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static const char *get_str(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A number member of o, or NaN (also for null, and for o NULL). */
static double get_num(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/*
 * strcmp, except that runs of digits compare by value, so that bbob-f2 sorts before
 * bbob-f10 and seed 9 before seed 10.
 */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0' && isdigit((unsigned char)a[1]))
                a++;
            while (*b == '0' && isdigit((unsigned char)b[1]))
                b++;
            size_t la = 0, lb = 0;
            while (isdigit((unsigned char)a[la]))
                la++;
            while (isdigit((unsigned char)b[lb]))
                lb++;
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
        } else {
            if (*a != *b)
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            a++;
            b++;
        }
    }
    return (unsigned char)*a - (unsigned char)*b;
}

/* 64-bit FNV-1a of s, continuing from h; see report_internal.h. */
uint64_t pb__report_fnv1a(const char *s, uint64_t h)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* s itself when it is safe and short enough; else mapped, cut and hashed. See
 * report_internal.h. */
void pb__report_safe_name(const char *s, char *out, size_t len)
{
    assert(len > PB__SAFE_HASH_CHARS + 1);
    size_t i = 0;
    int changed = 0;
    for (; s[i] && i + 1 < len; i++) {
        char c = s[i];
        int safe = isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
        out[i] = safe ? c : '_';
        changed |= !safe;
    }
    out[i] = '\0';
    if (!changed && !s[i])
        return;
    /* Two names that map or cut alike ("f/1", "f:1") get different suffixes. */
    size_t keep = i < len - 1 - PB__SAFE_HASH_CHARS ? i : len - 1 - PB__SAFE_HASH_CHARS;
    snprintf(out + keep, len - keep, "-%08" PRIx32,
             (uint32_t)(pb__report_fnv1a(s, PB__FNV1A_BASIS) >> 32));
}

/* A trace column as a new array of n doubles (null = NaN); NULL when out of memory. */
static double *column(const cJSON *arr, size_t n)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return NULL;
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) if (i < n) v[i++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    return v;
}

/*
 * Finds the trace columns the report reads: the cost (the first, named after the cost
 * unit), seconds (after iterations) and the main metric (the next). A kind whose cost unit
 * is "iterations" writes that key twice; a file rewritten by another JSON tool may keep one
 * of them, so iterations may be missing then. Checks that the columns are arrays of one
 * length. Returns 0 with columns[0..2] = cost, seconds, main metric, or -1.
 */
static int trace_columns(const cJSON *trace, const char *unit, const cJSON *columns[3])
{
    const cJSON *c = trace->child;
    if (!c || strcmp(c->string, unit) != 0 || !cJSON_IsArray(c))
        return -1;
    int len = cJSON_GetArraySize(c);
    columns[0] = c;
    c = c->next;
    if (c && strcmp(c->string, "iterations") == 0)
        c = c->next;
    if (!c || strcmp(c->string, "seconds") != 0 || !c->next)
        return -1;
    columns[1] = c;
    columns[2] = c->next;
    for (c = trace->child; c; c = c->next)
        if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) != len)
            return -1;
    return 0;
}

/*
 * Checks that record (the index-th of path, from 1), which passed pb__record_check, has
 * what the report reads besides: kind and cost unit, and a trace whose columns are the cost
 * unit, iterations, seconds and at least one metric, all of one length.
 */
static int check_record(const cJSON *rec, const char *path, int index, char *err, size_t errlen)
{
    const char *missing = NULL;
    const cJSON *problem = get(rec, "problem"), *trace = get(rec, "trace");
    const char *unit = get_str(problem, "cost_unit");
    if (!get_str(problem, "kind"))
        missing = "problem.kind";
    else if (!unit)
        missing = "problem.cost_unit";
    else if (!cJSON_IsObject(trace))
        missing = "trace";
    const cJSON *columns[3];
    if (!missing && trace_columns(trace, unit, columns) != 0)
        missing = "trace columns <cost unit>, iterations, seconds, <metrics> of one length";
    if (missing) {
        snprintf(err, errlen, "%s: run %d has no %s (not a %s record)", path, index, missing,
                 PB__RESULTS_SCHEMA);
        return PB__REPORT_BAD_INPUT;
    }
    return 0;
}

/* Loads the inputs into data->records and data->contexts. */
static int load_inputs(const char *const *inputs, size_t n, pb__report_data *data, char *err,
                       size_t errlen)
{
    data->records = cJSON_CreateArray();
    data->contexts = cJSON_CreateArray();
    if (!data->records || !data->contexts)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        cJSON *runs = cJSON_CreateArray(), *ctx = NULL;
        if (!runs)
            goto nomem;
        if (pb__results_load_checked(inputs[i], runs, &ctx, err, errlen) != 0) {
            cJSON_Delete(runs);
            return PB__REPORT_BAD_INPUT;
        }
        int index = 1, rc = 0;
        for (const cJSON *rec = runs->child; rec && rc == 0; rec = rec->next)
            rc = check_record(rec, inputs[i], index++, err, errlen);
        while (rc == 0 && runs->child)
            cJSON_AddItemToArray(data->records, cJSON_DetachItemViaPointer(runs, runs->child));
        cJSON_Delete(runs);
        if (rc != 0) {
            cJSON_Delete(ctx);
            return rc;
        }
        cJSON *entry = cJSON_CreateObject();
        if (!entry) {
            cJSON_Delete(ctx);
            goto nomem;
        }
        cJSON_AddStringToObject(entry, "file", inputs[i]);
        cJSON_AddItemToObject(entry, "context", ctx ? ctx : cJSON_CreateNull());
        cJSON_AddItemToArray(data->contexts, entry);
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* "name=value, ..." of a record's parameters; malloc'd. */
static char *params_text(const cJSON *params)
{
    size_t cap = 256, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        char num[PB__NUMBER_CHARS], *printed = NULL;
        const char *v = cJSON_IsNumber(p)   ? pb__format_double(p->valuedouble, num)
                        : cJSON_IsString(p) ? p->valuestring
                        : cJSON_IsBool(p)   ? (cJSON_IsTrue(p) ? "true" : "false")
                                            : (printed = cJSON_PrintUnformatted(p));
        size_t need = len + strlen(p->string) + strlen(v ? v : "") + 4;
        char *grown = need > cap ? realloc(s, cap = 2 * need) : s;
        if (grown) {
            s = grown;
            len += (size_t)sprintf(s + len, "%s%s=%s", len ? ", " : "", p->string, v ? v : "");
        }
        free(printed);
    }
    return s;
}

/* Lookup tables built while indexing: the distinct strings seen, in first-seen order, found
 * by hashing (a scan per run made indexing quadratic in the distinct values). */
typedef struct strset {
    const char **s;
    size_t n;
    pb__strmap index;
} strset;

/* The index of s in set, adding it if new; set->s has room for every run. (size_t)-1 when
 * out of memory. */
static size_t strset_index(strset *set, const char *s)
{
    size_t i = pb__strmap_intern(&set->index, s, set->n);
    if (i == set->n)
        set->s[set->n++] = s;
    return i;
}

/* qsort order of string pointers by natural_cmp. */
static int cmp_natural_ptr(const void *a, const void *b)
{
    return natural_cmp(*(const char *const *)a, *(const char *const *)b);
}

/* Gives every run an algorithm label and fills data->algorithms, sorted. */
static int label_algorithms(pb__report_data *data, char **labels)
{
    size_t n = data->n_runs;
    char **params = calloc(n ? n : 1, sizeof *params);
    if (!params)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = (params[i] = params_text(get(data->runs[i].record, "parameters"))) ? 0 : -1;
    /*
     * A run's name is its configuration's label ("config"), or its plugin's name in files
     * without one. A name with several parameter sets or binaries is several algorithms:
     * per name, is any run's parameters or sha256 unlike those of the name's first run?
     */
    strset names = {(const char **)calloc(n ? n : 1, sizeof(char *)), 0, {0}};
    size_t *name_of = calloc(n ? n : 1, sizeof *name_of), *first = calloc(n ? n : 1, sizeof *first);
    int *differs = calloc(n ? n : 1, sizeof *differs); /* per name: 1 parameters, 2 sha256 */
    if (!names.s || !name_of || !first || !differs)
        rc = -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = pb__record_label(data->runs[i].record);
        size_t before = names.n;
        if ((name_of[i] = strset_index(&names, name)) == (size_t)-1) {
            rc = -1;
            break;
        }
        if (names.n > before)
            first[name_of[i]] = i;
        const char *sha = get_str(get(data->runs[i].record, "plugin"), "sha256");
        const char *sha0 = get_str(get(data->runs[first[name_of[i]]].record, "plugin"), "sha256");
        differs[name_of[i]] |= (strcmp(params[i], params[first[name_of[i]]]) != 0) |
                               ((sha && sha0 ? strcmp(sha, sha0) != 0 : sha != sha0) << 1);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *name = pb__record_label(data->runs[i].record);
        const char *sha = get_str(get(data->runs[i].record, "plugin"), "sha256");
        int other_params = differs[name_of[i]] & 1, other_sha = differs[name_of[i]] & 2;
        size_t len = strlen(name) + strlen(params[i]) + 40;
        if (!(labels[i] = malloc(len))) {
            rc = -1;
            break;
        }
        if (!other_params && !other_sha)
            snprintf(labels[i], len, "%s", name);
        else
            snprintf(labels[i], len, "%s (%s%s%s%.8s)", name, other_params ? params[i] : "",
                     other_params && other_sha ? "; " : "", other_sha ? "sha256 " : "",
                     other_sha && sha ? sha : "");
    }
    free(names.s);
    pb__strmap_free(&names.index);
    free(name_of);
    free(first);
    free(differs);
    for (size_t i = 0; i < n; i++)
        free(params[i]);
    free(params);
    if (rc != 0)
        return -1;
    strset set = {(const char **)calloc(n ? n : 1, sizeof(char *)), 0, {0}};
    for (size_t i = 0; set.s && i < n && rc == 0; i++)
        rc = strset_index(&set, labels[i]) == (size_t)-1 ? -1 : 0;
    if (!set.s || rc != 0) {
        free(set.s);
        pb__strmap_free(&set.index);
        return -1;
    }
    qsort(set.s, set.n, sizeof *set.s, cmp_natural_ptr);
    data->algorithms = calloc(set.n ? set.n : 1, sizeof *data->algorithms);
    if (!data->algorithms) {
        free(set.s);
        pb__strmap_free(&set.index);
        return -1;
    }
    for (size_t a = 0; a < set.n; a++)
        if (!(data->algorithms[a].label = strdup(set.s[a])))
            rc = -1;
    data->n_algorithms = set.n;
    /* The labels' places once sorted; the map points at the same strings (labels). */
    pb__strmap_free(&set.index);
    for (size_t a = 0; a < set.n && rc == 0; a++)
        rc = pb__strmap_intern(&set.index, set.s[a], a) == (size_t)-1 ? -1 : 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        data->runs[i].algorithm = pb__strmap_get(&set.index, labels[i]);
    free(set.s);
    pb__strmap_free(&set.index);
    return rc;
}

static const pb__report_data *sort_data; /* for qsort's comparators: no user pointer in C11 */

static int cmp_problem(const void *a, const void *b)
{
    const pb__rproblem *x = a, *y = b;
    int c = strcmp(sort_data->kinds[x->kind].name, sort_data->kinds[y->kind].name);
    return c ? c : natural_cmp(x->id, y->id);
}

/* qsort order of runs: problem (kinds grouped), algorithm, seed. */
static int cmp_run(const void *a, const void *b)
{
    const pb__rrun *x = a, *y = b;
    if (x->problem != y->problem)
        return x->problem < y->problem ? -1 : 1;
    if (x->algorithm != y->algorithm)
        return x->algorithm < y->algorithm ? -1 : 1;
    return (x->seed > y->seed) - (x->seed < y->seed);
}

/* qsort order of kinds: by name. */
static int cmp_kind(const void *a, const void *b)
{
    return strcmp(((const pb__rkind *)a)->name, ((const pb__rkind *)b)->name);
}

/*
 * The fixed targets in a record's target_hits: 1 to PB__MAX_FIXED_TARGETS finite numbers,
 * largest first. Writes them to out and returns their count; 0 when the record has none,
 * or a list that is not that.
 */
static size_t fixed_targets(const cJSON *rec, double out[PB__MAX_FIXED_TARGETS])
{
    const cJSON *targets = get(get(rec, "target_hits"), "targets"), *t;
    size_t n = 0;
    if (!cJSON_IsArray(targets))
        return 0;
    cJSON_ArrayForEach(t, targets) {
        if (n == PB__MAX_FIXED_TARGETS || !cJSON_IsNumber(t) || !isfinite(t->valuedouble) ||
            (n > 0 && !(t->valuedouble < out[n - 1])))
            return 0;
        out[n++] = t->valuedouble;
    }
    return n;
}

/*
 * Adds the metrics that list (a results file's context.leaderboard_metrics.<kind>) names
 * to kind's shown ones; rec is a run of the kind, whose metrics they must be. Returns 0, or
 * PB__REPORT_BAD_INPUT with a message naming file for a list that is not of metric names
 * other than the main one, or that would make more than PB__REPORT_MAX_SHOWN.
 */
static int add_shown(pb__rkind *kind, const cJSON *list, const cJSON *rec, const char *file,
                     char *err, size_t errlen)
{
    int ok = cJSON_IsArray(list);
    for (const cJSON *e = ok ? list->child : NULL; e; e = e->next) {
        if (!(ok = cJSON_IsString(e) && get(get(rec, "metrics"), e->valuestring) &&
                   strcmp(e->valuestring, kind->metric) != 0))
            break;
        size_t j = 0;
        while (j < kind->n_shown && strcmp(kind->shown[j], e->valuestring) != 0)
            j++;
        if (j < kind->n_shown)
            continue;
        if (!(ok = kind->n_shown < PB__REPORT_MAX_SHOWN))
            break;
        kind->shown[kind->n_shown++] = e->valuestring;
    }
    if (ok)
        return 0;
    snprintf(err, errlen,
             "%s: context.leaderboard_metrics.%s must list at most %d metrics of the kind's "
             "runs other than the main one",
             file, kind->name, PB__REPORT_MAX_SHOWN);
    return PB__REPORT_BAD_INPUT;
}

/* Each kind's shown metrics: the union of what the inputs' contexts declare for it, in
 * order of first appearance (a kind none of the runs is of is skipped). 0, or as add_shown. */
static int shown_metrics(pb__report_data *data, char *err, size_t errlen)
{
    const cJSON *entry, *list;
    cJSON_ArrayForEach(entry, data->contexts) {
        const cJSON *all = get(get(entry, "context"), "leaderboard_metrics");
        const char *file = get_str(entry, "file");
        if (all && !cJSON_IsObject(all)) {
            snprintf(err, errlen, "%s: context.leaderboard_metrics must be an object", file);
            return PB__REPORT_BAD_INPUT;
        }
        cJSON_ArrayForEach(list, all) {
            size_t k = 0, i = 0;
            while (k < data->n_kinds && strcmp(data->kinds[k].name, list->string) != 0)
                k++;
            while (k < data->n_kinds && data->runs[i].kind != k)
                i++; /* the kind has runs: this ends */
            int rc = k == data->n_kinds ? 0
                                        : add_shown(&data->kinds[k], list, data->runs[i].record,
                                                    file, err, errlen);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/*
 * The kinds: name, cost unit and main metric (the trace column after seconds), which must
 * agree among the runs of a kind, the success target, and the fixed targets. A kind's
 * fixed targets are a property of the kind that its runs carry (blackbox records COCO's 51
 * in target_hits): the report knows no kind by name, so a new kind that records them gets
 * runtime ECDFs without a change here.
 */
static int index_kinds(pb__report_data *data, double target, char *err, size_t errlen)
{
    pb__strmap names = {0};
    int rc = 0;
    data->kinds = calloc(data->n_runs, sizeof *data->kinds);
    if (!data->kinds)
        return -1;
    for (size_t i = 0; i < data->n_runs && rc == 0; i++) {
        const cJSON *rec = data->runs[i].record, *problem = get(rec, "problem");
        const char *name = get_str(problem, "kind"), *unit = get_str(problem, "cost_unit");
        const cJSON *columns[3];
        trace_columns(get(rec, "trace"), unit, columns); /* checked on loading */
        const char *metric = columns[2]->string;
        size_t k = pb__strmap_intern(&names, name, data->n_kinds);
        if (k == (size_t)-1) {
            rc = -1;
        } else if (k == data->n_kinds) {
            data->kinds[k] = (pb__rkind){.name = name, .cost_unit = unit, .metric = metric};
            data->n_kinds++;
        } else if (strcmp(data->kinds[k].cost_unit, unit) ||
                   strcmp(data->kinds[k].metric, metric)) {
            snprintf(err, errlen,
                     "runs of kind %s disagree: cost unit %s and main metric %s, "
                     "then %s and %s",
                     name, data->kinds[k].cost_unit, data->kinds[k].metric, unit, metric);
            rc = PB__REPORT_BAD_INPUT;
        }
    }
    pb__strmap_free(&names);
    if (rc != 0)
        return rc;
    qsort(data->kinds, data->n_kinds, sizeof *data->kinds, cmp_kind);
    /* Each run's kind, by its place once sorted; then one pass over the runs per question
     * below, with a state per kind (a pass per kind was quadratic in the kinds). */
    double *common = malloc((data->n_kinds ? data->n_kinds : 1) * sizeof *common);
    int *same = malloc((data->n_kinds ? data->n_kinds : 1) * sizeof *same);
    for (size_t k = 0; common && same && k < data->n_kinds && rc == 0; k++) {
        rc = pb__strmap_intern(&names, data->kinds[k].name, k) == (size_t)-1 ? -1 : 0;
        common[k] = NAN;
        same[k] = 1;
    }
    if (!common || !same || rc != 0) {
        free(common);
        free(same);
        pb__strmap_free(&names);
        return -1;
    }
    for (size_t i = 0; i < data->n_runs; i++) {
        const cJSON *rec = data->runs[i].record;
        size_t k = data->runs[i].kind = pb__strmap_get(&names, get_str(get(rec, "problem"), "kind"));
        pb__rkind *kind = &data->kinds[k];
        /* The runs' own --target when they all had the same one: the user's definition. */
        if (same[k]) {
            double t = get_num(rec, "target");
            same[k] = !isnan(t) && (isnan(common[k]) || t == common[k]);
            common[k] = t;
        }
        /* Each kind's fixed targets: those of the first of its runs that records them. */
        double t[PB__MAX_FIXED_TARGETS];
        size_t n = kind->n_targets ? 0 : fixed_targets(rec, t);
        if (n == 0)
            continue;
        if (!(kind->targets = malloc(n * sizeof *kind->targets))) {
            rc = -1;
            break;
        }
        memcpy(kind->targets, t, n * sizeof *t);
        kind->n_targets = n;
    }
    if (rc == 0)
        rc = shown_metrics(data, err, errlen);
    for (size_t k = 0; k < data->n_kinds; k++) {
        pb__rkind *kind = &data->kinds[k];
        kind->target = target;
        kind->target_from = "--target";
        if (!isnan(target))
            continue;
        kind->target = same[k] && !isnan(common[k]) ? common[k] : PB__REPORT_DEFAULT_TARGET;
        kind->target_from = same[k] && !isnan(common[k]) ? "the runs' --target" : "default";
    }
    free(common);
    free(same);
    pb__strmap_free(&names);
    return rc;
}

/* qsort order of problem indices: by the problems' order (cmp_problem). */
static int cmp_problem_index(const void *a, const void *b)
{
    return cmp_problem(&sort_data->problems[*(const size_t *)a],
                       &sort_data->problems[*(const size_t *)b]);
}

/* The problems, sorted, and each run's problem index (index_kinds gave its kind). */
static int index_problems(pb__report_data *data)
{
    size_t n = data->n_runs ? data->n_runs : 1;
    pb__strmap index = {0};
    char **keys = calloc(n, sizeof *keys); /* per problem: "<kind index>:<id>" */
    size_t *order = calloc(n, sizeof *order), *rank = calloc(n, sizeof *rank);
    data->problems = calloc(n, sizeof *data->problems);
    int rc = keys && order && rank && data->problems ? 0 : -1;
    for (size_t i = 0; i < data->n_runs && rc == 0; i++) {
        const cJSON *problem = get(data->runs[i].record, "problem");
        const char *id = get_str(problem, "id");
        size_t k = data->runs[i].kind, len = strlen(id) + 32;
        char *key = malloc(len);
        size_t p = key ? (snprintf(key, len, "%zu:%s", k, id),
                          pb__strmap_intern(&index, key, data->n_problems))
                       : (size_t)-1;
        if (p == (size_t)-1) {
            free(key);
            rc = -1;
            break;
        }
        if (p == data->n_problems) {
            keys[p] = key;
            data->problems[data->n_problems++] =
                (pb__rproblem){.id = id, .kind = k, .dimension = get_num(problem, "dimension")};
        } else {
            free(key);
        }
        data->runs[i].problem = p; /* in first-seen order until sorted below */
    }
    if (rc == 0) {
        sort_data = data;
        for (size_t p = 0; p < data->n_problems; p++)
            order[p] = p;
        qsort(order, data->n_problems, sizeof *order, cmp_problem_index);
        pb__rproblem *sorted = malloc(n * sizeof *sorted);
        if (!sorted) {
            rc = -1;
        } else {
            for (size_t p = 0; p < data->n_problems; p++) {
                sorted[p] = data->problems[order[p]];
                rank[order[p]] = p;
            }
            free(data->problems);
            data->problems = sorted;
            for (size_t i = 0; i < data->n_runs; i++)
                data->runs[i].problem = rank[data->runs[i].problem];
        }
    }
    for (size_t p = 0; keys && p < data->n_problems; p++)
        free(keys[p]);
    free(keys);
    free(order);
    free(rank);
    pb__strmap_free(&index);
    return rc;
}

/*
 * The cost at which run reached target: exact from the record's target_hit (when its
 * --target was this target) or target_hits (when the target is one of its fixed targets;
 * the costs are under the cost unit's name), else the first trace point at or below it.
 * +inf for never. *exact says which.
 */
static double cost_to_reach(const pb__rrun *run, double target, const char *unit, int *exact)
{
    const cJSON *rec = run->record;
    *exact = 1;
    if (get_num(rec, "target") == target) {
        double hit = get_num(rec, "target_hit");
        return isnan(hit) ? INFINITY : hit;
    }
    const cJSON *hits = get(rec, "target_hits");
    const cJSON *targets = get(hits, "targets"), *evals = get(hits, unit);
    int n = cJSON_GetArraySize(targets);
    if (cJSON_IsArray(targets) && cJSON_IsArray(evals) && cJSON_GetArraySize(evals) == n) {
        for (int i = 0; i < n; i++) {
            const cJSON *t = cJSON_GetArrayItem(targets, i);
            /* The same target computed elsewhere may differ in the last bits. */
            if (cJSON_IsNumber(t) && fabs(t->valuedouble - target) <= 1e-9 * fabs(target)) {
                const cJSON *e = cJSON_GetArrayItem(evals, i);
                return cJSON_IsNumber(e) ? e->valuedouble : INFINITY;
            }
        }
    }
    *exact = 0;
    return pb__first_at_or_below(run->cost, run->value, run->n, target);
}

/* Per run: the trace as numbers, the final quality, the cost to the target and to the
 * kind's fixed targets. */
static int measure_runs(pb__report_data *data)
{
    for (size_t i = 0; i < data->n_runs; i++) {
        pb__rrun *run = &data->runs[i];
        pb__rkind *kind = &data->kinds[run->kind];
        const cJSON *rec = run->record, *trace = get(rec, "trace");
        run->seed = get_num(rec, "seed");
        run->status = get_str(rec, "status");
        run->ok = strcmp(run->status, "ok") == 0;
        const cJSON *columns[3];
        trace_columns(trace, kind->cost_unit, columns); /* checked on loading */
        run->n = (size_t)cJSON_GetArraySize(columns[0]);
        run->cost = column(columns[0], run->n);
        run->seconds = column(columns[1], run->n);
        run->value = column(columns[2], run->n);
        if (!run->cost || !run->seconds || !run->value)
            return -1;
        double final = get_num(get(rec, "metrics"), kind->metric);
        run->final_value = run->ok && !isnan(final) ? final : INFINITY;
        run->final_cost = get_num(get(rec, "counts"), kind->cost_unit);
        if (isnan(run->final_cost))
            run->final_cost = run->n ? run->cost[run->n - 1] : 0;
        /* A failed run reaches nothing, even what its trace shows before it failed. */
        run->to_target = run->ok ? cost_to_reach(run, kind->target, kind->cost_unit,
                                                 &run->to_target_exact)
                                 : INFINITY;
        if (run->ok && !run->to_target_exact && isfinite(run->to_target))
            kind->n_inexact++;
        if (kind->n_targets == 0)
            continue;
        run->hits = malloc(kind->n_targets * sizeof *run->hits);
        if (!run->hits)
            return -1;
        run->hits_exact = get(rec, "target_hits") != NULL;
        for (size_t t = 0; t < kind->n_targets; t++) {
            int exact;
            run->hits[t] =
                run->ok ? cost_to_reach(run, kind->targets[t], kind->cost_unit, &exact) : INFINITY;
        }
    }
    return 0;
}

/*
 * Loads the inputs, then indexes kinds, problems and algorithms and measures every run;
 * data owns all of it afterwards (also after a failure: pb__report_data_free frees it).
 */
int pb__report_load(const char *const *inputs, size_t n, double target, pb__report_data *data,
                    char *err, size_t errlen)
{
    int rc = load_inputs(inputs, n, data, err, errlen);
    if (rc != 0)
        return rc;
    size_t n_runs = (size_t)cJSON_GetArraySize(data->records);
    data->runs = calloc(n_runs, sizeof *data->runs);
    char **labels = calloc(n_runs, sizeof *labels);
    if (!data->runs || !labels) {
        free(labels);
        goto nomem;
    }
    data->n_runs = n_runs; /* only now: pb__report_data_free walks the runs */
    size_t i = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, data->records) data->runs[i++].record = rec;
    if ((rc = index_kinds(data, target, err, errlen)) != 0) {
        free(labels);
        return rc == -1 ? (snprintf(err, errlen, "out of memory"), -1) : rc;
    }
    rc = index_problems(data) || label_algorithms(data, labels) || measure_runs(data) ? -1 : 0;
    for (i = 0; i < data->n_runs; i++)
        free(labels[i]);
    free(labels);
    if (rc != 0)
        goto nomem;
    sort_data = data;
    qsort(data->runs, data->n_runs, sizeof *data->runs, cmp_run);
    if (!(data->has = calloc(data->n_kinds * data->n_algorithms + 1, sizeof *data->has)))
        goto nomem;
    for (i = 0; i < data->n_runs; i++)
        data->has[data->runs[i].kind * data->n_algorithms + data->runs[i].algorithm] = 1;
    for (size_t k = 0; k < data->n_kinds; k++)
        for (size_t a = 0, place = 0; a < data->n_algorithms; a++)
            if (data->has[k * data->n_algorithms + a])
                data->has[k * data->n_algorithms + a] = ++place;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Frees what pb__report_load put in data and zeroes it. */
void pb__report_data_free(pb__report_data *data)
{
    for (size_t i = 0; i < data->n_runs; i++) {
        free(data->runs[i].cost);
        free(data->runs[i].seconds);
        free(data->runs[i].value);
        free(data->runs[i].hits);
    }
    for (size_t a = 0; a < data->n_algorithms; a++)
        free(data->algorithms[a].label);
    for (size_t k = 0; k < data->n_kinds; k++)
        free(data->kinds[k].targets);
    free(data->runs);
    free(data->problems);
    free(data->algorithms);
    free(data->kinds);
    free(data->has);
    cJSON_Delete(data->records);
    cJSON_Delete(data->contexts);
    memset(data, 0, sizeof *data);
}

/* Binary search in the sorted runs; see report_internal.h. */
size_t pb__report_runs_of(const pb__report_data *data, size_t p, size_t a, size_t *n)
{
    /* The runs are sorted by (problem, algorithm): the first not before (p, a), then on. */
    size_t lo = 0, hi = data->n_runs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const pb__rrun *r = &data->runs[mid];
        if (r->problem < p || (r->problem == p && r->algorithm < a))
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t last = lo;
    while (last < data->n_runs && data->runs[last].problem == p && data->runs[last].algorithm == a)
        last++;
    *n = last - lo;
    return lo;
}

/* From the table built at loading: constant time, since the plots ask it often. */
int pb__report_kind_has(const pb__report_data *data, size_t k, size_t a)
{
    return data->has[k * data->n_algorithms + a] != 0;
}
