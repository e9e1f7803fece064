/* Plugin loading and validation; see loader.h. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build_info.h"
#include "params.h"
#include "sha256.h"

/* The size of a 1.0 descriptor: a plugin must provide at least every 1.0 member. */
#define PLUGIN_SIZE_1_0 (offsetof(pb_plugin, extension) + sizeof(void *))

static int name_ok(const char *s, const char *extra)
{
    if (!s || !*s || strlen(s) > 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || strchr(extra, *s)))
            return 0;
    return 1;
}

static int validate_param(const pb_param *p, uint32_t index, char *err, size_t errlen)
{
    if (!name_ok(p->name, "_")) {
        snprintf(err, errlen, "parameter %u has an invalid name (want [a-z0-9_]+)", index);
        return -1;
    }
    if (!p->doc) {
        snprintf(err, errlen, "parameter '%s' has no doc", p->name);
        return -1;
    }
    double d = p->default_value;
    switch (p->type) {
    case PB_PARAM_REAL:
    case PB_PARAM_INT:
        if (!(p->min <= p->max) || !(d >= p->min && d <= p->max) ||
            (p->type == PB_PARAM_INT && d != floor(d))) {
            snprintf(err, errlen, "parameter '%s': default %g is not in its range [%g, %g]",
                     p->name, d, p->min, p->max);
            return -1;
        }
        return 0;
    case PB_PARAM_BOOL:
        if (d != 0.0 && d != 1.0) {
            snprintf(err, errlen, "parameter '%s': bool default must be 0 or 1", p->name);
            return -1;
        }
        return 0;
    case PB_PARAM_CHOICE: {
        if (!p->choices || !*p->choices) {
            snprintf(err, errlen, "parameter '%s': a choice needs choices", p->name);
            return -1;
        }
        double n = 1;
        for (const char *c = p->choices; *c; c++)
            n += *c == '|';
        if (d != floor(d) || d < 0 || d >= n) {
            snprintf(err, errlen, "parameter '%s': default index %g is not one of the %g choices",
                     p->name, d, n);
            return -1;
        }
        return 0;
    }
    default:
        snprintf(err, errlen, "parameter '%s' has unknown type %u", p->name, p->type);
        return -1;
    }
}

int pb__plugin_validate(const pb_plugin *d, char *err, size_t errlen)
{
    if (d->abi_major != PB_ABI_MAJOR) {
        snprintf(err, errlen, "plugin ABI %u.%u, but this plugbench supports ABI %d.0 to %d.%d",
                 d->abi_major, d->abi_minor, PB_ABI_MAJOR, PB_ABI_MAJOR, PB_ABI_MINOR);
        return -1;
    }
    if (d->abi_minor > PB_ABI_MINOR) {
        snprintf(err, errlen,
                 "plugin ABI %u.%u is newer than this plugbench's %d.%d: update plugbench",
                 d->abi_major, d->abi_minor, PB_ABI_MAJOR, PB_ABI_MINOR);
        return -1;
    }
    if (d->struct_size < PLUGIN_SIZE_1_0) {
        snprintf(err, errlen, "descriptor struct_size %u is smaller than ABI 1.0's %zu",
                 d->struct_size, (size_t)PLUGIN_SIZE_1_0);
        return -1;
    }
    if (!name_ok(d->name, "-")) {
        snprintf(err, errlen, "plugin name is missing or not [a-z0-9-]+ (at most 64 characters)");
        return -1;
    }
    const char *missing = !d->version    ? "version"
                          : !d->summary  ? "summary"
                          : !d->citation ? "citation"
                          : !d->kind     ? "kind"
                          : !d->create   ? "create"
                          : !d->step     ? "step"
                          : !d->solution ? "solution"
                          : !d->destroy  ? "destroy"
                          : d->n_params && !d->params ? "params"
                                                      : NULL;
    if (missing) {
        snprintf(err, errlen, "plugin '%s' has no %s", d->name, missing);
        return -1;
    }
    if (!pb__kind_find(d->kind) || !strchr(d->kind, '/')) {
        snprintf(err, errlen, "plugin '%s' declares kind '%s', which this plugbench does not know",
                 d->name, d->kind);
        return -1;
    }
    for (uint32_t i = 0; i < d->n_params; i++)
        if (validate_param(&d->params[i], i, err, errlen) != 0)
            return -1;
    const char *twice = NULL;
    int dup = pb__params_duplicate(d, &twice);
    if (dup != 0) {
        snprintf(err, errlen, dup < 0 ? "out of memory checking the parameters of '%s'"
                                      : "parameter '%s' is declared twice",
                 dup < 0 ? d->name : twice);
        return -1;
    }
    return 0;
}

/*
 * dlopen runs the file's constructors, and entry() its code: both happen first in a child,
 * so that a .so that crashes or hangs there costs one message, not the harness (README:
 * "a crashing plugin costs one result row, never the suite"). Returns 0 when the child
 * survived (or could not be started: then the load goes ahead unprobed), else -1.
 */
static int probe(const char *path, char *err, size_t errlen)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        alarm(10);
        void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        pb_entry_fn entry;
        *(void **)&entry = handle ? dlsym(handle, PB_ENTRY_NAME) : NULL;
        if (entry)
            (void)entry();
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 0;
    if (!WIFSIGNALED(status))
        return 0;
    int sig = WTERMSIG(status);
    if (sig == SIGALRM)
        snprintf(err, errlen, "%s: cannot load plugin: loading it did not finish within 10 s",
                 path);
    else
        snprintf(err, errlen, "%s: cannot load plugin: loading it crashed with signal %d (%s)",
                 path, sig, strsignal(sig));
    return -1;
}

int pb__plugin_load(const char *path, pb__plugin_file *out, char *err, size_t errlen)
{
    char reason[512];
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot load plugin: %s", path, strerror(errno));
        return -1;
    }
    /* dlopen needs a slash to load a file rather than search the library path. */
    if (!realpath(path, out->path)) {
        snprintf(err, errlen, "%s: cannot load plugin: %s", path, strerror(errno));
        return -1;
    }
    if (probe(out->path, err, errlen) != 0)
        return -1;
    out->handle = dlopen(out->path, RTLD_NOW | RTLD_LOCAL);
    if (!out->handle) {
        const char *why = dlerror();
        snprintf(err, errlen, "%s: not a loadable shared object (%s)", path, why ? why : "?");
        return -1;
    }
    pb_entry_fn entry;
    *(void **)&entry = dlsym(out->handle, PB_ENTRY_NAME);
    if (!entry) {
        snprintf(err, errlen, "%s: no entry symbol '%s': not a plugbench plugin", path,
                 PB_ENTRY_NAME);
        goto fail;
    }
    out->desc = entry();
    if (!out->desc) {
        snprintf(err, errlen, "%s: the entry symbol returned no descriptor", path);
        goto fail;
    }
    if (pb__plugin_validate(out->desc, reason, sizeof reason) != 0) {
        snprintf(err, errlen, "%s: %s", path, reason);
        goto fail;
    }
    out->kind = pb__kind_find(out->desc->kind);
    if (pb__sha256_file(out->path, out->sha256) != 0) {
        snprintf(err, errlen, "%s: cannot read for its checksum: %s", path, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    dlclose(out->handle);
    memset(out, 0, sizeof *out);
    return -1;
}

void pb__plugin_unload(pb__plugin_file *plugin)
{
    if (plugin->handle)
        dlclose(plugin->handle);
    memset(plugin, 0, sizeof *plugin);
}

int pb__running_from_build_tree(void)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    size_t root = strlen(PB_BUILD_ROOT);
    return strncmp(exe, PB_BUILD_ROOT, root) == 0 && exe[root] == '/';
}

char *pb__installed_dir(const char *from_bindir, const char *configured, char *out)
{
    char exe[PATH_MAX], dir[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? memrchr(exe, '/', (size_t)n) : NULL;
    struct stat st;
    if (from_bindir[0] != '/' && slash &&
        snprintf(dir, sizeof dir, "%.*s/%s", (int)(slash - exe), exe, from_bindir) <
            (int)sizeof dir &&
        realpath(dir, out) && stat(out, &st) == 0 && S_ISDIR(st.st_mode))
        return out;
    snprintf(out, PATH_MAX, "%s", configured);
    return out;
}

static size_t add_dir(char out[][PATH_MAX], size_t n, size_t max, const char *dir, size_t len)
{
    if (n < max && len > 0 && len < PATH_MAX) {
        memcpy(out[n], dir, len);
        out[n][len] = '\0';
        return n + 1;
    }
    return n;
}

size_t pb__plugin_dirs(const char *const *dirs, size_t n_dirs, char out[][PATH_MAX], size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < n_dirs; i++)
        n = add_dir(out, n, max, dirs[i], strlen(dirs[i]));
    const char *env = getenv("PLUGBENCH_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        n = add_dir(out, n, max, env, len);
        env = colon ? colon + 1 : NULL;
    }
    char installed[PATH_MAX];
    const char *builtin =
        pb__running_from_build_tree()
            ? PB_BUILD_ROOT "/plugins"
            : pb__installed_dir(PB_PLUGIN_DIR_FROM_BINDIR, PB_PLUGIN_DIR, installed);
    return add_dir(out, n, max, builtin, strlen(builtin));
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* What a scan reports on stderr (see pb__plugin_scan). */
typedef struct scan_report {
    int invalid;             /* files that do not load */
    const char *duplicates;  /* plugins hidden by an earlier one of the same name: NULL
                                none, "" all, else only those of this name */
} scan_report;

/* Directory entries in byte order of their names, whatever the locale or the file system. */
static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Loads the .so files in dir, in name order, descending depth more levels; returns the new
 * count. Of two plugins with one name the first loaded is kept and the other unloaded, with
 * a warning naming both files (the same file reached twice is no conflict).
 */
static size_t scan_dir(const char *dir, int depth, pb__plugin_file *out, size_t n, size_t max,
                       const scan_report *say)
{
    struct dirent **entries;
    int n_entries = scandir(dir, &entries, NULL, by_name);
    if (n_entries < 0)
        return n;
    char path[PATH_MAX], err[1024];
    for (int k = 0; k < n_entries && n < max; k++) {
        const char *name = entries[k]->d_name;
        if (name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            if (depth > 0)
                n = scan_dir(path, depth - 1, out, n, max, say);
            continue;
        }
        if (!ends_with(name, ".so"))
            continue;
        if (pb__plugin_load(path, &out[n], err, sizeof err) != 0) {
            if (say->invalid)
                fprintf(stderr, "plugbench: warning: skipping %s\n", err);
            continue;
        }
        const char *plugin = out[n].desc->name;
        size_t first = 0;
        while (first < n && strcmp(out[first].desc->name, plugin) != 0)
            first++;
        if (first == n) {
            n++;
            continue;
        }
        if (strcmp(out[first].path, out[n].path) != 0 && say->duplicates &&
            (!say->duplicates[0] || strcmp(say->duplicates, plugin) == 0))
            fprintf(stderr,
                    "plugbench: warning: two plugins named '%s': using %s, hiding %s (the "
                    "first in the search order wins)\n",
                    plugin, out[first].path, out[n].path);
        pb__plugin_unload(&out[n]);
    }
    for (int k = 0; k < n_entries; k++)
        free(entries[k]);
    free(entries);
    return n;
}

static int cmp_plugin_name(const void *a, const void *b)
{
    return strcmp(((const pb__plugin_file *)a)->desc->name, ((const pb__plugin_file *)b)->desc->name);
}

/* pb__plugin_scan, saying on stderr what say asks for. */
static size_t scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                   const scan_report *say)
{
    size_t n = 0;
    for (size_t i = 0; i < n_dirs; i++)
        n = scan_dir(dirs[i], 1, out, n, max, say);
    /* Sorting after the scan keeps "first directory wins" and gives a stable listing. */
    qsort(out, n, sizeof *out, cmp_plugin_name);
    return n;
}

size_t pb__plugin_scan(char dirs[][PATH_MAX], size_t n_dirs, pb__plugin_file *out, size_t max,
                       int warn)
{
    scan_report say = {warn, warn ? "" : NULL};
    return scan(dirs, n_dirs, out, max, &say);
}

int pb__plugin_resolve(const char *spec, char dirs[][PATH_MAX], size_t n_dirs,
                       pb__plugin_file *out, char *err, size_t errlen)
{
    if (strchr(spec, '/') || ends_with(spec, ".so"))
        return pb__plugin_load(spec, out, err, errlen);
    enum { MAX_PLUGINS = 256 };
    pb__plugin_file *all = calloc(MAX_PLUGINS, sizeof *all);
    if (!all) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* Silent about other files; a plugin of this name hiding another is worth a warning. */
    scan_report say = {0, spec};
    size_t n = scan(dirs, n_dirs, all, MAX_PLUGINS, &say);
    int found = -1;
    for (size_t i = 0; i < n && found < 0; i++)
        if (strcmp(all[i].desc->name, spec) == 0) {
            found = (int)i;
            *out = all[i];
        }
    size_t used = (size_t)snprintf(err, errlen, "unknown algorithm '%s' (installed:", spec);
    for (size_t i = 0; i < n; i++) {
        if (found < 0 && used < errlen)
            used += (size_t)snprintf(err + used, errlen - used, " %s", all[i].desc->name);
        if ((int)i != found)
            pb__plugin_unload(&all[i]);
    }
    if (found < 0 && used < errlen)
        snprintf(err + used, errlen - used, "%s)", n ? "" : " none; see --plugin-dir");
    free(all);
    return found < 0 ? -1 : 0;
}
