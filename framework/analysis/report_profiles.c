/*
 * The plots that compare algorithms across the problems of a kind: runtime ECDFs over the
 * kind's fixed targets (blackbox: COCO's), and the performance and data profiles under Moré
 * and Wild's convergence test. See report_internal.h for what they show.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "stats.h"

/* set title with two or three lines (line3 may be NULL); never read as enhanced markup. */
static void gp_title(FILE *gp, const char *line1, const char *line2, const char *line3)
{
    fputs("set title ", gp);
    pb__gp_string(gp, line1);
    fputs(".\"\\n\".", gp);
    pb__gp_string(gp, line2);
    if (line3) {
        fputs(".\"\\n\".", gp);
        pb__gp_string(gp, line3);
    }
    fputs(" noenhanced\n", gp);
}

/* The axis labels, never read as enhanced-text markup. */
static void gp_labels(FILE *gp, const char *x, const char *y)
{
    fputs("set xlabel ", gp);
    pb__gp_string(gp, x);
    fputs(" noenhanced\nset ylabel ", gp);
    pb__gp_string(gp, y);
    fputs(" noenhanced\n", gp);
}

/*
 * Finishes the script of a plot of fractions against a log x axis (the ECDFs and the
 * profiles): the axis labels, then x_axis (the lines that set the log scale and its format),
 * x from xstart to xend, y from 0 to 1 and the key, and the plot command. pb__gp_end's result.
 */
static int gp_fractions_end(FILE *gp, const char *name, const char *xlabel, const char *ylabel,
                            const char *x_axis, double xstart, double xend, const char *cmd,
                            char *err, size_t errlen)
{
    gp_labels(gp, xlabel, ylabel);
    fprintf(gp,
            "%sset xrange [%g:%g]\n"
            "set yrange [-0.02:1.02]\nset ytics 0, 0.2, 1\n"
            "set key right bottom inside noenhanced\n",
            x_axis, xstart, xend);
    return pb__gp_end(gp, name, cmd, err, errlen);
}

/* A plot command written piece by piece: into f, a memory stream, until cmd_close. */
typedef struct plot_cmd {
    FILE *f;
    char *text;
    size_t len;
} plot_cmd;

/* Opens c (zeroed before); 0, or -1 when out of memory. */
static int cmd_open(plot_cmd *c)
{
    c->f = open_memstream(&c->text, &c->len);
    return c->f ? 0 : -1;
}

/* Closes c's stream: c->text then holds the command. */
static void cmd_close(plot_cmd *c)
{
    fclose(c->f);
    c->f = NULL;
}

/* Frees what c holds, closed or not. */
static void cmd_free(plot_cmd *c)
{
    if (c->f)
        fclose(c->f);
    free(c->text);
}

/* The algorithms with runs in kind k, in order; returns their count. */
static size_t kind_algorithms(const pb__report_data *d, size_t k, size_t *out)
{
    size_t n = 0;
    for (size_t a = 0; a < d->n_algorithms; a++)
        if (pb__report_kind_has(d, k, a))
            out[n++] = a;
    return n;
}

/* The runs of problem p: [returned index, *end). The runs are sorted by problem, so this is
 * two binary searches, not a pass over every run per problem (quadratic in the problems). */
static size_t runs_of_problem(const pb__report_data *d, size_t p, size_t *end)
{
    size_t count;
    *end = p + 1 < d->n_problems ? pb__report_runs_of(d, p + 1, 0, &count) : d->n_runs;
    return pb__report_runs_of(d, p, 0, &count);
}

/* A problem's dimension for per-dimension costs; 1 when the kind has none. */
static double dim_of(const pb__rproblem *p) { return p->dimension > 0 ? p->dimension : 1; }

/*
 * The runtime ECDF of kind k over the problems of dimension dim (NaN: all), in the style of
 * COCO: per algorithm, over its runs and the kind's fixed targets, the fraction of (problem,
 * target) pairs reached within x units of cost per dimension (per problem when the kind has
 * no dimension). Failed runs count with every target unreached.
 */
static int plot_ecdf(pb__report *r, size_t k, double dim, const size_t *algs, size_t n_algs,
                     char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    const pb__rkind *kind = &d->kinds[k];
    size_t n_problems = 0, inexact = 0, n_targets = kind->n_targets;
    double xstart = INFINITY;
    int has_dim = 0;
    for (size_t p = 0; p < d->n_problems; p++) {
        if (d->problems[p].kind != k || (!isnan(dim) && d->problems[p].dimension != dim))
            continue;
        n_problems++;
        xstart = fmin(xstart, 1 / dim_of(&d->problems[p]));
        has_dim |= d->problems[p].dimension > 0;
    }
    double *x = malloc((d->n_runs * n_targets + 1) * sizeof *x);
    double *budget = malloc((d->n_runs + 1) * sizeof *budget);
    FILE *dat = NULL, *gp = NULL;
    plot_cmd cmd = {0};
    int rc = -1;
    if (!x || !budget || cmd_open(&cmd) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    pb__rplot plot = {.section = PB__RPLOT_ECDF, .kind = k};
    char safe[64], group[64];
    pb__report_safe_name(kind->name, safe, sizeof safe);
    if (isnan(dim))
        snprintf(group, sizeof group, "all dimensions");
    else
        snprintf(group, sizeof group, "d=%g", dim);
    if (isnan(dim))
        snprintf(plot.name, sizeof plot.name, "%s-ecdf-all", safe);
    else
        snprintf(plot.name, sizeof plot.name, "%s-ecdf-d%g", safe, dim);
    char first[32], last[32], xunit[96];
    pb__report_power(kind->targets[0], 0, first, sizeof first);
    pb__report_power(kind->targets[n_targets - 1], 0, last, sizeof last);
    snprintf(plot.caption, sizeof plot.caption,
             "Runtime ECDF, %s, %s: %zu problem%s, %zu targets %s … %s on %s", kind->name, group,
             n_problems, n_problems == 1 ? "" : "s", n_targets, first, last, kind->metric);
    if (!(dat = pb__dat_open(r, plot.name, plot.caption, err, errlen)))
        goto out;
    snprintf(xunit, sizeof xunit, has_dim ? "%s/dimension" : "%s", kind->cost_unit);
    fprintf(dat, "# per algorithm two blocks: the ECDF as steps (%s, "
                 "fraction), then the median run length as one point\n", xunit);
    double xend_all = xstart;
    size_t shown = 0; /* algorithms with runs on these problems: two data blocks each */
    for (size_t i = 0; i < n_algs; i++) {
        size_t n = 0, total = 0, nb = 0;
        /* Its runs in the order of the runs (by problem): per problem, a binary search. */
        for (size_t q = 0; q < d->n_problems; q++) {
            const pb__rproblem *p = &d->problems[q];
            if (p->kind != k || (!isnan(dim) && p->dimension != dim))
                continue;
            size_t count, first = pb__report_runs_of(d, q, algs[i], &count);
            for (size_t j = first; j < first + count; j++) {
                const pb__rrun *run = &d->runs[j];
                total += n_targets;
                budget[nb++] = run->final_cost / dim_of(p);
                inexact += run->ok && !run->hits_exact;
                for (size_t t = 0; t < n_targets; t++)
                    if (isfinite(run->hits[t]))
                        x[n++] = run->hits[t] / dim_of(p);
            }
        }
        if (total == 0)
            continue;
        pb__sort_doubles(x, n);
        pb__sort_doubles(budget, nb);
        double xend = budget[nb - 1];
        xend = n && x[n - 1] > xend ? x[n - 1] : xend;
        xend_all = fmax(xend_all, xend);
        double median_budget = pb__median(budget, nb);
        fputs(shown ? "\n\n# " : "# ", dat);
        pb__dat_text(dat, d->algorithms[algs[i]].label);
        fprintf(dat, ": %zu of %zu (run, target) pairs reached\n", n, total);
        pb__dat_steps(dat, x, n, total, xstart, xend);
        fputs("\n\n", dat);
        pb__dat_number(dat, median_budget);
        fputc(' ', dat);
        pb__dat_number(dat, pb__ecdf_at(x, n, total, median_budget));
        fputc('\n', dat);
        const char *color = pb__report_color(d, k, algs[i]);
        fprintf(cmd.f, "%s'%s.dat' index %zu with lines lw 2 lc rgb '%s' title ",
                shown ? ", " : "", plot.name, 2 * shown, color);
        pb__gp_string(cmd.f, d->algorithms[algs[i]].label);
        fprintf(cmd.f, ", '' index %zu with points pt 2 ps 2 lw 2 lc rgb '%s' notitle", 2 * shown + 1,
                color);
        shown++;
    }
    cmd_close(&cmd);
    if (pb__dat_close(dat, plot.name, err, errlen) != 0 ||
        !(gp = pb__gp_begin(r, &plot, err, errlen)))
        goto out;
    char line1[320], line2[300];
    snprintf(line1, sizeof line1, "Runtime ECDF, %s, %s: %zu problem%s, %zu targets %s … %s",
             kind->name, group, n_problems, n_problems == 1 ? "" : "s", n_targets, first, last);
    snprintf(line2, sizeof line2, "hits %s; x: median run length; failed runs reach no target",
             inexact ? "at trace resolution for some runs" : "at the exact evaluation");
    gp_title(gp, line1, line2, NULL);
    snprintf(xunit, sizeof xunit, has_dim ? "%s / dimension" : "%s", kind->cost_unit);
    rc = gp_fractions_end(gp, plot.name, xunit,
                          "fraction of (problem, target) pairs reached, over runs",
                          "set logscale x\nset format x '10^{%L}'\n", xstart, xend_all * 1.5,
                          cmd.text, err, errlen);
out: /* the data file is closed before any jump here that follows its opening */
    cmd_free(&cmd);
    free(x);
    free(budget);
    return rc;
}

/* The profiles' inputs for kind k: problems run by every algorithm, and t[p][s]. */
typedef struct profile_data {
    size_t *problems, n_problems;
    double *t, *ratios, *per_dim; /* [p * n_algs + s] */
    double *threshold;            /* per problem */
} profile_data;

/* Frees the arrays of pd (not pd). */
static void profile_free(profile_data *pd)
{
    free(pd->problems);
    free(pd->t);
    free(pd->ratios);
    free(pd->per_dim);
    free(pd->threshold);
}

/*
 * For each problem of kind k that every algorithm ran: Moré and Wild's threshold (m_best:
 * the best main metric of any ok run; m_start: the median over ok runs of their first
 * trace value; for kinds with fixed targets rounded down to one of them) and t[p][s], the
 * median over the seeds of algorithm s of the cost at which a run first passed it (+inf
 * for a failed run, or one that never passed).
 */
static int profile_compute(const pb__report *r, size_t k, const size_t *algs, size_t n_algs,
                           profile_data *pd)
{
    const pb__report_data *d = &r->data;
    size_t np = d->n_problems ? d->n_problems : 1, na = n_algs ? n_algs : 1;
    pd->problems = malloc(np * sizeof *pd->problems);
    pd->t = malloc(np * na * sizeof *pd->t);
    pd->ratios = malloc(np * na * sizeof *pd->ratios);
    pd->per_dim = malloc(np * na * sizeof *pd->per_dim);
    pd->threshold = malloc(np * sizeof *pd->threshold);
    double *v = malloc((d->n_runs + 1) * sizeof *v);
    const double *targets = d->kinds[k].targets;
    size_t n_targets = d->kinds[k].n_targets;
    if (!pd->problems || !pd->t || !pd->ratios || !pd->per_dim || !pd->threshold || !v) {
        free(v);
        return -1;
    }
    for (size_t p = 0; p < d->n_problems; p++) {
        if (d->problems[p].kind != k)
            continue;
        int all = 1;
        for (size_t s = 0; s < n_algs && all; s++) {
            size_t count;
            pb__report_runs_of(d, p, algs[s], &count);
            all = count > 0;
        }
        if (!all)
            continue;
        double best = INFINITY;
        size_t n_start = 0, end;
        for (size_t i = runs_of_problem(d, p, &end); i < end; i++) {
            const pb__rrun *run = &d->runs[i];
            if (!run->ok)
                continue;
            for (size_t j = 0; j < run->n; j++)
                best = fmin(best, run->value[j]); /* fmin skips NaN */
            for (size_t j = 0; j < run->n; j++)
                if (!isnan(run->value[j])) {
                    v[n_start++] = run->value[j];
                    break;
                }
        }
        size_t q = pd->n_problems++;
        pd->problems[q] = p;
        /* No ok run at all: nobody passes (-inf), and the problem still counts. */
        pd->threshold[q] = isfinite(best)
                               ? pb__more_wild_threshold(pb__median(v, n_start), best, r->opt.tau)
                               : -INFINITY;
        /*
         * With fixed targets, the threshold goes down to the next of them: the test gets
         * stricter by less than one step between targets (COCO's: a factor 10^0.2), and the
         * runs' costs become exact (target_hits) instead of trace points 1, 2, 5 x 10^k apart.
         */
        int fixed = -1;
        for (size_t t = 0; fixed < 0 && t < n_targets; t++)
            if (targets[t] <= pd->threshold[q])
                fixed = (int)t;
        /* Not a step or more above the largest target: that would be far stricter. */
        double step = n_targets > 1 ? targets[0] / targets[1] : 1;
        if (fixed == 0 && pd->threshold[q] >= targets[0] * step)
            fixed = -1;
        if (fixed >= 0)
            pd->threshold[q] = targets[fixed];
        for (size_t s = 0; s < n_algs; s++) {
            size_t count, first = pb__report_runs_of(d, p, algs[s], &count);
            for (size_t i = 0; i < count; i++) {
                const pb__rrun *run = &d->runs[first + i];
                v[i] = !run->ok ? INFINITY
                       : fixed >= 0
                           ? run->hits[fixed]
                           : pb__first_at_or_below(run->cost, run->value, run->n, pd->threshold[q]);
            }
            pd->t[q * n_algs + s] = pb__median(v, count);
            pd->per_dim[q * n_algs + s] = pd->t[q * n_algs + s] / (dim_of(&d->problems[p]) + 1);
        }
    }
    free(v);
    pb__performance_ratios(pd->t, pd->n_problems, n_algs, pd->ratios);
    return 0;
}

/* A number in a comment line: as in the data, but infinities spelled out. */
static void comment_number(FILE *f, double v)
{
    if (isinf(v))
        fputs(v > 0 ? "inf" : "-inf", f);
    else
        pb__dat_number(f, v);
}

/* One profile plot: data profile when data is nonzero, else the performance profile. */
static int plot_profile(pb__report *r, size_t k, const size_t *algs, size_t n_algs,
                        const profile_data *pd, int data, char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    const pb__rkind *kind = &d->kinds[k];
    const double *m = data ? pd->per_dim : pd->ratios;
    size_t np = pd->n_problems;
    double *x = malloc((np + 1) * sizeof *x);
    FILE *dat = NULL, *gp = NULL;
    plot_cmd cmd = {0};
    int rc = -1;
    if (!x || cmd_open(&cmd) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    int has_dim = 0;
    double xstart = 1, xend = 2;
    for (size_t q = 0; q < np; q++) {
        const pb__rproblem *p = &d->problems[pd->problems[q]];
        has_dim |= p->dimension > 0;
        for (size_t s = 0; s < n_algs; s++)
            if (isfinite(m[q * n_algs + s]))
                xend = fmax(xend, m[q * n_algs + s] * (data ? 1.5 : 1.1));
        if (data) {
            xstart = q ? fmin(xstart, 1 / (dim_of(p) + 1)) : 1 / (dim_of(p) + 1);
            size_t end;
            for (size_t i = runs_of_problem(d, pd->problems[q], &end); i < end; i++)
                xend = fmax(xend, d->runs[i].final_cost / (dim_of(p) + 1));
        }
    }
    pb__rplot plot = {.section = PB__RPLOT_PROFILE, .kind = k};
    char safe[64], tau[32], test[300], tline[300];
    pb__report_safe_name(kind->name, safe, sizeof safe);
    snprintf(plot.name, sizeof plot.name, "%s-%s-profile", safe, data ? "data" : "performance");
    snprintf(tau, sizeof tau, "%g", r->opt.tau);
    snprintf(test, sizeof test, "convergence test: %s ≤ m_L + τ (m_0 − m_L), τ = %s%s",
             kind->metric, tau, kind->n_targets ? ", rounded down to a fixed target" : "");
    snprintf(tline, sizeof tline,
             "t = median over seeds of the %s to pass it; failed runs never pass", kind->cost_unit);
    snprintf(plot.caption, sizeof plot.caption, "%s profile (%s), %s, %zu problems; %s; %s",
             data ? "Data" : "Performance", data ? "Moré and Wild 2009" : "Dolan and Moré 2002",
             kind->name, np, test, tline);
    if (!(dat = pb__dat_open(r, plot.name, plot.caption, err, errlen)))
        goto out;
    fprintf(dat,
            "# m_L: the best %s of any ok run on the problem; m_0: the median over ok runs "
            "of their first trace value\n# problem threshold",
            kind->metric);
    for (size_t s = 0; s < n_algs; s++) {
        fputs(" t[", dat);
        pb__dat_text(dat, d->algorithms[algs[s]].label);
        fputc(']', dat);
    }
    fputc('\n', dat);
    for (size_t q = 0; q < np; q++) {
        fputs("# ", dat);
        pb__dat_text(dat, d->problems[pd->problems[q]].id);
        fputc(' ', dat);
        comment_number(dat, pd->threshold[q]);
        for (size_t s = 0; s < n_algs; s++) {
            fputc(' ', dat);
            comment_number(dat, pd->t[q * n_algs + s]);
        }
        fputc('\n', dat);
    }
    for (size_t s = 0; s < n_algs; s++) {
        size_t n = 0;
        for (size_t q = 0; q < np; q++)
            if (isfinite(m[q * n_algs + s]))
                x[n++] = m[q * n_algs + s];
        pb__sort_doubles(x, n);
        fputs("\n\n# ", dat);
        pb__dat_text(dat, d->algorithms[algs[s]].label);
        fprintf(dat, ": %zu of %zu problems solved\n", n, np);
        pb__dat_steps(dat, x, n, np, xstart, xend);
        fprintf(cmd.f, "%s'%s.dat' index %zu with lines lw 2 lc rgb '%s' title ", s ? ", " : "",
                plot.name, s, pb__report_color(d, k, algs[s]));
        pb__gp_string(cmd.f, d->algorithms[algs[s]].label);
    }
    cmd_close(&cmd);
    if (pb__dat_close(dat, plot.name, err, errlen) != 0 ||
        !(gp = pb__gp_begin(r, &plot, err, errlen)))
        goto out;
    char line1[300];
    snprintf(line1, sizeof line1, "%s profile (%s), %s: %zu problems",
             data ? "Data" : "Performance", data ? "Moré and Wild 2009" : "Dolan and Moré 2002",
             kind->name, np);
    gp_title(gp, line1, test, tline);
    char xlabel[200];
    if (data)
        snprintf(xlabel, sizeof xlabel, has_dim ? "α: %s / (dimension + 1)" : "α: %s",
                 kind->cost_unit);
    else
        snprintf(xlabel, sizeof xlabel, "α: performance ratio t / (best t on the problem)");
    char ylabel[200];
    snprintf(ylabel, sizeof ylabel, "fraction of problems with %s ≤ α",
             data ? "t / (n+1)" : "ratio");
    if (data && !has_dim)
        snprintf(ylabel, sizeof ylabel, "fraction of problems with t ≤ α");
    rc = gp_fractions_end(gp, plot.name, xlabel, ylabel,
                          data ? "set logscale x 10\nset format x '10^{%L}'\n"
                               : "set logscale x 2\n",
                          xstart, xend, cmd.text, err, errlen);
out: /* the data file is closed before any jump here that follows its opening */
    cmd_free(&cmd);
    free(x);
    return rc;
}

/*
 * Per kind: for a kind with fixed targets a runtime ECDF per dimension and one over all
 * dimensions when there are several; then the performance and data profiles when some
 * problem was run by every algorithm of the kind. 0, or -1 with a message.
 */
int pb__report_profiles(pb__report *r, char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    size_t *algs = malloc((d->n_algorithms + 1) * sizeof *algs);
    double *dims = malloc((d->n_problems + 1) * sizeof *dims);
    int rc = -1;
    if (!algs || !dims) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < d->n_kinds; k++) {
        size_t n_algs = kind_algorithms(d, k, algs);
        if (d->kinds[k].n_targets) {
            size_t n_dims = 0;
            for (size_t p = 0; p < d->n_problems; p++)
                if (d->problems[p].kind == k && !isnan(d->problems[p].dimension))
                    dims[n_dims++] = d->problems[p].dimension;
            pb__sort_doubles(dims, n_dims);
            for (size_t i = 0; i < n_dims; i++)
                if ((i == 0 || dims[i] != dims[i - 1]) &&
                    plot_ecdf(r, k, dims[i], algs, n_algs, err, errlen) != 0)
                    goto out;
            /* All dimensions together, when there are several (or none recorded). */
            int several = n_dims == 0 || dims[0] != dims[n_dims - 1];
            if (several && plot_ecdf(r, k, NAN, algs, n_algs, err, errlen) != 0)
                goto out;
        }
        profile_data pd = {0};
        if (profile_compute(r, k, algs, n_algs, &pd) != 0) {
            profile_free(&pd);
            snprintf(err, errlen, "out of memory");
            goto out;
        }
        int failed = pd.n_problems > 0 && (plot_profile(r, k, algs, n_algs, &pd, 0, err, errlen) ||
                                           plot_profile(r, k, algs, n_algs, &pd, 1, err, errlen));
        profile_free(&pd);
        if (failed)
            goto out;
    }
    rc = 0;
out:
    free(algs);
    free(dims);
    return rc;
}
