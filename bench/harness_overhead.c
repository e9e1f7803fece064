/*
 * The harness's own cost, measured side by side in one process (see bench/README.md):
 *
 *  1. per evaluation: the host-counted oracle, called as a plugin calls it (through the
 *     pb_blackbox table), against a direct call of the same objective through a function
 *     pointer, over the same points; goal: overhead under 2 ns;
 *  2. per run: a trivial run (random-search, one evaluation) in an isolated child process
 *     (pb__isolate_run) against the same run in this process (pb__run_execute); goal:
 *     isolation under 2 ms per run.
 *
 * Both are timed as interleaved repetitions and reported as medians, and as the median of
 * the per-repetition differences, so that a noisy neighbour on the machine moves both
 * variants of a repetition alike. --callgrind counts instructions instead of time.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blackbox/bb_problem.h"
#include "stats.h"
#include "isolate.h"
#include "loader.h"
#include "params.h"
#include "run.h"
#include "callgrind.h"


#define GOAL_EVAL_NS 2.0
#define GOAL_RUN_MS 2.0
#define MAX_PROBLEMS 8
#define MAX_REPS 1001
#define RING 64 /* points the timed loops cycle through */

/* Keeps the timed loops as separate, unspecialized functions: callgrind toggles on them. */
#if defined(__clang__)
#define BENCH_OPAQUE __attribute__((noinline))
#else
#define BENCH_OPAQUE __attribute__((noinline, noipa))
#endif

typedef struct options {
    uint64_t evals;           /* evaluations per timed loop */
    int reps;                 /* interleaved repetitions of the two loops */
    size_t runs;              /* runs per batch, part 2 */
    int batches;              /* interleaved batches, part 2 */
    const char *problems[MAX_PROBLEMS];
    int n_problems;
    const char *plugin;       /* name or path of the plugin for part 2 */
    const char *only;         /* "counted" or "direct": one loop, for callgrind */
    int callgrind;            /* count instructions under valgrind instead of timing */
    uint64_t max_instructions; /* with callgrind: the counted oracle's limit, 0 = none */
    int skip_evals;           /* part 2 only */
    int skip_runs;            /* part 1 only */
} options;

/*
 * n evaluations through the counted oracle exactly as a plugin makes them: the pointer is
 * read from the table each time and the result is used. The points cycle through a ring
 * of RING distinct points written beforehand: no evaluation can be hoisted or merged, and
 * the loop stores nothing into x (a plugin-style store of one coordinate just before the
 * call costs ~8 ns here in a failed store-to-load forwarding, which would swamp both).
 */
BENCH_OPAQUE double bench_loop_counted(const pb_blackbox *f, const double *ring, uint64_t n)
{
    double acc = 0.0;
    for (uint64_t k = 0; k < n; k++)
        acc += f->evaluate(f, ring + (k % RING) * f->dim);
    return acc;
}

/* The same loop calling the uncounted objective through its function pointer. */
BENCH_OPAQUE double bench_loop_direct(pb__bb_problem *p, const double *ring, uint64_t n)
{
    double acc = 0.0;
    for (uint64_t k = 0; k < n; k++)
        acc += p->objective(p, ring + (k % RING) * p->dim);
    return acc;
}

/* Where loop results go, so that the compiler must compute them. */
static volatile double sink;

/* What the table prints next to a goal. */
static const char *verdict(double value, double goal)
{
    return value < goal ? "PASS" : "FAIL";
}

/* Opens a blackbox problem, or exits with the harness's message. */
static pb__bb_problem *open_blackbox(const char *id)
{
    pb__problem *base;
    char err[1024];
    if (pb__problem_open(id, &base, err, sizeof err) != 0) {
        fprintf(stderr, "harness_overhead: %s\n", err);
        exit(2);
    }
    if (strcmp(base->family->kind->abi_kind, PB_KIND_BLACKBOX) != 0) {
        fprintf(stderr, "harness_overhead: '%s' is not a blackbox problem\n", id);
        exit(2);
    }
    return (pb__bb_problem *)base;
}

/* Makes the problem fresh again (nothing counted, no best value), as a new run sees it. */
static void reset_problem(pb__bb_problem *p)
{
    p->base.cost = 0;
    p->base.exhausted = 0;
    p->base.target_hit_cost = 0;
    p->best = INFINITY;
}

/*
 * RING points of the problem's dimension, row after row: coordinates drawn uniformly in
 * [-4, 4] by a fixed generator, so that every run of the benchmark evaluates the same ones.
 */
static double *make_ring(const pb__bb_problem *p)
{
    double *ring = malloc(RING * p->dim * sizeof *ring);
    if (!ring) {
        fprintf(stderr, "harness_overhead: out of memory\n");
        exit(2);
    }
    uint64_t s = 88172645463325252ULL; /* xorshift64 */
    for (size_t i = 0; i < (size_t)RING * p->dim; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        ring[i] = -4.0 + 8.0 * (double)(s >> 11) * 0x1p-53;
    }
    return ring;
}

/* Runs one loop alone, untimed: what callgrind measures in --only mode. */
static int run_only(const options *o)
{
    pb__bb_problem *p = open_blackbox(o->problems[0]);
    double *ring = make_ring(p);
    if (strcmp(o->only, "counted") == 0)
        sink = bench_loop_counted(&p->oracle, ring, o->evals);
    else
        sink = bench_loop_direct(p, ring, o->evals);
    printf("%s %s: %llu evaluations, sum %.17g\n", o->only, o->problems[0],
           (unsigned long long)o->evals, sink);
    free(ring);
    pb__problem_close(&p->base);
    return 0;
}

/*
 * CPU seconds this thread has used. Part 1 times with it rather than the wall clock: on a
 * shared machine a loop may be preempted, and the time spent waiting is not evaluation.
 */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Times one loop variant once; returns ns of CPU time per evaluation. */
static double time_loop(pb__bb_problem *p, const double *ring, uint64_t n, int counted)
{
    double t0 = cpu_now();
    sink = counted ? bench_loop_counted(&p->oracle, ring, n) : bench_loop_direct(p, ring, n);
    return (cpu_now() - t0) * 1e9 / (double)n;
}

/*
 * Part 1 for one problem: reps interleaved pairs (the order alternates, so that a drift in
 * clock speed favours neither), then medians and the median of the pairwise differences.
 * Returns the median overhead in ns per evaluation.
 */
static double eval_overhead(const options *o, const char *id)
{
    pb__bb_problem *p = open_blackbox(id);
    double *ring = make_ring(p);
    double counted[MAX_REPS], direct[MAX_REPS], diff[MAX_REPS];
    time_loop(p, ring, o->evals / 4 + 1, 1); /* warm-up: caches, branch predictors, clock */
    time_loop(p, ring, o->evals / 4 + 1, 0);
    for (int r = 0; r < o->reps; r++) {
        if (r % 2 == 0) {
            counted[r] = time_loop(p, ring, o->evals, 1);
            direct[r] = time_loop(p, ring, o->evals, 0);
        } else {
            direct[r] = time_loop(p, ring, o->evals, 0);
            counted[r] = time_loop(p, ring, o->evals, 1);
        }
        diff[r] = counted[r] - direct[r];
    }
    size_t reps = (size_t)o->reps;
    double mc = pb__median(counted, reps), md = pb__median(direct, reps);
    double over = pb__median(diff, reps);
    printf("%-16s %9.2f %9.2f %9.2f  [%5.2f, %5.2f] %6.2f   %s\n", id, mc, md, over,
           pb__quantile(diff, reps, 0.25), pb__quantile(diff, reps, 0.75), mc / md,
           verdict(over, GOAL_EVAL_NS));
    if (p->base.cost == 0)
        printf("  (warning: nothing was counted)\n");
    free(ring);
    pb__problem_close(&p->base);
    return over;
}

/*
 * Runs this program under callgrind in --only mode for one variant, collecting only inside
 * its loop function; returns instructions per evaluation, or NaN when valgrind failed.
 */
static double callgrind_per_eval(const options *o, const char *id, const char *variant)
{
    char evals[32], what[160];
    snprintf(evals, sizeof evals, "%llu", (unsigned long long)o->evals);
    char *args[] = {"--only", (char *)variant, "--problem", (char *)id, "--evals", evals, NULL};
    callgrind_cmd cmd;
    if (callgrind_command("harness_overhead", variant, args, &cmd) != 0)
        return NAN;
    snprintf(what, sizeof what, "%s %s", variant, id);
    return callgrind_run(&cmd, "harness_overhead", what) / (double)o->evals;
}

/*
 * Part 1 under callgrind: instructions per evaluation, counted and direct, per problem.
 * Returns nonzero when valgrind failed or an overhead exceeds o->max_instructions.
 */
static int count_instructions(const options *o)
{
    printf("instructions per evaluation (callgrind, %llu evaluations, loop functions only)\n",
           (unsigned long long)o->evals);
    printf("%-16s %9s %9s %9s\n", "problem", "counted", "direct", "overhead");
    int failed = 0;
    for (int i = 0; i < o->n_problems; i++) {
        double c = callgrind_per_eval(o, o->problems[i], "counted");
        double d = callgrind_per_eval(o, o->problems[i], "direct");
        /* Rounded: the first pass's improvements add a fraction that shrinks with evals. */
        int over = o->max_instructions && round(c - d) > (double)o->max_instructions;
        failed |= isnan(c) || isnan(d) || over;
        printf("%-16s %9.2f %9.2f %9.2f%s\n", o->problems[i], c, d, c - d,
               over ? "   over the limit" : "");
    }
    return failed;
}

/* What part 2 keeps of each isolated run: how many ended well. */
static void count_ok(void *user, size_t index, const pb__job_result *result)
{
    (void)index;
    const pb__outcome *out = &result->outcome;
    if (out->status != PB__STATUS_OK || out->cost != 1) {
        fprintf(stderr, "harness_overhead: isolated run ended with status %s (%s)\n",
                pb__status_name(out->status), out->message);
        *(size_t *)user += 1;
    }
}

/* The in-process stand-in for the child's trace pipe: keeps the last point. */
static void keep_point(void *user, const pb__trace_point *point)
{
    *(pb__trace_point *)user = *point;
}

/* K trivial runs in this process, each on a fresh problem; returns ms per run. */
static double runs_in_process(const pb__job *job, size_t k, size_t *failures)
{
    pb__bb_problem *p = (pb__bb_problem *)job->problem;
    pb__trace_point last;
    pb__outcome out;
    double t0 = pb__now();
    for (size_t i = 0; i < k; i++) {
        reset_problem(p);
        pb__run_execute(job->plugin, job->params, job->problem, job->seed, &job->limits,
                        keep_point, NULL, &last, &out);
        *failures += out.status != PB__STATUS_OK || out.cost != 1;
    }
    return (pb__now() - t0) * 1e3 / (double)k;
}

/* K trivial runs, each in its own child process, parallel at once; returns ms per run. */
static double runs_isolated(const pb__job *jobs, size_t k, unsigned parallel, size_t *failures)
{
    pb__isolation iso = {.parallel = parallel, .timeout_seconds = 60,
                         .memory_bytes = 4096ull << 20};
    reset_problem((pb__bb_problem *)jobs[0].problem); /* each child copies it as it is now */
    double t0 = pb__now();
    if (pb__isolate_run(jobs, k, &iso, count_ok, failures) != 0) {
        fprintf(stderr, "harness_overhead: interrupted\n");
        exit(1);
    }
    return (pb__now() - t0) * 1e3 / (double)k;
}

/*
 * Part 2: batches of K runs in process, isolated with parallel=1 and with parallel=2,
 * interleaved (the order rotates each batch). Returns the median isolation cost per run
 * in ms: isolated (parallel=1) minus in process, batch by batch.
 */
static double run_overhead(const options *o)
{
    char dirs[16][PATH_MAX], err[2048];
    size_t n_dirs = pb__plugin_dirs(NULL, 0, dirs, 16);
    pb__plugin_file plugin;
    if (pb__plugin_resolve(o->plugin, dirs, n_dirs, &plugin, err, sizeof err) != 0) {
        fprintf(stderr, "harness_overhead: %s\n", err);
        exit(2);
    }
    pb__bb_problem *p = open_blackbox(o->problems[0]);
    pb_value *values = calloc(plugin.desc->n_params + 1, sizeof *values);
    pb__job *jobs = calloc(o->runs, sizeof *jobs);
    if (!values || !jobs) {
        fprintf(stderr, "harness_overhead: out of memory\n");
        exit(2);
    }
    pb__params_defaults(plugin.desc, values);
    for (size_t i = 0; i < o->runs; i++)
        jobs[i] = (pb__job){&plugin, values, &p->base, 1, {.budget = {.cost = 1}, .target = NAN}, PB__SAVE_NONE, NULL};
    /* In process, the plugin is opened once; each isolated run opens it in its child (as
     * in plugbench run), which is part of the isolation cost. */
    pb__plugin_file opened = plugin;
    if (pb__plugin_open(&opened, err, sizeof err) != 0) {
        fprintf(stderr, "harness_overhead: %s\n", err);
        exit(2);
    }
    pb__job in_process = jobs[0];
    in_process.plugin = &opened;

    double inproc[MAX_REPS], iso1[MAX_REPS], iso2[MAX_REPS], diff[MAX_REPS];
    size_t failures = 0;
    runs_in_process(&in_process, o->runs / 10 + 1, &failures); /* warm-up */
    runs_isolated(jobs, o->runs / 10 + 1, 1, &failures);
    for (int b = 0; b < o->batches; b++) {
        for (int step = 0; step < 3; step++) {
            switch ((b + step) % 3) {
            case 0: inproc[b] = runs_in_process(&in_process, o->runs, &failures); break;
            case 1: iso1[b] = runs_isolated(jobs, o->runs, 1, &failures); break;
            default: iso2[b] = runs_isolated(jobs, o->runs, 2, &failures); break;
            }
        }
        diff[b] = iso1[b] - inproc[b];
    }
    size_t batches = (size_t)o->batches;
    double mi = pb__median(inproc, batches), m1 = pb__median(iso1, batches);
    double m2 = pb__median(iso2, batches), cost = pb__median(diff, batches);
    printf("per-run cost (%s, 1 evaluation on %s; %zu runs x %d batches, interleaved; "
           "medians over batches)\n",
           plugin.desc->name, o->problems[0], o->runs, o->batches);
    printf("%-24s %10s %10s\n", "mode", "ms/run", "runs/s");
    printf("%-24s %10.4f %10.0f\n", "in process", mi, 1e3 / mi);
    printf("%-24s %10.4f %10.0f\n", "isolated, parallel=1", m1, 1e3 / m1);
    printf("%-24s %10.4f %10.0f   (%.2fx the throughput of parallel=1)\n",
           "isolated, parallel=2", m2, 1e3 / m2, m1 / m2);
    printf("isolation cost per run: %.4f ms [%.4f, %.4f]   goal < %.0f ms: %s\n", cost,
           pb__quantile(diff, batches, 0.25), pb__quantile(diff, batches, 0.75), GOAL_RUN_MS,
           verdict(cost, GOAL_RUN_MS));
    if (failures)
        printf("  (warning: %zu runs did not end with status ok after 1 evaluation)\n",
               failures);
    free(jobs);
    free(values);
    pb__problem_close(&p->base);
    pb__plugin_unload(&plugin);
    return cost;
}

/* The options, for --help and after a bad argument. */
static void usage(FILE *to)
{
    fprintf(to,
            "usage: harness_overhead [options]\n"
            "  --evals N        evaluations per timed loop (default 250000)\n"
            "  --reps R         interleaved repetitions of part 1 (default 101)\n"
            "  --runs K         runs per batch in part 2 (default 200)\n"
            "  --batches B      interleaved batches in part 2 (default 11)\n"
            "  --problem ID     a blackbox problem; repeat for several\n"
            "                   (default sphere-d2-i1 and sphere-d10-i1)\n"
            "  --plugin P       plugin name or .so path for part 2 (default random-search)\n"
            "  --no-evals       part 2 only (per-run cost)\n"
            "  --no-runs        part 1 only (per-evaluation cost)\n"
            "  --callgrind      instructions per evaluation under valgrind instead of time\n"
            "                   (default --evals 1000000)\n"
            "  --max-instructions N  with --callgrind: exit 1 when the counted oracle costs\n"
            "                   more than N instructions per evaluation over the direct call\n"
            "                   (rounded to a whole instruction)\n"
            "  --only V         run one loop (counted or direct) once on the first problem,\n"
            "                   untimed: what --callgrind runs under valgrind\n");
}

/* Parses a positive integer option value, or exits with usage. */
static uint64_t positive(const char *name, const char *text, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (!text || errno || *end || v < 1 || v > max) {
        fprintf(stderr, "harness_overhead: %s needs an integer in [1, %llu]\n", name,
                (unsigned long long)max);
        exit(2);
    }
    return v;
}

/* Fills o from the command line; exits with usage on anything unknown. */
static void parse(int argc, char **argv, options *o)
{
    int evals_given = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(a, "--evals") == 0)
            o->evals = positive(a, v, UINT64_C(1) << 40), evals_given = 1;
        else if (strcmp(a, "--reps") == 0)
            o->reps = (int)positive(a, v, MAX_REPS);
        else if (strcmp(a, "--runs") == 0)
            o->runs = positive(a, v, 1000000);
        else if (strcmp(a, "--batches") == 0)
            o->batches = (int)positive(a, v, MAX_REPS);
        else if (strcmp(a, "--problem") == 0 && v && o->n_problems < MAX_PROBLEMS)
            o->problems[o->n_problems++] = v;
        else if (strcmp(a, "--plugin") == 0 && v)
            o->plugin = v;
        else if (strcmp(a, "--only") == 0 && v &&
                 (strcmp(v, "counted") == 0 || strcmp(v, "direct") == 0))
            o->only = v;
        else if (strcmp(a, "--callgrind") == 0)
            o->callgrind = 1, takes = 0;
        else if (strcmp(a, "--max-instructions") == 0)
            o->max_instructions = positive(a, v, 1000000);
        else if (strcmp(a, "--no-evals") == 0)
            o->skip_evals = 1, takes = 0;
        else if (strcmp(a, "--no-runs") == 0)
            o->skip_runs = 1, takes = 0;
        else if (strcmp(a, "--help") == 0)
            usage(stdout), exit(0);
        else
            usage(stderr), exit(2);
        i += takes;
    }
    if (o->n_problems == 0) {
        o->problems[o->n_problems++] = "sphere-d2-i1";
        o->problems[o->n_problems++] = "sphere-d10-i1";
    }
    if (o->callgrind && !evals_given)
        o->evals = 1000000;
}

/* Part 1 then part 2 (or one of the special modes); exits 1 when a goal is missed. */
int main(int argc, char **argv)
{
    options o = {.evals = 250000, .reps = 101, .runs = 200, .batches = 11,
                 .plugin = "random-search"};
    parse(argc, argv, &o);
    if (o.only)
        return run_only(&o);
    if (o.callgrind)
        return count_instructions(&o);

    int failed = 0;
    if (!o.skip_evals) {
        printf("per-evaluation cost, ns of CPU time (%llu evaluations x %d repetitions, "
               "interleaved; medians)\n",
               (unsigned long long)o.evals, o.reps);
        printf("%-16s %9s %9s %9s  %-14s %6s   goal < %.0f ns\n", "problem", "counted",
               "direct", "overhead", "[q1, q3]", "ratio", GOAL_EVAL_NS);
        for (int i = 0; i < o.n_problems; i++)
            failed |= eval_overhead(&o, o.problems[i]) >= GOAL_EVAL_NS;
    }
    if (!o.skip_evals && !o.skip_runs)
        printf("\n");
    if (!o.skip_runs)
        failed |= run_overhead(&o) >= GOAL_RUN_MS;
    return failed;
}
