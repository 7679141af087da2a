/* audit.h — the tamper-evident audit trail (docs/audit.md): append-only JSON
 * lines, each carrying the BLAKE2b-256 hash of the previous record and its
 * own, with Ed25519-signed checkpoints every N records or T seconds, group
 * commit (fdatasync) and size-based rotation that keeps one chain across
 * files.  Secrets are redacted (audit_redact.c) before a record is formatted.
 * Library code: returns codes and fills cmdai_error, never prints.  The
 * verifier (audit_verify.c) needs no JSON parser: the writer emits a fixed
 * prefix {"seq":N,"prev":"H", and suffix ,"hash":"H"} on every line. */
#ifndef CMDAI_AUDIT_H
#define CMDAI_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cmdai/policy.h"

#define RT_AUDIT_HASH_BYTES 32              /* crypto_generichash BLAKE2b-256 */
#define RT_AUDIT_HASH_HEX (2 * RT_AUDIT_HASH_BYTES)
#define RT_AUDIT_LINE_MAX (256u * 1024)     /* longest record; the command is cut to fit */
#define RT_AUDIT_CMD_MAX (64u * 1024)       /* bytes of the (redacted) command kept */

typedef struct rt_audit rt_audit; /* opaque; thread-safe */

/* A growable byte buffer (audit_json.c); len bytes used, always
 * NUL-terminated when cap > 0.  oom sticks: later appends do nothing. */
typedef struct rt_abuf {
    char *p;
    size_t len, cap;
    bool oom;
} rt_abuf;

/* Append n bytes.  The common case (room left) is inline, so that appending
 * a literal (RT_ABUF_LIT) is a copy of a compile-time length: a record is
 * made of some fifty pieces. */
void rt_abuf_put_grow(rt_abuf *b, const char *s, size_t n);
static inline void rt_abuf_put(rt_abuf *b, const char *s, size_t n)
{
    if (n < b->cap - b->len && !b->oom) { /* cap > len once allocated; cap == len == 0 before */
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len] = '\0';
        return;
    }
    rt_abuf_put_grow(b, s, n);
}
#define RT_ABUF_LIT(b, lit) rt_abuf_put((b), "" lit, sizeof(lit) - 1) /* string literals only */

typedef struct rt_audit_opts {
    const char *path;          /* the live log file, e.g. /var/log/cmdai/audit.log */
    const char *key_path;      /* minisign secret key (unencrypted); NULL: checkpoints unsigned */
    const char *host;          /* NULL: gethostname() */
    uint64_t checkpoint_every; /* records between checkpoints; 0: 1000 */
    unsigned checkpoint_secs;  /* seconds between checkpoints (see rt_audit_tick); 0: 10 */
    uint64_t rotate_bytes;     /* rotate when the file would grow past this; 0: never */
    bool no_sync;              /* skip fdatasync (benchmarks, tests); records are not durable */
} rt_audit_opts;

/* One decision to record.  Strings may be NULL (written as null); all are
 * borrowed for the call.  Numbers < 0 are unknown (written as null). */
typedef struct rt_audit_event {
    int64_t time_ms;             /* unix ms; 0: now */
    long uid, gid, pid;
    const char *user;            /* login name of uid, when known */
    const char *source;          /* "daemon", "cli", "hook", ... */
    const char *cwd, *session, *shell, *agent;
    const char *cmd;             /* raw command line: redacted before writing */
    size_t cmd_len;
    const cmdai_bundle *bundle;  /* may be NULL (no bundle loaded) */
    const char *bundle_json;     /* rt_audit_bundle_json() of `bundle`, formatted once per loaded
                                  * bundle by the caller; NULL: formatted for this record */
    size_t bundle_json_len;
    const cmdai_verdict *verdict;
    int eval_rc;                 /* CMDAI_OK or the eval error */
} rt_audit_event;

/* The record's bundle member, `,"bundle":{...}` (or `,"bundle":null` for
 * NULL), appended to `out` (out->oom on failure).  It depends on the bundle
 * only, so a caller deciding many commands against one loaded bundle formats
 * it once and passes it in rt_audit_event.bundle_json. */
void rt_audit_bundle_json(rt_abuf *out, const cmdai_bundle *b);

/* Open (create 0640) or resume the log at opts->path: reads the tail to pick
 * up seq and hash, cuts an unterminated last line (never acknowledged: it was
 * not durable) and writes a signed checkpoint saying why the writer started
 * ("genesis", "resume", "recover").  NULL on failure with *err filled. */
rt_audit *rt_audit_open(const rt_audit_opts *opts, cmdai_error *err);

/* Append one decision record (written, not yet durable).  *seq receives its
 * sequence number for rt_audit_sync().  Writes a checkpoint after every
 * checkpoint_every records and rotates when the file is full. */
int rt_audit_append(rt_audit *a, const rt_audit_event *ev, uint64_t *seq, cmdai_error *err);

/* Group commit: return once every record up to `seq` is on stable storage.
 * Concurrent callers share one fdatasync. */
int rt_audit_sync(rt_audit *a, uint64_t seq, cmdai_error *err);

/* Records with seq < the returned value are durable (a cheap read for event
 * loops that hand the syncing to another thread). */
uint64_t rt_audit_durable(rt_audit *a);

/* Append + sync: the record is durable when this returns CMDAI_OK. */
int rt_audit_log(rt_audit *a, const rt_audit_event *ev, cmdai_error *err);

/* Time-based checkpoint: when checkpoint_secs have passed since the last one
 * and records were written since, write (and sync) a checkpoint.  Call it
 * from a timer; now_ms 0 means the current time. */
int rt_audit_tick(rt_audit *a, int64_t now_ms, cmdai_error *err);

/* Write a checkpoint now with the given reason ("manual", "reload", ...). */
int rt_audit_checkpoint(rt_audit *a, const char *reason, cmdai_error *err);

/* Numbers for a status report. */
typedef struct rt_audit_stats {
    uint64_t next_seq, synced_seq, records, checkpoints, rotations, redactions;
    char head[RT_AUDIT_HASH_HEX + 1];
    char key_id[17]; /* "" when checkpoints are unsigned */
} rt_audit_stats;
void rt_audit_get_stats(rt_audit *a, rt_audit_stats *out);

/* Final "close" checkpoint, fsync, close.  NULL is a no-op. */
int rt_audit_close(rt_audit *a, cmdai_error *err);

/* ---- redaction (audit_redact.c) ---------------------------------------- */

/* Copy `in` to a malloc'd NUL-terminated string with secrets replaced by
 * "[REDACTED]" (patterns in docs/audit.md).  *nred counts replacements (may
 * be NULL).  NULL only when out of memory.  Owner: caller, free(). */
char *rt_audit_redact(const char *in, size_t len, size_t *out_len, unsigned *nred);

/* ---- JSON text (audit_json.c) ------------------------------------------ */

void rt_abuf_puts(rt_abuf *b, const char *s);
void rt_abuf_printf(rt_abuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal with quotes; invalid UTF-8 and NUL become U+FFFD, so
 * every record is valid UTF-8 JSON.  NULL becomes null. */
void rt_abuf_json_str(rt_abuf *b, const char *s, size_t n);
void rt_abuf_json_cstr(rt_abuf *b, const char *s);
void rt_abuf_release(rt_abuf *b);

/* rt_audit_redact appending to `out` (which it may grow; out->oom on failure):
 * the writer reuses one buffer per thread instead of a malloc per record. */
void rt_audit_redact_into(rt_abuf *out, const char *in, size_t len, unsigned *nred);

/* ---- verification (audit_verify.c) ------------------------------------- */

/* Signed message of a checkpoint (docs/audit.md "Checkpoints"). */
int rt_audit_ckpt_message(rt_abuf *b, uint64_t seq, const char *prev_hex, const char *time, const char *reason);

typedef struct rt_audit_report {
    uint64_t records, checkpoints, signed_ok;
    uint64_t first_seq, last_seq;
    uint64_t unsealed;            /* records after the last checkpoint */
    bool sealed;                  /* the chain ends with a "close" checkpoint */
    char head[RT_AUDIT_HASH_HEX + 1];
    /* On failure: where and what.  err->source is the file, err->line the line. */
} rt_audit_report;

/* Prove the chain across `files` (in chain order: the caller may sort them
 * with rt_audit_sort_files).  With `pk` (32 bytes, and its minisign key id
 * `keyid`), every checkpoint signature must verify; at least one must exist.
 * CMDAI_OK, CMDAI_E_IO (cannot read), or CMDAI_E_FORMAT / CMDAI_E_SIGNATURE
 * with err->source = file and err->line = the first bad record. */
int rt_audit_verify(const char *const *files, size_t nfiles, const uint8_t *pk, const uint8_t *keyid,
                    rt_audit_report *rep, cmdai_error *err);

/* Order files by the seq of their first record (rotated files first).
 * Files that cannot be read keep their place at the end. */
void rt_audit_sort_files(const char **files, size_t nfiles);

#endif
