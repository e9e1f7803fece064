/*
 * Loading plugin shared objects: dlopen, the entry symbol, the version check and the
 * validation of the descriptor, and finding installed plugins by name.
 */
#ifndef PLUGBENCH_LOADER_H
#define PLUGBENCH_LOADER_H

#include <limits.h>
#include <stddef.h>

#include "../problems/problem.h"
#include "plugbench/plugin.h"

typedef struct pb__plugin_file {
    char path[PATH_MAX];
    void *handle;            /* from dlopen */
    const pb_plugin *desc;   /* validated descriptor, static in the .so */
    const pb__kind *kind;    /* the kind it declares */
    char sha256[65];         /* of the file, hex */
} pb__plugin_file;

/*
 * Loads and validates the plugin at path. Returns 0, or -1 with one line in err naming the
 * file and the reason (for versions, both numbers). Unload with pb__plugin_unload.
 */
int pb__plugin_load(const char *path, pb__plugin_file *out, char *err, size_t errlen);

void pb__plugin_unload(pb__plugin_file *plugin);

/*
 * Checks a descriptor: versions, sizes, names, required members, parameter schema, and a
 * kind this host knows. Returns 0, or -1 with the reason (without the file name) in err.
 */
int pb__plugin_validate(const pb_plugin *desc, char *err, size_t errlen);

/*
 * The plugin directories, in search order: each --plugin-dir given (dirs, n_dirs), then
 * $PLUGBENCH_PLUGIN_PATH (colon-separated), then the build tree's plugins when this
 * executable runs from the build tree, else the installed plugin directory.
 * Writes at most max paths into out; returns how many.
 */
size_t pb__plugin_dirs(const char *const *dirs, size_t n_dirs, char out[][PATH_MAX], size_t max);

/*
 * Loads every valid plugin under the directories (each .so, searched two levels deep),
 * first name wins. Invalid files are reported to stderr as warnings when warn is set.
 * Returns the number loaded into out (at most max).
 */
size_t pb__plugin_scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                       int warn);

/*
 * Resolves spec, a plugin name or a path to a .so (contains '/' or ends in ".so"), against
 * the directories. Returns 0, or -1 with a message (for an unknown name: the known ones).
 */
int pb__plugin_resolve(const char *spec, char dirs[][PATH_MAX], size_t n_dirs,
                       pb__plugin_file *out, char *err, size_t errlen);

#endif
