/*
 * The Sinkhorn kernels (see ot_kernels.h). The time goes into exp: n m of them per half
 * iteration. ot_exp below is branch-free so that GCC vectorizes the loops that call it;
 * on x86-64 the hot loops are also compiled for AVX2 + FMA and picked at load time
 * (target_clones), so the .so runs on any x86-64 and uses 4 lanes where it can.
 *
 * The log form used by the plugins is stabilized (ot_stab): Sinkhorn iterations on a kernel
 * Kt = exp(K + a0 + b0) absorbed at potentials (a0, b0), with scalings u, v kept in
 * [e^-tau, e^tau]; a scaling that would leave that window is absorbed into the potentials
 * and the iteration is done in the log domain with exact log-sum-exps instead. The iterates
 * are Sinkhorn's, in the log domain; the exps are paid only at absorptions.
 *
 * Log-sum-exp without a max pass: a row's LSE moves little from one iteration to the next,
 * so the last one is the shift: sum_j exp(K_ij + b_j - s_i). When the sum is out of
 * [1e-250, 1e250] (the shift was far off) the row is recomputed with the exact max, so the
 * result is as accurate as the two-pass form while reading K once.
 */
#include "ot_kernels.h"

#include <float.h>
#include <math.h>

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* Only on static functions: GCC gives the ifunc of a non-static clone default visibility,
 * so the plugin would export it. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define OT_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
/* The float pass also for AVX-512 (x86-64-v4), where widening each entry to double costs
 * half as many instructions; it is new code, so no result made with the v3 clone moves. */
#define OT_CLONES_512 __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define OT_CLONES
#define OT_CLONES_512
#endif

#define BLOCK 512
#define SUM_LOW 1e-250
#define SUM_HIGH 1e250

/*
 * exp(x): x = k ln2 + t with |t| <= ln2/2, exp(t) by its Taylor polynomial of degree 13
 * (truncation error below 5e-18, evaluated by Estrin's scheme), times 2^k built in the exponent bits. x is clamped to
 * [-708, 708]: below, the true value (< 3.3e-308) is returned as a tiny positive number of
 * no weight next to the shifted maximum 1; above never occurs with the shifts used here.
 */
static inline double ot_exp(double x)
{
    x = x < -708.0 ? -708.0 : x;
    x = x > 708.0 ? 708.0 : x;
    const double shifter = 0x1.8p52;
    double kd = x * 0x1.71547652b82fep0 + shifter; /* round(x / ln 2) in the low bits */
    union {
        double d;
        uint64_t u;
    } k = {kd}, scale;
    kd -= shifter;
    double t = x - kd * 0x1.62e42fefa3800p-1; /* ln 2, high part: k * hi is exact */
    t -= kd * 0x1.ef35793c7673p-45;           /* ln 2, low part */
    /* Estrin's scheme: depth 4 instead of Horner's 13, so that the FMAs overlap. */
    double t2 = t * t, t4 = t2 * t2, t8 = t4 * t4;
    double q0 = 1.0 + t, q1 = 0.5 + t * (1.0 / 6.0), q2 = 1.0 / 24.0 + t * (1.0 / 120.0),
           q3 = 1.0 / 720.0 + t * (1.0 / 5040.0), q4 = 1.0 / 40320.0 + t * (1.0 / 362880.0),
           q5 = 1.0 / 3628800.0 + t * (1.0 / 39916800.0),
           q6 = 1.0 / 479001600.0 + t * (1.0 / 6227020800.0);
    double r0 = q0 + t2 * q1, r1 = q2 + t2 * q3, r2 = q4 + t2 * q5;
    double p = (r0 + t4 * r1) + t8 * (r2 + t4 * q6);
    scale.u = (k.u + 1023) << 52; /* the low bits of k.u hold k (two's complement) */
    return p * scale.d;
}

/* sum_j exp(row[j] + add[j] - shift), j < len; tmp holds BLOCK doubles. */
OT_CLONES static double sum_exp_shifted(const double *row, const double *add, double shift,
                                        size_t len, double *tmp)
{
    double acc[8] = {0};
    for (size_t j0 = 0; j0 < len; j0 += BLOCK) {
        size_t nb = len - j0 < BLOCK ? len - j0 : BLOCK;
        for (size_t j = 0; j < nb; j++)
            tmp[j] = ot_exp(row[j0 + j] + add[j0 + j] - shift);
        add8(acc, tmp, nb);
    }
    return sum8(acc);
}

/* max_j row[j] + add[j]. */
static double max_sum(const double *row, const double *add, size_t len)
{
    double mx = -INFINITY;
    for (size_t j = 0; j < len; j++)
        mx = row[j] + add[j] > mx ? row[j] + add[j] : mx;
    return mx;
}

/* LSE_j(row[j] + add[j]), starting from *shift and updating it to the result. */
static double row_lse(const double *row, const double *add, size_t len, double *shift, int exact,
                      double *tmp)
{
    double s = exact ? max_sum(row, add, len) : *shift;
    double sum = sum_exp_shifted(row, add, s, len, tmp);
    if (!(sum >= SUM_LOW && sum <= SUM_HIGH)) {
        s = max_sum(row, add, len);
        sum = sum_exp_shifted(row, add, s, len, tmp);
    }
    *shift = s + log(sum);
    return *shift;
}

/* acc[j] += exp(row[j] + t - shift[j]), j < len. */
OT_CLONES static void col_accumulate(const double *row, double t, const double *shift, double *acc,
                                     size_t len)
{
    for (size_t j = 0; j < len; j++)
        acc[j] += ot_exp(row[j] + t - shift[j]);
}

/* The exact LSE_i(K_ij + a_i) of column j (strided; only when a shift was far off). */
static double col_lse_exact(const ot_log *s, uint32_t j)
{
    double mx = -INFINITY, sum = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        double v = s->k[(size_t)i * s->m + j] + s->a[i];
        mx = v > mx ? v : mx;
    }
    for (uint32_t i = 0; i < s->n; i++)
        sum += exp(s->k[(size_t)i * s->m + j] + s->a[i] - mx);
    return mx + log(sum);
}

/* Doubles per 64 bytes: carve() starts each array on a cache line. */
#define LINE 8

/*
 * One allocation for a state's arrays: points *arrays[k] at counts[k] zeroed doubles, each
 * starting on a 64-byte boundary, for k < n. Returns the block (one free() releases all of
 * them), or NULL when out of memory.
 */
static double *carve(size_t n, double **const arrays[], const size_t counts[])
{
    size_t total = 0;
    for (size_t k = 0; k < n; k++)
        total += (counts[k] + LINE - 1) / LINE * LINE;
    double *block = total ? aligned_alloc(LINE * sizeof(double), total * sizeof(double)) : NULL;
    if (!block)
        return NULL;
    memset(block, 0, total * sizeof(double));
    for (size_t k = 0, at = 0; k < n; k++) {
        *arrays[k] = block + at;
        at += (counts[k] + LINE - 1) / LINE * LINE;
    }
    return block;
}

int ot_log_init(ot_log *s, uint32_t n, uint32_t m, double eta, const double *cost,
                const double *r, const double *c)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    s->m = m;
    s->r = r;
    double **const arrays[] = {&s->k,       &s->log_r,   &s->log_c, &s->shift_r,
                               &s->shift_c, &s->acc, &s->tmp};
    const size_t counts[] = {(size_t)n * m, n, m, n, m, m, BLOCK};
    s->block = carve(sizeof counts / sizeof counts[0], arrays, counts);
    s->a = calloc(n, sizeof(double));
    s->b = calloc(m, sizeof(double));
    if (!s->block || !s->a || !s->b) {
        ot_log_free(s);
        return -1;
    }
    for (size_t k = 0; k < (size_t)n * m; k++)
        s->k[k] = -eta * cost[k];
    for (uint32_t i = 0; i < n; i++)
        s->log_r[i] = log(r[i]);
    for (uint32_t j = 0; j < m; j++)
        s->log_c[j] = log(c[j]);
    return 0;
}

void ot_log_free(ot_log *s)
{
    free(s->block);
    free(s->a);
    free(s->b);
    memset(s, 0, sizeof *s);
}

int ot_log_iterate(ot_log *s, double stop_below, double *row_error)
{
    const uint32_t n = s->n, m = s->m;
    const int exact = !s->have_shifts;
    /* Row log-sum-exps for the current b; they give the row error of the entry state. */
    double err = 0;
    for (uint32_t i = 0; i < n; i++) {
        double lse = row_lse(s->k + (size_t)i * m, s->b, m, &s->shift_r[i], exact, s->tmp);
        err += fabs(exp(s->a[i] + lse) - s->r[i]);
    }
    *row_error = err;
    if (err <= stop_below)
        return 1;
    for (uint32_t i = 0; i < n; i++)
        s->a[i] = s->log_r[i] - s->shift_r[i];
    /* Column log-sum-exps for the new a, reading K row by row. */
    if (exact) {
        for (uint32_t j = 0; j < m; j++)
            s->shift_c[j] = -INFINITY;
        for (uint32_t i = 0; i < n; i++) {
            const double *row = s->k + (size_t)i * m;
            for (uint32_t j = 0; j < m; j++)
                s->shift_c[j] = row[j] + s->a[i] > s->shift_c[j] ? row[j] + s->a[i] : s->shift_c[j];
        }
    }
    memset(s->acc, 0, m * sizeof(double));
    for (uint32_t i = 0; i < n; i++)
        col_accumulate(s->k + (size_t)i * m, s->a[i], s->shift_c, s->acc, m);
    for (uint32_t j = 0; j < m; j++) {
        double sum = s->acc[j];
        s->shift_c[j] = sum >= SUM_LOW && sum <= SUM_HIGH ? s->shift_c[j] + log(sum)
                                                          : col_lse_exact(s, j);
        s->b[j] = s->log_c[j] - s->shift_c[j];
    }
    s->have_shifts = 1;
    return 0;
}

/*
 * OT_PASS_FLOAT's kernel F (ot_kernels.h): lift_a_i = eta min_j C_ij makes each row's
 * largest entry 1; lift_b_j = min_i eta C_ij - lift_a_i >= 0 then brings each column's to 1
 * (a row's largest stays 1: its column's lift is 0). The scalings start where u = v = 1.
 */
static void lift_float_kernel(ot_scaling *s, double eta, const double *cost)
{
    const uint32_t n = s->n, m = s->m;
    for (uint32_t j = 0; j < m; j++)
        s->lift_b[j] = INFINITY;
    for (uint32_t i = 0; i < n; i++) {
        const double *row = cost + (size_t)i * m;
        double low = INFINITY;
        for (uint32_t j = 0; j < m; j++)
            low = row[j] < low ? row[j] : low;
        s->lift_a[i] = eta * low;
        for (uint32_t j = 0; j < m; j++)
            s->lift_b[j] = fmin(s->lift_b[j], eta * row[j] - s->lift_a[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        const double *row = cost + (size_t)i * m;
        for (uint32_t j = 0; j < m; j++) {
            double x = exp(s->lift_a[i] + s->lift_b[j] - eta * row[j]);
            s->ef[(size_t)i * m + j] = x < FLT_MIN ? 0.0f : (float)x;
        }
        s->u[i] = exp(-s->lift_a[i]);
    }
    for (uint32_t j = 0; j < m; j++)
        s->v[j] = exp(-s->lift_b[j]);
}

int ot_scaling_init(ot_scaling *s, uint32_t n, uint32_t m, double eta, const double *cost,
                    const double *r, const double *c, int pass)
{
    memset(s, 0, sizeof *s);
    /* One thread: the harness runs isolated runs in parallel and times one core each. */
    openblas_set_num_threads(1);
    s->n = n;
    s->m = m;
    s->pass = pass;
    s->r = r;
    s->c = c;
    const size_t nm = (size_t)n * m;
    double **const arrays[] = {&s->e, &s->u, &s->u_new, &s->v, &s->y, &s->lift_a, &s->lift_b};
    const int lifted = pass == OT_PASS_FLOAT;
    const size_t counts[] = {lifted ? 0 : nm, n, n, m, m, lifted ? n : 0, lifted ? m : 0};
    s->block = carve(sizeof counts / sizeof counts[0], arrays, counts);
    if (lifted && s->block) { /* whole cache lines, as carve's */
        s->e = NULL;
        s->ef = aligned_alloc(LINE * sizeof(double), (nm * sizeof(float) + 63) / 64 * 64);
    } else {
        s->lift_a = s->lift_b = NULL;
    }
    if (!s->block || (lifted && !s->ef)) {
        ot_scaling_free(s);
        return -1;
    }
    for (uint32_t i = 0; i < n; i++)
        s->u[i] = 1.0;
    for (uint32_t j = 0; j < m; j++)
        s->v[j] = 1.0;
    if (lifted)
        lift_float_kernel(s, eta, cost);
    else if (cost)
        for (size_t k = 0; k < nm; k++)
            s->e[k] = exp(-eta * cost[k]);
    return 0;
}

void ot_scaling_free(ot_scaling *s)
{
    free(s->block);
    free(s->ef);
    memset(s, 0, sizeof *s);
}

/*
 * One fused pass over E, four rows at a time while they are in cache: s_i = (E v)_i,
 * u_new_i = r_i / s_i, y += u_new_i E_i. (so y = E^T u_new). Four rows share each load of
 * v and each load and store of y. Returns sum_i |u_i s_i - r_i|, the row error of the entry
 * state. Defined for E in double (fused_pass) and in float (fused_pass_float: each entry
 * is widened on load, every product and sum is in double): one body, so that the two
 * differ in the width of E's entries (and the clones compiled) only.
 */
#define FUSED_PASS(name, T, clones)                                                           \
    clones static double name(const T *e, const double *v, const double *r,               \
                                 const double *u, double *u_new, double *y, uint32_t n,       \
                                 uint32_t m)                                                  \
    {                                                                                         \
        memset(y, 0, m * sizeof(double));                                                     \
        double err = 0;                                                                       \
        uint32_t i = 0;                                                                       \
        for (; i + 4 <= n; i += 4) {                                                          \
            const T *r0 = e + (size_t)i * m, *r1 = r0 + m, *r2 = r1 + m, *r3 = r2 + m;        \
            double a0[4] = {0}, a1[4] = {0}, a2[4] = {0}, a3[4] = {0};                        \
            size_t j = 0;                                                                   \
            for (; j + 4 <= m; j += 4)                                                        \
                for (int q = 0; q < 4; q++) {                                                 \
                    a0[q] += (double)r0[j + q] * v[j + q];                                    \
                    a1[q] += (double)r1[j + q] * v[j + q];                                    \
                    a2[q] += (double)r2[j + q] * v[j + q];                                    \
                    a3[q] += (double)r3[j + q] * v[j + q];                                    \
                }                                                                             \
            for (; j < m; j++) {                                                              \
                a0[0] += (double)r0[j] * v[j];                                                \
                a1[0] += (double)r1[j] * v[j];                                                \
                a2[0] += (double)r2[j] * v[j];                                                \
                a3[0] += (double)r3[j] * v[j];                                                \
            }                                                                                 \
            double s4[4] = {(a0[0] + a0[1]) + (a0[2] + a0[3]),                                \
                            (a1[0] + a1[1]) + (a1[2] + a1[3]),                                \
                            (a2[0] + a2[1]) + (a2[2] + a2[3]),                                \
                            (a3[0] + a3[1]) + (a3[2] + a3[3])};                               \
            double w[4];                                                                      \
            for (int q = 0; q < 4; q++) {                                                     \
                err += fabs(u[i + q] * s4[q] - r[i + q]);                                     \
                w[q] = r[i + q] / s4[q];                                                      \
                u_new[i + q] = w[q];                                                          \
            }                                                                                 \
            for (j = 0; j < m; j++)                                                           \
                y[j] += (w[0] * (double)r0[j] + w[1] * (double)r1[j]) +                       \
                        (w[2] * (double)r2[j] + w[3] * (double)r3[j]);                        \
        }                                                                                     \
        for (; i < n; i++) {                                                                  \
            const T *row = e + (size_t)i * m;                                                 \
            double acc[8] = {0};                                                              \
            size_t j = 0;                                                                   \
            for (; j + 8 <= m; j += 8)                                                        \
                for (int q = 0; q < 8; q++)                                                   \
                    acc[q] += (double)row[j + q] * v[j + q];                                  \
            for (; j < m; j++)                                                                \
                acc[0] += (double)row[j] * v[j];                                              \
            double si = sum8(acc);                                                            \
            err += fabs(u[i] * si - r[i]);                                                    \
            double ui = r[i] / si;                                                            \
            u_new[i] = ui;                                                                    \
            for (j = 0; j < m; j++)                                                           \
                y[j] += ui * (double)row[j];                                                  \
        }                                                                                     \
        return err;                                                                           \
    }

FUSED_PASS(fused_pass, double, OT_CLONES)
FUSED_PASS(fused_pass_float, float, OT_CLONES_512)

/*
 * One sweep of the scaling form by two dgemv (OpenBLAS, one thread: the kernel POT's
 * `sinkhorn` uses through NumPy): s = E v (into u_new), u_new = r / s, y = E^T u_new.
 * Returns sum_i |u_i s_i - r_i|, the row error of the entry state.
 */
static double blas_pass(const ot_scaling *s)
{
    cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)s->n, (int)s->m, 1.0, s->e, (int)s->m, s->v,
                1, 0.0, s->u_new, 1);
    double err = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        err += fabs(s->u[i] * s->u_new[i] - s->r[i]);
        s->u_new[i] = s->r[i] / s->u_new[i];
    }
    cblas_dgemv(CblasRowMajor, CblasTrans, (int)s->n, (int)s->m, 1.0, s->e, (int)s->m, s->u_new,
                1, 0.0, s->y, 1);
    return err;
}

int ot_scaling_iterate(ot_scaling *s, double stop_below, double *row_error)
{
    *row_error = s->pass == OT_PASS_DGEMV ? blas_pass(s)
                 : s->pass == OT_PASS_FUSED
                     ? fused_pass(s->e, s->v, s->r, s->u, s->u_new, s->y, s->n, s->m)
                     : fused_pass_float(s->ef, s->v, s->r, s->u, s->u_new, s->y, s->n, s->m);
    if (*row_error <= stop_below)
        return 1;
    double *t = s->u;
    s->u = s->u_new;
    s->u_new = t;
    for (uint32_t j = 0; j < s->m; j++)
        s->v[j] = s->c[j] / s->y[j];
    return 0;
}

void ot_scaling_potentials(const ot_scaling *s, double *a, double *b)
{
    for (uint32_t i = 0; i < s->n; i++)
        a[i] = s->lift_a ? log(s->u[i]) + s->lift_a[i] : log(s->u[i]);
    for (uint32_t j = 0; j < s->m; j++)
        b[j] = s->lift_b ? log(s->v[j]) + s->lift_b[j] : log(s->v[j]);
}

/* p[j] = exp(x) for x = k[j] + t + b[j], or 0 when x < cut; cols[j] += p[j]; returns
 * sum_j p[j]. */
OT_CLONES static double plan_row(const double *k, double t, const double *b, double cut,
                                 double *p, double *cols, uint32_t m)
{
    for (uint32_t j = 0; j < m; j++) {
        double x = k[j] + t + b[j];
        p[j] = x < cut ? 0.0 : ot_exp(x);
    }
    for (uint32_t j = 0; j < m; j++)
        cols[j] += p[j];
    double acc[8] = {0};
    add8(acc, p, m);
    return sum8(acc);
}

/* ot_plan with the entries of exponent below cut set to 0. */
static double plan_cut(const double *k, const double *a, const double *b, double cut,
                       uint32_t n, uint32_t m, double *p, double *rows, double *cols)
{
    memset(cols, 0, m * sizeof(double));
    double total = 0;
    for (uint32_t i = 0; i < n; i++) {
        rows[i] = plan_row(k + (size_t)i * m, a[i], b, cut, p + (size_t)i * m, cols, m);
        total += rows[i];
    }
    return total;
}

int ot_stab_init(ot_stab *s, uint32_t n, uint32_t m, double eta, const double *cost,
                 const double *r, const double *c, double tau)
{
    memset(s, 0, sizeof *s);
    s->tau = tau;
    s->rows = malloc(n * sizeof(double));
    s->cols = malloc(m * sizeof(double));
    if (!s->rows || !s->cols || ot_log_init(&s->lg, n, m, eta, cost, r, c) != 0 ||
        ot_scaling_init(&s->sc, n, m, eta, NULL, r, c, OT_PASS_FUSED) != 0) {
        ot_stab_free(s);
        return -1;
    }
    return 0;
}

void ot_stab_free(ot_stab *s)
{
    ot_log_free(&s->lg);
    ot_scaling_free(&s->sc);
    free(s->rows);
    free(s->cols);
    memset(s, 0, sizeof *s);
}

/* Moves log u, log v into the potentials a, b and resets u = v = 1 (kernel now stale). */
static void absorb(ot_stab *s)
{
    if (!s->kernel_valid)
        return;
    for (uint32_t i = 0; i < s->lg.n; i++) {
        s->lg.a[i] += log(s->sc.u[i]);
        s->sc.u[i] = 1.0;
    }
    for (uint32_t j = 0; j < s->lg.m; j++) {
        s->lg.b[j] += log(s->sc.v[j]);
        s->sc.v[j] = 1.0;
    }
    s->kernel_valid = 0;
}

int ot_stab_iterate(ot_stab *s, double stop_below, double *row_error)
{
    const uint32_t n = s->lg.n, m = s->lg.m;
    if (s->kernel_valid) {
        double err = fused_pass(s->sc.e, s->sc.v, s->lg.r, s->sc.u, s->sc.u_new, s->sc.y, n, m);
        *row_error = err;
        if (err <= stop_below)
            return 1;
        /* Accept unless a scaling left [e^-tau, e^tau] (or is 0, inf or NaN). */
        const double lo = exp(-s->tau), hi = exp(s->tau);
        int ok = isfinite(err);
        for (uint32_t i = 0; i < n; i++)
            ok &= s->sc.u_new[i] >= lo && s->sc.u_new[i] <= hi;
        for (uint32_t j = 0; j < m; j++) {
            double vj = s->sc.c[j] / s->sc.y[j];
            ok &= vj >= lo && vj <= hi;
        }
        if (ok) {
            double *t = s->sc.u;
            s->sc.u = s->sc.u_new;
            s->sc.u_new = t;
            for (uint32_t j = 0; j < m; j++)
                s->sc.v[j] = s->sc.c[j] / s->sc.y[j];
            return 0;
        }
        absorb(s); /* the rejected pass is redone below in the log domain */
        s->absorptions++;
    }
    /* An exact log-sum-exp iteration, then the kernel at the new potentials. Its entries
     * below DBL_MIN e^tau are set to 0, so that no product of one with a scaling in
     * [e^-tau, e^tau] is subnormal: arithmetic on subnormals takes a microcode assist on
     * Intel cores, about 20 times the pass's time when a sixth of the products are
     * (ot-random-n500-eta1200). What they drop is below 1e-286 relative to the entries of
     * a row's mass, so that no sum they were part of changes. */
    int done = ot_log_iterate(&s->lg, stop_below, row_error);
    if (done)
        return 1;
    plan_cut(s->lg.k, s->lg.a, s->lg.b, log(DBL_MIN) + s->tau, n, m, s->sc.e, s->rows, s->cols);
    s->kernel_valid = 1;
    return 0;
}

void ot_stab_potentials(const ot_stab *s, double *a, double *b)
{
    for (uint32_t i = 0; i < s->lg.n; i++)
        a[i] = s->lg.a[i] + (s->kernel_valid ? log(s->sc.u[i]) : 0.0);
    for (uint32_t j = 0; j < s->lg.m; j++)
        b[j] = s->lg.b[j] + (s->kernel_valid ? log(s->sc.v[j]) : 0.0);
}

void ot_unscale(double *ab, size_t len, double eta)
{
    for (size_t k = 0; k < len; k++)
        ab[k] /= eta;
}

double ot_plan(const double *k, const double *a, const double *b, uint32_t n, uint32_t m,
               double *p, double *rows, double *cols)
{
    return plan_cut(k, a, b, -INFINITY, n, m, p, rows, cols);
}
