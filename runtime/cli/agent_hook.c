/* agent_hook.c — `cmdai-policy agent-hook claude|gemini|copilot|cursor`: read a
 * coding agent's pre-tool hook JSON on stdin, decide on the shell command in
 * it, and answer in that agent's protocol on stdout (docs/agents.md).  Input
 * is bounded (AH_MAX_INPUT); malformed, oversized or unexpected input gets a
 * deny in the agent's own words, never a crash.  Decision logic is the
 * library's, payload shapes are agent_hook_proto.c's; this file does I/O.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdai/policy.h"
#include "exitcodes.h"
#include "verdict_json.h"
#include "agent_hook.h"
#include "hook.h"
#include "hook_client.h"

/* Hook payloads are a few KiB; a command line is at most CMDAI_MAX_COMMAND
 * (1 MiB) and JSON escaping can grow it, but an agent that sends more than
 * this is not sending a command we could analyse anyway. */
#define AH_MAX_INPUT (1u << 20)

static const char *const agent_names[] = {"claude", "gemini", "copilot", "cursor"};

/* "cmdai: deny (risk high): rule.id — message", as `check` prints it. */
/* The reason shown to the agent: the hooks' verdict text (hook_client.c),
 * named, so the agent's transcript says who refused. */
static void format_verdict(const cmdai_bundle *b, const cmdai_verdict *v, int e, char *out, size_t cap)
{
    char t[HC_TEXT_MAX];
    hc_verdict_text(b, v, e, t, sizeof t);
    /* an error text already starts with "cmdai-policy: " */
    snprintf(out, cap, "%s%s", e != CMDAI_OK ? "" : "cmdai-policy: ", t);
}

static void usage_agent(FILE *f)
{
    fprintf(f,
            "usage: cmdai-policy agent-hook [--bundle FILE] [--trust PATH] [--state DIR] [--defer] [--no-daemon]\n"
            "                               claude|gemini|copilot|cursor < hook-input.json\n"
            "\n"
            "Answer a coding agent's pre-tool hook: Claude Code PreToolUse (tool Bash), Gemini CLI\n"
            "BeforeTool (run_shell_command), Copilot CLI preToolUse (bash), Cursor beforeShellExecution.\n"
            "deny -> deny with the rule and its message; confirm -> ask; warn -> allow with a message;\n"
            "allow -> allow (with --defer: no answer, the agent's own permission rules apply).\n"
            "Other tools get an empty answer {}.  Malformed or oversized (> 1 MiB) input, and a\n"
            "missing or broken bundle, get deny (CMDAI_POLICY_FAIL=open: allow with a message).\n"
            "The answer is always one JSON object on stdout and the exit status 0, except 64 for\n"
            "bad usage.  Options and defaults as for 'cmdai-policy check', which also says when\n"
            "cmdai-policyd decides instead (and records the decision with the agent's name).\n");
}

/* Read all of stdin up to max+1 bytes.  Owner: caller (free). */
static char *read_input(size_t max, size_t *len, int *too_big)
{
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    *too_big = 0;
    while (buf) {
        if (n == cap) {
            if (cap > max) {
                *too_big = 1;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb, cap *= 2;
        }
        size_t r = fread(buf + n, 1, cap - n, stdin);
        n += r;
        if (r == 0)
            break;
        if (n > max) {
            *too_big = 1;
            break;
        }
    }
    *len = n;
    return buf;
}

static int emit(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_decref(o);
    int ok = s && puts(s) != EOF && fflush(stdout) == 0;
    free(s);
    return ok ? 0 : EXIT_CANTCREAT;
}

int cmd_agent_hook(int argc, char **argv)
{
    static const struct option lo[] = {{"bundle", required_argument, 0, 'b'}, {"trust", required_argument, 0, 't'},
                                       {"state", required_argument, 0, 's'},  {"defer", no_argument, 0, 'd'},
                                       {"no-daemon", no_argument, 0, 'D'},    {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    const char *bundle = NULL;
    cmdai_open_opts oo = {0};
    int defer = 0, no_daemon = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+b:t:s:dDh", lo, NULL)) != -1) {
        switch (c) {
        case 'b': bundle = optarg; break;
        case 't': oo.trust = optarg; break;
        case 's': oo.state_dir = optarg; break;
        case 'd': defer = 1; break;
        case 'D': no_daemon = 1; break;
        case 'h': usage_agent(stdout); return 0;
        default: usage_agent(stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        usage_agent(stderr);
        return EXIT_USAGE;
    }
    enum agent a = A_CLAUDE;
    size_t i;
    for (i = 0; i < 4 && strcmp(argv[optind], agent_names[i]); i++)
        ;
    if (i == 4) {
        fprintf(stderr, "cmdai-policy agent-hook: unknown agent '%s' (claude, gemini, copilot or cursor)\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    a = (enum agent)i;
    int fail_open = getenv("CMDAI_POLICY_FAIL") && !strcmp(getenv("CMDAI_POLICY_FAIL"), "open");

    size_t len;
    int too_big;
    char *in = read_input(AH_MAX_INPUT, &len, &too_big);
    char reason[HC_TEXT_MAX + 64];
    if (!in)
        return emit(ah_render(a, ANS_DENY, "cmdai-policy: out of memory reading the hook input; refusing"));
    if (too_big) {
        free(in);
        snprintf(reason, sizeof reason, "cmdai-policy: hook input larger than %u bytes; refusing", AH_MAX_INPUT);
        return emit(ah_render(a, ANS_DENY, reason));
    }
    json_error_t jerr;
    json_t *root = json_loadb(in, len, JSON_REJECT_DUPLICATES, &jerr);
    free(in);
    if (!root) {
        snprintf(reason, sizeof reason, "cmdai-policy: hook input is not valid JSON (line %d: %s); refusing",
                 jerr.line, jerr.text);
        return emit(ah_render(a, ANS_DENY, reason));
    }
    const char *cmd = NULL, *why = NULL;
    size_t clen = 0;
    json_t *owned = NULL;
    int got = ah_extract(a, root, &cmd, &clen, &why, &owned);
    if (got <= 0) {
        if (got < 0)
            snprintf(reason, sizeof reason, "cmdai-policy: %s; refusing", why);
        json_decref(owned);
        json_decref(root);
        return emit(ah_render(a, got < 0 ? ANS_DENY : ANS_NONE, got < 0 ? reason : NULL));
    }

    /* cmdai-policyd when it runs (it verified its bundle and records the
     * decision with the agent's name); in process when it does not. */
    json_t *out = NULL;
    const char *eb = getenv("CMDAI_POLICY_BUNDLE");
    int fd = no_daemon ? -1 : hc_connect_default(bundle || oo.trust || oo.state_dir || (eb && *eb));
    if (fd >= 0) {
        hc_answer da;
        if (hc_ask(fd, cmd, clen, NULL, agent_names[a], NULL, &da) == 0) {
            snprintf(reason, sizeof reason, "cmdai-policy: %s", da.text);
            enum answer ans = da.status == EXIT_DATAERR ? ANS_DENY : (enum answer)(da.status / EXIT_VERDICT_STEP);
            if (ans == ANS_ALLOW)
                out = ah_render(a, defer ? ANS_NONE : ANS_ALLOW, NULL);
            else
                out = ah_render(a, ans, reason);
            hc_answer_release(&da);
        }
        close(fd);
    }
    if (out) {
        json_decref(owned);
        json_decref(root);
        return emit(out);
    }
    char buf[4096];
    if (!bundle)
        bundle = vj_default_bundle(buf, sizeof buf);
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open(bundle, &oo, &err);
    if (!b) {
        snprintf(reason, sizeof reason, "cmdai-policy: policy unavailable: %s: %s (%s); %s", err.source, err.text,
                 cmdai_code_name(err.code),
                 fail_open ? "CMDAI_POLICY_FAIL=open: not checked" : "failing closed");
        out = ah_render(a, fail_open ? ANS_WARN : ANS_DENY, reason);
    } else {
        cmdai_verdict v;
        int e = cmdai_eval(b, cmd, clen, &v);
        format_verdict(b, &v, e, reason, sizeof reason);
        enum answer ans = e != CMDAI_OK ? ANS_DENY : (enum answer)v.action;
        if (ans == ANS_ALLOW)
            out = defer ? ah_render(a, ANS_NONE, NULL) : ah_render(a, ANS_ALLOW, NULL);
        else
            out = ah_render(a, ans, reason);
        cmdai_close(b);
    }
    json_decref(owned);
    json_decref(root);
    return emit(out);
}
