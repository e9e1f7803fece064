/*
 * plugbench reproduce NAME|FILE: runs a paper's reproduction suite (suite.h, docs/suites.md)
 * through `plugbench run` and prints each claim's verdict; --list shows the shipped suites.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_info.h"
#include "cli.h"
#include "loader.h"
#include "readfile.h"
#include "results_file.h"
#include "suite.h"

static const char usage[] =
    "usage: plugbench reproduce NAME|FILE [options]\n"
    "       plugbench reproduce --list\n"
    "\n"
    "Runs a paper's reproduction suite -- a run config whose \"suite\" block states the\n"
    "paper's claims as data (docs/suites.md) -- through `plugbench run` (each run isolated,\n"
    "in parallel with -j, taken from the run cache with --cache), then prints per claim the\n"
    "paper's figure, ours and the verdict. NAME is a shipped suite (cbo-paper, or its\n"
    "plugin's name, cbo); FILE a path to one (it contains a '/' or ends in .json).\n"
    "\n"
    "options (passed to run; the suite fixes algorithms, problems, seeds and budgets):\n"
    "  -j, --jobs N          runs in parallel\n"
    "  -o, --output FILE     results file (default reports/out/NAME/results.json)\n"
    "      --cache DIR       reuse and store runs in the run cache DIR\n"
    "      --timeout S, --memory MB, --plugin-dir DIR, --sandbox, --resume, -q, --no-plots\n"
    "  --list                the shipped suites: name, plugin, claims, expected run time\n"
    "\n"
    "Suites are read from $PLUGBENCH_SUITE_DIR, else the source tree's suites/ when run\n"
    "from the build tree, else the installed share/plugbench/suites.\n"
    "\n"
    "Exit status: 0 when every claim holds, 1 when one fails (or the suite was\n"
    "interrupted), 2 for an unknown suite, a malformed suite file or bad usage.\n";

/* run's options that a reproduction may set: they change where and how, not what, runs. */
static const struct {
    const char *shortname, *longname;
    int takes_value;
} passed[] = {
    {"-j", "--jobs", 1},     {"-o", "--output", 1},  {NULL, "--cache", 1},
    {NULL, "--timeout", 1},  {NULL, "--memory", 1},  {NULL, "--plugin-dir", 1},
    {NULL, "--sandbox", 0},  {NULL, "--resume", 0},  {"-q", "--quiet", 0},
    {NULL, "--no-plots", 0},
};

/* The directory of the shipped suites (see the usage). */
static const char *suite_dir(char out[PATH_MAX])
{
    const char *env = getenv("PLUGBENCH_SUITE_DIR");
    if (env && *env)
        return env;
    if (pb__running_from_build_tree())
        return PB_SUITE_SOURCE_DIR;
    return pb__installed_dir(PB_SUITE_DIR_FROM_BINDIR, PB_SUITE_INSTALL_DIR, out);
}

/*
 * Reads and checks the suite file path: *doc the whole config (the caller's to delete),
 * *suite its parsed block. Returns 0, or -1 with a message.
 */
static int load_suite(const char *path, cJSON **doc, pb__suite *suite, char *err, size_t errlen)
{
    size_t len;
    char *text = pb__read_file(path, &len);
    if (!text) {
        snprintf(err, errlen, "cannot read suite %s: %s", path, strerror(errno));
        return -1;
    }
    *doc = cJSON_ParseWithLength(text, len);
    free(text);
    const cJSON *block = cJSON_GetObjectItemCaseSensitive(*doc, "suite");
    char why[512];
    if (!cJSON_IsObject(*doc) || !block) {
        snprintf(err, errlen, "%s: not a suite (a JSON run config with a \"suite\" block)", path);
    } else if (pb__suite_parse(block, suite, why, sizeof why) != 0) {
        snprintf(err, errlen, "%s: %s", path, why);
    } else {
        return 0;
    }
    cJSON_Delete(*doc);
    *doc = NULL;
    return -1;
}

static int is_json(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* --list: one line per shipped suite. Exit 2 when a file there is malformed. */
static int list_suites(void)
{
    char buf[PATH_MAX];
    const char *dir = suite_dir(buf);
    struct dirent **entries;
    int n = scandir(dir, &entries, is_json, alphasort);
    if (n < 0)
        return pb_usage_error("reproduce: cannot read the suite directory %s: %s", dir,
                              strerror(errno));
    int rc = PB_EXIT_OK;
    printf("%-16s %-16s %6s %8s %8s  %s\n", "suite", "plugin", "claims", "cpu", "wall -j2",
           "paper");
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 256], err[1024];
        snprintf(path, sizeof path, "%s/%s", dir, entries[i]->d_name);
        cJSON *doc;
        pb__suite s;
        if (load_suite(path, &doc, &s, err, sizeof err) != 0) {
            rc = pb_usage_error("%s", err);
        } else {
            printf("%-16s %-16s %6zu %7.0fs %7.0fs  %s\n", s.name, s.plugin, s.n_claims,
                   s.cpu_seconds, s.cpu_seconds / 2, s.paper);
            pb__suite_free(&s);
            cJSON_Delete(doc);
        }
        free(entries[i]);
    }
    free(entries);
    printf("(cpu: the suite's CPU time measured here; wall -j2: the run time to expect with -j 2 "
           "on two free cores; suites in %s)\n", dir);
    return rc;
}

/* The file of suite spec: a path, or a shipped suite by name or by its plugin's name. */
static int resolve(const char *spec, char *path, size_t len)
{
    size_t n = strlen(spec);
    if (strchr(spec, '/') || (n > 5 && strcmp(spec + n - 5, ".json") == 0)) {
        snprintf(path, len, "%s", spec);
        return 0;
    }
    char buf[PATH_MAX];
    const char *dir = suite_dir(buf);
    struct stat st;
    for (int paper = 0; paper < 2; paper++) {
        if (snprintf(path, len, "%s/%s%s.json", dir, spec, paper ? "-paper" : "") < (int)len &&
            stat(path, &st) == 0)
            return 0;
    }
    return pb_usage_error("reproduce: unknown suite '%s' (plugbench reproduce --list shows "
                          "the suites in %s)",
                          spec, dir);
}

/* Prints the verdict table of suite s on the runs of results; returns the exit code. */
static int verdicts(const pb__suite *s, const char *results)
{
    cJSON *runs = cJSON_CreateArray();
    char err[1024];
    if (!runs || pb__results_load_checked(results, runs, NULL, err, sizeof err) != 0) {
        cJSON_Delete(runs);
        return pb_usage_error("reproduce: %s", err);
    }
    int rc = PB_EXIT_OK;
    printf("\nReproduction of %s (%s)\n", s->name, s->paper);
    for (size_t k = 0; k < s->n_claims && rc != PB_EXIT_USAGE; k++) {
        const pb__claim *c = &s->claims[k];
        pb__claim_result r;
        if (pb__claim_evaluate(c, runs, &r, err, sizeof err) != 0) {
            rc = pb_usage_error("reproduce: claim %zu: %s", k + 1, err);
            break;
        }
        char ours[128], condition[512];
        pb__claim_format(c, &r, ours, sizeof ours);
        pb__claim_condition(c, condition, sizeof condition);
        printf("\n%zu. %s\n   %s, %s on %s\n   paper: %s\n   ours:  %s\n   verdict: %s\n",
               k + 1, c->text, condition, c->algorithm, c->problem, c->paper, ours,
               r.holds ? "holds" : "FAILS");
        if (!r.holds)
            rc = PB_EXIT_FAILED;
    }
    if (rc != PB_EXIT_USAGE)
        printf("\n%s\n", rc == PB_EXIT_OK ? "every claim holds" : "a claim fails");
    cJSON_Delete(runs);
    return rc;
}

int pb_cmd_reproduce(int argc, char **argv)
{
    const char *spec = NULL;
    /* run's argv: "run -c FILE -o DEFAULT" and the options passed, which come later and win. */
    char **args = calloc((size_t)argc + 6, sizeof *args);
    int n = 5, rc = PB_EXIT_OK;
    if (!args)
        return pb_usage_error("out of memory");
    for (int i = 1; i < argc && rc == PB_EXIT_OK; i++) {
        const char *a = argv[i];
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            free(args);
            return PB_EXIT_OK;
        }
        if (strcmp(a, "--list") == 0) {
            free(args);
            return argc == 2 ? list_suites()
                             : pb_usage_error("reproduce: --list takes no other argument");
        }
        if (a[0] != '-') {
            rc = spec ? pb_usage_error("reproduce: one suite at a time ('%s' and '%s')", spec, a)
                      : PB_EXIT_OK;
            spec = a;
            continue;
        }
        size_t k = 0, m = sizeof passed / sizeof passed[0];
        const char *eq = strchr(a, '=');
        size_t alen = eq ? (size_t)(eq - a) : strlen(a);
        while (k < m && !((passed[k].shortname && strcmp(a, passed[k].shortname) == 0) ||
                          (strncmp(a, passed[k].longname, alen) == 0 &&
                           passed[k].longname[alen] == '\0')))
            k++;
        if (k == m) {
            rc = pb_usage_error("reproduce: option '%s' is not one reproduce passes to run (the "
                                "suite fixes what runs; see plugbench reproduce --help)", a);
            break;
        }
        args[n++] = argv[i];
        if (passed[k].takes_value && !eq) {
            if (i + 1 >= argc)
                rc = pb_usage_error("reproduce: %s needs a value", a);
            else
                args[n++] = argv[++i];
        }
    }
    if (rc == PB_EXIT_OK && !spec)
        rc = pb_usage_error("reproduce: which suite? (plugbench reproduce --list)");
    char path[PATH_MAX + 256], output[PATH_MAX], err[1024];
    cJSON *doc = NULL;
    pb__suite s = {0};
    if (rc == PB_EXIT_OK && (rc = resolve(spec, path, sizeof path)) == PB_EXIT_OK &&
        load_suite(path, &doc, &s, err, sizeof err) != 0)
        rc = pb_usage_error("reproduce: %s", err);
    if (rc == PB_EXIT_OK) {
        snprintf(output, sizeof output, "reports/out/%s/results.json", s.name);
        args[0] = "run", args[1] = "-c", args[2] = path, args[3] = "-o", args[4] = output;
        /* The last -o given wins, as in run. */
        const char *results = output;
        for (int i = 5; i < n; i++)
            if ((strcmp(args[i], "-o") == 0 || strcmp(args[i], "--output") == 0) && i + 1 < n)
                results = args[i + 1];
            else if (strncmp(args[i], "--output=", 9) == 0)
                results = args[i] + 9;
        rc = pb_cmd_run(n, args);
        if (rc == PB_EXIT_OK)
            rc = verdicts(&s, results);
    }
    pb__suite_free(&s);
    cJSON_Delete(doc);
    free(args);
    return rc;
}
