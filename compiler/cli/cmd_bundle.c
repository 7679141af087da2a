/* cmd_bundle.c — verbs around built bundles and keys: inspect, explain,
 * keygen, sign, verify. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "cli.h"
#include "exitcodes.h"
#include "shell.h"
#include "sig.h"
#include "sign.h"
#include "verdict_json.h"

static void usage_inspect(FILE *f)
{
    fprintf(f, "usage: cmdai-policyc inspect [--json] [SOURCE OPTIONS] BUNDLE.cpb|TEMPLATE\n"
               "\n"
               "Show a bundle's header, metadata, automaton size and rules.  The tables are\n"
               "range-checked; the signature is not (use 'verify' for that).  A TEMPLATE is\n"
               "compiled in memory first.\n"
               "\n"
               "source options (for a TEMPLATE; inspect reads cmdai.lock but never writes it):\n"
               CLI_SRC_HELP);
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option lo[] = {{"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, CLI_SRC_OPTIONS,
                                       {0, 0, 0, 0}};
    int json = 0, c;
    cli_src src = {0}; /* a template operand: --stdlib and registries (sources.c) */
    optind = 1;
    while ((c = getopt_long(argc, argv, "jh", lo, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'h') {
            usage_inspect(stdout);
            return 0;
        } else if (cli_src_opt(&src, c, optarg) != 1) {
            usage_inspect(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        usage_inspect(stderr);
        return EXIT_USAGE;
    }
    cli_bundle cb;
    int rc = cli_load_source(argv[optind], &src, &cb);
    if (rc)
        return rc;
    const struct cmdai_bundle *b = &cb.b;
    if (json) {
        json_t *o = json_object();
        json_error_t je;
        json_t *meta = json_loads(b->str + b->meta->json, 0, &je);
        json_object_set_new(o, "metadata", meta ? meta : json_null());
        json_object_set_new(o, "format", json_sprintf("%u.%u", b->h->major, b->h->minor));
        json_object_set_new(o, "serial", json_integer((json_int_t)b->h->serial));
        json_object_set_new(o, "created", json_integer(b->h->created));
        json_object_set_new(o, "expires", json_integer(b->h->expires));
        json_object_set_new(o, "bytes", json_integer((json_int_t)b->len));
        json_object_set_new(o, "states", json_integer(b->nstates));
        json_object_set_new(o, "classes", json_integer(b->nclasses));
        json_object_set_new(o, "transitions", json_integer(b->ncomb));
        json_object_set_new(o, "records", json_integer(b->nrecs));
        json_t *rules = json_array();
        for (uint32_t i = 0; i < b->nrules; i++) {
            const cpb_rule *r = &b->rules[i];
            json_t *x = json_object(), *cp = json_array();
            json_object_set_new(x, "id", json_string(b->str + r->id));
            json_object_set_new(x, "action", json_string(cmdai_action_name((cmdai_action)r->action)));
            json_object_set_new(x, "risk", json_string(cmdai_risk_name((cmdai_risk)r->risk)));
            json_object_set_new(x, "match", json_string(b->str + r->match));
            json_object_set_new(x, "message", json_string(b->str + r->message));
            for (unsigned k = 0; k < r->ncompliance; k++)
                json_array_append_new(cp, json_string(b->str + b->comp[r->compliance_first + k]));
            json_object_set_new(x, "compliance", cp);
            json_array_append_new(rules, x);
        }
        json_object_set_new(o, "rules", rules);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
        puts(s ? s : "{}");
        free(s);
        json_decref(o);
    } else {
        printf("bundle      %s\n", argv[optind]);
        printf("format      %u.%u\n", b->h->major, b->h->minor);
        printf("template    %s %s (scope %s)\n", b->str + b->meta->name, b->str + b->meta->version,
               b->str + b->meta->scope);
        printf("serial      %llu\n", (unsigned long long)b->h->serial);
        printf("created     %lld\n", (long long)b->h->created);
        if (b->h->expires)
            printf("expires     %lld\n", (long long)b->h->expires);
        else
            printf("expires     never\n");
        printf("defaults    default=%s dynamic=%s%s%s\n", cmdai_action_name((cmdai_action)b->meta->default_action),
               cmdai_action_name((cmdai_action)b->meta->dynamic_action), b->meta->has_tools ? " tools.default=" : "",
               b->meta->has_tools ? cmdai_action_name((cmdai_action)b->meta->tools_default) : "");
        printf("automaton   %u states, %u byte classes, %u transition slots, %u decision records\n", b->nstates,
               b->nclasses, b->ncomb, b->nrecs);
        printf("size        %zu bytes, %.0f bytes/rule\n", b->len, b->nrules ? (double)b->len / b->nrules : 0.0);
        printf("metadata    %s\n", b->str + b->meta->json);
        printf("rules       %u\n", b->nrules);
        for (uint32_t i = 0; i < b->nrules; i++) {
            const cpb_rule *r = &b->rules[i];
            printf("  %-40s %-7s %-8s %s\n", b->str + r->id, cmdai_action_name((cmdai_action)r->action),
                   cmdai_risk_name((cmdai_risk)r->risk), b->str + r->match);
        }
    }
    cli_bundle_free(&cb);
    return 0;
}

typedef struct explain_ctx {
    const struct cmdai_bundle *b;
} explain_ctx;

static void explain_stage(void *ctx, unsigned stage, const cpb_record *r)
{
    const explain_ctx *x = ctx;
    printf("    stage %u: %s", stage + 1, cmdai_action_name((cmdai_action)r->action));
    json_t *rs = vj_reasons(r->reason);
    for (size_t i = 0; i < json_array_size(rs); i++)
        printf("%s%s", i ? "," : " (", json_string_value(json_array_get(rs, i)));
    printf(")\n");
    json_decref(rs);
    for (uint32_t i = 0; i < r->n; i++) {
        const cpb_rule *ru = &x->b->rules[x->b->recrules[r->first + i]];
        printf("      %-7s %s: %s\n", cmdai_action_name((cmdai_action)ru->action), x->b->str + ru->id,
               x->b->str + ru->message);
    }
}

static void usage_explain(FILE *f)
{
    fprintf(f, "usage: cmdai-policyc explain [SOURCE OPTIONS] TEMPLATE|BUNDLE.cpb -- COMMAND...\n"
               "\n"
               "Show the canonical form of each simple command, the decision of each and the\n"
               "rules behind it, then the overall verdict.  Exit status as for\n"
               "'cmdai-policy check' (0 allow, 10 warn, 20 confirm, 30 deny); a TEMPLATE that\n"
               "does not load exits as for build (65, 66, 77, 78, ...).\n"
               "\n"
               "source options (for a TEMPLATE; explain reads cmdai.lock but never writes it):\n"
               CLI_SRC_HELP);
}

int cmd_explain(int argc, char **argv)
{
    static const struct option lo[] = {{"help", no_argument, 0, 'h'}, CLI_SRC_OPTIONS, {0, 0, 0, 0}};
    cli_src src = {0}; /* a template operand: --stdlib and registries (sources.c) */
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        if (cli_src_opt(&src, c, optarg) == 1)
            continue;
        if (c == 'h') {
            usage_explain(stdout);
            return 0;
        } else {
            usage_explain(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind + 2 > argc) {
        usage_explain(stderr);
        return EXIT_USAGE;
    }
    const char *path = argv[optind++];
    if (optind < argc && !strcmp(argv[optind], "--"))
        optind++;
    size_t o;
    char *cmd = vj_join_words(argc - optind, argv + optind, &o);
    cli_bundle cb;
    int rc = cli_load_source(path, &src, &cb);
    if (rc) {
        free(cmd);
        return rc;
    }
    rt_norm *n = malloc(sizeof *n);
    if (!n)
        abort();
    int e = rt_norm_run(n, cmd, o);
    printf("command: %s\n", cmd);
    if (e != CMDAI_OK)
        printf("normalizer: %s at byte %zu (the verdict fails closed)\n", cmdai_code_name(e), n->err_offset);
    size_t from = 0;
    explain_ctx x = {&cb.b};
    for (uint32_t u = 0; u < n->nunits; u++) {
        char buf[8192];
        rt_norm_render(n, u, buf, sizeof buf);
        printf("  unit %u: %s\n", u + 1, buf);
        rt_explain_unit(&cb.b, n->buf + from, n->unit_end[u] - from, explain_stage, &x);
        from = n->unit_end[u];
    }
    cmdai_verdict v;
    cmdai_eval(&cb.b, cmd, o, &v);
    printf("verdict: %s (risk %s)%s%s\n", cmdai_action_name(v.action), cmdai_risk_name(v.risk),
           v.message ? " — " : "", v.message ? v.message : "");
    free(n);
    free(cmd);
    cli_bundle_free(&cb);
    return (int)v.action * EXIT_VERDICT_STEP;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option lo[] = {{"pub", required_argument, 0, 'p'},
                                       {"sec", required_argument, 0, 's'},
                                       {"force", no_argument, 0, 'f'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *pub = "cmdai.pub", *sec = "cmdai.key";
    int force = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:s:fh", lo, NULL)) != -1) {
        switch (c) {
        case 'p': pub = optarg; break;
        case 's': sec = optarg; break;
        case 'f': force = 1; break;
        case 'h':
            printf("usage: cmdai-policyc keygen [-p PUB] [-s SECKEY] [--force]\n\n"
                   "Create an Ed25519 key pair in minisign's formats (the secret key is not\n"
                   "password-protected; keep it private).  Defaults: cmdai.pub, cmdai.key.\n");
            return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "%s keygen: unexpected argument '%s'\n", cli_prog, argv[optind]);
        return EXIT_USAGE;
    }
    if (cli_check_output(pub) || cli_check_output(sec))
        return EXIT_CANTCREAT;
    diag d;
    diag_init(&d);
    if (sign_keygen(sec, pub, force, &d)) {
        cli_diag(&d);
        return d.code == CMDAI_E_IO ? EXIT_CANTCREAT : cli_exit(&d);
    }
    printf("public key: %s\nsecret key: %s\n", pub, sec);
    return 0;
}

int cmd_sign(int argc, char **argv)
{
    static const struct option lo[] = {{"sec", required_argument, 0, 's'},
                                       {"comment", required_argument, 0, 't'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *sec = "cmdai.key", *comment = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "s:t:h", lo, NULL)) != -1) {
        switch (c) {
        case 's': sec = optarg; break;
        case 't': comment = optarg; break;
        case 'h':
            printf("usage: cmdai-policyc sign [-s SECKEY] [-t TRUSTED-COMMENT] BUNDLE\n\n"
                   "Write BUNDLE.minisig: Ed25519 over BLAKE2b-512 of the file, minisign's format\n"
                   "(`minisign -Vm BUNDLE -p PUB` verifies it).\n");
            return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s sign: expected one file\n", cli_prog);
        return EXIT_USAGE;
    }
    diag d;
    diag_init(&d);
    if (sign_file(sec, argv[optind], NULL, comment, &d)) {
        cli_diag(&d);
        return cli_exit(&d);
    }
    printf("signed %s.minisig\n", argv[optind]);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option lo[] = {{"pub", required_argument, 0, 'p'},
                                       {"trust", required_argument, 0, 'p'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    cmdai_open_opts oo = {.flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "p:h", lo, NULL)) != -1) {
        switch (c) {
        case 'p': oo.trust = optarg; break;
        case 'h':
            printf("usage: cmdai-policyc verify [-p PUB|--trust DIR] BUNDLE\n\n"
                   "Verify BUNDLE.minisig against the trusted key(s), then every table of the\n"
                   "bundle and its expiry, exactly as the runtime does at load (the anti-rollback\n"
                   "state is neither read nor written).\n");
            return 0;
        default: return EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "%s verify: expected one bundle\n", cli_prog);
        return EXIT_USAGE;
    }
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open(argv[optind], &oo, &err);
    if (!b) {
        fprintf(stderr, "%s: %s: %s (%s)\n", cli_prog, err.source, err.text, cmdai_code_name(err.code));
        return exit_for_code(err.code);
    }
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(b, &bi);
    printf("verified %s: %s %s serial %llu, key %s, %u rules\n", argv[optind], bi.name, bi.version,
           (unsigned long long)bi.serial, bi.key_id, bi.nrules);
    cmdai_close(b);
    return 0;
}
