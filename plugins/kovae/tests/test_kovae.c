/*
 * The kovae plugin through its descriptor.
 *
 *   test_kovae api        (core) on the pvrnn tests' small host of the sequence kind
 *                         (plugins/pvrnn/tests/seq_test.h) serving seq-sines-i1's training
 *                         set: it offers generate and no predict; the same seed gives the
 *                         same model (the same samples, bit for bit) and another generation
 *                         seed other samples; generated values are finite and in the
 *                         problem's range; a refused batch changes nothing (the samples stay
 *                         bit for bit); another kind is refused, and so is a batch too small
 *                         for the least squares; w_pred = 0 (the GRU-VAE) trains. Prints the
 *                         time of a training step at the defaults (batch 64, 24 x 5).
 *   test_kovae learns KOVAE.so
 *                         (slow) the learning claim on seq-sines-i1 (1000 training
 *                         sequences), defaults, 50 epochs of 16 steps of 64 (the
 *                         authors' DataLoader makes ceil(1000 / 64) = 16 batches an epoch): the
 *                         reconstruction loss (mean over the last epoch against the first 5
 *                         steps) falls by at least 80%, and the discriminative score the host
 *                         measures on the module run through the library (as
 *                         plugbench run) is below 0.25 and below uniform noise's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kovae_internal.h"
#include "plugin_run.h"
#include "seq_problem.h"
#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

enum { NG = 100 };
#define EPOCH_STEPS 16 /* ceil(1000 / 64) */
#define EPOCHS 50

static int start(seq_run *r, seq_host *h, const pb__seq_problem *p, uint64_t seed)
{
    seq_host_init(h, p->train, p->n_train, p->length, p->dim, p->value_min, p->value_max, 3);
    seq_run_init(r, pb_plugin_entry());
    return seq_run_create(r, h, seed);
}

static int api(void)
{
    pb__seq_problem *p = open_problem("seq-sines-i1");
    if (!p)
        return check_summary("kovae api");
    uint32_t T = p->length, D = p->dim;
    size_t row = (size_t)T * D;
    seq_host h1, h2;
    seq_run r1, r2;
    CHECK(start(&r1, &h1, p, 5) == 0 && start(&r2, &h2, p, 5) == 0, "create at the defaults");
    CHECK(r1.model && r1.model->generate && !r1.model->predict, "generates, does not predict");
    double t0 = pb__now();
    CHECK(seq_run_steps(&r1, 20) == PB_CONTINUE, "20 steps");
    double per_step = (pb__now() - t0) / 20;
    printf("# a training step at the defaults (batch 64, 24 x 5, hidden 20, z 16, 3 layers): "
           "%.2f ms\n", 1e3 * per_step);
    CHECK(seq_run_steps(&r2, 20) == PB_CONTINUE, "20 steps, again");
    kovae_terms t = kovae_internal_terms(r1.state);
    CHECK(isfinite(t.loss) && t.rec > 0 && t.kl > 0 && t.pred > 0,
          "the loss and its terms: %.3f (rec %.3f, kl %.3f, pred %.4f)", t.loss, t.rec, t.kl,
          t.pred);

    double *a = malloc(NG * row * sizeof *a), *b = malloc(NG * row * sizeof *b),
           *c = malloc(NG * row * sizeof *c);
    if (!a || !b || !c)
        abort();
    CHECK(r1.model->generate(r1.state, 9, NG, T, a) == 0 &&
              r2.model->generate(r2.state, 9, NG, T, b) == 0,
          "generate %d sequences", NG);
    CHECK(memcmp(a, b, NG * row * sizeof *a) == 0, "the same seed, the same model and samples");
    int in_range = 1;
    for (size_t i = 0; i < NG * row; i++)
        in_range &= isfinite(a[i]) && a[i] >= p->value_min && a[i] <= p->value_max;
    CHECK(in_range, "generated values finite and in [%g, %g]", p->value_min, p->value_max);
    CHECK(r1.model->generate(r1.state, 10, NG, T, c) == 0 &&
              memcmp(a, c, NG * row * sizeof *a) != 0,
          "another generation seed, other samples");

    h1.budget = h1.served + 1;
    CHECK(seq_run_steps(&r1, 1) == PB_CONTINUE, "a refused batch: PB_CONTINUE");
    CHECK(r1.model->generate(r1.state, 9, NG, T, c) == 0 &&
              memcmp(a, c, NG * row * sizeof *a) == 0,
          "a refused batch changes nothing");
    seq_run_destroy(&r1), seq_run_destroy(&r2);
    seq_host_free(&h1), seq_host_free(&h2);

    /* The GRU-VAE: the least-squares term off. */
    seq_host_init(&h1, p->train, p->n_train, T, D, p->value_min, p->value_max, 3);
    seq_run_init(&r1, pb_plugin_entry());
    seq_run_param(&r1, "w_pred", 0);
    CHECK(seq_run_create(&r1, &h1, 5) == 0 && seq_run_steps(&r1, 5) == PB_CONTINUE,
          "w_pred = 0 trains");
    t = kovae_internal_terms(r1.state);
    CHECK(isfinite(t.loss) && t.pred == 0.0, "w_pred = 0: no prediction term (%g)", t.pred);
    seq_run_destroy(&r1);

    /* (length - 1) batch < z_dim: the least squares would be underdetermined. */
    seq_run_init(&r1, pb_plugin_entry());
    seq_run_param(&r1, "batch", 1);
    seq_run_param(&r1, "z_dim", 30);
    fprintf(stderr, "(a refusal expected:) ");
    CHECK(seq_run_create(&r1, &h1, 5) == PB_ERR_INVALID, "batch 1, z_dim 30 refused: %s",
          r1.error);
    seq_host_free(&h1);

    /* Another kind. */
    seq_run_init(&r1, pb_plugin_entry());
    r1.problem = (pb_problem){.struct_size = sizeof(pb_problem), .kind = "blackbox/1",
                              .id = "test", .solution_length = 2};
    r1.ctx = (pb_context){.struct_size = sizeof(pb_context), .problem = &r1.problem,
                          .params = r1.values, .seed = 1, .error = r1.error,
                          .error_size = sizeof r1.error};
    CHECK(r1.plugin->create(&r1.ctx, &r1.state) == PB_ERR_INVALID, "another kind refused: %s",
          r1.error);
    free(a), free(b), free(c);
    pb__problem_close(&p->base);
    return check_summary("kovae api");
}

static int learns(const char *module)
{
    pb__seq_problem *p = open_problem("seq-sines-i1");
    if (!p)
        return check_summary("kovae learns");
    uint32_t T = p->length, D = p->dim;
    CHECK(p->n_train == 1000, "seq-sines-i1: %u training sequences", (unsigned)p->n_train);

    /* The reconstruction loss, in process. */
    seq_host h;
    seq_run r;
    CHECK(start(&r, &h, p, 1) == 0, "create at the defaults");
    double first = 0.0, last = 0.0, t0 = pb__now();
    for (int e = 0; e < EPOCHS; e++)
        for (int k = 0; k < EPOCH_STEPS; k++) {
            if (seq_run_steps(&r, 1) != PB_CONTINUE)
                abort();
            kovae_terms t = kovae_internal_terms(r.state);
            if (e == 0 && k < 5)
                first += t.rec / 5;
            if (e == EPOCHS - 1)
                last += t.rec / EPOCH_STEPS;
        }
    double secs = pb__now() - t0;
    printf("# %d epochs of %d steps: %.1f s (%.2f ms a step)\n", EPOCHS, EPOCH_STEPS, secs,
           1e3 * secs / (EPOCHS * EPOCH_STEPS));
    CHECK(last <= 0.2 * first, "reconstruction loss (sum over a sequence): first 5 steps %.3f, "
          "last epoch %.3f: falls by %.1f%%", first, last, 100 * (1 - last / first));
    seq_run_destroy(&r);
    seq_host_free(&h);

    /* The discriminative score of uniform noise in the range, as the kind scores it. */
    size_t n = p->n_test, row = (size_t)T * D;
    double *noise = malloc(n * row * sizeof *noise);
    if (!noise)
        abort();
    pb_rng rng;
    pb_rng_seed(&rng, 3, 0);
    for (size_t i = 0; i < n * row; i++)
        noise[i] = pb_rng_uniform_in(&rng, p->value_min, p->value_max);
    double noise_score = 0.0;
    for (int k = 0; k < PB__SEQ_DISC_REPETITIONS; k++)
        noise_score += pb__seq_discriminative_score(p->test, (uint32_t)n, noise, (uint32_t)n, T,
                                                    D, 1 + k) / PB__SEQ_DISC_REPETITIONS;
    free(noise);

    /* The module as plugbench run runs it, measured by the host. */
    pb__plugin_file pl;
    if (load_plugin(module, &pl) == 0) {
        pb_value values[64];
        pb__params_defaults(pl.desc, values);
        pb__outcome out = run(&pl, values, "seq-sines-i1", 1, EPOCHS * EPOCH_STEPS, 0);
        CHECK(out.status == PB__STATUS_OK, "the run ends ok (status %d%s%s)", out.status,
              out.message[0] ? ": " : "", out.message);
        double disc = out.metrics[kind_metric("sequence", "discriminative_score")];
        int pred = kind_metric("sequence", "predictive_score");
        printf("# predictive score %.4f\n", out.metrics[pred]);
        CHECK(disc < 0.25 && disc < noise_score, "discriminative score %.3f (< 0.25; uniform "
              "noise %.3f)", disc, noise_score);
        pb__plugin_unload(&pl);
    }
    pb__problem_close(&p->base);
    return check_summary("kovae learns");
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "api") == 0)
        return api();
    if (argc == 3 && strcmp(argv[1], "learns") == 0)
        return learns(argv[2]);
    fprintf(stderr, "usage: test_kovae api | learns KOVAE.so\n");
    return 2;
}
