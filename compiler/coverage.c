/* coverage.c — rule and accept-state coverage of a bundle by a set of
 * commands (coverage.h), and checked examples of the forms left untested
 * (note [coverage examples]).  The walk is runtime/eval.c's WALK_RECORDS with the
 * state number kept: per unit from the start state, one rt_step_any per
 * byte, and the record of every state entered is read.  The records a walk
 * reads are exactly the ones eval folds into a verdict, so "the rule fired"
 * here means what it means in a verdict, without its 16-rule cap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "canon.h"
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

/* note [coverage examples]: for the accept states no command entered, the
 * shortest command that enters one, per rule.  A breadth-first walk of the
 * automaton in step with the canonical stage grammar (canon.h, made strict
 * so that every path spells tokens the normalizer writes: a program and a
 * target are not empty, a flag starts with '-'), over readable bytes only,
 * one byte per (class, grammar move).  A path that enters an unvisited
 * accept state is completed to a whole stage, rendered as a shell command
 * and kept only when the normalizer maps that command back onto a walk that
 * enters the state: what is printed is checked, not claimed. */
enum { G_PROG0 = RT_G_N, G_FLAG0, G_TGT0, G_N };

static int ex_gram(int g, unsigned char ch)
{
    if (g == G_PROG0 || g == G_TGT0)
        return ch >= RT_C_MIN_TOKEN ? (g == G_PROG0 ? RT_G_PROG : RT_G_TGT) : RT_G_DEAD;
    if (g == G_FLAG0)
        return ch == '-' ? RT_G_FLAG : RT_G_DEAD;
    int n = rt_canon_next(g, ch);
    if (n == RT_G_PROG && g == RT_G_STAGE)
        return G_PROG0;
    if (ch == RT_C_FLAG && n == RT_G_FLAG)
        return G_FLAG0;
    if (ch == RT_C_RTGT && n == RT_G_TGT)
        return G_TGT0;
    return n;
}

/* Bytes tried, most readable first; markers, then a token alphabet that
 * needs no quoting. */
static size_t ex_alphabet(unsigned char *out)
{
    static const char tok[] = "abcdefghijklmnopqrstuvwxyz0123456789-./_=:,+@%^~ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    size_t n = 0;
    for (unsigned char m = RT_C_CMD; m <= RT_C_END; m++)
        out[n++] = m;
    for (const char *p = tok; *p; p++)
        out[n++] = (unsigned char)*p;
    return n;
}

/* Canonical unit bytes -> a command line: stages joined by " | ", each as
 * program, args, flags, redirections; tokens are from ex_alphabet, so none
 * needs quoting. */
static void ex_render(const unsigned char *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++) {
        unsigned char ch = p[i];
        if (ch == RT_C_CMD) {
            if (i)
                o += (size_t)snprintf(out + o, cap - o, " | ");
        } else if (ch == RT_C_ARG || ch == RT_C_FLAG || ch == RT_C_REDIR) {
            out[o++] = ' ';
        } else if (ch >= RT_C_MIN_TOKEN) {
            out[o++] = (char)ch;
        } /* RTGT glues op and target; END ends a stage */
    }
    out[o < cap ? o : cap - 1] = 0;
}

/* Does the command, normalized, make a walk enter state `want`? */
static int ex_reaches(cov *c, const char *cmd, uint32_t want)
{
    if (rt_norm_run(c->norm, cmd, strlen(cmd)) != 0)
        return 0;
    size_t from = 0;
    for (uint32_t u = 0; u < c->norm->nunits; u++) {
        uint32_t s = c->b->start;
        for (size_t i = from; i < c->norm->unit_end[u]; i++) {
            s = rt_step_any(c->b, s, c->norm->buf[i]);
            if (s == want)
                return 1;
        }
        from = c->norm->unit_end[u];
    }
    return 0;
}

typedef struct ex_node {
    uint32_t s, parent;
    uint8_t g, byte;
} ex_node;

int cov_examples(cov *c, uint64_t budget, char **examples, int *truncated)
{
    const struct cmdai_bundle *b = c->b;
    size_t nr = b->nrules ? b->nrules : 1;
    *truncated = 0;
    memset(examples, 0, nr * sizeof *examples);
    uint32_t wanted = 0; /* rules with an unvisited accept state */
    for (uint32_t r = 0; r < b->nrules; r++)
        wanted += c->rule_states_hit[r] < c->rule_states[r];
    if (!wanted)
        return 0;
    size_t nseen = (size_t)b->nstates * G_N;
    uint8_t *seen = calloc(nseen, 1), *tries = calloc(b->nstates ? b->nstates : 1, 1);
    uint32_t *stamp = calloc((size_t)b->nclasses * G_N, sizeof *stamp);
    size_t cap = 1 << 16, n = 0;
    ex_node *q = malloc(cap * sizeof *q);
    unsigned char alpha[128], path[512];
    char cmd[1200];
    size_t na = ex_alphabet(alpha);
    int rc = -1;
    if (!seen || !tries || !stamp || !q)
        goto done;
    q[n++] = (ex_node){b->start, UINT32_MAX, RT_G_STAGE, 0};
    seen[(size_t)b->start * G_N + RT_G_STAGE] = 1;
    uint64_t steps = 0;
    for (size_t qi = 0; qi < n && wanted; qi++) {
        ex_node cur = q[qi];
        for (size_t k = 0; k < na && wanted; k++) {
            if (++steps > budget) {
                *truncated = 1;
                rc = 0;
                goto done;
            }
            unsigned char byte = alpha[k];
            int g = ex_gram(cur.g, byte);
            if (g == RT_G_DEAD)
                continue;
            uint32_t *st = &stamp[(size_t)b->cls[byte] * G_N + (size_t)g];
            if (*st == (uint32_t)qi + 1)
                continue; /* this class and move were tried from this node */
            *st = (uint32_t)qi + 1;
            uint32_t s = rt_step_any(b, cur.s, byte);
            uint32_t acc = rt_state_acc(b, s);
            if (acc && !c->state_seen[s] && tries[s] < 4) {
                const cpb_record *rec = &b->recs[acc];
                int useful = 0;
                for (uint32_t i = 0; i < rec->n; i++)
                    useful |= !examples[b->recrules[rec->first + i]];
                size_t len = 0;
                for (uint32_t at = (uint32_t)qi; useful && at != UINT32_MAX && len < sizeof path - 8; at = q[at].parent)
                    if (q[at].parent != UINT32_MAX)
                        path[len++] = q[at].byte;
                if (useful && len < sizeof path - 8) {
                    tries[s]++;
                    for (size_t i = 0; i < len / 2; i++) { /* collected backwards */
                        unsigned char t = path[i];
                        path[i] = path[len - 1 - i];
                        path[len - 1 - i] = t;
                    }
                    path[len++] = byte;
                    /* Complete the stage (note above). */
                    if (g == G_PROG0 || g == G_TGT0)
                        path[len++] = 'x';
                    else if (g == G_FLAG0) {
                        path[len++] = '-';
                        path[len++] = 'x';
                    } else if (g == RT_G_OP) {
                        if (byte == RT_C_REDIR)
                            path[len++] = '>';
                        path[len++] = RT_C_RTGT;
                        path[len++] = 'x';
                    }
                    if (g != RT_G_STAGE)
                        path[len++] = RT_C_END;
                    ex_render(path, len, cmd, sizeof cmd);
                    if (ex_reaches(c, cmd, s)) {
                        for (uint32_t i = 0; i < rec->n; i++) {
                            uint32_t r = b->recrules[rec->first + i];
                            if (!examples[r] && c->rule_states_hit[r] < c->rule_states[r]) {
                                examples[r] = strdup(cmd);
                                if (!examples[r])
                                    goto done;
                                wanted--;
                            }
                        }
                    }
                }
            }
            size_t key = (size_t)s * G_N + (size_t)g;
            if (seen[key])
                continue;
            seen[key] = 1;
            if (n == cap) {
                ex_node *nq = realloc(q, 2 * cap * sizeof *q);
                if (!nq)
                    goto done;
                q = nq;
                cap *= 2;
            }
            q[n++] = (ex_node){s, (uint32_t)qi, (uint8_t)g, byte};
        }
    }
    rc = 0;
done:
    free(seen);
    free(tries);
    free(stamp);
    free(q);
    return rc;
}
