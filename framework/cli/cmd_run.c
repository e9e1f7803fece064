/*
 * plugbench run: expands algorithms x problems x seeds, runs each in an isolated child,
 * appends every finished run to a journal, and writes the results file and plots.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "cgroup.h"
#include "configs.h"
#include "instr.h"
#include "isolate.h"
#include "params.h"
#include "progress.h"
#include "records.h"
#include "report.h"
#include "run_options.h"
#include "sandbox.h"
#include "solutions.h"
#include "strmap.h"

/* A finished run the journal could not take, and how many journaled runs precede it. */
typedef struct stray {
    cJSON *record;
    size_t at;
} stray;

typedef struct suite {
    pb_run_options opt;
    pb__plugin_file *plugins;
    pb_value **values; /* per plugin, the defaults with the -P values set */
    unsigned char **fixed; /* per plugin and parameter: set by -P */
    size_t n_plugins;
    pb__config *configs; /* what runs: the plugins' configurations, in the order given */
    size_t n_configs;
    pb__problem **problems;
    size_t n_problems;
    pb__job *jobs;
    size_t n_jobs;
    cJSON *records; /* every finished run, old (resumed) and new: filled by finish() */
    int journal;    /* the journal's descriptor, or -1 */
    char journal_path[PATH_MAX + 16];
    size_t journaled;  /* records in the journal (resumed ones included) */
    stray *strays;     /* runs the journal could not take (a full disk), in order */
    size_t n_strays;
    size_t n_lost;     /* runs lost outright (no memory to keep a stray) */
    int lock_fd; /* RESULTS.lock, locked: one writer per results file (pb__results_lock) */
    pb__progress progress;
    pb__cache cache;   /* with --cache: where runs are looked up first and stored */
    size_t n_cached;   /* runs taken from the cache in this invocation */
    int cache_failed;  /* a store failed (warned about once) */
    char memory_limit[512]; /* which memory limit the runs get (pb__cgroups_describe) */
    /* --save-solutions: the side file (solutions.h), its size and cap, in bytes */
    int solutions_fd;
    char solutions_path[PATH_MAX + 16];
    uint64_t solutions_size, solutions_cap;
    int solutions_full_said;
} suite;

static void suite_free(suite *s)
{
    for (size_t i = 0; i < s->n_plugins; i++) {
        free(s->values[i]);
        free(s->fixed[i]);
        pb__plugin_unload(&s->plugins[i]);
    }
    pb__configs_free(s->configs, s->n_configs);
    for (size_t i = 0; i < s->n_problems; i++)
        pb__problem_close(s->problems[i]);
    free(s->plugins);
    free(s->values);
    free(s->fixed);
    free(s->problems);
    free(s->jobs);
    cJSON_Delete(s->records);
    for (size_t i = 0; i < s->n_strays; i++)
        cJSON_Delete(s->strays[i].record);
    free(s->strays);
    if (s->journal >= 0)
        close(s->journal);
    if (s->solutions_fd >= 0)
        close(s->solutions_fd);
    if (s->lock_fd > 0)
        pb__results_unlock(s->opt.output, s->lock_fd);
    pb__cache_close(&s->cache);
    pb_run_options_free(&s->opt);
}

/*
 * Resolves the plugin of a spec, loaded once however many specs name it. Returns its index
 * in s->plugins, or -1 after printing why (two different files of one name included).
 */
static long plugin_of(suite *s, const char *given)
{
    char err[2048];
    pb__plugin_file *pl = &s->plugins[s->n_plugins];
    if (pb__plugin_resolve(given, s->opt.dirs.paths, s->opt.dirs.n, pl, err, sizeof err) != 0) {
        pb_usage_error("%s", err);
        return -1;
    }
    for (size_t i = 0; i < s->n_plugins; i++) {
        if (strcmp(s->plugins[i].desc->name, pl->desc->name) != 0)
            continue;
        int same = strcmp(s->plugins[i].sha256, pl->sha256) == 0;
        if (!same)
            pb_usage_error("two different plugins are named '%s': %s and %s", pl->desc->name,
                           s->plugins[i].path, pl->path);
        pb__plugin_unload(pl);
        return same ? (long)i : -1;
    }
    return (long)s->n_plugins++;
}

/* Applies the -P values to every configuration of their plugin, marking them fixed. */
static int apply_params(suite *s)
{
    char err[2048];
    const cJSON *p;
    cJSON_ArrayForEach(p, s->opt.params) {
        const char *text = p->valuestring, *dot = strchr(text, '.'), *eq = strchr(text, '=');
        if (!dot || !eq || eq < dot)
            return pb_usage_error("--param '%s': expected ALGORITHM.NAME=VALUE", text);
        size_t i = 0;
        while (i < s->n_plugins && (strncmp(s->plugins[i].desc->name, text, (size_t)(dot - text)) ||
                                    s->plugins[i].desc->name[dot - text]))
            i++;
        if (i == s->n_plugins)
            return pb_usage_error("--param '%s': no algorithm '%.*s' in this run", text,
                                  (int)(dot - text), text);
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - dot - 1), dot + 1);
        const pb_plugin *d = s->plugins[i].desc;
        if (pb__param_set(d, s->values[i], name, eq + 1, err, sizeof err) != 0)
            return pb_usage_error("%s", err);
        for (uint32_t k = 0; k < d->n_params; k++)
            s->fixed[i][k] |= strcmp(d->params[k].name, name) == 0;
    }
    return 0;
}

/* Refuses two configurations that would run the same runs, or that share a label. */
static int distinct_configs(suite *s)
{
    pb__strmap ids = {0}, labels = {0};
    int rc = 0;
    for (size_t c = 0; c < s->n_configs && rc == 0; c++) {
        const pb__config *cf = &s->configs[c];
        size_t same = pb__strmap_intern(&ids, cf->identity, c);
        size_t named = pb__strmap_intern(&labels, cf->label, c);
        if (same == (size_t)-1 || named == (size_t)-1)
            rc = pb_usage_error("out of memory");
        else if (same != c && strcmp(s->configs[same].label, cf->label) == 0)
            rc = pb_usage_error("algorithm '%s' is listed twice (it would run the same runs "
                                "twice)",
                                cf->label);
        else if (same != c)
            rc = pb_usage_error("configurations '%s' and '%s' have the same parameters (they "
                                "would run the same runs twice)",
                                s->configs[same].label, cf->label);
        else if (named != c)
            rc = pb_usage_error("two configurations are labelled '%s' (give one another name)",
                                cf->label);
    }
    pb__strmap_free(&ids);
    pb__strmap_free(&labels);
    return rc;
}

/*
 * Loads the algorithms (all installed when none are named), sets their parameters and
 * expands their grids into configurations.
 */
static int load_plugins(suite *s)
{
    char err[2048];
    size_t named = (size_t)cJSON_GetArraySize(s->opt.algorithms);
    size_t cap = named ? named : 256;
    long *plugin = calloc(cap, sizeof *plugin); /* per spec, its plugin */
    cJSON *all = cJSON_CreateArray();           /* with none named: a spec per plugin */
    s->plugins = calloc(cap, sizeof *s->plugins);
    s->values = calloc(cap, sizeof *s->values);
    s->fixed = calloc(cap, sizeof *s->fixed);
    int rc = 0;
    if (!plugin || !all || !s->plugins || !s->values || !s->fixed) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    if (named == 0) {
        s->n_plugins = pb__plugin_scan(s->opt.dirs.paths, s->opt.dirs.n, s->plugins, cap, 1);
        if (s->n_plugins == 0) {
            rc = pb_usage_error("no plugins found (searched %s; see --plugin-dir)",
                                s->opt.dirs.paths[s->opt.dirs.n - 1]);
            goto out;
        }
        for (size_t i = 0; i < s->n_plugins; i++) {
            plugin[i] = (long)i;
            cJSON_AddItemToArray(all, pb__spec_parse(s->plugins[i].desc->name, err, sizeof err));
        }
    }
    const cJSON *spec, *specs = named ? s->opt.algorithms : all;
    size_t k = 0;
    cJSON_ArrayForEach(spec, s->opt.algorithms) {
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(spec, "plugin");
        if ((plugin[k++] = plugin_of(s, given->valuestring)) < 0) {
            rc = PB_EXIT_USAGE;
            goto out;
        }
    }
    for (size_t i = 0; i < s->n_plugins; i++) {
        const pb_plugin *d = s->plugins[i].desc;
        s->values[i] = calloc(d->n_params ? d->n_params : 1, sizeof(pb_value));
        s->fixed[i] = calloc(d->n_params ? d->n_params : 1, 1);
        if (!s->values[i] || !s->fixed[i]) {
            rc = pb_usage_error("out of memory");
            goto out;
        }
        pb__params_defaults(d, s->values[i]);
    }
    if ((rc = apply_params(s)))
        goto out;
    k = 0;
    cJSON_ArrayForEach(spec, specs) {
        size_t i = (size_t)plugin[k++];
        if (pb__spec_expand(spec, s->plugins[i].desc, i, s->values[i], s->fixed[i], &s->configs,
                            &s->n_configs, err, sizeof err) != 0) {
            rc = pb_usage_error("%s", err);
            goto out;
        }
    }
    rc = distinct_configs(s);
out:
    free(plugin);
    cJSON_Delete(all);
    return rc;
}

/* Opens a problem once; returns its index, or -1 after printing why. The problems are found
 * by id through opened, which holds the first problem of each id. */
static long open_problem(suite *s, pb__strmap *opened, const char *id)
{
    size_t known = pb__strmap_get(opened, id);
    if (known != (size_t)-1)
        return (long)known;
    pb__problem **grown = realloc(s->problems, (s->n_problems + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->problems = grown;
    char err[1024];
    if (pb__problem_open(id, &s->problems[s->n_problems], err, sizeof err) != 0) {
        pb_usage_error("%s", err);
        return -1;
    }
    /* Under its own id, which an alias (bbob-f1 for bbob-f01) does not match. */
    if (pb__strmap_intern(opened, s->problems[s->n_problems]->id, s->n_problems) == (size_t)-1) {
        pb__problem_close(s->problems[s->n_problems]);
        pb_usage_error("out of memory");
        return -1;
    }
    return (long)s->n_problems++;
}

/* The matrix: configuration x problem x seed, kinds checked. */
static int expand(suite *s)
{
    size_t named = (size_t)cJSON_GetArraySize(s->opt.problems);
    size_t cap = 0, max_np = 0;
    for (size_t a = 0; a < s->n_configs; a++) {
        size_t np = named ? named : pb__kind_n_defaults(s->plugins[s->configs[a].plugin].kind);
        cap += np * s->opt.n_seeds;
        max_np += np;
    }
    s->jobs = calloc(cap ? cap : 1, sizeof *s->jobs);
    /* Per opened problem, the last algorithm (+1) listing it: a problem listed twice for one
     * algorithm is found in constant time, not by a pass over its jobs so far. */
    size_t *listed_by = calloc(max_np ? max_np : 1, sizeof *listed_by);
    pb__strmap opened = {0};
    int rc = 0;
    if (!s->jobs || !listed_by) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    for (size_t a = 0; a < s->n_configs; a++) {
        const pb__plugin_file *pl = &s->plugins[s->configs[a].plugin];
        size_t np = named ? named : pb__kind_n_defaults(pl->kind);
        const cJSON *listed = named ? s->opt.problems->child : NULL;
        for (size_t k = 0; k < np; k++, listed = listed ? listed->next : NULL) {
            const char *id = named ? listed->valuestring : pl->kind->default_problems[k];
            long pi = open_problem(s, &opened, id);
            if (pi < 0) {
                rc = PB_EXIT_USAGE;
                goto out;
            }
            pb__problem *prob = s->problems[pi];
            /* An alias opens a problem of its own: the id's first problem says "listed". */
            size_t first = pb__strmap_get(&opened, prob->id);
            if (listed_by[first] == a + 1) {
                rc = pb_usage_error("problem '%s' is listed twice (as %s)", id, prob->id);
                goto out;
            }
            listed_by[first] = a + 1;
            const pb__kind *kind = prob->family->kind;
            if (kind != pl->kind) {
                rc = pb_usage_error("%s: plugin '%s' solves kind %s, but problem '%s' is of "
                                    "kind %s",
                                    pl->path, pl->desc->name, pl->desc->kind, id, kind->abi_kind);
                goto out;
            }
            /* Constrained problems are for the plugins that declare they handle them: a
             * default suite leaves them out for the others, which would otherwise be charged
             * with failures they cannot avoid; naming one for such a plugin is refused. */
            if (prob->constrained && !pl->constraints) {
                if (!named)
                    continue;
                rc = pb_usage_error("plugin '%s' does not declare that it handles constraints "
                                    "(%s), but problem '%s' has them",
                                    pl->desc->name, PB_BILEVEL_CONSTRAINTS, id);
                goto out;
            }
            int any = s->opt.budget.cost || s->opt.budget.iterations || s->opt.budget.seconds > 0;
            for (size_t r = 0; r < s->opt.n_seeds; r++)
                s->jobs[s->n_jobs++] = (pb__job){
                    .plugin = pl,
                    .params = s->configs[a].values,
                    .config = s->configs[a].label,
                    .problem = prob,
                    .seed = s->opt.seeds[r],
                    .limits = {any ? s->opt.budget : kind->default_budget, s->opt.target,
                               s->opt.checkpoints},
                    .save_solutions = s->opt.save_solutions,
                };
        }
    }
out:
    free(listed_by);
    pb__strmap_free(&opened);
    return rc;
}

/* --shard I/N: keeps the jobs j of the matrix with j mod N = I - 1. Interleaved rather
 * than in blocks, so that each shard gets a share of every algorithm and problem and the
 * shards take about as long as one another. */
static void keep_shard(suite *s)
{
    size_t kept = 0;
    for (size_t j = 0; j < s->n_jobs; j++)
        if (j % s->opt.shards == s->opt.shard)
            s->jobs[kept++] = s->jobs[j];
    s->n_jobs = kept;
}

/*
 * With --resume, keeps the finished records of this matrix and drops their jobs. The
 * journal is read first (after a SIGKILL it is newer than the results file); a run
 * recorded twice, or a record of another matrix left in the results file, is not kept.
 * The journal is then rewritten to hold exactly the kept records, in that order: it is
 * where finish() reads every record from.
 */
static int resume(suite *s)
{
    char err[1024];
    cJSON *old = cJSON_CreateArray(), *kept_records = cJSON_CreateArray();
    size_t n_jobs = s->n_jobs, kept = 0, reused = 0, ignored = 0, torn = 0;
    char **keys = calloc(n_jobs ? n_jobs : 1, sizeof *keys);
    cJSON **done = calloc(n_jobs ? n_jobs : 1, sizeof *done); /* per job, its record */
    pb__strmap jobs = {0};
    int rc = 0;
    if (!old || !kept_records || !keys || !done) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    if (pb__records_load_skipping(s->journal_path, old, NULL, &torn, err, sizeof err) != 0 ||
        pb__records_load(s->opt.output, old, NULL, err, sizeof err) != 0) {
        rc = pb_usage_error("--resume: %s", err);
        goto out;
    }
    /* The runs of the torn lines are lost: they run again, like runs never started. */
    if (torn)
        fprintf(stderr, "plugbench: --resume: skipped %zu torn line%s of %s (runs whose record "
                        "was cut off: they run again)\n",
                torn, torn == 1 ? "" : "s", s->journal_path);
    for (size_t j = 0; j < s->n_jobs; j++) {
        cJSON *id = pb__record_identity(&s->jobs[j]);
        keys[j] = pb__record_key(id);
        cJSON_Delete(id);
        if (!keys[j] || pb__strmap_intern(&jobs, keys[j], j) == (size_t)-1) {
            rc = pb_usage_error("out of memory");
            goto out;
        }
    }
    for (cJSON *rec = old->child, *next; rec; rec = next) {
        next = rec->next;
        char *key = pb__record_key(rec);
        size_t j = key ? pb__strmap_get(&jobs, key) : (size_t)-1;
        free(key);
        if (j == (size_t)-1) {
            ignored++;
        } else if (!done[j]) {
            done[j] = rec;
            reused++;
            cJSON_AddItemToArray(kept_records, cJSON_DetachItemViaPointer(old, rec));
        } else if (!cJSON_Compare(done[j], rec, 1)) {
            /* The same record in the journal and the results file is no news (the journal
             * holds the results file's records after one resume); another one is. */
            ignored++;
        }
    }
    /* A configuration renamed since keeps its runs (the label is not part of their key),
     * under its new label: one configuration must not show as two rows. */
    for (size_t j = 0; j < s->n_jobs; j++) {
        if (done[j]) {
            cJSON_DeleteItemFromObjectCaseSensitive(done[j], "config");
            cJSON_AddStringToObject(done[j], "config", pb__job_label(&s->jobs[j]));
        }
    }
    if (pb__journal_rewrite(s->journal_path, kept_records) != 0) {
        rc = pb_usage_error("--resume: cannot rewrite %s: %s", s->journal_path, strerror(errno));
        goto out;
    }
    s->journaled = reused;
    for (size_t j = 0; j < s->n_jobs; j++)
        if (!done[j])
            s->jobs[kept++] = s->jobs[j];
    if (!s->opt.quiet)
        fprintf(stderr, "plugbench: resuming: %zu runs already recorded, %zu to run\n", reused,
                kept);
    if (ignored)
        fprintf(stderr, "plugbench: --resume: dropped %zu records that are not runs of this "
                        "suite, or were recorded twice\n",
                ignored);
    s->n_jobs = kept;
out:
    for (size_t j = 0; keys && j < n_jobs; j++)
        free(keys[j]);
    pb__strmap_free(&jobs);
    free(keys);
    free(done);
    cJSON_Delete(old);
    cJSON_Delete(kept_records);
#ifdef __GLIBC__
    /* The records read are freed, but glibc keeps their pages, and every run's fork copies
     * the page tables of a heap that large: after resuming 18,000 records each run cost
     * 8 ms instead of 4.6. Giving the pages back keeps forks as cheap as in a fresh suite. */
    malloc_trim(0);
#endif
    return rc;
}

/*
 * Adds the run's "instructions": callgrind's count of the plugin's calls, or null when not
 * counting or when the run was killed (a timeout, a crash) before its dump was complete.
 */
static void add_instructions(cJSON *rec, const pb__job_result *r)
{
    int killed = r->outcome.status == PB__STATUS_TIMEOUT || r->outcome.status == PB__STATUS_CRASHED;
    double n = pb__instr_collect(r->pid);
    if (n >= 0 && !killed)
        cJSON_AddNumberToObject(rec, "instructions", n);
    else
        cJSON_AddNullToObject(rec, "instructions");
}

/*
 * Appends a finished run's record (taken over) to the journal and frees it: the parent
 * stays as small as it started, so forking the next run costs the same at the 100,000th
 * run as at the first (a parent holding every record made each fork, and so the suite,
 * slower as runs accumulated). A record the journal cannot take stays in memory, with its
 * place.
 * With --save-solutions: appends the run's solutions to the side file and adds their
 * reference to rec under "solution", or why it has none (docs/results-schema.md).
 */
static void add_solution(suite *s, cJSON *rec, const pb__job *job, const pb__job_result *r)
{
    const char *why = NULL;
    char said[PATH_MAX + 256];
    cJSON *ref = NULL;
    uint64_t length = job->problem->handle.solution_length;
    uint64_t bytes = PB__SOLUTIONS_HEADER + r->n_solutions * length * sizeof(double);
    if (length == 0)
        why = "the kind has no solution vector: its plugins keep their model in their state";
    else if (r->solutions_capped)
        why = "one solution is larger than the per-run cap (--solutions-max-mb / 16)";
    else if (r->n_solutions == 0)
        why = "the run did not end ok or nonfinite";
    int full = !why && s->solutions_size + bytes > s->solutions_cap;
    if (full)
        why = "the side file reached its cap (--solutions-max-mb)";
    if (!why) {
        const char *slash = strrchr(s->solutions_path, '/');
        ref = pb__solutions_append(s->solutions_fd, slash ? slash + 1 : s->solutions_path,
                                   r->solutions, r->n_solutions, length, r->solutions_per_point);
        if (ref)
            s->solutions_size += bytes;
        snprintf(said, sizeof said, "cannot write %s: %s", s->solutions_path, strerror(errno));
        why = ref ? NULL : said;
    }
    if (full && !s->solutions_full_said++) {
        pb__progress_clear(&s->progress);
        fprintf(stderr, "plugbench: warning: %s is full (%g MiB): the runs after this one keep "
                        "no solution\n",
                s->solutions_path, s->opt.solutions_max_mb);
    }
    if (!ref) {
        ref = cJSON_CreateObject();
        cJSON_AddStringToObject(ref, "not_saved", why);
    }
    cJSON_AddItemToObject(rec, "solution", ref);
}

/*
 * Appends a finished run to the journal and forgets it: the parent stays as small as it
 * started, so forking the next run costs the same at the 100,000th run as at the first (a
 * parent holding every record made each fork, and so the suite, slower as runs
 * accumulated). A record the journal cannot take stays in memory, with its place.
 */
static void keep(suite *s, cJSON *rec)
{
    if (pb__journal_append(s->journal, rec) == 0) {
        s->journaled++;
        cJSON_Delete(rec);
    } else {
        if (s->n_strays == 0) {
            /* Once: on a full disk every later run fails alike. finish() says how many. */
            pb__progress_clear(&s->progress);
            fprintf(stderr, "plugbench: warning: cannot append to %s: %s (runs it cannot take "
                            "are kept in memory, and lost if the suite is killed or the "
                            "results file cannot be written)\n",
                    s->journal_path, strerror(errno));
        }
        stray *grown = realloc(s->strays, (s->n_strays + 1) * sizeof *grown);
        if (grown) {
            s->strays = grown;
            s->strays[s->n_strays++] = (stray){rec, s->journaled};
        } else {
            cJSON_Delete(rec);
            s->n_lost++;
        }
    }
}

/* Stores a finished run in the cache, if it is one; warns once when the cache fails. */
static void cache_store(suite *s, const pb__job *job, const cJSON *rec)
{
    char err[PATH_MAX + 256];
    if (!s->cache.settings || pb__cache_put(&s->cache, job, rec, err, sizeof err) == 0 ||
        s->cache_failed++)
        return;
    pb__progress_clear(&s->progress);
    fprintf(stderr, "plugbench: warning: --cache: %s (runs are recorded, but not cached)\n",
            err);
}

/* A run has ended: its record goes to the cache and the journal. */
static void on_done(void *user, size_t index, const pb__job_result *result)
{
    suite *s = user;
    const pb__job *job = &s->jobs[index];
    cJSON *rec = pb__record_new(job, result);
    if (s->opt.count_instructions)
        add_instructions(rec, result);
    /* Stored before its solution reference: that names the side file of this results file. */
    cache_store(s, job, rec);
    if (s->opt.save_solutions)
        add_solution(s, rec, job, result);
    keep(s, rec);
    if (result->outcome.status != PB__STATUS_OK) {
        pb__progress_clear(&s->progress);
        fprintf(stderr, "plugbench: %s on %s seed %llu: %s: %s\n", job->config,
                job->problem->id, (unsigned long long)job->seed,
                pb__status_name(result->outcome.status), result->outcome.message);
    }
    pb__progress_step(&s->progress);
}

/*
 * With --cache, records the jobs whose runs the cache holds and drops them: only the others
 * run. After resume(), so that a run already in the results file is not looked up.
 */
static void take_cached(suite *s)
{
    size_t kept = 0;
    for (size_t j = 0; j < s->n_jobs; j++) {
        cJSON *rec = pb__cache_get(&s->cache, &s->jobs[j]);
        if (rec) {
            keep(s, rec);
            s->n_cached++;
        } else {
            s->jobs[kept++] = s->jobs[j];
        }
    }
    s->n_jobs = kept;
    if (!s->opt.quiet)
        fprintf(stderr, "plugbench: cache %s: %zu runs reused, %zu to run\n", s->cache.dir,
                s->n_cached, kept);
}

/*
 * Every finished run in order -- the journal's records with the strays put back in their
 * places -- into s->records. Returns 0, or -1 with a message.
 */
static int gather(suite *s, char *err, size_t errlen)
{
    cJSON *journaled = cJSON_CreateArray();
    size_t torn = 0;
    if (!journaled ||
        pb__records_load_skipping(s->journal_path, journaled, NULL, &torn, err, errlen) != 0) {
        cJSON_Delete(journaled);
        if (!journaled)
            snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->n_lost += torn; /* cannot happen: appends cut a failed line back off */
    size_t at = 0, k = 0;
    while (journaled->child || k < s->n_strays) {
        if (k < s->n_strays && s->strays[k].at == at) {
            cJSON_AddItemToArray(s->records, s->strays[k].record);
            s->strays[k++].record = NULL;
        } else if (journaled->child) {
            cJSON_AddItemToArray(s->records,
                                 cJSON_DetachItemViaPointer(journaled, journaled->child));
            at++;
        } else {
            at = s->strays[k].at; /* the journal lost records: keep the strays' order */
        }
    }
    cJSON_Delete(journaled);
    return 0;
}

/* Writes the results file and its report, and prints where they are. */
static int finish(suite *s, int argc, char **argv)
{
    char err[1024];
    cJSON *context = pb__results_context(argc, argv);
    cJSON_AddStringToObject(context, "memory_limit", s->memory_limit);
    /* The protocol that tuned these configurations, so that their report can state it. */
    if (s->opt.tuning)
        cJSON_AddItemToObject(context, "tuning", cJSON_Duplicate(s->opt.tuning, 1));
    if (s->opt.count_instructions)
        cJSON_AddItemToObject(context, "instructions", pb__instr_context());
    if (s->opt.suite)
        cJSON_AddItemToObject(context, "suite", cJSON_Duplicate(s->opt.suite, 1));
    int rc = gather(s, err, sizeof err);
    if (rc == 0)
        rc = pb__results_write(s->opt.output, context, s->records, err, sizeof err);
    cJSON_Delete(context);
    size_t lost = s->n_strays + s->n_lost;
    if (rc != 0) {
        /* Say exactly what survives: a --resume picks up the journal's runs only. */
        if (lost)
            fprintf(stderr, "plugbench: %s; %zu finished runs are kept in %s, %zu are lost (the "
                            "journal could not take them)\n",
                    err, s->journaled, s->journal_path, lost);
        else
            fprintf(stderr, "plugbench: %s (the %zu finished runs are kept in %s)\n", err,
                    s->journaled, s->journal_path);
        return PB_EXIT_FAILED;
    }
    if (s->n_lost)
        fprintf(stderr, "plugbench: %zu finished runs are lost (neither the journal nor memory "
                        "could take them)\n",
                s->n_lost);
    close(s->journal);
    s->journal = -1;
    unlink(s->journal_path);
    /* Counted over all records, resumed ones included. */
    printf("%zu runs:", (size_t)cJSON_GetArraySize(s->records));
    for (int st = 0; st <= PB__STATUS_CRASHED; st++) {
        size_t n = 0;
        const cJSON *rec;
        cJSON_ArrayForEach(rec, s->records) {
            const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
            n += cJSON_IsString(status) && strcmp(status->valuestring, pb__status_name(st)) == 0;
        }
        if (n)
            printf(" %zu %s", n, pb__status_name(st));
    }
    if (s->cache.settings)
        printf("; %zu reused from the cache", s->n_cached);
    printf("\nresults: %s\n", s->opt.output);
    if (s->opt.plots) {
        /* The full report of the results file just written, as `plugbench report` draws it. */
        char dir[PATH_MAX + 8];
        const char *inputs[] = {s->opt.output};
        pb__report_options ro = pb__report_defaults();
        pb__report_default_dir(s->opt.output, dir, sizeof dir);
        if (pb__report_write(inputs, 1, dir, &ro, err, sizeof err) != 0)
            fprintf(stderr, "plugbench: warning: no report: %s\n", err);
        else
            printf("report:  %s/index.html\n", dir);
    }
    return 0;
}

/*
 * Opens the side file of --save-solutions: kept with --resume (the kept records name its
 * entries), emptied otherwise. Returns 0, or an exit code after saying why.
 */
static int open_solutions(suite *s)
{
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (s->opt.resume ? 0 : O_TRUNC);
    struct stat st;
    s->solutions_fd = open(s->solutions_path, flags, 0666);
    if (s->solutions_fd < 0 || fstat(s->solutions_fd, &st) != 0)
        return pb_usage_error("cannot write %s: %s", s->solutions_path, strerror(errno));
    s->solutions_size = (uint64_t)st.st_size;
    s->solutions_cap = (uint64_t)(s->opt.solutions_max_mb * 1048576.0);
    return 0;
}

/* The wall-clock limit of each run: --timeout, else derived from --max-seconds. */
static double run_timeout(const pb_run_options *o)
{
    return o->timeout > 0 ? o->timeout : o->budget.seconds > 0 ? 2 * o->budget.seconds + 10 : 600;
}

/*
 * Opens --cache's directory with the settings besides a run's identity that change its
 * record (cache.h). Returns 0 or PB_EXIT_USAGE after saying why.
 */
static int open_cache(suite *s)
{
    char err[PATH_MAX + 64];
    cJSON *settings = cJSON_CreateObject();
    cJSON_AddBoolToObject(settings, "count_instructions", s->opt.count_instructions);
    cJSON_AddBoolToObject(settings, "sandbox", s->opt.sandbox);
    cJSON_AddNumberToObject(settings, "memory_mb", (double)s->opt.memory_mb);
    cJSON_AddNumberToObject(settings, "timeout_seconds", run_timeout(&s->opt));
    if (pb__cache_open(&s->cache, s->opt.cache, settings, err, sizeof err) != 0)
        return pb_usage_error("%s", err);
    return 0;
}

int pb_cmd_run(int argc, char **argv)
{
    suite s = {0};
    int rc = pb_run_options_parse(argc, argv, &s.opt);
    if (rc != 0)
        return rc < 0 ? PB_EXIT_OK : rc;
    /* callgrind writes each run's count to a file from inside the run, which the sandbox's
     * read-only view forbids, and valgrind's own start-up is not sandboxed. */
    if (s.opt.count_instructions && s.opt.sandbox) {
        pb_run_options_free(&s.opt);
        return pb_usage_error("--count-instructions and --sandbox cannot be combined: the "
                              "counts are written from inside each run, which the sandbox "
                              "forbids");
    }
    /* Counting: the whole command runs again under callgrind, and its status is ours. */
    if (s.opt.count_instructions) {
        int status = pb__instr_launch(argc, argv);
        if (status >= 0) {
            pb_run_options_free(&s.opt);
            return status;
        }
        if (!pb__instr_active)
            fprintf(stderr, "plugbench: warning: instructions are not counted (recorded as "
                            "null): %s\n", pb__instr_reason());
    }
    s.records = cJSON_CreateArray();
    s.journal = -1;
    s.solutions_fd = -1;
    snprintf(s.journal_path, sizeof s.journal_path, "%s.journal", s.opt.output);
    snprintf(s.solutions_path, sizeof s.solutions_path, "%s" PB__SOLUTIONS_SUFFIX, s.opt.output);
    /* Which memory limit the runs get: in the results' context, and said once when it is
     * RLIMIT_AS, which memfd, shared memory and tmpfs pages bypass (or in the sandbox's
     * line). */
    pb__cgroups cgroups;
    pb__cgroups_open(&cgroups);
    pb__cgroups_describe(&cgroups, s.opt.memory_mb << 20, s.memory_limit, sizeof s.memory_limit);
    if (!cgroups.version && s.opt.memory_mb && !s.opt.quiet && !s.opt.sandbox)
        fprintf(stderr, "plugbench: memory limit: %s\n", s.memory_limit);
    /* Before the sandbox, whose read-only view then keeps every plugin from writing it. */
    if (s.opt.cache && (rc = open_cache(&s)))
        goto out;
    if (s.opt.sandbox) {
        /* Before the plugins load: their probes run plugin code too. */
        const char *hidden[] = {s.opt.output, s.journal_path, s.solutions_path};
        char said[PATH_MAX + 1024];
        if (pb__sandbox_start(hidden, 3, 0, said, sizeof said) != 0) {
            rc = pb_usage_error("--sandbox: %s", said);
            goto out;
        }
        fprintf(stderr, "plugbench: %s; cpu: %g s per process (the timeout); memory: %s\n",
                said, run_timeout(&s.opt), s.memory_limit);
    }
    if ((rc = load_plugins(&s)) || (rc = expand(&s)))
        goto out;
    keep_shard(&s);
    /* Refuse now, not after the suite, an output that can never be written. */
    struct stat st;
    size_t len = strlen(s.opt.output);
    if (len == 0 || s.opt.output[len - 1] == '/' ||
        (stat(s.opt.output, &st) == 0 && S_ISDIR(st.st_mode))) {
        rc = pb_usage_error("-o %s: a results file name is needed, not a directory",
                            s.opt.output);
        goto out;
    }
    char dir[PATH_MAX], copy[PATH_MAX], err[1024];
    snprintf(copy, sizeof copy, "%s", s.opt.output);
    snprintf(dir, sizeof dir, "%s", dirname(copy));
    if (pb__mkdirs(dir) != 0) {
        rc = pb_usage_error("cannot create %s: %s", dir, strerror(errno));
        goto out;
    }
    /* Two suites writing one results file would unlink each other's journal and the last
     * rename would silently win: the second one is refused. */
    if ((s.lock_fd = pb__results_lock(s.opt.output, err, sizeof err)) < 0) {
        rc = pb_usage_error("%s", err);
        goto out;
    }
    if (s.opt.resume && (rc = resume(&s)))
        goto out;
    /* Without --resume a stale journal belongs to an abandoned run: start afresh. */
    if (!s.opt.resume && unlink(s.journal_path) != 0 && errno != ENOENT) {
        rc = pb_usage_error("cannot remove the stale %s: %s", s.journal_path, strerror(errno));
        goto out;
    }
    s.journal = pb__journal_open(s.journal_path);
    if (s.journal < 0) {
        rc = pb_usage_error("cannot write %s: %s", s.journal_path, strerror(errno));
        goto out;
    }
    /* A cached run has no saved solution: with --save-solutions every run runs (and is
     * still stored). */
    if (s.cache.settings && !s.opt.save_solutions)
        take_cached(&s);
    if (s.opt.save_solutions && (rc = open_solutions(&s)))
        goto out;
    const int private_fds[] = {s.journal, s.lock_fd, s.solutions_fd};
    pb__isolation iso = {
        .parallel = s.opt.jobs,
        .timeout_seconds = run_timeout(&s.opt),
        .memory_bytes = s.opt.memory_mb << 20,
        .private_fds = private_fds,
        .n_private_fds = s.opt.save_solutions ? 3 : 2,
        .solution_bytes = s.solutions_cap / 16,
    };
    pb__progress_start(&s.progress, s.n_jobs, s.opt.quiet);
    int interrupted = pb__isolate_run(s.jobs, s.n_jobs, &iso, on_done, &s) != 0;
    pb__progress_clear(&s.progress);
    if (interrupted)
        fprintf(stderr, "plugbench: interrupted; writing the %zu finished runs\n",
                s.journaled + s.n_strays);
    rc = finish(&s, argc, argv);
    if (interrupted)
        rc = PB_EXIT_FAILED;
out:
    suite_free(&s);
    pb__sandbox_stop();
    return rc;
}
