/*
 * plugbench compare BASE.json NEW.json: which (algorithm, problem) pairs got better or
 * worse between two results files, by a Mann-Whitney U test over seeds and a relative
 * threshold on the median (compare.h). Exit 1 when something regressed: the CI gate.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compare.h"
#include "numfmt.h"
#include "results_file.h"
#include "stats.h"
#include "strmap.h"

static const char usage[] =
    "usage: plugbench compare [options] BASE.json NEW.json\n"
    "\n"
    "Compares the runs of NEW against those of BASE (results files of plugbench run, or\n"
    "their journals, or the JSON of plugbench bench --instructions). Runs are the same experiment when plugin name, problem id,\n"
    "parameters, budget and target agree -- the plugin's version and sha256 are ignored,\n"
    "since a changed plugin is what is being judged -- and are paired by seed. For every\n"
    "experiment in both files, each metric is compared over the common seeds with a\n"
    "two-sided Mann-Whitney U test (exact for up to 20 seeds without ties):\n"
    "\n"
    "  quality   the kind's main metric of the final solution (blackbox: best_error)\n"
    "  target    cost to reach the run's --target (target_hit) and each of the kind's\n"
    "            fixed targets that some run reached (target_hits; blackbox: COCO's 51);\n"
    "            a run that never reaches one counts as worse than any that did\n"
    "  time      algorithm seconds: noisy, meaningful only between runs on one machine\n"
    "  instructions  callgrind's count (run --count-instructions: per run; bench\n"
    "            --instructions: per kernel iteration, one experiment per kernel with\n"
    "            parameter microkernel). Deterministic, so no test: identical when every\n"
    "            seed's count is equal, else the median's change against\n"
    "            --instructions-threshold: regressed, improved or similar. Seeds without\n"
    "            a count on both sides are left out; when nothing is left to compare and\n"
    "            instructions is the only metric, exit 2. Not part of `all`; the default\n"
    "            when both files are bench --instructions files\n"
    "\n"
    "All are lower is better. A metric regressed when the test rejects at alpha AND its\n"
    "median got worse by more than the threshold; improved likewise; identical when every\n"
    "seed gave the same value. A run that is not ok counts as worse than any finished run,\n"
    "and a run that was ok in BASE and is not in NEW is a regression by itself.\n"
    "Experiments in only one file are listed, not regressions.\n"
    "\n"
    "Seeds: the test needs at least 4 common seeds per experiment to reach alpha 0.05\n"
    "(3 vs 3 seeds: smallest possible p 0.1; 4 vs 4: 0.029; 5 vs 5: 0.0079); use 5 or more.\n"
    "With fewer the exact test can never reach alpha 0.05, and the output says so.\n"
    "\n"
    "  --metrics LIST     comma-separated, of quality,target,time,instructions (default\n"
    "                     all: quality,target,time); a CI gate\n"
    "                     on a shared machine uses quality,target, which are deterministic\n"
    "                     for a seed and cannot flake\n"
    "  --alpha A          significance level of the test (default 0.05)\n"
    "  --threshold T      relative change of the median that counts, as 0.05 or 5%\n"
    "                     (default 5%)\n"
    "  --instructions-threshold T  relative change of an instruction count that counts\n"
    "                     (default 1%)\n"
    "  --json FILE        also write the verdict as JSON (schema plugbench/compare/1)\n"
    "  --all              list every comparison, not only improvements and regressions\n"
    "\n"
    "Exit status: 0 when nothing regressed, 1 when something did, 2 for bad usage or a\n"
    "file that cannot be compared (missing, not a results file, nothing in common).\n";

/* One line of the table; every cell already formatted. */
#define CELL 512 /* a label carries parameters, budget and target when it must */

typedef struct row {
    char cell[9][CELL];
} row;

enum { C_VERDICT, C_ALGORITHM, C_PROBLEM, C_SEEDS, C_METRIC, C_BASE, C_NEW, C_CHANGE, C_P };

typedef struct table {
    row *rows;
    size_t n, cap;
} table;

/* Appends an empty row; NULL when out of memory. */
static row *table_add(table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 32;
        row *bigger = realloc(t->rows, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        t->rows = bigger;
        t->cap = cap;
    }
    row *r = &t->rows[t->n++];
    memset(r, 0, sizeof *r);
    return r;
}

/* Prints the rows under a header, each column as wide as its widest cell. */
static void table_print(const table *t)
{
    static const char *const head[9] = {"verdict",     "algorithm",  "problem", "seeds", "metric",
                                        "base median", "new median", "change",  "p"};
    size_t width[9];
    for (int c = 0; c < 9; c++) {
        width[c] = strlen(head[c]);
        for (size_t i = 0; i < t->n; i++)
            if (strlen(t->rows[i].cell[c]) > width[c])
                width[c] = strlen(t->rows[i].cell[c]);
    }
    /* Text left-aligned, numbers right-aligned. */
    for (size_t i = 0; i <= t->n; i++) {
        for (int c = 0; c < 9; c++) {
            const char *cell = i == 0 ? head[c] : t->rows[i - 1].cell[c];
            int right = c == C_SEEDS || c >= C_BASE;
            printf(right ? "%*s" : "%-*s", (int)width[c], cell);
            fputs(c == 8 ? "\n" : "  ", stdout);
        }
    }
}

/* A median for the table: the "infinite" value of a metric says what it means. */
static void format_median(const cJSON *v, const char *metric, char *buf, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%.6g", v->valuedouble);
    else
        snprintf(buf, len, "%s", strcmp(metric, "target") == 0 ? "never" : "failed");
}

/*
 * How many experiments each (algorithm, problem) pair has over the comparisons and the
 * one-sided lists: counted once, so that labelling a row is a lookup, not a pass over every
 * experiment (which made printing quadratic in them).
 */
typedef struct pair_counts {
    pb__strmap index; /* pair key -> its place in keys and count */
    char **keys;      /* malloc'd */
    size_t *count, n;
} pair_counts;

static const char *const entry_lists[] = {"comparisons", "only_base", "only_new"};

/* An entry's algorithm: its configuration's label, else (older files) its plugin's name. */
static const char *entry_name(const cJSON *e)
{
    const cJSON *config = cJSON_GetObjectItem(e, "config");
    return cJSON_IsString(config) ? config->valuestring
                                  : cJSON_GetObjectItem(e, "plugin")->valuestring;
}

/* The key of an entry's (algorithm, problem): their JSON array text; malloc'd, or NULL. */
static char *pair_key(const cJSON *e)
{
    cJSON *key = cJSON_CreateArray();
    cJSON_AddItemToArray(key, cJSON_CreateString(entry_name(e)));
    cJSON_AddItemReferenceToArray(key, cJSON_GetObjectItem(e, "problem"));
    char *text = cJSON_PrintUnformatted(key);
    cJSON_Delete(key);
    return text;
}

static void pair_counts_free(pair_counts *pc)
{
    for (size_t i = 0; i < pc->n; i++)
        free(pc->keys[i]);
    free(pc->keys);
    free(pc->count);
    pb__strmap_free(&pc->index);
}

/* Counts the pairs of doc's entries. Returns 0, or -1 when out of memory. */
static int pair_counts_build(pair_counts *pc, const cJSON *doc)
{
    size_t cap = 0;
    for (int l = 0; l < 3; l++)
        cap += (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(doc, entry_lists[l]));
    pc->keys = calloc(cap ? cap : 1, sizeof *pc->keys);
    pc->count = calloc(cap ? cap : 1, sizeof *pc->count);
    if (!pc->keys || !pc->count)
        return -1;
    for (int l = 0; l < 3; l++) {
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItem(doc, entry_lists[l])) {
            char *key = pair_key(o);
            size_t i = key ? pb__strmap_intern(&pc->index, key, pc->n) : (size_t)-1;
            if (i == (size_t)-1) {
                free(key);
                return -1;
            }
            if (i == pc->n)
                pc->keys[pc->n++] = key;
            else
                free(key);
            pc->count[i]++;
        }
    }
    return 0;
}

/* The algorithm column: its name, and when the same algorithm and problem occur with more
 * than one set of parameters, budget or target, those too, so that rows stay tellable. */
static void algorithm_label(pair_counts *pc, const cJSON *e, char *buf, size_t len)
{
    const char *alg = entry_name(e);
    char *key = pair_key(e);
    size_t i = key ? pb__strmap_get(&pc->index, key) : (size_t)-1;
    free(key);
    if (i == (size_t)-1 || pc->count[i] <= 1) {
        snprintf(buf, len, "%s", alg);
        return;
    }
    cJSON *id = cJSON_CreateObject();
    cJSON_AddItemReferenceToObject(id, "parameters", cJSON_GetObjectItem(e, "parameters"));
    cJSON_AddItemReferenceToObject(id, "budget", cJSON_GetObjectItem(e, "budget"));
    cJSON_AddItemReferenceToObject(id, "target", cJSON_GetObjectItem(e, "target"));
    char *text = cJSON_PrintUnformatted(id);
    snprintf(buf, len, "%s %s", alg, text ? text : "");
    free(text);
    cJSON_Delete(id);
}

/* Adds the rows of one comparison: its status changes, then its metrics (all of them with
 * --all, else only those that improved or regressed). Returns 0 or -1 (out of memory). */
static int add_rows(table *t, pair_counts *pc, const cJSON *e, int all)
{
    char label[CELL], seeds[32];
    algorithm_label(pc, e, label, sizeof label);
    const char *problem = cJSON_GetObjectItem(e, "problem")->valuestring;
    snprintf(seeds, sizeof seeds, "%d", cJSON_GetArraySize(cJSON_GetObjectItem(e, "seeds")));
    const char *gv = cJSON_GetObjectItem(e, "verdict")->valuestring;
    if (strcmp(gv, "no common seed") == 0) {
        row *r = table_add(t);
        if (!r)
            return -1;
        snprintf(r->cell[C_VERDICT], CELL, "%s", gv);
        snprintf(r->cell[C_ALGORITHM], CELL, "%s", label);
        snprintf(r->cell[C_PROBLEM], CELL, "%s", problem);
        snprintf(r->cell[C_SEEDS], CELL, "0");
        return 0;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItem(e, "status")) {
        row *r = table_add(t);
        if (!r)
            return -1;
        snprintf(r->cell[C_VERDICT], CELL, "%s", cJSON_GetObjectItem(s, "verdict")->valuestring);
        snprintf(r->cell[C_ALGORITHM], CELL, "%s", label);
        snprintf(r->cell[C_PROBLEM], CELL, "%s", problem);
        snprintf(r->cell[C_SEEDS], CELL, "%s", seeds);
        snprintf(r->cell[C_METRIC], CELL, "status (seed %.17g)",
                 cJSON_GetObjectItem(s, "seed")->valuedouble);
        snprintf(r->cell[C_BASE], CELL, "%s", cJSON_GetObjectItem(s, "base")->valuestring);
        snprintf(r->cell[C_NEW], CELL, "%s", cJSON_GetObjectItem(s, "new")->valuestring);
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(e, "metrics")) {
        const char *v = cJSON_GetObjectItem(m, "verdict")->valuestring;
        if (!all && strcmp(v, "regressed") != 0 && strcmp(v, "improved") != 0)
            continue;
        row *r = table_add(t);
        if (!r)
            return -1;
        const char *metric = cJSON_GetObjectItem(m, "metric")->valuestring;
        snprintf(r->cell[C_VERDICT], CELL, "%s", v);
        snprintf(r->cell[C_ALGORITHM], CELL, "%s", label);
        snprintf(r->cell[C_PROBLEM], CELL, "%s", problem);
        snprintf(r->cell[C_SEEDS], CELL, "%s", seeds);
        const cJSON *level = cJSON_GetObjectItem(m, "level");
        if (cJSON_IsNumber(level))
            snprintf(r->cell[C_METRIC], CELL, "%s %g", cJSON_GetObjectItem(m, "name")->valuestring,
                     level->valuedouble);
        else
            snprintf(r->cell[C_METRIC], CELL, "%s", cJSON_GetObjectItem(m, "name")->valuestring);
        format_median(cJSON_GetObjectItem(m, "base_median"), metric, r->cell[C_BASE], CELL);
        format_median(cJSON_GetObjectItem(m, "new_median"), metric, r->cell[C_NEW], CELL);
        const cJSON *change = cJSON_GetObjectItem(m, "change"), *p = cJSON_GetObjectItem(m, "p");
        if (cJSON_IsString(change))
            snprintf(r->cell[C_CHANGE], CELL, "%s", change->valuestring);
        else
            snprintf(r->cell[C_CHANGE], CELL, "%+.1f%%", 100 * change->valuedouble);
        if (cJSON_IsNumber(p))
            snprintf(r->cell[C_P], CELL, "%.2g", p->valuedouble);
        else
            snprintf(r->cell[C_P], CELL, "-");
    }
    return 0;
}

/* The lines after the table: what exists on one side only, seeds that could not be paired,
 * experiments with too few seeds for any verdict, and the tally. */
static void print_notes(const cJSON *doc, pair_counts *pc, double alpha)
{
    static const char *const lists[] = {"only_base", "only_new"};
    static const char *const sides[] = {"BASE", "NEW"};
    for (int l = 0; l < 2; l++) {
        const cJSON *o;
        cJSON_ArrayForEach(o, cJSON_GetObjectItem(doc, lists[l])) {
            char label[CELL];
            algorithm_label(pc, o, label, sizeof label);
            printf("only in %s: %s on %s (%g runs)\n", sides[l], label,
                   cJSON_GetObjectItem(o, "problem")->valuestring,
                   cJSON_GetObjectItem(o, "runs")->valuedouble);
        }
    }
    const cJSON *e;
    size_t too_few = 0, min_seeds = 1;
    while (pb__mw_min_p(min_seeds, min_seeds) >= alpha && min_seeds < 1000)
        min_seeds++;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "comparisons")) {
        too_few += cJSON_IsTrue(cJSON_GetObjectItem(e, "too_few_seeds"));
        for (int l = 0; l < 2; l++) {
            const cJSON *seeds = cJSON_GetObjectItem(e, l ? "seeds_only_new" : "seeds_only_base");
            if (cJSON_GetArraySize(seeds) == 0)
                continue;
            printf("note: %s on %s: %d seed(s) only in %s, not compared\n", entry_name(e),
                   cJSON_GetObjectItem(e, "problem")->valuestring, cJSON_GetArraySize(seeds),
                   sides[l]);
        }
    }
    if (too_few)
        printf("note: %zu comparison(s) have fewer than %zu common seeds: at alpha %g no "
               "difference can be significant there\n",
               too_few, min_seeds, alpha);
    const cJSON *c = cJSON_GetObjectItem(doc, "counts");
    printf("%g compared: %g regressed, %g improved, %g similar, %g identical",
           cJSON_GetObjectItem(c, "compared")->valuedouble,
           cJSON_GetObjectItem(c, "regressed")->valuedouble,
           cJSON_GetObjectItem(c, "improved")->valuedouble,
           cJSON_GetObjectItem(c, "similar")->valuedouble,
           cJSON_GetObjectItem(c, "identical")->valuedouble);
    if (cJSON_GetObjectItem(c, "no_common_seed")->valuedouble > 0)
        printf(", %g without a common seed", cJSON_GetObjectItem(c, "no_common_seed")->valuedouble);
    printf("; %g only in BASE, %g only in NEW\n", cJSON_GetObjectItem(c, "only_base")->valuedouble,
           cJSON_GetObjectItem(c, "only_new")->valuedouble);
}

/* Parses a number in [lo, hi) from the whole of text, "5%" meaning 0.05 when percent is
 * allowed. Returns 0, or -1. */
static int parse_fraction(const char *text, int percent, double lo, double hi, double *out)
{
    char number[64];
    size_t len = strlen(text);
    int is_percent = percent && len > 0 && text[len - 1] == '%';
    double v;
    if (len - is_percent >= sizeof number)
        return -1;
    snprintf(number, sizeof number, "%.*s", (int)(len - is_percent), text);
    if (pb__parse_decimal(number, &v) != 0)
        return -1;
    if (is_percent)
        v /= 100;
    if (v < lo || v >= hi)
        return -1;
    *out = v;
    return 0;
}

int pb_compare_flag(const char *command, const char *a, const char *val, pb__compare_options *opt)
{
    /* The numeric ones: range, whether "5%" is allowed, and where the value goes. */
    static const struct {
        const char *flag;
        int percent;
        double lo, hi;
        size_t offset;
        const char *expected;
    } numbers[] = {
        {"--alpha", 0, 1e-300, 1, offsetof(pb__compare_options, alpha), "a number in (0, 1)"},
        {"--threshold", 1, 0, INFINITY, offsetof(pb__compare_options, threshold),
         "a relative change >= 0, as 0.05 or 5%"},
        {"--instructions-threshold", 1, 0, INFINITY,
         offsetof(pb__compare_options, instructions_threshold),
         "a relative change >= 0, as 0.01 or 1%"},
    };
    if (strcmp(a, "--metrics") == 0) {
        if ((opt->metrics = pb__compare_parse_metrics(val)))
            return 1;
        pb_usage_error("%s: --metrics '%s': expected a comma-separated list of quality, "
                       "target, time, instructions",
                       command, val);
        return -1;
    }
    for (size_t k = 0; k < sizeof numbers / sizeof numbers[0]; k++) {
        if (strcmp(a, numbers[k].flag) != 0)
            continue;
        double *out = (double *)((char *)opt + numbers[k].offset);
        if (parse_fraction(val, numbers[k].percent, numbers[k].lo, numbers[k].hi, out) == 0)
            return 1;
        pb_usage_error("%s: %s '%s': expected %s", command, a, val, numbers[k].expected);
        return -1;
    }
    return 0;
}

/* Are runs those of a bench --instructions file: instruction counts and no metrics? */
static int counts_only(const cJSON *runs)
{
    const cJSON *run;
    cJSON_ArrayForEach(run, runs) {
        if (cJSON_GetObjectItemCaseSensitive(run, "metrics") ||
            !cJSON_GetObjectItemCaseSensitive(run, "instructions"))
            return 0;
    }
    return 1;
}

/* Did the verdict doc compare an instruction count anywhere? */
static int counted(const cJSON *doc)
{
    const cJSON *e, *m;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "comparisons")) {
        cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(e, "metrics")) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "metric");
            if (cJSON_IsString(name) && strcmp(name->valuestring, "instructions") == 0)
                return 1;
        }
    }
    return 0;
}

/* plugbench compare: parses the options, loads both files, prints the table and writes
 * the JSON verdict. Returns PB_EXIT_OK, PB_EXIT_FAILED (something regressed) or
 * PB_EXIT_USAGE. */
int pb_cmd_compare(int argc, char **argv)
{
    pb__compare_options opt = PB_COMPARE_DEFAULTS;
    const char *files[2] = {NULL, NULL}, *json = NULL;
    int all = 0, shared;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--metrics") == 0 || strcmp(a, "--alpha") == 0 ||
                    strcmp(a, "--threshold") == 0 || strcmp(a, "--json") == 0 ||
                    strcmp(a, "--instructions-threshold") == 0;
        if (pb_is_help(a)) {
            fputs(usage, stdout);
            return PB_EXIT_OK;
        } else if (takes && !val) {
            return pb_usage_error("compare: %s needs a value (see plugbench compare --help)", a);
        } else if ((shared = pb_compare_flag("compare", a, val, &opt)) != 0) {
            if (shared < 0)
                return PB_EXIT_USAGE;
        } else if (strcmp(a, "--json") == 0) {
            json = val;
        } else if (strcmp(a, "--all") == 0) {
            all = 1;
            continue;
        } else if (a[0] != '-') {
            if (files[1])
                return pb_usage_error("compare: unexpected argument '%s' (see plugbench "
                                      "compare --help)",
                                      a);
            files[files[0] ? 1 : 0] = a;
            continue;
        } else {
            return pb_usage_error("compare: unknown option '%s' (see plugbench compare --help)",
                                  a);
        }
        i++; /* the option's value */
    }
    if (!files[1])
        return pb_usage_error("compare: expected BASE.json and NEW.json (see plugbench "
                              "compare --help)");
    opt.base_name = files[0];
    opt.new_name = files[1];

    char err[1024];
    cJSON *runs[2] = {NULL, NULL}, *doc = NULL;
    pair_counts pc = {0};
    int rc = PB_EXIT_USAGE;
    if (pb__compare_load(files[0], &runs[0], err, sizeof err) != 0 ||
        pb__compare_load(files[1], &runs[1], err, sizeof err) != 0) {
        pb_usage_error("compare: %s", err);
        goto out;
    }
    if (!opt.metrics)
        opt.metrics = counts_only(runs[0]) && counts_only(runs[1]) ? PB__CMP_INSTRUCTIONS
                                                                   : PB__CMP_ALL;
    if (!(doc = pb__compare(runs[0], runs[1], &opt, err, sizeof err))) {
        pb_usage_error("compare: %s", err);
        goto out;
    }
    /* A gate on counts that compared none (neither file counted) would pass forever. */
    if (opt.metrics == PB__CMP_INSTRUCTIONS && !counted(doc)) {
        pb_usage_error("compare: no experiment has instruction counts in both files (run "
                       "--count-instructions, or bench --instructions, makes them)");
        goto out;
    }
    if (json && pb__json_write_atomic(json, doc, err, sizeof err) != 0) {
        pb_usage_error("compare: %s", err);
        goto out;
    }

    printf("BASE %s (%d runs), NEW %s (%d runs)\n", files[0], cJSON_GetArraySize(runs[0]),
           files[1], cJSON_GetArraySize(runs[1]));
    printf("alpha %g, threshold %g%%, ", opt.alpha, 100 * opt.threshold);
    if (opt.metrics & PB__CMP_INSTRUCTIONS)
        printf("instructions threshold %g%%, ", 100 * opt.instructions_threshold);
    printf("metrics");
    const cJSON *m;
    const char *sep = " ";
    cJSON_ArrayForEach(m, cJSON_GetObjectItem(doc, "metrics")) {
        printf("%s%s", sep, m->valuestring);
        sep = ",";
    }
    printf(" (lower is better)\n\n");
    table t = {0};
    const cJSON *e;
    if (pair_counts_build(&pc, doc) != 0) {
        pb_usage_error("compare: out of memory");
        goto out;
    }
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "comparisons")) {
        if (add_rows(&t, &pc, e, all) != 0) {
            free(t.rows);
            pb_usage_error("compare: out of memory");
            goto out;
        }
    }
    if (t.n)
        table_print(&t);
    else
        printf("no improvement and no regression\n");
    free(t.rows);
    printf("\n");
    print_notes(doc, &pc, opt.alpha);
    int regressed = strcmp(cJSON_GetObjectItem(doc, "verdict")->valuestring, "regressed") == 0;
    printf("verdict: %s\n", regressed ? "REGRESSED" : "no regression");
    rc = regressed ? PB_EXIT_FAILED : PB_EXIT_OK;
out:
    pair_counts_free(&pc);
    cJSON_Delete(doc);
    cJSON_Delete(runs[0]);
    cJSON_Delete(runs[1]);
    return rc;
}
