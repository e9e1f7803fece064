/* plugbench: the command-line entry point, dispatching to the subcommands. */
#include <stdio.h>
#include <string.h>

#include "build_info.h"
#include "cli.h"

static const char usage[] =
    "usage: plugbench <command> [options]\n"
    "\n"
    "Benchmarks optimization and inference algorithms (plugins) on standard problems,\n"
    "each run isolated in its own process under budgets the host enforces.\n"
    "\n"
    "commands:\n"
    "  list               installed plugins and the problems they can run on\n"
    "  describe NAME      everything a plugin declares: paper, kind, parameters\n"
    "  run [options]      run algorithms x problems x seeds; no options: the default suite\n"
    "  check PLUGIN.so    conformance check of a plugin\n"
    "  bench [PLUGIN...]  time the plugins' microkernels with Google Benchmark\n"
    "  compare BASE NEW   which runs got better or worse between two results files\n"
    "  report RESULTS...  plots, leaderboards and an HTML index of results files\n"
    "  merge -o OUT FILE...  join results files (the shards of a suite) into one\n"
    "  slurm --shards N [options]  run a suite as a Slurm job array, then merge it\n"
    "  remeasure RESULTS  measure a run's saved solutions again and check its metrics\n"
    "  tune -c TUNE.json  tune every algorithm with the same trial budget, rank on held-out\n"
    "  history RANGE      measure a suite at each commit of a git range, find the steps\n"
    "  export --format coco|ioh DIR RESULTS...  bbob runs as COCO or IOHprofiler data\n"
    "  reproduce NAME|FILE  run a paper's reproduction suite; a verdict per claim\n"
    "\n"
    "`plugbench <command> --help` describes each command. --version prints the version.\n";

/* The subcommands, by the word that names them. */
static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"list", pb_cmd_list},       {"describe", pb_cmd_describe}, {"run", pb_cmd_run},
    {"check", pb_cmd_check},     {"bench", pb_cmd_bench},       {"compare", pb_cmd_compare},
    {"report", pb_cmd_report},   {"merge", pb_cmd_merge},       {"slurm", pb_cmd_slurm},
    {"remeasure", pb_cmd_remeasure}, {"tune", pb_cmd_tune},
    {"history", pb_cmd_history},   {"export", pb_cmd_export},
    {"reproduce", pb_cmd_reproduce},
};

int main(int argc, char **argv)
{
    if (argc < 2 || pb_is_help(argv[1])) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? PB_EXIT_USAGE : PB_EXIT_OK;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("plugbench %s (ABI %d.%d)\n", PB_VERSION, PB_ABI_MAJOR, PB_ABI_MINOR);
        return PB_EXIT_OK;
    }
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        if (strcmp(cmd, commands[k].name) == 0)
            return commands[k].run(argc - 1, argv + 1);
    return pb_usage_error("unknown command '%s' (try plugbench --help)", cmd);
}
