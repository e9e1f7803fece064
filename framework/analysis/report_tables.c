/*
 * The leaderboards: per kind, every algorithm over all its runs, ranked, with percentile
 * bootstrap intervals over seeds; the per-problem table; the list of failed runs. Written
 * as Markdown and as HTML fragments from the same numbers. See report_internal.h.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "results_file.h"
#include "stats.h"

/* A table number into the caller's buf; see report_internal.h. */
void pb__report_format(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else if (isinf(v))
        snprintf(buf, len, v > 0 ? "∞" : "−∞");
    else if (v == floor(v) && fabs(v) < 1e7)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

/* 10 and the exponent of an exact power of ten, raised; see report_internal.h. */
void pb__report_power(double v, int html, char *buf, size_t len)
{
    static const char *const raised[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
    double e = v > 0 && isfinite(v) ? round(log10(v)) : NAN;
    if (!(fabs(e) < 400) || pow(10, e) != v) {
        snprintf(buf, len, "%g", v);
        return;
    }
    int k = (int)e;
    if (html) {
        snprintf(buf, len, "10<sup>%d</sup>", k);
        return;
    }
    /* "10", "⁻" for a negative exponent, then its digits raised. */
    char digits[12];
    snprintf(digits, sizeof digits, "%d", k < 0 ? -k : k);
    size_t n = (size_t)snprintf(buf, len, "10%s", k < 0 ? "⁻" : "");
    for (const char *d = digits; *d && n < len; d++)
        n += (size_t)snprintf(buf + n, len - n, "%s", raised[*d - '0']);
}

/* A fraction as a percentage, "83%". */
static void format_percent(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, "%.0f%%", 100 * v);
}

/* "value [lo, hi]" with fmt for each number. */
static void format_ci(double v, double lo, double hi, void (*fmt)(double, char *, size_t),
                      char *buf, size_t len)
{
    char a[40], b[40], c[40];
    fmt(v, a, sizeof a);
    fmt(lo, b, sizeof b);
    fmt(hi, c, sizeof c);
    snprintf(buf, len, "%s [%s, %s]", a, b, c);
}

/* qsort order of rows: the ranking, then the algorithm's order for equal rows. */
static int cmp_row(const void *a, const void *b)
{
    const pb__rrow *x = a, *y = b;
    if (x->success != y->success)
        return x->success > y->success ? -1 : 1;
    if (x->to_target != y->to_target)
        return x->to_target < y->to_target ? -1 : 1;
    if (x->mean_rank != y->mean_rank)
        return x->mean_rank < y->mean_rank ? -1 : 1;
    if (x->final != y->final)
        return x->final < y->final ? -1 : 1;
    return (x->algorithm > y->algorithm) - (x->algorithm < y->algorithm);
}

/*
 * Shown metric s of kind k (pb__rkind.shown) in algorithm a's row: the mean over its ok
 * runs that recorded a finite value, with a bootstrap interval stratified by problem like
 * the others (stream: the cell's own). v and strata are scratch of n_runs and n_problems.
 * A failed run has no score to average: the row's failed column counts it. 0, or -1.
 */
static int shown_metric(const pb__report_data *d, size_t k, size_t a, size_t s, uint64_t stream,
                        double *v, size_t *strata, pb__rrow *row)
{
    size_t n_strata = 0, m = 0;
    for (size_t p = 0; p < d->n_problems; p++) {
        size_t count, first = pb__report_runs_of(d, p, a, &count), before = m;
        if (d->problems[p].kind != k)
            continue;
        for (size_t i = first; i < first + count; i++) {
            const cJSON *x = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(d->runs[i].record, "metrics"),
                d->kinds[k].shown[s]);
            if (d->runs[i].ok && cJSON_IsNumber(x) && isfinite(x->valuedouble))
                v[m++] = x->valuedouble;
        }
        if (m > before)
            strata[n_strata++] = m - before;
    }
    row->shown_runs[s] = m;
    row->shown[s] = pb__mean(v, m);
    row->shown_lo[s] = row->shown_hi[s] = NAN;
    return m == 0 ? 0
                  : pb__bootstrap_ci(v, strata, n_strata, pb__mean, PB__REPORT_RESAMPLES,
                                     PB__REPORT_LEVEL, PB__REPORT_SEED, stream, &row->shown_lo[s],
                                     &row->shown_hi[s]);
}

/*
 * One row: the runs of algorithm a in kind k, grouped by problem (the bootstrap strata),
 * and the three statistics with their intervals.
 */
static int compute_row(const pb__report *r, size_t k, size_t a, pb__rrow *row)
{
    const pb__report_data *d = &r->data;
    size_t n = d->n_runs ? d->n_runs : 1;
    double *ok = malloc(n * sizeof *ok), *ttt = malloc(n * sizeof *ttt);
    double *fin = malloc(n * sizeof *fin);
    size_t *strata = malloc((d->n_problems + 1) * sizeof *strata), n_strata = 0, m = 0;
    int rc = -1;
    if (!ok || !ttt || !fin || !strata)
        goto out;
    *row = (pb__rrow){.algorithm = a};
    for (size_t p = 0; p < d->n_problems; p++) {
        size_t count, first = pb__report_runs_of(d, p, a, &count);
        if (d->problems[p].kind != k || count == 0)
            continue;
        strata[n_strata++] = count;
        for (size_t i = first; i < first + count; i++) {
            const pb__rrun *run = &d->runs[i];
            ok[m] = isfinite(run->to_target);
            ttt[m] = run->to_target;
            fin[m] = run->final_value;
            row->failed += !run->ok;
            row->successes += ok[m] != 0;
            m++;
        }
    }
    row->runs = m;
    row->success = pb__mean(ok, m);
    row->to_target = pb__median(ttt, m);
    row->final = pb__median(fin, m);
    /* Each leaderboard cell its own fixed bootstrap stream. */
    uint64_t stream = pb__report_fnv1a(d->algorithms[a].label,
                                       pb__report_fnv1a(d->kinds[k].name, PB__FNV1A_BASIS));
    if (pb__bootstrap_ci(ok, strata, n_strata, pb__mean, PB__REPORT_RESAMPLES, PB__REPORT_LEVEL,
                         PB__REPORT_SEED, stream, &row->success_lo, &row->success_hi) ||
        pb__bootstrap_ci(ttt, strata, n_strata, pb__median_sorted, PB__REPORT_RESAMPLES, PB__REPORT_LEVEL,
                         PB__REPORT_SEED, stream + 1, &row->to_target_lo, &row->to_target_hi) ||
        pb__bootstrap_ci(fin, strata, n_strata, pb__median_sorted, PB__REPORT_RESAMPLES, PB__REPORT_LEVEL,
                         PB__REPORT_SEED, stream + 2, &row->final_lo, &row->final_hi))
        goto out;
    for (size_t s = 0; s < d->kinds[k].n_shown; s++)
        if (shown_metric(d, k, a, s, stream + 3 + s, fin, strata, row) != 0)
            goto out;
    rc = 0;
out:
    free(ok);
    free(ttt);
    free(fin);
    free(strata);
    return rc;
}

/*
 * Each row's mean_rank (see report_internal.h): the mean, over the problems of kind k it ran on, of its rank there
 * among the rows that ran on it, by median final quality (1 = lowest; equal medians, such
 * as two +inf when half the runs or more failed, share the mean of their places). Unlike
 * the median pooled over problems it does not depend on the problems' scales, so it ranks
 * algorithms that never reach the target by how they compare on each problem.
 *
 * On each problem a row's place is 1 + the number of smaller medians + half the number of
 * other equal ones (pb__average_ranks: a sort, not a comparison with every other row,
 * quadratic in the algorithms). Every place is a multiple of 1/2, so it is exactly the sum
 * of those comparisons.
 */
int pb__report_mean_ranks(const pb__report_data *d, size_t k, pb__rrow *rows, size_t n_rows)
{
    double *med = malloc((n_rows + 1) * sizeof *med), *place = malloc((n_rows + 1) * sizeof *place);
    size_t *row = malloc((n_rows + 1) * sizeof *row);
    double *v = malloc((d->n_runs + 1) * sizeof *v);
    size_t *problems = calloc(n_rows + 1, sizeof *problems);
    int rc = !med || !place || !row || !v || !problems ? -1 : 0;
    for (size_t p = 0; rc == 0 && p < d->n_problems; p++) {
        if (d->problems[p].kind != k)
            continue;
        size_t n = 0;
        for (size_t i = 0; i < n_rows; i++) {
            size_t count, first = pb__report_runs_of(d, p, rows[i].algorithm, &count);
            for (size_t j = 0; j < count; j++)
                v[j] = d->runs[first + j].final_value;
            double m = count ? pb__median(v, count) : NAN;
            if (!isnan(m)) {
                med[n] = m;
                row[n++] = i;
            }
        }
        rc = pb__average_ranks(med, n, place);
        for (size_t i = 0; rc == 0 && i < n; i++) {
            rows[row[i]].mean_rank += place[i];
            problems[row[i]]++;
        }
    }
    for (size_t i = 0; rc == 0 && i < n_rows; i++)
        rows[i].mean_rank /= (double)problems[i];
    free(med);
    free(place);
    free(row);
    free(v);
    free(problems);
    return rc;
}

/* Rows for every algorithm of every kind, sorted and ranked; r owns them. */
int pb__report_leaderboards(pb__report *r, char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    r->rows = calloc(d->n_kinds, sizeof *r->rows);
    r->n_rows = calloc(d->n_kinds, sizeof *r->n_rows);
    if (!r->rows || !r->n_rows)
        goto nomem;
    for (size_t k = 0; k < d->n_kinds; k++) {
        if (!(r->rows[k] = calloc(d->n_algorithms, sizeof **r->rows)))
            goto nomem;
        for (size_t a = 0; a < d->n_algorithms; a++)
            if (pb__report_kind_has(d, k, a) &&
                compute_row(r, k, a, &r->rows[k][r->n_rows[k]++]) != 0)
                goto nomem;
        pb__rrow *rows = r->rows[k];
        if (pb__report_mean_ranks(d, k, rows, r->n_rows[k]) != 0)
            goto nomem;
        qsort(rows, r->n_rows[k], sizeof *rows, cmp_row);
        /* Competition ranking: rows equal in all four statistics share a rank. */
        for (size_t i = 0; i < r->n_rows[k]; i++)
            rows[i].rank = i > 0 && rows[i].success == rows[i - 1].success &&
                                   rows[i].to_target == rows[i - 1].to_target &&
                                   rows[i].mean_rank == rows[i - 1].mean_rank &&
                                   rows[i].final == rows[i - 1].final
                               ? rows[i - 1].rank
                               : i + 1;
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* The definitions behind the numbers, one paragraph of plain text. */
static void definitions(const pb__report *r, size_t k, char *buf, size_t len)
{
    const pb__rkind *kind = &r->data.kinds[k];
    char target[40];
    snprintf(target, sizeof target, "%g", kind->target);
    snprintf(buf, len,
             "A run succeeds when its status is ok and its %s reaches %s (%s%s). Time to "
             "target: the %s at which it first did (%s). A failed run (status other than ok) "
             "never succeeds and its final quality counts as ∞. Medians are over all runs of "
             "the algorithm in the kind, ∞ when half of them or more never got there. "
             "Intervals: 95%% percentile bootstrap, %d resamples of the seeds within each "
             "problem, fixed seed. Rank: by success rate, then median time to target, then "
             "mean rank by final quality (on each problem the algorithms are ranked by "
             "median final %s, 1 = lowest, ties sharing their mean place; then the mean over "
             "the problems, which does not depend on their scales), then median final %s; "
             "equal rows share a rank.",
             kind->metric, target, kind->target_from,
             strcmp(kind->target_from, "default") == 0 ? ": COCO's final target; --target "
                                                         "sets another"
                                                       : "",
             kind->cost_unit,
             kind->n_inexact ? "at the resolution of the trace for some runs: the first trace "
                               "point at or below it"
                             : "exact, from the record",
             PB__REPORT_RESAMPLES, kind->metric, kind->metric);
    /* The shown metrics: which, and their statistic. */
    for (size_t s = 0; s < kind->n_shown; s++) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s",
                 s ? ", " : " Also shown, beside the ranking and not part of it: ",
                 kind->shown[s]);
    }
    if (kind->n_shown) {
        size_t used = strlen(buf);
        snprintf(buf + used, len - used,
                 " (a score the kind's papers report, as its runs declare), the mean over the "
                 "runs with status ok that recorded it (a failed run has none: the failed "
                 "column counts it), with the same bootstrap interval; – when no run did.");
    }
}

/*
 * Writes s as Markdown text that shows s and nothing else, in a table cell or a paragraph:
 * '<', '>' and '&' as HTML entities (Markdown passes raw HTML through), a backslash before
 * the characters that open code or escapes or end a cell ('\\', '`', '|') and before a ']'
 * that a '(', '[' or ':' follows (what makes a link or an image of "[text]"; a bracket
 * otherwise shows as it is, as in "[95% CI]"), control characters (line breaks above all)
 * as spaces. Emphasis marks ('*', '_') stay as they are: metric names hold '_', and
 * emphasis cannot carry markup.
 */
static void md_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case ']':
            fputs(s[1] == '(' || s[1] == '[' || s[1] == ':' ? "\\]" : "]", f);
            break;
        case '\\': case '`': case '|':
            fputc('\\', f);
            fputc(*s, f);
            break;
        default: fputc((unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s, f);
        }
    }
}

/* Escapes the characters HTML gives a meaning to, in text and in attribute values. */
void pb__html_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* The cells of a table, for either format: html nonzero for HTML. */
typedef struct table {
    FILE *f;
    int html;
} table;

/* The start and end of a table row. */
static void t_row_begin(table *t) { fputs(t->html ? "<tr>" : "|", t->f); }

static void t_row_end(table *t) { fputs(t->html ? "</tr>\n" : "\n", t->f); }

/* One cell, escaped for its format. */
static void t_cell(table *t, const char *text, int header)
{
    if (t->html) {
        fputs(header ? "<th>" : "<td>", t->f);
        pb__html_text(t->f, text);
        fputs(header ? "</th>" : "</td>", t->f);
    } else {
        fputc(' ', t->f);
        md_text(t->f, text);
        fputs(" |", t->f);
    }
}

/* A header row; Markdown also gets its separator line, the first n_left columns left-aligned. */
static void t_header(table *t, const char *const *cols, size_t n, size_t n_left, const char *cls)
{
    if (t->html)
        fprintf(t->f, "<table class=\"%s\">\n<thead>", cls);
    t_row_begin(t);
    for (size_t i = 0; i < n; i++)
        t_cell(t, cols[i], 1);
    t_row_end(t);
    if (t->html) {
        fputs("</thead>\n<tbody>\n", t->f);
        return;
    }
    fputc('|', t->f);
    for (size_t i = 0; i < n; i++)
        fputs(i < n_left ? "---|" : "--:|", t->f);
    fputc('\n', t->f);
}

/* The end of a table (in Markdown, the blank line after it). */
static void t_end(table *t) { fputs(t->html ? "</tbody>\n</table>\n" : "\n", t->f); }

/* Text outside the tables: in HTML between the tags open and close, in Markdown after
 * md_prefix and followed by a blank line. */
static void t_text(table *t, const char *open, const char *close, const char *md_prefix,
                   const char *text)
{
    if (t->html) {
        fputs(open, t->f);
        pb__html_text(t->f, text);
        fputs(close, t->f);
    } else {
        fputs(md_prefix, t->f);
        md_text(t->f, text);
        fputs("\n\n", t->f);
    }
}

/* A cell holding a count. */
static void t_count(table *t, size_t n)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%zu", n);
    t_cell(t, buf, 0);
}

/* A heading above a table. */
static void t_heading(table *t, const char *text) { t_text(t, "<h4>", "</h4>\n", "### ", text); }

/* A paragraph of explanation. */
static void t_paragraph(table *t, const char *text)
{
    t_text(t, "<p class=\"note\">", "</p>\n", "", text);
}

/*
 * The titles of the columns of medians over runs that the tables share: the cost to reach
 * the target (in kind's cost unit) and the final main metric, each followed by suffix.
 */
static void median_titles(const pb__rkind *kind, const char *suffix, char *to_target,
                          char *final, size_t len)
{
    snprintf(to_target, len, "median %s to target%s", kind->cost_unit, suffix);
    snprintf(final, len, "median final %s%s", kind->metric, suffix);
}

/* The titles of the columns of kind's shown metrics (pb__rkind.shown), followed by suffix. */
static void shown_titles(const pb__rkind *kind, const char *suffix,
                         char titles[PB__REPORT_MAX_SHOWN][120])
{
    for (size_t s = 0; s < kind->n_shown; s++)
        snprintf(titles[s], sizeof titles[s], "mean %s%s", kind->shown[s], suffix);
}

/* The definitions, then the leaderboard of kind k in rank order. */
static void leaderboard(const pb__report *r, size_t k, table *t)
{
    const pb__report_data *d = &r->data;
    const pb__rkind *kind = &d->kinds[k];
    char h_ttt[120], h_final[120], buf[200], defs[3000];
    char h_shown[PB__REPORT_MAX_SHOWN][120];
    median_titles(kind, " [95% CI]", h_ttt, h_final, sizeof h_ttt);
    shown_titles(kind, " [95% CI]", h_shown);
    const char *cols[8 + PB__REPORT_MAX_SHOWN] = {"rank", "algorithm", "runs", "failed",
                                                  "success rate [95% CI]", h_ttt, h_final};
    size_t n_cols = 7;
    for (size_t s = 0; s < kind->n_shown; s++)
        cols[n_cols++] = h_shown[s];
    cols[n_cols++] = "mean rank by final quality";
    definitions(r, k, defs, sizeof defs);
    t_paragraph(t, defs);
    t_header(t, cols, n_cols, 2, "leaderboard");
    for (size_t i = 0; i < r->n_rows[k]; i++) {
        const pb__rrow *row = &r->rows[k][i];
        t_row_begin(t);
        t_count(t, row->rank);
        t_cell(t, d->algorithms[row->algorithm].label, 0);
        t_count(t, row->runs);
        t_count(t, row->failed);
        format_ci(row->success, row->success_lo, row->success_hi, format_percent, buf, sizeof buf);
        t_cell(t, buf, 0);
        format_ci(row->to_target, row->to_target_lo, row->to_target_hi, pb__report_format, buf,
                  sizeof buf);
        t_cell(t, buf, 0);
        format_ci(row->final, row->final_lo, row->final_hi, pb__report_format, buf, sizeof buf);
        t_cell(t, buf, 0);
        for (size_t s = 0; s < kind->n_shown; s++) {
            format_ci(row->shown[s], row->shown_lo[s], row->shown_hi[s], pb__report_format, buf,
                      sizeof buf);
            t_cell(t, buf, 0);
        }
        snprintf(buf, sizeof buf, "%.2f", row->mean_rank);
        t_cell(t, buf, 0);
        t_row_end(t);
    }
    t_end(t);
}

/* Per problem and algorithm: successes, median time to target, median and best final. */
static void per_problem(const pb__report *r, size_t k, table *t)
{
    const pb__report_data *d = &r->data;
    const pb__rkind *kind = &d->kinds[k];
    char h_ttt[120], h_final[120], h_best[120], buf[120];
    char h_shown[PB__REPORT_MAX_SHOWN][120];
    median_titles(kind, "", h_ttt, h_final, sizeof h_ttt);
    snprintf(h_best, sizeof h_best, "best final %s", kind->metric);
    shown_titles(kind, "", h_shown);
    const char *cols[8 + PB__REPORT_MAX_SHOWN] = {"problem",   "algorithm", "runs",  "failed",
                                                  "successes", h_ttt,       h_final, h_best};
    for (size_t s = 0; s < kind->n_shown; s++)
        cols[8 + s] = h_shown[s];
    double *v = malloc((d->n_runs + 1) * sizeof *v);
    if (!v)
        return;
    t_heading(t, "Per problem");
    t_header(t, cols, 8 + kind->n_shown, 2, "per-problem");
    for (size_t p = 0; p < d->n_problems; p++) {
        if (d->problems[p].kind != k)
            continue;
        for (size_t a = 0; a < d->n_algorithms; a++) {
            size_t count, first = pb__report_runs_of(d, p, a, &count), failed = 0, wins = 0;
            if (count == 0)
                continue;
            t_row_begin(t);
            t_cell(t, d->problems[p].id, 0);
            t_cell(t, d->algorithms[a].label, 0);
            for (size_t i = 0; i < count; i++) {
                failed += !d->runs[first + i].ok;
                wins += isfinite(d->runs[first + i].to_target) != 0;
            }
            t_count(t, count);
            t_count(t, failed);
            snprintf(buf, sizeof buf, "%zu/%zu", wins, count);
            t_cell(t, buf, 0);
            for (int which = 0; which < 2; which++) {
                for (size_t i = 0; i < count; i++)
                    v[i] = which ? d->runs[first + i].final_value : d->runs[first + i].to_target;
                pb__sort_doubles(v, count);
                pb__report_format(pb__median(v, count), buf, sizeof buf);
                t_cell(t, buf, 0);
            }
            pb__report_format(v[0], buf, sizeof buf);
            t_cell(t, buf, 0);
            for (size_t s = 0; s < kind->n_shown; s++) {
                size_t n = 0;
                for (size_t i = first; i < first + count; i++) {
                    const cJSON *x = cJSON_GetObjectItemCaseSensitive(
                        cJSON_GetObjectItemCaseSensitive(d->runs[i].record, "metrics"),
                        kind->shown[s]);
                    if (d->runs[i].ok && cJSON_IsNumber(x) && isfinite(x->valuedouble))
                        v[n++] = x->valuedouble;
                }
                pb__report_format(pb__mean(v, n), buf, sizeof buf);
                t_cell(t, buf, 0);
            }
            t_row_end(t);
        }
    }
    t_end(t);
    free(v);
}

/* Every run whose status is not ok, with its message: failures never vanish. */
static void failed_runs(const pb__report *r, size_t k, table *t)
{
    const pb__report_data *d = &r->data;
    size_t n = 0;
    for (size_t i = 0; i < d->n_runs; i++)
        n += d->runs[i].kind == k && !d->runs[i].ok;
    char buf[300];
    snprintf(buf, sizeof buf, "Failed runs (%zu)", n);
    t_heading(t, buf);
    if (n == 0) {
        t_paragraph(t, "None: every run ended with status ok.");
        return;
    }
    const char *cols[] = {"algorithm", "problem", "seed", "status", "message"};
    t_header(t, cols, 5, 5, "failed");
    for (size_t i = 0; i < d->n_runs; i++) {
        const pb__rrun *run = &d->runs[i];
        if (run->kind != k || run->ok)
            continue;
        t_row_begin(t);
        t_cell(t, d->algorithms[run->algorithm].label, 0);
        t_cell(t, d->problems[run->problem].id, 0);
        snprintf(buf, sizeof buf, "%.17g", run->seed);
        t_cell(t, buf, 0);
        t_cell(t, run->status, 0);
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run->record, "message");
        const cJSON *sig = cJSON_GetObjectItemCaseSensitive(run->record, "signal");
        if (cJSON_IsString(msg))
            snprintf(buf, sizeof buf, "%.200s", msg->valuestring);
        else if (cJSON_IsNumber(sig))
            snprintf(buf, sizeof buf, "signal %d", sig->valueint);
        else
            buf[0] = '\0';
        t_cell(t, buf, 0);
        t_row_end(t);
    }
    t_end(t);
}

/* Kind k's tables in Markdown. */
void pb__report_tables_md(const pb__report *r, size_t k, FILE *f)
{
    table t = {f, 0};
    leaderboard(r, k, &t);
    per_problem(r, k, &t);
    failed_runs(r, k, &t);
}

/* Kind k's tables as HTML fragments. */
void pb__report_tables_html(const pb__report *r, size_t k, FILE *f)
{
    table t = {f, 1};
    leaderboard(r, k, &t);
    per_problem(r, k, &t);
    failed_runs(r, k, &t);
}

/*
 * One value of a protocol as text into a memory stream: a string as it is, an array of
 * strings and numbers as its elements joined by ", ", an empty object as "none", anything
 * else as compact JSON with exact numbers.
 */
static void protocol_value(const cJSON *v, FILE *out)
{
    int flat = cJSON_IsArray(v);
    const cJSON *e;
    for (e = flat ? v->child : NULL; e; e = e->next)
        flat = flat && !cJSON_IsArray(e) && !cJSON_IsObject(e);
    if (cJSON_IsString(v)) {
        fputs(v->valuestring, out);
    } else if (cJSON_IsObject(v) && !v->child) {
        fputs("none", out);
    } else if (flat) {
        cJSON_ArrayForEach(e, v) {
            if (e != v->child)
                fputs(", ", out);
            protocol_value(e, out);
        }
    } else {
        char *text = pb__json_print_exact(v, 0);
        fputs(text ? text : "?", out);
        free(text);
    }
}

/* The rows of a protocol: one per value, labelled with the path of its keys; objects are
 * opened down to three keys ("spaces.cbo.sigma"), deeper ones shown whole. */
static void protocol_rows(table *t, const char *prefix, int depth, const cJSON *item)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, item) {
        char label[512];
        snprintf(label, sizeof label, "%s%s%s", prefix, *prefix ? "." : "", e->string);
        if (cJSON_IsObject(e) && e->child && depth < 2) {
            protocol_rows(t, label, depth + 1, e);
            continue;
        }
        char *text = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&text, &len);
        if (!mem)
            continue;
        protocol_value(e, mem);
        fclose(mem);
        t_row_begin(t);
        t_cell(t, label, 0);
        t_cell(t, text, 0);
        t_row_end(t);
        free(text);
    }
}

/* The tuning protocol of every input that carries one (see report_internal.h). */
static void protocols(const pb__report *r, table *t)
{
    const cJSON *entry, *seen;
    cJSON_ArrayForEach(entry, r->data.contexts) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(entry, "context"), "tuning");
        int again = !cJSON_IsObject(p);
        /* Inputs of one campaign (its evaluation runs, or a suite and its shards) share
         * their protocol: it is stated once. */
        cJSON_ArrayForEach(seen, r->data.contexts) {
            if (seen == entry || again)
                break;
            again = cJSON_Compare(p, cJSON_GetObjectItemCaseSensitive(
                                         cJSON_GetObjectItemCaseSensitive(seen, "context"),
                                         "tuning"),
                                  1);
        }
        if (again)
            continue;
        char text[PATH_MAX + 200];
        snprintf(text, sizeof text, "Tuning protocol (of %s)",
                 cJSON_GetObjectItemCaseSensitive(entry, "file")->valuestring);
        t_heading(t, text);
        t_paragraph(t, "These runs are of configurations tuned under this protocol (the "
                       "tuning key of their run config, from plugbench tune): the trial "
                       "budget per algorithm, the search, each algorithm's search space and "
                       "the file it came from, the training and evaluation sets (problem "
                       "ids and seeds, disjoint) and how trials were scored and chosen.");
        const char *cols[] = {"item", "value"};
        t_header(t, cols, 2, 2, "protocol");
        protocol_rows(t, "", 0, p);
        t_end(t);
    }
}

void pb__report_protocols_md(const pb__report *r, FILE *f)
{
    table t = {f, 0};
    protocols(r, &t);
}

void pb__report_protocols_html(const pb__report *r, FILE *f)
{
    table t = {f, 1};
    protocols(r, &t);
}
