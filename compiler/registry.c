/* registry.c — registry layout, name rules, signed index lines, fetching
 * through the cache, publish and yank (see registry.h, docs/registry.md). */
#include "registry.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "emit.h"
#include "daemon/fleet_http.h"
#include "sign.h"
#include "tpl_int.h"
#include "tpl_registry.h"

/* ---- names --------------------------------------------------------------------- */

/* Names that would mislead (they look official or collide with the layout). */
static const char *const reserved[] = {"admin", "api", "archives", "cmdai", "cmdai-policy", "config", "core",
                                       "default", "index", "names", "official", "registry", "root", "std",
                                       "stdlib", "system", "template", "templates", "test"};

void reg_name_skeleton(const char *name, char *out)
{
    static const char from[] = "0134578", to[] = "oleastb";
    size_t n = 0;
    for (const char *p = name; *p && n < REG_NAME_MAX; p++) {
        char ch = *p;
        if (ch == '-' || ch == '_' || ch == '.')
            continue;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        const char *m = strchr(from, ch);
        if (m && ch)
            ch = to[m - from];
        out[n++] = ch;
    }
    out[n] = '\0';
}

int reg_name_check(const char *name, char *const *existing, size_t nexisting, diag *d)
{
    size_t len = strlen(name);
    if (len < REG_NAME_MIN || len > REG_NAME_MAX)
        return diag_set(d, CMDAI_E_SEMANTIC, name, 0, 0, "template name '%s' has %zu characters; a registry name has %d to %d",
                        name, len, REG_NAME_MIN, REG_NAME_MAX);
    if (!tpl_valid_name(name, len) || name[len - 1] == '-' || strstr(name, "--")) {
        diag_set(d, CMDAI_E_SEMANTIC, name, 0, 0, "invalid template name '%s'", name);
        diag_hint(d, "registry names use lowercase letters, digits and single '-', start with a letter and do not "
                     "end with '-'");
        return -1;
    }
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (!strcmp(name, reserved[i]))
            return diag_set(d, CMDAI_E_SEMANTIC, name, 0, 0, "template name '%s' is reserved", name);
    char sk[REG_NAME_MAX + 1], ok[REG_NAME_MAX + 1];
    reg_name_skeleton(name, sk);
    for (size_t i = 0; i < nexisting; i++) {
        if (!strcmp(existing[i], name))
            continue;
        reg_name_skeleton(existing[i], ok);
        if (!strcmp(sk, ok)) {
            diag_set(d, CMDAI_E_SEMANTIC, name, 0, 0,
                     "template name '%s' is confusable with the existing template '%s'; refused (name squatting rule)",
                     name, existing[i]);
            diag_hint(d, "names that differ only by '-', '_' or digits standing for letters (0/o, 1/l, 3/e, 4/a, "
                         "5/s, 7/t, 8/b) are one name; choose a distinct name");
            return -1;
        }
    }
    return 0;
}

/* ---- lines ------------------------------------------------------------------------ */

void reg_digest(const void *data, size_t len, char out[72])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, data, len);
    memcpy(out, "sha256:", 7);
    sodium_bin2hex(out + 7, 65, h, sizeof h);
}

static bool digest_ok(const char *s)
{
    if (!s || strncmp(s, "sha256:", 7) || strlen(s) != 7 + 64)
        return false;
    for (const char *p = s + 7; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    return true;
}

char *reg_line_payload(const json_t *line)
{
    json_t *c = json_deep_copy(line);
    if (!c)
        return NULL;
    json_object_del(c, "sig");
    json_object_del(c, "yanked");
    char *s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
    json_decref(c);
    return s;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int reg_line_verify(const reg_client *c, const json_t *line, const char *where, diag *d)
{
    const char *name = jstr(line, "name"), *vers = jstr(line, "vers"), *dg = jstr(line, "digest");
    const char *pub = jstr(line, "publisher"), *sigtext = jstr(line, "sig");
    tpl_semver sv;
    if (!name || !vers || !tpl_semver_parse(vers, strlen(vers), &sv) || !digest_ok(dg) || !pub || !sigtext ||
        !json_is_boolean(json_object_get(line, "yanked")) || !json_is_object(json_object_get(line, "deps")))
        return diag_set(d, CMDAI_E_FORMAT, where, 0, 0, "malformed index line (needs name, vers, digest, deps, "
                                                        "publisher, sig, yanked)");
    rt_sig s;
    cmdai_error e = {0};
    if (rt_sig_parse(sigtext, strlen(sigtext), &s, &e) != CMDAI_OK)
        return diag_set(d, CMDAI_E_FORMAT, where, 0, 0, "%s %s: bad signature field: %s", name, vers, e.text);
    char kid[17];
    rt_keyid_hex(s.keyid, kid);
    if (strcmp(kid, pub))
        return diag_set(d, CMDAI_E_SIGNATURE, where, 0, 0, "%s %s: signed by key %s but claims publisher %s", name,
                        vers, kid, pub);
    char *payload = reg_line_payload(line);
    if (!payload)
        return diag_set(d, CMDAI_E_NOMEM, where, 0, 0, "out of memory");
    size_t which;
    int rc = rt_sig_verify(&s, c->keys, c->nkeys, payload, strlen(payload), &which, &e);
    free(payload);
    if (rc == CMDAI_E_UNKNOWN_KEY) {
        diag_set(d, CMDAI_E_UNKNOWN_KEY, where, 0, 0, "%s %s is signed by publisher key %s, which is not trusted", name,
                 vers, kid);
        diag_hint(d, "add the publisher's .pub file to the registry trust directory (--registry-trust)");
        return -1;
    }
    if (rc != CMDAI_OK)
        return diag_set(d, CMDAI_E_SIGNATURE, where, 0, 0, "%s %s: publisher signature does not verify: the index "
                                                           "line was altered", name, vers);
    return 0;
}

/* ---- files and the cache ------------------------------------------------------------ */

static int read_all(const char *path, size_t max, char **out, size_t *len, diag *d)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 1 : diag_set(d, CMDAI_E_IO, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return diag_set(d, CMDAI_E_IO, path, 0, 0, "not a regular file");
    }
    if ((unsigned long long)st.st_size > max) {
        close(fd);
        return diag_set(d, CMDAI_E_TOO_LONG, path, 0, 0, "%lld bytes; the limit is %zu", (long long)st.st_size, max);
    }
    size_t cap = (size_t)st.st_size, n = 0;
    char *b = malloc(cap + 1);
    if (!b)
        abort();
    while (n < cap) {
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    b[n] = '\0';
    *out = b;
    *len = n;
    return 0;
}

static int mkdirs(const char *dir, diag *d)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
        return diag_set(d, CMDAI_E_IO, dir, 0, 0, "path too long");
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST)
            return diag_set(d, CMDAI_E_IO, p, 0, 0, "cannot create directory: %s", strerror(errno));
        *s = '/';
    }
    if (mkdir(p, 0755) < 0 && errno != EEXIST)
        return diag_set(d, CMDAI_E_IO, p, 0, 0, "cannot create directory: %s", strerror(errno));
    return 0;
}

const char *reg_default_cache(void)
{
    static char buf[PATH_MAX];
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (x && *x)
        snprintf(buf, sizeof buf, "%s/cmdai/registry", x);
    else
        snprintf(buf, sizeof buf, "%s/.cache/cmdai/registry", home && *home ? home : ".");
    return buf;
}

/* CACHE/http/<hash of the URL>: body, and .etag beside it. */
static void cache_path(const reg_client *c, const char *url, char *out, size_t cap)
{
    unsigned char h[16];
    char hex[33];
    crypto_generichash(h, sizeof h, (const unsigned char *)url, strlen(url), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    snprintf(out, cap, "%s/http/%s", c->cache_dir ? c->cache_dir : reg_default_cache(), hex);
}

/* Read `rel` under registry `base`: a file of a directory registry, or a
 * URL through the ETag cache.  0 found, 1 absent, -1 error. */
static int fetch_rel(reg_client *c, const char *base, const char *rel, size_t max, char **out, size_t *len, diag *d)
{
    char url[PATH_MAX];
    size_t bl = strlen(base);
    snprintf(url, sizeof url, "%s%s%s", base, bl && base[bl - 1] == '/' ? "" : "/", rel);
    if (!fetch_is_url(base))
        return read_all(url, max, out, len, d);
    char cp[PATH_MAX], ep[PATH_MAX + 8], *etag = NULL;
    size_t elen;
    cache_path(c, url, cp, sizeof cp);
    snprintf(ep, sizeof ep, "%s.etag", cp);
    int have = read_all(cp, max, out, len, d);
    if (have < 0)
        return -1;
    if (c->offline) {
        if (have == 1) {
            diag_set(d, CMDAI_E_IO, url, 0, 0, "offline and not in the cache");
            diag_hint(d, "run once without --offline to fill the cache (%s)", c->cache_dir ? c->cache_dir
                                                                                            : reg_default_cache());
        }
        return have;
    }
    if (have == 0 && read_all(ep, 1024, &etag, &elen, d) < 0)
        etag = NULL;
    fetch_result r;
    char err[512];
    int rc = fetch_get(url, have == 0 ? etag : NULL, max, 30, &r, err, sizeof err);
    free(etag);
    if (rc) {
        if (have == 0)
            free(*out);
        return diag_set(d, CMDAI_E_IO, url, 0, 0, "%s", err);
    }
    if (r.status == 304 && have == 0)
        return 0; /* the cached copy is current */
    if (have == 0)
        free(*out);
    if (r.status == 404 || r.status == 410)
        return 1;
    if (r.status != 200) {
        free(r.body);
        return diag_set(d, CMDAI_E_IO, url, 0, 0, "HTTP status %ld", r.status);
    }
    /* Best effort: a cache that cannot be written only costs a refetch. */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", cp);
    *strrchr(dir, '/') = '\0';
    diag scratch;
    diag_init(&scratch);
    if (!mkdirs(dir, &scratch) && !emit_write_file(cp, r.body, r.len, &scratch)) {
        if (r.etag[0])
            emit_write_file(ep, r.etag, strlen(r.etag), &scratch);
        else
            unlink(ep);
    }
    *out = r.body;
    *len = r.len;
    return 0;
}

/* One JSON object a line (index files, the summary): each non-empty line
 * parsed with duplicate members refused and handed to `check`, which says
 * what is wrong with it (file:line in d) by returning -1; the objects in an
 * array, or NULL when a line was refused. */
typedef int (*line_check)(json_t *o, const json_error_t *je, const char *where, int lineno, void *ctx, diag *d);

static json_t *json_lines(const char *buf, const char *where, line_check check, void *ctx, diag *d)
{
    json_t *arr = json_array();
    int lineno = 0;
    for (const char *p = buf, *nl; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (n == 0)
            continue;
        json_error_t je;
        json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
        if (check(o, &je, where, lineno, ctx, d) != 0) {
            json_decref(o);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, o);
    }
    return arr;
}

/* An index line: an object naming the template the file is for (ctx). */
static int index_line(json_t *o, const json_error_t *je, const char *where, int lineno, void *ctx, diag *d)
{
    const char *name = ctx;
    if (!o || !json_is_object(o)) {
        diag_set(d, CMDAI_E_FORMAT, where, lineno, o ? 1 : je->column, "index line is not a JSON object%s%s",
                 o ? "" : ": ", o ? "" : je->text);
        return -1;
    }
    const char *nm = jstr(o, "name");
    if (!nm || strcmp(nm, name)) {
        diag_set(d, CMDAI_E_FORMAT, where, lineno, 1, "index line names '%s', not '%s'", nm ? nm : "(none)", name);
        return -1;
    }
    return 0;
}

/* A summary line: {"name": a valid name, "vers": ..., ...}. */
static int summary_line(json_t *o, const json_error_t *je, const char *where, int lineno, void *ctx, diag *d)
{
    (void)ctx;
    const char *nm = jstr(o, "name");
    if (!json_is_object(o) || !nm || !tpl_valid_name(nm, strlen(nm)) || !jstr(o, "vers")) {
        diag_set(d, CMDAI_E_FORMAT, where, lineno, 1, "summary line is not {\"name\", \"vers\", ...}%s%s",
                 o ? "" : ": ", o ? "" : je->text);
        return -1;
    }
    return 0;
}

int reg_fetch_index(reg_client *c, const char *base, const char *name, json_t **lines, diag *d)
{
    *lines = NULL;
    char rel[128], *buf;
    size_t len;
    if (!tpl_valid_name(name, strlen(name))) /* it becomes a path and a URL */
        return diag_set(d, CMDAI_E_USAGE, name, 0, 0, "invalid template name '%s'", name);
    snprintf(rel, sizeof rel, "index/%s", name);
    int rc = fetch_rel(c, base, rel, REG_INDEX_MAX, &buf, &len, d);
    if (rc)
        return rc < 0 ? -1 : 0;
    char where[PATH_MAX];
    snprintf(where, sizeof where, "%s/%s", base, rel);
    json_t *arr = json_lines(buf, where, index_line, (void *)name, d);
    free(buf);
    if (!arr)
        return -1;
    *lines = arr;
    return 0;
}

/* config.json of `base` (through the cache), its registry_format checked. */
static int load_config(reg_client *c, const char *base, json_t **out, diag *d)
{
    char *buf;
    size_t len;
    *out = NULL;
    int rc = fetch_rel(c, base, "config.json", 65536, &buf, &len, d);
    if (rc)
        return rc < 0 ? -1
                      : diag_set(d, CMDAI_E_FORMAT, base, 0, 0, "not a cmdai template registry (no config.json)");
    json_error_t je;
    json_t *cfg = json_loadb(buf, len, 0, &je);
    free(buf);
    json_int_t f = json_integer_value(json_object_get(cfg, "registry_format"));
    if (!cfg)
        return diag_set(d, CMDAI_E_FORMAT, base, je.line, je.column, "config.json: %s", je.text);
    if (f != REG_FORMAT) {
        json_decref(cfg);
        diag_set(d, CMDAI_E_VERSION, base, 0, 0, "registry_format %lld is not supported (this client reads %d)",
                 (long long)f, REG_FORMAT);
        diag_hint(d, "upgrade cmdai-policyc");
        return -1;
    }
    *out = cfg;
    return 0;
}

int reg_check_config(reg_client *c, const char *base, diag *d)
{
    json_t *cfg;
    int rc = load_config(c, base, &cfg, d);
    json_decref(cfg);
    return rc;
}

json_t *reg_latest(const json_t *lines)
{
    json_t *best = NULL, *l;
    tpl_semver bv, v;
    bool best_yanked = true;
    size_t i;
    json_array_foreach(lines, i, l) {
        const char *s = jstr(l, "vers");
        bool y = json_is_true(json_object_get(l, "yanked"));
        if (!s || !tpl_semver_parse(s, strlen(s), &v))
            continue;
        if (!best || (best_yanked && !y) || (y == best_yanked && tpl_semver_cmp(&v, &bv) > 0)) {
            best = l;
            bv = v;
            best_yanked = y;
        }
    }
    return best;
}

int reg_fetch_summary(reg_client *c, const char *base, json_t **lines, diag *d)
{
    json_t *cfg;
    *lines = NULL;
    if (load_config(c, base, &cfg, d))
        return -1;
    /* Only the one file name this client knows: the value becomes a path and a URL. */
    const char *sp = jstr(cfg, "summary");
    bool has = sp && !strcmp(sp, "summary");
    json_decref(cfg);
    if (!has)
        return 0;
    char *buf;
    size_t len;
    int rc = fetch_rel(c, base, "summary", REG_SUMMARY_MAX, &buf, &len, d);
    if (rc)
        return rc < 0 ? -1 : 0; /* declared but not there yet: the caller reads the index files */
    char where[PATH_MAX];
    snprintf(where, sizeof where, "%s/summary", base);
    json_t *arr = json_lines(buf, where, summary_line, NULL, d);
    free(buf);
    if (!arr)
        return -1;
    *lines = arr;
    return 0;
}

int reg_fetch_names(reg_client *c, const char *base, json_t **names, diag *d)
{
    char *buf;
    size_t len;
    *names = json_array();
    int rc = fetch_rel(c, base, "names", REG_INDEX_MAX, &buf, &len, d);
    if (rc)
        return rc < 0 ? -1 : 0;
    for (char *p = strtok(buf, "\n"); p; p = strtok(NULL, "\n"))
        if (tpl_valid_name(p, strlen(p)))
            json_array_append_new(*names, json_string(p));
    free(buf);
    return 0;
}

int reg_fetch_archive(reg_client *c, const char *base, const char *digest, char **path, char **data, size_t *len,
                      diag *d)
{
    if (!digest_ok(digest))
        return diag_set(d, CMDAI_E_FORMAT, digest, 0, 0, "malformed digest");
    const char *hex = digest + 7;
    char cp[PATH_MAX], rel[128], got[72], *buf = NULL;
    size_t n;
    snprintf(cp, sizeof cp, "%s/archives/%s.yaml", c->cache_dir ? c->cache_dir : reg_default_cache(), hex);
    snprintf(rel, sizeof rel, "archives/%s.yaml", hex);
    /* Content-addressed: a cached copy with the right digest is the archive. */
    int rc = read_all(cp, REG_ARCHIVE_MAX, &buf, &n, d);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        reg_digest(buf, n, got);
        if (strcmp(got, digest)) {
            free(buf);
            buf = NULL;
            rc = 1;
        }
    }
    if (rc == 1) {
        if (c->offline) {
            diag_set(d, CMDAI_E_IO, digest, 0, 0, "offline and archive %s is not in the cache", digest);
            return -1;
        }
        char url[PATH_MAX];
        snprintf(url, sizeof url, "%s/%s", base, rel);
        if (fetch_is_url(base)) {
            fetch_result r;
            char err[512];
            if (fetch_get(url, NULL, REG_ARCHIVE_MAX, 30, &r, err, sizeof err))
                return diag_set(d, CMDAI_E_IO, url, 0, 0, "%s", err);
            if (r.status != 200) {
                free(r.body);
                return diag_set(d, CMDAI_E_IO, url, 0, 0, "HTTP status %ld for a published archive", r.status);
            }
            buf = r.body;
            n = r.len;
        } else if ((rc = read_all(url, REG_ARCHIVE_MAX, &buf, &n, d)) != 0) {
            if (rc == 1)
                diag_set(d, CMDAI_E_IO, url, 0, 0, "published archive is missing");
            return -1;
        }
        reg_digest(buf, n, got);
        if (strcmp(got, digest)) {
            free(buf);
            diag_set(d, CMDAI_E_SIGNATURE, url, 0, 0, "template archive was tampered with: its digest is %s, the "
                                                      "signed index line says %s", got, digest);
            diag_hint(d, "the registry served other bytes than the publisher signed; nothing was used");
            return -1;
        }
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/archives", c->cache_dir ? c->cache_dir : reg_default_cache());
        if (mkdirs(dir, d) || emit_write_file(cp, buf, n, d)) {
            free(buf);
            return -1;
        }
    }
    *path = strdup(cp);
    if (data) {
        *data = buf;
        *len = n;
    } else {
        free(buf);
    }
    return 0;
}

/* ---- publishing --------------------------------------------------------------------- */

typedef struct names_list {
    char **v;
    size_t n;
} names_list;

static void names_free(names_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

static int read_names(const char *dir, names_list *l, diag *d)
{
    char p[PATH_MAX], *buf;
    size_t len;
    memset(l, 0, sizeof *l);
    snprintf(p, sizeof p, "%s/names", dir);
    int rc = read_all(p, REG_INDEX_MAX, &buf, &len, d);
    if (rc)
        return rc < 0 ? -1 : 0;
    size_t cap = 0;
    for (char *s = strtok(buf, "\n"); s; s = strtok(NULL, "\n")) {
        if (l->n == cap) {
            cap = cap ? cap * 2 : 16;
            l->v = realloc(l->v, cap * sizeof *l->v);
            if (!l->v)
                abort();
        }
        l->v[l->n++] = strdup(s);
    }
    free(buf);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int write_names(const char *dir, names_list *l, diag *d)
{
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    size_t cap = 1;
    for (size_t i = 0; i < l->n; i++)
        cap += strlen(l->v[i]) + 1;
    char *buf = malloc(cap), p[PATH_MAX];
    if (!buf)
        abort();
    size_t o = 0;
    for (size_t i = 0; i < l->n; i++)
        o += (size_t)sprintf(buf + o, "%s\n", l->v[i]);
    snprintf(p, sizeof p, "%s/names", dir);
    int rc = emit_write_file(p, buf, o, d);
    free(buf);
    return rc;
}

/* Publishers of one registry are serialised by an flock on DIR/.lock. */
static int lock_registry(const char *dir, diag *d)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/.lock", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return diag_set(d, CMDAI_E_IO, p, 0, 0, "cannot open the registry lock: %s", strerror(errno)), -1;
    if (flock(fd, LOCK_EX) < 0) {
        close(fd);
        return diag_set(d, CMDAI_E_IO, p, 0, 0, "cannot lock the registry: %s", strerror(errno)), -1;
    }
    return fd;
}

static int ensure_layout(const char *dir, diag *d)
{
    char p[PATH_MAX];
    struct stat st;
    snprintf(p, sizeof p, "%s/index", dir);
    if (mkdirs(p, d))
        return -1;
    snprintf(p, sizeof p, "%s/archives", dir);
    if (mkdirs(p, d))
        return -1;
    snprintf(p, sizeof p, "%s/config.json", dir);
    if (stat(p, &st) == 0) {
        json_error_t je;
        json_t *cfg = json_load_file(p, JSON_PRESERVE_ORDER, &je);
        json_int_t f = json_integer_value(json_object_get(cfg, "registry_format"));
        if (!cfg)
            return diag_set(d, CMDAI_E_FORMAT, p, je.line, je.column, "%s", je.text);
        if (f != REG_FORMAT) {
            json_decref(cfg);
            return diag_set(d, CMDAI_E_VERSION, p, 0, 0, "registry_format %lld is not %d", (long long)f, REG_FORMAT);
        }
        int rc = 0;
        if (!json_object_get(cfg, "summary")) { /* a registry from before `summary`: announce it */
            json_object_set_new(cfg, "summary", json_string("summary"));
            char *txt = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            size_t tl = strlen(txt);
            txt = realloc(txt, tl + 2);
            if (!txt)
                abort();
            txt[tl++] = '\n';
            rc = emit_write_file(p, txt, tl, d);
            free(txt);
        }
        json_decref(cfg);
        return rc;
    }
    static const char cfg[] = "{\n  \"registry_format\": 1,\n  \"index\": \"index/{name}\",\n"
                              "  \"archives\": \"archives/{sha256}.yaml\",\n  \"names\": \"names\",\n"
                              "  \"summary\": \"summary\"\n}\n";
    return emit_write_file(p, cfg, sizeof cfg - 1, d);
}

/* Rewrite index/<name> from `lines` (one compact line each). */
static int write_index(const char *dir, const char *name, const json_t *lines, diag *d)
{
    size_t i, cap = 1, o = 0;
    json_t *l;
    char **txt = calloc(json_array_size(lines) + 1, sizeof *txt);
    if (!txt)
        abort();
    json_array_foreach(lines, i, l) {
        txt[i] = json_dumps(l, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
        cap += strlen(txt[i]) + 1;
    }
    char *buf = malloc(cap), p[PATH_MAX];
    if (!buf)
        abort();
    for (i = 0; i < json_array_size(lines); i++) {
        o += (size_t)sprintf(buf + o, "%s\n", txt[i]);
        free(txt[i]);
    }
    free(txt);
    snprintf(p, sizeof p, "%s/index/%s", dir, name);
    int rc = emit_write_file(p, buf, o, d);
    free(buf);
    return rc;
}

/* Rewrite `summary` from every index file: per name, the fields `search`
 * shows of the version it would show (reg_latest).  Derived like `names`,
 * never signed; rewritten under the publishers' lock after every change. */
static int write_summary(const char *dir, diag *d)
{
    names_list nl;
    if (read_names(dir, &nl, d))
        return -1;
    qsort(nl.v, nl.n, sizeof *nl.v, cmp_str);
    reg_client c = {.nurls = 1};
    c.urls[0] = dir;
    size_t cap = 1, o = 0;
    char *buf = malloc(cap), p[PATH_MAX];
    if (!buf)
        abort();
    int rc = 0;
    static const char *const keys[] = {"vers", "description", "frameworks", "risk_tolerance", "yanked"};
    for (size_t i = 0; i < nl.n && !rc; i++) {
        json_t *lines, *l;
        if (reg_fetch_index(&c, dir, nl.v[i], &lines, d)) {
            rc = -1;
            break;
        }
        if (!lines || !(l = reg_latest(lines))) {
            json_decref(lines);
            continue;
        }
        json_t *s1 = json_object();
        json_object_set_new(s1, "name", json_string(nl.v[i]));
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (json_object_get(l, keys[k]))
                json_object_set(s1, keys[k], json_object_get(l, keys[k]));
        json_object_set_new(s1, "versions", json_integer((json_int_t)json_array_size(lines)));
        char *txt = json_dumps(s1, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
        json_decref(s1);
        json_decref(lines);
        size_t tl = strlen(txt);
        buf = realloc(buf, cap += tl + 1);
        if (!buf)
            abort();
        memcpy(buf + o, txt, tl);
        o += tl;
        buf[o++] = '\n';
        free(txt);
    }
    names_free(&nl);
    if (!rc) {
        snprintf(p, sizeof p, "%s/summary", dir);
        rc = emit_write_file(p, buf, o, d);
    }
    free(buf);
    return rc;
}

int reg_publish(const char *dir, const char *seckey, const char *tpl_path, json_t **line_out, bool *already,
                diag *d)
{
    if (line_out)
        *line_out = NULL;
    *already = false;
    char *src;
    size_t len;
    int rr = read_all(tpl_path, REG_ARCHIVE_MAX, &src, &len, d);
    if (rr)
        return rr > 0 ? diag_set(d, CMDAI_E_IO, tpl_path, 0, 0, "cannot open: %s", strerror(ENOENT)) : -1;
    arena a;
    arena_init(&a);
    tpl_meta m;
    json_t *line = NULL, *lines = NULL;
    names_list nl = {0};
    int rc = -1, lockfd = -1;
    if (tpl_registry_meta(&a, tpl_path, src, len, &m, d))
        goto out;
    if (fetch_is_url(dir)) {
        diag_set(d, CMDAI_E_USAGE, dir, 0, 0, "publish writes to a registry directory, not to a URL");
        diag_hint(d, "publish into the directory your web server serves");
        goto out;
    }
    if (mkdirs(dir, d) || ensure_layout(dir, d) || (lockfd = lock_registry(dir, d)) < 0 || read_names(dir, &nl, d))
        goto out;
    char dg[72];
    reg_digest(src, len, dg);
    reg_client rc0 = {.nurls = 1};
    rc0.urls[0] = dir;
    if (reg_fetch_index(&rc0, dir, m.name, &lines, d))
        goto out;
    if (!lines) { /* a new name: the naming rules apply */
        if (reg_name_check(m.name, nl.v, nl.n, d)) {
            d->line = 0;
            snprintf(d->file, sizeof d->file, "%s", tpl_path);
            goto out;
        }
        lines = json_array();
    }
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        if (strcmp(jstr(l, "vers") ? jstr(l, "vers") : "", m.version))
            continue;
        if (!strcmp(jstr(l, "digest") ? jstr(l, "digest") : "", dg)) {
            *already = true;
            if (line_out)
                *line_out = json_incref(l);
            rc = 0;
            goto out;
        }
        diag_set(d, CMDAI_E_SEMANTIC, tpl_path, 0, 0,
                 "%s %s is already published with other content (%s); published versions are immutable", m.name,
                 m.version, jstr(l, "digest"));
        diag_hint(d, "bump `version:` and publish again; yank %s %s if it must not be used", m.name, m.version);
        goto out;
    }
    line = json_object();
    json_object_set_new(line, "name", json_string(m.name));
    json_object_set_new(line, "vers", json_string(m.version));
    json_object_set_new(line, "digest", json_string(dg));
    json_t *deps = json_object();
    for (size_t k = 0; k < m.ndeps; k++)
        json_object_set_new(deps, m.dep_names[k], json_string(m.dep_reqs[k] ? m.dep_reqs[k] : "*"));
    json_object_set_new(line, "deps", deps);
    json_t *fw = json_array();
    for (size_t k = 0; k < m.nframeworks; k++)
        json_array_append_new(fw, json_string(m.frameworks[k]));
    json_object_set_new(line, "frameworks", fw);
    json_object_set_new(line, "risk_tolerance", json_string(m.tolerance));
    json_object_set_new(line, "description", json_string(m.description ? m.description : ""));
    /* The key id comes from the signature itself: sign a probe first. */
    char *probe = NULL, *sigtext = NULL;
    size_t plen;
    if (sign_file_mem(seckey, "probe", 5, "cmdai-registry probe", &probe, &plen, d))
        goto out;
    rt_sig ps;
    cmdai_error e = {0};
    int prc = rt_sig_parse(probe, plen, &ps, &e);
    free(probe);
    if (prc != CMDAI_OK) {
        diag_set(d, CMDAI_E_FORMAT, seckey, 0, 0, "%s", e.text);
        goto out;
    }
    char kid[17];
    rt_keyid_hex(ps.keyid, kid);
    json_object_set_new(line, "publisher", json_string(kid));
    char *payload = reg_line_payload(line);
    char tc[256];
    snprintf(tc, sizeof tc, "cmdai-registry %s %s %s", m.name, m.version, dg);
    int src2 = sign_file_mem(seckey, payload, strlen(payload), tc, &sigtext, &plen, d);
    free(payload);
    if (src2)
        goto out;
    json_object_set_new(line, "sig", json_string(sigtext));
    free(sigtext);
    json_object_set_new(line, "yanked", json_false());
    /* Archive first, then the index line that points at it, then the names. */
    char ap[PATH_MAX];
    snprintf(ap, sizeof ap, "%s/archives/%s.yaml", dir, dg + 7);
    if (emit_write_file(ap, src, len, d))
        goto out;
    json_array_append(lines, line);
    if (write_index(dir, m.name, lines, d))
        goto out;
    bool listed = false;
    for (size_t k = 0; k < nl.n; k++)
        listed = listed || !strcmp(nl.v[k], m.name);
    if (!listed) {
        nl.v = realloc(nl.v, (nl.n + 1) * sizeof *nl.v);
        if (!nl.v)
            abort();
        nl.v[nl.n++] = strdup(m.name);
        if (write_names(dir, &nl, d))
            goto out;
    }
    if (write_summary(dir, d))
        goto out;
    if (line_out)
        *line_out = json_incref(line);
    rc = 0;
out:
    if (lockfd >= 0)
        close(lockfd);
    names_free(&nl);
    json_decref(line);
    json_decref(lines);
    free(src);
    arena_release(&a);
    return rc;
}

int reg_set_yanked(const char *dir, const char *name, const char *version, bool yanked, diag *d)
{
    if (fetch_is_url(dir))
        return diag_set(d, CMDAI_E_USAGE, dir, 0, 0, "yank works on a registry directory, not on a URL");
    json_t *lines = NULL;
    reg_client c = {.nurls = 1};
    c.urls[0] = dir;
    int lockfd = lock_registry(dir, d), rc = -1;
    if (lockfd < 0)
        return -1;
    if (reg_fetch_index(&c, dir, name, &lines, d))
        goto out;
    if (!lines) {
        diag_set(d, CMDAI_E_IO, dir, 0, 0, "no template named '%s' in this registry", name);
        goto out;
    }
    size_t i;
    json_t *l, *hit = NULL;
    json_array_foreach(lines, i, l)
        if (jstr(l, "vers") && !strcmp(jstr(l, "vers"), version))
            hit = l;
    if (!hit) {
        diag_set(d, CMDAI_E_IO, dir, 0, 0, "'%s' has no version %s", name, version);
        goto out;
    }
    json_object_set_new(hit, "yanked", json_boolean(yanked));
    rc = write_index(dir, name, lines, d) || write_summary(dir, d) ? -1 : 0;
out:
    close(lockfd);
    json_decref(lines);
    return rc;
}
