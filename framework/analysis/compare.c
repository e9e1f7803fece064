/* Comparing two results files: grouping, pairing by seed, the verdicts; see compare.h. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instructions.h"
#include "results_file.h"
#include "stats.h"
#include "strmap.h"

enum { BASE, NEW };
static const char *const side_name[] = {"BASE", "NEW"};

/* A run and its seed, for lookups by seed. */
typedef struct seeded {
    double seed;
    const cJSON *run;
} seeded;

/* The runs of one group in one file: in file order, and by seed (filled once all are in). */
typedef struct side {
    const cJSON **runs;
    size_t n, cap;
    seeded *by_seed;
} side;

/* One experiment: the runs sharing plugin name, problem id, parameters, budget and target. */
typedef struct group {
    char *key;          /* the identity as compact JSON; owned */
    const cJSON *first; /* a run of the group, for its identity */
    side sides[2];
} group;

typedef struct groups {
    group *g;
    size_t n, cap;
    pb__strmap index; /* key -> group */
} groups;

/* The metrics by name, in the order they are reported. */
static const struct {
    unsigned bit;
    const char *metric;
} metric_defs[] = {
    {PB__CMP_QUALITY, "quality"},
    {PB__CMP_TARGET, "target"},
    {PB__CMP_TIME, "time"},
    {PB__CMP_INSTRUCTIONS, "instructions"},
};

/* A member of an object by exact name; NULL when obj is not an object or lacks it. */
static const cJSON *item(const cJSON *obj, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* A copy of the member, or a JSON null when it is absent: keys stay well formed. */
static cJSON *copy_or_null(const cJSON *obj, const char *name)
{
    const cJSON *v = item(obj, name);
    return v ? cJSON_Duplicate(v, 1) : cJSON_CreateNull();
}

/* Adds a number, or null when it is not finite (JSON has no infinity). */
static void add_number(cJSON *obj, const char *name, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(obj, name, v);
    else
        cJSON_AddNullToObject(obj, name);
}

unsigned pb__compare_parse_metrics(const char *list)
{
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        unsigned bit = 0;
        if (len == 3 && strncmp(p, "all", 3) == 0)
            bit = PB__CMP_ALL;
        for (size_t i = 0; i < sizeof metric_defs / sizeof metric_defs[0]; i++)
            if (strlen(metric_defs[i].metric) == len &&
                strncmp(p, metric_defs[i].metric, len) == 0)
                bit = metric_defs[i].bit;
        if (!bit)
            return 0;
        bits |= bit;
        p += len;
        if (*p == ',')
            p++;
    }
    return bits;
}

int pb__compare_load(const char *path, cJSON **records, char *err, size_t errlen)
{
    *records = NULL;
    cJSON *runs = cJSON_CreateArray();
    if (!runs) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    int counts = pb__instructions_load(path, runs, err, errlen);
    if (counts < 0 || (counts == 0 && pb__results_load_checked(path, runs, NULL, err, errlen) != 0)) {
        cJSON_Delete(runs);
        return -1;
    }
    *records = runs;
    return 0;
}

/* The group key of a run: compact JSON of [plugin name, problem id, parameters, budget,
 * target]; malloc'd, or NULL. Equal doubles print equally, so equal identities give equal
 * keys whichever file they were read from. */
static char *group_key(const cJSON *run)
{
    cJSON *key = cJSON_CreateArray();
    if (!key)
        return NULL;
    cJSON_AddItemToArray(key, copy_or_null(item(run, "plugin"), "name"));
    cJSON_AddItemToArray(key, copy_or_null(item(run, "problem"), "id"));
    cJSON_AddItemToArray(key, copy_or_null(run, "parameters"));
    cJSON_AddItemToArray(key, copy_or_null(run, "budget"));
    cJSON_AddItemToArray(key, copy_or_null(run, "target"));
    char *text = cJSON_PrintUnformatted(key);
    cJSON_Delete(key);
    return text;
}

/* Frees the groups' keys and run lists (the runs themselves belong to the caller). */
static void groups_free(groups *gs)
{
    for (size_t i = 0; i < gs->n; i++) {
        free(gs->g[i].key);
        for (int w = BASE; w <= NEW; w++) {
            free(gs->g[i].sides[w].runs);
            free(gs->g[i].sides[w].by_seed);
        }
    }
    free(gs->g);
    pb__strmap_free(&gs->index);
}

/* Files the run under its group (made on first sight, in file order). Returns 0 or -1
 * when out of memory. */
static int add_run(groups *gs, const cJSON *run, int which)
{
    char *key = group_key(run);
    if (!key)
        return -1;
    size_t i = pb__strmap_intern(&gs->index, key, gs->n);
    if (i == (size_t)-1) {
        free(key);
        return -1;
    }
    if (i == gs->n) {
        if (gs->n == gs->cap) {
            size_t cap = gs->cap ? 2 * gs->cap : 16;
            group *bigger = realloc(gs->g, cap * sizeof *bigger);
            if (!bigger) {
                free(key);
                return -1;
            }
            gs->g = bigger;
            gs->cap = cap;
        }
        gs->g[gs->n++] = (group){.key = key, .first = run};
    } else {
        free(key);
    }
    side *s = &gs->g[i].sides[which];
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        const cJSON **bigger = realloc(s->runs, cap * sizeof *bigger);
        if (!bigger)
            return -1;
        s->runs = bigger;
        s->cap = cap;
    }
    s->runs[s->n++] = run;
    return 0;
}

/* A run's seed (pb__compare_load checked that it is a number). */
static double seed_of(const cJSON *run) { return item(run, "seed")->valuedouble; }

static int cmp_seeded(const void *a, const void *b)
{
    double x = ((const seeded *)a)->seed, y = ((const seeded *)b)->seed;
    return (x > y) - (x < y);
}

/* The first place in the side's by_seed whose seed is not below seed. */
static size_t lower_bound(const side *s, double seed)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->by_seed[mid].seed < seed)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The run of the side with this seed, or NULL. */
static const cJSON *find_seed(const side *s, double seed)
{
    size_t i = lower_bound(s, seed);
    return i < s->n && s->by_seed[i].seed == seed ? s->by_seed[i].run : NULL;
}

/*
 * Sorts each side's runs by seed, and refuses two runs of one group with one seed in a
 * file: which of them to pair would be a guess, and a file like that was pasted together by
 * hand. Returns 0, or -1 with a message ("out of memory" when it is that).
 */
static int index_seeds(group *g, char *err, size_t errlen)
{
    for (int w = BASE; w <= NEW; w++) {
        side *s = &g->sides[w];
        if (s->n == 0)
            continue;
        if (!(s->by_seed = malloc(s->n * sizeof *s->by_seed))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < s->n; i++)
            s->by_seed[i] = (seeded){seed_of(s->runs[i]), s->runs[i]};
        qsort(s->by_seed, s->n, sizeof *s->by_seed, cmp_seeded);
        /* The first run in file order whose seed another run has too. */
        for (size_t i = 0; i < s->n; i++) {
            double seed = seed_of(s->runs[i]);
            size_t at = lower_bound(s, seed);
            if (at + 1 < s->n && s->by_seed[at + 1].seed == seed) {
                snprintf(err, errlen, "%s has two runs of %s on %s with seed %.17g and the "
                         "same parameters, budget and target", side_name[w],
                         item(item(g->first, "plugin"), "name")->valuestring,
                         item(item(g->first, "problem"), "id")->valuestring, seed);
                return -1;
            }
        }
    }
    return 0;
}

/* Did the run finish with status ok? */
static int is_ok(const cJSON *run)
{
    return strcmp(item(run, "status")->valuestring, "ok") == 0;
}

/* The kind's main metric, the first key of `metrics`, from any run of the group that has
 * metrics (a crashed run has none); NULL when no run has. */
static const char *main_metric(const group *g)
{
    for (int w = BASE; w <= NEW; w++) {
        for (size_t i = 0; i < g->sides[w].n; i++) {
            const cJSON *m = item(g->sides[w].runs[i], "metrics");
            if (cJSON_IsObject(m) && m->child && m->child->string)
                return m->child->string;
        }
    }
    return NULL;
}

/* What one comparison reads from a run. */
typedef struct selector {
    unsigned bit;      /* PB__CMP_* */
    const char *field; /* the metric's name, "target_hit", "target_hits" or "algorithm_seconds" */
    double level;      /* the target, for target_hit and target_hits; else NaN */
    const char *unit;  /* the cost unit: the array of target_hits to read */
} selector;

/* The cost at which a run first reached one of the kind's fixed targets (`target_hits`);
 * NULL when the run has no such target or never reached it. */
static const cJSON *hit_at(const cJSON *run, double level, const char *unit)
{
    const cJSON *hits = item(run, "target_hits");
    const cJSON *t = cJSON_IsArray(item(hits, "targets")) ? item(hits, "targets")->child : NULL;
    const cJSON *cost = cJSON_IsArray(item(hits, unit)) ? item(hits, unit)->child : NULL;
    /* In step: the cost array is walked once, not from its start for each target. */
    for (; t && cost; t = t->next, cost = cost->next)
        if (cJSON_IsNumber(t) && t->valuedouble == level)
            return cost;
    return NULL;
}

/* A run's value of a metric; +infinity for a run that is not ok, a target never reached or
 * a value that is missing, so that each of those ranks below every finished run. */
static double value_of(const cJSON *run, const selector *sel)
{
    const cJSON *v = NULL;
    if (!is_ok(run))
        return INFINITY;
    if (sel->bit == PB__CMP_QUALITY)
        v = item(item(run, "metrics"), sel->field);
    else if (sel->bit == PB__CMP_TIME)
        v = item(item(run, "time"), sel->field);
    else if (sel->bit == PB__CMP_INSTRUCTIONS)
        v = item(run, "instructions");
    else if (strcmp(sel->field, "target_hit") == 0)
        v = item(run, "target_hit");
    else
        v = hit_at(run, sel->level, sel->unit);
    return cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : INFINITY;
}

/* (new - base) / |base| of the medians: positive is worse. A median that is infinite on
 * one side only is an infinitely large change; one that is the same on both sides none. */
static double relative_change(double b, double n)
{
    if (b == n)
        return 0;
    if (isinf(n) || isinf(b))
        return isinf(n) ? INFINITY : -INFINITY;
    if (b == 0)
        return n > 0 ? INFINITY : -INFINITY;
    return (n - b) / fabs(b);
}

/*
 * Compares one metric over the n common seeds (values bv[i] and nv[i] of seed i) and
 * returns its entry. The verdict needs both a significant test and a change of the
 * median beyond the threshold: the test alone flags differences too small to matter when
 * there are many seeds, the threshold alone flags noise when there are few.
 */
static cJSON *compare_metric(const selector *sel, const double *bv, const double *nv, size_t n,
                             const pb__compare_options *opt)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "metric", sel->bit == PB__CMP_QUALITY  ? "quality"
                                         : sel->bit == PB__CMP_TARGET ? "target"
                                                                      : "time");
    cJSON_AddStringToObject(e, "name", sel->field);
    if (!isnan(sel->level))
        cJSON_AddNumberToObject(e, "level", sel->level);
    double bm = pb__median(bv, n), nm = pb__median(nv, n), change = relative_change(bm, nm);
    size_t identical = 0, b_inf = 0, n_inf = 0;
    for (size_t i = 0; i < n; i++) {
        identical += bv[i] == nv[i];
        b_inf += isinf(bv[i]) != 0;
        n_inf += isinf(nv[i]) != 0;
    }
    add_number(e, "base_median", bm);
    add_number(e, "new_median", nm);
    /* Counts of seeds valued +inf, so that a null median can be told apart. */
    cJSON_AddNumberToObject(e, "base_infinite", (double)b_inf);
    cJSON_AddNumberToObject(e, "new_infinite", (double)n_inf);
    const char *verdict;
    if (identical == n) {
        cJSON_AddNumberToObject(e, "change", 0);
        cJSON_AddNullToObject(e, "p");
        verdict = "identical";
    } else {
        pb__mw_result mw = {.p = 1};
        pb__mann_whitney(bv, n, nv, n, &mw); /* cannot fail: n > 0, no NaN */
        if (isfinite(change))
            cJSON_AddNumberToObject(e, "change", change);
        else
            cJSON_AddStringToObject(e, "change", change > 0 ? "+inf" : "-inf");
        add_number(e, "p", mw.p);
        cJSON_AddBoolToObject(e, "exact", mw.exact);
        int significant = mw.p < opt->alpha;
        verdict = significant && change > opt->threshold    ? "regressed"
                  : significant && change < -opt->threshold ? "improved"
                                                            : "similar";
    }
    cJSON_AddStringToObject(e, "verdict", verdict);
    return e;
}

/*
 * Instruction counts over the seeds counted on both sides (a run without a count, or not
 * ok, is left out: null means "not counted", not "worse"); NULL when there is none.
 * Reorders bv and nv.
 */
static cJSON *compare_counted(double *bv, double *nv, size_t n, const pb__compare_options *opt)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isfinite(bv[i]) && isfinite(nv[i]) && bv[i] > 0 && nv[i] > 0) {
            bv[k] = bv[i];
            nv[k++] = nv[i];
        }
    }
    return k ? pb__compare_counts(bv, nv, k, opt->instructions_threshold) : NULL;
}

/* The identity of a group: plugin name, its configuration's label (of the group's first
 * run), problem id, parameters, budget, target. */
static cJSON *identity(const cJSON *run)
{
    cJSON *id = cJSON_CreateObject();
    cJSON_AddItemToObject(id, "plugin", copy_or_null(item(run, "plugin"), "name"));
    /* The label is not part of the key: renaming a configuration keeps it comparable. */
    cJSON_AddItemToObject(id, "config", copy_or_null(run, "config"));
    cJSON_AddItemToObject(id, "problem", copy_or_null(item(run, "problem"), "id"));
    cJSON_AddItemToObject(id, "parameters", copy_or_null(run, "parameters"));
    cJSON_AddItemToObject(id, "budget", copy_or_null(run, "budget"));
    cJSON_AddItemToObject(id, "target", copy_or_null(run, "target"));
    return id;
}

/* Ranks verdicts so that a group takes the most telling one of its parts. */
static int verdict_rank(const char *v)
{
    static const char *const order[] = {"identical", "similar", "improved", "regressed"};
    for (int i = 0; i < 4; i++)
        if (strcmp(v, order[i]) == 0)
            return i;
    return 0;
}

/* Compares a group present in both files; returns its entry, or NULL when out of memory. */
static cJSON *compare_group(const group *g, const pb__compare_options *opt)
{
    const side *b = &g->sides[BASE], *nw = &g->sides[NEW];
    cJSON *e = identity(g->first);
    cJSON *seeds = cJSON_AddArrayToObject(e, "seeds");
    cJSON *only_b = cJSON_AddArrayToObject(e, "seeds_only_base");
    cJSON *only_n = cJSON_AddArrayToObject(e, "seeds_only_new");
    const cJSON **pb = calloc(b->n, sizeof *pb), **pn = calloc(b->n, sizeof *pn);
    if (!e || !pb || !pn) {
        free(pb);
        free(pn);
        cJSON_Delete(e);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++) {
        const cJSON *other = find_seed(nw, seed_of(b->runs[i]));
        cJSON_AddItemToArray(other ? seeds : only_b, cJSON_CreateNumber(seed_of(b->runs[i])));
        if (other) {
            pb[n] = b->runs[i];
            pn[n++] = other;
        }
    }
    for (size_t i = 0; i < nw->n; i++)
        if (!find_seed(b, seed_of(nw->runs[i])))
            cJSON_AddItemToArray(only_n, cJSON_CreateNumber(seed_of(nw->runs[i])));

    int rank = 0;
    /* A run that finished in BASE and not in NEW is a regression whatever the statistics
     * say: one crash in five seeds moves no median, but it is a bug. */
    cJSON *status = cJSON_AddArrayToObject(e, "status");
    for (size_t i = 0; i < n; i++) {
        int was = is_ok(pb[i]), is = is_ok(pn[i]);
        if (was == is)
            continue;
        cJSON *s = cJSON_CreateObject();
        cJSON_AddNumberToObject(s, "seed", seed_of(pb[i]));
        cJSON_AddStringToObject(s, "base", item(pb[i], "status")->valuestring);
        cJSON_AddStringToObject(s, "new", item(pn[i], "status")->valuestring);
        cJSON_AddStringToObject(s, "verdict", was ? "regressed" : "improved");
        cJSON_AddItemToArray(status, s);
        int r = verdict_rank(was ? "regressed" : "improved");
        rank = r > rank ? r : rank;
    }
    /* The comparisons, in report order: quality, the run's own target, the kind's fixed
     * targets from easiest to hardest, time. */
    const cJSON *unit = item(item(g->first, "problem"), "cost_unit");
    selector sel[4 + PB__MAX_FIXED_TARGETS];
    size_t n_sel = 0;
    if ((opt->metrics & PB__CMP_QUALITY) && main_metric(g))
        sel[n_sel++] = (selector){PB__CMP_QUALITY, main_metric(g), NAN, NULL};
    /* Without a target every target_hit is null: nothing to compare, not a tie. */
    const cJSON *target = item(g->first, "target");
    if ((opt->metrics & PB__CMP_TARGET) && cJSON_IsNumber(target))
        sel[n_sel++] = (selector){PB__CMP_TARGET, "target_hit", target->valuedouble, NULL};
    const cJSON *level;
    cJSON_ArrayForEach(level, item(item(g->first, "target_hits"), "targets")) {
        if (!(opt->metrics & PB__CMP_TARGET) || !cJSON_IsString(unit) ||
            n_sel == 2 + PB__MAX_FIXED_TARGETS || !cJSON_IsNumber(level))
            break;
        sel[n_sel++] = (selector){PB__CMP_TARGET, "target_hits", level->valuedouble,
                                  unit->valuestring};
    }
    if (opt->metrics & PB__CMP_TIME)
        sel[n_sel++] = (selector){PB__CMP_TIME, "algorithm_seconds", NAN, NULL};
    if (opt->metrics & PB__CMP_INSTRUCTIONS)
        sel[n_sel++] = (selector){PB__CMP_INSTRUCTIONS, "instructions", NAN, NULL};

    /* All of a run's values are read while its nodes are in cache: a pass over the group's
     * runs for each of the ~53 comparisons fell out of cache once groups held thousands of
     * seeds (compare of 100,000 runs took 16x the time of 10,000). */
    double *bvs = calloc(n * n_sel + 1, sizeof *bvs), *nvs = calloc(n * n_sel + 1, sizeof *nvs);
    if (!bvs || !nvs) {
        free(pb);
        free(pn);
        free(bvs);
        free(nvs);
        cJSON_Delete(e);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t m = 0; m < n_sel; m++) {
            bvs[m * n + i] = value_of(pb[i], &sel[m]);
            nvs[m * n + i] = value_of(pn[i], &sel[m]);
        }
    cJSON *metrics = cJSON_AddArrayToObject(e, "metrics");
    for (size_t m = 0; n > 0 && m < n_sel; m++) {
        double *bv = bvs + m * n, *nv = nvs + m * n;
        size_t finite = 0;
        for (size_t i = 0; i < n; i++)
            finite += isfinite(bv[i]) || isfinite(nv[i]);
        /* A fixed target no run reached on either side says nothing: the hardest of COCO's
         * 51 would otherwise fill the report with "identical". */
        if (finite == 0 && strcmp(sel[m].field, "target_hits") == 0)
            continue;
        cJSON *me = sel[m].bit == PB__CMP_INSTRUCTIONS ? compare_counted(bv, nv, n, opt)
                                                       : compare_metric(&sel[m], bv, nv, n, opt);
        if (!me)
            continue;
        int r = verdict_rank(item(me, "verdict")->valuestring);
        rank = r > rank ? r : rank;
        cJSON_AddItemToArray(metrics, me);
    }
    static const char *const names[] = {"identical", "similar", "improved", "regressed"};
    /* Counts need no test, so no number of seeds is too few for them. */
    int tested = (opt->metrics & ~PB__CMP_INSTRUCTIONS) != 0;
    cJSON_AddBoolToObject(e, "too_few_seeds",
                          n == 0 || (tested && pb__mw_min_p(n, n) >= opt->alpha));
    cJSON_AddStringToObject(e, "verdict", n == 0 ? "no common seed" : names[rank]);
    free(pb);
    free(pn);
    free(bvs);
    free(nvs);
    return e;
}

cJSON *pb__compare(const cJSON *base, const cJSON *new_runs, const pb__compare_options *opt,
                   char *err, size_t errlen)
{
    groups gs = {0};
    const cJSON *run;
    cJSON *doc = NULL;
    cJSON_ArrayForEach(run, base) {
        if (add_run(&gs, run, BASE) != 0)
            goto oom;
    }
    cJSON_ArrayForEach(run, new_runs) {
        if (add_run(&gs, run, NEW) != 0)
            goto oom;
    }
    for (size_t i = 0; i < gs.n; i++) {
        if (index_seeds(&gs.g[i], err, errlen) != 0)
            goto out;
    }
    doc = cJSON_CreateObject();
    if (!doc)
        goto oom;
    cJSON_AddStringToObject(doc, "schema", PB__COMPARE_SCHEMA);
    cJSON_AddStringToObject(doc, "base", opt->base_name ? opt->base_name : "BASE");
    cJSON_AddStringToObject(doc, "new", opt->new_name ? opt->new_name : "NEW");
    cJSON *verdict = cJSON_AddStringToObject(doc, "verdict", "ok");
    cJSON_AddNumberToObject(doc, "alpha", opt->alpha);
    cJSON_AddNumberToObject(doc, "threshold", opt->threshold);
    if (opt->metrics & PB__CMP_INSTRUCTIONS)
        cJSON_AddNumberToObject(doc, "instructions_threshold", opt->instructions_threshold);
    cJSON *metric_names = cJSON_AddArrayToObject(doc, "metrics");
    for (size_t m = 0; m < sizeof metric_defs / sizeof metric_defs[0]; m++)
        if (opt->metrics & metric_defs[m].bit)
            cJSON_AddItemToArray(metric_names, cJSON_CreateString(metric_defs[m].metric));
    cJSON *counts = cJSON_AddObjectToObject(doc, "counts");
    cJSON *comparisons = cJSON_AddArrayToObject(doc, "comparisons");
    cJSON *only[2] = {cJSON_AddArrayToObject(doc, "only_base"),
                      cJSON_AddArrayToObject(doc, "only_new")};
    size_t n_common = 0;
    static const char *const kinds[] = {"identical", "similar", "improved", "regressed",
                                        "no common seed"};
    size_t tally[5] = {0};
    for (size_t i = 0; i < gs.n; i++) {
        const group *g = &gs.g[i];
        if (g->sides[BASE].n == 0 || g->sides[NEW].n == 0) {
            int w = g->sides[BASE].n ? BASE : NEW;
            cJSON *e = identity(g->first);
            cJSON_AddNumberToObject(e, "runs", (double)g->sides[w].n);
            cJSON_AddItemToArray(only[w], e);
            continue;
        }
        cJSON *e = compare_group(g, opt);
        if (!e)
            goto oom;
        cJSON_AddItemToArray(comparisons, e);
        const char *v = item(e, "verdict")->valuestring;
        for (size_t k = 0; k < 5; k++)
            tally[k] += strcmp(v, kinds[k]) == 0;
        n_common += cJSON_GetArraySize(item(e, "seeds")) > 0;
    }
    if (n_common == 0) {
        /* A gate that compares nothing would pass forever, e.g. after a plugin or a problem
         * was renamed: refuse rather than report "no regression". */
        snprintf(err, errlen, "BASE and NEW have no (algorithm, problem, parameters, budget, "
                 "target) with a seed in common: nothing to compare");
        cJSON_Delete(doc);
        doc = NULL;
        goto out;
    }
    cJSON_AddNumberToObject(counts, "compared", (double)cJSON_GetArraySize(comparisons));
    for (size_t k = 0; k < 5; k++) {
        char name[32];
        snprintf(name, sizeof name, "%s", kinds[k]);
        for (char *c = name; *c; c++)
            *c = *c == ' ' ? '_' : *c;
        cJSON_AddNumberToObject(counts, name, (double)tally[k]);
    }
    cJSON_AddNumberToObject(counts, "only_base", (double)cJSON_GetArraySize(only[BASE]));
    cJSON_AddNumberToObject(counts, "only_new", (double)cJSON_GetArraySize(only[NEW]));
    if (tally[3])
        cJSON_SetValuestring(verdict, "regressed");
    goto out;
oom:
    snprintf(err, errlen, "out of memory");
    cJSON_Delete(doc);
    doc = NULL;
out:
    groups_free(&gs);
    return doc;
}
