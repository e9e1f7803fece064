/* plugbench report RESULTS.json...: plots, leaderboards and an HTML index of results. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "numfmt.h"
#include "report.h"

static const char usage[] =
    "usage: plugbench report RESULTS.json... [-o DIR] [--target V] [--tau T]\n"
    "\n"
    "Draws the report of the runs in one or more results files (or journals of interrupted\n"
    "suites) with gnuplot, headless: SVG and PNG plots, leaderboards in Markdown and HTML,\n"
    "and DIR/index.html linking them all (self-contained, relative links only). Per kind:\n"
    "  - convergence per problem: the main metric against the cost unit and against\n"
    "    algorithm seconds, median over seeds with the 25-75% band;\n"
    "  - a kind whose runs record fixed targets (target_hits; blackbox: COCO's 51 targets\n"
    "    10^2..10^-8): runtime ECDFs over them (fraction of (problem, target) pairs reached\n"
    "    against cost / dimension), per dimension;\n"
    "  - performance (Dolan-More 2002) and data (More-Wild 2009) profiles over the problems\n"
    "    every algorithm ran, under the convergence test m <= m_L + tau (m_0 - m_L): m_L the\n"
    "    best main metric of any ok run, m_0 the median first trace value of the ok runs\n"
    "    (with fixed targets: rounded down to one of them, whose costs are exact);\n"
    "  - a leaderboard: rank, success rate, median cost to reach the target, median final\n"
    "    main metric, with 95% percentile bootstrap intervals over seeds (1000 resamples,\n"
    "    fixed seed: the same results give the same report), and the mean over problems of\n"
    "    each algorithm's rank there by median final main metric. Ranked by success rate,\n"
    "    then median cost to target, then that mean rank (which does not depend on the\n"
    "    problems' scales), then median final main metric. Beside the main metric, the\n"
    "    scores the kind's papers report (context.leaderboard_metrics; policy:\n"
    "    return_last10): the mean over the ok runs, with its interval, not ranked on.\n"
    "A results file whose context has tune's protocol (tuning) gets it stated on the pages.\n"
    "A run succeeds when its status is ok and its main metric reaches the target. A run whose\n"
    "status is not ok is a failure in the leaderboards, ECDFs and profiles (no target\n"
    "reached, final quality infinite) and is listed with its message.\n"
    "\n"
    "options:\n"
    "  -o, --output DIR   where to write (files of an earlier report there are replaced);\n"
    "                     default: the first file's directory + /report\n"
    "      --target V     success target for the main metric; default: the runs' own\n"
    "                     --target when they all had the same, else 1e-8 (COCO's last)\n"
    "      --tau T        tolerance of the profiles' convergence test, in (0, 1); default 1e-3\n"
    "\n"
    "Exit status: 0 written; 1 gnuplot missing or failed, or a file cannot be written;\n"
    "2 bad usage or an input that is not a plugbench results file.\n";

/* Parses a decimal number for option name; NAN after printing the error. */
static double number(const char *name, const char *text)
{
    double v;
    if (pb__parse_decimal(text, &v) != 0) {
        pb_usage_error("report: %s expects a number, not '%s'", name, text);
        return NAN;
    }
    return v;
}

/*
 * Parses the options, writes the report and prints where its index is. Exit 0; 1 when
 * gnuplot is missing or fails or a file cannot be written; 2 for bad usage or input.
 */
int pb_cmd_report(int argc, char **argv)
{
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    if (!inputs)
        return pb_usage_error("out of memory");
    size_t n = 0;
    const char *dir = NULL;
    pb__report_options opt = pb__report_defaults();
    int rc = PB_EXIT_USAGE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            rc = PB_EXIT_OK;
            goto out;
        } else if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && has_value) {
            dir = argv[++i];
        } else if (strcmp(a, "--target") == 0 && has_value) {
            if (isnan(opt.target = number(a, argv[++i])))
                goto out;
        } else if (strcmp(a, "--tau") == 0 && has_value) {
            if (isnan(opt.tau = number(a, argv[++i])))
                goto out;
            if (!(opt.tau > 0 && opt.tau < 1)) {
                pb_usage_error("report: --tau must lie in (0, 1), not '%s'", argv[i]);
                goto out;
            }
        } else if (a[0] != '-') {
            inputs[n++] = a;
        } else {
            pb_usage_error("report: unexpected argument '%s' (see plugbench report --help)", a);
            goto out;
        }
    }
    if (n == 0) {
        pb_usage_error("report: which results file? (see plugbench report --help)");
        goto out;
    }
    char default_dir[PATH_MAX + 8], err[2048];
    if (!dir) {
        pb__report_default_dir(inputs[0], default_dir, sizeof default_dir);
        dir = default_dir;
    }
    int status = pb__report_write(inputs, n, dir, &opt, err, sizeof err);
    if (status == PB__REPORT_BAD_INPUT) {
        pb_usage_error("%s", err);
    } else if (status != 0) {
        fprintf(stderr, "plugbench: report: %s\n", err);
        rc = PB_EXIT_FAILED;
    } else {
        printf("report: %s/index.html\n", dir);
        rc = PB_EXIT_OK;
    }
out:
    free(inputs);
    return rc;
}
