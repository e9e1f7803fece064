/*
 * plugbench bench: times the microkernels that plugins expose (plugbench/microkernels.h)
 * with Google Benchmark, through the C shim in framework/shim. A build without the library
 * still has the command; it then says why it is unavailable and exits 2, like a command this
 * plugbench does not know.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "instr.h"
#include "instructions.h"
#include "params.h"
#include "plugbench/microkernels.h"
#include "records.h"

#ifdef PB_HAVE_GBENCH
#include "pb_gbench.h"
#endif

static const char usage[] =
    "usage: plugbench bench [PLUGIN|PLUGIN.so]... [--plugin-dir DIR]... [--benchmark_*=V]...\n"
    "       plugbench bench --instructions [--iterations N] [-o FILE] [PLUGIN|PLUGIN.so]...\n"
    "\n"
    "Times the microkernels plugins expose (extension plugbench.microkernels/1: one CBO step,\n"
    "one Sinkhorn iteration, ...) with Google Benchmark, in this process. A kernel runs on\n"
    "its problem (by default its kind's first default problem) with the plugin's declared\n"
    "default parameters and seed 1; its benchmark is named PLUGIN/KERNEL, labelled with the\n"
    "problem id, and reports items_per_second when the kernel declares its items, and the\n"
    "oracle cost the host counted per iteration (counter \"evaluations\" for blackbox).\n"
    "No PLUGIN: every installed plugin that exposes microkernels.\n"
    "\n"
    "  --plugin-dir DIR   search DIR for plugins first (repeatable; also $PLUGBENCH_PLUGIN_PATH)\n"
    "  --benchmark_*=V    passed to Google Benchmark, for instance:\n"
    "      --benchmark_filter=REGEX          only the benchmarks whose name matches\n"
    "      --benchmark_min_time=SECONDS      time each benchmark at least this long\n"
    "      --benchmark_repetitions=N         repeat, and report mean, median, stddev\n"
    "      --benchmark_out=FILE              also write FILE, by default in Google Benchmark's\n"
    "      --benchmark_out_format=json       own JSON, which its tools/compare.py reads\n"
    "      --benchmark_list_tests=true       list the benchmark names, run nothing\n"
    "\n"
    "  --instructions     count instead of timing: each kernel runs under Valgrind's\n"
    "                     callgrind (the command starts itself again under valgrind, found\n"
    "                     as $PLUGBENCH_VALGRIND or in PATH), once for one iteration\n"
    "                     uncounted (first touches of its memory), then for --iterations\n"
    "                     counted: only that run() call is collected. Writes JSON (schema\n"
    "                     plugbench/instructions/1: instructions and instructions_per_iteration\n"
    "                     per kernel) that plugbench compare --metrics instructions reads.\n"
    "                     Needs no Google Benchmark; --benchmark_* flags are refused with it\n"
    "  --iterations N     kernel iterations counted per kernel (default 100)\n"
    "  -o, --output FILE  write the JSON to FILE instead of stdout\n"
    "\n"
    "Exit status: 0 when every kernel ran; 1 when a kernel failed, a plugin's microkernel\n"
    "table is invalid, or nothing matched; 2 for bad usage, a plugin that cannot be loaded,\n"
    "a flag Google Benchmark does not know, or a build without Google Benchmark (without\n"
    "--instructions) or without valgrind (with it).\n";

#ifndef PB_HAVE_GBENCH
static const char unavailable[] = "plugbench bench is unavailable: this build has no Google "
                                  "Benchmark (install libbenchmark-dev and reconfigure); "
                                  "--instructions works without it\n";
#endif

#define MAX_PLUGINS 256
#define MAX_KERNELS 1024 /* per plugin, as microkernels.h promises */
#define MAX_NAME 64      /* of a kernel name, as for plugin names */
#define SEED 1
#define DEFAULT_ITERATIONS 100 /* counted per kernel with --instructions */

/* The revision-1 sizes: a table or kernel must provide at least these members. */
#define TABLE_SIZE_1 (offsetof(pb_microkernels, kernels) + sizeof(void *))
#define KERNEL_SIZE_1 (offsetof(pb_microkernel, teardown) + sizeof(void (*)(void *)))

/* One registered benchmark: a kernel of a loaded plugin. */
typedef struct entry {
    const pb__plugin_file *plugin;
    const pb_microkernel *kernel;
    int failed; /* reported on stderr once, however often Google Benchmark calls again */
} entry;

/* A kernel set up on its problem; ctx and err stay valid until teardown, as
 * microkernels.h promises. */
typedef struct opened {
    pb__problem *problem;
    pb_value *params;
    void *state;
    pb_context ctx;
    char err[1024];
} opened;

/* Is s a kernel name: [a-z0-9_-]+, at most MAX_NAME characters? */
static int name_ok(const char *s)
{
    if (!s || !*s || strlen(s) > MAX_NAME)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/*
 * Checks a table against revision 1 before anything in it is called: sizes, the kernel
 * count, names (unique), docs and the three functions. Returns 0, or -1 with the reason.
 */
static int validate(const pb_microkernels *t, char *err, size_t errlen)
{
    if (t->struct_size < TABLE_SIZE_1) {
        snprintf(err, errlen, "table struct_size %u is smaller than revision 1's %zu",
                 t->struct_size, (size_t)TABLE_SIZE_1);
        return -1;
    }
    if (t->n_kernels > MAX_KERNELS || (t->n_kernels && !t->kernels)) {
        snprintf(err, errlen, "table has %u kernels%s (at most %d)", t->n_kernels,
                 t->kernels ? "" : " and no array", MAX_KERNELS);
        return -1;
    }
    for (uint32_t i = 0; i < t->n_kernels; i++) {
        const pb_microkernel *k = t->kernels[i];
        const char *missing = !k                                ? "kernel pointer"
                              : k->struct_size < KERNEL_SIZE_1  ? "complete struct (struct_size)"
                              : !name_ok(k->name)               ? "valid name ([a-z0-9_-]+)"
                              : !k->doc                         ? "doc"
                              : !k->setup                       ? "setup"
                              : !k->run                         ? "run"
                              : !k->teardown                    ? "teardown"
                                                                : NULL;
        if (missing) {
            snprintf(err, errlen, "microkernel %u has no %s", i, missing);
            return -1;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(t->kernels[j]->name, k->name) == 0) {
                snprintf(err, errlen, "two microkernels are named '%s'", k->name);
                return -1;
            }
        }
    }
    return 0;
}


/*
 * Opens the kernel's problem (its own, or its kind's first default problem) and sets the
 * kernel up with the plugin's declared defaults and SEED. Returns 0, or -1 with the stage
 * that failed ("problem" or "setup") and the message in o->err; kernel_close frees what
 * was made either way.
 */
static int kernel_open(const entry *e, opened *o, const char **stage)
{
    const pb_plugin *d = e->plugin->desc;
    const pb__kind *kind = e->plugin->kind;
    const pb_microkernel *k = e->kernel;
    const char *id = k->problem ? k->problem : kind->default_problems[0];
    memset(o, 0, sizeof *o);
    *stage = "problem";
    if (!id) {
        snprintf(o->err, sizeof o->err, "kind %s has no default problem: the kernel must name "
                 "one", kind->abi_kind);
        return -1;
    }
    if (pb__problem_open(id, &o->problem, o->err, sizeof o->err) != 0)
        return -1;
    if (o->problem->family->kind != kind) {
        snprintf(o->err, sizeof o->err, "'%s' is not a problem of the plugin's kind %s", id,
                 kind->abi_kind);
        return -1;
    }
    *stage = "setup";
    o->params = calloc((size_t)d->n_params + 1, sizeof *o->params);
    if (!o->params) {
        snprintf(o->err, sizeof o->err, "host out of memory");
        return -1;
    }
    pb__params_defaults(d, o->params);
    o->ctx = (pb_context){
        .struct_size = sizeof(pb_context),
        .problem = &o->problem->handle,
        .params = o->params,
        .seed = SEED,
        .error = o->err,
        .error_size = sizeof o->err,
    };
    int32_t rc = k->setup(&o->ctx, &o->state);
    if (rc < 0) {
        o->state = NULL; /* ignored on failure, as for create() */
        if (!o->err[0])
            snprintf(o->err, sizeof o->err, "setup() failed with code %d", rc);
        return -1;
    }
    o->err[0] = '\0'; /* whatever setup() left there is not run()'s message */
    return 0;
}

/* Tears the kernel down and frees its problem and parameters. */
static void kernel_close(const entry *e, opened *o)
{
    if (o->state)
        e->kernel->teardown(o->state);
    free(o->params);
    pb__problem_close(o->problem);
}

/* Calls run(state, n) and says why it failed, if it did: 0 or -1. */
static int kernel_run(const entry *e, opened *o, uint64_t n)
{
    int32_t rc = e->kernel->run(o->state, n);
    if (rc < 0 && !o->err[0])
        snprintf(o->err, sizeof o->err, "run() failed with code %d", rc);
    return rc < 0 ? -1 : 0;
}

/*
 * Loads the plugins to time: each name or path given, else every plugin in the search
 * directories. Returns how many are in out (a repeated plugin once), or -1 after printing
 * why a named plugin cannot be loaded.
 */
static int load_plugins(const char *const *names, size_t n_names, pb_dirs *dirs,
                        pb__plugin_file *out)
{
    if (n_names == 0)
        return (int)pb__plugin_scan(dirs->paths, dirs->n, out, MAX_PLUGINS, 1);
    size_t n = 0;
    for (size_t i = 0; i < n_names; i++) {
        char err[2048];
        if (pb__plugin_resolve(names[i], dirs->paths, dirs->n, &out[n], err, sizeof err) != 0) {
            pb_usage_error("%s", err);
            for (size_t j = 0; j < n; j++)
                pb__plugin_unload(&out[j]);
            return -1;
        }
        int repeated = 0;
        for (size_t j = 0; j < n && !repeated; j++)
            repeated = strcmp(out[j].desc->name, out[n].desc->name) == 0;
        if (repeated)
            pb__plugin_unload(&out[n]);
        else
            n++;
    }
    return (int)n;
}

/*
 * The plugin's validated microkernel table, or NULL: when it has no extension (warned when
 * it was named) or an invalid table or cannot be opened (warned, and *invalid set). Opens
 * the plugin in this process: bench is the one command that runs plugin code in the
 * harness, as timing a kernel without a process switch is its point (and counting one
 * runs the whole command under callgrind anyway).
 */
static const pb_microkernels *kernels_of(pb__plugin_file *p, int named, int *invalid)
{
    char err[1024];
    if (pb__plugin_open(p, err, sizeof err) != 0) {
        fprintf(stderr, "plugbench: warning: skipping %s\n", err);
        *invalid = 1;
        return NULL;
    }
    const pb_plugin *d = p->desc;
    const pb_microkernels *t = d->extension ? d->extension(PB_MICROKERNELS_ID) : NULL;
    if (!t) {
        if (named)
            fprintf(stderr, "plugbench: warning: %s exposes no microkernels (%s)\n", d->name,
                    PB_MICROKERNELS_ID);
        return NULL;
    }
    if (validate(t, err, sizeof err) != 0) {
        fprintf(stderr, "plugbench: warning: skipping the microkernels of %s: %s\n", p->path,
                err);
        *invalid = 1;
        return NULL;
    }
    return t;
}

#ifdef PB_HAVE_GBENCH

/*
 * Reports a failed kernel: to Google Benchmark on every call (it ends the loop and marks
 * the result), on stderr once.
 */
static void report_failure(pb_gbench_state *st, entry *e, const char *stage,
                           const char *message)
{
    char text[1400];
    snprintf(text, sizeof text, "%s: %s", stage, message);
    if (!e->failed)
        fprintf(stderr, "plugbench: bench: %s/%s failed: %s\n", e->plugin->desc->name,
                e->kernel->name, text);
    e->failed = 1;
    pb_gbench_skip_with_error(st, text);
}

/* total = iterations * per, saturated: throughput figures must not wrap around. */
static int64_t total(int64_t iterations, uint64_t per)
{
    if (iterations <= 0 || per == 0)
        return 0;
    return per > (uint64_t)(INT64_MAX / iterations) ? INT64_MAX : iterations * (int64_t)per;
}

/*
 * The benchmark function of one kernel (Google Benchmark calls it once per round): sets
 * the kernel up untimed, times a single run() of the round's iteration count, reports
 * throughput and the counted oracle cost, and frees everything it made, as microkernels.h
 * describes.
 */
static void time_kernel(pb_gbench_state *st, void *arg)
{
    entry *e = arg;
    const pb_microkernel *k = e->kernel;
    const char *stage;
    opened o;
    if (kernel_open(e, &o, &stage) != 0)
        goto fail;
    pb_gbench_set_label(st, o.problem->id);
    stage = "run";
    uint64_t cost = o.problem->cost;
    /* One timed batch: the kernel loops itself, so the shim's per-iteration call costs
     * nothing, however small the kernel. */
    int64_t n = pb_gbench_max_iterations(st);
    int failed = 0;
    while (!failed && pb_gbench_keep_running_batch(st, n))
        failed = kernel_run(e, &o, (uint64_t)n) != 0;
    if (failed)
        goto fail;
    int64_t iterations = pb_gbench_iterations(st);
    if (k->items_per_iteration)
        pb_gbench_set_items_processed(st, total(iterations, k->items_per_iteration));
    if (k->bytes_per_iteration)
        pb_gbench_set_bytes_processed(st, total(iterations, k->bytes_per_iteration));
    /* Measured, not declared: the oracle calls the host counted, per iteration. */
    pb_gbench_set_counter(st, e->plugin->kind->cost_unit, (double)(o.problem->cost - cost),
                          PB_GBENCH_COUNTER_AVG_ITERATIONS);
    goto done;
fail:
    report_failure(st, e, stage, o.err);
done:
    kernel_close(e, &o);
}

/* Registers one benchmark per entry and lets Google Benchmark run them with flags. */
static int time_kernels(entry *entries, size_t n_entries, int n_flags, char **flags)
{
    for (size_t i = 0; i < n_entries; i++) {
        char name[2 * MAX_NAME + 2];
        snprintf(name, sizeof name, "%s/%s", entries[i].plugin->desc->name,
                 entries[i].kernel->name);
        if (pb_gbench_register(name, &entries[i], time_kernel) != 0) {
            fprintf(stderr, "plugbench: bench: cannot register %s: out of memory\n", name);
            return PB_EXIT_FAILED;
        }
    }
    int ran = pb_gbench_run(n_flags, flags);
    if (ran < 0)
        return PB_EXIT_USAGE; /* Google Benchmark has said which flag */
    int failed = ran == 0;
    for (size_t i = 0; i < n_entries; i++)
        failed |= entries[i].failed;
    return failed ? PB_EXIT_FAILED : PB_EXIT_OK;
}

#endif

/*
 * Counts one kernel under callgrind: one iteration uncounted first (first touches of its
 * memory, caches the kernel fills; symbols are bound at load, LD_BIND_NOW), then iterations
 * counted, the run() call only. Returns its entry for the JSON; a failure is reported on
 * stderr and in the entry.
 */
static cJSON *count_kernel(entry *e, uint64_t iterations)
{
    cJSON *k = cJSON_CreateObject();
    const char *stage;
    opened o;
    double n = -1;
    cJSON_AddStringToObject(k, "plugin", e->plugin->desc->name);
    cJSON_AddStringToObject(k, "plugin_version", e->plugin->desc->version);
    cJSON_AddStringToObject(k, "kernel", e->kernel->name);
    int rc = kernel_open(e, &o, &stage);
    cJSON_AddStringToObject(k, "problem", o.problem ? o.problem->id : "");
    if (rc == 0) {
        stage = "run";
        rc = kernel_run(e, &o, 1);
    }
    if (rc == 0) {
        uint64_t cost = o.problem->cost;
        pb__instr_zero();
        pb__instr_begin();
        rc = kernel_run(e, &o, iterations);
        pb__instr_end();
        n = pb__instr_dump();
        cJSON_AddNumberToObject(k, "iterations", (double)iterations);
        cJSON_AddNumberToObject(k, e->plugin->kind->cost_unit,
                                (double)(o.problem->cost - cost) / (double)iterations);
        if (rc == 0 && n < 0)
            snprintf(o.err, sizeof o.err, "callgrind's dump could not be read");
    }
    if (rc != 0 || n < 0) {
        fprintf(stderr, "plugbench: bench: %s/%s failed: %s: %s\n", e->plugin->desc->name,
                e->kernel->name, stage, o.err);
        e->failed = 1;
        cJSON_AddStringToObject(k, "status", "error");
        cJSON_AddStringToObject(k, "message", o.err);
        cJSON_AddNullToObject(k, "instructions");
        cJSON_AddNullToObject(k, "instructions_per_iteration");
    } else {
        cJSON_AddStringToObject(k, "status", "ok");
        cJSON_AddNumberToObject(k, "instructions", n);
        cJSON_AddNumberToObject(k, "instructions_per_iteration", n / (double)iterations);
    }
    kernel_close(e, &o);
    return k;
}

/* --instructions: counts every entry and writes the JSON to output (NULL: stdout). */
static int count_kernels(entry *entries, size_t n_entries, uint64_t iterations,
                         const char *output, int argc, char **argv)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "schema", PB__INSTRUCTIONS_SCHEMA);
    cJSON_AddItemToObject(doc, "context", pb__results_context(argc, argv));
    cJSON_AddItemToObject(doc, "instructions", pb__instr_context());
    cJSON *kernels = cJSON_AddArrayToObject(doc, "kernels");
    int failed = 0;
    for (size_t i = 0; i < n_entries; i++) {
        cJSON_AddItemToArray(kernels, count_kernel(&entries[i], iterations));
        failed |= entries[i].failed;
    }
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    FILE *f = output ? fopen(output, "w") : stdout;
    int written = text && f && fprintf(f, "%s\n", text) >= 0;
    if (f && f != stdout)
        written &= fclose(f) == 0;
    free(text);
    if (!written) {
        fprintf(stderr, "plugbench: bench: cannot write %s\n", output ? output : "stdout");
        return PB_EXIT_FAILED;
    }
    return failed ? PB_EXIT_FAILED : PB_EXIT_OK;
}

/*
 * Parses our arguments (collecting the --benchmark_* flags), loads the plugins and times
 * their kernels with Google Benchmark, or counts them with --instructions (under callgrind:
 * the command starts itself again there first). The plugins stay loaded until the end.
 */
int pb_cmd_bench(int argc, char **argv)
{
    /* argv[0] for Google Benchmark: its messages then read "plugbench: bench: error: ..." */
    static char program[] = "plugbench: bench";
    pb_dirs dirs = {0};
    int status = PB_EXIT_FAILED;
    const char **names = calloc((size_t)argc, sizeof *names);
    char **flags = calloc((size_t)argc + 1, sizeof *flags);
    pb__plugin_file *plugins = calloc(MAX_PLUGINS, sizeof *plugins);
    const pb_microkernels *tables[MAX_PLUGINS] = {0};
    entry *entries = NULL;
    size_t n_names = 0, n_entries = 0, max_entries = 0;
    int n_flags = 0, n_plugins = 0, invalid = 0, instructions = 0;
    uint64_t iterations = DEFAULT_ITERATIONS;
    const char *output = NULL;
    if (!names || !flags || !plugins) {
        fprintf(stderr, "plugbench: bench: out of memory\n");
        goto done;
    }
    flags[n_flags++] = program;
#ifndef PB_HAVE_GBENCH
    /* --help still describes the command, and says what is missing. */
    for (int i = 1; i < argc; i++) {
        if (pb_is_help(argv[i])) {
            fputs(usage, stdout);
            fputs("\n", stdout);
            fputs(unavailable, stdout);
            status = PB_EXIT_OK;
            goto done;
        }
    }
#endif
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--benchmark_", strlen("--benchmark_")) == 0) {
            flags[n_flags++] = argv[i];
        } else if (strcmp(argv[i], "--instructions") == 0) {
            instructions = 1;
        } else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            char *end;
            unsigned long long n = strtoull(argv[++i], &end, 10);
            if (*end || n < 1 || n > (1ull << 40) || argv[i][0] < '0' || argv[i][0] > '9') {
                status = pb_usage_error("bench: --iterations takes a whole number from 1 to "
                                        "2^40, not '%s'", argv[i]);
                goto done;
            }
            iterations = n;
        } else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) &&
                   i + 1 < argc) {
            output = argv[++i];
        } else if (argv[i][0] != '-' && n_names < MAX_PLUGINS) {
            names[n_names++] = argv[i];
        } else {
            int rc = pb_plugin_arg(argc, argv, &i, &dirs, NULL, "bench", usage);
            if (rc != PB_ARG_NEXT) {
                status = rc;
                goto done;
            }
        }
    }
    if (instructions && n_flags > 1) {
        status = pb_usage_error("bench: --instructions counts, it does not time: no "
                                "--benchmark_* flags with it");
        goto done;
    }
#ifndef PB_HAVE_GBENCH
    if (!instructions) {
        fputs(unavailable, stderr);
        status = PB_EXIT_USAGE;
        goto done;
    }
#endif
    if (instructions) {
        int rc = pb__instr_launch(argc, argv);
        if (rc >= 0) {
            status = rc;
            goto done;
        }
        if (!pb__instr_active) {
            status = pb_usage_error("bench: --instructions: %s", pb__instr_reason());
            goto done;
        }
    }
    pb_dirs_resolve(&dirs);
    n_plugins = load_plugins(names, n_names, &dirs, plugins);
    if (n_plugins < 0) {
        status = PB_EXIT_USAGE;
        n_plugins = 0;
        goto done;
    }
    for (int i = 0; i < n_plugins; i++) {
        tables[i] = kernels_of(&plugins[i], n_names > 0, &invalid);
        max_entries += tables[i] ? tables[i]->n_kernels : 0;
    }
    if (max_entries == 0) {
        fprintf(stderr, "plugbench: bench: no microkernels to %s: no valid %s table in "
                        "the %d plugin(s) loaded\n", instructions ? "count" : "time",
                PB_MICROKERNELS_ID, n_plugins);
        goto done;
    }
    entries = calloc(max_entries, sizeof *entries);
    if (!entries) {
        fprintf(stderr, "plugbench: bench: out of memory\n");
        goto done;
    }
    for (int i = 0; i < n_plugins; i++)
        for (uint32_t k = 0; tables[i] && k < tables[i]->n_kernels; k++)
            entries[n_entries++] = (entry){.plugin = &plugins[i], .kernel = tables[i]->kernels[k]};
    if (instructions)
        status = count_kernels(entries, n_entries, iterations, output, argc, argv);
#ifdef PB_HAVE_GBENCH
    else
        status = time_kernels(entries, n_entries, n_flags, flags);
#endif
    if (status == PB_EXIT_OK && invalid)
        status = PB_EXIT_FAILED;
done:
    for (int i = 0; i < n_plugins; i++)
        pb__plugin_unload(&plugins[i]);
    free(entries);
    free(plugins);
    free(flags);
    free(names);
    return status;
}
