/* test_report.c — compiler/report*.c and compiler/coverage.c: compliance tags
 * map to the controls in scope (a table), the control tables keep their
 * invariant (no id is a sub-item of another), the HTML renderer escapes every
 * string of a hostile model, and the coverage walk finds exactly the rules a
 * verdict lists for every inline test of the shipped core-safety template.
 * Run with cwd = tests/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "bundle.h"
#include "cmdai/policy.h"
#include "coverage.h"
#include "diag.h"
#include "emit.h"
#include "ir.h"
#include "report.h"
#include "tpl.h"

#define CORE_SAFETY "../stdlib-templates/core-safety.yaml"

static void test_tags_map_to_controls(void **state)
{
    (void)state;
    static const struct {
        const char *fw, *tag, *control; /* control NULL: none */
    } cases[] = {
        {"SOC2", "SOC2:CC6.1", "CC6.1"},
        {"SOC2", "SOC2:CC6.10", NULL}, /* not a sub-item of CC6.1 */
        {"SOC2", "SOC2:CC9.2", NULL},  /* a real criterion out of scope */
        {"SOC2", "PCI-DSS:10.2", NULL},
        {"SOC2", "SOC2", NULL},
        {"PCI-DSS", "PCI-DSS:10.2", "10.2"},
        {"PCI-DSS", "PCI-DSS:10.2.1", "10.2"},
        {"PCI-DSS", "PCI-DSS:10.2.1.3", "10.2"},
        {"PCI-DSS", "PCI-DSS:10.3.2", "10.3"},
        {"PCI-DSS", "PCI-DSS:1.2.1", "1.2"},
        {"PCI-DSS", "PCI-DSS:10.20", NULL},
        {"PCI-DSS", "PCI-DSS:1", NULL},
        {"HIPAA", "HIPAA:164.312(e)(1)", "164.312(e)(1)"},
        {"HIPAA", "HIPAA:164.312(e)(2)(ii)", "164.312(e)(2)(ii)"},
        {"HIPAA", "HIPAA:164.312(e)(2)(i)", NULL},
        {"HIPAA", "HIPAA:164.308(a)(4)(ii)(B)", "164.308(a)(4)"},
        {"ISO27001", "ISO27001:A.8.10", "A.8.10"},
        {"ISO27001", "ISO27001:A.8.1", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const rpt_framework *fw = rpt_framework_find(cases[i].fw);
        assert_non_null(fw);
        const rpt_control *c = rpt_control_for_tag(fw, cases[i].tag);
        if (!cases[i].control) {
            if (c)
                fail_msg("%s: mapped to %s, want none", cases[i].tag, c->id);
        } else if (!c || strcmp(c->id, cases[i].control)) {
            fail_msg("%s: mapped to %s, want %s", cases[i].tag, c ? c->id : "none", cases[i].control);
        }
    }
    assert_null(rpt_framework_find("NIST-800-53"));
}

static void test_control_tables_are_unambiguous(void **state)
{
    (void)state;
    assert_int_equal(rpt_nframeworks, 4);
    for (size_t f = 0; f < rpt_nframeworks; f++) {
        const rpt_framework *fw = rpt_frameworks[f];
        assert_true(fw->ncontrols > 0);
        char tag[96];
        for (size_t i = 0; i < fw->ncontrols; i++) {
            assert_non_null(fw->controls[i].title);
            assert_non_null(fw->controls[i].covers);
            /* Each id's own tag maps back to it, and to nothing else. */
            snprintf(tag, sizeof tag, "%s:%s", fw->id, fw->controls[i].id);
            const rpt_control *c = rpt_control_for_tag(fw, tag);
            if (c != &fw->controls[i])
                fail_msg("%s maps to %s", tag, c ? c->id : "none");
        }
    }
}

/* Every string of the model is attacker-chosen here. */
static void test_html_escapes_everything(void **state)
{
    (void)state;
    const char *evil = "<script>alert(1)</script>\"'&\x01";
    json_t *m = json_pack(
        "{s:s s:s s:{s:s s:s} s:{s:s s:s s:s s:i s:i} s:{s:s s:s}"
        " s:{s:[s] s:b s:s s:s s:i s:i s:i s:i s:i s:[{s:s s:s s:i s:i}]}"
        " s:{s:i s:i s:i s:i s:i s:i} s:[{s:s s:i s:i s:i s:i}]"
        " s:[{s:s s:s s:s s:s s:s s:[s] s:s}]"
        " s:[{s:s s:s s:s s:[s] s:{s:i s:i s:i s:i s:i} s:s}]"
        " s:{s:[s] s:[]} s:{s:i s:i s:i} s:[] s:[{s:s s:[s]}]}",
        "report", evil, "generated", evil, "framework", "id", evil, "name", evil, "bundle", "path", evil, "name", evil,
        "version", evil, "serial", 1, "rules", 1, "period", "from", evil, "to", evil, "audit", "files", evil,
        "verified", 0, "signatures", evil, "error", evil, "records_counted", 1, "records_excluded", 1,
        "records_outside_period", 0, "records_other_policy", 0, "checkpoints", 1, "policies", "name", evil, "version",
        evil, "serial", 1, "decisions", 1, "totals", "decisions", 1, "allow", 0, "warn", 0, "confirm", 0, "deny", 1,
        "errors", 0, "per_day", "date", evil, "allow", 0, "warn", 0, "confirm", 0, "deny", 1, "recent", "time", evil,
        "user", evil, "host", evil, "command", evil, "action", evil, "rules", evil, "message", evil, "controls", "id",
        evil, "title", evil, "evidence_kind", evil, "rules", evil, "evidence", "decisions", 1, "allow", 0, "warn", 0,
        "confirm", 0, "deny", 1, "status", "covered", "gaps", "no_rule", evil, "no_evidence", "summary", "controls",
        1, "implemented", 1, "with_evidence", 1, "rules", "out_of_scope_tags", "tag", evil, "rules", evil);
    assert_non_null(m);
    size_t len = 0;
    char *html = rpt_html(m, &len);
    assert_non_null(html);
    assert_int_equal(strlen(html), len);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "\x01"));
    assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;\xef\xbf\xbd"));
    free(html);
    json_decref(m);
}

/* The coverage walk reads the records eval folds: the rules it counts for a
 * command are the rules the verdict lists (below the 16-rule cap). */
static void test_coverage_matches_verdicts(void **state)
{
    (void)state;
    arena a;
    arena_init(&a);
    diag d;
    diag_init(&d);
    tpl *t;
    ir *r = NULL;
    if (tpl_load(&a, CORE_SAFETY, "../stdlib-templates", &t, &d) || cc_compile(&a, t, CC_DEFAULT_MAX_STATES, &r, &d))
        fail_msg("%s:%d: %s", d.file, d.line, d.text);
    emit_opts eo = {.serial = 1, .scope = "test"};
    unsigned char *bytes;
    size_t len;
    assert_int_equal(emit_bundle(r, &eo, &bytes, &len, &d), 0);
    unsigned char *mem = malloc(len);
    assert_non_null(mem);
    memcpy(mem, bytes, len);
    struct cmdai_bundle b;
    cmdai_error err;
    assert_int_equal(rt_bundle_check(&b, mem, len, &err), CMDAI_OK);

    cov c;
    assert_int_equal(cov_init(&c, &b), 0);
    uint32_t naccept = 0;
    for (uint32_t s = 0; s < b.nstates; s++)
        naccept += rt_state_acc(&b, s) != 0;
    assert_int_equal(c.naccept, naccept);
    uint64_t *before = calloc(b.nrules, sizeof *before);
    assert_non_null(before);
    size_t checked = 0;
    for (size_t k = 0; k < t->ntests; k++) {
        const char *cmd = t->tests[k].command;
        memcpy(before, c.rule_hits[COV_TESTS], b.nrules * sizeof *before);
        cov_add(&c, cmd, strlen(cmd), COV_TESTS);
        cmdai_verdict v;
        cmdai_eval(&b, cmd, strlen(cmd), &v);
        if (v.nrules > CMDAI_VERDICT_RULES)
            continue;
        for (uint32_t i = 0; i < b.nrules; i++) {
            int counted = c.rule_hits[COV_TESTS][i] == before[i] + 1;
            int listed = 0;
            for (unsigned q = 0; q < v.nrules; q++)
                listed |= v.rules[q] == i;
            if (counted != listed)
                fail_msg("%s: rule %s counted %d, in the verdict %d", cmd, b.str + b.rules[i].id, counted, listed);
            assert_true(c.rule_hits[COV_TESTS][i] - before[i] <= 1);
        }
        checked++;
    }
    assert_true(checked > 20);
    assert_int_equal(c.ncommands[COV_TESTS], t->ntests);
    cov_finish(&c);
    uint32_t visited = cov_states_visited(&c);
    assert_true(visited > 0 && visited <= c.naccept);
    for (uint32_t i = 0; i < b.nrules; i++)
        assert_true(c.rule_states_hit[i] <= c.rule_states[i]);
    free(before);
    cov_release(&c);
    free(mem);
    free(bytes);
    ir_free(r);
    arena_release(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tags_map_to_controls),
        cmocka_unit_test(test_control_tables_are_unambiguous),
        cmocka_unit_test(test_html_escapes_everything),
        cmocka_unit_test(test_coverage_matches_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
