#!/usr/bin/env bash
# report.sh — `cmdai-policyc report`: the JSON figures of every framework
# checked against counts computed here from the sample audit log
# (tests/golden/report/audit.log, made by make-fixture.sh with the real
# writer) and the fixture policy's tags; the HTML page well-formed, with two
# charts, no script or external asset, and a hostile command escaped; a
# tampered, a forged and a foreign-key trail reported as unverified and not
# counted past the first bad line; a live trail written by `cmdai-policy
# audit record`; bad inputs with their exit codes.  Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
G="$ROOT/tests/golden/report"
cd "$TMP"

"$CC" build "$G/policy.yaml" -o policy.cpb 2> /dev/null
LOG="$G/audit.log"

# figures.py FRAMEWORK REPORT.json LOG... [--since D] [--until D]: recompute
# every count of the report from the log lines and the policy's tags.
cat > figures.py <<'PY'
import json, os, sys, subprocess, collections, yaml
fw, rep_path, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
since = until = None
logs = []
while rest:
    a = rest.pop(0)
    if a == "--since": since = rest.pop(0)
    elif a == "--until": until = rest.pop(0)
    else: logs.append(a)
rep = json.load(open(rep_path))
pol = yaml.safe_load(open(os.environ["REPORT_POLICY"]))
ctl = [l.split("\t") for l in subprocess.run([os.environ["REPORT_CC"], "report", "--framework", fw,
       "--list-controls"], capture_output=True, text=True, check=True).stdout.splitlines() if not l.startswith("#")]
ids = [c[0] for c in ctl]
kind = {c[0]: c[1] for c in ctl}
def control_of(tag):
    f, _, c = tag.partition(":")
    if f != fw: return None
    for i in ids:
        if c == i or (c.startswith(i) and c[len(i)] in ".("): return i
    return None
impl = collections.defaultdict(set)
for r in pol["template"]["safety"]["rules"]:
    for t in r.get("compliance", []):
        c = control_of(t)
        if c: impl[c].add(r["id"])
recs = []
for path in logs:
    for line in open(path, encoding="utf-8"):
        r = json.loads(line)
        if r["type"] != "decision": continue
        d = r["time"][:10]
        if (since and d < since) or (until and d > until): continue
        recs.append(r)
errs = []
def eq(what, got, want):
    if got != want: errs.append(f"{what}: report {got!r}, recomputed {want!r}")
acts = ("allow", "warn", "confirm", "deny")
eq("decisions", rep["totals"]["decisions"], len(recs))
for a in acts:
    eq(f"totals.{a}", rep["totals"][a], sum(r["action"] == a for r in recs))
eq("records_counted", rep["audit"]["records_counted"], len(recs))
eq("verified", rep["audit"]["verified"], True)
days = collections.Counter((r["time"][:10], r["action"]) for r in recs)
for d in rep["per_day"]:
    for a in acts:
        eq(f'per_day {d["date"]} {a}', d[a], days[(d["date"], a)])
eq("days with records", sorted({d["date"] for d in rep["per_day"] if any(d[a] for a in acts)}),
   sorted({r["time"][:10] for r in recs}))
if recs:
    eq("period.from", rep["period"]["from"], since or min(r["time"] for r in recs))
    eq("period.to", rep["period"]["to"], until or max(r["time"] for r in recs))
no_rule, no_ev = [], []
for c in rep["controls"]:
    i = c["id"]
    eq(f"{i} rules", sorted(c["rules"]), sorted(impl[i]))
    if kind[i] == "rules":
        mine = [r for r in recs if set(r["rules"]) & impl[i]]
    else:
        mine = recs
    eq(f"{i} decisions", c["evidence"]["decisions"], len(mine))
    for a in acts:
        eq(f"{i} {a}", c["evidence"][a], sum(r["action"] == a for r in mine))
    if kind[i] == "rules" and not impl[i]:
        no_rule.append(i); eq(f"{i} status", c["status"], "no_rule")
    elif not mine:
        no_ev.append(i); eq(f"{i} status", c["status"], "no_evidence")
    else:
        eq(f"{i} status", c["status"], "covered")
eq("controls listed", [c["id"] for c in rep["controls"]], ids)
eq("gaps.no_rule", rep["gaps"]["no_rule"], no_rule)
eq("gaps.no_evidence", rep["gaps"]["no_evidence"], no_ev)
for r in rep["rules"]:
    mine = [x for x in recs if r["id"] in x["rules"]]
    eq(f'rule {r["id"]}', r["evidence"]["decisions"], len(mine))
    eq(f'rule {r["id"]} deny', r["evidence"]["deny"], sum(x["action"] == "deny" for x in mine))
eq("rules listed", sorted(r["id"] for r in rep["rules"]), sorted(set().union(*impl.values())) if impl else [])
print("\n".join(errs)); sys.exit(1 if errs else 0)
PY
cp "$G/policy.yaml" policy.yaml
export REPORT_CC="$CC" REPORT_POLICY="$TMP/policy.yaml"

for fw in SOC2 ISO27001 HIPAA PCI-DSS; do
    expect_status 0 "$fw: JSON report of the sample log" "$CC" report --framework "$fw" --format json --key "$G/audit.pub" policy.cpb "$LOG"
    cp out "$fw.json"
    if python3 figures.py "$fw" "$fw.json" "$LOG" > fig.txt; then
        ok "$fw: every count equals the one recomputed from the log"
    else
        bad "$fw figures: $(head -20 fig.txt)"
    fi
done
python3 -c 'import json,sys; d=json.load(open("SOC2.json")); a=d["audit"]
sys.exit(0 if a["signatures"]=="verified" and a["signed_checkpoints"]>0 and a["records_counted"]==40 and d["gaps"]["no_evidence"]==["CC6.6"] and d["out_of_scope_tags"]==[{"tag":"SOC2:CC9.2","rules":["net.insecure-tls"]}] else 1)' &&
    ok "SOC2: signatures verified, 40 records, CC6.6 without evidence, CC9.2 out of scope" || bad "SOC2 summary: $(head -c 600 SOC2.json)"

expect_status 0 "--since/--until narrow the period" "$CC" report --framework PCI-DSS --format json --since 2026-11-18 --until 2026-11-21 policy.cpb "$LOG"
cp out period.json
python3 figures.py PCI-DSS period.json "$LOG" --since 2026-11-18 --until 2026-11-21 > fig.txt && ok "period counts recomputed" || bad "period: $(head -20 fig.txt)"
python3 -c 'import json,sys; a=json.load(open("period.json"))["audit"]; sys.exit(0 if a["records_outside_period"]>0 and a["records_outside_period"]+a["records_counted"]==40 else 1)' &&
    ok "records outside the period are set apart" || bad "outside: $(head -c 400 period.json)"

# ---- HTML ------------------------------------------------------------------
expect_status 0 "HTML report to a file" "$CC" report --framework SOC2 -o report.html --key "$G/audit.pub" policy.cpb "$LOG"
cat > html_check.py <<'PY'
import sys
from html.parser import HTMLParser
VOID = {"meta", "br", "img", "input", "hr", "link", "rect", "line", "circle", "path"}
class P(HTMLParser):
    def __init__(s):
        super().__init__(convert_charrefs=True); s.stack = []; s.errs = []; s.tags = []; s.text = []
    def handle_starttag(s, t, a):
        s.tags.append((t, dict(a)))
        if t not in VOID: s.stack.append(t)
    def handle_startendtag(s, t, a): s.tags.append((t, dict(a)))
    def handle_endtag(s, t):
        if t in VOID: return
        if not s.stack or s.stack[-1] != t: s.errs.append(f"</{t}> closes <{s.stack[-1] if s.stack else None}>")
        else: s.stack.pop()
    def handle_data(s, d): s.text.append(d)
raw = open(sys.argv[1], encoding="utf-8").read()
p = P(); p.feed(raw); p.close()
errs = p.errs + ([f"unclosed {p.stack}"] if p.stack else [])
names = [t for t, _ in p.tags]
if names.count("svg") < 2: errs.append(f"{names.count('svg')} svg charts")
if "script" in names or "link" in names or "iframe" in names or "img" in names: errs.append("script/link/iframe/img element")
for t, a in p.tags:
    for k in ("src", "href") + tuple(k for k in a if k.startswith("on")):
        if k in a: errs.append(f"<{t} {k}=...>")
text = "".join(p.text)
hostile = "echo '<script>alert(1)</script><img src=x onerror=alert(2)>' \"&amp;\""
if hostile not in text: errs.append("the hostile command is not shown as text")
if "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" not in raw: errs.append("not escaped")
if "&amp;amp;" not in raw: errs.append("& not escaped")
if "GITHUB_TOKEN=[REDACTED]" not in text or "ghp_" in raw: errs.append("secret")
for want in ("Decisions per day", "Evidence per control", "CC6.1", "fs.rm-root", "Hash chain verified"):
    if want not in text: errs.append(f"missing {want!r}")
print("\n".join(errs)); sys.exit(1 if errs else 0)
PY
python3 html_check.py report.html > html.txt && ok "HTML well-formed, 2+ SVG charts, no script/external asset, hostile command escaped" ||
    bad "HTML: $(head -20 html.txt)"
expect_status 0 "HTML report without logs" "$CC" report --framework HIPAA policy.cpb
grep -q 'No audit log given' out && ok "without logs the page says so" || bad "no-log page"

# ---- tampered trails -------------------------------------------------------
# Edit one decision in the middle: the chain breaks at that line.
python3 - "$LOG" edited.log <<'PY'
import sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines(True)
dec = [i for i, l in enumerate(lines) if '"type":"decision"' in l and '"action":"allow"' in l]
i = dec[len(dec) // 2]
lines[i] = lines[i].replace('"action":"allow"', '"action":"deny"', 1)
open(sys.argv[2], "w", encoding="utf-8").write("".join(lines))
open("edited.line", "w").write(str(i + 1))
PY
expect_status 65 "an edited record: exit 65" "$CC" report --framework SOC2 --format json policy.cpb edited.log
cp out edited.json
grep -q 'does not verify' err && ok "stderr says the trail does not verify" || bad "stderr: $(cat err)"
python3 - edited.json edited.log "$(cat edited.line)" <<'PY' && ok "only the records before the edited line are counted" || bad "edited: $(head -c 600 edited.json)"
import json, sys
d = json.load(open(sys.argv[1])); a = d["audit"]; n = int(sys.argv[3])
lines = open(sys.argv[2]).read().splitlines()
before = sum('"type":"decision"' in l for l in lines[:n - 1])
after = sum('"type":"decision"' in l for l in lines[n - 1:])
ok = (a["verified"] is False and a["records_counted"] == before == d["totals"]["decisions"]
      and a["records_excluded"] == after and a["error"].startswith(f"{sys.argv[2]}:{n}:"))
sys.exit(0 if ok else 1)
PY
expect_status 65 "the HTML of an edited trail is written too" "$CC" report --framework SOC2 -o edited.html policy.cpb edited.log
grep -q 'NOT VERIFIED' edited.html && ok "the page says NOT VERIFIED" || bad "edited page"

# A forged trail: the edit and every later hash recomputed.  The chain holds;
# only the checkpoint signatures (with --key) expose it.
python3 - edited.log forged.log <<'PY'
import hashlib, re, sys
out, prev = [], "0" * 64
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    l = re.sub(r'^(\{"seq":\d+,"prev":")[0-9a-f]{64}', lambda m: m.group(1) + prev, l)
    body = l[: l.rindex(',"hash":"')]
    prev = hashlib.blake2b(body.encode(), digest_size=32).hexdigest()
    out.append(body + ',"hash":"' + prev + '"}\n')
open(sys.argv[2], "w", encoding="utf-8").write("".join(out))
PY
expect_status 0 "a forged trail without --key verifies (the documented limit)" "$CC" report --framework SOC2 --format json policy.cpb forged.log
expect_status 77 "a forged trail with --key: exit 77" "$CC" report --framework SOC2 --format json --key "$G/audit.pub" policy.cpb forged.log
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["audit"]; sys.exit(0 if not a["verified"] and a["signatures"]=="failed" and a["records_counted"]<40 else 1)' out &&
    ok "forged: unverified, signatures failed, not all counted" || bad "forged: $(head -c 500 out)"
"$CC" keygen -p other.pub -s other.key > /dev/null
expect_status 65 "checkpoints signed by another key: exit 65" "$CC" report --framework SOC2 --format json --key other.pub policy.cpb "$LOG"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1]))["audit"]; sys.exit(0 if a["signatures"]=="other key" and a["records_counted"]==0 else 1)' out &&
    ok "another key: nothing counted" || bad "other key: $(head -c 500 out)"

# ---- a live trail from the real writer ------------------------------------
"$CC" keygen -p b.pub -s b.key > /dev/null
"$CC" keygen -p a.pub -s a.key > /dev/null
"$CC" build policy.yaml -o live.cpb -s b.key --serial 7 2> /dev/null
for c in "ls" "rm -rf /" "git push -f" "curl -k https://x/"; do
    "$RT" audit record --log live.log --key a.key --bundle live.cpb --trust b.pub --state state -- "$c" > /dev/null || true
done
expect_status 0 "report of a trail written by audit record" "$CC" report --framework ISO27001 --format json --key a.pub live.cpb live.log
cp out live.json
python3 figures.py ISO27001 live.json live.log > fig.txt && ok "live trail: counts recomputed" || bad "live: $(head -20 fig.txt)"
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["totals"]; sys.exit(0 if (t["decisions"],t["deny"],t["confirm"],t["warn"],t["allow"])==(4,1,1,1,1) else 1)' live.json &&
    ok "live trail: 4 decisions, one of each" || bad "live totals: $(head -c 400 live.json)"

# ---- the control lists: docs and lint's id lists agree ---------------------
for fw in SOC2 ISO27001 HIPAA PCI-DSS; do
    "$CC" report --framework "$fw" --list-controls | grep -v '^#' | cut -f1 > "ids.$fw"
    sed -n 's/^| `\([^`]*\)` |.*/\1/p' "$ROOT/docs/compliance/$fw.md" > "doc.$fw" 2> /dev/null || true
    if diff -u "ids.$fw" "doc.$fw" > d.txt; then ok "$fw: docs/compliance/$fw.md lists the report's controls"; else bad "$fw docs: $(cat d.txt)"; fi
    ctl="$ROOT/docs/compliance/controls/$fw.txt"
    if [ -f "$ctl" ]; then
        missing=$(grep -vxFf <(grep -v '^#' "$ctl") "ids.$fw" || true)
        [ -z "$missing" ] && ok "$fw: every control is a known id of controls/$fw.txt" || bad "$fw unknown ids: $missing"
    fi
done

# Same inputs and $SOURCE_DATE_EPOCH: the same bytes (reports can be archived and diffed).
SOURCE_DATE_EPOCH=1764000000 "$CC" report --framework SOC2 -o r1.html policy.cpb "$LOG" 2> /dev/null
SOURCE_DATE_EPOCH=1764000000 "$CC" report --framework SOC2 -o r2.html policy.cpb "$LOG" 2> /dev/null
cmp -s r1.html r2.html && grep -q 'generated 2025-11-24T16:00:00Z' r1.html && ok "reproducible with SOURCE_DATE_EPOCH" ||
    bad "two runs differ or the time stamp is not SOURCE_DATE_EPOCH"

# ---- bad inputs ------------------------------------------------------------
expect_status 0 "report --help" "$CC" report --help
grep -q '^usage: cmdai-policyc report' out && grep -q '^Exit status' out && ok "--help shows usage and exit statuses" || bad "--help: $(head -3 out)"
expect_status 64 "unknown framework" "$CC" report --framework NIST policy.cpb "$LOG"
expect_status 64 "unknown option" "$CC" report --framework SOC2 --frobnicate policy.cpb
expect_status 64 "bad --recent" "$CC" report --framework SOC2 --recent -3 policy.cpb "$LOG"
expect_status 64 "no framework" "$CC" report policy.cpb "$LOG"
expect_status 64 "bad --format" "$CC" report --framework SOC2 --format pdf policy.cpb "$LOG"
expect_status 64 "bad --since" "$CC" report --framework SOC2 --since 2026-13-45 policy.cpb "$LOG"
expect_status 64 "--since after --until" "$CC" report --framework SOC2 --since 2026-11-22 --until 2026-11-01 policy.cpb "$LOG"
expect_status 64 "no bundle" "$CC" report --framework SOC2
expect_status 66 "missing audit log, no output written" "$CC" report --framework SOC2 -o missing.html policy.cpb "$LOG" nope.log
[ ! -e missing.html ] && ok "no partial report" || bad "missing.html was written"
grep -q 'nope.log' err && ok "the missing file is named" || bad "stderr: $(cat err)"
expect_status 66 "missing bundle" "$CC" report --framework SOC2 nope.cpb "$LOG"
printf 'CMDAICPB garbage' > bad.cpb
expect_status 67 "malformed bundle" "$CC" report --framework SOC2 bad.cpb "$LOG"
printf 'not an audit record\n' > junk.log
expect_status 65 "a file that is not an audit trail" "$CC" report --framework SOC2 --format json policy.cpb junk.log
expect_status 66 "missing --key file" "$CC" report --framework SOC2 --key nope.pub policy.cpb "$LOG"

finish
