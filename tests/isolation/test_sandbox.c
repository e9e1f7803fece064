/*
 * The sandbox (sandbox.h) against the plugins of bad_plugin.c that reach out: bad-connect
 * connects to a listener of this test on 127.0.0.1, bad-write writes into $HOME and the
 * results directory (and its working directory, which the sandbox must leave writable), bad-read reads the journal being written, bad-forkbomb forks up to
 * 80 processes ($PB_TEST_FORKS). Each runs first without the sandbox, where it must succeed (else the
 * checks with the sandbox would prove nothing), then in the sandbox with namespaces, then
 * in the sandbox as on a machine without namespaces (Landlock and seccomp alone). Exits 77
 * (skipped) when the machine refuses both (no Landlock, or neither namespaces nor seccomp).
 *
 * Usage: test_sandbox <directory of the test plugins>
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "isolate.h"
#include "params.h"
#include "sandbox.h"
#include "usage.h"

#define PROBLEM "sphere-d5-i1"
#define SECRET "a record of another run"

enum { CONNECT, WRITE, READ, FORKBOMB, N_PLUGINS };
static const char *const names[N_PLUGINS] = {"bad-connect", "bad-write", "bad-read",
                                             "bad-forkbomb"};

/* The test's directory: home/ stands in for $HOME, results/ holds a journal. */
static char root[] = "/tmp/plugbench-sandbox-test-XXXXXX";
static char home[64], results[64], journal[96];

typedef struct runs {
    pb__job_result r[N_PLUGINS];
} runs;

static void keep(void *user, size_t index, const pb__job_result *result)
{
    runs *k = user;
    k->r[index] = *result;
    k->r[index].trace = NULL; /* the isolation layer frees its own */
}

/* Runs the first n plugins, two at a time; returns what became of them. */
static runs run_all(const pb__job *jobs, size_t n)
{
    runs k = {0};
    pb__isolation iso = {.parallel = 2, .timeout_seconds = 10, .memory_bytes = 512ull << 20};
    CHECK(pb__isolate_run(jobs, n, &iso, keep, &k) == 0, "every run ran");
    return k;
}

static int exists(const char *dir)
{
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/bad-write.txt", dir);
    int found = stat(path, &st) == 0;
    unlink(path);
    return found;
}

/* How many processes bad-forkbomb says it forked, or -1. */
static int forked(const pb__job_result *r)
{
    const char *at = strstr(r->output, "forked ");
    return at ? atoi(at + strlen("forked ")) : -1;
}

/* Without the sandbox every attempt succeeds: the checks below can fail. */
static void test_unsandboxed(const pb__job *jobs)
{
    runs k = run_all(jobs, N_PLUGINS);
    const char *m[N_PLUGINS];
    for (int i = 0; i < N_PLUGINS; i++)
        m[i] = k.r[i].outcome.message;
    CHECK(strstr(m[CONNECT], "connected to 127.0.0.1"), "unsandboxed bad-connect: %s",
          m[CONNECT]);
    CHECK(strstr(m[WRITE], "home wrote; results wrote; cwd wrote") && exists(home) &&
              exists(results) && exists("."),
          "unsandboxed bad-write: %s", m[WRITE]);
    CHECK(strstr(m[READ], SECRET), "unsandboxed bad-read: %s", m[READ]);
    /* RLIMIT_NPROC allows the user's tasks plus 256, or binds not at all (root). */
    CHECK(forked(&k.r[FORKBOMB]) > PB__SANDBOX_PROCESSES, "unsandboxed bad-forkbomb: %s",
          k.r[FORKBOMB].output);
}

/* In the sandbox, with namespaces (full) or without (Landlock and seccomp). */
static void test_sandboxed(const pb__job *jobs, int full)
{
    const char *how = full ? "namespaces" : "no namespaces";
    /* Without a user namespace of its own a run is limited per user only: no fork bomb. */
    int n_runs = full ? N_PLUGINS : FORKBOMB;
    runs k = run_all(jobs, (size_t)n_runs);
    const char *m[N_PLUGINS];
    for (int i = 0; i < n_runs; i++) {
        m[i] = k.r[i].outcome.message;
        CHECK(k.r[i].outcome.status == PB__STATUS_ERROR || i == FORKBOMB,
              "%s, %s: status %s", how, names[i], pb__status_name(k.r[i].outcome.status));
    }
    /* No network at all in a namespace; without one, socket() for AF_INET is refused. */
    CHECK(strstr(m[CONNECT], full ? "connect: Network is unreachable"
                                  : "socket: Permission denied"),
          "%s, bad-connect: %s", how, m[CONNECT]);
    /* The whole tree is read-only in a namespace; without one, Landlock refuses. The
     * working directory is the run's scratch, writable, and nothing of it is left here. */
    const char *refused = full ? "Read-only file system" : "Permission denied";
    char want[128];
    snprintf(want, sizeof want, "home %s; results %s; cwd wrote", refused, refused);
    CHECK(strstr(m[WRITE], want) && !exists(home) && !exists(results) && !exists("."),
          "%s, bad-write: %s", how, m[WRITE]);
    /* Only a mount namespace can cover the journal. */
    if (full)
        CHECK(strstr(m[READ], "cannot read the journal: Permission denied"),
              "%s, bad-read: %s", how, m[READ]);
    else
        CHECK(strstr(m[READ], SECRET), "%s, bad-read reads the journal, as said: %s", how,
              m[READ]);
    if (full)
        CHECK(forked(&k.r[FORKBOMB]) >= 0 && forked(&k.r[FORKBOMB]) < PB__SANDBOX_PROCESSES,
              "%s, bad-forkbomb: forked %d, limit %d", how, forked(&k.r[FORKBOMB]),
              PB__SANDBOX_PROCESSES);
}

/* A listener on 127.0.0.1 for bad-connect; its port goes to $PB_TEST_PORT. Returns it. */
static int listen_loopback(void)
{
    struct sockaddr_in at = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof at;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&at, sizeof at) == 0 && listen(fd, 8) == 0 &&
             getsockname(fd, (struct sockaddr *)&at, &len) == 0;
    CHECK(ok, "a listener on 127.0.0.1");
    char port[16];
    snprintf(port, sizeof port, "%u", (unsigned)ntohs(at.sin_port));
    setenv("PB_TEST_PORT", port, 1);
    return fd;
}

int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 1, "<test plugin dir>"))
        return 2;
    if (!mkdtemp(root))
        return 2;
    snprintf(home, sizeof home, "%s/home", root);
    snprintf(results, sizeof results, "%s/results", root);
    snprintf(journal, sizeof journal, "%s/results.json.journal", results);
    /* Open to everyone, so that only the sandbox stops a run (root's run as nobody). */
    chmod(root, 0755);
    mkdir(home, 0777);
    mkdir(results, 0777);
    chmod(home, 0777);
    chmod(results, 0777);
    FILE *f = fopen(journal, "w");
    if (f) {
        fputs(SECRET "\n", f);
        fclose(f);
    }
    chmod(journal, 0644);
    setenv("HOME", home, 1);
    setenv("PB_TEST_RESULTS", results, 1);
    setenv("PB_TEST_JOURNAL", journal, 1);
    setenv("PB_TEST_FORKS", "80", 1); /* beyond the sandbox's limit, and quick to fork */
    int listener = listen_loopback();

    char err[1024];
    pb__problem *problem;
    CHECK(pb__problem_open(PROBLEM, &problem, err, sizeof err) == 0, "%s", PROBLEM);
    static pb__plugin_file plugins[N_PLUGINS];
    static pb_value values[N_PLUGINS][8];
    pb__job jobs[N_PLUGINS];
    for (int i = 0; i < N_PLUGINS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.so", argv[1], names[i]);
        if (pb__plugin_load(path, &plugins[i], err, sizeof err) != 0) {
            CHECK(0, "%s", err);
            return check_summary("sandbox");
        }
        pb__params_defaults(plugins[i].desc, values[i]);
        jobs[i] = (pb__job){.plugin = &plugins[i], .params = values[i], .problem = problem,
                            .seed = 1, .limits = {.budget = {.cost = 20}, .target = NAN}};
    }

    test_unsandboxed(jobs);
    const char *hidden[] = {journal};
    int ran = 0;
    for (int full = 1; full >= 0; full--) {
        char said[8192];
        if (pb__sandbox_start(hidden, 1, full ? 0 : PB__SANDBOX_NO_NAMESPACES, said,
                              sizeof said) != 0) {
            /* Only a machine that lacks what the sandbox needs may skip. */
            CHECK(strstr(said, "sandbox: refused: "), "no sandbox %s namespaces: %s",
                  full ? "with" : "without", said);
            continue;
        }
        printf("%s\n", said);
        test_sandboxed(jobs, full);
        pb__sandbox_stop();
        ran++;
    }
    for (int i = 0; i < N_PLUGINS; i++)
        pb__plugin_unload(&plugins[i]);
    pb__problem_close(problem);
    close(listener);
    unlink(journal);
    rmdir(results);
    rmdir(home);
    rmdir(root);
    if (!ran && !check_failures) {
        printf("SKIP: this machine can enforce no sandbox (see the reasons above)\n");
        return 77;
    }
    return check_summary("sandbox");
}
