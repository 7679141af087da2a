/* tpl_semver.c — semantic versions (semver.org 2.0.0) for template `version:`
 * and the requirement part of `extends: [name@req]`.  Only the small
 * requirement language of DESIGN.md is accepted: ^X[.Y[.Z]], ~X.Y[.Z],
 * X.Y.Z (exact) and >=X.Y.Z; registry resolution builds on this later.
 */
#include <limits.h>
#include <string.h>

#include "tpl_int.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* A numeric identifier: "0" or no leading zero; must fit an unsigned long. */
static bool parse_num(const char **p, const char *end, unsigned long *out)
{
    const char *s = *p;
    if (s >= end || !is_digit(*s))
        return false;
    if (*s == '0' && s + 1 < end && is_digit(s[1]))
        return false;
    unsigned long v = 0;
    for (; s < end && is_digit(*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (ULONG_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

/* Dot-separated identifiers up to `end`; numeric ones without leading zeros
 * when `strict_num` (prerelease), any form for build metadata. */
static bool parse_idents(const char *s, const char *end, bool strict_num)
{
    if (s >= end)
        return false;
    while (s < end) {
        const char *b = s;
        bool numeric = true;
        while (s < end && *s != '.') {
            if (!is_ident_char(*s))
                return false;
            numeric = numeric && is_digit(*s);
            s++;
        }
        if (s == b)
            return false;
        if (strict_num && numeric && *b == '0' && s - b > 1)
            return false;
        if (s < end && ++s == end) /* trailing dot */
            return false;
    }
    return true;
}

bool tpl_semver_parse(const char *s, size_t len, tpl_semver *out)
{
    const char *p = s, *end = s + len;
    memset(out, 0, sizeof *out);
    if (!parse_num(&p, end, &out->major) || p >= end || *p++ != '.' || !parse_num(&p, end, &out->minor) ||
        p >= end || *p++ != '.' || !parse_num(&p, end, &out->patch))
        return false;
    if (p < end && *p == '-') {
        const char *b = ++p;
        while (p < end && *p != '+')
            p++;
        if (!parse_idents(b, p, true))
            return false;
        out->pre = b;
        out->prelen = (size_t)(p - b);
    }
    if (p < end && *p == '+') {
        if (!parse_idents(p + 1, end, false))
            return false;
        p = end;
    }
    return p == end;
}

static int cmp_ul(unsigned long x, unsigned long y)
{
    return x < y ? -1 : x > y;
}

/* Precedence of prerelease identifiers (semver 2.0.0, item 11). */
static int cmp_pre(const char *x, size_t nx, const char *y, size_t ny)
{
    const char *ex = x + nx, *ey = y + ny;
    while (x < ex && y < ey) {
        const char *bx = x, *by = y;
        bool nxum = true, nyum = true;
        for (; x < ex && *x != '.'; x++)
            nxum = nxum && is_digit(*x);
        for (; y < ey && *y != '.'; y++)
            nyum = nyum && is_digit(*y);
        size_t lx = (size_t)(x - bx), ly = (size_t)(y - by);
        int c;
        if (nxum && nyum) /* no leading zeros: longer is larger */
            c = lx != ly ? (lx < ly ? -1 : 1) : memcmp(bx, by, lx);
        else if (nxum != nyum)
            c = nxum ? -1 : 1;
        else {
            c = memcmp(bx, by, lx < ly ? lx : ly);
            if (!c && lx != ly)
                c = lx < ly ? -1 : 1;
        }
        if (c)
            return c < 0 ? -1 : 1;
        if (x < ex)
            x++;
        if (y < ey)
            y++;
    }
    return x < ex ? 1 : y < ey ? -1 : 0;
}

int tpl_semver_cmp(const tpl_semver *x, const tpl_semver *y)
{
    int c = cmp_ul(x->major, y->major);
    if (!c)
        c = cmp_ul(x->minor, y->minor);
    if (!c)
        c = cmp_ul(x->patch, y->patch);
    if (c)
        return c;
    if (!x->pre || !y->pre) /* a prerelease sorts before its release */
        return x->pre ? -1 : y->pre ? 1 : 0;
    return cmp_pre(x->pre, x->prelen, y->pre, y->prelen);
}

/* X[.Y[.Z]] with at least `min_parts` parts; returns the number of parts. */
static int parse_partial(const char *s, unsigned long v[3], int min_parts)
{
    const char *p = s, *end = s + strlen(s);
    int n = 0;
    v[0] = v[1] = v[2] = 0;
    while (n < 3) {
        if (!parse_num(&p, end, &v[n]))
            return -1;
        n++;
        if (p == end)
            break;
        if (*p++ != '.')
            return -1;
    }
    return p == end && n >= min_parts ? n : -1;
}

int tpl_semver_satisfies(const char *req, const tpl_semver *v)
{
    unsigned long r[3];
    if (req[0] == '^' || req[0] == '~') {
        int n = parse_partial(req + 1, r, req[0] == '~' ? 2 : 1);
        if (n < 0)
            return -1;
        /* Ranges exclude prereleases: "^1" must not pick up 2.0.0-rc.1's
         * siblings by accident; ask for a prerelease exactly. */
        if (v->pre)
            return 0;
        tpl_semver lo = { r[0], r[1], r[2], NULL, 0 };
        if (tpl_semver_cmp(v, &lo) < 0)
            return 0;
        if (req[0] == '~')
            return v->major == r[0] && v->minor == r[1];
        if (r[0] > 0 || n == 1)
            return v->major == r[0];
        if (r[1] > 0 || n == 2) /* ^0.Y[.Z]: minor is the breaking part */
            return v->major == 0 && v->minor == r[1];
        return v->major == 0 && v->minor == 0 && v->patch == r[2]; /* ^0.0.Z */
    }
    bool ge = req[0] == '>' && req[1] == '=';
    const char *s = ge ? req + 2 : req;
    tpl_semver want;
    if (!tpl_semver_parse(s, strlen(s), &want))
        return -1;
    if (!ge)
        return tpl_semver_cmp(v, &want) == 0;
    if (v->pre && !(want.pre && v->major == want.major && v->minor == want.minor && v->patch == want.patch))
        return 0;
    return tpl_semver_cmp(v, &want) >= 0;
}
