/* coverage.c — rule and accept-state coverage of a bundle by a set of
 * commands (coverage.h).  The walk is runtime/eval.c's WALK_RECORDS with the
 * state number kept: per unit from the start state, one rt_step_any per
 * byte, and the record of every state entered is read.  The records a walk
 * reads are exactly the ones eval folds into a verdict, so "the rule fired"
 * here means what it means in a verdict, without its 16-rule cap. */
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "coverage.h"
#include "shell.h"

int cov_init(cov *c, const struct cmdai_bundle *b)
{
    memset(c, 0, sizeof *c);
    c->b = b;
    size_t nr = b->nrules ? b->nrules : 1;
    for (int s = 0; s < COV_NSRC; s++)
        c->rule_hits[s] = calloc(nr, sizeof *c->rule_hits[s]);
    c->rule_states = calloc(nr, sizeof *c->rule_states);
    c->rule_states_hit = calloc(nr, sizeof *c->rule_states_hit);
    c->stamp = calloc(nr, sizeof *c->stamp);
    c->state_seen = calloc(b->nstates ? b->nstates : 1, 1);
    c->norm = malloc(sizeof *c->norm);
    if (!c->rule_hits[COV_TESTS] || !c->rule_hits[COV_CORPUS] || !c->rule_states || !c->rule_states_hit ||
        !c->stamp || !c->state_seen || !c->norm) {
        cov_release(c);
        return -1;
    }
    /* Which accept states speak for which rule: a state counts for every
     * rule its record lists (one record may be shared by many states). */
    for (uint32_t s = 0; s < b->nstates; s++) {
        uint32_t acc = rt_state_acc(b, s);
        if (!acc)
            continue;
        c->naccept++;
        const cpb_record *r = &b->recs[acc];
        for (uint32_t i = 0; i < r->n; i++)
            c->rule_states[b->recrules[r->first + i]]++;
    }
    return 0;
}

static void walk_unit(cov *c, const unsigned char *p, size_t n, int source)
{
    const struct cmdai_bundle *b = c->b;
    uint32_t s = b->start;
    for (size_t i = 0; i < n; i++) {
        s = rt_step_any(b, s, p[i]);
        uint32_t acc = rt_state_acc(b, s);
        if (!acc)
            continue;
        c->state_seen[s] |= (uint8_t)(1u << source);
        const cpb_record *r = &b->recs[acc];
        for (uint32_t k = 0; k < r->n; k++) {
            uint32_t rule = b->recrules[r->first + k];
            if (c->stamp[rule] != c->serial) {
                c->stamp[rule] = c->serial;
                c->rule_hits[source][rule]++;
            }
        }
    }
}

void cov_add(cov *c, const char *cmd, size_t len, int source)
{
    /* Stamps start at 0 (calloc): the first command is serial 1. */
    c->serial++;
    c->ncommands[source]++;
    rt_norm_run(c->norm, cmd, len); /* on error the units written stay valid */
    size_t from = 0;
    for (uint32_t u = 0; u < c->norm->nunits; u++) {
        walk_unit(c, c->norm->buf + from, c->norm->unit_end[u] - from, source);
        from = c->norm->unit_end[u];
    }
}

void cov_finish(cov *c)
{
    const struct cmdai_bundle *b = c->b;
    memset(c->rule_states_hit, 0, (b->nrules ? b->nrules : 1) * sizeof *c->rule_states_hit);
    for (uint32_t s = 0; s < b->nstates; s++) {
        uint32_t acc = rt_state_acc(b, s);
        if (!acc || !c->state_seen[s])
            continue;
        const cpb_record *r = &b->recs[acc];
        for (uint32_t i = 0; i < r->n; i++)
            c->rule_states_hit[b->recrules[r->first + i]]++;
    }
}

uint32_t cov_states_visited(const cov *c)
{
    uint32_t n = 0;
    for (uint32_t s = 0; s < c->b->nstates; s++)
        n += c->state_seen[s] != 0;
    return n;
}

void cov_release(cov *c)
{
    for (int s = 0; s < COV_NSRC; s++)
        free(c->rule_hits[s]);
    free(c->rule_states);
    free(c->rule_states_hit);
    free(c->stamp);
    free(c->state_seen);
    free(c->norm);
    memset(c, 0, sizeof *c);
}
