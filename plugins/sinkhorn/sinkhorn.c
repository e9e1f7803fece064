/*
 * The sinkhorn plugin: Sinkhorn's matrix scaling for entropic optimal transport, in the
 * log domain (stable for any eta; stabilized by absorption, see ot_kernels.c) or in the
 * classic scaling form (exp(-eta C) underflows once eta * max C exceeds about 700). One
 * step() is one iteration: the row update, then the column update. See README.md.
 */
#include <math.h>
#include <stdlib.h>

#include <plugbench/kit.h>

#include "ot_kernels.h"

/* The choices of form, in order; the scaling forms differ in how E is read (ot_kernels.h). */
enum { FORM_LOG, FORM_SCALING, FORM_SCALING_FUSED, FORM_SCALING_FLOAT };

enum { P_FORM, P_TOL, P_TAU };
static const pb_param params[] = {
    [P_FORM] = {.name = "form", .type = PB_PARAM_CHOICE, .default_value = FORM_LOG,
                .choices = "log|scaling|scaling-fused|scaling-float",
                .doc = "log: log-domain potentials (stable); scaling: u = r / (E v), "
                       "E = exp(-eta C), two passes over E (dgemv); scaling-fused: one pass; "
                       "scaling-float: one pass over E stored in float (sums in double)"},
    [P_TOL] = {.name = "tol", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1,
               .doc = "stop (done) when the L1 marginal error is at most tol; 0 never stops"},
    [P_TAU] = {.name = "tau", .type = PB_PARAM_REAL, .default_value = 50, .min = 0, .max = 300,
               .doc = "log form: absorb the scalings when |log u| or |log v| > tau; 0: LSE "
                      "every iteration"},
};

typedef struct state {
    pb_state_head head;
    const pb_transport *ot;
    int form;
    double tol, eta;
    int pure_lse;     /* log form with tau = 0: a log-sum-exp every iteration */
    ot_stab stab;     /* form log: the kernels' state, its own allocations */
    ot_scaling scaling; /* the scaling forms: likewise */
} state;

static void destroy(void *p)
{
    state *s = p;
    if (s->form == FORM_LOG)
        ot_stab_free(&s->stab);
    else
        ot_scaling_free(&s->scaling);
    free(s);
}

static int32_t create(const pb_context *ctx, void **out)
{
    const pb_transport *ot = ctx->problem->oracle;
    state *s = pb_state_new(ctx, sizeof(state), 0, NULL);
    if (!s)
        return PB_ERR_NOMEM;
    s->ot = ot;
    s->form = (int)ctx->params[P_FORM].integer;
    s->tol = ctx->params[P_TOL].real;
    s->eta = ot->eta;
    double tau = ctx->params[P_TAU].real;
    s->pure_lse = tau == 0;
    int rc = s->form == FORM_LOG
                 ? ot_stab_init(&s->stab, ot->n, ot->m, ot->eta, ot->cost, ot->r, ot->c, tau)
                 : ot_scaling_init(&s->scaling, ot->n, ot->m, ot->eta, ot->cost, ot->r, ot->c,
                                   s->form == FORM_SCALING_FUSED   ? OT_PASS_FUSED
                                   : s->form == FORM_SCALING_FLOAT ? OT_PASS_FLOAT
                                                                   : OT_PASS_DGEMV);
    if (rc != 0) {
        free(s);
        return pb_fail(ctx, PB_ERR_NOMEM, "out of memory for n = %u, m = %u", ot->n, ot->m);
    }
    *out = s;
    return 0;
}

static int32_t step(void *p)
{
    state *s = p;
    double err;
    int done = s->form != FORM_LOG ? ot_scaling_iterate(&s->scaling, s->tol, &err)
               : s->pure_lse       ? ot_log_iterate(&s->stab.lg, s->tol, &err)
                                   : ot_stab_iterate(&s->stab, s->tol, &err);
    return done ? PB_DONE : PB_CONTINUE;
}

static int32_t solution(void *p, double *out)
{
    state *s = p;
    uint32_t n = s->ot->n, m = s->ot->m;
    if (s->form == FORM_LOG)
        ot_stab_potentials(&s->stab, out, out + n);
    else
        ot_scaling_potentials(&s->scaling, out, out + n);
    ot_unscale(out, (size_t)n + m, s->eta);
    return 0;
}

PB_PLUGIN(.name = "sinkhorn", .version = "1.0.0", .kind = PB_KIND_TRANSPORT,
          .summary = "Sinkhorn iterations for entropic OT, log-domain or scaling form",
          .citation = "M. Cuturi, Sinkhorn Distances: Lightspeed Computation of Optimal "
                      "Transport, NeurIPS 2013; log domain: B. Schmitzer, SIAM J. Sci. Comput. "
                      "41(3), 2019",
          PB_PARAMS(params), .create = create, .step = step,
          .solution = solution, .destroy = destroy)
