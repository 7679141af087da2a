/* audit_redact.c — secrets out of command lines before they reach the audit
 * trail.  A single left-to-right scan over the bytes (no shell parse: the
 * record must be redacted even when the command does not parse).  The
 * patterns are listed, with examples, in docs/audit.md "Redaction"; a
 * replaced value becomes "[REDACTED]" and the text around it is kept so that
 * the record still says what was run.  False positives are preferred over
 * leaks. */
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"

#define RED "[REDACTED]"

/* Flag and variable names that carry a secret (case-insensitive substrings,
 * '-' and '_' equivalent). */
#define W(s) {s, sizeof s - 1}
static const struct {
    const char *w;
    size_t n; /* a name shorter than the word cannot contain it: most flags (-rf, -la) skip the search */
} secret_words[] = {
    W("password"), W("passwd"), W("passphrase"), W("secret"), W("token"), W("apikey"), W("api-key"),
    W("accesskey"), W("access-key"), W("privatekey"), W("private-key"), W("credential"), W("bearer"),
    W("auth-key"), W("session-key"), W("client-key"),
};
#undef W
/* Whole flag names (after the dashes) that carry a secret. */
#define W(s) {s, sizeof s - 1}
static const struct {
    const char *w;
    size_t n;
} secret_flags[] = {W("pass"), W("pwd"), W("pw"), W("auth"), W("key-password"), W("db-pass")};
#undef W

/* Bytes that end a word: one table load instead of twelve compares (the
 * scan asks this of nearly every byte). */
static const bool word_end[256] = {
    [' '] = true, ['\t'] = true, ['\n'] = true, ['\r'] = true, [';'] = true, ['|'] = true,
    ['&'] = true, [')'] = true, ['('] = true, ['<'] = true, ['>'] = true, ['`'] = true,
};

static inline bool is_word_end(unsigned char c)
{
    return word_end[c];
}

static bool is_tok(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '-';
}

/* End of a value starting at i: a quoted value runs to its closing quote,
 * anything else to the end of the word. */
static size_t value_end(const char *s, size_t len, size_t i)
{
    if (i < len && (s[i] == '\'' || s[i] == '"')) {
        char q = s[i];
        size_t j = i + 1;
        while (j < len && s[j] != q) {
            if (q == '"' && s[j] == '\\' && j + 1 < len)
                j++;
            j++;
        }
        return j < len ? j + 1 : len;
    }
    size_t j = i;
    while (j < len && !is_word_end((unsigned char)s[j]) && s[j] != '\'' && s[j] != '"')
        j++;
    return j;
}

/* Does name[0..n) (a flag without dashes, or a variable) name a secret? */
static bool secret_name(const char *name, size_t n, bool flag)
{
    char low[64];
    if (n == 0 || n >= sizeof low)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        low[i] = c == '_' ? '-' : (char)tolower(c);
    }
    low[n] = '\0';
    for (size_t k = 0; k < sizeof secret_words / sizeof *secret_words; k++)
        if (n >= secret_words[k].n && strstr(low, secret_words[k].w))
            return true;
    if (flag) {
        size_t ln = strlen(low); /* a NUL in the name ends it here, as it always did */
        for (size_t k = 0; k < sizeof secret_flags / sizeof *secret_flags; k++)
            if (ln == secret_flags[k].n && !memcmp(low, secret_flags[k].w, ln))
                return true;
    } else if ((n >= 4 && !strcmp(low + n - 4, "-pwd")) || (n >= 5 && !strcmp(low + n - 5, "-pass"))) {
        return true; /* MYSQL_PWD, SMTP_PASS */
    }
    return false;
}

static bool prefix_ci(const char *s, size_t len, size_t i, const char *p, size_t n)
{
    if (len - i < n)
        return false;
    for (size_t k = 0; k < n; k++)
        if (tolower((unsigned char)s[i + k]) != p[k])
            return false;
    return true;
}

/* Count of bytes from i that satisfy is_tok (or, when `dot`, also '.', '/', '+', '='). */
static size_t run(const char *s, size_t len, size_t i, bool dot)
{
    size_t j = i;
    while (j < len && (is_tok((unsigned char)s[j]) ||
                       (dot && (s[j] == '.' || s[j] == '/' || s[j] == '+' || s[j] == '='))))
        j++;
    return j - i;
}

/* Well-known token shapes: prefix and the least number of token bytes after it. */
#define T(p, min, ud) {p, sizeof p - 1, min, ud}
static const struct {
    const char *prefix;
    size_t pl, min;
    bool upper_digits; /* AWS ids: [A-Z0-9] only, exactly min */
} tokens[] = {
    T("AKIA", 16, true), T("ASIA", 16, true), T("ghp_", 20, false), T("gho_", 20, false), T("ghu_", 20, false),
    T("ghs_", 20, false), T("ghr_", 20, false), T("github_pat_", 20, false), T("glpat-", 20, false),
    T("xoxb-", 10, false), T("xoxa-", 10, false), T("xoxp-", 10, false), T("xoxr-", 10, false),
    T("xoxs-", 10, false), T("sk_live_", 16, false), T("rk_live_", 16, false), T("sk_test_", 16, false),
    T("AIza", 30, false), T("sk-", 20, false), T("npm_", 30, false), T("hf_", 30, false),
};
#undef T
#define NTOKENS (sizeof tokens / sizeof *tokens)

/* Headers and schemes: Authorization: <scheme> VALUE, Bearer VALUE, X-Api-Key: VALUE.
 * The first two keep the scheme word; the last three need a token-like value. */
#define H(s) {s, sizeof s - 1}
static const struct {
    const char *h; /* lower case */
    size_t n;
} hdrs[] = {
    H("authorization:"), H("proxy-authorization:"), H("x-api-key:"), H("api-key:"), H("private-token:"),
    H("x-auth-token:"), H("cookie:"), H("bearer "), H("basic "), H("token "),
};
#undef H
#define NHDRS (sizeof hdrs / sizeof *hdrs)

/* The prefilter of the header and token patterns, by the byte they start
 * with: bit k (k < NHDRS) when hdrs[k] starts with the byte in either case,
 * bit NHDRS + k when tokens[k] starts with it, bit JWT_BIT for 'e' (eyJ).
 * Every pattern needs its first byte to match, so a pattern whose bit is
 * clear cannot match there: skipping it changes nothing.  Zero for most
 * bytes (this replaces a list of the same first bytes). */
#define JWT_BIT (NHDRS + NTOKENS)
_Static_assert(JWT_BIT < 32, "first-byte masks are 32 bits");
static uint32_t first_mask[256];
static pthread_once_t first_once = PTHREAD_ONCE_INIT;

static void first_mask_init(void)
{
    for (size_t k = 0; k < NHDRS; k++) {
        first_mask[(unsigned char)hdrs[k].h[0]] |= 1u << k;
        first_mask[toupper((unsigned char)hdrs[k].h[0])] |= 1u << k;
    }
    for (size_t k = 0; k < NTOKENS; k++)
        first_mask[(unsigned char)tokens[k].prefix[0]] |= 1u << (NHDRS + k);
    first_mask['e'] |= 1u << JWT_BIT;
}

/* Token at i (which starts a token: the byte before is not a token byte)?
 * `m` is first_mask[s[i]]: only the shapes starting with s[i] are tried, in
 * table order.  Returns its length or 0. */
static size_t token_at(const char *s, size_t len, size_t i, uint32_t m)
{
    for (uint32_t tm = m >> NHDRS & ((1u << NTOKENS) - 1); tm; tm &= tm - 1) {
        size_t k = (size_t)__builtin_ctz(tm);
        size_t pl = tokens[k].pl;
        if (len - i < pl || memcmp(s + i, tokens[k].prefix, pl) != 0)
            continue;
        size_t j = i + pl, n = 0;
        if (tokens[k].upper_digits) {
            while (j + n < len && (isupper((unsigned char)s[j + n]) || isdigit((unsigned char)s[j + n])))
                n++;
            if (n == tokens[k].min && (j + n >= len || !isalnum((unsigned char)s[j + n])))
                return pl + n;
            continue;
        }
        n = run(s, len, j, false);
        if (n >= tokens[k].min)
            return pl + n;
    }
    /* JWT: eyJ<b64url>.eyJ<b64url>.<b64url> */
    if ((m >> JWT_BIT & 1) && len - i > 20 && !memcmp(s + i, "eyJ", 3)) {
        size_t a = run(s, len, i, false);
        if (a >= 10 && i + a < len && s[i + a] == '.' && len - (i + a + 1) >= 3 && !memcmp(s + i + a + 1, "eyJ", 3)) {
            size_t b = run(s, len, i + a + 1, false);
            size_t e = i + a + 1 + b;
            if (b >= 10 && e < len && s[e] == '.')
                return e + 1 + run(s, len, e + 1, false) - i;
        }
    }
    return 0;
}

/* Output is built lazily: text is copied only up to a secret, so a line
 * without secrets costs one copy. */
typedef struct red {
    rt_abuf out;
    unsigned n;
    const char *s;
    size_t copied; /* s[0..copied) is in out (or was replaced) */
} red;

/* Keep the input up to `upto`. */
static void keep(red *r, size_t upto)
{
    if (upto > r->copied)
        rt_abuf_put(&r->out, r->s + r->copied, upto - r->copied);
    r->copied = upto;
}

/* Keep the input up to `from`, then replace [from, to) by the marker. */
static void redact(red *r, size_t from, size_t to)
{
    keep(r, from);
    rt_abuf_puts(&r->out, RED);
    r->n++;
    r->copied = to;
}

/* Does the line run one of the programs (as a word, possibly with a path)? */
static bool mentions_program(const char *s, size_t len, const char *const *progs, size_t nprogs)
{
    for (size_t i = 0; i < len; i++) {
        if (i && !is_word_end((unsigned char)s[i - 1]) && s[i - 1] != '/')
            continue;
        for (size_t k = 0; k < nprogs; k++) {
            if (s[i] != progs[k][0])
                continue;
            size_t n = strlen(progs[k]);
            if (len - i >= n && !memcmp(s + i, progs[k], n) && (i + n == len || is_word_end((unsigned char)s[i + n])))
                return true;
        }
    }
    return false;
}

static const char *const mysql[] = {"mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump", "mysqlimport"};
static const char *const sshpass[] = {"sshpass"};

/* Does the line run mysql & co. (sshpass)?  Asked only when a -p word is
 * seen, the only place the answer matters, and then once per line: both
 * depend on the whole line only, so asking late changes nothing. */
static bool runs_mysql(const char *s, size_t len, int *memo)
{
    if (*memo < 0)
        *memo = mentions_program(s, len, mysql, sizeof mysql / sizeof *mysql);
    return *memo;
}

static bool runs_sshpass(const char *s, size_t len, int *memo)
{
    if (*memo < 0)
        *memo = mentions_program(s, len, sshpass, 1);
    return *memo;
}

void rt_audit_redact_into(rt_abuf *out, const char *s, size_t len, unsigned *nred)
{
    pthread_once(&first_once, first_mask_init);
    int my = -1, sp = -1; /* unknown until a -p word asks */
    red r = {*out, 0, s, 0};
    rt_abuf_put(&r.out, "", 0);
    bool redact_next = false; /* the previous word was a secret-taking flag */
    bool userpass_next = false; /* ... was curl's -u / --user: keep the user, redact after ':' */
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        bool word_start = i == 0 || is_word_end((unsigned char)s[i - 1]);
        if (word_start && !is_word_end(c)) {
            size_t we = value_end(s, len, i);
            if (redact_next || userpass_next) {
                bool up = userpass_next;
                redact_next = userpass_next = false;
                if (c != '-') {
                    const char *colon = up ? memchr(s + i, ':', we - i) : NULL;
                    if (!up || colon)
                        redact(&r, colon ? (size_t)(colon - s) + 1 : i, we);
                    i = we;
                    continue;
                }
            }
            if (c == '-') {
                size_t d = i;
                while (d < we && s[d] == '-')
                    d++;
                size_t eq = d;
                while (eq < we && s[eq] != '=')
                    eq++;
                if (d - i <= 2 && d < we && secret_name(s + d, eq - d, true)) {
                    if (eq < we) { /* --password=VALUE */
                        i = value_end(s, len, eq + 1);
                        redact(&r, eq + 1, i);
                        continue;
                    }
                    redact_next = true; /* --password VALUE */
                }
                if (d - i == 1 && we - d >= 2 && s[d] == 'p' && runs_mysql(s, len, &my)) { /* mysql -pSECRET */
                    redact(&r, i + 2, we);
                    i = we;
                    continue;
                }
                if (we - i == 2 && s[i + 1] == 'p' && runs_sshpass(s, len, &sp))
                    redact_next = true; /* sshpass -p SECRET */
                if ((we - i == 2 && s[i + 1] == 'u') || (we - i == 6 && !memcmp(s + i, "--user", 6)))
                    userpass_next = true; /* curl -u user:pass */
                if (we - i > 7 && !memcmp(s + i, "--user=", 7)) {
                    const char *colon = memchr(s + i + 7, ':', we - i - 7);
                    if (colon) {
                        redact(&r, (size_t)(colon - s) + 1, we);
                        i = we;
                        continue;
                    }
                }
            } else if (isalpha(c) || c == '_') { /* NAME=VALUE */
                size_t e = i;
                while (e < we && (isalnum((unsigned char)s[e]) || s[e] == '_'))
                    e++;
                if (e < we && s[e] == '=' && secret_name(s + i, e - i, false)) {
                    i = value_end(s, len, e + 1);
                    redact(&r, e + 1, i);
                    continue;
                }
            }
        }
        /* URL userinfo: scheme://user:pass@host */
        if (c == ':' && len - i > 3 && s[i + 1] == '/' && s[i + 2] == '/') {
            size_t u = i + 3, colon = 0, at = 0;
            for (size_t j = u; j < len && !is_word_end((unsigned char)s[j]) && s[j] != '/' && s[j] != '\'' &&
                               s[j] != '"';
                 j++) {
                if (s[j] == ':' && !colon)
                    colon = j;
                if (s[j] == '@')
                    at = j; /* the last '@' before the path ends the userinfo */
            }
            if (colon && at > colon) {
                redact(&r, colon + 1, at);
                i = at;
                continue;
            }
        }
        /* Headers and schemes (hdrs), then token shapes, tried only when
         * one of them starts with this byte (first_mask). */
        uint32_t m = first_mask[c];
        if (m && (!i || !is_tok((unsigned char)s[i - 1]))) {
            for (uint32_t hm = m & ((1u << NHDRS) - 1); hm; hm &= hm - 1) {
                size_t k = (size_t)__builtin_ctz(hm);
                if (!prefix_ci(s, len, i, hdrs[k].h, hdrs[k].n))
                    continue;
                size_t j = i + hdrs[k].n;
                while (j < len && s[j] == ' ')
                    j++;
                bool scheme_follows = k < 2;
                if (scheme_follows) { /* keep the scheme word (Bearer, Basic, ...) */
                    size_t w = run(s, len, j, false);
                    if (w && j + w < len && s[j + w] == ' ') {
                        j += w;
                        while (j < len && s[j] == ' ')
                            j++;
                    }
                }
                size_t v = j;
                while (v < len && !is_word_end((unsigned char)s[v]) && s[v] != '\'' && s[v] != '"')
                    v++;
                if (k >= 7 && (v - j < 8 || !run(s, len, j, true)))
                    continue; /* "basic " / "token " in prose: only a token-like value counts */
                if (v == j)
                    continue;
                redact(&r, j, v);
                i = v;
                goto next;
            }
            size_t t = token_at(s, len, i, m);
            if (t) {
                redact(&r, i, i + t);
                i += t;
                continue;
            }
        }
        /* PEM private keys */
        if (c == '-' && len - i > 11 && !memcmp(s + i, "-----BEGIN ", 11)) {
            size_t e = i + 11;
            while (e < len && s[e] != '\n' && s[e] != '-')
                e++;
            if (e - i >= 11 + 11 && !memcmp(s + e - 11, "PRIVATE KEY", 11)) {
                const char *end = NULL;
                for (size_t j = e; j + 9 <= len; j++)
                    if (!memcmp(s + j, "-----END ", 9)) {
                        end = s + j;
                        break;
                    }
                size_t stop = len;
                if (end) {
                    stop = (size_t)(end - s) + 9;
                    while (stop < len && s[stop] != '-')
                        stop++;
                    while (stop < len && s[stop] == '-')
                        stop++;
                }
                redact(&r, i, stop);
                i = stop;
                continue;
            }
        }
        i++;
    next:;
    }
    keep(&r, len);
    *out = r.out;
    if (nred)
        *nred = r.n;
}

char *rt_audit_redact(const char *s, size_t len, size_t *out_len, unsigned *nred)
{
    rt_abuf b = {0};
    rt_audit_redact_into(&b, s, len, nred);
    if (b.oom) {
        rt_abuf_release(&b);
        return NULL;
    }
    if (out_len)
        *out_len = b.len;
    return b.p;
}
