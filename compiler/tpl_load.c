/* tpl_load.c — second template stage: one file's node tree (tpl_yaml.c) ->
 * one file's model, checked strictly against the template schema (DESIGN.md
 * "Templates"; docs/templates.md).  Every error names the offending key or
 * value with its line:column and a hint.  Patterns are parsed here so that
 * their syntax errors come in file order; @list references, `extends` and
 * merging are left to tpl_resolve.c, which sees every layer.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "tpl_int.h"

/* ---- small utilities shared by the tpl_ stages ----------------------------- */

size_t tpl_edit_distance(const char *x, const char *y, size_t cap)
{
    size_t nx = strlen(x), ny = strlen(y);
    if ((nx > ny ? nx - ny : ny - nx) > cap || ny > 63)
        return cap + 1;
    size_t row[64];
    for (size_t j = 0; j <= ny; j++)
        row[j] = j;
    for (size_t i = 1; i <= nx; i++) {
        size_t diag_prev = row[0], best = i;
        row[0] = i;
        for (size_t j = 1; j <= ny; j++) {
            size_t up = row[j];
            size_t v = diag_prev + (x[i - 1] != y[j - 1]);
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            if (up + 1 < v)
                v = up + 1;
            row[j] = v;
            diag_prev = up;
            if (v < best)
                best = v;
        }
        if (best > cap)
            return cap + 1;
    }
    return row[ny] > cap ? cap + 1 : row[ny];
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

void tpl_strmap_init(tpl_strmap *m)
{
    memset(m, 0, sizeof *m);
}

size_t tpl_strmap_get(const tpl_strmap *m, const char *key)
{
    if (!m->cap)
        return TPL_NOT_FOUND;
    for (size_t i = str_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return TPL_NOT_FOUND;
        if (!strcmp(m->keys[i], key))
            return m->vals[i];
    }
}

void tpl_strmap_put(arena *a, tpl_strmap *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap) { /* keep the load factor under 1/2 */
        tpl_strmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->keys = arena_array(a, m->cap, sizeof *m->keys);
        m->vals = arena_array(a, m->cap, sizeof *m->vals);
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                tpl_strmap_put(a, m, old.keys[i], old.vals[i]);
    }
    size_t i = str_hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key))
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i]) {
        m->keys[i] = key;
        m->n++;
    }
    m->vals[i] = val;
}

const char *tpl_tolerance_name(int tolerance)
{
    static const char *const names[] = { "low", "medium", "high" };
    return tolerance >= 0 && tolerance <= 2 ? names[tolerance] : "?";
}

/* ---- schema vocabulary --------------------------------------------------- */

static const char *const k_top[] = { "template", NULL };
static const char *const k_template[] = { "name",           "version", "author", "license", "description",
                                          "compliance_frameworks", "risk_tolerance", "extends", "lists",
                                          "safety",         "tools",   "tests",  NULL };
static const char *const k_safety[] = { "default", "dynamic", "rules", NULL };
static const char *const k_rule[] = { "id",         "match",  "unless", "risk", "action",
                                      "message",    "compliance", "locked", "tests", NULL };
static const char *const k_rule_tests[] = { "match", "no_match", NULL };
static const char *const k_tools[] = { "allow", "default", NULL };
static const char *const k_tests[] = { "allow", "warn", "confirm", "deny", NULL };

static const char *const v_actions[] = { "allow", "warn", "confirm", "deny", NULL };     /* = cmdai_action */
static const char *const v_risks[] = { "low", "moderate", "high", "critical", NULL };   /* = cmdai_risk - 1 */
static const char *const v_tolerances[] = { "low", "medium", "high", NULL };           /* = TPL_TOL_* */
static const char *const v_frameworks[] = { "SOC2",   "ISO27001", "HIPAA", "PCI-DSS", "NIST-800-53",
                                            "FedRAMP", "GDPR",     "CIS",   NULL };

typedef struct loader {
    arena *a;
    const char *file;
    diag *d;
} loader;

static void join_words(char *buf, size_t cap, const char *const *words)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; words[i] && n < cap; i++) {
        int w = snprintf(buf + n, cap - n, "%s%s", i ? ", " : "", words[i]);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* The word of `words` closest to `s`, when close enough to be a likely typo. */
static const char *closest(const char *s, const char *const *words)
{
    const char *best = NULL;
    size_t bestd = SIZE_MAX, len = strlen(s);
    size_t cap = len <= 3 ? 1 : 2;
    for (size_t i = 0; words[i]; i++) {
        /* a difference only in case is the best possible suggestion */
        size_t dist = strcasecmp(s, words[i]) == 0 ? 0 : tpl_edit_distance(s, words[i], cap);
        if (dist <= cap && dist < bestd) {
            best = words[i];
            bestd = dist;
        }
    }
    return best;
}

static void hint_choices(loader *L, const char *s, const char *const *words, const char *what)
{
    char list[256];
    join_words(list, sizeof list, words);
    const char *c = closest(s, words);
    if (c)
        diag_hint(L->d, "did you mean '%s'? (%s: %s)", c, what, list);
    else
        diag_hint(L->d, "%s: %s", what, list);
}

static const char *kind_name(const tpl_node *n)
{
    if (n->kind == TPL_N_SEQ)
        return "a list";
    if (n->kind == TPL_N_MAP)
        return "a mapping";
    if (n->style == YAML_PLAIN_SCALAR_STYLE &&
        (!n->len || !strcmp(n->s, "~") || !strcmp(n->s, "null") || !strcmp(n->s, "Null") || !strcmp(n->s, "NULL")))
        return "nothing (null)";
    return "a string";
}

static bool is_null(const tpl_node *n)
{
    return n->kind == TPL_N_SCALAR && !strcmp(kind_name(n), "nothing (null)");
}

static int type_error(loader *L, const tpl_node *n, const char *what, const char *expected)
{
    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "'%s' must be %s, found %s", what, expected,
             kind_name(n));
    if (!strcmp(expected, "a list of strings") && n->kind == TPL_N_SCALAR && !is_null(n))
        diag_hint(L->d, "write a one-element list: %s: [%s]", what, n->s);
    else if (!strcmp(expected, "a list of strings"))
        diag_hint(L->d, "write a YAML list: [a, b] or one '- item' per line");
    else if (!strcmp(expected, "a mapping"))
        diag_hint(L->d, "write 'key: value' pairs indented under '%s:'", what);
    return -1;
}

static int unknown_key(loader *L, const tpl_node *key, const char *const *allowed, const char *where)
{
    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, key->line, key->column, "unknown key '%s' in %s", key->s, where);
    hint_choices(L, key->s, allowed, "allowed keys");
    return -1;
}

static int key_index(const char *key, const char *const *keys)
{
    for (int i = 0; keys[i]; i++)
        if (!strcmp(key, keys[i]))
            return i;
    return -1;
}

static int need_map(loader *L, const tpl_node *n, const char *what)
{
    return n->kind == TPL_N_MAP ? 0 : type_error(L, n, what, "a mapping");
}

static int get_string(loader *L, const tpl_node *n, const char *what, const char **out)
{
    if (n->kind != TPL_N_SCALAR || is_null(n))
        return type_error(L, n, what, "a string");
    *out = n->s;
    return 0;
}

static int get_nonempty(loader *L, const tpl_node *n, const char *what, const char **out)
{
    if (get_string(L, n, what, out))
        return -1;
    if (!n->len) {
        diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "'%s' must not be empty", what);
        return -1;
    }
    return 0;
}

static int get_enum(loader *L, const tpl_node *n, const char *what, const char *const *names, int *out)
{
    const char *s = NULL;
    if (get_string(L, n, what, &s))
        return -1;
    int i = key_index(s, names);
    if (i < 0) {
        diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "invalid %s '%s'", what, s);
        hint_choices(L, s, names, "expected one of");
        return -1;
    }
    *out = i;
    return 0;
}

static int get_bool(loader *L, const tpl_node *n, const char *what, bool *out)
{
    static const char *const yaml11[] = { "yes", "no", "on", "off", "y", "n", "True", "False", "TRUE", "FALSE",
                                          "Yes", "No", "YES", "NO", "On", "Off", "ON", "OFF", NULL };
    if (n->kind == TPL_N_SCALAR && n->style == YAML_PLAIN_SCALAR_STYLE) {
        if (!strcmp(n->s, "true") || !strcmp(n->s, "false")) {
            *out = n->s[0] == 't';
            return 0;
        }
        if (key_index(n->s, yaml11) >= 0) {
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column,
                     "'%s' must be true or false, found '%s'", what, n->s);
            diag_hint(L->d, "YAML 1.1 spellings (yes/no/on/off) are ambiguous; write true or false");
            return -1;
        }
    }
    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "'%s' must be a boolean (true or false), found %s",
             what, n->kind == TPL_N_SCALAR && n->style != YAML_PLAIN_SCALAR_STYLE ? "a quoted string" : kind_name(n));
    diag_hint(L->d, "write %s: true or %s: false, without quotes", what, what);
    return -1;
}

/* A list of non-empty strings; positions kept when `pos` is not NULL. */
static int get_string_list(loader *L, const tpl_node *n, const char *what, const char ***out, tpl_pos **pos,
                           size_t *count)
{
    if (n->kind != TPL_N_SEQ)
        return type_error(L, n, what, "a list of strings");
    const char **v = arena_array(L->a, n->n ? n->n : 1, sizeof *v);
    tpl_pos *p = pos ? arena_array(L->a, n->n ? n->n : 1, sizeof *p) : NULL;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *it = n->items[i];
        if (it->kind != TPL_N_SCALAR || is_null(it)) {
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, it->line, it->column, "items of '%s' must be strings, found %s",
                     what, kind_name(it));
            diag_hint(L->d, "quote an item that YAML would read otherwise");
            return -1;
        }
        if (!it->len) {
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, it->line, it->column, "items of '%s' must not be empty", what);
            return -1;
        }
        v[i] = it->s;
        if (p)
            p[i] = (tpl_pos){ L->file, it->text_line, it->text_col };
    }
    *out = v;
    if (pos)
        *pos = p;
    *count = n->n;
    return 0;
}

/* ---- value checks ---------------------------------------------------------- */

bool tpl_valid_name(const char *s, size_t len)
{
    if (len < 1 || len > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

static bool valid_rule_id(const char *s, size_t len)
{
    if (len < 1 || len > 128 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' ||
              s[i] == '-'))
            return false;
    return true;
}

static bool valid_list_name(const char *s, size_t len)
{
    if (len < 1 || len > 128)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static int check_framework(loader *L, const tpl_node *n, const char *fw, size_t len, const char *what)
{
    for (size_t i = 0; v_frameworks[i]; i++)
        if (strlen(v_frameworks[i]) == len && !memcmp(v_frameworks[i], fw, len))
            return 0;
    char *name = arena_strndup(L->a, fw, len);
    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "unknown compliance framework '%s' in '%s'", name,
             what);
    hint_choices(L, name, v_frameworks, "known frameworks");
    return -1;
}

static int make_pattern(loader *L, const tpl_node *n, const char *what, tpl_pattern *p)
{
    const char *s = NULL;
    if (get_nonempty(L, n, what, &s))
        return -1;
    p->src = s;
    p->pos = (tpl_pos){ L->file, n->text_line, n->text_col };
    p->ast = parse_pattern(L->a, s, n->len, L->file, n->text_line, n->text_col, L->d);
    return p->ast ? 0 : -1;
}

/* ---- sections -------------------------------------------------------------- */

/* A rule's own tests: {match: [commands it must fire on], no_match: [near
 * misses it must not fire on]}; cmdai-policyc test runs them. */
static int load_rule_tests(loader *L, const tpl_node *n, tpl_rule *r)
{
    if (need_map(L, n, "tests"))
        return -1;
    size_t total = 0;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        if (key_index(k->s, k_rule_tests) < 0) {
            unknown_key(L, k, k_rule_tests, "rule tests");
            if (key_index(k->s, k_tests) >= 0)
                diag_hint(L->d, "a rule's tests say whether this rule fires: match: [commands it catches], "
                                "no_match: [near misses]; decisions (%s: ...) go under the template's tests",
                          k->s);
            return -1;
        }
        if (v->kind != TPL_N_SEQ)
            return type_error(L, v, arena_printf(L->a, "tests.%s", k->s), "a list of strings");
        total += v->n;
    }
    r->cases = arena_array(L->a, total ? total : 1, sizeof *r->cases);
    r->ncases = 0;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        const char **cmds;
        tpl_pos *pos;
        size_t cnt;
        if (get_string_list(L, v, arena_printf(L->a, "tests.%s", k->s), &cmds, &pos, &cnt))
            return -1;
        for (size_t j = 0; j < cnt; j++)
            r->cases[r->ncases++] = (tpl_case){ cmds[j], key_index(k->s, k_rule_tests) == 0, pos[j] };
    }
    return 0;
}

void tpl_rule_case_counts(const tpl_rule *r, size_t *nmatch, size_t *nno_match)
{
    size_t m = 0;
    for (size_t i = 0; i < r->ncases; i++)
        m += r->cases[i].match;
    if (nmatch)
        *nmatch = m;
    if (nno_match)
        *nno_match = r->ncases - m;
}

static int load_rule(loader *L, const tpl_node *n, tpl_rule *r, tpl_strmap *ids, const tpl_rule *rules)
{
    if (n->kind != TPL_N_MAP) {
        diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "a rule must be a mapping, found %s",
                 kind_name(n));
        diag_hint(L->d, "write each rule as '- id: ...' with match: and risk: on the following lines");
        return -1;
    }
    r->pos = (tpl_pos){ L->file, n->line, n->column };
    bool have_match = false, have_risk = false;
    const tpl_node *idnode = NULL;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        switch (key_index(k->s, k_rule)) {
        case 0: /* id */
            if (get_nonempty(L, v, "id", &r->id))
                return -1;
            if (!valid_rule_id(v->s, v->len)) {
                diag_set(L->d, CMDAI_E_SEMANTIC, L->file, v->line, v->column, "invalid rule id '%s'", v->s);
                diag_hint(L->d, "rule ids use lowercase letters, digits, '.', '_' and '-', start with a letter or "
                                "digit, and have at most 128 characters (e.g. fs.rm-root)");
                return -1;
            }
            idnode = v;
            break;
        case 1: /* match */
            if (make_pattern(L, v, "match", &r->match))
                return -1;
            have_match = true;
            break;
        case 2: /* unless */
            if (v->kind == TPL_N_SCALAR && !is_null(v)) {
                r->unless = arena_alloc(L->a, sizeof *r->unless);
                r->nunless = 1;
                if (make_pattern(L, v, "unless", &r->unless[0]))
                    return -1;
            } else if (v->kind == TPL_N_SEQ) {
                r->unless = arena_array(L->a, v->n ? v->n : 1, sizeof *r->unless);
                r->nunless = v->n;
                for (size_t j = 0; j < v->n; j++)
                    if (make_pattern(L, v->items[j], "unless", &r->unless[j]))
                        return -1;
            } else {
                return type_error(L, v, "unless", "a pattern string or a list of them");
            }
            break;
        case 3: { /* risk */
            int risk;
            if (get_enum(L, v, "risk", v_risks, &risk))
                return -1;
            r->risk = risk + 1;
            have_risk = true;
            break;
        }
        case 4: /* action */
            if (get_enum(L, v, "action", v_actions, &r->action))
                return -1;
            r->action_explicit = true;
            break;
        case 5: /* message */
            if (get_string(L, v, "message", &r->message))
                return -1;
            break;
        case 6: /* compliance */
            if (get_string_list(L, v, "compliance", &r->compliance, NULL, &r->ncompliance))
                return -1;
            for (size_t j = 0; j < r->ncompliance; j++) {
                const char *c = r->compliance[j], *colon = strchr(c, ':');
                const tpl_node *it = v->items[j];
                if (!colon || colon == c || !colon[1]) {
                    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, it->line, it->column,
                             "compliance tag '%s' must be FRAMEWORK:control", c);
                    diag_hint(L->d, "e.g. \"SOC2:CC6.1\" or \"PCI-DSS:10.2\"");
                    return -1;
                }
                if (check_framework(L, it, c, (size_t)(colon - c), "compliance"))
                    return -1;
            }
            break;
        case 7: /* locked */
            if (get_bool(L, v, "locked", &r->locked))
                return -1;
            break;
        case 8: /* tests */
            if (load_rule_tests(L, v, r))
                return -1;
            break;
        default:
            return unknown_key(L, k, k_rule, "rule");
        }
    }
    const char *missing = !r->id ? "id" : !have_match ? "match" : !have_risk ? "risk" : NULL;
    if (missing) {
        if (r->id)
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "rule '%s' has no '%s'", r->id, missing);
        else
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "rule has no '%s'", missing);
        diag_hint(L->d, "every rule needs id, match and risk (low|moderate|high|critical)");
        return -1;
    }
    size_t prev = tpl_strmap_get(ids, r->id);
    if (prev != TPL_NOT_FOUND) {
        diag_set(L->d, CMDAI_E_SEMANTIC, L->file, idnode->line, idnode->column,
                 "duplicate rule id '%s' (first defined at line %d)", r->id, rules[prev].pos.line);
        diag_hint(L->d, "rule ids are unique within a template; to replace a rule of a base template, override it "
                        "in a file that extends it");
        return -1;
    }
    return 0;
}

static int load_safety(loader *L, const tpl_node *n, tpl_file *f)
{
    tpl *t = &f->t;
    if (need_map(L, n, "safety"))
        return -1;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        switch (key_index(k->s, k_safety)) {
        case 0:
            if (get_enum(L, v, "safety.default", v_actions, &t->default_action))
                return -1;
            f->has_default = true;
            break;
        case 1:
            if (get_enum(L, v, "safety.dynamic", v_actions, &t->dynamic_action))
                return -1;
            f->has_dynamic = true;
            break;
        case 2: {
            if (v->kind != TPL_N_SEQ)
                return type_error(L, v, "rules", "a list of rules");
            tpl_strmap ids;
            tpl_strmap_init(&ids);
            t->rules = arena_array(L->a, v->n ? v->n : 1, sizeof *t->rules);
            for (size_t j = 0; j < v->n; j++) {
                if (load_rule(L, v->items[j], &t->rules[j], &ids, t->rules))
                    return -1;
                tpl_strmap_put(L->a, &ids, t->rules[j].id, j);
                t->rules[j].layer = t->name;
            }
            t->nrules = v->n;
            break;
        }
        default:
            return unknown_key(L, k, k_safety, "safety");
        }
    }
    return 0;
}

static int load_lists(loader *L, const tpl_node *n, tpl *t)
{
    if (need_map(L, n, "lists"))
        return -1;
    t->lists = arena_array(L->a, n->n ? n->n : 1, sizeof *t->lists);
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        tpl_list *l = &t->lists[i];
        if (!valid_list_name(k->s, k->len)) {
            diag_set(L->d, CMDAI_E_SEMANTIC, L->file, k->line, k->column, "invalid list name '%s'", k->s);
            diag_hint(L->d, "list names use lowercase letters, digits and '_' (referenced as @name)");
            return -1;
        }
        l->name = k->s;
        l->pos = (tpl_pos){ L->file, k->line, k->column };
        char *what = arena_printf(L->a, "lists.%s", k->s);
        if (get_string_list(L, v, what, &l->items, &l->item_pos, &l->nitems))
            return -1;
        for (size_t j = 0; j < l->nitems; j++) {
            const char *s = l->items[j];
            size_t len = strlen(s);
            if (len >= 3 && !memcmp(s, "re\"", 3)) {
                if (len < 4 || s[len - 1] != '"') {
                    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, l->item_pos[j].line, l->item_pos[j].column,
                             "unterminated regular expression %s", s);
                    diag_hint(L->d, "write re\"...\" with the closing quote last; quote the whole item in YAML: "
                                    "'re\"^/dev/sd[a-z]$\"'");
                    return -1;
                }
                if (!rx_parse(L->a, s + 3, len - 4, L->file, l->item_pos[j].line, l->item_pos[j].column + 3, L->d))
                    return -1;
            }
        }
    }
    t->nlists = n->n;
    return 0;
}

static int load_tools(loader *L, const tpl_node *n, tpl_file *f)
{
    tpl *t = &f->t;
    if (need_map(L, n, "tools"))
        return -1;
    t->has_tools = true;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        switch (key_index(k->s, k_tools)) {
        case 0:
            if (get_string_list(L, v, "tools.allow", &t->tools_allow, NULL, &t->ntools))
                return -1;
            for (size_t j = 0; j < t->ntools; j++) {
                if (strpbrk(t->tools_allow[j], "/ \t\n")) {
                    const tpl_node *it = v->items[j];
                    diag_set(L->d, CMDAI_E_SEMANTIC, L->file, it->line, it->column,
                             "tools.allow takes program names, found '%s'", it->s);
                    diag_hint(L->d, "write the program's base name (git, not /usr/bin/git)");
                    return -1;
                }
            }
            f->has_tools_allow = true;
            break;
        case 1:
            if (get_enum(L, v, "tools.default", v_actions, &t->tools_default))
                return -1;
            f->has_tools_default = true;
            break;
        default:
            return unknown_key(L, k, k_tools, "tools");
        }
    }
    return 0;
}

static int load_tests(loader *L, const tpl_node *n, tpl *t)
{
    if (need_map(L, n, "tests"))
        return -1;
    size_t total = 0;
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        if (key_index(k->s, k_tests) < 0)
            return unknown_key(L, k, k_tests, "tests");
        if (v->kind != TPL_N_SEQ)
            return type_error(L, v, arena_printf(L->a, "tests.%s", k->s), "a list of strings");
        total += v->n;
    }
    t->tests = arena_array(L->a, total ? total : 1, sizeof *t->tests);
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        const char **cmds;
        tpl_pos *pos;
        size_t cnt;
        if (get_string_list(L, v, arena_printf(L->a, "tests.%s", k->s), &cmds, &pos, &cnt))
            return -1;
        for (size_t j = 0; j < cnt; j++)
            t->tests[t->ntests++] = (tpl_test){ cmds[j], key_index(k->s, k_tests), pos[j] };
    }
    return 0;
}

static int load_template(loader *L, const tpl_node *n, tpl_file *f)
{
    tpl *t = &f->t;
    const tpl_node *safety = NULL;
    if (need_map(L, n, "template"))
        return -1;
    /* name first: rules record the layer that defined them */
    for (size_t i = 0; i < n->n; i++) {
        const tpl_node *k = n->items[2 * i], *v = n->items[2 * i + 1];
        switch (key_index(k->s, k_template)) {
        case 0: /* name */
            if (get_string(L, v, "name", &t->name))
                return -1;
            if (!tpl_valid_name(v->s, v->len)) {
                diag_set(L->d, CMDAI_E_SEMANTIC, L->file, v->line, v->column, "invalid template name '%s'", v->s);
                diag_hint(L->d, "names use lowercase letters, digits and '-', start with a letter and have 1 to 64 "
                                "characters (e.g. core-safety)");
                return -1;
            }
            break;
        case 1: { /* version */
            tpl_semver sv;
            if (get_string(L, v, "version", &t->version))
                return -1;
            if (!tpl_semver_parse(v->s, v->len, &sv)) {
                diag_set(L->d, CMDAI_E_SEMANTIC, L->file, v->line, v->column, "invalid version '%s'", v->s);
                diag_hint(L->d, "use semantic versioning MAJOR.MINOR.PATCH without leading zeros, e.g. 1.2.0 or "
                                "2.0.0-rc.1");
                return -1;
            }
            break;
        }
        case 2:
            if (get_string(L, v, "author", &t->author))
                return -1;
            break;
        case 3:
            if (get_string(L, v, "license", &t->license))
                return -1;
            break;
        case 4:
            if (get_string(L, v, "description", &t->description))
                return -1;
            break;
        case 5: /* compliance_frameworks */
            if (get_string_list(L, v, "compliance_frameworks", &t->frameworks, NULL, &t->nframeworks))
                return -1;
            for (size_t j = 0; j < t->nframeworks; j++)
                if (check_framework(L, v->items[j], t->frameworks[j], strlen(t->frameworks[j]),
                                    "compliance_frameworks"))
                    return -1;
            break;
        case 6:
            if (get_enum(L, v, "risk_tolerance", v_tolerances, &t->tolerance))
                return -1;
            f->has_tolerance = true;
            break;
        case 7: /* extends */
            if (get_string_list(L, v, "extends", &t->extends, &f->extends_pos, &t->nextends))
                return -1;
            for (size_t j = 0; j < t->nextends; j++) /* point at the item itself, quote included */
                f->extends_pos[j] = (tpl_pos){ L->file, v->items[j]->line, v->items[j]->column };
            break;
        case 8:
            if (load_lists(L, v, t))
                return -1;
            break;
        case 9:
            safety = v; /* after the loop, once the name is known */
            if (need_map(L, v, "safety"))
                return -1;
            break;
        case 10:
            if (load_tools(L, v, f))
                return -1;
            break;
        case 11:
            if (load_tests(L, v, t))
                return -1;
            break;
        default:
            return unknown_key(L, k, k_template, "template");
        }
    }
    if (!t->name || !t->version) {
        diag_set(L->d, CMDAI_E_SEMANTIC, L->file, n->line, n->column, "template has no '%s'",
                 !t->name ? "name" : "version");
        diag_hint(L->d, "every template needs name: (e.g. my-team) and version: (e.g. 1.0.0)");
        return -1;
    }
    if (safety && load_safety(L, safety, f))
        return -1;
    return 0;
}

int tpl_build_file(arena *a, const char *file, const tpl_node *root, tpl_file *out, diag *d)
{
    loader L = { a, file, d };
    memset(out, 0, sizeof *out);
    tpl *t = &out->t;
    t->file = file;
    t->tolerance = TPL_TOL_MEDIUM;
    t->default_action = CMDAI_ALLOW;
    t->dynamic_action = CMDAI_CONFIRM;
    t->tools_default = CMDAI_CONFIRM;
    if (root->kind != TPL_N_MAP) {
        diag_set(d, CMDAI_E_SEMANTIC, file, root->line, root->column,
                 "a template file must be a mapping with a 'template:' key, found %s", kind_name(root));
        diag_hint(d, "start the file with 'template:' followed by name, version and safety rules");
        return -1;
    }
    const tpl_node *body = NULL;
    for (size_t i = 0; i < root->n; i++) {
        const tpl_node *k = root->items[2 * i];
        if (key_index(k->s, k_top) < 0)
            return unknown_key(&L, k, k_top, "the top level (everything goes under 'template:')");
        body = root->items[2 * i + 1];
    }
    if (!body) {
        diag_set(d, CMDAI_E_SEMANTIC, file, root->line, root->column, "no 'template:' key at the top level");
        diag_hint(d, "start the file with 'template:' followed by name, version and safety rules");
        return -1;
    }
    return load_template(&L, body, out);
}
