/* dsl.y — lemon grammar of the rule DSL (docs/dsl.md): commands joined by
 * |, not, and, or, unless, with parentheses.  Words, alternatives and
 * redirection targets arrive finished from grammar/dsl_lex.re; the actions
 * only call the helpers in compiler/parse.c, which allocate in the arena
 * (%extra_context), so a syntax error leaks nothing. */

%name parse_lemon
%token_prefix DSL_
%extra_context { parse_state *ps }
%token_type { lex_token * }

/* Bounded stack: deep input is reported by %stack_overflow, never a crash.
 * 64 parentheses take about 4 entries each; PARSE_MAX_DEPTH bounds the rest. */
%stack_size 1024

%include {
#include <assert.h>
#include <stddef.h>
#include "parse.h"
/* No error recovery: the driver stops at the first error (first error wins). */
#define YYNOERRORRECOVERY 1
}

%syntax_error { parse_syntax_error(ps, yymajor, TOKEN); }
%stack_overflow { parse_stack_overflow(ps); }

/* Precedence, loosest first. */
%left UNLESS.
%left OR.
%left AND.
%right NOT.
%left PIPE.

%token LPAREN RPAREN WORD REDIR.

%type expr { parse_expr }
%type cmd { parse_cmd }

pattern ::= expr(E). { ps->root = E.n; }

expr(A) ::= expr(L) UNLESS(O) expr(R). {
    parse_expr n = parse_unary_not(ps, R, O);
    A = parse_binary(ps, AST_AND, L, n, O);
}
expr(A) ::= expr(L) OR(O) expr(R). { A = parse_binary(ps, AST_OR, L, R, O); }
expr(A) ::= expr(L) AND(O) expr(R). { A = parse_binary(ps, AST_AND, L, R, O); }
expr(A) ::= NOT(O) expr(E). { A = parse_unary_not(ps, E, O); }
expr(A) ::= expr(L) PIPE(O) expr(R). { A = parse_binary(ps, AST_PIPE, L, R, O); }
expr(A) ::= LPAREN expr(E) RPAREN. { A = E; }
expr(A) ::= cmd(C). { A = parse_from_cmd(ps, C); }

cmd(A) ::= WORD(W). { A = parse_cmd_start(ps, W); }
cmd(A) ::= cmd(C) WORD(W). { A = parse_cmd_word(ps, C, W); }
cmd(A) ::= cmd(C) REDIR(R). { A = parse_cmd_redir(ps, C, R); }
