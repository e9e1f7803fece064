/* Shortest exact formatting of doubles; see numfmt.h. */
#include "numfmt.h"

#include <stdio.h>
#include <stdlib.h>

char *pb__format_double(double v, char buf[PB__NUMBER_CHARS])
{
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, PB__NUMBER_CHARS, "%.*g", digits, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}
