/* audit_cli.c — `cmdai-policy audit`: verify a trail (runtime/audit_verify.c),
 * export it to SIEM shapes (jansson; mappings in docs/siem.md) and record one
 * in-process decision (the fallback when cmdai-policyd is not running).
 * Prints and exits; the library does the proving. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_cli.h"
#include "cmdai/policy.h"
#include "exitcodes.h"
#include "sig.h"
#include "verdict_json.h"

static const char *prog = "cmdai-policy audit";

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policy audit verify [--key PUB] [--sealed] [--quiet] FILE...\n"
            "       cmdai-policy audit export --format ecs|ocsf|splunk-hec|datadog|syslog [--checkpoints] FILE...\n"
            "       cmdai-policy audit record --log FILE [--key SECKEY] [--bundle F] [--trust T] [--state DIR]\n"
            "                                 [--session S] [--shell SH] [--agent A] [--cwd DIR] -- COMMAND...\n"
            "\n"
            "verify   prove the hash chain and (with --key, the audit public key) every checkpoint\n"
            "         signature across the files (rotated files are put in chain order); reports\n"
            "         the first bad record as FILE:LINE.  --sealed also fails when the trail does\n"
            "         not end with the writer's closing checkpoint (truncation after it).\n"
            "export   one JSON object (or RFC 5424 line) per decision record on stdout\n"
            "record   decide in process and append the decision to the log, durably\n"
            "\n"
            "exit status: 0 ok (record: the verdict, 0/10/20/30), 65 the trail does not verify or\n"
            "is not an audit trail, 64 usage, 66 cannot open, 77 bad checkpoint signature.\n");
}

/* ---- verify ---------------------------------------------------------------- */

static int cmd_verify(int argc, char **argv)
{
    static const struct option lo[] = {{"key", required_argument, 0, 'k'},
                                       {"sealed", no_argument, 0, 'S'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *key = NULL;
    int sealed = 0, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "k:Sqh", lo, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'S': sealed = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s verify: no files given\n", prog);
        return EXIT_USAGE;
    }
    cmdai_error err = {0};
    rt_pubkey pk;
    if (key && rt_pubkey_load(key, &pk, &err) != CMDAI_OK) {
        fprintf(stderr, "%s verify: %s: %s\n", prog, err.source, err.text);
        return exit_for_code(err.code);
    }
    size_t n = (size_t)(argc - optind);
    const char **files = malloc(n * sizeof *files);
    if (!files)
        return EXIT_SOFTWARE;
    for (size_t i = 0; i < n; i++)
        files[i] = argv[optind + (int)i];
    rt_audit_sort_files(files, n);
    rt_audit_report rep;
    int rc = rt_audit_verify(files, n, key ? pk.pk : NULL, key ? pk.keyid : NULL, &rep, &err);
    free(files);
    if (rc != CMDAI_OK) {
        if (err.line > 0)
            fprintf(stderr, "%s:%d: %s\n", err.source, err.line, err.text);
        else
            fprintf(stderr, "%s: %s\n", err.source, err.text);
        return rc == CMDAI_E_IO ? EXIT_NOINPUT : rc == CMDAI_E_SIGNATURE ? EXIT_BADSIG : EXIT_DATAERR;
    }
    if (!quiet) {
        printf("ok: %" PRIu64 " decision records, %" PRIu64 " checkpoints (seq %" PRIu64 "..%" PRIu64 ")", rep.records,
               rep.checkpoints, rep.first_seq, rep.last_seq);
        if (key)
            printf(", %" PRIu64 " signatures verified", rep.signed_ok);
        else
            printf(", signatures NOT checked (no --key)");
        printf("\nhead %s\n", rep.head);
        if (rep.first_seq > 0)
            printf("note: the chain starts at seq %" PRIu64 " (earlier rotated files not given)\n", rep.first_seq);
        if (rep.unsealed)
            printf("note: %" PRIu64 " record(s) after the last checkpoint are chained but not yet signed\n",
                   rep.unsealed);
        if (!rep.sealed)
            printf("note: the trail does not end with a closing checkpoint (writer running, or it crashed)\n");
    }
    if (sealed && !rep.sealed) {
        fprintf(stderr, "%s verify: not sealed: the last record is not a closing checkpoint (truncated?)\n", prog);
        return EXIT_DATAERR;
    }
    return 0;
}

/* ---- export ---------------------------------------------------------------- */

static const char *sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void set_if(json_t *o, const char *k, json_t *v)
{
    if (v && !json_is_null(v))
        json_object_set(o, k, v);
}

static int64_t epoch_ms(const char *t)
{
    struct tm tm = {0};
    int ms = 0;
    if (!t || sscanf(t, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec, &ms) != 7)
        return 0;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm) * 1000 + ms;
}

static int risk_rank(const char *r)
{
    static const char *const names[] = {"none", "low", "moderate", "high", "critical"};
    for (int i = 0; r && i < 5; i++)
        if (!strcmp(r, names[i]))
            return i;
    return 0;
}

static json_t *first_rule(json_t *rec)
{
    json_t *r = json_array_get(json_object_get(rec, "rules"), 0);
    return r ? r : json_null();
}

static json_t *to_ecs(json_t *r)
{
    const char *action = sget(r, "action");
    json_t *o = json_object(), *ev = json_object(), *user = json_object(), *proc = json_object(),
           *host = json_object(), *rule = json_object(), *cm = json_object();
    json_object_set(o, "@timestamp", json_object_get(r, "time"));
    json_object_set_new(ev, "kind", json_string("event"));
    json_object_set_new(ev, "category", json_pack("[s]", "process"));
    json_object_set_new(ev, "type", json_pack("[s]", action && !strcmp(action, "deny") ? "denied" : "allowed"));
    json_object_set_new(ev, "action", json_string("command-decision"));
    json_object_set_new(ev, "outcome", json_string(action && !strcmp(action, "deny") ? "failure" : "success"));
    json_object_set_new(ev, "module", json_string("cmdai"));
    json_object_set_new(ev, "dataset", json_string("cmdai.audit"));
    json_object_set_new(ev, "risk_score", json_integer(25 * risk_rank(sget(r, "risk"))));
    set_if(ev, "sequence", json_object_get(r, "seq"));
    json_object_set_new(ev, "hash", json_string(sget(r, "hash") ? sget(r, "hash") : ""));
    json_object_set_new(o, "event", ev);
    set_if(user, "name", json_object_get(r, "user"));
    if (json_is_integer(json_object_get(r, "uid")))
        json_object_set_new(user, "id", json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(r, "uid"))));
    json_object_set_new(o, "user", user);
    if (json_is_integer(json_object_get(r, "gid")))
        json_object_set_new(o, "group", json_pack("{s:o}", "id", json_sprintf("%" JSON_INTEGER_FORMAT,
                                                   json_integer_value(json_object_get(r, "gid")))));
    set_if(proc, "command_line", json_object_get(r, "command"));
    set_if(proc, "working_directory", json_object_get(r, "cwd"));
    set_if(proc, "pid", json_object_get(r, "pid"));
    json_object_set_new(o, "process", proc);
    set_if(host, "hostname", json_object_get(r, "host"));
    json_object_set_new(o, "host", host);
    set_if(rule, "name", first_rule(r));
    json_t *b = json_object_get(r, "bundle");
    set_if(rule, "ruleset", json_object_get(b, "name"));
    set_if(rule, "version", json_object_get(b, "version"));
    json_object_set_new(o, "rule", rule);
    set_if(o, "message", json_object_get(r, "message"));
    json_object_set(cm, "action", json_object_get(r, "action"));
    json_object_set(cm, "risk", json_object_get(r, "risk"));
    json_object_set(cm, "rules", json_object_get(r, "rules"));
    set_if(cm, "session", json_object_get(r, "session"));
    set_if(cm, "shell", json_object_get(r, "shell"));
    set_if(cm, "agent", json_object_get(r, "agent"));
    set_if(cm, "source", json_object_get(r, "source"));
    set_if(cm, "bundle", b);
    set_if(cm, "error", json_object_get(r, "error"));
    json_object_set_new(o, "cmdai", cm);
    return o;
}

static json_t *to_ocsf(json_t *r)
{
    const char *action = sget(r, "action");
    int deny = action && !strcmp(action, "deny");
    json_t *o = json_object();
    json_object_set_new(o, "class_uid", json_integer(1007)); /* Process Activity */
    json_object_set_new(o, "class_name", json_string("Process Activity"));
    json_object_set_new(o, "category_uid", json_integer(1)); /* System Activity */
    json_object_set_new(o, "activity_id", json_integer(1));  /* Launch */
    json_object_set_new(o, "type_uid", json_integer(100701));
    json_object_set_new(o, "time", json_integer(epoch_ms(sget(r, "time"))));
    json_object_set_new(o, "severity_id", json_integer(1 + risk_rank(sget(r, "risk"))));
    json_object_set_new(o, "action_id", json_integer(deny ? 2 : 1)); /* Denied / Allowed */
    json_object_set_new(o, "action", json_string(deny ? "Denied" : "Allowed"));
    json_object_set_new(o, "disposition_id", json_integer(deny ? 2 : 1)); /* Blocked / Allowed */
    json_object_set_new(o, "status_id", json_integer(deny ? 2 : 1));       /* Failure / Success */
    set_if(o, "message", json_object_get(r, "message"));
    json_t *user = json_object();
    set_if(user, "name", json_object_get(r, "user"));
    if (json_is_integer(json_object_get(r, "uid")))
        json_object_set_new(user, "uid", json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(r, "uid"))));
    json_t *actor = json_pack("{s:o}", "user", user);
    if (sget(r, "session"))
        json_object_set_new(actor, "session", json_pack("{s:O}", "uid", json_object_get(r, "session")));
    json_object_set_new(o, "actor", actor);
    json_t *proc = json_object();
    set_if(proc, "cmd_line", json_object_get(r, "command"));
    set_if(proc, "pid", json_object_get(r, "pid"));
    set_if(proc, "working_directory", json_object_get(r, "cwd"));
    json_object_set_new(o, "process", proc);
    json_object_set_new(o, "device", json_pack("{s:O,s:i}", "hostname", json_object_get(r, "host"), "type_id", 0));
    json_object_set_new(o, "metadata",
                        json_pack("{s:s,s:{s:s,s:s,s:s},s:O,s:O}", "version", "1.1.0", "product", "name",
                                  "cmdai-policy", "vendor_name", "cmdai", "version", CMDAI_VERSION, "sequence",
                                  json_object_get(r, "seq"), "uid", json_object_get(r, "hash")));
    json_object_set_new(o, "unmapped",
                        json_pack("{s:O,s:O,s:O,s:O,s:O,s:O}", "cmdai_action", json_object_get(r, "action"),
                                  "cmdai_risk", json_object_get(r, "risk"), "cmdai_rules", json_object_get(r, "rules"),
                                  "shell", json_object_get(r, "shell"), "agent", json_object_get(r, "agent"), "bundle",
                                  json_object_get(r, "bundle")));
    return o;
}

json_t *audit_to_splunk_hec(json_t *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "time", json_real((double)epoch_ms(sget(r, "time")) / 1000.0));
    set_if(o, "host", json_object_get(r, "host"));
    json_object_set_new(o, "source", json_string("cmdai-policy"));
    json_object_set_new(o, "sourcetype", json_string("cmdai:audit"));
    json_object_set(o, "event", r);
    return o;
}

json_t *audit_to_datadog(json_t *r)
{
    const char *action = sget(r, "action") ? sget(r, "action") : "unknown";
    json_t *b = json_object_get(r, "bundle");
    const char *bn = json_string_value(json_object_get(b, "name"));
    json_t *o = json_object();
    json_object_set_new(o, "ddsource", json_string("cmdai-policy"));
    json_object_set_new(o, "service", json_string("cmdai-policyd"));
    set_if(o, "hostname", json_object_get(r, "host"));
    json_object_set_new(o, "ddtags", json_sprintf("action:%s,risk:%s,bundle:%s", action,
                                                  sget(r, "risk") ? sget(r, "risk") : "none", bn ? bn : "none"));
    json_object_set_new(o, "status", json_string(!strcmp(action, "deny")      ? "error"
                                                 : !strcmp(action, "allow") ? "info"
                                                                            : "warn"));
    json_object_set_new(o, "timestamp", json_integer(epoch_ms(sget(r, "time"))));
    json_object_set_new(o, "message", json_sprintf("%s: %s", action, sget(r, "command") ? sget(r, "command") : ""));
    json_object_set(o, "cmdai", r);
    return o;
}

/* RFC 5424 SD-PARAM value: escape '"', '\' and ']'. */
static void sd_param(FILE *f, const char *name, const char *v)
{
    if (!v)
        return;
    fprintf(f, " %s=\"", name);
    for (; *v; v++) {
        if (*v == '"' || *v == '\\' || *v == ']')
            fputc('\\', f);
        fputc(*v, f);
    }
    fputc('"', f);
}

static void to_syslog(FILE *f, json_t *r)
{
    const char *action = sget(r, "action") ? sget(r, "action") : "";
    /* facility authpriv (10); deny -> warning (4), warn/confirm -> notice (5), allow -> info (6) */
    int sev = !strcmp(action, "deny") ? 4 : !strcmp(action, "allow") ? 6 : 5;
    const char *host = sget(r, "host");
    char num[32];
    fprintf(f, "<%d>1 %s %s cmdai-policy - decision [cmdai@32473", 10 * 8 + sev, sget(r, "time") ? sget(r, "time") : "-",
            host && *host ? host : "-");
    snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(r, "seq")));
    sd_param(f, "seq", num);
    sd_param(f, "action", action);
    sd_param(f, "risk", sget(r, "risk"));
    sd_param(f, "user", sget(r, "user"));
    if (json_is_integer(json_object_get(r, "uid"))) {
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(json_object_get(r, "uid")));
        sd_param(f, "uid", num);
    }
    json_t *rules = json_object_get(r, "rules");
    if (json_array_size(rules)) {
        char *s = json_dumps(rules, JSON_COMPACT);
        sd_param(f, "rules", s);
        free(s);
    }
    sd_param(f, "session", sget(r, "session"));
    sd_param(f, "cwd", sget(r, "cwd"));
    sd_param(f, "bundle", json_string_value(json_object_get(json_object_get(r, "bundle"), "name")));
    sd_param(f, "hash", sget(r, "hash"));
    /* MSG: the (already redacted) command, with BOM-less UTF-8 and no newline */
    fprintf(f, "] ");
    for (const char *c = sget(r, "command") ? sget(r, "command") : ""; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, f);
    fputc('\n', f);
}

char *audit_to_syslog(json_t *rec)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f)
        return NULL;
    to_syslog(f, rec);
    if (fclose(f) != 0) {
        free(p);
        return NULL;
    }
    if (n && p[n - 1] == '\n')
        p[n - 1] = '\0';
    return p;
}

static int cmd_export(int argc, char **argv)
{
    static const struct option lo[] = {{"format", required_argument, 0, 'f'},
                                       {"checkpoints", no_argument, 0, 'c'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *fmt = NULL;
    int ckpts = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:ch", lo, NULL)) != -1) {
        switch (c) {
        case 'f': fmt = optarg; break;
        case 'c': ckpts = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    static const char *const fmts[] = {"ecs", "ocsf", "splunk-hec", "datadog", "syslog"};
    int which = -1;
    for (int i = 0; fmt && i < 5; i++)
        if (!strcmp(fmt, fmts[i]))
            which = i;
    if (which < 0 || optind >= argc) {
        fprintf(stderr, "%s export: %s\n", prog, which < 0 ? "--format ecs|ocsf|splunk-hec|datadog|syslog is required" : "no files given");
        return EXIT_USAGE;
    }
    int rc = 0;
    for (int a = optind; a < argc && !rc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            fprintf(stderr, "%s export: %s: %s\n", prog, argv[a], strerror(errno));
            return EXIT_NOINPUT;
        }
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        long lineno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
            lineno++;
            json_error_t je;
            json_t *r = json_loadb(line, (size_t)n, 0, &je);
            if (!json_is_object(r)) {
                fprintf(stderr, "%s:%ld: not a JSON record: %s\n", argv[a], lineno, je.text);
                json_decref(r);
                rc = EXIT_DATAERR;
                break;
            }
            const char *type = sget(r, "type");
            if (!type || (strcmp(type, "decision") && !ckpts)) {
                json_decref(r);
                continue;
            }
            if (which == 4) {
                to_syslog(stdout, r);
            } else {
                json_t *o = which == 0 ? to_ecs(r) : which == 1 ? to_ocsf(r) : which == 2 ? audit_to_splunk_hec(r) : audit_to_datadog(r);
                char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
                puts(s ? s : "{}");
                free(s);
                json_decref(o);
            }
            json_decref(r);
        }
        free(line);
        fclose(f);
    }
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s export: cannot write output: %s\n", prog, strerror(errno));
        return EXIT_CANTCREAT;
    }
    return rc;
}

/* ---- record ---------------------------------------------------------------- */

static int cmd_record(int argc, char **argv)
{
    static const struct option lo[] = {
        {"log", required_argument, 0, 'l'},     {"key", required_argument, 0, 'k'},
        {"bundle", required_argument, 0, 'b'},  {"trust", required_argument, 0, 't'},
        {"state", required_argument, 0, 's'},   {"session", required_argument, 0, 'S'},
        {"shell", required_argument, 0, 'H'},   {"agent", required_argument, 0, 'A'},
        {"cwd", required_argument, 0, 'C'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    rt_audit_opts ao = {0};
    rt_audit_event ev = {0};
    cmdai_open_opts oo = {0};
    const char *bundle = getenv("CMDAI_POLICY_BUNDLE");
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+l:k:b:t:s:S:H:A:C:h", lo, NULL)) != -1) {
        switch (c) {
        case 'l': ao.path = optarg; break;
        case 'k': ao.key_path = optarg; break;
        case 'b': bundle = optarg; break;
        case 't': oo.trust = optarg; break;
        case 's': oo.state_dir = optarg; break;
        case 'S': ev.session = optarg; break;
        case 'H': ev.shell = optarg; break;
        case 'A': ev.agent = optarg; break;
        case 'C': ev.cwd = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (!ao.path || !bundle || optind >= argc) {
        fprintf(stderr, "%s record: --log, a bundle (--bundle or $CMDAI_POLICY_BUNDLE) and a command are required\n",
                prog);
        return EXIT_USAGE;
    }
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open(bundle, &oo, &err);
    if (!b) {
        fprintf(stderr, "%s: %s: %s\n", prog, err.source, err.text);
        return exit_for_code(err.code);
    }
    size_t len;
    char *cmd = vj_join_words(argc - optind, argv + optind, &len);
    cmdai_verdict v;
    int e = cmdai_eval(b, cmd, len, &v);
    char cwd[4096];
    if (!ev.cwd && getcwd(cwd, sizeof cwd))
        ev.cwd = cwd;
    struct passwd *pw = getpwuid(getuid());
    ev.uid = (long)getuid();
    ev.gid = (long)getgid();
    ev.pid = (long)getppid(); /* the shell or agent that asked */
    ev.user = pw ? pw->pw_name : NULL;
    ev.source = "cli";
    ev.cmd = cmd;
    ev.cmd_len = len;
    ev.bundle = b;
    ev.verdict = &v;
    ev.eval_rc = e;
    int rc;
    rt_audit *a = rt_audit_open(&ao, &err);
    if (!a || rt_audit_log(a, &ev, &err) != CMDAI_OK) {
        fprintf(stderr, "%s record: %s: %s\n", prog, err.source, err.text);
        rc = EXIT_CANTCREAT;
        /* fail closed: a decision that could not be recorded is not acknowledged */
    } else {
        rc = e != CMDAI_OK ? EXIT_DATAERR : (int)v.action * EXIT_VERDICT_STEP;
        printf("%s\n", cmdai_action_name(v.action));
    }
    if (a && rt_audit_close(a, &err) != CMDAI_OK && rc < EXIT_USAGE) {
        fprintf(stderr, "%s record: %s: %s\n", prog, err.source, err.text);
        rc = EXIT_CANTCREAT;
    }
    free(cmd);
    cmdai_close(b);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "verify"))
        return cmd_verify(argc - 1, argv + 1);
    if (!strcmp(argv[1], "export"))
        return cmd_export(argc - 1, argv + 1);
    if (!strcmp(argv[1], "record"))
        return cmd_record(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown subcommand '%s'\n", prog, argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
