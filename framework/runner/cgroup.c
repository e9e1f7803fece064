/* Memory cgroups for runs; see cgroup.h. */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sanitizers.h"

/* Writes text to dir/name. Returns 0, or -1 with errno set. */
static int write_to(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Reads dir/name into buf (NUL-terminated, cut to size). Returns 0, or -1. */
static int read_from(const char *dir, const char *name, char *buf, size_t size)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return 0;
}

static int exists(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Is word one of the words of list, separated by any of seps? */
static int has_word(const char *list, const char *word, const char *seps)
{
    size_t len = strlen(word);
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, seps);
        if (n == len && strncmp(p, word, len) == 0)
            return 1;
        p += n;
        p += strspn(p, seps);
    }
    return 0;
}

/* The number after "key " on a line of dir/name ("oom_kill 1" in memory.events), or 0. */
static unsigned long long keyed_value(const char *dir, const char *name, const char *key)
{
    char buf[4096];
    if (read_from(dir, name, buf, sizeof buf) != 0)
        return 0;
    size_t len = strlen(key);
    for (const char *line = buf; line;) {
        if (strncmp(line, key, len) == 0 && line[len] == ' ')
            return strtoull(line + len + 1, NULL, 10);
        line = strchr(line, '\n');
        line = line ? line + 1 : NULL;
    }
    return 0;
}

int pb__cgroup_own(FILE *f, const char *controller, char *path, size_t size)
{
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        /* "hierarchy-id:controller,list:/path"; v2's is "0::/path". */
        char *list = strchr(line, ':'), *cgpath = list ? strchr(list + 1, ':') : NULL;
        if (!cgpath)
            continue;
        *list++ = '\0';
        *cgpath++ = '\0';
        if (controller ? has_word(list, controller, ",")
                       : strcmp(line, "0") == 0 && list[0] == '\0') {
            snprintf(path, size, "%s", cgpath);
            return 0;
        }
    }
    return -1;
}

int pb__cgroup_dir(FILE *f, const char *fstype, const char *controller, const char *path,
                   char *dir, size_t size)
{
    char line[2 * PATH_MAX];
    while (fgets(line, sizeof line, f)) {
        /* "id parent major:minor root mountpoint options [optional...] - fstype source super" */
        char root[PATH_MAX], point[PATH_MAX], type[64], super[1024];
        char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %4095s %4095s", root, point) != 2 ||
            sscanf(dash + 3, "%63s %*s %1023s", type, super) != 2 || strcmp(type, fstype) != 0)
            continue;
        if (controller && !has_word(super, controller, ","))
            continue;
        /* A container may see a subtree mounted as its root: path is then below root. */
        size_t n = strcmp(root, "/") == 0 ? 0 : strlen(root);
        if (strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
            continue;
        snprintf(dir, size, "%s%s", point, strcmp(path + n, "/") == 0 ? "" : path + n);
        return 0;
    }
    return -1;
}

/*
 * This process's cgroup in the v1 hierarchy holding controller, or in the v2 hierarchy when
 * controller is NULL, as a directory of the mount of fstype that shows it, into dir.
 * Returns 0, or -1.
 */
static int own_cgroup_dir(const char *fstype, const char *controller, char *dir, size_t size)
{
    char path[PATH_MAX];
    FILE *f = fopen("/proc/self/cgroup", "re");
    int rc = f ? pb__cgroup_own(f, controller, path, sizeof path) : -1;
    if (f)
        fclose(f);
    f = rc == 0 ? fopen("/proc/self/mountinfo", "re") : NULL;
    rc = f ? pb__cgroup_dir(f, fstype, controller, path, dir, size) : -1;
    if (f)
        fclose(f);
    return rc;
}

/* Kills every process in the cgroup dir and waits (up to 2 s) until it is empty. */
static void kill_all(const char *dir, int version)
{
    if (version == 2)
        write_to(dir, "cgroup.kill", "1"); /* Linux 5.14 on; else the loop below does it */
    for (int round = 0; round < 2000; round++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof path, "%s/cgroup.procs", dir);
        FILE *f = fopen(path, "re");
        long pid;
        int any = 0;
        while (f && fscanf(f, "%ld", &pid) == 1)
            if (pid > 0) {
                kill((pid_t)pid, SIGKILL);
                any = 1;
            }
        if (f)
            fclose(f);
        if (!any)
            return;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

/* Removes the empty cgroup dir, waiting a little for its killed processes to leave it. */
static void remove_cgroup(const char *dir)
{
    for (int round = 0; round < 1000 && rmdir(dir) != 0 && errno == EBUSY; round++)
        nanosleep(&(struct timespec){0, 1000000}, NULL);
}

/*
 * Kills what is left in, and removes, the cgroups plugbench-<pid>[-<n>] in dir whose pid is
 * no process any more: those of a harness killed with SIGKILL.
 */
static void clean_stale(const char *dir, int version)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        long pid;
        if (sscanf(e->d_name, "plugbench-%ld", &pid) != 1 || pid <= 0 ||
            kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char path[PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        kill_all(path, version);
        remove_cgroup(path);
    }
    if (d)
        closedir(d);
}

/*
 * v2: enables the memory controller (and pids, where offered) for the children of dir,
 * the cgroup this process is in. A cgroup with processes cannot: this process then moves
 * into a leaf of its own, and back when that was not enough (others are in dir too).
 */
static int enable_v2(const char *dir, const char *leaf_name)
{
    char buf[1024];
    int on = read_from(dir, "cgroup.subtree_control", buf, sizeof buf) == 0 &&
             has_word(buf, "memory", " \n");
    if (!on && write_to(dir, "cgroup.subtree_control", "+memory") != 0) {
        if (errno != EBUSY)
            return -1;
        char leaf[PATH_MAX + 64];
        snprintf(leaf, sizeof leaf, "%s/%s", dir, leaf_name);
        if (mkdir(leaf, 0755) != 0 && errno != EEXIST)
            return -1;
        if (write_to(leaf, "cgroup.procs", "0") != 0 ||
            write_to(dir, "cgroup.subtree_control", "+memory") != 0) {
            int e = errno;
            write_to(dir, "cgroup.procs", "0");
            rmdir(leaf);
            errno = e;
            return -1;
        }
    }
    /* Also where memory was on already (in the root cgroup, which may hold processes and
     * enable controllers at once, or set up by hand): pids may not be. */
    if (read_from(dir, "cgroup.controllers", buf, sizeof buf) == 0 && has_word(buf, "pids", " \n"))
        write_to(dir, "cgroup.subtree_control", "+pids");
    return 0;
}

/* Fills cg for cgroup v2, or says in cg->why why not. Returns 0 or -1. */
static int open_v2(pb__cgroups *cg)
{
    char buf[1024], leaf[64];
    if (own_cgroup_dir("cgroup2", NULL, cg->memory, sizeof cg->memory) != 0) {
        snprintf(cg->why, sizeof cg->why, "no cgroup v2 hierarchy");
        return -1;
    }
    /* Moved into its own leaf by an earlier call: the runs' cgroups go next to it. */
    snprintf(leaf, sizeof leaf, "plugbench-%ld", (long)getpid());
    char *slash = strrchr(cg->memory, '/');
    if (slash && strcmp(slash + 1, leaf) == 0)
        *slash = '\0';
    if (read_from(cg->memory, "cgroup.controllers", buf, sizeof buf) != 0 ||
        !has_word(buf, "memory", " \n")) {
        snprintf(cg->why, sizeof cg->why, "the cgroup v2 memory controller is not delegated");
        return -1;
    }
    clean_stale(cg->memory, 2);
    if (enable_v2(cg->memory, leaf) != 0) {
        snprintf(cg->why, sizeof cg->why, "cannot enable the memory controller below %.150s: %s",
                 cg->memory, strerror(errno));
        return -1;
    }
    if (read_from(cg->memory, "cgroup.subtree_control", buf, sizeof buf) == 0 &&
        has_word(buf, "pids", " \n"))
        snprintf(cg->pids, sizeof cg->pids, "%s", cg->memory);
    cg->version = 2;
    return 0;
}

/* Fills cg for cgroup v1, or says in cg->why why not. Returns 0 or -1. */
static int open_v1(pb__cgroups *cg)
{
    if (own_cgroup_dir("cgroup", "memory", cg->memory, sizeof cg->memory) != 0)
        return -1;
    clean_stale(cg->memory, 1);
    if (own_cgroup_dir("cgroup", "pids", cg->pids, sizeof cg->pids) == 0)
        clean_stale(cg->pids, 1);
    else
        cg->pids[0] = '\0';
    cg->version = 1;
    return 0;
}

void pb__cgroups_open(pb__cgroups *cg)
{
    memset(cg, 0, sizeof *cg);
    char why[sizeof cg->why];
    if (open_v2(cg) != 0) {
        snprintf(why, sizeof why, "%s", cg->why);
        if (open_v1(cg) != 0) {
            memset(cg, 0, sizeof *cg);
            snprintf(cg->why, sizeof cg->why, "%.200s, and no cgroup v1 memory hierarchy", why);
            return;
        }
    }
    /* Whether cgroups can really be made and limited here, v1 pids aside: make one. */
    pb__cgroup probe;
    int rc = pb__cgroup_make(cg, (uint64_t)1 << 30, 1, &probe);
    if (rc != 0 && cg->pids[0]) {
        cg->pids[0] = '\0';
        rc = pb__cgroup_make(cg, (uint64_t)1 << 30, 1, &probe);
    }
    if (rc != 0) {
        int e = errno;
        snprintf(why, sizeof why, "%.180s", cg->memory);
        memset(cg, 0, sizeof *cg);
        snprintf(cg->why, sizeof cg->why, "cannot make a memory cgroup in %.150s: %s", why,
                 strerror(e));
        return;
    }
    pb__cgroup_end(&probe);
}

void pb__cgroups_describe(const pb__cgroups *cg, uint64_t memory_bytes, char *buf, size_t size)
{
    unsigned long long mib = (unsigned long long)(memory_bytes >> 20);
    if (cg->version && memory_bytes)
        snprintf(buf, size,
                 "memory cgroup v%d: %llu MiB per run, shared memory, memfd and tmpfs pages "
                 "included; max_rss_mib is the cgroup's peak",
                 cg->version, mib);
    else if (cg->version)
        snprintf(buf, size, "none (--memory 0); max_rss_mib is the run's memory cgroup's peak");
#if defined(PB__UNDER_ASAN)
    else
        snprintf(buf, size,
                 "none: no memory cgroup (%s), and RLIMIT_AS would stop AddressSanitizer; "
                 "max_rss_mib is ru_maxrss",
                 cg->why);
#else
    else if (memory_bytes)
        snprintf(buf, size,
                 "RLIMIT_AS: %llu MiB of address space per run, which shared memory, memfd and "
                 "tmpfs pages bypass (no memory cgroup: %s); max_rss_mib is ru_maxrss",
                 mib, cg->why);
    else
        snprintf(buf, size, "none (--memory 0); max_rss_mib is ru_maxrss");
#endif
}

int pb__cgroup_make(const pb__cgroups *cg, uint64_t memory_bytes, uint64_t tasks,
                    pb__cgroup *run)
{
    /* Unique in this process; the pid in the name keeps harnesses apart. */
    static unsigned long serial;
    memset(run, 0, sizeof *run);
    run->go[0] = run->go[1] = -1;
    run->peak_mib = -1;
    if (!cg->version) {
        errno = ENOTSUP;
        return -1;
    }
    char name[64], number[32];
    snprintf(name, sizeof name, "plugbench-%ld-%lu", (long)getpid(), ++serial);
    snprintf(run->memory, sizeof run->memory, "%.4000s/%s", cg->memory, name);
    if (mkdir(run->memory, 0755) != 0)
        return -1;
    run->version = cg->version;
    int v2 = cg->version == 2;
    snprintf(number, sizeof number, "%llu", (unsigned long long)memory_bytes);
    const char *limit = v2 ? "memory.max" : "memory.limit_in_bytes";
    if (memory_bytes && write_to(run->memory, limit, number))
        goto fail;
    /* Swap counts too where the kernel accounts it (v1: memory and swap together). */
    if (memory_bytes && !v2 && exists(run->memory, "memory.memsw.limit_in_bytes") &&
        write_to(run->memory, "memory.memsw.limit_in_bytes", number))
        goto fail;
    if (v2 && exists(run->memory, "memory.swap.max") &&
        write_to(run->memory, "memory.swap.max", "0"))
        goto fail;
    /* At the limit the whole run dies, not just its largest process. */
    if (v2 && exists(run->memory, "memory.oom.group"))
        write_to(run->memory, "memory.oom.group", "1");
    snprintf(number, sizeof number, "%llu", (unsigned long long)tasks);
    if (tasks && v2 && cg->pids[0] && write_to(run->memory, "pids.max", number))
        goto fail;
    if (tasks && !v2 && cg->pids[0]) {
        snprintf(run->pids, sizeof run->pids, "%.4000s/%s", cg->pids, name);
        if (mkdir(run->pids, 0755) != 0) {
            run->pids[0] = '\0';
            goto fail;
        }
        if (write_to(run->pids, "pids.max", number))
            goto fail;
    }
    /* A socket, not a pipe: the parent's send cannot raise SIGPIPE when the child is gone. */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, run->go) != 0) {
        run->go[0] = run->go[1] = -1;
        goto fail;
    }
    return 0;
fail:;
    int e = errno;
    pb__cgroup_end(run);
    errno = e;
    return -1;
}

int pb__cgroup_await(pb__cgroup *run)
{
    if (run->go[0] < 0)
        return 0;
    close(run->go[1]);
    char placed = 0;
    ssize_t n;
    while ((n = read(run->go[0], &placed, 1)) < 0 && errno == EINTR) {
    }
    close(run->go[0]);
    if (n != 1)
        _exit(121); /* the parent is gone */
    return placed == '1';
}

int pb__cgroup_attach(pb__cgroup *run, pid_t pid)
{
    if (run->go[1] < 0)
        return -1;
    close(run->go[0]);
    run->go[0] = -1;
    char number[32];
    snprintf(number, sizeof number, "%ld", (long)pid);
    int placed = write_to(run->memory, "cgroup.procs", number) == 0 &&
                 (!run->pids[0] || write_to(run->pids, "cgroup.procs", number) == 0);
    /* Without its cgroup the child falls back to RLIMIT_AS; its peak is not the cgroup's. */
    run->placed = placed;
    while (send(run->go[1], placed ? "1" : "0", 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
    close(run->go[1]);
    run->go[1] = -1;
    return placed ? 0 : -1;
}

void pb__cgroup_end(pb__cgroup *run)
{
    for (int i = 0; i < 2; i++)
        if (run->go[i] >= 0) {
            close(run->go[i]);
            run->go[i] = -1;
        }
    run->peak_mib = -1;
    run->oom_killed = 0;
    if (!run->version)
        return;
    int version = run->version;
    kill_all(run->memory, version);
    if (run->placed) {
        unsigned long long peak = 0;
        char buf[64];
        if (read_from(run->memory, version == 2 ? "memory.peak" : "memory.max_usage_in_bytes",
                      buf, sizeof buf) == 0 &&
            sscanf(buf, "%llu", &peak) == 1)
            run->peak_mib = (double)peak / (1024.0 * 1024.0);
        const char *events = version == 2 ? "memory.events" : "memory.oom_control";
        run->oom_killed = keyed_value(run->memory, events, "oom_kill") > 0;
    }
    remove_cgroup(run->memory);
    if (run->pids[0])
        remove_cgroup(run->pids);
    run->version = 0;
    run->placed = 0;
}
