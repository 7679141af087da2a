/* sign.c — key generation and signing in minisign's formats (libsodium),
 * the last compiler stage after emit.c wrote the bundle.  Parsing of public
 * keys and signatures, and verification, are the runtime's (runtime/sig.c);
 * this file reads secret keys, which the runtime never sees.  Secret material
 * lives in sodium_malloc memory and is wiped before it is freed. */
#include "sign.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "sig.h"

#define COMMENT_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define SECKEY_COMMENT "minisign encrypted secret key" /* what minisign writes, even with -W */
#define KDF_MEMLIMIT_MAX (2ull << 30) /* refuse scrypt parameters that would exhaust memory */
#define KDF_OPSLIMIT_MAX (1ull << 30)

/* minisign.h SeckeyStruct, byte for byte. */
typedef struct seckey {
    uint8_t sig_alg[2];    /* "Ed" */
    uint8_t kdf_alg[2];    /* "Sc" (scrypt-encrypted) or "\0\0" */
    uint8_t chk_alg[2];    /* "B2" */
    uint8_t kdf_salt[32];
    uint8_t kdf_opslimit_le[8];
    uint8_t kdf_memlimit_le[8];
    struct {
        uint8_t keyid[8];
        uint8_t sk[64];
        uint8_t chk[32];   /* BLAKE2b-256(sig_alg || keyid || sk) */
    } keynum_sk;
} seckey;
_Static_assert(sizeof(seckey) == 158, "seckey must have minisign's layout");

static int fail(diag *d, int code, const char *file, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(diag *d, int code, const char *file, const char *fmt, ...)
{
    char text[sizeof d->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    diag_set(d, code, file, 0, 0, "%s", text);
    return code;
}

/* A runtime error (rt_sig_lines, rt_sig_read_file) as a diagnostic. */
static int fail_rt(diag *d, const cmdai_error *e, const char *file)
{
    diag_set(d, e->code, file, e->line > 0 ? e->line : 0, e->column > 0 ? e->column : 0, "%s", e->text);
    return e->code;
}

static uint64_t le64_load(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static void seckey_chk(const seckey *k, uint8_t chk[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, k->sig_alg, sizeof k->sig_alg);
    crypto_generichash_update(&st, k->keynum_sk.keyid, sizeof k->keynum_sk.keyid);
    crypto_generichash_update(&st, k->keynum_sk.sk, sizeof k->keynum_sk.sk);
    crypto_generichash_final(&st, chk, 32);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* base64 of `len` bytes into a fresh sodium_malloc buffer (NULL: no memory). */
static char *b64_secure(const void *bin, size_t len)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *out = sodium_malloc(cap);
    if (out)
        sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
    return out;
}

static int fsync_parent(const char *path)
{
    char *dir = strdup(path);
    if (!dir)
        return -1;
    char *slash = strrchr(dir, '/');
    const char *name = ".";
    if (slash == dir)
        name = "/";
    else if (slash) {
        *slash = '\0';
        name = dir;
    }
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = -1;
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(dir);
    return rc;
}

/* Write `data` to `path` all or nothing: a temp file beside it, fsync, then
 * rename (replace) or link (no replace, so an existing file is never
 * clobbered even if it appeared after our check).  The temp is always gone. */
static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, bool replace, diag *d)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp-XXXXXX");
    if (!tmp)
        return fail(d, CMDAI_E_NOMEM, path, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        fail(d, CMDAI_E_IO, path, "cannot create: %s", strerror(e));
        if (e == ENOENT)
            diag_hint(d, "create the directory first");
        return CMDAI_E_IO;
    }
    int rc = CMDAI_OK;
    const char *p = data;
    size_t left = len;
    if (fchmod(fd, mode) != 0) {
        rc = fail(d, CMDAI_E_IO, path, "cannot set mode: %s", strerror(errno));
        goto out;
    }
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = fail(d, CMDAI_E_IO, path, "cannot write: %s", w < 0 ? strerror(errno) : "short write");
            goto out;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        rc = fail(d, CMDAI_E_IO, path, "cannot write: %s", strerror(errno));
        goto out;
    }
out:
    if (close(fd) != 0 && rc == CMDAI_OK)
        rc = fail(d, CMDAI_E_IO, path, "cannot write: %s", strerror(errno));
    if (rc == CMDAI_OK) {
        if (replace) {
            if (rename(tmp, path) != 0)
                rc = fail(d, CMDAI_E_IO, path, "cannot rename into place: %s", strerror(errno));
        } else if (link(tmp, path) != 0) {
            int e = errno;
            rc = fail(d, CMDAI_E_IO, path, "%s", e == EEXIST ? "already exists" : strerror(e));
            if (e == EEXIST)
                diag_hint(d, "use --force to overwrite it");
        }
    }
    unlink(tmp); /* after rename: gone already; after link: the second name */
    free(tmp);
    if (rc == CMDAI_OK)
        (void)fsync_parent(path); /* durability only; the file is complete either way */
    return rc;
}

int sign_keygen(const char *seckey_path, const char *pubkey_path, bool force, diag *d)
{
    seckey *k = NULL;
    char *sk_b64 = NULL, *sk_text = NULL;
    uint8_t pub[2 + 8 + 32];
    char pk_b64[sodium_base64_ENCODED_LEN(sizeof pub, sodium_base64_VARIANT_ORIGINAL)];
    char pk_text[sizeof COMMENT_PREFIX + 64 + sizeof pk_b64 + 2], hex[17];
    int rc = CMDAI_OK;
    struct stat st;

    if (!seckey_path || !pubkey_path || !*seckey_path || !*pubkey_path)
        return fail(d, CMDAI_E_USAGE, NULL, "keygen needs a secret and a public key path");
    if (strcmp(seckey_path, pubkey_path) == 0)
        return fail(d, CMDAI_E_USAGE, seckey_path, "secret and public key must be different files");
    if (rt_sodium_init() != 0)
        return fail(d, CMDAI_E_NOMEM, NULL, "libsodium could not be initialised");
    if (!force) {
        const char *paths[2] = { seckey_path, pubkey_path };
        for (int i = 0; i < 2; i++)
            if (lstat(paths[i], &st) == 0) {
                fail(d, CMDAI_E_IO, paths[i], "already exists");
                diag_hint(d, "use --force to overwrite it");
                return CMDAI_E_IO;
            }
    }

    k = sodium_malloc(sizeof *k);
    if (!k)
        return fail(d, CMDAI_E_NOMEM, NULL, "out of memory");
    memset(k, 0, sizeof *k);
    memcpy(k->sig_alg, "Ed", 2);
    memcpy(k->chk_alg, "B2", 2);  /* kdf_alg, salt and limits stay zero: no password */
    randombytes_buf(k->keynum_sk.keyid, sizeof k->keynum_sk.keyid);
    memcpy(pub, "Ed", 2);
    memcpy(pub + 2, k->keynum_sk.keyid, 8);
    if (crypto_sign_keypair(pub + 10, k->keynum_sk.sk) != 0) {
        rc = fail(d, CMDAI_E_NOMEM, NULL, "key generation failed");
        goto out;
    }
    seckey_chk(k, k->keynum_sk.chk);

    sk_b64 = b64_secure(k, sizeof *k);
    size_t sk_cap = sizeof COMMENT_PREFIX + sizeof SECKEY_COMMENT + 256 + 2;
    sk_text = sodium_malloc(sk_cap);
    if (!sk_b64 || !sk_text) {
        rc = fail(d, CMDAI_E_NOMEM, NULL, "out of memory");
        goto out;
    }
    int sk_len = snprintf(sk_text, sk_cap, COMMENT_PREFIX SECKEY_COMMENT "\n%s\n", sk_b64);
    sodium_bin2base64(pk_b64, sizeof pk_b64, pub, sizeof pub, sodium_base64_VARIANT_ORIGINAL);
    rt_keyid_hex(k->keynum_sk.keyid, hex);
    int pk_len = snprintf(pk_text, sizeof pk_text, COMMENT_PREFIX "minisign public key %s\n%s\n", hex, pk_b64);
    if (sk_len < 0 || (size_t)sk_len >= sk_cap || pk_len < 0 || (size_t)pk_len >= sizeof pk_text) {
        rc = fail(d, CMDAI_E_NOMEM, NULL, "key text does not fit"); /* cannot happen: fixed sizes */
        goto out;
    }

    rc = write_atomic(seckey_path, sk_text, (size_t)sk_len, 0600, force, d);
    if (rc != CMDAI_OK)
        goto out;
    rc = write_atomic(pubkey_path, pk_text, (size_t)pk_len, 0644, force, d);
    if (rc != CMDAI_OK)
        unlink(seckey_path); /* a secret key without its public key is of no use */
out:
    if (sk_text)
        sodium_free(sk_text); /* sodium_free wipes */
    if (sk_b64)
        sodium_free(sk_b64);
    if (k)
        sodium_free(k);
    return rc;
}

/* Read, decode, decrypt (when "Sc") and check a minisign secret key.
 * *out is sodium_malloc'd; owner: caller, sodium_free(). */
static int seckey_load(const char *path, seckey **out, diag *d)
{
    cmdai_error e = { 0 };
    char *text = NULL;
    size_t len = 0;
    rt_sig_line l[2];
    seckey *k = NULL;
    uint8_t *stream = NULL;
    uint8_t chk[32], pk[32], sk2[64];
    int rc;

    *out = NULL;
    if ((rc = rt_sig_read_file(path, &text, &len, &e)) != CMDAI_OK)
        return fail_rt(d, &e, path);
    if ((rc = rt_sig_lines(text, len, l, 2, path, &e)) != CMDAI_OK) {
        fail_rt(d, &e, path);
        goto out;
    }
    if (l[0].len < sizeof COMMENT_PREFIX - 1 || memcmp(l[0].p, COMMENT_PREFIX, sizeof COMMENT_PREFIX - 1) != 0) {
        rc = CMDAI_E_FORMAT;
        diag_set(d, rc, path, 1, 1, "secret key: first line must start with \"%s\"", COMMENT_PREFIX);
        goto out;
    }
    k = sodium_malloc(sizeof *k);
    if (!k) {
        rc = fail(d, CMDAI_E_NOMEM, path, "out of memory");
        goto out;
    }
    if (!rt_sig_b64_exact(&l[1], k, sizeof *k)) {
        rc = CMDAI_E_FORMAT;
        diag_set(d, rc, path, 2, 1, "secret key: not base64 of %zu bytes", sizeof *k);
        diag_hint(d, "is this a minisign secret key (not the .pub)?");
        goto out;
    }
    if (memcmp(k->sig_alg, "Ed", 2) != 0 || memcmp(k->chk_alg, "B2", 2) != 0) {
        rc = CMDAI_E_FORMAT;
        diag_set(d, rc, path, 2, 1, "secret key: unsupported signature or checksum algorithm");
        goto out;
    }
    if (memcmp(k->kdf_alg, "Sc", 2) == 0) {
        const char *pwd = getenv("CMDAI_KEY_PASSWORD");
        uint64_t ops = le64_load(k->kdf_opslimit_le), mem = le64_load(k->kdf_memlimit_le);
        if (!pwd) {
            rc = fail(d, CMDAI_E_USAGE, path, "the secret key is encrypted with a password");
            diag_hint(d, "put the password in CMDAI_KEY_PASSWORD, or remove it with `minisign -C -W`");
            goto out;
        }
        if (ops > KDF_OPSLIMIT_MAX || mem > KDF_MEMLIMIT_MAX || mem > SIZE_MAX) {
            rc = CMDAI_E_FORMAT;
            diag_set(d, rc, path, 2, 1, "secret key: key derivation parameters out of range");
            goto out;
        }
        stream = sodium_malloc(sizeof k->keynum_sk);
        if (!stream) {
            rc = fail(d, CMDAI_E_NOMEM, path, "out of memory");
            goto out;
        }
        if (crypto_pwhash_scryptsalsa208sha256(stream, sizeof k->keynum_sk, pwd, strlen(pwd), k->kdf_salt,
                                               (unsigned long long)ops, (size_t)mem) != 0) {
            rc = fail(d, CMDAI_E_NOMEM, path, "key derivation failed (out of memory?)");
            goto out;
        }
        uint8_t *ks = (uint8_t *)&k->keynum_sk;
        for (size_t i = 0; i < sizeof k->keynum_sk; i++)
            ks[i] ^= stream[i];
        seckey_chk(k, chk);
        if (sodium_memcmp(chk, k->keynum_sk.chk, sizeof chk) != 0) {
            rc = fail(d, CMDAI_E_USAGE, path, "wrong password for the secret key");
            diag_hint(d, "check CMDAI_KEY_PASSWORD");
            goto out;
        }
    } else if (memcmp(k->kdf_alg, "\0\0", 2) == 0) {
        /* `minisign -G -W` leaves chk all zero; ours is filled.  A filled
         * one that does not match means a damaged file. */
        seckey_chk(k, chk);
        if (!sodium_is_zero(k->keynum_sk.chk, sizeof chk) && sodium_memcmp(chk, k->keynum_sk.chk, sizeof chk) != 0) {
            rc = CMDAI_E_FORMAT;
            diag_set(d, rc, path, 2, 1, "secret key: checksum mismatch (damaged file)");
            goto out;
        }
    } else {
        rc = CMDAI_E_FORMAT;
        diag_set(d, rc, path, 2, 1, "secret key: unsupported key derivation function");
        goto out;
    }
    /* The public half stored in sk must be the one its seed derives, or we
     * would sign with one key and name another. */
    crypto_sign_seed_keypair(pk, sk2, k->keynum_sk.sk);
    if (sodium_memcmp(sk2, k->keynum_sk.sk, sizeof sk2) != 0) {
        rc = CMDAI_E_FORMAT;
        diag_set(d, rc, path, 2, 1, "secret key: inconsistent key material (damaged file)");
        goto out;
    }
    *out = k;
    k = NULL;
    rc = CMDAI_OK;
out:
    sodium_memzero(chk, sizeof chk);
    sodium_memzero(sk2, sizeof sk2);
    if (stream)
        sodium_free(stream);
    if (k)
        sodium_free(k);
    if (text) {
        sodium_memzero(text, len);
        free(text);
    }
    return rc;
}

static int check_comment(const char *tc, diag *d)
{
    size_t n = strlen(tc);
    if (n >= RT_SIG_COMMENT_MAX)
        return fail(d, CMDAI_E_USAGE, NULL, "trusted comment longer than %d bytes", RT_SIG_COMMENT_MAX - 1);
    if (strpbrk(tc, "\r\n"))
        return fail(d, CMDAI_E_USAGE, NULL, "trusted comment must be one line");
    return CMDAI_OK;
}

/* The .minisig text for a BLAKE2b-512 prehash, checked against the key's own
 * public half and re-parsed by the runtime before it is handed out. */
static int make_sig(const seckey *k, const uint8_t hash[64], const char *tc, char **out, size_t *out_len, diag *d)
{
    uint8_t sigs[2 + 8 + 64], global_sig[64];
    uint8_t global[64 + RT_SIG_COMMENT_MAX];
    char sig_b64[sodium_base64_ENCODED_LEN(sizeof sigs, sodium_base64_VARIANT_ORIGINAL)];
    char gs_b64[sodium_base64_ENCODED_LEN(sizeof global_sig, sodium_base64_VARIANT_ORIGINAL)];
    char hex[17];
    size_t tlen = strlen(tc);

    memcpy(sigs, "ED", 2);
    memcpy(sigs + 2, k->keynum_sk.keyid, 8);
    if (crypto_sign_detached(sigs + 10, NULL, hash, 64, k->keynum_sk.sk) != 0)
        return fail(d, CMDAI_E_SIGNATURE, NULL, "signing failed");
    memcpy(global, sigs + 10, 64);
    memcpy(global + 64, tc, tlen);
    if (crypto_sign_detached(global_sig, NULL, global, 64 + tlen, k->keynum_sk.sk) != 0)
        return fail(d, CMDAI_E_SIGNATURE, NULL, "signing failed");
    const uint8_t *pk = k->keynum_sk.sk + 32;
    if (crypto_sign_verify_detached(sigs + 10, hash, 64, pk) != 0 ||
        crypto_sign_verify_detached(global_sig, global, 64 + tlen, pk) != 0)
        return fail(d, CMDAI_E_SIGNATURE, NULL, "the new signature does not verify (damaged secret key?)");

    sodium_bin2base64(sig_b64, sizeof sig_b64, sigs, sizeof sigs, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(gs_b64, sizeof gs_b64, global_sig, sizeof global_sig, sodium_base64_VARIANT_ORIGINAL);
    rt_keyid_hex(k->keynum_sk.keyid, hex);
    size_t cap = 256 + sizeof sig_b64 + tlen + sizeof gs_b64;
    char *text = malloc(cap);
    if (!text)
        return fail(d, CMDAI_E_NOMEM, NULL, "out of memory");
    int n = snprintf(text, cap, COMMENT_PREFIX "signature from cmdai-policyc secret key %s\n%s\n" TRUSTED_PREFIX "%s\n%s\n",
                     hex, sig_b64, tc, gs_b64);
    if (n < 0 || (size_t)n >= cap) {
        free(text);
        return fail(d, CMDAI_E_NOMEM, NULL, "signature text does not fit"); /* cannot happen */
    }
    rt_sig s;
    cmdai_error e = { 0 };
    if (rt_sig_parse(text, (size_t)n, &s, &e) != CMDAI_OK) {
        free(text);
        return fail(d, CMDAI_E_FORMAT, NULL, "the runtime cannot parse the new signature: %s", e.text);
    }
    *out = text;
    if (out_len)
        *out_len = (size_t)n;
    return CMDAI_OK;
}

static int hash_file(const char *path, uint8_t hash[64], diag *d)
{
    crypto_generichash_state st;
    size_t cap = 1u << 16;
    uint8_t *buf = malloc(cap);
    int rc = CMDAI_OK;
    if (!buf)
        return fail(d, CMDAI_E_NOMEM, path, "out of memory");
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        rc = fail(d, CMDAI_E_IO, path, "cannot open: %s", strerror(errno));
        free(buf);
        return rc;
    }
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        rc = fail(d, CMDAI_E_IO, path, "is a directory");
        goto out;
    }
    crypto_generichash_init(&st, NULL, 0, 64);
    for (;;) {
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = fail(d, CMDAI_E_IO, path, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        crypto_generichash_update(&st, buf, (size_t)r);
    }
    crypto_generichash_final(&st, hash, 64);
out:
    close(fd);
    free(buf);
    return rc;
}

int sign_file_mem(const char *seckey_path, const void *data, size_t len, const char *trusted_comment, char **out,
                  size_t *out_len, diag *d)
{
    char tc[64];
    uint8_t hash[64];
    seckey *k;

    if (!seckey_path || !out || (!data && len))
        return fail(d, CMDAI_E_USAGE, NULL, "sign_file_mem: missing argument");
    *out = NULL;
    if (rt_sodium_init() != 0)
        return fail(d, CMDAI_E_NOMEM, NULL, "libsodium could not be initialised");
    if (!trusted_comment) {
        snprintf(tc, sizeof tc, "timestamp:%lld", (long long)time(NULL));
        trusted_comment = tc;
    }
    int rc = check_comment(trusted_comment, d);
    if (rc != CMDAI_OK)
        return rc;
    crypto_generichash(hash, sizeof hash, data, len, NULL, 0);
    if ((rc = seckey_load(seckey_path, &k, d)) != CMDAI_OK)
        return rc;
    rc = make_sig(k, hash, trusted_comment, out, out_len, d);
    sodium_free(k);
    return rc;
}

int sign_file(const char *seckey_path, const char *file, const char *sig_path, const char *trusted_comment,
              diag *d)
{
    char *tc = NULL, *sp = NULL, *text = NULL;
    size_t text_len = 0;
    uint8_t hash[64];
    seckey *k = NULL;
    int rc;

    if (!seckey_path || !file || !*file)
        return fail(d, CMDAI_E_USAGE, NULL, "sign needs a secret key and a file");
    if (rt_sodium_init() != 0)
        return fail(d, CMDAI_E_NOMEM, NULL, "libsodium could not be initialised");
    if (!trusted_comment) {
        size_t cap = 64 + strlen(file);
        if (!(tc = malloc(cap)))
            return fail(d, CMDAI_E_NOMEM, NULL, "out of memory");
        snprintf(tc, cap, "timestamp:%lld\tfile:%s", (long long)time(NULL), base_name(file));
        trusted_comment = tc;
    }
    if (!sig_path) {
        size_t n = strlen(file);
        if (!(sp = malloc(n + sizeof ".minisig"))) {
            rc = fail(d, CMDAI_E_NOMEM, NULL, "out of memory");
            goto out;
        }
        memcpy(sp, file, n);
        memcpy(sp + n, ".minisig", sizeof ".minisig");
        sig_path = sp;
    }
    if ((rc = check_comment(trusted_comment, d)) != CMDAI_OK)
        goto out;
    if ((rc = seckey_load(seckey_path, &k, d)) != CMDAI_OK)
        goto out;
    if ((rc = hash_file(file, hash, d)) != CMDAI_OK)
        goto out;
    if ((rc = make_sig(k, hash, trusted_comment, &text, &text_len, d)) != CMDAI_OK)
        goto out;
    rc = write_atomic(sig_path, text, text_len, 0644, true, d);
out:
    if (k)
        sodium_free(k);
    free(text);
    free(sp);
    free(tc);
    return rc;
}
