/* test_sign.c — compiler/sign.c: key generation and signing, checked by the
 * runtime verifier and cross-checked against the stock minisign binary in
 * both directions (its keys sign with us, our signatures verify with it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "test_tmp.h"
#include "sig.h"
#include "sign.h"

#define MINISIGN "/usr/bin/minisign"


static int setup_tmp(void **state)
{
    (void)state;
    return tmp_make("sign");
}

static int teardown_tmp(void **state)
{
    (void)state;
    return tmp_remove();
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

/* Verify `file` against `sigfile` and `pubfile` with the runtime; returns the code. */
static int rt_verify_files(const char *pubfile, const char *file, const char *sigfile, rt_sig *out)
{
    rt_pubkey k;
    rt_sig s;
    cmdai_error e = { 0 };
    int rc = rt_pubkey_load(pubfile, &k, &e);
    if (rc == CMDAI_OK)
        rc = rt_sig_load(sigfile, &s, &e);
    if (rc == CMDAI_OK) {
        size_t len;
        char *body = read_all(file, &len);
        rc = rt_sig_verify(&s, &k, 1, body, len, NULL, &e);
        free(body);
    }
    if (rc == CMDAI_OK && out)
        *out = s;
    if (rc != CMDAI_OK)
        fprintf(stderr, "rt verify: %s: %s\n", e.source, e.text);
    return rc;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static const char *bundle_body = "CPB\x01 pretend bundle bytes\n";

/* A fresh directory with key pair k.pub/k.key and a file to sign. */
static void fresh_dir(const char *name, char *dir, size_t cap)
{
    path_in(dir, cap, name);
    assert_int_equal(mkdir(dir, 0700), 0);
}

/* ---- keygen ---------------------------------------------------------------------- */

static void keygen_writes_minisign_key_files(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256];
    fresh_dir("keygen", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    assert_int_equal(d.code, CMDAI_OK);

    struct stat st;
    assert_int_equal(stat(sec, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(count_entries(dir), 2); /* no temp files left */

    rt_pubkey k;
    cmdai_error e = { 0 };
    assert_int_equal(rt_pubkey_load(pub, &k, &e), CMDAI_OK);
    size_t len;
    char *text = read_all(pub, &len);
    char hex[17], want[80];
    rt_keyid_hex(k.keyid, hex);
    snprintf(want, sizeof want, "untrusted comment: minisign public key %s\n", hex);
    assert_int_equal(strncmp(text, want, strlen(want)), 0);
    free(text);

    /* the secret key: 158 bytes "Ed" "\0\0" "B2" ..., keyid matching, chk right */
    text = read_all(sec, &len);
    assert_int_equal(strncmp(text, "untrusted comment: minisign encrypted secret key\n", 49), 0);
    uint8_t raw[158];
    size_t got = 0;
    char *nl = strchr(text + 49, '\n');
    assert_non_null(nl);
    assert_int_equal(sodium_base642bin(raw, sizeof raw, text + 49, (size_t)(nl - text - 49), NULL, &got, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(got, 158);
    assert_memory_equal(raw, "Ed\0\0B2", 6);
    assert_memory_equal(raw + 54, k.keyid, 8);
    assert_memory_equal(raw + 62 + 32, k.pk, 32); /* sk = seed || pk */
    uint8_t chk[32];
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, 32);
    crypto_generichash_update(&hs, raw, 2);
    crypto_generichash_update(&hs, raw + 54, 8 + 64);
    crypto_generichash_final(&hs, chk, 32);
    assert_memory_equal(raw + 126, chk, 32);
    sodium_memzero(raw, sizeof raw);
    sodium_memzero(text, len);
    free(text);
}

static void keygen_refuses_to_overwrite_without_force(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256];
    fresh_dir("overwrite", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    size_t l1, l2;
    char *before = read_all(pub, &l1);

    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_E_IO);
    assert_int_equal(d.code, CMDAI_E_IO);
    assert_non_null(strstr(d.hint, "--force"));
    assert_string_equal(d.file, sec);
    /* only the public key present: still refused, and nothing is written */
    char pub2[256], sec2[256];
    snprintf(pub2, sizeof pub2, "%s/only.pub", dir);
    snprintf(sec2, sizeof sec2, "%s/only.key", dir);
    write_file(pub2, "x", 1);
    diag_init(&d);
    assert_int_equal(sign_keygen(sec2, pub2, false, &d), CMDAI_E_IO);
    assert_string_equal(d.file, pub2);
    assert_int_equal(access(sec2, F_OK), -1);

    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, true, &d), CMDAI_OK);
    char *after = read_all(pub, &l2);
    assert_true(l1 != l2 || memcmp(before, after, l1) != 0); /* a new key */
    free(before);
    free(after);
    assert_int_equal(count_entries(dir), 3);

    /* same path twice, missing directory */
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, sec, true, &d), CMDAI_E_USAGE);
    char nodir[256];
    snprintf(nodir, sizeof nodir, "%s/missing/k.key", dir);
    diag_init(&d);
    assert_int_equal(sign_keygen(nodir, pub2, true, &d), CMDAI_E_IO);
    assert_string_equal(d.file, nodir);
}

/* ---- sign and verify ------------------------------------------------------------ */

static void sign_then_runtime_and_minisign_verify(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256], file[256], sig[300];
    fresh_dir("roundtrip", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    snprintf(file, sizeof file, "%s/policy.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    write_file(file, bundle_body, strlen(bundle_body));
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    assert_int_equal(sign_file(sec, file, NULL, NULL, &d), CMDAI_OK);

    rt_sig s;
    assert_int_equal(rt_verify_files(pub, file, sig, &s), CMDAI_OK);
    assert_int_equal(s.prehashed, 1);
    assert_int_equal(strncmp(s.trusted_comment, "timestamp:", 10), 0);
    assert_non_null(strstr(s.trusted_comment, "\tfile:policy.cpb"));
    struct stat st;
    assert_int_equal(stat(sig, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(count_entries(dir), 4);

    if (!have_minisign())
        skip();
    assert_int_equal(run("%s -V -q -p %s -m %s", MINISIGN, pub, file), 0);
    assert_int_equal(run("%s -V -q -H -p %s -m %s", MINISIGN, pub, file), 0); /* -H: prehashed required */
    /* and minisign notices tampering too */
    write_file(file, "tampered", 8);
    assert_int_equal(run("%s -V -q -p %s -m %s 2>/dev/null", MINISIGN, pub, file) != 0, 1);
}

static void sign_custom_comment_and_sig_path(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256], file[256], sig[256];
    fresh_dir("custom", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    snprintf(file, sizeof file, "%s/b.cpb", dir);
    snprintf(sig, sizeof sig, "%s/elsewhere.sig", dir);
    write_file(file, "", 0); /* an empty file signs and verifies */
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    assert_int_equal(sign_file(sec, file, sig, "serial:42 name:acme", &d), CMDAI_OK);
    rt_sig s;
    assert_int_equal(rt_verify_files(pub, file, sig, &s), CMDAI_OK);
    assert_string_equal(s.trusted_comment, "serial:42 name:acme");
    if (have_minisign()) {
        assert_int_equal(run("%s -V -q -p %s -m %s -x %s", MINISIGN, pub, file, sig), 0);
        assert_int_equal(run("%s -V -Q -p %s -m %s -x %s | grep -qx 'serial:42 name:acme'", MINISIGN, pub, file, sig),
                         0);
    }

    /* comments the format cannot carry */
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, sig, "two\nlines", &d), CMDAI_E_USAGE);
    char big[RT_SIG_COMMENT_MAX + 1];
    memset(big, 'x', RT_SIG_COMMENT_MAX);
    big[RT_SIG_COMMENT_MAX] = '\0';
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, sig, big, &d), CMDAI_E_USAGE);
    big[RT_SIG_COMMENT_MAX - 1] = '\0';
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, sig, big, &d), CMDAI_OK);
    assert_int_equal(rt_verify_files(pub, file, sig, NULL), CMDAI_OK);
}

static void sign_large_file_streams(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256], file[256], sig[300];
    fresh_dir("large", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    snprintf(file, sizeof file, "%s/big.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    size_t n = 5u << 20;
    char *buf = malloc(n);
    assert_non_null(buf);
    randombytes_buf(buf, n);
    write_file(file, buf, n);
    free(buf);
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    assert_int_equal(sign_file(sec, file, NULL, "big", &d), CMDAI_OK);
    assert_int_equal(rt_verify_files(pub, file, sig, NULL), CMDAI_OK);
    if (have_minisign())
        assert_int_equal(run("%s -V -q -p %s -m %s", MINISIGN, pub, file), 0);
}

static void sign_file_mem_matches_runtime(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256];
    fresh_dir("mem", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(sign_file_mem(sec, bundle_body, strlen(bundle_body), NULL, &text, &len, &d), CMDAI_OK);
    assert_int_equal(strlen(text), len);
    rt_pubkey k;
    rt_sig s;
    cmdai_error e = { 0 };
    assert_int_equal(rt_pubkey_load(pub, &k, &e), CMDAI_OK);
    assert_int_equal(rt_sig_parse(text, len, &s, &e), CMDAI_OK);
    assert_int_equal(strncmp(s.trusted_comment, "timestamp:", 10), 0);
    assert_int_equal(rt_sig_verify(&s, &k, 1, bundle_body, strlen(bundle_body), NULL, &e), CMDAI_OK);
    assert_int_equal(rt_sig_verify(&s, &k, 1, bundle_body, strlen(bundle_body) - 1, NULL, &e), CMDAI_E_SIGNATURE);
    free(text);
}

/* ---- stock minisign keys ------------------------------------------------------------ */

static void minisign_key_signs_with_us_and_ours_with_minisign(void **state)
{
    (void)state;
    if (!have_minisign())
        skip();
    char dir[128], pub[256], sec[256], file[256], sig[300];
    fresh_dir("stock", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/ms.pub", dir);
    snprintf(sec, sizeof sec, "%s/ms.key", dir);
    snprintf(file, sizeof file, "%s/p.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    write_file(file, bundle_body, strlen(bundle_body));
    assert_int_equal(run("%s -G -W -p %s -s %s >/dev/null", MINISIGN, pub, sec), 0);

    /* minisign's unencrypted secret key (chk left zero) signs with us */
    diag d;
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, NULL, NULL, &d), CMDAI_OK);
    assert_int_equal(run("%s -V -q -p %s -m %s", MINISIGN, pub, file), 0);
    assert_int_equal(rt_verify_files(pub, file, sig, NULL), CMDAI_OK);

    /* minisign signs with our secret key, the runtime verifies */
    char opub[256], osec[256];
    snprintf(opub, sizeof opub, "%s/ours.pub", dir);
    snprintf(osec, sizeof osec, "%s/ours.key", dir);
    assert_int_equal(sign_keygen(osec, opub, false, &d), CMDAI_OK);
    assert_int_equal(run("%s -S -s %s -m %s -t 'by minisign' >/dev/null", MINISIGN, osec, file), 0);
    rt_sig s;
    assert_int_equal(rt_verify_files(opub, file, sig, &s), CMDAI_OK);
    assert_string_equal(s.trusted_comment, "by minisign");
    /* minisign -R recreates the same public key from our secret key.  Only
     * the key line is compared: minisign 0.11's -R prints the id in the
     * comment without zero padding (-G and we pad to 16 digits). */
    char rpub[256];
    snprintf(rpub, sizeof rpub, "%s/re.pub", dir);
    assert_int_equal(run("%s -R -s %s -p %s >/dev/null && test \"$(sed -n 2p %s)\" = \"$(sed -n 2p %s)\"", MINISIGN,
                         osec, rpub, rpub, opub),
                     0);
}

static void minisign_encrypted_key_needs_password(void **state)
{
    (void)state;
    if (!have_minisign())
        skip();
    char dir[128], pub[256], sec[256], file[256], sig[300];
    fresh_dir("encrypted", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/e.pub", dir);
    snprintf(sec, sizeof sec, "%s/e.key", dir);
    snprintf(file, sizeof file, "%s/p.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    write_file(file, bundle_body, strlen(bundle_body));
    /* minisign reads the password from stdin when it is not a terminal */
    assert_int_equal(run("printf 'hunter2\\nhunter2\\n' | %s -G -p %s -s %s >/dev/null 2>&1", MINISIGN, pub, sec), 0);

    diag d;
    diag_init(&d);
    unsetenv("CMDAI_KEY_PASSWORD");
    assert_int_equal(sign_file(sec, file, NULL, NULL, &d), CMDAI_E_USAGE);
    assert_non_null(strstr(d.hint, "CMDAI_KEY_PASSWORD"));
    assert_int_equal(access(sig, F_OK), -1);

    setenv("CMDAI_KEY_PASSWORD", "wrong", 1);
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, NULL, NULL, &d), CMDAI_E_USAGE);
    assert_non_null(strstr(d.text, "wrong password"));

    setenv("CMDAI_KEY_PASSWORD", "hunter2", 1);
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, NULL, NULL, &d), CMDAI_OK);
    unsetenv("CMDAI_KEY_PASSWORD");
    assert_int_equal(rt_verify_files(pub, file, sig, NULL), CMDAI_OK);
    assert_int_equal(run("%s -V -q -p %s -m %s", MINISIGN, pub, file), 0);
}

/* ---- failures leave nothing behind ------------------------------------------------------ */

static void sign_errors_are_diagnosed(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256], file[256], sig[300], path[300];
    fresh_dir("errors", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    snprintf(file, sizeof file, "%s/p.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    write_file(file, bundle_body, strlen(bundle_body));
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);

    /* missing secret key / file to sign */
    snprintf(path, sizeof path, "%s/none.key", dir);
    diag_init(&d);
    assert_int_equal(sign_file(path, file, NULL, NULL, &d), CMDAI_E_IO);
    assert_string_equal(d.file, path);
    snprintf(path, sizeof path, "%s/none.cpb", dir);
    diag_init(&d);
    assert_int_equal(sign_file(sec, path, NULL, NULL, &d), CMDAI_E_IO);
    assert_string_equal(d.file, path);
    diag_init(&d);
    assert_int_equal(sign_file(sec, dir, NULL, NULL, &d), CMDAI_E_IO); /* a directory */

    /* the public key given as the secret key */
    diag_init(&d);
    assert_int_equal(sign_file(pub, file, NULL, NULL, &d), CMDAI_E_FORMAT);
    assert_int_equal(d.line, 2);

    /* damaged secret keys */
    size_t len;
    char *good = read_all(sec, &len);
    snprintf(path, sizeof path, "%s/bad.key", dir);
    static const struct { const char *name; size_t at; char to; } damage[] = {
        { "comment prefix", 0, 'U' },
        { "algorithm", 49, 'X' },         /* "RW" -> "XW": not "Ed" */
        { "key byte", 49 + 120, 'A' },    /* inside sk: chk or consistency catches it */
        { "checksum byte", 49 + 200, 'A' },
        { "base64", 49 + 10, '*' },
    };
    for (size_t i = 0; i < sizeof damage / sizeof damage[0]; i++) {
        char *bad = malloc(len + 1);
        memcpy(bad, good, len + 1);
        if (bad[damage[i].at] == damage[i].to)
            bad[damage[i].at] = damage[i].to == 'A' ? 'B' : 'A';
        else
            bad[damage[i].at] = damage[i].to;
        write_file(path, bad, len);
        free(bad);
        diag_init(&d);
        int rc = sign_file(path, file, sig, NULL, &d);
        if (rc != CMDAI_E_FORMAT)
            fail_msg("%s: got %d (%s)", damage[i].name, rc, d.text);
        assert_string_equal(d.file, path);
    }
    /* truncated secret key */
    write_file(path, good, 60);
    diag_init(&d);
    assert_int_equal(sign_file(path, file, sig, NULL, &d), CMDAI_E_FORMAT);
    sodium_memzero(good, len);
    free(good);
    assert_int_equal(access(sig, F_OK), -1); /* no signature written by any failure */

    /* signature into a directory that does not exist */
    snprintf(path, sizeof path, "%s/no/such/dir/p.minisig", dir);
    diag_init(&d);
    assert_int_equal(sign_file(sec, file, path, NULL, &d), CMDAI_E_IO);
    assert_string_equal(d.file, path);
    assert_int_equal(count_entries(dir), 4); /* k.pub k.key p.cpb bad.key */
}

static void sign_full_disk_leaves_no_partial_signature(void **state)
{
    (void)state;
    char dir[128], pub[256], sec[256], file[256], sig[300];
    fresh_dir("fulldisk", dir, sizeof dir);
    snprintf(pub, sizeof pub, "%s/k.pub", dir);
    snprintf(sec, sizeof sec, "%s/k.key", dir);
    snprintf(file, sizeof file, "%s/p.cpb", dir);
    snprintf(sig, sizeof sig, "%s.minisig", file);
    write_file(file, bundle_body, strlen(bundle_body));
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), CMDAI_OK);
    /* an old, valid signature must survive a failed re-sign untouched */
    assert_int_equal(sign_file(sec, file, NULL, "old", &d), CMDAI_OK);
    size_t l_old;
    char *old = read_all(sig, &l_old);

    /* RLIMIT_FSIZE makes write() fail with EFBIG as a full disk would */
    struct rlimit saved, small = { 64, 0 };
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    small.rlim_max = saved.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    diag_init(&d);
    int rc = sign_file(sec, file, NULL, "new", &d);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, prev);

    assert_int_equal(rc, CMDAI_E_IO);
    assert_string_equal(d.file, sig);
    size_t l_now;
    char *now = read_all(sig, &l_now);
    assert_int_equal(l_now, l_old);
    assert_memory_equal(now, old, l_old);
    free(old);
    free(now);
    assert_int_equal(count_entries(dir), 4); /* no temp file left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keygen_writes_minisign_key_files),
        cmocka_unit_test(keygen_refuses_to_overwrite_without_force),
        cmocka_unit_test(sign_then_runtime_and_minisign_verify),
        cmocka_unit_test(sign_custom_comment_and_sig_path),
        cmocka_unit_test(sign_large_file_streams),
        cmocka_unit_test(sign_file_mem_matches_runtime),
        cmocka_unit_test(minisign_key_signs_with_us_and_ours_with_minisign),
        cmocka_unit_test(minisign_encrypted_key_needs_password),
        cmocka_unit_test(sign_errors_are_diagnosed),
        cmocka_unit_test(sign_full_disk_leaves_no_partial_signature),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
