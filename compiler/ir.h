/* ir.h — the compiled policy: one minimal DFA over byte classes, decision
 * records on stage-end states, and the rule table.  Produced by
 * compiler/compile.c, serialized by compiler/emit.c. */
#ifndef CMDAI_IR_H
#define CMDAI_IR_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "tpl.h"

typedef struct ir_rule {
    const char *id, *message, *match;
    uint8_t action, risk;
    const char **compliance;
    uint32_t ncompliance;
} ir_rule;

/* note [decision records]: what a DFA state reports is a pure function of
 * its subset, so it is computed here, once per state: the rules whose
 * patterns completed on the byte that entered it (eager rules, after any
 * separator) or whose formulas hold at the END of a simple command (rules
 * with and/not/unless, dynamic programs, the tools allowlist), most severe
 * first, with the action and why.  Record 0 reports nothing.  A simple
 * command for which nothing was reported gets the template default, applied
 * by the runtime at its END. */
typedef struct ir_record {
    uint8_t action, risk, reason; /* reason: enum cmdai_reason bits */
    uint32_t first, n;            /* rules in rec_rules[first .. first+n) */
} ir_record;

typedef struct ir {
    const tpl *t;
    ir_rule *rules; /* sorted by id; indexes are stable identities */
    uint32_t nrules;
    uint32_t nstates, nclasses, start;
    uint8_t cls[256];
    uint32_t *trans; /* nstates * nclasses, dead state 0 */
    uint32_t *acc;   /* record per state */
    ir_record *records;
    uint32_t nrecords;
    uint32_t *rec_rules;
    uint32_t nrec_rules;
    /* statistics */
    uint32_t nfa_states, dfa_states, natoms;
    double compile_ms;
} ir;

#define CC_DEFAULT_MAX_STATES 1000000u

/* Compile a resolved template.  Returns 0, or -1 with *d filled (state budget:
 * CMDAI_E_BUDGET naming the rules that contribute most).  Owner: caller,
 * ir_free(). Strings point into the template's arena. */
int cc_compile(arena *a, const tpl *t, uint32_t max_states, ir **out, diag *d);
void ir_free(ir *r);

#endif
