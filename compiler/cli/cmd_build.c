/* cmd_build.c — verbs that read templates: build, test (lint is in cmd_lint.c). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "exitcodes.h"
#include "sign.h"

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

/* "+30d", "+12h", "+45m", unix seconds, or YYYY-MM-DD (UTC). */
static int parse_time(const char *s, int64_t *out)
{
    if (s[0] == '+') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (errno || end == s + 1 || v < 0)
            return -1;
        long long mul = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : *end == 's' ? 1 : 0;
        if (!mul || end[1])
            return -1;
        *out = (int64_t)time(NULL) + v * mul;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char *e = strptime(s, "%Y-%m-%d", &tm);
    if (e && !*e) {
        *out = (int64_t)timegm(&tm);
        return 0;
    }
    uint64_t v;
    if (parse_u64(s, &v))
        return -1;
    *out = (int64_t)v;
    return 0;
}

static void usage_build(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc build TEMPLATE [-o OUT.cpb] [--sign SECKEY] [--serial N]\n"
            "                           [--created T] [--expires T] [--scope NAME]\n"
            "                           [--max-states N] [--dump ast] [SOURCE OPTIONS]\n"
            "\n"
            "Resolve TEMPLATE (and what it extends), compile all rules into one automaton and\n"
            "write a bundle.  Same sources, options and key => byte-identical output.\n"
            "\n"
            "  -o, --output FILE    bundle path (default: NAME.cpb from the template name)\n"
            "  -s, --sign SECKEY    also sign it (writes FILE.minisig)\n"
            "  --serial N           anti-rollback serial (default: $SOURCE_DATE_EPOCH, else 1)\n"
            "  --created T          creation time (default: $SOURCE_DATE_EPOCH, else 0)\n"
            "  --expires T          expiry: unix seconds, YYYY-MM-DD, or +30d/+12h (default: never)\n"
            "  --scope NAME         fleet scope recorded in the bundle (default: default)\n"
            "  --max-states N       automaton state budget (default %u)\n"
            "  --dump ast           print each rule's parsed pattern and stop\n"
            "source options (build writes cmdai.lock beside TEMPLATE when resolution changes it):\n"
            CLI_SRC_HELP,
            CC_DEFAULT_MAX_STATES);
}

int cmd_build(int argc, char **argv)
{
    static const struct option lo[] = {
        {"output", required_argument, 0, 'o'},  {"sign", required_argument, 0, 's'},
        {"serial", required_argument, 0, 'S'},  {"created", required_argument, 0, 'C'},
        {"expires", required_argument, 0, 'E'}, {"scope", required_argument, 0, 'P'},
        {"max-states", required_argument, 0, 'M'}, {"dump", required_argument, 0, 'D'},
        {"help", no_argument, 0, 'h'},          CLI_SRC_OPTIONS,
        {0, 0, 0, 0}};
    const char *out = NULL, *seckey = NULL, *dump = NULL;
    cli_src src = {.write_lock = true}; /* --stdlib, registries and cmdai.lock (sources.c) */
    emit_opts eo = {.serial = 1, .scope = "default"};
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    uint64_t v;
    if (sde && !parse_u64(sde, &v)) {
        eo.serial = v;
        eo.created = (int64_t)v;
    }
    uint32_t max_states = CC_DEFAULT_MAX_STATES;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:s:h", lo, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 's': seckey = optarg; break;
        case 'S':
            if (parse_u64(optarg, &eo.serial)) {
                fprintf(stderr, "%s build: --serial needs a non-negative integer\n", cli_prog);
                return EXIT_USAGE;
            }
            break;
        case 'C':
        case 'E': {
            int64_t t;
            if (parse_time(optarg, &t)) {
                fprintf(stderr, "%s build: bad time '%s' (unix seconds, YYYY-MM-DD or +30d)\n", cli_prog, optarg);
                return EXIT_USAGE;
            }
            if (c == 'C')
                eo.created = t;
            else
                eo.expires = t;
            break;
        }
        case 'P': eo.scope = optarg; break;
        case 'M':
            if (parse_u64(optarg, &v) || v == 0 || v > UINT32_MAX) {
                fprintf(stderr, "%s build: --max-states needs a positive integer\n", cli_prog);
                return EXIT_USAGE;
            }
            max_states = (uint32_t)v;
            break;
        case 'D': dump = optarg; break;
        case 'h': usage_build(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_build(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s build: expected exactly one template\n", cli_prog);
        usage_build(stderr);
        return EXIT_USAGE;
    }
    if (dump && strcmp(dump, "ast")) {
        fprintf(stderr, "%s build: --dump takes 'ast'\n", cli_prog);
        return EXIT_USAGE;
    }
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t = NULL;
    ir *r = NULL;
    int rc = 0;
    struct cli_reg *reg = NULL;
    if ((rc = cli_src_begin(&src, argv[optind], &reg)))
        goto done;
    int lrc = tpl_load(&a, argv[optind], cli_stdlib(src.stdlib), &t, &d);
    if ((rc = cli_src_end(reg, lrc == 0))) {
        if (lrc)
            cli_diag(&d);
        goto done;
    }
    if (lrc) {
        cli_diag(&d);
        rc = cli_exit(&d);
        goto done;
    }
    if (dump) {
        for (size_t i = 0; i < t->nrules; i++) {
            printf("%s: %s\n", t->rules[i].id, ast_dump(&a, t->rules[i].match.ast));
            for (size_t u = 0; u < t->rules[i].nunless; u++)
                printf("%s: unless %s\n", t->rules[i].id, ast_dump(&a, t->rules[i].unless[u].ast));
        }
        goto done;
    }
    if (cc_compile(&a, t, max_states, &r, &d)) {
        cli_diag(&d);
        rc = cli_exit(&d);
        goto done;
    }
    unsigned char *bytes;
    size_t len;
    if (emit_bundle(r, &eo, &bytes, &len, &d)) {
        cli_diag(&d);
        rc = cli_exit(&d);
        goto done;
    }
    char *defout = NULL;
    if (!out) {
        defout = arena_printf(&a, "%s.cpb", t->name);
        out = defout;
    }
    char *sigpath = arena_printf(&a, "%s.minisig", out);
    if (cli_check_output(out) || (seckey && cli_check_output(sigpath))) {
        free(bytes);
        rc = EXIT_CANTCREAT;
        goto done;
    }
    /* Sign in memory first: a key that cannot be loaded must not leave an
     * unsigned bundle behind (bad input never writes a partial result). */
    char *sigtext = NULL;
    size_t siglen = 0;
    if (seckey) {
        char *comment = arena_printf(&a, "cmdai-policy bundle %s %s serial %llu", t->name, t->version,
                                     (unsigned long long)eo.serial);
        if (sign_file_mem(seckey, bytes, len, comment, &sigtext, &siglen, &d)) {
            free(bytes);
            cli_diag(&d);
            rc = d.code == CMDAI_E_IO ? EXIT_NOINPUT : cli_exit(&d);
            goto done;
        }
    }
    if (emit_write_file(out, bytes, len, &d)) {
        free(bytes);
        free(sigtext);
        cli_diag(&d);
        rc = EXIT_CANTCREAT;
        goto done;
    }
    free(bytes);
    fprintf(stderr, "%s: %s %s: %u rules -> %u states x %u classes, %zu bytes (%.0f B/rule) in %.1f ms -> %s\n",
            cli_prog, t->name, t->version, r->nrules, r->nstates, r->nclasses, len,
            r->nrules ? (double)len / r->nrules : 0.0, r->compile_ms, out);
    if (seckey) {
        int bad = emit_write_file(sigpath, sigtext, siglen, &d);
        free(sigtext);
        if (bad) {
            /* The new bundle would sit beside an old or no signature: remove it. */
            unlink(out);
            cli_diag(&d);
            rc = EXIT_CANTCREAT;
            goto done;
        }
        fprintf(stderr, "%s: signed %s\n", cli_prog, sigpath);
    }
done:
    ir_free(r);
    arena_release(&a);
    return rc;
}

static void usage_test(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc test [-v] [--corpus FILE:ACTIONS]... [SOURCE OPTIONS]\n"
            "                          [--min-recall PCT] [--max-fp PCT] [--coverage]\n"
            "                          [--min-coverage PCT] [--min-state-coverage PCT]\n"
            "                          [--format text|json] TEMPLATE...\n"
            "\n"
            "Compile each template and check every command under its tests: (allow, warn,\n"
            "confirm, deny) gets exactly that decision, and every rule's own cases: the rule\n"
            "fires on each command under its tests: match and not on those under no_match\n"
            "(inherited rules included).  A template without any test fails.\n"
            "\n"
            "  --corpus FILE:ACTIONS  also decide every line of FILE (one command per line;\n"
            "                         blank lines and lines starting with # are skipped); a\n"
            "                         line is as expected when it gets one of ACTIONS (a\n"
            "                         comma list, e.g. dangerous.txt:deny,confirm).  A corpus\n"
            "                         whose ACTIONS include allow is benign: its misses are\n"
            "                         false positives; any other corpus measures recall.\n"
            "                         Every miss is printed.  Repeatable.\n"
            "  --min-recall PCT       fail when recall over the detection corpora is below PCT\n"
            "  --max-fp PCT           fail when the false-positive rate over the benign\n"
            "                         corpora is above PCT\n"
            "  --coverage             after the tests, a table per template: each rule with\n"
            "                         the commands of the tests and of the corpora it fired\n"
            "                         on, and the automaton accept states they entered\n"
            "  --min-coverage PCT     fail (exit 1) when fewer than PCT %% of the rules fired\n"
            "  --min-state-coverage PCT  fail (exit 1) when fewer than PCT %% of the accept\n"
            "                         states were entered\n"
            "  --format text|json     coverage as text, or one JSON document on stdout (the\n"
            "                         test lines then go to stderr)\n"
            "source options (test writes cmdai.lock as build does):\n"
            CLI_SRC_HELP
            "\n"
            "Exit 0 when all pass, 1 when any test fails or a threshold is missed, 65 when a\n"
            "template does not compile, 66 when a corpus cannot be read.\n");
}

/* One --corpus FILE:ACTIONS: `accept` is a bit set over cmdai_action. */
typedef struct corpus_spec {
    const char *path;
    unsigned accept;
    int benign; /* accepts allow: misses are false positives */
} corpus_spec;

enum { CORPUS_MAX = 16 };

static int parse_corpus(char *arg, corpus_spec *cs)
{
    char *colon = strrchr(arg, ':');
    if (!colon || colon == arg || !colon[1])
        return -1;
    *colon = 0;
    cs->path = arg;
    cs->accept = 0;
    for (char *p = colon + 1; *p;) {
        size_t n = strcspn(p, ",");
        int found = 0;
        for (int act = CMDAI_ALLOW; act <= CMDAI_DENY; act++) {
            const char *name = cmdai_action_name((cmdai_action)act);
            if (strlen(name) == n && !strncmp(p, name, n)) {
                cs->accept |= 1u << act;
                found = 1;
            }
        }
        if (!found)
            return -1;
        p += n;
        if (*p == ',' && *++p == 0)
            return -1;
    }
    cs->benign = (cs->accept >> CMDAI_ALLOW) & 1;
    return 0;
}

static void print_rules(const cli_bundle *cb, const cmdai_verdict *vd)
{
    unsigned n = vd->nrules < CMDAI_VERDICT_RULES ? vd->nrules : CMDAI_VERDICT_RULES;
    for (unsigned q = 0; q < n; q++)
        printf("%s%s", q ? ", " : "  [rules: ", cb->b.str + cb->b.rules[vd->rules[q]].id);
    printf("%s\n", n ? "]" : "");
}

static void print_accept(unsigned accept)
{
    const char *sep = "";
    for (int act = CMDAI_ALLOW; act <= CMDAI_DENY; act++)
        if ((accept >> act) & 1) {
            printf("%s%s", sep, cmdai_action_name((cmdai_action)act));
            sep = "|";
        }
}

/* Decide every line of one corpus; counts go to *lines and *hits.  0, or the
 * exit status when the file cannot be read. */
static int run_corpus(const cli_bundle *cb, const corpus_spec *cs, unsigned long *lines, unsigned long *hits)
{
    FILE *f = fopen(cs->path, "rb");
    if (!f) {
        fprintf(stderr, "%s test: %s: cannot open: %s\n", cli_prog, cs->path, strerror(errno));
        return EXIT_NOINPUT;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long lineno = 0, n = 0, ok = 0;
    while ((len = getline(&line, &cap, f)) != -1) {
        lineno++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (len == 0 || line[0] == '#')
            continue;
        cmdai_verdict vd;
        cmdai_eval(&cb->b, line, (size_t)len, &vd);
        n++;
        if ((cs->accept >> vd.action) & 1) {
            ok++;
            continue;
        }
        printf("MISS %s:%lu: expected ", cs->path, lineno);
        print_accept(cs->accept);
        printf(", got %s: %s", cmdai_action_name(vd.action), line);
        print_rules(cb, &vd);
    }
    free(line);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s test: %s: read error\n", cli_prog, cs->path);
        return EXIT_NOINPUT;
    }
    printf("corpus %s (", cs->path);
    print_accept(cs->accept);
    printf("): %lu lines, %lu as expected, %lu %s\n", n, ok, n - ok, cs->benign ? "false positives" : "missed");
    *lines += n;
    *hits += ok;
    return 0;
}

/* Rule-level cases (a rule's tests.match / tests.no_match) of every rule of
 * the merged template: a match case fails when the rule is not among the
 * rules that fired, a no_match case when it is.  Returns the failures. */
static unsigned run_rule_cases(const tpl *t, const cli_bundle *cb, int verbose, unsigned *passed)
{
    unsigned failed = 0;
    for (size_t i = 0; i < t->nrules; i++) {
        const tpl_rule *r = &t->rules[i];
        for (size_t k = 0; k < r->ncases; k++) {
            const tpl_case *tc = &r->cases[k];
            cmdai_verdict vd;
            cmdai_eval(&cb->b, tc->command, strlen(tc->command), &vd);
            unsigned n = vd.nrules < CMDAI_VERDICT_RULES ? vd.nrules : CMDAI_VERDICT_RULES;
            int fired = 0;
            for (unsigned q = 0; q < n && !fired; q++)
                fired = !strcmp(cb->b.str + cb->b.rules[vd.rules[q]].id, r->id);
            /* The verdict lists the most severe rules only: past that, unknown. */
            int unknown = !fired && vd.nrules > CMDAI_VERDICT_RULES;
            if (!unknown && fired == tc->match) {
                (*passed)++;
                if (verbose)
                    printf("PASS %s:%d:%d: %s %s: %s\n", tc->pos.file, tc->pos.line, tc->pos.column, r->id,
                           tc->match ? "fires" : "does not fire", tc->command);
                continue;
            }
            failed++;
            printf("FAIL %s:%d:%d: rule %s %s: %s", tc->pos.file, tc->pos.line, tc->pos.column, r->id,
                   unknown ? "cannot be told apart (more rules fired than a verdict lists)"
                   : tc->match ? "does not fire" : "fires",
                   tc->command);
            print_rules(cb, &vd);
        }
    }
    return failed;
}

int cmd_test(int argc, char **argv)
{
    static const struct option lo[] = {{"verbose", no_argument, 0, 'v'},
                                       {"corpus", required_argument, 0, 'K'},
                                       {"min-recall", required_argument, 0, 'R'},
                                       {"max-fp", required_argument, 0, 'F'},
                                       CLI_COV_OPTIONS,
                                       CLI_SRC_OPTIONS,
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    cli_src src = {.write_lock = true}; /* --stdlib, registries and cmdai.lock, as for build */
    int verbose = 0, c;
    corpus_spec corpora[CORPUS_MAX];
    size_t ncorpora = 0;
    double min_recall = -1.0, max_fp = -1.0;
    const char *corpus_paths[CORPUS_MAX];
    cli_cov cov = {0};
    optind = 1;
    while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
        switch (c) {
        case 'v': verbose = 1; break;
        case 'K':
            if (ncorpora == CORPUS_MAX) {
                fprintf(stderr, "%s test: at most %d --corpus options\n", cli_prog, CORPUS_MAX);
                return EXIT_USAGE;
            }
            if (parse_corpus(optarg, &corpora[ncorpora])) {
                fprintf(stderr, "%s test: --corpus takes FILE:ACTIONS, e.g. safe.txt:allow,warn\n", cli_prog);
                return EXIT_USAGE;
            }
            corpus_paths[ncorpora] = corpora[ncorpora].path;
            ncorpora++;
            break;
        case 'R':
        case 'F':
            if (cli_parse_pct(optarg, c == 'R' ? &min_recall : &max_fp)) {
                fprintf(stderr, "%s test: --%s takes a percentage from 0 to 100\n", cli_prog,
                        c == 'R' ? "min-recall" : "max-fp");
                return EXIT_USAGE;
            }
            break;
        case CLI_COV_OPT_COVERAGE:
        case CLI_COV_OPT_MIN:
        case CLI_COV_OPT_MIN_STATES:
        case CLI_COV_OPT_FORMAT:
            if (cli_cov_option(&cov, c, optarg))
                return EXIT_USAGE;
            break;
        case 'h': usage_test(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_test(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage_test(stderr);
        return EXIT_USAGE;
    }
    int have_pos = 0, have_neg = 0;
    for (size_t k = 0; k < ncorpora; k++)
        if (corpora[k].benign)
            have_neg = 1;
        else
            have_pos = 1;
    if ((min_recall >= 0 && !have_pos) || (max_fp >= 0 && !have_neg)) {
        fprintf(stderr, "%s test: --%s needs a --corpus whose actions %s allow\n", cli_prog,
                min_recall >= 0 && !have_pos ? "min-recall" : "max-fp",
                min_recall >= 0 && !have_pos ? "exclude" : "include");
        return EXIT_USAGE;
    }
    int rc = cli_cov_begin(&cov), below = 0;
    if (rc)
        return rc;
    unsigned passed = 0, failed = 0;
    for (int i = optind; i < argc; i++) {
        arena a;
        arena_init(&a);
        tpl *t;
        cli_bundle cb;
        int e = cli_template_bundle(&a, argv[i], &src, "test", &t, &cb);
        if (e) {
            arena_release(&a);
            if (e == EXIT_SOFTWARE)
                return e;
            rc = rc ? rc : e;
            continue;
        }
        size_t ncases = 0;
        for (size_t k = 0; k < t->nrules; k++)
            ncases += t->rules[k].ncases;
        if (t->ntests == 0 && ncases == 0) {
            fprintf(stderr, "%s: error: template has no tests\n", argv[i]);
            fprintf(stderr, "  hint: add tests: {deny: [...], allow: [...]} with commands it must decide, or\n"
                            "  tests: {match: [...], no_match: [...]} to its rules\n");
            failed++;
        }
        failed += run_rule_cases(t, &cb, verbose, &passed);
        for (size_t k = 0; k < t->ntests; k++) {
            const tpl_test *tt = &t->tests[k];
            cmdai_verdict vd;
            cmdai_eval(&cb.b, tt->command, strlen(tt->command), &vd);
            if ((int)vd.action == tt->expect) {
                passed++;
                if (verbose)
                    printf("PASS %s:%d:%d: %s -> %s\n", tt->pos.file, tt->pos.line, tt->pos.column, tt->command,
                           cmdai_action_name(vd.action));
            } else {
                failed++;
                printf("FAIL %s:%d:%d: expected %s, got %s: %s", tt->pos.file, tt->pos.line, tt->pos.column,
                       cmdai_action_name((cmdai_action)tt->expect), cmdai_action_name(vd.action), tt->command);
                print_rules(&cb, &vd);
            }
        }
        /* Corpora: recall over the detection corpora, false positives over
         * the benign ones, each per template. */
        unsigned long pos = 0, pos_hit = 0, neg = 0, neg_ok = 0;
        for (size_t k = 0; k < ncorpora; k++) {
            int ce = corpora[k].benign ? run_corpus(&cb, &corpora[k], &neg, &neg_ok)
                                       : run_corpus(&cb, &corpora[k], &pos, &pos_hit);
            if (ce) {
                cli_bundle_free(&cb);
                arena_release(&a);
                return ce;
            }
        }
        if (have_pos) {
            double recall = pos ? 100.0 * (double)pos_hit / (double)pos : 100.0;
            int fail_r = min_recall >= 0 && recall < min_recall;
            printf("%s: recall %.2f %% (%lu of %lu)%s\n", argv[i], recall, pos_hit, pos,
                   fail_r ? "  BELOW --min-recall" : "");
            below |= fail_r;
        }
        if (have_neg) {
            double fp = neg ? 100.0 * (double)(neg - neg_ok) / (double)neg : 0.0;
            int fail_f = max_fp >= 0 && fp > max_fp;
            printf("%s: false positives %.2f %% (%lu of %lu)%s\n", argv[i], fp, neg - neg_ok, neg,
                   fail_f ? "  ABOVE --max-fp" : "");
            below |= fail_f;
        }
        int ce = cli_cov_template(&cov, argv[i], t, &cb, corpus_paths, ncorpora);
        cli_bundle_free(&cb);
        arena_release(&a);
        if (ce)
            return ce;
    }
    below |= cli_cov_end(&cov);
    printf("%u passed, %u failed\n", passed, failed);
    if (rc)
        return rc;
    return failed || below ? EXIT_TESTFAIL : 0;
}
