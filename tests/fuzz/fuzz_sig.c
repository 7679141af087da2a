/* fuzz_sig.c — libFuzzer harness for runtime/sig.c: the same bytes as a
 * public key and as a .minisig, and every signature that parses is verified
 * against a fixed key (keyed to the signature's id, so verification runs to
 * the end) over a fixed message and over the input itself.  The seed corpus
 * holds a valid signature by that key (tests/fuzz/corpus/fuzz_sig/). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The corpus signature is over this message with this seed; see
 * tests/fuzz/corpus/fuzz_sig/README. */
static const char message[] = "cmdai fuzz message\n";
static const uint8_t seed[32] = "cmdai-policy fuzz_sig seed 0001";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rt_pubkey fixed;
    static int ready;
    if (!ready) {
        uint8_t sk[64];
        if (rt_sodium_init() != 0)
            return 0;
        crypto_sign_seed_keypair(fixed.pk, sk, seed);
        memcpy(fixed.keyid, "cmdaifzz", 8);
        sodium_memzero(sk, sizeof sk);
        ready = 1;
    }
    const char *text = (const char *)data;
    cmdai_error e;
    rt_pubkey k;
    rt_sig s;
    char hex[17];

    if (rt_pubkey_parse(text, size, &k, &e) == CMDAI_OK)
        rt_keyid_hex(k.keyid, hex);
    if (rt_sig_parse(text, size, &s, &e) != CMDAI_OK)
        return 0;
    size_t which;
    rt_pubkey keys[2] = { fixed, fixed };
    memcpy(keys[1].keyid, s.keyid, 8);
    (void)rt_sig_verify(&s, keys, 2, message, sizeof message - 1, &which, &e);
    (void)rt_sig_verify(&s, keys, 2, data, size, &which, &e);
    (void)rt_sig_verify(&s, keys, 0, NULL, 0, NULL, NULL);
    return 0;
}
