/* shell_parse.c — the shell normalizer's grammar above words: lists (; && ||
 * & newline), pipelines (| |&), subshells and groups, if/while/until/for/
 * case read flat (their keywords only separate commands), function
 * definitions (the body is judged, self-calls become RT_SELF_PROG), and the
 * nested levels for $( ), backticks and strings handed over by shell_cmd.c.
 * Each simple command goes to rt_sh_cmd(). */
#include <string.h>

#include "shell_int.h"

static int parse_list_x(sh_ctx *c, sh_par *p, int inline_ok);

static size_t where(const sh_ctx *c, const sh_par *p)
{
    uintptr_t s = (uintptr_t)p->s, b = (uintptr_t)c->in;
    if (c->in && s >= b && s <= b + c->inlen)
        return (size_t)(s - b) + (p->i < p->n ? p->i : p->n);
    return p->base;
}

int rt_sh_parse_sub(sh_ctx *c, const sh_par *parent, const unsigned char *s, size_t n, size_t *pos, int term,
                    int synth, int inline_ok, const unsigned char *self, size_t selflen)
{
    if (rt_sh_depth_in(c, parent) < 0) {
        *pos = n;
        return 0;
    }
    sh_par q;
    memset(&q, 0, offsetof(sh_par, hd)); /* hd[] is only read below nhd */
    q.s = s;
    q.n = n;
    q.i = *pos;
    q.base = parent ? where(c, parent) : 0;
    q.synth = synth;
    q.term = term;
    q.self = self;
    q.selflen = selflen;
    q.last_shell = -1;
    int r = 0;
    q.lev = rt_sh_level_push(c);
    if (q.lev >= 0) {
        r = parse_list_x(c, &q, inline_ok);
        rt_sh_level_pop(c);
    }
    rt_sh_depth_out(c);
    *pos = q.i;
    return r;
}

void rt_sh_parse_list(sh_ctx *c, sh_par *p) { parse_list_x(c, p, 0); }

/* A reserved word at p->i: plain bytes up to a metacharacter. */
static size_t peek_kw(const sh_par *p, char kw[12])
{
    size_t k = 0;
    int b;
    while ((b = rt_sh_at(p, k)) >= 0 && !rt_sh_is_meta(b)) {
        if (k >= 10 || b == '\'' || b == '"' || b == '\\' || b == '$' || b == '`')
            return 0;
        kw[k++] = (char)b;
    }
    kw[k] = '\0';
    return k;
}

/* Is kw[0..kl) the reserved word s (a literal)?  Lengths first; the
 * fixed-size memcmp compiles inline. */
#define KW(s) (kl == sizeof s - 1 && memcmp(kw, s, sizeof s - 1) == 0)

static void skip_newlines(sh_ctx *c, sh_par *p)
{
    for (;;) {
        rt_sh_skip_blanks(p);
        if (rt_sh_at(p, 0) != '\n' || rt_sh_err(c))
            return;
        p->i++;
        rt_sh_read_heredocs(c, p);
    }
}

static int word_start(const sh_par *p)
{
    int b = rt_sh_at(p, 0);
    return b >= 0 && (!rt_sh_is_meta(b) || ((b == '<' || b == '>') && rt_sh_at(p, 1) == '('));
}

/* Words and redirections after a compound command ("done < list",
 * "} > log"): lexed, so that substitutions in them are judged, and appended
 * to the compound's stage when it was inlined; then the separator. */
static int compound_tail(sh_ctx *c, sh_par *p, int inlined)
{
    uint32_t t0 = c->ntok, s0 = c->stop;
    for (;;) {
        rt_sh_skip_blanks(p);
        if (rt_sh_err(c) || c->ntok - t0 > RT_NORM_STAGE_TOKS)
            break;
        if (rt_sh_redir_start(p))
            rt_sh_lex_redir(c, p, p->nstages ? p->nstages - 1 : 0);
        else if (word_start(p) || rt_sh_at(p, 0) == '(')
            rt_sh_lex_word(c, p);
        else
            break;
    }
    if (c->ntok - t0 > RT_NORM_STAGE_TOKS)
        rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, p);
    if (inlined && !rt_sh_err(c) && c->ntok > t0 && c->n->len > 0 && c->n->buf[c->n->len - 1] == RT_C_END) {
        unsigned char end = RT_C_END;
        c->n->len--;
        rt_sh_emit_redirs(c, t0, c->ntok);
        rt_sh_put(c, &end, 1);
    }
    c->ntok = t0;
    c->stop = s0;
    return rt_sh_err(c) ? T_EOF : rt_sh_read_sep(c, p);
}

/* ( list ) or { list; } as a pipeline stage: its commands are units of
 * their own, unless it holds exactly one simple command, which then stands
 * in the pipeline itself ("curl x | (bash)" is "curl x | bash"). */
static int group(sh_ctx *c, sh_par *p, int term)
{
    size_t pos = p->i;
    int r = rt_sh_parse_sub(c, p, p->s, p->n, &pos, term, p->synth, 1, p->self, p->selflen);
    p->i = pos;
    if (r)
        p->nstages++;
    return compound_tail(c, p, r);
}

/* The body of function NAME: judged like any command, with calls of NAME
 * inside it named RT_SELF_PROG. */
static int func_body(sh_ctx *c, sh_par *p, const unsigned char *name, size_t nlen)
{
    char kw[12];
    skip_newlines(c, p);
    size_t kl = peek_kw(p, kw);
    int term = -1;
    if (kl == 1 && kw[0] == '{')
        term = TERM_BRACE;
    else if (rt_sh_at(p, 0) == '(')
        term = TERM_PAREN;
    if (term < 0)
        return T_SEMI; /* "f() if ...; fi": read on as ordinary commands */
    p->i++;
    size_t pos = p->i;
    rt_sh_parse_sub(c, p, p->s, p->n, &pos, term, p->synth, 0, name, nlen);
    p->i = pos;
    return compound_tail(c, p, 0);
}

/* "(" blanks ")" after a word: a function definition. */
static int empty_parens(sh_par *p, int consume)
{
    size_t k = 1;
    int b;
    if (rt_sh_at(p, 0) != '(')
        return 0;
    while ((b = rt_sh_at(p, k)) == ' ' || b == '\t')
        k++;
    if (b != ')')
        return 0;
    if (consume)
        p->i += k + 1;
    return 1;
}

static int function_kw(sh_ctx *c, sh_par *p)
{
    uint32_t t0 = c->ntok, s0 = c->stop;
    rt_sh_skip_blanks(p);
    if (!word_start(p))
        return compound_tail(c, p, 0);
    int t = rt_sh_lex_word(c, p);
    if (t < 0)
        return rt_sh_err(c) ? T_EOF : compound_tail(c, p, 0);
    rt_sh_skip_blanks(p);
    empty_parens(p, 1);
    rt_norm_tok w = c->n->tok[t];
    int sep = func_body(c, p, c->n->scratch + w.off, w.len);
    c->ntok = t0;
    c->stop = s0;
    return sep;
}

/* Case patterns "a|b)" (after "in" or ";;"); 1 when "esac" ended the case. */
static int case_pattern(sh_ctx *c, sh_par *p)
{
    char kw[12];
    uint32_t t0 = c->ntok, s0 = c->stop;
    if (peek_kw(p, kw) == 4 && strcmp(kw, "esac") == 0) {
        p->i += 4;
        p->case_depth--;
        p->case_pat = 0;
        return 1;
    }
    if (rt_sh_at(p, 0) == '(')
        p->i++;
    for (;;) {
        rt_sh_skip_blanks(p);
        int b = rt_sh_at(p, 0);
        if (b < 0 || rt_sh_err(c))
            break;
        if (b == ')') {
            p->i++;
            break;
        }
        if (word_start(p))
            rt_sh_lex_word(c, p); /* substitutions in patterns run too */
        else
            p->i++;
        c->ntok = t0;
        c->stop = s0;
    }
    p->case_pat = 0;
    return 0;
}

static int for_head(sh_ctx *c, sh_par *p)
{
    rt_sh_skip_blanks(p);
    if (rt_sh_at(p, 0) == '(' && rt_sh_at(p, 1) == '(')
        rt_sh_skip_arith(c, p);
    return compound_tail(c, p, 0); /* NAME [in words...] */
}

static void case_head(sh_ctx *c, sh_par *p)
{
    char kw[12];
    uint32_t t0 = c->ntok, s0 = c->stop;
    rt_sh_skip_blanks(p);
    if (word_start(p))
        rt_sh_lex_word(c, p);
    c->ntok = t0;
    c->stop = s0;
    skip_newlines(c, p);
    if (peek_kw(p, kw) == 2 && strcmp(kw, "in") == 0)
        p->i += 2;
    p->case_depth++;
    p->case_pat = 1;
}

static int simple(sh_ctx *c, sh_par *p)
{
    uint32_t t0 = c->ntok, s0 = c->stop;
    int sep = T_EOF;
    for (;;) {
        if (rt_sh_err(c))
            break;
        if (c->ntok - t0 > RT_NORM_STAGE_TOKS) {
            rt_sh_fail(c, CMDAI_E_TOO_COMPLEX, p);
            break;
        }
        rt_sh_skip_blanks(p);
        int b = rt_sh_at(p, 0);
        if (b < 0) {
            sep = T_EOF;
            break;
        }
        if (rt_sh_redir_start(p)) {
            rt_sh_lex_redir(c, p, p->nstages);
            continue;
        }
        if (b == '(') {
            if (c->ntok == t0 + 1 && !(c->n->tok[t0].flags & (TF_REDIR | TF_RTGT)) && empty_parens(p, 1)) {
                rt_norm_tok w = c->n->tok[t0];
                sep = func_body(c, p, c->n->scratch + w.off, w.len);
                c->ntok = t0;
                c->stop = s0;
                return sep;
            }
            rt_sh_lex_word(c, p);
            continue;
        }
        if (!word_start(p)) {
            sep = rt_sh_read_sep(c, p);
            break;
        }
        rt_sh_lex_word(c, p);
    }
    if (!rt_sh_err(c) && c->ntok > t0) {
        int emitted = 0;
        int sh = rt_sh_cmd(c, p, t0, c->ntok, &emitted);
        if (emitted) {
            if (sh)
                p->last_shell = (int)p->nstages;
            p->nstages++;
        }
    }
    c->ntok = t0;
    c->stop = s0;
    return rt_sh_err(c) ? T_EOF : sep;
}

static int parse_stage(sh_ctx *c, sh_par *p)
{
    char kw[12];
    for (;;) {
        if (rt_sh_err(c))
            return T_EOF;
        skip_newlines(c, p);
        if (rt_sh_at(p, 0) < 0)
            return T_EOF;
        if (p->case_pat) {
            if (case_pattern(c, p))
                return compound_tail(c, p, 0);
            continue;
        }
        size_t kl = peek_kw(p, kw);
        if (kl && kl <= 8) { /* "function" is the longest */
            if (KW("!") || KW("if") || KW("then") || KW("elif") || KW("else") || KW("do") || KW("while") ||
                KW("until")) {
                p->i += kl;
                continue;
            }
            if (KW("fi") || KW("done") || KW("esac")) {
                p->i += kl;
                if (kw[0] == 'e' && p->case_depth > 0)
                    p->case_depth--;
                return compound_tail(c, p, 0);
            }
            if (KW("}")) {
                p->i += kl;
                if (p->term == TERM_BRACE)
                    return T_RBRACE;
                continue; /* stray: judge what follows rather than drop it */
            }
            if (KW("{")) {
                p->i += kl;
                return group(c, p, TERM_BRACE);
            }
            if (KW("for") || KW("select")) {
                p->i += kl;
                return for_head(c, p);
            }
            if (KW("case")) {
                p->i += kl;
                case_head(c, p);
                continue;
            }
            if (KW("function")) {
                p->i += kl;
                return function_kw(c, p);
            }
            if (KW("coproc")) {
                p->i += kl;
                rt_sh_skip_blanks(p);
                size_t k = peek_kw(p, kw), j = k;
                while (k && (rt_sh_at(p, j) == ' ' || rt_sh_at(p, j) == '\t'))
                    j++;
                if (k && j > k && (rt_sh_at(p, j) == '{' || rt_sh_at(p, j) == '('))
                    p->i += k; /* "coproc NAME { ...; }": NAME is no command */
                continue;
            }
        }
        if (rt_sh_at(p, 0) == '(') {
            if (rt_sh_at(p, 1) == '(') {
                rt_sh_skip_arith(c, p);
                return compound_tail(c, p, 0);
            }
            p->i++;
            return group(c, p, TERM_PAREN);
        }
        return simple(c, p);
    }
}

static int parse_pipeline(sh_ctx *c, sh_par *p)
{
    int hd0 = p->nhd, sep;
    p->nstages = 0;
    p->last_shell = -1;
    for (;;) {
        sep = parse_stage(c, p);
        if (rt_sh_err(c))
            return T_EOF;
        if (sep != T_PIPE)
            break;
    }
    /* A heredoc read by a shell, or by a stage piped into one, is a script. */
    for (int h = hd0; h < p->nhd; h++)
        if (p->last_shell >= (int)p->hd[h].stage)
            p->hd[h].shell = 1;
    if (sep == T_NL)
        rt_sh_read_heredocs(c, p);
    if (sep == T_DSEMI && p->case_depth > 0)
        p->case_pat = 1;
    return sep;
}

/* After the first pipeline of an inline-able group: is that all there is? */
static int ends_here(sh_par *p, int sep)
{
    if (sep == T_EOF)
        return 1;
    if (sep == T_RPAREN)
        return p->term == TERM_PAREN;
    if (sep == T_RBRACE)
        return p->term == TERM_BRACE;
    if ((sep != T_SEMI && sep != T_NL && sep != T_AMP) || p->nhd)
        return 0;
    size_t save = p->i;
    for (;;) {
        rt_sh_skip_blanks(p);
        if (rt_sh_at(p, 0) != '\n')
            break;
        p->i++;
    }
    int b = rt_sh_at(p, 0), nb = rt_sh_at(p, 1);
    if (b < 0)
        return 1;
    if ((b == ')' && p->term == TERM_PAREN) ||
        (b == '}' && p->term == TERM_BRACE && (nb < 0 || rt_sh_is_meta(nb)))) {
        p->i++;
        return 1;
    }
    p->i = save;
    return 0;
}

static int parse_list_x(sh_ctx *c, sh_par *p, int inline_ok)
{
    int npipes = 0;
    for (;;) {
        if (rt_sh_err(c))
            return 0;
        size_t i0 = p->i;
        rt_sh_pipe_begin(c, p->lev);
        int sep = parse_pipeline(c, p);
        if (rt_sh_err(c))
            return 0;
        if (inline_ok && npipes == 0 && p->nstages == 1 && ends_here(p, sep))
            return 1; /* the stage stays in buf for the enclosing pipeline */
        rt_sh_pipe_finish(c, p->lev);
        if (p->nstages)
            npipes++;
        if (sep == T_EOF || (sep == T_RPAREN && p->term == TERM_PAREN) || (sep == T_RBRACE && p->term == TERM_BRACE))
            return 0;
        if (p->i == i0) /* cannot happen: every separator consumes a byte */
            p->i++;
    }
}
