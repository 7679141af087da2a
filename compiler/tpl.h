/* tpl.h — the template model: YAML templates (DESIGN.md "Templates") loaded
 * with libyaml, validated strictly, `extends` resolved and merged into one
 * flat template that the automaton builder compiles.  Every object keeps its
 * source position so later stages can report file:line:column.
 */
#ifndef CMDAI_TPL_H
#define CMDAI_TPL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "ast.h"
#include "diag.h"

typedef struct tpl_pos {
    const char *file;
    int line, column; /* 1-based */
} tpl_pos;

typedef struct tpl_pattern {
    const char *src;  /* the DSL text */
    tpl_pos pos;      /* where the text starts in its file */
    ast_node *ast;    /* parsed */
} tpl_pattern;

/* One rule-level test (a rule's `tests: {match: [...], no_match: [...]}`):
 * the rule must fire on `command` (match) or must not (no_match), whatever
 * the other rules decide. */
typedef struct tpl_case {
    const char *command;
    bool match;            /* true: under tests.match; false: under tests.no_match */
    tpl_pos pos;           /* of the command text */
} tpl_case;

typedef struct tpl_rule {
    const char *id;        /* [a-z0-9][a-z0-9._-]*, unique in the resolved template */
    tpl_pos pos;           /* of the rule mapping */
    tpl_pattern match;
    tpl_pattern *unless;   /* exceptions to this rule only */
    size_t nunless;
    int risk;              /* cmdai_risk, LOW..CRITICAL */
    int action;            /* cmdai_action; when not written, derived from risk + risk_tolerance */
    bool action_explicit;
    const char *message;   /* may be NULL */
    const char **compliance; /* "FRAMEWORK:control" */
    size_t ncompliance;
    bool locked;
    const char *layer;     /* name of the template that (last) defined it */
    tpl_case *cases;       /* its own tests; an override without `tests` keeps the replaced rule's */
    size_t ncases;
} tpl_rule;

typedef struct tpl_list {
    const char *name;      /* [a-z0-9_]+ */
    tpl_pos pos;
    const char **items;    /* each item is a one-token pattern: literal, glob, or re"..." */
    tpl_pos *item_pos;
    size_t nitems;
} tpl_list;

typedef struct tpl_test {
    const char *command;
    int expect;            /* cmdai_action */
    tpl_pos pos;
} tpl_test;

enum { TPL_TOL_LOW = 0, TPL_TOL_MEDIUM = 1, TPL_TOL_HIGH = 2 };

typedef struct tpl {
    const char *name, *version, *author, *license, *description;
    const char *file;            /* path it was loaded from */
    const char **frameworks;
    size_t nframeworks;
    int tolerance;               /* TPL_TOL_* */
    int default_action;          /* safety.default (allow when absent) */
    int dynamic_action;          /* safety.dynamic (confirm when absent) */
    bool has_tools;
    const char **tools_allow;
    size_t ntools;
    int tools_default;           /* tools.default (confirm when absent) */
    tpl_rule *rules;
    size_t nrules;
    tpl_list *lists;
    size_t nlists;
    tpl_test *tests;             /* this file's own tests only (not inherited) */
    size_t ntests;
    const char **extends;        /* as written */
    size_t nextends;
    const char **sources;        /* every file that contributed, the top file first */
    size_t nsources;
} tpl;

/* Action a rule gets from its risk under a tolerance (DESIGN.md table). */
int tpl_action_for(int tolerance, int risk);

/* Load `path`, resolve `extends` (by path relative to the including file, or
 * by name from stdlib_dir, which may be NULL), merge, and validate.  Every
 * pattern is parsed (parse_pattern) and every @list reference checked.
 * Returns 0, or -1 with *d filled.  Owner: the arena. */
int tpl_load(arena *a, const char *path, const char *stdlib_dir, tpl **out, diag *d);

/* The same for a YAML document in memory (extends by path resolve against the
 * current directory).  `name` is used in diagnostics. */
int tpl_load_mem(arena *a, const char *name, const char *yaml, size_t len, const char *stdlib_dir,
                 tpl **out, diag *d);

const tpl_list *tpl_find_list(const tpl *t, const char *name);

/* How many rule-level cases `r` has under tests.match and tests.no_match
 * (either pointer may be NULL).  Inherited cases count: see tpl_rule.cases. */
void tpl_rule_case_counts(const tpl_rule *r, size_t *nmatch, size_t *nno_match);

#endif
