/*
 * Memory that RLIMIT_AS does not see, where runs get memory cgroups (cgroup.h): bad-memfd
 * and bad-shm write 512 MiB into a memfd and into a /dev/shm file, under a limit of 128 MiB.
 * Each must end as out of memory (status error, no signal), with a max_rss_mib that counts
 * those pages (the cgroup's peak, near the limit; ru_maxrss would say a few MiB). Also: the
 * pids limit binds a run (root included), no run's cgroup outlives its run, and the cgroups
 * of a harness killed with SIGKILL are removed by the next one.
 *
 * Exits 77 (skipped) where this process can make no memory cgroup.
 *
 * Usage: test_memcg <directory of the test plugins>
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "isolate.h"
#include "params.h"
#include "usage.h"

#define PROBLEM "sphere-d5-i1"
#define MEMORY_MIB 128
#define TIMEOUT 30.0 /* filling 128 MiB takes a second at most; longer on a loaded machine */
#define MAX_RUNS 4

/* The done callback: keeps each result, its trace left out (the isolation layer frees it). */
static void keep(void *user, size_t index, const pb__job_result *result)
{
    pb__job_result *results = user;
    if (index < MAX_RUNS) {
        results[index] = *result;
        results[index].trace = NULL;
    }
}

/* Runs the test plugins names[0..n) from dir on problem (seed 1, 20 evaluations), two at a
 * time, under a memory limit of memory_mib, into results[0..n). Exits when one does not
 * load. */
static void run_plugins(const char *dir, const char *const *names, size_t n, int memory_mib,
                        pb__problem *problem, pb__job_result *results)
{
    pb__plugin_file plugins[MAX_RUNS];
    pb_value values[MAX_RUNS][8];
    pb__job jobs[MAX_RUNS];
    char err[1024] = "";
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.so", dir, names[i]);
        int rc = pb__plugin_load(path, &plugins[i], err, sizeof err);
        CHECK(rc == 0, "%s", err);
        if (rc != 0)
            exit(check_summary("memcg"));
        pb__params_defaults(plugins[i].desc, values[i]);
        jobs[i] = (pb__job){.plugin = &plugins[i], .params = values[i], .problem = problem,
                            .seed = 1, .limits = {.budget = {.cost = 20}, .target = NAN}};
    }
    memset(results, 0, n * sizeof *results);
    pb__isolation iso = {.parallel = 2, .timeout_seconds = TIMEOUT,
                         .memory_bytes = (uint64_t)memory_mib << 20};
    CHECK(pb__isolate_run(jobs, n, &iso, keep, results) == 0, "the runs were interrupted");
    for (size_t i = 0; i < n; i++)
        pb__plugin_unload(&plugins[i]);
}

/* How many cgroups named plugbench-<pid>-* are in dir. */
static int cgroups_of(const char *dir, long pid)
{
    char prefix[64];
    snprintf(prefix, sizeof prefix, "plugbench-%ld-", pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    if (d)
        closedir(d);
    return n;
}

/* The cgroups of a dead harness (a child that exited, its pid now unused) are removed. */
static void test_stale(void)
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    pb__cgroups cg;
    pb__cgroups_open(&cg);
    char stale[PATH_MAX + 64], stale_pids[PATH_MAX + 64];
    snprintf(stale, sizeof stale, "%s/plugbench-%ld-1", cg.memory, (long)dead);
    snprintf(stale_pids, sizeof stale_pids, "%s/plugbench-%ld-1", cg.pids, (long)dead);
    CHECK(mkdir(stale, 0755) == 0, "cannot make %s: %s", stale, strerror(errno));
    if (cg.version == 1 && cg.pids[0])
        CHECK(mkdir(stale_pids, 0755) == 0, "cannot make %s: %s", stale_pids, strerror(errno));
    pb__cgroups_open(&cg);
    CHECK(access(stale, F_OK) != 0, "the dead harness's %s was not removed", stale);
    CHECK(!cg.pids[0] || access(stale_pids, F_OK) != 0, "the dead harness's %s was not removed",
          stale_pids);
}

/* bad-memfd and bad-shm end as out of memory, their pages counted; the pids limit binds. */
static void test_limits(const char *dir, const pb__cgroups *cg, pb__problem *problem)
{
    char shm[64];
    snprintf(shm, sizeof shm, "/dev/shm/plugbench-bad-shm-%ld", (long)getpid());
    int have_shm = access("/dev/shm", W_OK) == 0;
    const char *names[MAX_RUNS] = {"bad-memfd"};
    size_t n = 1;
    if (have_shm)
        names[n++] = "bad-shm";
    else
        printf("note: bad-shm skipped: no writable /dev/shm\n");
    pb__job_result results[MAX_RUNS];
    if (cg->pids[0]) {
        /* It forks up to 600; the run's pids.max is PB__PROCESS_ALLOWANCE tasks. A larger
         * memory limit: 255 processes (under AddressSanitizer above all) take more than
         * MEMORY_MIB of page tables and kernel stacks. */
        const char *bomb = "bad-forkbomb";
        run_plugins(dir, &bomb, 1, 4096, problem, results);
        const char *at = strstr(results[0].output, "forked ");
        int forked = at ? atoi(at + strlen("forked ")) : -1;
        CHECK(forked >= 0 && forked < PB__PROCESS_ALLOWANCE,
              "bad-forkbomb: forked %d, allowance %d (status %s, %s)", forked,
              PB__PROCESS_ALLOWANCE, pb__status_name(results[0].outcome.status),
              results[0].outcome.message);
    } else {
        printf("note: bad-forkbomb skipped: no pids cgroup\n");
    }
    run_plugins(dir, names, n, MEMORY_MIB, problem, results);
    for (size_t i = 0; i < n; i++) {
        const pb__job_result *r = &results[i];
        CHECK(r->outcome.status == PB__STATUS_ERROR && r->signal == 0 &&
                  strstr(r->outcome.message, "out of memory"),
              "%s: status %s, signal %d, message '%s' (output '%s'): want error, out of memory",
              names[i], pb__status_name(r->outcome.status), r->signal, r->outcome.message,
              r->output);
        CHECK(r->max_rss_mib > 0.75 * MEMORY_MIB && r->max_rss_mib <= MEMORY_MIB + 1,
              "%s: max_rss_mib %.1f, want the pages written, up to the %d MiB limit", names[i],
              r->max_rss_mib, MEMORY_MIB);
    }
    CHECK(cgroups_of(cg->memory, (long)getpid()) == 0, "run cgroups left in %s", cg->memory);
    CHECK(!cg->pids[0] || cgroups_of(cg->pids, (long)getpid()) == 0, "run cgroups left in %s",
          cg->pids);
    /* The file outlives its run (tmpfs pages stay charged until it goes): remove it. */
    CHECK(!have_shm || unlink(shm) == 0, "bad-shm left no %s: %s", shm, strerror(errno));
}

/* Runs the tests; exits nonzero when a check failed, 77 when there are no cgroups. */
int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 1, "<test plugin dir>"))
        return 2;
    pb__cgroups cg;
    pb__cgroups_open(&cg);
    if (!cg.version) {
        printf("skipped: no memory cgroup can be made here: %s\n", cg.why);
        return 77;
    }
    printf("runs' cgroups: v%d in %s (pids: %s)\n", cg.version, cg.memory,
           cg.pids[0] ? cg.pids : "none");
    char err[1024] = "";
    pb__problem *problem;
    int rc = pb__problem_open(PROBLEM, &problem, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        return check_summary("memcg");
    test_stale();
    test_limits(argv[1], &cg, problem);
    pb__problem_close(problem);
    return check_summary("memcg");
}
