/* min.h — DFA minimisation and canonical renumbering.  Two states merge when
 * they carry the same label (decision record) and agree on every class. */
#ifndef CMDAI_MIN_H
#define CMDAI_MIN_H

#include <stdint.h>

/* In: n states x k classes `trans`, `label` per state, `start`, dead state 0.
 * Out (malloc'd): minimal DFA renumbered breadth-first (dead = 0, start = 1
 * unless the start is dead), so equal languages give byte-equal tables. */
typedef struct min_result {
    uint32_t nstates, start;
    uint32_t *trans;
    uint32_t *label;
} min_result;

void min_run(uint32_t n, uint32_t k, const uint32_t *trans, const uint32_t *label, uint32_t start,
             min_result *out);
void min_release(min_result *r);

#endif
