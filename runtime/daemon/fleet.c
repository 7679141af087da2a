/* fleet.c — the fleet poller of cmdai-policyd (fleet.h, docs/fleet.md).
 * The checks follow the TUF client workflow (theupdateframework.io spec,
 * "Detailed client workflow"): update root one version at a time, each new
 * root signed by a threshold of the old root's and of its own root keys;
 * refuse an expired root; then timestamp (signatures, no rollback of its
 * version or of the snapshot version it names, expiry), snapshot (the exact
 * length and hash the timestamp names, signatures, version, no rollback of
 * targets, expiry), targets (signatures, the version snapshot names,
 * expiry), and finally the bundle (length and hash from targets). */
#include "fleet.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleet_http.h"
#include "fleet_meta.h"
#include "sig.h"

#define FLEET_ROOT_MAX (512u << 10)
#define FLEET_TIMESTAMP_MAX (16u << 10)
#define FLEET_TARGETS_MAX (1u << 20)
#define FLEET_BUNDLE_MAX (64u << 20)
#define FLEET_MAX_ROOT_STEPS 64

struct fleet {
    char url[1024], scope[128], state[3072], bundle[3072];
    double interval_s;
    pthread_t th;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, pending;
    json_t *root; /* trusted root document (whole file) */
    json_int_t root_v, ts_v, snap_v, targets_v;
    char ts_etag[256];
    char staged_hash[65], active_hash[65], refused_hash[65];
    int64_t last_poll_ms, last_ok_ms;
    uint64_t polls, activations, failures;
    char last_error[600], last_result[200];
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The poll thread writes the versions; `status` reads them under the lock. */
static void set_version(fleet *f, json_int_t *field, json_int_t v)
{
    pthread_mutex_lock(&f->mu);
    *field = v;
    pthread_mutex_unlock(&f->mu);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, p, n);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int file_hash(const char *path, char out[65])
{
    out[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[65536], h[crypto_hash_sha256_BYTES];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        crypto_hash_sha256_update(&st, buf, k);
    fclose(f);
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(out, 65, h, sizeof h);
    return 0;
}

static int write_file(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void url_of(const fleet *f, const char *rel, char *out, size_t cap)
{
    size_t n = strlen(f->url);
    snprintf(out, cap, "%s%s%s", f->url, n && f->url[n - 1] == '/' ? "" : "/", rel);
}

static void state_path(const fleet *f, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->state, name);
}

static json_t *load_state(const fleet *f, const char *name)
{
    char p[PATH_MAX];
    state_path(f, name, p, sizeof p);
    return json_load_file(p, JSON_REJECT_DUPLICATES, NULL);
}

static int save_state(const fleet *f, const char *name, const char *buf, size_t len, char *err, size_t cap)
{
    char p[PATH_MAX];
    state_path(f, name, p, sizeof p);
    if (write_file(p, buf, len))
        return fleet_fail(err, cap, "%s: cannot write: %s", p, strerror(errno));
    return 0;
}

/* GET rel within max bytes.  1 on 404, 0 on 200, -1 otherwise. */
static int get(fleet *f, const char *rel, size_t max, const char *etag, fetch_result *r, char *err, size_t cap)
{
    char url[2048];
    url_of(f, rel, url, sizeof url);
    if (fetch_get(url, etag, max, 30, r, err, cap))
        return -1;
    if (r->status == 404)
        return 1;
    if (r->status == 200 || (r->status == 304 && etag))
        return 0;
    return fleet_fail(err, cap, "%s: HTTP status %ld", url, r->status);
}

/* Root's consistent_snapshot: snapshot and targets are fetched as
 * N.snapshot.json / N.targets.json, bundles by hash (TUF 5.5.1, 5.6.1, 5.7.3). */
static bool consistent(const fleet *f)
{
    return json_is_true(json_object_get(fleet_signed(f->root), "consistent_snapshot"));
}

static json_int_t version_of(const json_t *doc)
{
    return json_integer_value(json_object_get(fleet_signed(doc), "version"));
}

/* Same key ids for a role in two roots? */
static bool same_role_keys(const json_t *a, const json_t *b, const char *role)
{
    json_t *x = json_object_get(json_object_get(json_object_get(a, "roles"), role), "keyids");
    json_t *y = json_object_get(json_object_get(json_object_get(b, "roles"), role), "keyids");
    return json_equal(x, y);
}

/* Step 1: follow root versions N+1, N+2, ... */
static int update_root(fleet *f, char *err, size_t cap)
{
    for (int step = 0; step < FLEET_MAX_ROOT_STEPS; step++) {
        char rel[64], what[80];
        snprintf(rel, sizeof rel, "%lld.root.json", (long long)(f->root_v + 1));
        snprintf(what, sizeof what, "%s", rel);
        fetch_result r;
        int g = get(f, rel, FLEET_ROOT_MAX, NULL, &r, err, cap);
        if (g < 0)
            return -1;
        if (g == 1)
            break;
        json_t *nr = fleet_meta_parse(what, r.body, r.len, "root", err, cap);
        if (!nr) {
            free(r.body);
            return -1;
        }
        /* Signed by the trusted root's keys and by its own. */
        if (fleet_meta_verify(fleet_signed(f->root), "root", nr, what, err, cap) || fleet_meta_verify(fleet_signed(nr), "root", nr, what, err, cap) ||
            (version_of(nr) != f->root_v + 1 &&
             fleet_fail(err, cap, "%s: says version %lld; refused", what, (long long)version_of(nr)))) {
            json_decref(nr);
            free(r.body);
            return -1;
        }
        if (save_state(f, "root.json", r.body, r.len, err, cap)) {
            json_decref(nr);
            free(r.body);
            return -1;
        }
        free(r.body);
        /* Rotated timestamp or snapshot keys: forget their trusted versions
         * (TUF 5.3.11: recovery from a fast-forward attack). */
        if (!same_role_keys(fleet_signed(f->root), fleet_signed(nr), "timestamp") || !same_role_keys(fleet_signed(f->root), fleet_signed(nr), "snapshot")) {
            set_version(f, &f->ts_v, 0);
            set_version(f, &f->snap_v, 0);
            f->ts_etag[0] = '\0';
        }
        if (!same_role_keys(fleet_signed(f->root), fleet_signed(nr), "targets"))
            set_version(f, &f->targets_v, 0);
        json_decref(f->root);
        f->root = nr;
        set_version(f, &f->root_v, version_of(nr));
    }
    return fleet_meta_fresh(f->root, "root.json", err, cap);
}

static int download_target(fleet *f, json_t *targets, const char *name, const char *dest, char hash_out[65],
                           char *err, size_t cap)
{
    json_t *t = json_object_get(json_object_get(fleet_signed(targets), "targets"), name);
    json_int_t len = json_integer_value(json_object_get(t, "length"));
    const char *want = fleet_jstr(json_object_get(t, "hashes"), "sha256");
    if (!t)
        return fleet_fail(err, cap, "targets.json has no %s (scope '%s' not provisioned)", name, f->scope);
    if (len < 0 || len > FLEET_BUNDLE_MAX || !want || strlen(want) != 64 || strspn(want, "0123456789abcdef") != 64)
        return fleet_fail(err, cap, "targets.json: bad length or hash for %s", name);
    char rel[300];
    const char *slash = strrchr(name, '/');
    if (consistent(f) && slash) /* targets/<scope>/<sha256>.policy.cpb: never rewritten in place */
        snprintf(rel, sizeof rel, "targets/%.*s/%s.%s", (int)(slash - name), name, want, slash + 1);
    else
        snprintf(rel, sizeof rel, "targets/%s", name);
    fetch_result r;
    int g = get(f, rel, (size_t)len, NULL, &r, err, cap);
    if (g)
        return g > 0 ? fleet_fail(err, cap, "%s: not found on the server", rel) : -1;
    char got[65];
    sha256_hex(r.body, r.len, got);
    if ((json_int_t)r.len != len || strcmp(got, want)) {
        free(r.body);
        return fleet_fail(err, cap, "%s: %zu bytes with sha256 %.16s..., targets.json says %lld bytes with "
                              "%.16s...; refused", rel, r.len, got, (long long)len, want);
    }
    int w = write_file(dest, r.body, r.len);
    free(r.body);
    if (w)
        return fleet_fail(err, cap, "%s: cannot write: %s", dest, strerror(errno));
    if (hash_out)
        memcpy(hash_out, got, 65);
    return 0;
}

/* One poll.  0: up to date or staged; -1: err says why (nothing changed). */
static int poll_once(fleet *f, char *err, size_t cap, char *result, size_t rcap)
{
    if (update_root(f, err, cap))
        return -1;
    /* timestamp */
    fetch_result r;
    int g = get(f, "timestamp.json", FLEET_TIMESTAMP_MAX, f->ts_etag[0] ? f->ts_etag : NULL, &r, err, cap);
    if (g)
        return g > 0 ? fleet_fail(err, cap, "timestamp.json: not found on the server") : -1;
    json_t *ts = NULL, *snap = NULL, *targets = NULL;
    int rc = -1;
    if (r.status == 304) {
        json_t *old = load_state(f, "timestamp.json");
        rc = old ? fleet_meta_fresh(old, "timestamp.json", err, cap) : fleet_fail(err, cap, "no trusted timestamp.json");
        json_decref(old);
        if (!rc)
            snprintf(result, rcap, "not modified (timestamp v%lld)", (long long)f->ts_v);
        return rc;
    }
    if (!(ts = fleet_meta_parse("timestamp.json", r.body, r.len, "timestamp", err, cap)) ||
        fleet_meta_verify(fleet_signed(f->root), "timestamp", ts, "timestamp.json", err, cap))
        goto out;
    if (version_of(ts) < f->ts_v) {
        fleet_fail(err, cap, "timestamp.json: version %lld is older than the trusted version %lld (rollback attack); "
                       "refused", (long long)version_of(ts), (long long)f->ts_v);
        goto out;
    }
    json_t *sm = json_object_get(json_object_get(fleet_signed(ts), "meta"), "snapshot.json");
    json_int_t sv = json_integer_value(json_object_get(sm, "version"));
    json_int_t slen = json_integer_value(json_object_get(sm, "length"));
    const char *shash = fleet_jstr(json_object_get(sm, "hashes"), "sha256");
    if (!sm || sv < 1 || slen < 1 || slen > FLEET_TARGETS_MAX || !shash) {
        fleet_fail(err, cap, "timestamp.json: no usable snapshot.json entry");
        goto out;
    }
    if (sv < f->snap_v) {
        fleet_fail(err, cap, "timestamp.json names snapshot version %lld, older than the trusted %lld (rollback attack); "
                       "refused", (long long)sv, (long long)f->snap_v);
        goto out;
    }
    if (fleet_meta_fresh(ts, "timestamp.json", err, cap))
        goto out;
    char tsbuf_etag[256];
    snprintf(tsbuf_etag, sizeof tsbuf_etag, "%s", r.etag);
    if (save_state(f, "timestamp.json", r.body, r.len, err, cap))
        goto out;
    set_version(f, &f->ts_v, version_of(ts));
    free(r.body);
    r.body = NULL;
    /* snapshot: exactly the bytes the timestamp names */
    char rel[64];
    if (consistent(f))
        snprintf(rel, sizeof rel, "%lld.snapshot.json", (long long)sv);
    else
        snprintf(rel, sizeof rel, "snapshot.json");
    g = get(f, rel, (size_t)slen, NULL, &r, err, cap);
    if (g) {
        if (g > 0)
            fleet_fail(err, cap, "snapshot.json: not found on the server");
        goto out;
    }
    char got[65];
    sha256_hex(r.body, r.len, got);
    if ((json_int_t)r.len != slen || strcmp(got, shash)) {
        fleet_fail(err, cap, "snapshot.json does not match the length and hash in timestamp.json (mix-and-match or "
                       "tampering); refused");
        goto out;
    }
    if (!(snap = fleet_meta_parse("snapshot.json", r.body, r.len, "snapshot", err, cap)) ||
        fleet_meta_verify(fleet_signed(f->root), "snapshot", snap, "snapshot.json", err, cap))
        goto out;
    if (version_of(snap) != sv) {
        fleet_fail(err, cap, "snapshot.json is version %lld, timestamp.json says %lld (mix-and-match); refused",
             (long long)version_of(snap), (long long)sv);
        goto out;
    }
    json_int_t tv = json_integer_value(json_object_get(json_object_get(json_object_get(fleet_signed(snap), "meta"),
                                                                       "targets.json"), "version"));
    if (tv < 1 || tv < f->targets_v) {
        fleet_fail(err, cap, "snapshot.json names targets version %lld, older than the trusted %lld (rollback attack); "
                       "refused", (long long)tv, (long long)f->targets_v);
        goto out;
    }
    if (fleet_meta_fresh(snap, "snapshot.json", err, cap) || save_state(f, "snapshot.json", r.body, r.len, err, cap))
        goto out;
    set_version(f, &f->snap_v, sv);
    free(r.body);
    r.body = NULL;
    /* targets */
    if (consistent(f))
        snprintf(rel, sizeof rel, "%lld.targets.json", (long long)tv);
    else
        snprintf(rel, sizeof rel, "targets.json");
    g = get(f, rel, FLEET_TARGETS_MAX, NULL, &r, err, cap);
    if (g) {
        if (g > 0)
            fleet_fail(err, cap, "targets.json: not found on the server");
        goto out;
    }
    if (!(targets = fleet_meta_parse("targets.json", r.body, r.len, "targets", err, cap)) ||
        fleet_meta_verify(fleet_signed(f->root), "targets", targets, "targets.json", err, cap))
        goto out;
    if (version_of(targets) != tv) {
        fleet_fail(err, cap, "targets.json is version %lld, snapshot.json says %lld (mix-and-match); refused",
             (long long)version_of(targets), (long long)tv);
        goto out;
    }
    if (fleet_meta_fresh(targets, "targets.json", err, cap) || save_state(f, "targets.json", r.body, r.len, err, cap))
        goto out;
    set_version(f, &f->targets_v, tv);
    /* the scope's bundle, unless it is the active one or one the runtime refused */
    char name[200], nsig[220];
    snprintf(name, sizeof name, "%s/policy.cpb", f->scope);
    snprintf(nsig, sizeof nsig, "%s/policy.cpb.minisig", f->scope);
    const char *want = fleet_jstr(json_object_get(json_object_get(json_object_get(fleet_signed(targets), "targets"), name),
                                            "hashes"), "sha256");
    pthread_mutex_lock(&f->mu);
    bool active = want && !strcmp(want, f->active_hash), refused = want && !strcmp(want, f->refused_hash);
    pthread_mutex_unlock(&f->mu);
    if (refused) { /* already tried: the runtime refused it (signature, expiry, serial) */
        fleet_fail(err, cap, "targets v%lld names a bundle (sha256 %.16s...) that the runtime refused", (long long)tv,
             want);
        goto out;
    }
    if (active) {
        snprintf(f->ts_etag, sizeof f->ts_etag, "%s", tsbuf_etag);
        snprintf(result, rcap, "up to date (targets v%lld)", (long long)tv);
        rc = 0;
        goto out;
    }
    char dn[PATH_MAX + 16], ds[PATH_MAX + 32], h[65];
    snprintf(dn, sizeof dn, "%s.fleet-new", f->bundle);
    snprintf(ds, sizeof ds, "%s.minisig.fleet-new", f->bundle);
    if (download_target(f, targets, name, dn, h, err, cap) || download_target(f, targets, nsig, ds, NULL, err, cap))
        goto out;
    snprintf(f->ts_etag, sizeof f->ts_etag, "%s", tsbuf_etag);
    pthread_mutex_lock(&f->mu);
    memcpy(f->staged_hash, h, 65);
    f->pending = true;
    pthread_mutex_unlock(&f->mu);
    snprintf(result, rcap, "staged the bundle of targets v%lld (sha256 %.16s...)", (long long)tv, h);
    rc = 0;
out:
    free(r.body);
    json_decref(ts);
    json_decref(snap);
    json_decref(targets);
    return rc;
}

static void record(fleet *f, int rc, const char *err, const char *result)
{
    pthread_mutex_lock(&f->mu);
    f->polls++;
    f->last_poll_ms = now_ms();
    if (rc) {
        f->failures++;
        if (strcmp(f->last_error, err)) /* log a refusal once, not at every poll */
            fprintf(stderr, "cmdai-policyd: fleet: %s; keeping the last good bundle\n", err);
        snprintf(f->last_error, sizeof f->last_error, "%s", err);
    } else {
        if (f->last_error[0])
            fprintf(stderr, "cmdai-policyd: fleet: %s\n", result);
        f->last_error[0] = '\0';
        f->last_ok_ms = f->last_poll_ms;
        snprintf(f->last_result, sizeof f->last_result, "%s", result);
    }
    pthread_mutex_unlock(&f->mu);
}

static void *run(void *arg)
{
    fleet *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ns = ts.tv_nsec + (int64_t)(f->interval_s * 1e9);
        ts.tv_sec += (time_t)(ns / 1000000000);
        ts.tv_nsec = (long)(ns % 1000000000);
        while (!f->stop && pthread_cond_timedwait(&f->cv, &f->mu, &ts) == 0)
            ;
        bool stop = f->stop, pending = f->pending;
        pthread_mutex_unlock(&f->mu);
        if (stop)
            break;
        if (pending)
            continue; /* the main loop has not activated the last one yet */
        char err[600] = "", result[200] = "";
        int rc = poll_once(f, err, sizeof err, result, sizeof result);
        record(f, rc, err, result);
    }
    return NULL;
}

bool fleet_pending(fleet *f)
{
    if (!f)
        return false;
    pthread_mutex_lock(&f->mu);
    bool p = f->pending;
    pthread_mutex_unlock(&f->mu);
    return p;
}

int fleet_activate(fleet *f, int (*reload)(void *), void *arg)
{
    char n[PATH_MAX + 16], ns[PATH_MAX + 32], s[PATH_MAX + 16], pb[PATH_MAX + 16], ps[PATH_MAX + 32];
    snprintf(n, sizeof n, "%s.fleet-new", f->bundle);
    snprintf(ns, sizeof ns, "%s.minisig.fleet-new", f->bundle);
    snprintf(s, sizeof s, "%s.minisig", f->bundle);
    snprintf(pb, sizeof pb, "%s.fleet-prev", f->bundle);
    snprintf(ps, sizeof ps, "%s.minisig.fleet-prev", f->bundle);
    pthread_mutex_lock(&f->mu);
    char staged[65];
    memcpy(staged, f->staged_hash, 65);
    pthread_mutex_unlock(&f->mu);
    /* Keep the current pair to put back; then each rename is atomic. */
    unlink(pb);
    unlink(ps);
    bool had = link(f->bundle, pb) == 0;
    bool had_sig = link(s, ps) == 0;
    int rc = 0;
    if (rename(ns, s) < 0 || rename(n, f->bundle) < 0) {
        rc = -1;
        fleet_fail(f->last_error, sizeof f->last_error, "cannot put the downloaded bundle in place: %s", strerror(errno));
    } else if (reload) {
        rc = reload(arg);
    }
    pthread_mutex_lock(&f->mu);
    f->pending = false;
    if (rc == 0) {
        memcpy(f->active_hash, staged, 65);
        f->activations++;
        snprintf(f->last_result, sizeof f->last_result, "activated bundle sha256 %.16s...", staged);
        pthread_mutex_unlock(&f->mu);
        unlink(pb);
        unlink(ps);
        return 0;
    }
    memcpy(f->refused_hash, staged, 65);
    f->ts_etag[0] = '\0'; /* the next poll re-reads the chain and reports the refusal again */
    f->failures++;
    if (reload)
        snprintf(f->last_error, sizeof f->last_error,
                 "the runtime refused the downloaded bundle (sha256 %.16s..., see last_reload); kept the previous one",
                 staged);
    pthread_mutex_unlock(&f->mu);
    if (had)
        rename(pb, f->bundle);
    if (had_sig)
        rename(ps, s);
    if (reload && had)
        reload(arg);
    return rc;
}

static void default_state(char *out, size_t cap)
{
    const char *x = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (getuid() == 0)
        snprintf(out, cap, "/var/lib/cmdai/fleet");
    else if (x && *x)
        snprintf(out, cap, "%s/cmdai/fleet", x);
    else
        snprintf(out, cap, "%s/.local/state/cmdai/fleet", home && *home ? home : ".");
}

static int mkdirs(char *p)
{
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        int r = mkdir(p, 0700);
        *s = '/';
        if (r < 0 && errno != EEXIST)
            return -1;
    }
    return mkdir(p, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

fleet *fleet_start(const fleet_opts *o, const char *bundle_path, char *err, size_t errcap)
{
    if (!o->url || !fetch_is_url(o->url)) {
        fleet_fail(err, errcap, "--fleet needs an http:// or https:// URL");
        return NULL;
    }
    if (!o->root_path || !o->scope || !o->scope[0] || strchr(o->scope, '/') || strstr(o->scope, "..")) {
        fleet_fail(err, errcap, "--fleet needs --fleet-root ROOT.json and --scope NAME");
        return NULL;
    }
    if (rt_sodium_init() < 0) {
        fleet_fail(err, errcap, "cannot initialise libsodium");
        return NULL;
    }
    fleet *f = calloc(1, sizeof *f);
    if (!f) {
        fleet_fail(err, errcap, "out of memory");
        return NULL;
    }
    snprintf(f->url, sizeof f->url, "%s", o->url);
    snprintf(f->scope, sizeof f->scope, "%s", o->scope);
    snprintf(f->bundle, sizeof f->bundle, "%s", bundle_path);
    f->interval_s = o->interval_s > 0 ? o->interval_s : 60;
    if (o->state_dir)
        snprintf(f->state, sizeof f->state, "%s", o->state_dir);
    else
        default_state(f->state, sizeof f->state);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cv, NULL);
    if (mkdirs(f->state) < 0) {
        fleet_fail(err, errcap, "%s: cannot create: %s", f->state, strerror(errno));
        goto bad;
    }
    /* The trusted root: the one kept in the state (it may have rotated), else --fleet-root. */
    json_error_t je;
    char p[PATH_MAX];
    state_path(f, "root.json", p, sizeof p);
    f->root = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    if (!f->root) {
        f->root = json_load_file(o->root_path, JSON_REJECT_DUPLICATES, &je);
        if (!f->root) {
            fleet_fail(err, errcap, "%s:%d: %s", o->root_path, je.line, je.text);
            goto bad;
        }
        char *txt = json_dumps(f->root, JSON_INDENT(1) | JSON_SORT_KEYS);
        int w = txt ? write_file(p, txt, strlen(txt)) : -1;
        free(txt);
        if (w) {
            fleet_fail(err, errcap, "%s: cannot write", p);
            goto bad;
        }
    }
    json_t *rs = fleet_signed(f->root);
    if (!rs || strcmp(fleet_jstr(rs, "_type") ? fleet_jstr(rs, "_type") : "", "root") ||
        fleet_meta_verify(rs, "root", f->root, "trusted root.json", err, errcap))
        goto bad;
    f->root_v = version_of(f->root);
    const char *names[3] = {"timestamp.json", "snapshot.json", "targets.json"};
    json_int_t *vs[3] = {&f->ts_v, &f->snap_v, &f->targets_v};
    for (int i = 0; i < 3; i++) {
        json_t *d = load_state(f, names[i]);
        *vs[i] = d ? version_of(d) : 0;
        json_decref(d);
    }
    file_hash(f->bundle, f->active_hash);
    char perr[600] = "", result[200] = "";
    int rc = poll_once(f, perr, sizeof perr, result, sizeof result);
    record(f, rc, perr, result);
    if (f->pending) {
        struct stat st;
        bool exists = stat(f->bundle, &st) == 0;
        /* No bundle yet: put the verified one in place for the first load.
         * Otherwise the main loop activates it through the reload path. */
        if (!exists)
            fleet_activate(f, NULL, NULL);
    }
    if (pthread_create(&f->th, NULL, run, f)) {
        fleet_fail(err, errcap, "cannot start the fleet thread");
        goto bad;
    }
    f->started = true;
    return f;
bad:
    json_decref(f->root);
    free(f);
    return NULL;
}

json_t *fleet_status(fleet *f)
{
    pthread_mutex_lock(&f->mu);
    json_t *o = json_pack("{s:s,s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s}", "url", f->url, "scope",
                          f->scope, "ok", !f->last_error[0], "root_version", (json_int_t)f->root_v,
                          "timestamp_version", (json_int_t)f->ts_v, "snapshot_version", (json_int_t)f->snap_v,
                          "targets_version", (json_int_t)f->targets_v, "polls", (json_int_t)f->polls, "failures",
                          (json_int_t)f->failures, "activations", (json_int_t)f->activations, "last_poll_ms",
                          (json_int_t)f->last_poll_ms, "last_ok_ms", (json_int_t)f->last_ok_ms, "active_sha256",
                          f->active_hash, "last_result", f->last_result);
    if (f->last_error[0]) {
        json_object_set_new(o, "error", json_string(f->last_error));
        json_object_set_new(o, "note", json_string("nothing from the fleet was activated; the last good bundle stays"));
    }
    pthread_mutex_unlock(&f->mu);
    return o;
}

void fleet_stop(fleet *f)
{
    if (!f)
        return;
    pthread_mutex_lock(&f->mu);
    f->stop = true;
    pthread_cond_broadcast(&f->cv);
    pthread_mutex_unlock(&f->mu);
    if (f->started)
        pthread_join(f->th, NULL);
    json_decref(f->root);
    free(f);
}
