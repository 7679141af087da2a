/* coverage.h — which rules and which automaton accept states a set of
 * commands exercises (`cmdai-policyc test --coverage`, docs/cli.md).  Walks
 * the bundle's automaton by hand (rt_step_any) exactly as runtime/eval.c
 * does, so the verdict walk stays untouched; printing is the CLI's job
 * (compiler/cli/cmd_coverage.c). */
#ifndef CMDAI_COVERAGE_H
#define CMDAI_COVERAGE_H

#include <stddef.h>
#include <stdint.h>

struct cmdai_bundle; /* runtime/bundle.h, included by coverage.c (its inline
                      * helpers sit outside its include guard) */
struct rt_norm;

/* Where a command came from: the template's inline tests (template-level
 * tests and rule-level cases) or a --corpus file. */
enum { COV_TESTS = 0, COV_CORPUS = 1, COV_NSRC = 2 };

typedef struct cov {
    const struct cmdai_bundle *b;          /* borrowed for the life of the cov */
    uint64_t ncommands[COV_NSRC];          /* commands walked, per source */
    uint64_t *rule_hits[COV_NSRC];         /* [nrules]: commands on which the rule fired */
    uint32_t *rule_states;                 /* [nrules]: accept states whose record lists the rule */
    uint32_t *rule_states_hit;             /* [nrules]: of those, visited (cov_finish) */
    uint8_t *state_seen;                   /* [nstates]: bit 1 << source when visited */
    uint32_t naccept;                      /* states with a decision record (acc != 0) */
    uint64_t *stamp;                       /* [nrules]: last command that counted the rule */
    uint64_t serial;                       /* commands walked, all sources: the stamp clock */
    struct rt_norm *norm;                  /* scratch for the normalizer (about 110 KiB) */
} cov;

/* Size the counters for bundle b (validated, borrowed).  0, or -1 when out
 * of memory.  Release with cov_release(). */
int cov_init(cov *c, const struct cmdai_bundle *b);

/* Normalize cmd[0..len) and walk every unit: each accept state entered is
 * marked visited for `source`, and each rule listed by a record read counts
 * one hit for this command (a rule counts once per command).  A command the
 * normalizer refuses is walked as far as eval walks it (it fails closed). */
void cov_add(cov *c, const char *cmd, size_t len, int source);

/* Fill rule_states_hit after the last cov_add. */
void cov_finish(cov *c);

/* Visited accept states, from either source. */
uint32_t cov_states_visited(const cov *c);

/* After cov_finish: examples[r] (nrules entries, filled here) is a command
 * whose walk enters an accept state of rule r that no command entered, the
 * shortest found (malloc'd; NULL when r has none or none was found), each
 * checked by normalizing it again (note [coverage examples] in coverage.c).
 * The search stops after `budget` steps (*truncated = 1).  0, or -1 when out
 * of memory.  Caller frees each string. */
int cov_examples(cov *c, uint64_t budget, char **examples, int *truncated);

void cov_release(cov *c);

#endif
