/*
 * plugbench history RANGE: a suite (or the kernels' instruction counts) measured at each
 * commit of a git range, each in a worktree of its own and a build of its own, the results
 * kept per commit so that a rerun measures only what it has not; then the steps of every
 * series and a page of trend plots (history.h).
 *
 * Every command it starts (git, the build, the suite) runs in a process group of its own
 * with its output in a log, so that an interrupt stops the whole of it and the worktree can
 * still be removed before exiting.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "history.h"
#include "readfile.h"
#include "results_file.h"

static const char usage[] =
    "usage: plugbench history [options] -c SUITE.json RANGE\n"
    "       plugbench history [options] --kernels [-a PLUGIN]... RANGE\n"
    "\n"
    "Measures a suite at each commit of a git range, oldest first: for each commit a git\n"
    "worktree, the build command in it, then `plugbench run -c SUITE.json` (or `plugbench\n"
    "bench --instructions`) in it. Results are kept per commit under the history directory,\n"
    "keyed by the commit's sha: a rerun measures only the commits it does not have. A commit\n"
    "whose build fails is recorded as such and skipped. Then it finds the steps of every\n"
    "series (an experiment's median of a metric over the commits) between consecutive\n"
    "measured commits, as plugbench compare judges them, names the first commit of each\n"
    "regression (stdout, history.json) and writes index.html with a gnuplot trend plot per\n"
    "series. Progress per commit goes to stderr.\n"
    "\n"
    "  RANGE              what git log --first-parent lists: A..B (the commits after A up to\n"
    "                     B; A itself is not measured), or B for all of B's history\n"
    "  -C, --repo DIR     the git repository (default: the current directory)\n"
    "  -c, --config FILE  the suite: a config file of plugbench run, run in each commit's\n"
    "                     worktree (relative .so paths in it are in the built tree)\n"
    "      --count-instructions  run the suite with --count-instructions (needs valgrind)\n"
    "      --kernels      instead of a suite: bench --instructions on the plugins found\n"
    "  -a PLUGIN          with --kernels: only this plugin (repeatable; a name or a .so path)\n"
    "      --iterations N with --kernels: kernel iterations counted (bench's default 100)\n"
    "      --build CMD    shell command that builds a commit, run in its worktree (default:\n"
    "                     meson setup build && meson compile -C build)\n"
    "      --plugbench PATH  the plugbench to measure with, in the built worktree (relative)\n"
    "                     (plugbench itself: build/framework/plugbench); default: this one\n"
    "      --plugin-dir DIR  a plugin directory relative to the built worktree (repeatable)\n"
    "  -o, --output DIR   the history directory (default history): commits/<sha>/ with each\n"
    "                     commit's results, logs and status; history.json; index.html; plots/\n"
    "      --metrics LIST quality, target, instructions (default: quality, and instructions\n"
    "                     when counted; --kernels: instructions); time is refused: wall time\n"
    "                     measured at different moments has steps that are noise\n"
    "      --alpha A, --threshold T, --instructions-threshold T  as for plugbench compare\n"
    "                     (defaults 0.05, 5%, 1%): a step in a count is a change beyond the\n"
    "                     threshold; in quality or targets the U test must reject as well\n"
    "      --fail-on-regression  exit 1 when a regression is found\n"
    "      --no-plots     no trend plots (no gnuplot needed)\n"
    "\n"
    "Exit status: 0 when the history was written (regressions are reported, not an error,\n"
    "unless --fail-on-regression); 1 with --fail-on-regression and a regression, or when\n"
    "interrupted (the worktree is removed; a commit half measured is measured again by the\n"
    "next run); 2 for bad usage, a range git does not know, or a history directory made\n"
    "for another suite.\n";

#define MAX_ARGS 64 /* of git, and the most -a */
#define SUITE_ARGS (16 + 2 * PB_MAX_DIRS + MAX_ARGS) /* of the suite's command */
#define DEFAULT_BUILD "meson setup build && meson compile -C build"
#define SHORT_SHA 8

typedef struct options {
    const char *repo, *range, *config, *build, *exe, *out, *iterations;
    const char *plugins[MAX_ARGS], *plugin_dirs[PB_MAX_DIRS];
    size_t n_plugins, n_plugin_dirs;
    int count_instructions, kernels, fail_on_regression, plots;
    pb__compare_options cmp;
} options;

/* Where the commands run, what was asked, and what must be undone. */
typedef struct session {
    options opt;
    char repo[PATH_MAX], out[PATH_MAX], config[PATH_MAX], self[PATH_MAX];
    char tmp[PATH_MAX]; /* the scratch directory: the worktree and git's output */
    char worktree[PATH_MAX + 8];
    int has_worktree;
} session;

/* The process group of the command running now (0: none), and the signal that stopped us. */
static volatile sig_atomic_t running_group, interrupted;

/* SIGINT, SIGTERM, SIGHUP: passed on to the running command's group, then we stop. */
static void on_signal(int sig)
{
    interrupted = sig;
    if (running_group > 0)
        kill(-(pid_t)running_group, SIGTERM);
}

/*
 * Runs argv (argv[0] looked up in PATH) in cwd (NULL: ours), in a process group of its own,
 * stdin from /dev/null, stdout to out_fd and stderr to err_fd. A stoppable command (the
 * build, the suite) gets SIGTERM when we are interrupted; git's commands run to their end,
 * so that the worktree can still be removed. Returns its exit status, 128 + the signal
 * that killed it, or -1 when it could not be started.
 */
static int spawn(char *const argv[], const char *cwd, int out_fd, int err_fd, int stoppable)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setpgid(0, 0);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        int null = open("/dev/null", O_RDONLY);
        if ((cwd && chdir(cwd) != 0) || null < 0 || dup2(null, 0) < 0 || dup2(out_fd, 1) < 0 ||
            dup2(err_fd, 2) < 0)
            _exit(126);
        execvp(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* also here: a signal may come before the child has run */
    if (stoppable) {
        running_group = pid;
        if (interrupted)
            kill(-pid, SIGTERM);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    running_group = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A stoppable spawn with stdout and stderr appended to the file at log. */
static int spawn_logged(char *const argv[], const char *cwd, const char *log)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    int rc = spawn(argv, cwd, fd, fd, 1);
    close(fd);
    return rc;
}

/* Runs git -C repo ARGS with its output in tmp/git.out and tmp/git.err. Its exit status. */
static int git(session *s, char *const args[])
{
    char *argv[MAX_ARGS] = {"git", "-C", s->repo};
    size_t n = 3;
    while (*args && n < MAX_ARGS - 1)
        argv[n++] = *args++;
    char out[PATH_MAX + 16], errp[PATH_MAX + 16];
    snprintf(out, sizeof out, "%s/git.out", s->tmp);
    snprintf(errp, sizeof errp, "%s/git.err", s->tmp);
    int o = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    int rc = o >= 0 && e >= 0 ? spawn(argv, NULL, o, e, 0) : -1;
    if (o >= 0)
        close(o);
    if (e >= 0)
        close(e);
    return rc;
}

/* The first line git wrote to stderr, for a message. */
static void git_error(const session *s, char *buf, size_t len)
{
    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/git.err", s->tmp);
    size_t n = 0;
    char *text = pb__read_file(path, &n);
    snprintf(buf, len, "%.*s", text ? (int)strcspn(text, "\n") : 0, text ? text : "");
    free(text);
}

/* Removes the worktree of the commit being measured, if any; by git, else by force. */
static void remove_worktree(session *s)
{
    if (!s->has_worktree)
        return;
    char *rm[] = {"worktree", "remove", "--force", s->worktree, NULL};
    if (git(s, rm) != 0) {
        char *rmrf[] = {"rm", "-rf", "--", s->worktree, NULL};
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        spawn(rmrf, NULL, null, null, 0);
        if (null >= 0)
            close(null);
        char *prune[] = {"worktree", "prune", NULL};
        git(s, prune);
    }
    s->has_worktree = 0;
}

/* Removes the scratch directory (the worktree already gone). */
static void remove_tmp(session *s)
{
    static const char *const files[] = {"git.out", "git.err"};
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX + 16];
        snprintf(path, sizeof path, "%s/%s", s->tmp, files[i]);
        unlink(path);
    }
    rmdir(s->tmp);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The suite as asked: a history directory holds one suite's measurements only. */
static cJSON *suite_identity(const session *s)
{
    const options *o = &s->opt;
    cJSON *id = cJSON_CreateObject();
    cJSON_AddStringToObject(id, "schema", "plugbench/history-suite/1");
    cJSON_AddStringToObject(id, "mode", o->kernels ? "kernels" : "run");
    if (o->config) {
        size_t len = 0;
        char *text = pb__read_file(s->config, &len);
        cJSON *config = text ? cJSON_Parse(text) : NULL;
        cJSON_AddItemToObject(id, "config", config ? config : cJSON_CreateString(text ? text : ""));
        free(text);
    }
    cJSON_AddBoolToObject(id, "count_instructions", o->count_instructions);
    cJSON *plugins = cJSON_AddArrayToObject(id, "plugins");
    for (size_t i = 0; i < o->n_plugins; i++)
        cJSON_AddItemToArray(plugins, cJSON_CreateString(o->plugins[i]));
    if (o->iterations)
        cJSON_AddStringToObject(id, "iterations", o->iterations);
    cJSON_AddStringToObject(id, "build", o->build);
    if (o->exe)
        cJSON_AddStringToObject(id, "plugbench", o->exe);
    cJSON *dirs = cJSON_AddArrayToObject(id, "plugin_dirs");
    for (size_t i = 0; i < o->n_plugin_dirs; i++)
        cJSON_AddItemToArray(dirs, cJSON_CreateString(o->plugin_dirs[i]));
    return id;
}

/* Writes out/suite.json, or checks that the one there is this suite's. 0, or PB_EXIT_USAGE. */
static int claim_directory(const session *s)
{
    char path[PATH_MAX + 16], err[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/suite.json", s->out);
    cJSON *id = suite_identity(s);
    char *mine = cJSON_PrintUnformatted(id);
    size_t len = 0;
    char *text = pb__read_file(path, &len);
    cJSON *theirs = text ? cJSON_Parse(text) : NULL;
    char *theirs_text = theirs ? cJSON_PrintUnformatted(theirs) : NULL;
    int rc = PB_EXIT_OK;
    if (text && (!theirs_text || !mine || strcmp(mine, theirs_text) != 0))
        rc = pb_usage_error("history: %s holds the history of another suite (its suite.json: "
                            "config, build command, mode or plugins differ); give another -o",
                            s->out);
    else if (!text && pb__json_write_atomic(path, id, err, sizeof err) != 0)
        rc = pb_usage_error("history: %s", err);
    free(mine);
    free(text);
    free(theirs_text);
    cJSON_Delete(theirs);
    cJSON_Delete(id);
    return rc;
}

/* One commit of the range. */
typedef struct commit {
    char sha[41];
    char *subject; /* points into the text of git log */
    char status[32];
    char dir[64];             /* commits/<sha> */
    char results[PATH_MAX + 128]; /* its results file */
} commit;

/* path within the built worktree, into buf: as it is when absolute. Returns buf. */
static char *in_worktree(const session *s, const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", path[0] == '/' ? "" : s->worktree, path[0] == '/' ? "" : "/",
             path);
    return buf;
}

/* The argv of the suite at the commit in the built worktree, into args (strings in bufs). */
static void suite_argv(const session *s, const commit *c, char *args[SUITE_ARGS],
                       char bufs[PB_MAX_DIRS + 1][PATH_MAX + 16])
{
    const options *o = &s->opt;
    size_t n = 0;
    if (o->exe) {
        args[n++] = in_worktree(s, o->exe, bufs[0], sizeof bufs[0]);
    } else {
        args[n++] = (char *)s->self;
    }
    if (o->kernels) {
        args[n++] = "bench";
        args[n++] = "--instructions";
        if (o->iterations) {
            args[n++] = "--iterations";
            args[n++] = (char *)o->iterations;
        }
    } else {
        args[n++] = "run";
        args[n++] = "-c";
        args[n++] = (char *)s->config;
        args[n++] = "-q";
        args[n++] = "--no-plots";
        if (o->count_instructions)
            args[n++] = "--count-instructions";
    }
    args[n++] = "-o";
    args[n++] = (char *)c->results;
    for (size_t i = 0; i < o->n_plugin_dirs; i++) {
        args[n++] = "--plugin-dir";
        args[n++] = in_worktree(s, o->plugin_dirs[i], bufs[i + 1], sizeof bufs[i + 1]);
    }
    for (size_t i = 0; o->kernels && i < o->n_plugins; i++)
        args[n++] = (char *)o->plugins[i];
    args[n] = NULL;
}

/* Writes the commit's status.json, which marks it measured. 0, or -1 with a message. */
static int write_status(const session *s, const commit *c, int exit_code, double seconds,
                        char *err, size_t errlen)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s/status.json", s->out, c->dir);
    cJSON *st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "commit", c->sha);
    cJSON_AddStringToObject(st, "subject", c->subject);
    cJSON_AddStringToObject(st, "status", c->status);
    cJSON_AddNumberToObject(st, "exit", exit_code);
    cJSON_AddNumberToObject(st, "seconds", seconds);
    int rc = pb__json_write_atomic(path, st, err, errlen);
    cJSON_Delete(st);
    return rc;
}

/* Reads the status of a commit measured before; 1 when there is one, else 0. */
static int read_status(const session *s, commit *c)
{
    char path[PATH_MAX + 128];
    snprintf(path, sizeof path, "%s/%s/status.json", s->out, c->dir);
    size_t len = 0;
    char *text = pb__read_file(path, &len);
    cJSON *st = text ? cJSON_Parse(text) : NULL;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(st, "status");
    int known = cJSON_IsString(status);
    if (known)
        snprintf(c->status, sizeof c->status, "%s", status->valuestring);
    cJSON_Delete(st);
    free(text);
    return known;
}

/*
 * Measures commit c (number i of n): worktree, build, suite, status. Returns 0 (measured,
 * whatever the build did), or PB_EXIT_USAGE after a message when the worktree cannot be
 * made or the status written, or PB_EXIT_FAILED when interrupted.
 */
static int measure(session *s, commit *c, size_t i, size_t n)
{
    char dir[PATH_MAX + 64], log[PATH_MAX + 128], err[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s", s->out, c->dir);
    if (pb__mkdirs(dir) != 0)
        return pb_usage_error("history: cannot make %s: %s", dir, strerror(errno));
    fprintf(stderr, "history: [%zu/%zu] %.*s %s: building\n", i + 1, n, SHORT_SHA, c->sha,
            c->subject);
    snprintf(s->worktree, sizeof s->worktree, "%s/wt", s->tmp);
    char *add[] = {"worktree", "add", "--detach", "--quiet", s->worktree, c->sha, NULL};
    int rc = git(s, add);
    if (rc != 0) {
        git_error(s, err, sizeof err);
        return interrupted ? PB_EXIT_FAILED
                           : pb_usage_error("history: git worktree add for %s failed: %s",
                                            c->sha, err);
    }
    s->has_worktree = 1;
    double t0 = now();
    snprintf(log, sizeof log, "%s/build.log", dir);
    unlink(log);
    char *build[] = {"sh", "-c", (char *)s->opt.build, NULL};
    rc = spawn_logged(build, s->worktree, log);
    double built = now() - t0;
    if (interrupted) {
        remove_worktree(s);
        return PB_EXIT_FAILED;
    }
    if (rc != 0) {
        snprintf(c->status, sizeof c->status, "build failed");
        fprintf(stderr, "history: [%zu/%zu] %.*s: build failed (exit %d after %.1f s; see %s)\n",
                i + 1, n, SHORT_SHA, c->sha, rc, built, log);
    } else {
        fprintf(stderr, "history: [%zu/%zu] %.*s: built in %.1f s, measuring\n", i + 1, n,
                SHORT_SHA, c->sha, built);
        char *args[SUITE_ARGS], bufs[PB_MAX_DIRS + 1][PATH_MAX + 16];
        suite_argv(s, c, args, bufs);
        snprintf(log, sizeof log, "%s/run.log", dir);
        unlink(log);
        unlink(c->results);
        double t1 = now();
        rc = spawn_logged(args, s->worktree, log);
        if (interrupted) {
            remove_worktree(s);
            return PB_EXIT_FAILED;
        }
        /* Exit 1 from a suite whose runs or kernels failed still leaves results: failed
         * runs count as worse than any, as in compare. Anything else is a failed run. */
        int ok = (rc == 0 || rc == 1) && access(c->results, R_OK) == 0;
        snprintf(c->status, sizeof c->status, "%s", ok ? "ok" : "run failed");
        fprintf(stderr, "history: [%zu/%zu] %.*s: %s (exit %d after %.1f s%s%s)\n", i + 1, n,
                SHORT_SHA, c->sha, ok ? "measured" : "the suite failed", rc, now() - t1,
                ok ? "" : "; see ", ok ? "" : log);
    }
    remove_worktree(s);
    if (write_status(s, c, rc, now() - t0, err, sizeof err) != 0)
        return pb_usage_error("history: %s", err);
    return PB_EXIT_OK;
}

/* Reads the options into s->opt; PB_ARG_NEXT when the command goes on, else its exit code. */
static int parse(int argc, char **argv, options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int shared;
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            return PB_EXIT_OK;
        } else if (strcmp(a, "--count-instructions") == 0) {
            o->count_instructions = 1;
        } else if (strcmp(a, "--kernels") == 0) {
            o->kernels = 1;
        } else if (strcmp(a, "--fail-on-regression") == 0) {
            o->fail_on_regression = 1;
        } else if (strcmp(a, "--no-plots") == 0) {
            o->plots = 0;
        } else if (a[0] != '-') {
            if (o->range)
                return pb_usage_error("history: unexpected argument '%s' (one RANGE; see "
                                      "plugbench history --help)",
                                      a);
            o->range = a;
        } else if (!val) {
            return pb_usage_error("history: %s needs a value or is unknown (see plugbench "
                                  "history --help)",
                                  a);
        } else if ((shared = pb_compare_flag("history", a, val, &o->cmp)) != 0) {
            if (shared < 0)
                return PB_EXIT_USAGE;
            i++;
        } else {
            const char **dst = strcmp(a, "-C") == 0 || strcmp(a, "--repo") == 0     ? &o->repo
                               : strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 ? &o->config
                               : strcmp(a, "--build") == 0                          ? &o->build
                               : strcmp(a, "--plugbench") == 0                      ? &o->exe
                               : strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ? &o->out
                               : strcmp(a, "--iterations") == 0 ? &o->iterations
                                                                : NULL;
            if ((strcmp(a, "-a") == 0 && o->n_plugins == MAX_ARGS) ||
                (strcmp(a, "--plugin-dir") == 0 && o->n_plugin_dirs == PB_MAX_DIRS))
                return pb_usage_error("history: too many %s", a);
            if (strcmp(a, "-a") == 0)
                dst = &o->plugins[o->n_plugins++];
            else if (strcmp(a, "--plugin-dir") == 0)
                dst = &o->plugin_dirs[o->n_plugin_dirs++];
            if (!dst)
                return pb_usage_error("history: unknown option '%s' (see plugbench history "
                                      "--help)",
                                      a);
            *dst = val;
            i++;
        }
    }
    if (!o->range)
        return pb_usage_error("history: which commits? give a RANGE such as A..B (see "
                              "plugbench history --help)");
    if (!o->kernels == !o->config)
        return pb_usage_error("history: give either -c SUITE.json or --kernels");
    if (o->kernels && o->count_instructions)
        return pb_usage_error("history: --count-instructions is for a suite; --kernels "
                              "always counts");
    if (!o->kernels && (o->n_plugins || o->iterations))
        return pb_usage_error("history: -a and --iterations go with --kernels");
    if (o->cmp.metrics & PB__CMP_TIME)
        return pb_usage_error("history: --metrics time: wall time measured at different "
                              "moments steps with the load of the machine; count "
                              "instructions instead");
    if (!o->cmp.metrics)
        o->cmp.metrics = o->kernels              ? PB__CMP_INSTRUCTIONS
                         : o->count_instructions ? PB__CMP_QUALITY | PB__CMP_INSTRUCTIONS
                                                 : PB__CMP_QUALITY;
    return PB_ARG_NEXT;
}

/* Makes the paths absolute, the directories and the scratch directory. 0 or PB_EXIT_USAGE. */
static int prepare(session *s)
{
    const options *o = &s->opt;
    if (!realpath(o->repo, s->repo))
        return pb_usage_error("history: --repo %s: %s", o->repo, strerror(errno));
    if (o->config && !realpath(o->config, s->config))
        return pb_usage_error("history: --config %s: %s", o->config, strerror(errno));
    if (pb__mkdirs(o->out) != 0 || !realpath(o->out, s->out))
        return pb_usage_error("history: cannot make %s: %s", o->out, strerror(errno));
    if (pb__self_path(s->self) != 0)
        return pb_usage_error("history: the path of this plugbench is unknown (give "
                              "--plugbench)");
    const char *tmpdir = getenv("TMPDIR");
    snprintf(s->tmp, sizeof s->tmp, "%s/plugbench-history.XXXXXX",
             tmpdir && *tmpdir ? tmpdir : "/tmp");
    if (!mkdtemp(s->tmp))
        return pb_usage_error("history: cannot make a scratch directory %s: %s", s->tmp,
                              strerror(errno));
    return PB_EXIT_OK;
}

/* The commits of the range, oldest first, into *out (subjects pointing into *text). */
static int list_commits(session *s, commit **out, size_t *n_out, char **text)
{
    char *log[] = {"log", "--first-parent", "--reverse", "--format=%H %s", "--end-of-options",
                   (char *)s->opt.range, "--", NULL};
    char path[PATH_MAX + 16], err[512];
    if (git(s, log) != 0) {
        git_error(s, err, sizeof err);
        return pb_usage_error("history: git log %s in %s: %s", s->opt.range, s->repo,
                              err[0] ? err : "failed");
    }
    snprintf(path, sizeof path, "%s/git.out", s->tmp);
    size_t len = 0;
    *text = pb__read_file(path, &len);
    size_t lines = 0;
    for (size_t k = 0; *text && k < len; k++)
        lines += (*text)[k] == '\n';
    commit *c = calloc(lines ? lines : 1, sizeof *c);
    if (!*text || !c) {
        free(c);
        return pb_usage_error("history: cannot read git's output");
    }
    size_t n = 0;
    for (char *line = *text; *line && n < lines;) {
        char *end = strchr(line, '\n');
        if (!end)
            break;
        *end = '\0';
        if (strlen(line) > 41 && line[40] == ' ') {
            memcpy(c[n].sha, line, 40);
            c[n].subject = line + 41;
            snprintf(c[n].dir, sizeof c[n].dir, "commits/%s", c[n].sha);
            snprintf(c[n].results, sizeof c[n].results, "%s/%s/%s", s->out, c[n].dir,
                     s->opt.kernels ? "instructions.json" : "results.json");
            n++;
        }
        line = end + 1;
    }
    if (n == 0) {
        free(c);
        return pb_usage_error("history: the range %s has no commits", s->opt.range);
    }
    *out = c;
    *n_out = n;
    return PB_EXIT_OK;
}

/* The analysis of what was measured: history.json, index.html, the list on stdout. */
static int analyse(const session *s, const commit *c, size_t n)
{
    pb__history_commit *hc = calloc(n, sizeof *hc);
    if (!hc)
        return pb_usage_error("history: out of memory");
    for (size_t i = 0; i < n; i++)
        hc[i] = (pb__history_commit){.sha = c[i].sha, .subject = c[i].subject,
                                     .status = c[i].status, .dir = c[i].dir,
                                     .results = c[i].results};
    pb__history_options ho = {.cmp = s->opt.cmp, .dir = s->out, .range = s->opt.range,
                              .plots = s->opt.plots};
    char err[PATH_MAX + 256];
    cJSON *doc = pb__history(hc, n, &ho, err, sizeof err);
    free(hc);
    if (!doc)
        return pb_usage_error("history: %s", err);
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(doc, "counts");
    int measured = cJSON_GetObjectItemCaseSensitive(counts, "measured")->valueint;
    printf("history of %s: %zu commits, %d measured\n", s->opt.range, n, measured);
    for (size_t i = 0; i < n; i++)
        if (strcmp(c[i].status, "ok") != 0)
            printf("  %.*s  %s: %s\n", SHORT_SHA, c[i].sha, c[i].status, c[i].subject);
    pb__history_print(doc, stdout);
    printf("written: %s/index.html, %s/history.json\n", s->out, s->out);
    int regressed = cJSON_GetObjectItemCaseSensitive(counts, "regressions")->valueint > 0;
    cJSON_Delete(doc);
    return regressed && s->opt.fail_on_regression ? PB_EXIT_FAILED : PB_EXIT_OK;
}

/* plugbench history: see usage. */
int pb_cmd_history(int argc, char **argv)
{
    session s = {.opt = {.repo = ".", .build = DEFAULT_BUILD, .out = "history", .plots = 1,
                         .cmp = PB_COMPARE_DEFAULTS}};
    int rc = parse(argc, argv, &s.opt);
    if (rc != PB_ARG_NEXT)
        return rc;
    if ((rc = prepare(&s)) != PB_EXIT_OK)
        return rc;
    struct sigaction sa = {.sa_handler = on_signal}, old[3];
    static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < 3; k++)
        sigaction(signals[k], &sa, &old[k]);
    commit *c = NULL;
    size_t n = 0;
    char *text = NULL;
    rc = claim_directory(&s);
    if (rc == PB_EXIT_OK)
        rc = list_commits(&s, &c, &n, &text);
    for (size_t i = 0; rc == PB_EXIT_OK && i < n; i++) {
        if (interrupted) {
            rc = PB_EXIT_FAILED;
        } else if (read_status(&s, &c[i])) {
            fprintf(stderr, "history: [%zu/%zu] %.*s %s: already measured (%s)\n", i + 1, n,
                    SHORT_SHA, c[i].sha, c[i].subject, c[i].status);
        } else {
            rc = measure(&s, &c[i], i, n);
        }
    }
    remove_worktree(&s);
    remove_tmp(&s);
    if (rc == PB_EXIT_FAILED || interrupted) {
        fprintf(stderr, "history: interrupted; the commits measured so far are kept in %s\n",
                s.out);
        rc = PB_EXIT_FAILED;
    } else if (rc == PB_EXIT_OK) {
        rc = analyse(&s, c, n);
    }
    for (int k = 0; k < 3; k++)
        sigaction(signals[k], &old[k], NULL);
    free(c);
    free(text);
    return rc;
}
