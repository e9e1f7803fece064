/*
 * The saddle kind against independent computations:
 * - F_m against central differences of f_m written out here, and F's solution z* by its
 *   residual (F is mu-strongly monotone: |z - z*| <= |F(z)| / mu);
 * - the gap: 0 at z*, at least f(x, y') - f(x', y) for any x', y', and equal to it at the
 *   best responses found by gradient steps here;
 * - L against a long power iteration through the operator (J_m v = F_m(z + v) - F_m(z));
 * - the bits of each message form, by hand; malformed messages; a send beyond the budget;
 *   an operator call from solution();
 * - one step of each plugin: the bits and operator calls by hand;
 * - every plugin reaches |z - z*|^2 <= 1e-8 on the bilinear problem, MASHA1 and MASHA2 with
 *   fewer bits than extragradient (the paper's headline).
 * argv: the extragradient, masha1 and masha2 modules.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/rng.h"
#include "plugin_run.h"
#include "saddle/sad_problem.h"

#define BILINEAR "saddle-bilinear-d100-m10-i2"

static double dot(const double *u, const double *v, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += u[i] * v[i];
    return s;
}

/* f_m(x, y) (m < M) or the mean f (m == M), from the problem's data, written out apart. */
static double f_value(const pb__sad_problem *p, uint32_t m, const double *z)
{
    uint32_t dx = p->dx, dy = p->dy, M = p->workers;
    double total = 0.0;
    for (uint32_t w = (m == M ? 0 : m); w < (m == M ? M : m + 1); w++) {
        const double *A = p->A + (size_t)w * dx * dy, *x = z, *y = z + dx;
        double s = 0.0;
        for (uint32_t i = 0; i < dx; i++) {
            s += 0.5 * p->bdiag[(size_t)w * dx + i] * x[i] * x[i] + p->a[(size_t)w * dx + i] * x[i];
            for (uint32_t j = 0; j < dy; j++)
                s += x[i] * A[(size_t)i * dy + j] * y[j];
        }
        for (uint32_t j = 0; j < dy; j++)
            s += -0.5 * p->cdiag[(size_t)w * dy + j] * y[j] * y[j] + p->b[(size_t)w * dy + j] * y[j];
        total += s;
    }
    return m == M ? total / M : total;
}

static void check_operator(const char *id)
{
    pb__sad_problem *p = open_problem(id);
    if (!p)
        return;
    uint32_t D = p->dim, dx = p->dx;
    double *z = malloc(D * sizeof *z), *F = malloc(D * sizeof *F);
    pb_rng rng;
    pb_rng_seed(&rng, 7, 0);
    for (uint32_t i = 0; i < D; i++)
        z[i] = pb_rng_normal(&rng);
    /* F_m = (grad_x f_m, -grad_y f_m) by central differences (f_m is quadratic: exact up to
     * rounding) */
    double worst = 0.0, h = 1e-3;
    for (uint32_t m = 0; m < p->workers; m += 3) {
        pb__sad_operator(p, m, z, F);
        for (uint32_t i = 0; i < D; i += 7) {
            double zi = z[i];
            z[i] = zi + h;
            double up = f_value(p, m, z);
            z[i] = zi - h;
            double down = f_value(p, m, z);
            z[i] = zi;
            double g = (up - down) / (2 * h) * (i < dx ? 1.0 : -1.0);
            worst = fmax(worst, fabs(g - F[i]) / (1.0 + fabs(g)));
        }
    }
    CHECK(worst < 1e-7, "%s: F_m matches central differences of f_m (worst %.2g)", id, worst);
    /* z*: the mean operator vanishes there */
    pb__sad_operator(p, p->workers, p->z_opt, F);
    double res = sqrt(dot(F, F, D)), bound = res / p->oracle.mu;
    CHECK(bound < 1e-10, "%s: |F(z*)| / mu = %.2g bounds |z* - solution|", id, bound);
    /* the gap: 0 at z*, positive elsewhere, at least any f(x, y') - f(x', y) */
    double g_opt, g;
    double metrics[2];
    p->base.ops->measure(&p->base, p->z_opt, metrics);
    g_opt = metrics[1];
    CHECK(metrics[0] == 0.0 && fabs(g_opt) < 1e-9, "%s: dist_sq 0 and gap %.2g at z*", id, g_opt);
    p->base.ops->measure(&p->base, z, metrics);
    g = metrics[1];
    double d2 = 0.0;
    for (uint32_t i = 0; i < D; i++)
        d2 += (z[i] - p->z_opt[i]) * (z[i] - p->z_opt[i]);
    CHECK(metrics[0] == d2, "%s: dist_sq is |z - z*|^2", id);
    /* best responses by gradient steps on the strongly concave f(x, .) and convex f(., y) */
    double *zy = malloc(D * sizeof *zy), *zx = malloc(D * sizeof *zx);
    memcpy(zy, z, D * sizeof *z);
    memcpy(zx, z, D * sizeof *z);
    double step = 1.0 / (p->oracle.lipschitz + 1.0);
    for (int it = 0; it < 20000; it++) {
        pb__sad_operator(p, p->workers, zy, F); /* -grad_y f in the y block: ascend */
        for (uint32_t j = dx; j < D; j++)
            zy[j] -= step * F[j];
        pb__sad_operator(p, p->workers, zx, F);
        for (uint32_t i = 0; i < dx; i++)
            zx[i] -= step * F[i];
    }
    double brute = f_value(p, p->workers, zy) - f_value(p, p->workers, zx);
    CHECK(g > 0 && fabs(g - brute) <= 1e-8 * (1.0 + g),
          "%s: the gap %.10g equals f(x, y^) - f(x^, y) = %.10g at best responses", id, g, brute);
    int below = 1;
    for (int t = 0; t < 20; t++) {
        for (uint32_t i = 0; i < D; i++) {
            zy[i] = (i < dx ? z[i] : z[i] + pb_rng_normal(&rng));
            zx[i] = (i < dx ? z[i] + pb_rng_normal(&rng) : z[i]);
        }
        below &= f_value(p, p->workers, zy) - f_value(p, p->workers, zx) <= g + 1e-9;
    }
    CHECK(below, "%s: f(x, y') - f(x', y) <= gap for 20 random x', y'", id);
    /* L: the host's estimate against 3000 power iterations through F_m */
    double L = 0.0;
    double *v = malloc(D * sizeof *v), *Jv = malloc(D * sizeof *Jv), *F0 = malloc(D * sizeof *F0);
    memset(zx, 0, D * sizeof *zx);
    for (uint32_t m = 0; m < p->workers; m++) {
        pb__sad_operator(p, m, zx, F0);
        for (uint32_t i = 0; i < D; i++)
            v[i] = pb_rng_normal(&rng);
        double sigma = 0.0;
        for (int it = 0; it < 3000; it++) {
            double n = sqrt(dot(v, v, D));
            for (uint32_t i = 0; i < D; i++)
                v[i] /= n;
            pb__sad_operator(p, m, v, Jv); /* J v = F_m(v) - F_m(0) */
            for (uint32_t i = 0; i < D; i++)
                Jv[i] -= F0[i];
            sigma = sqrt(dot(Jv, Jv, D));
            /* v = J^T J v, J^T = S J S for S = diag(I, -I) (J = [[B, A], [-A^T, C]]) */
            for (uint32_t i = 0; i < D; i++)
                zy[i] = i < dx ? Jv[i] : -Jv[i];
            pb__sad_operator(p, m, zy, v);
            for (uint32_t i = 0; i < D; i++)
                v[i] = (v[i] - F0[i]) * (i < dx ? 1.0 : -1.0);
        }
        L = fmax(L, sigma);
    }
    double ratio = p->oracle.lipschitz / L;
    CHECK(ratio > 0.99 && ratio < 1.0 + 1e-9, "%s: the host's L %.6g is within 1%% below %.6g",
          id, p->oracle.lipschitz, L);
    free(v);
    free(Jv);
    free(F0);
    free(zy);
    free(zx);
    free(z);
    free(F);
    pb__problem_close(&p->base);
}

/* The bits of each message form by hand, refusals, and an operator call from solution(). */
static void check_accounting(void)
{
    pb__sad_problem *p = open_problem(BILINEAR);
    if (!p)
        return;
    const pb_saddle *f = &p->oracle;
    uint32_t D = f->dim;
    double *val = calloc(D, sizeof *val), *out = calloc(D, sizeof *out);
    for (uint32_t i = 0; i < D; i++)
        val[i] = i + 1.0;
    CHECK(f->index_bits == 8, "dim 200: 8 index bits");
    double bits = f->send_up(f, 3, D, NULL, val, out);
    CHECK(bits == 64.0 * 200 && p->base.cost == 12800 && out[199] == 200.0,
          "a dense send: 64 x 200 = 12800 bits, delivered");
    uint32_t idx[3] = {5, 0, 199};
    double three[3] = {1.5, -2.0, 4.0};
    bits = f->send_up(f, 0, 3, idx, three, out);
    CHECK(bits == 3 * (64.0 + 8) && p->base.cost == 12800 + 216 && out[5] == 1.5 &&
              out[0] == -2.0 && out[199] == 4.0 && out[1] == 0.0,
          "a sparse send of 3: 3 x (64 + 8) = 216 bits, delivered with zeros elsewhere");
    bits = f->broadcast(f, 3, idx, three, out);
    CHECK(bits == 10 * 216.0 && p->base.cost == 12800 + 216 + 2160,
          "a broadcast of 3 to 10 workers: 2160 bits");
    uint64_t before = p->base.cost;
    uint32_t dup[2] = {4, 4}, far[1] = {200};
    CHECK(f->send_up(f, 0, 2, dup, three, out) == -1 && f->send_up(f, 0, 1, far, three, out) == -1 &&
              f->send_up(f, 0, D - 1, NULL, val, out) == -1 &&
              f->send_up(f, 10, 1, idx, three, out) == -1 && p->base.cost == before,
          "malformed messages (a repeated index, an index past dim, a short dense message, "
          "worker 10 of 10) are refused with -1 and count nothing");
    p->base.cost_limit = before + 12799;
    out[0] = 42.0;
    bits = f->send_up(f, 0, D, NULL, val, out);
    CHECK(isnan(bits) && p->base.cost == before && p->base.exhausted && out[0] == 42.0,
          "a send beyond the budget: NaN, nothing counted, out untouched");
    bits = f->send_up(f, 0, 1, idx, three, out);
    CHECK(bits == 72.0 && p->base.cost == before + 72, "a smaller send that fits still goes");
    p->base.cost_limit = UINT64_MAX;
    uint64_t calls = p->operator_calls;
    CHECK(f->oper(f, 0, val, out) == 0.0 && p->operator_calls == calls + 1 &&
              p->base.cost == before + 72,
          "an operator call costs no bits and counts one call");
    p->base.measuring = 1;
    p->base.cost_limit = 0;
    out[0] = 42.0;
    CHECK(isnan(f->oper(f, 0, val, out)) && p->base.oracle_misuse && out[0] == 42.0 &&
              p->operator_calls == calls + 1,
          "an operator call from solution() is refused (NaN, misuse, nothing counted)");
    free(val);
    free(out);
    pb__problem_close(&p->base);
}

/* One step after create(): the bits and operator calls by hand (M = 10, dim 200). */
static void check_one_step(const char *path, const char *prob, double step_bits,
                           uint64_t step_calls)
{
    pb__plugin_file pl;
    if (load_plugin(path, &pl) != 0)
        return;
    pb_value values[8];
    pb__params_defaults(pl.desc, values);
    if (prob)
        set(&pl, values, "prob", prob);
    pb__outcome out = run(&pl, values, BILINEAR, 1, 1, 0);
    double exchange = 2 * 10 * 64.0 * 200; /* create(): F(z0) up dense, the mean down dense */
    CHECK(out.status == PB__STATUS_OK && out.iterations == 1 &&
              (double)out.cost == exchange + step_bits && out.extras[1] == 10 + step_calls,
          "%s%s%s: create and one step count %.0f bits (%.0f by hand) and %.0f operator calls "
          "(%llu)", pl.desc->name, prob ? " prob=" : "", prob ? prob : "", (double)out.cost,
          exchange + step_bits, out.extras[1], (unsigned long long)(10 + step_calls));
    pb__plugin_unload(&pl);
}

/* Runs the plugin at path to |z - z*|^2 <= 1e-8 (the target checked after every step);
 * returns the bits it took, or 0. */
static uint64_t bits_to_target(const char *path)
{
    pb__plugin_file pl;
    if (load_plugin(path, &pl) != 0)
        return 0;
    pb_value values[8];
    pb__params_defaults(pl.desc, values);
    pb__limits limits = {.budget = {.cost = 2000000000},
                         .target = 1e-8,
                         .checkpoints = {.mode = PB__CHECKPOINTS_EVERY, .n = 1}};
    pb__outcome out;
    run_limits(&pl, values, BILINEAR, 1, &limits, &out);
    CHECK(out.status == PB__STATUS_OK && out.target_hit_cost > 0 && out.metrics[0] <= 1e-8,
          "%s reaches |z - z*|^2 = %.3g <= 1e-8 on " BILINEAR " after %llu bits, %llu steps",
          pl.desc->name, out.metrics[0], (unsigned long long)out.target_hit_cost,
          (unsigned long long)out.iterations);
    pb__plugin_unload(&pl);
    return out.target_hit_cost;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s EXTRAGRADIENT.so MASHA1.so MASHA2.so\n", argv[0]);
        return 2;
    }
    check_operator(BILINEAR);
    check_operator("saddle-quadratic-d60-m4-i1");
    check_accounting();
    /* extragradient: two exchanges; MASHA: M sparse sends of k = 20 up and one broadcast of
     * 20 to 10 workers, each entry 64 + 8 bits, plus an exchange when the coin says so */
    double sparse = 10 * 20 * 72.0 + 10 * 20 * 72.0, exchange = 2 * 10 * 64.0 * 200;
    check_one_step(argv[1], NULL, 2 * exchange, 20);
    check_one_step(argv[2], "1e-300", sparse, 10);
    check_one_step(argv[2], "1", sparse + exchange, 20);
    check_one_step(argv[3], "1e-300", sparse, 10);
    check_one_step(argv[3], "1", sparse + exchange, 20);
    uint64_t eg = bits_to_target(argv[1]), m1 = bits_to_target(argv[2]),
             m2 = bits_to_target(argv[3]);
    CHECK(m1 && eg && m1 < eg, "MASHA1 needs fewer bits than extragradient (%.3g < %.3g)",
          (double)m1, (double)eg);
    CHECK(m2 && eg && m2 < eg, "MASHA2 needs fewer bits than extragradient (%.3g < %.3g)",
          (double)m2, (double)eg);
    return check_summary("saddle");
}
