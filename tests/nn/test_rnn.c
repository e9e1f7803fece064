/*
 * The nn kit's recurrent part (plugbench/rnn.h). Every backward against central
 * differences of its forward (h = 1e-5): the scalar is L = sum r o out for a random upstream
 * gradient r, and the norm-wise relative error of each gradient (each input, each weight
 * matrix) is <= 1e-6. Every backward accumulates: a second call doubles the gradients.
 * Forwards against PyTorch's numbers (torch_reference.py prints them).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "plugbench/nn.h"
#include "plugbench/rnn.h"
#include "plugbench/rng.h"

#define STEP 1e-5
#define TOL 1e-6

static pb_rng rng;
static double worst; /* the largest relative error seen */

static void fill(double *x, size_t n, double scale)
{
    for (size_t i = 0; i < n; i++)
        x[i] = scale * pb_rng_normal(&rng);
}

/*
 * One gradient check. The inputs a test differentiates against sit back to back in in[]
 * (segments named names[i], lens[i] long); backward adds their gradients into grad[], laid
 * out the same; f runs the forward and returns L.
 */
typedef struct gradcheck {
    const char *what;
    int count;
    const char *const *names;
    const size_t *lens;
    double *in, *grad;
    double (*f)(void *ctx);
    void (*backward)(void *ctx);
    void *ctx;
} gradcheck;

static void run_gradcheck(const gradcheck *g)
{
    size_t total = 0;
    for (int i = 0; i < g->count; i++)
        total += g->lens[i];
    double *once = gc_zeros(total), *num = gc_zeros(total);
    g->f(g->ctx);
    memset(g->grad, 0, total * sizeof *g->grad);
    g->backward(g->ctx);
    memcpy(once, g->grad, total * sizeof *once);
    g->backward(g->ctx);
    for (size_t i = 0; i < total; i++)
        num[i] = 2 * once[i];
    double acc = rel(g->grad, num, total);
    CHECK(acc <= 1e-12, "%s: a second backward doubles the gradients (%.1e)", g->what, acc);
    central_gradient(g->f, g->ctx, g->in, total, STEP, num);
    size_t off = 0;
    for (int i = 0; i < g->count; i++) {
        double e = rel(once + off, num + off, g->lens[i]);
        worst = e > worst ? e : worst;
        CHECK(e <= TOL, "%s d/d%s: relative error %.1e", g->what, g->names[i], e);
        off += g->lens[i];
    }
    free(once);
    free(num);
}

/* ---- GRU cell ----------------------------------------------------------------------------- */

enum { CB = 3, CIN = 4, CH = 5 };
enum { C_X = 0, C_H = C_X + CB * CIN, C_WIH = C_H + CB * CH, C_WHH = C_WIH + 3 * CH * CIN,
       C_BIH = C_WHH + 3 * CH * CH, C_BHH = C_BIH + 3 * CH, C_ALL = C_BHH + 3 * CH };

typedef struct cell_ctx {
    double in[C_ALL], grad[C_ALL], out[CB * CH], r[CB * CH], cache[4 * CB * CH],
        work[3 * CB * CH];
} cell_ctx;

static double cell_f(void *p)
{
    cell_ctx *c = p;
    pb_nn_gru_cell_forward(c->out, c->cache, c->in + C_X, c->in + C_H, c->in + C_WIH,
                           c->in + C_WHH, c->in + C_BIH, c->in + C_BHH, CB, CIN, CH);
    return dot(c->r, c->out, CB * CH);
}

static void cell_b(void *p)
{
    cell_ctx *c = p;
    pb_nn_gru_cell_backward(c->grad + C_X, c->grad + C_H, c->grad + C_WIH, c->grad + C_WHH,
                            c->grad + C_BIH, c->grad + C_BHH, c->r, c->cache, c->in + C_X,
                            c->in + C_H, c->in + C_WIH, c->in + C_WHH, c->work, CB, CIN, CH);
}

static void test_gru_cell(void)
{
    static const char *const names[] = {"x", "h", "W_ih", "W_hh", "b_ih", "b_hh"};
    static const size_t lens[] = {CB * CIN, CB * CH, 3 * CH * CIN, 3 * CH * CH, 3 * CH, 3 * CH};
    cell_ctx *c = calloc(1, sizeof *c);
    fill(c->in, C_ALL, 0.7);
    fill(c->r, CB * CH, 1);
    gradcheck g = {"gru cell", 6, names, lens, c->in, c->grad, cell_f, cell_b, c};
    run_gradcheck(&g);
    free(c);
}

/* ---- GRU over sequences ------------------------------------------------------------------- */

typedef struct seq_ctx {
    pb_nn_gru g;
    uint32_t T, B;
    double *in, *grad;        /* params, x, then h0 when given */
    double *params, *x, *h0;  /* in in[] */
    double *dparams, *dx, *dh0;
    double *out, *hn, *cache, *work;
    double *r_out, *r_hn;     /* NULL: no loss on the outputs, the final states */
} seq_ctx;

static double seq_f(void *p)
{
    seq_ctx *c = p;
    size_t nout = (size_t)c->T * c->B * c->g.directions * c->g.hidden;
    size_t nh = (size_t)c->g.layers * c->g.directions * c->B * c->g.hidden;
    pb_nn_gru_forward(c->out, c->r_hn ? c->hn : NULL, c->cache, &c->g, c->params, c->x, c->h0,
                      c->T, c->B);
    return (c->r_out ? dot(c->r_out, c->out, nout) : 0.0) +
           (c->r_hn ? dot(c->r_hn, c->hn, nh) : 0.0);
}

static void seq_b(void *p)
{
    seq_ctx *c = p;
    pb_nn_gru_backward(c->dx, c->dparams, c->dh0, &c->g, c->params, c->r_out, c->r_hn, c->cache,
                       c->x, c->work, c->T, c->B);
}

/* A GRU of the shape g over T steps of B: gradients w.r.t. every weight, x and h0. */
static void test_gru_seq(pb_nn_gru g, uint32_t T, uint32_t B, int with_h0, int loss_out,
                         int loss_hn)
{
    seq_ctx c = {.g = g, .T = T, .B = B};
    size_t np = pb_nn_gru_param_count(&g), nx = (size_t)T * B * g.in;
    size_t nout = (size_t)T * B * g.directions * g.hidden;
    size_t nh = (size_t)g.layers * g.directions * B * g.hidden;
    size_t total = np + nx + (with_h0 ? nh : 0);
    c.in = gc_zeros(total);
    c.grad = gc_zeros(total);
    c.params = c.in, c.x = c.in + np, c.h0 = with_h0 ? c.x + nx : NULL;
    c.dparams = c.grad, c.dx = c.grad + np, c.dh0 = with_h0 ? c.dx + nx : NULL;
    c.out = gc_zeros(nout);
    c.hn = gc_zeros(nh);
    c.cache = gc_zeros(pb_nn_gru_cache_size(&g, T, B));
    c.work = gc_zeros(pb_nn_gru_work_size(&g, T, B));
    c.r_out = loss_out ? gc_zeros(nout) : NULL;
    c.r_hn = loss_hn ? gc_zeros(nh) : NULL;
    fill(c.in, total, 0.6);
    if (c.r_out)
        fill(c.r_out, nout, 1);
    if (c.r_hn)
        fill(c.r_hn, nh, 1);

    /* The segments: each (layer, direction)'s four arrays, then x and h0. */
    enum { MAXSEG = 4 * 8 + 2 };
    char label[MAXSEG][32], what[96];
    const char *names[MAXSEG];
    size_t lens[MAXSEG];
    int count = 0;
    for (uint32_t l = 0; l < g.layers; l++)
        for (uint32_t d = 0; d < g.directions; d++) {
            pb_nn_gru_slot s = pb_nn_gru_slot_of(&g, l, d);
            static const char *const mats[] = {"W_ih", "W_hh", "b_ih", "b_hh"};
            size_t sz[] = {s.W_hh - s.W_ih, s.b_ih - s.W_hh, s.b_hh - s.b_ih, 3 * (size_t)g.hidden};
            for (int m = 0; m < 4; m++, count++) {
                snprintf(label[count], sizeof label[count], "%s[l%u%s]", mats[m], (unsigned)l,
                         d ? " reverse" : "");
                names[count] = label[count];
                lens[count] = sz[m];
            }
        }
    names[count] = "x", lens[count++] = nx;
    if (with_h0)
        names[count] = "h0", lens[count++] = nh;
    snprintf(what, sizeof what, "%u-layer %sGRU, T = %u, loss on%s%s", (unsigned)g.layers,
             g.directions == 2 ? "bidirectional " : "", (unsigned)T, loss_out ? " outputs" : "",
             loss_hn ? " final states" : "");
    gradcheck gc = {what, count, names, lens, c.in, c.grad, seq_f, seq_b, &c};
    run_gradcheck(&gc);
    free(c.in), free(c.grad), free(c.out), free(c.hn), free(c.cache), free(c.work);
    free(c.r_out), free(c.r_hn);
}

/* ---- MTRNN -------------------------------------------------------------------------------- */

enum { MB = 3, MD = 5, MZ = 2, MT = 4 };
enum { M_HP = 0, M_DP = M_HP + MB * MD, M_Z = M_DP + MB * MD, M_DT = M_Z + MB * MZ,
       M_WDD = M_DT + MB * MT, M_WZD = M_WDD + MD * MD, M_WHD = M_WZD + MD * MZ,
       M_B = M_WHD + MD * MT, M_ALL = M_B + MD };

typedef struct mtrnn_ctx {
    double in[M_ALL], grad[M_ALL], h[MB * MD], d[MB * MD], rh[MB * MD], rd[MB * MD],
        work[MB * MD];
} mtrnn_ctx;

static const double mtrnn_tau = 3.0;

static double mtrnn_f(void *p)
{
    mtrnn_ctx *c = p;
    pb_nn_mtrnn_forward(c->h, c->d, c->in + M_HP, c->in + M_DP, c->in + M_Z, c->in + M_DT,
                        c->in + M_WDD, c->in + M_WZD, c->in + M_WHD, c->in + M_B, mtrnn_tau,
                        MB, MD, MZ, MT);
    return dot(c->rh, c->h, MB * MD) + dot(c->rd, c->d, MB * MD);
}

static void mtrnn_b(void *p)
{
    mtrnn_ctx *c = p;
    double *g = c->grad;
    pb_nn_mtrnn_backward(g + M_HP, g + M_DP, g + M_Z, g + M_DT, g + M_WDD, g + M_WZD, g + M_WHD,
                         g + M_B, c->rh, c->rd, c->d, c->in + M_DP, c->in + M_Z, c->in + M_DT,
                         c->in + M_WDD, c->in + M_WZD, c->in + M_WHD, mtrnn_tau, c->work, MB,
                         MD, MZ, MT);
}

static void test_mtrnn_cell(void)
{
    static const char *const names[] = {"h_prev", "d_prev", "z", "d_top",
                                        "W_dd",   "W_zd",   "W_hd", "b"};
    static const size_t lens[] = {MB * MD, MB * MD, MB * MZ, MB * MT,
                                  MD * MD, MD * MZ, MD * MT, MD};
    mtrnn_ctx c;
    fill(c.in, M_ALL, 0.7);
    fill(c.rh, MB * MD, 1);
    fill(c.rd, MB * MD, 1);
    gradcheck g = {"mtrnn cell", 8, names, lens, c.in, c.grad, mtrnn_f, mtrnn_b, &c};
    run_gradcheck(&g);
}

/*
 * A 2-layer MTRNN over T steps: the top layer (D2 units, tau 5) feeds the bottom one (D1
 * units, tau 2) top-down; both have latent inputs z; L sums r o d over both layers and all
 * steps; d_0 = tanh(h_0). BPTT w.r.t. both layers' weights, every z and the initial states.
 */
enum { NB = 2, NT = 10, D1 = 5, Z1 = 3, D2 = 4, Z2 = 2 };
enum { N_WDD1 = 0, N_WZD1 = N_WDD1 + D1 * D1, N_WHD1 = N_WZD1 + D1 * Z1, N_B1 = N_WHD1 + D1 * D2,
       N_WDD2 = N_B1 + D1, N_WZD2 = N_WDD2 + D2 * D2, N_B2 = N_WZD2 + D2 * Z2,
       N_Z1 = N_B2 + D2, N_Z2 = N_Z1 + NT * NB * Z1, N_H1 = N_Z2 + NT * NB * Z2,
       N_H2 = N_H1 + NB * D1, N_ALL = N_H2 + NB * D2 };
static const double tau1 = 2.0, tau2 = 5.0;

typedef struct chain_ctx {
    double in[N_ALL], grad[N_ALL];
    double h1[(NT + 1) * NB * D1], d1[(NT + 1) * NB * D1], h2[(NT + 1) * NB * D2],
        d2[(NT + 1) * NB * D2], r1[NT * NB * D1], r2[NT * NB * D2];
} chain_ctx;

static double chain_f(void *p)
{
    chain_ctx *c = p;
    const double *w = c->in;
    memcpy(c->h1, w + N_H1, sizeof(double) * NB * D1);
    memcpy(c->h2, w + N_H2, sizeof(double) * NB * D2);
    pb_nn_tanh_forward(c->d1, c->h1, NB * D1);
    pb_nn_tanh_forward(c->d2, c->h2, NB * D2);
    double L = 0.0;
    for (int t = 1; t <= NT; t++) {
        size_t a1 = (size_t)t * NB * D1, a2 = (size_t)t * NB * D2;
        pb_nn_mtrnn_forward(c->h2 + a2, c->d2 + a2, c->h2 + a2 - NB * D2, c->d2 + a2 - NB * D2,
                            w + N_Z2 + (t - 1) * NB * Z2, NULL, w + N_WDD2, w + N_WZD2, NULL,
                            w + N_B2, tau2, NB, D2, Z2, 0);
        pb_nn_mtrnn_forward(c->h1 + a1, c->d1 + a1, c->h1 + a1 - NB * D1, c->d1 + a1 - NB * D1,
                            w + N_Z1 + (t - 1) * NB * Z1, c->d2 + a2, w + N_WDD1, w + N_WZD1,
                            w + N_WHD1, w + N_B1, tau1, NB, D1, Z1, D2);
        L += dot(c->r1 + (t - 1) * NB * D1, c->d1 + a1, NB * D1) +
             dot(c->r2 + (t - 1) * NB * D2, c->d2 + a2, NB * D2);
    }
    return L;
}

/* The carries ch, cd hold dL/dh_t, dL/dd_t from the steps after t; dtop gathers layer 1's
 * gradient w.r.t. d2_t. */
static void chain_b(void *p)
{
    chain_ctx *c = p;
    const double *w = c->in;
    double *g = c->grad;
    double ch1[NB * D1] = {0}, cd1[NB * D1] = {0}, ch2[NB * D2] = {0}, cd2[NB * D2] = {0};
    double dh[NB * D1], dd[NB * D1], dtop[NB * D2], work[NB * D1];
    for (int t = NT; t >= 1; t--) {
        size_t a1 = (size_t)t * NB * D1, a2 = (size_t)t * NB * D2;
        for (int i = 0; i < NB * D1; i++)
            dh[i] = ch1[i], dd[i] = cd1[i] + c->r1[(t - 1) * NB * D1 + i], ch1[i] = cd1[i] = 0;
        memset(dtop, 0, sizeof dtop);
        pb_nn_mtrnn_backward(ch1, cd1, g + N_Z1 + (t - 1) * NB * Z1, dtop, g + N_WDD1, g + N_WZD1,
                             g + N_WHD1, g + N_B1, dh, dd, c->d1 + a1, c->d1 + a1 - NB * D1,
                             w + N_Z1 + (t - 1) * NB * Z1, c->d2 + a2, w + N_WDD1, w + N_WZD1,
                             w + N_WHD1, tau1, work, NB, D1, Z1, D2);
        for (int i = 0; i < NB * D2; i++)
            dh[i] = ch2[i], dd[i] = cd2[i] + c->r2[(t - 1) * NB * D2 + i] + dtop[i],
            ch2[i] = cd2[i] = 0;
        pb_nn_mtrnn_backward(ch2, cd2, g + N_Z2 + (t - 1) * NB * Z2, NULL, g + N_WDD2, g + N_WZD2,
                             NULL, g + N_B2, dh, dd, c->d2 + a2, c->d2 + a2 - NB * D2,
                             w + N_Z2 + (t - 1) * NB * Z2, NULL, w + N_WDD2, w + N_WZD2, NULL,
                             tau2, work, NB, D2, Z2, 0);
    }
    for (int i = 0; i < NB * D1; i++) /* d_0 = tanh(h_0) */
        g[N_H1 + i] += ch1[i] + cd1[i] * (1 - c->d1[i] * c->d1[i]);
    for (int i = 0; i < NB * D2; i++)
        g[N_H2 + i] += ch2[i] + cd2[i] * (1 - c->d2[i] * c->d2[i]);
}

static void test_mtrnn_chain(void)
{
    static const char *const names[] = {"W_dd[1]", "W_zd[1]", "W_hd[1]", "b[1]", "W_dd[2]",
                                        "W_zd[2]", "b[2]",    "z[1]",    "z[2]", "h0[1]",
                                        "h0[2]"};
    static const size_t lens[] = {D1 * D1, D1 * Z1, D1 * D2, D1, D2 * D2, D2 * Z2, D2,
                                  NT * NB * Z1, NT * NB * Z2, NB * D1, NB * D2};
    chain_ctx *c = calloc(1, sizeof *c);
    fill(c->in, N_ALL, 0.6);
    fill(c->r1, NT * NB * D1, 1);
    fill(c->r2, NT * NB * D2, 1);
    gradcheck g = {"2-layer MTRNN over 10 steps", 11, names, lens, c->in, c->grad, chain_f,
                   chain_b, c};
    run_gradcheck(&g);
    free(c);
}

/* ---- Gaussian latent variables ------------------------------------------------------------ */

enum { GN = 7 };
typedef struct gauss_ctx {
    int which;              /* 0 KL(q||p), 1 KL(q||N(0,I)), 2 sample */
    double in[4 * GN];      /* mu_q, logsig_q, mu_p, logsig_p (the sample: mu, logsig) */
    double grad[4 * GN], out[GN], r[GN], eps[GN];
} gauss_ctx;

static double gauss_f(void *p)
{
    gauss_ctx *c = p;
    const double *x = c->in;
    if (c->which == 0)
        pb_nn_gauss_kl_forward(c->out, x, x + GN, x + 2 * GN, x + 3 * GN, GN);
    else if (c->which == 1)
        pb_nn_gauss_kl_std_forward(c->out, x, x + GN, GN);
    else
        pb_nn_gauss_sample_forward(c->out, x, x + GN, c->eps, GN);
    return dot(c->r, c->out, GN);
}

static void gauss_b(void *p)
{
    gauss_ctx *c = p;
    const double *x = c->in;
    double *g = c->grad;
    if (c->which == 0)
        pb_nn_gauss_kl_backward(g, g + GN, g + 2 * GN, g + 3 * GN, c->r, 1.0, x, x + GN, x + 2 * GN,
                                x + 3 * GN, GN);
    else if (c->which == 1)
        pb_nn_gauss_kl_std_backward(g, g + GN, c->r, 1.0, x, x + GN, GN);
    else
        pb_nn_gauss_sample_backward(g, g + GN, c->r, x + GN, c->eps, GN);
}

static void test_gauss(void)
{
    static const char *const names[] = {"mu_q", "logsig_q", "mu_p", "logsig_p"};
    static const char *const snames[] = {"mu", "logsig"};
    static const size_t lens[] = {GN, GN, GN, GN};
    static const char *const what[] = {"gaussian KL", "gaussian KL to N(0, I)", "sample"};
    for (int which = 0; which < 3; which++) {
        gauss_ctx c = {.which = which};
        fill(c.in, 4 * GN, 0.8);
        fill(c.r, GN, 1);
        fill(c.eps, GN, 1);
        gradcheck g = {what[which], which ? 2 : 4, which == 2 ? snames : names, lens, c.in,
                       c.grad, gauss_f, gauss_b, &c};
        run_gradcheck(&g);
    }
    /* Values by hand. KL(N(1, 2^2) || N(0, 1)) = -log 2 + (4 + 1)/2 - 1/2 = 2 - log 2;
     * KL(N(0, 1) || N(1, e^2)) = 1 + (1 + 1)/(2 e^2) - 1/2 = 1/2 + e^-2; KL(q || q) = 0. */
    double mu = 1, ls = log(2.0), zero = 0, one = 1, kl[1];
    double a = pb_nn_gauss_kl_std_forward(kl, &mu, &ls, 1);
    double b = pb_nn_gauss_kl_forward(NULL, &zero, &zero, &one, &one, 1);
    double q[2] = {0.3, -1.2}, s[2] = {-0.4, 0.9};
    double same = pb_nn_gauss_kl_forward(NULL, q, s, q, s, 2);
    CHECK(fabs(a - (2 - log(2.0))) < 1e-15 && kl[0] == a, "KL(N(1,4) || N(0,1)) = %.17g", a);
    CHECK(fabs(b - (0.5 + exp(-2.0))) < 1e-15, "KL(N(0,1) || N(1,e^2)) = %.17g", b);
    CHECK(same == 0.0, "KL(q || q) = %g", same);
    /* dkl NULL: every element's upstream gradient is scale. */
    double dmu[2] = {0}, dls[2] = {0}, dkl[2] = {2.5, 2.5}, emu[2] = {0}, els[2] = {0};
    double mp[2] = {0.1, 0.2}, sp[2] = {0.0, -0.3};
    pb_nn_gauss_kl_backward(dmu, dls, NULL, NULL, NULL, 2.5, q, s, mp, sp, 2);
    pb_nn_gauss_kl_backward(emu, els, NULL, NULL, dkl, 1.0, q, s, mp, sp, 2);
    CHECK(memcmp(dmu, emu, sizeof dmu) == 0 && memcmp(dls, els, sizeof dls) == 0,
          "KL backward: scale alone = scale times ones");
    double z;
    pb_nn_gauss_sample_forward(&z, &mu, &ls, &one, 1);
    CHECK(z == 3.0, "sample 1 + exp(log 2) 1 = %g", z);
}

/* ---- Forwards against PyTorch ------------------------------------------------------------- */

/*
 * Printed by torch_reference.py (PyTorch 1.13, float64): nn.GRUCell(3, 2) on B = 2, and
 * nn.GRU(3, 2, num_layers=2, bidirectional=True) over T = 3 steps of B = 2 from h0, with the
 * parameters (in the order of .parameters()), inputs and states given by these formulas.
 */
static double ref_param(size_t i) { return (double)((int)(i * 37 % 23) - 11) / 20.0; }
static double ref_input(size_t i) { return (double)((int)(i * 13 % 17) - 8) / 8.0; }
static double ref_state(size_t i) { return (double)((int)(i * 5 % 7) - 3) / 4.0; }

static const double torch_cell_out[4] = {0.09691748099650116, 0.67069208524790103,
    -0.056908841484044431, -0.39749010033919724};
static const double torch_seq_out[24] = {0.23561302212402349, 0.018322833867726804,
    0.37670556049082415, -0.20583154879060903, -0.39960416796868586, 0.10740288216681304,
    0.22499832165746447, 0.41532262626043376, 0.0089003514492950186, -0.042430635834770344,
    0.30824040872162428, -0.12986501582978716, -0.35496311701157124, -0.11256600168725805,
    -0.097036117788612347, 0.52030006517614258, -0.021369211913745252, -0.12933603195442367,
    0.23618780772161177, -0.17958869174196423, -0.36769227829697099, -0.15226055580574283,
    -0.4043713378498443, 0.53650788884585798};
static const double torch_seq_hn[16] = {0.44519674426059774, 0.49189050312246363,
    -0.05042690742688262, -0.032772075857666366, 0.01515414708746321, 0.20803307655228556,
    -0.079881663915600365, 0.51226372015881649, -0.021369211913745252, -0.12933603195442367,
    -0.36769227829697099, -0.15226055580574283, 0.37670556049082415, -0.20583154879060903,
    0.22499832165746447, 0.41532262626043376};

static void test_references(void)
{
    double p[180], x[18], h[16], out[24], hn[16];
    for (size_t i = 0; i < 180; i++)
        p[i] = ref_param(i);
    for (size_t i = 0; i < 18; i++)
        x[i] = ref_input(i);
    for (size_t i = 0; i < 16; i++)
        h[i] = ref_state(i);
    /* The cell: W_ih[6,3], W_hh[6,2], b_ih[6], b_hh[6] back to back. */
    double cache[PB_NN_GRU_CELL_CACHE(2, 2)];
    pb_nn_gru_cell_forward(out, cache, x, h, p, p + 18, p + 30, p + 36, 2, 3, 2);
    double e = max_diff(out, torch_cell_out, 4);
    CHECK(e < 1e-14, "gru cell = PyTorch's GRUCell (largest difference %.1e)", e);

    pb_nn_gru g = {.in = 3, .hidden = 2, .layers = 2, .directions = 2};
    double *cache2 = gc_zeros(pb_nn_gru_cache_size(&g, 3, 2));
    CHECK(pb_nn_gru_param_count(&g) == 180, "parameters of the 2-layer bidirectional GRU: %zu",
          pb_nn_gru_param_count(&g));
    pb_nn_gru_forward(out, hn, cache2, &g, p, x, h, 3, 2);
    e = max_diff(out, torch_seq_out, 24);
    CHECK(e < 1e-14, "gru outputs = PyTorch's GRU (largest difference %.1e)", e);
    e = max_diff(hn, torch_seq_hn, 16);
    CHECK(e < 1e-14, "gru final states = PyTorch's h_n (largest difference %.1e)", e);
    free(cache2);
}

int main(void)
{
    pb_rng_seed(&rng, 2019, 11);
    test_gru_cell();
    test_gru_seq((pb_nn_gru){.in = 3, .hidden = 4, .layers = 2, .directions = 2}, 6, 2, 1, 1, 1);
    test_gru_seq((pb_nn_gru){.in = 3, .hidden = 4, .layers = 2, .directions = 1}, 6, 2, 0, 1, 0);
    test_gru_seq((pb_nn_gru){.in = 2, .hidden = 3, .layers = 1, .directions = 2}, 5, 3, 0, 0, 1);
    test_mtrnn_cell();
    test_mtrnn_chain();
    test_gauss();
    test_references();
    printf("largest relative error of a gradient: %.1e\n", worst);
    return check_summary("nn recurrent");
}
