/*
 * What the saddle plugins (extragradient, masha1, masha2) share: the start of their state,
 * the workers' exchange of full operators, the compressors and the sends. The plugin plays
 * the server and every worker; whatever passes between them goes through the host's
 * send_up() and broadcast(), which count the bits and deliver the message (plugbench/saddle.h),
 * and the plugin uses only what they deliver. All workers receive the same broadcasts, so
 * one copy of z, w and F(w) stands for every worker's.
 */
#ifndef SADDLE_COMMON_H
#define SADDLE_COMMON_H

#include <stddef.h>

#include <plugbench/kit.h>
#include <plugbench/rng.h>

/* The parameters masha1 and masha2 share, at the indices P_K, P_K_SERVER and P_PROB of their
 * tables (sad_compression reads them), and the step, whose rule rule_doc states. */
#define SAD_PARAMS_COMPRESSION(P_K, P_K_SERVER, P_PROB)                                     \
    [P_K] = {.name = "k", .type = PB_PARAM_INT, .default_value = 0, .min = 0, .max = 1e9,   \
             .doc = "coordinates a worker sends (0: dim / 10, rounded up)"},                 \
    [P_K_SERVER] = {.name = "k_server", .type = PB_PARAM_INT, .default_value = 0,           \
                    .min = 0, .max = 1e9, .doc = "coordinates the server sends (0: k)"},     \
    [P_PROB] = {.name = "prob", .type = PB_PARAM_REAL, .default_value = 0, .min = 0,        \
                .max = 1, .doc = "probability of a full exchange, 1 - tau (0: k / dim)"}
#define SAD_PARAM_GAMMA(rule_doc)                                                           \
    {.name = "gamma", .type = PB_PARAM_REAL, .default_value = 0, .min = 0, .max = 1e6,      \
     .doc = "step size (0: " rule_doc ")"}

typedef struct sad_base {
    pb_state_head head; /* the solution is z */
    const pb_saddle *f;
    pb_rng rng;
    uint32_t D, M;
    uint32_t k, k_server; /* the compressed methods' message sizes (sad_compression) */
    double prob, gamma;   /* the probability of a full exchange; the step */
    double *z;      /* D: the iterate */
    double *w;      /* D: the anchor (the point of the last full exchange) */
    double *Fw;     /* D: F(w), as every worker received it */
    double *Fm;     /* M x D: F_m(w), worker m's own */
    double *zh;     /* D: the extrapolated point */
    double *v;      /* D: a worker's vector */
    double *recv;   /* D: what the last send delivered */
    double *acc;    /* D: the server's average */
    double *val;    /* D: a sparse message's values */
    uint32_t *idx;  /* D: its indices */
    uint32_t *perm; /* D: Rand-k's permutation */
} sad_base;

/* The most arrays a plugin's state may add to the base's. */
#define SAD_MAX_EXTRA 2

/*
 * A plugin's create() up to its own parameters: the state of `size` bytes (a sad_base
 * first) with the base's arrays and the plugin's extra ones (zeroed), z = w = z0, the
 * generator seeded by the run's seed, and a full exchange at w (F(w) and every F_m(w)),
 * into *out. Returns 0, or a PB_ERR_* with the message in ctx's error buffer.
 */
int32_t sad_create(const pb_context *ctx, size_t size, size_t n_extra, const pb_array extra[],
                   void **out);

/* The compressed methods' k, k_server and prob from the parameters at p_k, p_k + 1 and
 * p_k + 2 (SAD_PARAMS_COMPRESSION's order), their 0s replaced by the rules the docs state;
 * the step from the parameter p_gamma, or rule when it is 0. */
void sad_compression(sad_base *b, const pb_context *ctx, uint32_t p_k);
void sad_step_size(sad_base *b, const pb_context *ctx, uint32_t p_gamma, double rule);

/* Worker m's F_m(z_half) - F_m(w) into b->v. Returns 0, or 1 when the oracle refused. */
int32_t sad_worker_difference(sad_base *b, uint32_t m);

/*
 * Every worker computes F_m(p) into Fm's row m and sends it dense; the server averages what
 * it received and broadcasts that dense, delivered into mean. Returns 0; 1 when the budget
 * refused a send (step() returns PB_CONTINUE); PB_ERR_FAILED with a message when the host
 * refused a message as malformed.
 */
int32_t sad_exchange(sad_base *b, const double *p, double *Fm, double *mean);

/* With probability prob: w = z and a full exchange at w. Returns as sad_exchange. */
int32_t sad_refresh_anchor(sad_base *b, double prob);

/* k distinct indices uniform among D into b->idx (a partial Fisher-Yates shuffle). */
void sad_rand_k(sad_base *b, uint32_t k);

/* The indices of the k largest |v_i| into b->idx (ties to the lower index). */
void sad_top_k(sad_base *b, const double *v, uint32_t k);

/*
 * Sends scale v[idx[i]] for the k indices in b->idx, from worker m (m < M) or, for m == M,
 * from the server to every worker; what arrives is in b->recv. Returns as sad_exchange.
 */
int32_t sad_send_sparse(sad_base *b, uint32_t m, const double *v, uint32_t k, double scale);

/* The start of a MASHA1 or MASHA2 step: zbar = tau z + (1 - tau) w into z (it is not needed
 * apart), tau = 1 - prob; zh = zbar - gamma F(w); the server's average acc = 0. */
void sad_step_start(sad_base *b);

#endif
