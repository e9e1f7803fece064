/* The plugbench command line: one function per subcommand, and what they share. */
#ifndef PLUGBENCH_CLI_H
#define PLUGBENCH_CLI_H

#include <limits.h>
#include <stddef.h>

#include "compare.h"
#include "loader.h"

/* Exit codes. */
#define PB_EXIT_OK 0
#define PB_EXIT_FAILED 1 /* check failed, or the suite was interrupted */
#define PB_EXIT_USAGE 2  /* bad usage, config or plugin */

#define PB_MAX_DIRS 16

int pb_cmd_list(int argc, char **argv);
int pb_cmd_describe(int argc, char **argv);
int pb_cmd_run(int argc, char **argv);
int pb_cmd_check(int argc, char **argv);
int pb_cmd_bench(int argc, char **argv);
int pb_cmd_compare(int argc, char **argv);
int pb_cmd_report(int argc, char **argv);
int pb_cmd_merge(int argc, char **argv);
int pb_cmd_slurm(int argc, char **argv);
int pb_cmd_remeasure(int argc, char **argv);
int pb_cmd_tune(int argc, char **argv);
int pb_cmd_history(int argc, char **argv);
int pb_cmd_reproduce(int argc, char **argv);

/* compare's defaults, which history shares; metrics 0: chosen once the files are read. */
#define PB_COMPARE_DEFAULTS                                                                   \
    {.metrics = 0, .alpha = 0.05, .threshold = 0.05, .instructions_threshold = 0.01}

/*
 * Reads option a with its value val (not NULL) when a is one of the options compare and
 * history share: --metrics, --alpha, --threshold, --instructions-threshold, into opt.
 * Returns 1 when it read one, 0 when a is none of them, -1 after a usage error on stderr
 * (naming command).
 */
int pb_compare_flag(const char *command, const char *a, const char *val, pb__compare_options *opt);
int pb_cmd_export(int argc, char **argv);

/* The plugin search directories after --plugin-dir flags (see pb__plugin_dirs). */
typedef struct pb_dirs {
    const char *given[PB_MAX_DIRS];
    size_t n_given;
    char paths[PB_MAX_DIRS + 8][PATH_MAX];
    size_t n;
} pb_dirs;

/* Resolves the search path from the given directories. */
void pb_dirs_resolve(pb_dirs *dirs);

/* pb_plugin_arg's answer when the command goes on to its next argument. */
#define PB_ARG_NEXT (-1)

/*
 * Reads argv[*i] for a command that finds plugins (list, describe, check, bench), once
 * the command has seen it is none of its own options: -h or --help prints usage to
 * stdout; --plugin-dir DIR adds DIR to dirs and moves *i past it; a word that does not
 * start with '-' is the plugin argument, stored in *plugin while that is NULL (plugin
 * NULL: the command takes none); anything else is a usage error naming command. Returns
 * PB_ARG_NEXT, or the command's exit code: PB_EXIT_OK after the help, PB_EXIT_USAGE after
 * the error.
 */
int pb_plugin_arg(int argc, char **argv, int *i, pb_dirs *dirs, const char **plugin,
                  const char *command, const char *usage);

/*
 * Loads the plugin named by a command's plugin argument spec (a name or a .so path) from
 * the search path of dirs, which it resolves. Returns 0 with *plugin loaded, PB_EXIT_USAGE
 * after a usage error when spec is NULL ("which plugin?"), or -1 with a message in err
 * when the plugin cannot be loaded (for the command to report).
 */
int pb_plugin_load_arg(const char *command, const char *spec, pb_dirs *dirs,
                       pb__plugin_file *plugin, char *err, size_t errlen);

/* Prints "plugbench: " and the message to stderr; returns PB_EXIT_USAGE. */
int pb_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Is arg "-h" or "--help"? */
int pb_is_help(const char *arg);

#endif
