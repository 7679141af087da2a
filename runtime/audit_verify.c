/* audit_verify.c — proves an audit trail (docs/audit.md "Verification"):
 * every line is a well-formed record whose "hash" is BLAKE2b-256 of the
 * line up to it, whose "prev" is the hash of the record before and whose
 * "seq" is one more; every file opens with a checkpoint; with a public key,
 * every checkpoint signature verifies.  The first failure is reported as
 * file:line in err.  No JSON library: a small scanner checks structure and
 * picks out the few plain-ASCII members checkpoints need. */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "sig.h"

#define HASH_SUFFIX_LEN (9 + RT_AUDIT_HASH_HEX + 2) /* ,"hash":"<hex>"} */

int rt_audit_ckpt_message(rt_abuf *b, uint64_t seq, const char *prev_hex, const char *time, const char *reason)
{
    rt_abuf_printf(b, "cmdai-audit-checkpoint-v1\nseq=%" PRIu64 "\nprev=%s\ntime=%s\nreason=%s\n", seq, prev_hex,
                   time, reason);
    return b->oom ? CMDAI_E_NOMEM : CMDAI_OK;
}

/* ---- a minimal JSON scanner (structure only) ---- */
static const char *scan_value(const char *p, const char *e, int depth);

static const char *scan_string(const char *p, const char *e)
{
    if (p >= e || *p != '"')
        return NULL;
    for (p++; p < e; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            return p + 1;
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            if (++p >= e)
                return NULL;
            if (*p == 'u') {
                for (int i = 0; i < 4; i++)
                    if (++p >= e || !strchr("0123456789abcdefABCDEF", *p))
                        return NULL;
            } else if (!strchr("\"\\/bfnrt", *p)) {
                return NULL;
            }
        }
    }
    return NULL;
}

static const char *scan_value(const char *p, const char *e, int depth)
{
    if (p >= e || depth > 16)
        return NULL;
    if (*p == '"')
        return scan_string(p, e);
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        bool obj = *p == '{';
        p++;
        if (p < e && *p == close)
            return p + 1;
        for (;;) {
            if (obj) {
                p = scan_string(p, e);
                if (!p || p >= e || *p != ':')
                    return NULL;
                p++;
            }
            p = scan_value(p, e, depth + 1);
            if (!p || p >= e)
                return NULL;
            if (*p == close)
                return p + 1;
            if (*p != ',')
                return NULL;
            p++;
        }
    }
    static const char *const lits[] = {"null", "true", "false"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if ((size_t)(e - p) >= n && !memcmp(p, lits[i], n))
            return p + n;
    }
    const char *s = p;
    if (p < e && *p == '-')
        p++;
    while (p < e && ((*p >= '0' && *p <= '9') || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' || *p == '-'))
        p++;
    return p > s ? p : NULL;
}

/* Members we read from checkpoints: plain strings without escapes. */
typedef struct rec {
    uint64_t seq;
    char prev[RT_AUDIT_HASH_HEX + 1], hash[RT_AUDIT_HASH_HEX + 1];
    char type[16], reason[16], time[40], key_id[17], sig[100];
} rec;

static void take(char *dst, size_t cap, const char *v, const char *ve)
{
    /* v..ve is a scanned value; copy a string without its quotes when it fits. */
    dst[0] = '\0';
    if (ve - v < 2 || *v != '"' || (size_t)(ve - v - 2) >= cap || memchr(v + 1, '\\', (size_t)(ve - v - 2)))
        return;
    memcpy(dst, v + 1, (size_t)(ve - v - 2));
    dst[ve - v - 2] = '\0';
}

/* Parse a line (without '\n').  NULL on success, else what is wrong. */
static const char *parse_line(const char *l, size_t n, rec *r)
{
    memset(r, 0, sizeof *r);
    if (n < 8 || memcmp(l, "{\"seq\":", 7) != 0)
        return "not an audit record (must start with {\"seq\":)";
    const char *p = l + 7, *e = l + n;
    if (p >= e || *p < '0' || *p > '9')
        return "bad seq";
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (r->seq > (UINT64_MAX - 9) / 10)
            return "seq out of range";
        r->seq = r->seq * 10 + (uint64_t)(*p - '0');
    }
    static const char pk[] = ",\"prev\":\"";
    if ((size_t)(e - p) < sizeof pk - 1 + RT_AUDIT_HASH_HEX + 1 || memcmp(p, pk, sizeof pk - 1) != 0)
        return "no prev hash after seq";
    p += sizeof pk - 1;
    memcpy(r->prev, p, RT_AUDIT_HASH_HEX);
    p += RT_AUDIT_HASH_HEX;
    if (*p != '"')
        return "prev is not a 64-digit hash";
    if (n < HASH_SUFFIX_LEN + 8 || memcmp(e - HASH_SUFFIX_LEN, ",\"hash\":\"", 9) != 0 || e[-2] != '"' ||
        e[-1] != '}')
        return "no hash at the end of the record";
    memcpy(r->hash, e - 2 - RT_AUDIT_HASH_HEX, RT_AUDIT_HASH_HEX);
    for (int i = 0; i < RT_AUDIT_HASH_HEX; i++)
        if (!strchr("0123456789abcdef", r->prev[i]) || !strchr("0123456789abcdef", r->hash[i]))
            return "hash is not lowercase hex";
    /* Structure of the whole object, and the members checkpoints need. */
    p = l + 1;
    for (;;) {
        const char *k = p, *ke = scan_string(p, e);
        if (!ke || ke >= e || *ke != ':')
            return "malformed JSON member";
        const char *v = ke + 1, *ve = scan_value(v, e, 0);
        if (!ve || ve >= e)
            return "malformed JSON value";
        size_t kl = (size_t)(ke - k);
#define KEY(s) (kl == sizeof s + 1 && !memcmp(k + 1, s, sizeof s - 1))
        if (KEY("type"))
            take(r->type, sizeof r->type, v, ve);
        else if (KEY("reason"))
            take(r->reason, sizeof r->reason, v, ve);
        else if (KEY("time"))
            take(r->time, sizeof r->time, v, ve);
        else if (KEY("key_id"))
            take(r->key_id, sizeof r->key_id, v, ve);
        else if (KEY("sig"))
            take(r->sig, sizeof r->sig, v, ve);
#undef KEY
        if (*ve == '}') {
            if (ve + 1 != e)
                return "text after the record";
            break;
        }
        if (*ve != ',')
            return "malformed JSON object";
        p = ve + 1;
    }
    if (!r->type[0])
        return "record without a type";
    return NULL;
}

typedef struct vstate {
    bool have_prev;
    uint64_t seq;
    char head[RT_AUDIT_HASH_HEX + 1];
    const uint8_t *pk, *keyid;
} vstate;

static int bad(cmdai_error *err, const char *file, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int bad(cmdai_error *err, const char *file, uint64_t line, const char *fmt, ...)
{
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return rt_sig_error(err, CMDAI_E_FORMAT, file, line > INT32_MAX ? INT32_MAX : (int)line, "%s", text);
}

static int check_line(vstate *vs, rt_audit_report *rep, const char *file, uint64_t lineno, bool first_in_file,
                      const char *l, size_t n, cmdai_error *err)
{
    rec r;
    const char *why = parse_line(l, n, &r);
    if (why)
        return bad(err, file, lineno, "%s", why);
    uint8_t h[RT_AUDIT_HASH_BYTES];
    char hh[RT_AUDIT_HASH_HEX + 1];
    crypto_generichash(h, sizeof h, (const uint8_t *)l, n - HASH_SUFFIX_LEN, NULL, 0);
    sodium_bin2hex(hh, sizeof hh, h, sizeof h);
    if (strcmp(hh, r.hash) != 0)
        return bad(err, file, lineno, "record %" PRIu64 " was altered: its hash does not match its content", r.seq);
    bool ckpt = !strcmp(r.type, "checkpoint");
    if (first_in_file && !(ckpt && (!strcmp(r.reason, "genesis") || !strcmp(r.reason, "continue"))))
        return bad(err, file, lineno,
                   "file does not begin with its opening checkpoint: leading records deleted or files out of order");
    if (vs->have_prev) {
        if (r.seq != vs->seq + 1) {
            if (r.seq > vs->seq + 1)
                return bad(err, file, lineno, "seq %" PRIu64 " where %" PRIu64 " was expected: %" PRIu64
                           " record(s) deleted or moved", r.seq, vs->seq + 1, r.seq - vs->seq - 1);
            return bad(err, file, lineno, "seq %" PRIu64 " where %" PRIu64 " was expected: records reordered or duplicated",
                       r.seq, vs->seq + 1);
        }
        if (strcmp(r.prev, vs->head) != 0)
            return bad(err, file, lineno, "record %" PRIu64 " does not chain to the record before it", r.seq);
    } else {
        bool genesis = ckpt && !strcmp(r.reason, "genesis");
        static const char zero[RT_AUDIT_HASH_HEX + 1] =
            "0000000000000000000000000000000000000000000000000000000000000000";
        if (genesis && (r.seq != 0 || strcmp(r.prev, zero) != 0))
            return bad(err, file, lineno, "genesis checkpoint with seq %" PRIu64 " and a non-zero prev", r.seq);
        rep->first_seq = r.seq;
    }
    if (ckpt) {
        rep->checkpoints++;
        if (vs->pk) {
            if (!r.sig[0] || !r.key_id[0])
                return bad(err, file, lineno, "checkpoint %" PRIu64 " is not signed", r.seq);
            char want[17];
            rt_keyid_hex(vs->keyid, want);
            if (strcmp(want, r.key_id) != 0)
                return rt_sig_error(err, CMDAI_E_UNKNOWN_KEY, file, (int)lineno,
                                    "checkpoint %" PRIu64 " signed by key %s, not %s", r.seq, r.key_id, want);
            uint8_t sig[crypto_sign_BYTES];
            size_t got = 0;
            rt_abuf m = {0};
            rt_audit_ckpt_message(&m, r.seq, r.prev, r.time, r.reason);
            int ok = !m.oom &&
                     sodium_base642bin(sig, sizeof sig, r.sig, strlen(r.sig), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL) == 0 &&
                     got == sizeof sig && crypto_sign_verify_detached(sig, (const uint8_t *)m.p, m.len, vs->pk) == 0;
            rt_abuf_release(&m);
            if (!ok)
                return rt_sig_error(err, CMDAI_E_SIGNATURE, file, (int)lineno,
                                    "checkpoint %" PRIu64 ": signature does not verify", r.seq);
            rep->signed_ok++;
        }
        rep->unsealed = 0;
        rep->sealed = !strcmp(r.reason, "close");
    } else {
        rep->records++;
        rep->unsealed++;
        rep->sealed = false;
    }
    vs->have_prev = true;
    vs->seq = r.seq;
    memcpy(vs->head, r.hash, sizeof vs->head);
    rep->last_seq = r.seq;
    return CMDAI_OK;
}

static int verify_file(vstate *vs, rt_audit_report *rep, const char *file, cmdai_error *err)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return rt_sig_error(err, CMDAI_E_IO, file, 0, "cannot open: %s", strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    uint64_t lineno = 0;
    int rc = CMDAI_OK;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t n = (size_t)got;
        if (n == 0 || line[n - 1] != '\n') {
            rc = bad(err, file, lineno, "unterminated last record: the file was truncated");
            break;
        }
        if (n - 1 > RT_AUDIT_LINE_MAX) {
            rc = bad(err, file, lineno, "record longer than %u bytes", RT_AUDIT_LINE_MAX);
            break;
        }
        if ((rc = check_line(vs, rep, file, lineno, lineno == 1, line, n - 1, err)) != CMDAI_OK)
            break;
    }
    if (rc == CMDAI_OK && ferror(f))
        rc = rt_sig_error(err, CMDAI_E_IO, file, 0, "cannot read: %s", strerror(errno));
    if (rc == CMDAI_OK && lineno == 0)
        rc = bad(err, file, 1, "empty file: its records were deleted");
    free(line);
    fclose(f);
    return rc;
}

int rt_audit_verify(const char *const *files, size_t nfiles, const uint8_t *pk, const uint8_t *keyid,
                    rt_audit_report *rep, cmdai_error *err)
{
    if (rt_sodium_init() != 0)
        return rt_sig_error(err, CMDAI_E_NOMEM, NULL, 0, "libsodium cannot be initialised");
    memset(rep, 0, sizeof *rep);
    if (nfiles == 0)
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "no audit files given");
    vstate vs = {0};
    vs.pk = pk;
    vs.keyid = keyid;
    for (size_t i = 0; i < nfiles; i++) {
        int rc = verify_file(&vs, rep, files[i], err);
        if (rc != CMDAI_OK)
            return rc;
    }
    if (pk && rep->signed_ok == 0)
        return bad(err, files[nfiles - 1], 0, "no signed checkpoint to verify");
    memcpy(rep->head, vs.head, sizeof rep->head);
    return CMDAI_OK;
}

static uint64_t first_seq(const char *file)
{
    FILE *f = fopen(file, "rb");
    char buf[40] = {0};
    uint64_t v = UINT64_MAX;
    if (!f)
        return v;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    if (n > 7 && !memcmp(buf, "{\"seq\":", 7) && buf[7] >= '0' && buf[7] <= '9')
        v = strtoull(buf + 7, NULL, 10);
    return v;
}

void rt_audit_sort_files(const char **files, size_t nfiles)
{
    /* Insertion sort: a handful of rotated files. */
    uint64_t *k = malloc(nfiles * sizeof *k);
    if (!k)
        return;
    for (size_t i = 0; i < nfiles; i++)
        k[i] = first_seq(files[i]);
    for (size_t i = 1; i < nfiles; i++) {
        uint64_t kv = k[i];
        const char *fv = files[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > kv; j--) {
            k[j] = k[j - 1];
            files[j] = files[j - 1];
        }
        k[j] = kv;
        files[j] = fv;
    }
    free(k);
}
