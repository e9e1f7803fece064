/*
 * Shared by the bilevel kind (bilevel.c) and its problem families: one problem type that
 * counts oracle calls, draws the stochastic mode's noise from the run's seed and measures,
 * so that each family supplies only its exact oracles, f, y*(x) and a lower-level Hessian
 * solve.
 */
#ifndef PLUGBENCH_BIL_PROBLEM_H
#define PLUGBENCH_BIL_PROBLEM_H

#include "../problem.h"
#include "plugbench/bilevel.h"
#include "plugbench/rng.h"

/* The kind, defined at the end of bilevel.c. */
extern const pb__kind pb__kind_bilevel;

typedef struct pb__bil_problem pb__bil_problem;

/* The oracles, for batch_oracle. */
#define PB__BIL_GRAD_X_F 0
#define PB__BIL_GRAD_Y_F 1
#define PB__BIL_GRAD_Y_G 2
#define PB__BIL_HVP_YY_G 3
#define PB__BIL_CROSS_XY_G 4
/* The value oracles (revision 2), for admit's accounting and batch_value's level. */
#define PB__BIL_F_VALUE 5
#define PB__BIL_G_VALUE 6
/* The constraint oracles (revision 2), for the per-oracle counts. */
#define PB__BIL_H 7
#define PB__BIL_JAC_X_H 8
#define PB__BIL_JAC_Y_H 9
/* The lower level's gradient in x (revision 3), on g's samples like grad_y g. */
#define PB__BIL_GRAD_X_G 10
#define PB__BIL_N_ORACLES 11

/* The exact oracles of a family (no accounting, no noise), as in plugbench/bilevel.h. */
typedef void (*pb__bil_grad)(pb__bil_problem *p, const double *x, const double *y, double *out);
typedef void (*pb__bil_prod)(pb__bil_problem *p, const double *x, const double *y,
                             const double *v, double *out);

/*
 * What a family supplies (no accounting, no noise), one constant table per family: its exact
 * oracles, as in plugbench/bilevel.h, f, y*(x) and a lower-level Hessian solve; for a finite
 * sum (pb__bil_finite_sum) its batch oracle, standing in for each exact oracle the table
 * leaves NULL (pb__bil_exact); optionally test accuracy.
 */
typedef struct pb__bil_fns {
    pb__bil_grad grad_x_f, grad_y_f, grad_y_g;
    pb__bil_prod hvp_yy_g, cross_xy_g;
    double (*f)(pb__bil_problem *p, const double *x, const double *y);
    void (*y_star)(pb__bil_problem *p, const double *x, double *out);           /* dy */
    /* (grad_yy g(x, y))^{-1} v into out (dy). */
    void (*solve_yy)(pb__bil_problem *p, const double *x, const double *y, const double *v,
                     double *out);
    /* Finite sums: the mean over samples [lo, hi) of the level of oracle `which`
     * (PB__BIL_GRAD_X_F ...; v is NULL for the gradients) into out. */
    void (*batch_oracle)(pb__bil_problem *p, int which, const double *x, const double *y,
                         const double *v, uint32_t lo, uint32_t hi, double *out);
    /* Optional: test accuracy of the model y*(x) (NULL: no test set, NaN). */
    double (*test_accuracy)(pb__bil_problem *p, const double *x);
    /* The lower level's value g(x, y) (the value oracles of revision 2 need it and f). */
    double (*g)(pb__bil_problem *p, const double *x, const double *y);
    /* Finite sums: the mean value over samples [lo, hi) of f's (which PB__BIL_F_VALUE) or
     * g's (PB__BIL_G_VALUE) samples. */
    double (*batch_value)(pb__bil_problem *p, int which, const double *x, const double *y,
                          uint32_t lo, uint32_t hi);
    /* Problems with constraints (oracle.n_constraints > 0): h(x, y) into out (m), and the
     * transposed Jacobian products (d h / d x)^T l (dx) and (d h / d y)^T l (dy). */
    void (*h)(pb__bil_problem *p, const double *x, const double *y, double *out);
    pb__bil_prod jac_x_h, jac_y_h;
    /* Optional: grad Phi(x) in closed form into out (dx), for problems where the implicit
     * function theorem's formula does not apply (a constrained lower level, a set of lower
     * solutions); then solve_yy may be NULL. */
    void (*grad_phi)(pb__bil_problem *p, const double *x, double *out);
    /* grad_x g (revision 3): a finite sum may leave it NULL and serve it from batch_oracle. */
    pb__bil_grad grad_x_g;
} pb__bil_fns;

struct pb__bil_problem {
    pb__problem base;
    pb_bilevel oracle; /* base.handle.oracle points here; its dx and dy are the sizes */
    /* dx, dy doubles: the initial point, for the family to fill. A family also sets, in oracle,
     * noise (the stochastic mode's standard deviation when not a finite sum), or n_inner,
     * n_outer and batch_size (a finite sum); the host reads them there. */
    double *x0, *y0;

    const pb__bil_fns *fns; /* the family's */
    double *x_opt;     /* dx, or NULL when unknown */
    double phi_opt;    /* Phi(x*), or NaN when unknown (then phi_gap is Phi itself) */
    void *model;       /* the family's */
    void (*model_free)(void *model);

    /* The cost charged to each oracle (PB__BIL_GRAD_X_F ...), for tests that count one
     * kind of call, such as a method's lower-level iterations (grad_y g). */
    uint64_t calls[PB__BIL_N_ORACLES];

    pb_rng rng;        /* the noise, from the run's seed */
    int seeded;
    double *wx, *wy, *wy2; /* scratch: dx, dy, dy */
};

/*
 * A problem of dimensions dx, dy with zero x0, y0, computed by the family's fns, that owns
 * the family's model: model_free (which may be NULL) frees it with the problem, or at once
 * when there is no problem. With x_opt_known, x_opt is allocated (dx doubles) for the family
 * to fill. The family sets its other members. Returns NULL with "out of memory" in err when
 * model is NULL (the family ran out of memory making it) or memory runs out here.
 */
pb__bil_problem *pb__bil_problem_new(uint32_t dx, uint32_t dy, int x_opt_known,
                                     const pb__bil_fns *fns, void *model,
                                     void (*model_free)(void *model), char *err,
                                     size_t errlen);

/* Part of a data family's data set: n rows of its features with a trailing 1 (for the bias),
 * row-major, and their labels. */
typedef struct pb__bil_rows {
    uint32_t n;
    double *a;   /* n x (features + 1) */
    uint32_t *c; /* n labels */
} pb__bil_rows;

/* A data family's data set, in three parts; its model starts with one. */
typedef struct pb__bil_data {
    pb__bil_rows tr;   /* the lower level's */
    pb__bil_rows val;  /* the upper level's */
    pb__bil_rows test; /* for test accuracy */
} pb__bil_data;

/*
 * For the families on a real data set: their model, model_size bytes zeroed, whose first
 * member, a pb__bil_data, holds datasets/<name> (standardized on its training part), which
 * must have `features` features, at most max_classes classes and more than n_train training
 * rows, split in order: the first n_train training rows into tr, the other training rows
 * into val, the test rows into test. NULL with a message in err on failure.
 */
void *pb__bil_data_new(size_t model_size, const char *name, uint32_t features,
                       uint32_t max_classes, uint32_t n_train, char *err, size_t errlen);

/* Frees a data family's model (a pb__bil_data first; NULL is fine): its rows, then itself. */
void pb__bil_data_free(void *model);

/*
 * The end of a data family's open: the problem of dimensions dx, dy computed by fns that owns
 * model (a pb__bil_data first, freed by pb__bil_data_free; NULL when the family ran out of
 * memory), a finite sum over its training rows (g) and validation rows (f) in batches of
 * batch_size. Returns 0 with *out, or -1 with "out of memory" in err.
 */
int pb__bil_data_problem(uint32_t dx, uint32_t dy, const pb__bil_fns *fns, void *model,
                         uint32_t batch_size, pb__problem **out, char *err, size_t errlen);

/* For a family whose Phi is a quadratic with a positive definite Hessian: that Hessian,
 * column by column from grad Phi (pb__bil_grad_phi at 0 and at each e_k) and symmetrized,
 * then x* into p->x_opt by one Cholesky solve. Returns 0, or -1 when the Hessian is not
 * positive definite or memory runs out. */
int pb__bil_quadratic_x_opt(pb__bil_problem *p);

/* Phi(x) with y*(x) exact, and grad Phi(x) into out (dx) from y* and z* (uncounted). */
double pb__bil_phi(pb__bil_problem *p, const double *x);
void pb__bil_grad_phi(pb__bil_problem *p, const double *x, double *out);

/* The logistic function 1 / (1 + exp(-t)), without overflow for large |t|. */
double pb__bil_sigmoid(double t);

/*
 * Makes p a finite sum: n_inner samples for g, n_outer for f, fixed batches of batch_size,
 * drawn through the family's batch_oracle.
 */
void pb__bil_finite_sum(pb__bil_problem *p, uint32_t n_inner, uint32_t n_outer,
                        uint32_t batch_size);

/* Gives p n_constraints lower-level constraints through the family's h, jac_x_h and
 * jac_y_h (counted oracles of revision 2). */
void pb__bil_constrained(pb__bil_problem *p, uint32_t n_constraints);

/*
 * The exact oracle `which` (PB__BIL_GRAD_X_F ...; no accounting, no noise; v is NULL for the
 * gradients) into out: the family's, or where its table has none, the mean of its batch
 * oracle over all the samples of the level, so that a finite-sum family writes each oracle
 * once, in batch_oracle.
 */
void pb__bil_exact(pb__bil_problem *p, int which, const double *x, const double *y,
                   const double *v, double *out);

/* out = M v, and out = M^T v, for M rows x cols, row-major (out must not alias v). */
void pb__bil_matvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                    double *out);
void pb__bil_mattvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                     double *out);
/* out = -M^T v: the cross products of lower levels whose x-term is -y^T M x. */
void pb__bil_neg_mattvec(const double *M, uint32_t rows, uint32_t cols, const double *v,
                         double *out);

/* The Cholesky factor L of a symmetric positive definite n x n S, in place: S's lower
 * triangle becomes L (S L^T = S; the strict upper triangle is neither read nor written).
 * Returns 0, or -1 when S is not positive definite. */
int pb__bil_cholesky(double *S, uint32_t n);

/* Solves L L^T u = b in place (b becomes u) for a factor L from pb__bil_cholesky. */
void pb__bil_cholesky_apply(const double *L, uint32_t n, double *b);

/* Solves S u = b in place (b becomes u) for a symmetric positive definite n x n S
 * (overwritten by its Cholesky factor). Returns 0, or -1 when S is not positive definite. */
int pb__bil_cholesky_solve(double *S, uint32_t n, double *b);

/*
 * The same three for a banded S (S_ik = 0 for |i - k| > band), whose factor has the same
 * band: they read and write S's lower triangle within the band only, and skip the products
 * with the zeros outside it. Each sum adds its remaining terms in the dense order, so the
 * results are the dense forms' except for the sign of an exact zero: the dense forms are
 * these with band = n - 1. tvdenoise's 64 x 64 image Hessians have a band of 8.
 */
int pb__bil_band_cholesky(double *S, uint32_t n, uint32_t band);
void pb__bil_band_cholesky_apply(const double *L, uint32_t n, uint32_t band, double *b);
int pb__bil_band_cholesky_solve(double *S, uint32_t n, uint32_t band, double *b);

#endif
