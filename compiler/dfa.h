/* dfa.h — subset construction: NFA -> DFA over byte equivalence classes.
 * State 0 is the dead state (empty subset); note [sink state]: keeping it
 * means the runtime walk needs no "missing transition" branch. */
#ifndef CMDAI_DFA_H
#define CMDAI_DFA_H

#include <stdint.h>

#include "nfa.h"

typedef struct dfa {
    uint32_t nstates, nclasses, start;
    uint8_t cls[256];          /* byte -> class, classes numbered by their smallest byte */
    uint32_t *trans;           /* nstates * nclasses */
    uint32_t *acc_off, *acc_len; /* accepting atom ids of each state, sorted, in acc_pool */
    uint32_t *acc_pool;
    uint8_t *marked;           /* state's subset holds the marker NFA state */
} dfa;

typedef struct dfa_blame {
    uint32_t owner[3];
    uint32_t count[3];
    int n;
    int work; /* 1: the work budget ran out, not the state budget */
} dfa_blame;

/* note [work budget]: besides the states, the work of subset construction
 * (NFA states read and subset entries written) is bounded, by
 * DFA_WORK_PER_STATE times max_states, so a policy whose subsets grow huge
 * while the automaton stays small fails in seconds with a budget error
 * instead of running for minutes. */
#define DFA_WORK_PER_STATE 128u

/* Returns 0, or -1 when more than max_states states would be needed or the
 * work budget runs out (blame then names the NFA owners most present in the
 * subsets built so far).  max_states 0: no budget. */
int dfa_build(const nfa *m, uint32_t start, uint32_t marker, uint32_t max_states, dfa *out, dfa_blame *blame);
void dfa_release(dfa *d);

#endif
