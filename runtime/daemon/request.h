/* request.h — one request line of cmdai-policyd's protocol (docs/daemon.md):
 * `status`, or a JSON object {"op": "status"|"ping"|"check", "cmd": "...",
 * "id": any, "cwd", "session", "shell", "agent"}.  Split from policyd.c so
 * that the parser of what local clients send can be fuzzed on its own
 * (tests/fuzz/fuzz_daemon_req.c). */
#ifndef CMDAI_DAEMON_REQUEST_H
#define CMDAI_DAEMON_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum dm_req_kind {
    DM_REQ_BAD,    /* `why` says what is wrong; `id` is set when the object had one */
    DM_REQ_STATUS, /* the bare word `status` or {"op": "status"} */
    DM_REQ_PING,   /* {"op": "ping"} */
    DM_REQ_CHECK,  /* {"cmd": "..."} with no op or op "check" */
} dm_req_kind;

typedef struct dm_request {
    json_t *root;    /* the parsed object (owner: the request; NULL for bare `status`) */
    json_t *id;      /* borrowed from root; echoed in the answer */
    const char *cmd; /* DM_REQ_CHECK: the command, cmd_len bytes (may hold NUL) */
    size_t cmd_len;
    const char *op, *cwd, *session, *shell, *agent; /* NULL when absent or not strings */
    char why[200];
} dm_request;

/* Optional, once, before any thread uses jansson (it sets jansson's
 * allocation functions): requests are then parsed into per-thread arenas
 * instead of a malloc per JSON value.  0, or -1 when out of memory (parsing
 * works either way). */
int dm_request_init(void);

/* Parse one line (without its '\n'; a trailing '\r' is dropped).  Always
 * fills r; call dm_request_free(r) afterwards whatever the kind. */
dm_req_kind dm_request_parse(const char *line, size_t len, dm_request *r);

void dm_request_free(dm_request *r);

#endif
