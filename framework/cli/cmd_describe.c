/* plugbench describe NAME: everything a plugin declares. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "numfmt.h"
#include "params.h"

static const char usage[] =
    "usage: plugbench describe NAME|PLUGIN.so [--plugin-dir DIR]...\n"
    "\n"
    "Prints what the plugin declares: name, version, kind, summary, the paper it implements,\n"
    "its file and sha256, and every parameter with type, default, range and doc.\n";

int pb_cmd_describe(int argc, char **argv)
{
    pb_dirs dirs = {0};
    const char *name = NULL;
    for (int i = 1; i < argc; i++) {
        int rc = pb_plugin_arg(argc, argv, &i, &dirs, &name, "describe", usage);
        if (rc != PB_ARG_NEXT)
            return rc;
    }
    pb__plugin_file plugin;
    char err[2048];
    int rc = pb_plugin_load_arg("describe", name, &dirs, &plugin, err, sizeof err);
    if (rc < 0)
        return pb_usage_error("%s", err);
    if (rc > 0)
        return rc;
    const pb_plugin *d = plugin.desc;
    printf("name:     %s\nversion:  %s\nkind:     %s\nsummary:  %s\ncitation: %s\n"
           "file:     %s\nsha256:   %s\nabi:      %u.%u\n",
           d->name, d->version, d->kind, d->summary, d->citation, plugin.path, plugin.sha256,
           d->abi_major, d->abi_minor);
    printf("parameters (%u):\n", d->n_params);
    for (uint32_t i = 0; i < d->n_params; i++) {
        const pb_param *p = &d->params[i];
        char def[64], range[160];
        pb_value v = {0};
        if (p->type == PB_PARAM_REAL)
            v.real = p->default_value;
        else
            v.integer = (int64_t)p->default_value;
        pb__param_format(p, v, def, sizeof def);
        if (p->type == PB_PARAM_CHOICE)
            snprintf(range, sizeof range, "one of %s", p->choices);
        else if (p->type == PB_PARAM_BOOL)
            snprintf(range, sizeof range, "true|false");
        else
        {
            char lo[PB__NUMBER_CHARS], hi[PB__NUMBER_CHARS];
            snprintf(range, sizeof range, "[%s, %s]", pb__format_double(p->min, lo),
                     pb__format_double(p->max, hi));
        }
        printf("  %-16s %-6s default %-10s %s\n  %16s %s\n", p->name,
               pb__param_type_name(p->type), def, range, "", p->doc);
    }
    pb__plugin_unload(&plugin);
    return PB_EXIT_OK;
}
