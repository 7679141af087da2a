/* fleet_http.h — one HTTP GET with libcurl for the registry client
 * (compiler/registry.c) and the fleet poller (runtime/daemon/fleet.c):
 * conditional on an ETag (If-None-Match), bounded in time, and bounded in
 * size WHILE downloading (an endless or oversized response is cut off at
 * max_bytes + 1 and refused, never buffered whole).  http and https only. */
#ifndef CMDAI_FLEET_HTTP_H
#define CMDAI_FLEET_HTTP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fetch_result {
    long status;          /* HTTP status: 200, 304, 404, ... */
    char *body;           /* 200 only: NUL-terminated; owner: caller, free() */
    size_t len;
    char etag[256];       /* the response's ETag, "" when none */
} fetch_result;

/* GET url.  etag (may be NULL or "") goes into If-None-Match.  0 with *out
 * filled for any HTTP answer (the caller judges the status); -1 with err
 * filled for transport errors and for bodies larger than max_bytes. */
int fetch_get(const char *url, const char *etag, size_t max_bytes, long timeout_s, fetch_result *out, char *err,
              size_t errcap);

/* Does s name an http:// or https:// URL? */
bool fetch_is_url(const char *s);

#endif
