/*
 * Two bilevel families with a linear-quadratic lower level
 *     g(x, y) = 1/2 y^T A y - y^T B x,   y*(x) = A^{-1} B x,
 * A = Q diag(s) Q^T with Q a random orthogonal matrix and s evenly spaced over [0.5, 1]
 * (so spec(A) = [0.5, 1] exactly), all drawn from a generator seeded by the instance.
 *
 * bilevel-quadratic-i<instance>: dx = 10, dy = 20, B (20 x 10) and C (20 x 20) with
 *     N(0, 1/dx) and N(0, 1/dy) entries, t ~ N(0, 4 I),
 *     f(x, y) = 1/2 |C y - t|^2 + 0.05 |x|^2,
 *     Phi(x) = 1/2 |M x - t|^2 + 0.05 |x|^2 with M = C A^{-1} B,
 *     x* = (M^T M + 0.1 I)^{-1} M^T t;  x0 = 0, y0 = 0, noise 0.1.
 * bilevel-cosh-d<dim>: dx = dy = dim, B = A (so y*(x) = x),
 *     f(x, y) = sum_i cosh(y_i - 1),   Phi(x) = sum_i cosh(x_i - 1),
 * an upper level whose smoothness grows with its gradient (Phi'' = cosh >= |sinh| = |Phi'|);
 *     x* = 1, Phi* = dim;  x0 = 10 (every coordinate), y0 = 0, noise 0.1.
 * Both state mu_g = 0.5 and l_g = 1 (revision 2), the ends of spec(A).
 */
#include "bil_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lq {
    uint32_t m;        /* rows of C (quadratic) */
    double *A, *Ainv;  /* dy x dy */
    double *B;         /* dy x dx */
    double *C, *t;     /* m x dy, m (quadratic only) */
    double *r;         /* m scratch */
    int cosh_upper;    /* 1: f = sum cosh(y - 1) */
    double mem[];      /* the arrays above, allocated with the model (lq_new) */
} lq;

void pb__bil_matvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                    double *out)
{
    for (uint32_t i = 0; i < rows; i++) {
        double s = 0.0;
        for (uint32_t j = 0; j < cols; j++)
            s += M[(size_t)i * cols + j] * v[j];
        out[i] = s;
    }
}

void pb__bil_mattvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                     double *out)
{
    memset(out, 0, cols * sizeof(double));
    for (uint32_t i = 0; i < rows; i++)
        for (uint32_t j = 0; j < cols; j++)
            out[j] += M[(size_t)i * cols + j] * v[i];
}

void pb__bil_neg_mattvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                         double *out)
{
    pb__bil_mattvec(M, rows, cols, v, out);
    for (uint32_t j = 0; j < cols; j++)
        out[j] = -out[j];
}

static void lq_grad_x_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)y;
    lq *q = p->model;
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        out[i] = q->cosh_upper ? 0.0 : 0.1 * x[i];
}

static void lq_grad_y_f(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    (void)x;
    lq *q = p->model;
    if (q->cosh_upper) {
        for (uint32_t i = 0; i < p->oracle.dy; i++)
            out[i] = sinh(y[i] - 1.0);
        return;
    }
    pb__bil_matvec(q->C, q->m, p->oracle.dy, y, q->r);
    for (uint32_t i = 0; i < q->m; i++)
        q->r[i] -= q->t[i];
    pb__bil_mattvec(q->C, q->m, p->oracle.dy, q->r, out);
}

static void lq_grad_y_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    lq *q = p->model;
    pb__bil_matvec(q->A, p->oracle.dy, p->oracle.dy, y, out);
    for (uint32_t i = 0; i < p->oracle.dy; i++) {
        double bx = 0.0;
        for (uint32_t j = 0; j < p->oracle.dx; j++)
            bx += q->B[(size_t)i * p->oracle.dx + j] * x[j];
        out[i] -= bx;
    }
}

static void lq_hvp(pb__bil_problem *p, const double *x, const double *y, const double *v,
                   double *out)
{
    (void)x;
    (void)y;
    lq *q = p->model;
    pb__bil_matvec(q->A, p->oracle.dy, p->oracle.dy, v, out);
}

static void lq_cross(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x;
    (void)y;
    lq *q = p->model;
    pb__bil_neg_mattvec(q->B, p->oracle.dy, p->oracle.dx, v, out);
}

/* grad_x g = -B^T y: g is linear in x, so this is the cross product with v = y. */
static void lq_grad_x_g(pb__bil_problem *p, const double *x, const double *y, double *out)
{
    lq_cross(p, x, y, y, out);
}

static double lq_f(pb__bil_problem *p, const double *x, const double *y)
{
    lq *q = p->model;
    double s = 0.0;
    if (q->cosh_upper) {
        for (uint32_t i = 0; i < p->oracle.dy; i++)
            s += cosh(y[i] - 1.0);
        return s;
    }
    pb__bil_matvec(q->C, q->m, p->oracle.dy, y, q->r);
    for (uint32_t i = 0; i < q->m; i++)
        s += 0.5 * (q->r[i] - q->t[i]) * (q->r[i] - q->t[i]);
    for (uint32_t i = 0; i < p->oracle.dx; i++)
        s += 0.05 * x[i] * x[i];
    return s;
}

/* g(x, y) = 1/2 y^T A y - y^T B x. */
static double lq_g(pb__bil_problem *p, const double *x, const double *y)
{
    lq *q = p->model;
    uint32_t dx = p->oracle.dx, dy = p->oracle.dy;
    double s = 0.0;
    for (uint32_t i = 0; i < dy; i++) {
        double ay = 0.0, bx = 0.0;
        for (uint32_t j = 0; j < dy; j++)
            ay += q->A[(size_t)i * dy + j] * y[j];
        for (uint32_t j = 0; j < dx; j++)
            bx += q->B[(size_t)i * dx + j] * x[j];
        s += y[i] * (0.5 * ay - bx);
    }
    return s;
}

static void lq_solve(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out)
{
    (void)x;
    (void)y;
    lq *q = p->model;
    pb__bil_matvec(q->Ainv, p->oracle.dy, p->oracle.dy, v, out);
}

static void lq_y_star(pb__bil_problem *p, const double *x, double *out)
{
    lq *q = p->model;
    double *bx = malloc(p->oracle.dy * sizeof(double));
    if (!bx) {
        for (uint32_t i = 0; i < p->oracle.dy; i++)
            out[i] = NAN;
        return;
    }
    pb__bil_matvec(q->B, p->oracle.dy, p->oracle.dx, x, bx);
    lq_solve(p, x, NULL, bx, out);
    free(bx);
}

int pb__bil_band_cholesky(double *S, uint32_t n, uint32_t band)
{
    for (uint32_t j = 0; j < n; j++) {
        double d = S[(size_t)j * n + j];
        for (uint32_t k = j > band ? j - band : 0; k < j; k++)
            d -= S[(size_t)j * n + k] * S[(size_t)j * n + k];
        if (!(d > 0))
            return -1;
        d = sqrt(d);
        S[(size_t)j * n + j] = d;
        for (uint32_t i = j + 1; i < n && i - j <= band; i++) {
            double s = S[(size_t)i * n + j];
            for (uint32_t k = i > band ? i - band : 0; k < j; k++)
                s -= S[(size_t)i * n + k] * S[(size_t)j * n + k];
            S[(size_t)i * n + j] = s / d;
        }
    }
    return 0;
}

/* Each b[i] is updated in a local, which stays in a register: in b, every subtraction was
 * a store and a load (b may alias L, as far as -O2 knows) waiting on the one before. */
void pb__bil_band_cholesky_apply(const double *L, uint32_t n, uint32_t band, double *b)
{
    for (uint32_t i = 0; i < n; i++) {
        double s = b[i];
        for (uint32_t k = i > band ? i - band : 0; k < i; k++)
            s -= L[(size_t)i * n + k] * b[k];
        b[i] = s / L[(size_t)i * n + i];
    }
    for (uint32_t i = n; i-- > 0;) {
        double s = b[i];
        for (uint32_t k = i + 1; k < n && k - i <= band; k++)
            s -= L[(size_t)k * n + i] * b[k];
        b[i] = s / L[(size_t)i * n + i];
    }
}

int pb__bil_band_cholesky_solve(double *S, uint32_t n, uint32_t band, double *b)
{
    if (pb__bil_band_cholesky(S, n, band) != 0)
        return -1;
    pb__bil_band_cholesky_apply(S, n, band, b);
    return 0;
}

/* The dense forms: a band as wide as the matrix, where the loops above run over every k. */
int pb__bil_cholesky(double *S, uint32_t n)
{
    return pb__bil_band_cholesky(S, n, n ? n - 1 : 0);
}

void pb__bil_cholesky_apply(const double *L, uint32_t n, double *b)
{
    pb__bil_band_cholesky_apply(L, n, n ? n - 1 : 0, b);
}

int pb__bil_cholesky_solve(double *S, uint32_t n, double *b)
{
    return pb__bil_band_cholesky_solve(S, n, n ? n - 1 : 0, b);
}

/* A and A^{-1} from Q diag(s) Q^T, s evenly spaced over [0.5, 1]. */
static int draw_lower(pb_rng *rng, lq *q, uint32_t dy)
{
    double *Q = malloc((size_t)dy * dy * sizeof(double));
    if (!Q)
        return -1;
    pb__random_orthogonal(rng, Q, dy);
    for (uint32_t k = 0; k < dy; k++) {
        double s = dy > 1 ? 0.5 + 0.5 * k / (dy - 1) : 1.0;
        const double *qk = Q + (size_t)k * dy;
        for (uint32_t i = 0; i < dy; i++)
            for (uint32_t j = 0; j < dy; j++) {
                q->A[(size_t)i * dy + j] += s * qk[i] * qk[j];
                q->Ainv[(size_t)i * dy + j] += qk[i] * qk[j] / s;
            }
    }
    free(Q);
    return 0;
}

/*
 * The model, in one allocation (freed by free): A and A^{-1} drawn from rng, B (dy x dx),
 * and for a least-squares upper level of m rows C, t and r; the caller draws the rest.
 * NULL when out of memory.
 */
static lq *lq_new(pb_rng *rng, uint32_t dx, uint32_t dy, uint32_t m)
{
    size_t dd = (size_t)dy * dy, n = 2 * dd + (size_t)dy * dx + (size_t)m * dy + 2 * (size_t)m;
    lq *q = calloc(1, sizeof *q + n * sizeof(double));
    if (!q)
        return NULL;
    q->m = m;
    q->A = q->mem;
    q->Ainv = q->A + dd;
    q->B = q->Ainv + dd;
    if (m) {
        q->C = q->B + (size_t)dy * dx;
        q->t = q->C + (size_t)m * dy;
        q->r = q->t + m;
    }
    if (draw_lower(rng, q, dy) != 0) {
        free(q);
        return NULL;
    }
    return q;
}

/* The problem of model q (NULL: out of memory), which it owns, with x_opt for the caller to
 * fill; NULL with a message. */
static pb__bil_problem *new_lq(uint32_t dx, uint32_t dy, lq *q, char *err, size_t errlen)
{
    static const pb__bil_fns fns = {.grad_x_f = lq_grad_x_f, .grad_y_f = lq_grad_y_f,
                                    .grad_y_g = lq_grad_y_g, .hvp_yy_g = lq_hvp,
                                    .cross_xy_g = lq_cross, .grad_x_g = lq_grad_x_g,
                                    .f = lq_f, .y_star = lq_y_star, .solve_yy = lq_solve,
                                    .g = lq_g};
    pb__bil_problem *p = pb__bil_problem_new(dx, dy, 1, &fns, q, free, err, errlen);
    if (!p)
        return NULL;
    p->oracle.noise = 0.1;
    p->oracle.mu_g = dy > 1 ? 0.5 : 1.0; /* spec(A) = [0.5, 1] (draw_lower) */
    p->oracle.l_g = 1.0;
    return p;
}

static int open_quadratic(unsigned long inst, pb__problem **out, char *err, size_t errlen)
{
    const uint32_t dx = 10, dy = 20, m = 20;
    pb_rng rng;
    pb_rng_seed(&rng, 0x62717561u /* "bqua" */, inst);
    pb__bil_problem *p = new_lq(dx, dy, lq_new(&rng, dx, dy, m), err, errlen);
    if (!p)
        return -1;
    lq *q = p->model;
    /* Scratch: M (m x dx), S (dx x dx) and two columns (dy). */
    double *M = malloc(((size_t)m * dx + (size_t)dx * dx + 2 * (size_t)dy) * sizeof(double));
    if (!M) {
        pb__problem_close(&p->base);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    double *S = M + (size_t)m * dx, *col = S + (size_t)dx * dx, *col2 = col + dy;
    for (size_t k = 0; k < (size_t)dy * dx; k++)
        q->B[k] = pb_rng_normal(&rng) / sqrt((double)dx);
    for (size_t k = 0; k < (size_t)m * dy; k++)
        q->C[k] = pb_rng_normal(&rng) / (2.0 * sqrt((double)dy));
    for (uint32_t i = 0; i < m; i++)
        q->t[i] = 2.0 * pb_rng_normal(&rng);
    /* M = C A^{-1} B, column by column. */
    for (uint32_t j = 0; j < dx; j++) {
        for (uint32_t i = 0; i < dy; i++)
            col[i] = q->B[(size_t)i * dx + j];
        pb__bil_matvec(q->Ainv, dy, dy, col, col2);
        pb__bil_matvec(q->C, m, dy, col2, q->r);
        for (uint32_t i = 0; i < m; i++)
            M[(size_t)i * dx + j] = q->r[i];
    }
    for (uint32_t i = 0; i < dx; i++)
        for (uint32_t j = 0; j < dx; j++) {
            double s = i == j ? 0.1 : 0.0;
            for (uint32_t k = 0; k < m; k++)
                s += M[(size_t)k * dx + i] * M[(size_t)k * dx + j];
            S[(size_t)i * dx + j] = s;
        }
    pb__bil_mattvec(M, m, dx, q->t, p->x_opt);
    pb__bil_cholesky_solve(S, dx, p->x_opt); /* S >= 0.1 I: positive definite */
    free(M);
    p->phi_opt = pb__bil_phi(p, p->x_opt);
    *out = &p->base;
    return 0;
}

static int open_cosh(unsigned long d, pb__problem **out, char *err, size_t errlen)
{
    uint32_t n = (uint32_t)d;
    pb_rng rng;
    pb_rng_seed(&rng, 0x62636f73u /* "bcos" */, n);
    lq *q = lq_new(&rng, n, n, 0);
    if (q) { /* B = A: y*(x) = x */
        memcpy(q->B, q->A, (size_t)n * n * sizeof(double));
        q->cosh_upper = 1;
    }
    pb__bil_problem *p = new_lq(n, n, q, err, errlen);
    if (!p)
        return -1;
    for (uint32_t i = 0; i < n; i++) {
        p->x_opt[i] = 1.0;
        p->x0[i] = 10.0;
    }
    p->phi_opt = (double)n;
    *out = &p->base;
    return 0;
}

const pb__numbered_family pb__family_bil_quadratic =
    PB__INSTANCE_FAMILY(pb__kind_bilevel, "bilevel-quadratic",
        "dx 10, dy 20: quadratic lower level (spec [0.5, 1]), least-squares upper level, closed-form x*",
        open_quadratic);
const pb__numbered_family pb__family_bil_cosh =
    PB__NUMBERED_FAMILY(pb__kind_bilevel, "bilevel-cosh", "d<dim>", 1000,
        "unbounded smoothness: sum cosh(y_i - 1) over a quadratic lower level with y*(x) = x, from x0 = 10",
        open_cosh);
