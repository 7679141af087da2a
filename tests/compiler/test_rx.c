/* test_rx.c — rx_parse (compiler/rx.c): accepted syntax as input -> tree
 * text, refused syntax as input -> code and column, set contents, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rx.h"

/* Tree as text: a set prints as its bytes ("a", "[0-9]" ranges, "." for the
 * dot set), CAT as (a b), ALT as (a|b).  Enough to pin the structure. */
typedef struct buf {
    char s[4096];
    size_t n;
} buf;

static void put(buf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l < sizeof b->s) {
        memcpy(b->s + b->n, s, l + 1);
        b->n += l;
    }
}

static int has(const uint8_t *set, unsigned c)
{
    return (set[c >> 3] >> (c & 7)) & 1;
}

static void put_set(buf *b, const uint8_t *set)
{
    int n = 0;
    for (unsigned c = 0; c < 256; c++)
        n += has(set, c);
    if (n == 255 && !has(set, '\n')) {
        put(b, ".");
        return;
    }
    if (n == 1) {
        for (unsigned c = 0; c < 256; c++)
            if (has(set, c)) {
                char t[8];
                if (c && strchr(".()[]*+?\\", (int)c))
                    snprintf(t, sizeof t, "\\%c", c);
                else if (c > 0x20 && c < 0x7f)
                    snprintf(t, sizeof t, "%c", c);
                else
                    snprintf(t, sizeof t, "\\x%02x", c);
                put(b, t);
            }
        return;
    }
    put(b, "[");
    for (unsigned c = 0; c < 256;) {
        if (!has(set, c)) {
            c++;
            continue;
        }
        unsigned e = c;
        while (e + 1 < 256 && has(set, e + 1))
            e++;
        char t[24];
        if (e == c)
            snprintf(t, sizeof t, "%02x", c);
        else
            snprintf(t, sizeof t, "%02x-%02x", c, e);
        put(b, t);
        if (e + 1 < 256)
            put(b, ",");
        c = e + 1;
    }
    if (b->n && b->s[b->n - 1] == ',')
        b->s[--b->n] = '\0';
    put(b, "]");
}

static void show(buf *b, const rx_node *n)
{
    char t[32];
    switch (n->kind) {
    case RX_EMPTY: put(b, "()"); break;
    case RX_SET: put_set(b, n->set); break;
    case RX_CAT: put(b, "("); show(b, n->a); put(b, " "); show(b, n->b); put(b, ")"); break;
    case RX_ALT: put(b, "("); show(b, n->a); put(b, "|"); show(b, n->b); put(b, ")"); break;
    case RX_STAR: show(b, n->a); put(b, "*"); break;
    case RX_PLUS: show(b, n->a); put(b, "+"); break;
    case RX_OPT: show(b, n->a); put(b, "?"); break;
    case RX_REPEAT:
        show(b, n->a);
        if (n->max < 0)
            snprintf(t, sizeof t, "{%d,}", n->min);
        else
            snprintf(t, sizeof t, "{%d,%d}", n->min, n->max);
        put(b, t);
        break;
    }
}

static const struct {
    const char *name, *src, *tree;
    int start, end;
} good[] = {
    { "literal", "ab", "(a b)", 0, 0 },
    { "balanced concatenation", "abcd", "((a b) (c d))", 0, 0 },
    { "empty regex", "", "()", 0, 0 },
    { "anchors", "^ab$", "(a b)", 1, 1 },
    { "start anchor only", "^a", "a", 1, 0 },
    { "end anchor only", "a$", "a", 0, 1 },
    { "escaped dollar is literal", "a\\$", "(a $)", 0, 0 },
    { "escaped backslash then anchor", "a\\\\$", "(a \\\\)", 0, 1 },
    { "dot", "a.", "(a .)", 0, 0 },
    { "star plus opt", "a*b+c?", "(a* (b+ c?))", 0, 0 },
    { "repeat exact", "a{3}", "a{3,3}", 0, 0 },
    { "repeat open", "a{2,}", "a{2,}", 0, 0 },
    { "repeat range", "a{0,64}", "a{0,64}", 0, 0 },
    { "alternation", "a|b|c", "(a|(b|c))", 0, 0 },
    { "empty branch", "a|", "(a|())", 0, 0 },
    { "group", "(ab)*", "(a b)*", 0, 0 },
    { "non-capturing group", "(?:ab)+", "(a b)+", 0, 0 },
    { "anchored group", "^(a|b)$", "(a|b)", 1, 1 },
    { "set", "[abc]", "[61-63]", 0, 0 },
    { "range", "[a-z]", "[61-7a]", 0, 0 },
    { "negated set", "[^\\x00-\\xfe]", "\\xff", 0, 0 },
    { "leading ] is literal", "[]a]", "[5d,61]", 0, 0 },
    { "trailing - is literal", "[a-]", "[2d,61]", 0, 0 },
    { "escapes in set", "[\\]\\\\\\-]", "[2d,5c-5d]", 0, 0 },
    { "class in set", "[\\d_]", "[30-39,5f]", 0, 0 },
    { "caret inside set is literal", "[a^]", "[5e,61]", 0, 0 },
    { "dollar inside set is literal", "[$]", "$", 0, 0 },
    { "digit class", "\\d", "[30-39]", 0, 0 },
    { "word class", "\\w", "[30-39,41-5a,5f,61-7a]", 0, 0 },
    { "space class", "\\s", "[09-0d,20]", 0, 0 },
    { "escaped metachars", "\\.\\*\\(\\)\\[\\{\\|\\/\\-", "(((\\. \\*) (\\( \\))) ((\\[ {) (| (/ -))))", 0, 0 },
    { "control escapes", "\\t\\n", "(\\x09 \\x0a)", 0, 0 },
    { "hex escape", "\\x2f\\x41", "(/ A)", 0, 0 },
    { "escaped quote", "\\\"", "\"", 0, 0 },
    { "case-insensitive", "(?i)ab", "([41,61] [42,62])", 0, 0 },
    { "case-insensitive with anchor", "(?i)^a", "[41,61]", 1, 0 },
    { "case-insensitive set", "(?i)[a-c]", "[41-43,61-63]", 0, 0 },
    { "case-insensitive negated set", "(?i)[^a]", "[00-40,42-60,62-ff]", 0, 0 },
    { "brace alone is not a quantifier after escape", "a\\{", "(a {)", 0, 0 },
    { "closing brace is literal", "a}", "(a })", 0, 0 },
    { "high bytes are literal", "\xc3\xa9", "(\\xc3 \\xa9)", 0, 0 },
};

static void test_accepted_syntax(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        arena a;
        diag d;
        arena_init(&a);
        diag_init(&d);
        rx *r = rx_parse(&a, good[i].src, strlen(good[i].src), "t", 1, 1, &d);
        if (!r)
            fail_msg("%s: %s: error at col %d: %s", good[i].name, good[i].src, d.column, d.text);
        buf b = {{0}, 0};
        show(&b, r->root);
        if (strcmp(b.s, good[i].tree))
            fail_msg("%s: %s\n  got  %s\n  want %s", good[i].name, good[i].src, b.s, good[i].tree);
        if (r->anchored_start != good[i].start || r->anchored_end != good[i].end)
            fail_msg("%s: anchors %d %d", good[i].name, r->anchored_start, r->anchored_end);
        arena_release(&a);
    }
}

static const struct {
    const char *name, *src;
    int code, column; /* col0 = 10, so offset k reports column 10 + k */
    const char *text; /* substring of the message */
} bad[] = {
    { "backreference", "(a)\\1", CMDAI_E_SYNTAX, 13, "backreferences" },
    { "lookahead", "a(?=b)", CMDAI_E_SYNTAX, 11, "lookahead" },
    { "negative lookahead", "a(?!b)", CMDAI_E_SYNTAX, 11, "lookahead" },
    { "lookbehind", "(?<=a)b", CMDAI_E_SYNTAX, 10, "lookbehind" },
    { "named group", "(?<n>a)", CMDAI_E_SYNTAX, 10, "named" },
    { "atomic group", "(?>a)", CMDAI_E_SYNTAX, 10, "atomic" },
    { "late (?i)", "a(?i)b", CMDAI_E_SYNTAX, 11, "start" },
    { "lazy star", "a*?", CMDAI_E_SYNTAX, 12, "lazy" },
    { "lazy plus", "a+?", CMDAI_E_SYNTAX, 12, "lazy" },
    { "possessive", "a*+", CMDAI_E_SYNTAX, 12, "possessive" },
    { "double star", "a**", CMDAI_E_SYNTAX, 12, "repeat" },
    { "nothing to repeat", "*a", CMDAI_E_SYNTAX, 10, "nothing to repeat" },
    { "nothing to repeat in group", "(+)", CMDAI_E_SYNTAX, 11, "nothing to repeat" },
    { "nothing to repeat after bar", "a|?", CMDAI_E_SYNTAX, 12, "nothing to repeat" },
    { "caret in the middle", "a^b", CMDAI_E_SYNTAX, 11, "^" },
    { "dollar in the middle", "a$b", CMDAI_E_SYNTAX, 11, "$" },
    { "anchors with top-level bar", "^a|b", CMDAI_E_SYNTAX, 10, "anchor" },
    { "end anchor with top-level bar", "a|b$", CMDAI_E_SYNTAX, 13, "anchor" },
    { "unknown escape", "a\\q", CMDAI_E_SYNTAX, 11, "unknown escape" },
    { "unknown escape in set", "[\\q]", CMDAI_E_SYNTAX, 11, "unknown escape" },
    { "word boundary", "\\bx", CMDAI_E_SYNTAX, 10, "boundar" },
    { "bad hex", "\\x4", CMDAI_E_SYNTAX, 10, "hex" },
    { "trailing backslash", "a\\", CMDAI_E_SYNTAX, 11, "backslash" },
    { "unterminated set", "a[bc", CMDAI_E_SYNTAX, 11, "]" },
    { "unterminated set after ]", "[]", CMDAI_E_SYNTAX, 10, "]" },
    { "reversed range", "[z-a]", CMDAI_E_SYNTAX, 11, "order" },
    { "class as range end", "[a-\\d]", CMDAI_E_SYNTAX, 12, "range" },
    { "posix class", "[[:alpha:]]", CMDAI_E_SYNTAX, 11, "POSIX" },
    { "unclosed group", "(ab", CMDAI_E_SYNTAX, 10, ")" },
    { "unmatched )", "ab)", CMDAI_E_SYNTAX, 12, ")" },
    { "repeat above max", "a{65}", CMDAI_E_SYNTAX, 11, "64" },
    { "repeat max above max", "a{1,100}", CMDAI_E_SYNTAX, 11, "64" },
    { "repeat min above max", "a{3,2}", CMDAI_E_SYNTAX, 11, "minimum" },
    { "repeat without digits", "a{,2}", CMDAI_E_SYNTAX, 11, "repetition" },
    { "repeat unterminated", "a{2", CMDAI_E_SYNTAX, 11, "repetition" },
    { "repeat garbage", "a{x}", CMDAI_E_SYNTAX, 11, "repetition" },
    { "huge expansion", "((a{64}){64}){64}", CMDAI_E_BUDGET, 10, "large" },
};

static void test_refused_syntax(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arena a;
        diag d;
        arena_init(&a);
        diag_init(&d);
        rx *r = rx_parse(&a, bad[i].src, strlen(bad[i].src), "t.yaml", 4, 10, &d);
        if (r)
            fail_msg("%s: %s: accepted", bad[i].name, bad[i].src);
        if (d.code != bad[i].code || d.line != 4 || d.column != bad[i].column || !strstr(d.text, bad[i].text))
            fail_msg("%s: %s: got code %d at %d:%d (%s), want %d at 4:%d (%s)", bad[i].name, bad[i].src, d.code,
                     d.line, d.column, d.text, bad[i].code, bad[i].column, bad[i].text);
        arena_release(&a);
    }
}

static void test_dot_excludes_newline_only(void **state)
{
    (void)state;
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    rx *r = rx_parse(&a, ".", 1, "t", 1, 1, &d);
    assert_non_null(r);
    assert_int_equal(r->root->kind, RX_SET);
    for (unsigned c = 0; c < 256; c++)
        assert_int_equal(has(r->root->set, c), c != '\n');
    r = rx_parse(&a, "\\D", 2, "t", 1, 1, &d);
    assert_non_null(r);
    for (unsigned c = 0; c < 256; c++)
        assert_int_equal(has(r->root->set, c), !(c >= '0' && c <= '9'));
    r = rx_parse(&a, "[^\\s]", 5, "t", 1, 1, &d);
    assert_non_null(r);
    assert_false(has(r->root->set, ' '));
    assert_false(has(r->root->set, '\t'));
    assert_true(has(r->root->set, 'x'));
    assert_true(has(r->root->set, 0));
    arena_release(&a);
}

static void test_limits(void **state)
{
    (void)state;
    arena a;
    diag d;
    char s[512];
    arena_init(&a);
    /* 64 nested groups are fine, 65 are an error, not a stack overflow. */
    for (int depth = 64; depth <= 65; depth++) {
        size_t n = 0;
        for (int i = 0; i < depth; i++)
            s[n++] = '(';
        s[n++] = 'a';
        for (int i = 0; i < depth; i++)
            s[n++] = ')';
        diag_init(&d);
        rx *r = rx_parse(&a, s, n, "t", 1, 1, &d);
        if (depth == 64)
            assert_non_null(r);
        else {
            assert_null(r);
            assert_int_equal(d.code, CMDAI_E_TOO_DEEP);
            assert_int_equal(d.column, 65);
        }
    }
    /* A long concatenation builds a balanced tree. */
    char *big = malloc(4096);
    assert_non_null(big);
    memset(big, 'a', 4096);
    diag_init(&d);
    rx *r = rx_parse(&a, big, 4096, "t", 1, 1, &d);
    assert_non_null(r);
    int depth = 0;
    for (const rx_node *n = r->root; n->kind == RX_CAT; n = n->a)
        depth++;
    assert_int_equal(depth, 12);
    free(big);
    /* Embedded NUL is an ordinary byte; len bounds the scan. */
    diag_init(&d);
    r = rx_parse(&a, "a\0b", 3, "t", 1, 1, &d);
    assert_non_null(r);
    diag_init(&d);
    assert_null(rx_parse(&a, "[ab", 2, "t", 1, 1, &d)); /* "[a": unterminated within len */
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted_syntax),
        cmocka_unit_test(test_refused_syntax),
        cmocka_unit_test(test_dot_excludes_newline_only),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
