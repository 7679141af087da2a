/* emit.h — serialize a compiled policy into the .cpb layout
 * (runtime/bundle_fmt.h): reproducible, same ir and options => same bytes. */
#ifndef CMDAI_EMIT_H
#define CMDAI_EMIT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "ir.h"

typedef struct emit_opts {
    uint64_t serial;
    int64_t created, expires;
    const char *scope;
} emit_opts;

/* *out is malloc'd; caller frees. */
int emit_bundle(const ir *r, const emit_opts *o, unsigned char **out, size_t *len, diag *d);

/* Write atomically: temp file in the same directory, fsync, rename.  Nothing
 * is left behind on failure (full disk, permissions). */
int emit_write_file(const char *path, const void *data, size_t len, diag *d);

#endif
