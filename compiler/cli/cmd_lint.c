/* cmd_lint.c — `cmdai-policyc lint`: the checks of compiler/lint.c on each
 * template, printed as text, JSON, SARIF 2.1.0 or GitHub workflow commands
 * (docs/lint.md). */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "exitcodes.h"
#include "lint.h"

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
            "usage: cmdai-policyc lint [--format text|json|sarif|github] [--error-on LEVEL]\n"
            "                          [--severity CODE=LEVEL]... [--rule-states N] [--max-states N]\n"
            "                          [--rule-stats] [--list-codes] [SOURCE OPTIONS] TEMPLATE...\n"
            "\n"
            "Load, resolve and compile each template without writing anything, then check it:\n"
            "syntax (CP1xxx), semantics on the automaton (CP2xxx: rules that never match, are\n"
            "shadowed, or whose unless removes everything), performance (CP3xxx), style (CP4xxx:\n"
            "rules without tests.match / tests.no_match cases) and compliance (CP5xxx: unknown\n"
            "controls).  Every code is described in docs/lint.md.  A finding is silenced by a\n"
            "comment on its line or the line above it:\n"
            "    # cmdai-lint: ignore CP2003 reason: kept for its message\n"
            "\n"
            "  --format F          text (default; findings on stderr), json, sarif (SARIF 2.1.0)\n"
            "                      or github (::error file=...,line=...,col=...:: lines)\n"
            "  --error-on LEVEL    fail on findings at or above LEVEL: error (default), warning,\n"
            "                      note, or off (never fail on findings)\n"
            "  --severity C=LEVEL  make code C an error, warning or note, or turn it off\n"
            "  --rule-states N     CP3001 when one rule alone adds more than N states (default 2000)\n"
            "  --max-states N      automaton state budget (default %u)\n"
            "  --list-codes        print every code with its category and default severity\n"
            "  --rule-stats        (text) also list the states each rule adds alone, largest first\n"
            "  --require-cases     also require that the template's tests make every rule it\n"
            "                      defines fire, and that it has allow tests (CP4004, CP4005)\n"
            "source options (lint reads cmdai.lock but never writes it):\n"
            CLI_SRC_HELP
            "\n"
            "Exit 0 when no file has a finding at or above --error-on, 65 when one has (or does\n"
            "not load), 66 when a file cannot be read, 64 on a usage error; a base from a\n"
            "registry that does not verify exits as for build (68, 77, 78).\n",
            CC_DEFAULT_MAX_STATES);
}

enum { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_GITHUB };

static const char *sarif_level(lint_sev s)
{
    return s == LINT_ERROR ? "error" : s == LINT_WARNING ? "warning" : s == LINT_NOTE ? "note" : "none";
}

static json_t *finding_json(const lint_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(f->code->code));
    json_object_set_new(o, "name", json_string(f->code->name));
    json_object_set_new(o, "category", json_string(f->code->category));
    json_object_set_new(o, "severity", json_string(lint_sev_name(f->sev)));
    json_object_set_new(o, "file", json_string(f->file));
    json_object_set_new(o, "line", json_integer(f->line));
    json_object_set_new(o, "column", json_integer(f->column));
    json_object_set_new(o, "rule", f->rule ? json_string(f->rule) : json_null());
    json_object_set_new(o, "message", json_string(f->message));
    json_object_set_new(o, "hint", f->hint ? json_string(f->hint) : json_null());
    json_object_set_new(o, "suppressed", json_boolean(f->suppressed != NULL));
    if (f->suppressed)
        json_object_set_new(o, "reason", json_string(f->suppressed));
    return o;
}

static json_t *sarif_result(const lint_finding *f, size_t index)
{
    json_t *res = json_object();
    json_object_set_new(res, "ruleId", json_string(f->code->code));
    json_object_set_new(res, "ruleIndex", json_integer((json_int_t)index));
    json_object_set_new(res, "level", json_string(sarif_level(f->sev)));
    const char *text = f->message;
    char *both = NULL;
    if (f->hint && asprintf(&both, "%s. Hint: %s", f->message, f->hint) > 0)
        text = both;
    json_object_set_new(res, "message", json_pack("{s:s}", "text", text));
    free(both);
    json_t *phys = json_pack("{s:{s:s}}", "artifactLocation", "uri", f->file);
    if (f->line > 0) {
        json_t *region = json_pack("{s:i}", "startLine", f->line);
        if (f->column > 0)
            json_object_set_new(region, "startColumn", json_integer(f->column));
        json_object_set_new(phys, "region", region);
    }
    json_object_set_new(res, "locations", json_pack("[{s:o}]", "physicalLocation", phys));
    if (f->suppressed)
        json_object_set_new(res, "suppressions",
                            json_pack("[{s:s,s:s}]", "kind", "inSource", "justification", f->suppressed));
    if (f->rule)
        json_object_set_new(res, "properties", json_pack("{s:s}", "policyRule", f->rule));
    return res;
}

/* GitHub workflow command escaping: data escapes %, CR, LF; properties also : and ,. */
static void gh_put(const char *s, int prop)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", stdout);
        else if (*s == '\r')
            fputs("%0D", stdout);
        else if (*s == '\n')
            fputs("%0A", stdout);
        else if (prop && *s == ':')
            fputs("%3A", stdout);
        else if (prop && *s == ',')
            fputs("%2C", stdout);
        else
            putchar(*s);
    }
}

/* src_failed: the lockfile check failed (printed already): no ok line. */
static void print_text(const lint_report *rep, lint_sev error_on, bool src_failed)
{
    if (!rep->compiled) {
        cli_diag(&rep->load); /* the loader's message, exactly as build prints it */
    }
    size_t shown = 0, quiet = 0;
    for (size_t i = 0; i < rep->n; i++) {
        const lint_finding *f = &rep->f[i];
        if (!rep->compiled && i == 0)
            continue;
        if (f->suppressed) {
            quiet++;
            continue;
        }
        shown++;
        if (f->line > 0)
            fprintf(stderr, "%s:%d:%d: %s: %s [%s %s]\n", f->file, f->line, f->column, lint_sev_name(f->sev),
                    f->message, f->code->code, f->code->name);
        else
            fprintf(stderr, "%s: %s: %s [%s %s]\n", f->file, lint_sev_name(f->sev), f->message, f->code->code,
                    f->code->name);
        if (f->hint)
            fprintf(stderr, "  hint: %s\n", f->hint);
    }
    if (rep->compiled && !src_failed && (error_on == LINT_OFF || lint_count(rep, error_on) == 0)) {
        printf("%s: ok (%u rules, %u states", rep->path, rep->nrules, rep->nstates);
        if (shown)
            printf(", %zu finding%s below --error-on", shown, shown == 1 ? "" : "s");
        if (quiet)
            printf(", %zu suppressed", quiet);
        printf(")\n");
    }
}

static void print_github(const lint_report *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        const lint_finding *f = &rep->f[i];
        if (f->suppressed)
            continue;
        printf("::%s file=", f->sev == LINT_ERROR ? "error" : f->sev == LINT_WARNING ? "warning" : "notice");
        gh_put(f->file, 1);
        if (f->line > 0)
            printf(",line=%d,col=%d", f->line, f->column > 0 ? f->column : 1);
        printf(",title=");
        gh_put(f->code->code, 1);
        printf(" ");
        gh_put(f->code->name, 1);
        printf("::");
        gh_put(f->message, 0);
        if (f->hint) {
            printf(" (hint: ");
            gh_put(f->hint, 0);
            printf(")");
        }
        printf("\n");
    }
}

static json_t *sarif_driver(void)
{
    size_t n;
    const lint_code *c = lint_codes(&n);
    json_t *rules = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_pack("{s:s,s:s,s:{s:s},s:{s:s},s:{s:s},s:{s:[s]}}", "id", c[i].code, "name", c[i].name,
                              "shortDescription", "text", c[i].title, "fullDescription", "text", c[i].title,
                              "defaultConfiguration", "level", sarif_level(c[i].sev), "properties", "tags",
                              c[i].category);
        json_array_append_new(rules, r);
    }
    return json_pack("{s:s,s:s,s:o}", "name", "cmdai-policyc", "version", CMDAI_VERSION, "rules", rules);
}

static int print_codes(void)
{
    size_t n;
    const lint_code *c = lint_codes(&n);
    for (size_t i = 0; i < n; i++)
        printf("%s  %-11s  %-7s  %-28s %s\n", c[i].code, c[i].category, lint_sev_name(c[i].sev), c[i].name,
               c[i].title);
    return 0;
}

int cmd_lint(int argc, char **argv)
{
    static const struct option lo[] = {{"max-states", required_argument, 0, 'M'},
                                       {"rule-states", required_argument, 0, 'R'},
                                       {"format", required_argument, 0, 'f'},
                                       {"error-on", required_argument, 0, 'E'},
                                       {"severity", required_argument, 0, 'S'},
                                       {"list-codes", no_argument, 0, 'l'},
                                       {"rule-stats", no_argument, 0, 'T'},
                                       {"require-cases", no_argument, 0, 'Q'},
                                       {"help", no_argument, 0, 'h'},
                                       CLI_SRC_OPTIONS,
                                       {0, 0, 0, 0}};
    lint_opts o;
    lint_opts_init(&o);
    cli_src src = {0}; /* --stdlib and registries (sources.c); lint never writes cmdai.lock */
    lint_sev error_on = LINT_ERROR;
    int fmt = FMT_TEXT, rule_stats = 0;
    uint64_t v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'M':
        case 'R':
            if (parse_u64(optarg, &v) || !v || v > UINT32_MAX) {
                fprintf(stderr, "%s lint: --%s needs a positive integer\n", cli_prog,
                        c == 'M' ? "max-states" : "rule-states");
                return EXIT_USAGE;
            }
            *(c == 'M' ? &o.max_states : &o.rule_states) = (uint32_t)v;
            break;
        case 'f':
            if (!strcmp(optarg, "text"))
                fmt = FMT_TEXT;
            else if (!strcmp(optarg, "json"))
                fmt = FMT_JSON;
            else if (!strcmp(optarg, "sarif"))
                fmt = FMT_SARIF;
            else if (!strcmp(optarg, "github"))
                fmt = FMT_GITHUB;
            else {
                fprintf(stderr, "%s lint: --format takes text, json, sarif or github\n", cli_prog);
                return EXIT_USAGE;
            }
            break;
        case 'E':
            if (lint_sev_parse(optarg, &error_on)) {
                fprintf(stderr, "%s lint: --error-on takes error, warning, note or off\n", cli_prog);
                return EXIT_USAGE;
            }
            break;
        case 'S': {
            char *eq = strchr(optarg, '=');
            lint_sev s;
            const lint_code *lc = NULL;
            if (eq) {
                *eq = 0;
                lc = lint_code_find(optarg);
            }
            if (!lc || lint_sev_parse(eq + 1, &s)) {
                fprintf(stderr, "%s lint: --severity takes CODE=error|warning|note|off with a code from --list-codes\n",
                        cli_prog);
                return EXIT_USAGE;
            }
            size_t n;
            o.sev[lc - lint_codes(&n)] = s;
            break;
        }
        case 'l': return print_codes();
        case 'T': rule_stats = 1; break;
        case 'Q': { /* the template's tests exercise every rule it defines, and it has allow tests */
            size_t n;
            o.sev[lint_code_find("CP4004") - lint_codes(&n)] = LINT_ERROR;
            o.sev[lint_code_find("CP4005") - lint_codes(&n)] = LINT_ERROR;
            break;
        }
        case 'h': usage_lint(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_lint(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage_lint(stderr);
        return EXIT_USAGE;
    }
    o.stdlib = cli_stdlib(src.stdlib);
    int rc = 0;
    json_t *files = json_array(), *results = json_array();
    size_t total[3] = {0, 0, 0}, nsup = 0;
    for (int i = optind; i < argc; i++) {
        arena a;
        arena_init(&a);
        lint_report rep;
        struct cli_reg *reg = NULL;
        int se = cli_src_begin(&src, argv[i], &reg);
        if (se) { /* a registry configuration or lockfile that cannot be used */
            arena_release(&a);
            json_decref(files);
            json_decref(results);
            return se;
        }
        lint_file(&a, argv[i], &o, &rep);
        /* rep.t: it loaded; under --locked, a changed resolution fails the file */
        se = cli_src_end(reg, rep.t != NULL);
        int failed = se || !rep.compiled || (error_on != LINT_OFF && lint_count(&rep, error_on) > 0);
        /* a file that does not load exits as build would (66 unreadable, 77 a
         * tampered registry archive, ...); findings 65 */
        if (failed && !rc)
            rc = se ? se : !rep.compiled && rep.load.code ? cli_exit(&rep.load) : EXIT_DATAERR;
        json_t *fa = json_array();
        for (size_t k = 0; k < rep.n; k++) {
            const lint_finding *f = &rep.f[k];
            if (f->suppressed)
                nsup++;
            else if (f->sev >= LINT_NOTE)
                total[f->sev]++;
            if (fmt == FMT_JSON)
                json_array_append_new(fa, finding_json(f));
            else if (fmt == FMT_SARIF) {
                size_t n;
                json_array_append_new(results, sarif_result(f, (size_t)(f->code - lint_codes(&n))));
            }
        }
        if (fmt == FMT_JSON) {
            json_t *fo = json_pack("{s:s,s:b,s:o}", "file", argv[i], "ok", !failed, "findings", fa);
            if (rep.compiled) {
                json_object_set_new(fo, "rules", json_integer(rep.nrules));
                json_object_set_new(fo, "states", json_integer(rep.nstates));
                json_t *rsa = json_array();
                for (size_t k = 0; k < rep.nrs; k++)
                    json_array_append_new(rsa, json_pack("{s:s,s:i,s:b}", "rule", rep.rs[k].rule, "states",
                                                         (json_int_t)rep.rs[k].states, "over_budget",
                                                         rep.rs[k].over_budget));
                json_object_set_new(fo, "rule_states", rsa);
            }
            json_array_append_new(files, fo);
        } else
            json_decref(fa);
        if (fmt == FMT_TEXT)
            print_text(&rep, error_on, se != 0);
        if (fmt == FMT_TEXT && rule_stats && rep.compiled) {
            printf("%s: states each rule adds alone (of %u):\n", argv[i], rep.nstates);
            for (size_t k = 0; k < rep.nrs; k++)
                if (rep.rs[k].over_budget)
                    printf("  %8s  %s\n", "> budget", rep.rs[k].rule);
                else
                    printf("  %8u  %s\n", rep.rs[k].states, rep.rs[k].rule);
        }
        else if (fmt == FMT_GITHUB)
            print_github(&rep);
        arena_release(&a);
    }
    json_t *doc = NULL;
    if (fmt == FMT_JSON)
        doc = json_pack("{s:i,s:o,s:{s:i,s:i,s:i,s:i}}", "version", 1, "files", files, "summary", "errors",
                        (json_int_t)total[LINT_ERROR], "warnings", (json_int_t)total[LINT_WARNING], "notes",
                        (json_int_t)total[LINT_NOTE], "suppressed", (json_int_t)nsup);
    else
        json_decref(files);
    if (fmt == FMT_SARIF) {
        doc = json_pack("{s:s,s:s,s:[{s:{s:o},s:o,s:s}]}", "$schema",
                        "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json", "version", "2.1.0", "runs", "tool",
                        "driver", sarif_driver(), "results", results, "columnKind", "unicodeCodePoints");
    } else
        json_decref(results);
    if (doc) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s) {
            fprintf(stderr, "%s lint: internal error: cannot serialize the report\n", cli_prog);
            json_decref(doc);
            return EXIT_SOFTWARE;
        }
        puts(s);
        free(s);
        json_decref(doc);
    }
    return rc;
}
