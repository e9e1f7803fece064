/*
 * The persistence baseline through its descriptor on the pvrnn tests' host: every
 * prediction, k steps ahead, is the last observed step exactly; step() is PB_DONE at once
 * and draws no data; it predicts and does not generate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "seq_test.h"

const pb_plugin *pb_plugin_entry(void);

int main(void)
{
    enum { LEN = PFSM_LEN, K = 4 };
    double x[4 * LEN * 2], out[LEN * K * 2];
    pb_rng rng;
    pb_rng_seed(&rng, 1, 0);
    pfsm_generate(&rng, 4, x, NULL);
    seq_host h;
    seq_run r;
    seq_host_init(&h, x, 4, LEN, 2, -1.0, 1.0, 1);
    seq_run_init(&r, pb_plugin_entry());
    if (seq_run_create(&r, &h, 1) != 0)
        return 1;
    CHECK(r.model && r.model->predict && !r.model->generate, "predicts, does not generate");
    CHECK(seq_run_steps(&r, 1) == PB_DONE && h.served == 0, "step(): PB_DONE, no data drawn");
    seq_predict(&r, x + LEN * 2, LEN, K, out);
    int same = 1;
    for (int t = 0; t + 1 < LEN; t++)
        for (int j = 0; j < K; j++)
            same &= memcmp(out + (t * K + j) * 2, x + LEN * 2 + t * 2, 2 * sizeof *x) == 0;
    CHECK(same, "x_{t+j} = x_t for every t and j < %d", K);
    seq_run_destroy(&r);
    seq_host_free(&h);
    return check_summary("persistence");
}
