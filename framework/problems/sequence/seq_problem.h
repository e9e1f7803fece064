/*
 * Shared by the sequence kind (sequence.c) and its problem families: one problem type that
 * owns the data set, draws the minibatches from the run's seed, counts sequence steps and
 * measures the plugin's model, so that a family supplies only its data (and, for the PFSM,
 * a branch classifier).
 *
 * The data are doubles, sequence major, then step, then feature, as the public header lays
 * out a batch: sequence i's step t, feature d at x[(i * length + t) * dim + d].
 */
#ifndef PLUGBENCH_SEQ_PROBLEM_H
#define PLUGBENCH_SEQ_PROBLEM_H

#include "../problem.h"
#include "plugbench/rng.h"
#include "plugbench/sequence.h"

/* The horizon of the k-step prediction metric (test_mse_5step): x[t + 5] from x[0..t]. */
#define PB__SEQ_K 5

typedef struct pb__seq_problem pb__seq_problem;

extern const pb__kind pb__kind_sequence;

struct pb__seq_problem {
    pb__problem base;
    pb_sequence oracle;    /* base.handle.oracle points here */
    uint32_t dim, length;
    uint32_t n_train, n_test;
    double *train;         /* n_train * length * dim, filled by the family */
    double *test;          /* n_test * length * dim, filled by the family */
    double value_min, value_max; /* the documented range of every value */

    /*
     * Optional (seq-pfsm): the branch a sequence took at the machine's branch point, 0 for
     * the branch of probability branch_p, 1 for the other, as the family's classifier reads
     * it from the values alone; train_branch and test_branch hold the generator's labels.
     * The host measures the branch frequency of generated sequences with it.
     */
    int (*branch_of)(const pb__seq_problem *p, const double *x);
    uint8_t *train_branch, *test_branch; /* n_train, n_test; NULL without branch_of */
    double branch_p;

    void *model;           /* the family's: templates, parameters */
    void (*model_free)(void *model);
    /* Optional: adds the family's own parameters to the results record's problem. */
    void (*describe_extra)(const pb__seq_problem *p, cJSON *obj);

    /* The minibatch sequence: an epoch-wise permutation drawn from the run's seed. */
    pb_rng rng;
    int seeded;
    uint32_t *perm;        /* n_train */
    uint32_t pos;          /* next position in perm */

    /* What the model's measurements took, for the run's time block (collect_extras). */
    int measured;          /* predict() was timed at least once */
    int generated;         /* generate() was called */
    double predict_seconds;       /* the last measurement's predict() calls */
    double predict_seconds_total; /* all measurements' */
    double generate_seconds;      /* the final generate() call */
    double score_seconds;         /* the host's post-hoc scores */
};

/*
 * Allocates a problem with its data arrays (zeroed, for the family to fill) and its
 * oracle table. dim >= 1, length >= 2, n_train >= 1, n_test >= 1, value_min < value_max.
 * Returns NULL when out of memory.
 */
pb__seq_problem *pb__seq_problem_new(uint32_t dim, uint32_t length, uint32_t n_train,
                                     uint32_t n_test, double value_min, double value_max);

/* The counted oracle (the table's member), also used directly by tests. */
uint32_t pb__seq_next_batch(const pb_sequence *self, uint32_t batch_size, double *x,
                            uint32_t *index);

/*
 * The one-step and k-step (PB__SEQ_K) test prediction MSE of a model, asking predict for
 * prefixes of the test set as the public header describes (steps 1 .. length - 1, all
 * test sequences in one call each, k = PB__SEQ_K). Writes mse[0] (one step: every
 * prediction of x[t + 1], t in [0, length - 1)) and mse[1] (PB__SEQ_K steps: x[t + K],
 * t in [0, length - K); NaN when length <= K), and the seconds predict took to *seconds.
 * Returns 0; 1 when a prediction inside the sequence is not finite; 2 when the host is out
 * of memory; or predict's negative code. Exposed for the tests, which call it with a predictor of their own.
 */
typedef int32_t (*pb__seq_predict_fn)(void *state, uint32_t n, uint32_t steps, uint32_t k,
                                      const double *x, double *out);
int pb__seq_prediction_mse(pb__seq_problem *p, pb__seq_predict_fn predict, void *state,
                           double mse[2], double *seconds);

/* ---- TimeGAN's post-hoc scores (posthoc.c) --------------------------------------------- */

/*
 * The constants of the post-hoc networks, as TimeGAN's discriminative_metrics.py and
 * predictive_metrics.py set them (iterations, batch sizes, the 80/20 split), and the number
 * of repetitions whose mean the host reports (TimeGAN's main_timegan.py averages 10; fewer
 * here to keep a run's scoring to seconds: docs/results-schema.md gives the cost).
 */
#define PB__SEQ_DISC_ITERATIONS 2000
#define PB__SEQ_DISC_BATCH 128
#define PB__SEQ_DISC_TRAIN_FRACTION 0.8
#define PB__SEQ_DISC_REPETITIONS 1
#define PB__SEQ_PRED_ITERATIONS 5000
#define PB__SEQ_PRED_BATCH 128
#define PB__SEQ_PRED_REPETITIONS 1

/*
 * TimeGAN's discriminative score of one repetition: a one-layer GRU (hidden max(1, D/2))
 * with a dense output on its last state, trained with Adam (lr 1e-3) by logistic loss to
 * tell the real sequences (label 1) from the generated ones (label 0) on 80 % of each,
 * PB__SEQ_DISC_ITERATIONS minibatches of min(PB__SEQ_DISC_BATCH, that 80 %) of each; the
 * score is |accuracy - 0.5| on the other 20 % of both. real[n_real * T * D] and
 * gen[n_gen * T * D] as the problem lays out data, values already mapped to [0, 1]. All
 * randomness (split, initialisation, batches) from seed. Returns NaN when out of memory or
 * when a set has fewer than 2 sequences.
 */
double pb__seq_discriminative_score(const double *real, uint32_t n_real, const double *gen,
                                    uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed);

/*
 * TimeGAN's predictive score of one repetition: a one-layer GRU (hidden max(1, D/2)) with a
 * dense + sigmoid output at every step, trained with Adam (lr 1e-3) on the generated
 * sequences, PB__SEQ_PRED_ITERATIONS minibatches of min(PB__SEQ_PRED_BATCH, n_gen) by mean
 * absolute error, to predict feature D-1 at step t + 1 from features 0..D-2 at steps
 * 0..t (for D = 1, from the feature itself); the score is its mean absolute error on the
 * real sequences. Arrays as above, mapped to [0, 1]. Returns NaN when out of memory.
 */
double pb__seq_predictive_score(const double *real, uint32_t n_real, const double *gen,
                                uint32_t n_gen, uint32_t T, uint32_t D, uint64_t seed);

#endif
