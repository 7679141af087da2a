/* nfa.h — Thompson NFA over bytes, the first automaton stage.
 * States are either epsilon splits (e1, e2), one byte-set transition
 * (set -> to), or accepting (accept = atom id).  Byte sets are interned so the
 * DFA stage can derive byte equivalence classes from the distinct sets.
 * Fragments have one entry and one open exit (an epsilon state whose e1 is
 * still NFA_NONE) that the next fragment is patched onto. */
#ifndef CMDAI_NFA_H
#define CMDAI_NFA_H

#include <stddef.h>
#include <stdint.h>

#include "rx.h"

#define NFA_NONE UINT32_MAX

typedef struct bset {
    uint64_t w[4];
} bset;

static inline void bset_add(bset *s, unsigned b) { s->w[b >> 6] |= (uint64_t)1 << (b & 63); }
static inline int bset_has(const bset *s, unsigned b) { return (int)((s->w[b >> 6] >> (b & 63)) & 1); }

typedef struct nfa_state {
    uint32_t e1, e2;  /* epsilon successors */
    uint32_t set, to; /* byte-set transition; set == NFA_NONE when absent */
    int32_t accept;   /* atom id, or -1 */
    uint32_t owner;   /* rule index that caused this state (budget reports) */
} nfa_state;

typedef struct nfa {
    nfa_state *st;
    uint32_t n, cap;
    bset *sets;
    uint32_t nsets, setcap;
    uint32_t *set_hash; /* open addressing: set index + 1, 0 = empty */
    uint32_t set_hash_cap;
    uint32_t owner;     /* stamped into new states */
    uint32_t limit;     /* max states before nfa_full() */
} nfa;

typedef struct nfa_frag {
    uint32_t in, out;
} nfa_frag;

void nfa_init(nfa *m, uint32_t limit);
void nfa_release(nfa *m);
int nfa_full(const nfa *m);

uint32_t nfa_intern(nfa *m, const bset *s);
uint32_t nfa_new(nfa *m);                 /* an open epsilon state */
nfa_frag nfa_set(nfa *m, const bset *s);  /* one byte from s */
nfa_frag nfa_byte(nfa *m, unsigned b);
nfa_frag nfa_empty(nfa *m);
nfa_frag nfa_cat(nfa *m, nfa_frag a, nfa_frag b);
nfa_frag nfa_alt(nfa *m, nfa_frag a, nfa_frag b);
nfa_frag nfa_star(nfa *m, nfa_frag a);
nfa_frag nfa_opt(nfa *m, nfa_frag a);
void nfa_link(nfa *m, uint32_t from, uint32_t to); /* fill e1 or e2 of an epsilon state */

/* Token-level fragments over token bytes (RT_C_MIN_TOKEN..255). */
extern const bset nfa_tokbytes;           /* any token byte */
nfa_frag nfa_literal(nfa *m, const char *s, size_t len);
nfa_frag nfa_any_token_bytes(nfa *m);     /* [tok]* */
/* Glob on one token (note [globs] in docs/dsl.md): '*' any run without '/',
 * '**' any run, '?' one byte except '/', [...] classes, '\' escapes; a glob
 * without '/' matches the token's last path component. */
nfa_frag nfa_glob(nfa *m, const char *g, size_t len);
/* A parsed regex on one token, search semantics unless anchored. */
nfa_frag nfa_regex(nfa *m, const rx *r);

#endif
