/* fmt.c — the canonical form of a template file (docs/fmt.md).
 *
 * libyaml's parser gives the node tree with the position of every node; the
 * comments come from fmt_comments() (the blanks between scanner tokens).  Each
 * comment is attached to an *entry* (a mapping pair or a sequence item):
 *   - a comment alone on its line leads the first entry that starts after it
 *     (or trails the document when none does);
 *   - a comment after code trails the deepest entry that starts on its line,
 *     an entry of a one-line flow collection counting as its parent's.
 * The tree is then printed in the canonical style: block mappings with keys in
 * the loader's order, two-space indentation, short lists of flow-safe scalars
 * as [a, b], everything else as block sequences; plain scalars stay plain,
 * quoted ones become single-quoted (double-quoted when they need escapes),
 * block scalars become literal (|) blocks.  Scalar values and DSL patterns are
 * never changed; only their YAML spelling is. */
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "fmt.h"

enum { F_SCALAR, F_SEQ, F_MAP };
enum { WIDTH = 100 };

typedef struct fnode fnode;
typedef struct fentry {
    fnode *key;              /* NULL for a sequence item */
    fnode *val;
    int line;                /* first line of the entry (key, or item node) */
    const char **lead;       /* leading comments */
    bool *lead_blank;        /* a blank line before that comment */
    size_t nlead;
    const char *trail;       /* trailing comment or NULL */
    bool blank;              /* a blank line before the entry (or its first leading comment) */
    bool blank_mid;          /* a blank line between its last leading comment and the entry */
} fentry;

struct fnode {
    int kind;
    yaml_scalar_style_t sstyle;
    bool flow;               /* collection written in flow style in the source */
    const char *text;        /* scalar value */
    size_t len;
    int line, end_line;      /* 1-based */
    fentry *e;
    size_t n, cap;
    fnode *parent;
};

typedef struct fctx {
    arena *a;
    const char *file, *src;
    size_t len;
    diag *d;
    fentry **order; /* every entry in document order */
    size_t nord, cap;
    char *out;
    size_t olen, ocap;
    uint8_t *in_scalar; /* per line: inside a multi-line scalar (its blank lines are content) */
    int nlines;
    const char **tail; /* comments after everything */
    bool *tail_blank;
    size_t ntail;
} fctx;

static void push_entry(fctx *c, fentry *e)
{
    if (c->nord == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        c->order = arena_grow(c->a, c->order, c->nord, nc, sizeof *c->order);
        c->cap = nc;
    }
    c->order[c->nord++] = e;
}

/* ---- parse ----------------------------------------------------------------- */

static int parse_node(fctx *c, yaml_parser_t *p, yaml_event_t *ev, fnode *parent, fnode **out);

static fentry *add_entry(fctx *c, fnode *n)
{
    if (n->n == n->cap) {
        size_t nc = n->cap ? n->cap * 2 : 8;
        n->e = arena_grow(c->a, n->e, n->n, nc, sizeof *n->e);
        n->cap = nc;
    }
    fentry *e = &n->e[n->n++];
    memset(e, 0, sizeof *e);
    return e;
}

static int next_event(fctx *c, yaml_parser_t *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(p, ev))
        return 0;
    return diag_set(c->d, CMDAI_E_SYNTAX, c->file, (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1,
                    "%s", p->problem ? p->problem : "YAML syntax error");
}

/* ev is the node's first event (owned here). */
static int parse_node(fctx *c, yaml_parser_t *p, yaml_event_t *ev, fnode *parent, fnode **out)
{
    fnode *n = arena_alloc(c->a, sizeof *n);
    n->parent = parent;
    n->line = (int)ev->start_mark.line + 1;
    *out = n;
    if (ev->type == YAML_SCALAR_EVENT) {
        n->kind = F_SCALAR;
        n->sstyle = ev->data.scalar.style;
        n->text = arena_strndup(c->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        n->len = ev->data.scalar.length;
        n->end_line = (int)ev->end_mark.line + 1;
        for (int l = n->line + 1; l <= n->end_line && l <= c->nlines; l++)
            c->in_scalar[l] = 1;
        yaml_event_delete(ev);
        return 0;
    }
    if (ev->type != YAML_SEQUENCE_START_EVENT && ev->type != YAML_MAPPING_START_EVENT) {
        int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
        yaml_event_delete(ev);
        return diag_set(c->d, CMDAI_E_SYNTAX, c->file, line, col, "fmt cannot print this YAML construct (alias)");
    }
    bool map = ev->type == YAML_MAPPING_START_EVENT;
    n->kind = map ? F_MAP : F_SEQ;
    n->flow = map ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
                  : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
    yaml_event_delete(ev);
    for (;;) {
        yaml_event_t e1;
        if (next_event(c, p, &e1))
            return -1;
        if (e1.type == YAML_SEQUENCE_END_EVENT || e1.type == YAML_MAPPING_END_EVENT) {
            n->end_line = (int)e1.end_mark.line + 1;
            yaml_event_delete(&e1);
            return 0;
        }
        fentry *en = add_entry(c, n);
        size_t idx = n->n - 1;
        en->line = (int)e1.start_mark.line + 1;
        fnode *k = NULL, *v = NULL;
        if (map) {
            if (parse_node(c, p, &e1, n, &k))
                return -1;
            yaml_event_t e2;
            if (next_event(c, p, &e2))
                return -1;
            if (parse_node(c, p, &e2, n, &v))
                return -1;
        } else if (parse_node(c, p, &e1, n, &v))
            return -1;
        n->e[idx].key = k;
        n->e[idx].val = v;
    }
}

/* Document order of entries: a pre-order walk (the arrays no longer move). */
static void collect(fctx *c, fnode *n)
{
    if (n->kind == F_SCALAR)
        return;
    for (size_t i = 0; i < n->n; i++) {
        push_entry(c, &n->e[i]);
        collect(c, n->e[i].val);
    }
}

/* ---- comments -------------------------------------------------------------- */

static bool line_blank(const fctx *c, int line)
{
    if (line < 1 || (line <= c->nlines && c->in_scalar[line]))
        return false;
    int ln = 1;
    size_t i = 0;
    while (i < c->len && ln < line)
        ln += c->src[i++] == '\n';
    if (ln != line)
        return false;
    for (; i < c->len && c->src[i] != '\n'; i++)
        if (c->src[i] != ' ' && c->src[i] != '\t' && c->src[i] != '\r')
            return false;
    return true;
}

static void add_lead(fctx *c, fentry *e, const char *text, bool blank)
{
    e->lead = arena_grow(c->a, e->lead, e->nlead, e->nlead + 1, sizeof *e->lead);
    e->lead_blank = arena_grow(c->a, e->lead_blank, e->nlead, e->nlead + 1, sizeof *e->lead_blank);
    e->lead[e->nlead] = text;
    e->lead_blank[e->nlead++] = blank;
}

static fnode *owner_of(fctx *c, fentry *e)
{
    (void)c;
    return e->val ? e->val->parent : NULL;
}

static void attach(fctx *c, const fmt_comment *cm, size_t ncm)
{
    for (size_t k = 0; k < ncm; k++) {
        const fmt_comment *m = &cm[k];
        bool blank = line_blank(c, m->line - 1);
        if (m->own_line) {
            fentry *to = NULL;
            for (size_t i = 0; i < c->nord && !to; i++)
                if (c->order[i]->line > m->line)
                    to = c->order[i];
            if (to)
                add_lead(c, to, m->text, blank);
            else {
                c->tail = arena_grow(c->a, c->tail, c->ntail, c->ntail + 1, sizeof *c->tail);
                c->tail_blank = arena_grow(c->a, c->tail_blank, c->ntail, c->ntail + 1, sizeof *c->tail_blank);
                c->tail[c->ntail] = m->text;
                c->tail_blank[c->ntail++] = blank;
            }
            continue;
        }
        fentry *to = NULL;
        for (size_t i = 0; i < c->nord; i++) {
            fentry *e = c->order[i];
            fnode *par = owner_of(c, e);
            if (par && par->flow && par->end_line == m->line && (e->line == m->line || par->line < m->line)) {
                /* after the closing bracket of a flow collection: the comment is its entry's */
                for (size_t j = 0; j < c->nord; j++)
                    if (c->order[j]->val == par)
                        to = c->order[j];
                continue;
            }
            if (e->line == m->line)
                to = e;
        }
        if (!to) /* a continuation line: the last entry that started before it */
            for (size_t i = 0; i < c->nord; i++)
                if (c->order[i]->line < m->line)
                    to = c->order[i];
        if (!to) {
            c->tail = arena_grow(c->a, c->tail, c->ntail, c->ntail + 1, sizeof *c->tail);
            c->tail_blank = arena_grow(c->a, c->tail_blank, c->ntail, c->ntail + 1, sizeof *c->tail_blank);
            c->tail[c->ntail] = m->text;
            c->tail_blank[c->ntail++] = false;
        } else if (to->trail)
            to->trail = arena_printf(c->a, "%s %s", to->trail, m->text + 1 + (m->text[1] == ' '));
        else
            to->trail = m->text;
    }
    for (size_t i = 0; i < c->nord; i++) {
        fentry *e = c->order[i];
        if (e->nlead) { /* the blank before the first leading comment is the entry's */
            e->blank = e->lead_blank[0];
            e->lead_blank[0] = false;
            e->blank_mid = line_blank(c, e->line - 1);
        } else
            e->blank = line_blank(c, e->line - 1);
    }
}

/* ---- print ----------------------------------------------------------------- */

static void put(fctx *c, const char *s, size_t n)
{
    if (c->olen + n + 1 > c->ocap) {
        size_t nc = c->ocap ? c->ocap * 2 : 4096;
        while (nc < c->olen + n + 1)
            nc *= 2;
        c->out = arena_grow(c->a, c->out, c->olen, nc, 1);
        c->ocap = nc;
    }
    memcpy(c->out + c->olen, s, n);
    c->olen += n;
    c->out[c->olen] = 0;
}
static void puts_(fctx *c, const char *s) { put(c, s, strlen(s)); }
static void indent(fctx *c, int n)
{
    for (int i = 0; i < n; i++)
        put(c, " ", 1);
}

/* Needs a double-quoted scalar: control characters (but not in block scalars), or edge spaces are fine in quotes. */
static bool needs_escapes(const fnode *n)
{
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        if (ch < 0x20 || ch == 0x7f)
            return true;
    }
    return false;
}

/* A plain scalar that may stand inside [ ] unchanged. */
static bool flow_safe_plain(const fnode *n)
{
    if (n->len == 0 || strpbrk(n->text, ",[]{}#") || strstr(n->text, ": ") || n->text[n->len - 1] == ':')
        return false;
    return !strchr("-?:!&*|>'\"%@`", n->text[0]) || (n->text[0] == '-' && n->len > 1 && n->text[1] != ' ');
}

static void scalar_inline(fctx *c, const fnode *n)
{
    if (n->sstyle == YAML_PLAIN_SCALAR_STYLE || n->sstyle == YAML_ANY_SCALAR_STYLE) {
        put(c, n->text, n->len);
        return;
    }
    if (!needs_escapes(n)) {
        put(c, "'", 1);
        for (size_t i = 0; i < n->len; i++)
            put(c, n->text[i] == '\'' ? "''" : n->text + i, n->text[i] == '\'' ? 2 : 1);
        put(c, "'", 1);
        return;
    }
    put(c, "\"", 1);
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        char buf[8];
        switch (ch) {
        case '"': puts_(c, "\\\""); break;
        case '\\': puts_(c, "\\\\"); break;
        case '\n': puts_(c, "\\n"); break;
        case '\t': puts_(c, "\\t"); break;
        case '\r': puts_(c, "\\r"); break;
        default:
            if (ch < 0x20 || ch == 0x7f) {
                snprintf(buf, sizeof buf, "\\x%02x", ch);
                puts_(c, buf);
            } else
                put(c, (const char *)&ch, 1);
        }
    }
    put(c, "\"", 1);
}

/* A block scalar as a literal block: the value's text, lines at `ind`. */
static bool literal_ok(const fnode *n)
{
    if (n->len == 0 || n->text[0] == ' ' || n->text[0] == '\n')
        return false;
    for (size_t i = 0; i < n->len; i++) {
        unsigned char ch = (unsigned char)n->text[i];
        if ((ch < 0x20 && ch != '\n' && ch != '\t') || ch == 0x7f)
            return false;
    }
    return true;
}

static bool is_block_scalar(const fnode *n)
{
    return n->kind == F_SCALAR && (n->sstyle == YAML_LITERAL_SCALAR_STYLE || n->sstyle == YAML_FOLDED_SCALAR_STYLE) &&
           literal_ok(n);
}

static void trail(fctx *c, const char *t)
{
    if (t) {
        puts_(c, "  ");
        puts_(c, t);
    }
}

static void literal_body(fctx *c, const fnode *n, int ind)
{
    size_t end = n->len, nl = 0;
    while (end > 0 && n->text[end - 1] == '\n') {
        end--;
        nl++;
    }
    (void)nl;
    size_t i = 0;
    while (i <= end) {
        size_t j = i;
        while (j < end && n->text[j] != '\n')
            j++;
        if (j > i) {
            indent(c, ind);
            put(c, n->text + i, j - i);
        }
        put(c, "\n", 1);
        i = j + 1;
    }
    for (size_t k = 1; k < nl; k++)
        put(c, "\n", 1);
}

static const char *literal_header(const fnode *n)
{
    size_t nl = 0;
    while (nl < n->len && n->text[n->len - 1 - nl] == '\n')
        nl++;
    return nl == 0 ? "|-" : nl == 1 ? "|" : "|+";
}

/* Blank lines are the author's (several count as one), except at the start of the file. */
static void lead(fctx *c, const fentry *e, int ind)
{
    if (e->blank && c->olen)
        put(c, "\n", 1);
    for (size_t k = 0; k < e->nlead; k++) {
        if (e->lead_blank[k] && c->olen)
            put(c, "\n", 1);
        indent(c, ind);
        puts_(c, e->lead[k]);
        put(c, "\n", 1);
    }
    if (e->blank_mid && e->nlead)
        put(c, "\n", 1);
}

/* Width of a sequence printed as [a, b]; 0 when it cannot be. */
static size_t flow_width(const fnode *n)
{
    size_t w = 2;
    for (size_t i = 0; i < n->n; i++) {
        const fnode *v = n->e[i].val;
        if (v->kind != F_SCALAR || n->e[i].nlead || n->e[i].trail || is_block_scalar(v) ||
            v->sstyle == YAML_LITERAL_SCALAR_STYLE || v->sstyle == YAML_FOLDED_SCALAR_STYLE)
            return 0;
        if ((v->sstyle == YAML_PLAIN_SCALAR_STYLE || v->sstyle == YAML_ANY_SCALAR_STYLE) && !flow_safe_plain(v))
            return 0;
        w += v->len + 2 + (i ? 2 : 0);
        for (size_t k = 0; k < v->len; k++)
            w += v->text[k] == '\'' || v->text[k] == '"' || v->text[k] == '\\';
    }
    return w;
}

/* [a, b, ...] from column `col`; when `wrap`, items that would pass WIDTH go
 * on continuation lines at `ind` + 2 (filled, like a paragraph). */
static void flow_seq(fctx *c, const fnode *n, size_t col, int ind, bool wrap)
{
    put(c, "[", 1);
    col++;
    for (size_t i = 0; i < n->n; i++) {
        size_t before = c->olen;
        if (i)
            puts_(c, ", ");
        size_t mark = c->olen;
        scalar_inline(c, n->e[i].val);
        size_t w = c->olen - mark;
        if (wrap && i && col + 2 + w + (i + 1 == n->n) > WIDTH) {
            /* undo ", item" and start a continuation line */
            char *item = arena_strndup(c->a, c->out + mark, w);
            c->olen = before;
            puts_(c, ",\n");
            indent(c, ind + 2);
            puts_(c, item);
            col = (size_t)ind + 2 + w;
        } else
            col += (c->olen - before);
    }
    put(c, "]", 1);
}

/* Every item a short flow-safe scalar: the list may be wrapped. */
static bool wrappable(const fnode *n)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->e[i].val->len > 40)
            return false;
    return true;
}

/* ---- key order ------------------------------------------------------------ */

enum { CTX_NONE, CTX_TOP, CTX_TEMPLATE, CTX_SAFETY, CTX_RULES, CTX_RULE, CTX_RULE_TESTS, CTX_TOOLS, CTX_TESTS };
static const char *const *ctx_keys(int ctx)
{
    static const char *const top[] = {"template", NULL};
    static const char *const tpl_[] = {"name",   "version", "author", "license", "description", "compliance_frameworks",
                                       "risk_tolerance", "extends", "lists", "safety", "tools", "tests", NULL};
    static const char *const safety[] = {"default", "dynamic", "rules", NULL};
    static const char *const rule[] = {"id",         "match",  "unless", "risk",  "action", "message",
                                       "compliance", "locked", "tests",  NULL};
    static const char *const rtests[] = {"match", "no_match", NULL};
    static const char *const tools[] = {"allow", "default", NULL};
    static const char *const tests[] = {"allow", "warn", "confirm", "deny", NULL};
    switch (ctx) {
    case CTX_TOP: return top;
    case CTX_TEMPLATE: return tpl_;
    case CTX_SAFETY: return safety;
    case CTX_RULE: return rule;
    case CTX_RULE_TESTS: return rtests;
    case CTX_TOOLS: return tools;
    case CTX_TESTS: return tests;
    default: return NULL;
    }
}

static int child_ctx(int ctx, const char *key)
{
    if (ctx == CTX_TOP && !strcmp(key, "template"))
        return CTX_TEMPLATE;
    if (ctx == CTX_TEMPLATE)
        return !strcmp(key, "safety") ? CTX_SAFETY : !strcmp(key, "tools") ? CTX_TOOLS
                                                 : !strcmp(key, "tests") ? CTX_TESTS : CTX_NONE;
    if (ctx == CTX_SAFETY && !strcmp(key, "rules"))
        return CTX_RULES;
    if (ctx == CTX_RULE && !strcmp(key, "tests"))
        return CTX_RULE_TESTS;
    return CTX_NONE;
}

static size_t key_rank(int ctx, const fnode *k, size_t pos)
{
    const char *const *ks = ctx_keys(ctx);
    if (ks && k->kind == F_SCALAR)
        for (size_t i = 0; ks[i]; i++)
            if (!strcmp(ks[i], k->text))
                return i;
    return 1000 + pos; /* unknown keys (lists' names): source order, after the known ones */
}

static void emit_map(fctx *c, const fnode *n, int ind, int ctx, bool first_inline);
static void emit_seq(fctx *c, const fnode *n, int ind, int ctx, bool first_inline);

/* The value part after "key:" or "- " (the caller printed that); ends the line. */
static void emit_value(fctx *c, const fentry *e, const fnode *v, int ind, int ctx, size_t col)
{
    if (v->kind == F_SCALAR) {
        if (is_block_scalar(v)) {
            put(c, " ", 1);
            puts_(c, literal_header(v));
            trail(c, e->trail);
            put(c, "\n", 1);
            literal_body(c, v, ind + 2);
            return;
        }
        put(c, " ", 1);
        scalar_inline(c, v);
        trail(c, e->trail);
        put(c, "\n", 1);
        return;
    }
    if (v->n == 0) {
        puts_(c, v->kind == F_MAP ? " {}" : " []");
        trail(c, e->trail);
        put(c, "\n", 1);
        return;
    }
    if (v->kind == F_SEQ) {
        size_t w = flow_width(v);
        bool fits = w && col + 1 + w <= WIDTH;
        if (fits || (w && wrappable(v))) {
            put(c, " ", 1);
            flow_seq(c, v, col + 1, ind, !fits);
            trail(c, e->trail);
            put(c, "\n", 1);
            return;
        }
    }
    /* a block collection starts on the next line */
    trail(c, e->trail);
    put(c, "\n", 1);
    if (v->kind == F_MAP)
        emit_map(c, v, ind + 2, ctx, false);
    else
        emit_seq(c, v, ind + 2, ctx, false);
}

static void emit_map(fctx *c, const fnode *n, int ind, int ctx, bool first_inline)
{
    size_t *ord = arena_array(c->a, n->n ? n->n : 1, sizeof *ord);
    for (size_t i = 0; i < n->n; i++)
        ord[i] = i;
    for (size_t i = 1; i < n->n; i++) /* stable insertion sort by rank */
        for (size_t j = i; j > 0 && key_rank(ctx, n->e[ord[j - 1]].key, ord[j - 1]) > key_rank(ctx, n->e[ord[j]].key, ord[j]);
             j--) {
            size_t t = ord[j];
            ord[j] = ord[j - 1];
            ord[j - 1] = t;
        }
    for (size_t i = 0; i < n->n; i++) {
        const fentry *e = &n->e[ord[i]];
        bool inl = first_inline && i == 0;
        if (!inl) {
            lead(c, e, ind);
            indent(c, ind);
        }
        size_t before = c->olen;
        scalar_inline(c, e->key);
        put(c, ":", 1);
        size_t col = (size_t)ind + (c->olen - before);
        emit_value(c, e, e->val, ind, child_ctx(ctx, e->key->kind == F_SCALAR ? e->key->text : ""), col);
    }
}

static void emit_seq(fctx *c, const fnode *n, int ind, int ctx, bool first_inline)
{
    (void)first_inline;
    int item_ctx = ctx == CTX_RULES ? CTX_RULE : CTX_NONE;
    for (size_t i = 0; i < n->n; i++) {
        const fentry *e = &n->e[i];
        const fnode *v = e->val;
        lead(c, e, ind);
        indent(c, ind);
        put(c, "-", 1);
        if (v->kind == F_MAP && v->n && !e->trail && !v->e[0].nlead) {
            put(c, " ", 1);
            emit_map(c, v, ind + 2, item_ctx, true);
            continue;
        }
        if (v->kind == F_SEQ && v->n && !e->trail && !flow_width(v)) {
            trail(c, e->trail);
            put(c, "\n", 1);
            emit_seq(c, v, ind + 2, CTX_NONE, false);
            continue;
        }
        emit_value(c, e, v, ind, item_ctx, (size_t)ind + 1);
    }
}

int fmt_template(arena *a, const char *file, const char *src, size_t len, char **out, size_t *outlen, diag *d)
{
    fctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.file = file;
    c.src = src;
    c.len = len;
    c.d = d;
    fmt_comment *cm;
    size_t ncm;
    if (fmt_comments(a, file, src, len, &cm, &ncm, d))
        return -1;
    c.nlines = 1;
    for (size_t i = 0; i < len; i++)
        c.nlines += src[i] == '\n';
    c.in_scalar = arena_alloc(a, (size_t)c.nlines + 2);
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return diag_set(d, CMDAI_E_NOMEM, file, 0, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
    fnode *root = NULL;
    int rc = -1;
    yaml_event_t ev;
    /* stream start, document start, the root node, document end, stream end */
    if (next_event(&c, &p, &ev))
        goto out;
    yaml_event_delete(&ev);
    if (next_event(&c, &p, &ev))
        goto out;
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        diag_set(d, CMDAI_E_SYNTAX, file, 1, 1, "empty document");
        goto out;
    }
    yaml_event_delete(&ev);
    if (next_event(&c, &p, &ev) || parse_node(&c, &p, &ev, NULL, &root))
        goto out;
    collect(&c, root); /* entries in document order, now that no array moves */
    attach(&c, cm, ncm);
    if (root->kind == F_MAP)
        emit_map(&c, root, 0, CTX_TOP, false);
    else {
        diag_set(d, CMDAI_E_SYNTAX, file, root->line, 1, "the document is not a mapping");
        goto out;
    }
    for (size_t k = 0; k < c.ntail; k++) {
        if (c.tail_blank[k])
            put(&c, "\n", 1);
        puts_(&c, c.tail[k]);
        put(&c, "\n", 1);
    }
    *out = c.out;
    *outlen = c.olen;
    rc = 0;
out:
    yaml_parser_delete(&p);
    return rc;
}
