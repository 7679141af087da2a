/* test_tpl.c — template loader (compiler/tpl_*.c): every directory
 * tests/cases/<name>/ with an input.yaml is one test, its `expect` file says
 * what tpl_load must do; unit tests below cover what files cannot (limits,
 * in-memory loading, the semver and action tables).  Run with cwd = tests/.
 *
 * expect, first line:  ok  |  error <code> <line>:<column>
 * further lines (optional checks, '#' starts a comment):
 *   text <substring>   hint <substring>   file <suffix of diag file>
 *   name <s>  version <s>  tolerance <low|medium|high>  default <action>  dynamic <action>
 *   rules <n>  lists <n>  tests <n>  sources <n>  frameworks <a,b,...>
 *   tools <default> <a,b,...|->
 *   rule <id> [action=<a>] [risk=<r>] [locked=<0|1>] [explicit=<0|1>] [layer=<name>] [at=<line>:<col>]
 *        [match=<line>:<col>] [cases=<match>/<no_match>] [case=<line>:<col>]
 *   list <name> <item> <item> ...
 *   source <index> <suffix>
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tpl.h"
#include "tpl_int.h"

#define CASES_DIR "cases"
#define STDLIB_DIR "cases/_stdlib"

static const char *const actions[] = { "allow", "warn", "confirm", "deny" };
static const char *const risks[] = { "none", "low", "moderate", "high", "critical" };
static const char *const tolerances[] = { "low", "medium", "high" };

static int index_of(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i], s))
            return (int)i;
    return -1;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 256;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        buf[n++] = (char)c;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[n] = '\0';
    return buf;
}

static const tpl_rule *find_rule(const tpl *t, const char *id)
{
    for (size_t i = 0; i < t->nrules; i++)
        if (!strcmp(t->rules[i].id, id))
            return &t->rules[i];
    return NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Join a comma-separated view of strings for comparison with an expect line. */
static void joined(char *buf, size_t cap, const char **v, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? "," : "", v[i]);
        used += w > 0 ? (size_t)w : 0;
    }
    if (!n)
        snprintf(buf, cap, "-");
}

#define CHECK(cond, ...)                                                                                           \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            print_error("%s: ", name);                                                                             \
            print_error(__VA_ARGS__);                                                                              \
            print_error("\n");                                                                                     \
            failed = true;                                                                                         \
        }                                                                                                          \
    } while (0)

static bool check_rule_line(const char *name, const tpl *t, char *args)
{
    bool failed = false;
    char *save = NULL, *id = strtok_r(args, " ", &save);
    const tpl_rule *r = id ? find_rule(t, id) : NULL;
    CHECK(r != NULL, "no rule '%s'", id ? id : "");
    if (!r)
        return false;
    for (char *kv = strtok_r(NULL, " ", &save); kv; kv = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(kv, '=');
        CHECK(eq != NULL, "bad rule check '%s'", kv);
        if (!eq)
            continue;
        *eq = '\0';
        const char *v = eq + 1;
        char pos[32];
        if (!strcmp(kv, "action"))
            CHECK(index_of(actions, 4, v) == r->action, "rule %s: action %s, want %s", id, actions[r->action], v);
        else if (!strcmp(kv, "risk"))
            CHECK(index_of(risks, 5, v) == r->risk, "rule %s: risk %s, want %s", id, risks[r->risk], v);
        else if (!strcmp(kv, "locked"))
            CHECK(r->locked == (v[0] == '1'), "rule %s: locked %d, want %s", id, r->locked, v);
        else if (!strcmp(kv, "explicit"))
            CHECK(r->action_explicit == (v[0] == '1'), "rule %s: explicit %d, want %s", id, r->action_explicit, v);
        else if (!strcmp(kv, "layer"))
            CHECK(r->layer && !strcmp(r->layer, v), "rule %s: layer %s, want %s", id, r->layer, v);
        else if (!strcmp(kv, "at")) {
            snprintf(pos, sizeof pos, "%d:%d", r->pos.line, r->pos.column);
            CHECK(!strcmp(pos, v), "rule %s: at %s, want %s", id, pos, v);
        } else if (!strcmp(kv, "match")) {
            snprintf(pos, sizeof pos, "%d:%d", r->match.pos.line, r->match.pos.column);
            CHECK(!strcmp(pos, v), "rule %s: match at %s, want %s", id, pos, v);
        } else if (!strcmp(kv, "unless"))
            CHECK((size_t)atoi(v) == r->nunless, "rule %s: %zu unless, want %s", id, r->nunless, v);
        else if (!strcmp(kv, "cases")) { /* <match>/<no_match>, counted by tpl_rule_case_counts */
            size_t m, nm;
            tpl_rule_case_counts(r, &m, &nm);
            snprintf(pos, sizeof pos, "%zu/%zu", m, nm);
            CHECK(!strcmp(pos, v), "rule %s: cases %s, want %s", id, pos, v);
        } else if (!strcmp(kv, "case")) { /* first case's position */
            snprintf(pos, sizeof pos, "%d:%d", r->ncases ? r->cases[0].pos.line : 0,
                     r->ncases ? r->cases[0].pos.column : 0);
            CHECK(!strcmp(pos, v), "rule %s: first case at %s, want %s", id, pos, v);
        }
        else
            CHECK(0, "unknown rule check '%s'", kv);
    }
    return !failed;
}

static bool check_ok_line(const char *name, const tpl *t, char *line)
{
    bool failed = false;
    char *sp = strchr(line, ' ');
    const char *arg = sp ? sp + 1 : "";
    if (sp)
        *sp = '\0';
    char buf[1024];
    if (!strcmp(line, "name"))
        CHECK(!strcmp(t->name, arg), "name %s, want %s", t->name, arg);
    else if (!strcmp(line, "version"))
        CHECK(!strcmp(t->version, arg), "version %s, want %s", t->version, arg);
    else if (!strcmp(line, "tolerance"))
        CHECK(index_of(tolerances, 3, arg) == t->tolerance, "tolerance %d, want %s", t->tolerance, arg);
    else if (!strcmp(line, "default"))
        CHECK(index_of(actions, 4, arg) == t->default_action, "default %d, want %s", t->default_action, arg);
    else if (!strcmp(line, "dynamic"))
        CHECK(index_of(actions, 4, arg) == t->dynamic_action, "dynamic %d, want %s", t->dynamic_action, arg);
    else if (!strcmp(line, "rules"))
        CHECK((size_t)atoi(arg) == t->nrules, "%zu rules, want %s", t->nrules, arg);
    else if (!strcmp(line, "lists"))
        CHECK((size_t)atoi(arg) == t->nlists, "%zu lists, want %s", t->nlists, arg);
    else if (!strcmp(line, "tests"))
        CHECK((size_t)atoi(arg) == t->ntests, "%zu tests, want %s", t->ntests, arg);
    else if (!strcmp(line, "sources"))
        CHECK((size_t)atoi(arg) == t->nsources, "%zu sources, want %s", t->nsources, arg);
    else if (!strcmp(line, "frameworks")) {
        joined(buf, sizeof buf, t->frameworks, t->nframeworks);
        CHECK(!strcmp(buf, arg), "frameworks %s, want %s", buf, arg);
    } else if (!strcmp(line, "tools")) {
        char want_default[16] = "", want_list[512] = "";
        sscanf(arg, "%15s %511s", want_default, want_list);
        joined(buf, sizeof buf, t->tools_allow, t->ntools);
        CHECK(t->has_tools, "no tools section");
        CHECK(index_of(actions, 4, want_default) == t->tools_default, "tools.default %d, want %s", t->tools_default,
              want_default);
        CHECK(!strcmp(buf, want_list), "tools.allow %s, want %s", buf, want_list);
    } else if (!strcmp(line, "rule")) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", arg);
        failed = !check_rule_line(name, t, copy);
    } else if (!strcmp(line, "list")) {
        char lname[128] = "";
        sscanf(arg, "%127s", lname);
        const tpl_list *l = tpl_find_list(t, lname);
        CHECK(l != NULL, "no list '%s'", lname);
        if (l) {
            const char *items = arg + strlen(lname);
            items += *items == ' ';
            char got[1024];
            size_t used = 0;
            got[0] = '\0';
            for (size_t i = 0; i < l->nitems && used < sizeof got; i++) {
                int w = snprintf(got + used, sizeof got - used, "%s%s", i ? " " : "", l->items[i]);
                used += w > 0 ? (size_t)w : 0;
            }
            CHECK(!strcmp(got, items), "list %s is '%s', want '%s'", lname, got, items);
        }
    } else if (!strcmp(line, "source")) {
        int i = atoi(arg);
        const char *suffix = strchr(arg, ' ');
        CHECK(suffix && i >= 0 && (size_t)i < t->nsources && ends_with(t->sources[i], suffix + 1),
              "source %d is %s, want *%s", i, i >= 0 && (size_t)i < t->nsources ? t->sources[i] : "-",
              suffix ? suffix + 1 : "");
    } else {
        CHECK(0, "unknown check '%s'", line);
    }
    return !failed;
}

static bool check_err_line(const char *name, const diag *d, char *line)
{
    bool failed = false;
    char *sp = strchr(line, ' ');
    const char *arg = sp ? sp + 1 : "";
    if (sp)
        *sp = '\0';
    if (!strcmp(line, "text"))
        CHECK(strstr(d->text, arg) != NULL, "text '%s' lacks '%s'", d->text, arg);
    else if (!strcmp(line, "hint"))
        CHECK(strstr(d->hint, arg) != NULL, "hint '%s' lacks '%s'", d->hint, arg);
    else if (!strcmp(line, "file"))
        CHECK(ends_with(d->file, arg), "file '%s' does not end with '%s'", d->file, arg);
    else
        CHECK(0, "unknown error check '%s'", line);
    return !failed;
}

static void run_case(void **state)
{
    const char *name = *state;
    char path[512], epath[512];
    snprintf(path, sizeof path, CASES_DIR "/%s/input.yaml", name);
    snprintf(epath, sizeof epath, CASES_DIR "/%s/expect", name);
    char *expect = slurp(epath);
    if (!expect)
        fail_msg("%s: cannot read %s", name, epath);

    arena a;
    diag d;
    tpl *t = NULL;
    arena_init(&a);
    diag_init(&d);
    int rc = tpl_load(&a, path, STDLIB_DIR, &t, &d);
    char msg[1200];
    diag_format(&d, msg, sizeof msg);

    bool ok = true, first = true;
    int want_code = 0, want_line = 0, want_col = 0;
    bool want_ok = false;
    char *save = NULL;
    for (char *line = strtok_r(expect, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        while (*line == ' ')
            line++;
        if (!*line || *line == '#')
            continue;
        if (first) {
            first = false;
            if (!strcmp(line, "ok")) {
                want_ok = true;
                if (rc != 0) {
                    print_error("%s: expected ok, got %d:\n%s", name, d.code, msg);
                    ok = false;
                    break;
                }
            } else if (sscanf(line, "error %d %d:%d", &want_code, &want_line, &want_col) == 3) {
                if (rc == 0 || d.code != want_code || d.line != want_line || d.column != want_col) {
                    print_error("%s: expected error %d %d:%d, got %s %d %d:%d\n%s", name, want_code, want_line,
                                want_col, rc == 0 ? "ok" : "error", d.code, d.line, d.column, msg);
                    ok = false;
                    break;
                }
                if (!d.text[0]) {
                    print_error("%s: error without text\n", name);
                    ok = false;
                }
            } else {
                print_error("%s: bad first expect line '%s'\n", name, line);
                ok = false;
                break;
            }
            continue;
        }
        if (want_ok)
            ok = check_ok_line(name, t, line) && ok;
        else
            ok = check_err_line(name, &d, line) && ok;
    }
    if (first) {
        print_error("%s: empty expect file\n", name);
        ok = false;
    }
    if (!ok)
        print_error("%s: diagnostic was: %s", name, d.code ? msg : "(none)\n");
    arena_release(&a);
    free(expect);
    if (!ok)
        fail_msg("case %s failed", name);
}

/* ---- unit tests ------------------------------------------------------------ */

static int load_str(arena *a, const char *yaml, tpl **t, diag *d)
{
    diag_init(d);
    return tpl_load_mem(a, "<mem>", yaml, strlen(yaml), STDLIB_DIR, t, d);
}

static void action_table_follows_design(void **state)
{
    (void)state;
    static const int want[3][4] = {
        { CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY, CMDAI_DENY },
        { CMDAI_ALLOW, CMDAI_WARN, CMDAI_CONFIRM, CMDAI_DENY },
        { CMDAI_ALLOW, CMDAI_ALLOW, CMDAI_WARN, CMDAI_DENY },
    };
    for (int tol = 0; tol < 3; tol++)
        for (int r = CMDAI_RISK_LOW; r <= CMDAI_RISK_CRITICAL; r++)
            assert_int_equal(tpl_action_for(tol, r), want[tol][r - 1]);
    /* out of range fails closed */
    assert_int_equal(tpl_action_for(7, CMDAI_RISK_LOW), CMDAI_DENY);
    assert_int_equal(tpl_action_for(TPL_TOL_HIGH, CMDAI_RISK_NONE), CMDAI_DENY);
}

static void semver_parses_the_spec_examples(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        { "1.0.0", true },           { "0.0.0", true },         { "10.20.30", true },
        { "1.0.0-alpha", true },     { "1.0.0-alpha.1", true }, { "1.0.0-0.3.7", true },
        { "1.0.0-x.7.z.92", true },  { "1.0.0+20130313", true }, { "1.0.0-beta+exp.sha.5114f85", true },
        { "1.0.0+001", true },       { "1.0", false },          { "1", false },
        { "01.0.0", false },         { "1.00.0", false },       { "1.0.0-01", false },
        { "1.0.0-", false },         { "1.0.0+", false },       { "1.0.0-a..b", false },
        { "1.0.0-a.", false },       { "v1.0.0", false },       { "1.0.0 ", false },
        { "99999999999999999999999.0.0", false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpl_semver v;
        if (tpl_semver_parse(cases[i].s, strlen(cases[i].s), &v) != cases[i].ok)
            fail_msg("semver '%s': want %s", cases[i].s, cases[i].ok ? "valid" : "invalid");
    }
}

static void semver_precedence_follows_the_spec(void **state)
{
    (void)state;
    /* semver.org item 11, in increasing order */
    static const char *const order[] = { "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                         "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "2.0.0",
                                         "2.1.0", "2.1.1" };
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            tpl_semver x, y;
            assert_true(tpl_semver_parse(order[i], strlen(order[i]), &x));
            assert_true(tpl_semver_parse(order[j], strlen(order[j]), &y));
            int c = tpl_semver_cmp(&x, &y), want = i < j ? -1 : i > j;
            if (c != want)
                fail_msg("cmp(%s, %s) = %d, want %d", order[i], order[j], c, want);
        }
}

static void semver_requirements(void **state)
{
    (void)state;
    static const struct {
        const char *req, *v;
        int want;
    } cases[] = {
        { "^1", "1.0.0", 1 },        { "^1", "1.9.3", 1 },        { "^1", "2.0.0", 0 },
        { "^1", "0.9.0", 0 },        { "^1.2", "1.1.9", 0 },      { "^1.2", "1.2.0", 1 },
        { "^1.2.3", "1.2.2", 0 },    { "^1.2.3", "1.3.0", 1 },    { "^0.2.3", "0.2.9", 1 },
        { "^0.2.3", "0.3.0", 0 },    { "^0.0.3", "0.0.3", 1 },    { "^0.0.3", "0.0.4", 0 },
        { "^0", "0.9.9", 1 },        { "^0", "1.0.0", 0 },        { "^0.0", "0.0.7", 1 },
        { "^0.0", "0.1.0", 0 },      { "~1.2", "1.2.9", 1 },      { "~1.2", "1.3.0", 0 },
        { "~1.2.3", "1.2.2", 0 },    { "~1.2.3", "1.2.4", 1 },    { "1.2.0", "1.2.0", 1 },
        { "1.2.0", "1.2.0+b7", 1 },  { "1.2.0", "1.2.1", 0 },     { ">=1.2.0", "3.0.0", 1 },
        { ">=1.2.0", "1.1.9", 0 },   { "^1", "1.5.0-rc.1", 0 },   { "1.5.0-rc.1", "1.5.0-rc.1", 1 },
        { ">=1.5.0-rc.1", "1.5.0-rc.2", 1 }, { ">=1.0.0", "1.5.0-rc.2", 0 },
        { "^", "1.0.0", -1 },        { "~1", "1.0.0", -1 },       { "^1.x", "1.0.0", -1 },
        { ">=1.0", "1.0.0", -1 },    { "1", "1.0.0", -1 },        { "^01", "1.0.0", -1 },
        { "", "1.0.0", -1 },         { "=1.0.0", "1.0.0", -1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpl_semver v;
        assert_true(tpl_semver_parse(cases[i].v, strlen(cases[i].v), &v));
        int got = tpl_semver_satisfies(cases[i].req, &v);
        if (got != cases[i].want)
            fail_msg("'%s' satisfied by %s: got %d, want %d", cases[i].req, cases[i].v, got, cases[i].want);
    }
}

static void edit_distance_caps(void **state)
{
    (void)state;
    assert_int_equal(tpl_edit_distance("mesage", "message", 2), 1);
    assert_int_equal(tpl_edit_distance("kitten", "sitting", 3), 3);
    assert_int_equal(tpl_edit_distance("kitten", "sitting", 2), 3); /* cap + 1 */
    assert_int_equal(tpl_edit_distance("", "abc", 5), 3);
    assert_int_equal(tpl_edit_distance("same", "same", 0), 0);
}

static void memory_load_and_find_list(void **state)
{
    (void)state;
    arena a;
    diag d;
    tpl *t;
    arena_init(&a);
    int rc = load_str(&a,
                      "template:\n  name: mem\n  version: 0.1.0\n  lists:\n    roots: [\"/\", /etc]\n"
                      "  safety:\n    rules:\n      - id: r1\n        match: rm -r ... @roots\n        risk: high\n",
                      &t, &d);
    if (rc)
        fail_msg("%s %d:%d", d.text, d.line, d.column);
    assert_string_equal(t->file, "<mem>");
    assert_int_equal(t->nsources, 1);
    const tpl_list *l = tpl_find_list(t, "roots");
    assert_non_null(l);
    assert_int_equal(l->nitems, 2);
    assert_string_equal(l->items[1], "/etc");
    assert_int_equal(l->item_pos[1].line, 5);
    assert_int_equal(l->item_pos[1].column, 18);
    assert_null(tpl_find_list(t, "nope"));
    assert_int_equal(t->rules[0].action, CMDAI_CONFIRM); /* medium tolerance, high risk */
    assert_false(t->rules[0].action_explicit);
    assert_non_null(t->rules[0].match.ast);
    arena_release(&a);
}

static void pattern_positions_point_into_the_yaml(void **state)
{
    (void)state;
    static const struct {
        const char *match;
        int line, col;
    } cases[] = {
        { "rm -rf /", 4, 14 },             /* plain */
        { "'rm -rf /'", 4, 15 },           /* single-quoted: after the quote */
        { "\"rm -rf /\"", 4, 15 },         /* double-quoted */
        { "|\n          rm -rf /", 4, 11 }, /* literal block: next line, its indentation */
        { ">-\n\n            rm -rf /", 4, 13 }, /* folded: the line after the indicator */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena a;
        diag d;
        tpl *t;
        arena_init(&a);
        char *y = arena_printf(&a, "template: {name: p, version: 1.0.0, safety: {rules: [\n  {id: r, risk: low,\n"
                                   "    \n      match: %s}]}}\n",
                               cases[i].match);
        /* flow style cannot hold block scalars: use block style for those */
        if (cases[i].match[0] == '|' || cases[i].match[0] == '>')
            y = arena_printf(&a, "template:\n  name: p\n  version: 1.0.0\n  safety:\n    rules:\n      - id: r\n"
                                 "        risk: low\n        match: %s\n",
                             cases[i].match);
        int want_line = cases[i].line, want_col = cases[i].col;
        if (cases[i].match[0] == '|' || cases[i].match[0] == '>')
            want_line += 5;
        if (load_str(&a, y, &t, &d))
            fail_msg("case %zu: %s %d:%d", i, d.text, d.line, d.column);
        if (t->rules[0].match.pos.line != want_line || t->rules[0].match.pos.column != want_col)
            fail_msg("case %zu: match at %d:%d, want %d:%d", i, t->rules[0].match.pos.line,
                     t->rules[0].match.pos.column, want_line, want_col);
        arena_release(&a);
    }
}

static void too_large_input_is_refused(void **state)
{
    (void)state;
    size_t n = TPL_MAX_FILE_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, '#', n);
    arena a;
    diag d;
    tpl *t;
    arena_init(&a);
    diag_init(&d);
    assert_int_equal(tpl_load_mem(&a, "<big>", big, n, NULL, &t, &d), -1);
    assert_int_equal(d.code, CMDAI_E_TOO_LONG);
    assert_null(t);
    arena_release(&a);
    free(big);
}

static void deep_nesting_is_refused(void **state)
{
    (void)state;
    char y[512];
    size_t n = 0;
    n += (size_t)snprintf(y + n, sizeof y - n, "template: {name: x, version: 1.0.0, description: ");
    for (int i = 0; i < 40; i++)
        y[n++] = '[';
    for (int i = 0; i < 40; i++)
        y[n++] = ']';
    snprintf(y + n, sizeof y - n, "}\n");
    arena a;
    diag d;
    tpl *t;
    arena_init(&a);
    assert_int_equal(load_str(&a, y, &t, &d), -1);
    assert_int_equal(d.code, CMDAI_E_TOO_DEEP);
    assert_int_equal(d.line, 1);
    /* root map is level 1, template map level 2: the 31st '[' is level 33 */
    assert_int_equal(d.column, 50 + 30);
    arena_release(&a);
}

static void name_without_stdlib_dir_is_an_error(void **state)
{
    (void)state;
    arena a;
    diag d;
    tpl *t;
    arena_init(&a);
    diag_init(&d);
    const char *y = "template:\n  name: x\n  version: 1.0.0\n  extends: [core-safety]\n";
    assert_int_equal(tpl_load_mem(&a, "<mem>", y, strlen(y), NULL, &t, &d), -1);
    assert_int_equal(d.code, CMDAI_E_SEMANTIC);
    assert_int_equal(d.line, 4);
    assert_int_equal(d.column, 13);
    assert_non_null(strstr(d.hint, "by path"));
    arena_release(&a);
}

static void memory_extends_resolve_against_cwd(void **state)
{
    (void)state;
    arena a;
    diag d;
    tpl *t;
    arena_init(&a);
    const char *y = "template:\n  name: top\n  version: 1.0.0\n  extends: [./cases/_stdlib/core-safety.yaml]\n";
    if (load_str(&a, y, &t, &d))
        fail_msg("%s:%d:%d %s", d.file, d.line, d.column, d.text);
    assert_int_equal(t->nsources, 2);
    assert_string_equal(t->sources[0], "<mem>");
    assert_string_equal(t->sources[1], "cases/_stdlib/core-safety.yaml");
    assert_true(t->nrules > 0);
    assert_string_equal(t->rules[0].layer, "core-safety");
    arena_release(&a);
}

static void every_prefix_of_a_template_fails_cleanly(void **state)
{
    (void)state;
    /* Truncation at every byte: each load either succeeds or reports an
     * error with a message; none crashes or leaks (under ASan). */
    char *full = slurp(CASES_DIR "/tpl-ok-full/input.yaml");
    assert_non_null(full);
    size_t n = strlen(full);
    for (size_t i = 0; i <= n; i++) {
        arena a;
        diag d;
        tpl *t;
        arena_init(&a);
        diag_init(&d);
        int rc = tpl_load_mem(&a, "<prefix>", full, i, NULL, &t, &d);
        if (rc)
            assert_true(d.code != CMDAI_OK && d.text[0]);
        else
            assert_non_null(t);
        arena_release(&a);
    }
    free(full);
}

static void missing_top_file_is_an_io_error(void **state)
{
    (void)state;
    arena a;
    diag d;
    tpl *t = (tpl *)&d; /* must be reset to NULL */
    arena_init(&a);
    diag_init(&d);
    assert_int_equal(tpl_load(&a, "cases/no-such-dir/input.yaml", NULL, &t, &d), -1);
    assert_null(t);
    assert_int_equal(d.code, CMDAI_E_IO);
    assert_string_equal(d.file, "cases/no-such-dir/input.yaml");
    diag_init(&d);
    assert_int_equal(tpl_load(&a, "cases", NULL, &t, &d), -1); /* a directory */
    assert_int_equal(d.code, CMDAI_E_IO);
    arena_release(&a);
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

int main(void)
{
    static const struct CMUnitTest units[] = {
        cmocka_unit_test(action_table_follows_design),
        cmocka_unit_test(semver_parses_the_spec_examples),
        cmocka_unit_test(semver_precedence_follows_the_spec),
        cmocka_unit_test(semver_requirements),
        cmocka_unit_test(edit_distance_caps),
        cmocka_unit_test(memory_load_and_find_list),
        cmocka_unit_test(pattern_positions_point_into_the_yaml),
        cmocka_unit_test(too_large_input_is_refused),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(name_without_stdlib_dir_is_an_error),
        cmocka_unit_test(memory_extends_resolve_against_cwd),
        cmocka_unit_test(every_prefix_of_a_template_fails_cleanly),
        cmocka_unit_test(missing_top_file_is_an_io_error),
    };
    int failures = cmocka_run_group_tests_name("tpl_units", units, NULL, NULL);

    /* One test per case directory; names starting with '_' hold shared files. */
    DIR *dir = opendir(CASES_DIR);
    if (!dir) {
        fprintf(stderr, "test_tpl: cannot open %s (run from tests/)\n", CASES_DIR);
        return 1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(dir));) {
        char path[512];
        if (e->d_name[0] == '.' || e->d_name[0] == '_')
            continue;
        snprintf(path, sizeof path, CASES_DIR "/%s/input.yaml", e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        fclose(f);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                return 1;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, n, sizeof *names, cmp_names);
    struct CMUnitTest *tests = calloc(n ? n : 1, sizeof *tests);
    if (!tests)
        return 1;
    for (size_t i = 0; i < n; i++) {
        tests[i].name = names[i];
        tests[i].test_func = run_case;
        tests[i].initial_state = names[i];
    }
    failures += _cmocka_run_group_tests("tpl_cases", tests, n, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(tests);
    return failures ? 1 : 0;
}
