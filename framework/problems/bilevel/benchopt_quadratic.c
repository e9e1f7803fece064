/*
 * bilevel-benchopt-quadratic-i<instance>: the quadratic family of benchopt's
 * benchmark_bilevel (datasets/simulated.py, benchmark_utils/gen_matrices.py) at its
 * defaults with dim_inner 100, dim_outer 10, mu_inner 0.1: both levels are finite sums of
 * n = 1024 quadratics
 *     q_j(x, y) = 1/2 y^T H_j y + 1/2 x^T K_j x + x^T C_j y + l_j . y + m_j . x,
 * with rank-one H_j = a_j a_j^T, K_j = k_j k_j^T, C_j = u_j w_j^T (dx x dy):
 *     a_j = A_y zeta,  A_y = U diag(sqrt(logspace(mu, L_yy, dy))) U^T,
 *     k_j = A_x zeta', A_x = U' diag(0, sqrt(logspace(mu, L_xx, dx - 1))) U'^T,
 *     u_j = U_c (logspace(mu, L_cross, dx) o zeta''[0..dx)), w_j = V_c zeta'',
 *     l_j ~ N(0, I), m_j ~ N(0, I),   zeta, zeta', zeta'' standard normal,
 * L_yy = L_xx = 1 and L_cross = 0.1 on both levels; U, U', U_c, V_c random orthogonal.
 * g is the inner sum, f the outer one. The construction is benchopt's; the random numbers
 * are ours (a generator seeded by the instance), so instance 1 is not benchopt's data.
 * As there, a draw whose Phi is not positive definite is redrawn (at most 20 times).
 * The fixed batches are 64 consecutive samples (the samples are i.i.d.).
 * Closed forms: y*(x) = -Hg^-1 (Cg^T x + lg) with the means Hg, Cg, lg; Phi is quadratic;
 * x* solves its Hessian system; x0 = 0, y0 = 0.
 */
#include "bil_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DY 100
#define DX 10
#define NS 1024
#define BATCH 64
#define MU 0.1

typedef struct level {
    /* per sample, row-major */
    double a[NS * DY], k[NS * DX], u[NS * DX], w[NS * DY], l[NS * DY], m[NS * DX];
    /* the means */
    double H[DY * DY], K[DX * DX], C[DX * DY], lb[DY], mb[DX];
} level;

/* The model, allocated zeroed (the means are sums from 0) and freed by free(). */
typedef struct bq {
    level g, f;
    double S[DY * DY]; /* scratch for solves */
} bq;

static double logspace(double lo, double hi, uint32_t i, uint32_t n)
{
    return n > 1 ? pow(10.0, log10(lo) + (log10(hi) - log10(lo)) * i / (n - 1)) : lo;
}

/* out = M v for a symmetric d x d M given by U diag(s) U^T. */
static void sym_apply(const double *U, const double *s, uint32_t d, const double *v, double *out,
                      double *tmp)
{
    for (uint32_t k = 0; k < d; k++) { /* tmp = U^T v: U's columns k */
        tmp[k] = 0.0;
        for (uint32_t i = 0; i < d; i++)
            tmp[k] += U[(size_t)i * d + k] * v[i];
        tmp[k] *= s[k];
    }
    for (uint32_t i = 0; i < d; i++) {
        out[i] = 0.0;
        for (uint32_t k = 0; k < d; k++)
            out[i] += U[(size_t)i * d + k] * tmp[k];
    }
}

/* Draws one level (gen_matrices) into v, zeroed; returns -1 when out of memory. */
static int gen_level(pb_rng *rng, level *v)
{
    double *Uy = malloc((size_t)DY * DY * sizeof(double)), *Vc = malloc((size_t)DY * DY * sizeof(double));
    double Ux[DX * DX], Uc[DX * DX], sy[DY], sx[DX], sc[DX], z[DY], tmp[DY], cz[DX];
    if (!Uy || !Vc) {
        free(Uy);
        free(Vc);
        return -1;
    }
    pb__random_orthogonal(rng, Uy, DY);
    pb__random_orthogonal(rng, Ux, DX);
    pb__random_orthogonal(rng, Uc, DX);
    pb__random_orthogonal(rng, Vc, DY);
    for (uint32_t i = 0; i < DY; i++)
        sy[i] = sqrt(logspace(MU, 1.0, i, DY));
    sx[0] = 0.0;
    for (uint32_t i = 1; i < DX; i++)
        sx[i] = sqrt(logspace(MU, 1.0, i - 1, DX - 1));
    for (uint32_t i = 0; i < DX; i++)
        sc[i] = logspace(MU, 0.1, i, DX);
    for (uint32_t j = 0; j < NS; j++) {
        double *a = v->a + (size_t)j * DY, *k = v->k + (size_t)j * DX;
        double *u = v->u + (size_t)j * DX, *w = v->w + (size_t)j * DY;
        for (uint32_t i = 0; i < DY; i++)
            z[i] = pb_rng_normal(rng);
        sym_apply(Uy, sy, DY, z, a, tmp);
        for (uint32_t i = 0; i < DX; i++)
            z[i] = pb_rng_normal(rng);
        sym_apply(Ux, sx, DX, z, k, tmp);
        for (uint32_t i = 0; i < DY; i++)
            z[i] = pb_rng_normal(rng);
        for (uint32_t i = 0; i < DX; i++)
            cz[i] = sc[i] * z[i];
        for (uint32_t i = 0; i < DX; i++) {
            u[i] = 0.0;
            for (uint32_t c = 0; c < DX; c++)
                u[i] += Uc[(size_t)i * DX + c] * cz[c];
        }
        for (uint32_t i = 0; i < DY; i++) {
            w[i] = 0.0;
            for (uint32_t c = 0; c < DY; c++)
                w[i] += Vc[(size_t)i * DY + c] * z[c];
        }
        for (uint32_t i = 0; i < DY; i++)
            v->l[(size_t)j * DY + i] = pb_rng_normal(rng);
        for (uint32_t i = 0; i < DX; i++)
            v->m[(size_t)j * DX + i] = pb_rng_normal(rng);
        for (uint32_t r = 0; r < DY; r++)
            for (uint32_t c = 0; c < DY; c++)
                v->H[(size_t)r * DY + c] += a[r] * a[c] / NS;
        for (uint32_t r = 0; r < DX; r++) {
            for (uint32_t c = 0; c < DX; c++)
                v->K[(size_t)r * DX + c] += k[r] * k[c] / NS;
            for (uint32_t c = 0; c < DY; c++)
                v->C[(size_t)r * DY + c] += u[r] * w[c] / NS;
        }
        for (uint32_t i = 0; i < DY; i++)
            v->lb[i] += v->l[(size_t)j * DY + i] / NS;
        for (uint32_t i = 0; i < DX; i++)
            v->mb[i] += v->m[(size_t)j * DX + i] / NS;
    }
    free(Uy);
    free(Vc);
    return 0;
}

/* grad_y q = H y + C^T x + l  and  grad_x q = K x + C y + m, with the level's means. */
static void mean_grad_y(const level *v, const double *x, const double *y, double *out)
{
    for (uint32_t i = 0; i < DY; i++) {
        double s = v->lb[i];
        for (uint32_t c = 0; c < DY; c++)
            s += v->H[(size_t)i * DY + c] * y[c];
        for (uint32_t r = 0; r < DX; r++)
            s += v->C[(size_t)r * DY + i] * x[r];
        out[i] = s;
    }
}

/* grad_x q = K x + C y + m with a level's means: f's, or g's (revision 3). */
static void mean_grad_x(const level *v, const double *x, const double *y, double *out)
{
    for (uint32_t r = 0; r < DX; r++) {
        double s = v->mb[r];
        for (uint32_t c = 0; c < DX; c++)
            s += v->K[(size_t)r * DX + c] * x[c];
        for (uint32_t c = 0; c < DY; c++)
            s += v->C[(size_t)r * DY + c] * y[c];
        out[r] = s;
    }
}

static void bq_grad_x_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mean_grad_x(&((bq *)p->model)->f, x, y, out);
}

static void bq_grad_x_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mean_grad_x(&((bq *)p->model)->g, x, y, out);
}

static void bq_grad_y_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mean_grad_y(&((bq *)p->model)->f, x, y, out);
}

static void bq_grad_y_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    mean_grad_y(&((bq *)p->model)->g, x, y, out);
}

static void bq_hvp(pb__bil_problem *p, const double *x, const double *y, const double *v,
                   double *out)
{
    (void)x;
    (void)y;
    pb__bil_matvec(((bq *)p->model)->g.H, DY, DY, v, out);
}

static void bq_cross(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x;
    (void)y;
    pb__bil_matvec(((bq *)p->model)->g.C, DX, DY, v, out);
}

static double dot(const double *a, const double *b, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* The mean over samples [lo, hi) of one oracle, from the rank-one components. */
static void bq_batch(pb__bil_problem *p, int which, const double *x, const double *y,
                     const double *v, uint32_t lo, uint32_t hi, double *out)
{
    bq *q = p->model;
    int outer = which == PB__BIL_GRAD_X_F || which == PB__BIL_GRAD_Y_F;
    const level *L = outer ? &q->f : &q->g;
    uint32_t n_out =
        which == PB__BIL_GRAD_X_F || which == PB__BIL_GRAD_X_G || which == PB__BIL_CROSS_XY_G
            ? DX
            : DY;
    memset(out, 0, n_out * sizeof(double));
    for (uint32_t j = lo; j < hi; j++) {
        const double *a = L->a + (size_t)j * DY, *k = L->k + (size_t)j * DX;
        const double *u = L->u + (size_t)j * DX, *w = L->w + (size_t)j * DY;
        switch (which) {
        case PB__BIL_GRAD_Y_F:
        case PB__BIL_GRAD_Y_G: {
            double ay = dot(a, y, DY), ux = dot(u, x, DX);
            const double *l = L->l + (size_t)j * DY;
            for (uint32_t i = 0; i < DY; i++)
                out[i] += a[i] * ay + w[i] * ux + l[i];
            break;
        }
        case PB__BIL_GRAD_X_F:
        case PB__BIL_GRAD_X_G: {
            double kx = dot(k, x, DX), wy = dot(w, y, DY);
            const double *m = L->m + (size_t)j * DX;
            for (uint32_t i = 0; i < DX; i++)
                out[i] += k[i] * kx + u[i] * wy + m[i];
            break;
        }
        case PB__BIL_HVP_YY_G: {
            double av = dot(a, v, DY);
            for (uint32_t i = 0; i < DY; i++)
                out[i] += a[i] * av;
            break;
        }
        default: { /* cross: C_j v = u_j (w_j . v) */
            double wv = dot(w, v, DY);
            for (uint32_t i = 0; i < DX; i++)
                out[i] += u[i] * wv;
            break;
        }
        }
    }
    for (uint32_t i = 0; i < n_out; i++)
        out[i] /= (double)(hi - lo);
}

/* The value of one level's mean quadratic (Hg, Kg, Cg, lg, mg or f's). */
static double level_value(const level *v, const double *x, const double *y)
{
    double s = dot(v->lb, y, DY) + dot(v->mb, x, DX);
    for (uint32_t i = 0; i < DY; i++)
        s += 0.5 * y[i] * dot(v->H + (size_t)i * DY, y, DY);
    for (uint32_t r = 0; r < DX; r++) {
        double kx = dot(v->K + (size_t)r * DX, x, DX), cy = dot(v->C + (size_t)r * DY, y, DY);
        s += x[r] * (0.5 * kx + cy);
    }
    return s;
}

static double bq_g(pb__bil_problem *p, const double *x, const double *y)
{
    return level_value(&((bq *)p->model)->g, x, y);
}

/* The mean over samples [lo, hi) of q_j(x, y) on f's or g's level. */
static double bq_batch_value(pb__bil_problem *p, int which, const double *x, const double *y,
                             uint32_t lo, uint32_t hi)
{
    bq *q = p->model;
    const level *L = which == PB__BIL_F_VALUE ? &q->f : &q->g;
    double s = 0.0;
    for (uint32_t j = lo; j < hi; j++) {
        double ay = dot(L->a + (size_t)j * DY, y, DY), kx = dot(L->k + (size_t)j * DX, x, DX);
        s += 0.5 * ay * ay + 0.5 * kx * kx +
             dot(L->u + (size_t)j * DX, x, DX) * dot(L->w + (size_t)j * DY, y, DY) +
             dot(L->l + (size_t)j * DY, y, DY) + dot(L->m + (size_t)j * DX, x, DX);
    }
    return s / (double)(hi - lo);
}

static double bq_f(pb__bil_problem *p, const double *x, const double *y)
{
    return level_value(&((bq *)p->model)->f, x, y);
}

static void bq_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x;
    (void)y;
    bq *q = p->model;
    memcpy(q->S, q->g.H, (size_t)DY * DY * sizeof(double));
    memcpy(out, v, DY * sizeof(double));
    if (pb__bil_cholesky_solve(q->S, DY, out) != 0)
        for (uint32_t i = 0; i < DY; i++)
            out[i] = NAN;
}

static void bq_y_star(pb__bil_problem *p, const double *x, double *out)
{
    double r[DY], zero[DY] = {0};
    bq_grad_y_g(p, x, zero, r); /* Cg^T x + lg */
    bq_solve(p, x, NULL, r, out);
    for (uint32_t i = 0; i < DY; i++)
        out[i] = -out[i];
}

static int open_bq(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    /* The exact oracles from the levels' means, in closed form; batches from the samples. */
    static const pb__bil_fns fns = {.grad_x_f = bq_grad_x_f, .grad_y_f = bq_grad_y_f,
                                    .grad_y_g = bq_grad_y_g, .hvp_yy_g = bq_hvp,
                                    .cross_xy_g = bq_cross, .grad_x_g = bq_grad_x_g,
                                    .f = bq_f, .y_star = bq_y_star,
                                    .solve_yy = bq_solve, .batch_oracle = bq_batch,
                                    .g = bq_g, .batch_value = bq_batch_value};
    pb_rng rng;
    pb_rng_seed(&rng, 0x62656e63u /* "benc" */, inst);
    for (int attempt = 0; attempt < 20; attempt++) {
        bq *q = calloc(1, sizeof *q);
        if (q && (gen_level(&rng, &q->g) || gen_level(&rng, &q->f))) {
            free(q);
            q = NULL;
        }
        pb__bil_problem *p = pb__bil_problem_new(DX, DY, 1, &fns, q, free, err, errlen);
        if (!p)
            return -1;
        pb__bil_finite_sum(p, NS, NS, BATCH);
        if (pb__bil_quadratic_x_opt(p) != 0) {
            pb__problem_close(&p->base); /* Phi not positive definite: redraw */
            continue;
        }
        p->phi_opt = pb__bil_phi(p, p->x_opt);
        *out = &p->base;
        return 0;
    }
    snprintf(err, errlen,
             "bilevel-benchopt-quadratic-i%lu: no draw with a positive definite Phi in 20 attempts",
             inst);
    return -1;
}

const pb__numbered_family pb__family_bil_benchopt =
    PB__INSTANCE_FAMILY(pb__kind_bilevel, "bilevel-benchopt-quadratic",
        "benchopt benchmark_bilevel quadratics: finite sums of 1024 rank-one quadratics per level, "
        "dim_inner 100, dim_outer 10, mu_inner 0.1, batches of 64",
        open_bq);
