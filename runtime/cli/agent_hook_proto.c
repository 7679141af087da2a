/* agent_hook_proto.c — each agent's hook payload and answer shapes (Claude
 * Code PreToolUse, Gemini CLI BeforeTool, Copilot CLI preToolUse, Cursor
 * beforeShellExecution); see agent_hook.h.  Pure functions over jansson
 * values, so they can be fuzzed without a bundle.
 */
#include <string.h>

#include "agent_hook.h"

int ah_extract(enum agent a, json_t *root, const char **cmd, size_t *len, const char **why, json_t **owned)
{
    *owned = NULL;
    if (!json_is_object(root)) {
        *why = "hook input is not a JSON object";
        return -1;
    }
    json_t *args = NULL;
    switch (a) {
    case A_CLAUDE:
    case A_GEMINI: {
        const char *want = a == A_CLAUDE ? "Bash" : "run_shell_command";
        json_t *tn = json_object_get(root, "tool_name");
        if (!json_is_string(tn)) {
            *why = "hook input has no tool_name string";
            return -1;
        }
        if (strcmp(json_string_value(tn), want))
            return 0;
        args = json_object_get(root, "tool_input");
        break;
    }
    case A_COPILOT: {
        json_t *tn = json_object_get(root, "toolName");
        if (!json_is_string(tn)) {
            *why = "hook input has no toolName string";
            return -1;
        }
        const char *n = json_string_value(tn);
        if (strcmp(n, "bash") && strcmp(n, "shell") && strcmp(n, "powershell"))
            return 0;
        args = json_object_get(root, "toolArgs");
        /* Copilot CLI sends toolArgs as a JSON text; the SDK as an object. */
        if (json_is_string(args)) {
            *owned = json_loadb(json_string_value(args), json_string_length(args), 0, NULL);
            args = *owned;
        }
        break;
    }
    case A_CURSOR:
        args = root;
        break;
    }
    json_t *c = json_is_object(args) ? json_object_get(args, "command") : NULL;
    if (!json_is_string(c)) {
        *why = "hook input has no command string";
        return -1;
    }
    *cmd = json_string_value(c);
    *len = json_string_length(c);
    return 1;
}

json_t *ah_render(enum agent a, enum answer ans, const char *reason)
{
    static const char *const word[] = {"allow", "allow", "ask", "deny"};
    if (ans == ANS_NONE)
        return json_object();
    const char *w = word[ans];
    switch (a) {
    case A_CLAUDE: {
        json_t *h = json_pack("{s:s, s:s}", "hookEventName", "PreToolUse", "permissionDecision", w);
        if (reason)
            json_object_set_new(h, "permissionDecisionReason", json_string(reason));
        json_t *o = json_pack("{s:o}", "hookSpecificOutput", h);
        if (ans == ANS_WARN && reason)
            json_object_set_new(o, "systemMessage", json_string(reason));
        return o;
    }
    case A_GEMINI: {
        json_t *o = json_pack("{s:s}", "decision", w);
        if (reason)
            json_object_set_new(o, ans == ANS_WARN ? "systemMessage" : "reason", json_string(reason));
        return o;
    }
    case A_COPILOT: {
        json_t *o = json_pack("{s:s}", "permissionDecision", w);
        if (reason)
            json_object_set_new(o, "permissionDecisionReason", json_string(reason));
        return o;
    }
    case A_CURSOR: {
        json_t *o = json_pack("{s:s}", "permission", w);
        if (reason) {
            json_object_set_new(o, "user_message", json_string(reason));
            json_object_set_new(o, "agent_message", json_string(reason));
        }
        return o;
    }
    }
    return json_object();
}

