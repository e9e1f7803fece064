/* plugbench list: installed plugins, then the problem kinds and their families. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: plugbench list [--plugin-dir DIR]...\n"
    "\n"
    "Lists the installed plugins (name, kind, version, summary) and, for each problem kind,\n"
    "its problem families with their id patterns and the default problems.\n"
    "\n"
    "  --plugin-dir DIR   search DIR for plugins first (repeatable; also $PLUGBENCH_PLUGIN_PATH)\n";

int pb_cmd_list(int argc, char **argv)
{
    pb_dirs dirs = {0};
    for (int i = 1; i < argc; i++) {
        int rc = pb_plugin_arg(argc, argv, &i, &dirs, NULL, "list", usage);
        if (rc != PB_ARG_NEXT)
            return rc;
    }
    pb_dirs_resolve(&dirs);
    enum { MAX = 256 };
    pb__plugin_file *plugins = calloc(MAX, sizeof *plugins);
    if (!plugins)
        return PB_EXIT_FAILED;
    size_t n = pb__plugin_scan(dirs.paths, dirs.n, plugins, MAX, 1);
    printf("plugins (%zu):\n", n);
    for (size_t i = 0; i < n; i++) {
        const pb_plugin *d = plugins[i].desc;
        printf("  %-20s %-12s %-8s %s\n", d->name, d->kind, d->version, d->summary);
        pb__plugin_unload(&plugins[i]);
    }
    if (n == 0) {
        printf("  none found in:");
        for (size_t i = 0; i < dirs.n; i++)
            printf(" %s", dirs.paths[i]);
        printf("\n");
    }
    free(plugins);
    for (uint32_t k = 0; k < pb__n_kinds; k++) {
        const pb__kind *kind = pb__kinds[k];
        printf("\nproblems of kind %s (%s; cost unit: %s):\n", kind->abi_kind, kind->doc,
               kind->cost_unit);
        for (uint32_t f = 0; kind->families[f]; f++)
            printf("  %-36s %s\n", kind->families[f]->pattern, kind->families[f]->doc);
        printf("  default problems:");
        for (uint32_t p = 0; kind->default_problems[p]; p++)
            printf(" %s", kind->default_problems[p]);
        printf("\n");
    }
    return PB_EXIT_OK;
}
