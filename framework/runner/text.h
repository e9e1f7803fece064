/*
 * Text that plugins hand the host (descriptor strings, error messages, captured output)
 * goes into JSON results and onto terminals: it must be valid UTF-8 without control
 * characters there. These helpers check and clean it.
 */
#ifndef PLUGBENCH_TEXT_H
#define PLUGBENCH_TEXT_H

#include <stddef.h>

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0 when it is not one. */
size_t pb__utf8_length(const unsigned char *s, size_t n);

/*
 * Checks that s is valid UTF-8 without control characters (C0, DEL, C1). Returns NULL
 * when it is, else what is wrong ("is not valid UTF-8", "has a control character").
 */
const char *pb__text_problem(const char *s);

/* Rewrites s in place: every byte of an invalid sequence and every control character
 * becomes '?'. */
void pb__text_clean(char *s);

#endif
