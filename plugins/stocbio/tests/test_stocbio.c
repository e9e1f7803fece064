/*
 * stocBiO's claims, `test_stocbio STOCBIO.so`:
 *   - with Q = 400 and eta_N = 1 (|I - A|^400 = 2^-400: the Neumann series is exact in
 *     double precision) its estimate (PB_BILEVEL_HYPERGRADIENT) equals the closed-form
 *     grad Phi to 1e-12 on bilevel-quadratic-i1 and bilevel-cosh-d10;
 *   - the Neumann series' error is at most |B| |I - eta_N A|^Q |z*| for eta_N 0.5 and 1,
 *     Q = 0..30;
 *   - the oracle count of N steps is N (K + Q + 3).
 * (Its divergence on bilevel-cosh-d10 is BO-REP's claim: plugins/borep/tests.)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"

/* The Neumann bound: |est_Q - grad Phi| <= |B| |I - eta A|^Q |z*| on bilevel-quadratic-i1,
 * one point x = N(0, I) from rng per (eta, Q). */
static void test_neumann_bound(const pb__plugin_file *pl, pb_rng *rng)
{
    hg_setting h;
    if (hg_open(&h, pl, "bilevel-quadratic-i1") != 0)
        return;
    const mats *m = h.m;
    pb_value values[32];
    pb__params_defaults(pl->desc, values);
    double normB = op_norm(m->B, DY, DX), IA[DY * DY];
    int ok = 1;
    double worst_ratio = 0.0;
    for (int e = 0; e < 2; e++) {
        double eta = e ? 1.0 : 0.5;
        for (uint32_t i = 0; i < DY * DY; i++)
            IA[i] = (i % (DY + 1) == 0 ? 1.0 : 0.0) - eta * m->A[i];
        double contraction = op_norm(IA, DY, DY);
        char buf[32];
        snprintf(buf, sizeof buf, "%.17g", eta);
        set(pl, values, "eta_n", buf);
        for (int Q = 0; Q <= 30; Q++) {
            snprintf(buf, sizeof buf, "%d", Q);
            set(pl, values, "q", buf);
            void *s2 = create_on(pl, h.p, values);
            double x[DX], y[DY], z[DY], g[DX], est[DX];
            for (uint32_t i = 0; i < DX; i++)
                x[i] = pb_rng_normal(rng);
            quad_closed(m, x, y, z, g);
            h.hg->estimate(s2, x, y, z, est);
            pl->desc->destroy(s2);
            double bound = normB * pow(contraction, Q) * norm(z, DY);
            double error = dist(est, g, DX);
            ok = ok && error <= bound * (1 + 1e-9) + 1e-13;
            worst_ratio = fmax(worst_ratio, error / bound);
        }
    }
    CHECK(ok, "Neumann series, eta_N 0.5 and 1, Q = 0..30: error <= |B| |I - eta_N A|^Q |z*| "
              "(largest error / bound %.3f)", worst_ratio);
    hg_close(&h);
}

/* per step: K grad_y g, grad_y f, Q hvp, grad_x f, cross */
static uint64_t calls(const pb__plugin_file *pl, const pb_value *values, uint64_t steps)
{
    return steps * (uint64_t)(param(pl, values, "inner_steps").integer +
                              param(pl, values, "q").integer + 3);
}

static void claims(const pb__plugin_file *pl, pb_value *values)
{
    pb_value exact[32];
    memcpy(exact, values, sizeof exact);
    set(pl, exact, "eta_n", "1");
    set(pl, exact, "q", "400");
    pb_rng rng;
    pb_rng_seed(&rng, 11, 0);
    check_hypergradient_quadratic(pl, exact, &rng);
    test_neumann_bound(pl, &rng);
    check_hypergradient_cosh(pl, exact, &rng);
    check_counts(pl, values, calls);
}

int main(int argc, char **argv)
{
    return plugin_test_main(argc, argv, claims);
}
