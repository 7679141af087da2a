/* diag.c — first-error-wins diagnostics for every compiler stage. */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void diag_init(diag *d)
{
    memset(d, 0, sizeof *d);
}

int diag_set(diag *d, int code, const char *file, int line, int column, const char *fmt, ...)
{
    if (!d || d->code != CMDAI_OK)
        return -1;
    d->code = code;
    snprintf(d->file, sizeof d->file, "%s", file ? file : "<memory>");
    d->line = line;
    d->column = column;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof d->text, fmt, ap);
    va_end(ap);
    d->hint[0] = '\0';
    return -1;
}

void diag_hint(diag *d, const char *fmt, ...)
{
    if (!d)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->hint, sizeof d->hint, fmt, ap);
    va_end(ap);
}

void diag_format(const diag *d, char *buf, size_t cap)
{
    int n;
    if (d->line > 0)
        n = snprintf(buf, cap, "%s:%d:%d: error: %s\n", d->file, d->line, d->column, d->text);
    else
        n = snprintf(buf, cap, "%s: error: %s\n", d->file, d->text);
    if (n >= 0 && (size_t)n < cap && d->hint[0])
        snprintf(buf + n, cap - (size_t)n, "  hint: %s\n", d->hint);
}

void diag_to_error(const diag *d, cmdai_error *err)
{
    if (!err)
        return;
    err->code = d->code;
    err->line = d->line > 0 ? d->line : -1;
    err->column = d->column > 0 ? d->column : -1;
    size_t n = strlen(d->file);
    const char *src = n >= sizeof err->source ? d->file + n - (sizeof err->source - 1) : d->file;
    /* Truncation is intended: the public struct keeps the tail / the start. */
    size_t k = strlen(src);
    if (k >= sizeof err->source)
        k = sizeof err->source - 1;
    memcpy(err->source, src, k);
    err->source[k] = '\0';
    k = strlen(d->text);
    if (k >= sizeof err->text)
        k = sizeof err->text - 1;
    memcpy(err->text, d->text, k);
    err->text[k] = '\0';
}
