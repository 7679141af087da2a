/* cmd_lint.c — `cmdai-policyc lint`: load, resolve and compile templates
 * without writing anything. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcodes.h"

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return -1;
    *out = v;
    return 0;
}

static void usage_lint(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc lint [--stdlib DIR] [--max-states N] [--require-cases] TEMPLATE...\n"
            "\n"
            "Load, resolve and compile each template without writing anything; report the\n"
            "first error of each as file:line:column with a hint.  Exit 0 when all are clean,\n"
            "65 otherwise.\n"
            "\n"
            "  --require-cases   also an error: a rule the template itself defines that no\n"
            "                    command under its tests makes fire, or a template with no\n"
            "                    allow test (the near misses).  The shipped templates pass it.\n");
}

/* --require-cases: every rule defined in this file (not inherited) fires on
 * at least one of its inline tests, and there is at least one allow test.
 * Returns the number of problems, each printed as file:line:column. */
static unsigned lint_cases(const tpl *t, const cli_bundle *cb)
{
    unsigned problems = 0, nallow = 0;
    unsigned char *fired = calloc(cb->b.nrules ? cb->b.nrules : 1, 1);
    if (!fired)
        abort();
    for (size_t k = 0; k < t->ntests; k++) {
        const tpl_test *tt = &t->tests[k];
        cmdai_verdict vd;
        cmdai_eval(&cb->b, tt->command, strlen(tt->command), &vd);
        unsigned n = vd.nrules < CMDAI_VERDICT_RULES ? vd.nrules : CMDAI_VERDICT_RULES;
        for (unsigned q = 0; q < n; q++)
            if (vd.rules[q] < cb->b.nrules)
                fired[vd.rules[q]] = 1;
        nallow += tt->expect == CMDAI_ALLOW;
    }
    for (size_t i = 0; i < t->nrules; i++) {
        const tpl_rule *r = &t->rules[i];
        if (!r->layer || strcmp(r->layer, t->name))
            continue; /* inherited: its own template's tests cover it */
        int hit = 0;
        for (uint32_t b = 0; b < cb->b.nrules && !hit; b++)
            hit = fired[b] && !strcmp(cb->b.str + cb->b.rules[b].id, r->id);
        if (!hit) {
            fprintf(stderr, "%s:%d:%d: error: rule '%s' fires on none of the template's tests\n", r->pos.file,
                    r->pos.line, r->pos.column, r->id);
            fprintf(stderr, "  hint: add a command it must catch under tests (deny/confirm/warn) and a near miss under allow\n");
            problems++;
        }
    }
    if (!nallow && t->nrules) {
        fprintf(stderr, "%s: error: template has no allow tests\n", t->file ? t->file : t->name);
        fprintf(stderr, "  hint: list near misses the rules must let through under tests: allow\n");
        problems++;
    }
    free(fired);
    return problems;
}

int cmd_lint(int argc, char **argv)
{
    static const struct option lo[] = {{"stdlib", required_argument, 0, 'L'},
                                       {"max-states", required_argument, 0, 'M'},
                                       {"require-cases", no_argument, 0, 'Q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *stdlib = NULL;
    uint32_t max_states = CC_DEFAULT_MAX_STATES;
    uint64_t v;
    int c, require_cases = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'L': stdlib = optarg; break;
        case 'M':
            if (parse_u64(optarg, &v) || !v || v > UINT32_MAX)
                return EXIT_USAGE;
            max_states = (uint32_t)v;
            break;
        case 'Q': require_cases = 1; break;
        case 'h': usage_lint(stdout); return 0;
        default: usage_lint(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage_lint(stderr);
        return EXIT_USAGE;
    }
    int rc = 0;
    for (int i = optind; i < argc; i++) {
        arena a;
        arena_init(&a);
        diag d;
        diag_init(&d);
        tpl *t;
        ir *r = NULL;
        if (require_cases) {
            cli_bundle cb;
            int e = cli_template_bundle(&a, argv[i], stdlib, "lint", &t, &cb);
            if (e) {
                if (e == EXIT_SOFTWARE) {
                    arena_release(&a);
                    return e;
                }
                rc = rc ? rc : e;
            } else {
                unsigned problems = lint_cases(t, &cb);
                if (problems)
                    rc = rc ? rc : EXIT_DATAERR;
                else
                    printf("%s: ok (%u rules, %u states, every rule has a case)\n", argv[i], cb.b.nrules,
                           cb.b.nstates);
                cli_bundle_free(&cb);
            }
        } else if (cli_compile(&a, argv[i], cli_stdlib(stdlib), max_states, &t, &r, &d)) {
            cli_diag(&d);
            if (!rc)
                rc = cli_exit(&d);
        } else {
            printf("%s: ok (%u rules, %u states)\n", argv[i], r->nrules, r->nstates);
        }
        ir_free(r);
        arena_release(&a);
    }
    return rc;
}
