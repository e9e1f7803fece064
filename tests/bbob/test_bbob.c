/*
 * Checks the bbob family against values computed by COCO itself.
 *
 * Usage: test_bbob <path to tests/data/bbob_reference.txt>
 *
 * The data file has one line per value, "f d i x_1 ... x_d f(x)", in groups of lines of
 * one (f, d, i); the first line of each group is at COCO's best_parameter (see the file's
 * header). For every line the problem "bbob-fNN-dD-iI" is evaluated (uncounted) at x and
 * compared with COCO's value to 1e-9, relative, or absolute near 0. For every group it also
 * checks that f(x_opt) = f_opt to 1e-9 (for every function: x_opt is the true minimizer
 * everywhere, f20's to 2e-15 in value), that x_opt lies in [-5, 5]^d, and that x_opt is
 * COCO's best_parameter to 1e-9 per coordinate. A few ids are checked for parsing.
 *
 * Prints one line per failure and a summary; exits 0 when everything passed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "problem.h"
#include "blackbox/bb_problem.h"
#include "usage.h"

#define TOLERANCE 1e-9
#define MAX_LINE 65536
#define MAX_DIM 128

extern const pb__family pb__family_bbob;

typedef struct stats {
    long values, optima, failures;
    double max_rel;     /* largest relative error over reference values with |f| > 1e-9 */
    double max_abs0;    /* largest absolute error over reference values with |f| <= 1e-9 */
    double max_xopt;    /* largest |x_opt - COCO's best_parameter| */
    double max_opt_gap; /* largest |f(x_opt) - f_opt| / max(1, |f_opt|) */
} stats;

/* One line of the data file. */
typedef struct record {
    int f, d, i;
    double x[MAX_DIM];
    double y;
} record;

/* Whether got agrees with want: same infinity, both NaN, or within TOLERANCE (relative, or
 * absolute near 0). */
static int agrees(double got, double want)
{
    if (isnan(want) || isnan(got))
        return isnan(want) && isnan(got);
    if (isinf(want) || isinf(got))
        return got == want;
    double err = fabs(got - want);
    return err <= TOLERANCE * fabs(want) || err <= TOLERANCE;
}

/* Parses one data line into r; returns 1 on success, 0 on a comment or blank line, -1 when
 * malformed. */
static int parse_record(char *line, record *r)
{
    char *s = line, *end;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s == '#' || *s == '\n' || *s == '\0')
        return 0;
    r->f = (int)strtol(s, &end, 10);
    r->d = (int)strtol(end, &end, 10);
    r->i = (int)strtol(end, &end, 10);
    if (r->d < 1 || r->d > MAX_DIM)
        return -1;
    for (int k = 0; k < r->d; k++) {
        s = end;
        r->x[k] = strtod(s, &end);
        if (end == s)
            return -1;
    }
    s = end;
    r->y = strtod(s, &end);
    return end == s ? -1 : 1;
}

/* Opens bbob-fNN-dD-iI, or reports why not; returns NULL on failure. */
static pb__bb_problem *open_problem(int f, int d, int i, stats *st)
{
    char id[64], err[512] = "";
    pb__problem *p = NULL;
    snprintf(id, sizeof id, "bbob-f%02d-d%d-i%d", f, d, i);
    if (pb__problem_open(id, &p, err, sizeof err) != 0) {
        printf("FAIL open %s: %s\n", id, err);
        st->failures++;
        return NULL;
    }
    return (pb__bb_problem *)p;
}

/* Checks x_opt of a freshly opened problem against COCO's best_parameter (the group's first
 * line), the box, and f(x_opt) = f_opt. */
static void check_optimum(pb__bb_problem *p, const record *first, stats *st)
{
    double gap = 0.0, y = p->objective(p, p->x_opt);
    int in_box = 1;
    for (uint32_t k = 0; k < p->dim; k++) {
        gap = fmax(gap, fabs(p->x_opt[k] - first->x[k]));
        in_box &= p->x_opt[k] >= -5.0 && p->x_opt[k] <= 5.0;
    }
    double opt_gap = fabs(y - p->f_opt) / fmax(1.0, fabs(p->f_opt));
    st->optima++;
    st->max_xopt = fmax(st->max_xopt, gap);
    st->max_opt_gap = fmax(st->max_opt_gap, opt_gap);
    if (!(gap <= TOLERANCE) || !in_box || !agrees(y, p->f_opt)) {
        printf("FAIL optimum %s: f(x_opt) = %.17g, f_opt = %.17g, |x_opt - COCO| = %.3g%s\n",
               p->base.id, y, p->f_opt, gap, in_box ? "" : ", x_opt outside the box");
        st->failures++;
    }
}

/* Compares the problem's value at r->x with COCO's. */
static void check_value(pb__bb_problem *p, const record *r, long line_no, stats *st)
{
    double y = p->objective(p, r->x);
    st->values++;
    if (isfinite(r->y) && isfinite(y)) {
        double err = fabs(y - r->y);
        if (fabs(r->y) > TOLERANCE)
            st->max_rel = fmax(st->max_rel, err / fabs(r->y));
        else
            st->max_abs0 = fmax(st->max_abs0, err);
    }
    if (!agrees(y, r->y)) {
        printf("FAIL line %ld %s: got %.17g, COCO %.17g\n", line_no, p->base.id, y, r->y);
        st->failures++;
    }
}

/* Runs the data file; returns 0, or -1 when it cannot be read. */
static int check_file(const char *path, stats *st)
{
    FILE *in = fopen(path, "r");
    if (!in) {
        printf("FAIL cannot open %s\n", path);
        return -1;
    }
    static char line[MAX_LINE];
    static record r;
    pb__bb_problem *p = NULL;
    int cur_f = 0, cur_d = 0, cur_i = 0, skip = 0;
    long line_no = 0;
    while (fgets(line, sizeof line, in)) {
        line_no++;
        int rc = parse_record(line, &r);
        if (rc == 0)
            continue;
        if (rc < 0) {
            printf("FAIL line %ld: malformed\n", line_no);
            st->failures++;
            continue;
        }
        if (r.f != cur_f || r.d != cur_d || r.i != cur_i) { /* a new group */
            pb__problem_close(p ? &p->base : NULL);
            cur_f = r.f, cur_d = r.d, cur_i = r.i;
            p = open_problem(r.f, r.d, r.i, st);
            skip = p == NULL;
            if (p)
                check_optimum(p, &r, st);
        }
        if (!skip)
            check_value(p, &r, line_no, st);
    }
    pb__problem_close(p ? &p->base : NULL);
    fclose(in);
    return 0;
}

/* Expects family.open(id) to return want (0 valid, 1 not bbob, -1 rejected). */
static void check_id(const char *id, int want, stats *st)
{
    char err[512] = "";
    pb__problem *p = NULL;
    int rc = pb__family_bbob.open(&pb__family_bbob, id, &p, err, sizeof err);
    if (rc == 0)
        pb__problem_close(p);
    if (rc != want) {
        printf("FAIL id '%s': open returned %d, expected %d (%s)\n", id, rc, want, err);
        st->failures++;
    }
}

/* Id parsing: accepted and rejected forms, and 1- and 2-digit function numbers agreeing. */
static void check_ids(stats *st)
{
    static const char *const valid[] = {"bbob-f1-d2-i1", "bbob-f01-d10-i1", "bbob-f24-d40-i15",
                                        "bbob-f6-d44-i1000000", "bbob-f20-d1000-i3"};
    static const char *const rejected[] = {"bbob-f0-d2-i1", "bbob-f25-d2-i1", "bbob-f001-d2-i1",
                                           "bbob-f1-d1-i1", "bbob-f1-d2-i0", "bbob-f1-d2-i1000001",
                                           "bbob-f6-d45-i1", "bbob-f1-d2-i1x", "bbob-f1-d-2-i1",
                                           "bbob-f1d2-i1"};
    static const char *const foreign[] = {"bbob", "bbob-", "bbob-biobj-f01", "sphere-d2-i1"};
    for (size_t k = 0; k < sizeof valid / sizeof *valid; k++)
        check_id(valid[k], 0, st);
    for (size_t k = 0; k < sizeof rejected / sizeof *rejected; k++)
        check_id(rejected[k], -1, st);
    for (size_t k = 0; k < sizeof foreign / sizeof *foreign; k++)
        check_id(foreign[k], 1, st);

    char err[256] = "";
    pb__problem *a = NULL, *b = NULL;
    if (pb__problem_open("bbob-f7-d5-i3", &a, err, sizeof err) != 0 ||
        pb__problem_open("bbob-f07-d5-i3", &b, err, sizeof err) != 0 ||
        memcmp(((pb__bb_problem *)a)->x_opt, ((pb__bb_problem *)b)->x_opt, 5 * sizeof(double)) != 0) {
        printf("FAIL bbob-f7-d5-i3 and bbob-f07-d5-i3 differ\n");
        st->failures++;
    }
    pb__problem_close(a);
    pb__problem_close(b);
}

int main(int argc, char **argv)
{
    if (!usage_ok(argc, argv, 1, "tests/data/bbob_reference.txt"))
        return 2;
    stats st = {0};
    if (check_file(argv[1], &st) != 0)
        return 1;
    check_ids(&st);
    printf("test_bbob: %ld values and %ld optima checked, %ld failures; max relative error "
           "%.3g, max absolute error near 0 %.3g, max |x_opt - COCO| %.3g, "
           "max |f(x_opt) - f_opt| %.3g\n",
           st.values, st.optima, st.failures, st.max_rel, st.max_abs0, st.max_xopt,
           st.max_opt_gap);
    return st.failures == 0 && st.values > 0 ? 0 : 1;
}
