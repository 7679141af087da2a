/* policy_gate.c — the smallest useful embedding of libcmdai-policy: run a
 * command only if the policy allows it.
 *   policy_gate BUNDLE COMMAND-LINE
 * Prints the verdict; exits 0 (allow/warn), 1 (confirm/deny: not run), 2 (no
 * usable bundle).  It only prints what it would run, to stay harmless in tests;
 * a real gate would exec /bin/sh -c COMMAND-LINE where it says "would run".
 * Build: cc -o policy_gate policy_gate.c $(pkg-config --cflags --libs cmdai-policy)
 */
#include <stdio.h>
#include <string.h>

#include <cmdai/policy.h>

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: policy_gate BUNDLE COMMAND-LINE\n");
        return 2;
    }
    cmdai_error err;
    cmdai_bundle *b = cmdai_open(argv[1], NULL, &err); /* trust: $CMDAI_POLICY_TRUST */
    if (!b) {
        fprintf(stderr, "policy_gate: %s: %s\n", err.source, err.text);
        return 2;
    }
    cmdai_verdict v;
    int rc = cmdai_eval(b, argv[2], strlen(argv[2]), &v); /* not OK: v is a fail-closed deny */
    const char *rule = "";
    cmdai_rule_info ri;
    if (v.nrules && cmdai_rule_get(b, v.rules[0], &ri) == CMDAI_OK)
        rule = ri.id;
    printf("%s%s%s%s%s\n", cmdai_action_name(v.action), *rule ? " " : "", rule,
           v.message ? ": " : "", v.message ? v.message : "");
    int run = rc == CMDAI_OK && (v.action == CMDAI_ALLOW || v.action == CMDAI_WARN);
    if (run)
        printf("would run: %s\n", argv[2]);
    cmdai_close(b);
    return run ? 0 : 1;
}
