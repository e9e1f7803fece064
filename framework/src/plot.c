/* Convergence plots; see plot.h. */
#include "plot.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "results.h"
#include "run.h"

extern char **environ;

/* Log axes cannot show 0: values at or below this floor are drawn on it. */
#define PLOT_FLOOR 1e-15

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pb__trace_median_at(double x, const double *const *costs, const double *const *values,
                           const size_t *n, size_t runs)
{
    double stack[64], *v = runs <= 64 ? stack : malloc(runs * sizeof *v);
    if (!v)
        return NAN;
    size_t k = 0;
    for (size_t r = 0; r < runs; r++) {
        if (n[r] == 0 || costs[r][0] > x || costs[r][n[r] - 1] < x)
            continue;
        size_t i = 0;
        while (i + 1 < n[r] && costs[r][i + 1] <= x)
            i++;
        if (!isnan(values[r][i]))
            v[k++] = values[r][i];
    }
    double median = NAN;
    if (k > 0) {
        qsort(v, k, sizeof *v, cmp_double);
        median = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
    }
    if (v != stack)
        free(v);
    return median;
}

static const char *str(const cJSON *obj, const char *a, const char *b)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(obj, a);
    o = b ? cJSON_GetObjectItemCaseSensitive(o, b) : o;
    return cJSON_IsString(o) ? o->valuestring : "";
}

/* Copies a JSON array of numbers (null = NaN) into a new malloc'd array. */
static double *numbers(const cJSON *arr, size_t *n)
{
    *n = (size_t)cJSON_GetArraySize(arr);
    double *v = malloc((*n ? *n : 1) * sizeof *v);
    size_t i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, arr)
        if (v)
            v[i++] = cJSON_IsNumber(e) ? e->valuedouble : NAN;
    return v;
}

typedef struct series {
    const char *algorithm;
    size_t runs;
    double **costs, **values;
    size_t *n;
} series;

static void series_free(series *s, size_t n)
{
    for (size_t a = 0; a < n; a++) {
        for (size_t r = 0; r < s[a].runs; r++) {
            free(s[a].costs[r]);
            free(s[a].values[r]);
        }
        free(s[a].costs);
        free(s[a].values);
        free(s[a].n);
    }
    free(s);
}

/* Gathers, per algorithm, the traces of the runs of one problem. Returns the count. */
static size_t gather(const cJSON *records, const char *problem, series **out, char *metric,
                     char *unit)
{
    size_t cap = cJSON_GetArraySize(records), n = 0;
    series *s = calloc(cap ? cap : 1, sizeof *s);
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        if (!s || strcmp(str(rec, "problem", "id"), problem) != 0)
            continue;
        const cJSON *trace = cJSON_GetObjectItemCaseSensitive(rec, "trace");
        /* Trace columns: cost unit, iterations, seconds, then the metrics, main first. */
        const cJSON *cost_col = trace ? trace->child : NULL;
        const cJSON *main_col = cost_col && cost_col->next && cost_col->next->next
                                    ? cost_col->next->next->next
                                    : NULL;
        if (!main_col)
            continue;
        snprintf(metric, 64, "%s", main_col->string);
        snprintf(unit, 64, "%s", cost_col->string);
        const char *alg = str(rec, "plugin", "name");
        size_t a = 0;
        while (a < n && strcmp(s[a].algorithm, alg) != 0)
            a++;
        if (a == n) {
            s[n].algorithm = alg;
            s[n].costs = calloc(cap, sizeof(double *));
            s[n].values = calloc(cap, sizeof(double *));
            s[n].n = calloc(cap, sizeof(size_t));
            n++;
        }
        series *t = &s[a];
        size_t nc, nv;
        t->costs[t->runs] = numbers(cost_col, &nc);
        t->values[t->runs] = numbers(main_col, &nv);
        t->n[t->runs] = nc < nv ? nc : nv;
        t->runs++;
    }
    *out = s;
    return n;
}

static int run_gnuplot(const char *script)
{
    pid_t pid;
    char *argv[] = {"gnuplot", (char *)script, NULL};
    if (posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ) != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A file name from a problem id: anything but [A-Za-z0-9._-] becomes '_'. */
static void safe_name(const char *id, char *out, size_t len)
{
    size_t i = 0;
    for (; id[i] && i + 1 < len; i++) {
        char c = id[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '-' || c == '_';
        out[i] = ok ? c : '_';
    }
    out[i] = '\0';
}

static int plot_problem(const cJSON *records, const char *problem, const char *dir, char *err,
                        size_t errlen)
{
    char metric[64] = "", unit[64] = "", base[200], path[PATH_MAX];
    series *s;
    size_t n = gather(records, problem, &s, metric, unit);
    if (!s || n == 0) {
        if (s)
            free(s);
        return 0;
    }
    safe_name(problem, base, sizeof base);
    /* The grid: 1, 2, 5 x 10^k up to the largest cost any run reached. */
    double max_cost = 1;
    for (size_t a = 0; a < n; a++)
        for (size_t r = 0; r < s[a].runs; r++)
            if (s[a].n[r] && s[a].costs[r][s[a].n[r] - 1] > max_cost)
                max_cost = s[a].costs[r][s[a].n[r] - 1];
    snprintf(path, sizeof path, "%s/%s.dat", dir, base);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        series_free(s, n);
        return -1;
    }
    fprintf(f, "# %s: median %s over seeds, by algorithm\n# %s", problem, metric, unit);
    for (size_t a = 0; a < n; a++)
        fprintf(f, " %s", s[a].algorithm);
    fprintf(f, "\n");
    for (uint64_t x = 1;; x = pb__next_checkpoint(x)) {
        double xx = (double)x > max_cost ? max_cost : (double)x;
        fprintf(f, "%.17g", xx);
        for (size_t a = 0; a < n; a++) {
            double m = pb__trace_median_at(xx, (const double *const *)s[a].costs,
                                           (const double *const *)s[a].values, s[a].n, s[a].runs);
            if (isnan(m))
                fprintf(f, " nan");
            else
                fprintf(f, " %.17g", m > PLOT_FLOOR ? m : PLOT_FLOOR);
        }
        fprintf(f, "\n");
        if ((double)x >= max_cost)
            break;
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/%s.gp", dir, base);
    f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        series_free(s, n);
        return -1;
    }
    fprintf(f,
            "set terminal pngcairo size 900,600 font 'sans,11'\n"
            "set output '%s/%s.png'\n"
            "set title '%s: median over seeds' noenhanced\n"
            "set xlabel '%s' noenhanced\nset ylabel '%s (floor %g)' noenhanced\n"
            "set logscale xy\nset format y '10^{%%L}'\nset grid\nset key outside right noenhanced\n"
            "set datafile missing 'nan'\n"
            "plot ",
            dir, base, problem, unit, metric, PLOT_FLOOR);
    for (size_t a = 0; a < n; a++)
        fprintf(f, "%s'%s/%s.dat' using 1:%zu with steps lw 2 title '%s'", a ? ", " : "", dir,
                base, a + 2, s[a].algorithm);
    fprintf(f, "\n");
    fclose(f);
    series_free(s, n);
    if (run_gnuplot(path) != 0) {
        snprintf(err, errlen, "gnuplot failed on %s (is gnuplot installed?)", path);
        return -1;
    }
    return 1;
}

int pb__plot_convergence(const cJSON *records, const char *dir, char *err, size_t errlen)
{
    if (pb__mkdirs(dir) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return -1;
    }
    int written = 0;
    const cJSON *rec;
    cJSON_ArrayForEach(rec, records) {
        const char *problem = str(rec, "problem", "id");
        /* Plot each problem once: at its first record. */
        int first = 1;
        for (const cJSON *prev = records->child; prev != rec && first; prev = prev->next)
            first = strcmp(str(prev, "problem", "id"), problem) != 0;
        if (!first)
            continue;
        int rc = plot_problem(records, problem, dir, err, errlen);
        if (rc < 0)
            return -1;
        written += rc;
    }
    return written;
}
