/* test_dsl.c — the rule DSL front end (grammar/dsl_lex.re, grammar/dsl.y,
 * compiler/parse.c, compiler/ast.c): every construct as input -> ast_dump,
 * every error as input -> code, line, column (docs/dsl.md is the contract). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ast.h"

static const struct {
    const char *name, *src, *dump;
} good[] = {
    /* words */
    { "program alone", "rm", "(cmd \"rm\")" },
    { "literal words and flags", "rm -rf --force /dev/sda", "(cmd \"rm\" \"-rf\" \"--force\" \"/dev/sda\")" },
    { "key=value and -o=value", "dd of=/dev/sda -o=value", "(cmd \"dd\" \"of=/dev/sda\" \"-o=value\")" },
    { "glob star", "rm *.pem", "(cmd \"rm\" glob\"*.pem\")" },
    { "glob question and class", "ls a?[0-9]", "(cmd \"ls\" glob\"a?[0-9]\")" },
    { "glob inside a flag value", "openssl --output=*.pem", "(cmd \"openssl\" glob\"--output=*.pem\")" },
    { "escaped star is a literal", "rm \\*", "(cmd \"rm\" \"*\")" },
    { "escape kept in glob source", "rm a\\*b*", "(cmd \"rm\" glob\"a\\\\*b*\")" },
    { "escaped space joins a word", "cat a\\ b", "(cmd \"cat\" \"a b\")" },
    { "escaped operator", "echo \\| \\( \\>", "(cmd \"echo\" \"|\" \"(\" \">\")" },
    { "double quoted literal", "rm \"/\"", "(cmd \"rm\" q\"/\")" },
    { "single quoted literal", "rm '-rf'", "(cmd \"rm\" q\"-rf\")" },
    { "quoted glob chars are literal", "rm \"*.pem\"", "(cmd \"rm\" q\"*.pem\")" },
    { "double quote escapes", "echo \"a\\\"b\\\\c\\d\"", "(cmd \"echo\" q\"a\\\"b\\\\c\\\\d\")" },
    { "single quotes have no escapes", "echo 'a\\b'", "(cmd \"echo\" q\"a\\\\b\")" },
    { "quoted keyword is a word", "echo \"and\" 'or' \"not\" \"unless\"",
      "(cmd \"echo\" q\"and\" q\"or\" q\"not\" q\"unless\")" },
    { "quoted operators", "echo \"|\" \"(\" \";\" \"&\"", "(cmd \"echo\" q\"|\" q\"(\" q\";\" q\"&\")" },
    { "concatenated quotes", "git --message=\"a b\"", "(cmd \"git\" \"--message=a b\")" },
    { "glob with quoted part", "ls \"a b\"*", "(cmd \"ls\" glob\"a b*\")" },
    { "quoted glob char inside glob is escaped", "ls \"*\"*", "(cmd \"ls\" glob\"\\\\**\")" },
    { "empty quoted word", "echo \"\"", "(cmd \"echo\" q\"\")" },
    { "regex double quoted", "dd re\"^of=/dev/sd[a-z]$\"", "(cmd \"dd\" re\"^of=/dev/sd[a-z]$\")" },
    { "regex single quoted", "dd re'a\"b'", "(cmd \"dd\" re\"a\\\"b\")" },
    { "regex keeps escapes", "grep re\"a\\.b\\\"\"", "(cmd \"grep\" re\"a\\\\.b\\\\\\\"\")" },
    { "re alone is a word", "re", "(cmd \"re\")" },
    { "word starting with re", "rename x", "(cmd \"rename\" \"x\")" },
    { "alternatives", "{curl,wget} -O", "(cmd {\"curl\" \"wget\"} \"-O\")" },
    { "single alternative", "rm {-r}", "(cmd \"rm\" {\"-r\"})" },
    { "alternatives of every kind", "rm {-r,*.pem,\"a b\",re\"^x$\"}",
      "(cmd \"rm\" {\"-r\" glob\"*.pem\" q\"a b\" re\"^x$\"})" },
    { "alternatives with spaces", "rm { -r , -R }", "(cmd \"rm\" {\"-r\" \"-R\"})" },
    { "keywords inside alternatives are words", "x {and,or}", "(cmd \"x\" {\"and\" \"or\"})" },
    { "comma outside braces is literal", "x a,b", "(cmd \"x\" \"a,b\")" },
    { "list", "rm -r ... @system_roots", "(cmd \"rm\" \"-r\" ... @system_roots)" },
    { "list name with digits", "rm @l_1", "(cmd \"rm\" @l_1)" },
    { "at sign inside a word", "ssh user@host", "(cmd \"ssh\" \"user@host\")" },
    { "any", "rm ...", "(cmd \"rm\" ...)" },
    { "dots in a longer word", "ls ....", "(cmd \"ls\" \"....\")" },
    { "eol", "ls $", "(cmd \"ls\" $)" },
    { "dollar word", "echo $HOME", "(cmd \"echo\" \"$HOME\")" },
    { "quoted dollar", "echo \"$\" x", "(cmd \"echo\" q\"$\" \"x\")" },
    { "non-ASCII bytes", "echo \xc3\xa9\xff", "(cmd \"echo\" \"\\xc3\\xa9\\xff\")" },
    /* redirections */
    { "redirect out", "dd > /dev/sda", "(cmd \"dd\" (> \"/dev/sda\"))" },
    { "redirect forms", "x >> a < b <> c >& d <& e",
      "(cmd \"x\" (>> \"a\") (< \"b\") (<> \"c\") (>& \"d\") (<& \"e\"))" },
    { "fd dropped", "x 2> err 1>>log", "(cmd \"x\" (> \"err\") (>> \"log\"))" },
    { "dup to fd", "x 2>&1", "(cmd \"x\" (>& \"1\"))" },
    { "ampersand redirect", "x &> a &>> b", "(cmd \"x\" (> \"a\") (>> \"b\"))" },
    { "redirect without space", "echo x>/etc/passwd", "(cmd \"echo\" \"x\" (> \"/etc/passwd\"))" },
    { "redirect targets of every kind", "x > *.pem > {a,b} > @l > re\"^/dev/\" > ...",
      "(cmd \"x\" (> glob\"*.pem\") (> {\"a\" \"b\"}) (> @l) (> re\"^/dev/\") (> ...))" },
    { "redirect after eol", "x $ > y", "(cmd \"x\" $ (> \"y\"))" },
    { "digits before a space stay a word", "x 12 > y", "(cmd \"x\" \"12\" (> \"y\"))" },
    /* structure */
    { "pipe", "curl ... | sh", "(pipe (cmd \"curl\" ...) (cmd \"sh\"))" },
    { "pipe without spaces", "curl x|sh", "(pipe (cmd \"curl\" \"x\") (cmd \"sh\"))" },
    { "pipe is left-assoc", "a | b | c", "(pipe (pipe (cmd \"a\") (cmd \"b\")) (cmd \"c\"))" },
    { "and", "a and b", "(and (cmd \"a\") (cmd \"b\"))" },
    { "or", "a or b", "(or (cmd \"a\") (cmd \"b\"))" },
    { "not", "not a", "(not (cmd \"a\"))" },
    { "not not", "not not a", "(not (not (cmd \"a\")))" },
    { "unless", "rm -r ... unless rm -r ./build",
      "(and (cmd \"rm\" \"-r\" ...) (not (cmd \"rm\" \"-r\" \"./build\")))" },
    { "unless is left-assoc", "a unless b unless c",
      "(and (and (cmd \"a\") (not (cmd \"b\"))) (not (cmd \"c\")))" },
    { "and binds tighter than or", "a or b and c", "(or (cmd \"a\") (and (cmd \"b\") (cmd \"c\")))" },
    { "or binds tighter than unless", "a or b unless c",
      "(and (or (cmd \"a\") (cmd \"b\")) (not (cmd \"c\")))" },
    { "not binds tighter than and", "not a and b", "(and (not (cmd \"a\")) (cmd \"b\"))" },
    { "pipe binds tighter than not", "not a | b", "(not (pipe (cmd \"a\") (cmd \"b\")))" },
    { "pipe binds tighter than and", "a | b and c", "(and (pipe (cmd \"a\") (cmd \"b\")) (cmd \"c\"))" },
    { "parentheses", "(a or b) and c", "(and (or (cmd \"a\") (cmd \"b\")) (cmd \"c\"))" },
    { "parentheses without spaces", "(a)|(b)", "(pipe (cmd \"a\") (cmd \"b\"))" },
    { "nested parentheses", "((a))", "(cmd \"a\")" },
    { "unless with parentheses", "a unless (b or c)", "(and (cmd \"a\") (not (or (cmd \"b\") (cmd \"c\"))))" },
    { "whitespace and newlines", "\t rm\n  -r\r\n ...  ", "(cmd \"rm\" \"-r\" ...)" },
    { "design example", "{curl,wget} ... | {sh,bash,zsh}",
      "(pipe (cmd {\"curl\" \"wget\"} ...) (cmd {\"sh\" \"bash\" \"zsh\"}))" },
};

static void test_constructs_dump_canonically(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        arena a;
        diag d;
        arena_init(&a);
        diag_init(&d);
        ast_node *n = parse_pattern(&a, good[i].src, strlen(good[i].src), "t.yaml", 1, 1, &d);
        if (!n)
            fail_msg("%s: %s: unexpected error %d at %d:%d: %s", good[i].name, good[i].src, d.code, d.line,
                     d.column, d.text);
        const char *got = ast_dump(&a, n);
        if (strcmp(got, good[i].dump))
            fail_msg("%s: %s\n  got  %s\n  want %s", good[i].name, good[i].src, got, good[i].dump);
        arena_release(&a);
    }
}

static const struct {
    const char *name, *src;
    int line0, col0;
    int code, line, column;
} bad[] = {
    { "empty pattern", "", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "blank pattern", "  \n ", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "empty pattern mapped", "", 7, 12, CMDAI_E_SYNTAX, 7, 12 },
    { "unterminated double quote", "rm \"/etc", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "unterminated single quote", "rm x 'a", 1, 1, CMDAI_E_SYNTAX, 1, 6 },
    { "unterminated quote mapped", "rm \"/etc", 3, 10, CMDAI_E_SYNTAX, 3, 13 },
    { "unterminated regex", "dd re\"abc", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "regex trailing backslash", "dd re\"abc\\\"", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "newline in regex", "dd re\"a\nb\"", 1, 1, CMDAI_E_SYNTAX, 1, 8 },
    { "regex glued to a word", "dd re\"a\"b", 1, 1, CMDAI_E_SYNTAX, 1, 9 },
    { "unterminated brace", "rm {a,b", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "unterminated brace after comma", "rm {a,", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "empty braces", "rm {}", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "empty alternative", "rm {a,,b}", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "leading comma", "rm {,a}", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "trailing comma", "rm {a,}", 1, 1, CMDAI_E_SYNTAX, 1, 6 },
    { "nested braces", "rm {a,{b}}", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "nested braces inside an item", "rm {a{b}", 1, 1, CMDAI_E_SYNTAX, 1, 6 },
    { "items need commas", "rm {a b}", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "list inside braces", "rm {@l}", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "any inside braces", "rm {a,...}", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "operator inside braces", "rm {a,|}", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "alternatives glued to a word", "rm {a,b}c", 1, 1, CMDAI_E_SYNTAX, 1, 9 },
    { "brace inside a word", "rm a{b,c}", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "stray closing brace", "rm }", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "missing operand after and", "a and", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "missing operand before and", "and a", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "missing operand after or", "a or", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "double operator", "a or or b", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "missing operand after not", "not", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "not before a binary operator", "not and a", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "missing operand after unless", "rm unless", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "missing operand before unless", "unless rm", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "missing operand after pipe", "curl |", 1, 1, CMDAI_E_SYNTAX, 1, 6 },
    { "missing operand before pipe", "| sh", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "missing operand before )", "(a and)", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "missing operand after (", "(and a)", 1, 1, CMDAI_E_SYNTAX, 1, 2 },
    { "not after a word", "a not b", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "word after )", "(a) b", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "( after a word", "a (b)", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "unclosed (", "(a or b", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "innermost unclosed (", "(a and (b", 1, 1, CMDAI_E_SYNTAX, 1, 8 },
    { "unmatched )", "a)", 1, 1, CMDAI_E_SYNTAX, 1, 2 },
    { "empty parentheses", "()", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "lone (", "a and (", 1, 1, CMDAI_E_SYNTAX, 1, 7 },
    { "redirect without target", "dd >", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "redirect followed by operator", "dd > | x", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "redirect followed by redirect", "dd > > x", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "redirect to eol", "dd > $", 1, 1, CMDAI_E_SYNTAX, 1, 6 },
    { "redirect first", "> x", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "redirect after pipe", "a | > x", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "eol not last", "ls $ x", 1, 1, CMDAI_E_SYNTAX, 1, 4 },
    { "program is ...", "... x", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "program is $", "$", 1, 1, CMDAI_E_SYNTAX, 1, 1 },
    { "semicolon", "a ; b", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "ampersand", "a & b", 1, 1, CMDAI_E_SYNTAX, 1, 3 },
    { "bad list name", "rm @Roots", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "empty list name", "rm @", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "trailing backslash", "rm x\\", 1, 1, CMDAI_E_SYNTAX, 1, 5 },
    { "unknown regex escape", "dd re\"a\\qb\"", 1, 1, CMDAI_E_SYNTAX, 1, 8 },
    { "regex backreference", "dd re\"(a)\\1\"", 1, 1, CMDAI_E_SYNTAX, 1, 10 },
    { "regex error mapped", "dd re\"(a\"", 5, 7, CMDAI_E_SYNTAX, 5, 13 },
    { "regex error inside alternatives", "x {a,re\"b[\"}", 1, 1, CMDAI_E_SYNTAX, 1, 10 },
    { "regex error on a later line", "x\n  re\"a**\"", 4, 9, CMDAI_E_SYNTAX, 5, 8 },
    { "error on a later line is not shifted by col0", "rm -r\n  and", 2, 30, CMDAI_E_SYNTAX, 3, 3 },
    { "error after newline in a quote", "x \"a\nb\" )", 1, 1, CMDAI_E_SYNTAX, 2, 4 },
    { "unterminated quote spanning lines", "x\n\"a\nb", 1, 5, CMDAI_E_SYNTAX, 2, 1 },
    { "parentheses too deep",
      "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))",
      1, 1, CMDAI_E_TOO_DEEP, 1, 65 },
};

static void test_errors_have_code_and_position(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        arena a;
        diag d;
        arena_init(&a);
        diag_init(&d);
        ast_node *n = parse_pattern(&a, bad[i].src, strlen(bad[i].src), "t.yaml", bad[i].line0, bad[i].col0, &d);
        if (n)
            fail_msg("%s: %s: parsed as %s", bad[i].name, bad[i].src, ast_dump(&a, n));
        if (d.code != bad[i].code || d.line != bad[i].line || d.column != bad[i].column)
            fail_msg("%s: %s: got code %d at %d:%d (%s), want %d at %d:%d", bad[i].name, bad[i].src, d.code,
                     d.line, d.column, d.text, bad[i].code, bad[i].line, bad[i].column);
        if (strcmp(d.file, "t.yaml") || !d.text[0])
            fail_msg("%s: no file or text", bad[i].name);
        arena_release(&a);
    }
}

static int parse_code(const char *src, size_t len, int *line, int *col)
{
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    ast_node *n = parse_pattern(&a, src, len, "t.yaml", 1, 1, &d);
    if (n)
        (void)ast_dump(&a, n);
    arena_release(&a);
    if (line)
        *line = d.line;
    if (col)
        *col = d.column;
    return n ? CMDAI_OK : d.code;
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    for (size_t i = 0; i < n; i++)
        memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + ul * n, tail, tl + 1);
    return s;
}

static void test_limits_are_errors_not_crashes(void **state)
{
    (void)state;
    int line, col;
    char *s = repeat("x ", "a", PARSE_MAX_WORD, "");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_OK);
    free(s);
    s = repeat("x ", "a", PARSE_MAX_WORD + 1, "");
    assert_int_equal(parse_code(s, strlen(s), &line, &col), CMDAI_E_TOO_LONG);
    assert_int_equal(col, 3);
    free(s);
    s = repeat("x \"", "a", PARSE_MAX_WORD + 1, "\"");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_E_TOO_LONG);
    free(s);
    s = repeat("x re\"", "a", PARSE_MAX_WORD + 1, "\"");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_E_TOO_LONG);
    free(s);
    s = repeat("x", " a", PARSE_MAX_PATTERN / 2, "");
    assert_int_equal(parse_code(s, strlen(s), &line, &col), CMDAI_E_TOO_LONG);
    assert_int_equal(col, 1);
    free(s);
    s = repeat("", "(", PARSE_MAX_PARENS, "a");
    char *t = repeat(s, ")", PARSE_MAX_PARENS, "");
    assert_int_equal(parse_code(t, strlen(t), NULL, NULL), CMDAI_OK);
    free(s);
    free(t);
    s = repeat("", "not ", 10000, "a");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_E_TOO_DEEP);
    free(s);
    s = repeat("a", " or a", PARSE_MAX_DEPTH, "");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_OK);
    free(s);
    s = repeat("a", " or a", PARSE_MAX_DEPTH + 1, "");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_E_TOO_DEEP);
    free(s);
    s = repeat("a", " | a", 5000, "");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_E_TOO_DEEP);
    free(s);
    s = repeat("x", " a", 20000, ""); /* many words: arrays grow by doubling */
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_OK);
    free(s);
    s = repeat("x {", "a,", 10000, "b}");
    assert_int_equal(parse_code(s, strlen(s), NULL, NULL), CMDAI_OK);
    free(s);
}

static void test_bytes_are_bounded_by_len(void **state)
{
    (void)state;
    int line, col;
    /* NUL bytes are rejected with their position, never treated as the end. */
    assert_int_equal(parse_code("rm\0x", 4, &line, &col), CMDAI_E_SYNTAX);
    assert_int_equal(line, 1);
    assert_int_equal(col, 3);
    assert_int_equal(parse_code("rm \"a\nb\0", 8, &line, &col), CMDAI_E_SYNTAX);
    assert_int_equal(line, 2);
    assert_int_equal(col, 2);
    /* Only len bytes are read: what follows is not part of the pattern. */
    assert_int_equal(parse_code("rm \"x\" and", 6, NULL, NULL), CMDAI_OK);
    assert_int_equal(parse_code("rm \"x\"", 5, &line, &col), CMDAI_E_SYNTAX);
    assert_int_equal(col, 4);
    assert_int_equal(parse_code("rm re\"", 6, NULL, NULL), CMDAI_E_SYNTAX);
    assert_int_equal(parse_code("rm {", 4, NULL, NULL), CMDAI_E_SYNTAX);
    assert_int_equal(parse_code("rm \\", 4, NULL, NULL), CMDAI_E_SYNTAX);
    assert_int_equal(parse_code(NULL, 0, NULL, NULL), CMDAI_E_SYNTAX);
}

static void test_tree_fields(void **state)
{
    (void)state;
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    const char *src = "rm\n  -r \"x\" re\"^a\" @roots 2> /dev/null";
    ast_node *n = parse_pattern(&a, src, strlen(src), "t.yaml", 10, 20, &d);
    assert_non_null(n);
    assert_int_equal(n->kind, AST_CMD);
    assert_int_equal(n->nwords, 5);
    assert_int_equal(n->line, 1);
    assert_int_equal(n->column, 1);
    /* Word positions are pattern-relative; ast_pos_map gives the file position. */
    const ast_word *w = n->words[1];
    assert_int_equal(w->kind, AST_W_LIT);
    assert_int_equal(w->quoted, 0);
    assert_int_equal(w->line, 2);
    assert_int_equal(w->column, 3);
    int fl, fc;
    ast_pos_map(10, 20, w->line, w->column, &fl, &fc);
    assert_int_equal(fl, 11);
    assert_int_equal(fc, 3);
    ast_pos_map(10, 20, n->words[0]->line, n->words[0]->column, &fl, &fc);
    assert_int_equal(fl, 10);
    assert_int_equal(fc, 20);
    assert_int_equal(n->words[2]->quoted, 1);
    assert_string_equal(n->words[2]->text, "x");
    assert_int_equal(n->words[3]->kind, AST_W_REGEX);
    assert_non_null(n->words[3]->regex);
    assert_int_equal(n->words[3]->regex->anchored_start, 1);
    assert_int_equal(n->words[4]->kind, AST_W_LIST);
    assert_string_equal(n->words[4]->text, "roots");
    assert_int_equal(n->words[4]->len, 5);
    assert_int_equal(n->nredirs, 1);
    assert_string_equal(n->redirs[0]->op, ">");
    assert_string_equal(n->redirs[0]->target->text, "/dev/null");
    assert_int_equal(n->redirs[0]->line, 2);
    assert_int_equal(n->redirs[0]->column, 24);
    arena_release(&a);
}

static void test_unless_node_points_at_keyword(void **state)
{
    (void)state;
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    ast_node *n = parse_pattern(&a, "a unless b", 10, "t.yaml", 1, 1, &d);
    assert_non_null(n);
    assert_int_equal(n->kind, AST_AND);
    assert_int_equal(n->b->kind, AST_NOT);
    assert_int_equal(n->b->column, 3);
    assert_int_equal(n->b->a->kind, AST_CMD);
    arena_release(&a);
}

static void test_diag_has_hint(void **state)
{
    (void)state;
    arena a;
    diag d;
    arena_init(&a);
    diag_init(&d);
    assert_null(parse_pattern(&a, "echo and", 8, "f.yaml", 3, 9, &d));
    assert_int_equal(d.line, 3);
    assert_int_equal(d.column, 14);
    assert_non_null(strstr(d.text, "and"));
    assert_non_null(strstr(d.hint, "\""));
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constructs_dump_canonically),
        cmocka_unit_test(test_errors_have_code_and_position),
        cmocka_unit_test(test_limits_are_errors_not_crashes),
        cmocka_unit_test(test_bytes_are_bounded_by_len),
        cmocka_unit_test(test_tree_fields),
        cmocka_unit_test(test_unless_node_points_at_keyword),
        cmocka_unit_test(test_diag_has_hint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
