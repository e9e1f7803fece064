/*
 * Kernels shared by the sinkhorn and sns plugins: a vectorizable exp, and the log-domain
 * and scaling Sinkhorn iterations on scaled potentials a = eta f, b = eta g, for which the
 * plan is P_ij = exp(a_i + b_j + K_ij) with K = -eta C (see plugbench/transport.h).
 */
#ifndef PLUGBENCH_OT_KERNELS_H
#define PLUGBENCH_OT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* acc[q] += x[j] for the j = q mod 8 of x's whole blocks of 8, then the rest into acc[0]:
 * eight independent sums, which GCC vectorizes. */
static inline void add8(double acc[8], const double *x, size_t len)
{
    size_t j = 0;
    for (; j + 8 <= len; j += 8)
        for (int q = 0; q < 8; q++)
            acc[q] += x[j + q];
    for (; j < len; j++)
        acc[0] += x[j];
}

/* The total of eight accumulators (add8's, fused_pass's), summed pairwise. */
static inline double sum8(const double acc[8])
{
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Log-domain Sinkhorn state. All arrays are owned by the struct (ot_log_free). */
typedef struct ot_log {
    uint32_t n, m;
    double *block;    /* the arrays below but a, b and r */
    double *k;        /* -eta C, n * m row-major */
    double *a, *b;    /* scaled potentials, n and m: allocated on their own, so that a
                         caller may trade them for arrays of its own (sns) */
    double *log_r, *log_c;
    double *shift_r;  /* per-row shift of the log-sum-exp (the last row LSE), n */
    double *shift_c;  /* per-column shift, m */
    double *acc;      /* m column accumulators */
    double *tmp;      /* a block of exps */
    const double *r;  /* host-owned marginals */
    int have_shifts;  /* 0 until the first exact log-sum-exps */
} ot_log;

/* Allocates the state for C (n x m), r, c, eta; potentials start at 0. Returns 0 or -1. */
int ot_log_init(ot_log *s, uint32_t n, uint32_t m, double eta, const double *cost,
                const double *r, const double *c);
void ot_log_free(ot_log *s);

/*
 * One Sinkhorn iteration: a <- log r - LSE_j(K + b), then b <- log c - LSE_i(K + a).
 * Writes to *row_error the L1 row-marginal error |P 1 - r|_1 of the potentials as they were
 * on entry (their column marginals are exact after a previous iteration), computed at no
 * extra cost from the row log-sum-exps. When that error is <= stop_below, returns 1 and
 * leaves the potentials unchanged; otherwise returns 0.
 */
int ot_log_iterate(ot_log *s, double stop_below, double *row_error);

/*
 * How the scaling form reads E each iteration. OT_PASS_DGEMV: two OpenBLAS dgemv (E v, then
 * E^T u), two passes over E, as NumPy's K @ v and K.T @ u. OT_PASS_FUSED: one pass
 * (fused_pass in ot_kernels.c). OT_PASS_FLOAT: one pass over E stored in float, half the
 * bytes, products and sums in double; see ot_scaling_init.
 */
enum { OT_PASS_DGEMV, OT_PASS_FUSED, OT_PASS_FLOAT };

/* Scaling-form Sinkhorn state: E = exp(-eta C) (or an absorbed kernel); u = exp(a), v = exp(b). */
typedef struct ot_scaling {
    uint32_t n, m;
    int pass;         /* OT_PASS_* */
    double *block;    /* the arrays below but ef, r, c (owned; ot_scaling_free) */
    double *e;        /* n * m (not allocated for OT_PASS_FLOAT) */
    float *ef;        /* OT_PASS_FLOAT: E_ij e^(lift_a_i + lift_b_j), n * m, owned */
    double *lift_a;   /* OT_PASS_FLOAT: n, m; the potentials are a_i = log u[i] + lift_a_i, */
    double *lift_b;   /* b_j = log v[j] + lift_b_j (NULL otherwise) */
    double *u, *u_new, *v;
    double *y;        /* m scratch */
    const double *r, *c;
} ot_scaling;

/*
 * As ot_log_init; E = exp(-eta C), or left unset when cost is NULL (OT_PASS_DGEMV or
 * OT_PASS_FUSED only). With OT_PASS_FLOAT, E is stored in float as
 * F_ij = E_ij e^(lift_a_i + lift_b_j), lifted so that every row and every column has an
 * entry 1 and none exceeds 1 whatever eta (lift_a_i = eta min_j C_ij, then lift_b_j the
 * least that brings column j's largest to 1). The iteration on F with u[i] = u_i e^-lift_a_i,
 * v[j] = v_j e^-lift_b_j computes Sinkhorn's iterates: the same products, errors and
 * scalings. Entries of F below FLT_MIN (e^-87) are stored as 0, so that no load is
 * subnormal.
 */
int ot_scaling_init(ot_scaling *s, uint32_t n, uint32_t m, double eta, const double *cost,
                    const double *r, const double *c, int pass);
void ot_scaling_free(ot_scaling *s);
/* As ot_log_iterate, for u <- r / (E v), v <- c / (E^T u), reading E as s->pass says. */
int ot_scaling_iterate(ot_scaling *s, double stop_below, double *row_error);
/* The scaled potentials a = log u (n) and b = log v (m). */
void ot_scaling_potentials(const ot_scaling *s, double *a, double *b);

/*
 * Stabilized log-domain Sinkhorn: potentials a = a0 + log u, b = b0 + log v, with the kernel
 * exp(-eta C + a0 + b0) in sc.e, valid when kernel_valid; see ot_kernels.c.
 */
typedef struct ot_stab {
    ot_log lg;        /* K, and the absorbed potentials a0 = lg.a, b0 = lg.b */
    ot_scaling sc;    /* the absorbed kernel and the scalings u, v */
    double tau;       /* absorb when |log u| or |log v| would exceed tau */
    double *rows, *cols;
    int kernel_valid;
    uint64_t absorptions;
} ot_stab;

int ot_stab_init(ot_stab *s, uint32_t n, uint32_t m, double eta, const double *cost,
                 const double *r, const double *c, double tau);
void ot_stab_free(ot_stab *s);
/* As ot_log_iterate. */
int ot_stab_iterate(ot_stab *s, double stop_below, double *row_error);
/* The current scaled potentials a (n) and b (m). */
void ot_stab_potentials(const ot_stab *s, double *a, double *b);
/* The host's potentials f = a / eta, g = b / eta from the scaled ones, in place (len of
 * them: n + m). */
void ot_unscale(double *ab, size_t len, double eta);

/*
 * The plan of scaled potentials: p_ij = exp(k_ij + a_i + b_j) for an n x m k (row-major),
 * with its row sums (rows, n) and column sums (cols, m). Returns sum_ij p_ij.
 */
double ot_plan(const double *k, const double *a, const double *b, uint32_t n, uint32_t m,
               double *p, double *rows, double *cols);

#endif
