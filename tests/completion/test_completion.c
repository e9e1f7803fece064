/*
 * The completion kind (plugbench/completion.h) and its plugins:
 *   - the oracles against dense computations on a small problem, their exact costs in
 *     multiply-adds, and NaN without counting past the budget;
 *   - the host's measurement: 0 at M's own factors, 1 at zero;
 *   - altmin's update equals a dense least-squares solve (Householder QR, LAPACK dgels) of
 *     every row to 1e-10;
 *   - on the default problem (1000 x 1000, rank 5, 5% observed) altmin and altmin-robust
 *     reach a relative error below 1e-6, and altmin-robust needs at most ROBUST_FACTOR times
 *     altmin's multiply-adds to get there (each step checked, not only at checkpoints);
 *   - altmin-robust's undo: on mc-m200-n200-k3-p15-i1 seed 7, where preconditioned steps
 *     raise the residual (and, kept, stalled at rel_error 1), the run ends ok;
 *   - with `large` (the slow suite): on mc-m1000-n1000-k20-p20-i1, where exact normal
 *     equations cost 230 madds per entry and a gradient 40, altmin-robust needs at most 0.6
 *     times altmin's multiply-adds to reach 1e-6.
 * Usage: test_completion ALTMIN.so ALTMIN-ROBUST.so [large]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "mc_steps.h"

/* LAPACK's least squares by QR, as OpenBLAS exports it (column-major). */
extern void dgels_(const char *trans, const int *m, const int *n, const int *nrhs, double *a,
                   const int *lda, double *b, const int *ldb, double *work, const int *lwork,
                   int *info);

/* altmin-robust's multiply-adds to 1e-6 over altmin's, at most, on the default problem
 * (measured 0.70: at rank 5 exact normal equations cost 20 madds per entry, a gradient 10,
 * and three of every four updates are one preconditioned gradient step). */
#define ROBUST_FACTOR 0.8

/* The dense m x n matrix of observed values, NAN off Omega, from the row view. */
static double *dense_observed(const pb__mc_problem *p)
{
    double *d = malloc((size_t)p->m * p->n * sizeof(double));
    for (size_t e = 0; e < (size_t)p->m * p->n; e++)
        d[e] = NAN;
    for (uint32_t i = 0; i < p->m; i++)
        for (uint64_t e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++)
            d[(size_t)i * p->n + p->col_idx[e]] = p->row_val[e];
    return d;
}

static void fill(double *x, size_t n, pb_rng *rng)
{
    for (size_t e = 0; e < n; e++)
        x[e] = pb_rng_normal(rng);
}

static void check_oracles(void)
{
    pb__mc_problem *p = open_problem("mc-m40-n30-k3-p30-noise0.1-i1");
    if (!p)
        return;
    const pb_completion *c = p->base.handle.oracle;
    const uint32_t m = p->m, n = p->n, k = p->k, b = 2;
    const uint64_t nnz = c->n_observed;
    double *obs = dense_observed(p);
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    double *U = malloc(m * k * sizeof(double)), *V = malloc(n * k * sizeof(double));
    double *X = malloc((m > n ? m : n) * b * sizeof(double));
    double *out = malloc((m > n ? m : n) * b * sizeof(double));
    double *ref = calloc((m > n ? m : n) * b, sizeof(double));
    double *gram = malloc((m > n ? m : n) * k * k * sizeof(double));
    double *rhs = malloc((m > n ? m : n) * k * sizeof(double));
    double *gref = calloc((m > n ? m : n) * k * k, sizeof(double));
    double *rref = calloc((m > n ? m : n) * k, sizeof(double));
    fill(U, m * k, &rng);
    fill(V, n * k, &rng);
    uint32_t seen = 0;
    for (uint32_t i = 0; i < m; i++)
        seen += c->row_count[i];
    CHECK(seen == nnz && nnz > 0, "row counts sum to |Omega| = %llu", (unsigned long long)nnz);

    /* residual_product, side ROWS: R X with R = P_Omega(U V^T - M_obs), against dense. */
    fill(X, n * b, &rng);
    double r2 = 0;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++) {
            double o = obs[(size_t)i * n + j];
            if (isnan(o))
                continue;
            double r = -o;
            for (uint32_t a = 0; a < k; a++)
                r += U[i * k + a] * V[j * k + a];
            r2 += r * r;
            for (uint32_t q = 0; q < b; q++)
                ref[i * b + q] += r * X[j * b + q];
        }
    uint64_t before = p->base.cost;
    double got = c->residual_product(c, PB_COMPLETION_ROWS, U, V, b, X, out);
    CHECK(max_diff(out, ref, m * b) < 1e-12 && fabs(got - r2) < 1e-10 * r2,
          "residual_product rows = dense R X (diff %.2e), returns ||R||^2",
          max_diff(out, ref, m * b));
    CHECK(p->base.cost - before == nnz * (k + b), "it costs |Omega| (k + b) = %llu madds",
          (unsigned long long)(nnz * (k + b)));

    /* Side COLS with no factors: -P_Omega(M)^T X, costing |Omega| b. */
    fill(X, m * b, &rng);
    memset(ref, 0, n * b * sizeof(double));
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++)
            if (!isnan(obs[(size_t)i * n + j]))
                for (uint32_t q = 0; q < b; q++)
                    ref[j * b + q] -= obs[(size_t)i * n + j] * X[i * b + q];
    before = p->base.cost;
    c->residual_product(c, PB_COMPLETION_COLS, NULL, V, b, X, out);
    CHECK(max_diff(out, ref, n * b) < 1e-12 && p->base.cost - before == nnz * b,
          "residual_product cols without U = -P_Omega(M)^T X, |Omega| b madds");

    /* normal_equations, side COLS: per column the Gram of the observed rows of U. */
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++) {
            double o = obs[(size_t)i * n + j];
            if (isnan(o))
                continue;
            for (uint32_t a = 0; a < k; a++) {
                for (uint32_t d = 0; d < k; d++)
                    gref[(j * k + a) * k + d] += U[i * k + a] * U[i * k + d];
                rref[j * k + a] += o * U[i * k + a];
            }
        }
    before = p->base.cost;
    c->normal_equations(c, PB_COMPLETION_COLS, U, gram, rhs);
    CHECK(max_diff(gram, gref, n * k * k) < 1e-12 && max_diff(rhs, rref, n * k) < 1e-12,
          "normal_equations cols = dense Gram matrices and right-hand sides");
    CHECK(p->base.cost - before == nnz * (k * (k + 1) / 2 + k),
          "it costs |Omega| (k (k + 1) / 2 + k) = %llu madds",
          (unsigned long long)(nnz * (k * (k + 1) / 2 + k)));

    /* Past the budget: NaN, nothing counted, outputs untouched. */
    p->base.cost_limit = p->base.cost + nnz * (k + b) - 1;
    before = p->base.cost;
    memcpy(ref, out, n * b * sizeof(double));
    double refused = c->residual_product(c, PB_COMPLETION_COLS, U, V, b, X, out);
    double refused2 = c->normal_equations(c, PB_COMPLETION_ROWS, V, gram, rhs);
    CHECK(isnan(refused) && isnan(refused2) && p->base.cost == before && p->base.exhausted &&
              memcmp(ref, out, n * b * sizeof(double)) == 0,
          "past the budget both oracles return NaN, count nothing, write nothing");
    p->base.cost_limit = UINT64_MAX;
    CHECK(isnan(c->residual_product(c, 2, U, V, b, X, out)) &&
              isnan(c->residual_product(c, PB_COMPLETION_ROWS, U, V, 0, X, out)) &&
              isnan(c->normal_equations(c, 7, U, gram, rhs)),
          "an unknown side or b = 0 is refused with NaN");

    /* The measurement: 0 at M's own factors, 1 at zero. */
    double *uv = calloc((size_t)(m + n) * k, sizeof(double)), metrics[PB__MC_N_METRICS];
    pb__mc_measure(p, uv, metrics);
    CHECK(fabs(metrics[PB__MC_REL_ERROR] - 1) < 1e-15 &&
              fabs(metrics[PB__MC_OBSERVED_ERROR] - 1) < 1e-15,
          "U = V = 0: both errors are 1");
    memcpy(uv, p->mu, m * k * sizeof(double));
    memcpy(uv + m * k, p->mv, n * k * sizeof(double));
    pb__mc_measure(p, uv, metrics);
    CHECK(metrics[PB__MC_REL_ERROR] < 1e-15 && metrics[PB__MC_OBSERVED_ERROR] > 0.01,
          "M's factors: rel_error %.1e, observed error %.3f (the noise)",
          metrics[PB__MC_REL_ERROR], metrics[PB__MC_OBSERVED_ERROR]);
    free(uv);
    free(obs);
    free(U);
    free(V);
    free(X);
    free(out);
    free(ref);
    free(gram);
    free(rhs);
    free(gref);
    free(rref);
    pb__problem_close(&p->base);
}

/* After one altmin step, U's every row is the least-squares fit of its observed values on
 * V's observed rows: against dgels on the dense system. */
static void check_exact_update(const pb__plugin_file *pl)
{
    pb__mc_problem *p = open_problem("mc-m60-n50-k4-p30-noise0.01-i2");
    if (!p)
        return;
    const uint32_t m = p->m, n = p->n, k = p->k;
    pb_value values[8];
    pb_context ctx;
    char err[512] = "";
    void *state = create_state(pl, p, values, &ctx, 1, err, sizeof err);
    double *uv = malloc((size_t)(m + n) * k * sizeof(double));
    if (state && pl->desc->step(state) == PB_CONTINUE && pl->desc->solution(state, uv) == 0) {
        const double *U = uv, *V = uv + m * k;
        double worst = 0, *a = malloc((size_t)n * k * sizeof(double)), *y = malloc(n * sizeof(double));
        double work[4096];
        for (uint32_t i = 0; i < m; i++) {
            int rows = 0;
            for (uint64_t e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++, rows++)
                y[rows] = p->row_val[e];
            for (int c = 0; c < (int)k; c++) /* column-major A: A[r + c rows] */
                for (int r = 0; r < rows; r++)
                    a[r + c * rows] = V[(size_t)p->col_idx[p->row_ptr[i] + r] * k + c];
            int kk = (int)k, one = 1, lwork = 4096, info = 0;
            dgels_("N", &rows, &kk, &one, a, &rows, y, &rows, work, &lwork, &info);
            double norm = 0;
            for (uint32_t c = 0; c < k; c++)
                norm = fmax(norm, fabs(y[c]));
            worst = fmax(worst, info == 0 ? max_diff(y, U + (size_t)i * k, k) / norm : INFINITY);
        }
        CHECK(worst < 1e-10, "altmin's U = dense least squares (dgels) row by row: relative "
                             "difference %.2e", worst);
        free(a);
        free(y);
    } else {
        CHECK(0, "altmin steps once: %s", err);
    }
    free(uv);
    if (state)
        pl->desc->destroy(state);
    pb__problem_close(&p->base);
}

static void check_convergence(const pb__plugin_file *exact, const pb__plugin_file *robust,
                              const char *id, double factor)
{
    double e1, e2, seconds;
    uint64_t c1 = madds_to(exact, id, 1, 1e-6, 400, &e1, &seconds);
    uint64_t c2 = madds_to(robust, id, 1, 1e-6, 400, &e2, &seconds);
    CHECK(c1 > 0, "%s: altmin reaches rel_error %.2e < 1e-6 after %.4g madds", id, e1,
          (double)c1);
    CHECK(c2 > 0, "%s: altmin-robust reaches rel_error %.2e < 1e-6 after %.4g madds", id, e2,
          (double)c2);
    CHECK(c1 > 0 && c2 > 0 && c2 <= factor * c1,
          "%s: altmin-robust's madds are %.2f times altmin's (at most %.2f)", id,
          c1 ? (double)c2 / c1 : 0, factor);
}

/* Seed 7 of the gate's completion problem: steps that raised the residual and, without the
 * undo and rebuild, stalled at rel_error 1.0. */
static void check_undo(const pb__plugin_file *robust)
{
    pb_value values[8];
    pb__params_defaults(robust->desc, values);
    pb__outcome out = run(robust, values, "mc-m200-n200-k3-p15-i1", 7, 0, 5000000);
    CHECK(out.status == PB__STATUS_OK && out.metrics[PB__MC_REL_ERROR] < 0.01,
          "altmin-robust on mc-m200-n200-k3-p15-i1 seed 7: status %d, rel_error %.2e (< 0.01)",
          out.status, out.metrics[PB__MC_REL_ERROR]);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s ALTMIN.so ALTMIN-ROBUST.so [large]\n", argv[0]);
        return 2;
    }
    pb__plugin_file exact, robust;
    if (load_plugin(argv[1], &exact) != 0 || load_plugin(argv[2], &robust) != 0)
        return check_summary("completion");
    if (argc > 3 && strcmp(argv[3], "large") == 0) {
        check_convergence(&exact, &robust, "mc-m1000-n1000-k20-p20-i1", 0.6);
    } else {
        check_oracles();
        check_exact_update(&exact);
        check_undo(&robust);
        check_convergence(&exact, &robust, "mc-m1000-n1000-k5-p5-i1", ROBUST_FACTOR);
    }
    pb__plugin_unload(&exact);
    pb__plugin_unload(&robust);
    return check_summary("completion");
}
