/*
 * The gru-predictor baseline through its descriptor, on the pvrnn tests' host of the
 * sequence kind and their Lorenz windows (plugins/pvrnn/tests/seq_test.h): after 600
 * minibatches it predicts held-out windows one step ahead at least 4 times better than
 * persistence; the same seed gives the same predictions; the first of k steps ahead is the
 * one-step prediction, and the next ones differ (its own predictions fed back); it offers
 * predict and no generate; a refused batch is not an error.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

enum { N = 48, NT = 16, LEN = 60 };

static void start(seq_run *r, seq_host *h, const double *train)
{
    seq_host_init(h, train, N, LEN, 3, 0.0, 1.0, 1);
    seq_run_init(r, pb_plugin_entry());
    seq_run_param(r, "lr", 0.005);
    if (seq_run_create(r, h, 5) != 0)
        abort();
}

int main(void)
{
    double *train = malloc(N * LEN * 3 * sizeof *train), *test = malloc(NT * LEN * 3 * sizeof *test);
    lorenz_generate(N, LEN, 20, 0, train);
    lorenz_generate(NT, LEN, 20, N * 20 + 200, test);
    seq_host h1, h2;
    seq_run r1, r2;
    start(&r1, &h1, train);
    start(&r2, &h2, train);
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
    free(train), free(test), free(a), free(b), free(one);
    return check_summary("gru-predictor");
}
