/* test_audit.c — the audit trail (runtime/audit*.c): redaction patterns,
 * the hash chain and its checkpoints, group commit from many threads,
 * rotation and crash recovery, and that verify reports each kind of
 * tampering (edit, delete, reorder, truncate, forged signature) at the right
 * file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "test_tmp.h"
#include "audit.h"
#include "sig.h"
#include "sign.h"

static char key_sec[128], key_pub[128], other_pub[128], other_sec[128];
static rt_pubkey pk, other;

static int setup(void **state)
{
    (void)state;
    if (tmp_make("audit") != 0)
        return -1;
    path_in(key_sec, sizeof key_sec, "audit.key");
    path_in(key_pub, sizeof key_pub, "audit.pub");
    path_in(other_sec, sizeof other_sec, "other.key");
    path_in(other_pub, sizeof other_pub, "other.pub");
    cmdai_error e = {0};
    if (sign_keygen(key_sec, key_pub, true, NULL) != CMDAI_OK || sign_keygen(other_sec, other_pub, true, NULL) != CMDAI_OK)
        return -1;
    if (rt_pubkey_load(key_pub, &pk, &e) != CMDAI_OK || rt_pubkey_load(other_pub, &other, &e) != CMDAI_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tmp_remove();
}

/* ---- redaction ---- */

static const struct {
    const char *name, *in, *out;
} red_cases[] = {
    {"no secret", "ls -la /tmp", "ls -la /tmp"},
    {"--password=", "psql --password=hunter2 db", "psql --password=[REDACTED] db"},
    {"--password VALUE", "tool --password hunter2 x", "tool --password [REDACTED] x"},
    {"--db-password quoted", "x --db-password='a b c' y", "x --db-password=[REDACTED] y"},
    {"--token=", "gh --token=abc123", "gh --token=[REDACTED]"},
    {"--api-key", "svc --api-key K123 run", "svc --api-key [REDACTED] run"},
    {"mysql -p", "mysql -uroot -phunter2 db", "mysql -uroot -p[REDACTED] db"},
    {"mkdir -p untouched", "mkdir -pv a/b", "mkdir -pv a/b"},
    {"sshpass -p", "sshpass -p s3cret ssh host", "sshpass -p [REDACTED] ssh host"},
    {"curl -u", "curl -u bob:s3cret https://x", "curl -u bob:[REDACTED] https://x"},
    {"url userinfo", "git clone https://bob:s3cret@example.com/r.git",
     "git clone https://bob:[REDACTED]@example.com/r.git"},
    {"url user only", "ssh://bob@host/x", "ssh://bob@host/x"},
    {"bearer header", "curl -H 'Authorization: Bearer abc.def.ghi' x", "curl -H 'Authorization: Bearer [REDACTED]' x"},
    {"x-api-key header", "curl -H \"X-Api-Key: 12345678\" x", "curl -H \"X-Api-Key: [REDACTED]\" x"},
    {"aws access key id", "echo AKIAIOSFODNN7EXAMPLE", "echo [REDACTED]"},
    {"aws secret env", "AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG aws s3 ls", "AWS_SECRET_ACCESS_KEY=[REDACTED] aws s3 ls"},
    {"export token", "export GITHUB_TOKEN=abc", "export GITHUB_TOKEN=[REDACTED]"},
    {"MYSQL_PWD", "MYSQL_PWD=x mysql", "MYSQL_PWD=[REDACTED] mysql"},
    {"PWD untouched", "PWD=/tmp ls", "PWD=/tmp ls"},
    {"github token", "git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x",
     "git push https://[REDACTED]@github.com/x"},
    {"slack token", "post xoxb-1234567890-abcdef", "post [REDACTED]"},
    {"openai key", "OPENAI=1 run sk-abcdefghijklmnopqrstuvwx", "OPENAI=1 run [REDACTED]"},
    {"jwt", "use eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig_abc", "use [REDACTED]"},
    {"pem private key", "echo '-----BEGIN RSA PRIVATE KEY-----\nMIIabc\n-----END RSA PRIVATE KEY-----' > k",
     "echo '[REDACTED]' > k"},
};

/* in redacts to out, and redactions are counted exactly when it changed. */
static void expect_redacted(const char *name, const char *in, const char *out)
{
    size_t n;
    unsigned nred;
    char *o = rt_audit_redact(in, strlen(in), &n, &nred);
    assert_non_null(o);
    if (strcmp(o, out) != 0)
        fail_msg("%s: got \"%s\", want \"%s\"", name, o, out);
    if ((strcmp(in, out) != 0) != (nred > 0))
        fail_msg("%s: %u redactions counted", name, nred);
    free(o);
}

static void test_redaction_patterns(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof red_cases / sizeof *red_cases; i++)
        expect_redacted(red_cases[i].name, red_cases[i].in, red_cases[i].out);
}

/* The scan tries a header or token shape only where the byte matches its
 * first byte (either case for headers), and looks for mysql/sshpass only
 * once a -p word is seen.  One case per shape pins that each is still
 * reached through those shortcuts, plus the near misses that must not be. */
static const struct {
    const char *in, *out;
} prefiltered[] = {
    {"curl -H 'authorization: Basic dXNlcjpwdw==' x", "curl -H 'authorization: Basic [REDACTED]' x"},
    {"curl -H 'PROXY-AUTHORIZATION: Digest abc123' x", "curl -H 'PROXY-AUTHORIZATION: Digest [REDACTED]' x"},
    {"curl -H 'x-api-key: k1234567' x", "curl -H 'x-api-key: [REDACTED]' x"},
    {"curl -H 'Api-Key: k1234567' x", "curl -H 'Api-Key: [REDACTED]' x"},
    {"curl -H 'Private-Token: glx12345' x", "curl -H 'Private-Token: [REDACTED]' x"},
    {"curl -H 'X-Auth-Token: t1234567' x", "curl -H 'X-Auth-Token: [REDACTED]' x"},
    {"curl -H 'Cookie: sid=abc' x", "curl -H 'Cookie: [REDACTED]' x"},
    {"curl -H 'bearer abcdefgh1234' x", "curl -H 'bearer [REDACTED]' x"},
    {"curl -H 'BASIC dXNlcjpwZA==' x", "curl -H 'BASIC [REDACTED]' x"},
    {"echo Token tok_12345678", "echo Token [REDACTED]"},
    {"echo token is here", "echo token is here"},
    {"x AKIAIOSFODNN7EXAMPLE", "x [REDACTED]"},
    {"x ASIAIOSFODNN7EXAMPLE", "x [REDACTED]"},
    {"AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPL"},
    {"x ghp_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x gho_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x ghu_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x ghs_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x ghr_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"xghp_abcdefghijklmnopqrstu", "xghp_abcdefghijklmnopqrstu"},
    {"x github_pat_abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x glpat-abcdefghijklmnopqrstu", "x [REDACTED]"},
    {"x xoxb-1234567890", "x [REDACTED]"},
    {"x xoxa-1234567890", "x [REDACTED]"},
    {"x xoxp-1234567890", "x [REDACTED]"},
    {"x xoxr-1234567890", "x [REDACTED]"},
    {"x xoxs-1234567890", "x [REDACTED]"},
    {"x sk_live_abcdefghijklmnop", "x [REDACTED]"},
    {"x rk_live_abcdefghijklmnop", "x [REDACTED]"},
    {"x sk_test_abcdefghijklmnop", "x [REDACTED]"},
    {"x AIzaabcdefghijklmnopqrstuvwxyz0123", "x [REDACTED]"},
    {"x sk-abcdefghijklmnopqrst", "x [REDACTED]"},
    {"x npm_abcdefghijklmnopqrstuvwxyz0123", "x [REDACTED]"},
    {"x hf_abcdefghijklmnopqrstuvwxyz0123", "x [REDACTED]"},
    {"x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "x [REDACTED]"},
    {"x -phunter2 | mysql db", "x -p[REDACTED] | mysql db"}, /* the program after the flag */
    {"x -phunter2 | /usr/bin/mysqldump db", "x -p[REDACTED] | /usr/bin/mysqldump db"},
    {"x -phunter2 | grep mysqlx", "x -phunter2 | grep mysqlx"},
    {"x -p pw1 ; sshpass ssh h", "x -p [REDACTED] ; sshpass ssh h"},
    {"x -p pw1 ; sshpassx ssh h", "x -p pw1 ; sshpassx ssh h"},
};

static void test_redaction_prefiltered_families(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof prefiltered / sizeof *prefiltered; i++)
        expect_redacted(prefiltered[i].in, prefiltered[i].in, prefiltered[i].out);
    /* A NUL ends a flag name (-pw<NUL>x is -pw): the value is still redacted. */
    static const char nul[] = "tool -pw\0x hunter2 y", want[] = "tool -pw\0x [REDACTED] y";
    size_t n;
    char *o = rt_audit_redact(nul, sizeof nul - 1, &n, NULL);
    assert_non_null(o);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(o, want, n);
    free(o);
}

/* ---- writing and verifying ---- */

static void write_log(const char *name, int n, uint64_t every, uint64_t rotate, char *path, size_t cap)
{
    path_in(path, cap, name);
    rt_audit_opts o = {.path = path, .key_path = key_sec, .checkpoint_every = every, .rotate_bytes = rotate,
                       .host = "testhost"};
    cmdai_error e = {0};
    rt_audit *a = rt_audit_open(&o, &e);
    if (!a)
        fail_msg("open: %s", e.text);
    cmdai_verdict v = {0};
    for (int i = 0; i < n; i++) {
        char cmd[64];
        /* '_' and '!' are in neither base64 nor hex: the secret cannot appear by chance in a hash or signature */
        snprintf(cmd, sizeof cmd, "echo %d --password=pw_%d!", i, i);
        rt_audit_event ev = {.uid = 1000, .gid = 1000, .pid = 42, .user = "bob", .source = "test", .cwd = "/tmp",
                             .session = "s", .cmd = cmd, .cmd_len = strlen(cmd), .verdict = &v};
        assert_int_equal(rt_audit_log(a, &ev, &e), CMDAI_OK);
    }
    assert_int_equal(rt_audit_close(a, &e), CMDAI_OK);
}

static int verify1(const char *path, const rt_pubkey *k, rt_audit_report *rep, cmdai_error *e)
{
    const char *f[1] = {path};
    memset(e, 0, sizeof *e);
    return rt_audit_verify(f, 1, k ? k->pk : NULL, k ? k->keyid : NULL, rep, e);
}

static void test_chain_and_checkpoints_verify(void **state)
{
    (void)state;
    char p[256];
    write_log("chain.log", 10, 3, 0, p, sizeof p);
    rt_audit_report rep;
    cmdai_error e;
    assert_int_equal(verify1(p, &pk, &rep, &e), CMDAI_OK);
    assert_int_equal(rep.records, 10);
    /* genesis + after 3, 6, 9 + close */
    assert_int_equal(rep.checkpoints, 5);
    assert_int_equal(rep.signed_ok, 5);
    assert_true(rep.sealed);
    size_t len;
    char *t = read_all(p, &len);
    assert_null(strstr(t, "pw_3!"));       /* redacted before writing */
    assert_non_null(strstr(t, "--password=[REDACTED]"));
    free(t);
    /* the wrong key refuses; without a key the chain alone verifies */
    assert_int_equal(verify1(p, &other, &rep, &e), CMDAI_E_UNKNOWN_KEY);
    assert_int_equal(e.line, 1);
    assert_int_equal(verify1(p, NULL, &rep, &e), CMDAI_OK);
}

/* Rewrite file p applying an edit to its lines (1-based). */
enum edit { EDIT, DELETE, SWAP, TRUNCATE_MID, DROP_TAIL, FORGE_SIG };
static void tamper(const char *src, const char *dst, enum edit how, int line)
{
    size_t len;
    char *t = read_all(src, &len);
    char *lines[256];
    int n = 0;
    for (char *s = t; *s && n < 256;) {
        lines[n++] = s;
        char *nl = strchr(s, '\n');
        if (!nl)
            break;
        *nl = '\0';
        s = nl + 1;
    }
    FILE *f = fopen(dst, "wb");
    assert_non_null(f);
    for (int i = 1; i <= n; i++) {
        char *l = lines[i - 1];
        if (how == DELETE && i == line)
            continue;
        if (how == DROP_TAIL && i >= line)
            break;
        if (how == SWAP && i == line) {
            fprintf(f, "%s\n%s\n", lines[i], l);
            i++;
            continue;
        }
        if (how == EDIT && i == line) {
            char *u = strstr(l, "\"uid\":1000");
            assert_non_null(u);
            u[9] = '1'; /* "uid":1000 -> "uid":1001 */
        }
        if (how == FORGE_SIG && i == line) {
            char *sg = strstr(l, "\"sig\":\"");
            assert_non_null(sg);
            sg[8] = sg[8] == 'A' ? 'B' : 'A';
        }
        if (how == TRUNCATE_MID && i == line) {
            fwrite(l, 1, strlen(l) / 2, f);
            break;
        }
        fprintf(f, "%s\n", l);
    }
    fclose(f);
    free(t);
}

static void test_verify_reports_tampering_at_file_line(void **state)
{
    (void)state;
    char p[256], q[256];
    write_log("tamper.log", 8, 4, 0, p, sizeof p);
    path_in(q, sizeof q, "tampered.log");
    static const struct {
        const char *name;
        enum edit how;
        int line, want_line, code;
    } cases[] = {
        /* line 1 genesis, 2-5 records, 6 checkpoint, 7-10 records, 11 checkpoint, 12 close */
        {"edited record", EDIT, 3, 3, CMDAI_E_FORMAT},
        {"deleted record", DELETE, 4, 4, CMDAI_E_FORMAT},
        {"deleted first line", DELETE, 1, 1, CMDAI_E_FORMAT},
        {"swapped records", SWAP, 8, 8, CMDAI_E_FORMAT},
        {"truncated mid-record", TRUNCATE_MID, 9, 9, CMDAI_E_FORMAT},
        {"forged checkpoint signature", FORGE_SIG, 6, 6, CMDAI_E_FORMAT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tamper(p, q, cases[i].how, cases[i].line);
        rt_audit_report rep;
        cmdai_error e;
        int rc = verify1(q, &pk, &rep, &e);
        if (rc == CMDAI_OK || e.line != cases[i].want_line || strcmp(e.source, q) != 0)
            fail_msg("%s: rc %d at %s:%d (%s), want line %d", cases[i].name, rc, e.source, e.line, e.text,
                     cases[i].want_line);
    }
    /* A forged signature on the last checkpoint, with its record hash recomputed so
     * the chain holds: only the signature check can catch it. */
    {
        tamper(p, q, FORGE_SIG, 12);
        size_t len;
        char *t = read_all(q, &len);
        char *last = t + len - 1;
        while (last > t && last[-1] != '\n')
            last--;
        size_t ll = (size_t)(t + len - 1 - last), body = ll - (9 + RT_AUDIT_HASH_HEX + 2);
        unsigned char h[RT_AUDIT_HASH_BYTES];
        crypto_generichash(h, sizeof h, (unsigned char *)last, body, NULL, 0);
        sodium_bin2hex(last + body + 9, RT_AUDIT_HASH_HEX + 1, h, sizeof h);
        last[body + 9 + RT_AUDIT_HASH_HEX] = '"';
        write_file(q, t, len);
        free(t);
        rt_audit_report r2;
        cmdai_error e2;
        assert_int_equal(verify1(q, NULL, &r2, &e2), CMDAI_OK); /* the chain alone cannot tell */
        assert_int_equal(verify1(q, &pk, &r2, &e2), CMDAI_E_SIGNATURE);
        assert_int_equal(e2.line, 12);
    }
    /* Dropping the tail after a checkpoint keeps a valid chain, but it is no longer sealed. */
    tamper(p, q, DROP_TAIL, 12);
    rt_audit_report rep;
    cmdai_error e;
    assert_int_equal(verify1(q, &pk, &rep, &e), CMDAI_OK);
    assert_false(rep.sealed);
    tamper(p, q, DROP_TAIL, 9);
    assert_int_equal(verify1(q, &pk, &rep, &e), CMDAI_OK);
    assert_int_equal(rep.unsealed, 2);
}

static void test_rotation_keeps_the_chain(void **state)
{
    (void)state;
    char p[256];
    write_log("rot.log", 40, 1000, 4096, p, sizeof p);
    char pat[300];
    snprintf(pat, sizeof pat, "ls %s/rot.log.* > %s/rot.list", tmpdir, tmpdir);
    assert_int_equal(system(pat), 0);
    char lp[256];
    path_in(lp, sizeof lp, "rot.list");
    size_t len;
    char *list = read_all(lp, &len);
    const char *files[64];
    size_t n = 0;
    for (char *s = strtok(list, "\n"); s && n < 63; s = strtok(NULL, "\n"))
        files[n++] = s;
    assert_true(n >= 2);
    files[n++] = p;
    /* out of order on purpose: the sort puts them back */
    const char *tmp = files[0];
    files[0] = files[n - 1];
    files[n - 1] = tmp;
    rt_audit_sort_files(files, n);
    assert_string_equal(files[n - 1], p);
    rt_audit_report rep;
    cmdai_error e = {0};
    assert_int_equal(rt_audit_verify(files, n, pk.pk, pk.keyid, &rep, &e), CMDAI_OK);
    assert_int_equal(rep.records, 40);
    /* the live file alone verifies from its opening checkpoint */
    assert_int_equal(verify1(p, &pk, &rep, &e), CMDAI_OK);
    assert_true(rep.first_seq > 0);
    /* leaving out a middle file breaks the chain at the next file's line 1 */
    if (n >= 3) {
        const char *gap[2] = {files[0], files[2]};
        assert_int_not_equal(rt_audit_verify(gap, 2, pk.pk, pk.keyid, &rep, &e), CMDAI_OK);
        assert_int_equal(e.line, 1);
    }
    /* a crash between rotating and writing the new file's first record: the
     * writer continues the chain of the newest rotated file */
    assert_int_equal(unlink(p), 0);
    rt_audit_opts o = {.path = p, .key_path = key_sec};
    rt_audit *a = rt_audit_open(&o, &e);
    assert_non_null(a);
    assert_int_equal(rt_audit_close(a, &e), CMDAI_OK);
    const char *files2[64];
    for (size_t i = 0; i + 1 < n; i++)
        files2[i] = files[i];
    files2[n - 1] = p;
    assert_int_equal(rt_audit_verify(files2, n, pk.pk, pk.keyid, &rep, &e), CMDAI_OK);
    size_t l2;
    char *t = read_all(p, &l2);
    assert_non_null(strstr(t, "\"reason\":\"continue\""));
    free(t);
    free(list);
}

static void test_crash_tail_is_recovered(void **state)
{
    (void)state;
    char p[256];
    write_log("crash.log", 3, 1000, 0, p, sizeof p);
    FILE *f = fopen(p, "ab");
    fputs("{\"seq\":99,\"prev\":\"00", f); /* a record cut by a crash: never acknowledged */
    fclose(f);
    rt_audit_report rep;
    cmdai_error e;
    assert_int_not_equal(verify1(p, &pk, &rep, &e), CMDAI_OK);
    rt_audit_opts o = {.path = p, .key_path = key_sec};
    rt_audit *a = rt_audit_open(&o, &e);
    assert_non_null(a);
    assert_int_equal(rt_audit_close(a, &e), CMDAI_OK);
    assert_int_equal(verify1(p, &pk, &rep, &e), CMDAI_OK);
    size_t len;
    char *t = read_all(p, &len);
    assert_non_null(strstr(t, "\"reason\":\"recover\""));
    free(t);
}

struct thr {
    rt_audit *a;
    int n;
};
static void *logger(void *arg)
{
    struct thr *t = arg;
    cmdai_verdict v = {0};
    cmdai_error e = {0};
    for (int i = 0; i < t->n; i++) {
        rt_audit_event ev = {.uid = -1, .gid = -1, .pid = -1, .cmd = "true", .cmd_len = 4, .verdict = &v};
        if (rt_audit_log(t->a, &ev, &e) != CMDAI_OK)
            return (void *)1;
    }
    return NULL;
}

static void test_group_commit_from_threads(void **state)
{
    (void)state;
    char p[256];
    path_in(p, sizeof p, "threads.log");
    rt_audit_opts o = {.path = p, .key_path = key_sec, .checkpoint_every = 50};
    cmdai_error e = {0};
    rt_audit *a = rt_audit_open(&o, &e);
    assert_non_null(a);
    pthread_t th[8];
    struct thr t = {a, 50};
    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&th[i], NULL, logger, &t), 0);
    for (int i = 0; i < 8; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    rt_audit_stats st;
    rt_audit_get_stats(a, &st);
    assert_int_equal(st.records, 400);
    assert_true(st.synced_seq == st.next_seq);
    assert_int_equal(rt_audit_close(a, &e), CMDAI_OK);
    rt_audit_report rep;
    assert_int_equal(verify1(p, &pk, &rep, &e), CMDAI_OK);
    assert_int_equal(rep.records, 400);
}

static void test_json_escaper_is_valid_utf8(void **state)
{
    (void)state;
    rt_abuf b = {0};
    rt_abuf_json_str(&b, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
    assert_string_equal(b.p, "\"a\\\"b\\\\c\\n\\u0001\xef\xbf\xbd\xc3\xa9\"");
    rt_abuf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redaction_patterns),
        cmocka_unit_test(test_redaction_prefiltered_families),
        cmocka_unit_test(test_json_escaper_is_valid_utf8),
        cmocka_unit_test(test_chain_and_checkpoints_verify),
        cmocka_unit_test(test_verify_reports_tampering_at_file_line),
        cmocka_unit_test(test_rotation_keeps_the_chain),
        cmocka_unit_test(test_crash_tail_is_recovered),
        cmocka_unit_test(test_group_commit_from_threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
