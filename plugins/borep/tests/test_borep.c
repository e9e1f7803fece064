/*
 * BO-REP's claims:
 *   test_borep BOREP.so                   core: its estimate (PB_BILEVEL_HYPERGRADIENT) at
 *       exact y*, z* equals the closed-form grad Phi to 1e-12 on bilevel-quadratic-i1 and
 *       bilevel-cosh-d10; the oracle count of 1, 4 and 7 steps is the refinement's
 *       T_1 (2^E - 1) plus 4 per step plus N every I-th step (t = 0, I, ...);
 *   test_borep --slow BOREP.so STOCBIO.so  the paper's claim against its baseline:
 *     - BO-REP on bilevel-quadratic-i1 (beta 0.9, nu 0.5, gamma 0.5, I 2, N 3, eta 0.002,
 *       1e4 steps, seeds 1-5): median |x - x*| / |x0 - x*| <= 0.05;
 *     - bilevel-cosh-d10 from x0 = 10, 1e4 / 3e4 steps: stocBiO (unnormalized hypergradient
 *       descent, defaults) ends nonfinite, BO-REP (the settings above) ends with
 *       |x - x*| <= 0.1 (seeds 1-5).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"

/* refinement: refine_steps (2^E - 1); per step 4, plus N every I-th (t = 0, I, ..) */
static uint64_t calls(const pb__plugin_file *pl, const pb_value *values, uint64_t steps)
{
    int64_t I = param(pl, values, "period").integer, N = param(pl, values, "n_lower").integer,
            E = param(pl, values, "refine_epochs").integer,
            T1 = param(pl, values, "refine_steps").integer;
    return (uint64_t)(T1 * ((1 << E) - 1)) + 4 * steps +
           (uint64_t)N * ((steps + (uint64_t)I - 1) / (uint64_t)I);
}

static void claims(const pb__plugin_file *pl, pb_value *values)
{
    check_hypergradients(pl, values);
    check_counts(pl, values, calls);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void test_slow(const pb__plugin_file *borep, const pb__plugin_file *stocbio)
{
    pb_value values[32];
    pb__params_defaults(borep->desc, values);
    const char *const fixed[][2] = {{"beta", "0.9"}, {"nu", "0.5"}, {"gamma", "0.5"},
                                    {"period", "2"}, {"n_lower", "3"}, {"eta", "0.002"}};
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0]; k++)
        set(borep, values, fixed[k][0], fixed[k][1]);
    pb__bil_problem *p = open_problem("bilevel-quadratic-i1");
    double d0 = dist(p->x0, p->x_opt, DX);
    pb__problem_close(&p->base);
    double ratio[5];
    for (int s = 0; s < 5; s++) {
        pb__outcome o = run(borep, values, "bilevel-quadratic-i1", (uint64_t)s + 1, 10000, 0);
        ratio[s] = o.status == PB__STATUS_OK ? o.metrics[2] / d0 : INFINITY;
        printf("# borep bilevel-quadratic-i1 seed %d: |x - x*| / |x0 - x*| = %.4f, %llu calls\n",
               s + 1, ratio[s], (unsigned long long)o.cost);
    }
    qsort(ratio, 5, sizeof ratio[0], cmp);
    CHECK(ratio[2] <= 0.05, "BO-REP on bilevel-quadratic-i1, 1e4 steps, seeds 1-5: median "
          "|x - x*| / |x0 - x*| = %.4f (|x0 - x*| = %.3f)", ratio[2], d0);

    pb_value sv[32];
    pb__params_defaults(stocbio->desc, sv);
    /* The same settings: eta 0.002, so 3e4 steps cover |x0 - x*| = 28.5. */
    int all_nonfinite = 1, all_close = 1;
    double worst = 0.0;
    for (int s = 0; s < 5; s++) {
        pb__outcome o = run(stocbio, sv, "bilevel-cosh-d10", (uint64_t)s + 1, 10000, 0);
        all_nonfinite = all_nonfinite && o.status == PB__STATUS_NONFINITE;
        o = run(borep, values, "bilevel-cosh-d10", (uint64_t)s + 1, 30000, 0);
        all_close = all_close && o.status == PB__STATUS_OK && o.metrics[2] <= 0.1;
        worst = fmax(worst, o.status == PB__STATUS_OK ? o.metrics[2] : INFINITY);
    }
    printf("# borep bilevel-cosh-d10, 3e4 steps, seeds 1-5: largest |x - x*| = %.4f\n", worst);
    CHECK(all_nonfinite, "stocBiO (unnormalized hypergradient descent) on bilevel-cosh-d10 from "
                         "x0 = 10: nonfinite on seeds 1-5");
    CHECK(all_close, "BO-REP (the issue's settings, 3e4 steps) on bilevel-cosh-d10: |x - x*| <= "
                     "0.1 on seeds 1-5 (worst %.4f)", worst);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--slow") != 0)
        return plugin_test_main(argc, argv, claims);
    pb__plugin_file borep, stocbio;
    if (argc != 4) {
        CHECK(0, "usage: %s --slow BOREP.so STOCBIO.so", argv[0]);
    } else if (load_plugin(argv[2], &borep) == 0) {
        if (load_plugin(argv[3], &stocbio) == 0) {
            test_slow(&borep, &stocbio);
            pb__plugin_unload(&stocbio);
        }
        pb__plugin_unload(&borep);
    }
    return check_summary("borep statistics");
}
