/* The series and steps of a history across commits, and its page; see history.h. */
#include "history.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_info.h"
#include "numfmt.h"
#include "report_internal.h"
#include "results_file.h"
#include "strmap.h"

#define SHORT_SHA 8 /* characters of a sha shown on the page and on the plots */

/* One experiment's metric over the commits. */
typedef struct series {
    char *key;      /* compact JSON of id; owned */
    cJSON *id;      /* plugin, problem, parameters, budget, target, metric, name[, level] */
    double *value;  /* per commit: the median; NaN not measured, +inf every run failed */
    int regressed;  /* a regression step is on it */
    pb__rplot plot; /* its plot; name "" when it has none */
} series;

typedef struct history {
    const pb__history_commit *c;
    size_t n;
    cJSON **records; /* per commit: its runs (pb__compare_load), or NULL */
    series *s;
    size_t n_s, cap_s;
    pb__strmap index; /* key -> series */
    cJSON *doc, *commits, *steps;
} history;

static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* Adds a copy of src's member name to dst (null when src lacks it). */
static void copy_member(cJSON *dst, const cJSON *src, const char *name)
{
    const cJSON *v = item(src, name);
    cJSON_AddItemToObject(dst, name, v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull());
}

/* The experiment of a comparison entry (compare.h) and one of its metrics, a new object. */
static cJSON *series_id(const cJSON *entry, const char *metric, const char *name,
                        const cJSON *level)
{
    static const char *const identity[] = {"plugin", "problem", "parameters", "budget", "target"};
    cJSON *id = cJSON_CreateObject();
    for (size_t i = 0; id && i < sizeof identity / sizeof identity[0]; i++)
        copy_member(id, entry, identity[i]);
    cJSON_AddStringToObject(id, "metric", metric);
    cJSON_AddStringToObject(id, "name", name);
    if (level)
        cJSON_AddItemToObject(id, "level", cJSON_Duplicate(level, 0));
    return id;
}

/* The series of id (taken over), made when new; NULL when out of memory. */
static series *series_of(history *h, cJSON *id)
{
    char *key = id ? cJSON_PrintUnformatted(id) : NULL;
    size_t i = key ? pb__strmap_get(&h->index, key) : (size_t)-1;
    if (i != (size_t)-1) {
        free(key);
        cJSON_Delete(id);
        return &h->s[i];
    }
    if (key && h->n_s == h->cap_s) {
        size_t cap = h->cap_s ? 2 * h->cap_s : 32;
        series *grown = realloc(h->s, cap * sizeof *grown);
        if (grown) {
            h->s = grown;
            h->cap_s = cap;
        }
    }
    double *value = key && h->n_s < h->cap_s ? malloc(h->n * sizeof *value) : NULL;
    if (!value || pb__strmap_intern(&h->index, key, h->n_s) != h->n_s) {
        free(value);
        free(key);
        cJSON_Delete(id);
        return NULL;
    }
    for (size_t k = 0; k < h->n; k++)
        value[k] = NAN;
    h->s[h->n_s] = (series){.key = key, .id = id, .value = value};
    return &h->s[h->n_s++];
}

/* A median of a comparison: null in the verdict means infinite (a failed run's +inf). */
static double median_of(const cJSON *m, const char *name)
{
    const cJSON *v = item(m, name);
    return cJSON_IsNumber(v) ? v->valuedouble : INFINITY;
}

/* A step entry: the series' identity, where it is, and what changed. NULL out of memory. */
static cJSON *step_entry(const history *h, const cJSON *id, const char *verdict, size_t prev,
                         size_t at)
{
    cJSON *e = cJSON_Duplicate(id, 1);
    if (!e)
        return NULL;
    cJSON_AddStringToObject(e, "verdict", verdict);
    cJSON_AddStringToObject(e, "commit", h->c[at].sha);
    cJSON_AddStringToObject(e, "subject", h->c[at].subject);
    cJSON_AddStringToObject(e, "previous", h->c[prev].sha);
    cJSON *between = cJSON_AddArrayToObject(e, "unmeasured");
    for (size_t k = prev + 1; k < at; k++)
        cJSON_AddItemToArray(between, cJSON_CreateString(h->c[k].sha));
    cJSON_AddItemToArray(h->steps, e);
    return e;
}

/* The steps and series values of one comparison entry between commits prev and at. */
static int take_entry(history *h, const cJSON *entry, size_t prev, size_t at)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, item(entry, "metrics")) {
        series *s = series_of(h, series_id(entry, item(m, "metric")->valuestring,
                                           item(m, "name")->valuestring, item(m, "level")));
        if (!s)
            return -1;
        if (isnan(s->value[prev]))
            s->value[prev] = median_of(m, "base_median");
        s->value[at] = median_of(m, "new_median");
        const char *v = item(m, "verdict")->valuestring;
        if (strcmp(v, "regressed") != 0 && strcmp(v, "improved") != 0)
            continue;
        cJSON *e = step_entry(h, s->id, v, prev, at);
        if (!e)
            return -1;
        copy_member(e, m, "base_median");
        copy_member(e, m, "new_median");
        copy_member(e, m, "change");
        cJSON_AddNumberToObject(e, "series", (double)(s - h->s));
        s->regressed |= strcmp(v, "regressed") == 0;
    }
    /* A seed that finished before and not now (or the reverse) is a step by itself. */
    cJSON_ArrayForEach(m, item(entry, "status")) {
        char name[64];
        snprintf(name, sizeof name, "seed %.17g", item(m, "seed")->valuedouble);
        cJSON *id = series_id(entry, "status", name, NULL);
        cJSON *e = id ? step_entry(h, id, item(m, "verdict")->valuestring, prev, at) : NULL;
        cJSON_Delete(id);
        if (!e)
            return -1;
        copy_member(e, m, "base");
        copy_member(e, m, "new");
    }
    return 0;
}

/* Compares every measured commit with the measured commit before it. */
static int find_steps(history *h, const pb__compare_options *opt)
{
    size_t prev = (size_t)-1;
    for (size_t i = 0; i < h->n; i++) {
        if (!h->records[i])
            continue;
        if (prev != (size_t)-1) {
            char err[512];
            pb__compare_options o = *opt;
            o.base_name = h->c[prev].sha;
            o.new_name = h->c[i].sha;
            cJSON *cmp = pb__compare(h->records[prev], h->records[i], &o, err, sizeof err);
            if (!cmp) {
                /* Nothing in common (the suite was renamed): no step can be seen here. */
                cJSON_AddStringToObject(cJSON_GetArrayItem(h->commits, (int)i), "note", err);
            }
            const cJSON *entry;
            cJSON_ArrayForEach(entry, item(cmp, "comparisons")) {
                if (take_entry(h, entry, prev, i) != 0) {
                    cJSON_Delete(cmp);
                    return -1;
                }
            }
            cJSON_Delete(cmp);
        }
        prev = i;
    }
    return 0;
}

/* A median for a table or a line of text: "failed" for +inf. */
static void format_value(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%.6g", v->valuedouble);
    else
        snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "failed");
}

/* A relative change as a percentage, or what stands for it. */
static void format_change(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%+.1f%%", 100 * v->valuedouble);
    else
        snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

/* "metric name" and the level of a target, for a caption or a line of text. */
static void format_metric(const cJSON *e, char *buf, size_t len)
{
    const cJSON *level = item(e, "level");
    if (cJSON_IsNumber(level))
        snprintf(buf, len, "%s %s %g", item(e, "metric")->valuestring,
                 item(e, "name")->valuestring, level->valuedouble);
    else if (strcmp(item(e, "metric")->valuestring, item(e, "name")->valuestring) == 0)
        snprintf(buf, len, "%s", item(e, "name")->valuestring);
    else
        snprintf(buf, len, "%s %s", item(e, "metric")->valuestring, item(e, "name")->valuestring);
}

/* Writes v for a label: a string as it is, anything else as compact JSON. */
static void label_value(const cJSON *v, char *buf, size_t len)
{
    char *text = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
    snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : text ? text : "?");
    free(text);
}

/* The parameters, budget and target of an experiment that are set, as " (name=value,
 * ...)"; "" when none is. */
static void format_setup(const cJSON *e, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    static const char *const parts[] = {"parameters", "budget"};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *v;
        cJSON_ArrayForEach(v, item(e, parts[i])) {
            char value[256];
            if (cJSON_IsNull(v) || !v->string || used >= len)
                continue;
            label_value(v, value, sizeof value);
            used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : " (",
                                     v->string, value);
        }
    }
    const cJSON *target = item(e, "target");
    if (cJSON_IsNumber(target) && used < len)
        used += (size_t)snprintf(buf + used, len - used, "%starget=%g", used ? ", " : " (",
                                 target->valuedouble);
    if (used && used < len)
        snprintf(buf + used, len - used, ")");
}

/* The text of a step's cells: metric, setup, before, after, change. */
typedef struct step_text {
    char metric[256], setup[1024], before[64], after[64], change[64];
} step_text;

static void format_step(const cJSON *e, step_text *t)
{
    format_metric(e, t->metric, sizeof t->metric);
    format_setup(e, t->setup, sizeof t->setup);
    format_value(item(e, item(e, "base") ? "base" : "base_median"), t->before, sizeof t->before);
    format_value(item(e, item(e, "new") ? "new" : "new_median"), t->after, sizeof t->after);
    format_change(item(e, "change"), t->change, sizeof t->change);
}

void pb__history_print(const cJSON *doc, FILE *f)
{
    static const char *const verdicts[] = {"regressed", "improved"};
    for (int v = 0; v < 2; v++) {
        size_t n = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, item(doc, "steps")) {
            if (strcmp(item(e, "verdict")->valuestring, verdicts[v]) != 0)
                continue;
            if (n++ == 0)
                fprintf(f, "%s (first commit, after the measured commit before it):\n",
                        v ? "improvements" : "regressions");
            step_text t;
            format_step(e, &t);
            fprintf(f, "  %.*s  %s on %s%s  %s: %s -> %s %s  (after %.*s", SHORT_SHA,
                    item(e, "commit")->valuestring, item(e, "plugin")->valuestring,
                    item(e, "problem")->valuestring, t.setup, t.metric, t.before, t.after,
                    t.change, SHORT_SHA, item(e, "previous")->valuestring);
            int unmeasured = cJSON_GetArraySize(item(e, "unmeasured"));
            if (unmeasured)
                fprintf(f, "; %d commit%s between not measured", unmeasured,
                        unmeasured == 1 ? "" : "s");
            fputs(")\n", f);
        }
        if (n == 0)
            fprintf(f, "no %s\n", v ? "improvements" : "regressions");
    }
}

/* Removes the plots of an earlier history in dir (s<digits>-...), which may be more. */
static void remove_old_plots(const char *dir)
{
    DIR *d = opendir(dir);
    const struct dirent *ent;
    while (d && (ent = readdir(d))) {
        if (ent->d_name[0] == 's' && ent->d_name[1] >= '0' && ent->d_name[1] <= '9') {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
    }
    if (d)
        closedir(d);
}

/* The trend plot of series s: its median per commit against the commit order, the first
 * commits of its regressions marked. 0, or -1 with a message. */
static int plot_series(const history *h, pb__report *r, series *s, size_t number, char *err,
                       size_t errlen)
{
    char metric[256], setup[512], safe[96];
    format_metric(s->id, metric, sizeof metric);
    format_setup(s->id, setup, sizeof setup);
    char raw[512];
    snprintf(raw, sizeof raw, "%s-%s-%s", item(s->id, "plugin")->valuestring,
             item(s->id, "problem")->valuestring, item(s->id, "name")->valuestring);
    pb__report_safe_name(raw, safe, sizeof safe);
    pb__rplot plot = {0};
    snprintf(plot.name, sizeof plot.name, "s%03zu-%s", number, safe);
    snprintf(plot.caption, sizeof plot.caption, "%.64s on %.64s%s: %s, median over seeds, per commit",
             item(s->id, "plugin")->valuestring, item(s->id, "problem")->valuestring, setup,
             metric);
    s->plot = plot;
    FILE *dat = pb__dat_open(r, plot.name, plot.caption, err, errlen);
    if (!dat)
        return -1;
    fputs("# commit number, median (nan: not measured or failed), the median again at the "
          "first commit of a regression, short sha\n",
          dat);
    size_t series_index = (size_t)(s - h->s);
    for (size_t i = 0; i < h->n; i++) {
        int marked = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, h->steps) {
            const cJSON *si = item(e, "series");
            marked |= cJSON_IsNumber(si) && (size_t)si->valuedouble == series_index &&
                      strcmp(item(e, "verdict")->valuestring, "regressed") == 0 &&
                      strcmp(item(e, "commit")->valuestring, h->c[i].sha) == 0;
        }
        fprintf(dat, "%zu ", i + 1);
        pb__dat_number(dat, s->value[i]);
        fputc(' ', dat);
        pb__dat_number(dat, marked ? s->value[i] : NAN);
        fprintf(dat, " %.*s\n", SHORT_SHA, h->c[i].sha);
    }
    if (pb__dat_close(dat, plot.name, err, errlen) != 0)
        return -1;
    FILE *gp = pb__gp_begin(r, &plot, err, errlen);
    if (!gp)
        return -1;
    /* A flat series gets a range around its value: gnuplot would warn of an empty one. */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < h->n; i++) {
        if (isfinite(s->value[i])) {
            lo = s->value[i] < lo ? s->value[i] : lo;
            hi = s->value[i] > hi ? s->value[i] : hi;
        }
    }
    if (lo == hi) {
        double pad = lo != 0 ? 0.1 * fabs(lo) : 1;
        fputs("set yrange [", gp);
        pb__dat_number(gp, lo - pad);
        fputc(':', gp);
        pb__dat_number(gp, hi + pad);
        fputs("]\n", gp);
    }
    fprintf(gp, "set xrange [0.5:%zu.5]\nset xtics rotate by -45 font ',9'\n"
                "set xlabel 'commit (oldest first)'\nset ylabel ",
            h->n);
    pb__gp_string(gp, metric);
    fputs("\nset title ", gp);
    pb__gp_string(gp, plot.caption);
    fputs(" noenhanced\n", gp);
    char cmd[1024];
    int len = snprintf(cmd, sizeof cmd,
                       "'%s.dat' using 1:2:xtic(4) with linespoints pt 7 lc rgb '#1f77b4' "
                       "title 'median'",
                       plot.name);
    if (s->regressed)
        snprintf(cmd + len, sizeof cmd - (size_t)len,
                 ", '' using 1:3 with points pt 6 ps 2.5 lw 2 lc rgb '#d62728' "
                 "title 'first commit of a regression'");
    return pb__gp_end(gp, plot.name, cmd, err, errlen);
}

/* Draws every series with a value, those with a regression first. 0, or -1. */
static int draw_plots(history *h, const pb__history_options *opt, char *err, size_t errlen)
{
    pb__report r = {0};
    char gnuplot[PATH_MAX];
    snprintf(r.dir, sizeof r.dir, "%s", opt->dir);
    snprintf(r.plots, sizeof r.plots, "%s/plots", opt->dir);
    if (pb__report_find_gnuplot(gnuplot, sizeof gnuplot, err, errlen) != 0)
        return -1;
    if (pb__mkdirs(r.plots) != 0) {
        snprintf(err, errlen, "cannot make %s", r.plots);
        return -1;
    }
    remove_old_plots(r.plots);
    int rc = 0;
    size_t number = 0;
    for (int pass = 1; pass >= 0 && rc == 0; pass--) {
        for (size_t k = 0; k < h->n_s && rc == 0; k++) {
            int any = 0;
            for (size_t i = 0; i < h->n; i++)
                any |= isfinite(h->s[k].value[i]);
            if (any && h->s[k].regressed == pass)
                rc = plot_series(h, &r, &h->s[k], ++number, err, errlen);
        }
    }
    if (rc == 0)
        rc = pb__report_run_gnuplot(&r, gnuplot, err, errlen);
    pb__report_free(&r);
    return rc;
}

/* The rows of the steps with one verdict, as an HTML table. */
static void steps_table(const history *h, const char *verdict, FILE *f)
{
    size_t n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, h->steps) {
        if (strcmp(item(e, "verdict")->valuestring, verdict) != 0)
            continue;
        if (n++ == 0)
            fputs("<table>\n<thead><tr><th>first commit</th><th>subject</th><th>algorithm</th>"
                  "<th>problem</th><th>metric</th><th>before</th><th>after</th><th>change</th>"
                  "<th>after commit</th><th>not measured between</th></tr></thead>\n<tbody>\n",
                  f);
        step_text t;
        format_step(e, &t);
        fprintf(f, "<tr><td><code>%.*s</code></td><td>", SHORT_SHA, item(e, "commit")->valuestring);
        pb__html_text(f, item(e, "subject")->valuestring);
        fputs("</td><td>", f);
        pb__html_text(f, item(e, "plugin")->valuestring);
        pb__html_text(f, t.setup);
        fputs("</td><td>", f);
        pb__html_text(f, item(e, "problem")->valuestring);
        fputs("</td><td>", f);
        const cJSON *si = item(e, "series");
        const char *plot = cJSON_IsNumber(si) ? h->s[(size_t)si->valuedouble].plot.name : "";
        if (plot[0])
            fprintf(f, "<a href=\"#%s\">", plot);
        pb__html_text(f, t.metric);
        fprintf(f, "%s</td><td>", plot[0] ? "</a>" : "");
        pb__html_text(f, t.before);
        fputs("</td><td>", f);
        pb__html_text(f, t.after);
        fprintf(f, "</td><td>%s</td><td><code>%.*s</code></td><td>%d</td></tr>\n", t.change,
                SHORT_SHA, item(e, "previous")->valuestring,
                cJSON_GetArraySize(item(e, "unmeasured")));
    }
    fputs(n ? "</tbody>\n</table>\n" : "<p>None.</p>\n", f);
}

/* dir/index.html. 0, or -1 with a message. */
static int write_page(const history *h, const pb__history_options *opt, char *err, size_t errlen)
{
    char path[PATH_MAX + 16], title[512];
    snprintf(path, sizeof path, "%s/index.html", opt->dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    snprintf(title, sizeof title, "plugbench history: %s", opt->range);
    pb__html_page_begin(f, title);
    const cJSON *counts = item(h->doc, "counts");
    fprintf(f,
            "<p class=\"note\">%d commits, oldest first; %d measured. A step is a change "
            "between consecutive measured commits that <code>plugbench compare</code> calls a "
            "regression or an improvement (instructions: beyond %g%%; quality and targets: "
            "the U test at alpha %g and beyond %g%%). Lower is better.</p>\n",
            item(counts, "commits")->valueint, item(counts, "measured")->valueint,
            100 * opt->cmp.instructions_threshold, opt->cmp.alpha, 100 * opt->cmp.threshold);
    fputs("<h2>Regressions</h2>\n", f);
    steps_table(h, "regressed", f);
    fputs("<h2>Improvements</h2>\n", f);
    steps_table(h, "improved", f);
    fputs("<h2>Commits</h2>\n<table class=\"inputs\">\n<thead><tr><th>#</th><th>commit</th>"
          "<th>subject</th><th>status</th><th>logs</th></tr></thead>\n<tbody>\n",
          f);
    const cJSON *c;
    size_t i = 0;
    cJSON_ArrayForEach(c, h->commits) {
        fprintf(f, "<tr><td>%zu</td><td><code>%.*s</code></td><td>", ++i, SHORT_SHA,
                item(c, "sha")->valuestring);
        pb__html_text(f, item(c, "subject")->valuestring);
        fputs("</td><td>", f);
        pb__html_text(f, item(c, "status")->valuestring);
        if (cJSON_IsString(item(c, "note"))) {
            fputs(": ", f);
            pb__html_text(f, item(c, "note")->valuestring);
        }
        fputs("</td><td>", f);
        static const char *const logs[] = {"build.log", "run.log"};
        for (int k = 0; k < 2; k++) {
            char log[PATH_MAX + 300];
            snprintf(log, sizeof log, "%s/%s/%s", opt->dir, h->c[i - 1].dir, logs[k]);
            if (access(log, F_OK) != 0)
                continue;
            fputs(" <a href=\"", f);
            pb__html_text(f, h->c[i - 1].dir);
            fprintf(f, "/%s\">%s</a>", logs[k], logs[k]);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</tbody>\n</table>\n<h2>Series</h2>\n", f);
    size_t plotted = 0;
    for (int pass = 1; pass >= 0; pass--) {
        for (size_t k = 0; k < h->n_s; k++) {
            const series *s = &h->s[k];
            if (!s->plot.name[0] || s->regressed != pass)
                continue;
            fprintf(f, "<div id=\"%s\">\n", s->plot.name);
            pb__html_figure(f, &s->plot);
            fputs("</div>\n", f);
            plotted++;
        }
    }
    if (!plotted)
        fprintf(f, "<p>%s</p>\n", opt->plots ? "No series: fewer than two commits measured."
                                             : "Not drawn (--no-plots).");
    fputs("<footer><p class=\"note\">Written by plugbench " PB_VERSION
          " (plugbench history); history.json holds the series and steps.</p></footer>\n"
          "</body>\n</html>\n",
          f);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}

/* The document's commits and counts; loads the results of the measured commits. */
static int load_commits(history *h)
{
    size_t measured = 0, build_failed = 0, run_failed = 0;
    for (size_t i = 0; i < h->n; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddItemToArray(h->commits, c);
        cJSON_AddStringToObject(c, "sha", h->c[i].sha);
        cJSON_AddStringToObject(c, "subject", h->c[i].subject);
        cJSON *status = cJSON_AddStringToObject(c, "status", h->c[i].status);
        build_failed += strcmp(h->c[i].status, "build failed") == 0;
        run_failed += strcmp(h->c[i].status, "run failed") == 0;
        if (strcmp(h->c[i].status, "ok") != 0)
            continue;
        char err[1024];
        if (pb__compare_load(h->c[i].results, &h->records[i], err, sizeof err) != 0) {
            cJSON_SetValuestring(status, "results unreadable");
            cJSON_AddStringToObject(c, "note", err);
            continue;
        }
        measured++;
    }
    cJSON *counts = cJSON_AddObjectToObject(h->doc, "counts");
    cJSON_AddNumberToObject(counts, "commits", (double)h->n);
    cJSON_AddNumberToObject(counts, "measured", (double)measured);
    cJSON_AddNumberToObject(counts, "build_failed", (double)build_failed);
    cJSON_AddNumberToObject(counts, "run_failed", (double)run_failed);
    return counts ? 0 : -1;
}

/* The series with their values (null: not measured, or every run failed). */
static void add_series(history *h)
{
    cJSON *all = cJSON_AddArrayToObject(h->doc, "series");
    for (size_t k = 0; k < h->n_s; k++) {
        cJSON *s = cJSON_Duplicate(h->s[k].id, 1);
        cJSON *values = cJSON_AddArrayToObject(s, "values");
        for (size_t i = 0; i < h->n; i++)
            cJSON_AddItemToArray(values, isfinite(h->s[k].value[i])
                                             ? cJSON_CreateNumber(h->s[k].value[i])
                                             : cJSON_CreateNull());
        if (h->s[k].plot.name[0])
            cJSON_AddStringToObject(s, "plot", h->s[k].plot.name);
        cJSON_AddItemToArray(all, s);
    }
}

cJSON *pb__history(const pb__history_commit *commits, size_t n, const pb__history_options *opt,
                   char *err, size_t errlen)
{
    history h = {.c = commits, .n = n, .records = calloc(n ? n : 1, sizeof(cJSON *))};
    h.doc = cJSON_CreateObject();
    int rc = -1;
    if (!h.records || !h.doc)
        goto oom;
    cJSON_AddStringToObject(h.doc, "schema", PB__HISTORY_SCHEMA);
    cJSON_AddStringToObject(h.doc, "range", opt->range);
    cJSON *metrics = cJSON_AddArrayToObject(h.doc, "metrics");
    static const char *const names[] = {"quality", "target", "time", "instructions"};
    for (unsigned b = 0; b < 4; b++)
        if (opt->cmp.metrics & (1u << b))
            cJSON_AddItemToArray(metrics, cJSON_CreateString(names[b]));
    cJSON_AddNumberToObject(h.doc, "alpha", opt->cmp.alpha);
    cJSON_AddNumberToObject(h.doc, "threshold", opt->cmp.threshold);
    cJSON_AddNumberToObject(h.doc, "instructions_threshold", opt->cmp.instructions_threshold);
    h.commits = cJSON_AddArrayToObject(h.doc, "commits");
    h.steps = cJSON_AddArrayToObject(h.doc, "steps");
    if (!h.steps || load_commits(&h) != 0 || find_steps(&h, &opt->cmp) != 0)
        goto oom;
    size_t regressions = 0, improvements = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, h.steps) {
        regressions += strcmp(item(e, "verdict")->valuestring, "regressed") == 0;
        improvements += strcmp(item(e, "verdict")->valuestring, "improved") == 0;
    }
    cJSON *counts = (cJSON *)item(h.doc, "counts");
    cJSON_AddNumberToObject(counts, "regressions", (double)regressions);
    cJSON_AddNumberToObject(counts, "improvements", (double)improvements);
    cJSON_AddStringToObject(h.doc, "verdict", regressions ? "regressed" : "ok");
    if (opt->plots && draw_plots(&h, opt, err, errlen) != 0)
        goto out;
    add_series(&h);
    if (write_page(&h, opt, err, errlen) != 0)
        goto out;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/history.json", opt->dir);
    if (pb__json_write_atomic(path, h.doc, err, errlen) != 0)
        goto out;
    rc = 0;
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(h.records ? h.records[i] : NULL);
    free(h.records);
    for (size_t k = 0; k < h.n_s; k++) {
        free(h.s[k].key);
        cJSON_Delete(h.s[k].id);
        free(h.s[k].value);
    }
    free(h.s);
    pb__strmap_free(&h.index);
    if (rc != 0) {
        cJSON_Delete(h.doc);
        return NULL;
    }
    return h.doc;
}
