/*
 * The PV-RNN network's backward (plugins/pvrnn/pvrnn_model.c) against central differences
 * of its forward (h = 1e-5): the full BPTT through a two-layer PV-RNN over 20 steps, a batch
 * of two sequences, with respect to every weight matrix of every layer, the biases, the
 * output weights and all adaptive vectors A; the norm-wise relative error of each is
 * <= 1e-6. Also: the same from a given initial state without the weight gradient, each
 * row's own loss (error regression's case), a three-layer network, that the backward
 * accumulates, that a row initialized from the prior has q = p (zero KL), and that the
 * posterior pass from A = the prior's pre-activations is the prior's own path (the mean
 * path and a sampled one), that a row's pass and gradient in a batch are bit for bit those
 * of the row alone (which the error regression's batching of the test sequences relies
 * on), and that the network's own small-matrix kernels compute what the nn kit's dense
 * layers and MTRNN cell compute (to rounding).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugbench/nn.h"
#include "plugbench/rng.h"
#include "plugbench/rnn.h"
#include "pvrnn_model.h"

#define STEP 1e-5
#define TOL 1e-6

static pb_rng rng;

static void fill(double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * pb_rng_normal(&rng);
}

/* One problem: the network, its weights, A, noise, targets and initial state. */
typedef struct setup {
    pvrnn_model m;
    uint32_t B, T;
    double *theta, *a, *eps, *x, *s0, *pass, *work, *gtheta, *ga;
    int with_s0, want_theta, rows_apart; /* rows_apart: the loss is the rows' sum */
} setup;

static void setup_new(setup *s, uint32_t L, const uint32_t *d, const uint32_t *z, uint32_t X,
                      uint32_t B, uint32_t T, int with_s0, int want_theta)
{
    static const double taus[] = {2.0, 5.0, 9.0}, ws[] = {0.3, 0.7, 0.2};
    memset(s, 0, sizeof *s);
    s->m.layers = L;
    s->m.x = X;
    for (uint32_t l = 0; l < L; l++) {
        s->m.d[l] = d[l];
        s->m.z[l] = z[l];
        s->m.tau[l] = taus[l];
        s->m.w[l] = ws[l];
    }
    pvrnn_model_init(&s->m);
    s->B = B;
    s->T = T;
    s->with_s0 = with_s0;
    s->want_theta = want_theta;
    s->theta = gc_zeros(s->m.n_theta);
    s->gtheta = gc_zeros(s->m.n_theta);
    s->a = gc_zeros((size_t)T * B * s->m.sa);
    s->ga = gc_zeros((size_t)T * B * s->m.sa);
    s->eps = gc_zeros((size_t)T * B * s->m.sz);
    s->x = gc_zeros((size_t)B * T * X);
    s->s0 = gc_zeros((size_t)B * s->m.ss);
    s->pass = gc_zeros(pvrnn_pass_size(&s->m, B, T));
    s->work = gc_zeros(pvrnn_work_size(&s->m, B));
    fill(s->theta, s->m.n_theta, 0.5);
    fill(s->a, (size_t)T * B * s->m.sa, 0.5);
    fill(s->eps, (size_t)T * B * s->m.sz, 1.0);
    for (size_t i = 0; i < (size_t)B * T * X; i++)
        s->x[i] = pb_rng_uniform_in(&rng, -0.8, 0.8);
    fill(s->s0, (size_t)B * s->m.ss, 0.5);
}

static void setup_free(setup *s)
{
    free(s->theta), free(s->gtheta), free(s->a), free(s->ga), free(s->eps), free(s->x);
    free(s->s0), free(s->pass), free(s->work);
}

/* The loss at the arrays of the setup p (a gc_scalar_fn): the batch's mean, or with
 * rows_apart the sum of the rows' losses. */
static double loss(void *p)
{
    const setup *s = p;
    pvrnn_forward(&s->m, s->theta, s->a, s->eps, s->with_s0 ? s->s0 : NULL, NULL, 0, s->B, s->T,
                  s->pass);
    double mean = pvrnn_loss(&s->m, s->pass, s->x, (size_t)s->T * s->m.x, s->B, s->T, NULL);
    return s->rows_apart ? mean * s->B : mean;
}

static void grad(setup *s)
{
    loss(s);
    pvrnn_backward(&s->m, s->theta, s->eps, s->x, (size_t)s->T * s->m.x, s->B, s->T,
                   s->rows_apart, s->pass, s->want_theta ? s->gtheta : NULL, s->ga, s->work);
}

/* Central differences of the loss with respect to p[0..n), against g[0..n). */
static double check_segment(setup *s, double *p, const double *g, size_t n)
{
    double *num = gc_zeros(n);
    central_gradient(loss, s, p, n, STEP, num);
    double e = rel(g, num, n);
    free(num);
    return e;
}

/* Every weight matrix (when wanted) and A, each against its central differences. */
static double check_all(setup *s, const char *what)
{
    memset(s->gtheta, 0, s->m.n_theta * sizeof *s->gtheta);
    memset(s->ga, 0, (size_t)s->T * s->B * s->m.sa * sizeof *s->ga);
    grad(s);
    double worst = 0.0;
    const pvrnn_model *m = &s->m;
    if (s->want_theta)
        for (uint32_t l = 0; l < m->layers; l++) {
            size_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < m->layers ? m->d[l + 1] : 0;
            struct {
                const char *name;
                size_t off, n;
            } seg[] = {{"W_dd", m->W_dd[l], D * D}, {"W_zd", m->W_zd[l], D * Z},
                       {"W_hd", m->W_hd[l], D * Dtop}, {"b", m->b[l], D},
                       {"W_mu", m->W_mu[l], Z * D}, {"W_sig", m->W_sig[l], Z * D}};
            for (size_t k = 0; k < sizeof seg / sizeof seg[0]; k++) {
                if (seg[k].n == 0)
                    continue;
                double e = check_segment(s, s->theta + seg[k].off, s->gtheta + seg[k].off,
                                         seg[k].n);
                worst = e > worst ? e : worst;
                CHECK(e <= TOL, "%s: layer %u %s (%zu): relative error %.2e", what, l + 1,
                      seg[k].name, seg[k].n, e);
            }
        }
    if (s->want_theta) {
        size_t n = (size_t)m->x * m->d[0];
        double e = check_segment(s, s->theta + m->W_o, s->gtheta + m->W_o, n);
        worst = e > worst ? e : worst;
        CHECK(e <= TOL, "%s: W_o (%zu): relative error %.2e", what, n, e);
    }
    size_t na = (size_t)s->T * s->B * m->sa;
    double e = check_segment(s, s->a, s->ga, na);
    worst = e > worst ? e : worst;
    CHECK(e <= TOL, "%s: A, all steps and layers (%zu): relative error %.2e", what, na, e);
    return worst;
}

static void test_two_layers(void)
{
    setup s;
    setup_new(&s, 2, (const uint32_t[]){6, 4}, (const uint32_t[]){2, 1}, 3, 2, 20, 0, 1);
    double worst = check_all(&s, "2 layers, 20 steps, batch 2");
    printf("# two-layer BPTT over 20 steps: worst relative error %.2e\n", worst);

    /* The backward adds: a second call doubles every gradient. */
    double *once = gc_zeros(s.m.n_theta);
    memset(s.gtheta, 0, s.m.n_theta * sizeof *s.gtheta);
    memset(s.ga, 0, (size_t)s.T * s.B * s.m.sa * sizeof *s.ga);
    grad(&s);
    memcpy(once, s.gtheta, s.m.n_theta * sizeof *once);
    pvrnn_backward(&s.m, s.theta, s.eps, s.x, (size_t)s.T * s.m.x, s.B, s.T, 0, s.pass,
                   s.gtheta, s.ga, s.work);
    for (size_t i = 0; i < s.m.n_theta; i++)
        once[i] *= 2.0;
    CHECK(rel(s.gtheta, once, s.m.n_theta) < 1e-14, "the backward accumulates");
    free(once);
    setup_free(&s);
}

static void test_from_state(void)
{
    setup s;
    setup_new(&s, 2, (const uint32_t[]){5, 3}, (const uint32_t[]){2, 2}, 2, 3, 10, 1, 0);
    s.rows_apart = 1;
    check_all(&s, "2 layers from a given state, A only, each row's own loss (error regression)");
    setup_free(&s);
}

/*
 * Rows kept apart in a batch: each row's pass and gradient equal, bit for bit, those of the
 * row run alone from its own arrays (B = 1, where the layouts of a row and of a batch
 * coincide). Six rows: a whole register block of the kernels and a partial one.
 */
static void test_rows_alone(void)
{
    setup s, one;
    setup_new(&s, 2, (const uint32_t[]){7, 5}, (const uint32_t[]){3, 2}, 2, 6, 9, 1, 0);
    setup_new(&one, 2, (const uint32_t[]){7, 5}, (const uint32_t[]){3, 2}, 2, 1, 9, 1, 0);
    s.rows_apart = one.rows_apart = 1;
    memcpy(one.theta, s.theta, s.m.n_theta * sizeof *s.theta);
    grad(&s);
    const pvrnn_model *m = &s.m;
    uint32_t B = s.B, T = s.T;
    size_t same = 0, total = 0;
    for (uint32_t b = 0; b < B; b++) {
        /* Row b's arrays: every batch array is [.., B] with the row at stride B. */
        for (size_t j = 0; j < (size_t)T * m->sa; j++)
            one.a[j] = s.a[j * B + b];
        for (size_t j = 0; j < (size_t)T * m->sz; j++)
            one.eps[j] = s.eps[j * B + b];
        for (size_t j = 0; j < m->ss; j++)
            one.s0[j] = s.s0[j * B + b];
        memcpy(one.x, s.x + (size_t)b * T * m->x, (size_t)T * m->x * sizeof *one.x);
        memset(one.ga, 0, (size_t)T * m->sa * sizeof *one.ga);
        grad(&one);
        for (size_t j = 0; j < (size_t)T * m->sa; j++, total++)
            same += one.ga[j] == s.ga[j * B + b];
        for (size_t j = 0; j < pvrnn_pass_size(m, 1, T); j++, total++)
            same += one.pass[j] == s.pass[j * B + b];
    }
    CHECK(same == total, "each of 6 rows kept apart in a batch has the pass and A gradient it "
          "has alone, bit for bit: %zu of %zu values equal", same, total);
    setup_free(&s), setup_free(&one);
}

static void test_three_layers(void)
{
    setup s;
    setup_new(&s, 3, (const uint32_t[]){5, 4, 3}, (const uint32_t[]){2, 1, 1}, 2, 3, 8, 1, 1);
    check_all(&s, "3 layers, 8 steps, batch 3, from a given state");
    setup_free(&s);
}

/*
 * A row initialized from the prior has q = p at every step, so zero KL, and its pass is the
 * prior's path: the same outputs as pvrnn_prior_step with the same noise, and with zero
 * noise the prior's mean path.
 */
static void test_prior_init(void)
{
    setup s;
    setup_new(&s, 2, (const uint32_t[]){6, 4}, (const uint32_t[]){2, 1}, 3, 2, 15, 0, 1);
    uint8_t init[2] = {1, 1};
    for (int mean = 0; mean <= 1; mean++) {
        if (mean)
            memset(s.eps, 0, (size_t)s.T * s.B * s.m.sz * sizeof *s.eps);
        pvrnn_terms terms;
        pvrnn_forward(&s.m, s.theta, s.a, s.eps, NULL, init, 0, s.B, s.T, s.pass);
        pvrnn_loss(&s.m, s.pass, s.x, (size_t)s.T * s.m.x, s.B, s.T, &terms);
        CHECK(fabs(terms.kl[0]) < 1e-13 && fabs(terms.kl[1]) < 1e-13,
              "%s: A initialized from the prior: KL %.1e, %.1e", mean ? "mean" : "sampled",
              terms.kl[0], terms.kl[1]);
        double *state = gc_zeros((size_t)s.B * s.m.ss), *y = gc_zeros((size_t)s.B * s.m.x),
               *eps = gc_zeros((size_t)s.B * s.m.sz);
        double diff = 0.0;
        for (uint32_t t = 0; t < s.T; t++) {
            /* one step of the forward's noise, in the prior step's layout (the same) */
            memcpy(eps, s.eps + (size_t)t * s.B * s.m.sz, (size_t)s.B * s.m.sz * sizeof *eps);
            pvrnn_prior_step(&s.m, s.theta, state, mean ? NULL : eps, s.B, y, NULL, s.work);
            const double *py = pvrnn_pass_y(&s.m, s.pass, s.B, t);
            for (size_t i = 0; i < (size_t)s.B * s.m.x; i++)
                diff = fmax(diff, fabs(py[i] - y[i]));
        }
        CHECK(diff < 1e-14, "%s: the posterior pass from A = prior is the prior's path "
              "(max difference %.1e)", mean ? "mean" : "sampled", diff);
        free(state), free(y), free(eps);
    }
    setup_free(&s);
}

/* rows [B, n] of a batch array cols [n, B] (the kit's layers take batch rows). */
static double *rows_of(double *rows, const double *cols, uint32_t B, uint32_t n)
{
    for (uint32_t b = 0; b < B; b++)
        for (uint32_t i = 0; i < n; i++)
            rows[(size_t)b * n + i] = cols[(size_t)i * B + b];
    return rows;
}

/* Every step and layer of a pass recomputed with the kit's dense layers and MTRNN cell from
 * the pass's own inputs (the previous state, z, the layer above), in the kit's row layout. */
static void test_against_kit(void)
{
    setup s;
    setup_new(&s, 2, (const uint32_t[]){7, 5}, (const uint32_t[]){3, 2}, 3, 5, 6, 1, 1);
    loss(&s);
    const pvrnn_model *m = &s.m;
    uint32_t B = s.B;
    double worst = 0.0;
    double *h = gc_zeros((size_t)B * 8), *d = gc_zeros((size_t)B * 8), *v = gc_zeros((size_t)B * 8);
    double *in[4], *ref = gc_zeros((size_t)B * 8);
    for (int k = 0; k < 4; k++)
        in[k] = gc_zeros((size_t)B * 8);
    for (uint32_t t = 0; t < s.T; t++)
        for (uint32_t l = 0; l < m->layers; l++) {
            uint32_t D = m->d[l], Z = m->z[l], Dtop = l + 1 < m->layers ? m->d[l + 1] : 0;
            pvrnn_record r = pvrnn_pass_record(m, s.pass, B, t, l),
                         p = pvrnn_pass_record(m, s.pass, B, (int64_t)t - 1, l);
            const double *hp = rows_of(in[0], p.h, B, D), *dp = rows_of(in[1], p.d, B, D),
                         *z = rows_of(in[2], r.z, B, Z);
            const double *d_top =
                Dtop ? rows_of(in[3], pvrnn_pass_record(m, s.pass, B, t, l + 1).d, B, Dtop) : NULL;
            pb_nn_mtrnn_forward(h, d, hp, dp, z, d_top, s.theta + m->W_dd[l],
                                s.theta + m->W_zd[l], Dtop ? s.theta + m->W_hd[l] : NULL,
                                s.theta + m->b[l], m->tau[l], B, D, Z, Dtop);
            worst = fmax(worst, max_diff(h, rows_of(ref, r.h, B, D), (size_t)B * D));
            worst = fmax(worst, max_diff(d, rows_of(ref, r.d, B, D), (size_t)B * D));
            pb_nn_dense_forward(v, dp, s.theta + m->W_mu[l], NULL, B, D, Z);
            pb_nn_tanh_forward(v, v, (size_t)B * Z);
            worst = fmax(worst, max_diff(v, rows_of(ref, r.mu_p, B, Z), (size_t)B * Z));
            pb_nn_dense_forward(v, dp, s.theta + m->W_sig[l], NULL, B, D, Z);
            worst = fmax(worst, max_diff(v, rows_of(ref, r.ls_p, B, Z), (size_t)B * Z));
            if (l == 0) {
                pb_nn_dense_forward(v, rows_of(in[0], r.d, B, D), s.theta + m->W_o, NULL, B, D,
                                    m->x);
                pb_nn_tanh_forward(v, v, (size_t)B * m->x);
                worst = fmax(worst, max_diff(v, rows_of(ref, pvrnn_pass_y(m, s.pass, B, t), B,
                                                        m->x), (size_t)B * m->x));
            }
        }
    CHECK(worst < 1e-13, "the kernels against the kit's MTRNN cell and dense layers, every "
          "step and layer of a 2-layer pass: max difference %.1e", worst);
    free(h), free(d), free(v), free(ref);
    for (int k = 0; k < 4; k++)
        free(in[k]);
    setup_free(&s);
}

int main(void)
{
    pb_rng_seed(&rng, 20190801, 0);
    test_two_layers();
    test_from_state();
    test_three_layers();
    test_prior_init();
    test_rows_alone();
    test_against_kit();
    return check_summary("pvrnn gradient");
}
