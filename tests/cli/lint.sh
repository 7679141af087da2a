#!/usr/bin/env bash
# lint.sh — every lint code (docs/lint.md) on its own small template under
# tests/golden/lint/CODE/:
#   input.yaml       triggers CODE (with the options in `args`, if any):
#                    text output (stderr + stdout) = expected.txt, JSON = expected.json,
#                    and the exit status is 65 when CODE is an error there;
#   suppressed.yaml  the same with a `# cmdai-lint: ignore CODE reason: ...`
#                    comment: exit 0, CODE only as a suppressed finding (JSON)
#                    with the comment's reason.
# Then: SARIF of all of them validates against the SARIF 2.1.0 schema
# (tests/sarif/), --format github, --error-on / --severity, --list-codes =
# the codes documented in docs/lint.md, and the shipped templates lint clean.
# UPDATE_GOLDEN=1 rewrites expected.* (review the diff before committing).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
G="$ROOT/tests/golden/lint"

golden() { # name produced golden
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        cp "$2" "$3"
        ok "$1 (golden rewritten)"
    elif [ ! -f "$3" ]; then
        bad "$1: no golden $3 (run with UPDATE_GOLDEN=1)"
    elif diff -u "$3" "$2" > "$TMP/diff"; then
        ok "$1"
    else
        bad "$1: differs from $3"
        sed 's/^/     /' "$TMP/diff" | head -30
    fi
}

codes=$("$CC" lint --list-codes | awk '{print $1}')
[ "$(echo "$codes" | wc -l)" -ge 15 ] && ok "--list-codes lists $(echo "$codes" | wc -l) codes" || bad "--list-codes: $codes"

for code in $codes; do
    d="$G/$code"
    if [ ! -f "$d/input.yaml" ]; then
        bad "$code: no golden template $d/input.yaml"
        continue
    fi
    args=()
    [ -f "$d/args" ] && read -r -a args < "$d/args"
    cd "$d"
    set +e
    "$CC" lint "${args[@]}" input.yaml > "$TMP/out" 2> "$TMP/err"
    rc=$?
    "$CC" lint "${args[@]}" --format json input.yaml > "$TMP/json" 2> "$TMP/jerr"
    jrc=$?
    set -e
    cd "$ROOT"
    cat "$TMP/err" "$TMP/out" > "$TMP/text"
    golden "$code text" "$TMP/text" "$d/expected.txt"
    golden "$code json" "$TMP/json" "$d/expected.json"
    sev=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["files"][0]["findings"] if x["code"] == sys.argv[2] and not x["suppressed"]]
print(f[0]["severity"] if f else "absent")' "$TMP/json" "$code")
    case $sev in
    absent) bad "$code: input.yaml does not trigger it" ;;
    error)
        want=65
        [ "$code" = CP1002 ] && want=66 # cannot be read: 66, like every verb
        [ "$rc" = $want ] && [ "$jrc" = $want ] && ok "$code: error, exit $want" || bad "$code: error but exit $rc/$jrc"
        ;;
    *) ok "$code: triggered ($sev)" ;;
    esac
    [ -s "$TMP/jerr" ] && bad "$code: --format json wrote to stderr: $(head -c 200 "$TMP/jerr")"
    [ -f "$d/suppressed.yaml" ] || continue
    cd "$d"
    set +e
    "$CC" lint "${args[@]}" --format json suppressed.yaml > "$TMP/sjson" 2> /dev/null
    src=$?
    set -e
    cd "$ROOT"
    reason=$(sed -n 's/.*cmdai-lint: ignore[a-z-]* [A-Z0-9, ]*reason: //p' "$d/suppressed.yaml")
    if python3 - "$TMP/sjson" "$code" "$reason" <<'PY'; then
import json, sys
d = json.load(open(sys.argv[1]))
f = d["files"][0]["findings"]
sup = [x for x in f if x["code"] == sys.argv[2]]
assert sup and all(x["suppressed"] and x["reason"] == sys.argv[3] for x in sup), f
assert not [x for x in f if not x["suppressed"] and x["severity"] == "error"], f
assert d["files"][0]["ok"], d
PY
        [ "$src" = 0 ] && ok "$code: suppressed with its reason, exit 0" || bad "$code: suppressed but exit $src"
    else
        bad "$code: suppressed.yaml: $(head -c 600 "$TMP/sjson")"
    fi
done

# ---- SARIF 2.1.0 ------------------------------------------------------------------------
cd "$G"
set +e
"$CC" lint --format sarif --severity CP4004=error --severity CP4005=error */input.yaml */suppressed.yaml \
    > "$TMP/sarif.json" 2> "$TMP/serr"
set -e
cd "$ROOT"
if python3 - "$ROOT/tests/sarif/sarif-schema-2.1.0.json" "$TMP/sarif.json" <<'PY' > "$TMP/sv" 2>&1; then
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validators.validator_for(schema)(schema).validate(doc)
res = doc["runs"][0]["results"]
rules = doc["runs"][0]["tool"]["driver"]["rules"]
assert len(res) > 20, len(res)
for r in res:
    assert rules[r["ruleIndex"]]["id"] == r["ruleId"], r
assert any(r.get("suppressions") for r in res)
print(len(res), "results,", len(rules), "rules")
PY
    ok "SARIF validates against the SARIF 2.1.0 schema ($(cat "$TMP/sv"))"
else
    bad "SARIF: $(tail -c 800 "$TMP/sv")"
fi
# The validator really rejects: a result without a message is not SARIF.
python3 - "$TMP/sarif.json" "$TMP/broken.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
del doc["runs"][0]["results"][0]["message"]
json.dump(doc, open(sys.argv[2], "w"))
PY
if python3 -c '
import json, sys, jsonschema
s = json.load(open(sys.argv[1])); jsonschema.validators.validator_for(s)(s).validate(json.load(open(sys.argv[2])))' \
    "$ROOT/tests/sarif/sarif-schema-2.1.0.json" "$TMP/broken.json" 2> /dev/null; then
    bad "the schema accepts a result without a message"
else
    ok "the schema rejects a result without a message"
fi

# ---- CP2003 claims hold at run time ------------------------------------------------------
# Overlapping rules; every "r is shadowed by s" lint claims is checked on the corpus and a few
# commands: a command on which r fires must fire s (0 counterexamples), and the expected claims
# are all there (b by a, e by g through the pipeline, h by i across actions ...), the ones that
# would be wrong are not (j by k: k's action is weaker).
mkdir -p "$TMP/sh"
cat > "$TMP/sh/s.yaml" <<'YAML'
template:
  name: s
  version: 1.0.0
  safety:
    rules:
      - {id: a, match: 'rm ...', risk: high, action: deny}
      - {id: b, match: 'rm -r ...', risk: high, action: confirm}
      - {id: c, match: 'git push ...', risk: low, action: warn}
      - {id: d, match: 'git push --force ...', risk: low, action: warn}
      - {id: e, match: 'curl ... | sh', risk: high, action: deny}
      - {id: f, match: 'sh ...', risk: high, action: confirm}
      - {id: g, match: '{sh,bash} ...', risk: high, action: deny}
      - {id: h, match: 'chmod -R ... /', risk: low, action: warn}
      - {id: i, match: 'chmod ...', risk: high, action: confirm}
      - {id: j, match: 'docker run --privileged ...', risk: high, action: deny}
      - {id: k, match: 'docker run ...', risk: high, action: confirm}
      - {id: l, match: 'rm -rf / or rm -rf ~', risk: high, action: deny}
      - {id: m, match: 'git {push,pull} ... and not git pull ...', risk: low, action: warn}
YAML
(
    cd "$TMP/sh"
    "$CC" lint --severity CP4001=off --severity CP4002=off --format json s.yaml > claims.json || true
    "$CC" keygen -p k.pub -s k.key > /dev/null 2>&1 < /dev/null
    "$CC" build s.yaml -o s.cpb -s k.key 2> /dev/null
    { grep -hv -e '^#' -e '^$' "$ROOT"/tests/corpus/*.txt
      printf '%s\n' 'rm -r x' 'rm -rf /' 'git push --force origin' 'curl x | sh' 'sh -c ls' 'chmod -R 777 /' \
          'git push' 'git pull' 'docker run --privileged x' 'docker run x'; } > cmds.txt
    "$RT" check --bundle s.cpb --trust k.pub --state . --no-daemon --batch < cmds.txt > out.jsonl
)
if python3 - "$TMP/sh/claims.json" "$TMP/sh/out.jsonl" > "$TMP/sh/why" 2>&1 <<'PY'; then
import json, re, sys
d = json.load(open(sys.argv[1]))
claims = set()
for f in d["files"][0]["findings"]:
    if f["code"] == "CP2003":
        m = re.match(r"rule '(\w+)' .* shadowed by rule '(\w+)'", f["message"])
        claims.add((m.group(1), m.group(2)))
want = {("b", "a"), ("d", "c"), ("e", "g"), ("f", "g"), ("h", "i"), ("l", "a"), ("m", "c")}
assert claims == want, sorted(claims)
seen = {r: 0 for r, _ in claims}
n = 0
for line in open(sys.argv[2]):
    v = json.loads(line)
    n += 1
    rs = set(v.get("rules", []))
    for r, s in claims:
        if r in rs:
            seen[r] += 1
            assert s in rs, (v["command"], r, s)
assert all(seen.values()), seen
print(f"{len(claims)} claims, {n} commands, {sum(seen.values())} firings of a shadowed rule, 0 counterexamples")
PY
    ok "CP2003: $(cat "$TMP/sh/why")"
else
    bad "CP2003 claims: $(tail -c 600 "$TMP/sh/why")"
fi

# ---- --format github --------------------------------------------------------------------
cd "$G/CP2003"
set +e
"$CC" lint --format github input.yaml > "$TMP/gh" 2> "$TMP/gherr"
rc=$?
"$CC" lint --format github --error-on warning input.yaml > /dev/null 2>&1
rcw=$?
set -e
cd "$ROOT"
grep -q '^::warning file=input.yaml,line=12,col=9,title=CP2003 rule-shadowed::rule .narrow. (confirm) is shadowed by rule .broad.' "$TMP/gh" &&
    ok "github: ::warning file=...,line=...,col=...::" || bad "github: $(cat "$TMP/gh" "$TMP/gherr")"
[ "$rc" = 0 ] && [ "$rcw" = 65 ] && ok "a warning passes by default, fails with --error-on warning" ||
    bad "--error-on: exit $rc / $rcw"
cd "$G/CP4001"
set +e
"$CC" lint --format github input.yaml > "$TMP/gh" 2> /dev/null
rc=$?
"$CC" lint --severity CP4001=warning input.yaml > /dev/null 2>&1
rcs=$?
"$CC" lint --severity CP4001=off --format json input.yaml > "$TMP/off.json" 2>&1
rco=$?
set -e
cd "$ROOT"
grep -q '^::error file=input.yaml,line=7,col=9,title=CP4001 rule-without-match-case::' "$TMP/gh" && [ "$rc" = 65 ] &&
    ok "github: ::error, exit 65" || bad "github error: $rc $(cat "$TMP/gh")"
[ "$rcs" = 0 ] && [ "$rco" = 0 ] && ! grep -q CP4001 "$TMP/off.json" && ok "--severity CODE=warning / off" ||
    bad "--severity: $rcs $rco $(cat "$TMP/off.json")"
expect_status 64 "--severity with an unknown code" "$CC" lint --severity CP9999=off "$G/CP4001/input.yaml"
expect_status 64 "--format xml" "$CC" lint --format xml "$G/CP4001/input.yaml"
expect_status 66 "missing file" "$CC" lint "$TMP/nope.yaml"

# ---- docs/lint.md documents every code, with an example and a fix -----------------------
for code in $codes; do
    sec=$(awk -v c="$code" '$0 ~ "^### "c {on=1; next} /^### / {on=0} on' "$ROOT/docs/lint.md")
    if [ -n "$sec" ] && grep -q '```' <<< "$sec" && grep -qi 'fix' <<< "$sec"; then
        ok "docs/lint.md: $code with an example and a fix"
    else
        bad "docs/lint.md: no section '### $code' with an example and how to fix"
    fi
done

# ---- the shipped templates lint clean ----------------------------------------------------
expect_status 0 "the shipped templates lint clean (default settings)" "$CC" lint --stdlib "$ROOT/stdlib-templates" \
    "$ROOT"/stdlib-templates/*.yaml
[ "$(grep -c ': ok (' "$TMP/out")" = "$(ls "$ROOT"/stdlib-templates/*.yaml | wc -l)" ] && [ ! -s "$TMP/err" ] &&
    ok "no finding at all on the shipped templates" || bad "stdlib findings: $(head -c 1500 "$TMP/err")"

finish
