/* arena.h — bump allocation by lifetime (note [arenas] in arena.c).
 * Everything the compiler builds for one compilation lives in one arena and
 * is freed by one arena_release(); allocation failure aborts the process
 * (the compiler is a batch tool; the runtime never uses this). */
#ifndef CMDAI_ARENA_H
#define CMDAI_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t used_total;
} arena;

void arena_init(arena *a);
void arena_release(arena *a);
void *arena_alloc(arena *a, size_t size);                 /* zeroed, 16-aligned */
void *arena_array(arena *a, size_t n, size_t elem);       /* overflow-checked */
char *arena_strndup(arena *a, const char *s, size_t n);  /* NUL-terminated copy */
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grow an array kept in the arena: returns a copy with room for `want` elems. */
void *arena_grow(arena *a, void *old, size_t old_n, size_t want, size_t elem);

#endif
