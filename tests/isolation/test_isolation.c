/*
 * The isolation layer against misbehaving plugins (bad_plugin.c): every bad run must end
 * with its own status, and a well-behaved random search among them must still finish with
 * its whole budget. Also: a run's trace depends on its seed only.
 *
 * Usage: test_isolation <directory of the test plugins> <path of random-search.so>
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "isolate.h"
#include "params.h"
#include "procs.h"
#include "sanitizers.h"
#include "text.h"
#include "usage.h"

/* valgrind's header comes with callgrind's (framework/meson.build's callgrind_args). */
#ifdef PB_HAVE_CALLGRIND
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#ifdef PB__UNDER_ASAN
/* AddressSanitizer turns SIGSEGV into exit status 1; the crash must stay a signal here. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "handle_segv=0"; }
static const int under_asan = 1;
#else
static const int under_asan = 0;
#endif

#define PROBLEM "sphere-d5-i1"
#define BAD_BUDGET 20   /* evaluations for each bad run: one per step, as batch is 1 */
#define GOOD_BUDGET 2000
/*
 * The limit that kills bad-loop, and that every other bad run must finish well within: 6 s
 * keeps the test at a few seconds yet leaves bad-memory room on a machine loaded 6x over
 * (at 2 s it timed out there).
 */
#define TIMEOUT 6.0
/*
 * Far below a real suite's limit: touching fresh pages is slow (0.4 to 0.8 GiB/s on a small
 * VM, less when tests run side by side), and bad-memory must fill its limit well within
 * TIMEOUT. 128 MiB still holds one of its 64 MiB chunks next to the test's own 4 MiB.
 */
#define MEMORY_MIB 128
#define MAX_JOBS 16

/* A run to make, and what must become of it. */
typedef struct expected {
    const char *plugin;  /* a test plugin's name, or "random-search" */
    int32_t status;
    int signal;          /* for crashes */
    const char *message; /* a substring of the outcome's message, or NULL */
} expected;

/*
 * Random search sits among the bad runs, next to the spinning bad-loop, to show it is not
 * disturbed by them. bad-memory goes first, so that bad-loop does not slow it down.
 */
static const expected cases[] = {
    {"bad-memory", PB__STATUS_ERROR, 0, "memory"},
    {"bad-segv", PB__STATUS_CRASHED, SIGSEGV, "signal"},
    {"bad-loop", PB__STATUS_TIMEOUT, 0, "wall-clock"},
    {"random-search", PB__STATUS_OK, 0, NULL},
    {"bad-abort", PB__STATUS_CRASHED, SIGABRT, "signal"},
    {"bad-nonfinite", PB__STATUS_NONFINITE, 0, NULL},
    {"bad-noisy", PB__STATUS_OK, 0, NULL},
    {"bad-exit", PB__STATUS_ERROR, 0, "exited with status 3"},
    {"bad-create", PB__STATUS_ERROR, 0, "bad-create refuses every problem"},
    {"bad-stepfail", PB__STATUS_ERROR, 0, "bad-stepfail: step 2 fails on purpose"},
    {"bad-peek", PB__STATUS_ERROR, 0, "solution() called an oracle"},
};
_Static_assert(sizeof cases / sizeof cases[0] <= MAX_JOBS, "raise MAX_JOBS");

/* What the done callback saw for one job. */
typedef struct report {
    pb__job_result result; /* trace: a copy of ours, as the isolation layer frees its own */
    int times;             /* how many times the job was reported */
} report;

typedef struct reports {
    report *runs;
    size_t n;
    int stray; /* reports of indices outside the jobs */
} reports;

/* The done callback: keeps a copy of each result, counting the reports per index. */
static void on_done(void *user, size_t index, const pb__job_result *result)
{
    reports *r = user;
    if (index >= r->n) {
        r->stray++;
        return;
    }
    report *run = &r->runs[index];
    free(run->result.trace);
    run->result = *result;
    run->result.trace = calloc(result->n_trace + 1, sizeof *result->trace);
    if (run->result.trace && result->n_trace)
        memcpy(run->result.trace, result->trace, result->n_trace * sizeof *result->trace);
    size_t values = result->n_solutions * result->solution_length;
    run->result.solutions = values ? malloc(values * sizeof(double)) : NULL;
    if (run->result.solutions)
        memcpy(run->result.solutions, result->solutions, values * sizeof(double));
    else
        run->result.n_solutions = 0;
    run->times++;
}

/* Runs jobs in one isolated batch; checks every job is reported exactly once. */
static report *run_all(const pb__job *jobs, size_t n, const pb__isolation *iso)
{
    reports r = {calloc(n, sizeof *r.runs), n, 0};
    int rc = r.runs ? pb__isolate_run(jobs, n, iso, on_done, &r) : -1;
    CHECK(rc == 0, "pb__isolate_run did not run every job");
    if (rc != 0)
        exit(check_summary("isolation"));
    CHECK(r.stray == 0, "%d reports for indices that are not jobs", r.stray);
    for (size_t i = 0; i < n; i++)
        CHECK(r.runs[i].times == 1, "job %zu was reported %d times", i, r.runs[i].times);
    return r.runs;
}

/* Frees what run_all returned. */
static void free_reports(report *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(runs[i].result.trace);
        free(runs[i].result.solutions);
    }
    free(runs);
}

/* Loads the plugin at path or exits: without it nothing else can be tested. */
static void load(const char *path, pb__plugin_file *plugin)
{
    char err[1024] = "";
    int rc = pb__plugin_load(path, plugin, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        exit(check_summary("isolation"));
}

/* Fills values with the plugin's defaults but name = text, or exits. */
static void params_with(const pb__plugin_file *plugin, pb_value *values, const char *name,
                        const char *text)
{
    char err[1024] = "";
    pb__params_defaults(plugin->desc, values);
    int rc = pb__param_set(plugin->desc, values, name, text, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        exit(check_summary("isolation"));
}

/* Loads test plugin name from dir with batch 1 (one evaluation a step) into plugin and
 * values, and returns its job on problem: seed 1, the bad runs' budget. Exits on failure. */
static pb__job bad_job(const char *dir, const char *name, pb__problem *problem,
                       pb__plugin_file *plugin, pb_value *values)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.so", dir, name);
    load(path, plugin);
    params_with(plugin, values, "batch", "1");
    return (pb__job){.plugin = plugin, .params = values, .problem = problem, .seed = 1,
                     .limits = {.budget = {.cost = BAD_BUDGET}, .target = NAN}};
}

/* The isolation of these tests: parallel runs at a time, each killed after timeout_seconds
 * and held to MEMORY_MIB. */
static pb__isolation limited(int parallel, double timeout_seconds)
{
    return (pb__isolation){.parallel = parallel, .timeout_seconds = timeout_seconds,
                           .memory_bytes = (uint64_t)MEMORY_MIB << 20};
}

/* Runs test plugin name from dir alone, as bad_job makes its job, isolated with
 * timeout_seconds; returns its one report, for free_reports(runs, 1). */
static report *run_bad(const char *dir, const char *name, pb__problem *problem,
                       double timeout_seconds)
{
    pb__plugin_file plugin;
    pb_value values[8];
    pb__job job = bad_job(dir, name, problem, &plugin, values);
    pb__isolation iso = limited(1, timeout_seconds);
    report *runs = run_all(&job, 1, &iso);
    pb__plugin_unload(&plugin);
    return runs;
}

/* The checks particular to one case, beyond its status and message. */
static void check_details(const char *plugin, const pb__job_result *r)
{
    const pb__outcome *o = &r->outcome;
    if (strcmp(plugin, "bad-segv") == 0) {
        /* Steps 1 and 2 crossed the checkpoints at 1 and 2 evaluations before the crash. */
        CHECK(r->n_trace >= 1, "bad-segv: the trace before the crash was lost");
        CHECK(r->n_trace == 0 || r->trace[r->n_trace - 1].cost == (double)o->cost,
              "bad-segv: cost %llu is not the last trace point's", (unsigned long long)o->cost);
    } else if (strcmp(plugin, "bad-loop") == 0) {
        CHECK(r->wall_seconds >= TIMEOUT - 0.1 && r->wall_seconds < TIMEOUT + 5,
              "bad-loop: killed after %.3f s, not at the %.1f s limit", r->wall_seconds, TIMEOUT);
    } else if (strcmp(plugin, "bad-memory") == 0) {
        /* It touched at least one 64 MiB chunk, and the limit held. Under valgrind (the
         * reliability run's memcheck part) valgrind's own mappings count against the
         * address-space limit, so less than a chunk fits: only the limit is checked. */
        CHECK((r->max_rss_mib > 64 || RUNNING_ON_VALGRIND) && r->max_rss_mib <= MEMORY_MIB,
              "bad-memory: peak resident %.0f MiB, not in (64, %d]", r->max_rss_mib, MEMORY_MIB);
    } else if (strcmp(plugin, "random-search") == 0) {
        CHECK(o->cost == GOOD_BUDGET && o->stop == PB__STOP_COST,
              "random-search: %llu of %d evaluations, stop %s", (unsigned long long)o->cost,
              GOOD_BUDGET, pb__stop_name(o->stop));
        CHECK(o->metrics[0] >= 0 && o->metrics[0] < 1e300,
              "random-search: best error %g is not a finite error", o->metrics[0]);
        CHECK(r->n_trace > 0 && r->trace[r->n_trace - 1].cost == GOOD_BUDGET,
              "random-search: the trace does not reach the budget");
        pb__limits limits = {.budget = {.cost = GOOD_BUDGET}, .target = NAN};
        CHECK(r->n_trace <= pb__trace_cap(&limits), "random-search: %zu trace points, cap %zu",
              r->n_trace, pb__trace_cap(&limits));
    } else if (strcmp(plugin, "bad-noisy") == 0) {
        /* The output itself is not printed: it spans lines. */
        CHECK(strstr(r->output, "bad-noisy: step 1 on stdout") != NULL,
              "bad-noisy: stdout was not captured (%zu bytes)", r->output_bytes);
        CHECK(strstr(r->output, "bad-noisy: step 1 on stderr") != NULL,
              "bad-noisy: stderr was not captured (%zu bytes)", r->output_bytes);
        /* About 1 KiB in all: less than the PB__OUTPUT_KEEP bytes kept. */
        CHECK(r->output_bytes > 0 && r->output_bytes == strlen(r->output),
              "bad-noisy: output_bytes %zu for %zu bytes kept", r->output_bytes,
              strlen(r->output));
    } else if (strcmp(plugin, "bad-nonfinite") == 0) {
        CHECK(o->iterations == 5, "bad-nonfinite: stopped after %llu steps, not 5",
              (unsigned long long)o->iterations);
    } else if (strcmp(plugin, "bad-stepfail") == 0) {
        CHECK(o->iterations == 2, "bad-stepfail: stopped after %llu steps, not 2",
              (unsigned long long)o->iterations);
    }
}

/* Every misbehaving plugin and random search in one batch, two at a time. */
static void test_misbehaviour(const char *dir, const char *random_search, pb__problem *problem)
{
    static pb__plugin_file plugins[MAX_JOBS];
    static pb_value values[MAX_JOBS][8];
    pb__job jobs[MAX_JOBS];
    const expected *want[MAX_JOBS];
    size_t n = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const expected *c = &cases[i];
        int good = strcmp(c->plugin, "random-search") == 0;
        /* Without a memory cgroup there is no limit; with one, reclaim at the limit under
         * AddressSanitizer can take longer than TIMEOUT on a loaded machine. */
        if (under_asan && strcmp(c->plugin, "bad-memory") == 0) {
            printf("note: bad-memory skipped under AddressSanitizer\n");
            continue;
        }
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.so", dir, c->plugin);
        load(good ? random_search : path, &plugins[n]);
        params_with(&plugins[n], values[n], "batch", good ? "10" : "1");
        jobs[n] = (pb__job){.plugin = &plugins[n], .params = values[n], .problem = problem,
                            .seed = 1 + i, .limits.target = NAN};
        jobs[n].limits.budget.cost = good ? GOOD_BUDGET : BAD_BUDGET;
        want[n++] = c;
    }
    pb__isolation iso = limited(2, TIMEOUT);
    report *runs = run_all(jobs, n, &iso);
    for (size_t i = 0; i < n; i++) {
        const pb__job_result *r = &runs[i].result;
        const expected *c = want[i];
        if (runs[i].times == 0)
            continue;
        CHECK(r->outcome.status == c->status, "%s: status %s, want %s (%s)", c->plugin,
              pb__status_name(r->outcome.status), pb__status_name(c->status),
              r->outcome.message);
        CHECK(r->signal == c->signal, "%s: signal %d, want %d", c->plugin, r->signal, c->signal);
        CHECK(!c->message || strstr(r->outcome.message, c->message),
              "%s: message '%s' does not say '%s'", c->plugin, r->outcome.message, c->message);
        check_details(c->plugin, r);
    }
    CHECK(problem->cost == 0, "the parent's problem was run (cost %llu)",
          (unsigned long long)problem->cost);
    free_reports(runs, n);
    for (size_t i = 0; i < n; i++)
        pb__plugin_unload(&plugins[i]);
}

/* Are the two traces the same bit for bit, leaving out the times? */
static int same_trace(const pb__job_result *a, const pb__job_result *b)
{
    if (a->n_trace != b->n_trace)
        return 0;
    for (size_t i = 0; i < a->n_trace; i++) {
        const pb__trace_point *p = &a->trace[i], *q = &b->trace[i];
        if (memcmp(&p->cost, &q->cost, sizeof p->cost) != 0 ||
            memcmp(&p->iterations, &q->iterations, sizeof p->iterations) != 0 ||
            memcmp(p->metrics, q->metrics, sizeof p->metrics) != 0)
            return 0;
    }
    return 1;
}

/* Two runs with one seed give one trace; another seed gives another. */
static void test_determinism(const char *random_search, pb__problem *problem)
{
    pb__plugin_file plugin;
    pb_value values[8];
    load(random_search, &plugin);
    pb__params_defaults(plugin.desc, values);
    const uint64_t seeds[] = {42, 42, 43};
    pb__job jobs[3];
    for (size_t i = 0; i < 3; i++) {
        jobs[i] = (pb__job){.plugin = &plugin, .params = values, .problem = problem,
                            .seed = seeds[i], .limits.target = NAN};
        jobs[i].limits.budget.cost = GOOD_BUDGET;
    }
    pb__isolation iso = limited(2, 10);
    report *runs = run_all(jobs, 3, &iso);
    for (size_t i = 0; i < 3; i++)
        CHECK(runs[i].result.outcome.status == PB__STATUS_OK && runs[i].result.n_trace > 1,
              "determinism: run %zu: status %s with %zu trace points", i,
              pb__status_name(runs[i].result.outcome.status), runs[i].result.n_trace);
    CHECK(same_trace(&runs[0].result, &runs[1].result),
          "determinism: two runs with seed 42 have different traces");
    CHECK(!same_trace(&runs[0].result, &runs[2].result),
          "determinism: seeds 42 and 43 give the same trace");
    free_reports(runs, 3);
    pb__plugin_unload(&plugin);
}

/*
 * What a run can write to beyond its own streams: bad-fds, run four times two at a time
 * with a private file passed as the caller's (as plugbench run passes its journal), must
 * see one pipe (its own message pipe), no pidfd and no private file. Without the children
 * closing what they inherit, the second of two concurrent runs sees the first one's two
 * pipes and its pidfd, and every run sees the private file.
 */
static void test_descriptors(const char *dir, pb__problem *problem)
{
    char private_path[] = "/tmp/plugbench-private-XXXXXX";
    pb__plugin_file plugin;
    pb_value values[8];
    pb__job jobs[4];
    jobs[0] = bad_job(dir, "bad-fds", problem, &plugin, values);
    int private_fd = mkstemp(private_path);
    CHECK(private_fd >= 0, "cannot create %s", private_path);
    for (int i = 1; i < 4; i++) {
        jobs[i] = jobs[0];
        jobs[i].seed = 1 + (uint64_t)i;
    }
    pb__isolation iso = limited(2, TIMEOUT);
    iso.private_fds = &private_fd;
    iso.n_private_fds = 1;
    report *runs = run_all(jobs, 4, &iso);
    for (int i = 0; i < 4; i++)
        CHECK(strstr(runs[i].result.output, "bad-fds: 1 pipes, 0 pidfds, 0 private files"),
              "bad-fds run %d sees only its own pipe: %s", i,
              runs[i].result.output);
    free_reports(runs, 4);
    pb__plugin_unload(&plugin);
    close(private_fd);
    unlink(private_path);
}

/*
 * The processes a run starts end with it: bad-grandchild leaves a sleeping grandchild in
 * its process group, bad-setsid one in a session of its own (outside the group, adopted by
 * the subreaper), and both must be gone once pb__isolate_run returns. bad-kill0 sends
 * SIGINT to its process group: that kills its own run (status crashed, SIGINT), and must
 * not reach this process, which would then stop the batch as interrupted.
 */
static void test_process_groups(const char *dir, pb__problem *problem)
{
    const char *names[] = {"bad-grandchild", "bad-setsid", "bad-kill0"};
    pb__plugin_file plugins[3];
    pb_value values[3][8];
    pb__job jobs[3];
    for (int i = 0; i < 3; i++)
        jobs[i] = bad_job(dir, names[i], problem, &plugins[i], values[i]);
    pb__isolation iso = limited(2, 10);
    report *runs = run_all(jobs, 3, &iso);
    for (int i = 0; i < 2; i++) {
        const pb__job_result *r = &runs[i].result;
        const char *at = strstr(r->output, "grandchild ");
        long pid = at ? atol(at + strlen("grandchild ")) : 0;
        CHECK(r->outcome.status == PB__STATUS_OK && pid > 0, "%s: status %s, output '%s'",
              names[i], pb__status_name(r->outcome.status), r->output);
        CHECK(pid <= 0 || proc_gone(pid), "%s: grandchild %ld outlived its run", names[i], pid);
        if (pid > 0 && !proc_gone(pid))
            kill((pid_t)pid, SIGKILL);
    }
    const pb__job_result *k = &runs[2].result;
    CHECK(k->outcome.status == PB__STATUS_CRASHED && k->signal == SIGINT,
          "bad-kill0: status %s, signal %d: want crashed by SIGINT",
          pb__status_name(k->outcome.status), k->signal);
    free_reports(runs, 3);
    for (int i = 0; i < 3; i++)
        pb__plugin_unload(&plugins[i]);
}

/* 1 when RLIMIT_NPROC binds this user (it does not bind root with CAP_SYS_RESOURCE). */
static int nproc_binds(void)
{
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit one = {1, 1};
        setrlimit(RLIMIT_NPROC, &one);
        pid_t again = fork();
        if (again == 0)
            _exit(0);
        _exit(again < 0 ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * bad-forkbomb forks sleeping children until fork fails, up to 600: the process limit
 * (PB__PROCESS_ALLOWANCE beyond the user's tasks) stops it well before. Where the limit
 * does not bind (root), it is not run: 600 processes would only load the machine.
 */
static void test_process_limit(const char *dir, pb__problem *problem)
{
    if (!nproc_binds()) {
        printf("note: bad-forkbomb skipped: RLIMIT_NPROC does not bind this user (root?)\n");
        return;
    }
    report *runs = run_bad(dir, "bad-forkbomb", problem, 20);
    const char *at = strstr(runs[0].result.output, "forked ");
    int n = at ? atoi(at + strlen("forked ")) : -1;
    CHECK(n >= 0 && n <= PB__PROCESS_ALLOWANCE, "bad-forkbomb: forked %d, allowance %d", n,
          PB__PROCESS_ALLOWANCE);
    free_reports(runs, 1);
}

/*
 * A plugin's error message reaches the results and the terminal: bad-badmsg's, made of an
 * escape sequence, a byte that is not UTF-8 and a C1 control, arrives as UTF-8 text without
 * control characters (each such byte a '?'), its words kept.
 */
static void test_messages(const char *dir, pb__problem *problem)
{
    report *runs = run_bad(dir, "bad-badmsg", problem, 10);
    const char *m = runs[0].result.outcome.message;
    CHECK(runs[0].result.outcome.status == PB__STATUS_ERROR, "bad-badmsg: status %s",
          pb__status_name(runs[0].result.outcome.status));
    CHECK(pb__text_problem(m) == NULL && strcmp(m, "?[31mred??? end?") == 0,
          "bad-badmsg: message '%s' is not the cleaned '?[31mred??? end?'", m);
    free_reports(runs, 1);
}

/*
 * Plugin code can write into the harness's message pipe (bad_plugin.c's forge()): the
 * parent must keep its memory bounded and refuse what the run loop could not have sent.
 * bad-flood sends 20000 valid-looking trace points, more than the 7 checkpoints a budget
 * of 20 evaluations has; bad-forge-cost a trace whose cost falls, then an ok outcome with
 * a best error of 0; bad-forge-status an outcome of status 9; bad-forge-solution a
 * solution of 128 values for a problem of 5, once where none was asked for and once where
 * the final solution was (beside a good run asking the same, whose solution must arrive
 * whole). Each must end as an error saying why, with no more points kept than the cap, no
 * forged metrics and no solution.
 */
static void test_forgery(const char *dir, pb__problem *problem)
{
    static const expected forgers[] = {
        {"bad-flood", PB__STATUS_ERROR, 0, "more trace points than checkpoints"},
        {"bad-forge-cost", PB__STATUS_ERROR, 0, "cost, iterations or time decrease"},
        {"bad-forge-status", PB__STATUS_ERROR, 0, "an unknown final status"},
        {"bad-forge-solution", PB__STATUS_ERROR, 0, "a solution that was not asked for"},
        {"bad-forge-solution", PB__STATUS_ERROR, 0, "beyond the problem's solution length"},
    };
    enum { N = sizeof forgers / sizeof forgers[0] };
    pb__plugin_file plugins[N + 1];
    pb_value values[N + 1][8];
    pb__job jobs[N + 1];
    for (int i = 0; i < N; i++)
        jobs[i] = bad_job(dir, forgers[i].plugin, problem, &plugins[i], values[i]);
    jobs[N - 1].save_solutions = PB__SAVE_FINAL;
    jobs[N] = bad_job(dir, "good-params", problem, &plugins[N], values[N]);
    jobs[N].save_solutions = PB__SAVE_FINAL;
    size_t cap = pb__trace_cap(&jobs[0].limits);
    /* 1, 2, 5, 10, 20, the point at PB_DONE and the final one; under 70 with no budget. */
    CHECK(cap == 7, "trace cap %zu for a budget of %d evaluations, want 7", cap, BAD_BUDGET);
    pb__limits unbounded = {.budget = {.seconds = 1}, .target = NAN};
    CHECK(pb__trace_cap(&unbounded) < 70, "trace cap %zu without a cost budget",
          pb__trace_cap(&unbounded));
    pb__isolation iso = limited(2, 10);
    iso.solution_bytes = 1 << 20;
    report *runs = run_all(jobs, N + 1, &iso);
    const pb__job_result *good = &runs[N].result;
    CHECK(good->outcome.status == PB__STATUS_OK && good->n_solutions == 1 &&
              !good->solutions_per_point && problem->handle.solution_length == 5,
          "good-params beside the forgers: status %s, %zu solutions",
          pb__status_name(good->outcome.status), good->n_solutions);
    for (uint64_t k = 0; good->n_solutions && k < problem->handle.solution_length; k++)
        CHECK(good->solutions[k] != 7.0 && isfinite(good->solutions[k]),
              "good-params' solution[%llu] is %g", (unsigned long long)k, good->solutions[k]);
    for (int i = 0; i < N; i++) {
        const pb__job_result *r = &runs[i].result;
        const expected *c = &forgers[i];
        CHECK(r->outcome.status == c->status && strstr(r->outcome.message, c->message) &&
                  strstr(r->outcome.message, "broke the protocol"),
              "%s: status %s, message '%s': want error saying '%s'", c->plugin,
              pb__status_name(r->outcome.status), r->outcome.message, c->message);
        CHECK(r->n_trace <= cap, "%s: %zu trace points kept, cap %zu", c->plugin, r->n_trace,
              cap);
        CHECK(isnan(r->outcome.metrics[0]), "%s: the forged best error %g was kept", c->plugin,
              r->outcome.metrics[0]);
        CHECK(r->n_solutions == 0, "%s: %zu solutions kept", c->plugin, r->n_solutions);
    }
    free_reports(runs, N + 1);
    for (int i = 0; i <= N; i++)
        pb__plugin_unload(&plugins[i]);
}

/* Runs the tests; exits nonzero when any check failed. */
int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 2, "<test plugin dir> <random-search.so>"))
        return 2;
    char err[1024] = "";
    pb__problem *problem;
    int rc = pb__problem_open(PROBLEM, &problem, err, sizeof err);
    CHECK(rc == 0, "%s", err);
    if (rc != 0)
        return check_summary("isolation");
    test_misbehaviour(argv[1], argv[2], problem);
    test_determinism(argv[2], problem);
    test_descriptors(argv[1], problem);
    test_process_groups(argv[1], problem);
    test_messages(argv[1], problem);
    test_forgery(argv[1], problem);
    test_process_limit(argv[1], problem);
    pb__problem_close(problem);
    return check_summary("isolation");
}
