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
 * 1 when this executable lives in the build tree (its plugins are then the build tree's,
 * its data sets the source tree's), else 0.
 */
int pb__running_from_build_tree(void);

/*
 * An installed directory: from_bindir, relative to this executable's directory (see
 * framework/meson.build), when that directory exists -- an installed tree, wherever it was
 * installed or moved to --, else configured, the absolute path the build was configured
 * with. Writes the path (canonical in the first case) to out, PATH_MAX bytes, and
 * returns out.
 */
char *pb__installed_dir(const char *from_bindir, const char *configured, char *out);

/*
 * The plugin directories, in search order: each --plugin-dir given (dirs, n_dirs), then
 * $PLUGBENCH_PLUGIN_PATH (colon-separated), then the build tree's plugins when this
 * executable runs from the build tree, else the installed plugin directory
 * (pb__installed_dir). Writes at most max paths into out; returns how many.
 */
size_t pb__plugin_dirs(const char *const *dirs, size_t n_dirs, char out[][PATH_MAX], size_t max);

/*
 * Loads every valid plugin under the directories (each .so, searched two levels deep, the
 * entries of a directory in byte order of their names), sorted by plugin name. Of two
 * plugins with one name the first found wins: the earlier directory, else the earlier
 * file name. When warn is set, invalid files and each plugin so hidden (naming the file
 * used and the file hidden) are reported to stderr as warnings. Returns the number loaded
 * into out (at most max).
 */
size_t pb__plugin_scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                       int warn);

/*
 * Resolves spec, a plugin name or a path to a .so (contains '/' or ends in ".so"), against
 * the directories, as pb__plugin_scan finds them; a plugin of that name that the one used
 * hides is reported to stderr as a warning. Returns 0, or -1 with a message (for an
 * unknown name: the known ones).
 */
int pb__plugin_resolve(const char *spec, char dirs[][PATH_MAX], size_t n_dirs,
                       pb__plugin_file *out, char *err, size_t errlen);

#endif
