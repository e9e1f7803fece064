/*
 * The gru-predictor baseline through its descriptor, on the pvrnn tests' small host of
 * the sequence kind (plugins/pvrnn/tests/seq_test.h) serving the kind's seq-lorenz-i1
 * windows: after 600 minibatches it predicts the first NT test windows one step ahead at
 * least 4 times better than persistence; the same seed gives the same predictions; the first of k steps ahead is the
 * one-step prediction, and the next ones differ (its own predictions fed back); it offers
 * predict and no generate; a refused batch is not an error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "plugin_run.h"
#include "seq_problem.h"
#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

enum { NT = 16, LEN = 24 };

static void start(seq_run *r, seq_host *h, const pb__seq_problem *p)
{
    seq_host_init(h, p->train, p->n_train, LEN, 3, p->value_min, p->value_max, 1);
    seq_run_init(r, pb_plugin_entry());
    seq_run_param(r, "lr", 0.005);
    if (seq_run_create(r, h, 5) != 0)
        abort();
}

int main(void)
{
    pb__seq_problem *p = open_problem("seq-lorenz-i1");
    if (!p)
        return check_summary("gru-predictor");
    CHECK(p->length == LEN && p->dim == 3 && p->n_test >= NT, "seq-lorenz-i1: %u x %u, %u test",
          p->length, p->dim, p->n_test);
    const double *test = p->test;
    seq_host h1, h2;
    seq_run r1, r2;
    start(&r1, &h1, p);
    start(&r2, &h2, p);
    CHECK(r1.model && r1.model->predict && !r1.model->generate, "predicts, does not generate");
    CHECK(seq_run_steps(&r1, 600) == PB_CONTINUE && seq_run_steps(&r2, 600) == PB_CONTINUE,
          "600 steps");

    double persistence = 0.0;
    for (int k = 0; k < NT; k++)
        for (int t = 0; t + 1 < LEN; t++)
            for (int i = 0; i < 3; i++) {
                double e = test[(k * LEN + t + 1) * 3 + i] - test[(k * LEN + t) * 3 + i];
                persistence += e * e;
            }
    persistence /= NT * (LEN - 1) * 3.0;
    double mse = seq_one_step_mse(&r1, test, NT, LEN, 3);
    CHECK(mse * 4 < persistence, "one-step MSE on %d held-out windows %.2e, persistence %.2e",
          NT, mse, persistence);

    double *a = malloc(LEN * 3 * 3 * sizeof *a), *b = malloc(LEN * 3 * 3 * sizeof *b),
           *one = malloc(LEN * 3 * sizeof *one);
    seq_predict(&r1, test, LEN, 3, a);
    seq_predict(&r2, test, LEN, 3, b);
    CHECK(memcmp(a, b, (LEN - 1) * 3 * 3 * sizeof *a) == 0, "the same seed, the same predictions");
    seq_predict(&r1, test, LEN, 1, one);
    double first = 0.0, ahead = 0.0;
    for (int t = 0; t + 1 < LEN; t++)
        for (int i = 0; i < 3; i++) {
            first = fmax(first, fabs(a[(t * 3 + 0) * 3 + i] - one[t * 3 + i]));
            ahead = fmax(ahead, fabs(a[(t * 3 + 1) * 3 + i] - a[(t * 3 + 0) * 3 + i]));
        }
    CHECK(first == 0.0 && ahead > 0.0, "k = 3: the first is the one-step prediction (%.1e), the "
          "next differ (%.2f)", first, ahead);

    h1.budget = h1.served + 1;
    CHECK(seq_run_steps(&r1, 1) == PB_CONTINUE, "a refused batch: PB_CONTINUE");
    seq_run_destroy(&r1), seq_run_destroy(&r2);
    seq_host_free(&h1), seq_host_free(&h2);
    free(a), free(b), free(one);
    pb__problem_close(&p->base);
    return check_summary("gru-predictor");
}
