/* main.c — the `cmdai-policy` command: runtime verbs.  This file and its
 * siblings in runtime/cli are the only runtime code that prints or exits.
 *   cmdai-policy check [--bundle F] [--trust T] [--state DIR] [--json] -- CMD...
 *   cmdai-policy check ... --batch      (stdin lines -> JSON lines)
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdai/policy.h"
#include "audit_cli.h"
#include "exitcodes.h"
#include "hook.h"
#include "hook_client.h"
#include "verdict_json.h"

static const char *prog = "cmdai-policy";

static void usage_main(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policy <verb> [options]\n"
            "\n"
            "verbs:\n"
            "  check     decide on a command line (or many, with --batch)\n"
            "  hook      print the init snippet for bash, zsh, fish or pwsh (docs/hooks.md)\n"
            "  agent-hook  answer a coding agent's pre-tool hook: claude, gemini, copilot, cursor\n"
            "  audit     verify, export or record the tamper-evident audit trail (docs/audit.md)\n"
            "  version   print the version\n"
            "\n"
            "Run 'cmdai-policy <verb> --help' for the options of a verb.\n");
}

static void usage_check(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policy check [--bundle FILE] [--trust FILE|DIR] [--state DIR] [--json] [--no-daemon] -- COMMAND...\n"
            "       cmdai-policy check [--bundle FILE] [--trust FILE|DIR] [--state DIR] --batch < commands.txt\n"
            "\n"
            "Decide allow / warn / confirm / deny for a shell command line with a signed\n"
            "policy bundle.  The words after -- are joined with spaces into one command line.\n"
            "\n"
            "  --bundle FILE   bundle to use (default: $CMDAI_POLICY_BUNDLE, ~/.config/cmdai/policy.cpb,\n"
            "                  /etc/cmdai/policy.cpb); its signature is FILE.minisig\n"
            "  --trust PATH    trusted minisign public key, or a directory of *.pub\n"
            "                  (default: $CMDAI_POLICY_TRUST, /etc/cmdai/trusted.d)\n"
            "  --state DIR     anti-rollback state directory (default: $CMDAI_POLICY_STATE, then\n"
            "                  /var/lib/cmdai as root or ~/.local/state/cmdai)\n"
            "  --json          print the verdict as one JSON object\n"
            "  --batch         read one command per line on stdin, print one JSON verdict per line\n"
            "  --no-daemon     decide in process even when cmdai-policyd is running.  Otherwise a\n"
            "                  single command goes to the daemon ($CMDAI_POLICYD_SOCKET, or the default\n"
            "                  socket when no bundle, trust or state was chosen), which decides with\n"
            "                  its verified bundle and records the decision (docs/daemon.md)\n"
            "\n"
            "exit status: 0 allow, 10 warn, 20 confirm, 30 deny (with --batch: 0 when every line was\n"
            "decided, 65 when one could not be analysed); 64 usage, 65 bad input (command too long,\n"
            "too deep, too complex), 66 cannot open, 67 malformed bundle, 68 format too new,\n"
            "77 bad signature, 78 unknown key or no trust, 79 expired, 80 rolled back.\n");
}

static void print_text(const cmdai_bundle *b, const cmdai_verdict *v)
{
    printf("%s", cmdai_action_name(v->action));
    if (v->risk)
        printf(" (risk %s)", cmdai_risk_name(v->risk));
    unsigned n = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0; i < n; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(b, v->rules[i], &ri) == CMDAI_OK)
            printf("%s%s", i ? ", " : ": ", ri.id);
    }
    if (v->message && *v->message)
        printf(" — %s", v->message);
    printf("\n");
}

static int check_batch(const cmdai_bundle *b)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0, bad = 0;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        size_t len = (size_t)n;
        if (len && line[len - 1] == '\n')
            len--;
        if (len && line[len - 1] == '\r')
            len--;
        cmdai_verdict v;
        int e = cmdai_eval(b, line, len, &v);
        if (e != CMDAI_OK)
            bad = 1; /* printed as a fail-closed deny; the run exits 65 */
        json_t *o = vj_verdict(b, &v, e);
        json_object_set_new(o, "command", vj_string(line, len > 4096 ? 4096 : len));
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        json_decref(o);
        if (!s || puts(s) == EOF) {
            free(s);
            rc = EXIT_CANTCREAT;
            break;
        }
        free(s);
    }
    free(line);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: cannot write output: %s\n", prog, strerror(errno));
        return EXIT_CANTCREAT;
    }
    return rc ? rc : bad ? EXIT_DATAERR : 0;
}

/* One command decided by cmdai-policyd over fd: printed as in process, the
 * same exit status.  -1: the daemon did not answer (decide in process). */
static int check_daemon(int fd, int n, char **words, int json)
{
    size_t len;
    char *cmd = vj_join_words(n, words, &len);
    hc_answer a;
    int r = hc_ask(fd, cmd, len, NULL, NULL, NULL, &a);
    free(cmd);
    if (r != 0)
        return -1;
    if (json) {
        json_object_del(a.json, "id");
        if (!json_object_get(a.json, "action")) /* the daemon refused to decide */
            json_object_set_new(a.json, "action", json_string("deny"));
        json_object_set_new(a.json, "decided_by", json_string("cmdai-policyd"));
        char *s = json_dumps(a.json, JSON_COMPACT | JSON_ENSURE_ASCII);
        puts(s ? s : "{}");
        free(s);
    } else {
        /* check's text form: an error line on stderr, the verdict on stdout */
        const char *t = a.text, *semi = strstr(t, "refusing (fail closed); ");
        if (semi) {
            fprintf(stderr, "%.*s\n", (int)(semi - t) + 22, t);
            t = semi + 24;
        } else if (a.status == EXIT_DATAERR) {
            fprintf(stderr, "%s\n", t);
            t = "deny";
        }
        printf("%s\n", t);
    }
    hc_answer_release(&a);
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write output: %s\n", prog, strerror(errno));
        return EXIT_CANTCREAT;
    }
    return a.status;
}

static int cmd_check(int argc, char **argv)
{
    static const struct option lo[] = {{"bundle", required_argument, 0, 'b'},
                                       {"trust", required_argument, 0, 't'},
                                       {"state", required_argument, 0, 's'},
                                       {"json", no_argument, 0, 'j'},
                                       {"batch", no_argument, 0, 'B'},
                                       {"no-daemon", no_argument, 0, 'D'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *bundle = NULL;
    cmdai_open_opts oo = {0};
    int json = 0, batch = 0, no_daemon = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+b:t:s:jBDh", lo, NULL)) != -1) {
        switch (c) {
        case 'b': bundle = optarg; break;
        case 't': oo.trust = optarg; break;
        case 's': oo.state_dir = optarg; break;
        case 'j': json = 1; break;
        case 'B': batch = 1; break;
        case 'D': no_daemon = 1; break;
        case 'h': usage_check(stdout); return 0;
        default: usage_check(stderr); return EXIT_USAGE;
        }
    }
    if (!batch && optind >= argc) {
        fprintf(stderr, "%s check: no command given (write it after --, or use --batch)\n", prog);
        usage_check(stderr);
        return EXIT_USAGE;
    }
    if (batch && optind < argc) {
        fprintf(stderr, "%s check: --batch reads commands from stdin; do not also pass one\n", prog);
        return EXIT_USAGE;
    }
    if (!batch && !no_daemon) {
        const char *eb = getenv("CMDAI_POLICY_BUNDLE");
        int fd = hc_connect_default(bundle || oo.trust || oo.state_dir || (eb && *eb));
        if (fd >= 0) {
            int rc = check_daemon(fd, argc - optind, argv + optind, json);
            close(fd);
            if (rc >= 0)
                return rc;
        }
    }
    char buf[4096];
    if (!bundle)
        bundle = vj_default_bundle(buf, sizeof buf);
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open(bundle, &oo, &err);
    if (!b) {
        fprintf(stderr, "%s: %s: %s (%s)\n", prog, err.source, err.text, cmdai_code_name(err.code));
        return exit_for_code(err.code);
    }
    int rc;
    if (batch) {
        rc = check_batch(b);
    } else {
        size_t o;
        char *cmd = vj_join_words(argc - optind, argv + optind, &o);
        cmdai_verdict v;
        int e = cmdai_eval(b, cmd, o, &v);
        if (json) {
            json_t *j = vj_verdict(b, &v, e);
            cmdai_bundle_info bi;
            cmdai_bundle_get_info(b, &bi);
            json_t *bj = json_object();
            json_object_set_new(bj, "name", json_string(bi.name));
            json_object_set_new(bj, "version", json_string(bi.version));
            json_object_set_new(bj, "serial", json_integer((json_int_t)bi.serial));
            json_object_set_new(bj, "digest", json_string(bi.digest));
            json_object_set_new(bj, "key_id", json_string(bi.key_id));
            json_object_set_new(j, "bundle", bj);
            char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);
            json_decref(j);
            puts(s ? s : "{}");
            free(s);
        } else {
            if (e != CMDAI_OK)
                fprintf(stderr, "%s: %s: refusing (fail closed)\n", prog, cmdai_code_name(e));
            print_text(b, &v);
        }
        free(cmd);
        /* A command that cannot be analysed is bad input (65); its verdict,
         * printed above, is a fail-closed deny. */
        rc = e != CMDAI_OK ? EXIT_DATAERR : (int)v.action * EXIT_VERDICT_STEP;
        if (fflush(stdout) != 0) {
            fprintf(stderr, "%s: cannot write output: %s\n", prog, strerror(errno));
            rc = EXIT_CANTCREAT;
        }
    }
    cmdai_close(b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "check"))
        return cmd_check(argc - 1, argv + 1);
    if (!strcmp(verb, "audit"))
        return cmd_audit(argc - 1, argv + 1);
    if (!strcmp(verb, "hook"))
        return cmd_hook(argc - 1, argv + 1);
    if (!strcmp(verb, "agent-hook"))
        return cmd_agent_hook(argc - 1, argv + 1);
    if (!strcmp(verb, "version") || !strcmp(verb, "--version")) {
        printf("cmdai-policy %s\n", CMDAI_VERSION);
        return 0;
    }
    if (!strcmp(verb, "help") || !strcmp(verb, "--help") || !strcmp(verb, "-h")) {
        usage_main(stdout);
        return 0;
    }
    fprintf(stderr, "%s: unknown verb '%s'\n", prog, verb);
    usage_main(stderr);
    return EXIT_USAGE;
}
