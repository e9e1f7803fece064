/*
 * Adam (plugbench/nn.h): two steps against a hand computation and PyTorch's numbers, the
 * defaults, and that it minimizes an ill-conditioned quadratic.
 */
#include <math.h>
#include <stdio.h>

#include "check.h"
#include "plugbench/nn.h"

/*
 * Two steps from p = (1, -2) with gradients (0.5, 3) then (-1, 0.25), lr 0.1, weight decay
 * 0.1, betas (0.9, 0.999), eps 1e-8, written out as the paper's equations with the bias
 * corrections m_hat = m / (1 - beta1^t), v_hat = v / (1 - beta2^t), and PyTorch's L2 term:
 *   t = 1: g = 0.5 + 0.1 * 1 = 0.6, m = 0.06, v = 0.00036, m_hat = 0.6, v_hat = 0.36,
 *          p = 1 - 0.1 * 0.6 / (0.6 + 1e-8) = 0.900000001666...
 *   t = 2: g = -1 + 0.1 p = -0.909999999833..., m = 0.054 + 0.1 g, v = 0.00035964 + 0.001 g^2,
 *          m_hat = m / 0.19, v_hat = v / 0.001999, p -= 0.1 m_hat / (sqrt(v_hat) + 1e-8)
 *          = 0.925263519...
 * hand() does exactly this for one coordinate.
 */
static double hand(double p, double g1, double g2)
{
    double g = g1 + 0.1 * p;
    double m = 0.1 * g, v = 0.001 * g * g;
    p -= 0.1 * (m / 0.1) / (sqrt(v / 0.001) + 1e-8);
    g = g2 + 0.1 * p;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    p -= 0.1 * (m / 0.19) / (sqrt(v / 0.001999) + 1e-8);
    return p;
}

/* torch.optim.Adam([p], lr=0.1, weight_decay=0.1), PyTorch 1.13, float64; printed by
 * tests/nn/torch_reference.py. */
static const double torch_adam[2] = {0.92526351944560614, -2.1680624574981269};

static void test_two_steps(void)
{
    double p[2] = {1.0, -2.0}, m[2] = {7, 7}, v[2] = {7, 7};
    const double g1[2] = {0.5, 3.0}, g2[2] = {-1.0, 0.25};
    pb_nn_adam a;
    pb_nn_adam_init(&a, m, v, 2, 0.1);
    CHECK(a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8 && a.weight_decay == 0.0 &&
              a.t == 0 && m[0] == 0.0 && v[1] == 0.0,
          "adam: PyTorch's defaults, zero moments");
    a.weight_decay = 0.1;
    pb_nn_adam_step(&a, p, g1);
    pb_nn_adam_step(&a, p, g2);
    double h0 = hand(1.0, 0.5, -1.0), h1 = hand(-2.0, 3.0, 0.25);
    CHECK(a.t == 2, "adam: two steps counted");
    CHECK(fabs(p[0] - h0) <= 1e-14 && fabs(p[1] - h1) <= 1e-14,
          "adam: two steps by hand: %.17g %.17g (adam %.17g %.17g)", h0, h1, p[0], p[1]);
    CHECK(fabs(p[0] - torch_adam[0]) <= 1e-14 && fabs(p[1] - torch_adam[1]) <= 1e-14,
          "adam: two steps = PyTorch's (differences %.1e, %.1e)", p[0] - torch_adam[0],
          p[1] - torch_adam[1]);
}

/*
 * f(p) = sum a_i (p_i - c_i)^2 / 2 with curvatures a_i from 0.01 to 100: Adam's per-coordinate
 * scaling copes with the conditioning; a decaying step size lets it settle.
 */
static void test_quadratic(void)
{
    enum { N = 8 };
    double p[N] = {0}, g[N], m[N], v[N], a[N], c[N];
    for (int i = 0; i < N; i++) {
        a[i] = pow(10.0, -2.0 + 4.0 * i / (N - 1));
        c[i] = (i % 3) - 1.0 + 0.25 * i;
    }
    pb_nn_adam opt;
    pb_nn_adam_init(&opt, m, v, N, 0.1);
    double f0 = 0.0, f = 0.0, far = 0.0;
    for (int i = 0; i < N; i++)
        f0 += 0.5 * a[i] * c[i] * c[i];
    for (int step = 1; step <= 5000; step++) {
        opt.lr = 0.1 / sqrt((double)step);
        for (int i = 0; i < N; i++)
            g[i] = a[i] * (p[i] - c[i]);
        pb_nn_adam_step(&opt, p, g);
    }
    for (int i = 0; i < N; i++) {
        f += 0.5 * a[i] * (p[i] - c[i]) * (p[i] - c[i]);
        far = fabs(p[i] - c[i]) > far ? fabs(p[i] - c[i]) : far;
    }
    CHECK(far < 1e-3 && f < 1e-8 * f0, "adam minimizes a quadratic: f %.1e -> %.1e, |p - p*| %.1e",
          f0, f, far);
}

int main(void)
{
    test_two_steps();
    test_quadratic();
    return check_summary("nn adam");
}
