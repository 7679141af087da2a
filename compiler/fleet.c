/* fleet.c — write the signed fleet repository (fleet.h, docs/fleet.md). */
#include "fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "emit.h"
#include "sig.h"
#include "sign.h"

const char *const fleet_role_names[FLEET_NROLES] = {"root", "targets", "snapshot", "timestamp"};

int fleet_scope_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')) || strstr(s, ".."))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
              s[i] == '.'))
            return 0;
    return 1;
}

static void iso_time(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int read_file(const char *path, char **out, size_t *len, size_t max, diag *d)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = 65536, n = 0, k;
    char *b = malloc(cap + 1);
    while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            if (cap >= max)
                break;
            cap *= 2;
            char *nb = realloc(b, cap + 1);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    if (!b)
        abort();
    if (n > max) {
        free(b);
        return diag_set(d, CMDAI_E_TOO_LONG, path, 0, 0, "larger than %zu bytes", max);
    }
    b[n] = '\0';
    *out = b;
    *len = n;
    return 0;
}

/* A role key: P.pub parsed, P.key for signing; made when both are missing. */
typedef struct role_key {
    char sec[PATH_MAX], pub[PATH_MAX];
    rt_pubkey pk;
    char id[17];
    char b64[64]; /* the base64 line of the .pub file */
} role_key;

static int load_key(const char *prefix, bool create, role_key *k, diag *d)
{
    snprintf(k->sec, sizeof k->sec, "%s.key", prefix);
    snprintf(k->pub, sizeof k->pub, "%s.pub", prefix);
    struct stat st;
    if (stat(k->sec, &st) < 0 && stat(k->pub, &st) < 0 && create && sign_keygen(k->sec, k->pub, false, d))
        return -1;
    cmdai_error e = {0};
    if (rt_pubkey_load(k->pub, &k->pk, &e) != CMDAI_OK)
        return diag_set(d, e.code, k->pub, 0, 0, "%s", e.text);
    rt_keyid_hex(k->pk.keyid, k->id);
    char *txt;
    size_t len;
    if (read_file(k->pub, &txt, &len, RT_SIG_FILE_MAX, d))
        return -1;
    char *nl = strchr(txt, '\n');
    const char *line = nl ? nl + 1 : "";
    size_t l = strcspn(line, "\r\n");
    snprintf(k->b64, sizeof k->b64, "%.*s", (int)(l < sizeof k->b64 ? l : 0), line);
    free(txt);
    return 0;
}

/* The keys of one role: --ROLE-key P1,P2,... and its threshold. */
typedef struct role_set {
    role_key k[FLEET_MAX_KEYS];
    size_t n;
    int threshold;
} role_set;

static int load_set(const char *prefixes, bool create, role_set *rs, diag *d)
{
    rs->n = 0;
    for (const char *p = prefixes; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= PATH_MAX - 8)
            return diag_set(d, CMDAI_E_USAGE, prefixes, 0, 0, "empty or overlong key prefix in '%s'", prefixes);
        if (rs->n == FLEET_MAX_KEYS)
            return diag_set(d, CMDAI_E_USAGE, prefixes, 0, 0, "more than %d keys for one role", FLEET_MAX_KEYS);
        char one[PATH_MAX - 8];
        snprintf(one, sizeof one, "%.*s", (int)len, p);
        if (load_key(one, create, &rs->k[rs->n], d))
            return -1;
        for (size_t i = 0; i < rs->n; i++)
            if (!strcmp(rs->k[i].id, rs->k[rs->n].id))
                return diag_set(d, CMDAI_E_USAGE, one, 0, 0, "key %s is given twice", rs->k[i].id);
        rs->n++;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

static char *canonical(const json_t *signed_)
{
    return json_dumps(signed_, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
}

/* {"signed": s, "signatures": [...]} signed with every key in ks. */
static json_t *sign_doc(json_t *s, role_key *const *ks, size_t nks, diag *d)
{
    if (nks == 0)
        return diag_set(d, CMDAI_E_USAGE, "provision", 0, 0, "no key to sign %s with",
                        json_string_value(json_object_get(s, "_type"))), NULL;
    char *payload = canonical(s);
    json_t *sigs = json_array();
    for (size_t i = 0; i < nks; i++) {
        char *sig;
        size_t sl;
        char tc[128];
        snprintf(tc, sizeof tc, "cmdai-fleet %s version %lld",
                 json_string_value(json_object_get(s, "_type")),
                 (long long)json_integer_value(json_object_get(s, "version")));
        if (sign_file_mem(ks[i]->sec, payload, strlen(payload), tc, &sig, &sl, d)) {
            free(payload);
            json_decref(sigs);
            return NULL;
        }
        json_array_append_new(sigs, json_pack("{s:s,s:s}", "keyid", ks[i]->id, "sig", sig));
        free(sig);
    }
    free(payload);
    return json_pack("{s:O,s:o}", "signed", s, "signatures", sigs);
}

static int write_json(const char *repo, const char *name, json_t *doc, diag *d)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", repo, name);
    char *txt = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    int rc = emit_write_file(p, txt, strlen(txt), d);
    free(txt);
    return rc;
}

static json_t *load_doc(const char *repo, const char *name, diag *d)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/%s", repo, name);
    struct stat st;
    if (stat(p, &st) < 0)
        return NULL;
    json_error_t je;
    json_t *j = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(json_object_get(j, "signed")))
        diag_set(d, CMDAI_E_FORMAT, p, je.line, je.column, "%s", j ? "no \"signed\" object" : je.text);
    return j;
}

static void sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static json_t *file_meta(const char *data, size_t len)
{
    char hex[65];
    sha256_hex(data, len, hex);
    return json_pack("{s:I,s:{s:s}}", "length", (json_int_t)len, "hashes", "sha256", hex);
}

/* A bundle goes to the scope it was built for (build --scope), or is
 * scope-neutral ("default"); anything else is a mistake worth stopping. */
static int check_bundle_scope(const char *path, const char *data, size_t len, const char *scope, diag *d)
{
    unsigned char *mem = malloc(len ? len : 1); /* malloc memory is 8-aligned, as the checker wants */
    if (!mem)
        abort();
    memcpy(mem, data, len);
    struct cmdai_bundle b;
    cmdai_error e = {0};
    int rc = 0;
    if (rt_bundle_check(&b, mem, len, &e) != CMDAI_OK) {
        rc = diag_set(d, CMDAI_E_FORMAT, path, 0, 0, "not a valid bundle: %s", e.text);
    } else {
        const char *bs = b.str + b.meta->scope;
        if (strcmp(bs, scope) && strcmp(bs, "default")) {
            rc = diag_set(d, CMDAI_E_SEMANTIC, path, 0, 0, "bundle was built for scope '%s', not '%s'", bs, scope);
            diag_hint(d, "build it with --scope %s, or provision it under --scope %s=...", scope, bs);
        }
    }
    free(mem);
    return rc;
}

/* Sign s with every key of a set (or of two sets: a root rotation). */
static json_t *sign_sets(json_t *s, role_set *a, role_set *b, diag *d)
{
    role_key *ks[2 * FLEET_MAX_KEYS];
    size_t n = 0;
    for (size_t i = 0; i < a->n; i++)
        ks[n++] = &a->k[i];
    for (size_t i = 0; b && b != a && i < b->n; i++) {
        bool dup = false;
        for (size_t j = 0; j < a->n; j++)
            dup = dup || !strcmp(a->k[j].id, b->k[i].id);
        if (!dup)
            ks[n++] = &b->k[i];
    }
    return sign_doc(s, ks, n, d);
}

static json_t *root_signed(role_set *const sets[FLEET_NROLES], json_int_t version, int64_t expires)
{
    char ex[32];
    iso_time(expires, ex);
    json_t *jk = json_object(), *roles = json_object();
    for (int r = 0; r < FLEET_NROLES; r++) {
        json_t *ids = json_array();
        for (size_t i = 0; i < sets[r]->n; i++) {
            const role_key *k = &sets[r]->k[i];
            json_object_set_new(jk, k->id, json_pack("{s:s,s:s,s:{s:s}}", "keytype", "ed25519", "scheme",
                                                     "minisign-ed25519-blake2b", "keyval", "public", k->b64));
            json_array_append_new(ids, json_string(k->id));
        }
        json_object_set_new(roles, fleet_role_names[r],
                            json_pack("{s:o,s:i}", "keyids", ids, "threshold", sets[r]->threshold));
    }
    return json_pack("{s:s,s:s,s:I,s:s,s:b,s:o,s:o}", "_type", "root", "spec_version", "1.0.31", "version", version,
                     "expires", ex, "consistent_snapshot", 1, "keys", jk, "roles", roles);
}

static int warnf(char **w, size_t *wn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int warnf(char **w, size_t *wn, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    size_t add = strlen(line);
    char *nw = realloc(*w, *wn + add + 2);
    if (!nw)
        abort();
    memcpy(nw + *wn, line, add);
    nw[*wn + add] = '\n';
    nw[*wn + add + 1] = '\0';
    *w = nw;
    *wn += add + 1;
    return 0;
}

/* Threshold of a role: --threshold, else what the current root says, else 1. */
static int role_threshold(const fleet_provision_opts *o, const json_t *root, int r)
{
    if (o->threshold[r] > 0)
        return o->threshold[r];
    json_int_t t = json_integer_value(json_object_get(
        json_object_get(json_object_get(json_object_get(root, "signed"), "roles"), fleet_role_names[r]), "threshold"));
    return t > 0 ? (int)t : 1;
}

int fleet_provision(const fleet_provision_opts *o, char **summary, char **warnings, diag *d)
{
    role_set *k = calloc(2 * FLEET_NROLES, sizeof *k), *nk = k + FLEET_NROLES;
    role_set *cur[FLEET_NROLES];
    char sum[2048];
    size_t sn = 0, wn = 0;
    json_t *root = NULL, *targets = NULL, *snap = NULL, *ts = NULL;
    int rc = -1;
    *summary = NULL;
    *warnings = NULL;
    if (!k)
        abort();
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/targets", o->repo);
    if ((mkdir(o->repo, 0755) < 0 && errno != EEXIST) || (mkdir(p, 0755) < 0 && errno != EEXIST)) {
        free(k);
        return diag_set(d, CMDAI_E_IO, o->repo, 0, 0, "cannot create the repository: %s", strerror(errno));
    }
    root = load_doc(o->repo, "root.json", d);
    if (d->code)
        goto out;
    for (int r = 0; r < FLEET_NROLES; r++) {
        bool fresh = o->rotate[r] && !strcmp(o->rotate[r], o->keys[r]); /* --rotate-X P --X-key P */
        if (load_set(o->keys[r], !root || fresh, &k[r], d))
            goto out;
        k[r].threshold = role_threshold(o, root, r);
        cur[r] = &k[r];
    }
    json_int_t root_v = 0;
    if (!root) {
        for (int r = 0; r < FLEET_NROLES; r++)
            if ((size_t)cur[r]->threshold > cur[r]->n) {
                diag_set(d, CMDAI_E_USAGE, o->repo, 0, 0, "%s threshold %d is more than its %zu key(s)",
                         fleet_role_names[r], cur[r]->threshold, cur[r]->n);
                goto out;
            }
        json_t *s = root_signed(cur, 1, o->expires[FLEET_ROOT]);
        root = sign_sets(s, cur[FLEET_ROOT], NULL, d);
        json_decref(s);
        if (!root || write_json(o->repo, "1.root.json", root, d) || write_json(o->repo, "root.json", root, d))
            goto out;
        sn += (size_t)snprintf(sum + sn, sizeof sum - sn, "root v1 (new repository)\n");
    }
    root_v = json_integer_value(json_object_get(json_object_get(root, "signed"), "version"));
    bool rotate = false;
    for (int r = 0; r < FLEET_NROLES; r++)
        rotate = rotate || o->rotate[r] || o->threshold[r];
    if (rotate) {
        role_set *old_root = cur[FLEET_ROOT];
        for (int r = 0; r < FLEET_NROLES; r++) {
            if (o->rotate[r]) {
                if (load_set(o->rotate[r], true, &nk[r], d))
                    goto out;
                nk[r].threshold = role_threshold(o, root, r);
                cur[r] = &nk[r];
            }
            if ((size_t)cur[r]->threshold > cur[r]->n) {
                diag_set(d, CMDAI_E_USAGE, o->repo, 0, 0, "%s threshold %d is more than its %zu key(s)",
                         fleet_role_names[r], cur[r]->threshold, cur[r]->n);
                goto out;
            }
        }
        json_t *s = root_signed(cur, root_v + 1, o->expires[FLEET_ROOT]);
        json_t *nr = sign_sets(s, old_root, cur[FLEET_ROOT], d); /* the old and the new root keys */
        json_decref(s);
        if (!nr)
            goto out;
        char name[64];
        snprintf(name, sizeof name, "%lld.root.json", (long long)(root_v + 1));
        if (write_json(o->repo, name, nr, d) || write_json(o->repo, "root.json", nr, d)) {
            json_decref(nr);
            goto out;
        }
        json_decref(root);
        root = nr;
        root_v++;
        sn += (size_t)snprintf(sum + sn, sizeof sum - sn, "root v%lld (signed by the old and the new root keys)\n",
                               (long long)root_v);
    }
    /* Keys the root does not list, or too few of them: clients will refuse. */
    json_t *roles = json_object_get(json_object_get(root, "signed"), "roles");
    for (int r = FLEET_TARGETS; r < FLEET_NROLES; r++) {
        json_t *role = json_object_get(roles, fleet_role_names[r]);
        json_t *ids = json_object_get(role, "keyids"), *id;
        json_int_t need = json_integer_value(json_object_get(role, "threshold"));
        size_t i, good = 0;
        for (size_t q = 0; q < cur[r]->n; q++) {
            bool listed = false;
            json_array_foreach(ids, i, id)
                listed = listed || !strcmp(json_string_value(id), cur[r]->k[q].id);
            good += listed;
            if (!listed)
                warnf(warnings, &wn, "warning: %s key %s is not a %s key of root v%lld; clients will ignore its "
                                     "signature", fleet_role_names[r], cur[r]->k[q].id, fleet_role_names[r],
                      (long long)root_v);
        }
        if ((json_int_t)good < need)
            warnf(warnings, &wn, "warning: %s.json gets %zu of the %lld signatures root v%lld requires; clients "
                                 "will refuse it", fleet_role_names[r], good, (long long)need, (long long)root_v);
    }
    /* targets: the previous map plus the scopes given now. */
    json_t *old_t = load_doc(o->repo, "targets.json", d), *old_s = NULL, *old_ts = NULL;
    if (d->code)
        goto out;
    old_s = load_doc(o->repo, "snapshot.json", d);
    old_ts = load_doc(o->repo, "timestamp.json", d);
    json_int_t tv = old_t ? json_integer_value(json_object_get(json_object_get(old_t, "signed"), "version")) : 0;
    json_int_t sv = old_s ? json_integer_value(json_object_get(json_object_get(old_s, "signed"), "version")) : 0;
    json_int_t xv = old_ts ? json_integer_value(json_object_get(json_object_get(old_ts, "signed"), "version")) : 0;
    json_t *map = old_t ? json_deep_copy(json_object_get(json_object_get(old_t, "signed"), "targets")) : json_object();
    json_decref(old_t);
    json_decref(old_s);
    json_decref(old_ts);
    if (d->code) {
        json_decref(map);
        goto out;
    }
    for (size_t i = 0; i < o->nscopes; i++) {
        const char *sfx[2] = {"", ".minisig"};
        for (int f = 0; f < 2; f++) {
            char src[PATH_MAX], name[160], dst[PATH_MAX], *data;
            size_t len;
            snprintf(src, sizeof src, "%s%s", o->scopes[i].bundle, sfx[f]);
            if (read_file(src, &data, &len, 64u << 20, d)) {
                if (f == 1)
                    diag_hint(d, "sign the bundle first (cmdai-policyc build --sign or sign)");
                json_decref(map);
                goto out;
            }
            if (f == 0 && check_bundle_scope(src, data, len, o->scopes[i].scope, d)) {
                free(data);
                json_decref(map);
                goto out;
            }
            snprintf(name, sizeof name, "%s/policy.cpb%s", o->scopes[i].scope, sfx[f]);
            snprintf(dst, sizeof dst, "%s/targets/%s", o->repo, o->scopes[i].scope);
            if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
                free(data);
                json_decref(map);
                diag_set(d, CMDAI_E_IO, dst, 0, 0, "cannot create: %s", strerror(errno));
                goto out;
            }
            /* Consistent targets: also under <sha256>.<name>, never overwritten,
             * so a client reading while this runs never mixes two releases. */
            char hex[65];
            sha256_hex(data, len, hex);
            snprintf(dst, sizeof dst, "%s/targets/%s/%s.policy.cpb%s", o->repo, o->scopes[i].scope, hex, sfx[f]);
            int bad = emit_write_file(dst, data, len, d);
            snprintf(dst, sizeof dst, "%s/targets/%s", o->repo, name);
            bad = bad || emit_write_file(dst, data, len, d);
            json_object_set_new(map, name, file_meta(data, len));
            free(data);
            if (bad) {
                json_decref(map);
                goto out;
            }
        }
        sn += (size_t)snprintf(sum + sn, sizeof sum - sn, "scope %s <- %s\n", o->scopes[i].scope, o->scopes[i].bundle);
    }
    char ex[32];
    iso_time(o->expires[FLEET_TARGETS], ex);
    json_t *s = json_pack("{s:s,s:s,s:I,s:s,s:o}", "_type", "targets", "spec_version", "1.0.31", "version", tv + 1,
                          "expires", ex, "targets", map);
    targets = sign_sets(s, cur[FLEET_TARGETS], NULL, d);
    json_decref(s);
    char vname[64];
    snprintf(vname, sizeof vname, "%lld.targets.json", (long long)(tv + 1));
    if (!targets || write_json(o->repo, vname, targets, d) || write_json(o->repo, "targets.json", targets, d))
        goto out;
    iso_time(o->expires[FLEET_SNAPSHOT], ex);
    s = json_pack("{s:s,s:s,s:I,s:s,s:{s:{s:I}}}", "_type", "snapshot", "spec_version", "1.0.31", "version", sv + 1,
                  "expires", ex, "meta", "targets.json", "version", tv + 1);
    snap = sign_sets(s, cur[FLEET_SNAPSHOT], NULL, d);
    json_decref(s);
    snprintf(vname, sizeof vname, "%lld.snapshot.json", (long long)(sv + 1));
    if (!snap || write_json(o->repo, vname, snap, d) || write_json(o->repo, "snapshot.json", snap, d))
        goto out;
    /* The timestamp pins the snapshot file's exact bytes (length and hash). */
    char *stxt;
    size_t slen;
    snprintf(p, sizeof p, "%s/snapshot.json", o->repo);
    if (read_file(p, &stxt, &slen, 64u << 20, d))
        goto out;
    json_t *sm = file_meta(stxt, slen);
    free(stxt);
    json_object_set_new(sm, "version", json_integer(sv + 1));
    iso_time(o->expires[FLEET_TIMESTAMP], ex);
    s = json_pack("{s:s,s:s,s:I,s:s,s:{s:o}}", "_type", "timestamp", "spec_version", "1.0.31", "version", xv + 1,
                  "expires", ex, "meta", "snapshot.json", sm);
    ts = sign_sets(s, cur[FLEET_TIMESTAMP], NULL, d);
    json_decref(s);
    struct stat before;
    snprintf(p, sizeof p, "%s/timestamp.json", o->repo);
    bool had_ts = stat(p, &before) == 0;
    if (!ts || write_json(o->repo, "timestamp.json", ts, d))
        goto out;
    /* Web servers derive the ETag from mtime (seconds) and size: two runs in
     * one second would look unchanged to clients polling with If-None-Match.
     * Move the mtime past the previous one. */
    struct stat after;
    if (had_ts && stat(p, &after) == 0 && after.st_mtime <= before.st_mtime) {
        struct timespec mt[2] = {{0, UTIME_OMIT}, {before.st_mtime + 1, 0}};
        utimensat(AT_FDCWD, p, mt, 0);
    }
    sn += (size_t)snprintf(sum + sn, sizeof sum - sn, "targets v%lld, snapshot v%lld, timestamp v%lld (expires %s)\n",
                           (long long)(tv + 1), (long long)(sv + 1), (long long)(xv + 1), ex);
    *summary = strdup(sum);
    rc = 0;
out:
    json_decref(root);
    json_decref(targets);
    json_decref(snap);
    json_decref(ts);
    free(k);
    return rc;
}
