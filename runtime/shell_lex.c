/* shell_lex.c — the shell normalizer's scanner: one word at a time with POSIX
 * sh / bash quoting resolved ('..', "..", \x, $'..', line continuations),
 * expansions kept as canonical text ($x, ${x} -> $x, $(..) -> "$(...)") and
 * command substitutions handed to the parser as nested levels; redirection
 * operators; heredoc bodies.  The grammar above words (lists, compounds) is
 * shell_parse.c's; path normalization is shell_path.c's. */
#include <string.h>

#include "shell_int.h"

void rt_sh_skip_blanks(sh_par *p)
{
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b == ' ' || b == '\t' || b == '\r') {
            p->i++;
        } else if (b == '\\' && rt_sh_at(p, 1) == '\n') {
            p->i += 2;
        } else if (b == '#') { /* only called at a word boundary: a comment */
            while (p->i < p->n && p->s[p->i] != '\n')
                p->i++;
        } else {
            return;
        }
    }
}

static int wput(sh_ctx *c, int b)
{
    if (c->stop >= RT_NORM_SCRATCH)
        return rt_sh_scratch_put(c, NULL, 1); /* fails: TOO_COMPLEX */
    c->n->scratch[c->stop++] = b < RT_C_MIN_TOKEN ? RT_C_SUB : (unsigned char)b;
    return 0;
}

static int wraw(sh_ctx *c, const char *s)
{
    return rt_sh_scratch_put(c, (const unsigned char *)s, strlen(s));
}

/* A synthesized source keeps the normalizer's own SH_MARK; anything else is
 * input and gets the substitute byte. */
static int wsrc(sh_ctx *c, const sh_par *p, int b)
{
    if (b == SH_MARK && p->synth) {
        unsigned char x = SH_MARK;
        return rt_sh_scratch_put(c, &x, 1);
    }
    return wput(c, b);
}

/* Byte classes (shell_int.h) for rt_sh_lex_word and shell_path.c.  C_PLAIN: copied as it is, with no other
 * effect: everything from RT_C_MIN_TOKEN up except blanks and operators
 * (rt_sh_is_meta), quoting and expansion (\\ ' " $ `), and what an
 * assignment or a glob is made of (= + * ? [ ]); a run of them is copied at
 * once.  C_NAME / C_NAME1: a shell NAME's bytes ([A-Za-z0-9_]) / its first
 * byte ([A-Za-z_]), for NAME=value. */
const unsigned char rt_sh_cls[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, /* 00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 10 */
    0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, /* 20 */
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 1, 0, 0, 0, 0, 0, /* 30 */
    1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 40 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 1, 7, /* 50 */
    0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 60 */
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 1, 0, 1, 1, 1, /* 70 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 80 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 90 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* a0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* b0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* c0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* d0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* e0 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* f0 */
};

/* Is t[0..n) a shell NAME ([A-Za-z_][A-Za-z0-9_]*)? */
static int is_name_word(const unsigned char *t, size_t n)
{
    if (!n || !(rt_sh_cls[t[0]] & C_NAME1))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(rt_sh_cls[t[i]] & C_NAME))
            return 0;
    return 1;
}

/* wsrc() over a run of bytes, in one bounds check. */
static void wsrc_run(sh_ctx *c, const sh_par *p, const unsigned char *s, size_t len)
{
    if (rt_sh_err(c))
        return;
    if (len > RT_NORM_SCRATCH - c->stop) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return;
    }
    unsigned char *o = c->n->scratch + c->stop;
    for (size_t i = 0; i < len; i++) {
        unsigned char b = s[i];
        o[i] = b >= RT_C_MIN_TOKEN || (b == SH_MARK && p->synth) ? b : RT_C_SUB;
    }
    c->stop += (uint32_t)len;
}

static void lex_dollar(sh_ctx *c, sh_par *p, unsigned *fl, int dq);
static void lex_backtick(sh_ctx *c, sh_par *p, unsigned *fl, int dq);

/* $( ... ) and <( ... ) >( ... ): the inside is a nested level; the word
 * keeps "$(...)" ("<(...)"). */
static void lex_subst(sh_ctx *c, sh_par *p, unsigned *fl, char kind)
{
    char text[] = "$(\x01)";
    text[0] = kind;
    p->i += 2;
    if (p->synth && rt_sh_at(p, 0) == SH_MARK && rt_sh_at(p, 1) == ')') {
        p->i += 2; /* our own placeholder: its command was judged already */
    } else {
        size_t pos = p->i;
        rt_sh_parse_sub(c, p, p->s, p->n, &pos, TERM_PAREN, p->synth, 0, p->self, p->selflen);
        p->i = pos;
    }
    wraw(c, text);
    *fl |= TF_DYN;
}

static void lex_cmdsub(sh_ctx *c, sh_par *p, unsigned *fl) { lex_subst(c, p, fl, '$'); }

/* `...`: backslash-escapes inside are resolved first (as the shell does),
 * into scratch above the word being built, then parsed as a nested level. */
static void lex_backtick(sh_ctx *c, sh_par *p, unsigned *fl, int dq)
{
    uint32_t st = c->stop;
    size_t j = ++p->i;
    while (j < p->n && !rt_sh_err(c)) {
        int b = p->s[j];
        if (b == '\\' && j + 1 < p->n) {
            int nb = p->s[j + 1];
            if (nb == '`' || nb == '\\' || nb == '$' || (dq && nb == '"')) {
                wsrc(c, p, nb);
                j += 2;
                continue;
            }
        } else if (b == '`') {
            break;
        }
        wsrc(c, p, b);
        j++;
    }
    p->i = j < p->n ? j + 1 : p->n;
    if (!rt_sh_err(c)) {
        size_t pos = 0;
        rt_sh_parse_sub(c, p, c->n->scratch + st, c->stop - st, &pos, TERM_EOF, 1, 0, p->self, p->selflen);
    }
    c->stop = st;
    wraw(c, "$(\x01)");
    *fl |= TF_DYN;
}

/* $(( ... )): kept as text; command substitutions inside are still parsed. */
static void lex_arith(sh_ctx *c, sh_par *p, unsigned *fl)
{
    int depth = 0;
    unsigned dummy = 0;
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            break;
        if (b == '(') {
            depth++;
        } else if (b == ')') {
            if (depth == 0) {
                p->i += rt_sh_at(p, 1) == ')' ? 2 : 1;
                break;
            }
            depth--;
        } else if (b == '$' && rt_sh_at(p, 1) == '(' && rt_sh_at(p, 2) != '(') {
            lex_cmdsub(c, p, &dummy);
            continue;
        } else if (b == '`') {
            lex_backtick(c, p, &dummy, 0);
            continue;
        } else if (b == '\\' && rt_sh_at(p, 1) >= 0) {
            wsrc(c, p, b);
            p->i++;
            b = rt_sh_at(p, 0);
        }
        wsrc(c, p, b);
        p->i++;
    }
    *fl |= TF_DYN;
}

void rt_sh_skip_arith(sh_ctx *c, sh_par *p)
{
    uint32_t st = c->stop;
    unsigned fl = 0;
    p->i += 2;
    lex_arith(c, p, &fl);
    c->stop = st;
}

static int is_name_start(int b) { return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_'; }
static int is_name(int b) { return is_name_start(b) || (b >= '0' && b <= '9'); }
static int hexval(int b)
{
    if (b >= '0' && b <= '9')
        return b - '0';
    if (b >= 'a' && b <= 'f')
        return b - 'a' + 10;
    if (b >= 'A' && b <= 'F')
        return b - 'A' + 10;
    return -1;
}

static void put_utf8(sh_ctx *c, unsigned long u)
{
    if (u < 0x80) {
        wput(c, (int)u);
    } else if (u < 0x800) {
        wput(c, (int)(0xc0 | (u >> 6)));
        wput(c, (int)(0x80 | (u & 0x3f)));
    } else if (u < 0x10000) {
        wput(c, (int)(0xe0 | (u >> 12)));
        wput(c, (int)(0x80 | ((u >> 6) & 0x3f)));
        wput(c, (int)(0x80 | (u & 0x3f)));
    } else {
        if (u > 0x10ffff)
            u = 0xfffd;
        wput(c, (int)(0xf0 | (u >> 18)));
        wput(c, (int)(0x80 | ((u >> 12) & 0x3f)));
        wput(c, (int)(0x80 | ((u >> 6) & 0x3f)));
        wput(c, (int)(0x80 | (u & 0x3f)));
    }
}

/* $'...' as bash decodes it, so that $'\x72m' is the program rm. */
static void lex_ansi(sh_ctx *c, sh_par *p)
{
    p->i += 2;
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            return;
        if (b == '\'') {
            p->i++;
            return;
        }
        if (b != '\\' || rt_sh_at(p, 1) < 0) {
            wsrc(c, p, b);
            p->i++;
            continue;
        }
        int e = rt_sh_at(p, 1);
        p->i += 2;
        switch (e) {
        case 'a': wput(c, 7); break;
        case 'b': wput(c, 8); break;
        case 'e': case 'E': wput(c, 27); break;
        case 'f': wput(c, 12); break;
        case 'n': wput(c, 10); break;
        case 'r': wput(c, 13); break;
        case 't': wput(c, 9); break;
        case 'v': wput(c, 11); break;
        case '\\': case '\'': case '"': case '?': wput(c, e); break;
        case 'c': {
            int x = rt_sh_at(p, 0);
            if (x >= 0) {
                wput(c, x & 0x1f);
                p->i++;
            }
            break;
        }
        case 'x': case 'u': case 'U': {
            int max = e == 'x' ? 2 : e == 'u' ? 4 : 8, k = 0, h;
            unsigned long v = 0;
            while (k < max && (h = hexval(rt_sh_at(p, 0))) >= 0) {
                v = v * 16 + (unsigned long)h;
                p->i++;
                k++;
            }
            if (k == 0) {
                wput(c, '\\');
                wput(c, e);
            } else if (e == 'x') {
                wput(c, (int)v);
            } else {
                put_utf8(c, v);
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                int v = e - '0', k = 1, d;
                while (k < 3 && (d = rt_sh_at(p, 0)) >= '0' && d <= '7') {
                    v = v * 8 + (d - '0');
                    p->i++;
                    k++;
                }
                wput(c, v & 0xff);
            } else {
                wput(c, '\\');
                wsrc(c, p, e);
            }
        }
    }
}

static int simple_param(const unsigned char *t, size_t n)
{
    if (n == 1 && strchr("@*#?-$!", t[0]))
        return 1;
    if (n && t[0] >= '0' && t[0] <= '9') {
        for (size_t i = 0; i < n; i++)
            if (t[i] < '0' || t[i] > '9')
                return 0;
        return 1;
    }
    if (!n || !is_name_start(t[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!is_name(t[i]))
            return 0;
    return 1;
}

/* ${...}: ${NAME} becomes $NAME; anything else is kept as ${...}. */
static void lex_brace(sh_ctx *c, sh_par *p, unsigned *fl, int dq)
{
    uint32_t st = c->stop;
    int depth = 0;
    unsigned dummy = 0;
    p->i += 2;
    wput(c, '$');
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            break;
        if (b == '}') {
            p->i++;
            if (depth-- == 0)
                break;
            wput(c, b);
            continue;
        }
        if (b == '{') {
            depth++;
        } else if (b == '\\' && rt_sh_at(p, 1) >= 0) {
            wsrc(c, p, b);
            p->i++;
            b = rt_sh_at(p, 0);
        } else if (b == '\'' && !dq) {
            do {
                wsrc(c, p, b);
                p->i++;
                b = rt_sh_at(p, 0);
            } while (b >= 0 && b != '\'');
            if (b < 0)
                break;
        } else if (b == '$' && rt_sh_at(p, 1) == '(' && rt_sh_at(p, 2) != '(') {
            lex_cmdsub(c, p, &dummy);
            continue;
        } else if (b == '`') {
            lex_backtick(c, p, &dummy, dq);
            continue;
        }
        wsrc(c, p, b);
        p->i++;
    }
    *fl |= TF_DYN;
    if (rt_sh_err(c))
        return;
    unsigned char *s = c->n->scratch;
    size_t clen = c->stop - st - 1;
    if (simple_param(s + st + 1, clen))
        return;
    /* Keep the braces: make room for "{" and "}". */
    if (wraw(c, "}}") < 0)
        return;
    memmove(s + st + 2, s + st + 1, clen);
    s[st + 1] = '{';
}

static void lex_dq(sh_ctx *c, sh_par *p, unsigned *fl)
{
    p->i++;
    *fl |= TF_QUOTED;
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            return;
        if (b == '"') {
            p->i++;
            return;
        }
        if (b == '\\') {
            int nb = rt_sh_at(p, 1);
            if (nb == '\n') {
                p->i += 2;
                continue;
            }
            if (nb == '$' || nb == '`' || nb == '"' || nb == '\\') {
                wput(c, nb);
                p->i += 2;
                continue;
            }
        } else if (b == '$') {
            lex_dollar(c, p, fl, 1);
            continue;
        } else if (b == '`') {
            lex_backtick(c, p, fl, 1);
            continue;
        } else {
            size_t k = p->i + 1; /* a run of bytes that stand for themselves */
            while (k < p->n && p->s[k] != '"' && p->s[k] != '\\' && p->s[k] != '$' && p->s[k] != '`')
                k++;
            wsrc_run(c, p, p->s + p->i, k - p->i);
            p->i = k;
            continue;
        }
        wsrc(c, p, b);
        p->i++;
    }
}

static void lex_dollar(sh_ctx *c, sh_par *p, unsigned *fl, int dq)
{
    int nb = rt_sh_at(p, 1);
    if (nb == '\'' && !dq) {
        lex_ansi(c, p);
        *fl |= TF_QUOTED;
    } else if (nb == '"' && !dq) {
        p->i++; /* $"..." is a translated "..." */
        lex_dq(c, p, fl);
    } else if (nb == '(' && rt_sh_at(p, 2) == '(') {
        wraw(c, "$((");
        p->i += 3;
        lex_arith(c, p, fl);
        wraw(c, "))");
    } else if (nb == '(') {
        lex_cmdsub(c, p, fl);
    } else if (nb == '{') {
        lex_brace(c, p, fl, dq);
    } else if (nb >= 0 && is_name_start(nb)) {
        wput(c, '$');
        p->i++;
        while (is_name(rt_sh_at(p, 0)))
            wput(c, p->s[p->i++]);
        *fl |= TF_DYN;
    } else if (nb >= 0 && ((nb >= '0' && nb <= '9') || strchr("@*#?-$!", nb))) {
        wput(c, '$');
        wput(c, nb);
        p->i += 2;
        *fl |= TF_DYN;
    } else {
        wput(c, '$');
        p->i++;
    }
}

/* ( ... ) glued to a word: array assignment values and extglob patterns. */
static void lex_paren(sh_ctx *c, sh_par *p, unsigned *fl)
{
    int depth = 0;
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            return;
        if (b == '(') {
            depth++;
        } else if (b == ')') {
            wput(c, b);
            p->i++;
            if (--depth <= 0)
                return;
            continue;
        } else if (b == '\\' && rt_sh_at(p, 1) >= 0) {
            wsrc(c, p, rt_sh_at(p, 1));
            p->i += 2;
            *fl |= TF_QUOTED;
            continue;
        } else if (b == '\'') {
            p->i++;
            while ((b = rt_sh_at(p, 0)) >= 0 && b != '\'') {
                wsrc(c, p, b);
                p->i++;
            }
            if (b >= 0)
                p->i++;
            continue;
        } else if (b == '"') {
            lex_dq(c, p, fl);
            continue;
        } else if (b == '$') {
            lex_dollar(c, p, fl, 0);
            continue;
        } else if (b == '`') {
            lex_backtick(c, p, fl, 0);
            continue;
        }
        wsrc(c, p, b);
        p->i++;
    }
}

/* Lex one word at p->i (a non-blank, non-operator byte or a '(' glued to a
 * pattern).  Pushes its token; returns the token index or -1. */
int rt_sh_lex_word(sh_ctx *c, sh_par *p)
{
    uint32_t st = c->stop, nst; /* nst: where a NAME of NAME= would begin */
    unsigned fl = 0;
    int name_ok = 1, lbr = 0;
    if (rt_sh_at(p, 0) == '(') {
        lex_paren(c, p, &fl);
        fl |= TF_DYN;
    }
    nst = c->stop; /* "(..)NAME=v": the NAME after a leading group counts */
    for (;;) {
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            break;
        if (rt_sh_cls[b] & C_PLAIN) {
            const unsigned char *s = p->s;
            size_t i = p->i, k = i + 1;
            if (p->n - i <= RT_NORM_SCRATCH - c->stop) { /* room for any run: scan and copy at once */
                unsigned char *o = c->n->scratch + c->stop;
                o[0] = (unsigned char)b;
                while (k < p->n && (rt_sh_cls[s[k]] & C_PLAIN)) {
                    o[k - i] = s[k];
                    k++;
                }
                c->stop += (uint32_t)(k - i);
            } else {
                while (k < p->n && (rt_sh_cls[s[k]] & C_PLAIN))
                    k++;
                wsrc_run(c, p, s + i, k - i);
            }
            p->i = k;
            continue;
        }
        if ((b == '<' || b == '>') && rt_sh_at(p, 1) == '(') { /* process substitution */
            lex_subst(c, p, &fl, (char)b);
            name_ok = 0;
            continue;
        }
        if (rt_sh_is_meta(b)) {
            /* extglob ?(..) *(..) +(..) @(..) !(..): the pattern is one word */
            if (b == '(' && c->stop > st && strchr("?*+@!", c->n->scratch[c->stop - 1])) {
                lex_paren(c, p, &fl);
                fl |= TF_DYN;
                continue;
            }
            break;
        }
        if (b == '\\') {
            int nb = rt_sh_at(p, 1);
            p->i += nb >= 0 ? 2 : 1;
            if (nb == '\n' || nb < 0)
                continue;
            wsrc(c, p, nb);
            fl |= TF_QUOTED;
            name_ok = 0;
            continue;
        }
        if (b == '\'') {
            const unsigned char *q0 = p->s + p->i + 1, *q = memchr(q0, '\'', p->n - p->i - 1);
            size_t ql = q ? (size_t)(q - q0) : p->n - p->i - 1;
            wsrc_run(c, p, q0, ql);
            p->i += 1 + ql + (q != NULL);
            fl |= TF_QUOTED;
            name_ok = 0;
            continue;
        }
        if (b == '"') {
            lex_dq(c, p, &fl);
            name_ok = 0;
            continue;
        }
        if (b == '$') {
            lex_dollar(c, p, &fl, 0);
            name_ok = 0;
            continue;
        }
        if (b == '`') {
            lex_backtick(c, p, &fl, 0);
            name_ok = 0;
            continue;
        }
        /* NAME= / NAME+=: name_ok says nothing was quoted or expanded, so
         * the word so far is its bytes as written */
        if (name_ok && (b == '=' || (b == '+' && rt_sh_at(p, 1) == '=')) &&
            is_name_word(c->n->scratch + nst, c->stop - nst)) {
            fl |= TF_ASSIGN;
            name_ok = 0;
            if (b == '+') {
                wput(c, '+');
                p->i++;
            }
            wput(c, '=');
            p->i++;
            if (rt_sh_at(p, 0) == '(')
                lex_paren(c, p, &fl);
            continue;
        }
        if (b == '*' || b == '?')
            fl |= TF_DYN;
        else if (b == '[')
            lbr = 1;
        else if (b == ']' && lbr)
            fl |= TF_DYN;
        wsrc(c, p, b);
        p->i++;
    }
    if (rt_sh_err(c))
        return -1;
    if (c->stop == st && fl == 0)
        return -1; /* only a line continuation or a trailing backslash: no word */
    uint32_t t = rt_sh_tok_push(c, st, c->stop - st, fl);
    return t == UINT32_MAX ? -1 : (int)t;
}

int rt_sh_redir_start(const sh_par *p)
{
    size_t k = 0;
    int b;
    while ((b = rt_sh_at(p, k)) >= '0' && b <= '9')
        k++;
    if ((b == '<' || b == '>') && k == 0 && rt_sh_at(p, 1) == '(')
        return 0; /* <(..) >(..) are words */
    if (b == '<' || b == '>')
        return 1;
    return k == 0 && b == '&' && rt_sh_at(p, 1) == '>';
}

static int all_digits_or_dash(const unsigned char *t, size_t n)
{
    if (n == 1 && t[0] == '-')
        return 1;
    for (size_t i = 0; i < n; i++)
        if (t[i] < '0' || t[i] > '9')
            return 0;
    return n > 0;
}

static int match(const sh_par *p, const char *s)
{
    size_t n = strlen(s);
    return p->i + n <= p->n && memcmp(p->s + p->i, s, n) == 0;
}

/* A redirection at p->i.  Ordinary ones push an op token ("<", ">", ">>",
 * "<>", ">&", "<&"; fd numbers dropped, &> spelled >) and a target token;
 * a here-string pushes a TF_HERESTR op and its text; a heredoc only records
 * its delimiter: the body is read at the next newline. */
void rt_sh_lex_redir(sh_ctx *c, sh_par *p, uint32_t stage)
{
    static const struct { const char *in, *op; unsigned kind; } ops[] = {
        {"&>>", ">>", 0}, {"&>", ">", 0}, {"<<<", "<<<", 1}, {"<<-", "", 2}, {"<<", "", 3}, {"<>", "<>", 0},
        {"<&", "<&", 4},  {"<", "<", 0},  {">>", ">>", 0},   {">&", ">&", 4}, {">|", ">", 0}, {">", ">", 0},
    };
    while (rt_sh_at(p, 0) >= '0' && rt_sh_at(p, 0) <= '9')
        p->i++;
    size_t k = 0;
    while (k < sizeof ops / sizeof ops[0] && !match(p, ops[k].in))
        k++;
    if (k == sizeof ops / sizeof ops[0]) { /* cannot happen: rt_sh_redir_start said so */
        p->i++;
        return;
    }
    p->i += strlen(ops[k].in);
    rt_sh_skip_blanks(p);
    int b = rt_sh_at(p, 0);
    if (b < 0 || (rt_sh_is_meta(b) && b != '(' && !((b == '<' || b == '>') && rt_sh_at(p, 1) == '(')))
        return; /* no target: a syntax error the shell would refuse */
    uint32_t st = c->stop, t0 = c->ntok;
    if (ops[k].kind == 2 || ops[k].kind == 3) {
        int t = rt_sh_lex_word(c, p);
        if (t < 0)
            return;
        rt_norm_tok *w = &c->n->tok[t];
        if (p->nhd >= SH_MAX_HEREDOCS || w->len >= SH_DELIM_MAX) {
            rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, p);
            return;
        }
        sh_hd *h = &p->hd[p->nhd++];
        memcpy(h->delim, c->n->scratch + w->off, w->len);
        h->dlen = (unsigned char)w->len;
        h->quoted = (w->flags & TF_QUOTED) != 0;
        h->strip = ops[k].kind == 2;
        h->shell = 0;
        h->stage = stage;
        c->ntok = t0;
        c->stop = st;
        return;
    }
    size_t oplen = strlen(ops[k].op);
    if (rt_sh_scratch_put(c, (const unsigned char *)ops[k].op, oplen) < 0)
        return;
    uint32_t opt = rt_sh_tok_push(c, st, (uint32_t)oplen, TF_REDIR | (ops[k].kind == 1 ? TF_HERESTR : 0));
    if (opt == UINT32_MAX)
        return;
    int t = rt_sh_lex_word(c, p);
    if (t < 0)
        return;
    rt_norm_tok *w = &c->n->tok[t];
    w->flags |= TF_RTGT;
    /* ">& file" writes the file like ">"; only ">&2" / ">&-" duplicate. */
    if (ops[k].kind == 4 && !all_digits_or_dash(c->n->scratch + w->off, w->len))
        c->n->tok[opt].len = 1;
}

int rt_sh_read_sep(sh_ctx *c, sh_par *p)
{
    (void)c;
    rt_sh_skip_blanks(p);
    int b = rt_sh_at(p, 0), nb = rt_sh_at(p, 1);
    if (b < 0)
        return T_EOF;
    p->i++;
    switch (b) {
    case '\n':
        return T_NL;
    case ';':
        if (nb == ';') {
            p->i++;
            if (rt_sh_at(p, 0) == '&')
                p->i++;
            return T_DSEMI;
        }
        if (nb == '&') {
            p->i++;
            return T_DSEMI;
        }
        return T_SEMI;
    case '&':
        if (nb == '&') {
            p->i++;
            return T_AND;
        }
        return T_AMP;
    case '|':
        if (nb == '|') {
            p->i++;
            return T_OR;
        }
        if (nb == '&')
            p->i++;
        return T_PIPE;
    case ')':
        return T_RPAREN;
    default:
        return T_SEMI; /* a stray byte: skip it, keep going */
    }
}

/* Command substitutions in an unquoted heredoc body run when the heredoc
 * is read, whoever reads it. */
static void scan_body(sh_ctx *c, const sh_par *p, size_t b0, size_t b1)
{
    sh_par q = *p;
    q.n = b1;
    q.i = b0;
    q.nhd = 0;
    uint32_t st = c->stop;
    unsigned fl = 0;
    while (q.i < q.n && !rt_sh_err(c)) {
        int b = q.s[q.i];
        if (b == '\\') {
            q.i += 2;
        } else if (b == '$' && rt_sh_at(&q, 1) == '(' && rt_sh_at(&q, 2) != '(') {
            lex_cmdsub(c, &q, &fl);
        } else if (b == '`') {
            lex_backtick(c, &q, &fl, 0);
        } else {
            q.i++;
        }
        c->stop = st;
    }
}

void rt_sh_read_heredocs(sh_ctx *c, sh_par *p)
{
    for (int h = 0; h < p->nhd && !rt_sh_err(c); h++) {
        sh_hd *d = &p->hd[h];
        size_t b0 = p->i, b1 = p->n, i = p->i;
        while (i < p->n) {
            size_t ls = i, le = i;
            while (le < p->n && p->s[le] != '\n')
                le++;
            size_t cs = ls;
            if (d->strip)
                while (cs < le && p->s[cs] == '\t')
                    cs++;
            if (le - cs == d->dlen && memcmp(p->s + cs, d->delim, d->dlen) == 0) {
                b1 = ls;
                i = le < p->n ? le + 1 : le;
                break;
            }
            i = le < p->n ? le + 1 : le;
        }
        if (b1 == p->n)
            i = p->n;
        p->i = i;
        if (d->shell) {
            size_t pos = 0;
            rt_sh_parse_sub(c, p, p->s + b0, b1 - b0, &pos, TERM_EOF, p->synth, 0, NULL, 0);
        } else if (!d->quoted) {
            scan_body(c, p, b0, b1);
        }
    }
    p->nhd = 0;
}
