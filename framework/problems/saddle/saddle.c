/* The saddle kind: bits and operator calls counted by the host, the exact solution, the gap. */
#include "sad_problem.h"

#include "../bilevel/bil_problem.h" /* pb__bil_cholesky_solve */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_saddle_bilinear, pb__family_saddle_quadratic;

/* F's blocks from one worker's data (or the means): (B x + A y + a, -A^T x + C y - b); with
 * a and b NULL, the Jacobian's product J z alone. */
static void apply(const pb__sad_problem *p, const double *A, const double *bd, const double *cd,
                  const double *a, const double *b, const double *z, double *out)
{
    uint32_t dx = p->dx, dy = p->dy;
    const double *x = z, *y = z + dx;
    double *gx = out, *gy = out + dx;
    for (uint32_t j = 0; j < dy; j++)
        gy[j] = b ? cd[j] * y[j] - b[j] : cd[j] * y[j];
    for (uint32_t i = 0; i < dx; i++) {
        const double *row = A + (size_t)i * dy;
        double s = a ? bd[i] * x[i] + a[i] : bd[i] * x[i];
        for (uint32_t j = 0; j < dy; j++) {
            s += row[j] * y[j];
            gy[j] -= row[j] * x[i];
        }
        gx[i] = s;
    }
}

void pb__sad_operator(const pb__sad_problem *p, uint32_t m, const double *z, double *out)
{
    if (m == p->workers) {
        apply(p, p->A_mean, p->bdiag_mean, p->cdiag_mean, p->a_mean, p->b_mean, z, out);
        return;
    }
    apply(p, p->A + (size_t)m * p->dx * p->dy, p->bdiag + (size_t)m * p->dx,
          p->cdiag + (size_t)m * p->dy, p->a + (size_t)m * p->dx, p->b + (size_t)m * p->dy, z,
          out);
}

double pb__sad_counted_oper(const pb_saddle *self, uint32_t worker, const double *z, double *out)
{
    pb__sad_problem *p = self->host;
    if (worker >= p->workers)
        return -1.0;
    /* It costs no bits, so the budget never refuses it; solution() may not call it. */
    if (p->base.measuring) {
        p->base.oracle_misuse = 1;
        return NAN;
    }
    p->operator_calls++;
    pb__sad_operator(p, worker, z, out);
    return 0.0;
}

/* The bits of one message as the header states them; 0 for a malformed message. */
static uint64_t message_bits(pb__sad_problem *p, uint32_t n, const uint32_t *idx)
{
    if (!idx)
        return n == p->dim ? (uint64_t)PB_SADDLE_VALUE_BITS * p->dim : 0;
    if (n > p->dim)
        return 0;
    if (++p->stamp_gen == 0) { /* wrapped: no coordinate may keep an old stamp */
        memset(p->stamp, 0, p->dim * sizeof *p->stamp);
        p->stamp_gen = 1;
    }
    for (uint32_t i = 0; i < n; i++) {
        if (idx[i] >= p->dim || p->stamp[idx[i]] == p->stamp_gen)
            return 0;
        p->stamp[idx[i]] = p->stamp_gen;
    }
    return (uint64_t)n * (PB_SADDLE_VALUE_BITS + p->oracle.index_bits);
}

/* One message over `links` links: counted, then delivered into out. */
static double deliver(pb__sad_problem *p, uint64_t links, uint32_t n, const uint32_t *idx,
                      const double *val, double *out)
{
    uint64_t bits = message_bits(p, n, idx);
    if (bits == 0 && (!idx || n > 0))
        return -1.0;
    if (pb__oracle_refused(&p->base, bits * links))
        return NAN;
    p->base.cost += bits * links;
    if (!idx) {
        memmove(out, val, p->dim * sizeof *out);
    } else {
        memset(out, 0, p->dim * sizeof *out);
        for (uint32_t i = 0; i < n; i++)
            out[idx[i]] = val[i];
    }
    return (double)(bits * links);
}

double pb__sad_counted_send_up(const pb_saddle *self, uint32_t worker, uint32_t n,
                               const uint32_t *idx, const double *val, double *out)
{
    pb__sad_problem *p = self->host;
    if (worker >= p->workers)
        return -1.0;
    return deliver(p, 1, n, idx, val, out);
}

double pb__sad_counted_broadcast(const pb_saddle *self, uint32_t n, const uint32_t *idx,
                                 const double *val, double *out)
{
    pb__sad_problem *p = self->host;
    return deliver(p, p->workers, n, idx, val, out);
}

/*
 * The duality gap of the mean f at z = (x, y), max_y' f(x, y') - min_x' f(x', y):
 *     1/2 x^T B x + a^T x + 1/2 u^T C^-1 u  +  1/2 y^T C y - b^T y + 1/2 v^T B^-1 v,
 * u = A^T x + b, v = A y + a (B and C diagonal): 0 at z* and positive elsewhere.
 */
static double gap(const pb__sad_problem *p, const double *z, double *u)
{
    uint32_t dx = p->dx, dy = p->dy;
    const double *x = z, *y = z + dx;
    double g = 0.0;
    for (uint32_t j = 0; j < dy; j++)
        u[j] = p->b_mean[j];
    for (uint32_t i = 0; i < dx; i++) {
        const double *row = p->A_mean + (size_t)i * dy;
        double v = p->a_mean[i];
        for (uint32_t j = 0; j < dy; j++) {
            v += row[j] * y[j];
            u[j] += row[j] * x[i];
        }
        g += 0.5 * p->bdiag_mean[i] * x[i] * x[i] + p->a_mean[i] * x[i] +
             0.5 * v * v / p->bdiag_mean[i];
    }
    for (uint32_t j = 0; j < dy; j++)
        g += 0.5 * u[j] * u[j] / p->cdiag_mean[j] + 0.5 * p->cdiag_mean[j] * y[j] * y[j] -
             p->b_mean[j] * y[j];
    return g;
}

static int measure(pb__problem *base, const double *z, double *out)
{
    pb__sad_problem *p = (pb__sad_problem *)base;
    double d2 = 0.0;
    for (uint32_t i = 0; i < p->dim; i++)
        d2 += (z[i] - p->z_opt[i]) * (z[i] - p->z_opt[i]);
    out[0] = d2;
    out[1] = isfinite(d2) ? gap(p, z, p->work) : NAN;
    return isfinite(out[0]) && isfinite(out[1]) ? 0 : 1;
}

/* extras: [0] 1 once reported, [1] the operator calls. */
static void collect_extras(const pb__problem *base, double *extras)
{
    const pb__sad_problem *p = (const pb__sad_problem *)base;
    extras[0] = 1.0;
    extras[1] = (double)p->operator_calls;
}

static void record_extras(const double *extras, cJSON *record)
{
    if (extras[0] == 1.0)
        cJSON_AddNumberToObject(record, "operator_calls", extras[1]);
    else
        cJSON_AddNullToObject(record, "operator_calls");
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__sad_problem *p = (const pb__sad_problem *)base;
    cJSON_AddNumberToObject(obj, "dimension", p->dim);
    cJSON_AddNumberToObject(obj, "dim_x", p->dx);
    cJSON_AddNumberToObject(obj, "workers", p->workers);
    cJSON_AddNumberToObject(obj, "index_bits", p->oracle.index_bits);
    cJSON_AddNumberToObject(obj, "lipschitz", p->oracle.lipschitz);
    cJSON_AddNumberToObject(obj, "mu", p->oracle.mu);
    if (isnan(p->lambda))
        cJSON_AddNullToObject(obj, "lambda");
    else
        cJSON_AddNumberToObject(obj, "lambda", p->lambda);
}

static void destroy(pb__problem *base)
{
    free(base); /* everything lives in the problem's block */
}

pb__sad_problem *pb__sad_problem_new(uint32_t dx, uint32_t dy, uint32_t workers, char *err,
                                     size_t errlen)
{
    uint32_t d = dx + dy;
    size_t m = workers, axy = (size_t)dx * dy;
    const pb_array arrays[] = {
        PB_ARRAY(pb__sad_problem, A, m * axy), PB_ARRAY(pb__sad_problem, bdiag, m * dx),
        PB_ARRAY(pb__sad_problem, cdiag, m * dy), PB_ARRAY(pb__sad_problem, a, m * dx),
        PB_ARRAY(pb__sad_problem, b, m * dy), PB_ARRAY(pb__sad_problem, A_mean, axy),
        PB_ARRAY(pb__sad_problem, bdiag_mean, dx), PB_ARRAY(pb__sad_problem, cdiag_mean, dy),
        PB_ARRAY(pb__sad_problem, a_mean, dx), PB_ARRAY(pb__sad_problem, b_mean, dy),
        PB_ARRAY(pb__sad_problem, z_opt, d), PB_ARRAY(pb__sad_problem, z0, d),
        PB_ARRAY(pb__sad_problem, work, 2 * (size_t)d), PB_ARRAY(pb__sad_problem, stamp, d)};
    pb__sad_problem *p = pb_block_new(sizeof *p, sizeof arrays / sizeof arrays[0], arrays);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->dim = d;
    p->dx = dx;
    p->dy = dy;
    p->workers = workers;
    p->lambda = NAN;
    uint32_t bits = 0;
    while (bits < 32 && ((uint64_t)1 << bits) < d)
        bits++;
    p->oracle = (pb_saddle){
        .struct_size = sizeof(pb_saddle),
        .dim = d,
        .dim_x = dx,
        .workers = workers,
        .index_bits = bits,
        .z0 = p->z0,
        .oper = pb__sad_counted_oper,
        .send_up = pb__sad_counted_send_up,
        .broadcast = pb__sad_counted_broadcast,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_saddle, &p->oracle, d);
    return p;
}

/* The mean of M blocks of n doubles, in worker order. */
static void mean_of(const double *blocks, uint32_t M, size_t n, double *out)
{
    memset(out, 0, n * sizeof *out);
    for (uint32_t m = 0; m < M; m++)
        for (size_t i = 0; i < n; i++)
            out[i] += blocks[m * n + i];
    for (size_t i = 0; i < n; i++)
        out[i] /= M;
}

/*
 * z* from F(z*) = 0: y = C^-1 (A^T x + b) and the Schur complement
 * (B + A C^-1 A^T) x = -a - A C^-1 b, solved by Cholesky.
 */
static int solve(pb__sad_problem *p)
{
    uint32_t dx = p->dx, dy = p->dy;
    const double *A = p->A_mean;
    double *S = malloc((size_t)dx * dx * sizeof *S);
    if (!S)
        return -1;
    double *x = p->z_opt, *y = p->z_opt + dx;
    for (uint32_t i = 0; i < dx; i++) {
        const double *ri = A + (size_t)i * dy;
        double r = -p->a_mean[i];
        for (uint32_t j = 0; j < dy; j++)
            r -= ri[j] * p->b_mean[j] / p->cdiag_mean[j];
        x[i] = r;
        for (uint32_t k = 0; k <= i; k++) {
            const double *rk = A + (size_t)k * dy;
            double s = 0.0;
            for (uint32_t j = 0; j < dy; j++)
                s += ri[j] * rk[j] / p->cdiag_mean[j];
            S[(size_t)i * dx + k] = s + (i == k ? p->bdiag_mean[i] : 0.0);
        }
    }
    int rc = pb__bil_cholesky_solve(S, dx, x);
    free(S);
    for (uint32_t j = 0; j < dy; j++) {
        double s = p->b_mean[j];
        for (uint32_t i = 0; i < dx; i++)
            s += A[(size_t)i * dy + j] * x[i];
        y[j] = s / p->cdiag_mean[j];
    }
    return rc;
}

/*
 * |J_m|_2 for J_m = [[B_m, A_m], [-A_m^T, C_m]], F_m's constant Jacobian: the square root of
 * J_m^T J_m's largest eigenvalue by 100 power iterations from the all-ones vector (an
 * estimate from below, within 1% on the default problems; see tests/saddle). J_m^T = S J_m S
 * for S = diag(I, -I), so both products are apply()'s.
 */
static double worker_lipschitz(const pb__sad_problem *p, uint32_t m, double *v, double *w)
{
    uint32_t d = p->dim, dx = p->dx;
    const double *A = p->A + (size_t)m * dx * p->dy, *bd = p->bdiag + (size_t)m * dx,
                 *cd = p->cdiag + (size_t)m * p->dy;
    double norm = sqrt((double)d), est = 0.0;
    for (uint32_t i = 0; i < d; i++)
        v[i] = 1.0 / norm;
    for (int it = 0; it < 100; it++) {
        apply(p, A, bd, cd, NULL, NULL, v, w); /* w = S J v */
        for (uint32_t i = dx; i < d; i++)
            w[i] = -w[i];
        apply(p, A, bd, cd, NULL, NULL, w, v); /* v = S J S J v = J^T J v */
        for (uint32_t i = dx; i < d; i++)
            v[i] = -v[i];
        double n2 = 0.0;
        for (uint32_t i = 0; i < d; i++)
            n2 += v[i] * v[i];
        est = sqrt(sqrt(n2)); /* |J^T J v| for a unit v: the top eigenvalue of J^T J */
        for (uint32_t i = 0; i < d; i++)
            v[i] /= sqrt(n2);
    }
    return est;
}

int pb__sad_problem_finish(pb__sad_problem *p, char *err, size_t errlen)
{
    uint32_t M = p->workers, dx = p->dx, dy = p->dy;
    mean_of(p->A, M, (size_t)dx * dy, p->A_mean);
    mean_of(p->bdiag, M, dx, p->bdiag_mean);
    mean_of(p->cdiag, M, dy, p->cdiag_mean);
    mean_of(p->a, M, dx, p->a_mean);
    mean_of(p->b, M, dy, p->b_mean);
    double mu = INFINITY;
    for (uint32_t i = 0; i < dx; i++)
        mu = fmin(mu, p->bdiag_mean[i]);
    for (uint32_t j = 0; j < dy; j++)
        mu = fmin(mu, p->cdiag_mean[j]);
    if (!(mu > 0.0)) {
        snprintf(err, errlen, "%s: the mean operator is not strongly monotone", p->base.id);
        free(p);
        return -1;
    }
    if (solve(p) != 0) {
        snprintf(err, errlen, "%s: out of memory, or no Cholesky factor for z*", p->base.id);
        free(p);
        return -1;
    }
    double L = 0.0;
    for (uint32_t m = 0; m < M; m++)
        L = fmax(L, worker_lipschitz(p, m, p->work, p->work + p->dim));
    p->oracle.mu = mu;
    p->oracle.lipschitz = L;
    return 0;
}

/* The saddle kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_saddle = {
    .name = "saddle",
    .abi_kind = PB_KIND_SADDLE,
    .cost_unit = "bits",
    .doc = "a distributed variational inequality (saddle point) with the host counting the "
           "bits sent between workers and server",
    .metrics = {"dist_sq", "gap"},
    /* The default suite: the paper's bilinear problem (M = 10, d = 100), 1e8 bits: about
     * 2.4 s of CPU for its 15 runs. */
    .default_problems = {"saddle-bilinear-d100-m10-i1"},
    .default_budget = {.cost = 100000000},
    .families = {&pb__family_saddle_bilinear, &pb__family_saddle_quadratic},
    .ops = {.measure = measure, .collect_extras = collect_extras, .describe = describe,
            .destroy = destroy},
    .record_extras = record_extras,
};
