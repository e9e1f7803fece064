/*
 * The transport kind's host side: the measurement against values computed by hand on a
 * 2 x 2 problem, non-finite potentials, underflowing plan entries, and the problem
 * families (ids, normalization, determinism, malformed ids).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ot_problem.h"

#define CLOSE(x, y) (fabs((x) - (double)(y)) <= 1e-14 * (1 + fabs((double)(y))))

/* C = [[0, ln 2], [ln 2, 0]], r = c = (1/2, 1/2). */
static pb__ot_problem *two_by_two(double eta)
{
    pb__ot_problem *p = pb__ot_problem_new(2, 2, eta);
    double cost[4] = {0, log(2), log(2), 0};
    memcpy(p->cost, cost, sizeof cost);
    p->r[0] = p->r[1] = p->c[0] = p->c[1] = 0.5;
    return p;
}

static void test_hand_values(void)
{
    double m[PB__OT_N_METRICS];
    /* eta = 1, f = g = (ln(1/3)/2, ln(1/3)/2): P = [[1/3, 1/6], [1/6, 1/3]], feasible.
     * <C,P> = ln2/3; F = ln2/3 + sum P (log P - 1) = -ln3 - 1; D = -ln3 - 1. */
    pb__ot_problem *p = two_by_two(1.0);
    double h = 0.5 * log(1.0 / 3.0), fg[4] = {h, h, h, h};
    CHECK(pb__ot_measure(p, fg, m) == 0, "optimal 2x2 potentials measure as finite");
    CHECK(m[PB__OT_MARGINAL_ERROR] < 1e-15, "marginal error %.3g (0 by hand)", m[0]);
    CHECK(CLOSE(m[PB__OT_TRANSPORT_COST], log(2) / 3), "transport cost %.17g = ln2/3", m[1]);
    CHECK(CLOSE(m[PB__OT_PRIMAL], -log(3) - 1), "primal %.17g = -ln3 - 1", m[2]);
    CHECK(CLOSE(m[PB__OT_DUAL], -log(3) - 1), "dual %.17g = -ln3 - 1", m[3]);
    CHECK(isnan(m[PB__OT_PLAN_DISTANCE]), "plan distance unknown (NaN) without a reference");
    /* f = g = 0: P = [[1, 1/2], [1/2, 1]], sums 3/2: error 4 * 1 = 4; <C,P> = ln2;
     * F = ln2 + 2(0 - 1) + 2 (1/2)(-ln2 - 1) = -3; D = 0 - 3 = -3. */
    double zero[4] = {0};
    pb__ot_measure(p, zero, m);
    CHECK(CLOSE(m[0], 4) && CLOSE(m[1], log(2)) && CLOSE(m[2], -3) && CLOSE(m[3], -3),
          "f = g = 0, eta 1: error %.17g (4), cost %.17g (ln2), primal %.17g (-3), dual %.17g (-3)",
          m[0], m[1], m[2], m[3]);
    /* A reference plan: the distance of [[1, 1/2], [1/2, 1]] to [[1/3, 1/6], [1/6, 1/3]]
     * is 2 (2/3) + 2 (1/3) = 2. */
    double ref[4] = {1.0 / 3, 1.0 / 6, 1.0 / 6, 1.0 / 3};
    p->reference = malloc(sizeof ref);
    memcpy(p->reference, ref, sizeof ref);
    pb__ot_measure(p, zero, m);
    CHECK(CLOSE(m[PB__OT_PLAN_DISTANCE], 2), "plan distance %.17g (2 by hand)", m[4]);
    /* Overflow: eta (f + g - C) = 1000 gives an infinite plan entry: not finite. */
    double big[4] = {1000, 0, 0, 0};
    CHECK(pb__ot_measure(p, big, m) == 1, "potentials with exp overflow are not finite");
    double nan_fg[4] = {NAN, 0, 0, 0};
    CHECK(pb__ot_measure(p, nan_fg, m) == 1, "NaN potentials are not finite");
    pb__problem_close(&p->base);
    /* eta = 2, f = g = 0: P = exp(-2C) = [[1, 1/4], [1/4, 1]]: error 4 (3/4) = 3;
     * <C,P> = ln2/2; F = ln2/2 + (1/2)(2(-1) + 2(1/4)(-2ln2 - 1)) = -1.25; D = -2.5/2. */
    p = two_by_two(2.0);
    pb__ot_measure(p, zero, m);
    CHECK(CLOSE(m[0], 3) && CLOSE(m[1], log(2) / 2) && CLOSE(m[2], -1.25) && CLOSE(m[3], -1.25),
          "f = g = 0, eta 2: error %.17g (3), cost %.17g (ln2/2), primal %.17g, dual %.17g (-1.25)",
          m[0], m[1], m[2], m[3]);
    pb__problem_close(&p->base);
}

/*
 * The measurement takes a plan entry as +0 without calling exp where eta (f + g - C) is
 * below -746: libm's exp must return +0 there, as it does from -745.134 down (e^-746 is
 * 0.41 of the smallest subnormal). Checked on the 2^20 doubles below -746 and a sweep down
 * to -1100; and a 2 x 2 plan whose off-diagonal entries are 0 that way measures as by hand.
 */
static void test_underflow(void)
{
    long nonzero = 0;
    volatile double x = -746.0;
    for (long i = 0; i < 1L << 20; i++, x = nextafter(x, -INFINITY))
        nonzero += exp(x) != 0.0 || signbit(exp(x));
    for (x = -746.0; x > -1100.0; x -= 0.000173)
        nonzero += exp(x) != 0.0 || signbit(exp(x));
    CHECK(nonzero == 0, "exp(x) is +0 below -746 (%ld exceptions)", nonzero);
    CHECK(exp(-745.0) > 0.0, "exp(-745) is not 0 (the cut is below libm's)");
    /* eta = 1000, C = [[0, 1], [1, 0]], f = g = 0: P = [[1, e^-1000], [e^-1000, 1]] = I;
     * row sums 1 against 1/2: error 4 (1/2) = 2; <C,P> = 0; F = (1/1000)(2 (0 - 1)) = -0.002;
     * D = 0 - 2/1000. */
    pb__ot_problem *p = pb__ot_problem_new(2, 2, 1000.0);
    double cost[4] = {0, 1, 1, 0}, zero[4] = {0}, m[PB__OT_N_METRICS];
    memcpy(p->cost, cost, sizeof cost);
    p->r[0] = p->r[1] = p->c[0] = p->c[1] = 0.5;
    CHECK(pb__ot_measure(p, zero, m) == 0, "an underflowing plan measures as finite");
    CHECK(CLOSE(m[0], 2) && m[1] == 0.0 && CLOSE(m[2], -0.002) && CLOSE(m[3], -0.002),
          "eta 1000: error %.17g (2), cost %.17g (0), primal %.17g, dual %.17g (-0.002)", m[0],
          m[1], m[2], m[3]);
    pb__problem_close(&p->base);
}

static void test_families(void)
{
    static const char *const ids[] = {"ot-random-n100-eta200-i1",   "ot-cloud2d-n64-eta500-i2",
                                      "ot-grid1d-n50-l1-eta1000-i1", "ot-grid1d-n50-l2-eta1e3-i3",
                                      "ot-grid2d-n49-l2-eta300-i1",  "ot-digits-p0-s8-l1-eta100",
                                      "ot-digits-p178-s12-l2-eta500"};
    for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++) {
        pb__problem *base, *again;
        char err[256] = "";
        int rc = pb__problem_open(ids[k], &base, err, sizeof err);
        CHECK(rc == 0, "%s opens (%s)", ids[k], rc ? err : "ok");
        if (rc)
            continue;
        const pb__ot_problem *p = (const pb__ot_problem *)base;
        double rs = 0, cs = 0, cmax = 0, cmin = INFINITY, wmin = INFINITY;
        for (uint32_t i = 0; i < p->n; i++)
            rs += p->r[i], wmin = fmin(wmin, p->r[i]);
        for (uint32_t j = 0; j < p->m; j++)
            cs += p->c[j], wmin = fmin(wmin, p->c[j]);
        for (size_t q = 0; q < (size_t)p->n * p->m; q++)
            cmax = fmax(cmax, p->cost[q]), cmin = fmin(cmin, p->cost[q]);
        CHECK(fabs(rs - 1) < 1e-14 && fabs(cs - 1) < 1e-14 && wmin > 0 && cmax == 1 && cmin >= 0 &&
                  p->oracle.cost_max == 1 && base->handle.solution_length == p->n + p->m,
              "%s: n %u, marginals sum to 1 and are positive, max C = 1", ids[k], p->n);
        pb__problem_open(ids[k], &again, err, sizeof err);
        const pb__ot_problem *q = (const pb__ot_problem *)again;
        CHECK(memcmp(p->cost, q->cost, (size_t)p->n * p->m * sizeof(double)) == 0 &&
                  memcmp(p->r, q->r, p->n * sizeof(double)) == 0,
              "%s: the same id gives the same problem", ids[k]);
        pb__problem_close(again);
        pb__problem_close(base);
    }
    static const char *const bad[] = {"ot-random-n1-eta200-i1", "ot-random-n100-eta0-i1",
                                      "ot-random-n100-eta200", "ot-grid2d-n50-l2-eta300-i1",
                                      "ot-grid1d-n50-l3-eta300-i1", "ot-digits-p179-s8-l1-eta100",
                                      "ot-digits-p1-s65-l1-eta100", "ot-random-n6000-eta1-i1"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        pb__problem *base;
        char err[256] = "";
        CHECK(pb__problem_open(bad[k], &base, err, sizeof err) != 0 && err[0],
              "%s is refused: %s", bad[k], err);
    }
}

int main(void)
{
    test_hand_values();
    test_underflow();
    test_families();
    return check_summary("transport measure");
}
