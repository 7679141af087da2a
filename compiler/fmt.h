/* fmt.h — template source tools that need the bytes, not just the model:
 * the comments of a YAML file (libyaml does not report them) and the
 * canonical formatter behind `cmdai-policyc fmt` (docs/fmt.md). */
#ifndef CMDAI_FMT_H
#define CMDAI_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "diag.h"

typedef struct fmt_comment {
    int line, column;  /* 1-based, of the '#' */
    size_t offset;     /* byte offset of the '#' */
    const char *text;  /* from '#' to the end of the line, trailing blanks removed */
    bool own_line;     /* nothing but blanks before it on its line */
} fmt_comment;

/* Every comment of a YAML document, in order: libyaml's scanner gives the
 * tokens, and a comment is a '#' in the blanks between two tokens.  0, or
 * -1 with *d filled (file:line:column of the scanner error).  Owner: arena. */
int fmt_comments(arena *a, const char *file, const char *src, size_t len, fmt_comment **out, size_t *n,
                 diag *d);

/* Canonical form of one template file (docs/fmt.md): `src` must be a valid
 * template (the caller loads it first).  *out is in the arena, NUL-terminated.
 * 0, or -1 with *d filled (a construct fmt cannot print losslessly). */
int fmt_template(arena *a, const char *file, const char *src, size_t len, char **out, size_t *outlen, diag *d);

#endif
