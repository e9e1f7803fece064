/*
 * What the subcommands share (cli.h): plugin search directories and arguments, usage
 * errors. Apart from main.c, so that a fuzz target (tests/fuzz/) can link the option
 * parsers without plugbench's main.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

void pb_dirs_resolve(pb_dirs *dirs)
{
    dirs->n = pb__plugin_dirs(dirs->given, dirs->n_given, dirs->paths,
                              sizeof dirs->paths / sizeof dirs->paths[0]);
}

int pb_plugin_arg(int argc, char **argv, int *i, pb_dirs *dirs, const char **plugin,
                  const char *command, const char *usage)
{
    const char *arg = argv[*i];
    if (pb_is_help(arg)) {
        fputs(usage, stdout);
        return PB_EXIT_OK;
    }
    if (strcmp(arg, "--plugin-dir") == 0 && *i + 1 < argc && dirs->n_given < PB_MAX_DIRS) {
        dirs->given[dirs->n_given++] = argv[++*i];
        return PB_ARG_NEXT;
    }
    if (plugin && !*plugin && arg[0] != '-') {
        *plugin = arg;
        return PB_ARG_NEXT;
    }
    return pb_usage_error("%s: unexpected argument '%s' (see plugbench %s --help)", command, arg,
                          command);
}

int pb_plugin_load_arg(const char *command, const char *spec, pb_dirs *dirs,
                       pb__plugin_file *plugin, char *err, size_t errlen)
{
    if (!spec)
        return pb_usage_error("%s: which plugin? (see plugbench %s --help)", command, command);
    pb_dirs_resolve(dirs);
    return pb__plugin_resolve(spec, dirs->paths, dirs->n, plugin, err, errlen) == 0 ? 0 : -1;
}

int pb_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("plugbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return PB_EXIT_USAGE;
}

int pb_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }
