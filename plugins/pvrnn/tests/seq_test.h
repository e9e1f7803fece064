/*
 * What the tests of the sequence plugins that look inside a model share: a small host of the sequence kind
 * (a pb_sequence whose next_batch serves an in-memory data set in epoch-wise random
 * permutations, counting the steps it serves, as the kind's header specifies; a test can
 * refuse a batch by setting the budget), a run of a plugin through its descriptor (create,
 * step, the PB_SEQUENCE_MODEL extension, destroy) with parameters set by name, its one-step
 * prediction MSE over a data set, and the meta-prior test's PFSM: the branching task with two branch points per sequence, each
 * at a known step, where the network's prior is read (the kind's seq-pfsm has one branch
 * per sequence; the claims the host can measure run on it, test_pvrnn_claims.c).
 */
#ifndef SEQ_TEST_H
#define SEQ_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/kit.h"
#include "plugbench/rng.h"

/* ---- the host ------------------------------------------------------------------------- */

typedef struct seq_host {
    pb_sequence seq;
    const double *data; /* n_train sequences of length x dim */
    uint64_t *perm, pos;
    pb_rng rng;
    uint64_t served, budget; /* sequence steps served; budget 0: none */
} seq_host;

static inline uint32_t seq_host_next_batch(const pb_sequence *self, uint32_t B, double *x,
                                    uint32_t *index)
{
    seq_host *h = self->host;
    uint64_t steps = (uint64_t)B * self->length;
    if (B < 1 || B > self->n_train || (h->budget && h->served + steps > h->budget))
        return 0;
    size_t row = (size_t)self->length * self->dim;
    for (uint32_t b = 0; b < B; b++) {
        if (h->pos == self->n_train) { /* a new epoch: reshuffle (Fisher-Yates) */
            for (uint64_t i = self->n_train - 1; i > 0; i--) {
                uint64_t j = pb_rng_below(&h->rng, i + 1), t = h->perm[i];
                h->perm[i] = h->perm[j], h->perm[j] = t;
            }
            h->pos = 0;
        }
        uint64_t k = h->perm[h->pos++];
        memcpy(x + b * row, h->data + k * row, row * sizeof *x);
        if (index)
            index[b] = (uint32_t)k;
    }
    h->served += steps;
    return B;
}

/* A host over n sequences of length x dim (data stays the caller's), values in [lo, hi]. */
static inline void seq_host_init(seq_host *h, const double *data, uint64_t n, uint32_t length,
                          uint32_t dim, double lo, double hi, uint64_t seed)
{
    memset(h, 0, sizeof *h);
    h->seq = (pb_sequence){.struct_size = sizeof(pb_sequence), .dim = dim, .length = length,
                           .n_train = n, .value_min = lo, .value_max = hi,
                           .next_batch = seq_host_next_batch, .host = h};
    h->data = data;
    h->perm = malloc(n * sizeof *h->perm);
    if (!h->perm)
        abort();
    for (uint64_t i = 0; i < n; i++)
        h->perm[i] = i;
    h->pos = n; /* the first draw shuffles */
    pb_rng_seed(&h->rng, seed, 77);
}

static inline void seq_host_free(seq_host *h) { free(h->perm); }

/* ---- a run of a plugin ---------------------------------------------------------------- */

typedef struct seq_run {
    const pb_plugin *plugin;
    pb_problem problem;
    pb_context ctx;
    pb_value values[64];
    char error[512];
    void *state;
    const pb_sequence_model *model;
} seq_run;

/* The plugin's defaults. */
static inline void seq_run_init(seq_run *r, const pb_plugin *plugin)
{
    memset(r, 0, sizeof *r);
    r->plugin = plugin;
    for (uint32_t i = 0; i < plugin->n_params; i++)
        r->values[i].real = plugin->params[i].default_value;
    for (uint32_t i = 0; i < plugin->n_params; i++)
        if (plugin->params[i].type != PB_PARAM_REAL)
            r->values[i].integer = (int64_t)plugin->params[i].default_value;
}

/* Sets a parameter by name (a real, or an integer given as a double). */
static inline void seq_run_param(seq_run *r, const char *name, double value)
{
    for (uint32_t i = 0; i < r->plugin->n_params; i++)
        if (strcmp(r->plugin->params[i].name, name) == 0) {
            if (r->plugin->params[i].type == PB_PARAM_REAL)
                r->values[i].real = value;
            else
                r->values[i].integer = (int64_t)value;
            return;
        }
    fprintf(stderr, "%s has no parameter %s\n", r->plugin->name, name);
    abort();
}

/* create() on the host's problem with the run's seed; returns its status. */
static inline int32_t seq_run_create(seq_run *r, seq_host *h, uint64_t seed)
{
    r->problem = (pb_problem){.struct_size = sizeof(pb_problem), .kind = PB_KIND_SEQUENCE,
                              .id = "test", .oracle = &h->seq, .solution_length = 0};
    r->ctx = (pb_context){.struct_size = sizeof(pb_context), .problem = &r->problem,
                          .params = r->values, .seed = seed, .budget_cost = h->budget,
                          .error = r->error, .error_size = sizeof r->error};
    int32_t rc = r->plugin->create(&r->ctx, &r->state);
    if (rc != 0) {
        fprintf(stderr, "create: %d %s\n", rc, r->error);
        r->state = NULL;
        return rc;
    }
    r->model = r->plugin->extension ? r->plugin->extension(PB_SEQUENCE_MODEL) : NULL;
    return 0;
}

/* n step() calls; returns the first non-PB_CONTINUE status, or PB_CONTINUE. */
static inline int32_t seq_run_steps(seq_run *r, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        int32_t rc = r->plugin->step(r->state);
        if (rc != PB_CONTINUE) {
            if (rc < 0)
                fprintf(stderr, "step %llu: %d %s\n", (unsigned long long)i, rc, r->error);
            return rc;
        }
    }
    return PB_CONTINUE;
}

static inline void seq_run_destroy(seq_run *r)
{
    if (r->state)
        r->plugin->destroy(r->state);
    r->state = NULL;
}

/*
 * The predictions along one sequence x (length steps) as the kind's host asks for them, one
 * measurement of calls with steps = 1 .. length - 1 on this one sequence, gathered into
 * out[(t * k + j) * dim + d]: the prediction of x[t + 1 + j] from x[0..t]. Returns the
 * first non-zero code of predict.
 */
static inline int32_t seq_predict(seq_run *r, const double *x, uint32_t length, uint32_t k,
                                  double *out)
{
    uint32_t dim = ((const pb_sequence *)r->problem.oracle)->dim;
    for (uint32_t steps = 1; steps < length; steps++) {
        int32_t rc = r->model->predict(r->state, 1, steps, k, x,
                                       out + (size_t)(steps - 1) * k * dim);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * The mean squared error of the model's one-step predictions over n sequences (each
 * length x dim): predictions of x[t + 1] from x[0..t], t = 0 .. length - 2.
 */
static inline double seq_one_step_mse(seq_run *r, const double *data, uint64_t n, uint32_t length,
                               uint32_t dim)
{
    size_t row = (size_t)length * dim;
    double *out = malloc(row * sizeof *out), sum = 0.0;
    if (!out)
        abort();
    for (uint64_t k = 0; k < n; k++) {
        const double *x = data + k * row;
        if (seq_predict(r, x, length, 1, out) != 0)
            return NAN;
        for (uint32_t t = 0; t + 1 < length; t++)
            for (uint32_t i = 0; i < dim; i++) {
                double e = out[(size_t)t * dim + i] - x[(size_t)(t + 1) * dim + i];
                sum += e * e;
            }
    }
    free(out);
    return sum / ((double)n * (length - 1) * dim);
}

/* ---- PFSM ----------------------------------------------------------------------------- */

/*
 * States A (0, 0.55), B (-0.55, -0.45), C (0.55, -0.45). From A the machine goes to B with
 * probability 0.3 and to C with 0.7; from B and C it returns to A. A transition P -> Q
 * emits 15 points p(s) = P + (Q - P)(1 - cos(pi s))/2 + bend sin(pi s) n(P, Q),
 * s = 1/15 .. 1, n the unit normal to Q - P (rotated +90 degrees): a smooth arc, the
 * return on the other side of the outgoing path. A sequence starts in B, so that its
 * branch points (the first steps out of A) come at steps 15 and 45 of its 60.
 */
#define PFSM_PRIM 15
#define PFSM_LEN 60
#define PFSM_P_B 0.3
static const double pfsm_pos[3][2] = {{0.0, 0.55}, {-0.55, -0.45}, {0.55, -0.45}};

/* The 15 noise-free points of the transition from state p to state q. */
static inline void pfsm_primitive(int p, int q, double *out)
{
    const double bend = 0.22;
    double dx = pfsm_pos[q][0] - pfsm_pos[p][0], dy = pfsm_pos[q][1] - pfsm_pos[p][1];
    double len = sqrt(dx * dx + dy * dy), nx = -dy / len, ny = dx / len;
    for (int j = 0; j < PFSM_PRIM; j++) {
        double s = (j + 1.0) / PFSM_PRIM, g = 0.5 * (1.0 - cos(M_PI * s)), o = bend * sin(M_PI * s);
        out[2 * j] = pfsm_pos[p][0] + dx * g + o * nx;
        out[2 * j + 1] = pfsm_pos[p][1] + dy * g + o * ny;
    }
}

/* n sequences of 60 x 2 with noise 0.01; labels[2k + i] = 1 when branch i of sequence k
 * went to B (the 0.3 branch), else 0. */
static inline void pfsm_generate(pb_rng *rng, uint64_t n, double *data, int *labels)
{
    double prim[PFSM_PRIM * 2];
    for (uint64_t k = 0; k < n; k++) {
        double *x = data + k * PFSM_LEN * 2;
        int state = 1; /* B */
        int branch = 0;
        for (int seg = 0; seg < PFSM_LEN / PFSM_PRIM; seg++) {
            int next = 0;
            if (state == 0) {
                next = pb_rng_uniform(rng) < PFSM_P_B ? 1 : 2;
                if (labels)
                    labels[2 * k + branch] = next == 1;
                branch++;
            }
            pfsm_primitive(state, next, prim);
            for (int j = 0; j < PFSM_PRIM * 2; j++) {
                double v = prim[j] + 0.01 * pb_rng_normal(rng);
                x[seg * PFSM_PRIM * 2 + j] = v < -0.8 ? -0.8 : v > 0.8 ? 0.8 : v;
            }
            state = next;
        }
    }
}

/*
 * Which branch a sequence took at branch point i (0, 1): the transition (A -> B or
 * A -> C) nearer in mean squared distance over the 15 steps after it. Writes that
 * distance; returns 1 for B (the 0.3 branch), 0 for C.
 */
static inline int pfsm_classify(const double *x, int i, double *dist)
{
    double to_b[PFSM_PRIM * 2], to_c[PFSM_PRIM * 2], db = 0.0, dc = 0.0;
    pfsm_primitive(0, 1, to_b);
    pfsm_primitive(0, 2, to_c);
    const double *seg = x + (PFSM_PRIM + 2 * PFSM_PRIM * i) * 2;
    for (int j = 0; j < PFSM_PRIM * 2; j++) {
        db += (seg[j] - to_b[j]) * (seg[j] - to_b[j]);
        dc += (seg[j] - to_c[j]) * (seg[j] - to_c[j]);
    }
    *dist = (db < dc ? db : dc) / PFSM_PRIM;
    return db < dc;
}

#endif
