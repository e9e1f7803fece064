/* Options of `plugbench run`; see run_options.h. */
#include "run_options.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "configs.h"
#include "isolate.h"
#include "numfmt.h"
#include "results_file.h"
#include "strmap.h"
#include "suite.h"

static const char usage[] =
    "usage: plugbench run [options]\n"
    "\n"
    "Runs every algorithm on every problem with every seed, each run in its own process,\n"
    "and writes one results file (schema plugbench/results/1) and its report (plots,\n"
    "leaderboards, index.html; see plugbench report). With no options: the default suite\n"
    "(every installed plugin on its kind's\n"
    "default problems, seeds 1-5, the kind's default budget).\n"
    "\n"
    "  -a, --algorithm NAME|FILE.so  algorithm to run (repeatable; default: all installed);\n"
    "                                NAME[p=v1,v2][q=v]... runs one configuration per\n"
    "                                combination, at most 1000 in all (README: Parameter grids)\n"
    "  -p, --problem ID              problem to run on (repeatable; default: the kind's defaults;\n"
    "                                `plugbench list` shows the id patterns)\n"
    "  -s, --seeds LIST              seeds, e.g. 1-5 or 1,3,7 (default 1-5)\n"
    "      --max-evals N             budget in the kind's cost unit (blackbox: evaluations)\n"
    "      --max-iters N             budget in algorithm iterations (step calls)\n"
    "      --max-seconds S           budget in algorithm seconds (checked between steps)\n"
    "      --target V                stop a run once its main metric is <= V\n"
    "      --checkpoints SERIES      where trace points are recorded: 1-2-5 (default: cost\n"
    "                                1, 2, 5 x 10^k), decade:N (N per decade of cost),\n"
    "                                every:K (after every K-th step) or all (every step)\n"
    "      --max-trace-points N      cap on a run's trace points (default 100000); past it\n"
    "                                checkpoints are skipped, the final point kept, and the\n"
    "                                record says \"trace_capped\": true\n"
    "  -P, --param ALG.NAME=VALUE    set a parameter of every configuration of ALG\n"
    "                                (repeatable; see plugbench describe ALG); a grid may\n"
    "                                not set it again\n"
    "  -j, --jobs N                  runs in parallel (default 1; more than the cores\n"
    "                                stretches algorithm seconds and --max-seconds)\n"
    "      --timeout S               wall-clock limit per run; the run is killed after it\n"
    "                                (default 2 x max-seconds + 10, or 600)\n"
    "      --memory MB               memory limit per run (default 4096; 0 = none): its\n"
    "                                memory cgroup's where one can be made, else an\n"
    "                                address-space limit\n"
    "  -c, --config FILE.json        read options from a JSON file (flags override it)\n"
    "  -o, --output FILE             results file (default reports/out/latest/results.json)\n"
    "      --resume                  keep finished runs of an earlier, interrupted invocation\n"
    "                                with the same output and skip them\n"
    "      --shard I/N               run only the I-th of N slices of the matrix (runs j\n"
    "                                with j mod N = I - 1, in the order algorithms x\n"
    "                                problems x seeds), e.g. one per Slurm array task;\n"
    "                                plugbench merge joins the shards' results files\n"
    "      --no-plots                do not write the report (plots, leaderboards, index.html)\n"
    "  -q, --quiet                   no progress line\n";

/* The options that follow: one literal of over 4095 bytes is more than C11 promises to take. */
static const char usage_more[] =
    "      --count-instructions      run under Valgrind's callgrind and record per run the\n"
    "                                instructions of the plugin's create, step and solution\n"
    "                                calls (oracle calls in them included), \"instructions\";\n"
    "                                deterministic, so compare --metrics instructions gates on\n"
    "                                it; about 50x slower: small suites, a larger --timeout.\n"
    "                                Without valgrind ($PLUGBENCH_VALGRIND or PATH) it says so\n"
    "                                once and records null\n"
    "      --cache DIR               reuse runs stored in DIR by earlier suites (same plugin\n"
    "                                sha256, problem, parameters, seed, budget, target,\n"
    "                                settings and plugbench version) and store new ok runs\n"
    "                                there; safe to share between shards and hosts\n"
    "      --save-solutions[=checkpoints]  save each run's final solution (or every trace\n"
    "                                point's) to OUTPUT.solutions; see plugbench remeasure\n"
    "      --solutions-max-mb MB     that file's cap (default 1024)\n"
    "      --plugin-dir DIR          search DIR for plugins first (repeatable)\n"
    "      --sandbox                 run each plugin child without network, writing only\n"
    "                                to a scratch directory of its own (its working\n"
    "                                directory and $TMPDIR), unable to read the results\n"
    "                                file or its journal, with limits on processes, file\n"
    "                                size and CPU time; prints what this machine enforces,\n"
    "                                and refuses (status 2) unless network and files are\n"
    "                                protected\n"
    "\n";

/* The rest of --help. */
static const char usage_config[] =
    "The config file holds the same keys: algorithms (strings, and objects {\"name\": N,\n"
    "\"plugin\": P, \"params\": {\"p\": value or [values]}}), problems (strings), seeds\n"
    "(\"1-5\" or an array), max_evals, max_iters, max_seconds, target, params (an object\n"
    "{\"alg\": {\"name\": value}} or an array of \"alg.name=value\"), jobs, timeout, memory,\n"
    "output, resume, shard (\"I/N\"), plots, quiet, count_instructions, plugin_dirs,\n"
    "sandbox, cache, save_solutions (false, true, \"final\" or \"checkpoints\"),\n"
    "solutions_max_mb, checkpoints, max_trace_points, tuning (an object copied into the\n"
    "results' context, which the report shows: plugbench tune's protocol in tuned.json),\n"
    "suite (a paper's claims, copied into the results' context: see plugbench reproduce\n"
    "--help); a key twice in one object is refused.\n"
    "Numbers are decimal (5, 0.5, 1e-3): no spaces, hexadecimal, inf or nan.\n"
    "\n"
    "Exit status: 0 when every run was recorded (whatever its status), 1 when interrupted\n"
    "or the results file could not be written, 2 for usage, config or plugin errors.\n";

/* Seeds are recorded as JSON numbers: above 2^53 two seeds would print alike. */
#define MAX_SEED 9007199254740992ULL

size_t pb_parse_seeds(const char *text, uint64_t **seeds)
{
    size_t n = 0, cap = 16;
    uint64_t *out = malloc(cap * sizeof *out);
    const char *p = text;
    while (out && *p) {
        char *end;
        errno = 0;
        unsigned long long lo = strtoull(p, &end, 10), hi = lo;
        if (end == p || errno || *p < '0' || *p > '9' || lo > MAX_SEED)
            goto bad;
        p = end;
        if (*p == '-') {
            p++;
            hi = strtoull(p, &end, 10);
            if (end == p || errno || *p < '0' || *p > '9' || hi < lo || hi > MAX_SEED ||
                hi - lo > 1000000)
                goto bad;
            p = end;
        }
        for (unsigned long long s = lo; s <= hi; s++) { /* hi <= 2^53: s++ cannot wrap */
            if (n == cap) {
                uint64_t *bigger = realloc(out, 2 * cap * sizeof *out);
                if (!bigger)
                    goto bad;
                out = bigger;
                cap *= 2;
            }
            out[n++] = s;
        }
        if (*p == ',' && p[1])
            p++;
        else if (*p)
            goto bad; /* anything else, or a trailing comma */
    }
    *seeds = out;
    return n;
bad:
    free(out);
    *seeds = NULL;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Adds value under key, replacing what was there; appends to an array key when append. */
static void put(cJSON *cfg, const char *key, cJSON *value, int append)
{
    if (append) {
        cJSON *arr = cJSON_GetObjectItemCaseSensitive(cfg, key);
        if (!cJSON_IsArray(arr)) {
            cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
            arr = cJSON_AddArrayToObject(cfg, key);
        }
        cJSON_AddItemToArray(arr, value);
        return;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(cfg, key);
    cJSON_AddItemToObject(cfg, key, value);
}

static const struct flag {
    const char *shortname, *longname, *key;
    int kind; /* 's' string, 'n' number, 'a' append string, 'b' true, 'B' false,
               * 'o' true, or the string after '=' */
} flags[] = {
    {"-a", "--algorithm", "algorithms", 'a'}, {"-p", "--problem", "problems", 'a'},
    {"-s", "--seeds", "seeds", 's'},          {NULL, "--max-evals", "max_evals", 'n'},
    {NULL, "--max-iters", "max_iters", 'n'},  {NULL, "--max-seconds", "max_seconds", 'n'},
    {NULL, "--target", "target", 'n'},        {"-P", "--param", "params", 'a'},
    {"-j", "--jobs", "jobs", 'n'},            {NULL, "--timeout", "timeout", 'n'},
    {NULL, "--memory", "memory", 'n'},        {"-o", "--output", "output", 's'},
    {NULL, "--resume", "resume", 'b'},        {NULL, "--no-plots", "plots", 'B'},
    {"-q", "--quiet", "quiet", 'b'},          {NULL, "--plugin-dir", "plugin_dirs", 'a'},
    {NULL, "--shard", "shard", 's'},          {NULL, "--sandbox", "sandbox", 'b'},
    {NULL, "--count-instructions", "count_instructions", 'b'},
    {NULL, "--cache", "cache", 's'},
    {NULL, "--save-solutions", "save_solutions", 'o'},
    {NULL, "--solutions-max-mb", "solutions_max_mb", 'n'},
    {NULL, "--checkpoints", "checkpoints", 's'}, {NULL, "--max-trace-points", "max_trace_points", 'n'},
};

static cJSON *read_config(const char *path, int *rc)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *rc = pb_usage_error("cannot read config %s: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[4096];
    size_t n;
    while (mem && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, mem);
    fclose(f);
    if (mem)
        fclose(mem);
    const char *where = NULL;
    cJSON *cfg = text ? cJSON_ParseWithOpts(text, &where, 1) : NULL;
    if (!cJSON_IsObject(cfg)) {
        size_t offset = where && text ? (size_t)(where - text) : 0;
        if (cfg)
            *rc = pb_usage_error("config %s: valid JSON, but not an object {\"key\": value, ...}",
                                 path);
        else
            *rc = pb_usage_error("config %s: not JSON (error near byte %zu)", path, offset);
        cJSON_Delete(cfg);
        cfg = NULL;
    }
    const char *dup = NULL;
    if (cfg && pb__json_duplicate_key(cfg, &dup) != 0)
        *rc = pb_usage_error("config %s: out of memory", path);
    else if (dup)
        *rc = pb_usage_error("config %s: key '%s' appears twice in one object (which one "
                             "is meant?)",
                             path, dup);
    if (*rc != 0) {
        cJSON_Delete(cfg);
        cfg = NULL;
    }
    free(text);
    return cfg;
}

/* Turns the params object {"alg": {"name": value}} into the "alg.name=value" form. */
static int normalize_params(cJSON *cfg)
{
    cJSON *params = cJSON_GetObjectItemCaseSensitive(cfg, "params");
    if (!params || cJSON_IsArray(params))
        return 0;
    if (!cJSON_IsObject(params))
        return pb_usage_error("config: params must be an object or an array of strings");
    cJSON *list = cJSON_CreateArray();
    const cJSON *alg, *v;
    cJSON_ArrayForEach(alg, params) {
        if (!cJSON_IsObject(alg)) {
            cJSON_Delete(list);
            return pb_usage_error("config: params.%s must be an object {\"name\": value}",
                                  alg->string);
        }
        cJSON_ArrayForEach(v, alg) {
            char text[512], value[256];
            if (pb__json_value_text(v, value, sizeof value) != 0) {
                cJSON_Delete(list);
                return pb_usage_error("config: params.%s.%s must be a number, bool or string",
                                      alg->string, v->string);
            }
            snprintf(text, sizeof text, "%s.%s=%s", alg->string, v->string, value);
            cJSON_AddItemToArray(list, cJSON_CreateString(text));
        }
    }
    put(cfg, "params", list, 0);
    return 0;
}

/*
 * Turns "algorithms" -- strings "NAME[param=v,...]..." and objects {"name", "plugin",
 * "params"} -- into specs (configs.h), in place, and checks that the configurations they
 * expand to are at most PB__MAX_CONFIGS and that no name is given twice.
 */
static int normalize_algorithms(cJSON *cfg, const char *source, cJSON **out)
{
    cJSON *given = cJSON_GetObjectItemCaseSensitive(cfg, "algorithms"), *specs;
    if (given && !cJSON_IsArray(given))
        return pb_usage_error("%s: algorithms must be an array of strings and objects", source);
    if (!(specs = cJSON_CreateArray()))
        return pb_usage_error("out of memory");
    pb__strmap names = {0};
    size_t total = 0, n_names = 0;
    int rc = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, given) {
        char err[1024];
        cJSON *spec = cJSON_IsString(a)   ? pb__spec_parse(a->valuestring, err, sizeof err)
                      : cJSON_IsObject(a) ? pb__spec_from_object(a, err, sizeof err)
                                          : NULL;
        if (!cJSON_IsString(a) && !cJSON_IsObject(a))
            snprintf(err, sizeof err, "algorithms must hold strings and objects");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(spec, "name");
        int repeated = name && pb__strmap_intern(&names, name->valuestring, n_names) != n_names;
        n_names += name && !repeated;
        if (!spec) {
            rc = pb_usage_error("%s: %s", source, err);
        } else if (repeated) {
            rc = pb_usage_error("%s: configuration name '%s' is used twice", source,
                                name->valuestring);
        } else if ((total += pb__spec_count(spec)) > PB__MAX_CONFIGS) {
            rc = pb_usage_error("%s: the algorithms expand to more than %d configurations "
                                "(is a grid too large?)",
                                source, PB__MAX_CONFIGS);
        }
        cJSON_AddItemToArray(specs, spec);
        if (rc)
            break;
    }
    pb__strmap_free(&names);
    put(cfg, "algorithms", specs, 0);
    *out = specs;
    return rc;
}

static int string_array(cJSON *cfg, const char *key, cJSON **out)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(cfg, key);
    if (!arr) {
        arr = cJSON_AddArrayToObject(cfg, key);
    }
    const cJSON *e;
    int ok = cJSON_IsArray(arr);
    cJSON_ArrayForEach(e, arr) ok = ok && cJSON_IsString(e);
    if (!ok)
        return pb_usage_error("config: %s must be an array of strings", key);
    *out = arr;
    return 0;
}

/* Reads a number key into *out if present; checks it lies in [lo, hi]. */
static int number(const cJSON *cfg, const char *source, const char *key, double lo, double hi,
                  double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
    if (!v)
        return 0;
    char a[PB__NUMBER_CHARS], b[PB__NUMBER_CHARS];
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= lo && v->valuedouble <= hi))
        return pb_usage_error("%s: %s must be a number in [%s, %s]", source, key,
                              pb__format_double(lo, a), pb__format_double(hi, b));
    *out = v->valuedouble;
    return 0;
}

/* Like number(), for counts: the value must also be a whole number. */
static int whole(const cJSON *cfg, const char *source, const char *key, double lo, double hi,
                 double *out)
{
    int rc = number(cfg, source, key, lo, hi, out);
    char a[PB__NUMBER_CHARS];
    if (rc == 0 && *out != floor(*out))
        return pb_usage_error("%s: %s must be a whole number, not %s", source, key,
                              pb__format_double(*out, a));
    return rc;
}

static int boolean(const cJSON *cfg, const char *source, const char *key, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, key);
    if (!v)
        return 0;
    if (!cJSON_IsBool(v))
        return pb_usage_error("%s: %s must be true or false", source, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

/* Reads "save_solutions": false, true ("final"), "final" or "checkpoints". */
static int save_solutions(const cJSON *cfg, const char *source, pb_run_options *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "save_solutions");
    o->save_solutions = PB__SAVE_NONE;
    if (!v || cJSON_IsFalse(v))
        return 0;
    if (cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "final") == 0))
        o->save_solutions = PB__SAVE_FINAL;
    else if (cJSON_IsString(v) && strcmp(v->valuestring, "checkpoints") == 0)
        o->save_solutions = PB__SAVE_CHECKPOINTS;
    else
        return pb_usage_error("%s: save_solutions must be true, false, \"final\" or "
                              "\"checkpoints\"",
                              source);
    return 0;
}

/* Reads "checkpoints" (a series, pb__checkpoints_parse) and "max_trace_points" into o. */
static int checkpoints(const cJSON *cfg, const char *source, pb_run_options *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "checkpoints");
    double most = 0;
    int rc = whole(cfg, source, "max_trace_points", 2, 1e9, &most);
    if (rc)
        return rc;
    o->checkpoints.max_points = (uint64_t)most;
    if (v && (!cJSON_IsString(v) || pb__checkpoints_parse(v->valuestring, &o->checkpoints)))
        return pb_usage_error("%s: checkpoints must be \"1-2-5\", \"decade:N\" (N in [1, %d]), "
                              "\"every:K\" or \"all\"%s%s%s",
                              source, PB__MAX_PER_DECADE, cJSON_IsString(v) ? ", not '" : "",
                              cJSON_IsString(v) ? v->valuestring : "",
                              cJSON_IsString(v) ? "'" : "");
    return 0;
}

/* Reads "shard": "I/N" (1 <= I <= N) into o; without it, one shard: the whole matrix. */
static int shard(const cJSON *cfg, const char *source, pb_run_options *o)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cfg, "shard");
    o->shard = 0;
    o->shards = 1;
    if (!v)
        return 0;
    /* Digits, '/', digits: nothing else (sscanf would skip spaces and take signs). */
    const char *text = cJSON_IsString(v) ? v->valuestring : "";
    size_t len_i = strspn(text, "0123456789");
    const char *slash = text[len_i] == '/' ? text + len_i : NULL;
    size_t len_n = slash ? strspn(slash + 1, "0123456789") : 0;
    unsigned long i = 0, n = 0;
    if (len_i >= 1 && len_i <= 7 && len_n >= 1 && len_n <= 7 && !slash[1 + len_n]) {
        i = strtoul(text, NULL, 10);
        n = strtoul(slash + 1, NULL, 10);
    }
    if (i < 1 || i > n || n > 1000000)
        return pb_usage_error("%s: shard must be \"I/N\" with 1 <= I <= N <= 1000000, like "
                              "\"2/8\"%s%s%s",
                              source, cJSON_IsString(v) ? ", not '" : "",
                              cJSON_IsString(v) ? v->valuestring : "",
                              cJSON_IsString(v) ? "'" : "");
    o->shard = i - 1;
    o->shards = n;
    return 0;
}

/* Are there two equal seeds? (They would be the same run twice.) */
static int has_duplicates(const uint64_t *seeds, size_t n)
{
    uint64_t *sorted = malloc(n * sizeof *sorted);
    int dup = 0;
    if (!sorted)
        return 0;
    memcpy(sorted, seeds, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, cmp_u64);
    for (size_t i = 1; i < n && !dup; i++)
        dup = sorted[i] == sorted[i - 1];
    free(sorted);
    return dup;
}

/* Interprets the merged config into o; source names the config file for messages. */
static int interpret(cJSON *cfg, const char *source, pb_run_options *o)
{
    static const char *const known[] = {"algorithms", "problems", "seeds",   "max_evals",
                                        "max_iters",  "max_seconds", "target", "params",
                                        "jobs",       "timeout",  "memory",  "output",
                                        "resume",     "plots",    "quiet",   "plugin_dirs",
                                        "shard",      "sandbox",  "count_instructions",
                                        "cache",      "save_solutions", "solutions_max_mb",
                                        "checkpoints", "max_trace_points", "tuning",
                                        "suite"};
    const cJSON *item;
    cJSON_ArrayForEach(item, cfg) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof known[0] && !ok; i++)
            ok = strcmp(item->string, known[i]) == 0;
        if (!ok)
            return pb_usage_error("%s: unknown key '%s' (see plugbench run --help)", source,
                                  item->string);
    }
    int rc;
    cJSON *dirs;
    if ((rc = normalize_params(cfg)) || (rc = normalize_algorithms(cfg, source, &o->algorithms)) ||
        (rc = string_array(cfg, "problems", &o->problems)) ||
        (rc = string_array(cfg, "params", &o->params)) ||
        (rc = string_array(cfg, "plugin_dirs", &dirs)))
        return rc;
    const cJSON *e;
    cJSON_ArrayForEach(e, dirs) {
        if (o->dirs.n_given == PB_MAX_DIRS)
            return pb_usage_error("at most %d plugin directories", PB_MAX_DIRS);
        o->dirs.given[o->dirs.n_given++] = e->valuestring;
    }
    const cJSON *seeds = cJSON_GetObjectItemCaseSensitive(cfg, "seeds");
    if (cJSON_IsArray(seeds)) {
        o->n_seeds = (size_t)cJSON_GetArraySize(seeds);
        o->seeds = calloc(o->n_seeds ? o->n_seeds : 1, sizeof *o->seeds);
        if (!o->seeds)
            return pb_usage_error("out of memory");
        size_t i = 0;
        cJSON_ArrayForEach(e, seeds) {
            if (!cJSON_IsNumber(e) || !(e->valuedouble >= 0 && e->valuedouble <= (double)MAX_SEED) ||
                e->valuedouble != floor(e->valuedouble))
                return pb_usage_error("seeds must be integers in [0, 2^53]");
            o->seeds[i++] = (uint64_t)e->valuedouble;
        }
    } else {
        const char *text = cJSON_IsString(seeds) ? seeds->valuestring : seeds ? "" : "1-5";
        o->n_seeds = pb_parse_seeds(text, &o->seeds);
    }
    if (o->n_seeds == 0)
        return cJSON_IsString(seeds)
                   ? pb_usage_error("seeds '%s': expected a list like 1-5 or 1,3,7 of integers "
                                    "in [0, 2^53]",
                                    seeds->valuestring)
                   : pb_usage_error("%s: seeds must be a string like \"1-5\" or an array of "
                                    "integers",
                                    source);
    if (has_duplicates(o->seeds, o->n_seeds))
        return pb_usage_error("seeds: a seed is listed twice (it would run the same run twice)");
    double evals = 0, iters = 0, jobs = 1, memory = 4096;
    o->solutions_max_mb = 1024;
    o->target = NAN;
    o->plots = 1;
    const double counts = 9007199254740992.0; /* 2^53: counts stay exact in doubles */
    if ((rc = whole(cfg, source, "max_evals", 1, counts, &evals)) ||
        (rc = whole(cfg, source, "max_iters", 1, counts, &iters)) ||
        (rc = number(cfg, source, "max_seconds", 0, 1e9, &o->budget.seconds)) ||
        (rc = number(cfg, source, "target", -DBL_MAX, DBL_MAX, &o->target)) ||
        (rc = whole(cfg, source, "jobs", 1, 256, &jobs)) ||
        (rc = number(cfg, source, "timeout", 0, 1e9, &o->timeout)) ||
        (rc = number(cfg, source, "solutions_max_mb", 0, 1 << 30, &o->solutions_max_mb)) ||
        (rc = whole(cfg, source, "memory", 0, 1 << 30, &memory)) ||
        (rc = boolean(cfg, source, "resume", &o->resume)) ||
        (rc = boolean(cfg, source, "plots", &o->plots)) || (rc = boolean(cfg, source, "quiet", &o->quiet)) ||
        (rc = boolean(cfg, source, "sandbox", &o->sandbox)) ||
        (rc = boolean(cfg, source, "count_instructions", &o->count_instructions)))
        return rc;
    if ((rc = save_solutions(cfg, source, o)))
        return rc;
    o->budget.cost = (uint64_t)evals;
    o->budget.iterations = (uint64_t)iters;
    o->jobs = (unsigned)jobs;
    o->memory_mb = (uint64_t)memory;
    if ((rc = shard(cfg, source, o)) || (rc = checkpoints(cfg, source, o)))
        return rc;
    const cJSON *cache = cJSON_GetObjectItemCaseSensitive(cfg, "cache");
    if (cache && (!cJSON_IsString(cache) || !cache->valuestring[0] ||
                  strlen(cache->valuestring) >= PATH_MAX - 200))
        return pb_usage_error("cache must be a directory name of 1 to %d bytes",
                              PATH_MAX - 201);
    o->cache = cache ? cache->valuestring : NULL;
    const cJSON *tuning = cJSON_GetObjectItemCaseSensitive(cfg, "tuning");
    if (tuning && !cJSON_IsObject(tuning))
        return pb_usage_error("%s: tuning must be an object (the protocol of plugbench tune)",
                              source);
    o->tuning = tuning;
    /* A reproduction suite's claims (suite.h): checked here, copied into the context. */
    o->suite = cJSON_GetObjectItemCaseSensitive(cfg, "suite");
    if (o->suite) {
        pb__suite parsed;
        char err[512];
        if (pb__suite_parse(o->suite, &parsed, err, sizeof err) != 0)
            return pb_usage_error("%s: %s", source, err);
        pb__suite_free(&parsed);
    }
    const cJSON *output = cJSON_GetObjectItemCaseSensitive(cfg, "output");
    /* Empty or too long for PATH_MAX, a name would silently become another file. */
    if (output && (!cJSON_IsString(output) || !output->valuestring[0] ||
                   strlen(output->valuestring) >= sizeof o->output))
        return pb_usage_error("output must be a file name of 1 to %zu bytes",
                              sizeof o->output - 1);
    snprintf(o->output, sizeof o->output, "%s",
             output ? output->valuestring : "reports/out/latest/results.json");
    return 0;
}

/* Converts a flag's text to the JSON value the config file would hold. */
static cJSON *flag_value(const struct flag *f, const char *text, int *rc)
{
    if (f->kind == 'n') {
        double v;
        if (pb__parse_decimal(text, &v) != 0) {
            *rc = pb_usage_error("%s expects a decimal number, not '%s'", f->longname, text);
            return NULL;
        }
        return cJSON_CreateNumber(v);
    }
    return cJSON_CreateString(text);
}

int pb_run_options_parse(int argc, char **argv, pb_run_options *o)
{
    memset(o, 0, sizeof *o);
    cJSON *cli = cJSON_CreateObject(), *cfg = NULL;
    int rc = 0;
    const char *config = NULL;
    for (int i = 1; i < argc && rc == 0; i++) {
        const char *arg = argv[i];
        if (pb_is_help(arg)) {
            fputs(usage, stdout);
            fputs(usage_more, stdout);
            fputs(usage_config, stdout);
            cJSON_Delete(cli);
            return -1;
        }
        if (strcmp(arg, "-c") == 0 || strcmp(arg, "--config") == 0) {
            if (i + 1 >= argc)
                rc = pb_usage_error("%s needs a file", arg);
            else
                config = argv[++i];
            continue;
        }
        const struct flag *f = NULL;
        const char *inline_value = NULL;
        for (size_t k = 0; k < sizeof flags / sizeof flags[0] && !f; k++) {
            size_t n = strlen(flags[k].longname);
            if ((flags[k].shortname && strcmp(arg, flags[k].shortname) == 0) ||
                strcmp(arg, flags[k].longname) == 0)
                f = &flags[k];
            else if (strncmp(arg, flags[k].longname, n) == 0 && arg[n] == '=')
                f = &flags[k], inline_value = arg + n + 1;
        }
        if (!f) {
            rc = pb_usage_error("run: unknown option '%s' (see plugbench run --help)", arg);
            break;
        }
        if (f->kind == 'o') {
            put(cli, f->key, inline_value ? cJSON_CreateString(inline_value) : cJSON_CreateTrue(),
                0);
            continue;
        }
        if (f->kind == 'b' || f->kind == 'B') {
            put(cli, f->key, cJSON_CreateBool(f->kind == 'b'), 0);
            continue;
        }
        if (!inline_value && i + 1 >= argc) {
            rc = pb_usage_error("%s needs a value", arg);
            break;
        }
        const char *text = inline_value ? inline_value : argv[++i];
        cJSON *value = flag_value(f, text, &rc);
        if (value)
            put(cli, f->key, value, f->kind == 'a');
    }
    if (rc == 0)
        cfg = config ? read_config(config, &rc) : cJSON_CreateObject();
    if (rc == 0) {
        /* Flags win over the config file, key by key. */
        cJSON *item = cli->child;
        while (item) {
            cJSON *next = item->next;
            const char *key = item->string;
            cJSON_DetachItemViaPointer(cli, item);
            put(cfg, key, item, 0);
            item = next;
        }
        rc = interpret(cfg, config ? config : "command line", o);
    }
    cJSON_Delete(cli);
    o->owner = cfg;
    if (rc != 0) {
        pb_run_options_free(o);
        return rc;
    }
    pb_dirs_resolve(&o->dirs);
    return 0;
}

void pb_run_options_free(pb_run_options *o)
{
    cJSON_Delete(o->owner);
    free(o->seeds);
    memset(o, 0, sizeof *o);
}
