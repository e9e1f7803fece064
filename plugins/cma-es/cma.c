/*
 * The CMA-ES of Hansen's tutorial (arXiv:1604.00772), Table 1 defaults and the pseudo-code
 * of its Appendix A, with the termination criteria of Auger & Hansen (CEC 2005) and the
 * stagnation criterion of Hansen (GECCO 2009 BBOB workshop). See cma.h and README.md.
 */
#include "cma.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <plugbench/kit.h>

/* The stagnation criterion looks back at most this many generations. */
#define STAGNATION_MAX 20000u
/* Limit on the condition number of C (conditioncov). */
#define MAX_CONDITION 1e14
/* QL sweeps per eigenvalue; convergence takes two or three. */
#define MAX_QL_SWEEPS 60

/*
 * The recombination weights (49)-(53) and the learning rates (55)-(58) that depend on them.
 * The order matters: positive weights give mueff, mueff gives c1 and cmu, and those bound
 * the negative weights so that C stays positive definite.
 */
static void set_parameters(cma *s)
{
    const double n = s->n, lambda = s->lambda;
    double pos = 0, pos2 = 0, neg = 0, neg2 = 0;
    for (uint32_t i = 0; i < s->lambda; i++) {
        double wi = log((lambda + 1.0) / 2.0) - log(i + 1.0); /* (49), i counted from 1 */
        s->w[i] = wi;
        if (i < s->mu) {
            pos += wi;
            pos2 += wi * wi;
        } else {
            neg += wi;
            neg2 += wi * wi;
        }
    }
    s->mueff = pos * pos / pos2; /* Table 1 */
    double mueff_neg = neg * neg / neg2;
    s->cs = (s->mueff + 2.0) / (n + s->mueff + 5.0); /* (55) */
    s->ds = 1.0 + 2.0 * fmax(0.0, sqrt((s->mueff - 1.0) / (n + 1.0)) - 1.0) + s->cs;
    s->cc = (4.0 + s->mueff / n) / (n + 4.0 + 2.0 * s->mueff / n); /* (56) */
    const double alpha_cov = 2.0;
    s->c1 = alpha_cov / ((n + 1.3) * (n + 1.3) + s->mueff); /* (57) */
    s->cmu = fmin(1.0 - s->c1, alpha_cov * (0.25 + s->mueff + 1.0 / s->mueff - 2.0) /
                                   ((n + 2.0) * (n + 2.0) + alpha_cov * s->mueff / 2.0)); /* (58) */
    double alpha_mu = 1.0 + s->c1 / s->cmu;                        /* (50) */
    double alpha_mueff = 1.0 + 2.0 * mueff_neg / (s->mueff + 2.0); /* (51) */
    double alpha_posdef = (1.0 - s->c1 - s->cmu) / (n * s->cmu);   /* (52) */
    double neg_scale = fmin(alpha_mu, fmin(alpha_mueff, alpha_posdef)) / -neg;
    s->sum_w = 0.0;
    for (uint32_t i = 0; i < s->lambda; i++) {
        s->w[i] *= s->w[i] >= 0.0 ? 1.0 / pos : neg_scale; /* (53) */
        s->sum_w += s->w[i];
    }
    s->chi_n = sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n));
    /* The tutorial's Appendix B.2: decomposing every 1/(10 n (c1 + cmu)) generations keeps the
     * cost at O(n^2) per evaluation without hurting the adaptation. */
    s->eigen_gap = (uint32_t)fmax(1.0, floor(1.0 / (10.0 * n * (s->c1 + s->cmu))));
}

/* Allocates a run, its arrays carved from the same block, and sets its parameters; see
 * cma.h. */
cma *cma_new(uint32_t n, uint32_t lambda, const double *m0, double sigma0, double tol_fun,
             double tol_x)
{
    uint32_t hist_window = 10 + (uint32_t)ceil(30.0 * n / lambda);
    uint32_t hist_cap = hist_window > STAGNATION_MAX ? hist_window : STAGNATION_MAX;
    size_t nn = (size_t)n * n, ln = (size_t)lambda * n;
    cma *s = PB_BLOCK_NEW(
        cma, PB_ARRAY(cma, w, lambda), PB_ARRAY(cma, m, n), PB_ARRAY(cma, ps, n),
        PB_ARRAY(cma, pc, n), PB_ARRAY(cma, D, n), PB_ARRAY(cma, C, nn), PB_ARRAY(cma, B, nn),
        PB_ARRAY(cma, eig_v, nn), PB_ARRAY(cma, eig_d, n), PB_ARRAY(cma, eig_e, n),
        PB_ARRAY(cma, x, ln), PB_ARRAY(cma, y, ln), PB_ARRAY(cma, z2, lambda),
        PB_ARRAY(cma, f, lambda), PB_ARRAY(cma, ranked, lambda),
        PB_ARRAY(cma, work, 2 * (size_t)n), PB_ARRAY(cma, best_hist, hist_cap),
        PB_ARRAY(cma, median_hist, hist_cap), PB_ARRAY(cma, scratch, hist_cap));
    if (!s)
        return NULL;
    s->n = n;
    s->lambda = lambda;
    s->mu = lambda / 2;
    s->hist_cap = hist_cap;
    set_parameters(s);
    memcpy(s->m, m0, n * sizeof(double));
    s->sigma = sigma0;
    for (uint32_t i = 0; i < n; i++) {
        s->C[(size_t)i * n + i] = 1.0;
        s->B[(size_t)i * n + i] = 1.0;
        s->D[i] = 1.0;
    }
    s->tol_fun = tol_fun;
    s->tol_x = tol_x;
    return s;
}

/* Frees a run (NULL is fine): one block. */
void cma_free(cma *s) { free(s); }

/* Samples lambda points x_k = m + sigma B D z_k, z_k ~ N(0, I): (38)-(40). */
void cma_ask(cma *s, pb_rng *rng)
{
    const uint32_t n = s->n;
    double *t = s->work;
    for (uint32_t k = 0; k < s->lambda; k++) {
        double *x = s->x + (size_t)k * n, *y = s->y + (size_t)k * n, z2 = 0.0;
        for (uint32_t i = 0; i < n; i++) {
            double z = pb_rng_normal(rng);
            z2 += z * z;
            t[i] = s->D[i] * z;
        }
        /* y = B D z ~ N(0, C); ||C^(-1/2) y|| = ||z|| is kept for the negative weights. */
        for (uint32_t i = 0; i < n; i++) {
            const double *row = s->B + (size_t)i * n;
            double acc = 0.0;
            for (uint32_t j = 0; j < n; j++)
                acc += row[j] * t[j];
            y[i] = acc;
            x[i] = s->m[i] + s->sigma * acc;
        }
        s->z2[k] = z2;
    }
}

/* Orders by value, then by index, so that ties sort the same way on every platform. */
static int compare_ranked(const void *a, const void *b)
{
    const cma_ranked *p = a, *q = b;
    if (p->f != q->f)
        return p->f < q->f ? -1 : 1;
    return p->k < q->k ? -1 : p->k > q->k;
}

/* Sorts the population by value into s->ranked and records the generation's best and
 * median values in the history rings. */
static void rank_population(cma *s)
{
    for (uint32_t k = 0; k < s->lambda; k++)
        s->ranked[k] = (cma_ranked){s->f[k], k};
    qsort(s->ranked, s->lambda, sizeof *s->ranked, compare_ranked);
    uint32_t h = (uint32_t)(s->g % s->hist_cap), mid = s->lambda / 2;
    s->best_hist[h] = s->ranked[0].f;
    s->median_hist[h] = s->lambda % 2 ? s->ranked[mid].f
                                      : 0.5 * (s->ranked[mid - 1].f + s->ranked[mid].f);
}

/* Moves the mean, (41)-(42) with c_m = 1, and writes <y>_w into yw. */
static void update_mean(cma *s, double *yw)
{
    const uint32_t n = s->n;
    memset(yw, 0, n * sizeof(double));
    for (uint32_t i = 0; i < s->mu; i++) {
        const double *y = s->y + (size_t)s->ranked[i].k * n;
        for (uint32_t j = 0; j < n; j++)
            yw[j] += s->w[i] * y[j];
    }
    for (uint32_t j = 0; j < n; j++)
        s->m[j] += s->sigma * yw[j];
}

/* Cumulates the conjugate path ps, (43), with C^(-1/2) = B D^-1 B^T from the last
 * decomposition, as the samples were drawn with it. */
static void update_ps(cma *s, const double *yw, double *t)
{
    const uint32_t n = s->n;
    for (uint32_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (uint32_t j = 0; j < n; j++)
            acc += s->B[(size_t)j * n + i] * yw[j];
        t[i] = acc / s->D[i];
    }
    double a = sqrt(s->cs * (2.0 - s->cs) * s->mueff);
    for (uint32_t i = 0; i < n; i++) {
        double acc = 0.0;
        for (uint32_t j = 0; j < n; j++)
            acc += s->B[(size_t)i * n + j] * t[j];
        s->ps[i] = (1.0 - s->cs) * s->ps[i] + a * acc;
    }
}

/* ||v|| for v of length n. */
static double norm(const double *v, uint32_t n)
{
    double acc = 0.0;
    for (uint32_t i = 0; i < n; i++)
        acc += v[i] * v[i];
    return sqrt(acc);
}

/* h_sigma: stalls the update of pc when ||ps|| is large, which happens after a fast
 * increase of sigma, so that C does not grow too fast in the direction of pc. */
static int h_sigma(const cma *s)
{
    double correction = sqrt(1.0 - pow(1.0 - s->cs, 2.0 * (double)(s->g + 1)));
    return norm(s->ps, s->n) / correction < (1.4 + 2.0 / (s->n + 1.0)) * s->chi_n;
}

/*
 * The covariance update (45)-(47): pc cumulates <y>_w, then C decays and receives the
 * rank-one term c1 pc pc^T and the rank-mu term with all lambda weights, the negative ones
 * rescaled by n / ||C^(-1/2) y||^2 = n / ||z||^2 (46). Only the upper triangle is computed;
 * the lower one is its mirror, so C stays exactly symmetric.
 */
static void update_c(cma *s, const double *yw, int hs)
{
    const uint32_t n = s->n;
    double a = hs ? sqrt(s->cc * (2.0 - s->cc) * s->mueff) : 0.0;
    for (uint32_t i = 0; i < n; i++)
        s->pc[i] = (1.0 - s->cc) * s->pc[i] + a * yw[i];
    double delta = (1 - hs) * s->cc * (2.0 - s->cc);
    double decay = 1.0 + s->c1 * delta - s->c1 - s->cmu * s->sum_w;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i; j < n; j++)
            s->C[(size_t)i * n + j] = decay * s->C[(size_t)i * n + j] + s->c1 * s->pc[i] * s->pc[j];
    for (uint32_t r = 0; r < s->lambda; r++) {
        uint32_t k = s->ranked[r].k;
        double wr = s->w[r] >= 0.0 ? s->w[r] : s->w[r] * n / s->z2[k];
        const double *y = s->y + (size_t)k * n;
        for (uint32_t i = 0; i < n; i++) {
            double b = s->cmu * wr * y[i];
            double *row = s->C + (size_t)i * n;
            for (uint32_t j = i; j < n; j++)
                row[j] += b * y[j];
        }
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < i; j++)
            s->C[(size_t)i * n + j] = s->C[(size_t)j * n + i];
}

/*
 * One step of the Householder reduction: the reflection that zeroes row i left of the
 * subdiagonal (its elements are in d[0..i-1], scaled by `scale` against under- and
 * overflow), applied to the leading i x i block. Returns h = |u|^2 / 2 of the reflection
 * vector u, which accumulate() needs.
 */
static double householder_step(uint32_t n, double *V, double *d, double *e, uint32_t i,
                               double scale)
{
    double h = 0.0;
    for (uint32_t k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
    }
    double f = d[i - 1], g = f > 0 ? -sqrt(h) : sqrt(h);
    e[i] = scale * g;
    h -= f * g;
    d[i - 1] = f - g;
    for (uint32_t j = 0; j < i; j++)
        e[j] = 0.0;
    /* p = A u / h, stored in e, using the lower triangle of the block. */
    for (uint32_t j = 0; j < i; j++) {
        f = d[j];
        V[(size_t)j * n + i] = f;
        g = e[j] + V[(size_t)j * n + j] * f;
        for (uint32_t k = j + 1; k < i; k++) {
            g += V[(size_t)k * n + j] * d[k];
            e[k] += V[(size_t)k * n + j] * f;
        }
        e[j] = g;
    }
    f = 0.0;
    for (uint32_t j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
    }
    double hh = f / (h + h);
    for (uint32_t j = 0; j < i; j++)
        e[j] -= hh * d[j];
    /* A <- A - u q^T - q u^T with q = p - (u^T p / 2h) u. */
    for (uint32_t j = 0; j < i; j++) {
        f = d[j];
        g = e[j];
        for (uint32_t k = j; k < i; k++)
            V[(size_t)k * n + j] -= f * e[k] + g * d[k];
        d[j] = V[(size_t)(i - 1) * n + j];
        V[(size_t)i * n + j] = 0.0;
    }
    return h;
}

/* Forms the orthogonal matrix of the reduction in V from the stored Householder vectors,
 * and moves the diagonal into d. */
static void accumulate(uint32_t n, double *V, double *d, double *e)
{
    for (uint32_t i = 0; i + 1 < n; i++) {
        V[(size_t)(n - 1) * n + i] = V[(size_t)i * n + i];
        V[(size_t)i * n + i] = 1.0;
        double h = d[i + 1];
        if (h != 0.0) {
            for (uint32_t k = 0; k <= i; k++)
                d[k] = V[(size_t)k * n + i + 1] / h;
            for (uint32_t j = 0; j <= i; j++) {
                double g = 0.0;
                for (uint32_t k = 0; k <= i; k++)
                    g += V[(size_t)k * n + i + 1] * V[(size_t)k * n + j];
                for (uint32_t k = 0; k <= i; k++)
                    V[(size_t)k * n + j] -= g * d[k];
            }
        }
        for (uint32_t k = 0; k <= i; k++)
            V[(size_t)k * n + i + 1] = 0.0;
    }
    for (uint32_t j = 0; j < n; j++) {
        d[j] = V[(size_t)(n - 1) * n + j];
        V[(size_t)(n - 1) * n + j] = 0.0;
    }
    V[(size_t)(n - 1) * n + n - 1] = 1.0;
    e[0] = 0.0;
}

/*
 * Householder reduction of the symmetric matrix in V (n x n, row-major) to tridiagonal
 * form: on return d holds the diagonal, e[1..n-1] the subdiagonal (e[0] = 0), and V the
 * accumulated orthogonal transformation. EISPACK's tred2 (Wilkinson and Reinsch), in the
 * formulation of JAMA, the one Hansen's C CMA-ES uses.
 */
static void tridiagonalize(uint32_t n, double *V, double *d, double *e)
{
    for (uint32_t j = 0; j < n; j++)
        d[j] = V[(size_t)(n - 1) * n + j];
    for (uint32_t i = n - 1; i > 0; i--) {
        double scale = 0.0, h = 0.0;
        for (uint32_t k = 0; k < i; k++)
            scale += fabs(d[k]);
        if (scale == 0.0) {
            e[i] = d[i - 1];
            for (uint32_t j = 0; j < i; j++) {
                d[j] = V[(size_t)(i - 1) * n + j];
                V[(size_t)i * n + j] = V[(size_t)j * n + i] = 0.0;
            }
        } else {
            h = householder_step(n, V, d, e, i, scale);
        }
        d[i] = h;
    }
    accumulate(n, V, d, e);
}

/*
 * One implicit QL sweep with Wilkinson's shift on the unreduced block l..m of the
 * tridiagonal matrix (d, e), rotations accumulated into V. Adds the shift to *shift.
 */
static void ql_sweep(uint32_t n, double *V, double *d, double *e, uint32_t l, uint32_t m,
                     double *shift)
{
    double g = d[l], p = (d[l + 1] - g) / (2.0 * e[l]);
    double r = hypot(p, 1.0);
    if (p < 0)
        r = -r;
    d[l] = e[l] / (p + r);
    d[l + 1] = e[l] * (p + r);
    double dl1 = d[l + 1], h = g - d[l];
    for (uint32_t i = l + 2; i < n; i++)
        d[i] -= h;
    *shift += h;
    p = d[m];
    double c = 1.0, c2 = 1.0, c3 = 1.0, el1 = e[l + 1], s = 0.0, s2 = 0.0;
    for (uint32_t i = m; i-- > l;) {
        c3 = c2;
        c2 = c;
        s2 = s;
        g = c * e[i];
        h = c * p;
        r = hypot(p, e[i]);
        e[i + 1] = s * r;
        s = e[i] / r;
        c = p / r;
        p = c * d[i] - s * g;
        d[i + 1] = h + s * (c * g + s * d[i]);
        for (uint32_t k = 0; k < n; k++) {
            double *row = V + (size_t)k * n;
            h = row[i + 1];
            row[i + 1] = s * row[i] + c * h;
            row[i] = c * row[i] - s * h;
        }
    }
    p = -s * s2 * c3 * el1 * e[l] / dl1;
    e[l] = s * p;
    d[l] = c * p;
}

/*
 * The eigenvalues (into d) and eigenvectors (columns of V) of the symmetric tridiagonal
 * matrix from tridiagonalize(), by the implicit QL method: EISPACK's tql2, as in JAMA.
 */
static void ql_implicit(uint32_t n, double *V, double *d, double *e)
{
    for (uint32_t i = 1; i < n; i++)
        e[i - 1] = e[i];
    e[n - 1] = 0.0;
    double shift = 0.0, tst1 = 0.0;
    for (uint32_t l = 0; l < n; l++) {
        tst1 = fmax(tst1, fabs(d[l]) + fabs(e[l]));
        uint32_t m = l;
        while (m < n - 1 && fabs(e[m]) > DBL_EPSILON * tst1)
            m++;
        /* Convergence is cubic: a few sweeps per eigenvalue. The cap only guards
         * against a non-finite C looping forever; conditioncov then stops the run. */
        for (int sweep = 0; m > l && sweep < MAX_QL_SWEEPS && fabs(e[l]) > DBL_EPSILON * tst1;
             sweep++)
            ql_sweep(n, V, d, e, l, m, &shift);
        d[l] += shift;
        e[l] = 0.0;
    }
}

/*
 * C = B diag(D)^2 B^T. Keeps the previous B and D, and flags C as indefinite, when an
 * eigenvalue is not positive: the conditioncov criterion then ends the run.
 */
static void decompose(cma *s)
{
    const uint32_t n = s->n;
    double *V = s->eig_v, *d = s->eig_d, *e = s->eig_e;
    memcpy(V, s->C, (size_t)n * n * sizeof(double));
    tridiagonalize(n, V, d, e);
    ql_implicit(n, V, d, e);
    s->eigen_g = s->g;
    for (uint32_t i = 0; i < n; i++)
        if (!(d[i] > 0.0)) {
            s->indefinite = 1;
            return;
        }
    memcpy(s->B, V, (size_t)n * n * sizeof(double));
    for (uint32_t i = 0; i < n; i++)
        s->D[i] = sqrt(d[i]);
}

/* One update from the evaluated population, in the order of the tutorial's summary. */
void cma_tell(cma *s)
{
    double *yw = s->work, *t = s->work + s->n;
    rank_population(s);
    update_mean(s, yw);
    update_ps(s, yw, t);
    update_c(s, yw, h_sigma(s));
    s->sigma *= exp(s->cs / s->ds * (norm(s->ps, s->n) / s->chi_n - 1.0)); /* (44) */
    s->g++;
    if (s->g - s->eigen_g >= s->eigen_gap)
        decompose(s);
    /* Flat fitness, as in the tutorial's code: when the best and the 0.7 lambda-th value
     * are equal, selection is blind; a larger sigma may find slope again. */
    uint32_t q = (uint32_t)ceil(0.7 * s->lambda) - 1;
    if (s->ranked[0].f == s->ranked[q].f)
        s->sigma *= exp(0.2 + s->cs / s->ds);
}

/* (max D / min D)^2 from the last decomposition. */
double cma_condition(const cma *s)
{
    if (s->indefinite)
        return INFINITY;
    double lo = s->D[0], hi = s->D[0];
    for (uint32_t i = 1; i < s->n; i++) {
        lo = fmin(lo, s->D[i]);
        hi = fmax(hi, s->D[i]);
    }
    return hi * hi / (lo * lo);
}

/* The history value of `age` generations before the last one (age 0 = the last). */
static double hist_at(const cma *s, const double *ring, uint64_t age)
{
    return ring[(s->g - 1 - age) % s->hist_cap];
}

/*
 * TolFun, with EqualFunVals: over the last 10 + ceil(30 n / lambda) generations the best
 * values are all equal, or they and the last generation's values span less than tol_fun.
 */
static int tolfun(const cma *s)
{
    uint64_t window = 10 + (uint64_t)ceil(30.0 * s->n / s->lambda);
    if (s->g < window)
        return 0;
    double lo = INFINITY, hi = -INFINITY;
    for (uint64_t age = 0; age < window; age++) {
        lo = fmin(lo, hist_at(s, s->best_hist, age));
        hi = fmax(hi, hist_at(s, s->best_hist, age));
    }
    double spread = s->ranked[s->lambda - 1].f - s->ranked[0].f;
    return hi == lo || (hi - lo < s->tol_fun && spread < s->tol_fun);
}

/* TolX: the standard deviation in every coordinate, and sigma pc, are below tol_x. */
static int tolx(const cma *s)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->sigma * sqrt(s->C[(size_t)i * s->n + i]) >= s->tol_x ||
            s->sigma * fabs(s->pc[i]) >= s->tol_x)
            return 0;
    return 1;
}

/* NoEffectAxis: adding 0.1 standard deviation along principal axis g mod n leaves the
 * mean unchanged in floating point. */
static int noeffectaxis(const cma *s)
{
    uint32_t i = (uint32_t)(s->g % s->n);
    for (uint32_t j = 0; j < s->n; j++)
        if (s->m[j] + 0.1 * s->sigma * s->D[i] * s->B[(size_t)j * s->n + i] != s->m[j])
            return 0;
    return 1;
}

/* NoEffectCoord: adding 0.2 standard deviation in some coordinate leaves it unchanged. */
static int noeffectcoord(const cma *s)
{
    for (uint32_t j = 0; j < s->n; j++)
        if (s->m[j] + 0.2 * s->sigma * sqrt(s->C[(size_t)j * s->n + j]) == s->m[j])
            return 1;
    return 0;
}

/* Ordering of doubles for qsort. */
static int compare_double(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

/* The median of count history values starting `age` generations back, going forward. */
static double hist_median(const cma *s, const double *ring, uint64_t age, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        s->scratch[i] = hist_at(s, ring, age - i);
    qsort(s->scratch, count, sizeof(double), compare_double);
    return count % 2 ? s->scratch[count / 2]
                     : 0.5 * (s->scratch[count / 2 - 1] + s->scratch[count / 2]);
}

/*
 * Stagnation (Hansen 2009): over the last 20% of the generations, but at least
 * 120 + 30 n / lambda and at most 20000, the median of the most recent 30% of the best
 * values and of the median values is not better than the median of the first 30%.
 */
static int stagnation(const cma *s)
{
    uint64_t least = 120 + (uint64_t)ceil(30.0 * s->n / s->lambda);
    uint64_t window = (uint64_t)ceil(0.2 * (double)s->g);
    window = window < least ? least : window > STAGNATION_MAX ? STAGNATION_MAX : window;
    if (s->g < window)
        return 0;
    uint32_t count = (uint32_t)(3 * window / 10);
    return hist_median(s, s->best_hist, count - 1, count) >=
               hist_median(s, s->best_hist, window - 1, count) &&
           hist_median(s, s->median_hist, count - 1, count) >=
               hist_median(s, s->median_hist, window - 1, count);
}

/* The termination criteria, cheapest first. */
const char *cma_stop(const cma *s)
{
    if (cma_condition(s) > MAX_CONDITION)
        return "conditioncov";
    if (tolfun(s))
        return "tolfun";
    if (tolx(s))
        return "tolx";
    if (noeffectaxis(s))
        return "noeffectaxis";
    if (noeffectcoord(s))
        return "noeffectcoord";
    if (stagnation(s))
        return "stagnation";
    return NULL;
}
