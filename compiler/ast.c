/* ast.c — the canonical text form of a parsed pattern (ast_dump), used by
 * --dump=ast and the golden tests, and the pattern -> file position map.
 * The tree itself is built by compiler/parse.c. */
#include <stdio.h>
#include <string.h>

#include "ast.h"

void ast_pos_map(int line0, int col0, int line, int column, int *file_line, int *file_column)
{
    /* Only the first line of a pattern is shifted by col0: later lines start
     * at column 1 of the source like any other line. */
    *file_line = line0 + line - 1;
    *file_column = line == 1 ? col0 + column - 1 : column;
}

typedef struct ast_buf {
    arena *a;
    char *p;
    size_t n, cap;
} ast_buf;

static void ast_put(ast_buf *b, const char *s, size_t n)
{
    if (b->cap - b->n <= n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n <= n)
            cap *= 2;
        b->p = arena_grow(b->a, b->p, b->n, cap, 1);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void ast_puts(ast_buf *b, const char *s)
{
    ast_put(b, s, strlen(s));
}

/* "..." with \" \\ and \xHH for anything outside printable ASCII, so the
 * dump is one line, byte-exact and unambiguous. */
static void ast_put_str(ast_buf *b, const char *prefix, const char *s, size_t n)
{
    ast_puts(b, prefix);
    ast_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            ast_put(b, e, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            char e[8];
            snprintf(e, sizeof e, "\\x%02x", c);
            ast_put(b, e, 4);
        } else {
            ast_put(b, (const char *)&c, 1);
        }
    }
    ast_put(b, "\"", 1);
}

static void ast_dump_word(ast_buf *b, const ast_word *w)
{
    switch (w->kind) {
    case AST_W_LIT:
        ast_put_str(b, w->quoted ? "q" : "", w->text, w->len);
        break;
    case AST_W_GLOB:
        ast_put_str(b, "glob", w->text, w->len);
        break;
    case AST_W_REGEX:
        ast_put_str(b, "re", w->text, w->len);
        break;
    case AST_W_ALT:
        ast_puts(b, "{");
        for (size_t i = 0; i < w->nalts; i++) {
            if (i)
                ast_puts(b, " ");
            ast_dump_word(b, w->alts[i]);
        }
        ast_puts(b, "}");
        break;
    case AST_W_LIST:
        ast_puts(b, "@");
        ast_put(b, w->text, w->len);
        break;
    case AST_W_ANY:
        ast_puts(b, "...");
        break;
    case AST_W_EOL:
        ast_puts(b, "$");
        break;
    }
}

/* Trees from parse_pattern() are at most PARSE_MAX_DEPTH deep, so recursion
 * is bounded; the guard keeps a hand-built tree from overflowing the stack. */
static void ast_dump_node(ast_buf *b, const ast_node *n, int depth)
{
    if (!n) {
        ast_puts(b, "(null)");
        return;
    }
    if (depth > 4 * PARSE_MAX_DEPTH) {
        ast_puts(b, "(too-deep)");
        return;
    }
    switch (n->kind) {
    case AST_CMD:
        ast_puts(b, "(cmd");
        for (size_t i = 0; i < n->nwords; i++) {
            ast_puts(b, " ");
            ast_dump_word(b, n->words[i]);
        }
        for (size_t i = 0; i < n->nredirs; i++) {
            ast_puts(b, " (");
            ast_puts(b, n->redirs[i]->op);
            ast_puts(b, " ");
            ast_dump_word(b, n->redirs[i]->target);
            ast_puts(b, ")");
        }
        ast_puts(b, ")");
        return;
    case AST_PIPE:
        ast_puts(b, "(pipe ");
        break;
    case AST_AND:
        ast_puts(b, "(and ");
        break;
    case AST_OR:
        ast_puts(b, "(or ");
        break;
    case AST_NOT:
        ast_puts(b, "(not ");
        ast_dump_node(b, n->a, depth + 1);
        ast_puts(b, ")");
        return;
    }
    ast_dump_node(b, n->a, depth + 1);
    ast_puts(b, " ");
    ast_dump_node(b, n->b, depth + 1);
    ast_puts(b, ")");
}

char *ast_dump(arena *a, const ast_node *n)
{
    ast_buf b = {a, NULL, 0, 0};
    ast_dump_node(&b, n, 0);
    return b.p;
}
