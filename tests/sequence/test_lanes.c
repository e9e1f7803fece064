/*
 * lanes.h's exp, sigmoid and tanh of four doubles (the post-hoc GRUs' own) against glibc's
 * scalar exp and tanh, on 1,000,000 points evenly spaced over [-50, 50] and at the edges:
 *   - exp within 2 ulp of glibc's (whose own error is under 1 ulp);
 *   - sigmoid, 1 / (1 + e^-x) from glibc's exp, and tanh within 1e-15 absolute;
 *   - far out of range (+-1000, +-inf), exp stays finite and the sigmoid and tanh saturate
 *     to their limits or within 1e-300 of them; a NaN stays NaN.
 */
#include <math.h>

#include "check.h"
#include "lanes.h"

/* |a - b| in units of the spacing of doubles at b (b normal and positive). */
static double ulps(double a, double b)
{
    return fabs(a - b) / (nextafter(b, INFINITY) - b);
}

int main(void)
{
    enum { N = 1000000 };
    double worst_exp = 0.0, worst_sig = 0.0, worst_tanh = 0.0, at_exp = 0.0;
    for (int i = 0; i < N; i += 4) {
        pb__v4d x;
        for (int l = 0; l < 4; l++)
            x[l] = -50.0 + 100.0 * (i + l) / (N - 1);
        pb__v4d e = pb__v4_exp(x), s = pb__v4_sigmoid(x), t = pb__v4_tanh(x);
        for (int l = 0; l < 4; l++) {
            double u = ulps(e[l], exp(x[l]));
            if (u > worst_exp)
                worst_exp = u, at_exp = x[l];
            worst_sig = fmax(worst_sig, fabs(s[l] - 1.0 / (1.0 + exp(-x[l]))));
            worst_tanh = fmax(worst_tanh, fabs(t[l] - tanh(x[l])));
        }
    }
    CHECK(worst_exp <= 2.0, "exp on [-50, 50]: at most %g ulp from glibc's (at %.17g; <= 2)",
          worst_exp, at_exp);
    CHECK(worst_sig <= 1e-15, "sigmoid on [-50, 50]: at most %.3g from 1 / (1 + exp(-x)) "
          "(<= 1e-15)", worst_sig);
    CHECK(worst_tanh <= 1e-15, "tanh on [-50, 50]: at most %.3g from glibc's (<= 1e-15)",
          worst_tanh);

    pb__v4d x = {-1000.0, 1000.0, -INFINITY, INFINITY};
    pb__v4d e = pb__v4_exp(x), s = pb__v4_sigmoid(x), t = pb__v4_tanh(x);
    int finite = 1;
    for (int l = 0; l < 4; l++)
        finite &= isfinite(e[l]) && e[l] > 0.0;
    CHECK(finite, "exp of +-1000 and +-inf: finite and positive (clamped), %g %g", e[0], e[1]);
    CHECK(s[0] <= 1e-300 && s[1] == 1.0 && s[2] <= 1e-300 && s[3] == 1.0,
          "sigmoid of -1000, 1000, -inf, inf: %g %g %g %g", s[0], s[1], s[2], s[3]);
    CHECK(t[0] == -1.0 && t[1] == 1.0 && t[2] == -1.0 && t[3] == 1.0,
          "tanh of -1000, 1000, -inf, inf: %g %g %g %g", t[0], t[1], t[2], t[3]);
    pb__v4d nan = pb__v4_set(NAN);
    CHECK(isnan(pb__v4_exp(nan)[0]) && isnan(pb__v4_sigmoid(nan)[0]) &&
          isnan(pb__v4_tanh(nan)[0]), "a NaN stays NaN");
    CHECK(pb__v4_tanh(pb__v4_set(-0.0))[0] == 0.0 && signbit(pb__v4_tanh(pb__v4_set(-0.0))[0]),
          "tanh(-0) = -0");
    return check_summary("lanes");
}
