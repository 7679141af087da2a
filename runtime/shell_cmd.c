/* shell_cmd.c — one simple command, lexed into tokens, becomes one canonical
 * stage: assignments dropped, program basename, flags de-clustered with the
 * option table (opts.c) and sorted, args in order, redirections.  Commands
 * that run other commands are looked through: wrappers (sudo, env, nice, ...)
 * are replaced by the command they run and also judged as a unit of their
 * own; shells' -c strings, eval, watch, ssh remote commands, xargs and
 * find -exec commands are judged as units of their own. */
#include <string.h>

#include "shell_int.h"

enum { K_NONE, K_WRAP, K_WATCH, K_XARGS, K_SHELL, K_SU, K_EVAL, K_FIND, K_SSH };
enum {
    W_ASSIGN = 1u << 0, /* NAME=value words belong to the wrapper (env, sudo) */
    W_POS1 = 1u << 1,   /* one operand before the command (chroot ROOT, timeout DURATION) */
    W_CMDV = 1u << 2,   /* command -v NAME only looks NAME up */
    W_ENV_S = 1u << 3   /* env -S STRING splits STRING into a command */
};

#define S(name) name, sizeof name - 1 /* name and its length */
static const struct special {
    const char *name;
    unsigned char len, kind, wflags;
} specials[] = { /* note [specials]: special() finds a name through special_slot[] */
    {S("ash"), K_SHELL, 0}, {S("bash"), K_SHELL, 0}, {S("builtin"), K_WRAP, 0},
    {S("busybox"), K_WRAP, 0}, {S("chroot"), K_WRAP, W_POS1}, {S("command"), K_WRAP, W_CMDV},
    {S("csh"), K_SHELL, 0}, {S("dash"), K_SHELL, 0}, {S("doas"), K_WRAP, W_ASSIGN},
    {S("env"), K_WRAP, W_ASSIGN | W_ENV_S}, {S("eval"), K_EVAL, 0}, {S("exec"), K_WRAP, 0},
    {S("find"), K_FIND, 0}, {S("fish"), K_SHELL, 0}, {S("ionice"), K_WRAP, 0},
    {S("ksh"), K_SHELL, 0}, {S("ltrace"), K_WRAP, 0}, {S("mksh"), K_SHELL, 0},
    {S("nice"), K_WRAP, 0}, {S("nohup"), K_WRAP, 0}, {S("setsid"), K_WRAP, 0},
    {S("sh"), K_SHELL, 0}, {S("ssh"), K_SSH, 0}, {S("sshpass"), K_WRAP, 0},
    {S("stdbuf"), K_WRAP, 0}, {S("strace"), K_WRAP, 0}, {S("su"), K_SU, 0},
    {S("sudo"), K_WRAP, W_ASSIGN}, {S("tcsh"), K_SHELL, 0}, {S("time"), K_WRAP, 0},
    {S("timeout"), K_WRAP, W_POS1}, {S("torsocks"), K_WRAP, 0}, {S("unbuffer"), K_WRAP, 0},
    {S("watch"), K_WATCH, 0}, {S("xargs"), K_XARGS, 0}, {S("zsh"), K_SHELL, 0},
};

/* A hash index over specials[], built when the library is loaded (as
 * opts.c's): one hash of the name, then usually one comparison. */
enum { SPECIAL_SLOTS = 256 }; /* a power of two, over 4 slots an entry */
_Static_assert(sizeof specials / sizeof specials[0] < SPECIAL_SLOTS / 4, "shell_cmd: grow SPECIAL_SLOTS");
static unsigned char special_slot[SPECIAL_SLOTS]; /* specials index + 1; 0: empty */
static int special_indexed;

__attribute__((constructor)) static void special_index(void)
{
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) {
        size_t h = rt_name_hash(specials[i].name, specials[i].len) & (SPECIAL_SLOTS - 1);
        while (special_slot[h])
            h = (h + 1) & (SPECIAL_SLOTS - 1);
        special_slot[h] = (unsigned char)(i + 1);
    }
    special_indexed = 1;
}

static const struct special *special(const unsigned char *name, size_t n)
{
    if (n < 2 || n > 8)
        return NULL; /* every name in specials[] is 2..8 bytes */
    if (special_indexed) {
        size_t h = rt_name_hash((const char *)name, n) & (SPECIAL_SLOTS - 1);
        for (; special_slot[h]; h = (h + 1) & (SPECIAL_SLOTS - 1)) {
            const struct special *s = &specials[special_slot[h] - 1];
            if (s->len == n && memcmp(s->name, name, n) == 0)
                return s;
        }
        return NULL;
    }
    for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) /* before the index exists */
        if (specials[i].len == n && memcmp(specials[i].name, name, n) == 0)
            return &specials[i];
    return NULL;
}

int rt_sh_is_shell(const unsigned char *name, size_t len)
{
    const struct special *s = special(name, len);
    return s && s->kind == K_SHELL;
}

static const unsigned char *txt(const sh_ctx *c, uint32_t t) { return c->n->scratch + c->n->tok[t].off; }

/* Is word t the static text s (n bytes; callers pass S("literal"))? */
static int is_static(const sh_ctx *c, uint32_t t, const char *s, size_t n)
{
    const rt_norm_tok *w = &c->n->tok[t];
    return !(w->flags & TF_DYN) && w->len == n && memcmp(c->n->scratch + w->off, s, n) == 0;
}

static int is_find_exec(const sh_ctx *c, uint32_t t)
{
    return is_static(c, t, S("-exec")) || is_static(c, t, S("-execdir")) || is_static(c, t, S("-ok")) ||
           is_static(c, t, S("-okdir"));
}

static int is_find_end(const sh_ctx *c, uint32_t t) { return is_static(c, t, S(";")) || is_static(c, t, S("+")); }

/* Stable partition of tok[t0..t1): tokens with (flags & mask) != 0 first when
 * set_first, else last.  In place: each token that moves down shifts the run
 * of others before it up by one, so a stage needs no scratch descriptors
 * (with a copy, words + items + copy had to fit RT_NORM_MAX_TOKS, which
 * refused simple commands of more than 341 words instead of 512). */
static uint32_t partition(sh_ctx *c, uint32_t t0, uint32_t t1, uint32_t mask, int set_first)
{
    rt_norm_tok *tk = c->n->tok;
    uint32_t k = t0;
    for (uint32_t j = t0; j < t1; j++) {
        if (((tk[j].flags & mask) != 0) != set_first)
            continue;
        if (j != k) {
            rt_norm_tok v = tk[j];
            memmove(&tk[k + 1], &tk[k], (j - k) * sizeof *tk);
            tk[k] = v;
        }
        k++;
    }
    return k - t0;
}

/* memcmp order of the bytes as emitted (SH_MARK is written "..."). */
static int emitted_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    size_t i = 0, j = 0, ia = 0, ib = 0, m = an < bn ? an : bn;
    /* The common prefix with no SH_MARK in it compares as it is. */
    while (i < m && a[i] == b[i] && a[i] != SH_MARK)
        i++;
    if (i == m)
        return (an > m) - (bn > m);
    if (a[i] != SH_MARK && b[i] != SH_MARK)
        return a[i] - b[i];
    j = i;
    for (;;) {
        int ea = i >= an, eb = j >= bn;
        if (ea || eb)
            return eb - ea;
        int x = a[i] == SH_MARK ? '.' : a[i], y = b[j] == SH_MARK ? '.' : b[j];
        if (x != y)
            return x - y;
        if (a[i] != SH_MARK || ++ia == 3)
            i++, ia = 0;
        if (b[j] != SH_MARK || ++ib == 3)
            j++, ib = 0;
    }
}

static void sort_flags(sh_ctx *c, uint32_t x0, uint32_t x1)
{
    rt_norm_tok *tk = c->n->tok;
    const unsigned char *s = c->n->scratch;
    for (uint32_t i = x0 + 1; i < x1; i++) { /* insertion sort: a stage has few flags */
        rt_norm_tok v = tk[i];
        uint32_t j = i;
        while (j > x0 && emitted_cmp(s + tk[j - 1].off, tk[j - 1].len, s + v.off, v.len) > 0) {
            tk[j] = tk[j - 1];
            j--;
        }
        tk[j] = v;
    }
}

/* Emit a token, lexically normalized first when it names a path. */
static void put_norm(sh_ctx *c, unsigned char kind, const unsigned char *t, size_t n)
{
    if (!rt_sh_argnorm_needed(t, n)) {
        rt_sh_put_tok(c, kind, t, n);
        return;
    }
    if (n > RT_NORM_SCRATCH - c->stop) {
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
        return;
    }
    unsigned char *o = c->n->scratch + c->stop;
    rt_sh_put_tok(c, kind, o, rt_sh_argnorm(t, n, o));
}

void rt_sh_emit_redirs(sh_ctx *c, uint32_t r0, uint32_t r1)
{
    for (uint32_t j = r0; j < r1 && !rt_sh_err(c); j++) {
        rt_norm_tok op = c->n->tok[j];
        if (!(op.flags & TF_REDIR))
            continue;
        if (j + 1 >= r1 || !(c->n->tok[j + 1].flags & TF_RTGT))
            continue;
        j++;
        if (op.flags & TF_HERESTR)
            continue; /* stdin text, not a file: judged only when a shell reads it */
        rt_sh_put_tok(c, RT_C_REDIR, c->n->scratch + op.off, op.len);
        put_norm(c, RT_C_RTGT, txt(c, j), c->n->tok[j].len);
    }
}

/* A flag item "NAME=VALUE" in scratch (VALUE path-normalized). */
static void push_flag_val(sh_ctx *c, const unsigned char *name, size_t nl, const unsigned char *v, size_t vl)
{
    uint32_t st = c->stop;
    unsigned char eq = '=';
    if (rt_sh_scratch_put(c, name, nl) < 0 || rt_sh_scratch_put(c, &eq, 1) < 0)
        return;
    if (rt_sh_pathlike(v, vl)) {
        if (vl > RT_NORM_SCRATCH - c->stop) {
            rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
            return;
        }
        c->stop += (uint32_t)rt_sh_pathnorm(v, vl, c->n->scratch + c->stop);
    } else if (rt_sh_scratch_put(c, v, vl) < 0) {
        return;
    }
    rt_sh_tok_push(c, st, c->stop - st, TF_FLAG);
}

typedef struct prog {
    const unsigned char *name; /* NULL: dynamic */
    size_t len;
    const rt_prog_opts *po;
    int find, noflags;
} prog;

/* Flags from words [f0, f1), args from the rest of it and from [f1, a1). */
static void collect_items(sh_ctx *c, const prog *pr, uint32_t f0, uint32_t f1, uint32_t a1)
{
    const rt_prog_opts *po = pr->po;
    int dd = 0, single = po && (po->flags & RT_OPT_LONG_SINGLE_DASH);
    for (uint32_t j = f0; j < f1 && !rt_sh_err(c); j++) {
        rt_norm_tok w = c->n->tok[j];
        const unsigned char *t = c->n->scratch + w.off;
        size_t n = w.len;
        if (pr->noflags || dd || n < 2 || t[0] != '-') {
            rt_sh_tok_push(c, w.off, w.len, 0);
            continue;
        }
        if (n == 2 && t[1] == '-' && !(w.flags & TF_DYN)) {
            dd = 1; /* "--" ends the options and is not itself emitted */
            continue;
        }
        if (w.flags & TF_DYN) {
            rt_sh_tok_push(c, w.off, w.len, TF_FLAG);
            continue;
        }
        if (t[1] == '-' || single) {
            const unsigned char *eq = memchr(t, '=', n);
            if (pr->find && is_find_exec(c, j)) {
                rt_sh_tok_push(c, w.off, w.len, TF_FLAG); /* its command is a unit of its own */
                uint32_t q = j + 1; /* -exec sudo rm: name rm (a wrapper with options stays) */
                while (q + 1 < f1 && !is_find_end(c, q + 1) && !(c->n->tok[q + 1].flags & TF_DYN) &&
                       c->n->tok[q + 1].len && txt(c, q + 1)[0] != '-' &&
                       (is_static(c, q, S("sudo")) || is_static(c, q, S("doas")) || is_static(c, q, S("nohup")) ||
                        is_static(c, q, S("nice")) || is_static(c, q, S("command")) || is_static(c, q, S("time"))))
                    q++;
                if (q < f1 && !is_find_end(c, q) && !(c->n->tok[q].flags & TF_DYN)) {
                    /* ... and named here too, "-exec=rm", so that a rule on
                     * find's own unit sees both the start points and what
                     * runs on everything under them */
                    const unsigned char *pn = txt(c, q);
                    size_t pl = c->n->tok[q].len, b;
                    while (pl > 1 && pn[pl - 1] == '/')
                        pl--;
                    for (b = pl; b > 0 && pn[b - 1] != '/'; b--)
                        ;
                    if (b < pl)
                        push_flag_val(c, t, n, pn + b, pl - b);
                }
                while (j + 1 < f1 && !is_find_end(c, j + 1))
                    j++;
                j++;
            } else if (eq) {
                push_flag_val(c, t, (size_t)(eq - t), eq + 1, n - (size_t)(eq - t) - 1);
            } else if (j + 1 < f1 && rt_opts_takes_value(po, (const char *)t, n)) {
                j++;
                push_flag_val(c, t, n, txt(c, j), c->n->tok[j].len);
            } else {
                rt_sh_tok_push(c, w.off, w.len, TF_FLAG);
            }
            continue;
        }
        for (size_t k = 1; k < n && !rt_sh_err(c); k++) { /* a cluster: -rf is -r -f */
            unsigned char o[2] = {'-', t[k]};
            int val = rt_opts_takes_value(po, (const char *)o, 2);
            if (rt_opts_attached_value(po, t[k]) && k + 1 < n) { /* mysql -pSECRET */
                push_flag_val(c, o, 2, t + k + 1, n - k - 1);
                break;
            }
            if (val && k + 1 < n) {
                push_flag_val(c, o, 2, t + k + 1, n - k - 1);
                break;
            }
            if (val && j + 1 < f1) {
                j++;
                push_flag_val(c, o, 2, txt(c, j), c->n->tok[j].len);
                break;
            }
            uint32_t st = c->stop; /* a plain flag, or one whose value is missing */
            if (rt_sh_scratch_put(c, o, 2) == 0)
                rt_sh_tok_push(c, st, 2, TF_FLAG);
            if (val)
                break;
        }
    }
    for (uint32_t j = f1; j < a1 && !rt_sh_err(c); j++)
        rt_sh_tok_push(c, c->n->tok[j].off, c->n->tok[j].len, 0);
}

static void emit_stage(sh_ctx *c, const prog *pr, uint32_t f0, uint32_t f1, uint32_t a1, uint32_t r0, uint32_t r1)
{
    uint32_t x0 = c->ntok, s0 = c->stop;
    if (pr->name) {
        rt_sh_put_tok(c, RT_C_CMD, pr->name, pr->len);
    } else {
        unsigned char d[2] = {RT_C_CMD, RT_C_DYN};
        rt_sh_put(c, d, 2);
    }
    collect_items(c, pr, f0, f1, a1);
    if (rt_sh_err(c))
        return;
    uint32_t nf = partition(c, x0, c->ntok, TF_FLAG, 1);
    sort_flags(c, x0, x0 + nf);
    const rt_norm_tok *tk = c->n->tok;
    const unsigned char *s = c->n->scratch;
    /* Args before flags (note [canonical form]): the subcommand in the first
     * arg splits the automaton into small branches before any flag is seen. */
    for (uint32_t j = x0 + nf; j < c->ntok; j++)
        put_norm(c, RT_C_ARG, s + tk[j].off, tk[j].len);
    for (uint32_t j = x0; j < x0 + nf; j++)
        if (j == x0 || emitted_cmp(s + tk[j - 1].off, tk[j - 1].len, s + tk[j].off, tk[j].len) != 0)
            rt_sh_put_tok(c, RT_C_FLAG, s + tk[j].off, tk[j].len);
    rt_sh_emit_redirs(c, r0, r1);
    unsigned char e = RT_C_END;
    rt_sh_put(c, &e, 1);
    c->ntok = x0;
    c->stop = s0;
}

typedef struct optval {
    int found;
    const unsigned char *val;
    size_t vlen;
} optval;

static int name_in(const unsigned char *t, size_t n, const char *const *l)
{
    for (; l && *l; l++)
        if (strlen(*l) == n && memcmp(*l, t, n) == 0)
            return 1;
    return 0;
}

/* Walk a command's options with its table from word j; returns the index of
 * its first operand.  Option `want` (or one of `wantl`) is reported in *ov. */
static uint32_t walk_opts(sh_ctx *c, const rt_prog_opts *po, uint32_t j, uint32_t w1, unsigned wflags, char want,
                          const char *const *wantl, int plus, optval *ov)
{
    while (j < w1) {
        rt_norm_tok w = c->n->tok[j];
        const unsigned char *t = c->n->scratch + w.off;
        size_t n = w.len;
        if (w.flags & TF_DYN)
            break;
        if ((wflags & W_ASSIGN) && (w.flags & TF_ASSIGN)) {
            j++;
            continue;
        }
        if (n == 2 && t[0] == '-' && t[1] == '-')
            return j + 1;
        if (n < 2 || !(t[0] == '-' || (plus && t[0] == '+')))
            break;
        j++;
        if (t[1] == '-') {
            const unsigned char *eq = memchr(t, '=', n);
            size_t nl = eq ? (size_t)(eq - t) : n;
            int wanted = name_in(t, nl, wantl);
            if (eq) {
                if (wanted)
                    ov->found = 1, ov->val = eq + 1, ov->vlen = n - nl - 1;
            } else if (rt_opts_takes_value(po, (const char *)t, n) && j < w1) {
                if (wanted)
                    ov->found = 1, ov->val = txt(c, j), ov->vlen = c->n->tok[j].len;
                j++;
            } else if (wanted) {
                ov->found = 1;
            }
            continue;
        }
        for (size_t k = 1; k < n; k++) {
            const char o[2] = {'-', (char)t[k]};
            int wanted = want && t[k] == (unsigned char)want;
            if (rt_opts_attached_value(po, t[k])) { /* -pSECRET: the rest, never the next word */
                if (wanted)
                    ov->found = 1, ov->val = k + 1 < n ? t + k + 1 : NULL, ov->vlen = k + 1 < n ? n - k - 1 : 0;
                break;
            }
            if (rt_opts_takes_value(po, o, 2)) {
                const unsigned char *v = NULL;
                size_t vl = 0;
                if (k + 1 < n) {
                    v = t + k + 1, vl = n - k - 1;
                } else if (j < w1) {
                    v = txt(c, j), vl = c->n->tok[j].len;
                    j++;
                }
                if (wanted)
                    ov->found = 1, ov->val = v, ov->vlen = vl;
                break;
            }
            if (wanted)
                ov->found = 1;
        }
    }
    return j;
}

/* A command string (bash -c, eval, ssh, watch): judged as commands. */
static void parse_text(sh_ctx *c, sh_par *p, const unsigned char *t, size_t n, int keep_self)
{
    size_t pos = 0;
    rt_sh_parse_sub(c, p, t, n, &pos, TERM_EOF, 1, 0, keep_self ? p->self : NULL, keep_self ? p->selflen : 0);
}

/* Words joined by single spaces, as eval / ssh / watch hand them to a shell. */
static void parse_joined(sh_ctx *c, sh_par *p, const unsigned char *pre, size_t pl, uint32_t j0, uint32_t j1,
                         int keep_self)
{
    uint32_t st = c->stop;
    const unsigned char sp = ' ';
    if (pre && rt_sh_scratch_put(c, pre, pl) == 0 && j0 < j1)
        rt_sh_scratch_put(c, &sp, 1);
    for (uint32_t j = j0; j < j1 && !rt_sh_err(c); j++) {
        rt_sh_scratch_put(c, txt(c, j), c->n->tok[j].len);
        if (j + 1 < j1)
            rt_sh_scratch_put(c, &sp, 1);
    }
    if (!rt_sh_err(c))
        parse_text(c, p, c->n->scratch + st, c->stop - st, keep_self);
    c->stop = st;
}

static int do_cmd(sh_ctx *c, sh_par *p, uint32_t w0, uint32_t w1, uint32_t r0, uint32_t r1);

/* Words [j0, j1) as a one-stage pipeline of their own (xargs, find -exec). */
static void unit_from_words(sh_ctx *c, sh_par *p, uint32_t j0, uint32_t j1)
{
    if (rt_sh_depth_in(c, p) < 0)
        return;
    int lev = rt_sh_level_push(c);
    if (lev >= 0) {
        do_cmd(c, p, j0, j1, 0, 0);
        rt_sh_pipe_finish(c, lev);
        rt_sh_level_pop(c);
    }
    rt_sh_depth_out(c);
}

/* xargs's command, words [j0, j1).  When its input is a here-string whose
 * text is known (xargs rm -rf <<< /), the blank-separated words of that text
 * are the operands xargs appends: the unit is the command with them
 * (rm -f -r :: /).  With -I the words replace a placeholder instead; the
 * placeholder stays and the words are appended, which can only add operands. */
static void xargs_unit(sh_ctx *c, sh_par *p, uint32_t j0, uint32_t j1, uint32_t r0, uint32_t r1)
{
    uint32_t hs = 0;
    for (uint32_t k = r0; k + 1 < r1; k++)
        if ((c->n->tok[k].flags & TF_HERESTR) && (c->n->tok[k + 1].flags & TF_RTGT) &&
            !(c->n->tok[k + 1].flags & TF_DYN))
            hs = k + 1; /* the last one is stdin */
    if (!hs) {
        unit_from_words(c, p, j0, j1);
        return;
    }
    uint32_t top = c->ntok;
    for (uint32_t k = j0; k < j1 && !rt_sh_err(c); k++)
        rt_sh_tok_push(c, c->n->tok[k].off, c->n->tok[k].len, c->n->tok[k].flags);
    rt_norm_tok h = c->n->tok[hs];
    const unsigned char *s = c->n->scratch + h.off;
    for (uint32_t i = 0; i < h.len && !rt_sh_err(c);) {
        while (i < h.len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
            i++;
        uint32_t b = i;
        while (i < h.len && s[i] != ' ' && s[i] != '\t' && s[i] != '\n')
            i++;
        if (i > b)
            rt_sh_tok_push(c, h.off + b, i - b, 0);
    }
    if (!rt_sh_err(c) && c->ntok - top > RT_NORM_STAGE_TOKS)
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, NULL);
    if (!rt_sh_err(c))
        unit_from_words(c, p, top, c->ntok);
    c->ntok = top;
}

static void dyn_unit(sh_ctx *c)
{
    size_t s = c->n->len;
    unsigned char d[3] = {RT_C_CMD, RT_C_DYN, RT_C_END};
    if (rt_sh_put(c, d, 3) == 0)
        rt_sh_side_commit(c, s);
}

/* Emit the command at words [w0, w1) (w0 is its program) into the current
 * pipeline, plus any units it implies.  Returns 1 when the program is a shell. */
static int do_cmd(sh_ctx *c, sh_par *p, uint32_t w0, uint32_t w1, uint32_t r0, uint32_t r1)
{
    static const char *const cmd_long[] = {"--command", NULL};
    static const char *const su_long[] = {"--command", "--session-command", NULL};
    static const char *const env_long[] = {"--split-string", NULL};
    rt_norm_tok w = c->n->tok[w0];
    const unsigned char *t = c->n->scratch + w.off;
    prog pr = {NULL, 0, NULL, 0, 0};
    const struct special *sp = NULL;
    if (!(w.flags & TF_DYN)) {
        size_t n = w.len, b;
        while (n > 1 && t[n - 1] == '/')
            n--;
        for (b = n; b > 0 && t[b - 1] != '/'; b--)
            ;
        if (b == n && n > 0) /* "/" itself */
            b = n - 1;
        pr.name = t + b;
        pr.len = n - b;
        if (p->self && w.len == p->selflen && memcmp(t, p->self, w.len) == 0) {
            pr.name = (const unsigned char *)RT_SELF_PROG;
            pr.len = strlen(RT_SELF_PROG);
        } else {
            pr.po = rt_opts_find((const char *)pr.name, pr.len);
            sp = special(pr.name, pr.len);
        }
        pr.noflags = pr.po && (pr.po->flags & RT_OPT_NO_FLAGS);
        pr.find = sp && sp->kind == K_FIND;
    }
    int kind = sp ? sp->kind : K_NONE;
    optval ov = {0, NULL, 0};
    uint32_t j;
    switch (kind) {
    case K_WRAP:
        j = walk_opts(c, pr.po, w0 + 1, w1, sp->wflags, (sp->wflags & W_ENV_S) ? 'S' : (sp->wflags & W_CMDV) ? 'v' : 0,
                      (sp->wflags & W_ENV_S) ? env_long : NULL, 0, &ov);
        if ((sp->wflags & W_POS1) && j < w1)
            j++;
        if ((sp->wflags & W_CMDV) && ov.found)
            j = w1; /* command -v NAME runs nothing */
        if ((sp->wflags & W_ENV_S) && ov.found && ov.val) {
            emit_stage(c, &pr, w0 + 1, w1, w1, r0, r1);
            parse_joined(c, p, ov.val, ov.vlen, j, w1, 0);
            return 0;
        }
        if (j >= w1)
            break;
        if (rt_sh_depth_in(c, p) < 0)
            return 0;
        {
            size_t s = c->n->len; /* the wrapper itself, as a unit of its own */
            emit_stage(c, &pr, w0 + 1, j, w1, 0, 0);
            rt_sh_side_commit(c, s);
        }
        int r = do_cmd(c, p, j, w1, r0, r1);
        rt_sh_depth_out(c);
        return r;
    case K_WATCH:
        j = walk_opts(c, pr.po, w0 + 1, w1, 0, 0, NULL, 0, &ov);
        emit_stage(c, &pr, w0 + 1, j, w1, r0, r1);
        if (j < w1)
            parse_joined(c, p, NULL, 0, j, w1, 0);
        return 0;
    case K_XARGS:
        j = walk_opts(c, pr.po, w0 + 1, w1, 0, 0, NULL, 0, &ov);
        emit_stage(c, &pr, w0 + 1, j, w1, r0, r1);
        if (j < w1)
            xargs_unit(c, p, j, w1, r0, r1);
        return 0;
    case K_SHELL:
    case K_SU:
        emit_stage(c, &pr, w0 + 1, w1, w1, r0, r1);
        j = walk_opts(c, pr.po, w0 + 1, w1, 0, 'c', kind == K_SU ? su_long : cmd_long, kind == K_SHELL, &ov);
        if (ov.found && ov.val)
            parse_text(c, p, ov.val, ov.vlen, 0);
        else if (ov.found && j < w1)
            parse_text(c, p, txt(c, j), c->n->tok[j].len, 0);
        if (kind == K_SHELL) /* a here-string fed to a shell is a script */
            for (uint32_t k = r0; k + 1 < r1; k++)
                if ((c->n->tok[k].flags & TF_HERESTR) && (c->n->tok[k + 1].flags & TF_RTGT))
                    parse_text(c, p, txt(c, k + 1), c->n->tok[k + 1].len, 0);
        return kind == K_SHELL;
    case K_EVAL:
        pr.noflags = 1;
        emit_stage(c, &pr, w0 + 1, w1, w1, r0, r1);
        parse_joined(c, p, NULL, 0, w0 + 1, w1, 1);
        /* eval of run-time text: what it runs is unknown.  When the first
         * word is itself dynamic the string's own unit already says so. */
        if (w0 + 1 < w1 && !(c->n->tok[w0 + 1].flags & TF_DYN))
            for (j = w0 + 2; j < w1; j++)
                if (c->n->tok[j].flags & TF_DYN) {
                    dyn_unit(c);
                    break;
                }
        return 0;
    case K_FIND:
        emit_stage(c, &pr, w0 + 1, w1, w1, r0, r1);
        for (j = w0 + 1; j < w1 && !rt_sh_err(c); j++) {
            if (!is_find_exec(c, j))
                continue;
            uint32_t a = j + 1, b = a;
            while (b < w1 && !is_find_end(c, b))
                b++;
            if (b > a)
                unit_from_words(c, p, a, b);
            j = b;
        }
        return 0;
    case K_SSH:
        /* After the host comes the remote command line: args here (its
         * flags are not ssh's), judged as commands of their own. */
        j = walk_opts(c, pr.po, w0 + 1, w1, 0, 0, NULL, 0, &ov);
        emit_stage(c, &pr, w0 + 1, j < w1 ? j + 1 : w1, w1, r0, r1);
        if (j + 1 < w1)
            parse_joined(c, p, NULL, 0, j + 1, w1, 0);
        return 0;
    default:
        break;
    }
    emit_stage(c, &pr, w0 + 1, w1, w1, r0, r1);
    return 0;
}

int rt_sh_cmd(sh_ctx *c, sh_par *p, uint32_t t0, uint32_t t1, int *emitted)
{
    *emitted = 0;
    uint32_t nw = partition(c, t0, t1, TF_REDIR | TF_RTGT, 0);
    if (rt_sh_err(c))
        return 0;
    uint32_t w1 = t0 + nw, a = t0;
    while (a < w1 && (c->n->tok[a].flags & TF_ASSIGN))
        a++; /* FOO=1 cmd: the assignments are no part of the command */
    if (a == w1) {
        /* No program: "> /etc/passwd" still truncates a file; assignments
         * alone do nothing worth a rule. */
        int any = 0;
        for (uint32_t r = w1; r < t1; r++)
            if ((c->n->tok[r].flags & TF_REDIR) && !(c->n->tok[r].flags & TF_HERESTR) && r + 1 < t1)
                any = 1;
        if (!any)
            return 0;
        unsigned char e = RT_C_END;
        rt_sh_put_tok(c, RT_C_CMD, (const unsigned char *)"", 0);
        rt_sh_emit_redirs(c, w1, t1);
        rt_sh_put(c, &e, 1);
        *emitted = 1;
        return 0;
    }
    *emitted = 1;
    return do_cmd(c, p, a, w1, w1, t1);
}
