/*
 * The bilevel kind's test helpers, shared by tests/bilevel (the host's problems) and the
 * bilevel plugins' tests (plugins/<name>/tests):
 *   - the synthetic problems' closed forms, built from matrices read back through the exact
 *     oracles and this file's own Gaussian elimination: y* = A^-1 B x, z*, and
 *     grad Phi(x) = 0.1 x + (A^-1 B)^T (C^T C A^-1 B x - C^T t) on bilevel-quadratic-i1;
 *   - for the plugins (loaded, set and run with plugin_run.h): creating a state on a
 *     problem, and the checks every bilevel plugin's test makes: its
 *     PB_BILEVEL_HYPERGRADIENT estimate at exact y*, z* against the closed forms, and the
 *     oracle count of N step() calls against what its definition implies.
 * Header-only (static inline), so that its CHECKs count in the including test's tally.
 */
#ifndef BILEVEL_CHECK_H
#define BILEVEL_CHECK_H

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bilevel/bil_problem.h"
#include "check.h"
#include "plugin_run.h"

/* bilevel-quadratic-i1's dimensions, and the largest the helpers below handle. */
#define DX 10
#define DY 20

static inline double norm(const double *a, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

static inline double dist(const double *a, const double *b, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += (a[i] - b[i]) * (a[i] - b[i]);
    return sqrt(s);
}

/* u += M v, M rows x cols and row-major; each u[i] adds its terms in the order of j. */
static inline void mat_vec_add(const double *M, uint32_t rows, uint32_t cols, const double *v,
                               double *u)
{
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t j = 0; j < cols; j++)
            u[i] += M[(size_t)i * cols + j] * v[j];
}

/* u += M^T v, M rows x cols and row-major; each u[j] adds its terms in the order of i. */
static inline void mat_t_vec_add(const double *M, uint32_t rows, uint32_t cols, const double *v,
                                 double *u)
{
    for (uint32_t j = 0; j < cols; j++)
        for (uint32_t i = 0; i < rows; i++)
            u[j] += M[(size_t)i * cols + j] * v[i];
}

/* Solves S u = b (n x n, row-major, copied) by Gaussian elimination with partial pivoting. */
static inline void solve(const double *S_in, uint32_t n, const double *b, double *u)
{
    double *S = malloc((size_t)n * n * sizeof(double));
    memcpy(S, S_in, (size_t)n * n * sizeof(double));
    memcpy(u, b, n * sizeof(double));
    for (uint32_t c = 0; c < n; c++) {
        uint32_t piv = c;
        for (uint32_t r = c + 1; r < n; r++)
            if (fabs(S[(size_t)r * n + c]) > fabs(S[(size_t)piv * n + c]))
                piv = r;
        for (uint32_t k = 0; k < n; k++) {
            double t = S[(size_t)c * n + k];
            S[(size_t)c * n + k] = S[(size_t)piv * n + k];
            S[(size_t)piv * n + k] = t;
        }
        double t = u[c];
        u[c] = u[piv];
        u[piv] = t;
        for (uint32_t r = c + 1; r < n; r++) {
            double m = S[(size_t)r * n + c] / S[(size_t)c * n + c];
            for (uint32_t k = c; k < n; k++)
                S[(size_t)r * n + k] -= m * S[(size_t)c * n + k];
            u[r] -= m * u[c];
        }
    }
    for (uint32_t r = n; r-- > 0;) {
        for (uint32_t k = r + 1; k < n; k++)
            u[r] -= S[(size_t)r * n + k] * u[k];
        u[r] /= S[(size_t)r * n + r];
    }
    free(S);
}

/* The lower Hessian of p at (x, y), dy x dy row-major, read back column by column through
 * hvp_yy_g. */
static inline void read_hessian(pb__bil_problem *p, const double *x, const double *y, double *H)
{
    const pb_bilevel *o = &p->oracle;
    double *e = malloc(2 * (size_t)o->dy * sizeof(double)), *col = e + o->dy;
    for (uint32_t j = 0; j < o->dy; j++) {
        memset(e, 0, o->dy * sizeof(double));
        e[j] = 1.0;
        o->hvp_yy_g(o, x, y, e, PB_BILEVEL_EXACT, col);
        for (uint32_t i = 0; i < o->dy; i++)
            H[(size_t)i * o->dy + j] = col[i];
    }
    free(e);
}

/*
 * grad Phi(x) of a problem whose lower level is quadratic in y with Hessian H (dy x dy), by
 * this file's solves and the exact oracles: y* = -H^-1 grad_y g(x, 0), z* = H^-1 grad_y f,
 * grad Phi = grad_x f - cross(z*), all at (x, y*); y* into ys (dy), grad Phi into gx (dx).
 */
static inline void quadratic_grad_phi(pb__bil_problem *p, const double *H, const double *x,
                                      double *ys, double *gx)
{
    const pb_bilevel *o = &p->oracle;
    double *zero = calloc(3 * (size_t)o->dy + o->dx, sizeof(double)), *r = zero + o->dy,
           *zs = r + o->dy, *cz = zs + o->dy;
    o->grad_y_g(o, x, zero, PB_BILEVEL_EXACT, r);
    for (uint32_t i = 0; i < o->dy; i++)
        r[i] = -r[i];
    solve(H, o->dy, r, ys);
    o->grad_y_f(o, x, ys, PB_BILEVEL_EXACT, r);
    solve(H, o->dy, r, zs);
    o->grad_x_f(o, x, ys, PB_BILEVEL_EXACT, gx);
    o->cross_xy_g(o, x, ys, zs, PB_BILEVEL_EXACT, cz);
    for (uint32_t i = 0; i < o->dx; i++)
        gx[i] -= cz[i];
    free(zero);
}

/* The matrices of a linear-quadratic problem, read back through the exact oracles. */
typedef struct mats {
    uint32_t dx, dy;
    double A[DY * DY], B[DY * DX]; /* row-major; dy x dy, dy x dx */
    double CtC[DY * DY], Ctt[DY];  /* quadratic only */
} mats;

static inline void read_mats(pb__bil_problem *p, mats *m)
{
    const pb_bilevel *o = &p->oracle;
    m->dx = o->dx;
    m->dy = o->dy;
    double x[DX] = {0}, y[DY] = {0}, e[DY], col[DY], row[DX], g0[DY];
    for (uint32_t j = 0; j < o->dy; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        o->hvp_yy_g(o, x, y, e, PB_BILEVEL_EXACT, col);
        for (uint32_t i = 0; i < o->dy; i++)
            m->A[(size_t)i * o->dy + j] = col[i];
        o->cross_xy_g(o, x, y, e, PB_BILEVEL_EXACT, row); /* -B^T e_j = -(row j of B) */
        for (uint32_t k = 0; k < o->dx; k++)
            m->B[(size_t)j * o->dx + k] = -row[k];
    }
    o->grad_y_f(o, x, y, PB_BILEVEL_EXACT, g0); /* -C^T t on the quadratic */
    for (uint32_t i = 0; i < o->dy; i++)
        m->Ctt[i] = -g0[i];
    for (uint32_t j = 0; j < o->dy; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        o->grad_y_f(o, x, e, PB_BILEVEL_EXACT, col);
        for (uint32_t i = 0; i < o->dy; i++)
            m->CtC[(size_t)i * o->dy + j] = col[i] - g0[i];
    }
}

/* y* = A^-1 B x. */
static inline void y_star(const mats *m, const double *x, double *y)
{
    double bx[DY] = {0};
    mat_vec_add(m->B, m->dy, m->dx, x, bx);
    solve(m->A, m->dy, bx, y);
}

/* The quadratic's closed form: z* = A^-1 (C^T C y* - C^T t), grad Phi = 0.1 x + B^T z*. */
static inline void quad_closed(const mats *m, const double *x, double *y, double *z, double *g)
{
    double r[DY];
    y_star(m, x, y);
    for (uint32_t i = 0; i < m->dy; i++)
        r[i] = -m->Ctt[i];
    mat_vec_add(m->CtC, m->dy, m->dy, y, r);
    solve(m->A, m->dy, r, z);
    for (uint32_t k = 0; k < m->dx; k++)
        g[k] = 0.1 * x[k];
    mat_t_vec_add(m->B, m->dy, m->dx, z, g);
}

/* |M|_2 of a rows x cols matrix by power iteration on M^T M. */
static inline double op_norm(const double *M, uint32_t rows, uint32_t cols)
{
    double v[DY], w[DY];
    for (uint32_t j = 0; j < cols; j++)
        v[j] = 1.0 + 0.01 * j;
    double lam = 0.0;
    for (int it = 0; it < 2000; it++) {
        memset(w, 0, rows * sizeof *w);
        mat_vec_add(M, rows, cols, v, w);
        memset(v, 0, cols * sizeof *v);
        mat_t_vec_add(M, rows, cols, w, v);
        lam = norm(v, cols);
        for (uint32_t j = 0; j < cols; j++)
            v[j] /= lam;
    }
    return sqrt(lam);
}

/* ---- The plugins' side (loading, parameters and runs: plugin_run.h). ---- */

/* Creates plugin state on problem p with values; NULL on failure. */
static inline void *create_on(const pb__plugin_file *pl, pb__bil_problem *p,
                              const pb_value *values)
{
    char err[256] = "";
    pb_context ctx = {.struct_size = sizeof ctx, .problem = &p->base.handle, .params = values,
                      .seed = 1, .error = err, .error_size = sizeof err};
    void *state = NULL;
    if (pl->desc->create(&ctx, &state) != 0) {
        CHECK(0, "%s: create failed: %s", pl->desc->name, err);
        return NULL;
    }
    return state;
}

/* The plugin's PB_BILEVEL_HYPERGRADIENT table, or NULL and a failed check. */
static inline const pb_bilevel_hypergradient *hypergradient_of(const pb__plugin_file *pl)
{
    const pb_bilevel_hypergradient *hg =
        pl->desc->extension ? pl->desc->extension(PB_BILEVEL_HYPERGRADIENT) : NULL;
    if (!hg)
        CHECK(0, "%s exposes no %s", pl->desc->name, PB_BILEVEL_HYPERGRADIENT);
    return hg;
}

/* A hypergradient check's setting: the plugin's table, a linear-quadratic problem and its
 * matrices. */
typedef struct hg_setting {
    const pb_bilevel_hypergradient *hg;
    pb__bil_problem *p;
    mats *m;
} hg_setting;

/* Looks up pl's hypergradient table, opens the problem id and reads its matrices back.
 * Returns 0, or -1 after a failed check with nothing left open. */
static inline int hg_open(hg_setting *h, const pb__plugin_file *pl, const char *id)
{
    h->hg = hypergradient_of(pl);
    h->p = open_problem(id);
    if (!h->hg || !h->p) {
        if (h->p)
            pb__problem_close(&h->p->base);
        return -1;
    }
    h->m = calloc(1, sizeof *h->m);
    read_mats(h->p, h->m);
    return 0;
}

static inline void hg_close(hg_setting *h)
{
    free(h->m);
    pb__problem_close(&h->p->base);
}

/* A point of a check and what the estimate must give there: x drawn from rng, the exact
 * y* and z*, and grad Phi(x), from the problem's matrices m. */
typedef void (*hg_point_fn)(const mats *m, pb_rng *rng, double *x, double *y, double *z,
                            double *g);

/* bilevel-quadratic-i1 at x = 2 N(0, I): the closed forms. */
static inline void quadratic_point(const mats *m, pb_rng *rng, double *x, double *y, double *z,
                                   double *g)
{
    for (uint32_t i = 0; i < DX; i++)
        x[i] = 2 * pb_rng_normal(rng);
    quad_closed(m, x, y, z, g);
}

/* bilevel-cosh-d10 at x = 1 + N(0, I): grad Phi = sinh(x - 1), y* = x, z* = A^-1 grad Phi. */
static inline void cosh_point(const mats *m, pb_rng *rng, double *x, double *y, double *z,
                              double *g)
{
    for (uint32_t i = 0; i < 10; i++) {
        x[i] = 1.0 + pb_rng_normal(rng);
        y[i] = x[i];
        g[i] = sinh(x[i] - 1.0);
    }
    solve(m->A, 10, g, z);
}

/* The estimate at exact y*, z* vs grad Phi on problem id (dx = DX) at 5 points from
 * point(), with parameter values: the largest error relative to max(1, |grad Phi|) is at
 * most 1e-12. The check's message says "vs " against, then tail. */
static inline void check_hypergradient_on(const pb__plugin_file *pl, const pb_value *values,
                                          pb_rng *rng, const char *id, hg_point_fn point,
                                          const char *against, const char *tail)
{
    hg_setting h;
    if (hg_open(&h, pl, id) != 0)
        return;
    assert(h.p->oracle.dx == DX && h.p->oracle.dy <= DY);
    void *st = create_on(pl, h.p, values);
    double worst = 0.0;
    for (int trial = 0; st && trial < 5; trial++) {
        double x[DX], y[DY], z[DY], g[DX], est[DX];
        point(h.m, rng, x, y, z, g);
        int32_t rc = h.hg->estimate(st, x, y, z, est);
        worst = fmax(worst, rc == 0 ? dist(est, g, DX) / fmax(1.0, norm(g, DX)) : INFINITY);
    }
    CHECK(worst <= 1e-12, "%s on %s: estimate at exact y*, z* vs %s, relative error %.1e%s",
          pl->desc->name, id, against, worst, tail);
    if (st)
        pl->desc->destroy(st);
    hg_close(&h);
}

/* The estimate at exact y*, z* vs the closed-form grad Phi on bilevel-quadratic-i1, at 5
 * points x = 2 N(0, I) drawn from rng, with parameter values. */
static inline void check_hypergradient_quadratic(const pb__plugin_file *pl,
                                                 const pb_value *values, pb_rng *rng)
{
    check_hypergradient_on(pl, values, rng, "bilevel-quadratic-i1", quadratic_point,
                           "the closed-form grad Phi", " (5 points)");
}

/* bilevel-cosh-d10: grad Phi = sinh(x - 1), y* = x, z* = A^-1 sinh(y* - 1); the estimate
 * there at 5 points x = 1 + N(0, I) drawn from rng, with parameter values. */
static inline void check_hypergradient_cosh(const pb__plugin_file *pl, const pb_value *values,
                                            pb_rng *rng)
{
    check_hypergradient_on(pl, values, rng, "bilevel-cosh-d10", cosh_point, "sinh(x - 1)", "");
}

/* Both hypergradient checks, with the points of one generator seeded 11. */
static inline void check_hypergradients(const pb__plugin_file *pl, const pb_value *values)
{
    pb_rng rng;
    pb_rng_seed(&rng, 11, 0);
    check_hypergradient_quadratic(pl, values, &rng);
    check_hypergradient_cosh(pl, values, &rng);
}

/* The oracle count of 1, 4 and 7 step() calls with parameter values on
 * bilevel-quadratic-i1, seed 1, against expect(steps), what the definition implies. */
static inline void check_counts(const pb__plugin_file *pl, const pb_value *values,
                                uint64_t (*expect)(const pb__plugin_file *pl,
                                                   const pb_value *values, uint64_t steps))
{
    const char *name = pl->desc->name;
    for (uint64_t steps = 1; steps <= 7; steps += 3) {
        uint64_t calls = expect(pl, values, steps);
        pb__outcome o = run(pl, values, "bilevel-quadratic-i1", 1, steps, 0);
        CHECK(o.status == PB__STATUS_OK && o.iterations == steps && o.cost == calls,
              "%s: %llu steps counted %llu oracle calls, the definition implies %llu", name,
              (unsigned long long)steps, (unsigned long long)o.cost, (unsigned long long)calls);
    }
}

/* The count of a single-loop method that calls each of the five oracles once per step. */
static inline uint64_t five_calls(const pb__plugin_file *pl, const pb_value *values,
                                  uint64_t steps)
{
    (void)pl;
    (void)values;
    return 5 * steps; /* grad_y g, hvp, cross, grad_y f, grad_x f */
}

/* On a finite sum each call counts its batch's samples: 3 steps of a method that calls each
 * of the five oracles once per step count 3 x 5 batches of 64 on
 * bilevel-benchopt-quadratic-i1. */
static inline void check_batch_counts(const pb__plugin_file *pl, const pb_value *values)
{
    pb__outcome o = run(pl, values, "bilevel-benchopt-quadratic-i1", 1, 3, 0);
    CHECK(o.status == PB__STATUS_OK && o.cost == 3 * 5 * 64,
          "%s on bilevel-benchopt-quadratic-i1: 3 steps counted %llu samples (3 x 5 x 64)",
          pl->desc->name, (unsigned long long)o.cost);
}

/* The claims of a single-loop method that calls each of the five oracles once per step
 * (SOBA, SABA): its estimate against the closed forms, 5 calls per step, 5 batches per step
 * on a finite sum. */
static inline void single_loop_claims(const pb__plugin_file *pl, pb_value *values)
{
    check_hypergradients(pl, values);
    check_counts(pl, values, five_calls);
    check_batch_counts(pl, values);
}

/*
 * The main of a bilevel plugin's core test, `test_NAME PLUGIN.so`: loads the module and runs
 * claims(pl, values) with the plugin's default parameter values. Returns the exit status.
 */
static inline int plugin_test_main(int argc, char **argv,
                                   void (*claims)(const pb__plugin_file *pl, pb_value *values))
{
    pb__plugin_file pl;
    if (argc != 2) {
        CHECK(0, "usage: %s PLUGIN.so", argv[0]);
        return check_summary(argv[0]);
    }
    if (load_plugin(argv[1], &pl) != 0)
        return check_summary(argv[1]);
    pb_value values[32];
    pb__params_defaults(pl.desc, values);
    claims(&pl, values);
    int status = check_summary(pl.desc->name);
    pb__plugin_unload(&pl);
    return status;
}

#endif
