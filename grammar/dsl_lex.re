/* dsl_lex.re — re2c lexer of the rule DSL (docs/dsl.md).  It hands finished
 * words to the grammar: quotes and escapes resolved, globs told from
 * literals, re"..." parsed by rx_parse, {a,b,c} alternatives assembled, so
 * grammar/dsl.y only sees WORD, REDIR and the operators.  The pattern is
 * copied into a NUL-terminated arena buffer and scanned with re2c's sentinel
 * plus YYLIMIT check (re2c:eof), so embedded NUL bytes never end a scan early
 * and nothing is read past the end. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dsl.h"
#include "parse.h"

/*!re2c
    re2c:define:YYCTYPE = "unsigned char";
    re2c:define:YYCURSOR = "L->cur";
    re2c:define:YYMARKER = "L->mark";
    re2c:define:YYLIMIT = "L->lim";
    re2c:yyfill:enable = 0;
    re2c:eof = 0;

    ws = [ \t\r\v\f];
*/

void lex_init(lex_state *L, arena *a, const char *src, size_t len, const char *file, int line0, int col0,
              diag *d)
{
    memset(L, 0, sizeof *L);
    L->a = a;
    L->d = d;
    L->file = file;
    L->line0 = line0;
    L->col0 = col0;
    L->buf = (const unsigned char *)arena_strndup(a, src ? src : "", src ? len : 0);
    L->cur = L->buf;
    L->lim = L->buf + (src ? len : 0);
    L->line_start = L->buf;
    L->line = 1;
    L->lit = arena_alloc(a, PARSE_MAX_WORD + 2);
    L->glob = arena_alloc(a, 2 * PARSE_MAX_WORD + 2);
}

void lex_abs(const lex_state *L, int line, int column, int *aline, int *acol)
{
    ast_pos_map(L->line0, L->col0, line, column, aline, acol);
}

int lex_error(lex_state *L, int code, int line, int column, const char *fmt, ...)
{
    char text[sizeof L->d->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int al, ac;
    lex_abs(L, line, column, &al, &ac);
    return diag_set(L->d, code, L->file, al, ac, "%s", text);
}

static int lex_col(const lex_state *L, const unsigned char *p)
{
    return (int)(p - L->line_start) + 1;
}

static void lex_newline(lex_state *L)
{
    L->line++;
    L->line_start = L->cur;
}

/* A byte that may follow a word: whitespace, an operator, or the end. */
static int lex_delim(const lex_state *L, int in_brace)
{
    if (L->cur >= L->lim)
        return 1;
    switch (*L->cur) {
    case ' ': case '\t': case '\r': case '\n': case '\v': case '\f':
    case '(': case ')': case '|': case '<': case '>':
        return 1;
    case ',': case '}':
        return in_brace;
    default:
        return 0;
    }
}

static const char *lex_show(lex_state *L, unsigned char c)
{
    if (c >= 0x21 && c < 0x7f)
        return arena_printf(L->a, "'%c'", c);
    return arena_printf(L->a, "byte 0x%02x", c);
}

/* re"..." / re'...': L->cur is just past the opening quote.  The source is
 * kept verbatim (escapes included) so rx_parse reports exact columns. */
static ast_word *lex_regex(lex_state *L, int line, int column, unsigned char q, int in_brace)
{
    const unsigned char *start = L->cur;
    for (;;) {
        if (L->cur >= L->lim) {
            lex_error(L, CMDAI_E_SYNTAX, line, column, "unterminated regex: missing closing %c", q);
            diag_hint(L->d, "close it with %c; write \\%c for a literal %c inside", q, q, q);
            return NULL;
        }
        unsigned char c = *L->cur;
        if (c == q)
            break;
        if (c == '\n') {
            lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->cur), "newline inside a regex");
            diag_hint(L->d, "write \\n to match a newline");
            return NULL;
        }
        L->cur += (c == '\\' && L->cur + 1 < L->lim && L->cur[1] != '\n') ? 2 : 1;
    }
    size_t n = (size_t)(L->cur - start);
    L->cur++; /* closing quote */
    if (n > PARSE_MAX_WORD) {
        lex_error(L, CMDAI_E_TOO_LONG, line, column, "regex longer than %u bytes", PARSE_MAX_WORD);
        return NULL;
    }
    if (!lex_delim(L, in_brace)) {
        lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->cur), "a regex must be a whole word");
        diag_hint(L->d, "put whitespace after the closing quote");
        return NULL;
    }
    ast_word *w = arena_alloc(L->a, sizeof *w);
    w->kind = AST_W_REGEX;
    w->text = arena_strndup(L->a, (const char *)start, n);
    w->len = n;
    w->line = line;
    w->column = column;
    int al, ac;
    lex_abs(L, line, lex_col(L, start), &al, &ac);
    w->regex = rx_parse(L->a, w->text, n, L->file, al, ac, L->d);
    return w->regex ? w : NULL;
}

/* Word buffers: `lit` gets the bytes the word stands for, `glob` the glob
 * source (escapes kept, quoted glob metacharacters escaped). */
typedef struct lex_word_buf {
    size_t nlit, nglob;
    int glob, quoted_any, escaped_any;
} lex_word_buf;

static int lex_put(lex_state *L, lex_word_buf *b, unsigned char c, int quoted, int line, int column)
{
    if (b->nlit >= PARSE_MAX_WORD)
        return lex_error(L, CMDAI_E_TOO_LONG, line, column, "word longer than %u bytes", PARSE_MAX_WORD);
    L->lit[b->nlit++] = (char)c;
    if (quoted && (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\'))
        L->glob[b->nglob++] = '\\';
    L->glob[b->nglob++] = (char)c;
    return 0;
}

/* A double- or single-quoted segment; L->cur is past the opening quote. */
static int lex_quoted(lex_state *L, lex_word_buf *b, unsigned char q, int line, int column)
{
    int qline = L->line, qcol = lex_col(L, L->cur - 1);
    b->quoted_any = 1;
    for (;;) {
        L->tok = L->cur;
        if (q == '"') {
        /*!re2c
            $ { goto unterminated; }
            ["] { return 0; }
            "\\" ["\\] { if (lex_put(L, b, L->cur[-1], 1, line, column)) return -1; continue; }
            "\n" { if (lex_put(L, b, '\n', 1, line, column)) return -1; lex_newline(L); continue; }
            [^] { if (lex_put(L, b, L->cur[-1], 1, line, column)) return -1; continue; }
        */
        } else {
        /*!re2c
            $ { goto unterminated; }
            ['] { return 0; }
            "\n" { if (lex_put(L, b, '\n', 1, line, column)) return -1; lex_newline(L); continue; }
            [^] { if (lex_put(L, b, L->cur[-1], 1, line, column)) return -1; continue; }
        */
        }
    }
unterminated:
    lex_error(L, CMDAI_E_SYNTAX, qline, qcol, "unterminated quote: missing closing %c", q);
    diag_hint(L->d, "close the string with %c", q);
    return -1;
}

/* Scan one word starting at L->cur: bare runs, quoted segments and escapes
 * concatenate as in the shell (--name="a b" is one word).  Then classify. */
static ast_word *lex_word(lex_state *L, int in_brace, int *keyword)
{
    int line = L->line, column = lex_col(L, L->cur);
    lex_word_buf b = {0, 0, 0, 0, 0};
    int first_quoted = (*L->cur == '"' || *L->cur == '\'');
    *keyword = 0;
    for (;;) {
        L->tok = L->cur;
        /*!re2c
            $ { break; }
            ws | [\n()|<>] { L->cur = L->tok; break; }
            [,}] {
                if (in_brace) { L->cur = L->tok; break; }
                if (lex_put(L, &b, L->cur[-1], 0, line, column)) return NULL;
                continue;
            }
            "{" {
                if (in_brace) {
                    lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->tok), "nested braces in alternatives");
                    diag_hint(L->d, "alternatives do not nest: write {a,b,c}; quote '{' to match it literally");
                } else {
                    lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->tok), "'{' inside a word");
                    diag_hint(L->d, "alternatives {a,b} must be a whole word; quote or escape '{' to match it literally");
                }
                return NULL;
            }
            "\\" [^] {
                b.escaped_any = 1;
                if (L->cur[-1] == '\n')
                    lex_newline(L);
                if (b.nlit >= PARSE_MAX_WORD) {
                    lex_error(L, CMDAI_E_TOO_LONG, line, column, "word longer than %u bytes", PARSE_MAX_WORD);
                    return NULL;
                }
                L->lit[b.nlit++] = (char)L->cur[-1];
                L->glob[b.nglob++] = '\\';
                L->glob[b.nglob++] = (char)L->cur[-1];
                continue;
            }
            "\\" {
                lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->tok), "backslash at the end of the pattern");
                diag_hint(L->d, "write \\\\ for a literal backslash");
                return NULL;
            }
            ["'] { if (lex_quoted(L, &b, L->cur[-1], line, column)) return NULL; continue; }
            [*?[] { b.glob = 1; if (lex_put(L, &b, L->cur[-1], 0, line, column)) return NULL; continue; }
            [^] { if (lex_put(L, &b, L->cur[-1], 0, line, column)) return NULL; continue; }
        */
    }
    L->lit[b.nlit] = '\0';
    ast_word *w = arena_alloc(L->a, sizeof *w);
    w->line = line;
    w->column = column;
    if (!b.quoted_any && !b.escaped_any) {
        const char *s = L->lit;
        if (!in_brace && (!strcmp(s, "and") || !strcmp(s, "or") || !strcmp(s, "not") || !strcmp(s, "unless"))) {
            *keyword = !strcmp(s, "and") ? DSL_AND : !strcmp(s, "or") ? DSL_OR : !strcmp(s, "not") ? DSL_NOT : DSL_UNLESS;
            return w;
        }
        if (!strcmp(s, "...") || !strcmp(s, "$")) {
            if (in_brace) {
                lex_error(L, CMDAI_E_SYNTAX, line, column, "'%s' cannot be an alternative", s);
                diag_hint(L->d, "alternatives are literals, globs or regexes; quote it to match it literally");
                return NULL;
            }
            w->kind = s[0] == '$' ? AST_W_EOL : AST_W_ANY;
            return w;
        }
        if (s[0] == '@') {
            if (in_brace) {
                lex_error(L, CMDAI_E_SYNTAX, line, column, "a list cannot be an alternative");
                diag_hint(L->d, "use @%s as a word of its own, or quote it to match it literally", s + 1);
                return NULL;
            }
            size_t n = strspn(s + 1, "abcdefghijklmnopqrstuvwxyz0123456789_");
            if (n == 0 || s[1 + n] != '\0') {
                lex_error(L, CMDAI_E_SYNTAX, line, column + 1 + (int)n, "invalid list name '%s'", s);
                diag_hint(L->d, "list names are [a-z0-9_]+; quote the word to match it literally");
                return NULL;
            }
            w->kind = AST_W_LIST;
            w->text = arena_strndup(L->a, s + 1, b.nlit - 1);
            w->len = b.nlit - 1;
            return w;
        }
        if (s[0] == '}') {
            lex_error(L, CMDAI_E_SYNTAX, line, column, "'}' without a matching '{'");
            diag_hint(L->d, "quote it to match a literal '}'");
            return NULL;
        }
    }
    if (b.glob) {
        w->kind = AST_W_GLOB;
        w->text = arena_strndup(L->a, L->glob, b.nglob);
        w->len = b.nglob;
    } else {
        w->kind = AST_W_LIT;
        w->text = arena_strndup(L->a, L->lit, b.nlit);
        w->len = b.nlit;
        w->quoted = first_quoted;
    }
    return w;
}

/* One alternative of {a,b,c}: a regex, or a literal/glob word. */
static ast_word *lex_alt_item(lex_state *L)
{
    int line = L->line, column = lex_col(L, L->cur);
    if (L->lim - L->cur >= 3 && L->cur[0] == 'r' && L->cur[1] == 'e' && (L->cur[2] == '"' || L->cur[2] == '\'')) {
        unsigned char q = L->cur[2];
        L->cur += 3;
        return lex_regex(L, line, column, q, 1);
    }
    switch (*L->cur) {
    case '(': case ')': case '|': case '<': case '>': case ';': case '&':
        lex_error(L, CMDAI_E_SYNTAX, line, column, "unexpected %s in alternatives", lex_show(L, *L->cur));
        diag_hint(L->d, "quote it to match it literally");
        return NULL;
    default:
        break;
    }
    int kw;
    return lex_word(L, 1, &kw);
}

/* {a,b,c}: L->cur is past '{'.  Whitespace around items is allowed. */
static ast_word *lex_alts(lex_state *L, int line, int column)
{
    ast_word **items = NULL;
    size_t n = 0, cap = 0;
    int want_item = 1, comma_line = 0, comma_col = 0;
    for (;;) {
        while (L->cur < L->lim && strchr(" \t\r\v\f\n", *L->cur) && *L->cur) {
            if (*L->cur++ == '\n')
                lex_newline(L);
        }
        if (L->cur >= L->lim) {
            lex_error(L, CMDAI_E_SYNTAX, line, column, "unterminated alternatives: missing '}'");
            diag_hint(L->d, "close the list with '}'");
            return NULL;
        }
        unsigned char c = *L->cur;
        int cl = L->line, cc = lex_col(L, L->cur);
        if (c == '}') {
            if (want_item) {
                if (n == 0) {
                    lex_error(L, CMDAI_E_SYNTAX, line, column, "empty alternatives {}");
                    diag_hint(L->d, "write at least one alternative; quote \"{}\" to match it literally");
                } else {
                    lex_error(L, CMDAI_E_SYNTAX, comma_line, comma_col, "empty alternative after ','");
                    diag_hint(L->d, "remove the stray comma");
                }
                return NULL;
            }
            L->cur++;
            break;
        }
        if (c == ',') {
            if (want_item) {
                lex_error(L, CMDAI_E_SYNTAX, cl, cc, "empty alternative before ','");
                diag_hint(L->d, "remove the stray comma");
                return NULL;
            }
            want_item = 1;
            comma_line = cl;
            comma_col = cc;
            L->cur++;
            continue;
        }
        if (c == '{') {
            lex_error(L, CMDAI_E_SYNTAX, cl, cc, "nested braces in alternatives");
            diag_hint(L->d, "alternatives do not nest: write {a,b,c}; quote '{' to match it literally");
            return NULL;
        }
        if (!want_item) {
            lex_error(L, CMDAI_E_SYNTAX, cl, cc, "expected ',' or '}' in alternatives");
            diag_hint(L->d, "separate alternatives with ','");
            return NULL;
        }
        ast_word *it = lex_alt_item(L);
        if (!it)
            return NULL;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            items = arena_grow(L->a, items, n, ncap, sizeof *items);
            cap = ncap;
        }
        items[n++] = it;
        want_item = 0;
    }
    if (!lex_delim(L, 0)) {
        lex_error(L, CMDAI_E_SYNTAX, L->line, lex_col(L, L->cur), "alternatives must be a whole word");
        diag_hint(L->d, "put whitespace after '}'; {a,b}c is not expanded like the shell does");
        return NULL;
    }
    ast_word *w = arena_alloc(L->a, sizeof *w);
    w->kind = AST_W_ALT;
    w->alts = items;
    w->nalts = n;
    w->line = line;
    w->column = column;
    return w;
}

static int lex_op(lex_state *L, lex_token *t, int kind, const char *text)
{
    t->kind = kind;
    t->text = text;
    (void)L;
    return 0;
}

int lex_next(lex_state *L, lex_token *t)
{
    memset(t, 0, sizeof *t);
    for (;;) {
        L->tok = L->cur;
        t->line = L->line;
        t->column = lex_col(L, L->cur);
        /*!re2c
            $ { t->kind = 0; t->text = "end of pattern"; return 0; }
            ws+ { continue; }
            "\n" { lex_newline(L); continue; }
            "(" { return lex_op(L, t, DSL_LPAREN, "'('"); }
            ")" { return lex_op(L, t, DSL_RPAREN, "')'"); }
            "|" { return lex_op(L, t, DSL_PIPE, "'|'"); }
            [0-9]? ">" { t->op = ">"; goto redir; }
            [0-9]? ">>" { t->op = ">>"; goto redir; }
            [0-9]? "<" { t->op = "<"; goto redir; }
            [0-9]? "<>" { t->op = "<>"; goto redir; }
            [0-9]? ">&" { t->op = ">&"; goto redir; }
            [0-9]? "<&" { t->op = "<&"; goto redir; }
            "&>" { t->op = ">"; goto redir; }
            "&>>" { t->op = ">>"; goto redir; }
            [;&] {
                lex_error(L, CMDAI_E_SYNTAX, t->line, t->column, "unexpected '%c'", L->tok[0]);
                diag_hint(L->d, "a pattern describes one simple command; quote '%c' to match it literally",
                          L->tok[0]);
                return -1;
            }
            "{" {
                t->word = lex_alts(L, t->line, t->column);
                if (!t->word) return -1;
                t->kind = DSL_WORD;
                t->text = "alternatives";
                return 0;
            }
            "re" ["'] {
                t->word = lex_regex(L, t->line, t->column, L->cur[-1], 0);
                if (!t->word) return -1;
                t->kind = DSL_WORD;
                t->text = "regex";
                return 0;
            }
            [^] {
                L->cur = L->tok;
                int kw;
                t->word = lex_word(L, 0, &kw);
                if (!t->word) return -1;
                if (kw) {
                    t->kind = kw;
                    t->text = kw == DSL_AND ? "'and'" : kw == DSL_OR ? "'or'" : kw == DSL_NOT ? "'not'" : "'unless'";
                    t->word = NULL;
                    return 0;
                }
                t->kind = DSL_WORD;
                t->text = "word";
                return 0;
            }
        */
    redir:
        t->kind = DSL_REDIR;
        t->text = arena_printf(L->a, "'%s'", t->op);
        return 0;
    }
}
