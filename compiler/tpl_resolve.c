/* tpl_resolve.c — third template stage: follow `extends`, merge the layers
 * into one flat template, and run the checks that need every layer (rule
 * overrides against locked rules, @list references).  The merge semantics
 * are written down in docs/templates.md ("Layers and merging"); the per-file
 * schema is tpl_load.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tpl_int.h"
#include "tpl_registry.h"

/* Registry resolution (issue 6, compiler/tpl_registry.c); NULL: stdlib only. */
tpl_registry_fn tpl_registry_hook;
void *tpl_registry_ctx;

int tpl_action_for(int tolerance, int risk)
{
    /* rows: tolerance low/medium/high; columns: risk low/moderate/high/critical */
    static const int table[3][4] = {
        { CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY, CMDAI_DENY },
        { CMDAI_ALLOW, CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY },
        { CMDAI_ALLOW, CMDAI_ALLOW, CMDAI_WARN, CMDAI_DENY },
    };
    if (tolerance < TPL_TOL_LOW || tolerance > TPL_TOL_HIGH || risk < CMDAI_RISK_LOW || risk > CMDAI_RISK_CRITICAL)
        return CMDAI_DENY; /* fail closed on a value no loader produces */
    return table[tolerance][risk - CMDAI_RISK_LOW];
}

const tpl_list *tpl_find_list(const tpl *t, const char *name)
{
    for (size_t i = 0; i < t->nlists; i++)
        if (!strcmp(t->lists[i].name, name))
            return &t->lists[i];
    return NULL;
}

/* ---- loading the layers ---------------------------------------------------- */

typedef struct layer {
    tpl_file f;
    const char *path;     /* as opened, also the name in diagnostics */
    bool has_id;          /* false for an in-memory document */
    dev_t dev;
    ino_t ino;
    size_t *children;     /* layer indexes of the templates this one extends */
    size_t nchildren;
} layer;

typedef struct resolver {
    arena *a;
    const char *stdlib_dir;
    diag *d;
    layer **layers;       /* in application order: bases depth-first, the top file last */
    size_t nlayers, cap;
    layer *stack[TPL_MAX_EXTENDS_DEPTH + 1]; /* files being loaded, for cycles */
    int depth;
} resolver;

/* Files are opened with O_NONBLOCK so that a FIFO named in `extends` cannot
 * hang the compiler before fstat() shows it is not a regular file. */
static int read_fd(resolver *R, int fd, const char *path, const tpl_pos *at, const struct stat *st, char **buf,
                   size_t *len)
{
    /* Errors about a base file point at the `extends` entry that named it. */
    const char *file = at ? at->file : path;
    int line = at ? at->line : 0, col = at ? at->column : 0;
    if (!S_ISREG(st->st_mode))
        return diag_set(R->d, CMDAI_E_IO, file, line, col, "'%s' is not a regular file", path);
    if ((unsigned long long)st->st_size > TPL_MAX_FILE_BYTES)
        return diag_set(R->d, CMDAI_E_TOO_LONG, file, line, col,
                        "'%s' is %lld bytes; the limit for a template is %u bytes (8 MiB)", path,
                        (long long)st->st_size, TPL_MAX_FILE_BYTES);
    size_t cap = (size_t)st->st_size, n = 0;
    char *b = arena_alloc(R->a, cap + 1);
    for (;;) {
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return diag_set(R->d, CMDAI_E_IO, file, line, col, "cannot read '%s': %s", path, strerror(errno));
        if (r == 0 || (n += (size_t)r) == cap)
            break;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* Directory part of a path for joining ("" when it has none). */
static const char *dir_of(arena *a, const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash)
        return "";
    if (slash == path)
        return "/";
    return arena_strndup(a, path, (size_t)(slash - path));
}

static const char *join_path(arena *a, const char *dir, const char *rel)
{
    if (rel[0] == '/')
        return rel;
    while (rel[0] == '.' && rel[1] == '/') /* "./x" is "x"; keeps diagnostics short */
        rel += 2;
    if (!dir[0])
        return rel;
    return arena_printf(a, "%s%s%s", dir, !strcmp(dir, "/") ? "" : "/", rel);
}

static bool is_path_ref(const char *s)
{
    return s[0] == '/' || !strncmp(s, "./", 2) || !strncmp(s, "../", 3);
}

static int load_layer(resolver *R, layer *L, const char *buf, size_t len);

static int add_child(resolver *R, layer *parent, size_t idx, size_t *cap)
{
    if (parent->nchildren == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        parent->children = arena_grow(R->a, parent->children, *cap, ncap, sizeof *parent->children);
        *cap = ncap;
    }
    parent->children[parent->nchildren++] = idx;
    return 0;
}

/* Resolve one `extends` entry of `parent`, loading it (and its bases) unless
 * it was loaded already; its layer index goes to *idx. */
static int resolve_entry(resolver *R, layer *parent, size_t e, size_t *idx)
{
    const char *entry = parent->f.t.extends[e];
    const tpl_pos *at = &parent->f.extends_pos[e];
    const char *path, *want_name = NULL, *req = NULL;
    diag *d = R->d;

    if (is_path_ref(entry)) {
        path = join_path(R->a, parent->has_id ? dir_of(R->a, parent->path) : "", entry);
    } else {
        const char *atsign = strchr(entry, '@');
        want_name = atsign ? arena_strndup(R->a, entry, (size_t)(atsign - entry)) : entry;
        req = atsign ? atsign + 1 : NULL;
        if (!tpl_valid_name(want_name, strlen(want_name))) {
            diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column, "invalid extends entry '%s'", entry);
            diag_hint(d, "write a path starting with ./, ../ or / (e.g. ./%s), or a template name with an optional "
                         "version like core-safety@^1", entry);
            return -1;
        }
        if (req) {
            tpl_semver zero = { 0, 0, 0, NULL, 0 };
            if (tpl_semver_satisfies(req, &zero) < 0) {
                diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column, "invalid version requirement '%s'",
                         req);
                diag_hint(d, "use ^X[.Y[.Z]], ~X.Y[.Z], X.Y.Z or >=X.Y.Z");
                return -1;
            }
        }
        int hr = tpl_registry_hook ? tpl_registry_hook(tpl_registry_ctx, R->a, want_name, req, at, &path, d) : 0;
        if (hr < 0)
            return -1;
        if (hr == 0 && (!R->stdlib_dir || !R->stdlib_dir[0])) {
            diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column,
                     "cannot resolve template '%s': no template directory is configured", want_name);
            diag_hint(d, "give the standard template directory, or extend a file by path (./%s.yaml)", want_name);
            return -1;
        }
        if (hr == 0)
            path = arena_printf(R->a, "%s/%s.yaml", R->stdlib_dir, want_name);
    }

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        diag_set(d, CMDAI_E_IO, at->file, at->line, at->column, "cannot open '%s' (extends '%s'): %s", path, entry,
                 strerror(errno));
        diag_hint(d, "paths are relative to the directory of the file that extends them");
        return -1;
    }
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) < 0) {
        diag_set(d, CMDAI_E_IO, at->file, at->line, at->column, "cannot stat '%s': %s", path, strerror(errno));
        goto out;
    }
    /* A file on the stack extends itself through the chain: name the chain. */
    for (int i = 0; i < R->depth; i++) {
        if (R->stack[i]->has_id && R->stack[i]->dev == st.st_dev && R->stack[i]->ino == st.st_ino) {
            char chain[400];
            size_t n = 0;
            chain[0] = '\0';
            for (int j = i; j < R->depth && n < sizeof chain; j++) {
                int w = snprintf(chain + n, sizeof chain - n, "%s -> ", R->stack[j]->path);
                n = w < 0 ? sizeof chain : n + (size_t)w;
            }
            if (n < sizeof chain)
                snprintf(chain + n, sizeof chain - n, "%s", path);
            diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column, "extends cycle: %s", chain);
            diag_hint(d, "a template cannot extend itself, directly or through its bases; remove one link");
            goto out;
        }
    }
    /* Diamonds: a base reached twice is one layer, applied once. */
    *idx = SIZE_MAX;
    for (size_t i = 0; i < R->nlayers; i++)
        if (R->layers[i]->has_id && R->layers[i]->dev == st.st_dev && R->layers[i]->ino == st.st_ino)
            *idx = i;
    if (*idx == SIZE_MAX) {
        if (R->depth > TPL_MAX_EXTENDS_DEPTH) { /* the top file plus 16 levels of bases */
            diag_set(d, CMDAI_E_TOO_DEEP, at->file, at->line, at->column,
                     "extends chain is deeper than %d templates", TPL_MAX_EXTENDS_DEPTH);
            diag_hint(d, "flatten the chain: a template may extend several bases at once");
            goto out;
        }
        layer *L = arena_alloc(R->a, sizeof *L);
        char *buf;
        size_t len;
        L->path = path;
        L->has_id = true;
        L->dev = st.st_dev;
        L->ino = st.st_ino;
        if (read_fd(R, fd, path, at, &st, &buf, &len))
            goto out;
        close(fd);
        fd = -1;
        if (load_layer(R, L, buf, len))
            goto out;
        *idx = R->nlayers - 1;
    }
    const tpl *bt = &R->layers[*idx]->f.t;
    if (want_name && strcmp(bt->name, want_name)) {
        diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column, "'%s' holds template '%s', not '%s'", path,
                 bt->name, want_name);
        diag_hint(d, "a template in the standard directory must be named after its file");
        goto out;
    }
    if (req) {
        tpl_semver have;
        tpl_semver_parse(bt->version, strlen(bt->version), &have); /* checked by tpl_load.c */
        if (tpl_semver_satisfies(req, &have) != 1) {
            diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column,
                     "template '%s' is version %s, which does not satisfy '%s'", want_name, bt->version, req);
            diag_hint(d, "change the requirement or install a matching version of '%s'", want_name);
            goto out;
        }
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Parse and check one file, then its bases (depth-first, in list order), then
 * append it: the layers array ends up in application order. */
static int load_layer(resolver *R, layer *L, const char *buf, size_t len)
{
    tpl_node *root;
    if (tpl_yaml_parse(R->a, L->path, buf, len, &root, R->d) || tpl_build_file(R->a, L->path, root, &L->f, R->d))
        return -1;
    R->stack[R->depth++] = L;
    size_t cap = 0;
    for (size_t e = 0; e < L->f.t.nextends; e++) {
        size_t idx;
        if (resolve_entry(R, L, e, &idx)) {
            R->depth--;
            return -1;
        }
        add_child(R, L, idx, &cap);
    }
    R->depth--;
    if (R->nlayers == R->cap) {
        size_t ncap = R->cap ? R->cap * 2 : 8;
        R->layers = arena_grow(R->a, R->layers, R->cap, ncap, sizeof *R->layers);
        R->cap = ncap;
    }
    R->layers[R->nlayers++] = L;
    return 0;
}

/* ---- merging --------------------------------------------------------------- */

/* Which layers each layer extends, directly or not: one bit row per layer.
 * A base is always appended before the layers that extend it, so one pass in
 * layer order sees every child's row complete. */
static unsigned char *ancestors(resolver *R, size_t *rowbytes)
{
    size_t rb = (R->nlayers + 7) / 8;
    unsigned char *bits = arena_array(R->a, R->nlayers, rb);
    for (size_t i = 0; i < R->nlayers; i++) {
        const layer *L = R->layers[i];
        for (size_t j = 0; j < L->nchildren; j++) {
            size_t c = L->children[j];
            bits[i * rb + c / 8] |= (unsigned char)(1u << (c % 8));
            for (size_t k = 0; k < rb; k++)
                bits[i * rb + k] |= bits[c * rb + k];
        }
    }
    *rowbytes = rb;
    return bits;
}

static const char *action_name(int a)
{
    static const char *const n[] = { "allow", "warn", "confirm", "deny" };
    return a >= 0 && a <= 3 ? n[a] : "?";
}

static const char *risk_name(int r)
{
    static const char *const n[] = { "none", "low", "moderate", "high", "critical" };
    return r >= 0 && r <= 4 ? n[r] : "?";
}

/* Pattern texts equal up to runs of blanks (so reformatting is not weakening). */
static bool same_text(const char *x, const char *y)
{
    for (;;) {
        while (*x == ' ' || *x == '\t' || *x == '\n')
            x++;
        while (*y == ' ' || *y == '\t' || *y == '\n')
            y++;
        if (!*x || !*y)
            return !*x && !*y;
        bool bx = false, by = false;
        while (*x && *x != ' ' && *x != '\t' && *x != '\n' && *x == *y) {
            x++;
            y++;
        }
        bx = !*x || *x == ' ' || *x == '\t' || *x == '\n';
        by = !*y || *y == ' ' || *y == '\t' || *y == '\n';
        if (!bx || !by)
            return false;
    }
}

static bool same_unless(const tpl_rule *x, const tpl_rule *y)
{
    if (x->nunless != y->nunless)
        return false;
    for (size_t i = 0; i < x->nunless; i++) {
        bool found = false;
        for (size_t j = 0; j < y->nunless && !found; j++)
            found = same_text(x->unless[i].src, y->unless[j].src);
        if (!found)
            return false;
    }
    return true;
}

static int check_override(resolver *R, const unsigned char *anc, size_t rb, const tpl_rule *old, size_t old_layer,
                          const tpl_rule *nw, size_t new_layer)
{
    diag *d = R->d;
    if (!(anc[new_layer * rb + old_layer / 8] & (1u << (old_layer % 8)))) {
        diag_set(d, CMDAI_E_SEMANTIC, nw->pos.file, nw->pos.line, nw->pos.column,
                 "duplicate rule id '%s' (also defined at %s:%d:%d)", nw->id, old->pos.file, old->pos.line,
                 old->pos.column);
        diag_hint(d, "templates that do not extend each other cannot share a rule id; rename one, or override it "
                     "in a template that extends both");
        return -1;
    }
    if (!old->locked)
        return 0;
    char why[160];
    why[0] = '\0';
    if (!same_text(old->match.src, nw->match.src))
        snprintf(why, sizeof why, "a different match");
    else if (!same_unless(old, nw))
        snprintf(why, sizeof why, "different unless exceptions");
    else if (nw->action < old->action)
        snprintf(why, sizeof why, "action %s (was %s)", action_name(nw->action), action_name(old->action));
    else if (nw->risk < old->risk)
        snprintf(why, sizeof why, "risk %s (was %s)", risk_name(nw->risk), risk_name(old->risk));
    if (!why[0])
        return 0;
    diag_set(d, CMDAI_E_SEMANTIC, nw->pos.file, nw->pos.line, nw->pos.column,
             "locked rule '%s' (defined at %s:%d:%d) is weakened by %s", nw->id, old->pos.file, old->pos.line,
             old->pos.column, why);
    diag_hint(d, "an override of a locked rule must keep its match and unless and may only raise action and risk; "
                 "remove the override or make it stricter");
    return -1;
}

typedef struct merged_list {
    size_t cap;
    tpl_strmap items;
} merged_list;

static void push_str(arena *a, const char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        *v = arena_grow(a, (void *)*v, *cap, ncap, sizeof **v);
        *cap = ncap;
    }
    (*v)[(*n)++] = s;
}

static void merge_lists(resolver *R, tpl *M, const tpl *t, tpl_strmap *names, merged_list **ml, size_t *lcap)
{
    for (size_t i = 0; i < t->nlists; i++) {
        const tpl_list *src = &t->lists[i];
        size_t k = tpl_strmap_get(names, src->name);
        if (k == TPL_NOT_FOUND) {
            if (M->nlists == *lcap) {
                size_t ncap = *lcap ? *lcap * 2 : 8;
                M->lists = arena_grow(R->a, M->lists, *lcap, ncap, sizeof *M->lists);
                *ml = arena_grow(R->a, *ml, *lcap, ncap, sizeof **ml);
                *lcap = ncap;
            }
            k = M->nlists++;
            M->lists[k] = (tpl_list){ src->name, src->pos, NULL, NULL, 0 };
            (*ml)[k] = (merged_list){ 0, { 0 } };
            tpl_strmap_put(R->a, names, src->name, k);
        }
        tpl_list *dst = &M->lists[k];
        merged_list *m = &(*ml)[k];
        for (size_t j = 0; j < src->nitems; j++) {
            if (tpl_strmap_get(&m->items, src->items[j]) != TPL_NOT_FOUND)
                continue; /* union: a later layer can add, never shrink or reorder */
            if (dst->nitems == m->cap) {
                size_t ncap = m->cap ? m->cap * 2 : 8;
                dst->items = arena_grow(R->a, (void *)dst->items, m->cap, ncap, sizeof *dst->items);
                dst->item_pos = arena_grow(R->a, dst->item_pos, m->cap, ncap, sizeof *dst->item_pos);
                m->cap = ncap;
            }
            tpl_strmap_put(R->a, &m->items, src->items[j], dst->nitems);
            dst->item_pos[dst->nitems] = src->item_pos[j];
            dst->items[dst->nitems++] = src->items[j];
        }
    }
}

static int merge(resolver *R, tpl **out)
{
    const layer *top = R->layers[R->nlayers - 1];
    const tpl *T = &top->f.t;
    tpl *M = arena_alloc(R->a, sizeof *M);
    M->name = T->name;
    M->version = T->version;
    M->author = T->author;
    M->license = T->license;
    M->description = T->description;
    M->file = T->file;
    M->tolerance = T->tolerance;
    M->default_action = CMDAI_ALLOW;
    M->dynamic_action = CMDAI_CONFIRM;
    M->tools_default = CMDAI_CONFIRM;
    M->tests = T->tests;
    M->ntests = T->ntests;
    M->extends = T->extends;
    M->nextends = T->nextends;

    size_t fcap = 0, scap = 0, rcap = 0, lcap = 0;
    tpl_strmap fw, ids, lnames;
    tpl_strmap_init(&fw);
    tpl_strmap_init(&ids);
    tpl_strmap_init(&lnames);
    size_t *rule_layer = NULL;
    merged_list *ml = NULL;
    size_t rb;
    const unsigned char *anc = ancestors(R, &rb);

    push_str(R->a, &M->sources, &M->nsources, &scap, top->path);
    for (size_t i = 0; i < T->nframeworks; i++)
        if (tpl_strmap_get(&fw, T->frameworks[i]) == TPL_NOT_FOUND) {
            tpl_strmap_put(R->a, &fw, T->frameworks[i], 0);
            push_str(R->a, &M->frameworks, &M->nframeworks, &fcap, T->frameworks[i]);
        }

    for (size_t li = 0; li < R->nlayers; li++) {
        const layer *L = R->layers[li];
        const tpl_file *f = &L->f;
        const tpl *t = &f->t;
        if (L != top)
            push_str(R->a, &M->sources, &M->nsources, &scap, L->path);
        for (size_t i = 0; i < t->nframeworks; i++)
            if (tpl_strmap_get(&fw, t->frameworks[i]) == TPL_NOT_FOUND) {
                tpl_strmap_put(R->a, &fw, t->frameworks[i], 0);
                push_str(R->a, &M->frameworks, &M->nframeworks, &fcap, t->frameworks[i]);
            }
        if (f->has_default)
            M->default_action = t->default_action;
        if (f->has_dynamic)
            M->dynamic_action = t->dynamic_action;
        M->has_tools = M->has_tools || t->has_tools;
        if (f->has_tools_allow) {
            M->tools_allow = t->tools_allow;
            M->ntools = t->ntools;
        }
        if (f->has_tools_default)
            M->tools_default = t->tools_default;
        merge_lists(R, M, t, &lnames, &ml, &lcap);

        for (size_t i = 0; i < t->nrules; i++) {
            tpl_rule r = t->rules[i];
            /* Effective action under the TOP template's tolerance: that is the
             * template being built, and locked checks compare what ships. */
            if (!r.action_explicit)
                r.action = tpl_action_for(T->tolerance, r.risk);
            size_t k = tpl_strmap_get(&ids, r.id);
            if (k != TPL_NOT_FOUND) {
                if (check_override(R, anc, rb, &M->rules[k], rule_layer[k], &r, li))
                    return -1;
                r.locked = r.locked || M->rules[k].locked; /* a locked rule stays locked */
                if (!r.ncases) { /* an override that only retunes action or risk keeps the cases */
                    r.cases = M->rules[k].cases;
                    r.ncases = M->rules[k].ncases;
                }
                M->rules[k] = r; /* keeps the position of first definition in the order */
                rule_layer[k] = li;
                continue;
            }
            if (M->nrules == rcap) {
                size_t ncap = rcap ? rcap * 2 : 16;
                M->rules = arena_grow(R->a, M->rules, rcap, ncap, sizeof *M->rules);
                rule_layer = arena_grow(R->a, rule_layer, rcap, ncap, sizeof *rule_layer);
                rcap = ncap;
            }
            tpl_strmap_put(R->a, &ids, r.id, M->nrules);
            rule_layer[M->nrules] = li;
            M->rules[M->nrules++] = r;
        }
    }
    *out = M;
    return 0;
}

/* ---- checks on the merged template ---------------------------------------- */

/* AST positions are relative to the pattern text; `at` says where that text
 * starts in its file (ast_pos_map does the same shift as parse_pattern). */
static int check_word(resolver *R, const tpl *M, const ast_word *w, const tpl_pos *at)
{
    if (!w)
        return 0;
    if (w->kind == AST_W_LIST && !tpl_find_list(M, w->text)) {
        int line, col;
        ast_pos_map(at->line, at->column, w->line, w->column, &line, &col);
        diag_set(R->d, CMDAI_E_SEMANTIC, at->file, line, col, "unknown list @%s", w->text);
        const char *best = NULL;
        size_t bestd = 3;
        for (size_t i = 0; i < M->nlists; i++) {
            size_t dist = tpl_edit_distance(w->text, M->lists[i].name, 2);
            if (dist < bestd) {
                best = M->lists[i].name;
                bestd = dist;
            }
        }
        if (best)
            diag_hint(R->d, "did you mean @%s?", best);
        else
            diag_hint(R->d, "define it under 'lists:' in this template or one it extends");
        return -1;
    }
    for (size_t i = 0; i < w->nalts; i++)
        if (check_word(R, M, w->alts[i], at))
            return -1;
    return 0;
}

static int check_lists_in(resolver *R, const tpl *M, const ast_node *n, const tpl_pos *at)
{
    if (!n)
        return 0;
    if (n->kind == AST_CMD) {
        for (size_t i = 0; i < n->nwords; i++)
            if (check_word(R, M, n->words[i], at))
                return -1;
        for (size_t i = 0; i < n->nredirs; i++)
            if (n->redirs[i] && check_word(R, M, n->redirs[i]->target, at))
                return -1;
    }
    return check_lists_in(R, M, n->a, at) || check_lists_in(R, M, n->b, at) ? -1 : 0;
}

static int check_merged(resolver *R, const tpl *M)
{
    for (size_t i = 0; i < M->nrules; i++) {
        const tpl_rule *r = &M->rules[i];
        if (check_lists_in(R, M, r->match.ast, &r->match.pos))
            return -1;
        for (size_t j = 0; j < r->nunless; j++)
            if (check_lists_in(R, M, r->unless[j].ast, &r->unless[j].pos))
                return -1;
    }
    return 0;
}

/* ---- entry points ------------------------------------------------------------ */

static int resolve_top(arena *a, layer *top, const char *buf, size_t len, const char *stdlib_dir, tpl **out,
                       diag *d)
{
    resolver R;
    memset(&R, 0, sizeof R);
    R.a = a;
    R.stdlib_dir = stdlib_dir;
    R.d = d;
    if (load_layer(&R, top, buf, len) || merge(&R, out) || check_merged(&R, *out)) {
        *out = NULL;
        return -1;
    }
    return 0;
}

int tpl_load(arena *a, const char *path, const char *stdlib_dir, tpl **out, diag *d)
{
    *out = NULL;
    if (!path)
        return diag_set(d, CMDAI_E_USAGE, "<template>", 0, 0, "no template path given");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    layer *top = arena_alloc(a, sizeof *top);
    struct stat st;
    char *buf;
    size_t len;
    resolver R0; /* only for read_fd's arena and diag */
    memset(&R0, 0, sizeof R0);
    R0.a = a;
    R0.d = d;
    int rc = -1;
    if (fstat(fd, &st) < 0) {
        diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot stat: %s", strerror(errno));
    } else if (!read_fd(&R0, fd, path, NULL, &st, &buf, &len)) {
        close(fd);
        fd = -1;
        top->path = arena_strdup(a, path);
        top->has_id = true;
        top->dev = st.st_dev;
        top->ino = st.st_ino;
        rc = resolve_top(a, top, buf, len, stdlib_dir, out, d);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

int tpl_load_mem(arena *a, const char *name, const char *yaml, size_t len, const char *stdlib_dir, tpl **out,
                 diag *d)
{
    *out = NULL;
    if (!yaml && len)
        return diag_set(d, CMDAI_E_USAGE, name, 0, 0, "no template text given");
    layer *top = arena_alloc(a, sizeof *top);
    top->path = arena_strdup(a, name ? name : "<memory>");
    return resolve_top(a, top, yaml ? yaml : "", len, stdlib_dir, out, d);
}
