/* lint.c — the lint checks (docs/lint.md).
 *
 * Loading and compiling give the syntax and budget findings.  Everything
 * about what rules match is read off the compiled automaton: it is minimal
 * and every state is reachable, and each state's decision record lists every
 * rule that fires there (note [decision records] in ir.h), so
 *   - a rule in no record can never match (CP2001), or can only because of
 *     its `unless` (CP2003: the rule compiled alone without it does match);
 *   - rule r is shadowed by rule s (CP2002) when every record holding r also
 *     holds s: the automaton is the product of all rules' automata, so this
 *     is language inclusion L(r) <= L(s), decided exactly;
 *   - a rule's state contribution (CP3001) is the size of the automaton of
 *     the template with that rule alone, minus the size with no rule.
 * Suppressions: see lint_suppress(). */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "canon.h"
#include "emit.h"
#include "fmt.h"
#include "ir.h"
#include "lint.h"

static const lint_code codes[] = {
    {"CP1001", "syntax", LINT_ERROR, "syntax-error", "The template is not valid YAML, or a pattern is not valid DSL."},
    {"CP1002", "syntax", LINT_ERROR, "unreadable", "The template (or a template it extends) cannot be read."},
    {"CP1003", "syntax", LINT_ERROR, "bad-ignore-comment",
     "A cmdai-lint ignore comment is malformed, names an unknown code, or gives no reason."},
    {"CP2001", "semantics", LINT_ERROR, "invalid-template",
     "The template is well-formed YAML but not a valid template (schema, lists, extends, locked rules)."},
    {"CP2002", "semantics", LINT_ERROR, "rule-never-matches", "No command makes the rule fire."},
    {"CP2003", "semantics", LINT_WARNING, "rule-shadowed",
     "Every command the rule fires on also fires a rule with an equal or more severe action."},
    {"CP2004", "semantics", LINT_ERROR, "unless-removes-everything",
     "The rule's match fires on some commands, but its unless exceptions remove all of them."},
    {"CP3001", "performance", LINT_WARNING, "rule-state-blowup",
     "The rule alone adds more automaton states than the --rule-states threshold."},
    {"CP3002", "performance", LINT_ERROR, "state-budget-exceeded", "The whole automaton exceeds the state budget."},
    {"CP4001", "style", LINT_ERROR, "rule-without-match-case",
     "The rule has no tests.match case: no command shows what it must catch."},
    {"CP4002", "style", LINT_ERROR, "rule-without-no-match-case",
     "The rule has no tests.no_match case: no near miss shows what it must let through."},
    {"CP4003", "style", LINT_WARNING, "unused-ignore-comment", "A cmdai-lint ignore comment suppresses nothing."},
    {"CP4004", "style", LINT_OFF, "rule-not-exercised",
     "No command under the template's tests makes the rule fire (on with --require-cases)."},
    {"CP4005", "style", LINT_OFF, "no-allow-tests",
     "The template has rules but no allow tests: no near miss is checked (on with --require-cases)."},
    {"CP5001", "compliance", LINT_ERROR, "unknown-control",
     "A compliance tag names a control that its framework does not define."},
    {"CP5002", "compliance", LINT_WARNING, "undeclared-framework",
     "A rule maps to a framework the template does not list under compliance_frameworks."},
};
enum { NCODES = sizeof codes / sizeof codes[0] };

const lint_code *lint_codes(size_t *n)
{
    *n = NCODES;
    return codes;
}

const lint_code *lint_code_find(const char *code)
{
    for (size_t i = 0; i < NCODES; i++)
        if (!strcmp(codes[i].code, code))
            return &codes[i];
    return NULL;
}

static const lint_code *C(const char *code)
{
    const lint_code *c = lint_code_find(code);
    assert(c != NULL);
    return c;
}

const char *lint_sev_name(lint_sev s)
{
    switch (s) {
    case LINT_ERROR: return "error";
    case LINT_WARNING: return "warning";
    case LINT_NOTE: return "note";
    default: return "off";
    }
}

int lint_sev_parse(const char *s, lint_sev *out)
{
    static const lint_sev all[] = {LINT_ERROR, LINT_WARNING, LINT_NOTE, LINT_OFF};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(s, lint_sev_name(all[i]))) {
            *out = all[i];
            return 0;
        }
    return -1;
}

void lint_opts_init(lint_opts *o)
{
    memset(o, 0, sizeof *o);
    o->max_states = CC_DEFAULT_MAX_STATES;
    o->rule_states = 2000;
    for (size_t i = 0; i < NCODES; i++)
        o->sev[i] = codes[i].sev;
}

/* ---- findings ------------------------------------------------------------ */

typedef struct lint_ctx {
    arena *a;
    const lint_opts *o;
    lint_report *rep;
} lint_ctx;

static lint_finding *add(lint_ctx *x, const lint_code *c, const char *file, int line, int column, const char *rule,
                         int rule_line, const char *hint, const char *fmt, ...) __attribute__((format(printf, 9, 10)));
static lint_finding *add(lint_ctx *x, const lint_code *c, const char *file, int line, int column, const char *rule,
                         int rule_line, const char *hint, const char *fmt, ...)
{
    lint_sev sev = x->o->sev[c - codes];
    if (sev == LINT_OFF)
        return NULL;
    lint_report *r = x->rep;
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        r->f = arena_grow(x->a, r->f, r->n, nc, sizeof *r->f);
        r->cap = nc;
    }
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    lint_finding *f = &r->f[r->n++];
    *f = (lint_finding){c, sev, file, line, column, rule, rule_line, arena_strdup(x->a, buf),
                        hint ? arena_strdup(x->a, hint) : NULL, NULL};
    return f;
}

size_t lint_count(const lint_report *rep, lint_sev min)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->n; i++)
        n += !rep->f[i].suppressed && rep->f[i].sev >= min;
    return n;
}

/* ---- sources and their comments ------------------------------------------ */

typedef struct src_file {
    const char *path;
    char *text;
    size_t len;
    fmt_comment *c;
    size_t nc;
    bool ok;
    /* ignore directives, parallel to c: codes (NULL-terminated) or NULL when not one */
    const lint_code ***dir_codes;
    bool *dir_file, *dir_used;
    const char **dir_reason;
    int *dir_target;
} src_file;

typedef struct src_cache {
    src_file *v;
    size_t n, cap;
} src_cache;

static char *read_all(arena *a, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    if (!buf)
        abort();
    size_t k;
    while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
    }
    int bad = ferror(f);
    fclose(f);
    char *out = bad ? NULL : arena_strndup(a, buf, n);
    free(buf);
    *len = n;
    return out;
}

/* The first line after `line` that holds something besides blanks and comments. */
static int next_code_line(const char *s, size_t len, int line)
{
    int ln = 1;
    size_t i = 0;
    while (i < len && ln <= line) {
        if (s[i] == '\n')
            ln++;
        i++;
    }
    while (i < len) {
        size_t j = i;
        while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r'))
            j++;
        if (j < len && s[j] != '\n' && s[j] != '#')
            return ln;
        while (j < len && s[j] != '\n')
            j++;
        i = j + 1;
        ln++;
    }
    return 0;
}

static void parse_directive(lint_ctx *x, src_file *sf, size_t k)
{
    const fmt_comment *cm = &sf->c[k];
    const char *p = cm->text + 1;
    while (*p == ' ' || *p == '\t')
        p++;
    static const char tag[] = "cmdai-lint:";
    if (strncmp(p, tag, sizeof tag - 1))
        return;
    p += sizeof tag - 1;
    while (*p == ' ')
        p++;
    bool whole = false;
    if (!strncmp(p, "ignore-file", 11) && (p[11] == ' ' || !p[11])) {
        whole = true;
        p += 11;
    } else if (!strncmp(p, "ignore", 6) && (p[6] == ' ' || !p[6])) {
        p += 6;
    } else {
        add(x, C("CP1003"), sf->path, cm->line, cm->column, NULL, 0,
            "write '# cmdai-lint: ignore CODE[,CODE...] reason: why this is fine'",
            "unknown cmdai-lint directive (expected 'ignore' or 'ignore-file')");
        return;
    }
    const lint_code *list[NCODES + 1];
    size_t nl = 0;
    const char *reason = NULL;
    for (;;) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        if (!strncmp(p, "reason:", 7)) {
            reason = p + 7;
            while (*reason == ' ')
                reason++;
            break;
        }
        size_t w = strcspn(p, " ,");
        char word[32];
        snprintf(word, sizeof word, "%.*s", (int)(w < 31 ? w : 31), p);
        const lint_code *c = lint_code_find(word);
        if (!c) {
            add(x, C("CP1003"), sf->path, cm->line, cm->column + (int)(p - cm->text), NULL, 0,
                "codes are listed in docs/lint.md and by 'cmdai-policyc lint --list-codes'",
                "unknown lint code '%s' in an ignore comment", word);
            return;
        }
        if (nl < NCODES)
            list[nl++] = c;
        p += w;
    }
    if (!nl) {
        add(x, C("CP1003"), sf->path, cm->line, cm->column, NULL, 0,
            "write '# cmdai-lint: ignore CODE reason: why this is fine'", "ignore comment names no lint code");
        return;
    }
    if (!reason || !*reason) {
        add(x, C("CP1003"), sf->path, cm->line, cm->column, NULL, 0,
            "add 'reason: ...' saying why the finding is acceptable; an ignore without one suppresses nothing",
            "ignore comment without a reason");
        return;
    }
    const lint_code **keep = arena_array(x->a, nl + 1, sizeof *keep);
    memcpy(keep, list, nl * sizeof *keep);
    sf->dir_codes[k] = keep;
    sf->dir_file[k] = whole;
    sf->dir_reason[k] = arena_strdup(x->a, reason);
    sf->dir_target[k] = whole ? 0 : cm->own_line ? next_code_line(sf->text, sf->len, cm->line) : cm->line;
}

static src_file *source(lint_ctx *x, src_cache *sc, const char *path)
{
    for (size_t i = 0; i < sc->n; i++)
        if (!strcmp(sc->v[i].path, path))
            return &sc->v[i];
    if (sc->n == sc->cap) {
        size_t nc = sc->cap ? sc->cap * 2 : 4;
        sc->v = arena_grow(x->a, sc->v, sc->n, nc, sizeof *sc->v);
        sc->cap = nc;
    }
    src_file *sf = &sc->v[sc->n++];
    memset(sf, 0, sizeof *sf);
    sf->path = arena_strdup(x->a, path);
    sf->text = read_all(x->a, path, &sf->len);
    diag d;
    diag_init(&d);
    if (!sf->text || fmt_comments(x->a, path, sf->text, sf->len, &sf->c, &sf->nc, &d))
        return sf;
    sf->ok = true;
    sf->dir_codes = arena_array(x->a, sf->nc + 1, sizeof *sf->dir_codes);
    sf->dir_file = arena_array(x->a, sf->nc + 1, sizeof *sf->dir_file);
    sf->dir_used = arena_array(x->a, sf->nc + 1, sizeof *sf->dir_used);
    sf->dir_reason = arena_array(x->a, sf->nc + 1, sizeof *sf->dir_reason);
    sf->dir_target = arena_array(x->a, sf->nc + 1, sizeof *sf->dir_target);
    for (size_t k = 0; k < sf->nc; k++)
        parse_directive(x, sf, k);
    return sf;
}

/* An ignore comment applies to findings in its file on its target line: its
 * own line when it trails code, else the next line holding code; a finding
 * about a rule is also on the line where the rule's mapping starts.
 * `ignore-file` applies to the whole file.  CP1003 and CP4003 (findings about
 * ignore comments themselves) cannot be suppressed. */
static void lint_suppress(lint_ctx *x, src_cache *sc)
{
    lint_report *rep = x->rep;
    /* Read every file first: reading one may add CP1003 findings (and move rep->f). */
    for (size_t i = 0; i < rep->n; i++)
        if (rep->f[i].file)
            source(x, sc, rep->f[i].file);
    for (size_t i = 0; i < rep->n; i++) {
        lint_finding *f = &rep->f[i];
        if (!f->file || !strcmp(f->code->code, "CP1003") || !strcmp(f->code->code, "CP4003"))
            continue;
        src_file *sf = source(x, sc, f->file);
        for (size_t k = 0; k < sf->nc && !f->suppressed; k++) {
            if (!sf->dir_codes || !sf->dir_codes[k])
                continue;
            int tgt = sf->dir_target[k];
            if (!sf->dir_file[k] && !(tgt && (tgt == f->line || tgt == f->rule_line)))
                continue;
            for (const lint_code **c = sf->dir_codes[k]; *c; c++)
                if (*c == f->code) {
                    f->suppressed = sf->dir_reason[k];
                    sf->dir_used[k] = true;
                    break;
                }
        }
    }
    size_t nsrc = sc->n;
    for (size_t s = 0; s < nsrc; s++) {
        src_file *sf = &sc->v[s];
        for (size_t k = 0; k < sf->nc; k++)
            if (sf->dir_codes && sf->dir_codes[k] && !sf->dir_used[k])
                add(x, C("CP4003"), sf->path, sf->c[k].line, sf->c[k].column, NULL, 0,
                    "remove the comment, or move it onto (or just above) the line of the finding",
                    "ignore comment suppresses nothing");
    }
}

/* ---- compliance controls (docs/compliance/controls/<FRAMEWORK>.txt) ------ */

static const struct {
    const char *framework, *ids; /* ids: one per line, each line ending in \n */
} controls[] = {
#include "lint_controls.inc"
};

/* 1 known, 0 unknown, -1 no list for this framework. */
static int control_known(const char *fw, size_t fwlen, const char *ctl)
{
    for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++) {
        if (strlen(controls[i].framework) != fwlen || memcmp(controls[i].framework, fw, fwlen))
            continue;
        /* NIST-style enhancements "AC-2(4)": the base control decides. */
        size_t n = strlen(ctl);
        if ((!strncmp(fw, "NIST-800-53", fwlen) || !strncmp(fw, "FedRAMP", fwlen)) && n && ctl[n - 1] == ')') {
            const char *lp = strchr(ctl, '(');
            if (lp && lp > ctl && lp[1] != ')' && strspn(lp + 1, "0123456789") == (size_t)(ctl + n - 1 - (lp + 1)))
                n = (size_t)(lp - ctl);
        }
        for (const char *p = controls[i].ids; *p;) {
            const char *e = strchr(p, '\n');
            if ((size_t)(e - p) == n && !memcmp(p, ctl, n))
                return 1;
            p = e + 1;
        }
        return 0;
    }
    return -1;
}

/* Position of the text `s` inside rule r's source (the first one after the
 * rule's start), for findings about one item of a list. */
static void find_in_rule(lint_ctx *x, src_cache *sc, const tpl_rule *r, const char *s, int *line, int *col)
{
    *line = r->pos.line;
    *col = r->pos.column;
    src_file *sf = source(x, sc, r->pos.file);
    if (!sf->text)
        return;
    int ln = 1;
    size_t i = 0;
    while (i < sf->len && ln < r->pos.line)
        ln += sf->text[i++] == '\n';
    const char *hit = memmem(sf->text + i, sf->len - i, s, strlen(s));
    if (!hit)
        return;
    size_t bol = (size_t)(hit - sf->text);
    while (i < (size_t)(hit - sf->text))
        ln += sf->text[i++] == '\n';
    while (bol > 0 && sf->text[bol - 1] != '\n')
        bol--;
    *line = ln;
    *col = (int)(hit - sf->text - bol) + 1;
}

/* ---- the checks ---------------------------------------------------------- */

static const char *action_name(int a)
{
    static const char *const n[] = {"allow", "warn", "confirm", "deny"};
    return a >= 0 && a < 4 ? n[a] : "?";
}

static bool is_local(const tpl *t, const tpl_rule *r)
{
    return r->layer && !strcmp(r->layer, t->name) && r->pos.file && t->file && !strcmp(r->pos.file, t->file);
}

/* States of the template compiled with `rules` only; 0 when over budget. */
static uint32_t states_with(arena *a, const tpl *t, tpl_rule *rules, size_t n, uint32_t budget, ir **keep)
{
    tpl c = *t;
    c.rules = rules;
    c.nrules = n;
    ir *r = NULL;
    diag d;
    diag_init(&d);
    if (cc_compile(a, &c, budget, &r, &d)) {
        ir_free(r);
        return 0;
    }
    uint32_t s = r->nstates;
    if (keep)
        *keep = r;
    else
        ir_free(r);
    return s;
}

/* note [stage walk]: the automaton reports rules after bytes of a canonical
 * command (runtime/canon.h), and a decision is made per simple command (a
 * stage, ended by an END byte) from every rule reported during that stage.
 * Transitions on bytes the canonical grammar cannot produce are "don't care"
 * (compile.c), so the walk follows the product of the automaton and the
 * grammar, one representative byte per joint (class, grammar category).
 *   - A rule fires iff some reachable transition enters a state whose record
 *     lists it.
 *   - must[n]: the rules reported on EVERY path from the start of the current
 *     stage to node n (a must-analysis, intersection over predecessors).
 *   - For a rule r, after(n): the rules reported on every stage path through
 *     n on which r was reported; at END, cand[r] keeps the intersection.
 *     Using must[] of all paths (not only those without r) before r's report
 *     can only make cand[r] smaller, so "r is shadowed by s" (s in cand[r])
 *     is never claimed wrongly: every stage in which r fires also fires s. */
typedef struct walk {
    const ir *r;
    uint32_t nnodes, words;
    int rep[256];          /* representative bytes of the joint classes */
    int nrep;
    uint64_t *recset;      /* nrecords x words: the rules of each record */
    uint8_t *reach;        /* node = state * RT_G_N + g */
    uint64_t *must;        /* nnodes x words (valid where reach) */
    /* seeds: for each record, the reachable nodes with a transition into a
     * state carrying it; for each rule, the records that hold it (CSR) */
    uint32_t *src_off, *src, *src_end, *rec_off, *recs;
} walk;

#define WSET(w, base, i) ((base) + (size_t)(i) * (w)->words)

static void walk_init(walk *w, const ir *r)
{
    memset(w, 0, sizeof *w);
    w->r = r;
    w->words = (r->nrules + 63) / 64 ? (r->nrules + 63) / 64 : 1;
    w->nnodes = r->nstates * RT_G_N;
    /* joint classes: (automaton class, grammar category) */
    int seen[256 * 9];
    memset(seen, 0, sizeof seen);
    for (int b = 0; b < 256; b++) {
        int cat = b < RT_C_MIN_TOKEN ? b : 8;
        int key = r->cls[b] * 9 + cat;
        if (!seen[key]) {
            seen[key] = 1;
            w->rep[w->nrep++] = b;
        }
    }
    w->recset = calloc((size_t)r->nrecords * w->words, sizeof *w->recset);
    w->reach = calloc(w->nnodes ? w->nnodes : 1, 1);
    size_t cells = (size_t)w->nnodes * w->words;
    w->must = malloc((cells ? cells : 1) * sizeof *w->must);
    if (!w->recset || !w->reach || !w->must)
        abort();
    for (uint32_t k = 0; k < r->nrecords; k++)
        for (uint32_t q = 0; q < r->records[k].n; q++) {
            uint32_t ri = r->rec_rules[r->records[k].first + q];
            WSET(w, w->recset, k)[ri / 64] |= 1ull << (ri % 64);
        }
    memset(w->must, 0xff, (size_t)w->nnodes * w->words * sizeof *w->must);
}

static void walk_release(walk *w)
{
    free(w->src_off);
    free(w->src);
    free(w->src_end);
    free(w->rec_off);
    free(w->recs);
    free(w->recset);
    free(w->reach);
    free(w->must);
}

/* Intersect dst with src | rec; returns 1 when dst changed. */
static int meet(uint64_t *dst, const uint64_t *src, const uint64_t *rec, uint32_t words)
{
    int ch = 0;
    for (uint32_t i = 0; i < words; i++) {
        uint64_t v = dst[i] & ((src ? src[i] : 0) | rec[i]);
        ch |= v != dst[i];
        dst[i] = v;
    }
    return ch;
}

/* A FIFO of walk nodes, each in it at most once (the two fixpoints below). */
typedef struct nodeq {
    uint32_t *q, h, n, cap;
    uint8_t *in;
} nodeq;

static void nq_init(nodeq *Q, uint32_t nnodes)
{
    Q->cap = nnodes + 1;
    Q->h = Q->n = 0;
    Q->q = malloc((size_t)Q->cap * sizeof *Q->q);
    Q->in = calloc(nnodes ? nnodes : 1, 1);
    if (!Q->q || !Q->in)
        abort();
}

static void nq_push(nodeq *Q, uint32_t node)
{
    if (Q->in[node])
        return;
    Q->in[node] = 1;
    Q->q[Q->n] = node;
    Q->n = (Q->n + 1) % Q->cap;
}

static int nq_pop(nodeq *Q, uint32_t *node)
{
    if (Q->h == Q->n)
        return 0;
    *node = Q->q[Q->h];
    Q->h = (Q->h + 1) % Q->cap;
    Q->in[*node] = 0;
    return 1;
}

static void nq_free(nodeq *Q)
{
    free(Q->q);
    free(Q->in);
}

/* One move of the automaton x canonical-grammar product: from node n on
 * representative byte b to node n2 (state st2, not dead), reporting record
 * acc (rules rec). */
typedef struct succ {
    int b;
    uint32_t n2, st2, acc;
    const uint64_t *rec;
} succ;

/* The next move from node n, *k the iterator (start at 0); 0 when done. */
static int next_succ(const walk *w, uint32_t n, int *k, succ *o)
{
    const ir *r = w->r;
    uint32_t st = n / RT_G_N;
    int g = (int)(n % RT_G_N);
    while (*k < w->nrep) {
        int b = w->rep[(*k)++];
        int g2 = rt_canon_next(g, (unsigned char)b);
        if (g2 == RT_G_DEAD)
            continue;
        uint32_t st2 = r->trans[(size_t)st * r->nclasses + r->cls[b]];
        if (!st2)
            continue;
        o->b = b;
        o->st2 = st2;
        o->n2 = st2 * RT_G_N + (uint32_t)g2;
        o->acc = r->acc[st2];
        o->rec = WSET(w, w->recset, o->acc);
        return 1;
    }
    return 0;
}

/* Counts per list in off[1..n] become offsets (off[k] .. off[k+1] is list k);
 * the array the lists are filled into. */
static uint32_t *csr_lists(uint32_t *off, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++)
        off[k + 1] += off[k];
    uint32_t *v = malloc(((size_t)off[n] + 1) * sizeof *v);
    if (!v)
        abort();
    return v;
}

/* Reachability and must[]: a worklist until nothing shrinks.  fired gets
 * every rule reported on a reachable transition. */
static void walk_must(walk *w, uint64_t *fired)
{
    const ir *r = w->r;
    nodeq Q;
    nq_init(&Q, w->nnodes);
    if (r->start == 0 || r->start >= r->nstates)
        goto out;
    uint32_t s0 = r->start * RT_G_N + RT_G_STAGE;
    w->reach[s0] = 1;
    memset(WSET(w, w->must, s0), 0, w->words * sizeof *w->must);
    nq_push(&Q, s0);
    uint32_t n;
    while (nq_pop(&Q, &n)) {
        succ m;
        for (int k = 0; next_succ(w, n, &k, &m);) {
            for (uint32_t i = 0; i < w->words; i++)
                fired[i] |= m.rec[i];
            int ch = !w->reach[m.n2];
            w->reach[m.n2] = 1;
            if (m.b == RT_C_END) {
                /* a new stage starts here with nothing reported */
                if (ch)
                    memset(WSET(w, w->must, m.n2), 0, w->words * sizeof *w->must);
            } else
                ch |= meet(WSET(w, w->must, m.n2), WSET(w, w->must, n), m.rec, w->words);
            if (ch)
                nq_push(&Q, m.n2);
        }
    }
    /* seeds for walk_after(): two passes over the reachable transitions */
    w->src_off = calloc((size_t)r->nrecords + 1, sizeof *w->src_off);
    w->rec_off = calloc((size_t)r->nrules + 1, sizeof *w->rec_off);
    if (!w->src_off || !w->rec_off)
        abort();
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = pass ? calloc((size_t)r->nrecords + 1, sizeof *fill) : NULL;
        if (pass && !fill)
            abort();
        for (uint32_t nd = 0; nd < w->nnodes; nd++) {
            if (!w->reach[nd])
                continue;
            succ m;
            for (int k = 0; next_succ(w, nd, &k, &m);) {
                uint32_t rec = m.acc;
                if (!rec || r->records[rec].n == 0)
                    continue;
                if (!pass)
                    w->src_off[rec + 1]++;
                else if (!fill[rec] || w->src[w->src_off[rec] + fill[rec] - 1] != nd)
                    w->src[w->src_off[rec] + fill[rec]++] = nd;
            }
        }
        if (!pass) {
            w->src = csr_lists(w->src_off, r->nrecords);
        } else {
            /* duplicates were skipped: shrink each list's end marker to its fill */
            for (uint32_t k = 0; k < r->nrecords; k++)
                fill[k] += w->src_off[k];
            free(w->src_end);
            w->src_end = fill;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = pass ? calloc((size_t)r->nrules + 1, sizeof *fill) : NULL;
        if (pass && !fill)
            abort();
        for (uint32_t k = 1; k < r->nrecords; k++)
            for (uint32_t q2 = 0; q2 < r->records[k].n; q2++) {
                uint32_t ri = r->rec_rules[r->records[k].first + q2];
                if (!pass)
                    w->rec_off[ri + 1]++;
                else
                    w->recs[w->rec_off[ri] + fill[ri]++] = k;
            }
        if (!pass)
            w->recs = csr_lists(w->rec_off, r->nrules);
        free(fill);
    }
out:
    nq_free(&Q);
}

/* cand (words): the rules reported in every stage in which rule ri is reported. */
static void walk_after(walk *w, uint32_t ri, uint64_t *cand, uint64_t *after, uint8_t *has)
{
    memset(cand, 0xff, w->words * sizeof *cand);
    memset(has, 0, w->nnodes);
    nodeq Q;
    nq_init(&Q, w->nnodes);
    /* seeds: the nodes with a transition that reports ri; then the nodes reached after it */
    if (w->src_off)
        for (uint32_t k = w->rec_off[ri]; k < w->rec_off[ri + 1]; k++) {
            uint32_t rec = w->recs[k];
            for (uint32_t e = w->src_off[rec]; e < w->src_end[rec]; e++)
                nq_push(&Q, w->src[e]);
        }
    uint64_t bit = 1ull << (ri % 64);
    int got = 0;
    uint32_t n;
    while (nq_pop(&Q, &n)) {
        succ m;
        for (int k = 0; next_succ(w, n, &k, &m);) {
            const uint64_t *rec = m.rec;
            int now = (rec[ri / 64] & bit) != 0;
            if (!has[n] && !now)
                continue;
            if (m.b == RT_C_END) {
                got = 1;
                if (has[n])
                    meet(cand, WSET(w, after, n), rec, w->words); /* r reported earlier in this stage */
                if (now)
                    meet(cand, WSET(w, w->must, n), rec, w->words); /* r reported on this byte */
                continue;
            }
            uint32_t n2 = m.n2;
            int ch = !has[n2];
            if (!has[n2]) /* first time r is known reported before n2: start from "all rules" */
                memset(WSET(w, after, n2), 0xff, w->words * sizeof *after);
            has[n2] = 1;
            if (has[n])
                ch |= meet(WSET(w, after, n2), WSET(w, after, n), rec, w->words);
            if (now)
                ch |= meet(WSET(w, after, n2), WSET(w, w->must, n), rec, w->words);
            if (ch)
                nq_push(&Q, n2);
        }
    }
    if (!got) /* no stage in which r is reported ends: claim nothing */
        memset(cand, 0, w->words * sizeof *cand);
    nq_free(&Q);
}

/* Does rule index ri fire in r on some canonical command? */
static bool fires_in(const ir *r, uint32_t ri)
{
    walk w;
    walk_init(&w, r);
    uint64_t *fired = calloc(w.words, sizeof *fired);
    if (!fired)
        abort();
    walk_must(&w, fired);
    bool f = (fired[ri / 64] >> (ri % 64)) & 1;
    free(fired);
    walk_release(&w);
    return f;
}

static void check_automaton(lint_ctx *x, const tpl *t, const ir *r)
{
    uint32_t nr = r->nrules;
    if (!nr)
        return;
    /* ir rule index -> template rule */
    const tpl_rule **tr = arena_array(x->a, nr, sizeof *tr);
    size_t *order = arena_array(x->a, nr, sizeof *order);
    for (uint32_t i = 0; i < nr; i++)
        for (size_t k = 0; k < t->nrules; k++)
            if (!strcmp(t->rules[k].id, r->rules[i].id)) {
                tr[i] = &t->rules[k];
                order[i] = k;
            }
    walk w;
    walk_init(&w, r);
    uint64_t *firedw = calloc(w.words, sizeof *firedw);
    uint64_t *cand = calloc((size_t)nr * w.words, sizeof *cand);
    size_t cells = (size_t)w.nnodes * w.words;
    uint64_t *after = malloc((cells ? cells : 1) * sizeof *after);
    uint8_t *has = malloc(w.nnodes ? w.nnodes : 1), *need = calloc(nr, 1);
    if (!firedw || !cand || !after || !has || !need)
        abort();
    walk_must(&w, firedw);
#define FIRED(i) ((firedw[(i) / 64] >> ((i) % 64)) & 1)
#define CAND(i, j) ((cand[(size_t)(i) * w.words + (j) / 64] >> ((j) % 64)) & 1)
    /* cand[] is needed for local rules, and for the rules they could tie with */
    for (uint32_t i = 0; i < nr; i++)
        if (tr[i] && is_local(t, tr[i]) && FIRED(i))
            need[i] = 1;
    for (uint32_t i = 0; i < nr; i++)
        if (need[i]) {
            walk_after(&w, i, cand + (size_t)i * w.words, after, has);
            for (uint32_t j = 0; j < nr; j++)
                if (j != i && CAND(i, j) && FIRED(j) && !need[j] && r->rules[j].action == r->rules[i].action) {
                    need[j] = 2;
                    walk_after(&w, j, cand + (size_t)j * w.words, after, has);
                }
        }
    for (uint32_t i = 0; i < nr; i++) {
        const tpl_rule *ri = tr[i];
        if (!ri || !is_local(t, ri))
            continue;
        if (!FIRED(i)) {
            tpl_rule bare = *ri;
            bare.nunless = 0;
            ir *alone = NULL;
            bool match_fires = false;
            if (ri->nunless && states_with(x->a, t, &bare, 1, x->o->max_states, &alone))
                match_fires = alone->nrules == 1 && fires_in(alone, 0);
            ir_free(alone);
            if (match_fires)
                add(x, C("CP2004"), ri->unless[0].pos.file, ri->unless[0].pos.line, ri->unless[0].pos.column, ri->id,
                    ri->pos.line, "narrow the unless patterns so that some command the match catches is left",
                    "the unless of rule '%s' removes every command its match catches: the rule never fires", ri->id);
            else
                add(x, C("CP2002"), ri->pos.file, ri->pos.line, ri->pos.column, ri->id, ri->pos.line,
                    "check the pattern with 'cmdai-policyc explain TEMPLATE -- CMD' on a command it should catch",
                    "rule '%s' can never match: no command makes its pattern fire", ri->id);
            continue;
        }
        /* Most severe shadowing rule first; ties by source order. */
        int best = -1;
        for (uint32_t j = 0; j < nr; j++) {
            if (j == i || !CAND(i, j) || !tr[j])
                continue;
            if (r->rules[j].action < r->rules[i].action)
                continue;
            bool mutual = need[j] && CAND(j, i);
            /* Equal languages and actions: only the later rule is redundant. */
            if (mutual && r->rules[j].action == r->rules[i].action && order[j] > order[i])
                continue;
            if (best < 0 || r->rules[j].action > r->rules[best].action ||
                (r->rules[j].action == r->rules[best].action && order[j] < order[best]))
                best = (int)j;
        }
        if (best < 0)
            continue;
        const tpl_rule *rs = tr[best];
        add(x, C("CP2003"), ri->pos.file, ri->pos.line, ri->pos.column, ri->id, ri->pos.line,
            "remove the rule, or narrow the other one; if the rule only exists for its message or compliance "
            "tags, add them to the other rule",
            "rule '%s' (%s) is shadowed by rule '%s' (%s, %s:%d): every command it fires on also fires '%s'", ri->id,
            action_name(r->rules[i].action), rs->id, action_name(r->rules[best].action), rs->pos.file, rs->pos.line,
            rs->id);
    }
#undef FIRED
#undef CAND
    free(firedw);
    free(cand);
    free(after);
    free(has);
    free(need);
    walk_release(&w);
}

static void check_rules(lint_ctx *x, src_cache *sc, const tpl *t)
{
    uint32_t base = 0;
    bool have_base = false;
    for (size_t i = 0; i < t->nrules; i++) {
        const tpl_rule *r = &t->rules[i];
        if (!is_local(t, r))
            continue;
        size_t nm = 0, nn = 0;
        tpl_rule_case_counts(r, &nm, &nn);
        if (!nm)
            add(x, C("CP4001"), r->pos.file, r->pos.line, r->pos.column, r->id, r->pos.line,
                "add tests: {match: [a command it must catch]} to the rule",
                "rule '%s' has no tests.match case", r->id);
        if (!nn)
            add(x, C("CP4002"), r->pos.file, r->pos.line, r->pos.column, r->id, r->pos.line,
                "add tests: {no_match: [a near miss it must let through]} to the rule",
                "rule '%s' has no tests.no_match case", r->id);
        for (size_t k = 0; k < r->ncompliance; k++) {
            const char *tag = r->compliance[k], *colon = strchr(tag, ':');
            if (!colon)
                continue;
            size_t fl = (size_t)(colon - tag);
            int line, col;
            int known = control_known(tag, fl, colon + 1);
            if (known == 0) {
                find_in_rule(x, sc, r, tag, &line, &col);
                char hint[200];
                snprintf(hint, sizeof hint, "the known %.*s controls are listed in docs/compliance/controls/%.*s.txt",
                         (int)fl, tag, (int)fl, tag);
                add(x, C("CP5001"), r->pos.file, line, col, r->id, r->pos.line, hint,
                    "'%s': %.*s defines no control '%s'", tag, (int)fl, tag, colon + 1);
            }
            bool declared = false;
            for (size_t j = 0; j < t->nframeworks && !declared; j++)
                declared = strlen(t->frameworks[j]) == fl && !memcmp(t->frameworks[j], tag, fl);
            if (!declared && t->nframeworks) {
                find_in_rule(x, sc, r, tag, &line, &col);
                add(x, C("CP5002"), r->pos.file, line, col, r->id, r->pos.line,
                    "add the framework to the template's compliance_frameworks, or drop the tag",
                    "'%s': the template does not list %.*s under compliance_frameworks", tag, (int)fl, tag);
            }
        }
        /* State contribution: this rule alone, minus no rule at all. */
        if (x->o->sev[C("CP3001") - codes] == LINT_OFF)
            continue;
        if (!have_base) {
            base = states_with(x->a, t, NULL, 0, x->o->max_states, NULL);
            have_base = true;
        }
        tpl_rule one = *r;
        uint32_t s = states_with(x->a, t, &one, 1, x->o->max_states, NULL);
        lint_report *rep = x->rep;
        rep->rs = arena_grow(x->a, rep->rs, rep->nrs, rep->nrs + 1, sizeof *rep->rs);
        rep->rs[rep->nrs++] = (struct lint_rule_states){r->id, s > base ? s - base : 0, s == 0};
        if (!s)
            add(x, C("CP3001"), r->pos.file, r->pos.line, r->pos.column, r->id, r->pos.line,
                "replace '...' before several alternatives with fixed positions, or split the rule",
                "rule '%s' alone exceeds the state budget of %u states", r->id, x->o->max_states);
        else if (s > base && s - base > x->o->rule_states)
            add(x, C("CP3001"), r->pos.file, r->pos.line, r->pos.column, r->id, r->pos.line,
                "replace '...' before several alternatives with fixed positions, merge alternatives into one "
                "{a,b} group, or split the rule",
                "rule '%s' alone adds %u automaton states (threshold %u)", r->id, s - base, x->o->rule_states);
    }
}

/* CP4004/CP4005 (the old --require-cases): evaluate the template's own tests
 * on the compiled bundle and see which rules fire. */
static void check_template_tests(lint_ctx *x, const tpl *t, const ir *r)
{
    bool want4 = x->o->sev[C("CP4004") - codes] != LINT_OFF, want5 = x->o->sev[C("CP4005") - codes] != LINT_OFF;
    if (!want4 && !want5)
        return;
    size_t nallow = 0;
    for (size_t k = 0; k < t->ntests; k++)
        nallow += t->tests[k].expect == CMDAI_ALLOW;
    if (want5 && !nallow && t->nrules)
        add(x, C("CP4005"), t->file, 0, 0, NULL, 0, "list near misses the rules must let through under tests: allow",
            "template has no allow tests");
    if (!want4)
        return;
    emit_opts eo = {.serial = 1, .scope = "lint"};
    unsigned char *bytes = NULL, *mem = NULL;
    size_t len = 0;
    diag d;
    diag_init(&d);
    struct cmdai_bundle b;
    cmdai_error err;
    if (emit_bundle(r, &eo, &bytes, &len, &d) || !(mem = malloc(len ? len : 1)))
        goto out;
    memcpy(mem, bytes, len);
    if (rt_bundle_check(&b, mem, len, &err) != CMDAI_OK)
        goto out;
    uint8_t *fired = calloc(b.nrules ? b.nrules : 1, 1);
    if (!fired)
        abort();
    for (size_t k = 0; k < t->ntests; k++) {
        cmdai_verdict vd;
        cmdai_eval(&b, t->tests[k].command, strlen(t->tests[k].command), &vd);
        unsigned n = vd.nrules < CMDAI_VERDICT_RULES ? vd.nrules : CMDAI_VERDICT_RULES;
        for (unsigned q = 0; q < n; q++)
            if (vd.rules[q] < b.nrules)
                fired[vd.rules[q]] = 1;
    }
    for (size_t i = 0; i < t->nrules; i++) {
        const tpl_rule *ru = &t->rules[i];
        if (!is_local(t, ru))
            continue;
        bool hit = false;
        for (uint32_t k = 0; k < b.nrules && !hit; k++)
            hit = fired[k] && !strcmp(b.str + b.rules[k].id, ru->id);
        if (!hit)
            add(x, C("CP4004"), ru->pos.file, ru->pos.line, ru->pos.column, ru->id, ru->pos.line,
                "add a command it must catch under tests (deny/confirm/warn) and a near miss under allow",
                "rule '%s' fires on none of the template's tests", ru->id);
    }
    free(fired);
out:
    free(bytes);
    free(mem);
}

static const lint_code *code_for_load(const diag *d)
{
    switch (d->code) {
    case CMDAI_E_IO: return C("CP1002");
    case CMDAI_E_SEMANTIC: return C("CP2001");
    case CMDAI_E_BUDGET: return C("CP3002");
    default: return C("CP1001");
    }
}

void lint_file(arena *a, const char *path, const lint_opts *o, lint_report *rep)
{
    memset(rep, 0, sizeof *rep);
    rep->path = path;
    diag_init(&rep->load);
    lint_ctx x = {a, o, rep};
    src_cache sc = {0};
    ir *r = NULL;
    if (tpl_load(a, path, o->stdlib, &rep->t, &rep->load)) {
        rep->t = NULL;
    } else if (cc_compile(a, rep->t, o->max_states, &r, &rep->load)) {
        ir_free(r);
        r = NULL;
    }
    if (rep->load.code != CMDAI_OK) {
        const diag *d = &rep->load;
        /* Loader errors cannot be turned off or suppressed: nothing else can be checked. */
        lint_opts all = *o;
        all.sev[code_for_load(d) - codes] = LINT_ERROR;
        x.o = &all;
        add(&x, code_for_load(d), d->file[0] ? arena_strdup(a, d->file) : path, d->line, d->column, NULL, 0,
            d->hint[0] ? d->hint : NULL, "%s", d->text);
        return;
    }
    rep->compiled = true;
    rep->nrules = r->nrules;
    rep->nstates = r->nstates;
    check_automaton(&x, rep->t, r);
    check_template_tests(&x, rep->t, r);
    ir_free(r);
    check_rules(&x, &sc, rep->t);
    for (size_t i = 1; i < rep->nrs; i++) /* largest first, then by id: stable output */
        for (size_t j = i; j > 0; j--) {
            struct lint_rule_states *p = &rep->rs[j - 1], *q = &rep->rs[j];
            bool swap = (q->over_budget && !p->over_budget) ||
                        (q->over_budget == p->over_budget &&
                         (q->states > p->states || (q->states == p->states && strcmp(q->rule, p->rule) < 0)));
            if (!swap)
                break;
            struct lint_rule_states tmp = *p;
            *p = *q;
            *q = tmp;
        }
    source(&x, &sc, rep->t->file ? rep->t->file : path); /* its ignore comments, even with no finding */
    lint_suppress(&x, &sc);
}
