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
    const void *states;  /* cpb_state[nstates], or cpb_state16 when narrow */
    uint32_t nstates;
    const void *comb;    /* cpb_comb[ncomb], or cpb_comb16 when narrow */
    uint32_t ncomb;
    int narrow;          /* note [narrow tables] in bundle_fmt.h */
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

#endif

/* One transition (note [comb tables]) in each table width; the walkers in
 * eval.c pick one per unit, so the per-byte loop has no width branch. */
static inline uint32_t rt_step32(const struct cmdai_bundle *b, uint32_t s, unsigned char byte)
{
    const cpb_state *st = (const cpb_state *)b->states + s;
    const cpb_comb *c = (const cpb_comb *)b->comb + st->base + b->cls[byte];
    return c->check == s ? c->next : st->def;
}

static inline uint32_t rt_step16(const struct cmdai_bundle *b, uint32_t s, unsigned char byte)
{
    const cpb_state16 *st = (const cpb_state16 *)b->states + s;
    const cpb_comb16 *c = (const cpb_comb16 *)b->comb + st->base + b->cls[byte];
    return c->check == s ? c->next : st->def;
}

/* Either width, with a branch: for tools that walk the automaton by hand
 * (diff, coverage), not for the verdict walk. */
static inline uint32_t rt_step_any(const struct cmdai_bundle *b, uint32_t s, unsigned char byte)
{
    return b->narrow ? rt_step16(b, s, byte) : rt_step32(b, s, byte);
}

/* Table fields by index whatever the width (load-time checks, tests, tools). */
static inline uint32_t rt_state_base(const struct cmdai_bundle *b, uint32_t s)
{
    return b->narrow ? ((const cpb_state16 *)b->states)[s].base : ((const cpb_state *)b->states)[s].base;
}
static inline uint32_t rt_state_def(const struct cmdai_bundle *b, uint32_t s)
{
    return b->narrow ? ((const cpb_state16 *)b->states)[s].def : ((const cpb_state *)b->states)[s].def;
}
static inline uint32_t rt_state_acc(const struct cmdai_bundle *b, uint32_t s)
{
    return b->narrow ? ((const cpb_state16 *)b->states)[s].acc : ((const cpb_state *)b->states)[s].acc;
}
/* CPB_NO_STATE for an empty slot in either width. */
static inline uint32_t rt_comb_check(const struct cmdai_bundle *b, uint32_t i)
{
    if (b->narrow) {
        uint16_t c = ((const cpb_comb16 *)b->comb)[i].check;
        return c == CPB_NO_STATE16 ? CPB_NO_STATE : c;
    }
    return ((const cpb_comb *)b->comb)[i].check;
}
static inline uint32_t rt_comb_next(const struct cmdai_bundle *b, uint32_t i)
{
    return b->narrow ? ((const cpb_comb16 *)b->comb)[i].next : ((const cpb_comb *)b->comb)[i].next;
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
