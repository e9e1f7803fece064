/*
 * The paper's claims (a) and (c) for the pvrnn module, run as `plugbench run` runs it: loaded
 * from its .so, on the sequence kind's own problems, measured by the host.
 *
 *   test_pvrnn_claims PVRNN.so pfsm     on seq-pfsm-i1 (one branch per sequence, 0.3 / 0.7),
 *                                       one layer of 20 units, 2 z units, tau 2, w 0.01,
 *                                       5000 steps of 64 sequences: (a) the sequences the
 *                                       host generates from the prior take the 0.3 branch
 *                                       with frequency 0.3 +- 0.1; (c) error regression
 *                                       (window 10, 50 iterations, lr 0.09) gives a test
 *                                       one-step MSE at least 2 times lower than the
 *                                       prior's prediction without it (er_iterations 0).
 *   test_pvrnn_claims PVRNN.so lorenz   (c) on seq-lorenz-i1, the same network.
 *
 * The two runs of (c) train the same model (the same seed; the error regression's
 * parameters act only in predict()) and differ only in the inference the host measures.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "plugin_run.h"

#define STEPS 5000
#define SEED 1

/* pvrnn with the claims' network on problem, STEPS steps, error regression er_iterations. */
static pb__outcome train(const pb__plugin_file *pl, const char *problem, int er_iterations)
{
    pb_value values[64];
    set_from_defaults(pl, values, (const char *const[]){"layers", "1", "d1", "20", "z1", "2",
                                                        "tau1", "2", "w1", "0.01", NULL});
    char iters[16];
    snprintf(iters, sizeof iters, "%d", er_iterations);
    set(pl, values, "er_iterations", iters);
    double t0 = pb__now();
    pb__outcome out = run(pl, values, problem, SEED, STEPS, 0);
    CHECK(out.status == PB__STATUS_OK, "%s, er_iterations %d: the run ends ok (status %d%s%s)",
          problem, er_iterations, out.status, out.message[0] ? ": " : "", out.message);
    printf("# %s, er_iterations %d: %d steps, %.1f s in all; test_mse %.3e\n", problem,
           er_iterations, STEPS, pb__now() - t0,
           out.metrics[kind_metric("sequence", "test_mse")]);
    return out;
}

static void claim_c(const pb__plugin_file *pl, const char *problem, const pb__outcome *with_er)
{
    pb__outcome prior = train(pl, problem, 0);
    int mse = kind_metric("sequence", "test_mse");
    double er = with_er->metrics[mse], no_er = prior.metrics[mse];
    CHECK(er * 2 < no_er, "(c) %s: test one-step MSE %.2e with error regression, %.2e from "
          "the prior without", problem, er, no_er);
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "pfsm") != 0 && strcmp(argv[2], "lorenz") != 0)) {
        fprintf(stderr, "usage: test_pvrnn_claims PVRNN.so pfsm|lorenz\n");
        return 2;
    }
    pb__plugin_file pl;
    if (load_plugin(argv[1], &pl) != 0)
        return check_summary(argv[2]);
    const char *problem = strcmp(argv[2], "pfsm") == 0 ? "seq-pfsm-i1" : "seq-lorenz-i1";
    pb__outcome with_er = train(&pl, problem, 50);
    if (strcmp(argv[2], "pfsm") == 0) {
        double f = with_er.metrics[kind_metric("sequence", "branch_frequency")];
        CHECK(fabs(f - 0.3) <= 0.1, "(a) the 100 sequences generated from the prior take the "
              "0.3 branch with frequency %.2f", f);
    }
    claim_c(&pl, problem, &with_er);
    pb__plugin_unload(&pl);
    return check_summary(argv[2]);
}
