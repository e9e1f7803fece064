/* Instruction counts under callgrind; see instr.h. */
#include "instr.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef PB_HAVE_CALLGRIND
#include <valgrind/callgrind.h>
#endif

#include "loader.h"

extern char **environ;

/* Tells the process started under callgrind where its dumps go (and that it counts). */
#define DIR_ENV "PLUGBENCH_CALLGRIND_DIR"

int pb__instr_active;
static char dump_dir[PATH_MAX];
static char reason[PATH_MAX + 128] = "instructions were not asked for";
static unsigned dumps;         /* pb__instr_dump calls so far: callgrind numbers them */
static int instrumenting;      /* this process has switched instrumentation on */
static volatile pid_t launched; /* the callgrind process, for the forwarded signals */

void pb__instr_toggle(void)
{
#ifdef PB_HAVE_CALLGRIND
    /* Switched on at the first counted call only: the harness's start (loading plugins and
     * problems) runs uninstrumented, several times faster. It flushes Valgrind's code
     * cache, which costs time, not instructions. */
    if (!instrumenting) {
        CALLGRIND_START_INSTRUMENTATION;
        instrumenting = 1;
    }
    CALLGRIND_TOGGLE_COLLECT;
#endif
}

/* Finds the valgrind executable into path: $PLUGBENCH_VALGRIND or "valgrind", a path or
 * a name looked up in PATH. Returns 0, or -1 when there is none. */
static int find_valgrind(char *path, size_t size)
{
    const char *name = getenv(PB__INSTR_VALGRIND_ENV);
    if (!name)
        name = "valgrind";
    if (!*name)
        return -1;
    if (strchr(name, '/')) {
        snprintf(path, size, "%s", name);
        return access(path, X_OK);
    }
    const char *dirs = getenv("PATH");
    while (dirs && *dirs) {
        size_t len = strcspn(dirs, ":");
        snprintf(path, size, "%.*s/%s", (int)len, len ? dirs : ".", name);
        if (access(path, X_OK) == 0)
            return 0;
        dirs += len + (dirs[len] == ':');
    }
    return -1;
}

/* Removes the dump directory and the dumps in it. */
static void remove_dumps(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[PATH_MAX + 256];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/*
 * Prints what valgrind logged in dir, but for its warning about pidfd_open (syscall 434),
 * which Valgrind 3.19 does not know: each run and probe calls it, and the harness does
 * without it (it polls instead), so the warning is noise repeated for every process.
 */
static void print_log(const char *dir)
{
    static const char *const noise[] = {
        "unhandled amd64-linux syscall: 434", "You may be able to write your own handler",
        "README_MISSING_SYSCALL_OR_IOCTL", "Nevertheless we consider this a bug",
        "valgrind.org/support/bug_reports"};
    char path[PATH_MAX + 64], line[1024];
    snprintf(path, sizeof path, "%s/valgrind.log", dir);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof line, f)) {
        int skip = 0;
        for (size_t k = 0; k < sizeof noise / sizeof noise[0] && !skip; k++)
            skip = strstr(line, noise[k]) != NULL;
        if (!skip)
            fputs(line, stderr);
    }
    if (f)
        fclose(f);
}

/* SIGINT and SIGTERM while the callgrind process runs: it gets them (a terminal's ^C
 * reaches it anyway), finishes as the command does when interrupted, and its status is
 * returned. */
static void forward(int sig)
{
    if (launched > 0 && sig == SIGTERM)
        kill(launched, sig);
}

/* Why counting is off, for pb__instr_reason. */
static int no_counting(const char *why)
{
    snprintf(reason, sizeof reason, "%s", why);
    return -1;
}

const char *pb__instr_reason(void)
{
    return reason;
}

int pb__instr_launch(int argc, char **argv)
{
    const char *dir = getenv(DIR_ENV);
#ifndef PB_HAVE_CALLGRIND
    (void)argc;
    (void)argv;
    (void)dir;
    return no_counting("this plugbench was built without valgrind/callgrind.h");
#else
    if (dir && RUNNING_ON_VALGRIND) {
        snprintf(dump_dir, sizeof dump_dir, "%s", dir);
        pb__instr_active = 1;
        return -1;
    }
    char valgrind[PATH_MAX], self[PATH_MAX], out[PATH_MAX + 64], log[PATH_MAX + 64];
    char tmp[] = "/tmp/plugbench-callgrind.XXXXXX";
    if (find_valgrind(valgrind, sizeof valgrind) != 0)
        return no_counting("valgrind not found ($" PB__INSTR_VALGRIND_ENV " or PATH)");
    if (pb__self_path(self) != 0)
        return no_counting("the path of this executable is unknown (/proc/self/exe)");
    if (!mkdtemp(tmp))
        return no_counting("cannot create a directory for callgrind's files in /tmp");
    snprintf(out, sizeof out, "--callgrind-out-file=%s/callgrind.%%p", tmp);
    snprintf(log, sizeof log, "--log-file=%s/valgrind.log", tmp);
    char *head[] = {valgrind, "-q", "--tool=callgrind", "--collect-atstart=no",
                    "--instr-atstart=no", out, log, self};
    size_t n_head = sizeof head / sizeof head[0];
    char **args = calloc(n_head + (size_t)argc + 1, sizeof *args);
    /* LD_BIND_NOW: every symbol is bound when its library is loaded (plugins too, whatever
     * dlopen's flags), so no counted call pays the dynamic linker for a first call -- once
     * per run child, or not when the harness happened to bind the symbol before the fork,
     * which made a suite's first run dearer than the next by about 1000 instructions. */
    int bound = getenv("LD_BIND_NOW") != NULL;
    if (!args || setenv(DIR_ENV, tmp, 1) != 0 || setenv("LD_BIND_NOW", "1", 1) != 0) {
        free(args);
        rmdir(tmp);
        return no_counting("out of memory");
    }
    memcpy(args, head, sizeof head);
    memcpy(args + n_head, argv, (size_t)argc * sizeof *args);
    struct sigaction sa = {.sa_handler = forward}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    fflush(NULL);
    pid_t pid;
    int rc = posix_spawn(&pid, valgrind, NULL, NULL, args, environ), status = 0;
    free(args);
    unsetenv(DIR_ENV);
    if (!bound)
        unsetenv("LD_BIND_NOW");
    if (rc == 0) {
        launched = pid;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            continue;
        launched = 0;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    print_log(tmp);
    remove_dumps(tmp);
    if (rc != 0) {
        char why[PATH_MAX + 64];
        snprintf(why, sizeof why, "cannot start %s: %s", valgrind, strerror(rc));
        return no_counting(why);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
#endif
}

/* The total of a complete callgrind dump, removed afterwards; -1 when it is absent or
 * incomplete (callgrind writes "totals:" last). */
static double read_dump(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    char line[512];
    double total = -1, v;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "totals: %lf", &v) == 1)
            total = v;
    fclose(f);
    unlink(path);
    return total;
}

double pb__instr_collect(long pid)
{
    if (!pb__instr_active)
        return -1;
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/callgrind.%ld", dump_dir, pid);
    return read_dump(path);
}

void pb__instr_zero(void)
{
#ifdef PB_HAVE_CALLGRIND
    if (pb__instr_active)
        CALLGRIND_ZERO_STATS;
#endif
}

double pb__instr_dump(void)
{
    if (!pb__instr_active)
        return -1;
#ifdef PB_HAVE_CALLGRIND
    CALLGRIND_DUMP_STATS;
#endif
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/callgrind.%ld.%u", dump_dir, (long)getpid(), ++dumps);
    return read_dump(path);
}

cJSON *pb__instr_context(void)
{
    cJSON *c = cJSON_CreateObject();
    if (pb__instr_active) {
        cJSON_AddStringToObject(c, "counter", "callgrind");
        cJSON_AddStringToObject(c, "counted",
                                "the plugin's create, step and solution calls, the oracle "
                                "calls made in them included; not the host's measuring");
    } else {
        cJSON_AddNullToObject(c, "counter");
        cJSON_AddStringToObject(c, "reason", reason);
    }
    return c;
}
