/* parse.c — parse_pattern(): drives the DSL lexer (grammar/dsl_lex.re) and
 * the lemon parser (grammar/dsl.y) over one pattern string, and holds the
 * grammar's action helpers and its syntax-error messages.  Everything is
 * allocated in the caller's arena; the first error wins (diag.h). */
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "dsl.h"
#include "parse.h"

static void parse_err_at(parse_state *ps, int code, const lex_token *t, const char *msg, const char *hint)
{
    lex_error(ps->lex, code, t->line, t->column, "%s", msg);
    if (hint)
        diag_hint(ps->lex->d, "%s", hint);
}

static int parse_failed(const parse_state *ps)
{
    return ps->lex->d->code != CMDAI_OK;
}

static ast_node *parse_node(parse_state *ps, ast_kind k, int line, int column)
{
    ast_node *n = arena_alloc(ps->lex->a, sizeof *n);
    n->kind = k;
    n->line = line;
    n->column = column;
    return n;
}

static parse_expr parse_deep(parse_state *ps, const lex_token *op, parse_expr e)
{
    if (e.depth > PARSE_MAX_DEPTH && !parse_failed(ps)) {
        lex_error(ps->lex, CMDAI_E_TOO_DEEP, op->line, op->column,
                  "pattern nested more than %d operators deep", PARSE_MAX_DEPTH);
        diag_hint(ps->lex->d, "split the rule, or use a list (@name) or alternatives {a,b} instead of long or-chains");
    }
    return e;
}

parse_expr parse_binary(parse_state *ps, ast_kind k, parse_expr l, parse_expr r, const lex_token *op)
{
    parse_expr e;
    e.n = parse_node(ps, k, op->line, op->column);
    e.n->a = l.n;
    e.n->b = r.n;
    e.depth = 1 + (l.depth > r.depth ? l.depth : r.depth);
    return parse_deep(ps, op, e);
}

parse_expr parse_unary_not(parse_state *ps, parse_expr x, const lex_token *op)
{
    parse_expr e;
    e.n = parse_node(ps, AST_NOT, op->line, op->column);
    e.n->a = x.n;
    e.depth = 1 + x.depth;
    return parse_deep(ps, op, e);
}

parse_expr parse_from_cmd(parse_state *ps, parse_cmd c)
{
    (void)ps;
    parse_expr e = {c.n, 0}; /* depth counts operators only */
    return e;
}

parse_cmd parse_cmd_start(parse_state *ps, const lex_token *w)
{
    parse_cmd c = {NULL, 4, 0};
    c.n = parse_node(ps, AST_CMD, w->line, w->column);
    c.n->words = arena_array(ps->lex->a, c.wcap, sizeof *c.n->words);
    if (w->word->kind == AST_W_ANY || w->word->kind == AST_W_EOL)
        parse_err_at(ps, CMDAI_E_SYNTAX, w,
                     w->word->kind == AST_W_ANY ? "a command must start with its program, not '...'"
                                                : "a command must start with its program, not '$'",
                     "use * to match any program");
    c.n->words[c.n->nwords++] = w->word;
    return c;
}

parse_cmd parse_cmd_word(parse_state *ps, parse_cmd c, const lex_token *w)
{
    ast_node *n = c.n;
    if (n->words[n->nwords - 1]->kind == AST_W_EOL) {
        const ast_word *eol = n->words[n->nwords - 1];
        lex_error(ps->lex, CMDAI_E_SYNTAX, eol->line, eol->column, "'$' must be the last word of a command");
        diag_hint(ps->lex->d, "move '$' to the end, or quote \"$\" to match a literal dollar sign");
    }
    if (n->nwords == c.wcap) {
        n->words = arena_grow(ps->lex->a, n->words, n->nwords, 2 * c.wcap, sizeof *n->words);
        c.wcap *= 2;
    }
    n->words[n->nwords++] = w->word;
    return c;
}

parse_cmd parse_cmd_redir(parse_state *ps, parse_cmd c, const lex_token *r)
{
    ast_node *n = c.n;
    if (n->nredirs == c.rcap) {
        size_t ncap = c.rcap ? 2 * c.rcap : 2;
        n->redirs = arena_grow(ps->lex->a, n->redirs, n->nredirs, ncap, sizeof *n->redirs);
        c.rcap = ncap;
    }
    ast_redir *rd = arena_alloc(ps->lex->a, sizeof *rd);
    rd->op = r->op;
    rd->target = r->word;
    rd->line = r->line;
    rd->column = r->column;
    n->redirs[n->nredirs++] = rd;
    return c;
}

static int parse_is_binop(int k)
{
    return k == DSL_AND || k == DSL_OR || k == DSL_UNLESS || k == DSL_PIPE;
}

static int parse_is_op(int k)
{
    return parse_is_binop(k) || k == DSL_NOT;
}

static const char *parse_quote_hint(arena *a, const lex_token *t)
{
    return arena_printf(a, "write \"%.*s\" in quotes to match it as a word", (int)strlen(t->text) - 2,
                        t->text + 1);
}

void parse_syntax_error(parse_state *ps, int major, const lex_token *t)
{
    const lex_token *p = ps->prev;
    const lex_token *c = t ? t : ps->cur;
    arena *a = ps->lex->a;
    if (parse_failed(ps) || !c)
        return;
    if (p && parse_is_op(p->kind) && (major == 0 || major == DSL_RPAREN || parse_is_binop(major))) {
        parse_err_at(ps, CMDAI_E_SYNTAX, p, arena_printf(a, "missing operand after %s", p->text),
                     p->kind == DSL_PIPE ? "write the command that reads the pipe after it"
                                         : arena_printf(a, "write a pattern after it, or %s", parse_quote_hint(a, p)));
        return;
    }
    if (major == 0 && p && p->kind == DSL_LPAREN) {
        parse_err_at(ps, CMDAI_E_SYNTAX, p, "missing pattern after '('", "write a pattern and a closing ')'");
        return;
    }
    if (major == DSL_RPAREN && p && p->kind == DSL_LPAREN) {
        parse_err_at(ps, CMDAI_E_SYNTAX, p, "empty parentheses", "write a pattern inside ( )");
        return;
    }
    if (parse_is_binop(major) && (!p || p->kind == DSL_LPAREN)) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, arena_printf(a, "missing operand before %s", c->text),
                     parse_quote_hint(a, c));
        return;
    }
    if (major == DSL_REDIR) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, "a redirection must follow a command's program word",
                     "write the command first, e.g. cmd > target");
        return;
    }
    if (major == DSL_NOT && p && (p->kind == DSL_WORD || p->kind == DSL_REDIR || p->kind == DSL_RPAREN)) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, "'not' cannot follow a command",
                     "write P and not Q, or \"not\" in quotes to match the word");
        return;
    }
    if (p && p->kind == DSL_RPAREN && (major == DSL_WORD || major == DSL_LPAREN)) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, arena_printf(a, "missing operator before %s", c->text),
                     "join patterns with and, or, unless or |");
        return;
    }
    if (major == DSL_LPAREN) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, "unexpected '(' inside a command",
                     "parentheses group patterns; write \"(\" in quotes to match a literal '('");
        return;
    }
    if (major == 0) {
        parse_err_at(ps, CMDAI_E_SYNTAX, c, "unexpected end of pattern", NULL);
        return;
    }
    parse_err_at(ps, CMDAI_E_SYNTAX, c, arena_printf(a, "unexpected %s", c->text), NULL);
}

void parse_stack_overflow(parse_state *ps)
{
    const lex_token *c = ps->cur;
    if (parse_failed(ps))
        return;
    lex_error(ps->lex, CMDAI_E_TOO_DEEP, c ? c->line : 1, c ? c->column : 1, "pattern nested too deeply");
    diag_hint(ps->lex->d, "split the rule into simpler patterns");
}

/* Feed one token; returns -1 once an error is recorded. */
static int parse_feed(parse_state *ps, void *lp, lex_token *t)
{
    ps->cur = t;
    parse_lemon(lp, t->kind, t);
    ps->prev = t;
    return parse_failed(ps) ? -1 : 0;
}

static int parse_nul_check(lex_state *L, const char *src, size_t len)
{
    const char *z = memchr(src, '\0', len);
    if (!z)
        return 0;
    int line = 1, col = 1;
    for (const char *p = src; p < z; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    lex_error(L, CMDAI_E_SYNTAX, line, col, "NUL byte in pattern");
    return -1;
}

ast_node *parse_pattern(arena *a, const char *src, size_t len, const char *file, int line0, int col0,
                        diag *d)
{
    lex_state L;
    if (!src)
        len = 0;
    if (len > PARSE_MAX_PATTERN) {
        diag_set(d, CMDAI_E_TOO_LONG, file, line0, col0, "pattern longer than %u bytes", PARSE_MAX_PATTERN);
        diag_hint(d, "split it into several rules or move alternatives into a list");
        return NULL;
    }
    lex_init(&L, a, src, len, file, line0, col0, d);
    if (d->code != CMDAI_OK || parse_nul_check(&L, src ? src : "", len))
        return NULL;

    parse_state ps;
    memset(&ps, 0, sizeof ps);
    ps.lex = &L;
    void *lp = parse_lemonAlloc(malloc, &ps);
    if (!lp) {
        diag_set(d, CMDAI_E_NOMEM, file, line0, col0, "out of memory");
        return NULL;
    }
    /* Open parentheses, so an unclosed one is reported where it opens. */
    lex_token *open[PARSE_MAX_PARENS];
    int depth = 0, ntok = 0;
    for (;;) {
        lex_token *t = arena_alloc(a, sizeof *t);
        if (lex_next(&L, t))
            break;
        if (t->kind == 0) {
            if (ntok == 0) {
                lex_error(&L, CMDAI_E_SYNTAX, 1, 1, "empty pattern");
                diag_hint(d, "write at least a program name, e.g. rm -r ...");
                break;
            }
            if (depth > 0 && ps.prev && !parse_is_op(ps.prev->kind) && ps.prev->kind != DSL_LPAREN) {
                lex_error(&L, CMDAI_E_SYNTAX, open[depth - 1]->line, open[depth - 1]->column,
                          "unbalanced parentheses: '(' is never closed");
                diag_hint(d, "add the missing ')'");
                break;
            }
            parse_feed(&ps, lp, t);
            break;
        }
        ntok++;
        if (t->kind == DSL_LPAREN) {
            if (depth == PARSE_MAX_PARENS) {
                lex_error(&L, CMDAI_E_TOO_DEEP, t->line, t->column, "parentheses nested deeper than %d",
                          PARSE_MAX_PARENS);
                diag_hint(d, "simplify the pattern");
                break;
            }
            open[depth++] = t;
        } else if (t->kind == DSL_RPAREN) {
            if (depth == 0) {
                lex_error(&L, CMDAI_E_SYNTAX, t->line, t->column, "unbalanced parentheses: ')' without '('");
                diag_hint(d, "remove it, or write \")\" in quotes to match a literal ')'");
                break;
            }
            depth--;
        } else if (t->kind == DSL_REDIR) {
            lex_token tt;
            if (lex_next(&L, &tt))
                break;
            if (tt.kind != DSL_WORD) {
                lex_error(&L, CMDAI_E_SYNTAX, t->line, t->column, "redirection %s without a target", t->text);
                diag_hint(d, "write the target after it, e.g. > /dev/sda or > ...");
                break;
            }
            if (tt.word->kind == AST_W_EOL) {
                lex_error(&L, CMDAI_E_SYNTAX, tt.line, tt.column, "'$' cannot be a redirection target");
                diag_hint(d, "write the target word, or ... for any target");
                break;
            }
            t->word = tt.word;
        }
        if (parse_feed(&ps, lp, t))
            break;
    }
    parse_lemonFree(lp, free);
    if (d->code != CMDAI_OK)
        return NULL;
    if (!ps.root) {
        diag_set(d, CMDAI_E_SYNTAX, file, line0, col0, "incomplete pattern");
        return NULL;
    }
    return ps.root;
}
