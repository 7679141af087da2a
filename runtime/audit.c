/* audit.c — the audit trail writer: formats decision records, chains them
 * (BLAKE2b-256 of the previous line in "prev", of the line itself in
 * "hash"), signs checkpoints with the audit key (Ed25519, libsodium), groups
 * fdatasync calls across threads and rotates by size.  Redaction is in
 * audit_redact.c, the JSON escaper in audit_json.c, the verifier in
 * audit_verify.c; the record format is docs/audit.md. */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "sig.h"

/* minisign.h SeckeyStruct (as compiler/sign.c); only unencrypted keys. */
typedef struct audit_seckey {
    uint8_t sig_alg[2], kdf_alg[2], chk_alg[2];
    uint8_t kdf_salt[32], kdf_opslimit_le[8], kdf_memlimit_le[8];
    uint8_t keyid[8], sk[64], chk[32];
} audit_seckey;
_Static_assert(sizeof(audit_seckey) == 158, "minisign secret key layout");

struct rt_audit {
    pthread_mutex_t mu;
    pthread_cond_t synced_cv;
    int fd;
    char *path;
    char host[256];
    uint8_t head[RT_AUDIT_HASH_BYTES]; /* hash of the last record written */
    char head_hex[RT_AUDIT_HASH_HEX + 1]; /* the same in hex: the next record's "prev" */
    rt_abuf host_json;                 /* ","host":<host as JSON>,"source":  (constant per log) */
    uint64_t next_seq;                 /* seq of the next record */
    uint64_t written_seq;              /* records < this are in the file (maybe not durable yet) */
    uint64_t synced_seq;               /* records < this are durable */
    bool syncing, broken;
    uint64_t file_first_seq, file_bytes;
    uint64_t since_ckpt;
    int64_t last_ckpt_ms;
    rt_abuf pend;                      /* records formatted but not yet written (see rt_audit_sync) */
    rt_audit_opts o;
    audit_seckey *key; /* sodium_malloc; NULL: unsigned checkpoints */
    char key_id[17];
    rt_audit_stats st;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* RFC 3339, UTC, milliseconds: 2026-11-25T13:20:24.123Z; returns its
 * length.  The seconds part is formatted once per second and thread
 * (gmtime_r + strftime were 3 % of a daemon decision). */
static size_t fmt_time(int64_t ms, char out[32])
{
    static _Thread_local time_t last_s = -1;
    static _Thread_local char last[24];
    static _Thread_local size_t last_n;
    time_t s = (time_t)(ms / 1000);
    if (s != last_s) {
        struct tm tm;
        gmtime_r(&s, &tm);
        last_n = strftime(last, sizeof last, "%Y-%m-%dT%H:%M:%S", &tm);
        last_s = s;
    }
    int f = (int)(ms % 1000);
    memcpy(out, last, last_n);
    out[last_n] = '.';
    out[last_n + 1] = (char)('0' + f / 100);
    out[last_n + 2] = (char)('0' + f / 10 % 10);
    out[last_n + 3] = (char)('0' + f % 10);
    out[last_n + 4] = 'Z';
    out[last_n + 5] = '\0';
    return last_n + 5;
}

/* Hashes are public: a plain table, not libsodium's constant-time bin2hex;
 * two digits per byte from one table entry. */
static void hex(const uint8_t *b, size_t n, char *out)
{
    static const char pairs[513] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    for (size_t i = 0; i < n; i++)
        memcpy(out + 2 * i, pairs + 2 * b[i], 2);
    out[2 * n] = '\0';
}

/* Decimal digits of v, right-aligned in d[24]; returns where they start. */
static size_t u64_digits(uint64_t v, char d[24])
{
    size_t i = 24;
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return i;
}

/* a->head was set from outside the writer (genesis, resume): keep its hex
 * for the next "prev" (write_record keeps both itself). */
static void head_hex_update(rt_audit *a)
{
    hex(a->head, RT_AUDIT_HASH_BYTES, a->head_hex);
}

static int key_load(rt_audit *a, const char *path, cmdai_error *err)
{
    char *text = NULL;
    size_t len = 0;
    rt_sig_line l[2];
    int rc = rt_sig_read_file(path, &text, &len, err);
    if (rc != CMDAI_OK)
        return rc;
    a->key = sodium_malloc(sizeof *a->key);
    if (!a->key) {
        rc = rt_sig_error(err, CMDAI_E_NOMEM, path, 0, "out of memory");
        goto out;
    }
    if ((rc = rt_sig_lines(text, len, l, 2, path, err)) != CMDAI_OK)
        goto out;
    if (!rt_sig_b64_exact(&l[1], a->key, sizeof *a->key)) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 2, "audit key: not a minisign secret key");
        goto out;
    }
    if (memcmp(a->key->sig_alg, "Ed", 2) || memcmp(a->key->chk_alg, "B2", 2)) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 2, "audit key: unsupported algorithm");
        goto out;
    }
    if (memcmp(a->key->kdf_alg, "\0\0", 2)) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 2,
                          "audit key: encrypted keys are not supported (the daemon signs unattended)");
        goto out;
    }
    uint8_t chk[32];
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, sizeof chk);
    crypto_generichash_update(&hs, a->key->sig_alg, 2);
    crypto_generichash_update(&hs, a->key->keyid, 8);
    crypto_generichash_update(&hs, a->key->sk, 64);
    crypto_generichash_final(&hs, chk, sizeof chk);
    if (!sodium_is_zero(a->key->chk, 32) && sodium_memcmp(chk, a->key->chk, 32) != 0) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 2, "audit key: checksum mismatch (damaged file)");
        goto out;
    }
    rt_keyid_hex(a->key->keyid, a->key_id);
out:
    if (rc != CMDAI_OK && a->key) {
        sodium_free(a->key);
        a->key = NULL;
    }
    sodium_memzero(text, len);
    free(text);
    return rc;
}

static int io_fail(rt_audit *a, cmdai_error *err, const char *what)
{
    a->broken = true; /* a half-written line: refuse further records rather than fork the chain */
    return rt_sig_error(err, CMDAI_E_IO, a->path, 0, "%s: %s", what, strerror(errno));
}

#define PEND_MAX (1u << 20) /* buffered record bytes before an appender writes them itself */

/* Lock held.  Wait until no group-commit write is in flight, so that bytes
 * reach the file in chain order. */
static void wait_idle(rt_audit *a)
{
    while (a->syncing)
        pthread_cond_wait(&a->synced_cv, &a->mu);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Lock held.  Write the buffered records now. */
static int flush_locked(rt_audit *a, cmdai_error *err)
{
    wait_idle(a);
    if (a->pend.len && write_all(a->fd, a->pend.p, a->pend.len) != 0)
        return io_fail(a, err, "cannot write");
    a->pend.len = 0;
    a->written_seq = a->next_seq;
    return CMDAI_OK;
}

/* Format prefix + body + suffix as one line, chaining it, into the pending
 * buffer: records reach the file in one write per group commit.  Lock held. */
static int write_record(rt_audit *a, const char *body, size_t blen, cmdai_error *err)
{
    if (a->broken)
        return rt_sig_error(err, CMDAI_E_IO, a->path, 0, "audit log is unusable after an earlier write error");
    /* {"seq":N,"prev":"H"  and  ,"hash":"H"}\n  without printf (hot path);
     * "prev" is the previous record's "hash", kept in hex. */
    char pre[128], suf[RT_AUDIT_HASH_HEX + 16];
    char d[24];
    size_t di = u64_digits(a->next_seq, d), pl = 0;
    memcpy(pre, "{\"seq\":", 7);
    pl = 7;
    memcpy(pre + pl, d + di, sizeof d - di);
    pl += sizeof d - di;
    memcpy(pre + pl, ",\"prev\":\"", 9);
    pl += 9;
    memcpy(pre + pl, a->head_hex, RT_AUDIT_HASH_HEX);
    pl += RT_AUDIT_HASH_HEX;
    pre[pl++] = '"';
    uint8_t h[RT_AUDIT_HASH_BYTES];
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, sizeof h);
    crypto_generichash_update(&hs, (const uint8_t *)pre, pl);
    crypto_generichash_update(&hs, (const uint8_t *)body, blen);
    crypto_generichash_final(&hs, h, sizeof h);
    memcpy(suf, ",\"hash\":\"", 9);
    hex(h, sizeof h, suf + 9);
    memcpy(suf + 9 + RT_AUDIT_HASH_HEX, "\"}\n", 3);
    size_t sl = 9 + RT_AUDIT_HASH_HEX + 3;
    size_t total = pl + blen + sl;
    rt_abuf_put(&a->pend, pre, pl);
    rt_abuf_put(&a->pend, body, blen);
    rt_abuf_put(&a->pend, suf, sl);
    if (a->pend.oom) {
        a->broken = true;
        return rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory");
    }
    memcpy(a->head, h, sizeof h);
    memcpy(a->head_hex, suf + 9, RT_AUDIT_HASH_HEX);
    a->next_seq++;
    a->file_bytes += total;
    if (a->pend.len > PEND_MAX)
        return flush_locked(a, err);
    return CMDAI_OK;
}

/* Lock held. */
static int write_checkpoint(rt_audit *a, const char *reason, cmdai_error *err)
{
    char t[32], prev[RT_AUDIT_HASH_HEX + 1];
    int64_t ms = now_ms();
    fmt_time(ms, t);
    memcpy(prev, a->head_hex, sizeof prev);
    rt_abuf b = {0};
    rt_abuf_puts(&b, ",\"type\":\"checkpoint\",\"reason\":");
    rt_abuf_json_cstr(&b, reason);
    rt_abuf_printf(&b, ",\"time\":\"%s\",\"host\":", t);
    rt_abuf_json_cstr(&b, a->host);
    rt_abuf_printf(&b, ",\"records\":%" PRIu64, a->st.records);
    if (a->key) {
        rt_abuf m = {0};
        rt_audit_ckpt_message(&m, a->next_seq, prev, t, reason);
        uint8_t sig[crypto_sign_BYTES];
        char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        if (m.oom || crypto_sign_detached(sig, NULL, (const uint8_t *)m.p, m.len, a->key->sk) != 0) {
            rt_abuf_release(&m);
            rt_abuf_release(&b);
            return rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "cannot sign a checkpoint");
        }
        rt_abuf_release(&m);
        sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
        rt_abuf_printf(&b, ",\"key_id\":\"%s\",\"sig\":\"%s\"", a->key_id, b64);
    } else {
        rt_abuf_puts(&b, ",\"key_id\":null,\"sig\":null");
    }
    int rc = b.oom ? rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory")
                   : write_record(a, b.p, b.len, err);
    rt_abuf_release(&b);
    if (rc == CMDAI_OK) {
        a->since_ckpt = 0;
        a->last_ckpt_ms = ms;
        a->st.checkpoints++;
    }
    return rc;
}

static int fsync_dir(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return -1;
    char *slash = strrchr(d, '/');
    const char *dir = ".";
    if (slash) {
        *slash = '\0';
        dir = slash == d ? "/" : d;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd >= 0 ? fsync(fd) : -1;
    if (fd >= 0)
        close(fd);
    free(d);
    return rc;
}

/* Lock held.  Seal the full file, rename it to PATH.<first seq>, start a new
 * one whose first record is a checkpoint continuing the chain. */
static int rotate(rt_audit *a, cmdai_error *err)
{
    int rc = write_checkpoint(a, "rotate", err);
    if (rc == CMDAI_OK)
        rc = flush_locked(a, err);
    if (rc != CMDAI_OK)
        return rc;
    if (!a->o.no_sync && fdatasync(a->fd) != 0)
        return io_fail(a, err, "cannot sync before rotation");
    a->synced_seq = a->written_seq;
    size_t n = strlen(a->path) + 32;
    char *to = malloc(n);
    if (!to)
        return rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory");
    snprintf(to, n, "%s.%012" PRIu64, a->path, a->file_first_seq);
    if (rename(a->path, to) != 0) {
        free(to);
        return io_fail(a, err, "cannot rotate");
    }
    free(to);
    close(a->fd);
    a->fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (a->fd < 0)
        return io_fail(a, err, "cannot create the next log file");
    a->file_bytes = 0;
    a->file_first_seq = a->next_seq;
    a->st.rotations++;
    rc = write_checkpoint(a, "continue", err);
    if (rc == CMDAI_OK)
        rc = flush_locked(a, err);
    if (rc == CMDAI_OK && !a->o.no_sync && (fdatasync(a->fd) != 0 || fsync_dir(a->path) != 0))
        rc = io_fail(a, err, "cannot sync after rotation");
    a->synced_seq = a->written_seq;
    return rc;
}

/* Parse {"seq":N,"prev":"...  at the start of a line. */
static bool parse_seq(const char *l, size_t n, uint64_t *seq)
{
    if (n < 8 || memcmp(l, "{\"seq\":", 7) != 0)
        return false;
    uint64_t v = 0;
    size_t i = 7;
    if (i >= n || l[i] < '0' || l[i] > '9')
        return false;
    for (; i < n && l[i] >= '0' && l[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (uint64_t)(l[i] - '0');
    }
    *seq = v;
    return true;
}

static int resume_from(rt_audit *a, int fd, bool live, const char **reason, cmdai_error *err);

/* The newest rotated sibling PATH.<12 digits>, or NULL.  Owner: caller (free). */
static char *newest_rotated(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dl = slash ? (size_t)(slash - path) : 0, bl = strlen(base);
    char *dir = slash ? strndup(path, dl ? dl : 1) : strdup(".");
    if (!dir)
        return NULL;
    DIR *d = opendir(dir);
    char *best = NULL;
    char bestnum[13] = "";
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            const char *n = e->d_name;
            if (strlen(n) != bl + 13 || memcmp(n, base, bl) != 0 || n[bl] != '.')
                continue;
            bool digits = true;
            for (size_t i = bl + 1; i < bl + 13; i++)
                digits = digits && n[i] >= '0' && n[i] <= '9';
            if (!digits || strcmp(n + bl + 1, bestnum) <= 0)
                continue;
            memcpy(bestnum, n + bl + 1, 13);
            free(best);
            size_t cap = strlen(path) + 14;
            best = malloc(cap);
            if (best)
                snprintf(best, cap, "%s.%s", path, bestnum);
        }
        closedir(d);
    }
    free(dir);
    return best;
}

static int resume(rt_audit *a, const char **reason, cmdai_error *err)
{
    struct stat st;
    if (fstat(a->fd, &st) != 0)
        return io_fail(a, err, "cannot stat");
    if (st.st_size != 0)
        return resume_from(a, a->fd, true, reason, err);
    /* An empty live file after rotated ones (a crash between the rename and the
     * new file's first record): continue their chain rather than start a new one. */
    *reason = "genesis";
    char *rot = newest_rotated(a->path);
    if (!rot)
        return CMDAI_OK;
    int rfd = open(rot, O_RDONLY | O_CLOEXEC);
    int rc = rfd < 0 ? rt_sig_error(err, CMDAI_E_IO, rot, 0, "cannot open: %s", strerror(errno))
                     : resume_from(a, rfd, false, reason, err);
    if (rfd >= 0)
        close(rfd);
    free(rot);
    if (rc == CMDAI_OK) {
        *reason = "continue";
        a->file_bytes = 0;
        a->file_first_seq = a->next_seq;
    }
    return rc;
}

/* Pick up seq and head from the last complete line of fd; on the live file,
 * cut an unterminated tail. */
static int resume_from(rt_audit *a, int fd, bool live, const char **reason, cmdai_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return io_fail(a, err, "cannot stat");
    uint64_t size = (uint64_t)st.st_size;
    size_t want = size < 2 * RT_AUDIT_LINE_MAX ? (size_t)size : 2 * RT_AUDIT_LINE_MAX;
    char *buf = malloc(want + 1);
    if (!buf)
        return rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory");
    int rc = CMDAI_OK;
    ssize_t r = pread(fd, buf, want, (off_t)(size - want));
    if (r != (ssize_t)want) {
        rc = io_fail(a, err, "cannot read the tail");
        goto out;
    }
    size_t end = want; /* one past the last '\n' */
    while (end > 0 && buf[end - 1] != '\n')
        end--;
    *reason = "resume";
    if (end < want) { /* unterminated last record: never durable, never acknowledged */
        if (!live) {
            rc = rt_sig_error(err, CMDAI_E_FORMAT, a->path, 0, "the last rotated file ends mid-record");
            goto out;
        }
        if (ftruncate(fd, (off_t)(size - (want - end))) != 0) {
            rc = io_fail(a, err, "cannot cut an unterminated record");
            goto out;
        }
        size -= want - end;
        *reason = "recover";
    }
    if (end == 0) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, a->path, 0, "no complete record in the last %zu bytes", want);
        goto out;
    }
    size_t start = end - 1;
    while (start > 0 && buf[start - 1] != '\n')
        start--;
    const char *l = buf + start;
    size_t n = end - 1 - start;
    static const char hk[] = ",\"hash\":\"";
    uint64_t seq;
    if (!parse_seq(l, n, &seq) || n < sizeof hk - 1 + RT_AUDIT_HASH_HEX + 2 ||
        memcmp(l + n - (sizeof hk - 1) - RT_AUDIT_HASH_HEX - 2, hk, sizeof hk - 1) != 0 ||
        sodium_hex2bin(a->head, sizeof a->head, l + n - RT_AUDIT_HASH_HEX - 2, RT_AUDIT_HASH_HEX, NULL, NULL, NULL) !=
            0) {
        rc = rt_sig_error(err, CMDAI_E_FORMAT, a->path, 0,
                          "the last record is not an audit record; refusing to append to it");
        goto out;
    }
    head_hex_update(a); /* its hex as we write it, whatever case the file had */
    a->next_seq = a->written_seq = a->synced_seq = seq + 1;
    a->file_bytes = size;
    /* The file's first record gives the rotation name. */
    char first[32];
    ssize_t fr = pread(fd, first, sizeof first, 0);
    uint64_t fs;
    a->file_first_seq = fr > 0 && parse_seq(first, (size_t)fr, &fs) ? fs : 0;
out:
    free(buf);
    return rc;
}

/* Release everything rt_audit_open acquired (also a half-built handle: its
 * fd is -1 and its key NULL until they exist). */
static void audit_free(rt_audit *a)
{
    if (a->fd >= 0)
        close(a->fd);
    if (a->key)
        sodium_free(a->key);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->synced_cv);
    rt_abuf_release(&a->pend);
    rt_abuf_release(&a->host_json);
    free(a->path);
    free(a);
}

rt_audit *rt_audit_open(const rt_audit_opts *opts, cmdai_error *err)
{
    if (!opts || !opts->path) {
        rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_audit_open: no path");
        return NULL;
    }
    if (rt_sodium_init() != 0) {
        rt_sig_error(err, CMDAI_E_NOMEM, NULL, 0, "libsodium cannot be initialised");
        return NULL;
    }
    rt_audit *a = calloc(1, sizeof *a);
    if (!a || !(a->path = strdup(opts->path))) {
        free(a);
        rt_sig_error(err, CMDAI_E_NOMEM, opts->path, 0, "out of memory");
        return NULL;
    }
    a->o = *opts;
    a->o.path = a->path;
    if (!a->o.checkpoint_every)
        a->o.checkpoint_every = 1000;
    if (!a->o.checkpoint_secs)
        a->o.checkpoint_secs = 10;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->synced_cv, NULL);
    if (opts->host)
        snprintf(a->host, sizeof a->host, "%s", opts->host);
    else if (gethostname(a->host, sizeof a->host - 1) != 0)
        snprintf(a->host, sizeof a->host, "unknown");
    a->fd = -1;
    head_hex_update(a); /* genesis: all zero until resume() finds a chain */
    RT_ABUF_LIT(&a->host_json, "\",\"host\":");
    rt_abuf_json_cstr(&a->host_json, a->host);
    RT_ABUF_LIT(&a->host_json, ",\"source\":");
    if (a->host_json.oom) {
        rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory");
        goto fail;
    }
    const char *reason = "genesis";
    if (opts->key_path && key_load(a, opts->key_path, err) != CMDAI_OK)
        goto fail;
    a->fd = open(a->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (a->fd < 0) {
        rt_sig_error(err, CMDAI_E_IO, a->path, 0, "cannot open: %s", strerror(errno));
        goto fail;
    }
    if (resume(a, &reason, err) != CMDAI_OK)
        goto fail;
    if (write_checkpoint(a, reason, err) != CMDAI_OK || flush_locked(a, err) != CMDAI_OK)
        goto fail;
    if (!a->o.no_sync && fdatasync(a->fd) != 0) {
        io_fail(a, err, "cannot sync");
        goto fail;
    }
    a->synced_seq = a->written_seq;
    snprintf(a->st.key_id, sizeof a->st.key_id, "%s", a->key ? a->key_id : "");
    return a;
fail:
    audit_free(a);
    return NULL;
}

/* Per-thread scratch for formatting records outside the lock: the body and
 * the redacted command, reused from record to record (a malloc, a few
 * reallocs and a free per record were 8 % of a daemon decision).  Freed when
 * the thread exits. */
typedef struct scratch {
    rt_abuf body, red;
} scratch;
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    scratch *sc = p;
    rt_abuf_release(&sc->body);
    rt_abuf_release(&sc->red);
    free(sc);
}

static void scratch_init(void)
{
    pthread_key_create(&scratch_key, scratch_free);
}

/* NULL when out of memory. */
static scratch *scratch_get(void)
{
    pthread_once(&scratch_once, scratch_init);
    scratch *sc = pthread_getspecific(scratch_key);
    if (!sc && (sc = calloc(1, sizeof *sc)) && pthread_setspecific(scratch_key, sc) != 0) {
        free(sc);
        sc = NULL;
    }
    return sc;
}

/* Empty it for the next record; a buffer a huge record grew is given back. */
static void scratch_reset(rt_abuf *b)
{
    if (b->oom || b->cap > 4 * RT_AUDIT_LINE_MAX)
        rt_abuf_release(b);
    b->len = 0;
}

/* A number, or null when unknown (< 0); no printf on the hot path. */
static void put_num(rt_abuf *b, long v)
{
    char d[24];
    if (v < 0) {
        RT_ABUF_LIT(b, "null");
        return;
    }
    size_t i = u64_digits((uint64_t)v, d);
    rt_abuf_put(b, d + i, sizeof d - i);
}

static void put_u64(rt_abuf *b, uint64_t v)
{
    char d[24];
    size_t i = u64_digits(v, d);
    rt_abuf_put(b, d + i, sizeof d - i);
}

void rt_audit_bundle_json(rt_abuf *b, const cmdai_bundle *bundle)
{
    if (!bundle) {
        RT_ABUF_LIT(b, ",\"bundle\":null");
        return;
    }
    cmdai_bundle_info bi;
    cmdai_bundle_get_info(bundle, &bi);
    RT_ABUF_LIT(b, ",\"bundle\":{\"name\":");
    rt_abuf_json_cstr(b, bi.name);
    RT_ABUF_LIT(b, ",\"version\":");
    rt_abuf_json_cstr(b, bi.version);
    RT_ABUF_LIT(b, ",\"serial\":");
    put_u64(b, bi.serial);
    RT_ABUF_LIT(b, ",\"digest\":\"");
    rt_abuf_puts(b, bi.digest); /* hex, and hex: nothing to escape */
    RT_ABUF_LIT(b, "\",\"key_id\":\"");
    rt_abuf_puts(b, bi.key_id);
    RT_ABUF_LIT(b, "\"}");
}

/* Body of a decision record (everything between prev and hash).  The member
 * names are literals appended with their own (compile-time) length, each
 * merged with the punctuation around it; the host and the bundle member are
 * formatted once (rt_audit_open, rt_audit_bundle_json) and copied. */
static int format_decision(rt_audit *a, const rt_audit_event *ev, rt_abuf *b, rt_abuf *red, unsigned *nred)
{
    char t[32];
    size_t tl = fmt_time(ev->time_ms ? ev->time_ms : now_ms(), t);
    RT_ABUF_LIT(b, ",\"type\":\"decision\",\"time\":\"");
    rt_abuf_put(b, t, tl);
    rt_abuf_put(b, a->host_json.p, a->host_json.len); /* ","host":"H","source": */
    rt_abuf_json_cstr(b, ev->source);
    RT_ABUF_LIT(b, ",\"user\":");
    rt_abuf_json_cstr(b, ev->user);
    RT_ABUF_LIT(b, ",\"uid\":");
    put_num(b, ev->uid);
    RT_ABUF_LIT(b, ",\"gid\":");
    put_num(b, ev->gid);
    RT_ABUF_LIT(b, ",\"pid\":");
    put_num(b, ev->pid);
    RT_ABUF_LIT(b, ",\"session\":");
    rt_abuf_json_cstr(b, ev->session);
    RT_ABUF_LIT(b, ",\"shell\":");
    rt_abuf_json_cstr(b, ev->shell);
    RT_ABUF_LIT(b, ",\"agent\":");
    rt_abuf_json_cstr(b, ev->agent);
    RT_ABUF_LIT(b, ",\"cwd\":");
    rt_abuf_json_cstr(b, ev->cwd);
    size_t clen = ev->cmd ? ev->cmd_len : 0;
    rt_audit_redact_into(red, ev->cmd ? ev->cmd : "", clen, nred);
    if (red->oom)
        return CMDAI_E_NOMEM;
    bool cut = red->len > RT_AUDIT_CMD_MAX;
    RT_ABUF_LIT(b, ",\"command\":");
    rt_abuf_json_str(b, red->p, cut ? RT_AUDIT_CMD_MAX : red->len);
    RT_ABUF_LIT(b, ",\"command_bytes\":");
    put_u64(b, clen);
    if (cut)
        RT_ABUF_LIT(b, ",\"truncated\":true,\"redactions\":");
    else
        RT_ABUF_LIT(b, ",\"truncated\":false,\"redactions\":");
    put_u64(b, *nred);
    const cmdai_verdict *v = ev->verdict;
    RT_ABUF_LIT(b, ",\"action\":");
    rt_abuf_json_cstr(b, v ? cmdai_action_name(v->action) : NULL);
    RT_ABUF_LIT(b, ",\"risk\":");
    rt_abuf_json_cstr(b, v ? cmdai_risk_name(v->risk) : NULL);
    RT_ABUF_LIT(b, ",\"rules\":[");
    unsigned n = v ? (v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES) : 0;
    for (unsigned i = 0, k = 0; i < n && ev->bundle; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(ev->bundle, v->rules[i], &ri) != CMDAI_OK)
            continue;
        if (k++)
            RT_ABUF_LIT(b, ",");
        rt_abuf_json_cstr(b, ri.id);
    }
    RT_ABUF_LIT(b, "],\"message\":");
    rt_abuf_json_cstr(b, v ? v->message : NULL);
    RT_ABUF_LIT(b, ",\"error\":");
    rt_abuf_json_cstr(b, ev->eval_rc != CMDAI_OK ? cmdai_code_name(ev->eval_rc) : NULL);
    if (ev->bundle_json)
        rt_abuf_put(b, ev->bundle_json, ev->bundle_json_len);
    else
        rt_audit_bundle_json(b, ev->bundle);
    return b->oom ? CMDAI_E_NOMEM : CMDAI_OK;
}

int rt_audit_append(rt_audit *a, const rt_audit_event *ev, uint64_t *seq, cmdai_error *err)
{
    if (!a || !ev)
        return rt_sig_error(err, CMDAI_E_USAGE, NULL, 0, "rt_audit_append: missing argument");
    scratch *sc = scratch_get();
    if (!sc)
        return rt_sig_error(err, CMDAI_E_NOMEM, a->path, 0, "out of memory");
    rt_abuf *bp = &sc->body;
    scratch_reset(bp);
    scratch_reset(&sc->red);
    unsigned nred = 0;
    int rc = format_decision(a, ev, bp, &sc->red, &nred); /* outside the lock: redaction is the costly part */
    if (rc != CMDAI_OK)
        return rt_sig_error(err, rc, a->path, 0, "out of memory");
    pthread_mutex_lock(&a->mu);
    if (a->o.rotate_bytes && a->file_bytes && a->file_bytes + bp->len + 256 > a->o.rotate_bytes)
        rc = rotate(a, err);
    if (rc == CMDAI_OK) {
        uint64_t s = a->next_seq;
        rc = write_record(a, bp->p, bp->len, err);
        if (rc == CMDAI_OK) {
            if (seq)
                *seq = s;
            a->st.records++;
            a->st.redactions += nred;
            if (++a->since_ckpt >= a->o.checkpoint_every)
                rc = write_checkpoint(a, "count", err);
        }
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

int rt_audit_sync(rt_audit *a, uint64_t seq, cmdai_error *err)
{
    int rc = CMDAI_OK;
    pthread_mutex_lock(&a->mu);
    while (a->synced_seq <= seq && rc == CMDAI_OK) {
        if (a->broken) {
            rc = rt_sig_error(err, CMDAI_E_IO, a->path, 0, "audit log is unusable after an earlier error");
            break;
        }
        if (a->syncing) { /* someone else's fdatasync may cover us: wait for it */
            pthread_cond_wait(&a->synced_cv, &a->mu);
            continue;
        }
        a->syncing = true;
        uint64_t upto = a->next_seq;
        int fd = a->fd;
        rt_abuf mine = a->pend; /* take the buffered records; appenders start a new buffer */
        a->pend = (rt_abuf){0};
        pthread_mutex_unlock(&a->mu);
        int r = mine.len ? write_all(fd, mine.p, mine.len) : 0;
        if (r == 0 && !a->o.no_sync)
            r = fdatasync(fd);
        int e = errno;
        pthread_mutex_lock(&a->mu);
        a->syncing = false;
        if (r == 0 && upto > a->written_seq)
            a->written_seq = upto;
        if (!a->pend.p) { /* keep the larger allocation for the next turn */
            mine.len = 0;
            a->pend = mine;
        } else {
            rt_abuf_release(&mine);
        }
        if (r != 0) {
            errno = e;
            rc = io_fail(a, err, "cannot sync");
        } else if (upto > a->synced_seq) {
            a->synced_seq = upto;
        }
        pthread_cond_broadcast(&a->synced_cv);
    }
    pthread_mutex_unlock(&a->mu);
    return rc;
}

uint64_t rt_audit_durable(rt_audit *a)
{
    pthread_mutex_lock(&a->mu);
    uint64_t v = a->synced_seq;
    pthread_mutex_unlock(&a->mu);
    return v;
}

int rt_audit_log(rt_audit *a, const rt_audit_event *ev, cmdai_error *err)
{
    uint64_t seq;
    int rc = rt_audit_append(a, ev, &seq, err);
    return rc == CMDAI_OK ? rt_audit_sync(a, seq, err) : rc;
}

int rt_audit_checkpoint(rt_audit *a, const char *reason, cmdai_error *err)
{
    pthread_mutex_lock(&a->mu);
    uint64_t s = a->next_seq;
    int rc = write_checkpoint(a, reason, err);
    pthread_mutex_unlock(&a->mu);
    return rc == CMDAI_OK ? rt_audit_sync(a, s, err) : rc;
}

int rt_audit_tick(rt_audit *a, int64_t now, cmdai_error *err)
{
    if (!now)
        now = now_ms();
    pthread_mutex_lock(&a->mu);
    bool due = a->since_ckpt > 0 && now - a->last_ckpt_ms >= (int64_t)a->o.checkpoint_secs * 1000;
    pthread_mutex_unlock(&a->mu);
    return due ? rt_audit_checkpoint(a, "time", err) : CMDAI_OK;
}

void rt_audit_get_stats(rt_audit *a, rt_audit_stats *out)
{
    pthread_mutex_lock(&a->mu);
    *out = a->st;
    out->next_seq = a->next_seq;
    out->synced_seq = a->synced_seq;
    memcpy(out->head, a->head_hex, sizeof out->head);
    pthread_mutex_unlock(&a->mu);
}

int rt_audit_close(rt_audit *a, cmdai_error *err)
{
    if (!a)
        return CMDAI_OK;
    int rc = CMDAI_OK;
    if (!a->broken)
        rc = rt_audit_checkpoint(a, "close", err);
    pthread_mutex_lock(&a->mu);
    int frc = a->broken ? CMDAI_OK : flush_locked(a, err);
    pthread_mutex_unlock(&a->mu);
    if (rc == CMDAI_OK)
        rc = frc;
    if (a->fd >= 0 && !a->o.no_sync && fsync(a->fd) != 0 && rc == CMDAI_OK)
        rc = rt_sig_error(err, CMDAI_E_IO, a->path, 0, "cannot sync: %s", strerror(errno));
    audit_free(a);
    return rc;
}
