/*
 * The transport kind's problem families. Each id names one problem exactly: its random
 * numbers come from a generator seeded by (instance, family, n). Every cost matrix is
 * scaled so that max C = 1, so the id's eta is the SNS paper's eta * max C.
 *
 *   ot-random-n<n>-eta<eta>-i<instance>   random assignment: C_ij ~ U[0, 1], n x n,
 *       uniform marginals (the SNS paper's first experiment).
 *   ot-cloud2d-n<n>-eta<eta>-i<instance>  two 2-D point clouds of n points each: sources
 *       uniform on [0, 1]^2, targets from a mixture of three Gaussians (means in
 *       [0.2, 0.8]^2, standard deviation 0.1); squared Euclidean cost; uniform marginals.
 *   ot-grid1d-n<n>-<l1|l2>-eta<eta>-i<instance>  a density on n cells of [0, 1] and its
 *       translated copy: r is a mixture of three Gaussians (means in [0.15, 0.6], standard
 *       deviations in [0.03, 0.08], weights in [0.5, 1.5]), c the same mixture shifted by
 *       delta in [0.15, 0.35]; each plus a floor of 1e-3 of its maximum so that no weight is
 *       zero. Cost |x - y| (l1) or |x - y|^2 (l2).
 *   ot-grid2d-n<n>-<l1|l2>-eta<eta>-i<instance>  the same on a sqrt(n) x sqrt(n) grid of
 *       [0, 1]^2 (n a perfect square): isotropic components with standard deviations in
 *       [0.05, 0.1], shifted by (dx, dy) each in [0.15, 0.35]. Cost |dx| + |dy| (l1) or
 *       dx^2 + dy^2 (l2).
 *   ot-digits-p<pair>-s<side>-<l1|l2>-eta<eta>  a pair of 8x8 handwritten digits
 *       (datasets/digits/test.csv, rows 2 pair and 2 pair + 1, pair <= 178), upsampled
 *       bilinearly to side x side (8 <= side <= 64, n = side^2); intensities plus a floor
 *       of 1e-3 of their maximum are the marginals. Costs as for grid2d.
 */
#include "ot_problem.h"
#include "draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugbench/rng.h"

extern const unsigned char pb__ot_digits[][64];
extern const uint32_t pb__ot_n_digits;

/* The generator stream of a family's instances of size n: FNV-1a over the name, then n. */
static uint64_t name_hash(const char *s, uint64_t n)
{
    return (pb__name_hash(s) ^ n) * 1099511628211ULL;
}

static int bad_eta(double eta) { return !(eta > 0 && eta <= 1e7); }

static int fail(char *err, size_t errlen, const char *id, const char *pattern, const char *why)
{
    snprintf(err, errlen, "malformed problem id '%s': expected %s (%s)", id, pattern, why);
    return -1;
}

static pb__ot_problem *new_problem(uint32_t n, uint32_t m, double eta, const char *id,
                                   char *err, size_t errlen)
{
    pb__ot_problem *p = pb__ot_problem_new(n, m, eta);
    if (!p)
        snprintf(err, errlen, "out of memory opening '%s'", id);
    return p;
}

/* The end of every open: the cost's name, the costs and marginals normalized
 * (pb__ot_problem_finish), p into *out. Returns 0. */
static int finish(pb__ot_problem *p, const char *cost_name, pb__problem **out)
{
    p->cost_name = cost_name;
    pb__ot_problem_finish(p);
    *out = &p->base;
    return 0;
}

/* Draws the n x n costs of a uniform-marginals family into p->cost from rng; returns the
 * cost's name, or NULL when out of memory. */
typedef const char *uniform_costs(pb__ot_problem *p, pb_rng *rng);

/*
 * Opens "<family>-n<n>-eta<eta>-i<instance>", the id shape of the random and point-cloud
 * families: an n x n problem of uniform marginals whose costs `costs` draws from a
 * generator seeded for the instance. 1 when id is not of family, -1 with a message when it
 * is malformed or memory runs out, else 0.
 */
static int open_uniform(const pb__family *family, const char *id, uniform_costs *costs,
                        pb__problem **out, char *err, size_t errlen)
{
    size_t len = strlen(family->name);
    if (strncmp(id, family->name, len) != 0 || id[len] != '-')
        return 1;
    unsigned n = 0, inst = 0;
    double eta = 0;
    int used = 0;
    if (sscanf(id + len + 1, "n%u-eta%lf-i%u%n", &n, &eta, &inst, &used) != 3 ||
        id[len + 1 + (size_t)used] != '\0')
        return fail(err, errlen, id, family->pattern, "bad syntax");
    if (n < 2 || n > PB__OT_MAX_SIZE || bad_eta(eta) || inst < 1)
        return fail(err, errlen, id, family->pattern, "n in [2, 5000], eta in (0, 1e7], instance >= 1");
    pb__ot_problem *p = new_problem(n, n, eta, id, err, errlen);
    if (!p)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        p->r[i] = p->c[i] = 1.0;
    p->instance = inst;
    pb_rng rng;
    pb_rng_seed(&rng, inst, name_hash(family->name, n));
    const char *cost_name = costs(p, &rng);
    if (!cost_name) {
        pb__problem_close(&p->base);
        snprintf(err, errlen, "out of memory opening '%s'", id);
        return -1;
    }
    return finish(p, cost_name, out);
}

/* ---- random assignment ---- */

static const char *random_costs(pb__ot_problem *p, pb_rng *rng)
{
    for (size_t k = 0; k < (size_t)p->n * p->n; k++)
        p->cost[k] = pb_rng_uniform(rng);
    return "uniform";
}

static int open_random(const pb__family *family, const char *id, pb__problem **out, char *err,
                       size_t errlen)
{
    return open_uniform(family, id, random_costs, out, err, errlen);
}

/* ---- 2-D point clouds ---- */

/* Squared distances between n uniform points and n points of a mixture of 3 Gaussians. */
static const char *cloud_costs(pb__ot_problem *p, pb_rng *rng)
{
    uint32_t n = p->n;
    double mean[3][2];
    for (int k = 0; k < 3; k++)
        for (int d = 0; d < 2; d++)
            mean[k][d] = pb_rng_uniform_in(rng, 0.2, 0.8);
    double (*x)[2] = malloc(2 * (size_t)n * sizeof *x);
    if (!x)
        return NULL;
    double (*y)[2] = x + n;
    for (uint32_t i = 0; i < n; i++) {
        x[i][0] = pb_rng_uniform(rng);
        x[i][1] = pb_rng_uniform(rng);
    }
    for (uint32_t j = 0; j < n; j++) {
        uint64_t k = pb_rng_below(rng, 3);
        y[j][0] = mean[k][0] + 0.1 * pb_rng_normal(rng);
        y[j][1] = mean[k][1] + 0.1 * pb_rng_normal(rng);
    }
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = 0; j < n; j++) {
            double dx = x[i][0] - y[j][0], dy = x[i][1] - y[j][1];
            p->cost[(size_t)i * n + j] = dx * dx + dy * dy;
        }
    free(x);
    return "sqeuclidean";
}

static int open_cloud2d(const pb__family *family, const char *id, pb__problem **out, char *err,
                        size_t errlen)
{
    return open_uniform(family, id, cloud_costs, out, err, errlen);
}

/* ---- densities on grids ---- */

/* Cost between grid points a and b (coordinates in [0, 1]^dim). */
static double grid_cost(const double *a, const double *b, int dim, int l2)
{
    double s = 0;
    for (int d = 0; d < dim; d++) {
        double t = a[d] - b[d];
        s += l2 ? t * t : fabs(t);
    }
    return s;
}

/* Fills C between the cells of a side^dim grid (cell centres), costs l1 or l2. */
static void grid_costs(pb__ot_problem *p, uint32_t side, int dim, int l2)
{
    uint32_t n = p->n;
    for (uint32_t i = 0; i < n; i++) {
        double a[2] = {(i % side + 0.5) / side, (i / side + 0.5) / side};
        for (uint32_t j = 0; j < n; j++) {
            double b[2] = {(j % side + 0.5) / side, (j / side + 0.5) / side};
            p->cost[(size_t)i * n + j] = grid_cost(a, b, dim, l2);
        }
    }
}

/* Adds a floor of 1e-3 of the maximum to w (n weights), so that none is zero. */
static void add_floor(double *w, uint32_t n)
{
    double mx = 0;
    for (uint32_t i = 0; i < n; i++)
        mx = w[i] > mx ? w[i] : mx;
    for (uint32_t i = 0; i < n; i++)
        w[i] += 1e-3 * (mx > 0 ? mx : 1.0);
}

/* The end of opening a grid family: both marginals floored, l1 or l2 costs between the
 * cells of a side^dim grid, p into *out. Returns 0. */
static int finish_grid(pb__ot_problem *p, uint32_t side, int dim, int l2, pb__problem **out)
{
    add_floor(p->r, p->n);
    add_floor(p->c, p->m);
    grid_costs(p, side, dim, l2);
    return finish(p, l2 ? "l2" : "l1", out);
}

static int open_grid(const pb__family *family, const char *id, pb__problem **out, char *err,
                     size_t errlen)
{
    const int dim = strcmp(family->name, "ot-grid2d") == 0 ? 2 : 1;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s-", family->name);
    size_t len = strlen(prefix);
    if (strncmp(id, prefix, len) != 0)
        return 1;
    unsigned n = 0, inst = 0;
    double eta = 0;
    char cost[3] = "";
    int used = 0;
    if (sscanf(id + len, "n%u-%2[l12]-eta%lf-i%u%n", &n, cost, &eta, &inst, &used) != 4 ||
        id[len + (size_t)used] != '\0' || (strcmp(cost, "l1") != 0 && strcmp(cost, "l2") != 0))
        return fail(err, errlen, id, family->pattern, "bad syntax");
    uint32_t side = dim == 2 ? (uint32_t)lround(sqrt((double)n)) : n;
    if (n < 4 || n > PB__OT_MAX_SIZE || bad_eta(eta) || inst < 1 || (dim == 2 && side * side != n))
        return fail(err, errlen, id, family->pattern,
                    dim == 2 ? "n a perfect square in [4, 5000], eta in (0, 1e7], instance >= 1"
                             : "n in [4, 5000], eta in (0, 1e7], instance >= 1");
    pb__ot_problem *p = new_problem(n, n, eta, id, err, errlen);
    if (!p)
        return -1;
    int l2 = cost[1] == '2';
    pb_rng rng;
    pb_rng_seed(&rng, inst, name_hash(family->name, n));
    double mean[3][2], sd[3], w[3], shift[2];
    for (int k = 0; k < 3; k++) {
        for (int d = 0; d < 2; d++)
            mean[k][d] = pb_rng_uniform_in(&rng, 0.15, 0.6);
        sd[k] = dim == 2 ? pb_rng_uniform_in(&rng, 0.05, 0.1) : pb_rng_uniform_in(&rng, 0.03, 0.08);
        w[k] = pb_rng_uniform_in(&rng, 0.5, 1.5);
    }
    for (int d = 0; d < 2; d++)
        shift[d] = pb_rng_uniform_in(&rng, 0.15, 0.35);
    for (uint32_t i = 0; i < n; i++) {
        double a[2] = {(i % side + 0.5) / side, (i / side + 0.5) / side};
        double dr = 0, dc = 0;
        for (int k = 0; k < 3; k++) {
            double zr = 0, zc = 0;
            for (int d = 0; d < dim; d++) {
                double tr = (a[d] - mean[k][d]) / sd[k], tc = (a[d] - mean[k][d] - shift[d]) / sd[k];
                zr += tr * tr;
                zc += tc * tc;
            }
            dr += w[k] * exp(-0.5 * zr);
            dc += w[k] * exp(-0.5 * zc);
        }
        p->r[i] = dr;
        p->c[i] = dc;
    }
    p->instance = inst;
    return finish_grid(p, side, dim, l2, out);
}

/* ---- handwritten digits ---- */

/* Bilinear upsampling of an 8x8 image to side x side (pixel centres aligned). */
static void upsample(const unsigned char *img, uint32_t side, double *out)
{
    for (uint32_t a = 0; a < side; a++)
        for (uint32_t b = 0; b < side; b++) {
            double y = (a + 0.5) * 8.0 / side - 0.5, x = (b + 0.5) * 8.0 / side - 0.5;
            y = y < 0 ? 0 : y > 7 ? 7 : y;
            x = x < 0 ? 0 : x > 7 ? 7 : x;
            int y0 = (int)y, x0 = (int)x;
            int y1 = y0 < 7 ? y0 + 1 : 7, x1 = x0 < 7 ? x0 + 1 : 7;
            double ty = y - y0, tx = x - x0;
            out[a * side + b] = (1 - ty) * ((1 - tx) * img[y0 * 8 + x0] + tx * img[y0 * 8 + x1]) +
                                ty * ((1 - tx) * img[y1 * 8 + x0] + tx * img[y1 * 8 + x1]);
        }
}

static int open_digits(const pb__family *family, const char *id, pb__problem **out, char *err,
                       size_t errlen)
{
    static const char prefix[] = "ot-digits-";
    if (strncmp(id, prefix, sizeof prefix - 1) != 0)
        return 1;
    unsigned pair = 0, side = 0;
    double eta = 0;
    char cost[3] = "";
    int used = 0;
    if (sscanf(id + sizeof prefix - 1, "p%u-s%u-%2[l12]-eta%lf%n", &pair, &side, cost, &eta,
               &used) != 4 ||
        id[sizeof prefix - 1 + (size_t)used] != '\0' ||
        (strcmp(cost, "l1") != 0 && strcmp(cost, "l2") != 0))
        return fail(err, errlen, id, family->pattern, "bad syntax");
    if (2 * pair + 1 >= pb__ot_n_digits || side < 8 || side > 64 || bad_eta(eta))
        return fail(err, errlen, id, family->pattern, "pair <= 178, side in [8, 64], eta in (0, 1e7]");
    uint32_t n = side * side;
    pb__ot_problem *p = new_problem(n, n, eta, id, err, errlen);
    if (!p)
        return -1;
    upsample(pb__ot_digits[2 * pair], side, p->r);
    upsample(pb__ot_digits[2 * pair + 1], side, p->c);
    p->instance = pair;
    return finish_grid(p, side, 2, cost[1] == '2', out);
}

const pb__family pb__family_ot_random = {
    &pb__kind_transport, "ot-random", "ot-random-n<n>-eta<eta>-i<instance>",
    "random assignment: C ~ U[0,1] n x n, uniform marginals", open_random};
const pb__family pb__family_ot_cloud2d = {
    &pb__kind_transport, "ot-cloud2d", "ot-cloud2d-n<n>-eta<eta>-i<instance>",
    "2-D point clouds (uniform vs Gaussian mixture), squared Euclidean cost", open_cloud2d};
const pb__family pb__family_ot_grid1d = {
    &pb__kind_transport, "ot-grid1d", "ot-grid1d-n<n>-<l1|l2>-eta<eta>-i<instance>",
    "Gaussian mixture on a 1-D grid vs its translated copy", open_grid};
const pb__family pb__family_ot_grid2d = {
    &pb__kind_transport, "ot-grid2d", "ot-grid2d-n<n>-<l1|l2>-eta<eta>-i<instance>",
    "Gaussian mixture on a 2-D grid (n = side^2) vs its translated copy", open_grid};
const pb__family pb__family_ot_digits = {
    &pb__kind_transport, "ot-digits", "ot-digits-p<pair>-s<side>-<l1|l2>-eta<eta>",
    "pairs of 8x8 handwritten digits (UCI via scikit-learn), upsampled to side x side",
    open_digits};
