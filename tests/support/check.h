/*
 * The smallest test kit, shared by every C test: CHECK prints "[pass] message" or
 * "[FAIL] file:line: condition: message" and goes on, so one run shows every result; main
 * returns check_summary().
 */
#ifndef PLUGBENCH_CHECK_H
#define PLUGBENCH_CHECK_H

#include <stdio.h>

static int check_failures, check_count;

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        int check_ok_ = (cond) ? 1 : 0;                                                     \
        check_count++;                                                                      \
        check_failures += !check_ok_;                                                       \
        if (check_ok_)                                                                      \
            printf("[pass] ");                                                              \
        else                                                                                \
            printf("[FAIL] %s:%d: %s: ", __FILE__, __LINE__, #cond);                        \
        printf(__VA_ARGS__);                                                                \
        putchar('\n');                                                                      \
    } while (0)

/* Prints the tally; returns the exit status for main. */
static inline int check_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
