/* shell.c — the shell normalizer's entry point and its output: canonical
 * units in rt_norm.buf (note [canonical form] in canon.h), kept in pre-order
 * while nested commands complete before the pipelines that contain them
 * (note [unit order] in shell_int.h), and the text rendering used by tests
 * and `explain`.  Parsing lives in shell_parse.c, words in shell_lex.c,
 * simple commands in shell_cmd.c. */
#include <string.h>

#include "shell_int.h"

void rt_sh_fail(sh_ctx *c, int code, const sh_par *p)
{
    rt_norm *n = c->n;
    if (n->error)
        return; /* first error wins */
    n->error = code;
    n->err_offset = 0;
    if (p) {
        uintptr_t s = (uintptr_t)p->s, b = (uintptr_t)c->in;
        /* Offsets are only exact for the caller's own text; a synthesized
         * source (bash -c string) reports where its word began. */
        if (c->in && s >= b && s <= b + c->inlen)
            n->err_offset = (size_t)(s - b) + (p->i < p->n ? p->i : p->n);
        else
            n->err_offset = p->base;
    }
}

int rt_sh_put(sh_ctx *c, const void *b, size_t len)
{
    rt_norm *n = c->n;
    if (rt_sh_err(c))
        return -1;
    if (len > RT_NORM_BUF - n->len) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return -1;
    }
    memcpy(n->buf + n->len, b, len);
    n->len += len;
    return 0;
}

/* Writes kind, then the token with SH_MARK spelled "..." and any other byte
 * that would collide with the separators replaced by RT_C_SUB. */
int rt_sh_put_tok(sh_ctx *c, unsigned char kind, const unsigned char *t, size_t len)
{
    rt_norm *n = c->n;
    size_t need = 1;
    if (rt_sh_err(c))
        return -1;
    if (len < RT_NORM_BUF - n->len) { /* the usual token: copied as it is, in one pass */
        unsigned char *o = n->buf + n->len;
        size_t k = 0;
        for (; k + 8 <= len; k += 8) { /* 8 bytes at a time while none is < RT_C_MIN_TOKEN */
            uint64_t x;
            memcpy(&x, t + k, 8);
            if ((x - 0x0101010101010101u * RT_C_MIN_TOKEN) & ~x & 0x8080808080808080u)
                break;
            memcpy(o + 1 + k, &x, 8);
        }
        while (k < len && t[k] >= RT_C_MIN_TOKEN) {
            o[k + 1] = t[k];
            k++;
        }
        if (k == len) {
            o[0] = kind;
            n->len += len + 1;
            return 0;
        } /* else a byte to rewrite: start over below */
    }
    for (size_t i = 0; i < len; i++)
        need += t[i] == SH_MARK ? 3 : 1;
    if (need > RT_NORM_BUF - n->len) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return -1;
    }
    unsigned char *o = n->buf + n->len;
    *o++ = kind;
    for (size_t i = 0; i < len; i++) {
        if (t[i] == SH_MARK) {
            memcpy(o, "...", 3);
            o += 3;
        } else {
            *o++ = t[i] < RT_C_MIN_TOKEN ? RT_C_SUB : t[i];
        }
    }
    n->len += need;
    return 0;
}

uint32_t rt_sh_tok_push(sh_ctx *c, uint32_t off, uint32_t len, uint32_t flags)
{
    if (rt_sh_err(c))
        return UINT32_MAX;
    if (c->ntok >= RT_NORM_MAX_TOKS) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return UINT32_MAX;
    }
    rt_norm_tok *t = &c->n->tok[c->ntok];
    t->off = off;
    t->len = len;
    t->flags = flags;
    return c->ntok++;
}

int rt_sh_scratch_put(sh_ctx *c, const unsigned char *b, size_t len)
{
    if (rt_sh_err(c))
        return -1;
    if (len > RT_NORM_SCRATCH - c->stop) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return -1;
    }
    memcpy(c->n->scratch + c->stop, b, len);
    c->stop += (uint32_t)len;
    return 0;
}

int rt_sh_depth_in(sh_ctx *c, const sh_par *p)
{
    if (rt_sh_err(c))
        return -1;
    if (c->depth >= CMDAI_MAX_DEPTH) {
        rt_sh_fail(c, CMDAI_E_TOO_DEEP, p);
        return -1;
    }
    c->depth++;
    return 0;
}

void rt_sh_depth_out(sh_ctx *c) { c->depth--; }

int rt_sh_level_push(sh_ctx *c)
{
    if (c->nlev >= SH_MAX_LEVELS) { /* depth checks make this unreachable */
        rt_sh_fail(c, CMDAI_E_TOO_DEEP, NULL);
        return -1;
    }
    c->pstart[c->nlev] = c->n->len;
    c->pk[c->nlev] = c->n->nunits;
    return c->nlev++;
}

void rt_sh_level_pop(sh_ctx *c) { c->nlev--; }

void rt_sh_pipe_begin(sh_ctx *c, int lev)
{
    c->pstart[lev] = c->n->len;
    c->pk[lev] = c->n->nunits;
}

static void reverse(unsigned char *buf, size_t a, size_t b)
{
    while (a + 1 < b) {
        unsigned char t = buf[a];
        buf[a++] = buf[--b];
        buf[b] = t;
    }
}

/* Swap buf[a..m) and buf[m..b): the shorter side through a small stack
 * buffer when it fits (the usual unit is a few dozen bytes), else in place
 * with three reversals. */
static void rotate(unsigned char *buf, size_t a, size_t m, size_t b)
{
    unsigned char tmp[256];
    size_t l = m - a, r = b - m;
    if (r <= sizeof tmp) {
        memcpy(tmp, buf + m, r);
        memmove(buf + a + r, buf + a, l);
        memcpy(buf + a, tmp, r);
        return;
    }
    if (l <= sizeof tmp) {
        memcpy(tmp, buf + a, l);
        memmove(buf + a, buf + m, r);
        memcpy(buf + a + r, tmp, l);
        return;
    }
    reverse(buf, a, m);
    reverse(buf, m, b);
    reverse(buf, a, b);
}

static size_t unit_start(const rt_norm *n, uint32_t k) { return k ? n->unit_end[k - 1] : 0; }

/* The pipeline of level lev (at the end of buf, deeper levels being done)
 * becomes unit pk[lev], ahead of the units found while it was parsed. */
void rt_sh_pipe_finish(sh_ctx *c, int lev)
{
    rt_norm *n = c->n;
    size_t ps = c->pstart[lev], pl = n->len - ps;
    if (rt_sh_err(c) || pl == 0)
        return;
    if (n->nunits >= RT_NORM_MAX_UNITS) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return;
    }
    uint32_t k = c->pk[lev];
    size_t us = unit_start(n, k);
    if (us < ps)
        rotate(n->buf, us, ps, n->len);
    memmove(&n->unit_end[k + 1], &n->unit_end[k], (n->nunits - k) * sizeof n->unit_end[0]);
    for (uint32_t j = k + 1; j <= n->nunits; j++)
        n->unit_end[j] += (uint32_t)pl;
    n->unit_end[k] = (uint32_t)(us + pl);
    n->nunits++;
    for (int j = 0; j < lev; j++)
        c->pstart[j] += pl;
    c->pstart[lev] = n->len;
    c->pk[lev] = n->nunits;
}

/* buf[start..len) is one complete stage written after every partial
 * pipeline: move it in front of them as the next unit. */
void rt_sh_side_commit(sh_ctx *c, size_t start)
{
    rt_norm *n = c->n;
    if (rt_sh_err(c))
        return;
    size_t bl = n->len - start;
    if (bl == 0)
        return;
    if (n->nunits >= RT_NORM_MAX_UNITS) {
        n->len = start;
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return;
    }
    size_t p0 = c->nlev ? c->pstart[0] : start;
    if (p0 < start)
        rotate(n->buf, p0, start, n->len);
    n->unit_end[n->nunits++] = (uint32_t)(p0 + bl);
    for (int j = 0; j < c->nlev; j++)
        c->pstart[j] += bl;
}

int rt_norm_run(rt_norm *n, const char *cmd, size_t len)
{
    sh_ctx c;
    sh_par p;
    n->error = CMDAI_OK;
    n->err_offset = 0;
    n->nunits = 0;
    n->len = 0;
    if (len > CMDAI_MAX_COMMAND) {
        n->error = CMDAI_E_TOO_LONG;
        n->err_offset = CMDAI_MAX_COMMAND;
        return n->error;
    }
    if (!cmd)
        len = 0;
    /* No shell ever receives a NUL inside a command (argv strings end there,
     * bash drops it from scripts), so "rm -rf \0/" would run as something
     * else than what we would judge: refuse it, the caller fails closed. */
    const char *nul = len ? memchr(cmd, '\0', len) : NULL;
    if (nul) {
        n->error = CMDAI_E_NUL;
        n->err_offset = (size_t)(nul - cmd);
        return n->error;
    }
    memset(&c, 0, offsetof(sh_ctx, pstart)); /* pstart[] and pk[] are written by level pushes before any read */
    c.stop = 0;
    c.ntok = 0;
    c.n = n;
    c.in = (const unsigned char *)cmd;
    c.inlen = len;
    memset(&p, 0, offsetof(sh_par, hd)); /* hd[] is only read below nhd */
    p.s = (const unsigned char *)(cmd ? cmd : "");
    p.n = len;
    p.term = TERM_EOF;
    p.last_shell = -1;
    p.lev = rt_sh_level_push(&c);
    rt_sh_parse_list(&c, &p);
    rt_sh_level_pop(&c);
    if (n->error)
        n->len = n->nunits ? n->unit_end[n->nunits - 1] : 0; /* drop partial pipelines */
    return n->error;
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct rbuf {
    char *out;
    size_t cap, len;
} rbuf;

static void radd(rbuf *r, const void *s, size_t n)
{
    const char *p = s;
    for (size_t i = 0; i < n; i++, r->len++)
        if (r->len + 1 < r->cap)
            r->out[r->len] = p[i];
}

static void radd_tok(rbuf *r, const unsigned char *t, size_t n)
{
    int q = n == 0;
    for (size_t i = 0; i < n && !q; i++)
        q = t[i] == ' ' || t[i] == '\t' || t[i] == '\n';
    if (q)
        radd(r, "'", 1);
    radd(r, t, n);
    if (q)
        radd(r, "'", 1);
}

/* Length of the token starting at b[i] (up to the next separator byte). */
static size_t tok_len(const unsigned char *b, size_t i, size_t e)
{
    size_t j = i;
    while (j < e && b[j] >= RT_C_MIN_TOKEN)
        j++;
    return j - i;
}

size_t rt_norm_render(const rt_norm *n, uint32_t unit, char *out, size_t cap)
{
    rbuf r = {out, cap, 0};
    if (unit < n->nunits) {
        const unsigned char *b = n->buf;
        size_t i = unit_start(n, unit), e = n->unit_end[unit];
        int first = 1;
        while (i < e) {
            if (b[i] != RT_C_CMD) { /* cannot happen: units are written whole */
                i++;
                continue;
            }
            if (!first)
                radd(&r, " | ", 3);
            first = 0;
            i++;
            if (i < e && b[i] == RT_C_DYN) {
                radd(&r, "$?", 2);
                i++;
            } else {
                size_t l = tok_len(b, i, e);
                radd_tok(&r, b + i, l);
                i += l;
            }
            /* Rendered as prog, flags, "::", args, redirs whatever the byte
             * order (args precede flags in the canonical bytes): three passes. */
            size_t body = i;
            int args = 0;
            for (int pass = 0; pass < 3; pass++) {
                i = body;
                while (i < e && b[i] != RT_C_END && b[i] != RT_C_CMD) {
                    unsigned char k = b[i++];
                    size_t l = tok_len(b, i, e);
                    if (k == RT_C_FLAG && pass == 0) {
                        radd(&r, " ", 1);
                        radd_tok(&r, b + i, l);
                    } else if (k == RT_C_ARG && pass == 1) {
                        if (args++)
                            radd(&r, " ", 1);
                        else
                            radd(&r, " :: ", 4);
                        radd_tok(&r, b + i, l);
                    } else if (k == RT_C_REDIR && pass == 2) {
                        radd(&r, " ", 1);
                        radd(&r, b + i, l);
                    } else if (k == RT_C_RTGT && pass == 2) {
                        radd_tok(&r, b + i, l);
                    }
                    i += l;
                }
            }
            if (i < e && b[i] == RT_C_END)
                i++;
        }
    }
    if (cap)
        out[r.len < cap ? r.len : cap - 1] = '\0';
    return r.len;
}

size_t rt_path_normalize(const unsigned char *t, size_t n, unsigned char *out)
{
    return rt_sh_argnorm(t, n, out);
}
