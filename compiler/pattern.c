/* pattern.c — one simple-command pattern -> NFA fragment over the canonical
 * stage form  CMD prog (ARG a)* (FLAG f)* (REDIR op RTGT t)* END.
 * Flags are unordered: k required flag groups (k <= PAT_MAX_GROUPS) become a
 * lattice of the 2^k sets of groups met so far, F* between them (note [item
 * lattice]); redirections likewise.
 * Positionals are ordered, prefix-anchored, with an implicit trailing "...". */
#include "pattern.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "canon.h"
#include "opts.h"
#include "shell.h"

#define PAT_MAX_GROUPS 5   /* 2^5 = 32 lattice nodes; more is a design smell, not a need */
#define PAT_MAX_WORDS 256

typedef struct flag_alt {
    const ast_word *w;    /* for glob flags and positions */
    const char *name;     /* literal flag name, e.g. "-r" or "--force" */
    size_t nlen;
    const ast_word *value; /* value pattern word, or NULL */
    const char *vlit;     /* literal value text (from "-o=x"), or NULL */
    size_t vlen;
    int glob;             /* whole flag token is a glob */
} flag_alt;

typedef struct flag_group {
    flag_alt alts[16];
    int nalts;
} flag_group;

int pat_err(pat_ctx *c, int code, int line, int col, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    int fl, fc;
    ast_pos_map(c->line0, c->col0, line, col, &fl, &fc);
    return diag_set(c->d, code, c->file, fl, fc, "%s", text);
}

static int is_glob_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '*' || s[i] == '?' || s[i] == '[')
            return 1;
    }
    return 0;
}

/* Literal args are canonicalized by the normalizer's own path rules. */
static size_t path_norm(arena *a, char **s, size_t len)
{
    unsigned char *out = arena_alloc(a, len + 1);
    size_t n = len ? rt_path_normalize((const unsigned char *)*s, len, out) : 0;
    *s = (char *)out;
    return n;
}

static int list_item_frag(pat_ctx *c, const tpl_list *l, size_t k, int path, const ast_word *w, nfa_frag *out)
{
    const char *it = l->items[k];
    size_t n = strlen(it);
    if (n >= 4 && it[0] == 'r' && it[1] == 'e' && (it[2] == '"' || it[2] == '\'') && it[n - 1] == it[2]) {
        rx *r = rx_parse(c->a, it + 3, n - 4, l->item_pos ? l->item_pos[k].file : c->file,
                         l->item_pos ? l->item_pos[k].line : w->line, l->item_pos ? l->item_pos[k].column + 3 : w->column,
                         c->d);
        if (!r)
            return -1;
        *out = nfa_regex(c->m, r);
        return 0;
    }
    if (is_glob_text(it, n)) {
        *out = nfa_glob(c->m, it, n);
        return 0;
    }
    /* A literal item; a backslash escapes the next byte, so a list can hold
     * the unexpanded shell glob slash-star as a literal. */
    char *buf = arena_alloc(c->a, n + 1);
    size_t bl = 0;
    for (size_t i = 0; i < n; i++) {
        if (it[i] == '\\' && i + 1 < n)
            i++;
        buf[bl++] = it[i];
    }
    if (path)
        bl = path_norm(c->a, &buf, bl);
    *out = nfa_literal(c->m, buf, bl);
    return 0;
}

int pat_token(pat_ctx *c, const ast_word *w, int path, nfa_frag *out)
{
    switch (w->kind) {
    case AST_W_LIT: {
        if (!path || w->quoted) {
            *out = nfa_literal(c->m, w->text, w->len);
            return 0;
        }
        char *buf = (char *)w->text;
        size_t n = path_norm(c->a, &buf, w->len);
        *out = nfa_literal(c->m, buf, n);
        return 0;
    }
    case AST_W_GLOB:
        *out = nfa_glob(c->m, w->text, w->len);
        return 0;
    case AST_W_REGEX:
        if (!w->regex)
            return pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "regex was not parsed");
        *out = nfa_regex(c->m, w->regex);
        return 0;
    case AST_W_ALT: {
        nfa_frag f = {NFA_NONE, NFA_NONE};
        for (size_t i = 0; i < w->nalts; i++) {
            nfa_frag g;
            if (pat_token(c, w->alts[i], path, &g))
                return -1;
            f = i ? nfa_alt(c->m, f, g) : g;
        }
        if (!w->nalts)
            return pat_err(c, CMDAI_E_SYNTAX, w->line, w->column, "empty alternative");
        *out = f;
        return 0;
    }
    case AST_W_LIST: {
        const tpl_list *l = c->t ? tpl_find_list(c->t, w->text) : NULL;
        if (!l) {
            pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "unknown list @%s", w->text);
            diag_hint(c->d, "define it under template.lists");
            return -1;
        }
        if (!l->nitems)
            return pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "list @%s is empty", w->text);
        nfa_frag f = {NFA_NONE, NFA_NONE};
        for (size_t i = 0; i < l->nitems; i++) {
            nfa_frag g;
            if (list_item_frag(c, l, i, path, w, &g))
                return -1;
            f = i ? nfa_alt(c->m, f, g) : g;
        }
        *out = f;
        return 0;
    }
    case AST_W_ANY:
    case AST_W_EOL:
        break;
    }
    return pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "'...' and '$' stand only for arguments");
}

/* ---- flags ------------------------------------------------------------ */

static int word_is_flag(const ast_word *w)
{
    if ((w->kind != AST_W_LIT && w->kind != AST_W_GLOB) || w->quoted || w->len < 2 || w->text[0] != '-')
        return 0;
    return !(w->len == 2 && w->text[1] == '-');
}

static int word_is_flag_alt(const ast_word *w)
{
    if (w->kind != AST_W_ALT || !w->nalts)
        return 0;
    for (size_t i = 0; i < w->nalts; i++)
        if (!word_is_flag(w->alts[i]))
            return 0;
    return 1;
}

static int word_can_be_value(const ast_word *w)
{
    if (w->kind == AST_W_ANY || w->kind == AST_W_EOL)
        return 0;
    if (word_is_flag(w) || word_is_flag_alt(w))
        return 0;
    return 1;
}

static int too_many_groups(pat_ctx *c, const ast_word *w)
{
    pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "more than %d flag groups in one pattern", PAT_MAX_GROUPS);
    diag_hint(c->d, "split the rule, or use 'and' between two patterns");
    return -1;
}

/* One flag alternative: appended to the group being built (inside {..}),
 * or a group of its own.  Returns groups added (0 or 1), or -1. */
static int place_alt(pat_ctx *c, const ast_word *w, const flag_alt *fa, flag_group *gs, int *ng, int in_alt,
                     flag_group *cur)
{
    if (in_alt) {
        if (cur->nalts >= 16)
            return pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "too many alternatives");
        cur->alts[cur->nalts++] = *fa;
        return 0;
    }
    if (*ng >= PAT_MAX_GROUPS)
        return too_many_groups(c, w);
    gs[*ng].nalts = 1;
    gs[*ng].alts[0] = *fa;
    (*ng)++;
    return 1;
}

/* Split one flag word into alternatives of one group (single flag) or into
 * several groups (a short cluster "-rf").  Returns the number of groups
 * appended, or -1. */
static int flag_word(pat_ctx *c, const rt_prog_opts *po, const ast_word *w, flag_group *gs, int *ng, int in_alt,
                     flag_group *cur)
{
    const char *t = w->text;
    size_t n = w->len;
    /* A glob only in the value ("--name=*.pem") is a named flag whose value
     * is a glob on the value, like any other token; a glob in the name
     * ("--no-*") is a glob over the whole flag token. */
    const char *geq = memchr(t, '=', n);
    if (w->kind == AST_W_GLOB && (!geq || is_glob_text(t, (size_t)(geq - t)) || memchr(t, '\\', (size_t)(geq - t)))) {
        flag_alt fa = {.w = w, .glob = 1};
        return place_alt(c, w, &fa, gs, ng, in_alt, cur);
    }
    const char *eq = memchr(t, '=', n);
    int single = t[1] == '-' || (po && (po->flags & RT_OPT_LONG_SINGLE_DASH)) || n == 2 || (eq && eq - t == 2);
    if (single) {
        flag_alt fa = {.w = w, .name = t, .nlen = eq ? (size_t)(eq - t) : n};
        if (eq) {
            fa.vlit = eq + 1;
            fa.vlen = n - (size_t)(eq - t) - 1;
        }
        return place_alt(c, w, &fa, gs, ng, in_alt, cur);
    }
    if (in_alt) {
        pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column,
                 "flag cluster '%s' cannot be one alternative", t);
        diag_hint(c->d, "write each flag on its own, e.g. {-r,-R} {-f,--force}");
        return -1;
    }
    /* Short cluster: -rf -> {-r} {-f}; a value-taking option ends the cluster. */
    int added = 0;
    for (size_t i = 1; i < n; i++) {
        if (t[i] == '=')
            break;
        if (*ng >= PAT_MAX_GROUPS)
            return too_many_groups(c, w);
        char *nm = arena_alloc(c->a, 3);
        nm[0] = '-';
        nm[1] = t[i];
        flag_alt fa = {.w = w, .name = nm, .nlen = 2};
        if (rt_opts_takes_value(po, nm, 2) && i + 1 < n) {
            size_t vb = i + 1 + (t[i + 1] == '=');
            fa.vlit = t + vb;
            fa.vlen = n - vb;
            gs[*ng].nalts = 1;
            gs[*ng].alts[0] = fa;
            (*ng)++;
            added++;
            break;
        }
        if (i + 1 < n && t[i + 1] == '=') {
            fa.vlit = t + i + 2;
            fa.vlen = n - i - 2;
        }
        gs[*ng].nalts = 1;
        gs[*ng].alts[0] = fa;
        (*ng)++;
        added++;
    }
    return added;
}

static int flag_alt_frag(pat_ctx *c, const flag_alt *fa, nfa_frag *out)
{
    nfa *m = c->m;
    nfa_frag f = nfa_byte(m, RT_C_FLAG);
    if (fa->glob) {
        *out = nfa_cat(m, f, nfa_glob(m, fa->w->text, fa->w->len));
        return 0;
    }
    f = nfa_cat(m, f, nfa_literal(m, fa->name, fa->nlen));
    if (fa->vlit) {
        f = nfa_cat(m, f, nfa_byte(m, '='));
        if (is_glob_text(fa->vlit, fa->vlen)) {
            f = nfa_cat(m, f, nfa_glob(m, fa->vlit, fa->vlen));
        } else {
            /* The normalizer path-normalizes flag values: so do literals. */
            char *v = (char *)fa->vlit;
            size_t vl = path_norm(c->a, &v, fa->vlen);
            f = nfa_cat(m, f, nfa_literal(m, v, vl));
        }
    } else if (fa->value) {
        nfa_frag v;
        if (pat_token(c, fa->value, 1, &v))
            return -1;
        f = nfa_cat(m, nfa_cat(m, f, nfa_byte(m, '=')), v);
    } else {
        nfa_frag v = nfa_cat(m, nfa_byte(m, '='), nfa_any_token_bytes(m));
        f = nfa_cat(m, f, nfa_opt(m, v));
    }
    *out = f;
    return 0;
}

static int group_frag(pat_ctx *c, const flag_group *g, nfa_frag *out)
{
    nfa_frag f = {NFA_NONE, NFA_NONE};
    for (int i = 0; i < g->nalts; i++) {
        nfa_frag a;
        if (flag_alt_frag(c, &g->alts[i], &a))
            return -1;
        f = i ? nfa_alt(c->m, f, a) : a;
    }
    *out = f;
    return 0;
}

/* Does every flag token that matches alternative x also match y?  Only the
 * obvious cases are recognized; "no" is always safe. */
static int alt_implies(const flag_alt *x, const flag_alt *y)
{
    if (x->glob || y->glob)
        return x->glob && y->glob && x->w->len == y->w->len && !memcmp(x->w->text, y->w->text, x->w->len);
    if (x->nlen != y->nlen || memcmp(x->name, y->name, x->nlen))
        return 0;
    if (!y->vlit && !y->value)
        return 1; /* y takes any value or none */
    if (y->vlit)
        return x->vlit && x->vlen == y->vlen && !memcmp(x->vlit, y->vlit, x->vlen);
    return x->value == y->value;
}

/* note [implied flag groups]: the normalizer removes duplicate flags, so
 * each required group must be met by a distinct flag token only when the
 * groups are different.  A group implied by another one ("rm -r -r",
 * "rm -rr", "rm -r {-r,-f}") would demand a second token that can never
 * exist; drop it, since the stronger group already guarantees it.  Returns
 * the new number of groups. */
static int drop_implied_groups(flag_group *g, int ng)
{
    for (int b = 0; b < ng; b++) {
        for (int a = 0; a < ng; a++) {
            if (a == b)
                continue;
            int all = 1;
            for (int i = 0; i < g[a].nalts && all; i++) {
                int some = 0;
                for (int j = 0; j < g[b].nalts && !some; j++)
                    some = alt_implies(&g[a].alts[i], &g[b].alts[j]);
                all = some;
            }
            if (all) { /* a implies b: b is redundant */
                memmove(&g[b], &g[b + 1], (size_t)(ng - b - 1) * sizeof *g);
                ng--;
                b--;
                break;
            }
        }
    }
    return ng;
}

/* F* : any run of flag tokens. */
static nfa_frag any_flags(nfa *m)
{
    return nfa_star(m, nfa_cat(m, nfa_byte(m, RT_C_FLAG), nfa_any_token_bytes(m)));
}

static nfa_frag any_redirs(nfa *m)
{
    nfa_frag r = nfa_cat(m, nfa_byte(m, RT_C_REDIR), nfa_any_token_bytes(m));
    r = nfa_cat(m, r, nfa_byte(m, RT_C_RTGT));
    r = nfa_cat(m, r, nfa_any_token_bytes(m));
    return nfa_star(m, r);
}

static nfa_frag any_args(nfa *m)
{
    return nfa_star(m, nfa_cat(m, nfa_byte(m, RT_C_ARG), nfa_any_token_bytes(m)));
}

static int redir_frag(pat_ctx *c, const ast_redir *r, nfa_frag *out)
{
    nfa *m = c->m;
    nfa_frag f = nfa_cat(m, nfa_byte(m, RT_C_REDIR), nfa_literal(m, r->op, strlen(r->op)));
    f = nfa_cat(m, f, nfa_byte(m, RT_C_RTGT));
    nfa_frag t;
    if (r->target->kind == AST_W_ANY) /* "> ..." : any target (docs/dsl.md section 2) */
        t = nfa_any_token_bytes(m);
    else if (pat_token(c, r->target, 1, &t))
        return -1;
    *out = nfa_cat(m, f, t);
    return 0;
}

/* The k required items in any order, each met by its own token:
 * note [item lattice]: one NFA node per set S of items already met, 2^k of
 * them (k <= PAT_MAX_GROUPS).  From node S, ANY* then one item i not in S
 * leads to node S+{i}; the full set ends (after a last ANY* when `trail`).
 * It accepts exactly what the union over the k! orders
 * ANY* x1 ANY* x2 ... ANY* accepted, but a DFA subset now records only
 * which items are met, not how far each of the k! orders got: the k!
 * branches made subset construction explode before minimisation
 * ("rm -r -f -x -R --force" took minutes for 94 final states). */
typedef int (*item_fn)(pat_ctx *, const void *item, nfa_frag *);
typedef nfa_frag (*any_fn)(nfa *);

static int unordered(pat_ctx *c, const void *items, size_t isize, int k, item_fn fn, any_fn any, int trail,
                     nfa_frag *out)
{
    nfa *m = c->m;
    if (k == 0) {
        *out = any(m);
        return 0;
    }
    uint32_t full = (1u << k) - 1, node[1u << PAT_MAX_GROUPS];
    for (uint32_t S = 0; S <= full; S++)
        node[S] = nfa_new(m);
    uint32_t exit = nfa_new(m);
    for (uint32_t S = 0; S <= full; S++) {
        if (S == full && !trail) {
            nfa_link(m, node[S], exit);
            continue;
        }
        nfa_frag x = any(m);
        nfa_link(m, node[S], x.in);
        if (S == full) {
            nfa_link(m, x.out, exit);
            continue;
        }
        uint32_t tail = x.out; /* a chain of epsilon states, one branch per item */
        for (int i = 0; i < k; i++) {
            if (S & (1u << i))
                continue;
            nfa_frag it;
            if (fn(c, (const char *)items + (size_t)i * isize, &it))
                return -1;
            uint32_t br = nfa_new(m);
            nfa_link(m, tail, br);
            nfa_link(m, br, it.in);
            nfa_link(m, it.out, node[S | (1u << i)]);
            tail = br;
        }
    }
    *out = (nfa_frag){node[0], exit};
    return 0;
}

static int group_item(pat_ctx *c, const void *g, nfa_frag *out)
{
    return group_frag(c, g, out);
}

static int redir_item(pat_ctx *c, const void *r, nfa_frag *out)
{
    return redir_frag(c, *(const ast_redir *const *)r, out);
}

static const rt_prog_opts *prog_opts(const ast_word *w)
{
    if (w->kind == AST_W_LIT)
        return rt_opts_find(w->text, w->len);
    if (w->kind == AST_W_ALT && w->nalts && w->alts[0]->kind == AST_W_LIT)
        return rt_opts_find(w->alts[0]->text, w->alts[0]->len);
    return NULL;
}

int pat_stage(pat_ctx *c, const ast_node *cmd, int eager, nfa_frag *out)
{
    nfa *m = c->m;
    if (cmd->kind != AST_CMD || cmd->nwords == 0)
        return pat_err(c, CMDAI_E_SEMANTIC, cmd->line, cmd->column, "expected a command pattern");
    if (cmd->nwords > PAT_MAX_WORDS)
        return pat_err(c, CMDAI_E_SEMANTIC, cmd->line, cmd->column, "pattern has too many words");
    const ast_word *prog = cmd->words[0];
    if (prog->kind == AST_W_ANY || prog->kind == AST_W_EOL) {
        pat_err(c, CMDAI_E_SEMANTIC, prog->line, prog->column, "a pattern must start with a program");
        diag_hint(c->d, "use * to match any program");
        return -1;
    }
    nfa_frag f;
    if (pat_token(c, prog, 0, &f))
        return -1;
    const rt_prog_opts *po = prog_opts(prog);
    int no_flags = po && (po->flags & RT_OPT_NO_FLAGS);

    flag_group groups[PAT_MAX_GROUPS];
    int ng = 0;
    const ast_word *pos[PAT_MAX_WORDS];
    size_t npos = 0;
    int dashdash = 0;
    for (size_t i = 1; i < cmd->nwords; i++) {
        const ast_word *w = cmd->words[i];
        if (!dashdash && !no_flags && w->kind == AST_W_LIT && !w->quoted && w->len == 2 && !memcmp(w->text, "--", 2)) {
            dashdash = 1;
            continue;
        }
        if (!dashdash && !no_flags && word_is_flag(w)) {
            int before = ng;
            if (flag_word(c, po, w, groups, &ng, 0, NULL) < 0)
                return -1;
            /* A value-taking option written without '=' takes the next word. */
            if (ng > before) {
                flag_alt *last = &groups[ng - 1].alts[0];
                if (!last->glob && !last->vlit && rt_opts_takes_value(po, last->name, last->nlen) &&
                    i + 1 < cmd->nwords && word_can_be_value(cmd->words[i + 1]))
                    last->value = cmd->words[++i];
            }
            continue;
        }
        if (!dashdash && !no_flags && word_is_flag_alt(w)) {
            if (ng >= PAT_MAX_GROUPS)
                return pat_err(c, CMDAI_E_SEMANTIC, w->line, w->column, "more than %d flag groups",
                                PAT_MAX_GROUPS);
            flag_group *g = &groups[ng];
            g->nalts = 0;
            for (size_t k = 0; k < w->nalts; k++)
                if (flag_word(c, po, w->alts[k], groups, &ng, 1, g) < 0)
                    return -1;
            ng++;
            continue;
        }
        if (w->kind == AST_W_EOL && i + 1 != cmd->nwords)
            return pat_err(c, CMDAI_E_SYNTAX, w->line, w->column, "'$' must be the last word");
        pos[npos++] = w;
    }

    ng = drop_implied_groups(groups, ng);
    if (cmd->nredirs > PAT_MAX_GROUPS)
        return pat_err(c, CMDAI_E_SEMANTIC, cmd->line, cmd->column, "more than %d redirections",
                        PAT_MAX_GROUPS);
    /* note [eager atoms]: an eager pattern stops right after its last required
     * element and the separator byte that ends that token, instead of
     * carrying a "matched" bit through trailing loops to END.  Those bits are
     * what multiply DFA states when many rules can match one stage. */
    size_t need_pos = 0;
    for (size_t i = 0; i < npos; i++)
        if (pos[i]->kind != AST_W_ANY)
            need_pos = i + 1;
    /* Regions in canonical order: prog, args, flags, redirections. */
    enum { R_PROG, R_ARGS, R_FLAGS, R_REDIRS };
    int last = cmd->nredirs ? R_REDIRS : ng ? R_FLAGS : need_pos ? R_ARGS : R_PROG;
    int stop = eager ? last : -1;
    bset sep = {{0}};
    bset_add(&sep, RT_C_FLAG);
    bset_add(&sep, RT_C_ARG);
    bset_add(&sep, RT_C_REDIR);
    bset_add(&sep, RT_C_END);
    if (stop == R_PROG) {
        *out = nfa_cat(m, f, nfa_set(m, &sep));
        return 0;
    }
    int eol = 0;
    size_t upto = stop == R_ARGS ? need_pos : npos;
    for (size_t i = 0; i < upto; i++) {
        const ast_word *w = pos[i];
        if (w->kind == AST_W_ANY) {
            f = nfa_cat(m, f, any_args(m));
        } else if (w->kind == AST_W_EOL) {
            eol = 1;
        } else {
            nfa_frag t;
            if (pat_token(c, w, 1, &t))
                return -1;
            f = nfa_cat(m, nfa_cat(m, f, nfa_byte(m, RT_C_ARG)), t);
        }
    }
    if (stop == R_ARGS) {
        if (eol) /* no further argument: the next token is a flag, a redirection or the end */
            sep.w[0] &= ~((uint64_t)1 << RT_C_ARG);
        *out = nfa_cat(m, f, nfa_set(m, &sep));
        return 0;
    }
    if (!eol)
        f = nfa_cat(m, f, any_args(m));
    nfa_frag x;
    if (unordered(c, groups, sizeof groups[0], ng, group_item, any_flags, stop != R_FLAGS, &x))
        return -1;
    f = nfa_cat(m, f, x);
    if (stop == R_FLAGS) {
        sep.w[0] &= ~((uint64_t)1 << RT_C_ARG);
        *out = nfa_cat(m, f, nfa_set(m, &sep));
        return 0;
    }
    if (unordered(c, cmd->redirs, sizeof cmd->redirs[0], (int)cmd->nredirs, redir_item, any_redirs,
                  stop != R_REDIRS, &x))
        return -1;
    f = nfa_cat(m, f, x);
    if (stop == R_REDIRS) {
        sep.w[0] &= ~(((uint64_t)1 << RT_C_ARG) | ((uint64_t)1 << RT_C_FLAG));
        *out = nfa_cat(m, f, nfa_set(m, &sep));
        return 0;
    }
    *out = nfa_cat(m, f, nfa_byte(m, RT_C_END));
    return 0;
}
