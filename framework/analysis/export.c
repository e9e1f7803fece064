/* The runs that plugbench export writes, gathered from results; see export.h. */
#include "export.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "results_file.h"

static const cJSON *at(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

static const char *string_at(const cJSON *obj, const char *name)
{
    const cJSON *v = at(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Parses a bbob id, "bbob-f01-d5-i1", into its numbers; 0, or -1 for any other id. */
static int parse_bbob(const char *id, unsigned *f, unsigned *d, unsigned *i)
{
    int used = 0;
    if (strncmp(id, "bbob-f", 6) != 0 || sscanf(id, "bbob-f%2u-d%6u-i%7u%n", f, d, i, &used) != 3 ||
        id[used] != '\0' || *f < 1 || *f > 24 || *d < 1)
        return -1;
    return 0;
}

/* A plugin's parameter set as seen, for naming the algorithms. */
typedef struct seen {
    const char *name;
    char *params; /* the parameters as JSON */
} seen;

/* The label of (name, parameters) among those seen: name for the plugin's first parameter
 * set, name-K for its K-th. Returns the label (owned by set), or NULL when out of memory. */
static const char *label_of(pb__export_set *set, seen **sets, const char *name,
                            const cJSON *parameters)
{
    char *p = parameters ? cJSON_PrintUnformatted(parameters) : strdup("null");
    if (!p)
        return NULL;
    size_t same_name = 0;
    for (size_t k = 0; k < set->n_labels; k++) {
        if (strcmp((*sets)[k].name, name) != 0)
            continue;
        if (strcmp((*sets)[k].params, p) == 0) {
            free(p);
            return set->labels[k];
        }
        same_name++;
    }
    char **labels = realloc(set->labels, (set->n_labels + 1) * sizeof *labels);
    seen *grown = labels ? realloc(*sets, (set->n_labels + 1) * sizeof *grown) : NULL;
    if (labels)
        set->labels = labels;
    if (grown)
        *sets = grown;
    size_t len = strlen(name) + 24;
    char *label = grown ? malloc(len) : NULL;
    if (!label) {
        free(p);
        return NULL;
    }
    if (same_name)
        snprintf(label, len, "%s-%zu", name, same_name + 1);
    else
        snprintf(label, len, "%s", name);
    set->labels[set->n_labels] = label;
    (*sets)[set->n_labels++] = (seen){name, p};
    return label;
}

static int cmp_run(const void *a, const void *b)
{
    const pb__export_run *x = a, *y = b;
    int c = strcmp(x->algorithm, y->algorithm);
    /* Then COCO's order: dimensions outermost, then functions, then instances; then seeds. */
    const double kx[] = {x->dimension, x->function, x->instance, x->seed};
    const double ky[] = {y->dimension, y->function, y->instance, y->seed};
    for (size_t i = 0; c == 0 && i < sizeof kx / sizeof kx[0]; i++)
        c = (kx[i] > ky[i]) - (kx[i] < ky[i]);
    return c;
}

/* Why the record's trace cannot be exported (NULL when it can), into r's arrays. */
static const char *read_trace(const cJSON *rec, const pb__export_options *opt,
                              pb__export_run *r)
{
    const char *series = string_at(at(rec, "checkpoints"), "series");
    if (!series || strcmp(series, "all") != 0)
        return "its trace was recorded at the default checkpoints, not after every step";
    if (cJSON_IsTrue(at(rec, "trace_capped")))
        return "its trace reached --max-trace-points and was cut";
    const cJSON *trace = at(rec, "trace");
    const cJSON *cost = at(trace, "evaluations"), *best = at(trace, "best_error");
    const cJSON *final = at(at(rec, "counts"), "evaluations");
    int n = cJSON_GetArraySize(cost);
    if (!cJSON_IsArray(cost) || !cJSON_IsArray(best) || n < 1 || cJSON_GetArraySize(best) != n ||
        !cJSON_IsNumber(final))
        return "its trace has no evaluations and best_error columns";
    r->n = (size_t)n;
    r->cost = malloc(r->n * sizeof *r->cost);
    r->best_error = malloc(r->n * sizeof *r->best_error);
    if (!r->cost || !r->best_error)
        return "out of memory";
    r->evaluations = final->valuedouble;
    size_t i = 0;
    for (const cJSON *c = cost->child, *b = best->child; c && b; c = c->next, b = b->next, i++) {
        if (!cJSON_IsNumber(c) || !cJSON_IsNumber(b))
            return "its trace holds a null (a point that was not finite)";
        r->cost[i] = c->valuedouble;
        r->best_error[i] = b->valuedouble;
        double before = i ? r->cost[i - 1] : 0;
        if (!(r->cost[i] > before))
            return "its trace's evaluations do not increase";
        if (!opt->by_step && r->cost[i] != before + 1)
            return "a step evaluated more than one point, so the evaluation of each "
                   "improvement is not known (--by-step dates it at the step's end)";
    }
    if (r->cost[r->n - 1] != r->evaluations)
        return "its trace does not end at the run's final evaluation count";
    return NULL;
}

int pb__export_runs_collect(const cJSON *records, const pb__export_options *opt, FILE *notes,
                            pb__export_set *set, char *err, size_t errlen)
{
    memset(set, 0, sizeof *set);
    size_t not_ok = 0, not_bbob = 0, capacity = (size_t)cJSON_GetArraySize(records);
    seen *sets = NULL;
    int index = 0, rc = 0;
    set->runs = calloc(capacity ? capacity : 1, sizeof *set->runs);
    if (!set->runs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (const cJSON *rec = records->child; rec && rc == 0; rec = rec->next) {
        index++;
        const cJSON *problem = at(rec, "problem"), *plugin = at(rec, "plugin");
        const char *id = string_at(problem, "id"), *status = string_at(rec, "status");
        pb__export_run r = {0};
        if (!id || parse_bbob(id, &r.function, &r.dimension, &r.instance) != 0) {
            not_bbob++;
            continue;
        }
        if (!status || strcmp(status, "ok") != 0) {
            not_ok++;
            continue;
        }
        const cJSON *f_opt = at(problem, "f_opt"), *seed = at(rec, "seed");
        const char *name = string_at(plugin, "name");
        r.seed = cJSON_IsNumber(seed) ? seed->valuedouble : 0;
        r.sha256 = string_at(plugin, "sha256");
        r.version = string_at(plugin, "version");
        r.plugin = name;
        const char *why = !cJSON_IsNumber(f_opt) ? "its problem has no f_opt"
                                                 : read_trace(rec, opt, &r);
        if (why) {
            snprintf(err, errlen,
                     "run %d (%s on %s, seed %.17g) cannot be exported: %s. COCO and "
                     "IOHprofiler log the best f after every evaluation: record the runs with "
                     "`plugbench run --checkpoints all`",
                     index, name, id, r.seed, why);
            free(r.cost);
            free(r.best_error);
            rc = -1;
            break;
        }
        r.f_opt = f_opt->valuedouble;
        r.algorithm = label_of(set, &sets, name, at(rec, "parameters"));
        if (!r.algorithm) {
            snprintf(err, errlen, "out of memory");
            free(r.cost);
            free(r.best_error);
            rc = -1;
            break;
        }
        set->runs[set->n++] = r;
    }
    for (size_t k = 0; sets && k < set->n_labels; k++)
        free(sets[k].params);
    free(sets);
    if (rc == 0 && set->n == 0) {
        snprintf(err, errlen, "no finished run on a bbob problem (ids bbob-fNN-dD-iI) to export");
        rc = -1;
    }
    if (rc != 0) {
        pb__export_runs_free(set);
        return -1;
    }
    if (not_bbob)
        fprintf(notes, "plugbench: export: skipped %zu run%s not on a bbob problem\n", not_bbob,
                not_bbob == 1 ? "" : "s");
    if (not_ok)
        fprintf(notes, "plugbench: export: skipped %zu bbob run%s whose status is not ok\n",
                not_ok, not_ok == 1 ? "" : "s");
    qsort(set->runs, set->n, sizeof *set->runs, cmp_run);
    return 0;
}

void pb__export_runs_free(pb__export_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->runs[i].cost);
        free(set->runs[i].best_error);
    }
    for (size_t k = 0; k < set->n_labels; k++)
        free(set->labels[k]);
    free(set->labels);
    free(set->runs);
    memset(set, 0, sizeof *set);
}

/* Creates dir/algorithm, its path into path (len bytes): 0, PB__EXPORT_EXISTS, or -1. */
static int export_folder(const char *dir, const char *algorithm, char *path, size_t len,
                         char *err, size_t errlen)
{
    struct stat st;
    if ((size_t)snprintf(path, len, "%s/%s", dir, algorithm) >= len) {
        snprintf(err, errlen, "%s/%s: path too long", dir, algorithm);
        return -1;
    }
    if (stat(path, &st) == 0) {
        snprintf(err, errlen, "%s exists: export into a new directory (no mixing with older data)",
                 path);
        return PB__EXPORT_EXISTS;
    }
    if (pb__mkdirs(path) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int pb__export_each_algorithm(const pb__export_set *set, const char *dir,
                              pb__export_algorithm_fn write, char *err, size_t errlen)
{
    char folder[PB__EXPORT_FOLDER];
    int rc = 0;
    for (size_t first = 0, end; rc == 0 && first < set->n; first = end) {
        for (end = first; end < set->n && strcmp(set->runs[end].algorithm,
                                                 set->runs[first].algorithm) == 0;)
            end++;
        rc = export_folder(dir, set->runs[first].algorithm, folder, sizeof folder, err, errlen);
        if (rc == 0)
            rc = write(set->runs + first, end - first, folder, err, errlen);
    }
    return rc;
}

FILE *pb__export_open(const char *path, const char *mode, char *err, size_t errlen)
{
    FILE *f = fopen(path, mode);
    if (!f)
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return f;
}
