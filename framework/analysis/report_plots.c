/*
 * gnuplot for the report: scripts that draw each plot twice (SVG, then PNG through
 * cairo), the data files they read, one gnuplot process for all of them, and the
 * convergence curves of every problem. See report_internal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "numfmt.h"
#include "report_internal.h"

extern char **environ;

/* Log axes cannot show 0: smaller values are drawn on this floor (and the axis says so). */
#define PLOT_FLOOR 1e-15
#define PLOT_SIZE "960,600"

/* Tableau's ten colors: distinguishable, also for the common color blindnesses. */
static const char *const palette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

/* The color of algorithm a by its place among the algorithms of the kind (a static string). */
const char *pb__report_color(const pb__report_data *data, size_t kind, size_t a)
{
    size_t place = data->has[kind * data->n_algorithms + a];
    return palette[(place ? place - 1 : 0) % (sizeof palette / sizeof palette[0])];
}

/* Is c a control character (C0 or DEL)? */
static int is_control(char c)
{
    return (unsigned char)c < 0x20 || c == 0x7f;
}

/*
 * Quotes s for gnuplot; see report_internal.h. In a single-quoted string gnuplot expands
 * nothing (no backquote, no macro, no backslash escape): only the quote itself needs
 * doubling, and a line break would end the command.
 */
void pb__gp_string(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("''", f);
        else if (!is_control(*s))
            fputc(*s, f);
    }
    fputc('\'', f);
}

/* Writes s for a comment line; see report_internal.h. */
void pb__dat_text(FILE *f, const char *s)
{
    for (; *s; s++)
        fputc(is_control(*s) ? ' ' : *s, f);
}

/* Shortest exact digits (numfmt.h); non-finite values as nan, which gnuplot skips. */
void pb__dat_number(FILE *f, double v)
{
    char buf[PB__NUMBER_CHARS];
    fputs(isfinite(v) ? pb__format_double(v, buf) : "nan", f);
}

/* The step function of an ECDF over [x_start, x_end]; see report_internal.h. */
void pb__dat_steps(FILE *f, const double *sorted, size_t n, size_t total, double x_start,
                   double x_end)
{
    size_t k = 0;
    double y = 0;
    while (k < n && sorted[k] <= x_start)
        k++;
    y = total ? (double)k / (double)total : 0;
    pb__dat_number(f, x_start);
    fputc(' ', f);
    pb__dat_number(f, y);
    fputc('\n', f);
    while (k < n && sorted[k] <= x_end) {
        double x = sorted[k];
        pb__dat_number(f, x);
        fputc(' ', f);
        pb__dat_number(f, y);
        fputc('\n', f);
        while (k < n && sorted[k] == x)
            k++;
        y = (double)k / (double)total;
        pb__dat_number(f, x);
        fputc(' ', f);
        pb__dat_number(f, y);
        fputc('\n', f);
    }
    pb__dat_number(f, x_end);
    fputc(' ', f);
    pb__dat_number(f, y);
    fputc('\n', f);
}

/* Opens plots/<name>.dat with a comment saying what it holds; the caller closes it. */
FILE *pb__dat_open(const pb__report *r, const char *name, const char *what, char *err,
                   size_t errlen)
{
    char path[PATH_MAX + 200];
    snprintf(path, sizeof path, "%s/%s.dat", r->plots, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return NULL;
    }
    fputs("# plugbench report: ", f);
    pb__dat_text(f, what);
    fputc('\n', f);
    return f;
}

int pb__dat_close(FILE *dat, const char *name, char *err, size_t errlen)
{
    if (fclose(dat) == 0)
        return 0;
    snprintf(err, errlen, "cannot write %s.dat", name);
    return -1;
}

/*
 * Registers the plot (for the index) and its script (for gnuplot), opens plots/<name>.gp
 * and writes what every plot shares; the caller finishes it with pb__gp_end.
 */
FILE *pb__gp_begin(pb__report *r, const pb__rplot *plot, char *err, size_t errlen)
{
    if (r->n_plots == r->cap_plots) {
        size_t cap = r->cap_plots ? 2 * r->cap_plots : 32;
        pb__rplot *grown = realloc(r->plots_list, cap * sizeof *grown);
        char **scripts = grown ? realloc(r->scripts, cap * sizeof *scripts) : NULL;
        if (grown)
            r->plots_list = grown;
        if (!scripts) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        r->scripts = scripts;
        r->cap_plots = cap;
    }
    char path[PATH_MAX + 200];
    snprintf(path, sizeof path, "%s/%s.gp", r->plots, plot->name);
    size_t len = strlen(plot->name) + 4;
    char *script = malloc(len);
    FILE *gp = script ? fopen(path, "w") : NULL;
    if (!gp) {
        snprintf(err, errlen, "cannot write %s: %s", path, script ? strerror(errno) : "no memory");
        free(script);
        return NULL;
    }
    snprintf(script, len, "%s.gp", plot->name);
    r->scripts[r->n_scripts++] = script;
    r->plots_list[r->n_plots++] = *plot;
    /* A script's comment ends at the line break; a backslash before it would continue it
     * onto the next line, which is kept a line of its own by a space after it. */
    size_t len_caption = strlen(plot->caption);
    fputs("# plugbench report: ", gp);
    pb__dat_text(gp, plot->caption);
    fputs(len_caption && plot->caption[len_caption - 1] == '\\' ? " \n" : "\n", gp);
    fprintf(gp,
            "# Draws %s.svg and %s.png; run `gnuplot %s.gp` in this directory.\n"
            "reset\nset encoding utf8\nset decimalsign '.'\nset datafile missing 'nan'\n"
            "set grid\nset key outside right top noenhanced\n"
            "set style fill transparent solid 0.2 noborder\n",
            plot->name, plot->name, plot->name);
    return gp;
}

/* The same plot command twice: SVG, then PNG (cairo); closes gp. */
int pb__gp_end(FILE *gp, const char *name, const char *plot, char *err, size_t errlen)
{
    fprintf(gp,
            "set terminal svg size " PLOT_SIZE " dynamic enhanced font 'sans,12' "
            "background rgb 'white'\nset output '%s.svg'\nplot %s\n",
            name, plot);
    fprintf(gp,
            "set terminal pngcairo size " PLOT_SIZE " enhanced font 'sans,11' "
            "background rgb 'white'\nset output '%s.png'\nplot %s\nunset output\n",
            name, plot);
    if (fclose(gp) != 0) {
        snprintf(err, errlen, "cannot write %s.gp: %s", name, strerror(errno));
        return -1;
    }
    return 0;
}

/* Searches PATH the way execvp would; the caller's path gets the executable. */
int pb__report_find_gnuplot(char *path, size_t len, char *err, size_t errlen)
{
    const char *dirs = getenv("PATH");
    if (!dirs || !*dirs)
        dirs = "/usr/bin:/bin";
    while (*dirs) {
        size_t n = strcspn(dirs, ":");
        snprintf(path, len, "%.*s/gnuplot", (int)(n ? n : 1), n ? dirs : ".");
        if (access(path, X_OK) == 0)
            return 0;
        dirs += n + (dirs[n] == ':');
    }
    snprintf(err, errlen,
             "gnuplot not found on PATH: the report needs it to draw its plots "
             "(Debian: apt-get install gnuplot-nox)");
    return -1;
}

/* The first line of a file that looks like an error message, for a one-line report. */
static void first_error_line(const char *path, char *out, size_t len)
{
    FILE *f = fopen(path, "r");
    char line[512];
    out[0] = '\0';
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!out[0] || strstr(line, "line ") || strstr(line, "rror"))
            snprintf(out, len, "%s", line);
        if (strstr(line, "line ") || strstr(line, "rror"))
            break;
    }
    if (f)
        fclose(f);
}

/*
 * One gnuplot process for every script, in plots/ (the scripts name their files
 * relatively), its output in plots/gnuplot.log (removed when empty). 0, or -1 with the
 * first error line of gnuplot.
 */
int pb__report_run_gnuplot(pb__report *r, const char *gnuplot, char *err, size_t errlen)
{
    if (r->n_scripts == 0)
        return 0;
    char log[PATH_MAX + 32];
    snprintf(log, sizeof log, "%s/gnuplot.log", r->plots);
    /* Built before fork: the child only calls async-signal-safe functions. */
    char **argv = calloc(r->n_scripts + 2, sizeof *argv);
    size_t n_env = 0;
    while (environ[n_env])
        n_env++;
    char **env = calloc(n_env + 2, sizeof *env);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int rc = -1;
    if (!argv || !env || fd < 0) {
        snprintf(err, errlen, "cannot run gnuplot: %s", fd < 0 ? strerror(errno) : "no memory");
        goto out;
    }
    argv[0] = (char *)gnuplot;
    for (size_t i = 0; i < r->n_scripts; i++)
        argv[i + 1] = r->scripts[i];
    /* C.UTF-8 for gnuplot whatever the user's locale: '.' in numbers, UTF-8 in labels. */
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++)
        if (strncmp(environ[i], "LC_", 3) != 0 && strncmp(environ[i], "LANG=", 5) != 0)
            env[k++] = environ[i];
    env[k++] = "LC_ALL=C.UTF-8";
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "cannot run gnuplot: %s", strerror(errno));
        goto out;
    }
    if (pid == 0) {
        if (chdir(r->plots) != 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
            _exit(126);
        int null = open("/dev/null", O_RDONLY);
        if (null >= 0)
            dup2(null, 0);
        execve(gnuplot, argv, env);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        if (lseek(fd, 0, SEEK_END) == 0)
            unlink(log); /* gnuplot had nothing to say */
        rc = 0;
    } else {
        char line[512];
        first_error_line(log, line, sizeof line);
        snprintf(err, errlen, "gnuplot failed (%s; see %s)", line[0] ? line : "no message", log);
    }
out:
    if (fd >= 0)
        close(fd);
    free(argv);
    free(env);
    return rc;
}

/* Frees a curve's arrays (not the curve). */
static void curve_free(pb__rcurve *c)
{
    free(c->x);
    for (int i = 0; i < 3; i++)
        free(c->q[i]);
}

/*
 * The values the runs hold at the current x, as counts over the distinct values in
 * ascending order (a Fenwick tree): a value in or out in log time, and the i-th smallest
 * value of those held found in log time.
 */
typedef struct held {
    const double *distinct; /* ascending */
    size_t n_distinct, top; /* top: the largest power of two <= n_distinct */
    size_t *tree;           /* 1-based Fenwick counts */
    size_t total;
} held;

/* Adds (d = 1) or removes (d = -1) one occurrence of distinct[v]. */
static void held_change(held *h, size_t v, int d)
{
    h->total += (size_t)d;
    for (size_t i = v + 1; i <= h->n_distinct; i += i & (~i + 1))
        h->tree[i] += (size_t)d;
}

/* The i-th smallest held value (0-based, i < total): pb__quantile_by's accessor. */
static double held_at(const void *ctx, size_t i)
{
    const held *h = ctx;
    size_t pos = 0, rest = i + 1;
    for (size_t step = h->top; step; step >>= 1)
        if (pos + step <= h->n_distinct && h->tree[pos + step] < rest) {
            pos += step;
            rest -= h->tree[pos];
        }
    return h->distinct[pos];
}

/* From x on, run `run` holds trace point `point` (0: the run starts to contribute). */
typedef struct step {
    double x;
    size_t run, point;
} step;

static int cmp_step(const void *a, const void *b)
{
    double x = ((const step *)a)->x, y = ((const step *)b)->x;
    return (x > y) - (x < y);
}

/* The index of v among the ascending distinct[0..n) (v is one of them). */
static size_t distinct_index(const double *distinct, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (distinct[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/*
 * The curve of runs[0..count); see report_internal.h.
 *
 * The values at each x are those of pb__trace_values_at with hold, found by a sweep
 * rather than by walking every run at every x (which made the curve quadratic in the
 * runs: by seconds, every run adds abscissas of its own). A run contributes from its first
 * point's x on (always when that x is NaN: NaN > x is false), and holds its point i from
 * the largest of the x of points 1..i on (never past a NaN x, where the walk stops); the
 * values held are kept as counts in a Fenwick tree, which gives the quartiles.
 */
int pb__report_curve(const pb__rrun *runs, size_t count, int by_seconds, pb__rcurve *c)
{
    size_t total = 0;
    for (size_t i = 0; i < count; i++)
        total += runs[i].n;
    size_t alloc = total ? total : 1;
    step *steps = malloc(alloc * sizeof *steps);
    double *distinct = malloc(alloc * sizeof *distinct);
    size_t *tree = calloc(alloc + 1, sizeof *tree), *at = malloc(alloc * sizeof *at);
    size_t *first = malloc((count ? count : 1) * sizeof *first);
    size_t *point = malloc((count ? count : 1) * sizeof *point);
    unsigned char *in = calloc(count ? count : 1, 1);
    c->x = malloc(alloc * sizeof *c->x);
    for (int i = 0; i < 3; i++)
        c->q[i] = malloc(alloc * sizeof *c->q[i]);
    int rc = -1;
    if (!steps || !distinct || !tree || !at || !first || !point || !in || !c->x || !c->q[0] ||
        !c->q[1] || !c->q[2])
        goto out;
    size_t m = 0, n_steps = 0, n_distinct = 0;
    for (size_t r = 0, base = 0; r < count; base += runs[r].n, r++) {
        const double *xs = by_seconds ? runs[r].seconds : runs[r].cost;
        first[r] = base;
        point[r] = 0;
        for (size_t j = 0; j < runs[r].n; j++) {
            if (isfinite(xs[j]))
                c->x[m++] = xs[j];
            if (!isnan(runs[r].value[j]))
                distinct[n_distinct++] = runs[r].value[j];
        }
        if (runs[r].n == 0)
            continue;
        steps[n_steps++] = (step){isnan(xs[0]) ? -INFINITY : xs[0], r, 0};
        double from = -INFINITY;
        for (size_t j = 1; j < runs[r].n && !isnan(xs[j]); j++) {
            from = xs[j] > from ? xs[j] : from;
            steps[n_steps++] = (step){from, r, j};
        }
    }
    pb__sort_doubles(c->x, m);
    pb__sort_doubles(distinct, n_distinct);
    size_t u = 0;
    for (size_t i = 0; i < n_distinct; i++)
        if (u == 0 || distinct[u - 1] != distinct[i])
            distinct[u++] = distinct[i];
    for (size_t r = 0; r < count; r++)
        for (size_t j = 0; j < runs[r].n; j++)
            at[first[r] + j] = isnan(runs[r].value[j])
                                   ? SIZE_MAX
                                   : distinct_index(distinct, u, runs[r].value[j]);
    qsort(steps, n_steps, sizeof *steps, cmp_step);
    held h = {distinct, u, 1, tree, 0};
    while (h.top * 2 <= u)
        h.top *= 2;
    c->n = 0;
    for (size_t j = 0, s = 0; j < m; j++) {
        if (c->n && c->x[c->n - 1] == c->x[j])
            continue;
        double x = c->x[c->n] = c->x[j];
        for (; s < n_steps && steps[s].x <= x; s++) {
            size_t r = steps[s].run, old = at[first[r] + point[r]];
            if (in[r] && old != SIZE_MAX)
                held_change(&h, old, -1);
            if (steps[s].point == 0)
                in[r] = 1;
            else if (steps[s].point > point[r])
                point[r] = steps[s].point;
            size_t now = at[first[r] + point[r]];
            if (in[r] && now != SIZE_MAX)
                held_change(&h, now, 1);
        }
        c->q[0][c->n] = pb__quantile_by(h.total, 0.25, held_at, &h);
        c->q[1][c->n] = pb__quantile_by(h.total, 0.5, held_at, &h);
        c->q[2][c->n] = pb__quantile_by(h.total, 0.75, held_at, &h);
        c->n++;
    }
    rc = 0;
out:
    free(steps);
    free(distinct);
    free(tree);
    free(at);
    free(first);
    free(point);
    free(in);
    return rc;
}

/* One row of a curve's data: x and the three quartiles, floored for a log axis. */
static void curve_row(FILE *f, double x, const pb__rcurve *c, size_t i, double floor)
{
    pb__dat_number(f, x);
    for (int q = 0; q < 3; q++) {
        double v = c->q[q][i];
        fputc(' ', f);
        pb__dat_number(f, !isnan(floor) && v < floor ? floor : v);
    }
    fputc('\n', f);
}

/* The plot of problem p against the cost (by_seconds 0) or algorithm seconds. */
static int plot_problem(pb__report *r, size_t p, int by_seconds, char *err, size_t errlen)
{
    const pb__report_data *d = &r->data;
    const pb__rproblem *prob = &d->problems[p];
    const pb__rkind *kind = &d->kinds[prob->kind];
    const char *axis = by_seconds ? "seconds" : kind->cost_unit;
    pb__rcurve *curves = calloc(d->n_algorithms ? d->n_algorithms : 1, sizeof *curves);
    size_t n_curves = 0;
    int rc = -1;
    if (!curves)
        goto nomem;
    /* ymin: the smallest positive value (for a log axis); ylo: the smallest of all. */
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY, ylo = INFINITY;
    int clipped = 0;
    for (size_t a = 0; a < d->n_algorithms; a++) {
        size_t count, first = pb__report_runs_of(d, p, a, &count);
        if (count == 0)
            continue;
        pb__rcurve *c = &curves[n_curves++];
        c->algorithm = a;
        c->runs = count;
        for (size_t i = first; i < first + count; i++)
            c->failed += !d->runs[i].ok;
        if (pb__report_curve(&d->runs[first], count, by_seconds, c) != 0)
            goto nomem;
        for (size_t i = 0; i < c->n; i++) {
            xmin = c->x[i] < xmin ? c->x[i] : xmin;
            xmax = c->x[i] > xmax ? c->x[i] : xmax;
            for (int q = 0; q < 3; q++) {
                double v = c->q[q][i];
                if (isnan(v))
                    continue;
                ymax = v > ymax ? v : ymax;
                ylo = v < ylo ? v : ylo;
                if (v > 0)
                    ymin = v < ymin ? v : ymin;
                clipped |= v < PLOT_FLOOR;
            }
        }
    }
    if (!(xmax >= xmin) || !isfinite(ymax)) {
        rc = 0; /* no trace data at all: no plot */
        goto out;
    }
    int logx = xmin > 0 && xmax / xmin >= 10;
    int logy = ymin > 0 && isfinite(ymin) && ymax / (ymin > PLOT_FLOOR ? ymin : PLOT_FLOOR) >= 100;
    double floor = logy ? PLOT_FLOOR : NAN;
    pb__rplot plot = {.section = PB__RPLOT_CONVERGENCE, .kind = prob->kind, .problem = p};
    /* At most 32 + 1 + 80 + 1 + 7 characters: plot.name holds them. A kind is of
     * [a-z0-9_] (pb__record_check): the first '-' ends it, so no two (kind, id) meet. */
    char safe_kind[33], safe_id[81];
    pb__report_safe_name(kind->name, safe_kind, sizeof safe_kind);
    pb__report_safe_name(prob->id, safe_id, sizeof safe_id);
    snprintf(plot.name, sizeof plot.name, "%s-%s-%s", safe_kind, safe_id,
             by_seconds ? "seconds" : "cost");
    snprintf(plot.caption, sizeof plot.caption,
             "%s: %s against %s, median over seeds with "
             "the 25-75%% band",
             prob->id, kind->metric, axis);
    FILE *dat = pb__dat_open(r, plot.name, plot.caption, err, errlen);
    if (!dat)
        goto out;
    fprintf(dat,
            "# one block per algorithm (gnuplot index 0, 1, ...), as steps: %s q25 "
            "median q75; finished runs hold their last value\n",
            axis);
    for (size_t i = 0, blocks = 0; i < n_curves; i++) {
        const pb__rcurve *c = &curves[i];
        if (c->n == 0)
            continue; /* no block: gnuplot would warn about it */
        fputs(blocks++ ? "\n\n# " : "# ", dat);
        pb__dat_text(dat, d->algorithms[c->algorithm].label);
        fprintf(dat, ": %zu runs, %zu failed\n", c->runs, c->failed);
        for (size_t j = 0; j < c->n; j++) {
            if (j > 0)
                curve_row(dat, c->x[j], c, j - 1, floor);
            curve_row(dat, c->x[j], c, j, floor);
        }
    }
    if (pb__dat_close(dat, plot.name, err, errlen) != 0)
        goto out;
    FILE *gp = pb__gp_begin(r, &plot, err, errlen);
    if (!gp)
        goto out;
    fputs("set title ", gp);
    pb__gp_string(gp, plot.caption);
    fputs(" noenhanced\nset xlabel ", gp);
    pb__gp_string(gp, by_seconds ? "algorithm seconds" : axis);
    fputs(" noenhanced\nset ylabel ", gp);
    char ylabel[256];
    snprintf(ylabel, sizeof ylabel, "%s%s", kind->metric,
             logy && clipped ? " (values below 1e-15 drawn at 1e-15)" : "");
    pb__gp_string(gp, ylabel);
    /* A margin, so that a curve on the smallest or largest value is not hidden by the border. */
    fprintf(gp, " noenhanced\nset offsets 0, 0, graph 0.03, graph 0.03\n%s%s",
            logx ? "set logscale x\nset format x '10^{%L}'\n" : "",
            logy ? "set logscale y\nset format y '10^{%L}'\n" : "");
    /* One abscissa or one value (a trace of one point): a range around it, not a warning. */
    if (xmin == xmax)
        fprintf(gp, "set xrange [%.17g:%.17g]\n", xmin > 0 ? xmin / 2 : xmin - 1,
                xmin > 0 ? xmax * 2 : xmax + 1);
    if (ylo == ymax) {
        double half = ylo == 0 ? 1 : fabs(ylo) / 2;
        fprintf(gp, "set yrange [%.17g:%.17g]\n", ylo - half, ylo + half);
    }
    char *cmd = NULL;
    size_t cmd_len = 0;
    FILE *m = open_memstream(&cmd, &cmd_len);
    if (!m) {
        fclose(gp);
        goto nomem;
    }
    for (size_t i = 0, b = 0; i < n_curves; i++) {
        const pb__rcurve *c = &curves[i];
        const char *color = pb__report_color(d, prob->kind, c->algorithm);
        char title[300];
        snprintf(title, sizeof title, "%s (%zu run%s%s", d->algorithms[c->algorithm].label, c->runs,
                 c->runs == 1 ? "" : "s", c->failed ? ", " : ")");
        if (c->failed)
            snprintf(title + strlen(title), sizeof title - strlen(title), "%zu failed%s)",
                     c->failed, c->n ? "" : ", no trace");
        const char *sep = i ? ", " : "";
        /* Runs without any trace point still get their legend entry: nothing vanishes. */
        if (c->n == 0)
            fprintf(m, "%sNaN with lines lw 2 lc rgb '%s' title ", sep, color);
        /* A curve of one point (a trace with only its final point) is a point with a bar. */
        else if (c->n == 1)
            fprintf(m,
                    "%s'%s.dat' index %zu using 1:3:2:4 with yerrorbars pt 7 ps 1.5 lw 2 "
                    "lc rgb '%s' title ",
                    sep, plot.name, b++, color);
        else {
            fprintf(m,
                    "%s'%s.dat' index %zu using 1:2:4 with filledcurves lc rgb '%s' notitle, "
                    "'' index %zu using 1:3 with lines lw 2 lc rgb '%s' title ",
                    sep, plot.name, b, color, b, color);
            b++;
        }
        pb__gp_string(m, title);
    }
    fclose(m);
    rc = pb__gp_end(gp, plot.name, cmd, err, errlen);
    free(cmd);
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
    rc = -1;
out:
    for (size_t i = 0; curves && i < n_curves; i++)
        curve_free(&curves[i]);
    free(curves);
    return rc;
}

/* Two plots per problem: against the cost unit and against algorithm seconds. */
int pb__report_convergence(pb__report *r, char *err, size_t errlen)
{
    for (size_t p = 0; p < r->data.n_problems; p++)
        for (int by_seconds = 0; by_seconds < 2; by_seconds++)
            if (plot_problem(r, p, by_seconds, err, errlen) != 0)
                return -1;
    return 0;
}
