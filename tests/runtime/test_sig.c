/* test_sig.c — runtime/sig.c, trust.c, rollback.c: minisign key and
 * signature parsing, verification (also of signatures made by the stock
 * minisign binary), the trust store and the anti-rollback state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "test_tmp.h"
#include "sig.h"

#define MINISIGN "/usr/bin/minisign"

/* ---- helpers -------------------------------------------------------------- */


static int setup_tmp(void **state)
{
    (void)state;
    return tmp_make("sig");
}

static int teardown_tmp(void **state)
{
    (void)state;
    return tmp_remove();
}

typedef struct keypair {
    rt_pubkey pub;
    uint8_t sk[64];
} keypair;

static void make_key(keypair *k)
{
    randombytes_buf(k->pub.keyid, 8);
    crypto_sign_keypair(k->pub.pk, k->sk);
}

static void pub_text(const rt_pubkey *k, char *out, size_t cap)
{
    uint8_t raw[42];
    char b64[sodium_base64_ENCODED_LEN(42, sodium_base64_VARIANT_ORIGINAL)], hex[17];
    memcpy(raw, "Ed", 2);
    memcpy(raw + 2, k->keyid, 8);
    memcpy(raw + 10, k->pk, 32);
    sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    rt_keyid_hex(k->keyid, hex);
    snprintf(out, cap, "untrusted comment: minisign public key %s\n%s\n", hex, b64);
}

/* A .minisig text made independently of the code under test (libsodium only). */
static void sig_text(const keypair *k, const void *data, size_t len, const char *tc, int prehashed, char *out,
                     size_t cap)
{
    uint8_t raw[74], hash[64], gsig[64];
    uint8_t global[64 + 4096];
    char b1[sodium_base64_ENCODED_LEN(74, sodium_base64_VARIANT_ORIGINAL)];
    char b2[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];
    size_t tlen = strlen(tc);
    assert_true(tlen <= 4096);
    memcpy(raw, prehashed ? "ED" : "Ed", 2);
    memcpy(raw + 2, k->pub.keyid, 8);
    if (prehashed) {
        crypto_generichash(hash, 64, data, len, NULL, 0);
        crypto_sign_detached(raw + 10, NULL, hash, 64, k->sk);
    } else {
        crypto_sign_detached(raw + 10, NULL, data, len, k->sk);
    }
    memcpy(global, raw + 10, 64);
    memcpy(global + 64, tc, tlen);
    crypto_sign_detached(gsig, NULL, global, 64 + tlen, k->sk);
    sodium_bin2base64(b1, sizeof b1, raw, sizeof raw, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(b2, sizeof b2, gsig, sizeof gsig, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(out, cap, "untrusted comment: test\n%s\ntrusted comment: %s\n%s\n", b1, tc, b2);
    assert_true(n > 0 && (size_t)n < cap);
}

static bool have_minisign(void)
{
    if (access(MINISIGN, X_OK) == 0)
        return true;
    fprintf(stderr, "SKIP: %s not installed (apt-get install minisign)\n", MINISIGN);
    return false;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *data = "allow git status\n";

/* ---- key ids ----------------------------------------------------------------- */

static void keyid_hex_is_minisign_order(void **state)
{
    (void)state;
    /* From a key made by minisign 0.11: base64 "RWTLgFEfSGH6er..." is
     * "Ed" CB 80 51 1F 48 61 FA 7A, printed as 7AFA61481F5180CB. */
    const uint8_t id[8] = { 0xCB, 0x80, 0x51, 0x1F, 0x48, 0x61, 0xFA, 0x7A };
    char hex[17];
    rt_keyid_hex(id, hex);
    assert_string_equal(hex, "7AFA61481F5180CB");
}

/* ---- public keys ------------------------------------------------------------ */

static void pubkey_parses_minisign_text(void **state)
{
    (void)state;
    const char *t = "untrusted comment: minisign public key 7AFA61481F5180CB\n"
                    "RWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n";
    rt_pubkey k;
    cmdai_error e = { 0 };
    assert_int_equal(rt_pubkey_parse(t, strlen(t), &k, &e), CMDAI_OK);
    char hex[17];
    rt_keyid_hex(k.keyid, hex);
    assert_string_equal(hex, "7AFA61481F5180CB");
    assert_int_equal(k.pk[0], 0xb9);
}

static const struct {
    const char *name, *text;
    int code, line;
} pub_cases[] = {
    { "ok", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n", CMDAI_OK, 0 },
    { "CRLF", "untrusted comment: x\r\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\r\n", CMDAI_OK, 0 },
    { "no final newline", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC", CMDAI_OK, 0 },
    { "trailing blank lines", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n\n\n",
      CMDAI_OK, 0 },
    { "empty", "", CMDAI_E_FORMAT, 1 },
    { "comment only", "untrusted comment: x\n", CMDAI_E_FORMAT, 2 },
    { "missing prefix", "comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n", CMDAI_E_FORMAT, 1 },
    { "bad base64", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2o!\n", CMDAI_E_FORMAT, 2 },
    { "short", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hn\n", CMDAI_E_FORMAT, 2 },
    { "long", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oCAAAA\n", CMDAI_E_FORMAT, 2 },
    { "space inside base64", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+ wd4YVQ9IH2hnO2oC\n",
      CMDAI_E_FORMAT, 2 },
    { "wrong algorithm", "untrusted comment: x\nRUTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n", CMDAI_E_FORMAT, 2 },
    { "extra content", "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\nmore\n",
      CMDAI_E_FORMAT, 3 },
    { "stray CR", "untrusted comment: x\rx\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n", CMDAI_E_FORMAT, 1 },
};

static void pubkey_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pub_cases / sizeof pub_cases[0]; i++) {
        rt_pubkey k;
        cmdai_error e = { 0 };
        int rc = rt_pubkey_parse(pub_cases[i].text, strlen(pub_cases[i].text), &k, &e);
        if (rc != pub_cases[i].code)
            fail_msg("%s: got %d (%s), want %d", pub_cases[i].name, rc, e.text, pub_cases[i].code);
        if (rc != CMDAI_OK) {
            assert_int_equal(e.code, rc);
            assert_true(e.text[0] != '\0');
            assert_string_equal(e.source, "<memory>");
            if (pub_cases[i].line && e.line != pub_cases[i].line)
                fail_msg("%s: line %d, want %d", pub_cases[i].name, e.line, pub_cases[i].line);
        }
    }
}

static void pubkey_refuses_nul_and_oversize(void **state)
{
    (void)state;
    const char *t = "untrusted comment: x\nRWTLgFEfSGH6erk6ytEI6aj18y1XeU255zjZ7d8+wd4YVQ9IH2hnO2oC\n";
    char buf[200];
    size_t n = strlen(t);
    memcpy(buf, t, n);
    buf[5] = '\0';
    rt_pubkey k;
    cmdai_error e = { 0 };
    assert_int_equal(rt_pubkey_parse(buf, n, &k, &e), CMDAI_E_FORMAT);
    assert_non_null(strstr(e.text, "NUL"));

    size_t big = RT_SIG_FILE_MAX + 1;
    char *huge = malloc(big);
    assert_non_null(huge);
    memset(huge, 'A', big);
    memcpy(huge, t, n);
    assert_int_equal(rt_pubkey_parse(huge, big, &k, &e), CMDAI_E_FORMAT);
    char path[256];
    path_in(path, sizeof path, "huge.pub");
    write_file(path, huge, big);
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_pubkey_load(path, &k, &e), CMDAI_E_FORMAT);
    assert_non_null(strstr(e.source, "huge.pub"));
    free(huge);
}

/* ---- signatures ------------------------------------------------------------------ */

static void sig_parse_and_verify_prehashed_and_legacy(void **state)
{
    (void)state;
    keypair k;
    make_key(&k);
    char text[1024];
    for (int pre = 0; pre <= 1; pre++) {
        sig_text(&k, data, strlen(data), "timestamp:1\tfile:x.cpb", pre, text, sizeof text);
        rt_sig s;
        cmdai_error e = { 0 };
        assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
        assert_int_equal(s.prehashed, pre);
        assert_string_equal(s.trusted_comment, "timestamp:1\tfile:x.cpb");
        size_t which = 99;
        assert_int_equal(rt_sig_verify(&s, &k.pub, 1, data, strlen(data), &which, &e), CMDAI_OK);
        assert_int_equal(which, 0);
    }
}

static void sig_verify_picks_the_key_with_the_id(void **state)
{
    (void)state;
    keypair k[3];
    rt_pubkey pubs[3];
    for (int i = 0; i < 3; i++) {
        make_key(&k[i]);
        pubs[i] = k[i].pub;
    }
    char text[1024];
    sig_text(&k[2], data, strlen(data), "c", 1, text, sizeof text);
    rt_sig s;
    cmdai_error e = { 0 };
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    size_t which = 99;
    assert_int_equal(rt_sig_verify(&s, pubs, 3, data, strlen(data), &which, &e), CMDAI_OK);
    assert_int_equal(which, 2);
    /* Unknown key: the signer is not in the set. */
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_sig_verify(&s, pubs, 2, data, strlen(data), &which, &e), CMDAI_E_UNKNOWN_KEY);
    assert_int_equal(e.code, CMDAI_E_UNKNOWN_KEY);
    char hex[17];
    rt_keyid_hex(k[2].pub.keyid, hex);
    assert_non_null(strstr(e.text, hex));
    assert_int_equal(rt_sig_verify(&s, pubs, 0, data, strlen(data), &which, &e), CMDAI_E_UNKNOWN_KEY);
    /* Same id, other key: a signature error, not an unknown key. */
    rt_pubkey imposter = k[0].pub;
    memcpy(imposter.keyid, k[2].pub.keyid, 8);
    assert_int_equal(rt_sig_verify(&s, &imposter, 1, data, strlen(data), &which, &e), CMDAI_E_SIGNATURE);
}

static void sig_any_flipped_byte_fails(void **state)
{
    (void)state;
    keypair k;
    make_key(&k);
    char text[1024];
    const char *tc = "timestamp:1700000000\tfile:policy.cpb";
    size_t dlen = strlen(data);
    sig_text(&k, data, dlen, tc, 1, text, sizeof text);
    size_t tlen = strlen(text);
    rt_sig s;
    cmdai_error e;

    /* every byte of the signed data */
    char *d = strdup(data);
    assert_int_equal(rt_sig_parse(text, tlen, &s, &e), CMDAI_OK);
    for (size_t i = 0; i < dlen; i++)
        for (int bit = 0; bit < 8; bit++) {
            d[i] ^= (char)(1 << bit);
            int rc = rt_sig_verify(&s, &k.pub, 1, d, dlen, NULL, &e);
            if (rc != CMDAI_E_SIGNATURE)
                fail_msg("data byte %zu bit %d: got %d", i, bit, rc);
            d[i] ^= (char)(1 << bit);
        }
    free(d);

    /* every byte of the signature text after the untrusted comment (the
     * untrusted comment is, by design, not signed) */
    const char *sigline = strchr(text, '\n') + 1;
    const char *tcline = strstr(text, "trusted comment: ") + 17;
    char *copy = malloc(tlen + 1);
    for (size_t i = (size_t)(sigline - text); i < tlen; i++) {
        for (int bit = 0; bit < 8; bit++) {
            memcpy(copy, text, tlen + 1);
            copy[i] ^= (char)(1 << bit);
            memset(&e, 0, sizeof e);
            int rc = rt_sig_parse(copy, tlen, &s, &e);
            if (rc == CMDAI_OK)
                rc = rt_sig_verify(&s, &k.pub, 1, data, dlen, NULL, &e);
            bool in_comment = copy + i >= tcline && copy + i < tcline + strlen(tc);
            if (in_comment && copy[i] != '\n' && copy[i] != '\r' && copy[i] != '\0' && rc != CMDAI_E_SIGNATURE)
                fail_msg("trusted comment byte %zu bit %d: got %d", i, bit, rc);
            if (rc != CMDAI_E_SIGNATURE && rc != CMDAI_E_FORMAT && rc != CMDAI_E_UNKNOWN_KEY)
                fail_msg("signature byte %zu bit %d: got %d (%s)", i, bit, rc, e.text);
            assert_int_equal(e.code, rc);
        }
    }
    free(copy);
}

static const struct {
    const char *name;
    const char *from, *to; /* replace first occurrence in a valid text */
    int code;
} sig_damage[] = {
    { "no untrusted prefix", "untrusted comment: ", "untrusted: ", CMDAI_E_FORMAT },
    { "no trusted prefix", "trusted comment: t", "trusted: t", CMDAI_E_FORMAT },
    { "trusted comment first", "untrusted comment: test\n", "trusted comment: test\n", CMDAI_E_FORMAT },
    { "CRLF", "\n", "\r\n", CMDAI_OK },
    { "truncated after comment", "\ntrusted comment: t\n", "\n", CMDAI_E_FORMAT },
};

static void sig_structural_damage(void **state)
{
    (void)state;
    keypair k;
    make_key(&k);
    char text[1024], bad[2048];
    sig_text(&k, data, strlen(data), "t", 1, text, sizeof text);
    for (size_t i = 0; i < sizeof sig_damage / sizeof sig_damage[0]; i++) {
        /* replace every occurrence for "\n", the first one otherwise */
        const char *from = sig_damage[i].from, *to = sig_damage[i].to;
        size_t o = 0, fl = strlen(from), tl = strlen(to);
        bool all = strcmp(from, "\n") == 0, done = false;
        for (const char *p = text; *p;) {
            if ((all || !done) && strncmp(p, from, fl) == 0) {
                memcpy(bad + o, to, tl);
                o += tl;
                p += fl;
                done = true;
            } else {
                bad[o++] = *p++;
            }
        }
        bad[o] = '\0';
        assert_true(done);
        rt_sig s;
        cmdai_error e = { 0 };
        int rc = rt_sig_parse(bad, o, &s, &e);
        if (rc == CMDAI_OK)
            rc = rt_sig_verify(&s, &k.pub, 1, data, strlen(data), NULL, &e);
        if (rc != sig_damage[i].code)
            fail_msg("%s: got %d (%s), want %d", sig_damage[i].name, rc, e.text, sig_damage[i].code);
    }
    /* every truncation of a valid text is refused */
    size_t tlen = strlen(text);
    for (size_t cut = 0; cut + 1 < tlen; cut++) {
        rt_sig s;
        cmdai_error e = { 0 };
        if (rt_sig_parse(text, cut, &s, &e) == CMDAI_OK)
            fail_msg("truncated at %zu of %zu accepted", cut, tlen);
    }
}

static void sig_trusted_comment_limit(void **state)
{
    (void)state;
    keypair k;
    make_key(&k);
    char tc[RT_SIG_COMMENT_MAX + 1], text[4096];
    memset(tc, 'c', sizeof tc - 1);
    tc[RT_SIG_COMMENT_MAX - 1] = '\0'; /* 1023 bytes: the largest accepted */
    sig_text(&k, data, strlen(data), tc, 1, text, sizeof text);
    rt_sig s;
    cmdai_error e = { 0 };
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, &k.pub, 1, data, strlen(data), NULL, &e), CMDAI_OK);
    memset(tc, 'c', sizeof tc - 1);
    tc[RT_SIG_COMMENT_MAX] = '\0'; /* 1024 bytes: refused */
    sig_text(&k, data, strlen(data), tc, 1, text, sizeof text);
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_E_FORMAT);
    assert_int_equal(e.line, 3);
    /* an empty trusted comment is valid */
    sig_text(&k, data, strlen(data), "", 1, text, sizeof text);
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, &k.pub, 1, data, strlen(data), NULL, &e), CMDAI_OK);
}

static void sig_verify_empty_data(void **state)
{
    (void)state;
    keypair k;
    make_key(&k);
    char text[1024];
    sig_text(&k, "", 0, "t", 1, text, sizeof text);
    rt_sig s;
    cmdai_error e = { 0 };
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, &k.pub, 1, NULL, 0, NULL, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, &k.pub, 1, "x", 1, NULL, &e), CMDAI_E_SIGNATURE);
}

/* ---- stock minisign ---------------------------------------------------------------- */

static void minisign_signature_verifies(void **state)
{
    (void)state;
    if (!have_minisign())
        skip();
    char pub[256], sec[256], file[256], sig[256];
    path_in(pub, sizeof pub, "ms.pub");
    path_in(sec, sizeof sec, "ms.key");
    path_in(file, sizeof file, "bundle.cpb");
    path_in(sig, sizeof sig, "bundle.cpb.minisig");
    write_file(file, data, strlen(data));
    assert_int_equal(run("%s -G -W -f -p %s -s %s >/dev/null", MINISIGN, pub, sec), 0);
    for (int legacy = 0; legacy <= 1; legacy++) {
        assert_int_equal(run("%s -S %s -s %s -m %s -t 'serial 7' >/dev/null", MINISIGN, legacy ? "-l" : "", sec, file), 0);
        rt_pubkey k;
        rt_sig s;
        cmdai_error e = { 0 };
        assert_int_equal(rt_pubkey_load(pub, &k, &e), CMDAI_OK);
        assert_int_equal(rt_sig_load(sig, &s, &e), CMDAI_OK);
        assert_int_equal(s.prehashed, !legacy);
        assert_string_equal(s.trusted_comment, "serial 7");
        size_t len;
        char *body = read_all(file, &len);
        assert_int_equal(rt_sig_verify(&s, &k, 1, body, len, NULL, &e), CMDAI_OK);
        body[0] ^= 1;
        assert_int_equal(rt_sig_verify(&s, &k, 1, body, len, NULL, &e), CMDAI_E_SIGNATURE);
        free(body);
    }
}

/* ---- files --------------------------------------------------------------------- */

static void read_file_refuses_fifo_and_directory(void **state)
{
    (void)state;
    char fifo[256];
    path_in(fifo, sizeof fifo, "fifo.pub");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    rt_pubkey k;
    cmdai_error e = { 0 };
    assert_int_equal(rt_pubkey_load(fifo, &k, &e), CMDAI_E_IO);
    assert_int_equal(rt_pubkey_load(tmpdir, &k, &e), CMDAI_E_IO);
    char missing[256];
    path_in(missing, sizeof missing, "missing.minisig");
    rt_sig s;
    assert_int_equal(rt_sig_load(missing, &s, &e), CMDAI_E_IO);
    assert_non_null(strstr(e.source, "missing.minisig"));
    unlink(fifo);
}

/* ---- trust store ------------------------------------------------------------------ */

static void write_pub(const char *dir, const char *name, const rt_pubkey *k)
{
    char path[512], text[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    pub_text(k, text, sizeof text);
    write_file(path, text, strlen(text));
}

static void trust_dir_loads_pub_files_in_name_order(void **state)
{
    (void)state;
    char dir[256], sub[300];
    path_in(dir, sizeof dir, "trusted.d");
    assert_int_equal(mkdir(dir, 0755), 0);
    keypair a, b, c;
    make_key(&a);
    make_key(&b);
    make_key(&c);
    write_pub(dir, "b-team.pub", &b.pub);
    write_pub(dir, "a-org.pub", &a.pub);
    write_pub(dir, "a-org-copy.pub", &a.pub);      /* identical: loaded once */
    write_pub(dir, "notes.txt", &c.pub);           /* not *.pub */
    write_pub(dir, ".hidden.pub", &c.pub);         /* dot file */
    snprintf(sub, sizeof sub, "%s/dir.pub", dir);  /* not a regular file */
    assert_int_equal(mkdir(sub, 0755), 0);

    rt_pubkey keys[RT_TRUST_MAX];
    size_t n = 0;
    cmdai_error e = { 0 };
    assert_int_equal(rt_trust_load(dir, keys, RT_TRUST_MAX, &n, &e), CMDAI_OK);
    assert_int_equal(n, 2);
    assert_memory_equal(keys[0].pk, a.pub.pk, 32); /* "a-org-copy.pub" < "a-org.pub" < "b-team.pub" */
    assert_memory_equal(keys[1].pk, b.pub.pk, 32);

    /* a signature by b verifies against the store */
    char text[1024];
    sig_text(&b, data, strlen(data), "t", 1, text, sizeof text);
    rt_sig s;
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    size_t which;
    assert_int_equal(rt_sig_verify(&s, keys, n, data, strlen(data), &which, &e), CMDAI_OK);
    assert_int_equal(which, 1);
    /* one not in the store: unknown key */
    sig_text(&c, data, strlen(data), "t", 1, text, sizeof text);
    assert_int_equal(rt_sig_parse(text, strlen(text), &s, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, keys, n, data, strlen(data), &which, &e), CMDAI_E_UNKNOWN_KEY);

    /* a single file */
    char one[300];
    snprintf(one, sizeof one, "%s/b-team.pub", dir);
    assert_int_equal(rt_trust_load(one, keys, RT_TRUST_MAX, &n, &e), CMDAI_OK);
    assert_int_equal(n, 1);
    assert_memory_equal(keys[0].keyid, b.pub.keyid, 8);

    /* NULL path: $CMDAI_POLICY_TRUST */
    setenv("CMDAI_POLICY_TRUST", dir, 1);
    assert_int_equal(rt_trust_load(NULL, keys, RT_TRUST_MAX, &n, &e), CMDAI_OK);
    assert_int_equal(n, 2);
    unsetenv("CMDAI_POLICY_TRUST");

    /* a bad key file is an error naming it, not skipped */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/c-broken.pub", dir);
    write_file(bad, "untrusted comment: x\nnot base64\n", 32);
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_trust_load(dir, keys, RT_TRUST_MAX, &n, &e), CMDAI_E_FORMAT);
    assert_int_equal(e.code, CMDAI_E_FORMAT);
    assert_non_null(strstr(e.source, "c-broken.pub"));
    assert_int_equal(n, 0);
    unlink(bad);

    /* a dangling symlink too */
    char link_path[300];
    snprintf(link_path, sizeof link_path, "%s/d-gone.pub", dir);
    assert_int_equal(symlink("/nonexistent/key.pub", link_path), 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_trust_load(dir, keys, RT_TRUST_MAX, &n, &e), CMDAI_E_FORMAT);
    assert_non_null(strstr(e.source, "d-gone.pub"));
    unlink(link_path);

    /* more keys than room */
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_trust_load(dir, keys, 1, &n, &e), CMDAI_E_FORMAT);
    assert_non_null(strstr(e.text, "more than 1"));
}

static void trust_nothing_found_is_no_trust(void **state)
{
    (void)state;
    char dir[256], missing[256];
    path_in(dir, sizeof dir, "empty.d");
    path_in(missing, sizeof missing, "nope.d");
    assert_int_equal(mkdir(dir, 0755), 0);
    rt_pubkey keys[4];
    size_t n = 7;
    cmdai_error e = { 0 };
    assert_int_equal(rt_trust_load(dir, keys, 4, &n, &e), CMDAI_E_NO_TRUST);
    assert_int_equal(n, 0);
    assert_non_null(strstr(e.source, "empty.d"));
    assert_int_equal(rt_trust_load(missing, keys, 4, &n, &e), CMDAI_E_NO_TRUST);
    assert_non_null(strstr(e.source, "nope.d"));
    assert_int_equal(rt_trust_load(dir, keys, 0, &n, &e), CMDAI_E_USAGE);
}

static void trust_too_many_files(void **state)
{
    (void)state;
    char dir[256];
    path_in(dir, sizeof dir, "many.d");
    assert_int_equal(mkdir(dir, 0755), 0);
    for (int i = 0; i < RT_TRUST_MAX + 1; i++) {
        keypair k;
        make_key(&k);
        char name[32];
        snprintf(name, sizeof name, "k%03d.pub", i);
        write_pub(dir, name, &k.pub);
    }
    rt_pubkey keys[RT_TRUST_MAX];
    size_t n;
    cmdai_error e = { 0 };
    assert_int_equal(rt_trust_load(dir, keys, RT_TRUST_MAX, &n, &e), CMDAI_E_FORMAT);
    assert_int_equal(n, 0);
}

/* ---- rollback ---------------------------------------------------------------------- */

static const uint8_t kid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void state_path(char *out, size_t cap, const char *dir, const char *name)
{
    char hex[17];
    rt_keyid_hex(kid, hex);
    snprintf(out, cap, "%s/serial-%s-%s", dir, hex, name);
}

static void rollback_higher_equal_lower(void **state)
{
    (void)state;
    char dir[256], path[512];
    path_in(dir, sizeof dir, "state/nested/cmdai"); /* created on the first update */
    cmdai_error e = { 0 };
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 5, true, &e), CMDAI_OK);
    struct stat st;
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    state_path(path, sizeof path, dir, "acme-prod");
    size_t len;
    char *t = read_all(path, &len);
    assert_string_equal(t, "5\n");
    free(t);

    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 5, true, &e), CMDAI_OK);  /* equal */
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 9, true, &e), CMDAI_OK);  /* higher */
    t = read_all(path, &len);
    assert_string_equal(t, "9\n");
    free(t);
    memset(&e, 0, sizeof e);
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 8, true, &e), CMDAI_E_ROLLBACK);
    assert_int_equal(e.code, CMDAI_E_ROLLBACK);
    assert_non_null(strstr(e.text, "8"));
    assert_non_null(strstr(e.text, "9"));
    t = read_all(path, &len);
    assert_string_equal(t, "9\n"); /* unchanged */
    free(t);

    /* update=false checks but does not record */
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 20, false, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 10, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "acme-prod", 9, false, &e), CMDAI_E_ROLLBACK);
    assert_int_equal(rt_rollback_check(dir, kid, "fresh", 1, false, &e), CMDAI_OK);
    state_path(path, sizeof path, dir, "fresh");
    assert_int_equal(access(path, F_OK), -1);

    /* another name, another key: separate serials */
    assert_int_equal(rt_rollback_check(dir, kid, "acme-dev", 1, true, &e), CMDAI_OK);
    const uint8_t other[8] = { 9, 9, 9, 9, 9, 9, 9, 9 };
    assert_int_equal(rt_rollback_check(dir, other, "acme-prod", 1, true, &e), CMDAI_OK);
    /* the largest serial round-trips */
    assert_int_equal(rt_rollback_check(dir, kid, "max", UINT64_MAX, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "max", UINT64_MAX, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "max", UINT64_MAX - 1, true, &e), CMDAI_E_ROLLBACK);
}

static void rollback_corrupt_state_is_an_error(void **state)
{
    (void)state;
    static const char *bad[] = { "", "\n", "abc\n", "12x\n", "-1\n", " 5\n", "18446744073709551616\n",
                                 "5\n6\n", "99999999999999999999999\n" };
    char dir[256], path[512];
    path_in(dir, sizeof dir, "corrupt");
    assert_int_equal(mkdir(dir, 0700), 0);
    state_path(path, sizeof path, dir, "x");
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i], strlen(bad[i]));
        cmdai_error e = { 0 };
        int rc = rt_rollback_check(dir, kid, "x", 1000, true, &e);
        if (rc != CMDAI_E_FORMAT)
            fail_msg("state \"%s\": got %d", bad[i], rc);
        assert_non_null(strstr(e.source, "serial-"));
        /* and it is not silently reset */
        size_t len;
        char *t = read_all(path, &len);
        assert_string_equal(t, bad[i]);
        free(t);
    }
    write_file(path, "7", 1); /* no newline: still a number */
    cmdai_error e = { 0 };
    assert_int_equal(rt_rollback_check(dir, kid, "x", 6, false, &e), CMDAI_E_ROLLBACK);
    /* a directory where the state should be */
    unlink(path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_not_equal(rt_rollback_check(dir, kid, "x", 6, true, &e), CMDAI_OK);
    rmdir(path);
}

static void rollback_names_are_sanitized(void **state)
{
    (void)state;
    char dir[256];
    path_in(dir, sizeof dir, "sanitize");
    cmdai_error e = { 0 };
    assert_int_equal(rt_rollback_check(dir, kid, "../../evil/Name", 3, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "a.b", 3, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "a_b", 1, true, &e), CMDAI_OK); /* not the same state */
    char longname[600];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(rt_rollback_check(dir, kid, longname, 3, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, "", 3, true, &e), CMDAI_OK);
    assert_int_equal(rt_rollback_check(dir, kid, NULL, 3, true, &e), CMDAI_OK); /* same state as "" */
    /* every file stayed in dir, with a name made of [a-z0-9-] after the key id */
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "test -z \"$(find %s -mindepth 1 -regextype posix-extended ! -regex '%s/serial-[0-9A-F]{16}-[a-z0-9-]{1,65}')\"",
             dir, dir);
    assert_int_equal(run("%s", cmd), 0);
    assert_int_equal(run("test $(ls %s | wc -l) = 5", dir), 0);
    char evil[300];
    path_in(evil, sizeof evil, "evil");
    assert_int_equal(access(evil, F_OK), -1);
}

static void rollback_default_dir_from_env(void **state)
{
    (void)state;
    char dir[256], path[512];
    path_in(dir, sizeof dir, "envstate");
    setenv("CMDAI_POLICY_STATE", dir, 1);
    cmdai_error e = { 0 };
    assert_int_equal(rt_rollback_check(NULL, kid, "p", 4, true, &e), CMDAI_OK);
    unsetenv("CMDAI_POLICY_STATE");
    state_path(path, sizeof path, dir, "p");
    assert_int_equal(access(path, F_OK), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keyid_hex_is_minisign_order),
        cmocka_unit_test(pubkey_parses_minisign_text),
        cmocka_unit_test(pubkey_table),
        cmocka_unit_test(pubkey_refuses_nul_and_oversize),
        cmocka_unit_test(sig_parse_and_verify_prehashed_and_legacy),
        cmocka_unit_test(sig_verify_picks_the_key_with_the_id),
        cmocka_unit_test(sig_any_flipped_byte_fails),
        cmocka_unit_test(sig_structural_damage),
        cmocka_unit_test(sig_trusted_comment_limit),
        cmocka_unit_test(sig_verify_empty_data),
        cmocka_unit_test(minisign_signature_verifies),
        cmocka_unit_test(read_file_refuses_fifo_and_directory),
        cmocka_unit_test(trust_dir_loads_pub_files_in_name_order),
        cmocka_unit_test(trust_nothing_found_is_no_trust),
        cmocka_unit_test(trust_too_many_files),
        cmocka_unit_test(rollback_higher_equal_lower),
        cmocka_unit_test(rollback_corrupt_state_is_an_error),
        cmocka_unit_test(rollback_names_are_sanitized),
        cmocka_unit_test(rollback_default_dir_from_env),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
