/*
 * The sequence kind, revision 1: learn a model of a data set of sequences (time series)
 * from counted minibatches of training sequences; the host measures the trained model on
 * test sequences the plugin never sees.
 *
 * A plugin that declares kind PB_KIND_SEQUENCE receives, in pb_problem.oracle, a pointer to
 * the pb_sequence table below. A data set is N_train training sequences of `length` steps
 * of `dim` features each, every value in [value_min, value_max] (the problem documents its
 * scaling). Its cost unit is the sequence step: a minibatch of B sequences counts
 * B * length steps. The HOST draws the minibatches, from the run's seed (an epoch-wise
 * random permutation of the training set, reshuffled at each epoch boundary), and hands
 * over each sequence's index in the training set, so that a model with per-sequence state
 * (PV-RNN's adaptive posterior vectors) can keep it.
 *
 * The model is the plugin's state, so solution_length is 0 and solution() writes nothing.
 * The host measures the model through the plugin's PB_SEQUENCE_MODEL extension (below),
 * outside the timed training region:
 *   - predict, at every trace point: one-step and k-step prediction MSE over the test set,
 *     computed by the host from the plugin's predictions; the main metric is the one-step
 *     test MSE (0 is optimal). The seconds predict() takes are the algorithm's inference
 *     time (error regression, say) and are recorded as their own figure;
 *   - generate, once at the end: n sequences from the model's prior, on which the host
 *     computes TimeGAN's discriminative and predictive scores (and what a problem adds,
 *     such as the branch frequency of the PFSM). A model that cannot generate leaves
 *     generate NULL: those metrics are NaN, which is not a failure.
 * A plugin without the extension is trained and measured on nothing but its status.
 */
#ifndef PLUGBENCH_SEQUENCE_H
#define PLUGBENCH_SEQUENCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PB_KIND_SEQUENCE "sequence/1"

typedef struct pb_sequence pb_sequence;

struct pb_sequence {
    uint32_t struct_size; /* sizeof(pb_sequence) as the host was built */
    uint32_t dim;         /* features per step, >= 1 */
    uint32_t length;      /* steps per sequence, >= 2 */
    uint32_t reserved;    /* zero */
    uint64_t n_train;     /* training sequences, >= 1 */
    double value_min;     /* every value of every sequence lies in [value_min, value_max] */
    double value_max;

    /*
     * Draws the next batch_size training sequences (1 <= batch_size <= n_train) from the
     * host's sequence and writes them to x (batch_size * length * dim doubles, sequence
     * major, then step, then feature: x[(b * length + t) * dim + d]) and their indices in
     * the training set to index (batch_size values in [0, n_train); NULL when not wanted).
     * Counts batch_size * length steps. Returns batch_size, or 0 with nothing written when
     * the budget does not allow it or batch_size is out of range; the host then ends the
     * run after the current step.
     */
    uint32_t (*next_batch)(const pb_sequence *self, uint32_t batch_size, double *x,
                           uint32_t *index);

    void *host; /* the host's; do not touch */

    /* Revision 1 ends here. */
};

/* The id to pass to pb_plugin.extension(); what it returns is a pb_sequence_model. */
#define PB_SEQUENCE_MODEL "plugbench.sequence-model/1"

/*
 * What a sequence plugin offers the host for measuring its model; a static table. The
 * host calls these between step() calls, with the state create() made, never from inside
 * a plugin call. They must not call the oracle (a call returns 0 and ends the run with
 * status error). Each returns 0, or a negative PB_ERR_* with a message in the context's
 * error buffer.
 */
typedef struct pb_sequence_model {
    uint32_t struct_size; /* sizeof(pb_sequence_model) as the plugin was built */
    uint32_t reserved;    /* zero */

    /*
     * Predicts along one sequence x (length steps, x[t * dim + d]) that the model has not
     * seen: for every t in [0, length - 1) and j in [0, k), writes to out[(t * k + j) * dim
     * + d] the prediction of x[t + 1 + j] made from x[0..t] alone (a prediction past the
     * end of x is written too and ignored). Inference-time work, such as PV-RNN's error
     * regression over a window of past steps, belongs here; the host times it as inference
     * seconds. May be NULL when the model cannot predict: the prediction metrics are NaN.
     */
    int32_t (*predict)(void *state, const double *x, uint32_t length, uint32_t k,
                       double *out);

    /*
     * Generates n sequences of length steps from the model's prior into out (n * length *
     * dim doubles, laid out as next_batch's x), drawing its randomness from seed alone (the
     * same seed gives the same sequences). May be NULL when the model cannot generate.
     */
    int32_t (*generate)(void *state, uint64_t seed, uint32_t n, uint32_t length, double *out);

    /* Revision 1 ends here. */
} pb_sequence_model;

#ifdef __cplusplus
}
#endif

#endif
