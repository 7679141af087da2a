/* sig.c — minisign public keys and detached signatures: parse the text
 * formats, verify with libsodium (Ed25519 over a BLAKE2b-512 prehash, or the
 * legacy raw form), print key ids.  Runtime stage, run before any byte of a
 * bundle is read; the trust store and rollback state live in trust.c and
 * rollback.c.  Every malformed input is a CMDAI_E_FORMAT, never a crash. */
#include "sig.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#define COMMENT_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "

/* Byte layouts of minisign.h (PubkeyStruct, SigStruct), packed by hand. */
enum {
    PK_BYTES = 2 + 8 + 32,  /* "Ed" keyid pk */
    SIG_BYTES = 2 + 8 + 64  /* "ED"|"Ed" keyid sig */
};

int rt_sig_error(cmdai_error *err, int code, const char *source, int line, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    err->line = line > 0 ? line : -1;
    err->column = line > 0 ? 1 : -1;
    if (!source)
        source = "<memory>";
    size_t n = strlen(source);
    if (n >= sizeof err->source)
        source += n - (sizeof err->source - 1);
    snprintf(err->source, sizeof err->source, "%s", source);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof err->text, fmt, ap);
    va_end(ap);
    return code;
}

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_status = -1;

static void sodium_once_init(void)
{
    sodium_status = sodium_init() < 0 ? -1 : 0;
}

int rt_sodium_init(void)
{
    if (pthread_once(&sodium_once, sodium_once_init) != 0)
        return -1;
    return sodium_status;
}

void rt_keyid_hex(const uint8_t keyid[8], char out[17])
{
    static const char hex[] = "0123456789ABCDEF";
    /* minisign prints le64_load(keyid) with %016" PRIX64: most significant
     * byte (the last one stored) first. */
    for (int i = 0; i < 8; i++) {
        uint8_t b = keyid[7 - i];
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[16] = '\0';
}

int rt_sig_lines(const char *text, size_t len, rt_sig_line *lines, size_t want, const char *source,
                 cmdai_error *err)
{
    if (!text && len)
        return rt_sig_error(err, CMDAI_E_USAGE, source, 0, "no text given");
    if (len > RT_SIG_FILE_MAX)
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 0, "file is larger than %d bytes", RT_SIG_FILE_MAX);
    size_t got = 0, pos = 0;
    int lineno = 0;
    while (pos < len) {
        lineno++;
        const char *start = text + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - start) : len - pos;
        pos += l + (nl ? 1 : 0);
        if (l > 0 && start[l - 1] == '\r')
            l--;
        if (memchr(start, '\0', l))
            return rt_sig_error(err, CMDAI_E_FORMAT, source, lineno, "NUL byte in line %d", lineno);
        if (memchr(start, '\r', l))
            return rt_sig_error(err, CMDAI_E_FORMAT, source, lineno, "stray carriage return in line %d",
                                lineno);
        if (got < want) {
            lines[got].p = start;
            lines[got].len = l;
            got++;
        } else {
            for (size_t i = 0; i < l; i++)
                if (start[i] != ' ' && start[i] != '\t')
                    return rt_sig_error(err, CMDAI_E_FORMAT, source, lineno,
                                        "unexpected text after line %zu", want);
        }
    }
    if (got < want)
        return rt_sig_error(err, CMDAI_E_FORMAT, source, lineno + 1, "truncated: %zu of %zu lines present", got,
                            want);
    return CMDAI_OK;
}

static bool has_prefix(const rt_sig_line *l, const char *prefix)
{
    size_t n = strlen(prefix);
    return l->len >= n && memcmp(l->p, prefix, n) == 0;
}

/* Exactly `n` bytes of standard, padded base64 -- nothing more, nothing less.
 * The alphabet is checked first: libsodium 1.0.18 decodes some bytes >= 0x80
 * as if they were letters, which would give one signature many spellings. */
bool rt_sig_b64_exact(const rt_sig_line *l, void *out, size_t n)
{
    size_t got = 0;
    if (l->len == 0 || l->len > sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL))
        return false;
    for (size_t i = 0; i < l->len; i++) {
        unsigned char c = (unsigned char)l->p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
              c == '='))
            return false;
    }
    if (sodium_base642bin(out, n, l->p, l->len, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return false;
    return got == n;
}

static int pubkey_parse(const char *text, size_t len, rt_pubkey *out, const char *source, cmdai_error *err)
{
    rt_sig_line l[2];
    uint8_t raw[PK_BYTES];
    int rc = rt_sig_lines(text, len, l, 2, source, err);
    if (rc != CMDAI_OK)
        return rc;
    if (!has_prefix(&l[0], COMMENT_PREFIX))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 1, "public key: first line must start with \"%s\"",
                            COMMENT_PREFIX);
    if (!rt_sig_b64_exact(&l[1], raw, sizeof raw))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 2, "public key: not base64 of %d bytes", PK_BYTES);
    if (memcmp(raw, "Ed", 2) != 0)
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 2, "public key: unsupported algorithm (not Ed25519)");
    memcpy(out->keyid, raw + 2, 8);
    memcpy(out->pk, raw + 10, 32);
    return CMDAI_OK;
}

int rt_pubkey_parse(const char *text, size_t len, rt_pubkey *out, cmdai_error *err)
{
    if (!out)
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_pubkey_parse: no output");
    return pubkey_parse(text, len, out, NULL, err);
}

static int sig_parse(const char *text, size_t len, rt_sig *out, const char *source, cmdai_error *err)
{
    rt_sig_line l[4];
    uint8_t raw[SIG_BYTES];
    int rc = rt_sig_lines(text, len, l, 4, source, err);
    if (rc != CMDAI_OK)
        return rc;
    if (!has_prefix(&l[0], COMMENT_PREFIX))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 1, "signature: first line must start with \"%s\"",
                            COMMENT_PREFIX);
    if (!rt_sig_b64_exact(&l[1], raw, sizeof raw))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 2, "signature: not base64 of %d bytes", SIG_BYTES);
    if (memcmp(raw, "ED", 2) == 0)
        out->prehashed = 1;
    else if (memcmp(raw, "Ed", 2) == 0)
        out->prehashed = 0;
    else
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 2, "signature: unsupported algorithm");
    if (!has_prefix(&l[2], TRUSTED_PREFIX))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 3, "signature: third line must start with \"%s\"",
                            TRUSTED_PREFIX);
    size_t tlen = l[2].len - (sizeof TRUSTED_PREFIX - 1);
    if (tlen >= RT_SIG_COMMENT_MAX)
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 3, "signature: trusted comment longer than %d bytes",
                            RT_SIG_COMMENT_MAX - 1);
    if (!rt_sig_b64_exact(&l[3], out->global_sig, sizeof out->global_sig))
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 4, "signature: global signature is not base64 of 64 bytes");
    memcpy(out->keyid, raw + 2, 8);
    memcpy(out->sig, raw + 10, 64);
    memcpy(out->trusted_comment, l[2].p + (sizeof TRUSTED_PREFIX - 1), tlen);
    out->trusted_comment[tlen] = '\0';
    return CMDAI_OK;
}

int rt_sig_parse(const char *text, size_t len, rt_sig *out, cmdai_error *err)
{
    if (!out)
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_sig_parse: no output");
    return sig_parse(text, len, out, NULL, err);
}

int rt_sig_verify(const rt_sig *s, const rt_pubkey *keys, size_t nkeys, const void *data, size_t len,
                  size_t *which, cmdai_error *err)
{
    return rt_sig_verify_digest(s, keys, nkeys, data, len, which, NULL, NULL, err);
}

int rt_sig_verify_digest(const rt_sig *s, const rt_pubkey *keys, size_t nkeys, const void *data, size_t len,
                         size_t *which, uint8_t digest[64], int *have_digest, cmdai_error *err)
{
    uint8_t hash[crypto_generichash_BYTES_MAX];
    uint8_t global[64 + RT_SIG_COMMENT_MAX];
    char hex[17];

    if (!s || (!keys && nkeys) || (!data && len))
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_sig_verify: missing argument");
    if (rt_sodium_init() != 0)
        return rt_sig_error(err, CMDAI_E_NOMEM, NULL, 0, "libsodium could not be initialised");
    size_t tlen = strnlen(s->trusted_comment, sizeof s->trusted_comment);
    if (tlen == sizeof s->trusted_comment)
        return rt_sig_error(err, CMDAI_E_FORMAT, NULL, 3, "trusted comment is not terminated");

    const uint8_t *msg = data;
    size_t msglen = len;
    if (have_digest)
        *have_digest = 0;
    if (s->prehashed) {
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, sizeof hash);
        crypto_generichash_update(&st, data, len);
        crypto_generichash_final(&st, hash, sizeof hash);
        msg = hash;
        msglen = sizeof hash;
        if (digest && have_digest) { /* the caller's bundle digest: no second pass over the file */
            memcpy(digest, hash, 64);
            *have_digest = 1;
        }
    }
    memcpy(global, s->sig, 64);
    memcpy(global + 64, s->trusted_comment, tlen);

    bool known = false;
    rt_keyid_hex(s->keyid, hex);
    /* Try every trusted key with this id: ids are random, but two trusted
     * keys sharing one must not hide the right one. */
    for (size_t i = 0; i < nkeys; i++) {
        if (memcmp(keys[i].keyid, s->keyid, 8) != 0)
            continue;
        known = true;
        if (crypto_sign_verify_detached(s->sig, msg, msglen, keys[i].pk) != 0)
            continue;
        if (crypto_sign_verify_detached(s->global_sig, global, 64 + tlen, keys[i].pk) != 0) {
            rt_sig_error(err, CMDAI_E_SIGNATURE, NULL, 0,
                         "the trusted comment of the signature does not verify with key %s", hex);
            return CMDAI_E_SIGNATURE;
        }
        if (which)
            *which = i;
        return CMDAI_OK;
    }
    if (!known)
        return rt_sig_error(err, CMDAI_E_UNKNOWN_KEY, NULL, 0, "signed by key %s, which is not trusted", hex);
    return rt_sig_error(err, CMDAI_E_SIGNATURE, NULL, 0, "signature does not verify with trusted key %s", hex);
}

int rt_sig_read_file(const char *path, char **text, size_t *len, cmdai_error *err)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int rc = CMDAI_OK;

    if (!path || !text || !len)
        return rt_sig_error(err, CMDAI_E_USAGE, path, 0, "rt_sig_read_file: missing argument");
    /* O_NONBLOCK: a FIFO planted where a key is expected must not hang us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot open: %s", strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = rt_sig_error(err, CMDAI_E_IO, path, 0, "not a regular file");
        goto out;
    }
    if (st.st_size > RT_SIG_FILE_MAX) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "file is larger than %d bytes", RT_SIG_FILE_MAX);
        goto out;
    }
    /* Read up to one byte past the limit: the file may grow after fstat(). */
    buf = malloc(RT_SIG_FILE_MAX + 2);
    if (!buf) {
        rc = rt_sig_error(err, CMDAI_E_NOMEM, path, 0, "out of memory");
        goto out;
    }
    while (n < RT_SIG_FILE_MAX + 1) {
        ssize_t r = read(fd, buf + n, RT_SIG_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > RT_SIG_FILE_MAX) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "file is larger than %d bytes", RT_SIG_FILE_MAX);
        goto out;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return rc;
}

int rt_pubkey_load(const char *path, rt_pubkey *out, cmdai_error *err)
{
    char *text;
    size_t len;
    if (!out)
        return rt_sig_error(err, CMDAI_E_USAGE, path, 0, "rt_pubkey_load: no output");
    int rc = rt_sig_read_file(path, &text, &len, err);
    if (rc != CMDAI_OK)
        return rc;
    rc = pubkey_parse(text, len, out, path, err);
    free(text);
    return rc;
}

int rt_sig_load(const char *path, rt_sig *out, cmdai_error *err)
{
    char *text;
    size_t len;
    if (!out)
        return rt_sig_error(err, CMDAI_E_USAGE, path, 0, "rt_sig_load: no output");
    int rc = rt_sig_read_file(path, &text, &len, err);
    if (rc != CMDAI_OK)
        return rc;
    rc = sig_parse(text, len, out, path, err);
    free(text);
    return rc;
}
