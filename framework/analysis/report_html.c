/*
 * The pages of the report: leaderboard-<kind>.md and .html, and index.html, which holds
 * every table and shows every plot (its PNG, linking the SVG, the data and the script).
 * The pages are self-contained: inline style, no script, no external resource, and
 * relative links only, so the report directory can be moved or served as it is.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "build_info.h"
#include "report_internal.h"

/* The kind's name made safe for a file name or an HTML id, into the caller's out. */
void pb__report_kind_file(const pb__report *r, size_t k, char *out, size_t len)
{
    pb__report_safe_name(r->data.kinds[k].name, out, len);
}

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em auto;max-width:1280px;padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
    "th,td{border:1px solid #ccc;padding:.2em .6em;text-align:right;vertical-align:top}\n"
    "th:nth-child(-n+2),td:nth-child(-n+2){text-align:left}\n"
    "table.failed th,table.failed td,table.inputs th,table.inputs td{text-align:left}\n"
    "thead th{background:#f2f2f2}\n"
    "figure{display:inline-block;margin:.5em .5em 1em 0;max-width:100%;vertical-align:top}\n"
    "figure img{max-width:100%;height:auto;border:1px solid #ddd}\n"
    "figcaption{font-size:.9em;max-width:960px}\n"
    ".note{color:#444;max-width:62em}\n";

/* The head of a page, through <body>; see report_internal.h. */
void pb__html_page_begin(FILE *f, const char *title)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    pb__html_text(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", style);
    pb__html_text(f, title);
    fputs("</h1>\n", f);
}

/* The footer and the end of a page. */
static void page_end(FILE *f)
{
    fputs("<footer><p class=\"note\">Written by plugbench " PB_VERSION
          " (plugbench report). The plots are drawn by gnuplot from the data files next to "
          "them; run gnuplot on a plot's script in plots/ to draw it again.</p></footer>\n"
          "</body>\n</html>\n",
          f);
}

/* Opens dir/name for writing; NULL with a message. */
static FILE *open_page(const pb__report *r, const char *name, char *err, size_t errlen)
{
    char path[PATH_MAX + 200];
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    return f;
}

/* Closes a page, reporting a failed write (a full disk shows here). 0 or -1. */
static int close_page(FILE *f, const char *name, char *err, size_t errlen)
{
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

/* One plot: its PNG, linking its SVG; the caption links the SVG, data and script. */
void pb__html_figure(FILE *f, const pb__rplot *plot)
{
    fprintf(f,
            "<figure><a href=\"plots/%s.svg\"><img src=\"plots/%s.png\" width=\"960\" "
            "height=\"600\" alt=\"",
            plot->name, plot->name);
    pb__html_text(f, plot->caption);
    fputs("\"></a>\n<figcaption>", f);
    pb__html_text(f, plot->caption);
    fprintf(f,
            " (<a href=\"plots/%s.svg\">SVG</a>, <a href=\"plots/%s.dat\">data</a>, "
            "<a href=\"plots/%s.gp\">gnuplot script</a>)</figcaption></figure>\n",
            plot->name, plot->name, plot->name);
}

/* The figures of kind k in one section (and of problem p, for convergence plots). */
static size_t figures(const pb__report *r, size_t k, int section, size_t p, FILE *f)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_plots; i++) {
        const pb__rplot *plot = &r->plots_list[i];
        if (plot->kind == k && plot->section == section &&
            (section != PB__RPLOT_CONVERGENCE || plot->problem == p)) {
            pb__html_figure(f, plot);
            n++;
        }
    }
    return n;
}

/* The inputs: per file its runs' provenance, from its context block. */
static void inputs_table(const pb__report *r, FILE *f)
{
    static const char *const keys[] = {"date",     "host",         "cpu_model",
                                       "compiler", "git_revision", "plugbench_version"};
    fputs("<h2>Inputs</h2>\n<table class=\"inputs\">\n<thead><tr><th>file</th>", f);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        fprintf(f, "<th>%s</th>", keys[i]);
    fputs("</tr></thead>\n<tbody>\n", f);
    const cJSON *entry;
    cJSON_ArrayForEach(entry, r->data.contexts)
    {
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(entry, "context");
        fputs("<tr><td>", f);
        pb__html_text(f, cJSON_GetObjectItemCaseSensitive(entry, "file")->valuestring);
        fputs("</td>", f);
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, keys[i]);
            fputs("<td>", f);
            pb__html_text(f, cJSON_IsString(v) ? v->valuestring : "–");
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* "N runs: 3 ok, 1 crashed." over kind k, or over all kinds for k == SIZE_MAX. */
static void status_counts(const pb__report *r, size_t k, FILE *f)
{
    static const char *const statuses[] = {"ok", "error", "nonfinite", "timeout", "crashed"};
    size_t total = 0, known = 0;
    for (size_t i = 0; i < r->data.n_runs; i++)
        total += k == SIZE_MAX || r->data.runs[i].kind == k;
    fprintf(f, "%zu runs", total);
    const char *sep = ": ";
    for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
        size_t n = 0;
        for (size_t i = 0; i < r->data.n_runs; i++)
            n += (k == SIZE_MAX || r->data.runs[i].kind == k) &&
                 strcmp(r->data.runs[i].status, statuses[s]) == 0;
        known += n;
        if (n) {
            fprintf(f, "%s%zu %s", sep, n, statuses[s]);
            sep = ", ";
        }
    }
    if (total > known)
        fprintf(f, "%s%zu with another status", sep, total - known);
    fputs(".", f);
}

/* Kind k's section of the index: leaderboard, ECDFs, profiles, convergence per problem. */
static void kind_section(const pb__report *r, size_t k, FILE *f)
{
    const pb__report_data *d = &r->data;
    const pb__rkind *kind = &d->kinds[k];
    char file[64];
    pb__report_kind_file(r, k, file, sizeof file);
    fprintf(f, "<section id=\"kind-%s\">\n<h2>Kind ", file);
    pb__html_text(f, kind->name);
    fputs("</h2>\n<p>", f);
    status_counts(r, k, f);
    fputs(" Cost unit: ", f);
    pb__html_text(f, kind->cost_unit);
    fputs("; main metric: ", f);
    pb__html_text(f, kind->metric);
    fprintf(f,
            " (lower is better, 0 optimal).</p>\n<h3>Leaderboard</h3>\n"
            "<p>Also as <a href=\"leaderboard-%s.md\">Markdown</a> and "
            "<a href=\"leaderboard-%s.html\">HTML</a>.</p>\n",
            file, file);
    pb__report_tables_html(r, k, f);
    if (kind->n_targets) {
        char first[32], last[32];
        int has_dim = 0;
        for (size_t p = 0; p < d->n_problems; p++)
            has_dim |= d->problems[p].kind == k && d->problems[p].dimension > 0;
        pb__report_power(kind->targets[0], 1, first, sizeof first);
        pb__report_power(kind->targets[kind->n_targets - 1], 1, last, sizeof last);
        fprintf(f,
                "<h3>Runtime ECDFs</h3>\n<p class=\"note\">In the style of COCO: for each "
                "algorithm, the fraction of (problem, target) pairs, over its runs and the "
                "kind's %zu fixed targets %s … %s for ",
                kind->n_targets, first, last);
        pb__html_text(f, kind->metric);
        fputs(", reached within a number of ", f);
        pb__html_text(f, kind->cost_unit);
        fputs(has_dim ? " per dimension.</p>\n" : ".</p>\n", f);
        figures(r, k, PB__RPLOT_ECDF, 0, f);
    }
    fputs("<h3>Performance and data profiles</h3>\n", f);
    if (!figures(r, k, PB__RPLOT_PROFILE, 0, f))
        fputs("<p class=\"note\">None: no problem was run by every algorithm of the "
              "kind.</p>\n",
              f);
    fputs("<h3>Convergence per problem</h3>\n<p class=\"note\">The median over seeds and the "
          "band from the 25% to the 75% quantile; a run that has finished holds its last "
          "value.</p>\n",
          f);
    for (size_t p = 0; p < d->n_problems; p++) {
        if (d->problems[p].kind != k)
            continue;
        fputs("<h4>", f);
        pb__html_text(f, d->problems[p].id);
        fputs("</h4>\n", f);
        if (!figures(r, k, PB__RPLOT_CONVERGENCE, p, f))
            fputs("<p class=\"note\">No trace data.</p>\n", f);
    }
    fputs("</section>\n", f);
}

/* leaderboard-<kind>.md and .html. */
static int leaderboard_pages(const pb__report *r, size_t k, char *err, size_t errlen)
{
    char file[64], name[100], title[200];
    pb__report_kind_file(r, k, file, sizeof file);
    snprintf(title, sizeof title, "plugbench leaderboard: kind %s", r->data.kinds[k].name);
    snprintf(name, sizeof name, "leaderboard-%s.md", file);
    FILE *f = open_page(r, name, err, errlen);
    if (!f)
        return -1;
    fprintf(f, "# %s\n\n", title);
    pb__report_protocols_md(r, f);
    pb__report_tables_md(r, k, f);
    if (close_page(f, name, err, errlen) != 0)
        return -1;
    snprintf(name, sizeof name, "leaderboard-%s.html", file);
    if (!(f = open_page(r, name, err, errlen)))
        return -1;
    pb__html_page_begin(f, title);
    pb__report_protocols_html(r, f);
    pb__report_tables_html(r, k, f);
    fputs("<p><a href=\"index.html\">The whole report</a></p>\n", f);
    page_end(f);
    return close_page(f, name, err, errlen);
}

/*
 * The leaderboard pages of every kind, then index.html: the run counts, the inputs' context,
 * contents, and a section per kind. 0, or -1 with a message.
 */
int pb__report_pages(const pb__report *r, char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    for (size_t k = 0; k < d->n_kinds; k++)
        if (leaderboard_pages(r, k, err, errlen) != 0)
            return -1;
    FILE *f = open_page(r, "index.html", err, errlen);
    if (!f)
        return -1;
    pb__html_page_begin(f, "plugbench report");
    fputs("<p>", f);
    status_counts(r, SIZE_MAX, f);
    fprintf(f, " A run whose status is not ok is a failure in the leaderboards, ECDFs and "
               "profiles: it reaches no target. The convergence plots draw its trace up to where "
               "it stopped and count it in their legends. Success means that the main metric "
               "reached the target defined under each leaderboard.</p>\n");
    inputs_table(r, f);
    pb__report_protocols_html(r, f);
    pb__report_reproduction(r, f);
    fputs("<nav>\n<h2>Contents</h2>\n<ul>\n", f);
    for (size_t k = 0; k < d->n_kinds; k++) {
        char file[64];
        pb__report_kind_file(r, k, file, sizeof file);
        fprintf(f, "<li><a href=\"#kind-%s\">Kind ", file);
        pb__html_text(f, d->kinds[k].name);
        fputs("</a></li>\n", f);
    }
    fputs("</ul>\n</nav>\n", f);
    for (size_t k = 0; k < d->n_kinds; k++)
        kind_section(r, k, f);
    page_end(f);
    return close_page(f, "index.html", err, errlen);
}
