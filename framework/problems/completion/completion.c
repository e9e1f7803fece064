/* The completion kind: its table, the counted oracles and the host's measurement. */
#include "mc_problem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_mc_random;

static pb__mc_problem *host_of(const pb_completion *self) { return self->host; }

/* The view of one side: for side ROWS, the rows of Omega with their column indices. */
typedef struct side_view {
    uint32_t count;       /* rows (ROWS) or columns (COLS) */
    const uint64_t *ptr;  /* count + 1 */
    const uint32_t *idx;  /* the other index of each entry */
    const double *val;
} side_view;

static int view_of(const pb__mc_problem *p, uint32_t side, side_view *v)
{
    if (side == PB_COMPLETION_ROWS)
        *v = (side_view){p->m, p->row_ptr, p->col_idx, p->row_val};
    else if (side == PB_COMPLETION_COLS)
        *v = (side_view){p->n, p->col_ptr, p->row_idx, p->col_val};
    else
        return -1;
    return 0;
}

static double normal_equations(const pb_completion *self, uint32_t side, const double *F,
                               double *gram, double *rhs)
{
    pb__mc_problem *p = host_of(self);
    const uint32_t k = p->k;
    side_view v;
    if (view_of(p, side, &v) != 0)
        return NAN;
    if (pb__oracle_refused(&p->base, p->oracle.n_observed * ((uint64_t)k * (k + 1) / 2 + k)))
        return NAN;
    p->base.cost += p->oracle.n_observed * ((uint64_t)k * (k + 1) / 2 + k);
    for (uint32_t i = 0; i < v.count; i++) {
        double *g = gram + (size_t)i * k * k, *r = rhs + (size_t)i * k;
        memset(g, 0, (size_t)k * k * sizeof(double));
        memset(r, 0, k * sizeof(double));
        for (uint64_t e = v.ptr[i]; e < v.ptr[i + 1]; e++) {
            const double *f = F + (size_t)v.idx[e] * k;
            for (uint32_t a = 0; a < k; a++) {
                for (uint32_t b = 0; b <= a; b++)
                    g[a * k + b] += f[a] * f[b];
                r[a] += v.val[e] * f[a];
            }
        }
        for (uint32_t a = 0; a < k; a++)
            for (uint32_t b = a + 1; b < k; b++)
                g[a * k + b] = g[b * k + a];
    }
    return 0;
}

static double residual_product(const pb_completion *self, uint32_t side, const double *U,
                               const double *V, uint32_t b, const double *X, double *out)
{
    pb__mc_problem *p = host_of(self);
    const uint32_t k = p->k;
    const int zero = !U || !V;
    side_view v;
    if (view_of(p, side, &v) != 0 || b == 0)
        return NAN;
    uint64_t cost = p->oracle.n_observed * ((zero ? 0 : (uint64_t)k) + b);
    if (pb__oracle_refused(&p->base, cost))
        return NAN;
    p->base.cost += cost;
    /* The residuals first, in this side's order (out may alias nothing the loop reads). */
    double sum = 0;
    for (uint32_t i = 0; i < v.count; i++)
        for (uint64_t e = v.ptr[i]; e < v.ptr[i + 1]; e++) {
            double uv = 0;
            if (!zero) {
                const double *u = U + (size_t)(side == PB_COMPLETION_ROWS ? i : v.idx[e]) * k;
                const double *w = V + (size_t)(side == PB_COMPLETION_ROWS ? v.idx[e] : i) * k;
                for (uint32_t a = 0; a < k; a++)
                    uv += u[a] * w[a];
            }
            p->residual[e] = uv - v.val[e];
            sum += p->residual[e] * p->residual[e];
        }
    for (uint32_t i = 0; i < v.count; i++) {
        double *o = out + (size_t)i * b;
        memset(o, 0, b * sizeof(double));
        for (uint64_t e = v.ptr[i]; e < v.ptr[i + 1]; e++) {
            const double *x = X + (size_t)v.idx[e] * b;
            for (uint32_t c = 0; c < b; c++)
                o[c] += p->residual[e] * x[c];
        }
    }
    return sum;
}

int pb__mc_measure(const pb__mc_problem *p, const double *uv, double *out)
{
    const uint32_t m = p->m, n = p->n, k = p->k;
    const double *U = uv, *V = uv + (size_t)m * k;
    for (uint64_t e = 0; e < (uint64_t)(m + n) * k; e++)
        if (!isfinite(uv[e]))
            goto nonfinite;
    /* Over all entries: (U V^T - M)_ij = <[u_i, -mu_i], [v_j, mv_j]>, one 2k dot each. */
    double *w = malloc(2 * (size_t)(m + n) * k * sizeof(double));
    if (!w)
        goto nonfinite;
    double *z = w + 2 * (size_t)m * k;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t a = 0; a < k; a++) {
            w[(size_t)i * 2 * k + a] = U[(size_t)i * k + a];
            w[(size_t)i * 2 * k + k + a] = -p->mu[(size_t)i * k + a];
        }
    for (uint32_t j = 0; j < n; j++)
        for (uint32_t a = 0; a < k; a++) {
            z[(size_t)j * 2 * k + a] = V[(size_t)j * k + a];
            z[(size_t)j * 2 * k + k + a] = p->mv[(size_t)j * k + a];
        }
    /* Four columns at a time: their dots are independent chains of additions, which the
     * processor overlaps instead of waiting on one chain's latency; each dot, and the row's
     * sum of their squares, adds its terms in the order of one column at a time. */
    double all = 0;
    for (uint32_t i = 0; i < m; i++) {
        const double *wi = w + (size_t)i * 2 * k;
        double row = 0;
        uint32_t j = 0;
        for (; j + 4 <= n; j += 4) {
            const double *z0 = z + (size_t)j * 2 * k, *z1 = z0 + 2 * k, *z2 = z1 + 2 * k,
                         *z3 = z2 + 2 * k;
            double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
            for (uint32_t a = 0; a < 2 * k; a++) {
                d0 += wi[a] * z0[a];
                d1 += wi[a] * z1[a];
                d2 += wi[a] * z2[a];
                d3 += wi[a] * z3[a];
            }
            row += d0 * d0;
            row += d1 * d1;
            row += d2 * d2;
            row += d3 * d3;
        }
        for (; j < n; j++) {
            const double *zj = z + (size_t)j * 2 * k;
            double d = 0;
            for (uint32_t a = 0; a < 2 * k; a++)
                d += wi[a] * zj[a];
            row += d * d;
        }
        all += row;
    }
    free(w);
    double obs = 0;
    for (uint32_t i = 0; i < m; i++)
        for (uint64_t e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++) {
            const double *u = U + (size_t)i * k, *v = V + (size_t)p->col_idx[e] * k;
            double d = -p->row_val[e];
            for (uint32_t a = 0; a < k; a++)
                d += u[a] * v[a];
            obs += d * d;
        }
    out[PB__MC_REL_ERROR] = sqrt(all) / p->m_norm;
    out[PB__MC_OBSERVED_ERROR] = sqrt(obs) / p->obs_norm;
    return !(isfinite(out[PB__MC_REL_ERROR]) && isfinite(out[PB__MC_OBSERVED_ERROR]));
nonfinite:
    for (int i = 0; i < PB__MC_N_METRICS; i++)
        out[i] = NAN;
    return 1;
}

static int measure(pb__problem *base, const double *solution, double *metrics)
{
    return pb__mc_measure((const pb__mc_problem *)base, solution, metrics);
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__mc_problem *p = (const pb__mc_problem *)base;
    cJSON_AddNumberToObject(obj, "m", p->m);
    cJSON_AddNumberToObject(obj, "n", p->n);
    cJSON_AddNumberToObject(obj, "rank", p->k);
    cJSON_AddNumberToObject(obj, "observed", (double)p->oracle.n_observed);
    cJSON_AddNumberToObject(obj, "percent", p->percent);
    cJSON_AddNumberToObject(obj, "noise", p->noise);
    cJSON_AddNumberToObject(obj, "instance", p->instance);
}

static void destroy(pb__problem *base)
{
    pb__mc_problem *p = (pb__mc_problem *)base;
    if (!p)
        return;
    free(p->mu);
    free(p->mv);
    free(p->row_ptr);
    free(p->col_idx);
    free(p->row_val);
    free(p->col_ptr);
    free(p->row_idx);
    free(p->col_val);
    free(p->row_count);
    free(p->col_count);
    free(p->residual);
    free(p);
}

pb__mc_problem *pb__mc_problem_new(uint32_t m, uint32_t n, uint32_t k, double *mu, double *mv,
                                   const unsigned char *mask, double noise, pb_rng *rng,
                                   char *err, size_t errlen)
{
    uint64_t nnz = 0;
    for (uint64_t e = 0; e < (uint64_t)m * n; e++)
        nnz += mask[e];
    pb__mc_problem *p = calloc(1, sizeof *p);
    if (!p) {
        free(mu);
        free(mv);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->mu = mu;
    p->mv = mv;
    p->row_ptr = calloc((size_t)m + 1, sizeof *p->row_ptr);
    p->col_ptr = calloc((size_t)n + 1, sizeof *p->col_ptr);
    p->col_idx = malloc((nnz + 1) * sizeof *p->col_idx);
    p->row_idx = malloc((nnz + 1) * sizeof *p->row_idx);
    p->row_val = malloc((nnz + 1) * sizeof *p->row_val);
    p->col_val = malloc((nnz + 1) * sizeof *p->col_val);
    p->residual = malloc((nnz + 1) * sizeof *p->residual);
    p->row_count = calloc(m, sizeof *p->row_count);
    p->col_count = calloc(n, sizeof *p->col_count);
    if (!mu || !mv || !p->row_ptr || !p->col_ptr || !p->col_idx || !p->row_idx || !p->row_val ||
        !p->col_val || !p->residual || !p->row_count || !p->col_count) {
        destroy(&p->base);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    p->m = m;
    p->n = n;
    p->k = k;
    p->noise = noise;
    /* The row view in mask order, with the noise drawn in that order. */
    uint64_t e = 0;
    double obs = 0;
    for (uint32_t i = 0; i < m; i++) {
        for (uint32_t j = 0; j < n; j++) {
            if (!mask[(size_t)i * n + j])
                continue;
            double v = 0;
            for (uint32_t a = 0; a < k; a++)
                v += mu[(size_t)i * k + a] * mv[(size_t)j * k + a];
            if (noise > 0)
                v += noise * pb_rng_normal(rng);
            p->col_idx[e] = j;
            p->row_val[e] = v;
            obs += v * v;
            p->col_count[j]++;
            e++;
        }
        p->row_ptr[i + 1] = e;
        p->row_count[i] = (uint32_t)(e - p->row_ptr[i]);
    }
    /* The column view: a counting sort of the row view, which keeps rows increasing. */
    for (uint32_t j = 0; j < n; j++)
        p->col_ptr[j + 1] = p->col_ptr[j] + p->col_count[j];
    uint64_t *next = calloc((size_t)n + 1, sizeof *next);
    if (!next) {
        destroy(&p->base);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(next, p->col_ptr, ((size_t)n + 1) * sizeof *next);
    for (uint32_t i = 0; i < m; i++)
        for (uint64_t r = p->row_ptr[i]; r < p->row_ptr[i + 1]; r++) {
            uint64_t c = next[p->col_idx[r]]++;
            p->row_idx[c] = i;
            p->col_val[c] = p->row_val[r];
        }
    free(next);
    double mm = 0;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = 0; j < n; j++) {
            double v = 0;
            for (uint32_t a = 0; a < k; a++)
                v += mu[(size_t)i * k + a] * mv[(size_t)j * k + a];
            mm += v * v;
        }
    p->m_norm = sqrt(mm);
    p->obs_norm = sqrt(obs);
    p->oracle = (pb_completion){
        .struct_size = sizeof(pb_completion),
        .rank = k,
        .m = m,
        .n = n,
        .n_observed = nnz,
        .row_count = p->row_count,
        .col_count = p->col_count,
        .normal_equations = normal_equations,
        .residual_product = residual_product,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_completion, &p->oracle, (uint64_t)(m + n) * k);
    return p;
}

/* The completion kind as the registry lists it (problem.h): defined last, after its
 * operations. */
const pb__kind pb__kind_completion = {
    .name = "completion",
    .abi_kind = PB_KIND_COMPLETION,
    .cost_unit = "madds",
    .doc = "low-rank matrix completion: factors U, V of M from the entries in Omega; cost in "
           "multiply-adds on observed entries",
    .metrics = {"rel_error", "observed_error"},
    /* The instance (Jain et al.'s and Gu et al.'s setting): 1000 x 1000, rank 5,
     * 5% observed. */
    .default_problems = {"mc-m1000-n1000-k5-p5-i1"},
    .default_budget = {.cost = 100000000},
    .families = {&pb__family_mc_random},
    .ops = {.measure = measure, .describe = describe, .destroy = destroy},
};
