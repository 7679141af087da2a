/* lint.h — the checks behind `cmdai-policyc lint` (docs/lint.md): stable
 * codes in five categories, computed on the loaded template and on its
 * compiled automaton, with inline suppressions that must give a reason. */
#ifndef CMDAI_LINT_H
#define CMDAI_LINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "tpl.h"

typedef enum lint_sev { LINT_OFF = -1, LINT_NOTE = 0, LINT_WARNING = 1, LINT_ERROR = 2 } lint_sev;

typedef struct lint_code {
    const char *code;     /* "CP2001" */
    const char *category; /* syntax | semantics | style | performance | compliance */
    lint_sev sev;         /* default severity */
    const char *name;     /* short kebab-case name, e.g. "rule-never-matches" */
    const char *title;    /* one sentence */
} lint_code;

/* The table of every code, in code order. */
const lint_code *lint_codes(size_t *n);
const lint_code *lint_code_find(const char *code);
const char *lint_sev_name(lint_sev s); /* "error", "warning", "note", "off" */
int lint_sev_parse(const char *s, lint_sev *out);

typedef struct lint_finding {
    const lint_code *code;
    lint_sev sev;          /* after --severity overrides */
    const char *file;
    int line, column;      /* 1-based; 0 when not about a position */
    const char *rule;      /* rule id, or NULL */
    int rule_line;         /* line of the rule's mapping in `file` (ignore comments above it apply), or 0 */
    const char *message, *hint;
    const char *suppressed; /* reason of the ignore comment that silences it, or NULL */
} lint_finding;

typedef struct lint_opts {
    const char *stdlib;
    uint32_t max_states;   /* budget of the whole automaton */
    uint32_t rule_states;  /* CP3001 above this many states contributed by one rule */
    lint_sev sev[64];      /* per code (index in lint_codes()), LINT_OFF disables */
} lint_opts;

/* Default options: default severities, CC_DEFAULT_MAX_STATES, 2000 states. */
void lint_opts_init(lint_opts *o);

typedef struct lint_report {
    const char *path;
    tpl *t;                /* NULL when the template did not load */
    diag load;             /* the loader's / compiler's error when t or the automaton is missing */
    bool compiled;
    uint32_t nrules, nstates;
    lint_finding *f;
    size_t n, cap;
    /* CP3001's measure for each rule the file defines: states the rule adds
     * alone (0 when it alone exceeds the budget), largest first. */
    struct lint_rule_states {
        const char *rule;
        uint32_t states;
        bool over_budget;
    } *rs;
    size_t nrs;
} lint_report;

/* Lint one template file.  Never fails as a whole: a template that does not
 * load or compile gives one finding (CP1001-CP1003 or CP3002) with the
 * loader's position, and rep->load keeps that diagnostic.  Strings live in
 * the arena. */
void lint_file(arena *a, const char *path, const lint_opts *o, lint_report *rep);

/* Findings by severity that are not suppressed; sev_at_least counts those at
 * or above `min`. */
size_t lint_count(const lint_report *rep, lint_sev min);

#endif
