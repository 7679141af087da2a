/* fleet_meta.h — the TUF-style metadata checks of the fleet poller
 * (docs/fleet.md): parse one role's document, count its valid signatures
 * against a root, check its expiry.  Split from fleet.c so that these
 * parsers of downloaded, attacker-controlled bytes can be fuzzed without a
 * network (tests/fuzz/fuzz_fleet.c). */
#ifndef CMDAI_FLEET_META_H
#define CMDAI_FLEET_META_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Format into err (when err is not NULL) and return -1: `return fleet_fail(...)`. */
int fleet_fail(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* doc["signed"], the part the signatures cover. */
static inline json_t *fleet_signed(const json_t *doc)
{
    return json_object_get(doc, "signed");
}

/* o[k] when it is a string, else NULL. */
static inline const char *fleet_jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* "2026-01-02T03:04:05Z" -> unix seconds; -1 when malformed or NULL. */
int64_t fleet_parse_iso(const char *s);

/* Parse a metadata file {"signed": {"_type": type, "version": N, "expires": T, ...},
 * "signatures": [...]}.  NULL with err filled when it is not one. */
json_t *fleet_meta_parse(const char *what, const char *buf, size_t len, const char *type, char *err, size_t cap);

/* 0 when doc carries valid signatures of at least the threshold of distinct
 * keys root_signed lists for role; -1 with err saying why not. */
int fleet_meta_verify(const json_t *root_signed, const char *role, const json_t *doc, const char *what, char *err,
                      size_t cap);

/* 0 when doc["signed"]["expires"] is in the future; -1 (freeze) otherwise. */
int fleet_meta_fresh(const json_t *doc, const char *what, char *err, size_t cap);

#endif
