/* utf8.h — one UTF-8 validity check for everything that writes JSON (the
 * audit writer in the library, the CLIs' verdict JSON): invalid sequences
 * and NUL are replaced by U+FFFD there, never passed through. */
#ifndef CMDAI_UTF8_H
#define CMDAI_UTF8_H

#include <stddef.h>

/* Length of a well-formed UTF-8 sequence at s[0..n) (RFC 3629: no overlongs,
 * no surrogates, at most U+10FFFF), or 0 for an invalid one or a NUL. */
size_t rt_utf8_seq(const unsigned char *s, size_t n);

#endif
