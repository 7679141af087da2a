#!/usr/bin/env bash
# audit.sh — `cmdai-policy audit record|verify|export` (docs/audit.md,
# docs/siem.md): a trail written by in-process decisions verifies with the
# audit key, every kind of tampering fails with exit 65 and FILE:LINE, secrets
# never reach the file, and every exporter emits its documented shape.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
unset CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_BUNDLE

"$CC" keygen -p team.pub -s team.key > /dev/null
"$CC" keygen -p audit.pub -s audit.key > /dev/null
"$CC" keygen -p other.pub -s other.key > /dev/null
"$CC" build "$CORE" -o policy.cpb -s team.key 2> /dev/null
export CMDAI_POLICY_TRUST=$TMP/team.pub CMDAI_POLICY_STATE=$TMP/state CMDAI_POLICY_BUNDLE=$TMP/policy.cpb

rec() { "$RT" audit record --log audit.log --key audit.key --session t1 --shell bash -- "$@" > /dev/null 2>&1 || true; }
rec ls -la
rec rm -rf /
rec psql --password=hunter2 -h db
rec curl -H 'Authorization: Bearer abcdef0123456789' https://bob:s3cret@example.com/
rec echo AKIAIOSFODNN7EXAMPLE
expect_status 30 "audit record answers with the verdict" "$RT" audit record --log audit.log --key audit.key -- rm -rf /
expect_status 64 "audit record without --log" "$RT" audit record -- ls

if grep -q -e hunter2 -e s3cret -e abcdef0123456789 -e AKIAIOSFODNN7EXAMPLE audit.log; then
    bad "a secret reached the audit log"
else
    ok "passwords, URL credentials, bearer tokens and AWS keys are redacted before writing"
fi
grep -q '"uid":'"$(id -u)" audit.log && grep -q '"session":"t1"' audit.log && grep -q '"bundle":{"name":"core-safety"' audit.log &&
    ok "records carry who, session and bundle identity" || bad "record fields: $(sed -n 2p audit.log)"

expect_status 0 "verify with the audit key" "$RT" audit verify --key audit.pub audit.log
grep -q '^ok: 6 decision records' "$TMP/out" && ok "verify counts 6 decisions" || bad "verify output: $(cat "$TMP/out")"
expect_status 0 "verify --sealed on a closed trail" "$RT" audit verify --sealed --key audit.pub audit.log
expect_status 65 "verify with another key" "$RT" audit verify --key other.pub audit.log
expect_status 66 "verify a missing file" "$RT" audit verify nope.log
expect_status 64 "verify without files" "$RT" audit verify

# tamper: each must fail with the right FILE:LINE
check_tamper() { # NAME WANT_LINE (edited copy in t.log)
    expect_status 65 "$1" "$RT" audit verify --key audit.pub t.log
    if grep -q "^t.log:$2: " "$TMP/err"; then ok "$1 reported at t.log:$2"; else bad "$1: $(cat "$TMP/err")"; fi
}
sed '5s/"uid":[0-9]*/"uid":4242/' audit.log > t.log; check_tamper "edited record" 5
sed '5d' audit.log > t.log; check_tamper "deleted record" 5
awk 'NR==6{h=$0;next} NR==7{print;print h;next}1' audit.log > t.log; check_tamper "reordered records" 6
head -c -20 audit.log > t.log; check_tamper "truncated mid-record" "$(wc -l < audit.log)"
sed '1d' audit.log > t.log; check_tamper "deleted genesis" 1
n=$(wc -l < audit.log)
head -n $((n - 1)) audit.log > t.log
expect_status 0 "dropping the closing checkpoint keeps a valid chain" "$RT" audit verify --key audit.pub t.log
expect_status 65 "... but --sealed detects the truncation" "$RT" audit verify --sealed --key audit.pub t.log

# exporters
for f in ecs ocsf splunk-hec datadog; do
    expect_status 0 "export --format $f" "$RT" audit export --format "$f" audit.log
    cp "$TMP/out" "exp.$f"
    if python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]; assert sum(1 for _ in open(sys.argv[1]))==6' "exp.$f"; then
        ok "$f: 6 JSON objects"
    else
        bad "$f output: $(head -c 300 "exp.$f")"
    fi
done
python3 - "$TMP" <<'PY' && ok "exporters map the documented fields" || bad "field mapping"
import json, sys
d = sys.argv[1]
ecs = [json.loads(l) for l in open(d + "/exp.ecs")]
deny = [e for e in ecs if e["cmdai"]["action"] == "deny"][0]
assert deny["event"]["outcome"] == "failure" and deny["rule"]["name"] == "fs.rm-recursive-root"
assert deny["process"]["command_line"] == "rm -rf /" and deny["user"]["id"].isdigit()
ocsf = [json.loads(l) for l in open(d + "/exp.ocsf")]
assert all(o["class_uid"] == 1007 and o["type_uid"] == 100701 for o in ocsf)
assert any(o["disposition_id"] == 2 for o in ocsf)
hec = [json.loads(l) for l in open(d + "/exp.splunk-hec")]
assert all(h["sourcetype"] == "cmdai:audit" and "event" in h for h in hec)
dd = [json.loads(l) for l in open(d + "/exp.datadog")]
assert any(x["status"] == "error" and "action:deny" in x["ddtags"] for x in dd)
PY
expect_status 0 "export --format syslog" "$RT" audit export --format syslog audit.log
if grep -Eqv '^<[0-9]{1,3}>1 [0-9T:.-]+Z [^ ]+ cmdai-policy - decision \[cmdai@32473 .*\] ' "$TMP/out"; then
    bad "syslog lines: $(head -2 "$TMP/out")"
else
    ok "syslog: RFC 5424 lines with structured data"
fi
grep -q '^<84>1 .* action="deny"' "$TMP/out" && ok "syslog: deny is authpriv.warning (84)" || bad "syslog pri: $(cat "$TMP/out")"
expect_status 64 "export without --format" "$RT" audit export audit.log
expect_status 64 "export with an unknown format" "$RT" audit export --format csv audit.log
expect_status 64 "audit with no subcommand" "$RT" audit

finish
