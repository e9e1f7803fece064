/*
 * The smallest test kit: CHECK records a failure with its line and goes on, so one run
 * shows every broken assertion; main returns check_summary().
 */
#ifndef PLUGBENCH_CHECK_H
#define PLUGBENCH_CHECK_H

#include <stdio.h>

static int check_failures, check_count;

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        check_count++;                                                                      \
        if (!(cond)) {                                                                      \
            check_failures++;                                                               \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
        }                                                                                   \
    } while (0)

/* Prints the tally; returns the exit status for main. */
static inline int check_summary(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures ? 1 : 0;
}

#endif
