/* test_fmt.c — compiler/fmt_scan.c and compiler/fmt.c through their public
 * functions: which '#' is a comment (never one inside a quoted or block
 * scalar), where it is (line, column in characters), and the formatter's
 * promises: a fixed point, comments kept, values unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <yaml.h>

#include "arena.h"
#include "diag.h"
#include "fmt.h"

static size_t scan(arena *a, const char *src, fmt_comment **c)
{
    size_t n = 0;
    diag d;
    diag_init(&d);
    assert_int_equal(fmt_comments(a, "t.yaml", src, strlen(src), c, &n, &d), 0);
    return n;
}

static void test_comments_only_between_tokens(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    const char *src = "# head\n"
                      "k: 'a # not' # one\n"
                      "m: \"b # not\"\n"
                      "p: |\n"
                      "  # text of the block\n"
                      "q: [x, # two\n"
                      "    y]\n"
                      "  # tail\n";
    fmt_comment *c;
    size_t n = scan(&a, src, &c);
    assert_int_equal(n, 4);
    assert_string_equal(c[0].text, "# head");
    assert_true(c[0].own_line);
    assert_int_equal(c[0].line, 1);
    assert_string_equal(c[1].text, "# one");
    assert_false(c[1].own_line);
    assert_int_equal(c[1].line, 2);
    assert_int_equal(c[1].column, 14);
    assert_string_equal(c[2].text, "# two");
    assert_int_equal(c[2].line, 6);
    assert_string_equal(c[3].text, "# tail");
    assert_true(c[3].own_line);
    arena_release(&a);
}

static void test_columns_count_characters(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    /* "é" and "—" are 2 and 3 bytes: libyaml's marks count characters */
    const char *src = "# é — head\nk: 'é—' # c\n";
    fmt_comment *c;
    size_t n = scan(&a, src, &c);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].text, "# é — head");
    assert_string_equal(c[1].text, "# c");
    assert_int_equal(c[1].line, 2);
    assert_int_equal(c[1].column, 9); /* k : sp quote é — quote sp # */
    arena_release(&a);
}

static void test_byte_order_mark(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    const char *src = "\xEF\xBB\xBF# first\ntemplate: # t\n";
    fmt_comment *c;
    size_t n = scan(&a, src, &c);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].text, "# first");
    assert_true(c[0].own_line);
    assert_int_equal(c[0].column, 1);
    assert_string_equal(c[1].text, "# t");
    arena_release(&a);
}

static void test_scan_error_has_position(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    fmt_comment *c;
    size_t n;
    diag d;
    diag_init(&d);
    const char *src = "k: 'unterminated\n";
    assert_int_equal(fmt_comments(&a, "t.yaml", src, strlen(src), &c, &n, &d), -1);
    assert_int_equal(d.code, CMDAI_E_SYNTAX);
    assert_true(d.line >= 1);
    arena_release(&a);
}

/* fmt: the output is a fixed point and keeps every comment and value. */
static void test_fmt_fixed_point(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    const char *src = "# top\n"
                      "template:\n"
                      "  version: \"1.0.0\"  # v\n"
                      "  name: t\n"
                      "  safety:\n"
                      "    rules:\n"
                      "      - risk: high\n"
                      "        id: r1\n"
                      "        match: \"rm -rf /\"\n"
                      "        tests: {no_match: [ls], match: ['rm -rf /']}\n";
    char *out, *out2;
    size_t len, len2;
    diag d;
    diag_init(&d);
    assert_int_equal(fmt_template(&a, "t.yaml", src, strlen(src), &out, &len, &d), 0);
    assert_int_equal(fmt_template(&a, "t.yaml", out, len, &out2, &len2, &d), 0);
    assert_int_equal(len, len2);
    assert_memory_equal(out, out2, len);
    assert_non_null(strstr(out, "# top\ntemplate:\n  name: t\n  version: '1.0.0'  # v\n"));
    assert_non_null(strstr(out, "      - id: r1\n        match: 'rm -rf /'\n        risk: high\n"));
    assert_non_null(strstr(out, "        tests:\n          match: ['rm -rf /']\n          no_match: [ls]\n"));
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments_only_between_tokens),
        cmocka_unit_test(test_columns_count_characters),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_scan_error_has_position),
        cmocka_unit_test(test_fmt_fixed_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
