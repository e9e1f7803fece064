/*
 * Shared by the bilevel plugins that call exact oracles one after another (maid, lvhba):
 * leaving a helper at the first call the budget refuses, and the dot product. Header-only.
 */
#ifndef EXACT_ORACLE_H
#define EXACT_ORACLE_H

#include <stdint.h>

/* An oracle's return: 0.0, or NaN when refused (the budget is spent): the helper that
 * made the call returns -1, and its step leaves the state as it was. */
#define TRY(call)                                                                           \
    do {                                                                                    \
        if ((call) != 0.0)                                                                  \
            return -1;                                                                      \
    } while (0)

static inline double dotn(const double *a, const double *b, uint32_t n)
{
    double s = 0.0;
    for (uint32_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

#endif
