/* fuzz_agent_hook.c — libFuzzer harness for runtime/cli/agent_hook_proto.c:
 * the first byte picks the agent, the rest is the hook payload as it would
 * arrive on stdin.  Whatever parses is run through ah_extract and every
 * answer shape is rendered and serialised, so a payload that confuses the
 * extraction (wrong types, nested toolArgs text, huge strings) is caught by
 * ASan/UBSan.  The proto file is compiled in: the fuzz build links only the
 * libraries.  Seeds: the golden inputs (tests/golden/agents/). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent_hook_proto.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    enum agent a = (enum agent)(data[0] % 4);
    json_error_t jerr;
    json_t *root = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return 0;
    const char *cmd = NULL, *why = NULL;
    size_t len = 0;
    json_t *owned = NULL;
    int got = ah_extract(a, root, &cmd, &len, &why, &owned);
    volatile size_t sink = 0;
    if (got > 0) {
        for (size_t i = 0; i < len; i++) /* the borrowed command is readable */
            sink += (unsigned char)cmd[i];
    } else if (got < 0) {
        sink += strlen(why);
    }
    for (int ans = ANS_NONE; ans <= ANS_DENY; ans++) {
        json_t *o = ah_render(a, (enum answer)ans, got > 0 ? cmd : why);
        char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
        if (s)
            sink += strlen(s);
        free(s);
        json_decref(o);
    }
    (void)sink;
    json_decref(owned);
    json_decref(root);
    return 0;
}
