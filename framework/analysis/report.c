/*
 * The report, start to end: load the inputs, compute the leaderboards, write the data
 * files and gnuplot scripts of every plot, the pages, and run gnuplot once over all the
 * scripts. See report.h.
 */
#include "report.h"

#include <assert.h>
#include <errno.h>
#include <libgen.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "results_file.h"

/* The defaults of report.h, by value. */
pb__report_options pb__report_defaults(void)
{
    return (pb__report_options){.target = NAN, .tau = PB__REPORT_DEFAULT_TAU};
}

/* dirname(results) + "/report" into the caller's dir. */
void pb__report_default_dir(const char *results, char *dir, size_t len)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", results);
    snprintf(dir, len, "%s/report", dirname(copy));
}

/* Frees the scripts, plots, leaderboards and data r owns; r itself is the caller's. */
void pb__report_free(pb__report *r)
{
    for (size_t i = 0; i < r->n_scripts; i++)
        free(r->scripts[i]);
    free(r->scripts);
    free(r->plots_list);
    for (size_t k = 0; r->rows && k < r->data.n_kinds; k++)
        free(r->rows[k]);
    free(r->rows);
    free(r->n_rows);
    pb__report_data_free(&r->data);
}

/* qsort order of plots by file name. */
static int cmp_plot_name(const void *a, const void *b)
{
    return strcmp((*(const pb__rplot *const *)a)->name, (*(const pb__rplot *const *)b)->name);
}

/*
 * Checks that no two plots share a file name. Names are unique by construction unless a
 * results file holds a problem id made to equal another one's hashed form (see
 * pb__report_safe_name): then one plot would silently replace the other. 0, -1 (out of
 * memory) or PB__REPORT_BAD_INPUT, with a message.
 */
static int check_plot_names(const pb__report *r, char *err, size_t errlen)
{
    const pb__rplot **sorted = malloc((r->n_plots ? r->n_plots : 1) * sizeof *sorted);
    if (!sorted) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < r->n_plots; i++)
        sorted[i] = &r->plots_list[i];
    qsort(sorted, r->n_plots, sizeof *sorted, cmp_plot_name);
    int rc = 0;
    for (size_t i = 1; i < r->n_plots && rc == 0; i++) {
        if (strcmp(sorted[i]->name, sorted[i - 1]->name) != 0)
            continue;
        snprintf(err, errlen, "two plots would be written to plots/%s.svg: \"%.200s\" and "
                 "\"%.200s\" (problem ids that map to one file name)",
                 sorted[i]->name, sorted[i - 1]->caption, sorted[i]->caption);
        rc = PB__REPORT_BAD_INPUT;
    }
    free(sorted);
    return rc;
}

/*
 * Loads, checks for gnuplot, creates dir/plots, then computes and writes everything and
 * runs gnuplot; see report.h for what it returns. The inputs are only read.
 */
int pb__report_write(const char *const *inputs, size_t n, const char *dir,
                     const pb__report_options *opt, char *err, size_t errlen)
{
    assert(n > 0 && opt->tau > 0 && opt->tau < 1);
    pb__report r = {.opt = *opt};
    snprintf(r.dir, sizeof r.dir, "%s", dir);
    snprintf(r.plots, sizeof r.plots, "%s/plots", dir);
    /*
     * Data files and pages in the C locale whatever the caller set: a decimal comma would
     * break gnuplot and every reader of the data. uselocale changes this thread only.
     */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t previous = c_locale ? uselocale(c_locale) : (locale_t)0;
    char gnuplot[PATH_MAX];
    int rc = pb__report_load(inputs, n, opt->target, &r.data, err, errlen);
    if (rc != 0)
        goto out;
    rc = -1;
    if (pb__report_find_gnuplot(gnuplot, sizeof gnuplot, err, errlen) != 0)
        goto out;
    if (pb__mkdirs(r.plots) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", r.plots, strerror(errno));
        goto out;
    }
    if (pb__report_leaderboards(&r, err, errlen) != 0 ||
        pb__report_convergence(&r, err, errlen) != 0 || pb__report_profiles(&r, err, errlen) != 0)
        goto out;
    if ((rc = check_plot_names(&r, err, errlen)) != 0)
        goto out;
    rc = -1;
    if (pb__report_pages(&r, err, errlen) != 0 ||
        pb__report_run_gnuplot(&r, gnuplot, err, errlen) != 0)
        goto out;
    rc = 0;
out:
    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    pb__report_free(&r);
    return rc;
}
