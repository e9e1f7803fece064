/*
 * plugbench export --format coco: the files of COCO's bbob logger; see export.h.
 *
 * What is written follows the bbob logger of the current COCO, numbbo/coco-experiment
 * 0.0.1-dev0 (src/logger_bbob.c and coco_observer.c, data format "bbob-new2", the
 * observer's defaults: 20 targets per decade down to 1e-8 and linear targets at multiples
 * of 1e5, evaluation triggers at 20 per decade and at 1, 2, 5 x dimension x 10^k, a last
 * .dat and .tdat line at the final evaluation unless it was just logged, and the info
 * header with settings and an algorithm-info line). COCO 2.x's logger (numbbo/coco, kept
 * in coco-experiment as observer "bbob-old") differs: 100 log targets per decade only, no
 * final .dat line, no settings or info line; cocopp reads both. It is written here from
 * their behaviour, without their code. A line of a .dat or .tdat file
 * is "evaluations 0 best-f_opt current-f best-f", values as COCO prints them (%+10.9e);
 * COCO adds the point x (for dimensions under 22), which a trace does not hold and cocopp
 * does not read, and on a .tdat line its current f is that evaluation's f, which is not
 * recorded either: the best f stands there (what COCO writes on every .dat line, and on
 * the .tdat line it adds at the end).
 */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include "export.h"

/* What the info files say wrote the data: not COCO, following the logger of this version.
 * (No comma or space: cocopp splits the info line on them.) */
#define WRITER "plugbench-export:coco-experiment-0.0.1-dev0"
#define TARGETS_PER_DECADE 20.0
#define TARGET_PRECISION 1e-8
#define LINEAR_TARGET_PRECISION 1e5

/* COCO's target trigger: is v (best f - f_opt) past the last target hit, on a grid of
 * TARGETS_PER_DECADE per decade? Updates *exponent (INT_MAX before the first). */
static int target_hit(int *exponent, double v)
{
    int current;
    if (v >= 0) {
        double w = v == 0 ? TARGET_PRECISION / 10 : v < TARGET_PRECISION ? TARGET_PRECISION : v;
        current = (int)ceil(log10(w) * TARGETS_PER_DECADE);
    } else {
        /* Below f_opt, counted on downwards past the targets above it. */
        double w = v > -TARGET_PRECISION ? TARGET_PRECISION : -v;
        current = 2 * (int)ceil(log10(TARGET_PRECISION / 10) * TARGETS_PER_DECADE) -
                  (int)floor(log10(w) * TARGETS_PER_DECADE) - 1;
    }
    if (current >= *exponent)
        return 0;
    *exponent = current;
    return 1;
}

/* COCO's linear targets: is v past the last multiple of LINEAR_TARGET_PRECISION hit? v is
 * rounded up to a multiple, except within 1e-12 above one, where that multiple counts (as
 * COCO rounds, against floating-point noise). Updates *last (DBL_MAX before the first).
 * Under 1e5 it fires only along with the log targets (first line, and 0); above, on bbob's
 * ill-conditioned functions' early errors, it adds lines between theirs. */
static int linear_target_hit(double *last, double v)
{
    double below = floor(v / LINEAR_TARGET_PRECISION) * LINEAR_TARGET_PRECISION;
    double reached = v - below < 1e-12 ? below : ceil(v / LINEAR_TARGET_PRECISION) * LINEAR_TARGET_PRECISION;
    if (reached >= *last)
        return 0;
    *last = reached;
    return 1;
}

/* COCO's evaluation triggers: 10^(k/20) rounded down, and {1, 2, 5} x dimension x 10^k. */
typedef struct eval_triggers {
    uint64_t value1, exponent1; /* the next of 10^(k/20), and its k */
    uint64_t value2, exponent2; /* the next of base x dimension x 10^k, and its k */
    unsigned base;              /* index into {1, 2, 5} */
    uint64_t dimension;
} eval_triggers;

static const unsigned base_evaluations[] = {1, 2, 5};

static uint64_t floor_pow10(uint64_t exponent) { return (uint64_t)floor(pow(10, exponent / 20.0)); }

/* Does evaluation e trigger a .tdat line? Both triggers advance, as COCO's do. */
static int eval_hit(eval_triggers *t, uint64_t e)
{
    int hit = 0;
    if (e >= t->value1) {
        while (floor_pow10(t->exponent1) <= t->value1)
            t->exponent1++;
        t->value1 = floor_pow10(t->exponent1);
        hit = 1;
    }
    if (e >= t->value2) {
        if (t->base < 2) {
            t->base++;
        } else {
            t->base = 0;
            t->exponent2++;
        }
        t->value2 = (uint64_t)(pow(10, (double)t->exponent2) * (double)t->dimension *
                               (double)base_evaluations[t->base]);
        hit = 1;
    }
    return hit;
}

static void data_line(FILE *f, uint64_t e, double best_error, double best_f)
{
    fprintf(f, "%lu %lu %+10.9e %+10.9e %+10.9e\n", (unsigned long)e, 0UL, best_error, best_f,
            best_f);
}

/* The state of one algorithm's folder across its runs. */
typedef struct folder {
    char path[PB__EXPORT_FOLDER];
    const char *algorithm;
    unsigned last_dimension[25]; /* per function, the dimension of its info file's last line */
} folder;

/* Writes the info file's lines of run r before its data (COCO: at its first evaluation). */
static int info_begin(folder *fo, const pb__export_run *r, char *err, size_t errlen)
{
    char path[PB__EXPORT_FILE];
    struct stat st;
    snprintf(path, sizeof path, "%s/bbobexp_f%u.info", fo->path, r->function);
    int existed = stat(path, &st) == 0;
    FILE *f = pb__export_open(path, "a", err, errlen);
    if (!f)
        return -1;
    if (fo->last_dimension[r->function] != r->dimension) {
        fprintf(f,
                "%ssuite = 'bbob', funcId = %u, DIM = %u, Precision = %.3e, algId = '%s', "
                "coco_version = '%s', logger = 'bbob', data_format = 'bbob-new2', "
                "settings = ''\n%% \n"
                "data_f%u/bbobexp_f%u_DIM%u.dat",
                existed ? "\n" : "", r->function, r->dimension, pow(10, -8), fo->algorithm,
                WRITER, r->function, r->function, r->dimension);
        fo->last_dimension[r->function] = r->dimension;
    }
    fprintf(f, ", %u", r->instance);
    return fclose(f) == 0 ? 0 : -1;
}

/* The run's .dat and .tdat lines, evaluation by evaluation as COCO's logger sees them. */
static void data_lines(const pb__export_run *r, FILE *dat, FILE *tdat)
{
    eval_triggers t = {1, 0, r->dimension, 0, 0, r->dimension};
    int exponent = INT_MAX, known = 0, last_tdat = 0;
    uint64_t last_dat = 0;
    double best = 0, linear = DBL_MAX;
    size_t k = 0;
    uint64_t n = (uint64_t)r->evaluations;
    for (uint64_t e = 1; e <= n; e++) {
        int improved = 0, first = 0;
        /* Best f after evaluation e: the trace's point at e, if any (each point's cost is
         * the step's last evaluation). */
        if (k < r->n && r->cost[k] <= (double)e) {
            first = !known;
            improved = first || r->best_error[k] < best;
            best = r->best_error[k];
            known = 1;
            k++;
        }
        double best_f = r->f_opt + best;
        /* The first line comes unconditionally, before any target is counted, as COCO's;
         * after it, both kinds of targets advance on each improvement. */
        if (first || (improved && (target_hit(&exponent, best) |
                                   linear_target_hit(&linear, best)))) {
            data_line(dat, e, best, best_f);
            last_dat = e;
        }
        last_tdat = eval_hit(&t, e);
        if (last_tdat && known)
            data_line(tdat, e, best, best_f);
    }
    /* Both files end on the final evaluation, as COCO's logger closes them. */
    if (last_dat != n)
        data_line(dat, n, best, r->f_opt + best);
    if (!last_tdat)
        data_line(tdat, n, best, r->f_opt + best);
}

/* One run: its info lines and its data appended to the function's and dimension's files. */
static int export_run(folder *fo, const pb__export_run *r, char *err, size_t errlen)
{
    static const char *const ext[] = {"dat", "tdat", "rdat", "mdat"};
    char path[PB__EXPORT_FILE];
    FILE *files[4] = {NULL};
    int rc = 0;
    snprintf(path, sizeof path, "%s/data_f%u", fo->path, r->function);
    mkdir(path, 0777);
    if (info_begin(fo, r, err, errlen) != 0)
        return -1;
    for (int i = 0; i < 4 && rc == 0; i++) {
        snprintf(path, sizeof path, "%s/data_f%u/bbobexp_f%u_DIM%u.%s", fo->path, r->function,
                 r->function, r->dimension, ext[i]);
        files[i] = pb__export_open(path, "a", err, errlen);
        if (!files[i])
            rc = -1;
        else
            fprintf(files[i],
                    "%% f evaluations | g evaluations | best noise-free fitness - Fopt "
                    "(%13.12e) + sum g_i+ | measured fitness | best measured fitness or "
                    "single-digit g-values | x1 | x2...\n",
                    r->f_opt);
    }
    if (rc == 0)
        data_lines(r, files[0], files[1]);
    for (int i = 0; i < 4; i++)
        if (files[i] && fclose(files[i]) != 0 && rc == 0) {
            snprintf(err, errlen, "cannot write %s/data_f%u: disk full?", fo->path, r->function);
            rc = -1;
        }
    if (rc != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bbobexp_f%u.info", fo->path, r->function);
    FILE *info = pb__export_open(path, "a", err, errlen);
    if (!info)
        return -1;
    fprintf(info, ":%lu|%.1e", (unsigned long)r->evaluations,
            r->best_error[r->n - 1]);
    return fclose(info) == 0 ? 0 : -1;
}

/* One algorithm's runs into its folder, in order. */
static int export_algorithm(const pb__export_run *runs, size_t n,
                            const char path[PB__EXPORT_FOLDER], char *err, size_t errlen)
{
    folder fo = {{0}, runs[0].algorithm, {0}};
    memcpy(fo.path, path, sizeof fo.path);
    for (size_t i = 0; i < n; i++)
        if (export_run(&fo, &runs[i], err, errlen) != 0)
            return -1;
    return 0;
}

int pb__export_coco(const pb__export_set *set, const char *dir, char *err, size_t errlen)
{
    return pb__export_each_algorithm(set, dir, export_algorithm, err, errlen);
}
