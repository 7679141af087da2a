/* test_bundle.c — runtime/api.c and bundle.c against tampering: a bundle
 * built and signed in memory (tpl_load_mem -> cc_compile -> emit_bundle ->
 * sign_file_mem) opens and decides; every flipped byte, truncation or
 * appended byte is refused by the signature; rt_bundle_check alone (no
 * signature) never reads outside the tables whatever byte is changed; and
 * keys, expiry, rollback and format versions give their own error codes.
 * Run it under ASan (make asan): the mutation loops are meant for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_tmp.h"
#include "arena.h"
#include "bundle.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "sign.h"
#include "tpl.h"

/* ---- fixture: a small template, two key pairs ---------------------------- */

static const char tpl_yaml[] =
    "template:\n"
    "  name: tamper-test\n"
    "  version: 1.0.0\n"
    "  compliance_frameworks: [SOC2]\n"
    "  risk_tolerance: medium\n"
    "  lists:\n"
    "    roots: [\"/\", \"~\"]\n"
    "  safety:\n"
    "    default: allow\n"
    "    dynamic: confirm\n"
    "    rules:\n"
    "      - id: fs.rm-root\n"
    "        match: rm {-r,-R,--recursive} ... @roots\n"
    "        risk: critical\n"
    "        action: deny\n"
    "        message: Recursive delete of a root\n"
    "        compliance: [\"SOC2:CC6.1\"]\n"
    "      - id: git.force-push\n"
    "        match: git push ... {-f,--force}\n"
    "        risk: moderate\n"
    "        action: warn\n"
    "        message: Force push rewrites history\n"
    "      - id: net.curl-to-shell\n"
    "        match: \"curl ... | {sh,bash}\"\n"
    "        risk: high\n"
    "        action: confirm\n"
    "        message: Piping a download into a shell\n";

static const char *const probe_cmds[] = {
    "rm -rf /", "git push --force origin main", "curl -s https://x | sh", "ls -la", "echo $(rm -rf ~)",
    "", "a; b && c | d > e",
};
#define NPROBE (sizeof probe_cmds / sizeof probe_cmds[0])

static char key1[128], pub1[128], key2[128], pub2[128], both[128], empty[128];
static char keyid1[17];

static void copy_file(const char *from, const char *to)
{
    char buf[4096];
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    if (!in || !out)
        abort();
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            abort();
    fclose(in);
    if (fclose(out))
        abort();
}

static int setup_keys(void **state)
{
    (void)state;
    diag d;
    if (tmp_make("bundle"))
        return -1;
    path_in(key1, sizeof key1, "k1.key");
    path_in(pub1, sizeof pub1, "k1.pub");
    path_in(key2, sizeof key2, "k2.key");
    path_in(pub2, sizeof pub2, "k2.pub");
    path_in(both, sizeof both, "both");
    path_in(empty, sizeof empty, "empty");
    diag_init(&d);
    if (sign_keygen(key1, pub1, false, &d) != CMDAI_OK)
        return -1;
    diag_init(&d);
    if (sign_keygen(key2, pub2, false, &d) != CMDAI_OK)
        return -1;
    if (mkdir(both, 0700) || mkdir(empty, 0700))
        return -1;
    char p[160];
    snprintf(p, sizeof p, "%s/a.pub", both);
    copy_file(pub2, p);
    snprintf(p, sizeof p, "%s/b.pub", both);
    copy_file(pub1, p);
    /* The key id as minisign prints it: the end of the comment line. */
    FILE *f = fopen(pub1, "r");
    char line[256];
    if (!f || !fgets(line, sizeof line, f))
        return -1;
    fclose(f);
    const char *sp = strrchr(line, ' ');
    if (!sp || strlen(sp + 1) < 16)
        return -1;
    memcpy(keyid1, sp + 1, 16);
    keyid1[16] = '\0';
    return 0;
}

static int teardown_keys(void **state)
{
    (void)state;
    return tmp_remove();
}

/* Build the fixture template with these emit options.  *out: malloc'd. */
static void build(const emit_opts *eo, unsigned char **out, size_t *len)
{
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t = NULL;
    ir *r = NULL;
    if (tpl_load_mem(&a, "<tamper-test>", tpl_yaml, sizeof tpl_yaml - 1, NULL, &t, &d) ||
        cc_compile(&a, t, CC_DEFAULT_MAX_STATES, &r, &d) || emit_bundle(r, eo, out, len, &d))
        fail_msg("building the fixture: %s:%d:%d: %s", d.file, d.line, d.column, d.text);
    ir_free(r);
    arena_release(&a);
}

static char *sign_with(const char *key, const void *data, size_t len, const char *comment, size_t *siglen)
{
    diag d;
    diag_init(&d);
    char *sig = NULL;
    size_t n = 0;
    if (sign_file_mem(key, data, len, comment, &sig, &n, &d) != CMDAI_OK)
        fail_msg("sign_file_mem: %s", d.text);
    if (siglen)
        *siglen = n;
    return sig;
}

static char *sign1(const void *data, size_t len, size_t *siglen)
{
    return sign_with(key1, data, len, "cmdai-policy bundle tamper-test 1.0.0", siglen);
}

static void build_serial(uint64_t serial, unsigned char **out, size_t *len)
{
    emit_opts eo = {.serial = serial, .created = 1700000000, .scope = "test"};
    build(&eo, out, len);
}

/* Open with key 1 trusted and no rollback state; returns the error code. */
static int open_code_opts(const void *data, size_t len, const char *sig, size_t siglen, const cmdai_open_opts *oo,
                          cmdai_error *err)
{
    memset(err, 0, sizeof *err);
    cmdai_bundle *b = cmdai_open_mem(data, len, sig, siglen, oo, err);
    if (b) {
        cmdai_close(b);
        return CMDAI_OK;
    }
    assert_int_not_equal(err->code, CMDAI_OK);
    assert_true(err->text[0] != '\0');
    return err->code;
}

static int open_code(const void *data, size_t len, const char *sig, size_t siglen, cmdai_error *err)
{
    cmdai_open_opts oo = {.trust = pub1, .flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    return open_code_opts(data, len, sig, siglen, &oo, err);
}

/* Patch, re-sign with the trusted key, open: what the table checks say. */
static int resigned_code(const unsigned char *data, size_t len, cmdai_error *err)
{
    size_t siglen;
    char *sig = sign1(data, len, &siglen);
    int rc = open_code(data, len, sig, siglen, err);
    free(sig);
    return rc;
}

/* ---- opens and decides ------------------------------------------------------ */

static void opens_and_decides(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    emit_opts eo = {.serial = 3, .created = 1700000000, .scope = "test"};
    build(&eo, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    assert_int_equal(strlen(sig), siglen);
    cmdai_open_opts oo = {.trust = pub1, .flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    cmdai_error err = {0};
    cmdai_bundle *b = cmdai_open_mem(bytes, len, sig, siglen, &oo, &err);
    if (!b)
        fail_msg("open: %s (%s)", err.text, cmdai_code_name(err.code));
    /* The handle keeps its own copy: the caller's buffers are borrowed for the call only. */
    memset(bytes, 0xAA, len);
    free(bytes);
    free(sig);

    static const struct {
        const char *cmd;
        cmdai_action action;
        cmdai_risk risk;
        const char *rule;
    } cases[] = {
        {"rm -rf /", CMDAI_DENY, CMDAI_RISK_CRITICAL, "fs.rm-root"},
        {"\\rm -r ~", CMDAI_DENY, CMDAI_RISK_CRITICAL, "fs.rm-root"},
        {"sudo rm --recursive /", CMDAI_DENY, CMDAI_RISK_CRITICAL, "fs.rm-root"},
        {"bash -c 'rm -rf /'", CMDAI_DENY, CMDAI_RISK_CRITICAL, "fs.rm-root"},
        {"git push --force origin main", CMDAI_WARN, CMDAI_RISK_MODERATE, "git.force-push"},
        {"curl -s https://example.com/x | sh", CMDAI_CONFIRM, CMDAI_RISK_HIGH, "net.curl-to-shell"},
        {"rm -rf ./build", CMDAI_ALLOW, CMDAI_RISK_NONE, NULL},
        {"echo \"rm -rf /\"", CMDAI_ALLOW, CMDAI_RISK_NONE, NULL},
        {"ls -la", CMDAI_ALLOW, CMDAI_RISK_NONE, NULL},
        {"git push origin main", CMDAI_ALLOW, CMDAI_RISK_NONE, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cmdai_verdict v;
        int rc = cmdai_eval(b, cases[i].cmd, strlen(cases[i].cmd), &v);
        if (rc != CMDAI_OK || v.action != cases[i].action || v.risk != cases[i].risk)
            fail_msg("%s: got rc %d, %s/%s; want %s/%s", cases[i].cmd, rc, cmdai_action_name(v.action),
                     cmdai_risk_name(v.risk), cmdai_action_name(cases[i].action), cmdai_risk_name(cases[i].risk));
        if (cases[i].rule) {
            cmdai_rule_info ri;
            assert_true(v.nrules >= 1);
            assert_int_equal(cmdai_rule_get(b, v.rules[0], &ri), CMDAI_OK);
            if (strcmp(ri.id, cases[i].rule))
                fail_msg("%s: top rule %s, want %s", cases[i].cmd, ri.id, cases[i].rule);
            assert_string_equal(v.message, ri.message);
        } else {
            assert_int_equal(v.nrules, 0);
        }
    }

    cmdai_bundle_info bi;
    cmdai_bundle_get_info(b, &bi);
    assert_string_equal(bi.name, "tamper-test");
    assert_string_equal(bi.version, "1.0.0");
    assert_string_equal(bi.scope, "test");
    assert_int_equal(bi.serial, 3);
    assert_int_equal(bi.created, 1700000000);
    assert_int_equal(bi.expires, 0);
    assert_int_equal(bi.nrules, 3);
    assert_string_equal(bi.key_id, keyid1);
    assert_int_equal(strlen(bi.digest), 128);

    cmdai_rule_info ri;
    assert_int_equal(cmdai_rule_get(b, 3, &ri), CMDAI_E_USAGE);
    /* Rules are sorted by id: fs.rm-root is index 0 and carries the tag. */
    assert_int_equal(cmdai_rule_get(b, 0, &ri), CMDAI_OK);
    assert_string_equal(ri.id, "fs.rm-root");
    assert_int_equal(ri.ncompliance, 1);
    assert_string_equal(cmdai_rule_compliance(b, 0, 0), "SOC2:CC6.1");
    assert_null(cmdai_rule_compliance(b, 0, 1));
    cmdai_close(b);
}

/* ---- flip any byte ---------------------------------------------------------------- */

/* Offsets to mutate: every byte of a small bundle; of a large one, every
 * byte of the header and section table, every section boundary +-8, and
 * 4000 offsets spread over the rest. */
static size_t *sample_offsets(const unsigned char *data, size_t len, size_t *n)
{
    size_t *o = malloc((len + 1) * sizeof *o);
    assert_non_null(o);
    if (len <= 64 * 1024) {
        for (size_t i = 0; i < len; i++)
            o[i] = i;
        *n = len;
        return o;
    }
    unsigned char *mark = calloc(len, 1);
    assert_non_null(mark);
    size_t head = sizeof(cpb_header) + CPB_S_LAST * sizeof(cpb_section);
    for (size_t i = 0; i < head && i < len; i++)
        mark[i] = 1;
    const cpb_section *sec = (const cpb_section *)(data + sizeof(cpb_header));
    for (unsigned s = 0; s < CPB_S_LAST; s++)
        for (size_t k = 0; k < 16; k++) {
            size_t at = (size_t)sec[s].offset + k - 8, end = (size_t)sec[s].offset + sec[s].size + k - 8;
            if (at < len)
                mark[at] = 1;
            if (end < len)
                mark[end] = 1;
        }
    for (size_t k = 0; k < 4000; k++)
        mark[head + (len - head) * k / 4000] = 1;
    mark[len - 1] = 1;
    size_t m = 0;
    for (size_t i = 0; i < len; i++)
        if (mark[i])
            o[m++] = i;
    free(mark);
    *n = m;
    return o;
}

static void flip_any_byte_breaks_the_signature(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen, n;
    build_serial(1, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    cmdai_error err;
    assert_int_equal(open_code(bytes, len, sig, siglen, &err), CMDAI_OK);
    size_t *off = sample_offsets(bytes, len, &n);
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    for (size_t k = 0; k < n; k++) {
        static const unsigned char masks[] = {0x01, 0x80, 0xFF};
        unsigned char mask = masks[k % 3];
        memcpy(copy, bytes, len);
        copy[off[k]] ^= mask;
        int rc = open_code(copy, len, sig, siglen, &err);
        if (rc != CMDAI_E_SIGNATURE)
            fail_msg("byte %zu ^ 0x%02x: got %s (%s), want bad signature", off[k], mask, cmdai_code_name(rc),
                     err.text);
    }
    fprintf(stderr, "    flipped %zu of %zu bytes: all refused (bad signature)\n", n, len);
    free(copy);
    free(off);
    free(sig);
    free(bytes);
}

/* An independent restatement of the invariants eval.c relies on: every
 * section inside the buffer, every index in range.  It must hold for any
 * bundle rt_bundle_check accepts. */
static void assert_indexes_in_range(const struct cmdai_bundle *b, const unsigned char *data, size_t len, const char *what)
{
#define IN(p, bytes)                                                                                       \
    ((const unsigned char *)(p) >= data && (size_t)((const unsigned char *)(p) - data) <= len &&         \
     (uint64_t)(bytes) <= len - (size_t)((const unsigned char *)(p) - data))
#define REQ(cond)                                                                                          \
    do {                                                                                                   \
        if (!(cond))                                                                                       \
            fail_msg("%s: accepted bundle breaks `%s`", what, #cond);                                      \
    } while (0)
    REQ(IN(b->h, sizeof(cpb_header)));
    REQ(IN(b->meta, sizeof(cpb_meta)));
    REQ(IN(b->str, b->nstr) && b->nstr > 0 && b->str[b->nstr - 1] == '\0');
    REQ(IN(b->rules, (uint64_t)b->nrules * sizeof(cpb_rule)));
    REQ(IN(b->comp, (uint64_t)b->ncomp * 4));
    REQ(IN(b->cls, 256));
    REQ(IN(b->states, (uint64_t)b->nstates * sizeof(cpb_state)));
    REQ(IN(b->comb, (uint64_t)b->ncomb * 4));
    REQ(IN(b->acc, (uint64_t)b->nacc * 4) && b->nacc <= b->nstates);
    REQ(IN(b->recs, (uint64_t)b->nrecs * sizeof(cpb_record)));
    REQ(IN(b->recrules, (uint64_t)b->nrecrules * 4));
    REQ(b->nclasses >= 1 && b->nclasses <= CPB_MAX_CLASSES && b->start < b->nstates && b->nrecs >= 1);
    REQ(b->meta->name < b->nstr && b->meta->version < b->nstr && b->meta->scope < b->nstr &&
        b->meta->json < b->nstr);
    REQ(b->meta->default_action <= CMDAI_DENY);
    for (int c = 0; c < 256; c++)
        REQ(b->cls[c] < b->nclasses);
    for (uint32_t s = 0; s < b->nstates; s++) {
        REQ((uint64_t)rt_state_base(b, s) + b->nclasses <= b->ncomb);
        REQ(rt_state_def(b, s) < b->nstates && rt_state_acc(b, s) < b->nrecs);
    }
    for (uint32_t i = 0; i < b->ncomb; i++)
        REQ(rt_comb_class(b, i) == CPB_COMB_EMPTY ||
            (rt_comb_class(b, i) < b->nclasses && rt_comb_next(b, i) < b->nstates));
    for (uint32_t i = 0; i < b->nrecs; i++) {
        REQ(b->recs[i].action <= CMDAI_DENY && b->recs[i].risk <= CMDAI_RISK_CRITICAL);
        REQ((uint64_t)b->recs[i].first + b->recs[i].n <= b->nrecrules);
    }
    for (uint32_t i = 0; i < b->nrecrules; i++)
        REQ(b->recrules[i] < b->nrules);
    for (uint32_t i = 0; i < b->nrules; i++) {
        const cpb_rule *r = &b->rules[i];
        REQ(r->id < b->nstr && r->message < b->nstr && r->match < b->nstr);
        REQ(r->action <= CMDAI_DENY && r->risk <= CMDAI_RISK_CRITICAL);
        REQ((uint64_t)r->compliance_first + r->ncompliance <= b->ncomp);
    }
    for (uint32_t i = 0; i < b->ncomp; i++)
        REQ(b->comp[i] < b->nstr);
#undef REQ
#undef IN
}

/* Mutate one byte, check without a signature, and when accepted, prove the
 * indexes and evaluate: under ASan any stray read aborts the test.  The copy
 * is exactly len bytes so that reading past it is caught too. */
static void check_mutant(const unsigned char *bytes, size_t len, size_t at, int kind, unsigned *accepted,
                         unsigned *refused)
{
    unsigned char *copy = malloc(len);
    assert_non_null(copy);
    memcpy(copy, bytes, len);
    unsigned char *p = &copy[at];
    switch (kind) {
    case 0: *p ^= 0x01; break;
    case 1: *p ^= 0x80; break;
    case 2: *p ^= 0xFF; break;
    case 3: *p = 0x00; break;
    case 4: *p = 0xFF; break;
    case 5: *p = (unsigned char)(*p + 1); break;
    default: *p = (unsigned char)(*p - 1); break;
    }
    struct cmdai_bundle b;
    cmdai_error err = {0};
    int rc = rt_bundle_check(&b, copy, len, &err);
    if (rc == CMDAI_OK) {
        char what[64];
        snprintf(what, sizeof what, "byte %zu mutation %d", at, kind);
        assert_indexes_in_range(&b, copy, len, what);
        for (size_t i = 0; i < NPROBE; i++) {
            cmdai_verdict v;
            int e = cmdai_eval(&b, probe_cmds[i], strlen(probe_cmds[i]), &v);
            assert_true(v.action <= CMDAI_DENY && v.risk <= CMDAI_RISK_CRITICAL);
            assert_true(v.message == NULL || strlen(v.message) < len);
            (void)e;
        }
        (*accepted)++;
    } else {
        if (rc != CMDAI_E_FORMAT && rc != CMDAI_E_VERSION)
            fail_msg("byte %zu mutation %d: code %d (%s)", at, kind, rc, err.text);
        assert_int_equal(err.code, rc);
        assert_true(err.text[0] != '\0');
        (*refused)++;
    }
    free(copy);
}

static void unsigned_check_survives_any_byte(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, n;
    build_serial(1, &bytes, &len);
    struct cmdai_bundle b;
    cmdai_error err;
    assert_int_equal(rt_bundle_check(&b, bytes, len, &err), CMDAI_OK);
    assert_indexes_in_range(&b, bytes, len, "original");
    size_t *off = sample_offsets(bytes, len, &n);
    size_t head = sizeof(cpb_header) + CPB_S_LAST * sizeof(cpb_section);
    unsigned accepted = 0, refused = 0;
    for (size_t k = 0; k < n; k++) {
        /* Every mutation of the header and section table; three per byte elsewhere. */
        if (off[k] < head)
            for (int kind = 0; kind < 7; kind++)
                check_mutant(bytes, len, off[k], kind, &accepted, &refused);
        else
            for (int kind = 0; kind < 3; kind++)
                check_mutant(bytes, len, off[k], (int)((off[k] + (size_t)kind * 2) % 7), &accepted, &refused);
    }
    fprintf(stderr, "    %zu-byte bundle, %u mutants: %u refused, %u accepted and evaluated in range\n", len,
            accepted + refused, refused, accepted);
    assert_true(refused > 0);
    free(off);
    free(bytes);
}

/* The header fields, re-signed so that the signature passes and the table
 * checks must speak: malformed (67) or too new (68), never accepted. */
static void resigned_header_damage_is_refused(void **state)
{
    (void)state;
    unsigned char *bytes, *copy;
    size_t len;
    build_serial(1, &bytes, &len);
    copy = malloc(len + 64);
    assert_non_null(copy);
    cmdai_error err;
    cpb_header *h = (cpb_header *)copy;
    cpb_section *sec = (cpb_section *)(copy + sizeof(cpb_header));
    static const char *const names[] = {
        "magic",      "major 0",          "header_size", "file_size smaller", "file_size larger",
        "nsections - 1", "nsections + 1",    "flags",       "section id",        "section misaligned",
        "section out of file", "sections overlap", "strings size 0", "classes count", "meta count 2",
    };
    for (int c = 0; c < (int)(sizeof names / sizeof names[0]); c++) {
        memcpy(copy, bytes, len);
        switch (c) {
        case 0: h->magic[7] = 'X'; break;
        case 1: h->major = 0; break;
        case 2: h->header_size += 8; break;
        case 3: h->file_size -= 1; break;
        case 4: h->file_size += 8; break;
        case 5: h->nsections = CPB_S_LAST - 1; break;
        case 6: h->nsections = CPB_S_LAST + 1; break;
        case 7: h->flags = 1; break;
        case 8: sec[3].id = 3; break;
        case 9: sec[6].offset += 4; break;
        case 10: sec[8].offset = (uint32_t)len; sec[8].size = 8; break;
        case 11: sec[2].offset = sec[1].offset; break;
        case 12: sec[1].size = 0; break;
        case 13: sec[4].count = 255; sec[4].size = 255; break;
        default: sec[0].count = 2; sec[0].size *= 2; break;
        }
        int rc = resigned_code(copy, len, &err);
        if (rc != CMDAI_E_FORMAT)
            fail_msg("%s: got %s (%s), want malformed bundle", names[c], cmdai_code_name(rc), err.text);
        assert_string_equal(err.source, "<memory>");
    }
    free(copy);
    free(bytes);
}

/* ---- truncation and appended bytes ------------------------------------------------- */

static void truncation_is_refused(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    build_serial(1, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    cmdai_error err;
    size_t head = sizeof(cpb_header) + CPB_S_LAST * sizeof(cpb_section);
    unsigned tried = 0;
    for (size_t cut = 0; cut < len; cut += cut < head + 16 ? 1 : (len / 300 + 1)) {
        unsigned char *copy = malloc(cut ? cut : 1);
        assert_non_null(copy);
        memcpy(copy, bytes, cut);
        int rc = open_code(copy, cut, sig, siglen, &err);
        if (rc != CMDAI_E_SIGNATURE)
            fail_msg("truncated to %zu: got %s, want bad signature", cut, cmdai_code_name(rc));
        struct cmdai_bundle b;
        rc = rt_bundle_check(&b, copy, cut, &err);
        if (rc != CMDAI_E_FORMAT)
            fail_msg("unsigned check, truncated to %zu: got %s, want malformed bundle", cut, cmdai_code_name(rc));
        /* Re-signed (a signer fooled into signing a short file): still malformed. */
        if (tried % 16 == 0 || cut == len - 1) {
            rc = resigned_code(copy, cut, &err);
            if (rc != CMDAI_E_FORMAT)
                fail_msg("re-signed, truncated to %zu: got %s, want malformed bundle", cut, cmdai_code_name(rc));
        }
        tried++;
        free(copy);
    }
    assert_true(tried > 300);
    free(sig);
    free(bytes);
}

static void appended_bytes_are_refused(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    build_serial(1, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    cmdai_error err;
    static const size_t extra[] = {1, 7, 8, 64, 4096};
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        for (int fill = 0; fill < 2; fill++) {
            size_t n = len + extra[i];
            unsigned char *copy = malloc(n);
            assert_non_null(copy);
            memcpy(copy, bytes, len);
            memset(copy + len, fill ? 0 : 'A', extra[i]);
            assert_int_equal(open_code(copy, n, sig, siglen, &err), CMDAI_E_SIGNATURE);
            struct cmdai_bundle b;
            assert_int_equal(rt_bundle_check(&b, copy, n, &err), CMDAI_E_FORMAT);
            assert_int_equal(resigned_code(copy, n, &err), CMDAI_E_FORMAT);
            free(copy);
        }
    }
    free(sig);
    free(bytes);
}

/* ---- keys, expiry, rollback, versions -------------------------------------------------- */

static void unknown_key_and_no_trust(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    build_serial(1, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    cmdai_error err;
    cmdai_open_opts oo = {.trust = pub2, .flags = CMDAI_OPEN_NO_ROLLBACK_STATE};
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_E_UNKNOWN_KEY);
    assert_non_null(strstr(err.text, keyid1));

    oo.trust = both; /* a directory with the other key and ours */
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_OK);

    char missing[160];
    path_in(missing, sizeof missing, "no-such-key.pub");
    oo.trust = missing;
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_E_NO_TRUST);
    oo.trust = empty;
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_E_NO_TRUST);

    /* The other key's signature over our bytes, while only ours is trusted. */
    char *sig2 = sign_with(key2, bytes, len, "cmdai-policy bundle tamper-test 1.0.0", &siglen);
    assert_int_equal(open_code(bytes, len, sig2, siglen, &err), CMDAI_E_UNKNOWN_KEY);
    free(sig2);
    free(sig);
    free(bytes);
}

static void expired_bundles_are_refused(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    cmdai_error err;
    emit_opts eo = {.serial = 1, .scope = "test", .expires = 946684800}; /* 2000-01-01 */
    build(&eo, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    assert_int_equal(open_code(bytes, len, sig, siglen, &err), CMDAI_E_EXPIRED);
    free(sig);
    free(bytes);

    eo.expires = 4000000000LL;
    build(&eo, &bytes, &len);
    sig = sign1(bytes, len, &siglen);
    assert_int_equal(open_code(bytes, len, sig, siglen, &err), CMDAI_OK); /* current time: fine */
    cmdai_open_opts oo = {.trust = pub1, .flags = CMDAI_OPEN_NO_ROLLBACK_STATE, .now = 4000000000LL - 1};
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_OK);
    oo.now = 4000000000LL; /* valid up to and including its expiry second */
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_OK);
    oo.now = 4000000000LL + 1;
    assert_int_equal(open_code_opts(bytes, len, sig, siglen, &oo, &err), CMDAI_E_EXPIRED);
    free(sig);
    free(bytes);
}

static int open_serial(uint64_t serial, const char *state_dir, unsigned flags)
{
    unsigned char *bytes;
    size_t len, siglen;
    build_serial(serial, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    cmdai_open_opts oo = {.trust = pub1, .state_dir = state_dir, .flags = flags};
    cmdai_error err;
    int rc = open_code_opts(bytes, len, sig, siglen, &oo, &err);
    free(sig);
    free(bytes);
    return rc;
}

static void rollback_is_refused(void **state)
{
    (void)state;
    char dir[160];
    path_in(dir, sizeof dir, "state-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(open_serial(5, dir, 0), CMDAI_OK);
    assert_int_equal(open_serial(4, dir, 0), CMDAI_E_ROLLBACK);
    assert_int_equal(open_serial(5, dir, 0), CMDAI_OK); /* equal: re-opening the same bundle */
    assert_int_equal(open_serial(6, dir, 0), CMDAI_OK);
    assert_int_equal(open_serial(5, dir, 0), CMDAI_E_ROLLBACK);
    /* Checked but not recorded, then not even checked. */
    assert_int_equal(open_serial(9, dir, CMDAI_OPEN_NO_STATE_UPDATE), CMDAI_OK);
    assert_int_equal(open_serial(7, dir, 0), CMDAI_OK);
    assert_int_equal(open_serial(2, dir, CMDAI_OPEN_NO_STATE_UPDATE), CMDAI_E_ROLLBACK);
    assert_int_equal(open_serial(2, dir, CMDAI_OPEN_NO_ROLLBACK_STATE), CMDAI_OK);
    assert_int_equal(open_serial(6, dir, 0), CMDAI_E_ROLLBACK);
}

static void newer_major_version_is_refused(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len;
    cmdai_error err;
    build_serial(1, &bytes, &len);
    cpb_header *h = (cpb_header *)bytes;
    assert_int_equal(h->major, CPB_MAJOR);
    h->major = CPB_MAJOR + 1;
    assert_int_equal(resigned_code(bytes, len, &err), CMDAI_E_VERSION);
    assert_non_null(strstr(err.text, "newer"));
    h->major = 0xFFFF;
    assert_int_equal(resigned_code(bytes, len, &err), CMDAI_E_VERSION);
    /* A newer minor is compatible. */
    h->major = CPB_MAJOR;
    h->minor = CPB_MINOR + 7;
    assert_int_equal(resigned_code(bytes, len, &err), CMDAI_OK);
    free(bytes);
}

/* Every byte of the .minisig text: line 1 after its prefix is the untrusted
 * comment, which is not signed; anything else is refused. */
static void tampered_signature_file_is_refused(void **state)
{
    (void)state;
    unsigned char *bytes;
    size_t len, siglen;
    cmdai_error err;
    build_serial(1, &bytes, &len);
    char *sig = sign1(bytes, len, &siglen);
    const char *nl1 = strchr(sig, '\n'), *nl2 = strchr(nl1 + 1, '\n');
    assert_non_null(nl2);
    size_t line1_body = strlen("untrusted comment: "), line1_end = (size_t)(nl1 - sig);
    size_t line2 = line1_end + 1;
    /* Characters 2..13 of line 2's base64 carry the key id (bytes 2..9). */
    char *copy = malloc(siglen + 1);
    assert_non_null(copy);
    unsigned counts[CMDAI_E_NO_TRUST + 1] = {0};
    for (size_t i = 0; i < siglen; i++) {
        for (int kind = 0; kind < 2; kind++) {
            memcpy(copy, sig, siglen + 1);
            if (kind == 0)
                copy[i] ^= 0x01;
            else /* another base64 letter, so the parser gets past the alphabet check */
                copy[i] = copy[i] == 'A' ? 'B' : 'A';
            if (copy[i] == sig[i])
                continue;
            int rc = open_code(bytes, len, copy, siglen, &err);
            assert_true(rc >= 0 && rc <= CMDAI_E_NO_TRUST);
            counts[rc]++;
            if (i >= line1_body && i < line1_end) {
                if (rc != CMDAI_OK && rc != CMDAI_E_FORMAT)
                    fail_msg("untrusted comment byte %zu: %s", i, cmdai_code_name(rc));
                continue;
            }
            if (rc == CMDAI_E_SIGNATURE || rc == CMDAI_E_FORMAT)
                continue;
            if (rc == CMDAI_E_UNKNOWN_KEY && i >= line2 + 2 && i < line2 + 14)
                continue;
            fail_msg("signature byte %zu (%s): got %s (%s)", i, kind ? "letter" : "xor 1", cmdai_code_name(rc),
                     err.text);
        }
    }
    fprintf(stderr, "    .minisig mutants: %u bad signature, %u malformed, %u unknown key, %u accepted (untrusted comment)\n",
            counts[CMDAI_E_SIGNATURE], counts[CMDAI_E_FORMAT], counts[CMDAI_E_UNKNOWN_KEY], counts[CMDAI_OK]);
    assert_true(counts[CMDAI_E_SIGNATURE] > 0 && counts[CMDAI_E_FORMAT] > 0);

    /* Truncated signature text, empty text, and a signature of other bytes. */
    for (size_t cut = 0; cut < siglen - 1; cut += 7) {
        int rc = open_code(bytes, len, sig, cut, &err);
        if (rc != CMDAI_E_FORMAT && rc != CMDAI_E_SIGNATURE)
            fail_msg("signature cut to %zu: %s", cut, cmdai_code_name(rc));
    }
    size_t olen;
    char *other = sign1(bytes, len - 1, &olen);
    assert_int_equal(open_code(bytes, len, other, olen, &err), CMDAI_E_SIGNATURE);
    /* Trusted comment swapped for another valid-looking one. */
    memcpy(copy, sig, siglen + 1);
    char *tc = strstr(copy + line2, "trusted comment: ");
    assert_non_null(tc);
    tc[strlen("trusted comment: ")] ^= 0x20;
    assert_int_equal(open_code(bytes, len, copy, siglen, &err), CMDAI_E_SIGNATURE);
    free(other);
    free(copy);
    free(sig);
    free(bytes);
}

/* ---- reproducibility ---------------------------------------------------------------------- */

static void builds_are_reproducible(void **state)
{
    (void)state;
    unsigned char *a, *b, *c;
    size_t alen, blen, clen, sa, sb;
    build_serial(42, &a, &alen);
    build_serial(42, &b, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    char *siga = sign_with(key1, a, alen, "cmdai-policy bundle tamper-test 1.0.0 serial 42", &sa);
    char *sigb = sign_with(key1, b, blen, "cmdai-policy bundle tamper-test 1.0.0 serial 42", &sb);
    assert_int_equal(sa, sb);
    assert_string_equal(siga, sigb);
    assert_non_null(strstr(siga, "\ntrusted comment: cmdai-policy bundle tamper-test 1.0.0 serial 42\n"));
    /* A different serial gives different bytes (so the above is not vacuous). */
    build_serial(43, &c, &clen);
    assert_int_equal(clen, alen);
    assert_true(memcmp(a, c, alen) != 0);
    free(siga);
    free(sigb);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(opens_and_decides),
        cmocka_unit_test(flip_any_byte_breaks_the_signature),
        cmocka_unit_test(unsigned_check_survives_any_byte),
        cmocka_unit_test(resigned_header_damage_is_refused),
        cmocka_unit_test(truncation_is_refused),
        cmocka_unit_test(appended_bytes_are_refused),
        cmocka_unit_test(unknown_key_and_no_trust),
        cmocka_unit_test(expired_bundles_are_refused),
        cmocka_unit_test(rollback_is_refused),
        cmocka_unit_test(newer_major_version_is_refused),
        cmocka_unit_test(tampered_signature_file_is_refused),
        cmocka_unit_test(builds_are_reproducible),
    };
    return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
