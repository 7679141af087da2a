/* arena.c — bump allocator used by every compiler stage.
 * note [arenas]: objects are never freed one by one; a whole compilation (AST,
 * template model, automaton) is released at once, so parser error paths and
 * lemon actions leak nothing. */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    arena_block *next;
    size_t cap, used;
    _Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK (256u * 1024u)

static void arena_oom(void)
{
    fputs("cmdai: out of memory\n", stderr);
    abort();
}

void arena_init(arena *a)
{
    a->head = NULL;
    a->used_total = 0;
}

void arena_release(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used_total = 0;
}

void *arena_alloc(arena *a, size_t size)
{
    size = (size + 15u) & ~(size_t)15u;
    if (size == 0)
        size = 16;
    arena_block *b = a->head;
    if (!b || b->cap - b->used < size) {
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof *b + cap);
        if (!b)
            arena_oom();
        b->cap = cap;
        b->used = 0;
        /* A big one-off block goes behind the head so the head keeps its room. */
        if (a->head && size > ARENA_BLOCK) {
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += size;
    a->used_total += size;
    memset(p, 0, size);
    return p;
}

void *arena_array(arena *a, size_t n, size_t elem)
{
    if (elem && n > SIZE_MAX / elem)
        arena_oom();
    return arena_alloc(a, n * elem);
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        arena_oom();
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_grow(arena *a, void *old, size_t old_n, size_t want, size_t elem)
{
    void *p = arena_array(a, want, elem);
    if (old && old_n)
        memcpy(p, old, (old_n < want ? old_n : want) * elem);
    return p;
}
