/* diag.h — compiler diagnostics: the first error wins, with file:line:column
 * and a hint.  Stages fill a diag and return non-zero; only the CLI prints. */
#ifndef CMDAI_DIAG_H
#define CMDAI_DIAG_H

#include "cmdai/policy.h"

typedef struct diag {
    int code;            /* enum cmdai_code; CMDAI_OK while no error */
    char file[256];
    int line, column;    /* 1-based; 0 when unknown */
    char text[512];      /* what is wrong and what was expected */
    char hint[256];      /* how to fix it; may be empty */
} diag;

void diag_init(diag *d);
/* Record an error unless one is recorded already.  Returns -1 for `return diag_set(...)`. */
int diag_set(diag *d, int code, const char *file, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
void diag_hint(diag *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "file:line:column: error: text\n  hint: ...\n" into buf. */
void diag_format(const diag *d, char *buf, size_t cap);
/* Copy into the public error struct (source keeps its tail when long). */
void diag_to_error(const diag *d, cmdai_error *err);

#endif
