/* request.c — parse one cmdai-policyd request line (request.h).  The bytes
 * come from any local client the socket admits: jansson does the JSON, with
 * duplicate members refused so that a request cannot say two things. */
#include "request.h"

#include <stdio.h>
#include <string.h>

/* The members a request may have, found in one walk over the object (five
 * or six hashed lookups were 5 % of a decision).  Unknown members are
 * ignored; a member that is not a string reads as absent. */
static void members(json_t *rq, dm_request *r, json_t **cmd)
{
    for (void *it = json_object_iter(rq); it; it = json_object_iter_next(rq, it)) {
        const char *k = json_object_iter_key(it);
        size_t kl = json_object_iter_key_len(it);
        json_t *v = json_object_iter_value(it);
        /* by length and bytes: a key with an embedded NUL ("cmd\u0000x") is another key */
#define IS(lit) (kl == sizeof lit - 1 && !memcmp(k, lit, sizeof lit - 1))
        if (IS("cmd"))
            *cmd = v;
        else if (IS("id"))
            r->id = v;
        else if (IS("op"))
            r->op = json_string_value(v);
        else if (IS("cwd"))
            r->cwd = json_string_value(v);
        else if (IS("session"))
            r->session = json_string_value(v);
        else if (IS("shell"))
            r->shell = json_string_value(v);
        else if (IS("agent"))
            r->agent = json_string_value(v);
#undef IS
    }
}

dm_req_kind dm_request_parse(const char *line, size_t len, dm_request *r)
{
    memset(r, 0, sizeof *r);
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 6 && !memcmp(line, "status", 6))
        return DM_REQ_STATUS;
    json_error_t je;
    r->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(r->root)) {
        snprintf(r->why, sizeof r->why, "bad request: %s", r->root ? "not a JSON object" : je.text);
        return DM_REQ_BAD;
    }
    json_t *cmd = NULL;
    members(r->root, r, &cmd);
    if (r->op && !strcmp(r->op, "status"))
        return DM_REQ_STATUS;
    if (r->op && !strcmp(r->op, "ping"))
        return DM_REQ_PING;
    if ((r->op && strcmp(r->op, "check")) || !json_is_string(cmd)) {
        snprintf(r->why, sizeof r->why, "bad request: want {\"cmd\": \"...\"} or {\"op\": \"status\"}");
        return DM_REQ_BAD;
    }
    r->cmd = json_string_value(cmd);
    r->cmd_len = json_string_length(cmd);
    return DM_REQ_CHECK;
}

void dm_request_free(dm_request *r)
{
    json_decref(r->root);
    r->root = NULL;
}
