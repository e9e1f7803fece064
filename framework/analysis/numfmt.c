/* Shortest exact formatting of doubles, strict reading of numbers; see numfmt.h. */
#include "numfmt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DIGITS "0123456789"

char *pb__format_double(double v, char buf[PB__NUMBER_CHARS])
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, PB__NUMBER_CHARS, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* Where the digits, fraction and exponent at text end (after an optional sign); NULL when
 * there are no digits. integer: digits only. */
static const char *decimal_end(const char *text, int integer)
{
    const char *p = text + (*text == '+' || *text == '-');
    size_t digits = strspn(p, DIGITS);
    p += digits;
    if (!integer && *p == '.') {
        size_t fraction = strspn(p + 1, DIGITS);
        digits += fraction;
        p += 1 + fraction;
    }
    if (digits == 0)
        return NULL;
    if (!integer && (*p == 'e' || *p == 'E')) {
        const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
        size_t exponent = strspn(e, DIGITS);
        if (exponent == 0)
            return NULL;
        p = e + exponent;
    }
    return p;
}

int pb__parse_decimal(const char *text, double *out)
{
    const char *end = decimal_end(text, 0);
    if (!end || *end)
        return -1;
    char *stop;
    errno = 0;
    double v = strtod(text, &stop);
    if (stop != end || errno)
        return -1;
    *out = v;
    return 0;
}

int pb__parse_integer(const char *text, long long *out)
{
    const char *end = decimal_end(text, 1);
    if (!end || *end)
        return -1;
    char *stop;
    errno = 0;
    long long v = strtoll(text, &stop, 10);
    if (stop != end || errno)
        return -1;
    *out = v;
    return 0;
}
