/* test_registry.c — compiler/registry.c through its interface: the name
 * rules (length, reserved, squatting skeletons), the signed payload, and the
 * signature of a published line against trusted and untrusted keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "test_tmp.h"
#include "fleet.h"
#include "registry.h"
#include "sign.h"

static int check(const char *name, char *const *existing, size_t n, diag *d)
{
    diag_init(d);
    return reg_name_check(name, existing, n, d);
}

static void test_names(void **state)
{
    (void)state;
    diag d;
    char *existing[] = {"org-base", "core-safety"};
    assert_int_equal(check("team-a", existing, 2, &d), 0);
    assert_int_equal(check("org-base", existing, 2, &d), 0); /* itself: not confusable */
    assert_int_equal(check("a", existing, 2, &d), -1);       /* too short */
    char long_name[80];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    assert_int_equal(check(long_name, existing, 2, &d), -1);
    assert_int_equal(check("Team", existing, 2, &d), -1);    /* uppercase */
    assert_int_equal(check("9lives", existing, 2, &d), -1);  /* digit first */
    assert_int_equal(check("ab--c", existing, 2, &d), -1);
    assert_int_equal(check("abc-", existing, 2, &d), -1);
    assert_int_equal(check("stdlib", existing, 2, &d), -1);
    assert_non_null(strstr(d.text, "reserved"));
    const char *squats[] = {"orgbase", "org-ba5e", "0rg-base", "c0re-5afety", "core-safe7y", "coresafety"};
    for (size_t i = 0; i < sizeof squats / sizeof squats[0]; i++) {
        int rc = check(squats[i], existing, 2, &d);
        if (squats[i][0] == '0') {
            assert_int_equal(rc, -1); /* invalid anyway */
            continue;
        }
        assert_int_equal(rc, -1);
        assert_non_null(strstr(d.text, "confusable"));
    }
    char sk[REG_NAME_MAX + 1];
    reg_name_skeleton("C0re_Saf-e7y.", sk);
    assert_string_equal(sk, "coresafety");
}

static void test_payload(void **state)
{
    (void)state;
    json_t *l = json_pack("{s:s,s:s,s:b,s:s,s:{}}", "vers", "1.0.0", "name", "x-y", "yanked", 1, "sig", "S", "deps");
    char *p = reg_line_payload(l);
    assert_string_equal(p, "{\"deps\":{},\"name\":\"x-y\",\"vers\":\"1.0.0\"}");
    free(p);
    json_decref(l);
    char dg[72];
    reg_digest("abc", 3, dg);
    assert_string_equal(dg, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_publish_verify(void **state)
{
    (void)state;
    assert_int_equal(tmp_make("registry"), 0);
    char sec[128], pub[128], sec2[128], pub2[128], tplp[128], reg[128];
    path_in(sec, sizeof sec, "a.key");
    path_in(pub, sizeof pub, "a.pub");
    path_in(sec2, sizeof sec2, "b.key");
    path_in(pub2, sizeof pub2, "b.pub");
    path_in(tplp, sizeof tplp, "t.yaml");
    path_in(reg, sizeof reg, "reg");
    diag d;
    diag_init(&d);
    assert_int_equal(sign_keygen(sec, pub, false, &d), 0);
    assert_int_equal(sign_keygen(sec2, pub2, false, &d), 0);
    static const char y[] = "template:\n  name: unit-base\n  version: 2.0.1\n  extends: [core-safety@^1]\n";
    write_file(tplp, y, sizeof y - 1);
    json_t *line;
    bool already;
    assert_int_equal(reg_publish(reg, sec, tplp, &line, &already, &d), 0);
    assert_false(already);
    assert_string_equal(json_string_value(json_object_get(json_object_get(line, "deps"), "core-safety")), "^1");

    reg_client c = {0};
    cmdai_error e = {0};
    assert_int_equal(rt_trust_load(pub, c.keys, RT_TRUST_MAX, &c.nkeys, &e), CMDAI_OK);
    assert_int_equal(reg_line_verify(&c, line, "t", &d), 0);
    json_object_set_new(line, "yanked", json_true()); /* outside the signature */
    assert_int_equal(reg_line_verify(&c, line, "t", &d), 0);
    json_object_set_new(line, "vers", json_string("2.0.2"));
    diag_init(&d);
    assert_int_equal(reg_line_verify(&c, line, "t", &d), -1);
    assert_int_equal(d.code, CMDAI_E_SIGNATURE);
    json_object_set_new(line, "vers", json_string("2.0.1"));

    reg_client c2 = {0};
    assert_int_equal(rt_trust_load(pub2, c2.keys, RT_TRUST_MAX, &c2.nkeys, &e), CMDAI_OK);
    diag_init(&d);
    assert_int_equal(reg_line_verify(&c2, line, "t", &d), -1);
    assert_int_equal(d.code, CMDAI_E_UNKNOWN_KEY);
    json_decref(line);

    /* immutability: same bytes are a no-op, other bytes are refused */
    diag_init(&d);
    assert_int_equal(reg_publish(reg, sec, tplp, NULL, &already, &d), 0);
    assert_true(already);
    static const char y2[] = "template:\n  name: unit-base\n  version: 2.0.1\n  description: changed\n";
    write_file(tplp, y2, sizeof y2 - 1);
    assert_int_equal(reg_publish(reg, sec, tplp, NULL, &already, &d), -1);
    assert_non_null(strstr(d.text, "immutable"));
    assert_int_equal(tmp_remove(), 0);
}

static void test_scope_names(void **state)
{
    (void)state;
    assert_true(fleet_scope_valid("team-a"));
    assert_true(fleet_scope_valid("ci.runners_eu"));
    assert_false(fleet_scope_valid(""));
    assert_false(fleet_scope_valid("../x"));
    assert_false(fleet_scope_valid("a/b"));
    assert_false(fleet_scope_valid("a..b"));
    assert_false(fleet_scope_valid("-x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_payload),
        cmocka_unit_test(test_publish_verify),
        cmocka_unit_test(test_scope_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
