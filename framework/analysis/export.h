/*
 * plugbench export: the bbob runs of results files in the formats of the field's tools, so
 * that cocopp (COCO's post-processing) and IOHanalyzer load them beside their archives.
 *
 * Both formats log the best-so-far f at chosen evaluations, so a run is exported only from
 * a trace with a point after every step (`run --checkpoints all`) that was not capped. The
 * evaluation counts are exact when each step evaluates one point (the trace's cost is then
 * 1, 2, 3, ...); with more per step an improvement is dated at the last evaluation of its
 * step (never earlier than it happened, later by less than one step), which the caller
 * must allow (pb__export_options.by_step).
 *
 * Ownership: pb__export_runs_collect keeps pointers into the records it was given, which
 * must outlive the set; pb__export_runs_free frees what it allocated.
 */
#ifndef PLUGBENCH_EXPORT_H
#define PLUGBENCH_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

typedef struct pb__export_options {
    int by_step; /* accept runs that evaluate several points per step (dated at step end) */
} pb__export_options;

/* One bbob run, its trace as the best-so-far f - f_opt after each step. */
typedef struct pb__export_run {
    const char *algorithm; /* the plugin's name, or name-K for its K-th parameter set */
    const char *plugin;    /* the plugin's name, sha256 and version, for the info strings */
    const char *sha256, *version;
    unsigned function, dimension, instance;
    double seed;
    double f_opt;
    size_t n;              /* trace points */
    double *cost;          /* evaluations at each point, increasing */
    double *best_error;    /* best f - f_opt there */
    double evaluations;    /* the run's final count */
} pb__export_run;

typedef struct pb__export_set {
    pb__export_run *runs; /* sorted by algorithm, dimension, function, instance, seed */
    size_t n;
    char **labels;        /* the algorithm labels runs[i].algorithm point to */
    size_t n_labels;
} pb__export_set;

/*
 * Gathers the exportable runs of records (an array of checked records): status ok, problem
 * id bbob-fNN-dD-iI. Other runs are skipped and counted on notes (one line per reason).
 * Refuses (-1, with a message naming the run and the `run` option it needs) a bbob run
 * whose trace is not dense enough or was capped, and a set with no bbob run.
 */
int pb__export_runs_collect(const cJSON *records, const pb__export_options *opt, FILE *notes,
                            pb__export_set *set, char *err, size_t errlen);
void pb__export_runs_free(pb__export_set *set);

/*
 * Writes set under dir in the layout and files of COCO's bbob logger (logger_bbob.c of
 * numbbo/coco-experiment 0.0.1-dev0, data format "bbob-new2"): per algorithm
 * dir/ALG/bbobexp_fF.info and dir/ALG/data_fF/bbobexp_fF_DIMD.{dat,tdat,rdat,mdat}.
 * Returns 0, PB__EXPORT_EXISTS (before writing anything of ALG) when ALG exists, or -1;
 * with a message.
 */
int pb__export_coco(const pb__export_set *set, const char *dir, char *err, size_t errlen);

/*
 * Writes set under dir in the format of IOHexperimenter's analyzer logger (ioh 0.3, v2:
 * JSON + .dat): per algorithm dir/ALG/IOHprofiler_fF_NAME.json and
 * dir/ALG/data_fF_NAME/IOHprofiler_fF_DIMD.dat. Returns 0, PB__EXPORT_EXISTS (before
 * writing anything of ALG) when ALG exists, or -1; with a message.
 */
int pb__export_ioh(const pb__export_set *set, const char *dir, char *err, size_t errlen);

/* The longest path of an algorithm's folder, and of a file in it. */
#define PB__EXPORT_FOLDER 4096
#define PB__EXPORT_FILE (PB__EXPORT_FOLDER + 128)

/* What the writers return when dir/ALG exists already. */
#define PB__EXPORT_EXISTS (-2)

/* Writes one algorithm's runs[0, n) into its folder; returns 0, or -1 with a message. */
typedef int (*pb__export_algorithm_fn)(const pb__export_run *runs, size_t n,
                                       const char folder[PB__EXPORT_FOLDER], char *err,
                                       size_t errlen);

/*
 * For the writers: calls write for each algorithm of set in turn, after creating its
 * folder dir/ALG. Returns 0, PB__EXPORT_EXISTS when a folder exists already (no mixing
 * with older data), or the first failure's code; with a message.
 */
int pb__export_each_algorithm(const pb__export_set *set, const char *dir,
                              pb__export_algorithm_fn write, char *err, size_t errlen);

/* fopen(path, mode), or -1 with a message naming path. */
FILE *pb__export_open(const char *path, const char *mode, char *err, size_t errlen);

#endif
