/* pattern.h — rule patterns (AST_CMD nodes) -> NFA fragments laid out in the
 * canonical command form (note [canonical form] in runtime/canon.h).  Words of
 * a pattern are split into program, flags and positionals with the runtime's
 * option tables, exactly as the normalizer splits a real command. */
#ifndef CMDAI_PATTERN_H
#define CMDAI_PATTERN_H

#include "ast.h"
#include "nfa.h"
#include "tpl.h"

typedef struct pat_ctx {
    nfa *m;
    const tpl *t;  /* for @lists */
    arena *a;
    diag *d;
    const char *file;  /* where the pattern text is, for diagnostics */
    int line0, col0;   /* position of its first character (ast_pos_map) */
} pat_ctx;

/* One simple-command pattern, from right after RT_C_CMD to right after
 * RT_C_END; or, when `eager`, to right after the separator byte that ends its
 * last required token (note [eager atoms] in pattern.c). */
int pat_stage(pat_ctx *c, const ast_node *cmd, int eager, nfa_frag *out);

/* One token pattern (LIT, GLOB, REGEX, ALT, LIST) over token bytes. `path`:
 * literals are lexically path-normalized like the normalizer does for args. */
int pat_token(pat_ctx *c, const ast_word *w, int path, nfa_frag *out);

/* A diagnostic at a pattern-relative position (AST line/column), reported
 * in the pattern's file.  Returns -1. */
int pat_err(pat_ctx *c, int code, int line, int col, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
