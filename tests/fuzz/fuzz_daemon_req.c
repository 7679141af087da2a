/* fuzz_daemon_req.c — libFuzzer harness for cmdai-policyd's request parser
 * (runtime/daemon/request.c): what any local client may send.  The input is
 * split into lines as the daemon frames them (newline, at most 64 KiB a
 * line) and each line is parsed; a check request's command and the members
 * the audit record copies are read to the end, so a length that disagrees
 * with the bytes shows up under ASan.  Seeds: tests/fuzz/corpus/fuzz_daemon_req/. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;

static void touch(const char *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        sink += (unsigned char)s[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n > 65536)
            break; /* the daemon refuses the rest of such a stream */
        dm_request r;
        if (dm_request_parse(p, n, &r) == DM_REQ_CHECK) {
            touch(r.cmd, r.cmd_len);
            touch(r.cwd, r.cwd ? strlen(r.cwd) : 0);
            touch(r.session, r.session ? strlen(r.session) : 0);
            touch(r.shell, r.shell ? strlen(r.shell) : 0);
            touch(r.agent, r.agent ? strlen(r.agent) : 0);
        } else {
            touch(r.why, strlen(r.why));
        }
        dm_request_free(&r);
        p += n + 1;
    }
    return 0;
}
