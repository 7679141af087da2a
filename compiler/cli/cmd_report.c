/* cmd_report.c — `cmdai-policyc report`: a framework's controls, the rules of
 * a bundle that implement them and the evidence of audit logs, as HTML or
 * JSON (docs/report.md).  compiler/report.c builds the model, report_html.c
 * renders it; this file parses options, writes the output and picks the exit
 * status. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "exitcodes.h"
#include "report.h"
#include "sig.h"

static void usage_report(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policyc report --framework SOC2|ISO27001|HIPAA|PCI-DSS [--format html|json]\n"
            "                            [-o FILE] [--key AUDIT.pub] [--since DATE] [--until DATE]\n"
            "                            [--recent N] [SOURCE OPTIONS] BUNDLE|TEMPLATE [AUDIT_LOG...]\n"
            "       cmdai-policyc report --framework FW --list-controls\n"
            "\n"
            "Map each control of the framework in scope (docs/compliance/FW.md) to the rules of\n"
            "the policy that implement it (their compliance tags) and to the evidence in the\n"
            "audit logs: decisions, denials, confirmations and warnings per control and per\n"
            "rule, decisions per day, gaps (controls with no rule, or no evidence in the\n"
            "period).  The logs' hash chain is verified first (as 'cmdai-policy audit verify');\n"
            "a trail that does not verify is reported as such and only its records before\n"
            "the first bad line are counted.\n"
            "\n"
            "  --framework FW     SOC2, ISO27001, HIPAA or PCI-DSS\n"
            "  --format FMT       html (standalone page, the default) or json (docs/report.md)\n"
            "  -o, --output FILE  write there (default: stdout)\n"
            "  --key PUB          audit public key: every checkpoint signature must verify\n"
            "  --since/--until D  count only records of days D (YYYY-MM-DD, UTC) on or after /\n"
            "                     on or before\n"
            "  --recent N         latest denials and confirmations listed (default 20)\n"
            "  --list-controls    print the controls in scope (id, evidence kind, title, what\n"
            "                     covers it; tab-separated) and stop\n"
            "source options (for a TEMPLATE; report reads cmdai.lock but never writes it):\n"
            CLI_SRC_HELP
            "\n"
            "Exit status: 0 report written; 65 report written but an audit trail does not\n"
            "verify (or a checkpoint is signed by another key); 77 report written but a\n"
            "checkpoint signature does not verify; 64 usage (unknown framework, bad date);\n"
            "66 a bundle, key or audit log cannot be read; 67 malformed bundle; 73 cannot\n"
            "write the output.\n");
}

static int is_date(const char *s)
{
    struct tm tm = {0};
    const char *e = strptime(s, "%Y-%m-%d", &tm);
    return e && !*e && strlen(s) == 10;
}

static int list_controls(const rpt_framework *fw)
{
    printf("# %s: %s (%zu controls in scope)\n", fw->id, fw->name, fw->ncontrols);
    for (size_t i = 0; i < fw->ncontrols; i++)
        printf("%s\t%s\t%s\t%s\n", fw->controls[i].id, rpt_kind_name(fw->controls[i].kind), fw->controls[i].title,
               fw->controls[i].covers);
    return 0;
}

int cmd_report(int argc, char **argv)
{
    static const struct option lo[] = {{"framework", required_argument, 0, 'F'},
                                       {"format", required_argument, 0, 'f'},
                                       {"output", required_argument, 0, 'o'},
                                       {"key", required_argument, 0, 'k'},
                                       {"since", required_argument, 0, 'S'},
                                       {"until", required_argument, 0, 'U'},
                                       {"recent", required_argument, 0, 'r'},
                                       {"list-controls", no_argument, 0, 'l'},
                                       {"help", no_argument, 0, 'h'},
                                       CLI_SRC_OPTIONS,
                                       {0, 0, 0, 0}};
    cli_src src = {0}; /* a template operand: --stdlib and registries (sources.c) */
    const char *fwname = NULL, *format = "html", *out = NULL, *key = NULL;
    rpt_opts o = {.recent = 20};
    int c, list = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
        case 'F': fwname = optarg; break;
        case 'f': format = optarg; break;
        case 'o': out = optarg; break;
        case 'k': key = optarg; break;
        case 'S':
        case 'U':
            if (!is_date(optarg)) {
                fprintf(stderr, "%s report: --%s takes a date YYYY-MM-DD\n", cli_prog, c == 'S' ? "since" : "until");
                return EXIT_USAGE;
            }
            *(c == 'S' ? &o.since : &o.until) = optarg;
            break;
        case 'r': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 10000) {
                fprintf(stderr, "%s report: --recent takes a number from 0 to 10000\n", cli_prog);
                return EXIT_USAGE;
            }
            o.recent = (size_t)v;
            break;
        }
        case 'l': list = 1; break;
        case 'h': usage_report(stdout); return 0;
        default:
            if (cli_src_opt(&src, c, optarg) == 1)
                break;
            usage_report(stderr);
            return EXIT_USAGE;
        }
    }
    if (!fwname) {
        fprintf(stderr, "%s report: --framework is required (SOC2, ISO27001, HIPAA or PCI-DSS)\n", cli_prog);
        return EXIT_USAGE;
    }
    if (!(o.fw = rpt_framework_find(fwname))) {
        fprintf(stderr, "%s report: unknown framework '%s' (SOC2, ISO27001, HIPAA or PCI-DSS)\n", cli_prog, fwname);
        return EXIT_USAGE;
    }
    if (list)
        return list_controls(o.fw);
    if (strcmp(format, "html") && strcmp(format, "json")) {
        fprintf(stderr, "%s report: --format takes html or json\n", cli_prog);
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "%s report: expected a bundle (or template) and audit logs\n", cli_prog);
        usage_report(stderr);
        return EXIT_USAGE;
    }
    if (o.since && o.until && strcmp(o.since, o.until) > 0) {
        fprintf(stderr, "%s report: --since is after --until\n", cli_prog);
        return EXIT_USAGE;
    }
    if (out && cli_check_output(out))
        return EXIT_CANTCREAT;
    cmdai_error err = {0};
    rt_pubkey pk;
    if (key && rt_pubkey_load(key, &pk, &err) != CMDAI_OK) {
        fprintf(stderr, "%s report: %s: %s\n", cli_prog, err.source, err.text);
        return exit_for_code(err.code);
    }
    o.bundle_path = argv[optind];
    cli_bundle cb;
    int rc = cli_load_source(o.bundle_path, &src, &cb);
    if (rc)
        return rc;
    o.b = &cb.b;
    o.logs = (const char **)argv + optind + 1;
    o.nlogs = (size_t)(argc - optind - 1);
    if (key) {
        o.pk = pk.pk;
        o.keyid = pk.keyid;
    }
    /* The time stamp: $SOURCE_DATE_EPOCH for reproducible reports, else now. */
    char gen[32];
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%dT%H:%M:%SZ", &tm);
    o.generated = gen;

    json_t *model = NULL;
    int brc = rpt_build(&o, &model, &err);
    if (brc != CMDAI_OK) {
        fprintf(stderr, "%s report: %s: %s\n", cli_prog, err.source[0] ? err.source : "report", err.text);
        cli_bundle_free(&cb);
        return brc == CMDAI_E_IO ? EXIT_NOINPUT : EXIT_SOFTWARE;
    }
    char *text;
    size_t len = 0;
    if (!strcmp(format, "json")) {
        text = json_dumps(model, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) {
            len = strlen(text);
            /* json_dumps has no final newline */
            char *t2 = realloc(text, len + 2);
            if (t2) {
                text = t2;
                text[len++] = '\n';
                text[len] = 0;
            }
        }
    } else {
        text = rpt_html(model, &len);
    }
    if (!text) {
        fprintf(stderr, "%s report: out of memory\n", cli_prog);
        json_decref(model);
        cli_bundle_free(&cb);
        return EXIT_SOFTWARE;
    }
    rc = 0;
    if (out) {
        diag d;
        diag_init(&d);
        if (emit_write_file(out, text, len, &d)) {
            cli_diag(&d);
            rc = EXIT_CANTCREAT;
        }
    } else if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "%s report: cannot write the output\n", cli_prog);
        rc = EXIT_CANTCREAT;
    }
    const json_t *audit = json_object_get(model, "audit");
    if (!rc && audit && !json_is_null(audit)) {
        if (!json_is_true(json_object_get(audit, "verified"))) {
            fprintf(stderr, "%s report: the audit trail does not verify: %s; %lld record(s) after it not counted\n",
                    cli_prog, json_string_value(json_object_get(audit, "error")),
                    (long long)json_integer_value(json_object_get(audit, "records_excluded")));
            rc = strcmp(json_string_value(json_object_get(audit, "signatures")), "failed") ? EXIT_DATAERR : EXIT_BADSIG;
        }
    }
    const json_t *sum = json_object_get(model, "summary"), *gaps = json_object_get(model, "gaps");
    if (out && !rc)
        fprintf(stderr, "%s report: %s, %lld of %lld controls implemented, %zu gap(s) -> %s\n", cli_prog,
                o.fw->id, (long long)json_integer_value(json_object_get(sum, "implemented")),
                (long long)json_integer_value(json_object_get(sum, "controls")),
                json_array_size(json_object_get(gaps, "no_rule")) + json_array_size(json_object_get(gaps, "no_evidence")),
                out);
    free(text);
    json_decref(model);
    cli_bundle_free(&cb);
    return rc;
}
