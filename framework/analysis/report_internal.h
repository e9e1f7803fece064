/*
 * What the report modules share: the runs of the inputs sorted and indexed (report_data.c),
 * the list of plots drawn (report_plots.c, report_profiles.c), the leaderboards
 * (report_tables.c) and the index page (report_html.c). report.c drives them in that order.
 *
 * Ownership: a pb__report owns everything it points to; pb__report_free releases it.
 * Strings of runs, problems and kinds point into data.records.
 */
#ifndef PLUGBENCH_REPORT_INTERNAL_H
#define PLUGBENCH_REPORT_INTERNAL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "report.h"
#include "stats.h"

/* One run: what the plots and tables need of its record. */
typedef struct pb__rrun {
    const cJSON *record;
    size_t kind, problem, algorithm; /* indices into the tables of pb__report_data */
    double seed;
    const char *status; /* "ok", "error", "nonfinite", "timeout", "crashed" */
    int ok;             /* status is "ok": anything else is a failure */
    /* The trace: n points of cost, algorithm seconds and main metric (NaN for null). */
    size_t n;
    double *cost, *seconds, *value;
    double final_value; /* the main metric of the final solution; +inf when not ok or unknown */
    double final_cost;  /* counts.<cost unit> */
    /* The cost when the main metric first reached the kind's target; +inf when it never did
     * or the run is not ok. Exact from target_hit or target_hits, else at trace resolution. */
    double to_target;
    int to_target_exact;
    /* Kinds with fixed targets: the cost of reaching each of the kind's targets, +inf never;
     * else NULL. Exact when the record has target_hits. */
    double *hits;
    int hits_exact;
} pb__rrun;

typedef struct pb__rproblem {
    const char *id;
    size_t kind;
    double dimension; /* problem.dimension, or NaN when the kind has none */
} pb__rproblem;

typedef struct pb__ralgorithm {
    char *label; /* config label (else plugin name), plus parameters or sha256 when one label
                  * has several; malloc'd */
} pb__ralgorithm;

/* The most metrics a kind's leaderboard shows beside its main one. */
#define PB__REPORT_MAX_SHOWN 4

typedef struct pb__rkind {
    const char *name, *cost_unit, *metric; /* metric: the main one, lower is better */
    double target;                         /* a run succeeds when its main metric reaches this */
    const char *target_from; /* why this target: "--target", "the runs' --target", "default" */
    /*
     * The kind's fixed targets for its main metric, largest first (blackbox: COCO's 51,
     * 10^2 .. 10^-8), as its runs record them in target_hits; malloc'd. A kind with them gets
     * runtime ECDFs and profiles on them; n_targets 0 (NULL) for a kind whose runs have none.
     */
    double *targets;
    size_t n_targets;
    size_t n_inexact;        /* runs whose time to target is at trace resolution */
    /*
     * The metrics the kind's leaderboard shows beside the main one (the scores its papers
     * report: policy's return_last10), as the inputs' contexts list them in
     * leaderboard_metrics: the union over the inputs, in order of first appearance; the
     * report names no kind.
     */
    const char *shown[PB__REPORT_MAX_SHOWN];
    size_t n_shown;
} pb__rkind;

typedef struct pb__report_data {
    cJSON *records;  /* every run of every input */
    cJSON *contexts; /* per input: {"file": path, "context": the file's context or null} */
    pb__rrun *runs;  /* sorted by problem (kinds grouped), algorithm, seed */
    size_t n_runs;
    pb__rproblem *problems; /* sorted by kind, then id in natural order */
    size_t n_problems;
    pb__ralgorithm *algorithms; /* sorted by label in natural order */
    size_t n_algorithms;
    pb__rkind *kinds; /* sorted by name */
    size_t n_kinds;
    /* [k * n_algorithms + a]: 0 when algorithm a has no runs in kind k, else 1 + the number
     * of algorithms before a that have (its place among the kind's algorithms, for its
     * color: counted once at loading, not per curve drawn). */
    size_t *has;
} pb__report_data;

/* A plot drawn into plots/: the index shows plots/<name>.png and links the .svg. */
#define PB__RPLOT_CONVERGENCE 0
#define PB__RPLOT_ECDF 1
#define PB__RPLOT_PROFILE 2
typedef struct pb__rplot {
    int section; /* PB__RPLOT_* */
    size_t kind;
    size_t problem; /* convergence plots only */
    char name[128]; /* file base name, [A-Za-z0-9._-] only */
    char caption[1024];
} pb__rplot;

/* One leaderboard row: an algorithm over every run it has in a kind. */
typedef struct pb__rrow {
    size_t algorithm, rank;
    size_t runs, failed, successes;
    double success, success_lo, success_hi;       /* fraction of runs that reached the target */
    double to_target, to_target_lo, to_target_hi; /* median cost to reach it (+inf: never) */
    double final, final_lo, final_hi;             /* median final main metric (failures +inf) */
    double mean_rank; /* mean over the kind's problems of the rank by median final metric */
    /* Per shown metric of the kind (pb__rkind.shown): its mean over the ok runs that
     * recorded a finite value, their number, and the interval; NaN when none did. */
    double shown[PB__REPORT_MAX_SHOWN], shown_lo[PB__REPORT_MAX_SHOWN],
        shown_hi[PB__REPORT_MAX_SHOWN];
    size_t shown_runs[PB__REPORT_MAX_SHOWN];
} pb__rrow;

typedef struct pb__report {
    pb__report_options opt;
    pb__report_data data;
    char dir[PATH_MAX], plots[PATH_MAX + 8];
    pb__rplot *plots_list;
    size_t n_plots, cap_plots;
    char **scripts; /* gnuplot scripts to run, base names in plots/ */
    size_t n_scripts;
    pb__rrow **rows; /* per kind, its algorithms in rank order */
    size_t *n_rows;
} pb__report;

/* Bootstrap resamples, confidence level, and the fixed seed of the kit generator. */
#define PB__REPORT_RESAMPLES 1000
#define PB__REPORT_LEVEL 0.95
#define PB__REPORT_SEED UINT64_C(0x2002D01A4E2009F0)

/* --- report.c --- */

/* Frees everything r owns (r itself is the caller's). */
void pb__report_free(pb__report *r);

/* --- report_data.c --- */

/*
 * Loads and checks the inputs and indexes their runs into data (zeroed by the caller).
 * target: NaN for each kind's default. Returns 0, PB__REPORT_BAD_INPUT or -1 (no memory)
 * with a message.
 */
int pb__report_load(const char *const *inputs, size_t n, double target, pb__report_data *data,
                    char *err, size_t errlen);
void pb__report_data_free(pb__report_data *data);

/* The index of the first run of problem p with algorithm a, and their count in *n (the runs
 * of a pair are adjacent). */
size_t pb__report_runs_of(const pb__report_data *data, size_t p, size_t a, size_t *n);

/* Does algorithm a have runs in kind k? */
int pb__report_kind_has(const pb__report_data *data, size_t k, size_t a);

/*
 * A file name from any string, at most len - 1 characters, into the caller's out: s itself
 * when it is at most that long and of [A-Za-z0-9._-] only; else s with each other
 * character as '_', cut to leave room for '-' and 8 hex digits of a hash of the whole of
 * s, which follow. So names that map or cut alike ("f/1", "f:1") stay apart. len must
 * exceed PB__SAFE_HASH_CHARS + 1.
 */
#define PB__SAFE_HASH_CHARS 9
void pb__report_safe_name(const char *s, char *out, size_t len);

/* 64-bit FNV-1a of s, continuing from h (start from PB__FNV1A_BASIS). */
#define PB__FNV1A_BASIS UINT64_C(0xcbf29ce484222325)
uint64_t pb__report_fnv1a(const char *s, uint64_t h);

/* --- report_plots.c: gnuplot, and the convergence curves --- */

/* Finds gnuplot on PATH; 0, or -1 with a message saying how to install it. */
int pb__report_find_gnuplot(char *path, size_t len, char *err, size_t errlen);

/*
 * Opens plots/<name>.gp and writes its preamble; the caller writes the setup and the
 * plot command and closes it with pb__gp_end. Registers the plot for the index. NULL
 * with a message when the file cannot be written.
 */
FILE *pb__gp_begin(pb__report *r, const pb__rplot *plot, char *err, size_t errlen);

/*
 * Finishes and closes a script begun with pb__gp_begin: draws the plot command `plot`
 * (without the word "plot") into <name>.svg, then <name>.png. 0, or -1 with a message.
 */
int pb__gp_end(FILE *gp, const char *name, const char *plot, char *err, size_t errlen);

/* Opens plots/<name>.dat for writing, with a first comment line; NULL with a message. */
FILE *pb__dat_open(const pb__report *r, const char *name, const char *what, char *err,
                   size_t errlen);

/* Closes a file opened by pb__dat_open; 0, or -1 with a message when it was not written. */
int pb__dat_close(FILE *dat, const char *name, char *err, size_t errlen);

/* Writes a number for a data file: shortest exact, C locale; "nan" for NaN. */
void pb__dat_number(FILE *f, double v);

/* Writes s into a gnuplot single-quoted string ('' for ', control characters dropped). */
void pb__gp_string(FILE *f, const char *s);

/*
 * Writes s into a comment line of a data file or script, control characters (line breaks
 * above all, which would end the comment and make the rest data or commands) as spaces.
 */
void pb__dat_text(FILE *f, const char *s);

/* One algorithm's curve on one problem: quantiles over runs on a grid of x. */
typedef struct pb__rcurve {
    size_t algorithm, runs, failed;
    size_t n;
    double *x, *q[3]; /* 25%, 50%, 75% */
} pb__rcurve;

/*
 * The curve of runs[0..count) against the cost (by_seconds 0) or seconds: on the union of
 * their trace abscissas, the quartiles of the runs' values, finished runs holding their
 * last value. Returns 0 (c->n may be 0: no data), or -1 when out of memory. Not static, so
 * that tests/unit/scale_instructions.sh can count its instructions.
 */
int pb__report_curve(const pb__rrun *runs, size_t count, int by_seconds, pb__rcurve *c);

/* The line color of algorithm a within its kind: the same in every plot of the kind. */
const char *pb__report_color(const pb__report_data *data, size_t kind, size_t a);

/*
 * Writes the step function of an empirical distribution, ready for `with lines`: from
 * (x_start, F) to (x_end, F), a vertical jump at each of the sorted finite values.
 */
void pb__dat_steps(FILE *f, const double *sorted, size_t n, size_t total, double x_start,
                   double x_end);

/* The convergence plots of every problem. 0, or -1 with a message. */
int pb__report_convergence(pb__report *r, char *err, size_t errlen);

/* Runs gnuplot on every script written, in plots/. 0, or -1 with a message. */
int pb__report_run_gnuplot(pb__report *r, const char *gnuplot, char *err, size_t errlen);

/* --- report_profiles.c --- */

/* Runtime ECDFs (kinds with fixed targets) and performance and data profiles, per kind. 0 or -1. */
int pb__report_profiles(pb__report *r, char *err, size_t errlen);

/* --- report_tables.c --- */

/* Computes the leaderboards: r->rows[k] in rank order. 0, or -1 when out of memory. */
int pb__report_leaderboards(pb__report *r, char *err, size_t errlen);

/* Sets the mean_rank of rows[0..n_rows), the rows of kind k (pb__report_leaderboards calls
 * it; not static, so that tests/unit/scale_instructions.sh can count its instructions). 0,
 * or -1 when out of memory. */
int pb__report_mean_ranks(const pb__report_data *d, size_t k, pb__rrow *rows, size_t n_rows);

/* The leaderboard, per-problem table and failed runs of kind k, as Markdown. */
void pb__report_tables_md(const pb__report *r, size_t k, FILE *f);

/* The same as HTML fragments (no page around them). */
void pb__report_tables_html(const pb__report *r, size_t k, FILE *f);

/*
 * The tuning protocol that the inputs' contexts carry ("tuning", which plugbench run copies
 * from its config: tune's tuned.json has it), each distinct one once, as a heading, a note
 * and a table of its items; nothing when no input has one. Markdown, or HTML fragments.
 */
void pb__report_protocols_md(const pb__report *r, FILE *f);
void pb__report_protocols_html(const pb__report *r, FILE *f);

/* Writes s with &, <, >, " escaped. */
void pb__html_text(FILE *f, const char *s);

/* A number for a table: "∞" for +inf, "–" for NaN, integers whole, else 3 digits. */
void pb__report_format(double v, char *buf, size_t len);

/*
 * A target for a caption: a power of ten as 10 with its exponent raised ("10⁻⁸" in plots,
 * "10<sup>-8</sup>" when html is nonzero), any other number as %g.
 */
void pb__report_power(double v, int html, char *buf, size_t len);

/* --- report_html.c --- */

/* The head of a self-contained page (inline style) with title as its <h1>, through <body>:
 * report's pages and history's. */
void pb__html_page_begin(FILE *f, const char *title);

/* A plot of plots/ as a figure: its PNG linking its SVG; the caption links its data and
 * script. */
void pb__html_figure(FILE *f, const pb__rplot *plot);

/* The "Reproduction" section of index.html when an input comes from a suite (suite.h). */
void pb__report_reproduction(const pb__report *r, FILE *f);

/* Writes leaderboard-<kind>.md and .html for every kind and index.html. 0 or -1. */
int pb__report_pages(const pb__report *r, char *err, size_t errlen);

/* The file-name form of kind k's name. */
void pb__report_kind_file(const pb__report *r, size_t k, char *out, size_t len);

#endif
