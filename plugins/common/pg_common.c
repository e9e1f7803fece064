/* Trajectory batches, the linear-feature baseline, the estimators and the plugins' state;
 * see pg_common.h. */
#include "pg_common.h"

#include <assert.h>
#include <math.h>
#include <string.h>

int pg_collect(pg_batch *b, const pb_policy *pol, const double *theta, uint32_t steps,
               pb_rng *rng)
{
    uint32_t od = pol->obs_dim, ad = pol->action_dim;
    if (steps + pol->horizon > b->cap)
        steps = b->cap - pol->horizon;
    b->n = 0;
    b->n_eps = 0;
    while (b->n < steps) {
        b->ep_start[b->n_eps++] = b->n;
        pol->reset(pol, b->obs + (size_t)b->n * od);
        uint32_t t = 0;
        int32_t done = PB_POLICY_RUNNING;
        while (!done) {
            uint32_t k = b->n;
            for (uint32_t j = 0; j < pol->noise_dim; j++)
                b->noise[j] = pol->n_actions ? pb_rng_uniform(rng) : pb_rng_normal(rng);
            pol->act(pol, theta, b->obs + (size_t)k * od, b->noise, b->act + (size_t)k * ad);
            double r = pol->step(pol, b->act + (size_t)k * ad, b->obs + (size_t)(k + 1) * od, &done);
            if (isnan(r))
                return -1;
            b->rew[k] = r;
            b->t[k] = t++;
            b->n++;
        }
    }
    b->ep_start[b->n_eps] = b->n;
    b->step_norm = b->n;
    for (uint32_t e = 0; e < b->n_eps; e++) {
        double G = 0.0;
        for (uint32_t k = b->ep_start[e + 1]; k-- > b->ep_start[e];) {
            G = b->rew[k] + pol->gamma * G;
            b->G[k] = G;
        }
    }
    return 0;
}

/* rllab's features: clip(o, -10, 10), its squares, t/100 and its powers 2, 3, and 1. */
static void features(const pg_baseline *bl, const double *o, uint32_t od, uint32_t t, double *f)
{
    for (uint32_t i = 0; i < od; i++) {
        double x = o[i] < -10 ? -10 : (o[i] > 10 ? 10 : o[i]);
        f[i] = x;
        f[od + i] = x * x;
    }
    double al = t / 100.0;
    f[2 * od] = al;
    f[2 * od + 1] = al * al;
    f[2 * od + 2] = al * al * al;
    f[2 * od + 3] = 1.0;
    (void)bl;
}

static double predict(const pg_baseline *bl, const double *o, uint32_t od, uint32_t t, double *f)
{
    features(bl, o, od, t, f);
    double y = 0.0;
    for (uint32_t i = 0; i < bl->nf; i++)
        y += bl->coef[i] * f[i];
    return y;
}

/* Solves the SPD system A x = b in place (Cholesky); returns 0, or -1 when not positive. */
static int cholesky_solve(double *A, double *b, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++) {
        double d = A[(size_t)j * n + j];
        for (uint32_t k = 0; k < j; k++)
            d -= A[(size_t)j * n + k] * A[(size_t)j * n + k];
        if (!(d > 0))
            return -1;
        d = sqrt(d);
        A[(size_t)j * n + j] = d;
        for (uint32_t i = j + 1; i < n; i++) {
            double s = A[(size_t)i * n + j];
            for (uint32_t k = 0; k < j; k++)
                s -= A[(size_t)i * n + k] * A[(size_t)j * n + k];
            A[(size_t)i * n + j] = s / d;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        double s = b[i];
        for (uint32_t k = 0; k < i; k++)
            s -= A[(size_t)i * n + k] * b[k];
        b[i] = s / A[(size_t)i * n + i];
    }
    for (uint32_t i = n; i-- > 0;) {
        double s = b[i];
        for (uint32_t k = i + 1; k < n; k++)
            s -= A[(size_t)k * n + i] * b[k];
        b[i] = s / A[(size_t)i * n + i];
    }
    return 0;
}

void pg_baseline_fit(pg_baseline *bl, const pb_policy *pol, const pg_batch *b)
{
    uint32_t nf = bl->nf, od = pol->obs_dim;
    double *FtF = bl->FtF, *Fty = bl->Fty;
    memset(FtF, 0, (size_t)nf * nf * sizeof(double));
    memset(Fty, 0, nf * sizeof(double));
    for (uint32_t k = 0; k < b->n; k++) {
        features(bl, b->obs + (size_t)k * od, od, b->t[k], bl->f);
        for (uint32_t i = 0; i < nf; i++) {
            Fty[i] += bl->f[i] * b->G[k];
            for (uint32_t j = 0; j <= i; j++)
                FtF[(size_t)i * nf + j] += bl->f[i] * bl->f[j];
        }
    }
    double reg = 1e-5;
    for (int attempt = 0; attempt < 5; attempt++, reg *= 10) {
        for (uint32_t i = 0; i < nf; i++) {
            for (uint32_t j = 0; j <= i; j++)
                bl->A[(size_t)i * nf + j] = bl->A[(size_t)j * nf + i] = FtF[(size_t)i * nf + j];
            bl->A[(size_t)i * nf + i] += reg;
            bl->b[i] = Fty[i];
        }
        if (cholesky_solve(bl->A, bl->b, nf) != 0)
            continue;
        int finite = 1;
        for (uint32_t i = 0; i < nf; i++)
            finite &= isfinite(bl->b[i]) != 0;
        if (finite) {
            memcpy(bl->coef, bl->b, nf * sizeof(double));
            bl->fitted = 1;
            break;
        }
    }
}

/* The weight of step k's return in Phi: gamma^t / N (the paper) or 1 / n (the authors' code). */
static double phi_weight(const pb_policy *pol, const pg_batch *b, uint32_t k, int per_step)
{
    return per_step ? 1.0 / b->step_norm : pow(pol->gamma, b->t[k]) / b->n_eps;
}

void pg_gpomdp(const pb_policy *pol, pg_batch *b, const pg_baseline *bl, const double *theta,
               int per_step, double *out)
{
    uint32_t od = pol->obs_dim;
    for (uint32_t k = 0; k < b->n; k++) {
        double base = bl && bl->fitted ? predict(bl, b->obs + (size_t)k * od, od, b->t[k], bl->f) : 0.0;
        b->w[k] = phi_weight(pol, b, k, per_step) * (b->G[k] - base);
    }
    pol->grad_log_pi(pol, theta, b->n, b->obs, b->act, b->w, out);
}

void pg_hessian_vector(const pb_policy *pol, pg_batch *b, const pg_baseline *bl,
                       const double *theta, const double *v, int per_step, double *out, double *s1,
                       double *s2)
{
    uint32_t dim = pol->dim, od = pol->obs_dim, ad = pol->action_dim;
    double *ones = b->w;
    memset(out, 0, dim * sizeof(double));
    /* Phi's coefficients, G_t - b(s_t, t) with a baseline: b->G is scratch from here on. */
    if (bl && bl->fitted)
        for (uint32_t k = 0; k < b->n; k++)
            b->G[k] -= predict(bl, b->obs + (size_t)k * od, od, b->t[k], bl->f);
    for (uint32_t e = 0; e < b->n_eps; e++) {
        uint32_t k0 = b->ep_start[e], n = b->ep_start[e + 1] - k0;
        /* grad log p(tau) . v */
        for (uint32_t k = 0; k < n; k++)
            ones[k0 + k] = 1.0;
        pol->grad_log_pi(pol, theta, n, b->obs + (size_t)k0 * od, b->act + (size_t)k0 * ad,
                         ones + k0, s1);
        double dot = 0.0;
        for (uint32_t i = 0; i < dim; i++)
            dot += s1[i] * v[i];
        /* grad Phi(tau) */
        for (uint32_t k = 0; k < n; k++)
            b->w[k0 + k] = phi_weight(pol, b, k0 + k, per_step) * b->G[k0 + k];
        pol->grad_log_pi(pol, theta, n, b->obs + (size_t)k0 * od, b->act + (size_t)k0 * ad,
                         b->w + k0, s2);
        for (uint32_t i = 0; i < dim; i++)
            out[i] += s2[i] * dot;
    }
    /* hess Phi v over the whole batch */
    for (uint32_t k = 0; k < b->n; k++)
        b->w[k] = phi_weight(pol, b, k, per_step) * b->G[k];
    pol->hvp_log_pi(pol, theta, b->n, b->obs, b->act, b->w, v, s1);
    for (uint32_t i = 0; i < dim; i++)
        out[i] += s1[i];
}

/* The arrays of pg_state's batch m, with room for cap steps. */
#define BATCH_ARRAYS(m, pol, cap)                                                           \
    PB_ARRAY(pg_state, m.obs, ((size_t)(cap) + 1) * (pol)->obs_dim),                        \
    PB_ARRAY(pg_state, m.act, (size_t)(cap) * (pol)->action_dim),                           \
    PB_ARRAY(pg_state, m.rew, cap), PB_ARRAY(pg_state, m.t, cap),                           \
    PB_ARRAY(pg_state, m.ep_start, (size_t)(cap) + 1), PB_ARRAY(pg_state, m.G, cap),        \
    PB_ARRAY(pg_state, m.w, cap), PB_ARRAY(pg_state, m.noise, (pol)->noise_dim)

int32_t pg_state_new(const pb_context *ctx, size_t size, uint32_t batch_steps,
                     uint32_t hess_steps, double gamma0, int per_step, void **out)
{
    assert(size >= sizeof(pg_state));
    const pb_policy *pol = ctx->problem->oracle;
    uint32_t cap = batch_steps + pol->horizon, hcap = hess_steps + pol->horizon;
    uint32_t nf = 2 * pol->obs_dim + 4, dim = pol->dim;
    /* pg_state is the first member of a larger state: its members' offsets are the same. */
    const pb_array arrays[] = {
        PB_ARRAY(pg_state, theta, dim), /* the solution, first */
        BATCH_ARRAYS(batch, pol, cap),
        BATCH_ARRAYS(hbatch, pol, hcap),
        PB_ARRAY(pg_state, baseline.coef, nf),
        PB_ARRAY(pg_state, baseline.A, (size_t)nf * nf),
        PB_ARRAY(pg_state, baseline.b, nf),
        PB_ARRAY(pg_state, baseline.f, nf),
        PB_ARRAY(pg_state, baseline.FtF, (size_t)nf * nf),
        PB_ARRAY(pg_state, baseline.Fty, nf),
        PB_ARRAY(pg_state, prev, dim),
        PB_ARRAY(pg_state, g, dim),
        PB_ARRAY(pg_state, d, dim),
        PB_ARRAY(pg_state, x, dim),
        PB_ARRAY(pg_state, v, dim),
        PB_ARRAY(pg_state, bv, dim),
        PB_ARRAY(pg_state, s1, dim),
        PB_ARRAY(pg_state, s2, dim),
    };
    pg_state *s = pb_state_new(ctx, size, sizeof arrays / sizeof arrays[0], arrays);
    if (!s)
        return PB_ERR_NOMEM;
    s->pol = pol;
    s->batch.cap = cap;
    s->hbatch.cap = hcap;
    s->baseline.nf = nf;
    s->batch_steps = batch_steps;
    s->hess_steps = hess_steps;
    s->gamma0 = gamma0;
    s->per_step = per_step;
    memcpy(s->theta, pol->theta0, dim * sizeof(double));
    memcpy(s->prev, pol->theta0, dim * sizeof(double));
    pb_rng_seed(&s->rng, ctx->seed, 0);
    *out = s;
    return 0;
}

int32_t pg_create(const pb_context *ctx, void **out)
{
    return pg_state_new(ctx, sizeof(pg_state), (uint32_t)ctx->params[PG_P_BATCH].integer, 0,
                        ctx->params[PG_P_GAMMA0].real, ctx->params[PG_P_SCALE].integer == 0, out);
}

int pg_gradient(pg_state *s, const double *at)
{
    if (pg_collect(&s->batch, s->pol, at, s->batch_steps, &s->rng) != 0)
        return -1;
    pg_gpomdp(s->pol, &s->batch, &s->baseline, at, s->per_step, s->g);
    return 0;
}

int32_t pg_normalized_step(pg_state *s, double step)
{
    double nrm = 0.0;
    for (uint32_t i = 0; i < s->pol->dim; i++)
        nrm += s->d[i] * s->d[i];
    nrm = sqrt(nrm);
    memcpy(s->prev, s->theta, s->pol->dim * sizeof(double));
    if (nrm > 0)
        for (uint32_t i = 0; i < s->pol->dim; i++)
            s->theta[i] += step * s->d[i] / nrm;
    return pg_iteration_done(s);
}

int32_t pg_iteration_done(pg_state *s)
{
    pg_baseline_fit(&s->baseline, s->pol, &s->batch);
    s->t++;
    return PB_CONTINUE;
}
