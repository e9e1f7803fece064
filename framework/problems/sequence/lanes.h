/*
 * Four doubles side by side (GCC's vector extension) and the exp, sigmoid and tanh the
 * post-hoc GRUs (posthoc_gru.c) apply to them lane by lane. The width is fixed at four, not
 * the machine's: a baseline x86-64 build runs each operation as two SSE2 halves, an AVX2
 * build as one, and both round every lane the same (-std=c11 implies -ffp-contract=off:
 * no fused multiply-adds), so the results do not depend on the CPU.
 *
 * exp is written here rather than called per lane because the scores' GRUs spend a third
 * of their instructions in libm's exp and tanh, one value a call. tests/sequence/test_lanes.c
 * bounds it (2 ulp from glibc's on [-50, 50], which it reaches) and the sigmoid and tanh
 * (1e-15 absolute; they reach 2.2e-16).
 */
#ifndef PLUGBENCH_LANES_H
#define PLUGBENCH_LANES_H

#include <stdint.h>

/*
 * The functions here are inlined, and the files that include this header pass vectors only
 * to their own static functions: GCC's -Wpsabi (a baseline build passes a 32-byte vector
 * differently from an AVX build, an ABI between libraries) does not apply; meson turns it
 * off for them.
 */

/* may_alias: the lanes are read and written through double arrays too. */
typedef double pb__v4d __attribute__((vector_size(32), may_alias));
typedef int64_t pb__v4i __attribute__((vector_size(32), may_alias));

#define PB__LANES_INLINE static inline __attribute__((always_inline))

PB__LANES_INLINE pb__v4d pb__v4_set(double a)
{
    return (pb__v4d){a, a, a, a};
}

/* Lane i of a where mask lane i is all ones (a comparison's true), of b where it is 0. */
PB__LANES_INLINE pb__v4d pb__v4_select(pb__v4i mask, pb__v4d a, pb__v4d b)
{
    return (pb__v4d)((mask & (pb__v4i)a) | (~mask & (pb__v4i)b));
}

PB__LANES_INLINE pb__v4d pb__v4_abs(pb__v4d x)
{
    return (pb__v4d)((pb__v4i)x & ~(pb__v4i)pb__v4_set(-0.0));
}

/*
 * e^x = 2^k P(r) / Q(r): x = k ln2 + r with k = round(x / ln2) and |r| <= ln2 / 2, r computed
 * with ln2 in two parts (the first with 42 significant bits, so that k times it is exact for
 * |k| <= 2048); P / Q the [6/6] Pade approximant of e^r, P(r) = A(r^2) + r B(r^2) and
 * Q(r) = P(-r) = A - r B with
 *   A = 1 + 5/44 r^2 + 1/792 r^4 + 1/665280 r^6,  B = 1/2 + 1/66 r^2 + 1/15840 r^4,
 * whose error, 6!^2 / (12! 13!) |r|^13, is under 2e-19 on the interval (a 500th of an ulp).
 * The parts are returned apart, so that sigmoid and tanh, which divide anyway, divide once.
 * For x <= 709 (pb__v4_exp clamps above; the sigmoid and tanh pass -|x|): x is clamped
 * below at -708, where k and e^x stay normal, so that e^x comes out as e^-708 (3e-308)
 * instead of a subnormal or 0, which 1 + e^x, all the sigmoid and tanh add it to, does not
 * see. A NaN stays NaN.
 */
typedef struct pb__v4_exp_parts {
    pb__v4d scale, rB, Q; /* 2^k, r B(r^2), A(r^2) - r B(r^2) */
} pb__v4_exp_parts;

PB__LANES_INLINE pb__v4_exp_parts pb__v4_exp_split(pb__v4d x)
{
    const pb__v4d lo = pb__v4_set(-708.0);
    x = pb__v4_select(x < lo, lo, x);
    /* Adding 1.5 2^52 rounds to an integer (to nearest even) in the low bits. */
    const pb__v4d shift = pb__v4_set(0x1.8p52);
    pb__v4d t = x * 0x1.71547652b82fep+0 /* 1 / ln2 */ + shift;
    pb__v4d k = t - shift;
    pb__v4i ki = (pb__v4i)t - (pb__v4i)shift;
    pb__v4d r = (x - k * 0x1.62e42fefa38p-1) - k * 0x1.ef35793c76730p-45;
    pb__v4d r2 = r * r; /* the coefficients are 5/44, 1/792, 1/665280; 1/66, 1/15840 */
    pb__v4d A = 1.0 + r2 * (0x1.d1745d1745d17p-4 +
                            r2 * (0x1.4afd6a052bf5bp-10 + r2 * 0x1.937e11175f095p-20));
    pb__v4d rB = r * (0.5 + r2 * (0x1.f07c1f07c1f08p-7 + r2 * 0x1.08cabb37565e2p-14));
    return (pb__v4_exp_parts){(pb__v4d)((ki + 1023) << 52), rB, A - rB};
}

/*
 * e^x as 2^k (1 + 2 r B / Q): the division's rounding falls on the small term only. Above
 * 709, e^709 instead of a larger value or inf.
 */
PB__LANES_INLINE pb__v4d pb__v4_exp(pb__v4d x)
{
    const pb__v4d hi = pb__v4_set(709.0);
    pb__v4_exp_parts e = pb__v4_exp_split(pb__v4_select(x > hi, hi, x));
    return e.scale * (1.0 + (2.0 * e.rB) / e.Q);
}

/*
 * 1 / (1 + e^-x) from e = e^-|x| = s P / Q only, never an overflowing exponential: for
 * x >= 0 1 / (1 + e) = Q / (Q + s P), below e / (1 + e) = s P / (Q + s P), as the nn kit's
 * scalar sigmoid chooses.
 */
PB__LANES_INLINE pb__v4d pb__v4_sigmoid(pb__v4d x)
{
    pb__v4_exp_parts e = pb__v4_exp_split(-pb__v4_abs(x));
    pb__v4d sP = e.scale * (e.Q + 2.0 * e.rB);
    return pb__v4_select(x >= 0.0, e.Q, sP) / (e.Q + sP);
}

/*
 * tanh x = sign(x) (1 - e) / (1 + e) with e = e^-2|x| = s P / Q <= 1: (Q - s P) / (Q + s P).
 * No overflow, and accurate in absolute terms near 0 (a few 1e-16), which is what a GRU's
 * state, a sum of such values, needs. The sign is copied bitwise.
 */
PB__LANES_INLINE pb__v4d pb__v4_tanh(pb__v4d x)
{
    pb__v4_exp_parts e = pb__v4_exp_split(-2.0 * pb__v4_abs(x));
    pb__v4d sP = e.scale * (e.Q + 2.0 * e.rB);
    pb__v4d t = (e.Q - sP) / (e.Q + sP);
    const pb__v4i sign = (pb__v4i)pb__v4_set(-0.0);
    return (pb__v4d)((pb__v4i)t | ((pb__v4i)x & sign));
}

#endif
