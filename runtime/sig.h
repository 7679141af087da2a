/* sig.h — minisign-compatible public keys and detached signatures:
 * Ed25519 over a BLAKE2b-512 prehash ("ED"), verified with libsodium.  Also
 * the trust store (a .pub file or a directory of them) and the anti-rollback
 * state (highest serial accepted per key and bundle name).  Runtime stage:
 * cmdai_open() calls these before it reads a single byte of the bundle. */
#ifndef CMDAI_SIG_H
#define CMDAI_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdai/policy.h"

#define RT_TRUST_MAX 32          /* keys in one trust store */
#define RT_SIG_COMMENT_MAX 1024  /* bytes of a trusted comment */
#define RT_SIG_FILE_MAX 65536    /* bytes of a .pub / .minisig / secret key file; more is refused */

typedef struct rt_pubkey {
    uint8_t keyid[8];   /* as stored in the file (little-endian number) */
    uint8_t pk[32];
} rt_pubkey;

typedef struct rt_sig {
    uint8_t keyid[8];
    uint8_t sig[64];
    int prehashed;                       /* 1 for "ED" (BLAKE2b-512 prehash), 0 for legacy "Ed" */
    char trusted_comment[RT_SIG_COMMENT_MAX]; /* text after "trusted comment: ", NUL-terminated */
    uint8_t global_sig[64];
} rt_sig;

/* "untrusted comment: ...\n<base64 of 'Ed' keyid pk>\n" -> key.  CMDAI_OK or CMDAI_E_FORMAT. */
int rt_pubkey_parse(const char *text, size_t len, rt_pubkey *out, cmdai_error *err);

/* Load every *.pub in a directory, or one file.  NULL path: $CMDAI_POLICY_TRUST,
 * then /etc/cmdai/trusted.d.  CMDAI_E_NO_TRUST when nothing usable is found. */
int rt_trust_load(const char *path, rt_pubkey *keys, size_t cap, size_t *n, cmdai_error *err);

/* Parse a .minisig text.  CMDAI_OK or CMDAI_E_FORMAT. */
int rt_sig_parse(const char *text, size_t len, rt_sig *out, cmdai_error *err);

/* Verify data against sig with the trusted key of the same key id (both the
 * signature and the global signature over sig||trusted comment).
 * CMDAI_E_UNKNOWN_KEY when no trusted key has that id, CMDAI_E_SIGNATURE when
 * it does not verify.  On success *which is the index of the key used. */
int rt_sig_verify(const rt_sig *s, const rt_pubkey *keys, size_t nkeys, const void *data, size_t len,
                  size_t *which, cmdai_error *err);

/* The same, also handing back the BLAKE2b-512 prehash of data when the
 * signature is prehashed ("ED"): *have_digest is then 1 and digest holds it,
 * so a caller that reports the bundle digest need not hash the file twice. */
int rt_sig_verify_digest(const rt_sig *s, const rt_pubkey *keys, size_t nkeys, const void *data, size_t len,
                         size_t *which, uint8_t digest[64], int *have_digest, cmdai_error *err);

/* Key id as minisign prints it: 16 uppercase hex digits of the little-endian number. */
void rt_keyid_hex(const uint8_t keyid[8], char out[17]);

/* sodium_init() once per process (pthread_once).  0, or -1 when libsodium
 * cannot be initialised (every crypto entry point then fails closed). */
int rt_sodium_init(void);

/* Read a whole key or signature file into a NUL-terminated malloc'd buffer
 * (owner: caller, free()).  Refuses non-regular files and files larger than
 * RT_SIG_FILE_MAX.  CMDAI_OK, CMDAI_E_IO or CMDAI_E_FORMAT (size); err->source
 * names the file. */
int rt_sig_read_file(const char *path, char **text, size_t *len, cmdai_error *err);

/* rt_pubkey_parse / rt_sig_parse of a file, with err->source naming it. */
int rt_pubkey_load(const char *path, rt_pubkey *out, cmdai_error *err);
int rt_sig_load(const char *path, rt_sig *out, cmdai_error *err);

/* One line of a key or signature text, without its "\n" or "\r\n"; borrowed
 * from the text. */
typedef struct rt_sig_line {
    const char *p;
    size_t len;
} rt_sig_line;

/* Split `text` into exactly `want` lines (the last may lack its newline;
 * empty lines after them are ignored, anything else is an error).  Refuses
 * texts over RT_SIG_FILE_MAX, NUL bytes and stray CR.  Shared with
 * compiler/sign.c so that secret keys follow the same rules.  `source` names
 * the text in errors (NULL: "<memory>").  CMDAI_OK or CMDAI_E_FORMAT. */
int rt_sig_lines(const char *text, size_t len, rt_sig_line *lines, size_t want, const char *source,
                 cmdai_error *err);

/* Decode a line of standard padded base64 that must hold exactly n bytes.
 * Only the base64 alphabet is accepted (see sig.c).  false on any mismatch. */
bool rt_sig_b64_exact(const rt_sig_line *l, void *out, size_t n);

/* Fill *err (when not NULL) with code, source (NULL: "<memory>"; a long name
 * keeps its tail), line (<= 0: none) and a printf-style text.  Returns code. */
int rt_sig_error(cmdai_error *err, int code, const char *source, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Anti-rollback.  state_dir NULL: $CMDAI_POLICY_STATE, then /var/lib/cmdai as
 * root or $XDG_STATE_HOME/cmdai (~/.local/state/cmdai) otherwise.  Refuses
 * serial < the highest serial recorded for (keyid, name) with
 * CMDAI_E_ROLLBACK; when `update` and serial is higher, records it
 * atomically (write temp + fsync + rename).  A state that cannot be written
 * is not an error for the check itself (the caller may be unprivileged). */
int rt_rollback_check(const char *state_dir, const uint8_t keyid[8], const char *name, uint64_t serial,
                      bool update, cmdai_error *err);

#endif
