/* The transport kind: its table, and the host's measurement of a plugin's dual potentials. */
#include "ot_problem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

extern const pb__family pb__family_ot_random, pb__family_ot_cloud2d, pb__family_ot_grid1d,
    pb__family_ot_grid2d, pb__family_ot_digits;

/* Below this, exp rounds to +0 (e^-746 is 0.41 of the smallest subnormal; glibc's exp
 * returns +0 from -745.134 down, tests/transport/test_ot_measure.c checks it): the plan's
 * entries there are +0 without calling exp, which handles arguments below -512 on a slower
 * path (scaling for subnormal results, the underflow exception below -1024). */
#define EXP_ZERO_BELOW (-746.0)

/* Neumaier's compensated sum: adds x to (*s, *comp). */
static inline void add_compensated(double *s, double *comp, double x)
{
    double t = *s + x;
    *comp += fabs(*s) >= fabs(x) ? (*s - t) + x : (x - t) + *s;
    *s = t;
}

int pb__ot_measure(const pb__ot_problem *p, const double *fg, double *out)
{
    const uint32_t n = p->n, m = p->m;
    const double eta = p->eta, *f = fg, *g = fg + n;
    for (uint32_t k = 0; k < n + m; k++)
        if (!isfinite(fg[k]))
            goto nonfinite;
    /* Column sums, compensated: col[j] + colc[j]. */
    double *col = calloc(2 * (size_t)m, sizeof(double));
    if (!col)
        goto nonfinite;
    double *colc = col + m;
    double err = 0, err_c = 0, tc = 0, tc_c = 0, ent = 0, ent_c = 0, mass = 0, mass_c = 0;
    double dist = 0, dist_c = 0;
    for (uint32_t i = 0; i < n; i++) {
        const double *ci = p->cost + (size_t)i * m;
        const double *ref = p->reference ? p->reference + (size_t)i * m : NULL;
        double row = 0, row_c = 0;
        for (uint32_t j = 0; j < m; j++) {
            double logp = eta * (f[i] + g[j] - ci[j]);
            double pij = logp < EXP_ZERO_BELOW ? 0.0 : exp(logp);
            add_compensated(&row, &row_c, pij);
            add_compensated(&col[j], &colc[j], pij);
            add_compensated(&tc, &tc_c, ci[j] * pij);
            add_compensated(&ent, &ent_c, pij * (logp - 1.0));
            if (ref)
                add_compensated(&dist, &dist_c, fabs(pij - ref[j]));
        }
        add_compensated(&mass, &mass_c, row + row_c);
        add_compensated(&err, &err_c, fabs(row + row_c - p->r[i]));
    }
    for (uint32_t j = 0; j < m; j++)
        add_compensated(&err, &err_c, fabs(col[j] + colc[j] - p->c[j]));
    free(col);
    double dual = 0, dual_c = 0;
    for (uint32_t i = 0; i < n; i++)
        add_compensated(&dual, &dual_c, p->r[i] * f[i]);
    for (uint32_t j = 0; j < m; j++)
        add_compensated(&dual, &dual_c, p->c[j] * g[j]);
    out[PB__OT_MARGINAL_ERROR] = err + err_c;
    out[PB__OT_TRANSPORT_COST] = tc + tc_c;
    out[PB__OT_PRIMAL] = tc + tc_c + (ent + ent_c) / eta;
    out[PB__OT_DUAL] = dual + dual_c - (mass + mass_c) / eta;
    out[PB__OT_PLAN_DISTANCE] = p->reference ? dist + dist_c : NAN;
    for (int k = 0; k < PB__OT_PLAN_DISTANCE; k++)
        if (!isfinite(out[k]))
            return 1;
    return 0;
nonfinite:
    for (int k = 0; k < PB__OT_N_METRICS; k++)
        out[k] = NAN;
    return 1;
}

static int measure(pb__problem *base, const double *solution, double *metrics_out)
{
    return pb__ot_measure((const pb__ot_problem *)base, solution, metrics_out);
}

static void describe(const pb__problem *base, cJSON *obj)
{
    const pb__ot_problem *p = (const pb__ot_problem *)base;
    cJSON_AddNumberToObject(obj, "n", p->n);
    cJSON_AddNumberToObject(obj, "m", p->m);
    cJSON_AddNumberToObject(obj, "eta", p->eta);
    cJSON_AddNumberToObject(obj, "eta_cost_max", p->eta * p->oracle.cost_max);
    cJSON_AddStringToObject(obj, "cost", p->cost_name ? p->cost_name : "");
    cJSON_AddNumberToObject(obj, "instance", p->instance);
}

static void destroy(pb__problem *base)
{
    pb__ot_problem *p = (pb__ot_problem *)base;
    free(p->cost);
    free(p->r);
    free(p->c);
    free(p->reference);
    free(p);
}

pb__ot_problem *pb__ot_problem_new(uint32_t n, uint32_t m, double eta)
{
    pb__ot_problem *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cost = malloc((size_t)n * m * sizeof(double));
    p->r = malloc(n * sizeof(double));
    p->c = malloc(m * sizeof(double));
    if (!p->cost || !p->r || !p->c) {
        destroy(&p->base);
        return NULL;
    }
    p->n = n;
    p->m = m;
    p->eta = eta;
    p->oracle = (pb_transport){
        .struct_size = sizeof(pb_transport),
        .n = n,
        .m = m,
        .eta = eta,
        .cost = p->cost,
        .r = p->r,
        .c = p->c,
        .host = p,
    };
    pb__problem_init(&p->base, &pb__kind_transport, &p->oracle, (uint64_t)n + m);
    return p;
}

void pb__ot_problem_finish(pb__ot_problem *p)
{
    size_t nm = (size_t)p->n * p->m;
    double cmax = 0, rs = 0, cs = 0;
    for (size_t k = 0; k < nm; k++)
        cmax = p->cost[k] > cmax ? p->cost[k] : cmax;
    if (cmax > 0)
        for (size_t k = 0; k < nm; k++)
            p->cost[k] /= cmax;
    for (uint32_t i = 0; i < p->n; i++)
        rs += p->r[i];
    for (uint32_t j = 0; j < p->m; j++)
        cs += p->c[j];
    for (uint32_t i = 0; i < p->n; i++)
        p->r[i] /= rs;
    for (uint32_t j = 0; j < p->m; j++)
        p->c[j] /= cs;
    p->oracle.cost_max = cmax > 0 ? 1.0 : 0.0;
}

/* The transport kind as the registry lists it (problem.h): defined last, after its operations. */
const pb__kind pb__kind_transport = {
    .name = "transport",
    .abi_kind = PB_KIND_TRANSPORT,
    /* Not "iterations": results already count step() calls under that key. */
    .cost_unit = "steps",
    .doc = "entropic optimal transport: dual potentials (f, g), plan exp(eta (f + g - C))",
    .metrics = {"marginal_error", "transport_cost", "primal_objective", "dual_objective",
                "plan_distance"},
    /* The default suite: a random assignment (n = 500) and translated 2-D densities (n = 22^2),
     * eta * max C = 1200 and 1000, in the range of the SNS paper. */
    .default_problems = {"ot-random-n500-eta1200-i1", "ot-grid2d-n484-l2-eta1000-i1"},
    .default_budget = {.cost = 1000},
    .families = {&pb__family_ot_random, &pb__family_ot_cloud2d, &pb__family_ot_grid1d,
                 &pb__family_ot_grid2d, &pb__family_ot_digits},
    .ops = {.measure = measure, .describe = describe, .destroy = destroy},
    .cost_per_step = 1,
};
