/*
 * Loading plugin shared objects, and finding installed plugins by name. No plugin code runs
 * in the process that loads: a probe child dlopens the file, calls its entry, validates the
 * descriptor and sends a deep copy of its data back, and the caller works from that copy.
 * Plugin code runs only where pb__plugin_open is called: in run children (isolate.h), and
 * in tests and benchmarks that run a plugin in their own process on purpose.
 */
#ifndef PLUGBENCH_LOADER_H
#define PLUGBENCH_LOADER_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "../problems/problem.h"
#include "plugbench/plugin.h"

typedef struct pb__plugin_file {
    char path[PATH_MAX];     /* canonical */
    void *handle;            /* from dlopen in this process (pb__plugin_open), else NULL */
    /* The validated descriptor: the probe's copy (its strings and parameters only; every
     * code member NULL), or, after pb__plugin_open, the .so's own. */
    const pb_plugin *desc;
    pb_plugin *copy;         /* the probe's copy, owned */
    const pb__kind *kind;    /* the kind it declares */
    char sha256[65];         /* of the file, hex */
    /* 1: it offers PB_BILEVEL_CONSTRAINTS, declaring that it handles constrained problems
     * (pb__problem.constrained); its probe asked. 0 for a descriptor made in a test. */
    int constraints;
} pb__plugin_file;

/*
 * Probes and validates the plugin at path, in a child process (see above): a plugin whose
 * constructors or entry crash, hang past the probe deadline, call exit() (whatever the
 * status), or whose descriptor is invalid -- bad pointers, strings that are not UTF-8 or
 * hold control characters, more than 1024 parameters -- fails to load. The probe child
 * enters the sandbox first when one is started (sandbox.h). Returns 0, or -1
 * with one line in err naming the file and the reason (for versions, both numbers). Free
 * with pb__plugin_unload. A plugin_file may be copied by value; unload one copy only.
 */
int pb__plugin_load(const char *path, pb__plugin_file *out, char *err, size_t errlen);

/*
 * The probe's deadline in seconds (default 10), enforced by the parent: the probe child
 * and its process group are killed with SIGKILL at it. For the tests.
 */
void pb__plugin_probe_timeout(double seconds);

/*
 * Loads the plugin into this process and makes desc its own descriptor: its constructors
 * and entry run here. Fails when the descriptor differs from the probe's copy (the values
 * of parameters were made for that one). Returns 0 (also when already open), or -1 with
 * a message. A plugin_file whose desc is not the probe's copy (already open, or a descriptor
 * a test made in this process) counts as open. Only run children, tests and benchmarks
 * call this.
 */
int pb__plugin_open(pb__plugin_file *plugin, char *err, size_t errlen);

/* Frees the probe's copy. An open plugin stays loaded: dlclose would run its destructors. */
void pb__plugin_unload(pb__plugin_file *plugin);

/*
 * In a child just forked from the harness (parent): dies with SIGKILL when the parent
 * does, leads a process group of its own, dumps no core, and an exit() there skips the
 * harness's exit handlers. Returns 0, or -1 when the parent died before the death signal
 * was set.
 */
int pb__child_detach(pid_t parent);

/* In such a child: writes all of data to the parent's pipe fd, or _exits (status 120) when
 * the parent is gone, as nothing is left to report to. */
void pb__child_send(int fd, const void *data, size_t len);

/*
 * Checks a descriptor: versions, sizes, names, required members, parameter schema, and a
 * kind this host knows. Returns 0, or -1 with the reason (without the file name) in err.
 */
int pb__plugin_validate(const pb_plugin *desc, char *err, size_t errlen);

/*
 * Writes the path of this executable (/proc/self/exe's target) to out, PATH_MAX bytes.
 * Started by something else, such as valgrind, it is still this program's own path, which
 * valgrind reports for /proc/self/exe where opening that file would start valgrind again.
 * Returns 0, or -1 when the path is unknown.
 */
int pb__self_path(char *out);

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
