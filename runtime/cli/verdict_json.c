/* verdict_json.c — verdicts as JSON for the CLIs (jansson only here, never in
 * the library). */
#include "verdict_json.h"

#include "utf8.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

json_t *vj_string(const char *s, size_t len)
{
    char *o = malloc(len * 3 + 1);
    if (!o)
        abort();
    size_t j = 0;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        size_t k = rt_utf8_seq(u + i, len - i);
        if (k) {
            memcpy(o + j, u + i, k);
            j += k;
            i += k;
        } else {
            memcpy(o + j, "\xef\xbf\xbd", 3); /* U+FFFD; also for NUL */
            j += 3;
            i++;
        }
    }
    json_t *r = json_stringn(o, j);
    free(o);
    return r;
}

json_t *vj_reasons(unsigned reason)
{
    static const char *names[] = {"rule", "default", "dynamic", "tools", "error"};
    json_t *a = json_array();
    for (unsigned i = 0; i < 5; i++)
        if (reason & (1u << i))
            json_array_append_new(a, json_string(names[i]));
    return a;
}

json_t *vj_verdict(const cmdai_bundle *b, const cmdai_verdict *v, int rc)
{
    json_t *o = json_object();
    json_object_set_new(o, "action", json_string(cmdai_action_name(v->action)));
    json_object_set_new(o, "risk", json_string(cmdai_risk_name(v->risk)));
    json_t *rules = json_array(), *comp = json_array();
    unsigned n = v->nrules < CMDAI_VERDICT_RULES ? v->nrules : CMDAI_VERDICT_RULES;
    for (unsigned i = 0; i < n; i++) {
        cmdai_rule_info ri;
        if (cmdai_rule_get(b, v->rules[i], &ri) != CMDAI_OK)
            continue;
        json_array_append_new(rules, json_string(ri.id));
        for (unsigned k = 0; k < ri.ncompliance; k++) {
            const char *c = cmdai_rule_compliance(b, v->rules[i], k);
            int dup = 0;
            for (size_t q = 0; q < json_array_size(comp); q++)
                if (!strcmp(json_string_value(json_array_get(comp, q)), c))
                    dup = 1;
            if (!dup)
                json_array_append_new(comp, json_string(c));
        }
    }
    json_object_set_new(o, "rules", rules);
    json_object_set_new(o, "message", v->message ? vj_string(v->message, strlen(v->message)) : json_null());
    json_object_set_new(o, "compliance", comp);
    json_object_set_new(o, "reason", vj_reasons(v->reason));
    if (rc != CMDAI_OK)
        json_object_set_new(o, "error", json_string(cmdai_code_name(rc)));
    return o;
}

char *vj_join_words(int n, char **w, size_t *len)
{
    size_t total = 1;
    for (int i = 0; i < n; i++)
        total += strlen(w[i]) + 1;
    char *cmd = malloc(total);
    if (!cmd)
        abort();
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(w[i]);
        if (i)
            cmd[o++] = ' ';
        memcpy(cmd + o, w[i], l);
        o += l;
    }
    cmd[o] = '\0';
    *len = o;
    return cmd;
}

const char *vj_default_bundle(char *buf, size_t cap)
{
    const char *e = getenv("CMDAI_POLICY_BUNDLE");
    if (e && *e)
        return e;
    const char *home = getenv("HOME");
    if (home) {
        snprintf(buf, cap, "%s/.config/cmdai/policy.cpb", home);
        if (access(buf, R_OK) == 0)
            return buf;
    }
    return "/etc/cmdai/policy.cpb";
}
