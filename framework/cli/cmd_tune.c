/*
 * plugbench tune: gives every algorithm the same budget of trials of a quasi-random search
 * over its search space (space.h), each trial a `plugbench run` of the training problems
 * and seeds, picks each algorithm's best configuration by a rank score, writes it as a
 * named configuration, and ranks default and tuned configurations on held-out problems
 * and seeds that no trial saw.
 *
 * Every trial and every evaluation is a `plugbench run` child of this process: the same
 * isolation, -j, --cache, budgets, journal and --resume as any suite (a trial whose
 * results file is complete is not run again), and one results file each, which report,
 * compare and merge read like any other. --shard slices every trial's runs for a cluster:
 * the shards fill a shared cache and stop, and an unsharded tune scores from it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "halton.h"
#include "params.h"
#include "problem.h"
#include "readfile.h"
#include "results_file.h"
#include "run_options.h"
#include "space.h"
#include "stats.h"

extern char **environ;

static const char usage[] =
    "usage: plugbench tune -c TUNE.json [options]\n"
    "\n"
    "Tunes each algorithm with the same number of trials of a scrambled Halton search over\n"
    "its search space (the declared ranges, narrowed by NAME.tune.json next to the plugin and\n"
    "by the config's search_space); trial 0 is the defaults. Each trial is a plugbench run of\n"
    "the training set; its score is the mean over the training problems of its rank among\n"
    "the trials by the median over seeds of the final main metric (failed runs last). The\n"
    "best configuration is written to DIR/tuned.json; then the defaults and the tuned\n"
    "configurations run on the evaluation set, ranked in DIR/leaderboard.md.\n"
    "\n"
    "TUNE.json: {\"algorithms\": [...], \"trials\": 16, \"seed\": 1,\n"
    "  \"train\": {run config: problems, seeds, budget, ...},\n"
    "  \"eval\": {run config: problems, seeds, budget, ...},\n"
    "  \"search_space\": {\"ALG\": {\"PARAM\": {\"min\", \"max\", \"log\", \"values\", \"tune\"}}}}\n"
    "Training and evaluation problems (by id) and seeds must be disjoint.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE    the tuning config (required)\n"
    "  -o, --output DIR     default reports/out/tune\n"
    "  -a, --algorithm NAME repeatable: tune only these of the config's algorithms\n"
    "  -n, --trials N       trials per algorithm (default: the config's, else 16)\n"
    "      --seed S         the scrambling seed (default: the config's, else 1)\n"
    "  -j, --jobs N         runs in parallel in each trial\n"
    "      --cache DIR      passed to every run: runs stored in DIR are reused, and new\n"
    "                       ones stored there (a campaign run again reuses its trials)\n"
    "      --shard I/N      run only slice I of N of every trial's runs, into --cache\n"
    "                       (required), then stop; tune again with the same cache and\n"
    "                       no --shard scores them (a Slurm job array, then one job)\n"
    "      --no-eval        tune only: no held-out evaluation\n"
    "  -q, --quiet          no line per trial\n"
    "      --plugin-dir DIR repeatable\n";

typedef struct tuning {
    const char *config_path, *out_dir, *jobs, *cache, *shard; /* flags passed to run */
    cJSON *config;
    cJSON *only;            /* -a names */
    long trials;
    uint64_t seed;
    int eval, quiet;
    pb_dirs dirs;
    char self[PATH_MAX]; /* this plugbench, which runs each trial */
    char train_path[PATH_MAX], eval_path[PATH_MAX];
    pb_run_options train, test; /* the two sets, parsed as run parses them */
    cJSON *protocol;            /* what the pages state: see make_protocol */
} tuning;

/* One algorithm's campaign. */
typedef struct campaign {
    pb__plugin_file plugin;
    pb__space space;
    char tune_file[PATH_MAX];
    pb_value **trial_values; /* per trial, every parameter's value */
    double *score;           /* per trial */
    size_t best;
    double eval_rank[2];     /* held-out mean rank of the default and the tuned config */
    int eval_vs[3];          /* held-out problems where tuned beat, tied, lost to default */
} campaign;

/* Runs `plugbench run` with args (NULL-terminated, after "run") by the plugbench at self,
 * its stdout discarded: the line of counts it prints would drown ours. Returns its exit
 * status, or -1. self is this executable's path, not /proc/self/exe: under valgrind that
 * file is valgrind's tool, which will not start without valgrind. */
static int run_child(const char *self, char *const *args)
{
    char *argv[128];
    size_t n = 0;
    argv[n++] = "plugbench";
    argv[n++] = "run";
    for (; *args && n + 1 < sizeof argv / sizeof argv[0]; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawn(&pid, self, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/*
 * Runs plugin with values (only those that differ from the defaults are passed, as -P) on
 * the set of config file set into output. Returns 0, or an exit code after saying why.
 */
static int run_config(const tuning *t, const char *set, const pb__plugin_file *plugin,
                      const pb_value *values, const char *output)
{
    const pb_plugin *d = plugin->desc;
    /* Only tuned parameters differ from the defaults: at most PB__HALTON_MAX_DIMS. */
    char *args[128], texts[PB__HALTON_MAX_DIMS][320];
    size_t n = 0, k = 0;
    args[n++] = "-c";
    args[n++] = (char *)set;
    args[n++] = "-a";
    args[n++] = (char *)plugin->path;
    pb_value *defaults = calloc(d->n_params ? d->n_params : 1, sizeof *defaults);
    if (!defaults)
        return pb_usage_error("out of memory");
    pb__params_defaults(d, defaults);
    for (uint32_t i = 0; i < d->n_params && k < PB__HALTON_MAX_DIMS; i++) {
        if (memcmp(&defaults[i], &values[i], sizeof values[i]) == 0)
            continue;
        char value[256];
        pb__param_format(&d->params[i], values[i], value, sizeof value);
        snprintf(texts[k], sizeof texts[k], "%s.%s=%s", d->name, d->params[i].name, value);
        args[n++] = "-P";
        args[n++] = texts[k++];
    }
    free(defaults);
    args[n++] = "-o";
    args[n++] = (char *)output;
    args[n++] = "-q";
    args[n++] = "--no-plots";
    args[n++] = "--resume";
    const char *const pass[][2] = {{"-j", t->jobs}, {"--cache", t->cache}, {"--shard", t->shard}};
    for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
        if (pass[i][1]) {
            args[n++] = (char *)pass[i][0];
            args[n++] = (char *)pass[i][1];
        }
    for (size_t i = 0; i < t->dirs.n_given; i++) {
        args[n++] = "--plugin-dir";
        args[n++] = (char *)t->dirs.given[i];
    }
    args[n] = NULL;
    int rc = run_child(t->self, args);
    if (rc != 0)
        return rc < 0 ? pb_usage_error("cannot run plugbench run: %s", strerror(errno))
                      : (fprintf(stderr, "plugbench: tune: plugbench run for %s exited with %d "
                                         "(see above)\n", output, rc),
                         PB_EXIT_FAILED);
    return 0;
}

/*
 * The median over seeds of the final main metric (metrics' first entry; a run not ok
 * counts as +inf) per problem of t->set's problem list, read from the results file path,
 * into med[0..n_problems). Returns 0, or -1 with a message.
 */
static int medians(const pb_run_options *set, const char *path, double *med, char *err,
                   size_t errlen)
{
    cJSON *records = cJSON_CreateArray();
    if (!records || pb__records_load(path, records, NULL, err, errlen) != 0) {
        cJSON_Delete(records);
        return -1;
    }
    double *v = malloc((set->n_seeds + 1) * sizeof *v);
    size_t p = 0;
    const cJSON *id, *ids = v ? set->problems : NULL;
    int rc = v ? 0 : -1;
    cJSON_ArrayForEach(id, ids) {
        size_t n = 0;
        const cJSON *rec;
        cJSON_ArrayForEach(rec, records) {
            const cJSON *prob = cJSON_GetObjectItemCaseSensitive(rec, "problem");
            const cJSON *pid = cJSON_GetObjectItemCaseSensitive(prob, "id");
            const cJSON *status = cJSON_GetObjectItemCaseSensitive(rec, "status");
            const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(rec, "metrics");
            if (!cJSON_IsString(pid) || strcmp(pid->valuestring, id->valuestring) != 0 ||
                n == set->n_seeds)
                continue;
            int ok = cJSON_IsString(status) && strcmp(status->valuestring, "ok") == 0 &&
                     metrics && cJSON_IsNumber(metrics->child) &&
                     isfinite(metrics->child->valuedouble);
            v[n++] = ok ? metrics->child->valuedouble : INFINITY;
        }
        if (n < set->n_seeds) {
            snprintf(err, errlen, "%s: %zu of the %zu runs on %s are missing", path,
                     set->n_seeds - n, set->n_seeds, id->valuestring);
            rc = -1;
            break;
        }
        med[p++] = pb__median(v, n);
    }
    free(v);
    cJSON_Delete(records);
    if (rc != 0 && !v)
        snprintf(err, errlen, "out of memory");
    return rc;
}

/*
 * Scores n configurations whose runs are in files[0..n) on set: the mean over problems of
 * each one's rank among them by median final main metric, into score[0..n). Returns 0, or
 * -1 with a message.
 */
static int rank_scores(const pb_run_options *set, char **files, size_t n, double *score,
                       double **med_out, char *err, size_t errlen)
{
    size_t np = (size_t)cJSON_GetArraySize(set->problems);
    double *med = malloc((n * np + 1) * sizeof *med), *col = malloc((n + 1) * sizeof *col),
           *rank = malloc((n + 1) * sizeof *rank);
    int rc = med && col && rank ? 0 : -1;
    if (rc != 0)
        snprintf(err, errlen, "out of memory");
    for (size_t c = 0; rc == 0 && c < n; c++)
        rc = medians(set, files[c], med + c * np, err, errlen);
    for (size_t c = 0; c < n; c++)
        score[c] = 0;
    for (size_t p = 0; rc == 0 && p < np; p++) {
        for (size_t c = 0; c < n; c++)
            col[c] = med[c * np + p];
        if ((rc = pb__average_ranks(col, n, rank)) != 0)
            snprintf(err, errlen, "out of memory");
        for (size_t c = 0; rc == 0 && c < n; c++)
            score[c] += rank[c] / (double)np;
    }
    free(col);
    free(rank);
    if (med_out && rc == 0)
        *med_out = med;
    else
        free(med);
    return rc;
}

/* The canonical ids of set's problems, checked to be none of other's; and no seed of
 * set is one of other's. Returns 0, or an exit code after saying which overlap. */
static int check_disjoint(const pb_run_options *train, const pb_run_options *test)
{
    for (size_t i = 0; i < train->n_seeds; i++)
        for (size_t j = 0; j < test->n_seeds; j++)
            if (train->seeds[i] == test->seeds[j])
                return pb_usage_error("tune: seed %llu is in both the training and the "
                                      "evaluation set",
                                      (unsigned long long)train->seeds[i]);
    const cJSON *a, *b;
    cJSON_ArrayForEach(a, train->problems) cJSON_ArrayForEach(b, test->problems) {
        if (strcmp(a->valuestring, b->valuestring) == 0)
            return pb_usage_error("tune: problem %s is in both the training and the "
                                  "evaluation set",
                                  a->valuestring);
    }
    return 0;
}

/* Opens each problem of set (ids given as aliases become canonical ones); an unknown one
 * is a usage error. Canonical ids make the disjointness check see bbob-f1 as bbob-f01. */
static int canonical_problems(pb_run_options *set, const char *which)
{
    if (cJSON_GetArraySize(set->problems) == 0)
        return pb_usage_error("tune: the %s set must list its problems", which);
    cJSON *e;
    cJSON_ArrayForEach(e, set->problems) {
        pb__problem *prob;
        char err[1024];
        if (pb__problem_open(e->valuestring, &prob, err, sizeof err) != 0)
            return pb_usage_error("tune: %s set: %s", which, err);
        cJSON_SetValuestring(e, prob->id);
        pb__problem_close(prob);
    }
    return 0;
}

/* Writes config key ("train" or "eval") to path and parses it as plugbench run would. */
static int load_set(tuning *t, const char *key, char *path, size_t pathlen, pb_run_options *set)
{
    const cJSON *obj = cJSON_GetObjectItemCaseSensitive(t->config, key);
    if (!cJSON_IsObject(obj))
        return pb_usage_error("%s: '%s' must be an object (a plugbench run config)",
                              t->config_path, key);
    static const char *const owned[] = {"algorithms", "params", "output", "resume", "shard",
                                        "tuning"};
    for (size_t i = 0; i < sizeof owned / sizeof owned[0]; i++)
        if (cJSON_GetObjectItemCaseSensitive(obj, owned[i]))
            return pb_usage_error("%s: %s.%s is set by tune itself", t->config_path, key,
                                  owned[i]);
    snprintf(path, pathlen, "%s/%s.json", t->out_dir, key);
    char err[1024];
    if (pb__json_write_atomic(path, obj, err, sizeof err) != 0)
        return pb_usage_error("%s", err);
    char *argv[] = {"run", "-c", path, NULL};
    int rc = pb_run_options_parse(3, argv, set);
    return rc ? (rc < 0 ? PB_EXIT_USAGE : rc) : canonical_problems(set, key);
}

/* Reads a whole number key of the config, when there, into *out. */
static int config_count(const tuning *t, const char *key, double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(t->config, key);
    if (!v)
        return 0;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
        v->valuedouble != floor(v->valuedouble))
        return pb_usage_error("%s: %s must be a whole number in [0, %g]", t->config_path, key,
                              max);
    *out = v->valuedouble;
    return 0;
}

static int read_config(tuning *t)
{
    size_t len;
    char *text = pb__read_file(t->config_path, &len);
    if (!text)
        return pb_usage_error("cannot read %s: %s", t->config_path, strerror(errno));
    t->config = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(t->config))
        return pb_usage_error("%s: not a JSON object", t->config_path);
    const char *dup;
    if (pb__json_duplicate_key(t->config, &dup) != 0)
        return pb_usage_error("out of memory");
    if (dup)
        return pb_usage_error("%s: key '%s' appears twice in one object (which one is meant?)",
                              t->config_path, dup);
    static const char *const known[] = {"algorithms", "trials", "seed", "train", "eval",
                                        "search_space"};
    const cJSON *k;
    cJSON_ArrayForEach(k, t->config) {
        size_t i = 0;
        while (i < 6 && strcmp(k->string, known[i]) != 0)
            i++;
        if (i == 6)
            return pb_usage_error("%s: unknown key '%s' (see plugbench tune --help)",
                                  t->config_path, k->string);
    }
    const cJSON *algs = cJSON_GetObjectItemCaseSensitive(t->config, "algorithms");
    int ok = cJSON_IsArray(algs) && cJSON_GetArraySize(algs) > 0;
    cJSON_ArrayForEach(k, algs) ok = ok && cJSON_IsString(k);
    if (!ok)
        return pb_usage_error("%s: algorithms must be a list of plugin names", t->config_path);
    for (const cJSON *x = algs->child; x; x = x->next)
        for (const cJSON *y = x->next; y; y = y->next)
            if (strcmp(x->valuestring, y->valuestring) == 0)
                return pb_usage_error("%s: algorithm '%s' is listed twice", t->config_path,
                                      x->valuestring);
    const cJSON *space = cJSON_GetObjectItemCaseSensitive(t->config, "search_space");
    if (space && !cJSON_IsObject(space))
        return pb_usage_error("%s: search_space must be an object", t->config_path);
    double trials = 16, seed = 1;
    int rc;
    if ((rc = config_count(t, "trials", 100000, &trials)) ||
        (rc = config_count(t, "seed", 9007199254740992.0, &seed)))
        return rc;
    if (t->trials == 0)
        t->trials = (long)trials;
    if (t->seed == UINT64_MAX)
        t->seed = (uint64_t)seed;
    if (t->trials < 1)
        return pb_usage_error("tune: at least one trial (the defaults) is needed");
    return 0;
}

/* The trials of one campaign: trial 0 the defaults, trial k >= 1 Halton point k - 1. */
static int make_trials(const tuning *t, campaign *c)
{
    const pb_plugin *d = c->plugin.desc;
    size_t n = (size_t)t->trials;
    if (c->space.n_dims > PB__HALTON_MAX_DIMS)
        return pb_usage_error("tune: %s has %zu tuned parameters; at most %d (mark the others "
                              "\"tune\": false)",
                              d->name, c->space.n_dims, PB__HALTON_MAX_DIMS);
    pb__halton *h = c->space.n_dims ? pb__halton_new(c->space.n_dims, 1, t->seed) : NULL;
    c->trial_values = calloc(n, sizeof *c->trial_values);
    c->score = calloc(n, sizeof *c->score);
    double u[PB__HALTON_MAX_DIMS];
    int rc = (c->space.n_dims && !h) || !c->trial_values || !c->score;
    for (size_t k = 0; !rc && k < n; k++) {
        c->trial_values[k] = calloc(d->n_params ? d->n_params : 1, sizeof(pb_value));
        if (!c->trial_values[k]) {
            rc = 1;
            break;
        }
        pb__params_defaults(d, c->trial_values[k]);
        if (k > 0 && h) {
            pb__halton_point(h, k - 1, u);
            pb__space_values(&c->space, u, c->trial_values[k]);
        }
    }
    pb__halton_free(h);
    return rc ? pb_usage_error("out of memory") : 0;
}

/* The tuned parameters of values as "name=value ..." into buf, for the log lines. */
static void describe_values(const pb__space *s, const pb_value *values, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < s->n_dims && used < len; i++) {
        const pb_param *p = &s->desc->params[s->dims[i].param];
        char v[256];
        pb__param_format(p, values[s->dims[i].param], v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%s%s=%s", i ? " " : "", p->name, v);
    }
}

/* Runs and scores every trial of c; sets c->best. */
static int tune_one(const tuning *t, campaign *c)
{
    const char *name = c->plugin.desc->name;
    size_t n = (size_t)t->trials;
    char **files = calloc(n, sizeof *files), err[1024], line[2048];
    int rc = files ? 0 : pb_usage_error("out of memory");
    for (size_t k = 0; rc == 0 && k < n; k++) {
        files[k] = malloc(PATH_MAX);
        if (!files[k]) {
            rc = pb_usage_error("out of memory");
            break;
        }
        snprintf(files[k], PATH_MAX, "%s/trials/%s/trial-%03zu.json", t->out_dir, name, k);
        describe_values(&c->space, c->trial_values[k], line, sizeof line);
        if (!t->quiet)
            fprintf(stderr, "plugbench: tune %s trial %zu/%zu%s: %s\n", name, k + 1, n,
                    k ? "" : " (defaults)", line);
        rc = run_config(t, t->train_path, &c->plugin, c->trial_values[k], files[k]);
    }
    if (rc == 0 && !t->shard &&
        rank_scores(&t->train, files, n, c->score, NULL, err, sizeof err) != 0)
        rc = pb_usage_error("tune: %s", err);
    c->best = 0;
    for (size_t k = 1; rc == 0 && k < n; k++)
        if (c->score[k] < c->score[c->best]) /* ties keep the earlier: the defaults first */
            c->best = k;
    for (size_t k = 0; files && k < n; k++)
        free(files[k]);
    free(files);
    return rc;
}

/* The named configuration {"name", "plugin", "params"} of values (only the tuned ones). */
static cJSON *named_config(const campaign *c, const char *suffix, const pb_value *values)
{
    cJSON *obj = cJSON_CreateObject();
    cJSON *all = values ? pb__params_to_json(c->plugin.desc, values) : NULL;
    char name[160];
    snprintf(name, sizeof name, "%s-%s", c->plugin.desc->name, suffix);
    cJSON_AddStringToObject(obj, "name", name);
    cJSON_AddStringToObject(obj, "plugin", c->plugin.desc->name);
    cJSON *params = cJSON_AddObjectToObject(obj, "params");
    for (size_t i = 0; values && i < c->space.n_dims; i++) {
        const char *p = c->plugin.desc->params[c->space.dims[i].param].name;
        cJSON_AddItemToObject(params, p,
                              cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(all, p), 1));
    }
    cJSON_Delete(all);
    return obj;
}

/* A set as the protocol states it: its canonical problem ids, its seeds, and the rest of
 * its run config (budget, timeout, ...). */
static cJSON *protocol_set(const tuning *t, const char *key, const pb_run_options *set)
{
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "problems", cJSON_Duplicate(set->problems, 1));
    cJSON *seeds = cJSON_AddArrayToObject(out, "seeds");
    for (size_t i = 0; i < set->n_seeds; i++)
        cJSON_AddItemToArray(seeds, cJSON_CreateNumber((double)set->seeds[i]));
    cJSON *rest = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(t->config, key), 1);
    cJSON_DeleteItemFromObjectCaseSensitive(rest, "problems");
    cJSON_DeleteItemFromObjectCaseSensitive(rest, "seeds");
    cJSON_AddItemToObject(out, "run_settings", rest);
    return out;
}

/*
 * The protocol of this campaign, everything a reader of a tuned leaderboard needs to judge
 * it: the trial budget, the search, each algorithm's space (and the file it came from),
 * the training and evaluation sets, and how trials are scored and chosen. It goes into
 * tuning.json, into tuned.json and the evaluation runs' config as "tuning" (run copies it
 * into the results' context and the report states it), and into leaderboard.md.
 */
static cJSON *make_protocol(const tuning *t, const campaign *cs, size_t n)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "tool", "plugbench tune");
    cJSON_AddNumberToObject(p, "trials", (double)t->trials);
    cJSON_AddNumberToObject(p, "seed", (double)t->seed);
    cJSON_AddStringToObject(p, "search", "trial 0 the defaults, then the points of a scrambled "
                                         "Halton sequence over the space");
    cJSON_AddStringToObject(p, "aggregate",
                            "a trial's score is its mean over the training problems of its "
                            "rank among the algorithm's trials by the median over seeds of "
                            "the final main metric (runs not ok count as +inf; ties share the "
                            "mean rank); the tuned configuration is the trial of lowest score, "
                            "the earlier on a tie");
    cJSON_AddItemToObject(p, "train", protocol_set(t, "train", &t->train));
    cJSON_AddItemToObject(p, "eval", protocol_set(t, "eval", &t->test));
    cJSON *spaces = cJSON_AddObjectToObject(p, "spaces");
    cJSON *files = cJSON_AddObjectToObject(p, "space_files");
    for (size_t a = 0; a < n; a++) {
        cJSON_AddItemToObject(spaces, cs[a].plugin.desc->name, pb__space_to_json(&cs[a].space));
        cJSON_AddStringToObject(files, cs[a].plugin.desc->name, cs[a].tune_file);
    }
    return p;
}

/* Writes the evaluation set's run config again, with the protocol as "tuning": so the
 * evaluation runs' results files carry it too, and their report states it. */
static int write_eval_set(const tuning *t)
{
    cJSON *set = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(t->config, "eval"), 1);
    cJSON_AddItemToObject(set, "tuning", cJSON_Duplicate(t->protocol, 1));
    char err[1024];
    int rc = pb__json_write_atomic(t->eval_path, set, err, sizeof err);
    cJSON_Delete(set);
    return rc ? pb_usage_error("%s", err) : 0;
}

/* DIR/tuned.json: the evaluation set as a run config whose algorithms are the default and
 * tuned configurations; DIR/tuning.json: the protocol, the spaces and every trial. */
static int write_outputs(const tuning *t, campaign *cs, size_t n)
{
    const cJSON *test = cJSON_GetObjectItemCaseSensitive(t->config, "eval");
    cJSON *tuned = cJSON_Duplicate(test, 1);
    cJSON *algs = cJSON_AddArrayToObject(tuned, "algorithms");
    cJSON_AddItemToObject(tuned, "tuning", cJSON_Duplicate(t->protocol, 1));
    cJSON *log = cJSON_CreateObject();
    cJSON_AddItemToObject(log, "protocol", cJSON_Duplicate(t->protocol, 1));
    cJSON *per = cJSON_AddObjectToObject(log, "algorithms");
    for (size_t a = 0; a < n; a++) {
        campaign *c = &cs[a];
        cJSON_AddItemToArray(algs, named_config(c, "default", NULL));
        cJSON *best = named_config(c, "tuned", c->trial_values[c->best]);
        cJSON_AddItemToArray(algs, cJSON_Duplicate(best, 1));
        cJSON *e = cJSON_AddObjectToObject(per, c->plugin.desc->name);
        cJSON_AddStringToObject(e, "sha256", c->plugin.sha256);
        cJSON_AddStringToObject(e, "space_file", c->tune_file);
        cJSON_AddItemToObject(e, "space", pb__space_to_json(&c->space));
        cJSON_AddNumberToObject(e, "best_trial", (double)c->best);
        cJSON_AddNumberToObject(e, "best_score", c->score[c->best]);
        cJSON_AddNumberToObject(e, "default_score", c->score[0]);
        cJSON_AddItemToObject(e, "best", best);
        cJSON *trials = cJSON_AddArrayToObject(e, "trials");
        for (size_t k = 0; k < (size_t)t->trials; k++) {
            cJSON *tr = cJSON_CreateObject();
            cJSON_AddNumberToObject(tr, "trial", (double)k);
            cJSON_AddNumberToObject(tr, "score", c->score[k]);
            cJSON_AddItemToObject(tr, "params",
                                  pb__params_to_json(c->plugin.desc, c->trial_values[k]));
            cJSON_AddItemToArray(trials, tr);
        }
    }
    char path[PATH_MAX + 32], err[1024];
    int rc = 0;
    snprintf(path, sizeof path, "%s/tuned.json", t->out_dir);
    if (pb__json_write_atomic(path, tuned, err, sizeof err) != 0)
        rc = pb_usage_error("%s", err);
    snprintf(path, sizeof path, "%s/tuning.json", t->out_dir);
    if (rc == 0 && pb__json_write_atomic(path, log, err, sizeof err) != 0)
        rc = pb_usage_error("%s", err);
    cJSON_Delete(tuned);
    cJSON_Delete(log);
    return rc;
}

/* Runs the default and tuned configurations of every campaign on the evaluation set and
 * ranks them all together (the same score as the trials'). */
static int evaluate(const tuning *t, campaign *cs, size_t n)
{
    char **files = calloc(2 * n, sizeof *files), err[1024];
    double *rank = malloc((2 * n + 1) * sizeof *rank), *med = NULL;
    int rc = files && rank ? 0 : pb_usage_error("out of memory");
    for (size_t i = 0; rc == 0 && i < 2 * n; i++) {
        campaign *c = &cs[i / 2];
        files[i] = malloc(PATH_MAX);
        if (!files[i]) {
            rc = pb_usage_error("out of memory");
            break;
        }
        snprintf(files[i], PATH_MAX, "%s/eval/%s-%s.json", t->out_dir, c->plugin.desc->name,
                 i % 2 ? "tuned" : "default");
        if (!t->quiet)
            fprintf(stderr, "plugbench: tune: evaluating %s-%s\n", c->plugin.desc->name,
                    i % 2 ? "tuned" : "default");
        rc = run_config(t, t->eval_path, &c->plugin, c->trial_values[i % 2 ? c->best : 0],
                        files[i]);
    }
    if (rc == 0 && rank_scores(&t->test, files, 2 * n, rank, &med, err, sizeof err) != 0)
        rc = pb_usage_error("tune: %s", err);
    size_t np = (size_t)cJSON_GetArraySize(t->test.problems);
    for (size_t a = 0; rc == 0 && a < n; a++) {
        cs[a].eval_rank[0] = rank[2 * a];
        cs[a].eval_rank[1] = rank[2 * a + 1];
        for (size_t p = 0; p < np; p++) {
            double d = med[2 * a * np + p], u = med[(2 * a + 1) * np + p];
            cs[a].eval_vs[u < d ? 0 : u == d ? 1 : 2]++;
        }
    }
    for (size_t i = 0; files && i < 2 * n; i++)
        free(files[i]);
    free(files);
    free(rank);
    free(med);
    return rc;
}

/* Writes DIR/leaderboard.md (the protocol and one row per configuration) and prints it. */
static int write_leaderboard(const tuning *t, campaign *cs, size_t n, double seconds)
{
    char path[PATH_MAX + 32], *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return pb_usage_error("out of memory");
    char *train = pb__json_print_exact(cJSON_GetObjectItemCaseSensitive(t->config, "train"), 0);
    char *test = pb__json_print_exact(cJSON_GetObjectItemCaseSensitive(t->config, "eval"), 0);
    char *spaces = pb__json_print_exact(cJSON_GetObjectItemCaseSensitive(t->protocol, "spaces"), 0);
    fprintf(f, "# Tuned leaderboard\n\n"
               "Protocol: each algorithm got %ld trials (trial 0 its defaults, then a scrambled "
               "Halton search with seed %llu over its search space: `%s`); a trial's score "
               "is its mean rank among the trials over the training problems by the median "
               "over seeds of the final main metric; the best trial is the tuned "
               "configuration. Training set (no problem id or seed of it is in the "
               "evaluation set): `%s`. Evaluation set: `%s`. Held-out rank: mean over the "
               "evaluation problems of the rank among all %zu configurations below. Took %.1f "
               "s.\n\n"
               "| configuration | held-out mean rank | train score (of %ld trials) | held-out "
               "problems better / equal / worse than default | tuned parameters |\n"
               "|---|---|---|---|---|\n",
            t->trials, (unsigned long long)t->seed, spaces ? spaces : "?", train ? train : "?",
            test ? test : "?",
            2 * n, seconds, t->trials);
    free(train);
    free(test);
    free(spaces);
    for (size_t a = 0; a < n; a++) {
        const campaign *c = &cs[a];
        char values[2048];
        describe_values(&c->space, c->trial_values[c->best], values, sizeof values);
        if (t->eval) {
            fprintf(f, "| %s-default | %.2f | %.2f | | |\n", c->plugin.desc->name,
                    c->eval_rank[0], c->score[0]);
            fprintf(f, "| %s-tuned | %.2f | %.2f (trial %zu) | %d / %d / %d | %s |\n",
                    c->plugin.desc->name, c->eval_rank[1], c->score[c->best], c->best,
                    c->eval_vs[0], c->eval_vs[1], c->eval_vs[2], values);
        } else {
            fprintf(f, "| %s-default | | %.2f | | |\n| %s-tuned | | %.2f (trial %zu) | | %s |\n",
                    c->plugin.desc->name, c->score[0], c->plugin.desc->name, c->score[c->best],
                    c->best, values);
        }
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/leaderboard.md", t->out_dir);
    FILE *out = fopen(path, "w");
    int rc = out && fwrite(text, 1, len, out) == len ? 0 : -1;
    if (out && fclose(out) != 0)
        rc = -1;
    if (rc != 0)
        rc = pb_usage_error("cannot write %s: %s", path, strerror(errno));
    else
        printf("%s\nleaderboard: %s\ntuned configurations: %s/tuned.json\n", text, path,
               t->out_dir);
    free(text);
    return rc;
}

/* Loads algorithm name (in the config's list, and in -a's when given) and its space. */
static int load_campaign(const tuning *t, const char *name, campaign *c)
{
    char err[2048];
    if (pb__plugin_resolve(name, (char(*)[PATH_MAX])t->dirs.paths, t->dirs.n, &c->plugin, err,
                           sizeof err) != 0)
        return pb_usage_error("%s", err);
    cJSON *file = NULL;
    const cJSON *suite = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(t->config, "search_space"), c->plugin.desc->name);
    int rc = pb__space_read_file(c->plugin.path, &file, c->tune_file, sizeof c->tune_file, err,
                                 sizeof err);
    if (rc == 0)
        rc = pb__space_build(c->plugin.desc, file, c->tune_file, suite, &c->space, err,
                             sizeof err);
    cJSON_Delete(file);
    if (rc != 0)
        return pb_usage_error("%s", err);
    if (!file)
        snprintf(c->tune_file, sizeof c->tune_file, "(none: the declared ranges)");
    return make_trials(t, c);
}

static int parse_args(int argc, char **argv, tuning *t)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "-o") == 0 ||
                    strcmp(a, "--output") == 0 || strcmp(a, "-a") == 0 ||
                    strcmp(a, "--algorithm") == 0 || strcmp(a, "-n") == 0 ||
                    strcmp(a, "--trials") == 0 || strcmp(a, "--seed") == 0 ||
                    strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 ||
                    strcmp(a, "--cache") == 0 || strcmp(a, "--shard") == 0 ||
                    strcmp(a, "--plugin-dir") == 0;
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            return -1;
        }
        if (takes && !next)
            return pb_usage_error("tune: %s needs a value", a);
        char *end = NULL;
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0)
            t->config_path = next;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            t->out_dir = next;
        else if (strcmp(a, "-a") == 0 || strcmp(a, "--algorithm") == 0)
            cJSON_AddItemToArray(t->only, cJSON_CreateString(next));
        else if (strcmp(a, "-n") == 0 || strcmp(a, "--trials") == 0) {
            t->trials = strtol(next, &end, 10);
            if (*end || t->trials < 1 || t->trials > 100000)
                return pb_usage_error("tune: --trials must be a whole number in [1, 100000]");
        } else if (strcmp(a, "--seed") == 0) {
            t->seed = strtoull(next, &end, 10);
            if (*end || !*next || *next == '-' || t->seed == UINT64_MAX)
                return pb_usage_error("tune: --seed must be a whole number");
        } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0)
            t->jobs = next; /* checked by run */
        else if (strcmp(a, "--cache") == 0)
            t->cache = next; /* checked by run */
        else if (strcmp(a, "--shard") == 0)
            t->shard = next; /* checked by run */
        else if (strcmp(a, "--plugin-dir") == 0) {
            if (t->dirs.n_given == PB_MAX_DIRS)
                return pb_usage_error("at most %d plugin directories", PB_MAX_DIRS);
            t->dirs.given[t->dirs.n_given++] = next;
        } else if (strcmp(a, "--no-eval") == 0)
            t->eval = 0;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
            t->quiet = 1;
        else
            return pb_usage_error("tune: unknown option '%s' (see plugbench tune --help)", a);
        i += takes;
    }
    if (!t->config_path)
        return pb_usage_error("tune: -c TUNE.json is needed (see plugbench tune --help)");
    /* A shard has a slice of each trial's runs, too few to score: they are for the cache,
     * from which the unsharded tune that follows takes them. */
    if (t->shard && !t->cache)
        return pb_usage_error("tune: --shard needs --cache DIR (shared by the shards and "
                              "the tune that scores their runs)");
    return 0;
}

int pb_cmd_tune(int argc, char **argv)
{
    tuning t = {.out_dir = "reports/out/tune", .seed = UINT64_MAX, .eval = 1,
                .only = cJSON_CreateArray()};
    campaign *cs = NULL;
    size_t n = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = parse_args(argc, argv, &t);
    if (rc < 0) {
        rc = PB_EXIT_OK;
        goto out;
    }
    if (rc || (rc = read_config(&t)))
        goto out;
    if (pb__mkdirs(t.out_dir) != 0) {
        rc = pb_usage_error("cannot create %s: %s", t.out_dir, strerror(errno));
        goto out;
    }
    if (pb__self_path(t.self) != 0) {
        rc = pb_usage_error("tune: the path of this plugbench is unknown (/proc/self/exe)");
        goto out;
    }
    pb_dirs_resolve(&t.dirs);
    if ((rc = load_set(&t, "train", t.train_path, sizeof t.train_path, &t.train)) ||
        (rc = load_set(&t, "eval", t.eval_path, sizeof t.eval_path, &t.test)) ||
        (rc = check_disjoint(&t.train, &t.test)))
        goto out;
    const cJSON *algs = cJSON_GetObjectItemCaseSensitive(t.config, "algorithms"), *a, *o;
    cs = calloc((size_t)cJSON_GetArraySize(algs), sizeof *cs);
    if (!cs) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    cJSON_ArrayForEach(o, t.only) {
        int found = 0;
        cJSON_ArrayForEach(a, algs) found |= strcmp(a->valuestring, o->valuestring) == 0;
        if (!found) {
            rc = pb_usage_error("tune: -a %s is not among the config's algorithms",
                                o->valuestring);
            goto out;
        }
    }
    cJSON_ArrayForEach(a, algs) {
        int wanted = cJSON_GetArraySize(t.only) == 0;
        cJSON_ArrayForEach(o, t.only) wanted |= strcmp(a->valuestring, o->valuestring) == 0;
        if (wanted && (rc = load_campaign(&t, a->valuestring, &cs[n++])))
            goto out;
    }
    if (!(t.protocol = make_protocol(&t, cs, n))) {
        rc = pb_usage_error("out of memory");
        goto out;
    }
    if ((rc = write_eval_set(&t)))
        goto out;
    for (size_t i = 0; i < n; i++)
        if ((rc = tune_one(&t, &cs[i])))
            goto out;
    if (t.shard) {
        printf("tune: shard %s of every trial ran into the cache %s; run tune again with "
               "--cache %s and no --shard to score the trials\n",
               t.shard, t.cache, t.cache);
        goto out;
    }
    if ((rc = write_outputs(&t, cs, n)) || (t.eval && (rc = evaluate(&t, cs, n))))
        goto out;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rc = write_leaderboard(&t, cs, n,
                           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
out:
    for (size_t i = 0; i < n; i++) {
        for (long k = 0; cs[i].trial_values && k < t.trials; k++)
            free(cs[i].trial_values[k]);
        free(cs[i].trial_values);
        free(cs[i].score);
        pb__space_free(&cs[i].space);
        pb__plugin_unload(&cs[i].plugin);
    }
    free(cs);
    pb_run_options_free(&t.train);
    pb_run_options_free(&t.test);
    cJSON_Delete(t.only);
    cJSON_Delete(t.protocol);
    cJSON_Delete(t.config);
    return rc;
}
