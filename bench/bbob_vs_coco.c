/*
 * bbob evaluation throughput, plugbench against COCO's own C implementation, side by side
 * in one process on the same points (see bench/README.md). Built and run by
 * bench/bbob_vs_coco.sh, which compiles this file with COCO's amalgamated coco.c (never
 * part of this repository) and links plugbench's libplugbench.
 *
 * For each function and dimension it opens COCO's problem (the bbob suite's, through
 * COCO's public suite API) and plugbench's "bbob-f<NN>-d<dim>-i<instance>", checks that
 * both give the same values on M fixed points, then times three loops over those points,
 * interleaved, and reports medians in ns per evaluation:
 *
 *   coco     coco_evaluate_function(problem, x, &y): what a COCO user pays (its non-finite
 *            checks, the layered problem, its evaluation count and best-value bookkeeping);
 *   counted  oracle->evaluate(oracle, x), plugbench's counted oracle: what a plugin pays
 *            (budget check, evaluation count, best-so-far tracking);
 *   direct   ((pb__bb_problem *)p)->objective(p, x): plugbench's objective alone.
 *
 * The goal (PASS) is COCO/counted >= 1 on every line: a plugin's evaluation costs no
 * more than a COCO user's. --callgrind counts instructions instead of time.
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
#include "coco.h"
#include "callgrind.h"


#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS "(not given)"
#endif

#if defined(__clang__)
#define BENCH_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define BENCH_COMPILER "gcc " __VERSION__
#else
#define BENCH_COMPILER "unknown compiler"
#endif

#define MAX_CASES 64
#define MAX_REPS 1001
#define AGREE_REL 1e-9 /* largest relative difference of values accepted as agreement */

/* Keeps the timed loops as separate, unspecialized functions: callgrind toggles on them. */
#if defined(__clang__)
#define BENCH_OPAQUE __attribute__((noinline))
#else
#define BENCH_OPAQUE __attribute__((noinline, noipa))
#endif

enum side { SIDE_COCO, SIDE_COUNTED, SIDE_DIRECT, N_SIDES };
static const char *const side_names[N_SIDES] = {"coco", "counted", "direct"};

typedef struct options {
    int functions[MAX_CASES], n_functions;
    int dims[MAX_CASES], n_dims;
    int instance;
    size_t points;    /* M */
    int reps;         /* interleaved repetitions */
    double block_ms;  /* CPU time one timed block should take; sets the passes K */
    uint64_t passes;  /* K, fixed (0: calibrated from block_ms) */
    int callgrind;    /* count instructions under valgrind instead of timing */
    const char *only; /* "coco", "counted" or "direct": one loop once, for callgrind */
} options;

/* One function/dimension: both problems and the points. */
typedef struct bench_case {
    int fn, dim;
    coco_suite_t *suite;
    coco_problem_t *coco;
    pb__bb_problem *pb;
    double *x; /* points * dim */
    size_t points;
} bench_case;

/* Where loop results go, so that the compiler must compute them. */
static volatile double sink;

/*
 * The three loops: passes times over the m points, in order, adding up the values. Their
 * bodies differ only in the call.
 */
BENCH_OPAQUE double bench_loop_coco(coco_problem_t *p, const double *x, size_t m, size_t dim,
                                    uint64_t passes)
{
    double acc = 0.0, y;
    for (uint64_t k = 0; k < passes; k++)
        for (size_t i = 0; i < m; i++) {
            coco_evaluate_function(p, x + i * dim, &y);
            acc += y;
        }
    return acc;
}

BENCH_OPAQUE double bench_loop_counted(const pb_blackbox *f, const double *x, size_t m,
                                       size_t dim, uint64_t passes)
{
    double acc = 0.0;
    for (uint64_t k = 0; k < passes; k++)
        for (size_t i = 0; i < m; i++)
            acc += f->evaluate(f, x + i * dim);
    return acc;
}

BENCH_OPAQUE double bench_loop_direct(pb__bb_problem *p, const double *x, size_t m, size_t dim,
                                      uint64_t passes)
{
    double acc = 0.0;
    for (uint64_t k = 0; k < passes; k++)
        for (size_t i = 0; i < m; i++)
            acc += p->objective(p, x + i * dim);
    return acc;
}

/* Runs one side's loop. */
static double run_side(const bench_case *c, int side, uint64_t passes)
{
    switch (side) {
    case SIDE_COCO:
        return bench_loop_coco(c->coco, c->x, c->points, (size_t)c->dim, passes);
    case SIDE_COUNTED:
        return bench_loop_counted(&c->pb->oracle, c->x, c->points, (size_t)c->dim, passes);
    default:
        return bench_loop_direct(c->pb, c->x, c->points, (size_t)c->dim, passes);
    }
}

/* CPU seconds this thread has used: time spent preempted is not evaluation. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Times one block (passes over all points) of one side; ns per evaluation. */
static double time_side(const bench_case *c, int side, uint64_t passes)
{
    double t0 = cpu_now();
    sink = run_side(c, side, passes);
    return (cpu_now() - t0) * 1e9 / ((double)passes * (double)c->points);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n);
    if (!p) {
        fprintf(stderr, "bbob_vs_coco: out of memory\n");
        exit(2);
    }
    return p;
}

/*
 * Opens both problems of function fn in dimension dim and draws the points: uniform in
 * [-5, 5]^dim from splitmix64 with a fixed seed, the same on every run.
 */
static void case_open(bench_case *c, int fn, int dim, const options *o)
{
    char inst[64], opts[128], id[64], err[1024];
    c->fn = fn, c->dim = dim, c->points = o->points;
    snprintf(inst, sizeof inst, "instances: %d", o->instance);
    snprintf(opts, sizeof opts, "function_indices: %d dimensions: %d", fn, dim);
    c->suite = coco_suite("bbob", inst, opts);
    c->coco = c->suite ? coco_suite_get_problem_by_function_dimension_instance(
                             c->suite, (size_t)fn, (size_t)dim, (size_t)o->instance)
                       : NULL;
    if (!c->coco || coco_problem_get_dimension(c->coco) != (size_t)dim) {
        fprintf(stderr, "bbob_vs_coco: COCO's bbob suite has no f%d in d=%d, instance %d\n", fn,
                dim, o->instance);
        exit(2);
    }
    snprintf(id, sizeof id, "bbob-f%02d-d%d-i%d", fn, dim, o->instance);
    pb__problem *base;
    if (pb__problem_open(id, &base, err, sizeof err) != 0) {
        fprintf(stderr, "bbob_vs_coco: %s\n", err);
        exit(2);
    }
    c->pb = (pb__bb_problem *)base;
    c->x = xmalloc(c->points * (size_t)dim * sizeof *c->x);
    uint64_t s = 0x5eed0000u + 1000u * (uint64_t)fn + (uint64_t)dim;
    for (size_t i = 0; i < c->points * (size_t)dim; i++) {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        c->x[i] = -5.0 + 10.0 * (double)(z >> 11) * 0x1p-53;
    }
}

static void case_close(bench_case *c)
{
    coco_problem_free(c->coco);
    coco_suite_free(c->suite);
    pb__problem_close(&c->pb->base);
    free(c->x);
}

/*
 * Evaluates every point on each side once (which also warms caches and binds the library
 * calls before anything is timed or counted). Returns the largest relative difference
 * between COCO's value and plugbench's; *counted_ok is 0 when the counted oracle ever
 * differs from the direct objective.
 */
static double case_check(const bench_case *c, int *counted_ok)
{
    double worst = 0.0;
    *counted_ok = 1;
    for (size_t i = 0; i < c->points; i++) {
        const double *x = c->x + i * (size_t)c->dim;
        double yc, yd = c->pb->objective(c->pb, x);
        double yk = c->pb->oracle.evaluate(&c->pb->oracle, x);
        coco_evaluate_function(c->coco, x, &yc);
        double scale = fmax(fabs(yc), fabs(yd));
        double rel = yc == yd ? 0.0 : scale > 0.0 ? fabs(yc - yd) / scale : INFINITY;
        if (!(rel <= worst)) /* NaN counts as the worst */
            worst = isnan(rel) ? INFINITY : rel;
        if (memcmp(&yd, &yk, sizeof yd) != 0)
            *counted_ok = 0;
    }
    return worst;
}

/* --only: one side's loop, once, after the check; what callgrind measures. */
static int run_only(const options *o)
{
    int side = -1;
    for (int s = 0; s < N_SIDES; s++)
        if (strcmp(o->only, side_names[s]) == 0)
            side = s;
    if (side < 0) {
        fprintf(stderr, "bbob_vs_coco: --only takes coco, counted or direct\n");
        return 2;
    }
    bench_case c;
    int counted_ok;
    case_open(&c, o->functions[0], o->dims[0], o);
    case_check(&c, &counted_ok);
    uint64_t passes = o->passes ? o->passes : 1;
    sink = run_side(&c, side, passes);
    printf("%s f%d d%d: %llu evaluations, sum %.17g\n", o->only, c.fn, c.dim,
           (unsigned long long)(passes * c.points), sink);
    case_close(&c);
    return 0;
}

/*
 * Runs this program under callgrind in --only mode for one side and case, collecting only
 * inside that side's loop function; returns instructions per evaluation (NaN on failure).
 * The first call prints the command line.
 */
static double callgrind_per_eval(const options *o, int fn, int dim, int side)
{
    static int shown;
    char sfn[16], sdim[16], sinst[16], spoints[32], spasses[32], what[64];
    uint64_t passes = o->passes ? o->passes : 1;
    snprintf(sfn, sizeof sfn, "%d", fn);
    snprintf(sdim, sizeof sdim, "%d", dim);
    snprintf(sinst, sizeof sinst, "%d", o->instance);
    snprintf(spoints, sizeof spoints, "%zu", o->points);
    snprintf(spasses, sizeof spasses, "%llu", (unsigned long long)passes);
    char *args[] = {"--only", (char *)side_names[side], "--functions", sfn, "--dims", sdim,
                    "--instance", sinst, "--points", spoints, "--passes", spasses, NULL};
    callgrind_cmd cmd;
    if (callgrind_command("bbob_vs_coco", side_names[side], args, &cmd) != 0)
        return NAN;
    if (!shown) {
        shown = 1;
        printf("each figure is one run of, e.g.:\n ");
        for (char **a = cmd.argv; *a; a++)
            printf(" %s", *a);
        printf("\n(total instructions inside bench_loop_<side> / evaluations)\n\n");
    }
    snprintf(what, sizeof what, "%s f%d d%d", side_names[side], fn, dim);
    return callgrind_run(&cmd, "bbob_vs_coco", what) / ((double)passes * (double)o->points);
}

/* --callgrind: instructions per evaluation on each side, per case. */
static int count_instructions(const options *o)
{
    printf("instructions per evaluation (callgrind; %zu points x %llu pass(es); loop functions "
           "only)\n",
           o->points, (unsigned long long)(o->passes ? o->passes : 1));
    int failed = 0, fail_goal = 0;
    for (int i = 0; i < o->n_functions; i++)
        for (int j = 0; j < o->n_dims; j++) {
            double ir[N_SIDES];
            for (int s = 0; s < N_SIDES; s++) {
                ir[s] = callgrind_per_eval(o, o->functions[i], o->dims[j], s);
                failed |= isnan(ir[s]);
            }
            if (i == 0 && j == 0)
                printf("%-4s %4s %12s %12s %12s %12s %12s %5s\n", "fn", "dim", "COCO",
                       "pb counted", "pb direct", "COCO/counted", "COCO/direct", "goal");
            int pass = ir[SIDE_COCO] >= ir[SIDE_COUNTED];
            fail_goal |= !pass;
            printf("f%-3d %4d %12.1f %12.1f %12.1f %12.3f %12.3f %5s\n", o->functions[i],
                   o->dims[j], ir[SIDE_COCO], ir[SIDE_COUNTED], ir[SIDE_DIRECT],
                   ir[SIDE_COCO] / ir[SIDE_COUNTED], ir[SIDE_COCO] / ir[SIDE_DIRECT],
                   pass ? "PASS" : "FAIL");
            fflush(stdout);
        }
    return failed ? 2 : fail_goal;
}

/*
 * Times one case: a warm-up block per side, the passes K calibrated so that COCO's block
 * takes about block_ms, then reps rounds of one block per side, the order rotating each
 * round so that every side comes first, second and last equally often. Prints one line;
 * returns 0 when the values agree and the goal is met, 1 otherwise.
 */
static int time_case(const options *o, int fn, int dim)
{
    bench_case c;
    int counted_ok;
    case_open(&c, fn, dim, o);
    double err = case_check(&c, &counted_ok);
    int agree = err <= AGREE_REL && counted_ok;

    uint64_t passes = o->passes;
    double warm[N_SIDES];
    for (int s = 0; s < N_SIDES; s++)
        warm[s] = time_side(&c, s, 1);
    if (passes == 0) {
        double k = o->block_ms * 1e6 / (warm[SIDE_COCO] * (double)c.points);
        passes = k < 1.0 ? 1 : (uint64_t)k;
    }
    static double t[N_SIDES][MAX_REPS];
    double r_counted[MAX_REPS], r_direct[MAX_REPS];
    for (int r = 0; r < o->reps; r++) {
        for (int step = 0; step < N_SIDES; step++) {
            int s = (r + step) % N_SIDES;
            t[s][r] = time_side(&c, s, passes);
        }
        r_counted[r] = t[SIDE_COCO][r] / t[SIDE_COUNTED][r];
        r_direct[r] = t[SIDE_COCO][r] / t[SIDE_DIRECT][r];
    }
    size_t reps = (size_t)o->reps;
    double mc = pb__median(t[SIDE_COCO], reps), mk = pb__median(t[SIDE_COUNTED], reps);
    double md = pb__median(t[SIDE_DIRECT], reps);
    double rk = pb__median(r_counted, reps), rd = pb__median(r_direct, reps);
    int pass = agree && rk >= 1.0;
    printf("f%-3d %4d %8.1e %10.1f %10.1f %10.1f %7.3f [%5.3f, %5.3f] %7.3f %6llu  %s%s\n", fn,
           dim, err, mc, mk, md, rk, pb__quantile(r_counted, reps, 0.25),
           pb__quantile(r_counted, reps, 0.75), rd, (unsigned long long)passes,
           pass ? "PASS" : "FAIL", agree ? "" : " (values differ)");
    fflush(stdout);
    case_close(&c);
    return !pass;
}

static int time_all(const options *o)
{
    printf("bbob: plugbench vs COCO %s, instance %d, %zu points uniform in [-5, 5]^d, %d "
           "interleaved reps\n",
           coco_version, o->instance, o->points, o->reps);
    printf("compiler: %s; flags (this file and coco.c): %s\n", BENCH_COMPILER, BENCH_CFLAGS);
    printf("ns per evaluation (CPU time; medians over reps); ratios are medians of the "
           "per-rep ratios, >1: plugbench faster\n");
    printf("  COCO    = coco_evaluate_function(problem, x, &y)\n"
           "  counted = oracle->evaluate(oracle, x), what a plugin pays\n"
           "  direct  = p->objective(p, x), uncounted\n"
           "  goal: COCO/counted >= 1 (and values agree to %g relative)\n\n",
           AGREE_REL);
    printf("%-4s %4s %8s %10s %10s %10s %7s %14s %7s %6s  %s\n", "fn", "dim", "max-rel", "COCO",
           "counted", "direct", "C/cnt", "[q1, q3]", "C/dir", "K", "goal");
    int fails = 0;
    for (int i = 0; i < o->n_functions; i++)
        for (int j = 0; j < o->n_dims; j++)
            fails += time_case(o, o->functions[i], o->dims[j]);
    printf("\n%s: %d of %d lines meet the goal\n", fails ? "FAIL" : "PASS",
           o->n_functions * o->n_dims - fails, o->n_functions * o->n_dims);
    return fails ? 1 : 0;
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: bbob_vs_coco [options]\n"
            "  --functions LIST  comma-separated bbob functions (default 1,8,15,21,24)\n"
            "  --dims LIST       comma-separated dimensions (default 10,40; COCO's suite\n"
            "                    has 2, 3, 5, 10, 20, 40)\n"
            "  --instance I      instance (default 1)\n"
            "  --points M        points per case (default 1000)\n"
            "  --reps R          interleaved repetitions (default 21)\n"
            "  --block-ms T      CPU ms of one timed block of COCO; sets K (default 10)\n"
            "  --passes K        passes over the points per block, fixed (overrides T;\n"
            "                    with --callgrind/--only: default 1)\n"
            "  --callgrind       instructions per evaluation under valgrind, per side\n"
            "  --only SIDE       coco, counted or direct: run that loop once (for callgrind)\n");
}

static int parse_list(const char *s, int *out, int max)
{
    int n = 0;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 100000 || n == max)
            return -1;
        out[n++] = (int)v;
        s = *end == ',' ? end + 1 : end;
        if (*end && *end != ',')
            return -1;
    }
    return n;
}

int main(int argc, char **argv)
{
    options o = {.functions = {1, 8, 15, 21, 24}, .n_functions = 5, .dims = {10, 40},
                 .n_dims = 2, .instance = 1, .points = 1000, .reps = 21, .block_ms = 10.0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int bad = 0;
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--callgrind") == 0) {
            o.callgrind = 1;
            continue;
        } else if (!v) {
            bad = 1;
        } else if (strcmp(a, "--functions") == 0) {
            bad = (o.n_functions = parse_list(v, o.functions, MAX_CASES)) <= 0;
        } else if (strcmp(a, "--dims") == 0) {
            bad = (o.n_dims = parse_list(v, o.dims, MAX_CASES)) <= 0;
        } else if (strcmp(a, "--instance") == 0) {
            o.instance = atoi(v);
            bad = o.instance < 1;
        } else if (strcmp(a, "--points") == 0) {
            o.points = (size_t)strtoull(v, NULL, 10);
            bad = o.points < 1;
        } else if (strcmp(a, "--reps") == 0) {
            o.reps = atoi(v);
            bad = o.reps < 1 || o.reps > MAX_REPS;
        } else if (strcmp(a, "--block-ms") == 0) {
            o.block_ms = atof(v);
            bad = !(o.block_ms > 0.0);
        } else if (strcmp(a, "--passes") == 0) {
            o.passes = strtoull(v, NULL, 10);
            bad = o.passes < 1;
        } else if (strcmp(a, "--only") == 0) {
            o.only = v;
        } else {
            bad = 1;
        }
        if (bad) {
            fprintf(stderr, "bbob_vs_coco: bad argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        i++;
    }
    coco_set_log_level("error");
    if (o.only)
        return run_only(&o);
    if (o.callgrind)
        return count_instructions(&o);
    return time_all(&o);
}
