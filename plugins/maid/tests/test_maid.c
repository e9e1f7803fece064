/*
 * MAID's claims, run step by step in this process so that the host's counts and exact
 * hypergradient are at hand:
 *   test_maid MAID.so           core:
 *     - the hypergradient error bound holds at every accepted step: with h the step the
 *       plugin reports (maid_step.h), checked against the step its solutions show
 *       ((x_before - x_after) / alpha = h), |h - grad Phi(x_before)| <= omega, grad Phi from
 *       the host's closed form, on bilevel-maid-centered-i1, bilevel-maid-quadratic-i1 and
 *       bilevel-quadratic-i1 (100,000 oracle calls each), adaptive and with eps = delta =
 *       1e-3 fixed, up to rounding (1e-13 |grad Phi(x0)|);
 *     - with the defaults, |x - x*| / |x0 - x*| <= 1e-6 on bilevel-maid-centered-i1 within
 *       10^6 oracle calls;
 *     - on bilevel-tvdenoise-d1-n16 (MAID's image experiment at CPU size), adaptive and
 *       fixed, Phi decreases and theta ends near the minimum of a grid search on the host's
 *       Phi (see test_tvdenoise);
 *   test_maid --slow MAID.so    also: the adaptive run spends fewer lower-level iterations
 *       (grad_y g calls, counted by the host) to reach 1e-6 than each fixed-accuracy
 *       variant of the grid eps = delta in {1e-1, 1e-3, 1e-5, 1e-7} (the authors' grid and
 *       one finer) spends to reach it or within 2 10^6 calls.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../maid_step.h"
#include "bilevel_check.h"

/* What a walk of the plugin saw. */
typedef struct walk {
    int reached;          /* |x - x*| <= tol |x0 - x*| */
    double ratio;         /* |x - x*| / |x0 - x*| at the end */
    uint64_t lower, cost; /* the host's count of grad_y g calls and of all calls */
    uint64_t accepted;    /* accepted steps */
    uint64_t violations;  /* accepted steps whose error exceeded the bound */
    double worst;         /* the largest error / bound over accepted steps (rounding aside) */
    double taken;         /* the largest |(x_before - x_after) / alpha - h| / |h| */
    double x[DX];         /* the last solution */
    double phi0, phi;     /* Phi(x0) and Phi(x) at the end, the host's */
} walk;

/*
 * Runs maid with values on problem id step by step until |x - x*| <= tol |x0 - x*| (never
 * on a problem whose x* is unknown) or the host refuses a call past budget, checking every
 * accepted step's bound (see above).
 */
static walk walk_run(const pb__plugin_file *pl, const pb_value *values, const char *id,
                     uint64_t budget, double tol)
{
    walk w = {0};
    const maid_step *tab = pl->desc->extension ? pl->desc->extension(MAID_STEP_ID) : NULL;
    pb__bil_problem *p = open_problem(id);
    if (!tab || !p) {
        CHECK(0, "maid offers %s, %s opens", MAID_STEP_ID, id);
        if (p)
            pb__problem_close(&p->base);
        return w;
    }
    uint32_t dx = p->oracle.dx;
    double xb[DX], xa[DX], h[DX], g[DX], d[DX];
    double d0 = p->x_opt ? dist(p->x0, p->x_opt, dx) : NAN;
    p->base.cost_limit = budget;
    /* The context lives as long as the state: step() reads the parameters through it. */
    char err[256] = "";
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &p->base.handle, .params = values,
                      .seed = 1, .budget_cost = budget, .error = err, .error_size = sizeof err};
    void *state = NULL;
    if (pl->desc->create(&ctx, &state) != 0) {
        CHECK(0, "maid: create failed on %s: %s", id, err);
        pb__problem_close(&p->base);
        return w;
    }
    /* Rounding: both hypergradients are computed in floating point, so an error bound of
     * 1e-16 (eps and delta shrink that far near x*) is met up to 1e-13 |grad Phi(x0)|. */
    pb__bil_grad_phi(p, p->x0, g);
    double floor = 1e-13 * norm(g, dx);
    pl->desc->solution(state, xb);
    while (!p->base.exhausted && !w.reached) {
        pl->desc->step(state);
        pl->desc->solution(state, xa);
        double alpha, eps, delta, omega;
        uint64_t n = tab->last(state, &alpha, &eps, &delta, &omega, h);
        if (n != w.accepted) {
            w.accepted = n;
            for (uint32_t i = 0; i < dx; i++)
                d[i] = (xb[i] - xa[i]) / alpha;
            w.taken = fmax(w.taken, dist(d, h, dx) / fmax(norm(h, dx), 1e-300));
            pb__bil_grad_phi(p, xb, g); /* the host's, uncounted */
            double err = dist(h, g, dx);
            w.violations += err > omega + floor;
            w.worst = fmax(w.worst, err / (omega + floor));
        }
        memcpy(xb, xa, sizeof xa);
        w.ratio = p->x_opt ? dist(xa, p->x_opt, dx) / d0 : NAN;
        w.reached = w.ratio <= tol;
    }
    memcpy(w.x, xb, dx * sizeof(double));
    w.phi0 = pb__bil_phi(p, p->x0);
    w.phi = pb__bil_phi(p, xb);
    w.lower = p->calls[PB__BIL_GRAD_Y_G];
    w.cost = p->base.cost;
    pl->desc->destroy(state);
    pb__problem_close(&p->base);
    return w;
}

/* maid's defaults into values, and with accuracy given (eps = delta = accuracy) fixed
 * instead of adaptive; NULL: adaptive. */
static void maid_values(const pb__plugin_file *pl, pb_value *values, const char *accuracy)
{
    pb__params_defaults(pl->desc, values);
    if (accuracy) {
        set(pl, values, "adaptive", "false");
        set(pl, values, "eps", accuracy);
        set(pl, values, "delta", accuracy);
    }
}

static void test_bounds(const pb__plugin_file *pl)
{
    const char *ids[] = {"bilevel-maid-centered-i1", "bilevel-maid-quadratic-i1",
                         "bilevel-quadratic-i1"};
    for (int fixed = 0; fixed < 2; fixed++)
        for (int k = 0; k < 3; k++) {
            pb_value values[16];
            maid_values(pl, values, fixed ? "1e-3" : NULL);
            walk w = walk_run(pl, values, ids[k], 100000, 0.0);
            CHECK(w.accepted >= 3 && w.violations == 0 && w.taken < 1e-6,
                  "%s, %s: %llu accepted steps, the error bound held at each (largest "
                  "|h - grad Phi| / omega %.3f); the steps taken were the h reported (%.1e)",
                  ids[k], fixed ? "eps = delta = 1e-3 fixed" : "adaptive",
                  (unsigned long long)w.accepted, w.worst, w.taken);
        }
}

static walk adaptive_to_1e6(const pb__plugin_file *pl)
{
    pb_value values[16];
    pb__params_defaults(pl->desc, values);
    walk w = walk_run(pl, values, "bilevel-maid-centered-i1", 1000000, 1e-6);
    CHECK(w.reached, "maid (defaults) on bilevel-maid-centered-i1: |x - x*| / |x0 - x*| = "
                     "%.2e <= 1e-6 after %llu oracle calls, %llu of them lower-level "
                     "iterations (grad_y g)", w.ratio, (unsigned long long)w.cost,
          (unsigned long long)w.lower);
    return w;
}

static void test_grid(const pb__plugin_file *pl, walk adaptive)
{
    const char *grid[] = {"1e-1", "1e-3", "1e-5", "1e-7"};
    for (int k = 0; k < 4; k++) {
        pb_value values[16];
        maid_values(pl, values, grid[k]);
        walk w = walk_run(pl, values, "bilevel-maid-centered-i1", 2000000, 1e-6);
        printf("# fixed eps = delta = %s: %s |x - x*| / |x0 - x*| = %.2e, %llu lower-level "
               "iterations, %llu calls\n", grid[k], w.reached ? "reached" : "stalled at",
               w.ratio, (unsigned long long)w.lower, (unsigned long long)w.cost);
        CHECK(adaptive.reached && adaptive.lower < w.lower,
              "adaptive maid reaches 1e-6 with %llu lower-level iterations, fewer than fixed "
              "eps = delta = %s (%llu, %s)", (unsigned long long)adaptive.lower, grid[k],
              (unsigned long long)w.lower, w.reached ? "reached" : "not reached");
    }
}

/*
 * The reference theta on a problem with one parameter: the host's Phi (y* by Newton to
 * |grad| < 1e-12) on a grid of step 0.05 over [-8, 0], then golden sections around the
 * grid's best to a bracket of 1e-9.
 */
static double grid_minimum(const char *id)
{
    pb__bil_problem *p = open_problem(id);
    if (!p)
        return NAN;
    double best = 0.0, best_phi = INFINITY, x;
    for (int k = 0; k <= 160; k++) {
        x = -8.0 + 0.05 * k;
        double phi = pb__bil_phi(p, &x);
        if (phi < best_phi) {
            best_phi = phi;
            best = x;
        }
    }
    const double r = 0.5 * (sqrt(5.0) - 1.0);
    double a = best - 0.05, b = best + 0.05;
    while (b - a > 1e-9) {
        double c = b - r * (b - a), d = a + r * (b - a);
        if (pb__bil_phi(p, &c) < pb__bil_phi(p, &d))
            b = d;
        else
            a = c;
    }
    pb__problem_close(&p->base);
    return 0.5 * (a + b);
}

/*
 * MAID's image experiment at CPU size (bilevel-tvdenoise-d1-n16, the default budget):
 * adaptive and fixed (eps = delta = 1e-5, maid-fixed's) both lower Phi by more than 15%
 * and end within 1e-4 (adaptive) and 1e-2 (fixed) of the reference theta, with the
 * defaults (20 power iterations for L_g; the former 2 on finite sums left L_g far below the
 * Hessian's top, and FISTA then never reached eps: no step was accepted).
 */
static void test_tvdenoise(const pb__plugin_file *pl)
{
    const char *id = "bilevel-tvdenoise-d1-n16";
    double ref = grid_minimum(id);
    for (int fixed = 0; fixed < 2; fixed++) {
        pb_value values[16];
        maid_values(pl, values, fixed ? "1e-5" : NULL);
        walk w = walk_run(pl, values, id, 200000, 0.0);
        double tol = fixed ? 1e-2 : 1e-4;
        CHECK(w.phi < 0.85 * w.phi0 && fabs(w.x[0] - ref) < tol,
              "%s on %s, 2e5 calls: Phi %.6f -> %.6f, theta %.5f, the grid's %.5f (within "
              "%g); %llu accepted steps, %llu lower-level calls",
              fixed ? "maid fixed eps = delta = 1e-5" : "maid", id, w.phi0, w.phi, w.x[0], ref,
              tol, (unsigned long long)w.accepted, (unsigned long long)w.lower);
    }
}

int main(int argc, char **argv)
{
    int slow = argc == 3 && strcmp(argv[1], "--slow") == 0;
    if (argc != 2 + slow) {
        CHECK(0, "usage: %s [--slow] MAID.so", argv[0]);
        return check_summary("maid");
    }
    pb__plugin_file pl;
    if (load_plugin(argv[1 + slow], &pl) != 0)
        return check_summary("maid");
    test_bounds(&pl);
    walk adaptive = adaptive_to_1e6(&pl);
    test_tvdenoise(&pl);
    if (slow)
        test_grid(&pl, adaptive);
    pb__plugin_unload(&pl);
    return check_summary("maid");
}
