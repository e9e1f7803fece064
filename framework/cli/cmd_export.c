/*
 * plugbench export --format coco|ioh DIR RESULTS...: the bbob runs of results files in the
 * files of COCO's bbob logger (for cocopp) or of IOHexperimenter's analyzer (for
 * IOHanalyzer); export.h says what is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export.h"
#include "results_file.h"

static const char usage[] =
    "usage: plugbench export --format coco|ioh [--by-step] DIR RESULTS.json...\n"
    "\n"
    "Writes the bbob runs (problem ids bbob-fNN-dD-iI, status ok) of the results files in\n"
    "the layout and files of another tool, one folder per algorithm under DIR (the plugin's\n"
    "name; name-2, name-3 for its second and third parameter set):\n"
    "  coco  COCO's bbob logger (coco-experiment 0.0.1-dev0), for cocopp:\n"
    "        DIR/ALG/bbobexp_fF.info and DIR/ALG/data_fF/bbobexp_fF_DIMD.dat\n"
    "        (target-triggered), .tdat (evaluation-triggered), .rdat and .mdat\n"
    "        (headers only)\n"
    "  ioh   IOHexperimenter's analyzer logger (ioh 0.3), for IOHanalyzer:\n"
    "        DIR/ALG/IOHprofiler_fF_NAME.json and DIR/ALG/data_fF_NAME/IOHprofiler_fF_DIMD.dat\n"
    "Runs on other problems, or whose status is not ok, are skipped with a note.\n"
    "\n"
    "Both tools log the best f after chosen evaluations, so the runs must have been recorded\n"
    "with a point after every step and no cap reached: `plugbench run --checkpoints all`\n"
    "(a run recorded otherwise is refused, naming it). Evaluation counts are exact when each\n"
    "step evaluates one point; with --by-step, runs that evaluate several points per step\n"
    "(a population) are accepted and each improvement is dated at the last evaluation of its\n"
    "step (later than it happened by less than one step, never earlier).\n"
    "\n"
    "Not in the files, since a trace does not record them: the points x, and the f of an\n"
    "evaluation that did not improve (the best f stands in; neither tool uses it).\n"
    "\n"
    "Exit status: 0 when written, 1 when a file could not be written, 2 for bad usage, an\n"
    "input that is refused, or a DIR/ALG that exists already.\n";

int pb_cmd_export(int argc, char **argv)
{
    const char *format = NULL, *dir = NULL;
    pb__export_options opt = {0};
    char err[1024];
    cJSON *records = cJSON_CreateArray();
    size_t n_inputs = 0;
    int rc = 0;
    int help = 0;
    for (int i = 1; i < argc && rc == 0 && !help; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--format") == 0 && i + 1 < argc)
            format = argv[++i];
        else if (strncmp(a, "--format=", 9) == 0)
            format = a + 9;
        else if (strcmp(a, "--by-step") == 0)
            opt.by_step = 1;
        else if (pb_is_help(a))
            help = 1;
        else if (a[0] == '-' && a[1])
            rc = pb_usage_error("export: unknown option '%s' (see plugbench export --help)", a);
        else if (!dir)
            dir = a;
        else if (n_inputs++, pb__results_load_checked(a, records, NULL, err, sizeof err) != 0)
            rc = pb_usage_error("%s", err);
    }
    if (help) {
        fputs(usage, stdout);
        cJSON_Delete(records);
        return PB_EXIT_OK;
    }
    if (rc == 0 && (!format || (strcmp(format, "coco") != 0 && strcmp(format, "ioh") != 0)))
        rc = pb_usage_error("export: --format coco or --format ioh is needed (see plugbench "
                            "export --help)");
    else if (rc == 0 && n_inputs == 0)
        rc = pb_usage_error("export: needs DIR and at least one results file (see plugbench "
                            "export --help)");
    pb__export_set set;
    if (rc == 0 && pb__export_runs_collect(records, &opt, stderr, &set, err, sizeof err) != 0)
        rc = pb_usage_error("export: %s", err);
    if (rc == 0) {
        int written = strcmp(format, "coco") == 0 ? pb__export_coco(&set, dir, err, sizeof err)
                                                  : pb__export_ioh(&set, dir, err, sizeof err);
        if (written == PB__EXPORT_EXISTS)
            rc = pb_usage_error("export: %s", err);
        else if (written != 0)
            rc = (fprintf(stderr, "plugbench: export: %s\n", err), PB_EXIT_FAILED);
        else
            printf("%zu runs of %zu algorithm%s: %s\n", set.n, set.n_labels,
                   set.n_labels == 1 ? "" : "s", dir);
        pb__export_runs_free(&set);
    }
    cJSON_Delete(records);
    return rc;
}
