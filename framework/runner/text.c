/* Checking and cleaning plugin text; see text.h. */
#include "text.h"

#include <string.h>

size_t pb__utf8_length(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t len = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (len == 0 || len > n)
        return 0; /* a stray byte, or a sequence cut at the end of the kept bytes */
    unsigned char lo = s[0] == 0xe0 ? 0xa0 : s[0] == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = s[0] == 0xed ? 0x9f : s[0] == 0xf4 ? 0x8f : 0xbf;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* 1 when the sequence of len bytes at s is a control character: C0, DEL, or C1 (U+0080 to
 * U+009F, which terminals also obey). */
static int is_control(const unsigned char *s, size_t len)
{
    return (len == 1 && (s[0] < 0x20 || s[0] == 0x7f)) || (len == 2 && s[0] == 0xc2 && s[1] < 0xa0);
}

const char *pb__text_problem(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = pb__utf8_length(p + i, n - i);
        if (len == 0)
            return "is not valid UTF-8";
        if (is_control(p + i, len))
            return "has a control character";
        i += len;
    }
    return NULL;
}

void pb__text_clean(char *s)
{
    unsigned char *p = (unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        size_t len = pb__utf8_length(p + i, n - i);
        if (len == 0 || is_control(p + i, len)) {
            memset(p + i, '?', len ? len : 1);
            i += len ? len : 1;
        } else {
            i += len;
        }
    }
}
