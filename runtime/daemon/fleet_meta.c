/* fleet_meta.c — parse and check one fleet metadata document (fleet_meta.h).
 * Everything here reads bytes a mirror sent: every field is type-checked
 * before use, and a malformed document is refused, never dereferenced. */
#include "fleet_meta.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sig.h"

int fleet_fail(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && cap)
        vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* strptime accepts exactly the one form provision writes. */
int64_t fleet_parse_iso(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *e = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    return e && !*e ? (int64_t)timegm(&tm) : -1;
}

json_t *fleet_meta_parse(const char *what, const char *buf, size_t len, const char *type, char *err, size_t cap)
{
    json_error_t je;
    json_t *doc = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    json_t *s = fleet_signed(doc);
    if (!doc || !json_is_object(s) || !json_is_array(json_object_get(doc, "signatures"))) {
        fleet_fail(err, cap, "%s: malformed metadata%s%s", what, doc ? "" : ": ", doc ? "" : je.text);
        json_decref(doc);
        return NULL;
    }
    if (!fleet_jstr(s, "_type") || strcmp(fleet_jstr(s, "_type"), type) ||
        !json_is_integer(json_object_get(s, "version")) || fleet_parse_iso(fleet_jstr(s, "expires")) < 0) {
        fleet_fail(err, cap, "%s: not %s metadata (needs _type \"%s\", version, expires)", what, type, type);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

int fleet_meta_verify(const json_t *root_signed, const char *role, const json_t *doc, const char *what, char *err,
                      size_t cap)
{
    json_t *r = json_object_get(json_object_get(root_signed, "roles"), role);
    json_t *ids = json_object_get(r, "keyids"), *keys = json_object_get(root_signed, "keys");
    json_int_t threshold = json_integer_value(json_object_get(r, "threshold"));
    if (!json_is_array(ids) || threshold < 1)
        return fleet_fail(err, cap, "root has no usable '%s' role", role);
    char *payload = json_dumps(fleet_signed(doc), JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    if (!payload)
        return fleet_fail(err, cap, "%s: cannot serialise", what);
    json_int_t good = 0;
    const char *seen[16];
    size_t nseen = 0, i;
    json_t *s;
    char other[17] = "";
    json_array_foreach(json_object_get(doc, "signatures"), i, s) {
        const char *kid = fleet_jstr(s, "keyid"), *sigtext = fleet_jstr(s, "sig");
        if (!kid || !sigtext)
            continue;
        bool listed = false, dup = false;
        size_t k;
        json_t *id;
        json_array_foreach(ids, k, id) /* a keyid that is not a string lists nothing */
            listed = listed || (json_is_string(id) && !strcmp(json_string_value(id), kid));
        for (size_t q = 0; q < nseen; q++)
            dup = dup || !strcmp(seen[q], kid);
        if (!listed) {
            snprintf(other, sizeof other, "%s", kid);
            continue;
        }
        if (dup || nseen == 16)
            continue;
        const char *b64 = fleet_jstr(json_object_get(json_object_get(keys, kid), "keyval"), "public");
        char text[200];
        rt_pubkey pk;
        rt_sig sg;
        cmdai_error e = {0};
        size_t which;
        if (!b64 || strlen(b64) > 100)
            continue;
        snprintf(text, sizeof text, "untrusted comment: fleet key\n%s\n", b64);
        char kh[17];
        if (rt_pubkey_parse(text, strlen(text), &pk, &e) != CMDAI_OK)
            continue;
        rt_keyid_hex(pk.keyid, kh);
        if (strcmp(kh, kid) || rt_sig_parse(sigtext, strlen(sigtext), &sg, &e) != CMDAI_OK)
            continue;
        if (rt_sig_verify(&sg, &pk, 1, payload, strlen(payload), &which, &e) == CMDAI_OK) {
            seen[nseen++] = kid;
            good++;
        }
    }
    free(payload);
    if (good >= threshold)
        return 0;
    if (other[0])
        return fleet_fail(err, cap, "%s: signed by key %s, which is not a %s key of root v%lld (wrong or revoked key); "
                              "refused", what, other, role,
                    (long long)json_integer_value(json_object_get(root_signed, "version")));
    return fleet_fail(err, cap, "%s: %lld valid %s signature(s), %lld needed; refused", what, (long long)good, role,
                (long long)threshold);
}

int fleet_meta_fresh(const json_t *doc, const char *what, char *err, size_t cap)
{
    int64_t ex = fleet_parse_iso(fleet_jstr(fleet_signed(doc), "expires"));
    if (ex <= (int64_t)time(NULL))
        return fleet_fail(err, cap, "%s expired at %s (freeze attack or a stale mirror); refused", what,
                    fleet_jstr(fleet_signed(doc), "expires"));
    return 0;
}
