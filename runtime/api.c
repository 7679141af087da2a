/* api.c — cmdai_open / cmdai_close and the small accessors of policy.h.
 * Order matters (STYLE.md section 6): read, verify the signature over the
 * whole file, only then parse and range-check, then expiry and rollback. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle.h"
#include "sig.h"


static int read_file(const char *path, size_t max, unsigned char **out, size_t *len, cmdai_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return rt_error(err, CMDAI_E_IO, path, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return rt_error(err, CMDAI_E_IO, path, "not a regular file");
    }
    if ((uint64_t)sb.st_size > max) {
        close(fd);
        return rt_error(err, CMDAI_E_FORMAT, path, "file of %lld bytes exceeds the %zu-byte limit",
                        (long long)sb.st_size, max);
    }
    size_t n = (size_t)sb.st_size;
    /* 8-aligned (malloc guarantees 16) and one spare byte for a NUL. */
    unsigned char *p = malloc(n + 1);
    if (!p) {
        close(fd);
        return rt_error(err, CMDAI_E_NOMEM, path, "out of memory");
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        free(p);
        return rt_error(err, CMDAI_E_IO, path, "short read");
    }
    p[n] = '\0';
    *out = p;
    *len = n;
    return CMDAI_OK;
}

static cmdai_bundle *open_common(unsigned char *mem, size_t len, const char *sigtext, size_t siglen,
                                 const char *source, const cmdai_open_opts *opts, cmdai_error *err)
{
    cmdai_open_opts o = {0};
    if (opts)
        o = *opts;
    if (sodium_init() < 0) {
        rt_error(err, CMDAI_E_NOMEM, source, "libsodium failed to initialise");
        free(mem);
        return NULL;
    }
    rt_pubkey keys[RT_TRUST_MAX];
    size_t nkeys = 0, which = 0;
    rt_sig sig;
    unsigned char dg[64];
    int have_dg = 0;
    if (rt_trust_load(o.trust, keys, RT_TRUST_MAX, &nkeys, err) != CMDAI_OK ||
        rt_sig_parse(sigtext, siglen, &sig, err) != CMDAI_OK ||
        rt_sig_verify_digest(&sig, keys, nkeys, mem, len, &which, dg, &have_dg, err) != CMDAI_OK) {
        /* Name the bundle, not "<memory>", unless the trust store was at fault. */
        if (err && err->code != CMDAI_E_NO_TRUST && !strcmp(err->source, "<memory>"))
            snprintf(err->source, sizeof err->source, "%s", source);
        free(mem);
        return NULL;
    }
    cmdai_bundle *b = malloc(sizeof *b);
    if (!b) {
        rt_error(err, CMDAI_E_NOMEM, source, "out of memory");
        free(mem);
        return NULL;
    }
    int rc = rt_bundle_check(b, mem, len, err);
    if (rc != CMDAI_OK) {
        if (err)
            snprintf(err->source, sizeof err->source, "%s", source);
        free(mem);
        free(b);
        return NULL;
    }
    b->mem = mem;
    int64_t now = o.now ? o.now : (int64_t)time(NULL);
    if (b->h->expires && now > b->h->expires) {
        rt_error(err, CMDAI_E_EXPIRED, source, "bundle expired at unix time %lld (now %lld)",
                 (long long)b->h->expires, (long long)now);
        cmdai_close(b);
        return NULL;
    }
    if (!(o.flags & CMDAI_OPEN_NO_ROLLBACK_STATE) &&
        rt_rollback_check(o.state_dir, sig.keyid, b->str + b->meta->name, b->h->serial,
                          !(o.flags & CMDAI_OPEN_NO_STATE_UPDATE), err) != CMDAI_OK) {
        cmdai_close(b);
        return NULL;
    }
    rt_keyid_hex(sig.keyid, b->key_id);
    if (!have_dg) /* legacy non-prehashed signature: hash once here */
        crypto_generichash(dg, sizeof dg, mem, len, NULL, 0);
    sodium_bin2hex(b->digest, sizeof b->digest, dg, sizeof dg);
    (void)which;
    return b;
}

cmdai_bundle *cmdai_open(const char *path, const cmdai_open_opts *opts, cmdai_error *err)
{
    if (!path) {
        rt_error(err, CMDAI_E_USAGE, "<none>", "no bundle path");
        return NULL;
    }
    unsigned char *mem = NULL, *sig = NULL;
    size_t len = 0, siglen = 0;
    if (read_file(path, CPB_MAX_SIZE, &mem, &len, err) != CMDAI_OK)
        return NULL;
    size_t pl = strlen(path);
    char *sp = malloc(pl + 9);
    if (!sp) {
        free(mem);
        rt_error(err, CMDAI_E_NOMEM, path, "out of memory");
        return NULL;
    }
    memcpy(sp, path, pl);
    memcpy(sp + pl, ".minisig", 9);
    int rc = read_file(sp, RT_SIG_FILE_MAX, &sig, &siglen, err);
    if (rc != CMDAI_OK) {
        if (err && rc == CMDAI_E_IO)
            snprintf(err->text, sizeof err->text, "missing or unreadable signature %s: the bundle is unsigned",
                     sp);
        free(sp);
        free(mem);
        return NULL;
    }
    free(sp);
    cmdai_bundle *b = open_common(mem, len, (const char *)sig, siglen, path, opts, err);
    free(sig);
    return b;
}

cmdai_bundle *cmdai_open_mem(const void *data, size_t len, const char *minisig, size_t siglen,
                             const cmdai_open_opts *opts, cmdai_error *err)
{
    if (!data || !minisig || len > CPB_MAX_SIZE) {
        rt_error(err, CMDAI_E_USAGE, "<memory>", "bad arguments");
        return NULL;
    }
    unsigned char *mem = malloc(len ? len : 1);
    if (!mem) {
        rt_error(err, CMDAI_E_NOMEM, "<memory>", "out of memory");
        return NULL;
    }
    memcpy(mem, data, len);
    return open_common(mem, len, minisig, siglen, "<memory>", opts, err);
}

void cmdai_close(cmdai_bundle *b)
{
    if (!b)
        return;
    free(b->mem);
    free(b);
}

void cmdai_bundle_get_info(const cmdai_bundle *b, cmdai_bundle_info *o)
{
    memset(o, 0, sizeof *o);
    o->name = b->str + b->meta->name;
    o->version = b->str + b->meta->version;
    o->scope = b->str + b->meta->scope;
    o->serial = b->h->serial;
    o->created = b->h->created;
    o->expires = b->h->expires;
    memcpy(o->key_id, b->key_id, sizeof o->key_id);
    memcpy(o->digest, b->digest, sizeof o->digest);
    o->nrules = b->nrules;
    o->nstates = b->nstates;
}

int cmdai_rule_get(const cmdai_bundle *b, uint32_t i, cmdai_rule_info *o)
{
    if (!b || i >= b->nrules)
        return CMDAI_E_USAGE;
    const cpb_rule *r = &b->rules[i];
    o->id = b->str + r->id;
    o->message = b->str + r->message;
    o->match = b->str + r->match;
    o->action = (cmdai_action)r->action;
    o->risk = (cmdai_risk)r->risk;
    o->ncompliance = r->ncompliance;
    return CMDAI_OK;
}

const char *cmdai_rule_compliance(const cmdai_bundle *b, uint32_t i, unsigned k)
{
    if (!b || i >= b->nrules || k >= b->rules[i].ncompliance)
        return NULL;
    return b->str + b->comp[b->rules[i].compliance_first + k];
}

const char *cmdai_action_name(cmdai_action a)
{
    static const char *n[] = {"allow", "warn", "confirm", "deny"};
    return (unsigned)a < 4 ? n[a] : "unknown";
}

const char *cmdai_risk_name(cmdai_risk r)
{
    static const char *n[] = {"none", "low", "moderate", "high", "critical"};
    return (unsigned)r < 5 ? n[r] : "unknown";
}

const char *cmdai_code_name(int code)
{
    static const char *n[] = {"ok",
                              "usage error",
                              "I/O error",
                              "out of memory",
                              "malformed bundle",
                              "bundle format too new",
                              "bad signature",
                              "unknown signing key",
                              "bundle expired",
                              "bundle rolled back",
                              "command too long",
                              "command nested too deeply",
                              "command too complex",
                              "syntax error",
                              "semantic error",
                              "automaton state budget exceeded",
                              "no trusted key",
                              "command contains a NUL byte"};
    return code >= 0 && (size_t)code < sizeof n / sizeof n[0] ? n[code] : "unknown error";
}
