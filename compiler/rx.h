/* rx.h — single-token regular expressions from re"..." patterns: a small,
 * strictly regular syntax (no backreferences, no lookaround) parsed into a
 * tree that compiler/nfa.c turns into automaton states.  Search semantics: a
 * regex matches a token when it matches any substring, unless anchored with
 * ^ and/or $ at its ends (anchors elsewhere are an error). */
#ifndef CMDAI_RX_H
#define CMDAI_RX_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"

#define RX_MAX_REPEAT 64 /* largest m or n in {m,n}: repetition is expanded */
#define RX_MAX_DEPTH 64   /* nested groups; bounds the parser's recursion */
#define RX_MAX_SIZE 65536 /* bound on expanded size (sets + operators), so {m,n} cannot explode */

typedef enum rx_kind {
    RX_EMPTY,  /* matches the empty string */
    RX_SET,    /* one byte from set (literal bytes are one-element sets) */
    RX_CAT,    /* a then b */
    RX_ALT,    /* a or b */
    RX_STAR,   /* a* */
    RX_PLUS,   /* a+ */
    RX_OPT,    /* a? */
    RX_REPEAT  /* a{min,max}; max < 0: unbounded */
} rx_kind;

typedef struct rx_node {
    rx_kind kind;
    struct rx_node *a, *b;
    uint8_t set[32]; /* RX_SET: bit i set when byte i matches; '.' is every byte except '\n' */
    int min, max;
} rx_node;

typedef struct rx {
    rx_node *root;
    int anchored_start, anchored_end; /* leading ^ / trailing $ */
} rx;

/* Parse src[0..len).  Errors point at file:line:col0+offset.  NULL on error. */
rx *rx_parse(arena *a, const char *src, size_t len, const char *file, int line, int col0, diag *d);

#endif
