/* report_html.c — the compliance report model (report.c) as one standalone
 * HTML page: inline CSS, two inline SVG charts (decisions per day, evidence
 * per control), tables, no script and no external asset.  Every string that
 * reaches the page goes through put_text(): commands, users and hosts come
 * from audit records, which an attacker can influence. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* HTML-escape s: the five markup characters, and C0 controls (except tab
 * and newline) and DEL as U+FFFD, so no byte of a log can open a tag, end
 * an attribute or smuggle a control into the page.  jansson strings are
 * valid UTF-8 already. */
static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
                fputs("\xef\xbf\xbd", f);
            else
                fputc(c, f);
        }
    }
}

/* v with thousands separators ("200,000"), in buf. */
static const char *grp(char buf[32], long long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%lld", v < 0 ? -v : v), o = 0;
    if (v < 0)
        buf[o++] = '-';
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = t[i];
    }
    buf[o] = 0;
    return buf;
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static long long num(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static const char *const act_color[4] = {"#9aa5b1", "#e5b400", "#e67e22", "#c0392b"}; /* allow warn confirm deny */
static const char *const act_name[4] = {"allow", "warn", "confirm", "deny"};

static const char *status_color(const char *s)
{
    if (!strcmp(s, "covered"))
        return "#2e8b57";
    if (!strcmp(s, "implemented"))
        return "#2f6db5";
    if (!strcmp(s, "no_evidence"))
        return "#d68910";
    return "#c0392b"; /* no_rule, unverified */
}

static const char *status_label(const char *s)
{
    if (!strcmp(s, "covered"))
        return "covered";
    if (!strcmp(s, "implemented"))
        return "implemented";
    if (!strcmp(s, "no_evidence"))
        return "no evidence";
    if (!strcmp(s, "unverified"))
        return "trail not verified";
    return "no rule";
}

/* Axis ticks: a step of 1, 2 or 5 times a power of ten giving at most five
 * intervals up to v, and the axis maximum (a multiple of the step >= v). */
static void axis(long long v, long long *step, long long *max)
{
    long long p = 1;
    if (v < 1)
        v = 1;
    for (;;) {
        long long s[3] = {p, 2 * p, 5 * p};
        for (int i = 0; i < 3; i++)
            if ((v + s[i] - 1) / s[i] <= 5) {
                *step = s[i];
                *max = (v + s[i] - 1) / s[i] * s[i];
                return;
            }
        p *= 10;
    }
}

/* An RFC 3339 time as "YYYY-MM-DD HH:MM" (UTC), escaped. */
static void put_time(FILE *f, const char *t)
{
    char buf[17];
    if (t && strlen(t) >= 16 && t[10] == 'T') {
        memcpy(buf, t, 16);
        buf[10] = ' ';
        buf[16] = 0;
        put_text(f, buf);
    } else {
        put_text(f, t ? t : "-");
    }
}

static void chart_days(FILE *f, const json_t *days)
{
    size_t n = json_array_size(days);
    if (!n) {
        fputs("<p class=\"muted\">No decision records in the period.</p>\n", f);
        return;
    }
    const int W = 1100, H = 280, L = 56, R = 16, T = 16, B = 44;
    long long max = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(days, i);
        long long t = 0;
        for (int a = 0; a < 4; a++)
            t += num(d, act_name[a]);
        if (t > max)
            max = t;
    }
    long long ystep, ymax;
    axis(max, &ystep, &ymax);
    double pw = (double)(W - L - R), ph = (double)(H - T - B), slot = pw / (double)n;
    double bw = slot * 0.72 < 1 ? 1 : slot * 0.72;
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Decisions per day\">\n", W, H);
    for (long long v = 0; v <= ymax; v += ystep) {
        double y = T + ph - ph * (double)v / (double)ymax;
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", L, W - R, y, y);
        char g[32];
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"ylab\">%s</text>\n", L - 6, y + 4, grp(g, v));
    }
    size_t every = n <= 14 ? 1 : (n + 13) / 14;
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_array_get(days, i);
        double x = L + slot * (double)i + (slot - bw) / 2, y = T + ph;
        long long tot = 0;
        for (int a = 3; a >= 0; a--) { /* deny at the bottom */
            long long v = num(d, act_name[a]);
            if (!v)
                continue;
            double h = ph * (double)v / (double)ymax;
            y -= h;
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", x, y, bw, h,
                    act_color[a]);
            put_text(f, str(d, "date"));
            fprintf(f, ": %lld %s</title></rect>", v, act_name[a]);
            tot += v;
        }
        char g[32];
        if (tot && n <= 40)
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"vlab\">%s</text>", x + bw / 2, y - 4, grp(g, tot));
        if (i % every == 0) {
            const char *date = str(d, "date");
            fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xlab\">", x + bw / 2, H - B + 16);
            put_text(f, date && strlen(date) == 10 ? date + 5 : date);
            fputs("</text>", f);
        }
        fputc('\n', f);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"axis\"/>\n", L, W - R, T + ph, T + ph);
    double lx = L;
    for (int a = 3; a >= 0; a--) {
        fprintf(f, "<rect x=\"%.0f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", lx, H - 16, act_color[a]);
        fprintf(f, "<text x=\"%.0f\" y=\"%d\" class=\"leg\">%s</text>", lx + 16, H - 6, act_name[a]);
        lx += 90;
    }
    fputs("\n</svg>\n", f);
}

static void chart_controls(FILE *f, const json_t *controls, int have_logs)
{
    size_t n = json_array_size(controls);
    const int W = 1100, L = 190, R = 170, T = 8, row = 26;
    int H = T + row * (int)n + 30;
    long long max = 0;
    for (size_t i = 0; i < n; i++) {
        long long v = num(json_object_get(json_array_get(controls, i), "evidence"), "decisions");
        if (v > max)
            max = v;
    }
    long long xstep, xmax;
    axis(max, &xstep, &xmax);
    double pw = (double)(W - L - R - 48); /* room for the count after the longest bar */
    fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Evidence per control\">\n", W,
            H);
    for (long long v = 0; have_logs && v <= xmax; v += xstep) {
        double x = L + pw * (double)v / (double)xmax;
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" class=\"grid\"/>", x, x, T, T + row * (int)n);
        char g[32];
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" class=\"xlab\">%s</text>\n", x, T + row * (int)n + 16, grp(g, v));
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(controls, i);
        const json_t *ev = json_object_get(c, "evidence");
        const char *st = str(c, "status");
        double y = T + row * (double)i;
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"clab\">", L - 8, y + 17);
        put_text(f, str(c, "id"));
        fputs("</text>", f);
        if (have_logs) {
            /* The bar: the decisions behind the control, split by outcome. */
            double x = L;
            for (int a = 3; a >= 0; a--) {
                long long v = num(ev, act_name[a]);
                if (!v)
                    continue;
                double w = pw * (double)v / (double)xmax;
                fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\" fill=\"%s\"><title>", x, y + 5,
                        w < 1 ? 1 : w, act_color[a]);
                put_text(f, str(c, "id"));
                fprintf(f, ": %lld %s</title></rect>", v, act_name[a]);
                x += w;
            }
            char g[32];
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" class=\"vlab2\">%s</text>", x + 6, y + 17,
                    grp(g, num(ev, "decisions")));
        }
        fprintf(f, "<rect x=\"%d\" y=\"%.1f\" width=\"150\" height=\"18\" rx=\"9\" fill=\"%s\"/>", W - R + 14, y + 4,
                status_color(st));
        fprintf(f, "<text x=\"%d\" y=\"%.1f\" class=\"badge\">%s</text>\n", W - R + 89, y + 17, status_label(st));
    }
    fputs("</svg>\n", f);
}

static void cell_num(FILE *f, const json_t *o, const char *k)
{
    if (!o || json_is_null(o))
        fputs("<td class=\"n muted\">&ndash;</td>", f);
    else {
        char g[32];
        fprintf(f, "<td class=\"n\">%s</td>", grp(g, num(o, k)));
    }
}

static void badge(FILE *f, const char *status)
{
    fprintf(f, "<span class=\"badge\" style=\"background:%s\">%s</span>", status_color(status),
            status_label(status));
}

static const char CSS[] =
    "body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2733;margin:0;background:#f4f6f8}"
    "main{max-width:1160px;margin:0 auto;padding:24px}"
    "header{background:#1d2733;color:#fff;padding:22px 24px}header h1{margin:0 0 4px;font-size:22px}"
    "header p{margin:0;color:#c9d3dd}"
    "section{background:#fff;border:1px solid #dde3e9;border-radius:8px;padding:16px 20px;margin:0 0 18px}"
    "h2{font-size:17px;margin:0 0 12px}"
    ".cards{display:flex;flex-wrap:wrap;gap:12px;background:none;border:0;padding:0}"
    "*{box-sizing:border-box}.card{flex:1 1 150px;background:#fff;border:1px solid #dde3e9;border-radius:8px;padding:12px 16px}"
    ".card .v{font-size:24px;font-weight:600}.card .k{color:#5b6b7b;font-size:12px;text-transform:uppercase}"
    ".ok{color:#2e8b57}.bad{color:#c0392b}.muted{color:#7b8794}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e6eaee;"
    "vertical-align:top}th{font-size:12px;color:#5b6b7b;text-transform:uppercase}td.n,th.n{text-align:right}"
    "code{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:nowrap}"
    "code.cmd{white-space:pre-wrap;word-break:break-all}td.t{white-space:nowrap}"
    ".badge{display:inline-block;color:#fff;border-radius:9px;padding:0 8px;font-size:12px;white-space:nowrap}"
    ".chart{width:100%;height:auto}.chart text{font:11px Helvetica,Arial,sans-serif;fill:#3c4a57}"
    ".chart .ylab{text-anchor:end}.chart .xlab,.chart .vlab{text-anchor:middle}.chart .clab{text-anchor:end;"
    "font-size:12px}.chart .badge{text-anchor:middle;fill:#fff;font-size:11px}"
    ".chart .grid{stroke:#e6eaee}.chart .axis{stroke:#8796a5}"
    "ul{margin:4px 0 0;padding-left:20px}table.kv th{width:40%}"
    ".alert{background:#fdecea;border-color:#e6b0aa;color:#922b21}"
    "@media print{body{background:#fff}main{padding:0}section,.card{break-inside:avoid}"
    "header{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".badge,.chart{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

static void table_controls(FILE *f, const json_t *controls, int have_logs)
{
    fputs("<table><tr><th>Control</th><th>Title</th><th>Evidence</th><th>Implementing rules</th>", f);
    if (have_logs)
        fputs("<th class=\"n\">Decisions</th><th class=\"n\">Deny</th><th class=\"n\">Confirm</th>"
              "<th class=\"n\">Warn</th>",
              f);
    fputs("<th>Status</th></tr>\n", f);
    for (size_t i = 0; i < json_array_size(controls); i++) {
        const json_t *c = json_array_get(controls, i), *rl = json_object_get(c, "rules"),
                     *ev = json_object_get(c, "evidence");
        fputs("<tr><td><b>", f);
        put_text(f, str(c, "id"));
        fputs("</b></td><td>", f);
        put_text(f, str(c, "title"));
        fputs("</td><td>", f);
        put_text(f, str(c, "evidence_kind"));
        fputs("</td><td>", f);
        for (size_t k = 0; k < json_array_size(rl); k++) {
            fputs(k ? ", <code>" : "<code>", f);
            put_text(f, json_string_value(json_array_get(rl, k)));
            fputs("</code>", f);
        }
        if (!json_array_size(rl))
            fputs(strcmp(str(c, "evidence_kind"), "rules") ? "<span class=\"muted\">the audit trail</span>"
                                                            : "<span class=\"bad\">none</span>",
                  f);
        fputs("</td>", f);
        if (have_logs) {
            cell_num(f, ev, "decisions");
            cell_num(f, ev, "deny");
            cell_num(f, ev, "confirm");
            cell_num(f, ev, "warn");
        }
        fputs("<td>", f);
        badge(f, str(c, "status"));
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void list_ids(FILE *f, const json_t *a)
{
    if (!json_array_size(a)) {
        fputs(" <span class=\"muted\">none</span>", f);
        return;
    }
    for (size_t i = 0; i < json_array_size(a); i++) {
        fputs(i ? ", <b>" : " <b>", f);
        put_text(f, json_string_value(json_array_get(a, i)));
        fputs("</b>", f);
    }
}

static void section_audit(FILE *f, const json_t *audit, const json_t *period)
{
    fputs("<section><h2>Audit trail</h2>\n", f);
    if (!audit || json_is_null(audit)) {
        fputs("<p class=\"muted\">No audit log given: the report shows how controls are implemented, not that they "
              "operated.</p></section>\n",
              f);
        return;
    }
    int ok = json_is_true(json_object_get(audit, "verified"));
    fprintf(f, "<p><b class=\"%s\">%s</b>", ok ? "ok" : "bad",
            ok ? "Hash chain verified." : "NOT VERIFIED: records from the first bad line on are not counted.");
    if (!ok) {
        fputs(" <code>", f);
        put_text(f, str(audit, "error"));
        fputs("</code>", f);
    }
    fputs(" Checkpoint signatures: ", f);
    put_text(f, str(audit, "signatures"));
    fputs(".</p>\n<table class=\"kv\">", f);
    fputs("<tr><th>Files</th><td>", f);
    const json_t *fl = json_object_get(audit, "files");
    for (size_t i = 0; i < json_array_size(fl); i++) {
        fputs(i ? "<br><code>" : "<code>", f);
        put_text(f, json_string_value(json_array_get(fl, i)));
        fputs("</code>", f);
    }
    fputs("</td></tr>\n<tr><th>Period</th><td>", f);
    put_text(f, str(period, "from") ? str(period, "from") : "-");
    fputs(" &rarr; ", f);
    put_text(f, str(period, "to") ? str(period, "to") : "-");
    fputs("</td></tr>\n", f);
    static const struct {
        const char *k, *label;
    } rows[] = {{"records_counted", "Decision records counted"},
                {"records_excluded", "Records not counted (after the first bad line)"},
                {"records_outside_period", "Records outside the period"},
                {"records_other_policy", "Records decided by another policy (not counted per rule)"},
                {"checkpoints", "Checkpoints read"},
                {"signed_checkpoints", "Signed checkpoints verified"},
                {"unsealed_records", "Records after the last checkpoint"}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const json_t *v = json_object_get(audit, rows[i].k);
        if (!json_is_integer(v))
            continue;
        char g[32];
        fprintf(f, "<tr><th>%s</th><td>%s</td></tr>\n", rows[i].label, grp(g, (long long)json_integer_value(v)));
    }
    if (json_is_boolean(json_object_get(audit, "sealed")))
        fprintf(f, "<tr><th>Sealed by a closing checkpoint</th><td>%s</td></tr>\n",
                json_is_true(json_object_get(audit, "sealed")) ? "yes" : "no");
    if (str(audit, "head")) {
        fputs("<tr><th>Head hash</th><td><code>", f);
        put_text(f, str(audit, "head"));
        fputs("</code></td></tr>\n", f);
    }
    fputs("<tr><th>Policies that decided</th><td>", f);
    const json_t *pl = json_object_get(audit, "policies");
    for (size_t i = 0; i < json_array_size(pl); i++) {
        const json_t *p = json_array_get(pl, i);
        if (i)
            fputs("<br>", f);
        put_text(f, str(p, "name") ? str(p, "name") : "(no bundle)");
        fputs(" ", f);
        put_text(f, str(p, "version") ? str(p, "version") : "");
        char g[32];
        fprintf(f, " serial %lld: %s decisions", num(p, "serial"), grp(g, num(p, "decisions")));
    }
    fputs("</td></tr></table></section>\n", f);
}

static void section_recent(FILE *f, const json_t *recent)
{
    if (!json_array_size(recent))
        return;
    fputs("<section><h2>Latest denials and confirmations</h2>\n<table><tr><th>Time</th><th>User</th>"
          "<th>Host</th><th>Command</th><th>Decision</th><th>Rules</th></tr>\n",
          f);
    for (size_t i = json_array_size(recent); i-- > 0;) {
        const json_t *r = json_array_get(recent, i), *rl = json_object_get(r, "rules");
        fputs("<tr><td class=\"t\">", f);
        put_time(f, str(r, "time"));
        fputs("</td><td>", f);
        put_text(f, str(r, "user"));
        fputs("</td><td>", f);
        put_text(f, str(r, "host"));
        fputs("</td><td><code class=\"cmd\">", f);
        put_text(f, str(r, "command"));
        fputs("</code></td><td>", f);
        put_text(f, str(r, "action"));
        fputs("</td><td>", f);
        for (size_t k = 0; k < json_array_size(rl); k++) {
            fputs(k ? ", <code>" : "<code>", f);
            put_text(f, json_string_value(json_array_get(rl, k)));
            fputs("</code>", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void section_rules(FILE *f, const json_t *rules, int have_logs)
{
    fputs("<section><h2>Rules mapped to the framework</h2>\n", f);
    if (!json_array_size(rules)) {
        fputs("<p class=\"bad\">No rule of this bundle carries a compliance tag of this framework.</p></section>\n", f);
        return;
    }
    fputs("<table><tr><th>Rule</th><th>Action</th><th>Risk</th><th>Controls</th><th>Message</th>", f);
    if (have_logs)
        fputs("<th class=\"n\">Decisions</th><th class=\"n\">Deny</th><th class=\"n\">Confirm</th>", f);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < json_array_size(rules); i++) {
        const json_t *r = json_array_get(rules, i), *cl = json_object_get(r, "controls");
        fputs("<tr><td><code>", f);
        put_text(f, str(r, "id"));
        fputs("</code></td><td>", f);
        put_text(f, str(r, "action"));
        fputs("</td><td>", f);
        put_text(f, str(r, "risk"));
        fputs("</td><td>", f);
        for (size_t k = 0; k < json_array_size(cl); k++) {
            if (k)
                fputs(", ", f);
            put_text(f, json_string_value(json_array_get(cl, k)));
        }
        fputs("</td><td>", f);
        put_text(f, str(r, "message"));
        fputs("</td>", f);
        if (have_logs) {
            const json_t *ev = json_object_get(r, "evidence");
            cell_num(f, ev, "decisions");
            cell_num(f, ev, "deny");
            cell_num(f, ev, "confirm");
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></section>\n", f);
}

static void card(FILE *f, const char *key, const char *cls, const char *value)
{
    fprintf(f, "<div class=\"card\"><div class=\"k\">%s</div><div class=\"v %s\">%s</div></div>\n", key, cls, value);
}

char *rpt_html(const json_t *m, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    if (!f)
        return NULL;
    const json_t *fw = json_object_get(m, "framework"), *b = json_object_get(m, "bundle"),
                 *audit = json_object_get(m, "audit"), *period = json_object_get(m, "period"),
                 *sum = json_object_get(m, "summary"), *tot = json_object_get(m, "totals"),
                 *controls = json_object_get(m, "controls"), *gaps = json_object_get(m, "gaps");
    int have_logs = audit && !json_is_null(audit);
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    put_text(f, str(fw, "id"));
    fputs(" compliance report: ", f);
    put_text(f, str(b, "name"));
    fprintf(f, "</title>\n<style>%s</style></head><body>\n<header><h1>", CSS);
    put_text(f, str(fw, "name"));
    fputs(" &mdash; compliance report</h1>\n<p>Policy <b>", f);
    put_text(f, str(b, "name"));
    fputs(" ", f);
    put_text(f, str(b, "version"));
    fprintf(f, "</b> (serial %lld, %lld rules, <code>", num(b, "serial"), num(b, "rules"));
    put_text(f, str(b, "path"));
    fputs("</code>)", f);
    if (have_logs) {
        fputs(" &middot; period ", f);
        put_time(f, str(period, "from"));
        fputs(" &rarr; ", f);
        put_time(f, str(period, "to"));
        fputs(" UTC", f);
    }
    fputs(" &middot; generated ", f);
    put_text(f, str(m, "generated"));
    fputs("</p></header>\n<main>\n", f);
    if (have_logs && !json_is_true(json_object_get(audit, "verified"))) {
        fputs("<section class=\"alert\"><b>The audit trail does not verify:</b> <code class=\"cmd\">", f);
        put_text(f, str(audit, "error"));
        fprintf(f, "</code>. The %lld decision record(s) from that line on are not counted; the figures below cover the "
                   "%lld record(s) before it.</section>\n",
                num(audit, "records_excluded"), num(audit, "records_counted") + num(audit, "records_outside_period"));
    }
    fputs("<section class=\"cards\">\n", f);

    long long nctl = num(sum, "controls"), impl = num(sum, "implemented");
    long long ngaps = (long long)(json_array_size(json_object_get(gaps, "no_rule")) +
                                  json_array_size(json_object_get(gaps, "no_evidence")));
    char v[64];
    snprintf(v, sizeof v, "%lld / %lld", impl, nctl);
    card(f, "Controls implemented", impl == nctl ? "ok" : "bad", v);
    if (have_logs) {
        long long wev = num(sum, "with_evidence");
        snprintf(v, sizeof v, "%lld / %lld", wev, nctl);
        card(f, "Controls with evidence", wev == nctl ? "ok" : "bad", v);
        snprintf(v, sizeof v, "%lld", ngaps);
        card(f, "Gaps", ngaps ? "bad" : "ok", v);
        char g1[32], g2[32];
        card(f, "Decisions", "", grp(g1, num(tot, "decisions")));
        snprintf(v, sizeof v, "%s / %s", grp(g1, num(tot, "deny")), grp(g2, num(tot, "confirm")));
        card(f, "Denied / confirmed", "", v);
        int ok = json_is_true(json_object_get(audit, "verified"));
        card(f, "Audit trail", ok ? "ok" : "bad", ok ? "verified" : "NOT verified");
    } else {
        snprintf(v, sizeof v, "%lld", ngaps);
        card(f, "Gaps (no rule)", ngaps ? "bad" : "ok", v);
    }
    fputs("</section>\n", f);

    if (have_logs) {
        fputs("<section><h2>Decisions per day</h2>\n", f);
        chart_days(f, json_object_get(m, "per_day"));
        fputs("</section>\n", f);
    }
    fputs(have_logs ? "<section><h2>Evidence per control</h2>\n<p class=\"muted\">Decisions in the period in which "
                      "a rule implementing the control fired (trail controls: every decision).</p>\n"
                    : "<section><h2>Controls</h2>\n",
          f);
    chart_controls(f, controls, have_logs);
    fputs("</section>\n<section><h2>Control mapping</h2>\n", f);
    table_controls(f, controls, have_logs);
    fputs("</section>\n<section><h2>Gaps</h2>\n<p>Controls with no implementing rule:", f);
    list_ids(f, json_object_get(gaps, "no_rule"));
    fputs("</p>\n", f);
    if (have_logs) {
        fputs("<p>Controls with no evidence in the period:", f);
        list_ids(f, json_object_get(gaps, "no_evidence"));
        fputs("</p>\n", f);
    }
    const json_t *oos = json_object_get(m, "out_of_scope_tags");
    if (json_array_size(oos)) {
        fputs("<p>Tags of this framework outside the report's scope:</p><ul>", f);
        for (size_t i = 0; i < json_array_size(oos); i++) {
            const json_t *t = json_array_get(oos, i), *rl = json_object_get(t, "rules");
            fputs("<li><b>", f);
            put_text(f, str(t, "tag"));
            fputs("</b>:", f);
            for (size_t k = 0; k < json_array_size(rl); k++) {
                fputs(k ? ", <code>" : " <code>", f);
                put_text(f, json_string_value(json_array_get(rl, k)));
                fputs("</code>", f);
            }
            fputs("</li>", f);
        }
        fputs("</ul>\n", f);
    }
    fputs("</section>\n", f);
    section_rules(f, json_object_get(m, "rules"), have_logs);
    section_recent(f, json_object_get(m, "recent"));
    section_audit(f, audit, period);
    fputs("<p class=\"muted\">cmdai-policy compliance report, format 1. The trail records each decision; it does not "
          "record how a person answered a confirmation prompt.</p>\n</main></body></html>\n",
          f);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
