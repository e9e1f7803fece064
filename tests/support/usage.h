/*
 * The argument check at the start of a test's main, for the tests that are given files or
 * modules on their command line (by meson.build).
 */
#ifndef TEST_USAGE_H
#define TEST_USAGE_H

#include <stdio.h>

/*
 * Whether argv holds exactly the n arguments that args names; if not, prints
 * "usage: <program> <args>" on stderr, and main returns 2.
 */
static inline int usage_ok(int argc, char **argv, int n, const char *args)
{
    if (argc == n + 1)
        return 1;
    fprintf(stderr, "usage: %s %s\n", argv[0], args);
    return 0;
}

#endif
