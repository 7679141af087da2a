/* compile.c — a resolved template -> one automaton (ir.h).
 * Every maximal pipeline pattern of a rule (match and unless) becomes an
 * *atom*: an NFA branch from the shared stage start that accepts right after
 * the END byte of the stage where it completes.  All atoms of all rules share
 * one NFA, so the DFA is walked once per command whatever the number of rules.
 * and/or/not/unless are boolean formulas over atoms, evaluated here per DFA
 * state (note [decision records] in ir.h), never at run time. */
#include "ir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canon.h"
#include "dfa.h"
#include "min.h"
#include "nfa.h"
#include "pattern.h"

enum { F_ATOM, F_AND, F_OR, F_NOT };

typedef struct cc_f {
    int kind;
    uint32_t atom;
    struct cc_f *a, *b;
} cc_f;

typedef struct cc_atom {
    const char *key; /* ast_dump text: equal patterns share one atom */
    int eager;       /* note [eager atoms] in pattern.c */
    uint32_t id;
} cc_atom;

typedef struct cc {
    arena *a;
    const tpl *t;
    diag *d;
    nfa m;
    uint32_t hub;      /* epsilon fan-out after RT_C_CMD */
    uint32_t hub_tail; /* last state of the fan-out chain */
    uint32_t gstart;   /* stage start: the marker state */
    cc_atom *atoms;
    uint32_t natoms, atomcap;
    uint32_t *atom_slot; /* open addressing over (eager, key): atom index + 1, 0 = empty */
    uint32_t atom_slots;
    uint32_t atom_dyn, atom_tools;
    const tpl_pattern *src; /* the pattern being compiled, for diagnostics */
} cc;

static void hub_add(cc *c, uint32_t entry)
{
    /* A chain of epsilon states, each with one branch to an atom. */
    uint32_t n = nfa_new(&c->m);
    nfa_link(&c->m, c->hub_tail, n);
    nfa_link(&c->m, n, entry);
    c->hub_tail = n;
}

static uint32_t accept_state(cc *c, uint32_t atom)
{
    uint32_t s = nfa_new(&c->m);
    c->m.st[s].accept = (int32_t)atom;
    return s;
}

/* Skip one whole stage: CMD [^END]* END.  Starts after CMD when after_cmd. */
static nfa_frag skip_stage(nfa *m, int after_cmd)
{
    bset notend = {{~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0}};
    notend.w[0] &= ~((uint64_t)1 << RT_C_END);
    nfa_frag f = after_cmd ? nfa_empty(m) : nfa_byte(m, RT_C_CMD);
    f = nfa_cat(m, f, nfa_star(m, nfa_set(m, &notend)));
    return nfa_cat(m, f, nfa_byte(m, RT_C_END));
}

static int stage_list(pat_ctx *pc, const ast_node *n, const ast_node **out, int *k, int cap)
{
    if (n->kind == AST_PIPE) {
        if (stage_list(pc, n->a, out, k, cap) || stage_list(pc, n->b, out, k, cap))
            return -1;
        return 0;
    }
    if (n->kind != AST_CMD && n->kind != AST_OR)
        return pat_err(pc, CMDAI_E_SEMANTIC, n->line, n->column,
                       "a pipeline stage must be a command pattern (and/not cannot be inside '|')");
    if (*k >= cap)
        return pat_err(pc, CMDAI_E_SEMANTIC, n->line, n->column, "pipeline pattern too long");
    out[(*k)++] = n;
    return 0;
}

/* One stage of a pipeline pattern (a CMD, or an OR of CMDs). */
static int stage_frag(cc *c, pat_ctx *pc, const ast_node *n, int eager, nfa_frag *out)
{
    if (n->kind == AST_OR) {
        nfa_frag x, y;
        if (stage_frag(c, pc, n->a, eager, &x) || stage_frag(c, pc, n->b, eager, &y))
            return -1;
        *out = nfa_alt(&c->m, x, y);
        return 0;
    }
    if (n->kind != AST_CMD)
        return pat_err(pc, CMDAI_E_SEMANTIC, n->line, n->column, "and/not cannot be combined inside a pipeline stage");
    return pat_stage(pc, n, eager, out);
}

static uint32_t atom_hash(const char *key, int eager)
{
    uint32_t h = 2166136261u ^ (uint32_t)eager;
    for (; *key; key++)
        h = (h ^ (unsigned char)*key) * 16777619u;
    return h;
}

/* Equal patterns (same ast_dump text, same eagerness) share one atom. */
static int build_atom(cc *c, const ast_node *n, int eager, uint32_t *id)
{
    char *key = ast_dump(c->a, n);
    if ((c->natoms + 1) * 2 > c->atom_slots) { /* the table: arena memory, rebuilt when it doubles */
        uint32_t ncap = c->atom_slots ? c->atom_slots * 2 : 256;
        c->atom_slot = arena_array(c->a, ncap, sizeof *c->atom_slot);
        memset(c->atom_slot, 0, ncap * sizeof *c->atom_slot);
        c->atom_slots = ncap;
        for (uint32_t i = 0; i < c->natoms; i++) {
            uint32_t j = atom_hash(c->atoms[i].key, c->atoms[i].eager) & (ncap - 1);
            while (c->atom_slot[j])
                j = (j + 1) & (ncap - 1);
            c->atom_slot[j] = i + 1;
        }
    }
    uint32_t slot = atom_hash(key, eager) & (c->atom_slots - 1);
    for (; c->atom_slot[slot]; slot = (slot + 1) & (c->atom_slots - 1)) {
        const cc_atom *at = &c->atoms[c->atom_slot[slot] - 1];
        if (at->eager == eager && !strcmp(at->key, key)) {
            *id = at->id;
            return 0;
        }
    }
    const ast_node *st[64];
    int k = 0;
    pat_ctx pc = {.m = &c->m, .t = c->t, .a = c->a, .d = c->d, .file = c->src->pos.file,
                  .line0 = c->src->pos.line, .col0 = c->src->pos.column};
    if (stage_list(&pc, n, st, &k, 64))
        return -1;
    nfa_frag f;
    /* Only the last stage may stop early: earlier ones must reach END. */
    if (stage_frag(c, &pc, st[0], eager && k == 1, &f))
        return -1;
    for (int i = 1; i < k; i++) {
        nfa_frag g;
        if (stage_frag(c, &pc, st[i], eager && i == k - 1, &g))
            return -1;
        /* The very next stage.  "Anywhere later" would keep one pending bit
         * per pipeline rule alive through every following stage, and those
         * bits multiply the whole automaton (2^rules); adjacency keeps the
         * pending thread alive only while the next program name matches. */
        f = nfa_cat(&c->m, f, nfa_cat(&c->m, nfa_byte(&c->m, RT_C_CMD), g));
    }
    if (c->natoms == c->atomcap) {
        c->atomcap = c->atomcap ? c->atomcap * 2 : 64;
        c->atoms = arena_grow(c->a, c->atoms, c->natoms, c->atomcap, sizeof *c->atoms);
    }
    uint32_t aid = c->natoms;
    c->atoms[c->natoms++] = (cc_atom){key, eager, aid};
    c->atom_slot[slot] = aid + 1; /* the slot found free above: building the atom added no atom */
    nfa_link(&c->m, f.out, accept_state(c, aid));
    hub_add(c, f.in);
    *id = aid;
    return 0;
}

static int build_formula(cc *c, const ast_node *n, int eager, cc_f **out)
{
    cc_f *f = arena_alloc(c->a, sizeof *f);
    switch (n->kind) {
    case AST_AND:
    case AST_OR:
        f->kind = n->kind == AST_AND ? F_AND : F_OR;
        if (build_formula(c, n->a, eager, &f->a) || build_formula(c, n->b, eager, &f->b))
            return -1;
        break;
    case AST_NOT:
        f->kind = F_NOT;
        if (build_formula(c, n->a, eager, &f->a))
            return -1;
        break;
    case AST_CMD:
    case AST_PIPE:
        f->kind = F_ATOM;
        if (build_atom(c, n, eager, &f->atom))
            return -1;
        break;
    }
    *out = f;
    return 0;
}

static int ast_monotone(const ast_node *n)
{
    if (n->kind == AST_OR)
        return ast_monotone(n->a) && ast_monotone(n->b);
    return n->kind == AST_CMD || n->kind == AST_PIPE;
}

static const uint32_t *g_mark;
static uint32_t g_stamp;

static int eval_f(const cc_f *f)
{
    switch (f->kind) {
    case F_ATOM:
        return g_mark[f->atom] == g_stamp;
    case F_AND:
        return eval_f(f->a) && eval_f(f->b);
    case F_OR:
        return eval_f(f->a) || eval_f(f->b);
    default:
        return !eval_f(f->a);
    }
}

static void collect_atoms(const cc_f *f, uint32_t *v, uint32_t *n, uint32_t cap)
{
    if (f->kind == F_ATOM) {
        for (uint32_t i = 0; i < *n; i++)
            if (v[i] == f->atom)
                return;
        if (*n < cap)
            v[(*n)++] = f->atom;
        return;
    }
    collect_atoms(f->a, v, n, cap);
    if (f->b)
        collect_atoms(f->b, v, n, cap);
}

/* Complement of the tools allowlist: accepts a stage whose program is NOT
 * one of the allowed names.  A trie over the names; falling off it, or ending
 * the program word on a non-final node, leads to acceptance. */
static void tools_atom(cc *c)
{
    nfa *m = &c->m;
    const tpl *t = c->t;
    uint32_t acc = accept_state(c, c->atom_tools);
    bset tok = nfa_tokbytes;
    /* R: rest of the stage after the program. */
    bset notend = {{~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0}};
    notend.w[0] &= ~((uint64_t)1 << RT_C_END);
    nfa_frag rest = nfa_cat(m, nfa_star(m, nfa_set(m, &notend)), nfa_byte(m, RT_C_END));
    nfa_link(m, rest.out, acc);
    /* T: fell off the trie: any token bytes, then a separator. */
    bset sep3 = {{0}};
    bset_add(&sep3, RT_C_FLAG);
    bset_add(&sep3, RT_C_ARG);
    bset_add(&sep3, RT_C_REDIR);
    nfa_frag tl = nfa_star(m, nfa_set(m, &tok));
    nfa_frag t_other = nfa_set(m, &sep3);
    nfa_link(m, t_other.out, rest.in);
    nfa_frag t_end = nfa_byte(m, RT_C_END);
    nfa_link(m, t_end.out, acc);
    uint32_t tsplit = nfa_new(m);
    nfa_link(m, tl.out, tsplit);
    nfa_link(m, tsplit, t_other.in);
    nfa_link(m, tsplit, t_end.in);
    uint32_t fall = tl.in; /* reached after one byte that leaves the trie */

    /* Trie nodes: arrays of (prefix) built from sorted names. */
    size_t nn = t->ntools;
    const char **names = (const char **)t->tools_allow;
    /* Breadth-first over prefixes: a queue of trie nodes, no recursion. */
    typedef struct node {
        const char *pre;
        size_t len;
        uint32_t entry;
    } node;
    size_t cap = 1, tot = 1;
    for (size_t i = 0; i < nn; i++)
        tot += strlen(names[i]);
    cap = tot + 1;
    node *nodes = arena_array(c->a, cap, sizeof *nodes);
    size_t nnode = 0;
    nodes[nnode++] = (node){"", 0, nfa_new(m)};
    for (size_t qi = 0; qi < nnode; qi++) {
        node cur = nodes[qi];
        bset kids = {{0}};
        int final = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t l = strlen(names[i]);
            if (l < cur.len || memcmp(names[i], cur.pre, cur.len))
                continue;
            if (l == cur.len) {
                final = 1;
                continue;
            }
            unsigned b = (unsigned char)names[i][cur.len];
            if (bset_has(&kids, b))
                continue;
            bset_add(&kids, b);
            uint32_t child = nfa_new(m);
            nodes[nnode++] = (node){names[i], cur.len + 1, child};
            nfa_frag e = nfa_byte(m, b);
            nfa_link(m, e.out, child);
            uint32_t br = nfa_new(m);
            nfa_link(m, cur.entry, br);
            nfa_link(m, br, e.in);
            cur.entry = br; /* nodes[qi].entry stays the head of the chain */
        }
        /* Other token bytes: fall off. */
        bset other = tok;
        for (int w = 0; w < 4; w++)
            other.w[w] &= ~kids.w[w];
        nfa_frag off = nfa_set(m, &other);
        nfa_link(m, off.out, fall);
        uint32_t br = nfa_new(m);
        nfa_link(m, cur.entry, br);
        nfa_link(m, br, off.in);
        cur.entry = br;
        if (!final && cur.len > 0) {
            nfa_frag so = nfa_set(m, &sep3);
            nfa_link(m, so.out, rest.in);
            nfa_frag se = nfa_byte(m, RT_C_END);
            nfa_link(m, se.out, acc);
            uint32_t b1 = nfa_new(m), b2 = nfa_new(m);
            nfa_link(m, cur.entry, b1);
            nfa_link(m, b1, so.in);
            nfa_link(m, b1, b2);
            nfa_link(m, b2, se.in);
        }
    }
    hub_add(c, nodes[0].entry);
}

static int cmp_rule_ptr(const void *x, const void *y)
{
    const tpl_rule *a = *(const tpl_rule *const *)x, *b = *(const tpl_rule *const *)y;
    return strcmp(a->id, b->id);
}

/* note [dont care]: the runtime walks only what the normalizer writes, which
 * follows the canonical grammar (rt_canon_next in canon.h).  A byte that
 * cannot occur in any grammar context in which a state is reached (NUL, a
 * CMD inside a stage, RTGT outside a redirection, ...) may lead anywhere, so
 * it is sent where the row's most common possible byte goes: it then costs no
 * slot in the row-displaced tables.  Table bounds are unaffected, only the
 * meaning of input the normalizer never produces. */
static void dont_care(uint32_t *trans, uint32_t n, uint32_t k, const uint8_t *cls, uint32_t start)
{
    uint8_t *gs = calloc(n, 1); /* grammar states seen per state */
    uint32_t *queue = malloc((size_t)n * RT_G_N * sizeof *queue), qn = 0;
    uint32_t *cnt = calloc(n, sizeof *cnt);
    /* A state's possible classes are those of the grammar states it is
     * reached in, a function of gs[s]: per mask, its classes in ascending
     * order then the others (mcls), the number of the first (mnc). */
    uint16_t *mcls = malloc((size_t)256 * k * sizeof *mcls);
    uint32_t mnc[256];
    uint8_t mdone[256] = {0};
    if (!gs || !queue || !cnt || !mcls)
        abort();
    /* The grammar's moves by class: (class, next grammar state) pairs of
     * each grammar state, distinct, so a state is visited per class, not
     * per byte (the marks are a fixpoint: the order does not matter). */
    uint32_t pc[RT_G_N][256 * RT_G_N];
    uint8_t pg[RT_G_N][256 * RT_G_N];
    uint32_t np[RT_G_N] = {0};
    for (int g = 0; g < RT_G_N; g++) {
        uint8_t seen[256][RT_G_N];
        memset(seen, 0, sizeof seen);
        for (int b = 0; b < 256; b++) {
            int g2 = rt_canon_next(g, (unsigned char)b);
            if (g2 == RT_G_DEAD || seen[cls[b]][g2])
                continue;
            seen[cls[b]][g2] = 1;
            pc[g][np[g]] = cls[b];
            pg[g][np[g]++] = (uint8_t)g2;
        }
    }
    gs[start] |= 1u << RT_G_STAGE;
    queue[qn++] = start * RT_G_N + RT_G_STAGE;
    for (uint32_t qi = 0; qi < qn; qi++) {
        uint32_t s = queue[qi] / RT_G_N;
        int g = (int)(queue[qi] % RT_G_N);
        for (uint32_t i = 0; i < np[g]; i++) {
            int g2 = pg[g][i];
            uint32_t t = trans[(size_t)s * k + pc[g][i]];
            if (!(gs[t] & (1u << g2))) {
                gs[t] |= (uint8_t)(1u << g2);
                queue[qn++] = t * RT_G_N + (uint32_t)g2;
            }
        }
    }
    for (uint32_t s = 0; s < n; s++) {
        uint32_t m = gs[s];
        if (!m)
            continue; /* not reachable by well-formed input: leave it */
        uint16_t *ml = mcls + (size_t)m * k;
        if (!mdone[m]) {
            uint8_t cr[256] = {0};
            for (int g = 0; g < RT_G_N; g++)
                if (m & (1u << g))
                    for (uint32_t i = 0; i < np[g]; i++)
                        cr[pc[g][i]] = 1;
            uint32_t j = 0;
            for (uint32_t c = 0; c < k; c++)
                if (cr[c])
                    ml[j++] = (uint16_t)c;
            mnc[m] = j;
            for (uint32_t c = 0; c < k; c++)
                if (!cr[c])
                    ml[j++] = (uint16_t)c;
            mdone[m] = 1;
        }
        uint32_t *row = trans + (size_t)s * k;
        uint32_t best = UINT32_MAX, bc = 0, nc = mnc[m];
        for (uint32_t i = 0; i < nc; i++)
            if (++cnt[row[ml[i]]] > bc) {
                bc = cnt[row[ml[i]]];
                best = row[ml[i]];
            }
        for (uint32_t i = 0; i < nc; i++)
            cnt[row[ml[i]]] = 0;
        if (best == UINT32_MAX)
            continue;
        for (uint32_t i = nc; i < k; i++)
            row[ml[i]] = best;
    }
    free(gs);
    free(queue);
    free(cnt);
    free(mcls);
}

typedef struct rec_key {
    uint8_t action, risk, reason;
    uint32_t n;
    const uint32_t *rules;
} rec_key;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Sort order inside a record: most severe first, then by rule index. */
static const ir_rule *g_rules;
static int cmp_sev(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    const ir_rule *ra = &g_rules[a], *rb = &g_rules[b];
    if (ra->action != rb->action)
        return rb->action - ra->action;
    if (ra->risk != rb->risk)
        return rb->risk - ra->risk;
    return a < b ? -1 : a > b;
}

int cc_compile(arena *a, const tpl *t, uint32_t max_states, ir **out, diag *d)
{
    double t0 = now_ms();
    cc c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.t = t;
    c.d = d;
    nfa_init(&c.m, 0);
    c.m.owner = UINT32_MAX;
    int rc = -1;
    ir *r = calloc(1, sizeof *r);
    dfa D;
    memset(&D, 0, sizeof D);
    min_result M;
    memset(&M, 0, sizeof M);
    uint32_t *label = NULL, *atom_mark = NULL, *rule_mark = NULL, *cand = NULL;
    if (!r) {
        nfa_release(&c.m);
        return diag_set(d, CMDAI_E_NOMEM, t->file, 0, 0, "out of memory");
    }
    r->t = t;

    /* Rules sorted by id: order of rules in sources never matters. */
    uint32_t nr = (uint32_t)t->nrules;
    const tpl_rule **rs = arena_array(a, nr ? nr : 1, sizeof *rs);
    for (uint32_t i = 0; i < nr; i++)
        rs[i] = &t->rules[i];
    qsort(rs, nr, sizeof *rs, cmp_rule_ptr);
    r->rules = arena_array(a, nr ? nr : 1, sizeof *r->rules);
    r->nrules = nr;
    for (uint32_t i = 0; i < nr; i++) {
        r->rules[i] = (ir_rule){rs[i]->id, rs[i]->message, rs[i]->match.src, (uint8_t)rs[i]->action,
                                (uint8_t)rs[i]->risk, rs[i]->compliance, (uint32_t)rs[i]->ncompliance};
    }

    /* Global skeleton: G --CMD--> hub; hub -> skip-stage back to G, and -> atoms. */
    c.gstart = nfa_new(&c.m);
    c.hub = nfa_new(&c.m);
    c.hub_tail = c.hub;
    {
        /* G carries the CMD transition itself so that it is an "important"
         * state: subsets containing it are exactly the stage-end states. */
        bset cmdset = {{0}};
        bset_add(&cmdset, RT_C_CMD);
        c.m.st[c.gstart].set = nfa_intern(&c.m, &cmdset);
        c.m.st[c.gstart].to = c.hub;
        nfa_frag sk = skip_stage(&c.m, 1);
        nfa_link(&c.m, sk.out, c.gstart);
        hub_add(&c, sk.in);
    }

    cc_f **formula = arena_array(a, nr ? nr : 1, sizeof *formula);
    uint8_t *monotone = arena_alloc(a, nr ? nr : 1);
    for (uint32_t i = 0; i < nr; i++) {
        const tpl_rule *tr = rs[i];
        c.m.owner = i;
        cc_f *f;
        /* A rule that is an OR of patterns fires as soon as one completes;
         * and/not/unless need the whole simple command, so they are judged
         * at its END (note [eager atoms]). */
        monotone[i] = tr->nunless == 0 && ast_monotone(tr->match.ast);
        c.src = &tr->match;
        if (build_formula(&c, tr->match.ast, monotone[i], &f))
            goto out;
        for (size_t u = 0; u < tr->nunless; u++) {
            cc_f *g, *ng = arena_alloc(a, sizeof *ng), *both = arena_alloc(a, sizeof *both);
            c.src = &tr->unless[u];
            if (build_formula(&c, tr->unless[u].ast, 0, &g))
                goto out;
            ng->kind = F_NOT;
            ng->a = g;
            both->kind = F_AND;
            both->a = f;
            both->b = ng;
            f = both;
        }
        formula[i] = f;
    }
    c.m.owner = UINT32_MAX;
    c.atom_dyn = c.natoms;
    c.atom_tools = c.natoms + 1;
    {
        nfa_frag dy = nfa_cat(&c.m, nfa_byte(&c.m, RT_C_DYN), skip_stage(&c.m, 1));
        nfa_link(&c.m, dy.out, accept_state(&c, c.atom_dyn));
        hub_add(&c, dy.in);
    }
    if (t->has_tools)
        tools_atom(&c);
    r->natoms = c.natoms;
    r->nfa_states = c.m.n;

    dfa_blame bl;
    if (dfa_build(&c.m, c.gstart, c.gstart, max_states, &D, &bl)) {
        char names[300] = "";
        size_t o = 0;
        for (int i = 0; i < bl.n; i++)
            if (bl.owner[i] < nr)
                o += (size_t)snprintf(names + o, o < sizeof names ? sizeof names - o : 0, "%s%s",
                                      o ? ", " : "", r->rules[bl.owner[i]].id);
        const tpl_rule *worst = bl.n && bl.owner[0] < nr ? rs[bl.owner[0]] : NULL;
        if (bl.work) /* note [work budget] in dfa.h */
            diag_set(d, CMDAI_E_BUDGET, worst ? worst->match.pos.file : t->file,
                     worst ? worst->match.pos.line : 0, worst ? worst->match.pos.column : 0,
                     "building the automaton takes more than %llu steps (%u per state of the %u-state budget); "
                     "the rules that blow it up: %s",
                     (unsigned long long)max_states * DFA_WORK_PER_STATE, DFA_WORK_PER_STATE, max_states,
                     names[0] ? names : "(none identified)");
        else
            diag_set(d, CMDAI_E_BUDGET, worst ? worst->match.pos.file : t->file,
                     worst ? worst->match.pos.line : 0, worst ? worst->match.pos.column : 0,
                     "the automaton needs more than %u states; the rules that blow it up: %s", max_states,
                     names[0] ? names : "(none identified)");
        diag_hint(d, "replace '...' before several alternatives with fixed positions, merge rules that differ "
                     "only in one word into {a,b}, or raise --max-states");
        goto out;
    }
    r->dfa_states = D.nstates;

    /* Decision records (note [decision records]). */
    uint32_t natoms = c.natoms + 2;
    atom_mark = calloc(natoms, sizeof *atom_mark);
    rule_mark = calloc(nr ? nr : 1, sizeof *rule_mark);
    cand = calloc(nr ? nr : 1, sizeof *cand);
    label = calloc(D.nstates, sizeof *label);
    /* atom -> rules */
    uint32_t *a2r_off = calloc(natoms + 1, sizeof *a2r_off), *a2r = NULL, a2r_n = 0, a2r_cap = 0;
    uint32_t *vacuous = calloc(nr ? nr : 1, sizeof *vacuous), nvac = 0;
    if (!atom_mark || !rule_mark || !cand || !label || !a2r_off || !vacuous) {
        free(a2r_off);
        free(vacuous);
        diag_set(d, CMDAI_E_NOMEM, t->file, 0, 0, "out of memory");
        goto out;
    }
    {
        /* Counting sort of (atom, rule) pairs. */
        uint32_t tmp[256];
        uint32_t *pairs = NULL, np = 0, pcap = 0;
        for (uint32_t i = 0; i < nr; i++) {
            uint32_t n = 0;
            collect_atoms(formula[i], tmp, &n, 256);
            for (uint32_t k = 0; k < n; k++) {
                if (np + 2 > pcap) {
                    pcap = pcap ? pcap * 2 : 1024;
                    pairs = realloc(pairs, pcap * 2 * sizeof *pairs);
                    if (!pairs)
                        abort();
                }
                pairs[2 * np] = tmp[k];
                pairs[2 * np + 1] = i;
                np++;
                a2r_off[tmp[k] + 1]++;
            }
            g_mark = atom_mark;
            g_stamp = 1; /* nothing marked with 1 yet: all atoms false */
            if (eval_f(formula[i]))
                vacuous[nvac++] = i;
        }
        for (uint32_t k = 0; k < natoms; k++)
            a2r_off[k + 1] += a2r_off[k];
        a2r_cap = np ? np : 1;
        a2r = malloc(a2r_cap * sizeof *a2r);
        uint32_t *fill = calloc(natoms, sizeof *fill);
        if (!a2r || !fill)
            abort();
        for (uint32_t p = 0; p < np; p++) {
            uint32_t at = pairs[2 * p];
            a2r[a2r_off[at] + fill[at]++] = pairs[2 * p + 1];
        }
        a2r_n = np;
        free(fill);
        free(pairs);
    }
    (void)a2r_n;

    /* Records, interned; record 0 is "no rule matched". */
    uint32_t reccap = 64, nrec = 1, rrcap = 256, nrr = 0;
    ir_record *recs = calloc(reccap, sizeof *recs);
    uint32_t *rr = malloc(rrcap * sizeof *rr);
    size_t hcap = 1024;
    uint32_t *htab = calloc(hcap, sizeof *htab);
    if (!recs || !rr || !htab)
        abort();
    recs[0] = (ir_record){0, CMDAI_RISK_NONE, 0, 0, 0}; /* nothing to report here */
    uint32_t stamp = 1;
    g_rules = r->rules;
    for (uint32_t s = 0; s < D.nstates; s++) {
        if (D.acc_len[s] == 0 && !(D.marked[s] && nvac))
            continue;
        stamp++;
        const uint32_t *acc = D.acc_pool + D.acc_off[s];
        int dyn = 0, tools = 0;
        uint32_t nc = 0;
        for (uint32_t k = 0; k < D.acc_len[s]; k++) {
            uint32_t at = acc[k];
            atom_mark[at] = stamp;
            if (at == c.atom_dyn)
                dyn = 1;
            if (at == c.atom_tools)
                tools = 1;
            for (uint32_t q = a2r_off[at]; q < a2r_off[at + 1]; q++)
                if (rule_mark[a2r[q]] != stamp) {
                    rule_mark[a2r[q]] = stamp;
                    cand[nc++] = a2r[q];
                }
        }
        for (uint32_t v = 0; v < nvac && D.marked[s]; v++)
            if (rule_mark[vacuous[v]] != stamp) {
                rule_mark[vacuous[v]] = stamp;
                cand[nc++] = vacuous[v];
            }
        g_mark = atom_mark;
        g_stamp = stamp;
        uint32_t nf = 0;
        for (uint32_t q = 0; q < nc; q++)
            if ((monotone[cand[q]] || D.marked[s]) && eval_f(formula[cand[q]]))
                cand[nf++] = cand[q];
        if (!nf && !dyn && !tools)
            continue; /* label 0 */
        qsort(cand, nf, sizeof *cand, cmp_sev);
        ir_record rec = {0, CMDAI_RISK_NONE, 0, 0, nf};
        if (nf) {
            rec.action = r->rules[cand[0]].action;
            rec.reason |= CMDAI_REASON_RULE;
            for (uint32_t q = 0; q < nf; q++)
                if (r->rules[cand[q]].risk > rec.risk)
                    rec.risk = r->rules[cand[q]].risk;
        }
        if (dyn) {
            rec.reason |= CMDAI_REASON_DYNAMIC;
            if (t->dynamic_action > rec.action)
                rec.action = (uint8_t)t->dynamic_action;
        }
        if (tools) {
            rec.reason |= CMDAI_REASON_TOOLS;
            if (t->tools_default > rec.action)
                rec.action = (uint8_t)t->tools_default;
        }
        /* intern */
        uint64_t h = 1469598103934665603ull ^ rec.action ^ ((uint64_t)rec.risk << 8) ^ ((uint64_t)rec.reason << 16);
        for (uint32_t q = 0; q < nf; q++)
            h = (h ^ cand[q]) * 1099511628211ull;
        size_t j = h & (hcap - 1);
        uint32_t found = 0;
        while (htab[j]) {
            ir_record *o = &recs[htab[j]];
            if (o->action == rec.action && o->risk == rec.risk && o->reason == rec.reason && o->n == nf &&
                !memcmp(rr + o->first, cand, nf * sizeof *cand)) {
                found = htab[j];
                break;
            }
            j = (j + 1) & (hcap - 1);
        }
        if (!found) {
            if (nrec == reccap) {
                reccap *= 2;
                recs = realloc(recs, reccap * sizeof *recs);
                if (!recs)
                    abort();
            }
            while (nrr + nf > rrcap) {
                rrcap *= 2;
                rr = realloc(rr, rrcap * sizeof *rr);
                if (!rr)
                    abort();
            }
            rec.first = nrr;
            memcpy(rr + nrr, cand, nf * sizeof *cand);
            nrr += nf;
            recs[nrec] = rec;
            htab[j] = nrec;
            found = nrec++;
            if (nrec * 2 >= hcap) {
                size_t ncap = hcap * 2;
                uint32_t *nt = calloc(ncap, sizeof *nt);
                if (!nt)
                    abort();
                for (uint32_t x = 1; x < nrec; x++) {
                    ir_record *o = &recs[x];
                    uint64_t hh = 1469598103934665603ull ^ o->action ^ ((uint64_t)o->risk << 8) ^
                                  ((uint64_t)o->reason << 16);
                    for (uint32_t q = 0; q < o->n; q++)
                        hh = (hh ^ rr[o->first + q]) * 1099511628211ull;
                    size_t jj = hh & (ncap - 1);
                    while (nt[jj])
                        jj = (jj + 1) & (ncap - 1);
                    nt[jj] = x;
                }
                free(htab);
                htab = nt;
                hcap = ncap;
            }
        }
        label[s] = found;
    }
    free(htab);
    free(a2r_off);
    free(a2r);
    free(vacuous);

    min_run(D.nstates, D.nclasses, D.trans, label, D.start, &M);
    dont_care(M.trans, M.nstates, D.nclasses, D.cls, M.start);
    r->nstates = M.nstates;
    r->nclasses = D.nclasses;
    r->start = M.start;
    memcpy(r->cls, D.cls, 256);
    r->trans = M.trans;
    r->acc = M.label;
    M.trans = M.label = NULL;
    r->records = recs;
    r->nrecords = nrec;
    r->rec_rules = rr;
    r->nrec_rules = nrr;
    r->compile_ms = now_ms() - t0;
    rc = 0;
out:
    free(label);
    free(atom_mark);
    free(rule_mark);
    free(cand);
    dfa_release(&D);
    min_release(&M);
    nfa_release(&c.m);
    if (rc) {
        ir_free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void ir_free(ir *r)
{
    if (!r)
        return;
    free(r->trans);
    free(r->acc);
    free(r->records);
    free(r->rec_rules);
    free(r);
}
