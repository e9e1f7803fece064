/* The plugbench command line: one function per subcommand, and what they share. */
#ifndef PLUGBENCH_CLI_H
#define PLUGBENCH_CLI_H

#include <limits.h>
#include <stddef.h>

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

/* The plugin search directories after --plugin-dir flags (see pb__plugin_dirs). */
typedef struct pb_dirs {
    const char *given[PB_MAX_DIRS];
    size_t n_given;
    char paths[PB_MAX_DIRS + 8][PATH_MAX];
    size_t n;
} pb_dirs;

/* Resolves the search path from the given directories. */
void pb_dirs_resolve(pb_dirs *dirs);

/* Prints "plugbench: " and the message to stderr; returns PB_EXIT_USAGE. */
int pb_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Is arg "-h" or "--help"? */
int pb_is_help(const char *arg);

#endif
