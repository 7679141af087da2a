/* audit_json.c — a growable buffer and a careful JSON string escaper for the
 * audit writer (the runtime library links libsodium and libc only, so no
 * jansson here).  Output is always valid UTF-8: bytes that are not part of a
 * well-formed sequence, and NUL, become U+FFFD. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "utf8.h"

static bool abuf_grow(rt_abuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* rt_abuf_put (audit.h) when the bytes do not fit. */
void rt_abuf_put_grow(rt_abuf *b, const char *s, size_t n)
{
    if (!abuf_grow(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void rt_abuf_puts(rt_abuf *b, const char *s)
{
    rt_abuf_put(b, s, strlen(s));
}

void rt_abuf_printf(rt_abuf *b, const char *fmt, ...)
{
    va_list ap;
    if (!abuf_grow(b, 64)) /* most pieces fit: one vsnprintf instead of two */
        return;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return;
    }
    if (n < 0 || !abuf_grow(b, (size_t)n)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

size_t rt_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t k;
    unsigned min;
    if (c < 0x80)
        return c ? 1 : 0;
    if ((c & 0xe0) == 0xc0) {
        k = 2;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        k = 3;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        k = 4;
        min = 0x10000;
    } else
        return 0;
    if (k > n)
        return 0;
    unsigned cp = c & (0x7fu >> k);
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* Bytes copied as they are: printable ASCII except '"' and '\\' (and DEL,
 * which JSON allows).  One table load per byte instead of four compares. */
static const unsigned char plain[256] = {
    [0x20 ... 0x21] = 1,
    [0x23 ... 0x5b] = 1,
    [0x5d ... 0x7f] = 1,
};

/* Could any of the 8 bytes in x need escaping or a UTF-8 check: a byte
 * below 0x20, '"', '\\' or one with the top bit set?  Exact ("no" means
 * every byte is in `plain`), so whole words of plain text are copied
 * without a table load per byte.  The below-n test is the classic
 * ((x - n*0x01..) & ~x & 0x80..) for n <= 128, nonzero iff some byte < n. */
static inline bool word_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    return ((x - ones * 0x20) & ~x & high) | ((q - ones) & ~q & high) | ((bs - ones) & ~bs & high) | (x & high);
}

void rt_abuf_json_str(rt_abuf *b, const char *s, size_t n)
{
    if (!s) {
        RT_ABUF_LIT(b, "null");
        return;
    }
    /* Worst case 6 bytes out per byte in ("\u001f"). */
    if (n > (SIZE_MAX - 3) / 6 || (n * 6 + 3 > b->cap - b->len && !abuf_grow(b, n * 6 + 2)) || b->oom) {
        b->oom = true;
        return;
    }
    const unsigned char *u = (const unsigned char *)s;
    char *o = b->p + b->len;
    *o++ = '"';
    for (size_t i = 0; i < n;) {
        /* A run of bytes that need no escaping, copied at once (the daemon
         * escapes every message and command twice per decision). */
        size_t j = i;
        for (uint64_t w; j + 8 <= n && (memcpy(&w, u + j, 8), !word_special(w));)
            j += 8;
        while (j < n && plain[u[j]])
            j++;
        if (j > i) {
            memcpy(o, u + i, j - i);
            o += j - i;
            i = j;
            continue;
        }
        unsigned c = u[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c < 0x20 && c != 0) {
            static const char hex[] = "0123456789abcdef";
            const char *esc = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
            if (esc) {
                memcpy(o, esc, 2);
                o += 2;
            } else {
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
            }
            i++;
            continue;
        }
        size_t k = rt_utf8_seq(u + i, n - i);
        if (k) {
            memcpy(o, u + i, k);
            o += k;
            i += k;
        } else {
            memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD, 3 bytes for 1 in: within the 6x bound */
            o += 3;
            i++;
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
    b->p[b->len] = '\0';
}

void rt_abuf_json_cstr(rt_abuf *b, const char *s)
{
    rt_abuf_json_str(b, s, s ? strlen(s) : 0);
}

void rt_abuf_release(rt_abuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}
