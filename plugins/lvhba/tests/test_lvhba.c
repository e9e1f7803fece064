/*
 * LV-HBA's claims, run step by step in this process so that the host's measurement and
 * counts are at hand (test_lvhba LVHBA.so):
 *   - the plugin declares that it handles constraints (PB_BILEVEL_CONSTRAINTS), and its
 *     probe says so to the host;
 *   - on bilevel-lvhba-toy-d100, within the paper's 1500 iterations (the authors' toy
 *     script runs 1500), with the step sizes of README.md's tuned setting, the relative
 *     error |(x, y) - (x*, y*)| / |(x*, y*)| of the plugin's pair is below 1e-2, and at every
 *     iteration the host's max_violation of that pair is at most 1e-9;
 *   - on bilevel-coupled-i1 (40 constraints, dx = dy = 100) from x0 = y0 = 0, outside C,
 *     the pair is feasible to 1e-9 after create() and every step, and the defaults bring
 *     |x - x*| / |x0 - x*| below 0.2 within 3000 iterations (the penalty's schedule makes
 *     the rest slow: README.md);
 *   - the projection onto C is exact: one outer step's oracle calls (h and the Jacobians
 *     included) stay within the formula of README.md on the toy (one line-search step);
 *   - on a finite sum (bilevel-tvdenoise-d1-n16, whose grad_x g was once missing and
 *     crashed the run) steps are taken and the host measures a finite Phi;
 *   - on a table without grad_x g (NULL, or a host before revision 3) create() refuses
 *     with PB_ERR_INVALID and a message naming it, instead of crashing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel_check.h"

/* What a walk of the plugin saw. */
typedef struct walk {
    double rel_xy;      /* |(x, y) - (x*, y*)| / |(x*, y*)| at the end */
    double rel_x;       /* |x - x*| / |x0 - x*| at the end */
    double worst_viol;  /* the largest max_violation the host measured, create() included */
    uint64_t cost, steps;
    uint64_t calls[PB__BIL_N_ORACLES];
} walk;

/* The README's tuned setting (the authors' defaults do not converge on the toy). */
static void tuned(const pb__plugin_file *pl, pb_value *values)
{
    pb__params_defaults(pl->desc, values);
    set(pl, values, "c0", "5");
    set(pl, values, "p", "0.4");
    set(pl, values, "eta", "0.02");
    set(pl, values, "gamma1", "1");
    set(pl, values, "gamma2", "0.1");
    set(pl, values, "alpha", "0.02");
}

/* The context of a run on problem with values, seed 1, its message into err (n bytes); it
 * must outlive the state created with it. */
static pb_context context_for(const pb_problem *problem, const pb_value *values, char *err,
                              size_t n)
{
    return (pb_context){.struct_size = sizeof(pb_context), .problem = problem,
                        .params = values, .seed = 1, .error = err, .error_size = n};
}

/* Runs lvhba with values on id for steps steps, measuring with the host after each. */
static walk walk_run(const pb__plugin_file *pl, const pb_value *values, const char *id,
                     uint64_t steps)
{
    walk w = {0};
    pb__bil_problem *p = open_problem(id);
    if (!p)
        return w;
    uint32_t dx = p->oracle.dx, dy = p->oracle.dy, n = dx + dy;
    double *sol = calloc(n, sizeof(double)), *star = calloc(n, sizeof(double));
    double metrics[PB__MAX_METRICS];
    char err[256] = "";
    pb_context ctx = context_for(&p->base.handle, values, err, sizeof err);
    void *state = NULL;
    if (!sol || !star || pl->desc->create(&ctx, &state) != 0) {
        CHECK(0, "lvhba: create on %s: %s", id, err);
        goto out;
    }
    CHECK(p->base.handle.solution_length == n, "%s: the solution is x then y (%u + %u)", id,
          dx, dy);
    memcpy(star, p->x_opt, dx * sizeof(double));
    p->fns->y_star(p, p->x_opt, star + dx);
    for (uint64_t k = 0; k <= steps; k++) {
        if (k)
            pl->desc->step(state);
        pl->desc->solution(state, sol);
        p->base.ops->measure(&p->base, sol, metrics); /* untimed, uncounted */
        w.worst_viol = fmax(w.worst_viol, isnan(metrics[4]) ? INFINITY : metrics[4]);
    }
    w.rel_xy = dist(sol, star, n) / norm(star, n);
    w.rel_x = dist(sol, p->x_opt, dx) / dist(p->x0, p->x_opt, dx);
    w.cost = p->base.cost;
    w.steps = steps;
    memcpy(w.calls, p->calls, sizeof w.calls);
    pl->desc->destroy(state);
out:
    free(sol);
    free(star);
    pb__problem_close(&p->base);
    return w;
}

static void test_declaration(const pb__plugin_file *pl)
{
    const pb_bilevel_constraints *c = pl->desc->extension
                                          ? pl->desc->extension(PB_BILEVEL_CONSTRAINTS)
                                          : NULL;
    CHECK(c && c->struct_size == sizeof *c && pl->constraints == 1,
          "lvhba offers %s, and its probe told the host", PB_BILEVEL_CONSTRAINTS);
}

static void test_toy(const pb__plugin_file *pl)
{
    pb_value values[16];
    tuned(pl, values);
    walk w = walk_run(pl, values, "bilevel-lvhba-toy-d100", 1500);
    CHECK(w.rel_xy < 1e-2 && w.worst_viol <= 1e-9,
          "bilevel-lvhba-toy-d100, tuned, 1500 iterations: relative error of (x, y) %.2e "
          "(< 1e-2); largest max_violation %.1e (<= 1e-9) over every iteration; %llu oracle "
          "calls", w.rel_xy, w.worst_viol, (unsigned long long)w.cost);
    /* Per iteration, on the toy: grad_y g twice, grad_x g twice, grad_x f, grad_y f, h and
     * jac_y_h at theta, jac_x_h once; the projection: the warm start's two Jacobian products,
     * then h and two Jacobian products per line-search step, and h to stop. */
    uint64_t per = 9 + 2 + 3 + 1, proj = w.calls[PB__BIL_H] - 1500;
    CHECK(w.calls[PB__BIL_GRAD_Y_G] == 2 * 1500 && w.calls[PB__BIL_GRAD_X_G] == 2 * 1500 &&
              w.cost <= per * 1500 + 200,
          "calls per iteration: %.2f (at most %llu with one line-search step: the projection "
          "onto the toy's hyperplane is exact); h %llu, jac_x_h %llu, jac_y_h %llu (%llu in "
          "projections)", (double)w.cost / 1500, (unsigned long long)per,
          (unsigned long long)w.calls[PB__BIL_H], (unsigned long long)w.calls[PB__BIL_JAC_X_H],
          (unsigned long long)w.calls[PB__BIL_JAC_Y_H], (unsigned long long)proj);
}

static void test_coupled(const pb__plugin_file *pl)
{
    pb_value values[16];
    pb__params_defaults(pl->desc, values);
    walk w = walk_run(pl, values, "bilevel-coupled-i1", 3000);
    CHECK(w.worst_viol <= 1e-9 && w.rel_x < 0.2,
          "bilevel-coupled-i1, defaults, 3000 iterations: |x - x*| / |x0 - x*| %.3f (< 0.2); "
          "largest max_violation %.1e (<= 1e-9) from create() on; %llu oracle calls", w.rel_x,
          w.worst_viol, (unsigned long long)w.cost);
}

/*
 * On the TV-denoising finite sum: a few steps make oracle calls and leave Phi finite; then
 * create() on copies of its table without grad_x g (NULL, or a revision-2 table) is refused
 * with a message.
 */
static void test_finite_sum(const pb__plugin_file *pl)
{
    pb__bil_problem *p = open_problem("bilevel-tvdenoise-d1-n16");
    if (!p)
        return;
    pb_value values[16];
    pb__params_defaults(pl->desc, values);
    char err[256] = "";
    pb_context ctx = context_for(&p->base.handle, values, err, sizeof err);
    void *state = NULL;
    double x = NAN, metrics[PB__MAX_METRICS] = {NAN};
    if (pl->desc->create(&ctx, &state) == 0) {
        for (int k = 0; k < 5; k++)
            pl->desc->step(state);
        pl->desc->solution(state, &x);
        p->base.ops->measure(&p->base, &x, metrics);
        pl->desc->destroy(state);
    }
    CHECK(p->base.cost > 0 && isfinite(x) && isfinite(metrics[0]),
          "bilevel-tvdenoise-d1-n16, 5 steps: %llu oracle calls, x %.6g, Phi %.6g (finite)",
          (unsigned long long)p->base.cost, x, metrics[0]);
    for (int variant = 0; variant < 2; variant++) {
        pb_bilevel table = p->oracle;
        if (variant)
            table.struct_size = (uint32_t)offsetof(pb_bilevel, grad_x_g); /* revision 2 */
        else
            table.grad_x_g = NULL;
        pb_problem handle = p->base.handle;
        handle.oracle = &table;
        ctx = context_for(&handle, values, err, sizeof err);
        state = NULL;
        int32_t rc = pl->desc->create(&ctx, &state);
        CHECK(rc == PB_ERR_INVALID && !state && strstr(err, "grad_x g"),
              "%s: create() returns %d with \"%s\"",
              variant ? "a revision-2 table" : "grad_x_g NULL", (int)rc, err);
        if (rc == 0)
            pl->desc->destroy(state);
    }
    pb__problem_close(&p->base);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        CHECK(0, "usage: %s LVHBA.so", argv[0]);
        return check_summary("lvhba");
    }
    pb__plugin_file pl;
    if (load_plugin(argv[1], &pl) != 0)
        return check_summary("lvhba");
    test_declaration(&pl);
    test_toy(&pl);
    test_coupled(&pl);
    test_finite_sum(&pl);
    pb__plugin_unload(&pl);
    return check_summary("lvhba");
}
