/* ref_match.h — a slow reference matcher for differential checks of the
 * automaton: rules over a small vocabulary (a literal program, flag groups
 * with alternatives, literal positionals, `...`, `$`, one optional unless),
 * matched directly against the canonical stages of rt_norm units.  The one
 * reference of tests/fuzz/fuzz_diff.c and of test_compile.c's differential
 * test.  Header-only, static inline, no cmocka:
 * malformed or oversized input makes ref_reference() return -1, not assert. */
#ifndef CMDAI_REF_MATCH_H
#define CMDAI_REF_MATCH_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "cmdai/policy.h"
#include "shell.h"

#define REF_MAX_RULES 8
#define REF_MAX_GROUPS 3
#define REF_MAX_ALTS 3
#define REF_MAX_POS 4
#define REF_MAX_TOKS 32
#define REF_TOK_LEN 64
#define REF_MAX_STAGES 16

typedef struct ref_pat {
    const char *prog;
    int ngroups;
    const char *alts[REF_MAX_GROUPS][REF_MAX_ALTS]; /* flag names, NULL-terminated; one must be present */
    int npos;
    const char *pos[REF_MAX_POS];                  /* literal, or "..." */
    int eol;                                        /* `$`: no positionals after */
} ref_pat;

typedef struct ref_rule {
    char id[16];   /* ids sort like the rule order: index = identity in verdicts */
    ref_pat match;
    int has_unless;
    ref_pat unless;
    int action, risk;
} ref_rule;

typedef struct ref_stage {
    char prog[REF_TOK_LEN];
    int dyn, overflow;
    int nflags, nargs;
    char flags[REF_MAX_TOKS][REF_TOK_LEN], args[REF_MAX_TOKS][REF_TOK_LEN];
} ref_stage;

/* The DSL text of a pattern; a positional that looks like a flag is quoted
 * (docs/dsl.md: a quoted word is never a flag). */
static inline size_t ref_pat_text(char *out, size_t cap, const ref_pat *p)
{
    size_t o = (size_t)snprintf(out, cap, "%s", p->prog);
    for (int g = 0; g < p->ngroups && o < cap; g++) {
        if (!p->alts[g][1])
            o += (size_t)snprintf(out + o, cap - o, " %s", p->alts[g][0]);
        else if (!p->alts[g][2])
            o += (size_t)snprintf(out + o, cap - o, " {%s,%s}", p->alts[g][0], p->alts[g][1]);
        else
            o += (size_t)snprintf(out + o, cap - o, " {%s,%s,%s}", p->alts[g][0], p->alts[g][1], p->alts[g][2]);
    }
    for (int i = 0; i < p->npos && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, p->pos[i][0] == '-' ? " \"%s\"" : " %s", p->pos[i]);
    if (p->eol && o < cap)
        o += (size_t)snprintf(out + o, cap - o, " $");
    return o;
}

/* A flag pattern `name` matches the flag token `name` or `name=value`. */
static inline int ref_flag_has(const ref_stage *s, const char *name)
{
    size_t n = strlen(name);
    for (int i = 0; i < s->nflags; i++)
        if (!strncmp(s->flags[i], name, n) && (s->flags[i][n] == '\0' || s->flags[i][n] == '='))
            return 1;
    return 0;
}

static inline int ref_pos_match(const ref_pat *p, int pi, const ref_stage *s, int ai)
{
    if (pi >= p->npos || pi >= REF_MAX_POS) /* npos <= REF_MAX_POS: the second test is for the compiler */
        return p->eol ? ai == s->nargs : 1; /* implicit trailing "..." */
    if (!strcmp(p->pos[pi], "...")) {
        for (int k = ai; k <= s->nargs; k++)
            if (ref_pos_match(p, pi + 1, s, k))
                return 1;
        return 0;
    }
    return ai < s->nargs && !strcmp(s->args[ai], p->pos[pi]) && ref_pos_match(p, pi + 1, s, ai + 1);
}

static inline int ref_pat_match(const ref_pat *p, const ref_stage *s)
{
    if (s->dyn || strcmp(s->prog, p->prog))
        return 0;
    for (int g = 0; g < p->ngroups; g++) {
        int any = 0;
        for (int k = 0; k < REF_MAX_ALTS && p->alts[g][k]; k++)
            any |= ref_flag_has(s, p->alts[g][k]);
        if (!any)
            return 0;
    }
    return ref_pos_match(p, 0, s, 0);
}

/* Decode the canonical stages of one unit; -1 when it is not well formed or
 * does not fit (the caller then skips the comparison). */
static inline int ref_decode(const unsigned char *b, size_t n, ref_stage *st, int cap)
{
    int ns = 0;
    size_t i = 0;
    while (i < n) {
        if (b[i] != RT_C_CMD || ns >= cap)
            return -1;
        ref_stage *s = &st[ns++];
        memset(s, 0, sizeof *s);
        i++;
        char *cur = s->prog;
        size_t clen = 0;
        int ended = 0;
        for (; i < n; i++) {
            unsigned c = b[i];
            if (c == RT_C_END) {
                i++;
                ended = 1;
                break;
            }
            if (c == RT_C_DYN) {
                s->dyn = 1;
                continue;
            }
            if (c == RT_C_FLAG || c == RT_C_ARG || c == RT_C_REDIR || c == RT_C_RTGT) {
                if (c == RT_C_FLAG) {
                    if (s->nflags >= REF_MAX_TOKS)
                        return -1;
                    cur = s->flags[s->nflags++];
                } else if (c == RT_C_ARG) {
                    if (s->nargs >= REF_MAX_TOKS)
                        return -1;
                    cur = s->args[s->nargs++];
                } else {
                    cur = NULL; /* redirections are not in the vocabulary */
                }
                clen = 0;
                continue;
            }
            if (c < RT_C_MIN_TOKEN)
                return -1;
            if (cur) {
                if (clen + 1 >= REF_TOK_LEN)
                    return -1;
                cur[clen++] = (char)c;
                cur[clen] = '\0';
            }
        }
        if (!ended)
            return -1;
    }
    return ns;
}

static inline int ref_sev_cmp(const ref_rule *r, uint32_t a, uint32_t b)
{
    if (r[a].action != r[b].action)
        return r[b].action - r[a].action;
    if (r[a].risk != r[b].risk)
        return r[b].risk - r[a].risk;
    return a < b ? -1 : a > b;
}

/* The reference verdict (action, risk, reason, rules most severe first) of
 * normalized units: per stage, the matching rules, or the template default
 * `def`.  0, or -1 when the units cannot be decoded or a stage has a
 * dynamic program (not in the vocabulary: `safety.dynamic` is not modelled). */
static inline int ref_reference(const ref_rule *rules, int nr, int def, const rt_norm *n, cmdai_verdict *v)
{
    static ref_stage st[REF_MAX_STAGES]; /* ~70 KiB: not on the stack */
    memset(v, 0, sizeof *v);
    int matched[REF_MAX_RULES] = {0};
    size_t from = 0;
    for (uint32_t u = 0; u < n->nunits; u++) {
        int ns = ref_decode(n->buf + from, n->unit_end[u] - from, st, REF_MAX_STAGES);
        if (ns < 0)
            return -1;
        from = n->unit_end[u];
        for (int s = 0; s < ns; s++) {
            if (st[s].dyn)
                return -1;
            int any = 0;
            for (int r = 0; r < nr; r++) {
                if (!ref_pat_match(&rules[r].match, &st[s]))
                    continue;
                if (rules[r].has_unless && ref_pat_match(&rules[r].unless, &st[s]))
                    continue;
                any = 1;
                matched[r] = 1;
                if (rules[r].action > (int)v->action)
                    v->action = (cmdai_action)rules[r].action;
                if (rules[r].risk > (int)v->risk)
                    v->risk = (cmdai_risk)rules[r].risk;
                v->reason |= CMDAI_REASON_RULE;
            }
            if (!any) {
                if (def > (int)v->action)
                    v->action = (cmdai_action)def;
                v->reason |= CMDAI_REASON_DEFAULT;
            }
        }
    }
    for (int r = 0; r < nr; r++) {
        if (!matched[r])
            continue;
        unsigned at = v->nrules++;
        while (at > 0 && ref_sev_cmp(rules, (uint32_t)r, v->rules[at - 1]) < 0) {
            v->rules[at] = v->rules[at - 1];
            at--;
        }
        v->rules[at] = (uint32_t)r;
    }
    return 0;
}

#endif
