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

/* Key id as minisign prints it: 16 uppercase hex digits of the little-endian number. */
void rt_keyid_hex(const uint8_t keyid[8], char out[17]);

/* Anti-rollback.  state_dir NULL: $CMDAI_POLICY_STATE, then /var/lib/cmdai as
 * root or $XDG_STATE_HOME/cmdai (~/.local/state/cmdai) otherwise.  Refuses
 * serial < the highest serial recorded for (keyid, name) with
 * CMDAI_E_ROLLBACK; when `update` and serial is higher, records it
 * atomically (write temp + fsync + rename).  A state that cannot be written
 * is not an error for the check itself (the caller may be unprivileged). */
int rt_rollback_check(const char *state_dir, const uint8_t keyid[8], const char *name, uint64_t serial,
                      bool update, cmdai_error *err);

#endif
