/* bundle.h — the loaded bundle: views into one validated, immutable copy of
 * the .cpb bytes.  Filled by rt_bundle_check(), read by eval.c and api.c. */
#ifndef CMDAI_BUNDLE_H
#define CMDAI_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "bundle_fmt.h"
#include "cmdai/policy.h"

struct cmdai_bundle {
    unsigned char *mem;  /* owned, 8-aligned copy of the file (NULL when borrowed) */
    const unsigned char *data;
    size_t len;
    const cpb_header *h;
    const cpb_meta *meta;
    const char *str;
    uint32_t nstr;
    const cpb_rule *rules;
    uint32_t nrules;
    const uint32_t *comp;
    uint32_t ncomp;
    const uint8_t *cls;
    const cpb_state *states;
    uint32_t nstates;
    const uint32_t *comb; /* note [comb tables] in bundle_fmt.h */
    uint32_t ncomb;
    const uint32_t *acc;  /* record of states 0 .. nacc-1 (note [reporting states first]) */
    uint32_t nacc;
    const cpb_record *recs;
    uint32_t nrecs;
    const uint32_t *recrules;
    uint32_t nrecrules;
    uint32_t start, nclasses;
    char key_id[17];
    char digest[129];
};

/* Validate every header field, section and table entry of data[0..len)
 * (which must be 8-aligned and outlive b) and fill the views.  No signature
 * check: the caller verified the bytes already, or is a fuzzer.
 * CMDAI_OK, CMDAI_E_FORMAT (with the reason) or CMDAI_E_VERSION. */
int rt_bundle_check(struct cmdai_bundle *b, const unsigned char *data, size_t len, cmdai_error *err);

/* Fill err (may be NULL): code, source, text; returns code. */
int rt_error(cmdai_error *err, int code, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* One transition (note [comb tables]).  Every index was range-checked by
 * rt_bundle_check(). */
static inline uint32_t rt_step(const struct cmdai_bundle *b, uint32_t s, unsigned char byte)
{
    const cpb_state *st = b->states + s;
    uint32_t c = b->cls[byte], v = b->comb[st->base + c];
    return (v & 0xffu) == c ? v >> 8 : st->def & CPB_DEF_MASK;
}

/* The same step, for tools that walk the automaton by hand (diff,
 * coverage); the name is kept from when tables had two widths. */
static inline uint32_t rt_step_any(const struct cmdai_bundle *b, uint32_t s, unsigned char byte)
{
    return rt_step(b, s, byte);
}

/* Table fields by index (load-time checks, tests, tools). */
static inline uint32_t rt_state_base(const struct cmdai_bundle *b, uint32_t s)
{
    return b->states[s].base;
}
static inline uint32_t rt_state_def(const struct cmdai_bundle *b, uint32_t s)
{
    return b->states[s].def & CPB_DEF_MASK;
}
/* The record state s reports (0: none). */
static inline uint32_t rt_state_acc(const struct cmdai_bundle *b, uint32_t s)
{
    return s < b->nacc ? b->acc[s] : 0;
}
/* The class byte of comb slot i (CPB_COMB_EMPTY when empty) and its target. */
static inline uint32_t rt_comb_class(const struct cmdai_bundle *b, uint32_t i)
{
    return b->comb[i] & 0xffu;
}
static inline uint32_t rt_comb_next(const struct cmdai_bundle *b, uint32_t i)
{
    return b->comb[i] >> 8;
}

/* Fold the decisions of already-normalized units into *out (which the caller
 * zeroed); the automaton walk alone, as timed by `make bench`. */
struct rt_norm;
void rt_decide_units(const struct cmdai_bundle *b, const struct rt_norm *n, cmdai_verdict *out);

/* For `explain`: walk one canonical unit and call on_record with every
 * record reported, including the default of a simple command that reported
 * nothing (stage index from 0). */
void rt_explain_unit(const struct cmdai_bundle *b, const unsigned char *p, size_t n,
                     void (*on_record)(void *ctx, unsigned stage, const cpb_record *r), void *ctx);

#endif
