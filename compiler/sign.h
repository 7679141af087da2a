/* sign.h — key generation and signing in minisign's formats, so that a stock
 * `minisign -V -p key.pub -m bundle.cpb` verifies what `cmdai-policyc sign`
 * wrote.  Secret keys sit in sodium_malloc memory and are wiped after use.
 * Every function returns CMDAI_OK or the error code it also put in *d (d may
 * be NULL); files are written atomically (temp file, fsync, rename), so a
 * failure never leaves a partial key or signature behind. */
#ifndef CMDAI_SIGN_H
#define CMDAI_SIGN_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"

/* Write a new key pair.  The secret key file is minisign's format without a
 * password (kdf "\0\0", like `minisign -G -W`), mode 0600; refuses to overwrite
 * either file unless `force`. */
int sign_keygen(const char *seckey_path, const char *pubkey_path, bool force, diag *d);

/* Sign `file` into `sig_path` (default file + ".minisig" when NULL) with a
 * prehashed ("ED") signature.  `trusted_comment` NULL: "timestamp:<now>\tfile:<basename>".
 * Encrypted minisign secret keys are accepted when $CMDAI_KEY_PASSWORD holds the password. */
int sign_file(const char *seckey_path, const char *file, const char *sig_path, const char *trusted_comment,
              diag *d);

/* Sign a buffer in memory the same way; *out receives the .minisig text
 * (NUL-terminated, *out_len bytes without the NUL; owner: caller, free()).
 * `trusted_comment` NULL: "timestamp:<now>".  Nothing is written to disk. */
int sign_file_mem(const char *seckey_path, const void *data, size_t len, const char *trusted_comment, char **out,
                  size_t *out_len, diag *d);

#endif
