/* ast.h — the checked-syntax tree of one rule pattern (the `match:` or an
 * `unless:` string), as produced by the DSL parser (grammar/dsl.y via
 * compiler/parse.c) and consumed by the automaton builder (compiler/nfa.c).
 * All nodes live in the compilation arena.  The parser does not know which
 * words are flags: the NFA builder splits a command's words into program,
 * flags and positionals with the runtime's option tables (runtime/opts.h), so
 * patterns and commands are canonicalized by the same code.
 */
#ifndef CMDAI_AST_H
#define CMDAI_AST_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "rx.h"

typedef enum ast_word_kind {
    AST_W_LIT,    /* text: exact bytes (quotes removed, escapes resolved); quoted literals set `quoted` */
    AST_W_GLOB,   /* text: glob source: * ? [..] ** (note [globs] in docs/dsl.md) */
    AST_W_REGEX,  /* text: regex source from re"..." (search semantics unless anchored) */
    AST_W_ALT,    /* alts: {a,b,c}; each alternative is a LIT, GLOB or REGEX word */
    AST_W_LIST,   /* text: list name without '@' */
    AST_W_ANY,    /* "..." any run of positional tokens (possibly empty) */
    AST_W_EOL     /* "$": no further positional tokens */
} ast_word_kind;

typedef struct ast_word {
    ast_word_kind kind;
    const char *text;  /* NUL-terminated, in the arena; NULL for ALT/ANY/EOL */
    size_t len;
    int quoted;        /* LIT only: written in quotes, so never a flag */
    rx *regex;         /* REGEX only: parsed by rx_parse at parse time */
    struct ast_word **alts;
    size_t nalts;
    int line, column;  /* 1-based position inside the pattern string */
} ast_word;

typedef struct ast_redir {
    const char *op;    /* ">", ">>", "<", "<>", ">&", "<&" (fd numbers dropped) */
    ast_word *target;
    int line, column;
} ast_redir;

typedef enum ast_kind {
    AST_CMD,  /* one simple command: words[0] is the program */
    AST_PIPE, /* a | b: b runs later in the same pipeline as a (any stages between) */
    AST_AND,
    AST_OR,
    AST_NOT   /* a only; "P unless Q" parses as AND(P, NOT(Q)) */
} ast_kind;

typedef struct ast_node {
    ast_kind kind;
    struct ast_node *a, *b;
    ast_word **words;  /* CMD */
    size_t nwords;
    ast_redir **redirs; /* CMD */
    size_t nredirs;
    int line, column;
} ast_node;

/* Limits on pattern input (docs/dsl.md "Limits"); exceeding one is an error. */
#define PARSE_MAX_PATTERN (64u * 1024u) /* bytes of one pattern string */
#define PARSE_MAX_WORD 4096u            /* bytes of one word after quotes and escapes */
#define PARSE_MAX_PARENS 64             /* nested parentheses */
#define PARSE_MAX_DEPTH 256             /* operator nesting (and/or/not/unless/|) in the tree */

/* AST positions are pattern-relative; this maps one to the source file the
 * way parse_pattern() does for its own diagnostics (line0/col0 as given to it). */
void ast_pos_map(int line0, int col0, int line, int column, int *file_line, int *file_column);

/* Parse one pattern.  `file`, `line0`, `col0` say where the string starts in
 * its source so that diagnostics point into the YAML file (line0 = 1, col0 = 1
 * for a standalone string).  NULL on error with *d filled.  Owner: the arena. */
ast_node *parse_pattern(arena *a, const char *src, size_t len, const char *file, int line0, int col0,
                        diag *d);

/* Canonical text of a tree (fully parenthesized, normalized spacing), for
 * --dump=ast and the golden tests.  Owner: the arena. */
char *ast_dump(arena *a, const ast_node *n);

#endif
