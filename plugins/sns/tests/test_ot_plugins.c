/*
 * The sinkhorn and sns plugins against each other: test_ot_plugins SINKHORN.so SNS.so
 * core|slow.
 *
 * core: the log-domain and scaling forms give the same plan (2-D clouds, n = 100,
 * eta = 200), and so do the absorbed log form and the one with a log-sum-exp every
 * iteration (tau = 0), and the scaling form's two dgemv and its fused pass; the float
 * kernel's plan is within the bounds of its rounding (test_scaling_passes); SNS stops by
 * itself at a marginal error of 1e-14 on random costs (n = 100, eta = 200) where primal
 * and dual objectives meet; the log domain (both variants) stays finite, with no row of
 * the plan underflowing to zero, at eta * max C = 1e4 and 1e5.
 * slow: on random costs at n = 100, eta = 200, log-domain Sinkhorn and SNS both run to a
 * marginal error of 1e-14 give the same plan within 1e-12 (L1), and so do the log-domain
 * and scaling forms; at n = 500, eta = 1200, SNS reaches an L1 marginal error below 1e-12
 * within 40 Newton iterations, and its plan agrees with that of unsparsified Newton
 * (density 1) to 1e-10.
 */
#include <string.h>

#include "check.h"
#include "ot_run.h"

static const char *sinkhorn_so, *sns_so;

/* Two runs of the same problem whose plans must agree within max_distance. */
static void compare(const char *id, const char *so1, const char *const *set1, int n1,
                    const char *so2, const char *const *set2, int n2, double max_error,
                    double max_distance, const char *what)
{
    ot_result a = ot_run(so1, id, set1, n1, 200000);
    ot_result b = ot_run(so2, id, set2, n2, 200000);
    CHECK(a.ok && b.ok, "%s: both run (%s%s)", what, a.error, b.error);
    if (a.ok && b.ok) {
        CHECK(a.metrics[0] <= max_error && b.metrics[0] <= max_error,
              "%s on %s: marginal errors %.3g (%llu steps) and %.3g (%llu steps), <= %.0e", what,
              id, a.metrics[0], (unsigned long long)a.steps, b.metrics[0],
              (unsigned long long)b.steps, max_error);
        double d = ot_plan_distance(id, a.fg, b.fg);
        CHECK(d <= max_distance, "%s: plans differ by %.3g in L1 (<= %.0e)", what, d, max_distance);
    }
    free(a.fg);
    free(b.fg);
}

static void test_core(void)
{
    const char *log_set[] = {"form=log", "tol=1e-13"}, *sc_set[] = {"form=scaling", "tol=1e-13"};
    compare("ot-cloud2d-n100-eta200-i1", sinkhorn_so, log_set, 2, sinkhorn_so, sc_set, 2, 2e-13,
            1e-11, "log vs scaling form");
    const char *lse_set[] = {"form=log", "tau=0", "tol=1e-13"};
    compare("ot-cloud2d-n100-eta200-i1", sinkhorn_so, log_set, 2, sinkhorn_so, lse_set, 3, 2e-13,
            1e-11, "log form absorbed (tau 50) vs an LSE every iteration (tau 0)");
    const char *id = "ot-random-n100-eta200-i1", *sns_set[] = {"tol=1e-14"};
    ot_result b = ot_run(sns_so, id, sns_set, 1, 10000);
    CHECK(b.ok && b.metrics[0] <= 1e-14 && b.steps < 10000,
          "sns on %s: done by itself after %llu steps at marginal error %.3g (<= 1e-14)", id,
          (unsigned long long)b.steps, b.metrics[0]);
    CHECK(b.ok && fabs(b.metrics[2] - b.metrics[3]) <= 1e-12,
          "at the optimum primal %.15g = dual %.15g", b.metrics[2], b.metrics[3]);
    free(b.fg);
}

/*
 * The scaling form's passes over E against each other. The fused pass (double) computes the
 * iterates of the two dgemv up to rounding. The float kernel stores E's entries rounded to
 * float, a relative error of at most 2^-24 each, so it solves the problem of a kernel
 * E (1 + d), |d| <= 2^-24: under the true kernel its plan's row and column sums are each
 * off by at most 2^-24 in L1, a marginal error of at most 2^-23 = 1.19e-7 beyond the
 * tolerance. How far its plan and cost move depends on the problem's conditioning; the
 * bounds here are 10x what was measured (plugins/sinkhorn/README.md). At eta = 400 the
 * float kernel needs its lift (ot_kernels.h): the row whose nearest point is farthest has
 * its largest entry of E at e^-75, so E itself in float would keep only e^-12 of its range
 * (unlifted, the run ends at a marginal error of 2).
 */
static void test_scaling_passes(void)
{
    static const struct {
        const char *id;
        double plan, cost; /* bounds on the float plan's L1 distance and relative cost change */
    } cases[] = {{"ot-cloud2d-n100-eta200-i1", 4e-7, 2e-7},
                 {"ot-random-n100-eta200-i1", 4e-7, 2e-7},
                 {"ot-cloud2d-n100-eta400-i1", 4e-7, 2e-7}};
    const char *dgemv_set[] = {"form=scaling", "tol=1e-13"},
               *fused_set[] = {"form=scaling-fused", "tol=1e-13"},
               *float_set[] = {"form=scaling-float", "tol=1e-13"},
               *log_set[] = {"form=log", "tol=1e-13"};
    compare(cases[0].id, sinkhorn_so, dgemv_set, 2, sinkhorn_so, fused_set, 2, 2e-13, 1e-11,
            "scaling form: two dgemv vs the fused pass");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const char *id = cases[k].id;
        /* The reference in double: the log domain (stable at every eta). */
        ot_result d = ot_run(sinkhorn_so, id, log_set, 2, 200000);
        ot_result f = ot_run(sinkhorn_so, id, float_set, 2, 200000);
        CHECK(d.ok && f.ok, "%s: both run (%s%s)", id, d.error, f.error);
        if (d.ok && f.ok) {
            double dist = ot_plan_distance(id, d.fg, f.fg);
            double rel_cost = fabs(f.metrics[1] - d.metrics[1]) / d.metrics[1];
            CHECK(d.metrics[0] <= 2e-13 && f.metrics[0] <= 0x1p-23 + 1e-13,
                  "%s: float kernel marginal error %.3g after %llu steps (double %.3g), "
                  "<= 2^-23 + 1e-13", id, f.metrics[0], (unsigned long long)f.steps,
                  d.metrics[0]);
            CHECK(dist <= cases[k].plan && rel_cost <= cases[k].cost,
                  "%s: float kernel plan %.3g from the double one in L1 (<= %.0e), cost "
                  "%.17g vs %.17g, relative %.3g (<= %.0e)", id, dist, cases[k].plan,
                  f.metrics[1], d.metrics[1], rel_cost, cases[k].cost);
        }
        free(d.fg);
        free(f.fg);
    }
}

static void test_slow_n100(void)
{
    const char *id = "ot-random-n100-eta200-i1";
    const char *log_set[] = {"form=log", "tol=1e-15"}, *sc_set[] = {"form=scaling", "tol=1e-15"};
    const char *sns_set[] = {"tol=1e-14"};
    compare(id, sinkhorn_so, log_set, 2, sns_so, sns_set, 1, 1e-14, 1e-12, "sinkhorn vs sns");
    compare(id, sinkhorn_so, log_set, 2, sinkhorn_so, sc_set, 2, 1e-14, 1e-12, "log vs scaling form");
}

/* Large eta: the log domain stays finite and no plan row underflows to zero. */
static void test_log_domain_stable(void)
{
    static const char *const ids[] = {"ot-random-n100-eta10000-i1", "ot-random-n100-eta100000-i2",
                                      "ot-grid1d-n200-l2-eta10000-i1"};
    for (int k = 0; k < 6; k++) {
        const char *set[] = {k < 3 ? "tau=50" : "tau=0"};
        ot_result a = ot_run(sinkhorn_so, ids[k % 3], set, 1, 300);
        int rows_ok = a.ok;
        pb__problem *base;
        char err[256] = "";
        if (a.ok && pb__problem_open(ids[k % 3], &base, err, sizeof err) == 0) {
            const pb__ot_problem *p = (const pb__ot_problem *)base;
            for (uint32_t i = 0; i < p->n; i++) {
                double row = 0;
                for (uint32_t j = 0; j < p->m; j++)
                    row += exp(p->eta * (a.fg[i] + a.fg[p->n + j] - p->cost[(size_t)i * p->m + j]));
                rows_ok &= row > 0 && isfinite(row);
            }
            pb__problem_close(base);
        }
        CHECK(a.ok && isfinite(a.metrics[0]) && a.metrics[0] < 2 && rows_ok,
              "%s, %s: 300 log-domain iterations, potentials finite, no row of the plan zero, "
              "marginal error %.3g", ids[k % 3], set[0], a.metrics[0]);
        free(a.fg);
    }
}

static void test_sns_n500(void)
{
    const char *id = "ot-random-n500-eta1200-i1";
    const char *set[] = {"tol=1e-12", "n1=100"};
    const char *exact[] = {"tol=1e-13", "n1=100", "density=1", "cg_tol=1e-12"};
    ot_result a = ot_run(sns_so, id, set, 2, 10000);
    CHECK(a.ok, "sns runs on %s (%s)", id, a.error);
    if (!a.ok)
        return;
    uint64_t newton = a.steps > 100 ? a.steps - 100 : 0; /* n1 = 100 warm-up steps */
    CHECK(a.metrics[0] < 1e-12 && newton <= 40,
          "sns: marginal error %.3g after 100 Sinkhorn + %llu Newton iterations (< 1e-12 within 40)",
          a.metrics[0], (unsigned long long)newton);
    ot_result b = ot_run(sns_so, id, exact, 4, 10000);
    CHECK(b.ok && b.metrics[0] < 1e-12, "unsparsified Newton: marginal error %.3g after %llu steps",
          b.metrics[0], (unsigned long long)b.steps);
    if (b.ok) {
        double d = ot_plan_distance(id, a.fg, b.fg);
        CHECK(d <= 1e-10, "sns and unsparsified-Newton plans differ by %.3g in L1 (<= 1e-10)", d);
    }
    free(a.fg);
    free(b.fg);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_ot_plugins SINKHORN.so SNS.so core|slow\n");
        return 2;
    }
    sinkhorn_so = argv[1];
    sns_so = argv[2];
    if (strcmp(argv[3], "core") == 0) {
        test_core();
        test_scaling_passes();
        test_log_domain_stable();
    } else {
        test_slow_n100();
        test_sns_n500();
    }
    return check_summary("transport plugins");
}
