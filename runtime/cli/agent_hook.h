/* agent_hook.h — the protocol half of `cmdai-policy agent-hook`: find the
 * shell command in an agent's hook payload and write an answer in the
 * agent's words (agent_hook_proto.c; docs/agents.md).  No I/O, no policy:
 * agent_hook.c reads stdin and decides, tests/fuzz/fuzz_agent_hook.c fuzzes
 * these two functions directly. */
#ifndef CMDAI_AGENT_HOOK_H
#define CMDAI_AGENT_HOOK_H

#include <jansson.h>
#include <stddef.h>

enum agent { A_CLAUDE, A_GEMINI, A_COPILOT, A_CURSOR };

/* What to answer: one of the four verdicts, or "no opinion" (not a shell tool). */
enum answer { ANS_NONE = -1, ANS_ALLOW = 0, ANS_WARN, ANS_ASK, ANS_DENY };

/* The shell command in a parsed payload.  1 with *cmd, *len set (borrowed
 * from root or *owned), 0 when the tool is not a shell tool, -1 with *why (a
 * static string) when the payload is not what the protocol promises.
 * *owned: a value the caller must json_decref (may be NULL). */
int ah_extract(enum agent a, json_t *root, const char **cmd, size_t *len, const char **why, json_t **owned);

/* One answer in the agent's protocol; reason may be NULL.  Owner: caller. */
json_t *ah_render(enum agent a, enum answer ans, const char *reason);

#endif
