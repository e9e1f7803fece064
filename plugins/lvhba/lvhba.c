/*
 * LV-HBA (Yao, Yu, Zeng, Zhang, "Constrained Bi-Level Optimization: Proximal Lagrangian
 * Value Function Approach and Hessian-free Algorithm", ICLR 2024): a single-loop,
 * Hessian-free method for bilevel problems whose lower level may have constraints
 * h(x, y) <= 0 coupling both levels, through the smoothed proximal Lagrangian value function
 *     v(x, y, z) = min_theta max_{lambda in Z} g(x, theta) + <lambda, h(x, theta)>
 *                  + |theta - y|^2 / (2 gamma1) - |lambda - z|^2 / (2 gamma2),
 * and the penalty f / c_k + g - v, with c_k = c0 (k + 1)^p increasing. Each step is one
 * gradient step of (theta, lambda) on the inner min-max, then one projected gradient step
 * of (x, y) onto C = {h(x, y) <= 0} and of z onto Z = [0, lambda_max]^m (the algorithm box).
 * It needs the bilevel kind's revision 3 (grad_x g) and declares that it handles
 * constraints (PB_BILEVEL_CONSTRAINTS): on a constrained problem its solution is x then y.
 * Deterministic: every oracle is called in exact mode. See README.md.
 */
#include <math.h>
#include <string.h>

#include <plugbench/kit.h>

#include "exact_oracle.h"

enum { P_ALPHA, P_BETA, P_ETA, P_GAMMA1, P_GAMMA2, P_C0, P_P, P_LAMBDA_MAX, P_LAMBDA0,
       P_PROJ_ITERS, P_PROJ_TOL };
static const pb_param params[] = {
    [P_ALPHA] = {.name = "alpha", .type = PB_PARAM_REAL, .default_value = 0.008, .min = 1e-12,
                 .max = 1e6, .doc = "step size of (x, y)"},
    [P_BETA] = {.name = "beta", .type = PB_PARAM_REAL, .default_value = 0.02, .min = 1e-12,
                .max = 1e6, .doc = "step size of z, the proximal centre of the multipliers"},
    [P_ETA] = {.name = "eta", .type = PB_PARAM_REAL, .default_value = 0.01, .min = 1e-12,
               .max = 1e6, .doc = "step size of (theta, lambda), the inner min-max"},
    [P_GAMMA1] = {.name = "gamma1", .type = PB_PARAM_REAL, .default_value = 10, .min = 1e-12,
                  .max = 1e12, .doc = "proximal parameter of theta around y"},
    [P_GAMMA2] = {.name = "gamma2", .type = PB_PARAM_REAL, .default_value = 10, .min = 1e-12,
                  .max = 1e12, .doc = "proximal parameter of lambda around z"},
    [P_C0] = {.name = "c0", .type = PB_PARAM_REAL, .default_value = 0.025, .min = 1e-12,
              .max = 1e12, .doc = "penalty schedule c_k = c0 (k + 1)^p; f is weighted 1 / c_k"},
    [P_P] = {.name = "p", .type = PB_PARAM_REAL, .default_value = 0.3, .min = 0, .max = 0.5,
             .doc = "exponent of the penalty schedule (the theory's p in (0, 1/2))"},
    [P_LAMBDA_MAX] = {.name = "lambda_max", .type = PB_PARAM_REAL, .default_value = 1000,
                      .min = 1e-12, .max = 1e300,
                      .doc = "Z = [0, lambda_max]^m, the box of lambda and z"},
    [P_LAMBDA0] = {.name = "lambda0", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,
                   .max = 1e300, .doc = "initial lambda and z, every component (capped at "
                                        "lambda_max)"},
    [P_PROJ_ITERS] = {.name = "proj_iters", .type = PB_PARAM_INT, .default_value = 100,
                      .min = 1, .max = 1e6,
                      .doc = "iteration cap of each projection onto C = {h <= 0}"},
    [P_PROJ_TOL] = {.name = "proj_tol", .type = PB_PARAM_REAL, .default_value = 1e-10,
                    .min = 0, .max = 1e6,
                    .doc = "the projection stops at a dual residual (violation) of at most "
                           "this"},
};

/* Power iterations for |J J^T| in create(), J = dh/d(x, y). */
#define NORM_STEPS 20

typedef struct state {
    pb_state_head head; /* the solution: xy, x then y (dx + dy; dx read on unconstrained) */
    const pb_bilevel *f;
    uint32_t m;           /* constraints */
    double *xy, *theta;   /* dx + dy, dy: x and y in one array, theta */
    double *vxy, *gxy;    /* dx + dy: the step's point before projection, a gradient */
    double *theta_n, *gy; /* dy */
    double *wx;           /* dx */
    double *lambda, *z, *lambda_n, *hv, *mu, *d, *wm; /* m */
    double *jxy;          /* dx + dy: J^T of a vector of m */
    double step_dual;     /* 1 / |J J^T|, the projection's dual step */
    uint64_t k;           /* steps done */
} state;

/* J(w)^T u = ((dh/dx)^T u, (dh/dy)^T u) at w = (x, y) into out (dx + dy): two calls. */
static int jac_t(state *s, const double *w, const double *u, double *out)
{
    const pb_bilevel *f = s->f;
    TRY(f->jac_x_h(f, w, w + f->dx, u, PB_BILEVEL_EXACT, out));
    TRY(f->jac_y_h(f, w, w + f->dx, u, PB_BILEVEL_EXACT, out + f->dx));
    return 0;
}

/*
 * Projects w (dx + dy) onto C = {h <= 0} in place: projected gradient ascent on the dual of
 * min |u - w|^2 / 2 subject to h(u) <= 0, whose gradient in the multipliers mu >= 0 is
 * h(u(mu)), u(mu) = w - J^T mu, with an exact line search along the projected step (the
 * dual is quadratic when h is affine). Warm-started at the last projection's mu. Stops when
 * the projected step's residual |P(mu + t h) - mu| / t, which is the violation where
 * mu = 0, is at most proj_tol, or after proj_iters iterations. Exact for h affine in (x, y)
 * (both constrained problems); for curved h the point is feasible at that tolerance but
 * need not be the nearest. Returns 0, or -1 when an oracle was refused.
 */
static int project(state *s, double *w)
{
    const pb_value *par = s->head.ctx->params;
    uint32_t m = s->m, n = s->f->dx + s->f->dy;
    double t = s->step_dual, tol = par[P_PROJ_TOL].real;
    /* u = w - J^T mu, from the warm start. */
    TRY(jac_t(s, w, s->mu, s->jxy));
    for (uint32_t i = 0; i < n; i++)
        w[i] -= s->jxy[i];
    for (int64_t it = 0; it < par[P_PROJ_ITERS].integer; it++) {
        TRY(s->f->h(s->f, w, w + s->f->dx, PB_BILEVEL_EXACT, s->hv));
        double res = 0.0, hd = 0.0;
        for (uint32_t k = 0; k < m; k++) {
            s->d[k] = fmax(0.0, s->mu[k] + t * s->hv[k]) - s->mu[k];
            res = fmax(res, fabs(s->d[k]) / t);
            hd += s->hv[k] * s->d[k];
        }
        if (res <= tol)
            break;
        /* Along d the dual is hd tau - |J^T d|^2 tau^2 / 2: its maximum, within the tau
         * that keep mu >= 0 (at least 1, the projected step itself). */
        TRY(jac_t(s, w, s->d, s->jxy));
        double curv = dotn(s->jxy, s->jxy, n), room = INFINITY;
        for (uint32_t k = 0; k < m; k++)
            if (s->d[k] < 0)
                room = fmin(room, s->mu[k] / -s->d[k]);
        double tau = curv > 0 ? fmin(room, hd / curv) : 1.0;
        for (uint32_t k = 0; k < m; k++)
            s->mu[k] += tau * s->d[k];
        for (uint32_t i = 0; i < n; i++)
            w[i] -= tau * s->jxy[i];
    }
    return 0;
}

/*
 * |J J^T| at w by power iterations on u -> J (J^T u), J v from a difference of h (exact for
 * affine h), from a fixed start; into s->step_dual as its inverse with a 10% margin, the
 * estimate being from below. Returns 0, or -1 when an oracle was refused.
 */
static int estimate_dual_step(state *s, const double *w)
{
    const pb_bilevel *f = s->f;
    uint32_t m = s->m, n = f->dx + f->dy;
    double *u = s->wm, *v = s->jxy, *wp = s->gxy, norm = 0.0;
    for (uint32_t k = 0; k < m; k++)
        u[k] = 1.0 + 0.1 * k;
    TRY(f->h(f, w, w + f->dx, PB_BILEVEL_EXACT, s->hv));
    for (int it = 0; it < NORM_STEPS; it++) {
        double nu = sqrt(dotn(u, u, m));
        if (!(nu > 0))
            break;
        for (uint32_t k = 0; k < m; k++)
            u[k] /= nu;
        TRY(jac_t(s, w, u, v));
        double nv = sqrt(dotn(v, v, n)), r = sqrt(dotn(w, w, n)), e = 1e-4 * (1.0 + r) / nv;
        if (!(nv > 0))
            break;
        for (uint32_t i = 0; i < n; i++)
            wp[i] = w[i] + e * v[i];
        TRY(f->h(f, wp, wp + f->dx, PB_BILEVEL_EXACT, s->d));
        for (uint32_t k = 0; k < m; k++)
            u[k] = (s->d[k] - s->hv[k]) / e;
        norm = fmax(norm, dotn(u, u, m) > 0 ? sqrt(dotn(u, u, m)) : 0.0);
    }
    s->step_dual = norm > 0 ? 1.0 / (1.1 * norm) : 1.0;
    return 0;
}

/* One iteration of the algorithm box; -1 when an oracle was refused (state unchanged). */
static int iterate(state *s)
{
    const pb_bilevel *f = s->f;
    const pb_value *par = s->head.ctx->params;
    uint32_t dx = f->dx, dy = f->dy, n = dx + dy, m = s->m;
    double alpha = par[P_ALPHA].real, beta = par[P_BETA].real, eta = par[P_ETA].real;
    double g1 = par[P_GAMMA1].real, g2 = par[P_GAMMA2].real, lmax = par[P_LAMBDA_MAX].real;
    double ck = par[P_C0].real * pow((double)(s->k + 1), par[P_P].real);
    const double *x = s->xy, *y = s->xy + dx;
    /* (theta, lambda): a gradient step on the proximal Lagrangian, descent in theta and
     * ascent in lambda, projected onto Z. */
    TRY(f->grad_y_g(f, x, s->theta, PB_BILEVEL_EXACT, s->gy));
    if (m) {
        TRY(f->jac_y_h(f, x, s->theta, s->lambda, PB_BILEVEL_EXACT, s->theta_n));
        TRY(f->h(f, x, s->theta, PB_BILEVEL_EXACT, s->hv));
        for (uint32_t i = 0; i < dy; i++)
            s->gy[i] += s->theta_n[i];
        for (uint32_t k = 0; k < m; k++)
            s->lambda_n[k] = fmin(lmax, fmax(0.0, s->lambda[k] +
                                                      eta * (s->hv[k] -
                                                             (s->lambda[k] - s->z[k]) / g2)));
    }
    for (uint32_t i = 0; i < dy; i++)
        s->theta_n[i] = s->theta[i] - eta * (s->gy[i] + (s->theta[i] - y[i]) / g1);
    /* (x, y): d_x = grad_x f / c_k + grad_x g(x, y) - grad_x g(x, theta) - (dh/dx)^T lambda
     * at (x, theta), d_y = grad_y f / c_k + grad_y g(x, y) - (y - theta) / gamma1, at the
     * new theta and lambda. */
    double *gx = s->gxy, *gyv = s->gxy + dx;
    TRY(f->grad_x_f(f, x, y, PB_BILEVEL_EXACT, gx));
    TRY(f->grad_y_f(f, x, y, PB_BILEVEL_EXACT, gyv));
    for (uint32_t i = 0; i < n; i++)
        s->vxy[i] = s->xy[i] - alpha * s->gxy[i] / ck;
    TRY(f->grad_x_g(f, x, y, PB_BILEVEL_EXACT, gx));
    TRY(f->grad_y_g(f, x, y, PB_BILEVEL_EXACT, gyv));
    for (uint32_t i = 0; i < n; i++)
        s->vxy[i] -= alpha * s->gxy[i];
    TRY(f->grad_x_g(f, x, s->theta_n, PB_BILEVEL_EXACT, gx));
    for (uint32_t i = 0; i < dx; i++)
        s->vxy[i] += alpha * gx[i];
    if (m) {
        TRY(f->jac_x_h(f, x, s->theta_n, s->lambda_n, PB_BILEVEL_EXACT, s->wx));
        for (uint32_t i = 0; i < dx; i++)
            s->vxy[i] += alpha * s->wx[i];
    }
    for (uint32_t i = 0; i < dy; i++)
        s->vxy[dx + i] += alpha * (y[i] - s->theta_n[i]) / g1;
    if (m && project(s, s->vxy) != 0)
        return -1;
    /* Every oracle answered: the step is taken. */
    memcpy(s->xy, s->vxy, n * sizeof(double));
    memcpy(s->theta, s->theta_n, dy * sizeof(double));
    for (uint32_t k = 0; k < m; k++) {
        s->z[k] = fmin(lmax, fmax(0.0, s->z[k] - beta * (s->z[k] - s->lambda_n[k]) / g2));
        s->lambda[k] = s->lambda_n[k];
    }
    s->k++;
    return 0;
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_bilevel *f = ctx->problem->oracle;
    if (!PB_BILEVEL_HAS_REVISION_3(f) || !f->grad_x_g)
        return pb_fail(ctx, PB_ERR_INVALID,
                       "lvhba needs the bilevel kind's revision 3 (grad_x g)");
    uint32_t dx = f->dx, dy = f->dy, m = f->n_constraints;
    uint32_t mm = m ? m : 1; /* the multipliers' arrays, unused without constraints */
    state *s = PB_STATE_NEW(ctx, state, PB_ARRAY(state, xy, dx + dy),
                            PB_ARRAY(state, theta, dy), PB_ARRAY(state, vxy, dx + dy),
                            PB_ARRAY(state, gxy, dx + dy), PB_ARRAY(state, theta_n, dy),
                            PB_ARRAY(state, gy, dy), PB_ARRAY(state, wx, dx),
                            PB_ARRAY(state, lambda, mm), PB_ARRAY(state, z, mm),
                            PB_ARRAY(state, lambda_n, mm), PB_ARRAY(state, hv, mm),
                            PB_ARRAY(state, mu, mm), PB_ARRAY(state, d, mm),
                            PB_ARRAY(state, wm, mm), PB_ARRAY(state, jxy, dx + dy));
    if (!s)
        return PB_ERR_NOMEM;
    s->f = f;
    s->m = m;
    memcpy(s->xy, f->x0, dx * sizeof(double));
    memcpy(s->xy + dx, f->y0, dy * sizeof(double));
    memcpy(s->theta, f->y0, dy * sizeof(double));
    double l0 = fmin(ctx->params[P_LAMBDA0].real, ctx->params[P_LAMBDA_MAX].real);
    for (uint32_t k = 0; k < m; k++)
        s->lambda[k] = s->z[k] = l0;
    /* The algorithm starts in C: the dual step, then (x0, y0) projected. A refused call
     * leaves the start as it is; the host ends the run. */
    if (m && estimate_dual_step(s, s->xy) == 0)
        project(s, s->xy);
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    iterate(p); /* a refused call: the host ends the run after this step */
    return PB_CONTINUE;
}

/* The declaration that lvhba handles lower-level constraints (read by the host's probe). */
static const pb_bilevel_constraints constraints = {.struct_size = sizeof constraints};
PB_EXTENSIONS(extension, {PB_BILEVEL_CONSTRAINTS, &constraints})

PB_PLUGIN(.name = "lvhba", .version = "1.0.0", .kind = PB_KIND_BILEVEL,
          .summary = "LV-HBA: single-loop Hessian-free proximal Lagrangian value-function "
                     "method for lower levels with constraints coupling x and y",
          .citation = "W. Yao, H. Yu, S. Zeng, J. Zhang, Constrained Bi-Level Optimization: "
                      "Proximal Lagrangian Value Function Approach and Hessian-free "
                      "Algorithm, ICLR 2024",
          PB_PARAMS(params), PB_STATE_LIFECYCLE(create, step), .extension = extension)
