/* report.c — the compliance report model (report.h; shape in docs/report.md).
 * Proves the audit trail with rt_audit_verify (runtime/audit_verify.c) first,
 * then reads the decision records of the proven part only with jansson and
 * counts them per day, per rule of the bundle and per control of the
 * framework.  Rendering is report_html.c's; printing is the CLI's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "bundle.h"
#include "report.h"

enum { A_ALLOW, A_WARN, A_CONFIRM, A_DENY, A_N };
static const char *const action_key[A_N] = {"allow", "warn", "confirm", "deny"};

typedef struct counts {
    uint64_t decisions, by[A_N], errors;
} counts;

static json_t *counts_json(const counts *c, int with_errors)
{
    json_t *o = json_object();
    json_object_set_new(o, "decisions", json_integer((json_int_t)c->decisions));
    for (int a = 0; a < A_N; a++)
        json_object_set_new(o, action_key[a], json_integer((json_int_t)c->by[a]));
    if (with_errors)
        json_object_set_new(o, "errors", json_integer((json_int_t)c->errors));
    return o;
}

static int action_index(const char *s)
{
    for (int a = 0; s && a < A_N; a++)
        if (!strcmp(s, action_key[a]))
            return a;
    return -1;
}

/* Bundle rule index of `id` (rules are sorted by id with strcmp), or -1. */
static long rule_index(const struct cmdai_bundle *b, const char *id)
{
    uint32_t lo = 0, hi = b->nrules;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->str + b->rules[mid].id, id);
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* "YYYY-MM-DD" prefix of an RFC 3339 time, or 0 when it has none. */
static int day_of(const char *t, char out[11])
{
    if (!t || strlen(t) < 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        int want_dash = i == 4 || i == 7;
        if (want_dash ? t[i] != '-' : (t[i] < '0' || t[i] > '9'))
            return 0;
    }
    memcpy(out, t, 10);
    out[10] = 0;
    return 1;
}

static int path_has_tail(const char *path, const char *tail)
{
    size_t n = strlen(path), k = strlen(tail);
    return k && k <= n && !strcmp(path + n - k, tail);
}

typedef struct model {
    const rpt_opts *o;
    const struct cmdai_bundle *b;
    uint32_t nctl;
    counts total, outside, other_bundle;
    counts *rule;              /* [nrules] */
    counts *ctl;               /* [ncontrols] */
    uint8_t *ctl_rules;        /* [nrules * ncontrols]: rule r implements control c */
    json_t *days;              /* "YYYY-MM-DD" -> [allow, warn, confirm, deny] */
    json_t *bundles;           /* "name version serial" -> object */
    json_t *recent;            /* last o->recent denials and confirmations */
    char first[40], last[40];  /* period seen */
    uint64_t checkpoints_read;
} model;

static void add(counts *c, int a, int err)
{
    c->decisions++;
    if (a >= 0)
        c->by[a]++;
    c->errors += err;
}

static void count_record(model *m, json_t *r)
{
    const char *t = json_string_value(json_object_get(r, "time"));
    const char *act = json_string_value(json_object_get(r, "action"));
    int a = action_index(act), err = !json_is_null(json_object_get(r, "error")) &&
                                     json_object_get(r, "error") != NULL;
    char day[11];
    int have_day = day_of(t, day);
    if ((m->o->since || m->o->until) &&
        (!have_day || (m->o->since && strcmp(day, m->o->since) < 0) || (m->o->until && strcmp(day, m->o->until) > 0))) {
        add(&m->outside, a, err);
        return;
    }
    add(&m->total, a, err);
    if (t && strlen(t) < sizeof m->first) { /* longer: not a time the writer wrote */
        if (!m->first[0] || strcmp(t, m->first) < 0)
            snprintf(m->first, sizeof m->first, "%s", t);
        if (!m->last[0] || strcmp(t, m->last) > 0)
            snprintf(m->last, sizeof m->last, "%s", t);
    }
    if (have_day && a >= 0) {
        json_t *d = json_object_get(m->days, day);
        if (!d) {
            d = json_pack("[iiii]", 0, 0, 0, 0);
            json_object_set_new(m->days, day, d);
        }
        json_array_set_new(d, (size_t)a, json_integer(json_integer_value(json_array_get(d, (size_t)a)) + 1));
    }
    /* Which policy decided: evidence per rule only from this bundle's name. */
    json_t *bu = json_object_get(r, "bundle");
    const char *bname = json_string_value(json_object_get(bu, "name"));
    const char *bver = json_string_value(json_object_get(bu, "version"));
    json_int_t bserial = json_integer_value(json_object_get(bu, "serial"));
    char key[512];
    snprintf(key, sizeof key, "%s %s %lld", bname ? bname : "(none)", bver ? bver : "-", (long long)bserial);
    json_t *bo = json_object_get(m->bundles, key);
    if (!bo) {
        bo = json_pack("{s:o s:o s:I s:I}", "name", bname ? json_string(bname) : json_null(), "version",
                       bver ? json_string(bver) : json_null(), "serial", bserial, "decisions", (json_int_t)0);
        json_object_set_new(m->bundles, key, bo);
    }
    json_object_set_new(bo, "decisions", json_integer(json_integer_value(json_object_get(bo, "decisions")) + 1));
    if (!bname || strcmp(bname, m->b->str + m->b->meta->name)) {
        add(&m->other_bundle, a, err);
        return;
    }
    uint8_t *hit = calloc(m->nctl ? m->nctl : 1, 1);
    if (!hit)
        return;
    json_t *rules = json_object_get(r, "rules");
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const char *id = json_string_value(json_array_get(rules, i));
        long ri = id ? rule_index(m->b, id) : -1;
        if (ri < 0)
            continue;
        add(&m->rule[ri], a, err);
        for (uint32_t c = 0; c < m->nctl; c++)
            if (m->ctl_rules[(size_t)ri * m->nctl + c])
                hit[c] = 1;
    }
    for (uint32_t c = 0; c < m->nctl; c++)
        if (hit[c])
            add(&m->ctl[c], a, err);
    free(hit);
    if (m->o->recent && (a == A_DENY || a == A_CONFIRM)) {
        json_t *x = json_object();
        static const char *const keep[] = {"time", "user", "host", "source", "agent", "command", "action", "risk",
                                           "rules", "message", "error"};
        for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++) {
            json_t *v = json_object_get(r, keep[k]);
            json_object_set(x, keep[k], v ? v : json_null());
        }
        json_array_append_new(m->recent, x);
        if (json_array_size(m->recent) > m->o->recent)
            json_array_remove(m->recent, 0);
    }
}

/* Read the decision records of files[0..nfiles), but stop at (stop_file,
 * stop_line): the first line the verifier refused.  stop_file == nfiles:
 * everything verified. */
static int read_logs(model *m, const char **files, size_t nfiles, size_t stop_file, long stop_line, uint64_t *unread,
                     cmdai_error *err)
{
    for (size_t i = 0; i < nfiles; i++) {
        FILE *f = fopen(files[i], "rb");
        if (!f)
            return rt_error(err, CMDAI_E_IO, files[i], "cannot open: %s", strerror(errno));
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        long lineno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
            lineno++;
            int counted = i < stop_file || (i == stop_file && lineno < stop_line);
            json_t *r = json_loadb(line, (size_t)n, 0, NULL);
            const char *type = json_string_value(json_object_get(r, "type"));
            int decision = type && !strcmp(type, "decision");
            if (!counted) {
                /* Past the first bad line nothing is evidence; what looks
                 * like a decision is only tallied as excluded. */
                *unread += decision || !r;
            } else if (decision) {
                count_record(m, r);
            } else if (type && !strcmp(type, "checkpoint")) {
                m->checkpoints_read++;
            }
            json_decref(r);
        }
        int bad = ferror(f);
        free(line);
        fclose(f);
        if (bad)
            return rt_error(err, CMDAI_E_IO, files[i], "read error");
    }
    return CMDAI_OK;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Days from the first to the last seen, gaps filled with zeros (a span of
 * more than 400 days keeps only the days that have records). */
static json_t *days_json(json_t *days)
{
    size_t n = json_object_size(days), k = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    json_t *out = json_array();
    if (!keys)
        return out;
    const char *key;
    json_t *v;
    json_object_foreach(days, key, v) keys[k++] = key;
    qsort(keys, n, sizeof *keys, cmp_str);
    struct tm tm0 = {0}, tm1 = {0};
    int fill = n > 1 && strptime(keys[0], "%Y-%m-%d", &tm0) && strptime(keys[n - 1], "%Y-%m-%d", &tm1);
    time_t t0 = fill ? timegm(&tm0) : 0, t1 = fill ? timegm(&tm1) : 0;
    fill = fill && t1 >= t0 && (t1 - t0) / 86400 <= 400;
    if (!fill) {
        for (size_t i = 0; i < n; i++) {
            json_t *d = json_object_get(days, keys[i]);
            json_array_append_new(out, json_pack("{s:s s:O s:O s:O s:O}", "date", keys[i], "allow",
                                                  json_array_get(d, 0), "warn", json_array_get(d, 1), "confirm",
                                                  json_array_get(d, 2), "deny", json_array_get(d, 3)));
        }
    } else {
        for (time_t t = t0; t <= t1; t += 86400) {
            struct tm tm;
            char day[16];
            gmtime_r(&t, &tm);
            strftime(day, sizeof day, "%Y-%m-%d", &tm);
            json_t *d = json_object_get(days, day);
            json_array_append_new(out, json_pack("{s:s s:I s:I s:I s:I}", "date", day, "allow",
                                                  (json_int_t)json_integer_value(json_array_get(d, 0)), "warn",
                                                  (json_int_t)json_integer_value(json_array_get(d, 1)), "confirm",
                                                  (json_int_t)json_integer_value(json_array_get(d, 2)), "deny",
                                                  (json_int_t)json_integer_value(json_array_get(d, 3))));
        }
    }
    free(keys);
    return out;
}

int rpt_build(const rpt_opts *o, json_t **out, cmdai_error *err)
{
    const struct cmdai_bundle *b = o->b;
    const rpt_framework *fw = o->fw;
    model m = {.o = o, .b = b, .nctl = (uint32_t)fw->ncontrols};
    int rc = CMDAI_OK;
    *out = NULL;
    size_t nr = b->nrules ? b->nrules : 1;
    m.rule = calloc(nr, sizeof *m.rule);
    m.ctl = calloc(fw->ncontrols, sizeof *m.ctl);
    m.ctl_rules = calloc(nr * fw->ncontrols, 1);
    m.days = json_object();
    m.bundles = json_object();
    m.recent = json_array();
    const char **files = o->nlogs ? malloc(o->nlogs * sizeof *files) : NULL;
    if (!m.rule || !m.ctl || !m.ctl_rules || (o->nlogs && !files)) {
        rc = rt_error(err, CMDAI_E_NOMEM, NULL, "out of memory");
        goto done;
    }

    /* Implementation: the compliance tags of every rule. */
    json_t *unmapped = json_object(); /* tag -> [rule ids] */
    for (uint32_t r = 0; r < b->nrules; r++) {
        const cpb_rule *ru = &b->rules[r];
        for (unsigned k = 0; k < ru->ncompliance; k++) {
            const char *tag = b->str + b->comp[ru->compliance_first + k];
            const rpt_control *c = rpt_control_for_tag(fw, tag);
            if (c) {
                m.ctl_rules[(size_t)r * fw->ncontrols + (size_t)(c - fw->controls)] = 1;
            } else if (!strncmp(tag, fw->id, strlen(fw->id)) && tag[strlen(fw->id)] == ':') {
                json_t *l = json_object_get(unmapped, tag);
                if (!l)
                    json_object_set_new(unmapped, tag, l = json_array());
                json_array_append_new(l, json_string(b->str + ru->id));
            }
        }
    }

    /* Evidence: prove the chain, then count the proven records only. */
    json_t *audit = json_object();
    uint64_t excluded = 0;
    if (o->nlogs) {
        memcpy(files, o->logs, o->nlogs * sizeof *files);
        rt_audit_sort_files(files, o->nlogs);
        for (size_t i = 0; i < o->nlogs; i++) {
            FILE *f = fopen(files[i], "rb");
            if (!f) {
                rc = rt_error(err, CMDAI_E_IO, files[i], "cannot open: %s", strerror(errno));
                json_decref(unmapped);
                json_decref(audit);
                goto done;
            }
            fclose(f);
        }
        rt_audit_report rep;
        cmdai_error verr = {0};
        int vrc = rt_audit_verify(files, o->nlogs, o->pk, o->keyid, &rep, &verr);
        if (vrc == CMDAI_E_IO) {
            *err = verr;
            rc = CMDAI_E_IO;
            json_decref(unmapped);
            json_decref(audit);
            goto done;
        }
        size_t stop_file = o->nlogs;
        long stop_line = 0;
        if (vrc != CMDAI_OK) {
            stop_file = 0; /* nothing proven unless the verifier named a line */
            for (size_t i = 0; verr.line > 0 && i < o->nlogs; i++)
                if (path_has_tail(files[i], verr.source)) {
                    stop_file = i;
                    stop_line = verr.line;
                    break;
                }
        }
        if ((rc = read_logs(&m, files, o->nlogs, stop_file, stop_line, &excluded, err)) != CMDAI_OK) {
            json_decref(unmapped);
            json_decref(audit);
            goto done;
        }
        json_t *fl = json_array();
        for (size_t i = 0; i < o->nlogs; i++)
            json_array_append_new(fl, json_string(files[i]));
        json_object_set_new(audit, "files", fl);
        json_object_set_new(audit, "verified", json_boolean(vrc == CMDAI_OK));
        json_object_set_new(audit, "signatures",
                            json_string(!o->pk                           ? "not checked"
                                        : vrc == CMDAI_OK                ? "verified"
                                        : vrc == CMDAI_E_SIGNATURE       ? "failed"
                                        : vrc == CMDAI_E_UNKNOWN_KEY     ? "other key"
                                                                         : "not reached"));
        if (vrc == CMDAI_OK) {
            json_object_set_new(audit, "error", json_null());
            json_object_set_new(audit, "sealed", json_boolean(rep.sealed));
            json_object_set_new(audit, "unsealed_records", json_integer((json_int_t)rep.unsealed));
            json_object_set_new(audit, "first_seq", json_integer((json_int_t)rep.first_seq));
            json_object_set_new(audit, "last_seq", json_integer((json_int_t)rep.last_seq));
            json_object_set_new(audit, "head", json_string(rep.head));
            json_object_set_new(audit, "signed_checkpoints", json_integer((json_int_t)rep.signed_ok));
        } else {
            json_object_set_new(audit, "error", verr.line > 0 ? json_sprintf("%s:%d: %s", verr.source, verr.line, verr.text)
                                                              : json_sprintf("%s: %s", verr.source, verr.text));
            json_object_set_new(audit, "sealed", json_false());
        }
        json_object_set_new(audit, "checkpoints", json_integer((json_int_t)m.checkpoints_read));
        json_object_set_new(audit, "records_counted", json_integer((json_int_t)m.total.decisions));
        json_object_set_new(audit, "records_outside_period", json_integer((json_int_t)m.outside.decisions));
        json_object_set_new(audit, "records_excluded", json_integer((json_int_t)excluded));
        json_object_set_new(audit, "records_other_policy", json_integer((json_int_t)m.other_bundle.decisions));
        json_t *bl = json_array();
        const char *key;
        json_t *v;
        json_object_foreach(m.bundles, key, v) json_array_append(bl, v);
        json_object_set_new(audit, "policies", bl);
    }

    /* The model. */
    json_t *doc = json_object();
    json_object_set_new(doc, "report", json_string("cmdai-policy compliance report"));
    json_object_set_new(doc, "format", json_integer(1));
    json_object_set_new(doc, "generated", json_string(o->generated));
    json_object_set_new(doc, "framework", json_pack("{s:s s:s}", "id", fw->id, "name", fw->name));
    char digest[2 * 32 + 1];
    {
        static const char hx[] = "0123456789abcdef";
        for (int i = 0; i < 32; i++) {
            digest[2 * i] = hx[b->h->source_digest[i] >> 4];
            digest[2 * i + 1] = hx[b->h->source_digest[i] & 15];
        }
        digest[64] = 0;
    }
    json_object_set_new(doc, "bundle",
                        json_pack("{s:s s:s s:s s:I s:s s:I}", "path", o->bundle_path, "name", b->str + b->meta->name,
                                  "version", b->str + b->meta->version, "serial", (json_int_t)b->h->serial,
                                  "source_digest", digest, "rules", (json_int_t)b->nrules));
    if (o->nlogs) {
        json_t *period = json_object();
        json_object_set_new(period, "from", o->since ? json_string(o->since) : m.first[0] ? json_string(m.first)
                                                                                          : json_null());
        json_object_set_new(period, "to", o->until ? json_string(o->until) : m.last[0] ? json_string(m.last)
                                                                                       : json_null());
        json_object_set_new(doc, "period", period);
        json_object_set_new(doc, "audit", audit);
        json_object_set_new(doc, "totals", counts_json(&m.total, 1));
        json_object_set_new(doc, "per_day", days_json(m.days));
        json_object_set_new(doc, "recent", json_incref(m.recent));
    } else {
        json_decref(audit);
        json_object_set_new(doc, "period", json_null());
        json_object_set_new(doc, "audit", json_null());
        json_object_set_new(doc, "totals", json_null());
        json_object_set_new(doc, "per_day", json_array());
        json_object_set_new(doc, "recent", json_array());
    }
    int verified = o->nlogs && json_is_true(json_object_get(json_object_get(doc, "audit"), "verified"));

    json_t *controls = json_array(), *no_rule = json_array(), *no_evidence = json_array();
    unsigned implemented = 0, evidenced = 0;
    for (size_t c = 0; c < fw->ncontrols; c++) {
        const rpt_control *ct = &fw->controls[c];
        json_t *x = json_object(), *rl = json_array();
        for (uint32_t r = 0; r < b->nrules; r++)
            if (m.ctl_rules[(size_t)r * fw->ncontrols + c])
                json_array_append_new(rl, json_string(b->str + b->rules[r].id));
        /* Trail and integrity controls are implemented by the audit trail
         * itself; rule-backed ones need a rule. */
        int impl = ct->kind != RPT_RULES || json_array_size(rl) > 0;
        json_t *ev = json_null();
        int has_ev = 0;
        if (o->nlogs) {
            if (ct->kind == RPT_RULES) {
                ev = counts_json(&m.ctl[c], 0);
                has_ev = m.ctl[c].decisions > 0;
            } else if (ct->kind == RPT_TRAIL) {
                ev = counts_json(&m.total, 0);
                has_ev = m.total.decisions > 0;
            } else {
                ev = counts_json(&m.total, 0);
                has_ev = verified;
            }
        }
        const char *status = !impl ? "no_rule" : !o->nlogs ? "implemented" : has_ev ? "covered"
                             : ct->kind == RPT_INTEGRITY ? "unverified" : "no_evidence";
        implemented += impl;
        evidenced += impl && has_ev;
        if (!impl)
            json_array_append_new(no_rule, json_string(ct->id));
        else if (o->nlogs && !has_ev)
            json_array_append_new(no_evidence, json_string(ct->id));
        json_object_set_new(x, "id", json_string(ct->id));
        json_object_set_new(x, "title", json_string(ct->title));
        json_object_set_new(x, "evidence_kind", json_string(rpt_kind_name(ct->kind)));
        json_object_set_new(x, "rules", rl);
        json_object_set_new(x, "evidence", ev);
        json_object_set_new(x, "status", json_string(status));
        json_array_append_new(controls, x);
    }
    json_object_set_new(doc, "controls", controls);
    json_object_set_new(doc, "gaps", json_pack("{s:o s:o}", "no_rule", no_rule, "no_evidence", no_evidence));
    json_object_set_new(doc, "summary",
                        json_pack("{s:I s:I s:o}", "controls", (json_int_t)fw->ncontrols, "implemented",
                                  (json_int_t)implemented, "with_evidence",
                                  o->nlogs ? json_integer((json_int_t)evidenced) : json_null()));

    json_t *rules = json_array();
    for (uint32_t r = 0; r < b->nrules; r++) {
        json_t *cl = json_array();
        for (size_t c = 0; c < fw->ncontrols; c++)
            if (m.ctl_rules[(size_t)r * fw->ncontrols + c])
                json_array_append_new(cl, json_string(fw->controls[c].id));
        if (!json_array_size(cl)) {
            json_decref(cl);
            continue;
        }
        const cpb_rule *ru = &b->rules[r];
        json_array_append_new(rules, json_pack("{s:s s:s s:s s:s s:o s:o}", "id", b->str + ru->id, "action",
                                               cmdai_action_name((cmdai_action)ru->action), "risk",
                                               cmdai_risk_name((cmdai_risk)ru->risk), "message", b->str + ru->message,
                                               "controls", cl, "evidence",
                                               o->nlogs ? counts_json(&m.rule[r], 0) : json_null()));
    }
    json_object_set_new(doc, "rules", rules);
    json_t *um = json_array();
    const char *tag;
    json_t *ids;
    json_object_foreach(unmapped, tag, ids) json_array_append_new(um, json_pack("{s:s s:O}", "tag", tag, "rules", ids));
    json_decref(unmapped);
    json_object_set_new(doc, "out_of_scope_tags", um);
    *out = doc;

done:
    free(files);
    free(m.rule);
    free(m.ctl);
    free(m.ctl_rules);
    json_decref(m.days);
    json_decref(m.bundles);
    json_decref(m.recent);
    return rc;
}
