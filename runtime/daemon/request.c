/* request.c — parse one cmdai-policyd request line (request.h).  The bytes
 * come from any local client the socket admits: jansson does the JSON, with
 * duplicate members refused so that a request cannot say two things. */
#include "request.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- where jansson's allocations for a request come from ----------------
 * Parsing a 60-byte request made some fifteen malloc/free pairs inside
 * jansson (the object, its hash table, each key, each string and its text,
 * the lexer's buffer): 2,000 of the 30,000 instructions of a decision.
 * After dm_request_init(), what json_loadb allocates comes from a per-thread
 * arena, reset at the next parse; jansson's free of an arena pointer does
 * nothing.  The arenas are slots of one region, so "is this an arena
 * pointer" is one range test whatever thread frees it, and everything else
 * (allocations outside json_loadb, any thread, requests too big for the
 * arena) is plain malloc/free.  The parsed object must not outlive the
 * request (dm_request_free): nothing in the daemon keeps it. */
#define ARENA_BYTES (32u * 1024)
#define ARENA_SLOTS 128u /* threads that parse; more use malloc */

static char *region;              /* ARENA_SLOTS * ARENA_BYTES; NULL: no arenas */
static atomic_uint next_slot;
static _Thread_local char *arena; /* this thread's slot, once it parsed */
static _Thread_local size_t arena_used;
static _Thread_local bool arena_on; /* inside json_loadb */
static _Thread_local bool arena_none;

static void *req_malloc(size_t n)
{
    if (arena_on) {
        size_t need = (n + 15) & ~(size_t)15; /* max_align_t */
        if (need >= n && need <= ARENA_BYTES - arena_used) {
            void *p = arena + arena_used;
            arena_used += need;
            return p;
        }
    }
    return malloc(n);
}

static void req_free(void *p)
{
    if ((uintptr_t)p - (uintptr_t)region < (uintptr_t)ARENA_SLOTS * ARENA_BYTES && region)
        return; /* reclaimed as a whole at the owner's next parse */
    free(p);
}

int dm_request_init(void)
{
    if (region)
        return 0;
    region = malloc((size_t)ARENA_SLOTS * ARENA_BYTES); /* pages are touched only by threads that parse */
    if (!region)
        return -1;
    json_set_alloc_funcs(req_malloc, req_free);
    return 0;
}

/* Before json_loadb: this thread's arena, empty, or none. */
static void arena_begin(void)
{
    if (!region || arena_none)
        return;
    if (!arena) {
        unsigned k = atomic_fetch_add(&next_slot, 1);
        if (k >= ARENA_SLOTS) {
            arena_none = true;
            return;
        }
        arena = region + (size_t)k * ARENA_BYTES;
    }
    arena_used = 0;
    arena_on = true;
}

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
    arena_begin();
    r->root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    arena_on = false;
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
