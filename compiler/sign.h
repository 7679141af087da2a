/* sign.h — key generation and signing in minisign's formats, so that a stock
 * `minisign -V -p key.pub -m bundle.cpb` verifies what `cmdai-policyc sign`
 * wrote.  Secret keys sit in sodium_malloc memory and are wiped after use. */
#ifndef CMDAI_SIGN_H
#define CMDAI_SIGN_H

#include <stdbool.h>

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

#endif
