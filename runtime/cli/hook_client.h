/* hook_client.h — the client side of cmdai-policyd (docs/daemon.md) for the
 * CLI verbs: `check` and `agent-hook` ask the daemon first when one is
 * running, and `hook serve` (the per-shell coprocess, hook_serve.c) keeps a
 * connection open.  No verification happens here: the daemon verified its
 * bundle; what we check is that the socket's owner is root or ourselves. */
#ifndef CMDAI_HOOK_CLIENT_H
#define CMDAI_HOOK_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "cmdai/policy.h"

#define HC_TEXT_MAX 2048

/* One decision as `cmdai-policy check` reports it. */
typedef struct hc_answer {
    int status;              /* 0, 10, 20, 30 (verdict), 65 (cannot analyse or refused) */
    char text[HC_TEXT_MAX];  /* "deny (risk high): rule.id — message", one line */
    json_t *json;            /* the daemon's answer object; owner: hc_answer_release */
} hc_answer;

void hc_answer_release(hc_answer *a);

/* Connect to the daemon the caller should use, or -1 (no daemon: evaluate in
 * process).  $CMDAI_POLICYD_SOCKET names it (empty: never use one); without
 * it, `chosen` (the caller picked a bundle, trust or state itself: options or
 * $CMDAI_POLICY_BUNDLE) means no daemon, else $XDG_RUNTIME_DIR/cmdai-policyd.sock
 * then /run/cmdai/policyd.sock.  A socket whose server is neither root nor our
 * own user is not used.  The fd has 3 s send/receive timeouts. */
int hc_connect_default(bool chosen);
int hc_connect(const char *path);

/* Ask over fd.  0: *a filled (release it); -1: transport failure or an answer
 * that is not a verdict object (the caller closes fd and falls back). */
int hc_ask(int fd, const char *cmd, size_t len, const char *shell, const char *agent, const char *cwd,
           hc_answer *a);

/* A verdict decided in process, in the same words (text as `check` prints it,
 * with "cmdai-policy: CODE: refusing (fail closed); " first on an error). */
void hc_verdict_text(const cmdai_bundle *b, const cmdai_verdict *v, int rc, char *out, size_t cap);

#endif
