/*
 * The KoVAE network's backward (plugins/kovae/kovae_model.c) against central differences of
 * its forward (h = 1e-5), with the noise fixed: the full loss (reconstruction, KL, and the
 * least-squares prediction term on the prior's samples) with respect to every weight -- the
 * encoder's bidirectional GRU, BatchNorm's gamma and beta, the posterior's mu and log-var
 * linears, the prior's GRU cell and its two linears, the decoder's GRU and output linear --
 * on tiny networks (hidden 3, z 2, one and two layers, T 6, B 3); the norm-wise relative
 * error of each group is <= 1e-6. Also with w_pred = 0 (the GRU-VAE), and that the backward
 * accumulates.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "kovae_model.h"

#define STEP 1e-5
#define TOL 1e-6

static pb_rng rng;

typedef struct setup {
    kovae_model m;
    kovae_pass s;
    uint32_t T, B;
    double *pass, *p, *g, *eps_q, *eps_p, *x, *rm, *rv;
    double w_kl, w_pred;
} setup;

static double loss(void *ctx)
{
    setup *u = ctx;
    memcpy(u->s.x, u->x, (size_t)u->T * u->B * u->m.X * sizeof *u->x);
    return kovae_forward(&u->m, u->p, &u->s, u->rm, u->rv, u->eps_q, u->eps_p, u->B, u->w_kl,
                         u->w_pred, NULL);
}

static void setup_new(setup *u, uint32_t L, double w_kl, double w_pred)
{
    memset(u, 0, sizeof *u);
    u->T = 6, u->B = 3, u->w_kl = w_kl, u->w_pred = w_pred;
    kovae_model_init(&u->m, 2, 3, 2, L);
    u->pass = gc_zeros(kovae_pass_size(&u->m, u->T, u->B));
    kovae_pass_init(&u->s, &u->m, u->T, u->B, u->pass);
    size_t n = u->m.n_params, nz = (size_t)u->T * u->B * u->m.Z;
    u->p = gc_zeros(n), u->g = gc_zeros(n), u->eps_q = gc_zeros(nz), u->eps_p = gc_zeros(nz);
    u->x = gc_zeros((size_t)u->T * u->B * u->m.X);
    u->s.x = gc_zeros((size_t)u->T * u->B * u->m.X);
    u->rm = gc_zeros(2 * u->m.H), u->rv = gc_zeros(2 * u->m.H);
    kovae_model_init_params(&u->m, u->p, &rng);
    for (size_t i = 0; i < 2 * (size_t)u->m.H; i++) { /* gamma and beta off their init */
        u->p[u->m.bn_gamma + i] = pb_rng_uniform_in(&rng, 0.5, 1.5);
        u->p[u->m.bn_beta + i] = pb_rng_uniform_in(&rng, -0.5, 0.5);
    }
    for (size_t i = 0; i < nz; i++)
        u->eps_q[i] = pb_rng_normal(&rng), u->eps_p[i] = pb_rng_normal(&rng);
    for (size_t i = 0; i < (size_t)u->T * u->B * u->m.X; i++)
        u->x[i] = pb_rng_uniform(&rng);
}

static void setup_free(setup *u)
{
    free(u->s.x);
    free(u->pass), free(u->p), free(u->g), free(u->eps_q), free(u->eps_p), free(u->x), free(u->rm), free(u->rv);
}

static void gradient(setup *u)
{
    memset(u->g, 0, u->m.n_params * sizeof *u->g);
    loss(u);
    kovae_backward(&u->m, u->p, &u->s, u->eps_q, u->eps_p, u->w_kl, u->w_pred, u->g);
}

/* Every weight group against its central differences; returns the worst error. */
static double check_all(setup *u, const char *what)
{
    const kovae_model *m = &u->m;
    struct {
        const char *name;
        size_t from, to;
    } groups[] = {
        {"encoder GRU", m->enc_p, m->bn_gamma}, {"BatchNorm gamma", m->bn_gamma, m->bn_beta},
        {"BatchNorm beta", m->bn_beta, m->mu_W}, {"posterior mu linear", m->mu_W, m->lv_W},
        {"posterior log-var linear", m->lv_W, m->pc_Wih},
        {"prior GRU cell", m->pc_Wih, m->pm_W}, {"prior mu linear", m->pm_W, m->pl_W},
        {"prior log-var linear", m->pl_W, m->dec_p}, {"decoder GRU", m->dec_p, m->out_W},
        {"output linear", m->out_W, m->n_params},
    };
    gradient(u);
    double worst = 0.0;
    for (size_t k = 0; k < sizeof groups / sizeof groups[0]; k++) {
        size_t n = groups[k].to - groups[k].from;
        double *num = gc_zeros(n);
        central_gradient(loss, u, u->p + groups[k].from, n, STEP, num);
        double e = rel(u->g + groups[k].from, num, n);
        CHECK(e <= TOL, "%s: %s (%zu): relative error %.2e", what, groups[k].name, n, e);
        worst = fmax(worst, e);
        free(num);
    }
    return worst;
}

int main(void)
{
    pb_rng_seed(&rng, 14, 0);
    double worst = 0.0;
    setup u;
    setup_new(&u, 2, 0.7, 0.9);
    kovae_terms t;
    memcpy(u.s.x, u.x, (size_t)u.T * u.B * u.m.X * sizeof *u.x);
    kovae_forward(&u.m, u.p, &u.s, u.rm, u.rv, u.eps_q, u.eps_p, u.B, u.w_kl, u.w_pred, &t);
    CHECK(t.rec > 0 && t.kl > 0 && t.pred > 0, "every term counts: rec %.3f kl %.3f pred %.3f",
          t.rec, t.kl, t.pred);
    worst = fmax(worst, check_all(&u, "two layers"));

    /* The backward adds into grad. */
    double *once = gc_zeros(u.m.n_params);
    memcpy(once, u.g, u.m.n_params * sizeof *once);
    loss(&u);
    kovae_backward(&u.m, u.p, &u.s, u.eps_q, u.eps_p, u.w_kl, u.w_pred, u.g);
    for (size_t i = 0; i < u.m.n_params; i++)
        once[i] *= 2;
    CHECK(rel(u.g, once, u.m.n_params) < 1e-14, "the backward accumulates");
    free(once);
    setup_free(&u);

    setup_new(&u, 1, 0.3, 2.0);
    worst = fmax(worst, check_all(&u, "one layer"));
    setup_free(&u);
    setup_new(&u, 2, 0.5, 0.0);
    worst = fmax(worst, check_all(&u, "w_pred = 0 (GRU-VAE)"));
    setup_free(&u);
    printf("# the full KoVAE loss, every weight: worst relative error %.2e\n", worst);
    return check_summary("kovae gradient");
}
