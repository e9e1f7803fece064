/*
 * The classic blackbox problems against formulas computed here, and the host's accounting:
 * counting, the budget (NaN once spent), best-so-far, exact target hits, measurement.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bb_problem.h"
#include "check.h"
#include "plugin_run.h"

/* Opens a blackbox problem; one that does not open ends the test (a failed check). */
static pb__bb_problem *open_bb(const char *id)
{
    pb__bb_problem *p = open_problem(id);
    if (!p)
        exit(check_summary("problems"));
    return p;
}

static void check_formulas(void)
{
    const double pi = 3.14159265358979323846;
    const char *ids[] = {"sphere-d7-i3", "ellipsoid-d7-i3", "rosenbrock-d7-i3", "rastrigin-d7-i3"};
    for (int k = 0; k < 4; k++) {
        pb__bb_problem *p = open_bb(ids[k]);
        const pb_blackbox *f = p->base.handle.oracle;
        double x[7], expected = 0;
        for (int i = 0; i < 7; i++)
            x[i] = p->x_opt[i] + 0.1 * (i + 1) - 0.35;
        for (int i = 0; i < 7; i++) {
            double z = x[i] - p->x_opt[i];
            if (k == 0)
                expected += z * z;
            else if (k == 1)
                expected += pow(1e6, i / 6.0) * z * z;
            else if (k == 2 && i < 6) {
                double a = z + 1, b = x[i + 1] - p->x_opt[i + 1] + 1;
                expected += 100 * (a * a - b) * (a * a - b) + (a - 1) * (a - 1);
            } else if (k == 3)
                expected += z * z - 10 * cos(2 * pi * z) + 10;
        }
        double got = f->evaluate(f, x) - p->f_opt;
        CHECK(fabs(got - expected) <= 1e-12 * (1 + fabs(expected)), "%s: %.17g vs %.17g", ids[k], got, expected);
        CHECK(f->evaluate(f, p->x_opt) == p->f_opt, "%s: f(x_opt) must be f_opt", ids[k]);
        CHECK(p->x_opt[0] >= -3 && p->x_opt[0] <= 3 && f->lower[0] == -5 && f->upper[6] == 5,
              "%s: optimum inside the box", ids[k]);
        pb__problem_close(&p->base);
    }
    /* Instances differ, and the same id gives the same instance. */
    pb__bb_problem *a = open_bb("sphere-d3-i1"), *b = open_bb("sphere-d3-i2"), *c = open_bb("sphere-d3-i1");
    CHECK(a->x_opt[0] != b->x_opt[0] && a->x_opt[0] == c->x_opt[0] && a->f_opt == c->f_opt, "instances");
    pb__problem_close(&a->base);
    pb__problem_close(&b->base);
    pb__problem_close(&c->base);
}

/*
 * Instance 0 is the unshifted textbook function (Rosenbrock's optimum at 1), and -box<B>
 * sets the box [-B, B]^d, the id keeping its spelling.
 */
static void check_unshifted(void)
{
    const char *ids[] = {"sphere-d4-i0", "ellipsoid-d4-i0-box0.5", "rosenbrock-d4-i0-box2",
                         "rastrigin-d4-i0-box3"};
    const double box[] = {5, 0.5, 2, 3}, opt[] = {0, 0, 1, 0};
    for (int k = 0; k < 4; k++) {
        pb__bb_problem *p = open_bb(ids[k]);
        const pb_blackbox *f = p->base.handle.oracle;
        int ok = p->f_opt == 0 && strcmp(p->base.id, ids[k]) == 0;
        for (int i = 0; i < 4; i++)
            ok &= p->x_opt[i] == opt[k] && f->lower[i] == -box[k] && f->upper[i] == box[k];
        double x[4] = {opt[k], opt[k], opt[k], opt[k]};
        CHECK(ok && f->evaluate(f, x) == 0, "%s: optimum %g, f 0 there, box [-%g, %g]", ids[k],
              opt[k], box[k], box[k]);
        pb__problem_close(&p->base);
    }
}

static void check_accounting(void)
{
    pb__bb_problem *p = open_bb("sphere-d2-i1");
    const pb_blackbox *f = p->base.handle.oracle;
    p->base.cost_limit = 3;
    p->base.target = 0.5; /* f - f_opt <= 0.5 */
    double far[2] = {p->x_opt[0] + 1, p->x_opt[1]}, near[2] = {p->x_opt[0] + 0.5, p->x_opt[1]};
    CHECK(f->evaluate(f, far) == 1 + p->f_opt, "first value");
    CHECK(p->base.target_hit_cost == 0 && p->best == 1 + p->f_opt, "no hit yet");
    CHECK(f->evaluate(f, near) == 0.25 + p->f_opt, "second value");
    CHECK(p->base.target_hit_cost == 2, "hit at the 2nd evaluation, got %llu",
          (unsigned long long)p->base.target_hit_cost);
    f->evaluate(f, far);
    CHECK(p->base.cost == 3 && !p->base.exhausted, "3 counted");
    CHECK(isnan(f->evaluate(f, near)) && p->base.cost == 3 && p->base.exhausted,
          "the 4th call is refused with NaN and not counted");
    double metrics[PB__MAX_METRICS];
    CHECK(p->base.ops->measure(&p->base, far, metrics) == 0, "finite");
    CHECK(metrics[0] == 0.25 && metrics[1] == 1 && metrics[2] == 1 && metrics[3] == 1,
          "measure: %g %g %g %g", metrics[0], metrics[1], metrics[2], metrics[3]);
    double off[2] = {p->x_opt[0] + 0.5, p->x_opt[1] - 2};
    CHECK(p->base.ops->measure(&p->base, off, metrics) == 0 && metrics[3] == 2 &&
              metrics[2] == sqrt(0.25 + 4),
          "the maximum-norm distance is the largest coordinate's: %g (2-norm %g)", metrics[3],
          metrics[2]);
    double bad[2] = {NAN, 0};
    CHECK(p->base.ops->measure(&p->base, bad, metrics) == 1, "a NaN solution is not finite");
    CHECK(p->base.cost == 3, "measuring is not counted");
    /* While the host measures, the oracle refuses, and says it was misused, not spent. */
    p->base.cost_limit = 0;
    p->base.measuring = 1;
    p->base.exhausted = 0;
    CHECK(isnan(f->evaluate(f, far)) && p->base.oracle_misuse && !p->base.exhausted &&
              p->base.cost == 3,
          "a call from solution() is refused as a misuse");
    pb__problem_close(&p->base);
}

/* Evaluations to each of COCO's 51 targets, against the first hit found here by scanning. */
static void check_target_hits(void)
{
    pb__bb_problem *p = open_bb("sphere-d1-i1");
    const pb_blackbox *f = p->base.handle.oracle;
    const double errors[] = {50, 70, 5, 0.3, 0.3, 2e-5, 1e-3, 3e-9};
    const size_t n = sizeof errors / sizeof errors[0];
    for (size_t k = 0; k < n; k++) {
        double x = p->x_opt[0] + sqrt(errors[k]);
        f->evaluate(f, &x);
    }
    double extras[PB__MAX_EXTRAS] = {0};
    p->base.ops->collect_extras(&p->base, extras);
    for (int i = 0; i < PB__BB_TARGETS; i++) {
        double target = pow(10.0, 2.0 - 0.2 * i);
        double expected = 0; /* 0: never reached */
        for (size_t k = 0; k < n && expected == 0; k++)
            if (errors[k] * (1 + 1e-12) <= target)
                expected = (double)(k + 1);
        CHECK(extras[i] == expected, "target 1e%+.1f: hit at evaluation %g, expected %g",
              2.0 - 0.2 * i, extras[i], expected);
    }
    /* The record carries the targets (the report and compare read them from there). */
    cJSON *rec = cJSON_CreateObject();
    pb__kind_find("blackbox")->record_extras(extras, rec);
    const cJSON *hits = cJSON_GetObjectItemCaseSensitive(rec, "target_hits");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(hits, "targets");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(hits, "evaluations");
    int decreasing = 1;
    for (int i = 1; i < cJSON_GetArraySize(t); i++)
        decreasing &=
            cJSON_GetArrayItem(t, i)->valuedouble < cJSON_GetArrayItem(t, i - 1)->valuedouble;
    CHECK(cJSON_GetArraySize(t) == PB__BB_TARGETS && cJSON_GetArraySize(e) == PB__BB_TARGETS &&
              decreasing && cJSON_GetArrayItem(t, 0)->valuedouble == 100 &&
              cJSON_GetArrayItem(t, 5)->valuedouble == 10 &&
              cJSON_GetArrayItem(t, 50)->valuedouble == 1e-8 &&
              fabs(cJSON_GetArrayItem(t, 1)->valuedouble - 63.0957344480193) < 1e-12,
          "target_hits.targets: COCO's 51, 10^2, 10^1.8 = 63.0957..., 10^1 at 5, 10^-8 last");
    CHECK(cJSON_IsNull(cJSON_GetArrayItem(e, 50)) == (extras[50] == 0),
          "target_hits.evaluations: null where not reached");
    cJSON_Delete(rec);
    pb__problem_close(&p->base);
}

/* Every kind's column names are distinct: results key the trace and counts by them. */
static void check_kind_columns(void)
{
    for (uint32_t k = 0; k < pb__n_kinds; k++) {
        const pb__kind *kind = pb__kinds[k];
        const char *names[2 + PB__MAX_METRICS] = {"iterations", "seconds"};
        uint32_t n_metrics = pb__kind_n_metrics(kind);
        for (uint32_t m = 0; m < n_metrics; m++)
            names[2 + m] = kind->metrics[m];
        int clash = 0;
        for (uint32_t i = 0; i < 2 + n_metrics; i++)
            clash |= strcmp(kind->cost_unit, names[i]) == 0;
        CHECK(!clash && n_metrics >= 1,
              "kind %s: cost unit '%s' and %u metrics name distinct columns", kind->name,
              kind->cost_unit, n_metrics);
    }
}

/* Every kind has one operations table, and the problems it opens point to it. */
static void check_kind_ops(void)
{
    for (uint32_t k = 0; k < pb__n_kinds; k++) {
        const pb__kind *kind = pb__kinds[k];
        const pb__problem_ops *ops = &kind->ops;
        CHECK(ops->measure && ops->describe && ops->destroy &&
                  !ops->collect_extras == !kind->record_extras,
              "kind %s: measure, describe and destroy; collect_extras with record_extras",
              kind->name);
        pb__problem *p = NULL;
        char err[512] = "";
        const char *id = kind->default_problems[0];
        int rc = pb__problem_open(id, &p, err, sizeof err);
        CHECK(rc == 0, "%s opens: %s", id, rc == 0 ? "" : err);
        if (rc != 0)
            continue;
        CHECK(p->ops == ops && p->family->kind == kind &&
                  strcmp(p->handle.kind, kind->abi_kind) == 0 && p->handle.oracle &&
                  p->handle.struct_size == sizeof(pb_problem) && isnan(p->target),
              "%s: the kind's operations, its abi_kind, an oracle, no target", id);
        pb__problem_close(p);
    }
}

static void check_ids(void)
{
    pb__problem *p;
    char err[512] = "";
    /* A box must be positive, written as the shortest decimal, and not the default's 5;
     * below 3 only around the unshifted instance 0. */
    const char *bad[] = {"sphere-d0-i1",         "sphere-d3",           "sphere-d3-i1x",
                         "nosuch-d3-i1",         "rastrigin-d3-i0-box5", "rastrigin-d3-i0-box3.0",
                         "rastrigin-d3-i0-box0", "rastrigin-d3-i0-box-1", "rastrigin-d3-i0-box",
                         "rastrigin-d3-i0-box3x", "sphere-d3-i1-box2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(pb__problem_open(bad[i], &p, err, sizeof err) == -1, "%s must be refused", bad[i]);
        CHECK(strstr(err, bad[i]) != NULL, "the message names the id: %s", err);
    }
}

int main(void)
{
    check_formulas();
    check_unshifted();
    check_accounting();
    check_target_hits();
    check_kind_columns();
    check_kind_ops();
    check_ids();
    return check_summary("problems");
}
