/*
 * The report's "Reproduction" section: for each reproduction suite whose runs the inputs
 * hold (the "suite" block that run copies into a results file's context, suite.h), a
 * table of its claims with the paper's figure, ours and the verdict.
 */
#include <stdio.h>
#include <string.h>

#include "report_internal.h"
#include "suite.h"

/* Has an earlier input than entry the suite named name? Each suite gets one table. */
static int seen_before(const cJSON *contexts, const cJSON *entry, const char *name)
{
    for (const cJSON *e = contexts->child; e && e != entry; e = e->next) {
        const cJSON *block = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(e, "context"), "suite");
        const cJSON *other = cJSON_GetObjectItemCaseSensitive(block, "name");
        if (cJSON_IsString(other) && strcmp(other->valuestring, name) == 0)
            return 1;
    }
    return 0;
}

static void cell(FILE *f, const char *text)
{
    fputs("<td>", f);
    pb__html_text(f, text);
    fputs("</td>", f);
}

/* One suite's table, its claims measured on every run of the inputs. */
static void suite_table(const pb__report *r, const pb__suite *s, FILE *f)
{
    fputs("<h3>", f);
    pb__html_text(f, s->name);
    fputs("</h3>\n<p>", f);
    pb__html_text(f, s->paper);
    fputs("</p>\n<table class=\"reproduction\">\n<thead><tr><th>claim</th><th>runs</th>"
          "<th>condition</th><th>paper</th><th>ours</th><th>verdict</th></tr></thead>\n"
          "<tbody>\n", f);
    for (size_t k = 0; k < s->n_claims; k++) {
        const pb__claim *c = &s->claims[k];
        pb__claim_result res;
        char ours[128], condition[512], runs[600], err[512];
        snprintf(runs, sizeof runs, "%s on %s", c->algorithm, c->problem);
        pb__claim_condition(c, condition, sizeof condition);
        int measured = pb__claim_evaluate(c, r->data.records, &res, err, sizeof err) == 0;
        if (measured)
            pb__claim_format(c, &res, ours, sizeof ours);
        fputs("<tr>", f);
        cell(f, c->text);
        cell(f, runs);
        cell(f, condition);
        cell(f, c->paper);
        cell(f, measured ? ours : err);
        cell(f, !measured ? "not measured" : res.holds ? "holds" : "fails");
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

void pb__report_reproduction(const pb__report *r, FILE *f)
{
    int heading = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, r->data.contexts)
    {
        const cJSON *block = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(entry, "context"), "suite");
        pb__suite s;
        char err[512];
        /* A results file is data from strangers: a block that does not parse is skipped. */
        if (!block || pb__suite_parse(block, &s, err, sizeof err) != 0)
            continue;
        if (!seen_before(r->data.contexts, entry, s.name)) {
            if (!heading++)
                fputs("<h2 id=\"reproduction\">Reproduction</h2>\n<p>The claims of the papers "
                      "whose reproduction suites these runs come from (plugbench reproduce), "
                      "each measured on the runs of every input.</p>\n", f);
            suite_table(r, &s, f);
        }
        pb__suite_free(&s);
    }
}
