#!/usr/bin/env bash
# build.sh — cmdai-policyc build / test / inspect / explain / keygen / sign /
# verify: a failed build never leaves a partial bundle, builds and signatures
# are reproducible, a stock `minisign -V` verifies what `sign` and `build -s`
# wrote, `test` fails on a failing or missing test, and inspect/explain show
# what they promise.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'chmod -R u+w "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
mkdir "$TMP/work"
cd "$TMP/work" # captured output stays in $TMP, outside the work dir
unset SOURCE_DATE_EPOCH CMDAI_KEY_PASSWORD


# Nothing but what was there: no .cpb, no .minisig, no temp file.
expect_empty_dir() {
    local left
    left=$(ls -A "$2")
    if [ -z "$left" ]; then ok "$1: nothing written"; else bad "$1: left behind: $left"; fi
}

cat > small.yaml <<'EOF'
template:
  name: small
  version: 2.1.0
  safety:
    rules:
      - id: fs.rm-root
        match: rm -r ... /
        risk: critical
        action: deny
        message: Recursive delete of the root
      - id: git.force-push
        match: git push ... {-f,--force}
        risk: moderate
        action: warn
  tests:
    deny: ["rm -rf /"]
    warn: ["git push -f origin main"]
    allow: ["rm -rf ./build"]
EOF
"$CC" keygen -p k.pub -s k.key > /dev/null
"$CC" keygen -p other.pub -s other.key > /dev/null

# ---- keygen ----------------------------------------------------------------------
[ "$(stat -c %a k.key)" = 600 ] && ok "keygen: secret key is mode 600" || bad "secret key mode $(stat -c %a k.key)"
cp k.pub k.pub.orig
expect_status 73 "keygen refuses to overwrite without --force" "$CC" keygen -p k.pub -s k.key
cmp -s k.pub k.pub.orig && ok "keygen: the existing key is untouched" || bad "keygen overwrote k.pub"
expect_status 0 "keygen --force into new files" "$CC" keygen -p k2.pub -s k2.key --force

# ---- build never leaves a partial bundle ----------------------------------------------
mkdir out
expect_status 73 "build into a missing directory" "$CC" build small.yaml -o out/missing/x.cpb
expect_empty_dir "build into a missing directory" out
mkdir out/isdir.cpb
expect_status 73 "build onto a directory" "$CC" build small.yaml -o out/isdir.cpb
[ -d out/isdir.cpb ] && [ -z "$(ls -A out/isdir.cpb)" ] && [ "$(ls -A out)" = isdir.cpb ] &&
    ok "build onto a directory: nothing written" || bad "build onto a directory left: $(ls -A out)"
rmdir out/isdir.cpb
if [ "$(id -u)" != 0 ]; then
    mkdir ro && chmod 555 ro
    expect_status 73 "build into a read-only directory" "$CC" build small.yaml -o ro/x.cpb
    expect_empty_dir "build into a read-only directory" ro
else
    skip "build into a read-only directory (running as root: permissions do not apply)"
fi
printf 'template:\n  name: broken\n  version: 1.0.0\n  safety:\n    rules:\n      - id: r1\n        match: rm {a,b\n        risk: high\n' > broken.yaml
expect_status 65 "build of a template with a DSL error" "$CC" build broken.yaml -o out/broken.cpb
grep -q '^broken.yaml:7:19: error: ' "$TMP/err" && ok "build error names broken.yaml:7:19" || bad "build error: $(cat "$TMP/err")"
expect_empty_dir "build of a broken template" out
expect_status 65 "build over the state budget" "$CC" build small.yaml -o out/x.cpb --max-states 3
grep -q 'more than 3 states' "$TMP/err" && ok "budget error says the budget" || bad "budget error: $(cat "$TMP/err")"
expect_empty_dir "build over the state budget" out
expect_status 66 "build -s with a missing secret key" "$CC" build small.yaml -o out/x.cpb -s nope.key
expect_empty_dir "build -s with a missing secret key" out
printf 'garbage\n' > bad.key
expect_status 67 "build -s with a malformed secret key" "$CC" build small.yaml -o out/x.cpb -s bad.key
expect_empty_dir "build -s with a malformed secret key" out
# A failed rebuild leaves the previous bundle and signature as they were.
"$CC" build small.yaml -o out/x.cpb -s k.key 2> /dev/null
cp out/x.cpb good.cpb
cp out/x.cpb.minisig good.minisig
expect_status 65 "rebuild with an error" "$CC" build broken.yaml -o out/x.cpb -s k.key
expect_status 66 "rebuild with a missing key" "$CC" build small.yaml -o out/x.cpb -s nope.key --serial 9
cmp -s out/x.cpb good.cpb && cmp -s out/x.cpb.minisig good.minisig &&
    ok "failed rebuilds leave the old bundle and signature intact" || bad "old bundle changed"
[ "$(ls -A out | sort | tr '\n' ' ')" = "x.cpb x.cpb.minisig " ] && ok "no temp files left in the output dir" ||
    bad "output dir holds: $(ls -A out)"

# A path that exists but is not a regular file is never replaced (outputs are
# renamed into place; as root `-o /dev/null` once replaced the device).  A FIFO
# in the temp dir stands in for the device, so a regression harms nothing.
mkfifo fifo.cpb fifo.pub
expect_status 73 "build onto a FIFO" "$CC" build small.yaml -o fifo.cpb
[ -p fifo.cpb ] && ok "build onto a FIFO: the FIFO is still there" || bad "fifo.cpb was replaced"
grep -q 'not a regular file' "$TMP/err" && ok "says it is not a regular file" || bad "fifo: $(cat "$TMP/err")"
expect_status 73 "keygen --force onto a FIFO" "$CC" keygen -p fifo.pub -s fifo.key --force
[ -p fifo.pub ] && [ ! -e fifo.key ] && ok "keygen onto a FIFO: nothing replaced or written" || bad "keygen replaced fifo.pub"
rm -f fifo.cpb fifo.pub

# ---- default output name ---------------------------------------------------------------
mkdir dflt
(cd dflt && "$CC" build ../small.yaml 2> /dev/null) && [ -f dflt/small.cpb ] &&
    ok "build without -o writes NAME.cpb" || bad "default output: $(ls dflt)"

# ---- reproducibility ---------------------------------------------------------------------
mkdir r1 r2
"$CC" build small.yaml -o r1/a.cpb -s k.key 2> /dev/null
"$CC" build small.yaml -o r2/b.cpb -s k.key 2> /dev/null
cmp -s r1/a.cpb r2/b.cpb && ok "two builds give byte-identical bundles" || bad "builds differ"
cmp -s r1/a.cpb.minisig r2/b.cpb.minisig && ok "two build -s give identical .minisig" || bad ".minisig differ"
grep -qx 'trusted comment: cmdai-policy bundle small 2.1.0 serial 1' r1/a.cpb.minisig &&
    ok "trusted comment holds name, version and serial only" || bad "trusted comment: $(sed -n 3p r1/a.cpb.minisig)"
SOURCE_DATE_EPOCH=1700000000 "$CC" build small.yaml -o r1/s.cpb 2> /dev/null
SOURCE_DATE_EPOCH=1700000000 "$CC" build small.yaml -o r2/s.cpb 2> /dev/null
cmp -s r1/s.cpb r2/s.cpb && ok "SOURCE_DATE_EPOCH builds are identical" || bad "SOURCE_DATE_EPOCH builds differ"
"$CC" inspect r1/s.cpb > "$TMP/out"
grep -q '^serial      1700000000$' "$TMP/out" && grep -q '^created     1700000000$' "$TMP/out" &&
    ok "SOURCE_DATE_EPOCH sets serial and created" || bad "inspect: $(head -6 "$TMP/out")"
"$CC" build small.yaml -o r1/t.cpb --serial 7 2> /dev/null
cmp -s r1/a.cpb r1/t.cpb && bad "a different serial gave the same bytes" || ok "a different serial gives different bytes"

# ---- signatures: ours and the stock minisign ------------------------------------------------
expect_status 0 "verify a build -s bundle" "$CC" verify -p k.pub r1/a.cpb
grep -q '^verified r1/a.cpb: small 2.1.0 serial 1, key ' "$TMP/out" && ok "verify prints name, version, serial, key" ||
    bad "verify: $(cat "$TMP/out")"
if command -v minisign > /dev/null; then
    expect_status 0 "minisign -V verifies build -s" minisign -Vm r1/a.cpb -p k.pub
    cp r1/t.cpb m.cpb
    expect_status 0 "cmdai-policyc sign" "$CC" sign -s k.key m.cpb
    expect_status 0 "minisign -V verifies sign" minisign -Vm m.cpb -p k.pub
    grep -q '^trusted comment: timestamp:[0-9]*	file:m.cpb$' m.cpb.minisig &&
        ok "sign's default trusted comment is timestamp and file" || bad "comment: $(sed -n 3p m.cpb.minisig)"
    expect_status 0 "sign -t COMMENT" "$CC" sign -s k.key -t "release 7" m.cpb
    expect_status 0 "minisign -V verifies sign -t" minisign -Vm m.cpb -p k.pub
    grep -q 'release 7' "$TMP/out" && ok "minisign shows our trusted comment" || bad "minisign output: $(cat "$TMP/out")"
    expect_status 0 "minisign -V -H (prehashed required)" minisign -VHm m.cpb -p k.pub
    python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[100] ^= 1; open(p, "wb").write(b)' m.cpb
    expect_status 1 "minisign -V refuses a flipped byte" minisign -Vm m.cpb -p k.pub
    expect_status 77 "verify refuses a flipped byte" "$CC" verify -p k.pub m.cpb
    expect_status 78 "verify with another key" "$CC" verify -p other.pub r1/a.cpb
else
    skip "stock minisign not installed (apt-get install minisign)"
fi

# ---- test ----------------------------------------------------------------------------------
expect_status 0 "test core-safety" "$CC" test "$CORE"
grep -q '^[0-9]* passed, 0 failed$' "$TMP/out" && ok "test core-safety: all passed" || bad "test: $(tail -1 "$TMP/out")"
expect_status 0 "test small -v" "$CC" test -v small.yaml
[ "$(grep -c '^PASS ' "$TMP/out")" = 3 ] && grep -q '^PASS small.yaml:16:13: rm -rf / -> deny$' "$TMP/out" &&
    ok "test -v prints each PASS with file:line:column" || bad "test -v: $(cat "$TMP/out")"
sed 's/allow: \["rm -rf .\/build"\]/allow: ["rm -rf .\/build", "rm -r \/"]/' small.yaml > failing.yaml
expect_status 1 "test with a failing test" "$CC" test failing.yaml
grep -qx 'FAIL failing.yaml:18:32: expected allow, got deny: rm -r /  \[rules: fs.rm-root\]' "$TMP/out" &&
    grep -qx '3 passed, 1 failed' "$TMP/out" && ok "the failing test is named with file:line:column and rules" ||
    bad "test output: $(cat "$TMP/out")"
sed '/^  tests:/,$d' small.yaml > notests.yaml
expect_status 1 "test of a template without tests" "$CC" test notests.yaml
grep -q '^notests.yaml: error: template has no tests' "$TMP/err" && ok "says the template has no tests" ||
    bad "no-tests: $(cat "$TMP/err")"
expect_status 1 "test of a passing and a failing template" "$CC" test small.yaml failing.yaml
expect_status 65 "test of a broken template" "$CC" test broken.yaml
grep -q '^broken.yaml:7:19: error: ' "$TMP/err" && ok "test names the template error" || bad "test error: $(cat "$TMP/err")"

# ---- inspect ---------------------------------------------------------------------------------
"$CC" build small.yaml -o i.cpb --serial 12 --expires 4102444800 --scope fleet-a 2> /dev/null
expect_status 0 "inspect" "$CC" inspect i.cpb
for want in '^format      2\.0$' '^template    small 2\.1\.0 (scope fleet-a)$' '^serial      12$' '^expires     4102444800$' \
    '^defaults    default=allow dynamic=confirm$' '^automaton   [0-9]* states, [0-9]* byte classes' '^metadata    {' \
    '^rules       2$' '^  fs\.rm-root  *deny  *critical  *rm -r \.\.\. /$' '^  git\.force-push  *warn  *moderate '; do
    grep -q -- "$want" "$TMP/out" && ok "inspect shows /$want/" || bad "inspect lacks /$want/: $(cat "$TMP/out")"
done
expect_status 0 "inspect --json" "$CC" inspect --json i.cpb
if python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))
assert o["format"] == "2.0" and o["serial"] == 12 and o["expires"] == 4102444800, o
assert o["metadata"]["name"] == "small" and o["metadata"]["scope"] == "fleet-a", o["metadata"]
ids = [r["id"] for r in o["rules"]]
assert ids == ["fs.rm-root", "git.force-push"], ids
assert o["rules"][0]["action"] == "deny" and o["rules"][0]["risk"] == "critical"
assert o["states"] > 0 and o["bytes"] > 0
' "$TMP/out"; then ok "inspect --json parses and holds header, metadata and rules"; else bad "inspect --json content"; fi
head -c 100 i.cpb > trunc.cpb
expect_status 67 "inspect of a truncated bundle" "$CC" inspect trunc.cpb

# ---- explain -----------------------------------------------------------------------------------
expect_status 30 "explain from a template" "$CC" explain small.yaml -- "sudo rm -rf / ; git push -f"
for want in '^command: sudo rm -rf / ; git push -f$' '^  unit 1: ' '^    stage 1: deny (rule)$' \
    '^      deny    fs\.rm-root: Recursive delete of the root$' 'warn    git\.force-push' \
    '^verdict: deny (risk critical) — Recursive delete of the root$'; do
    grep -q -- "$want" "$TMP/out" && ok "explain shows /$want/" || bad "explain lacks /$want/: $(cat "$TMP/out")"
done
expect_status 10 "explain from a bundle (warn)" "$CC" explain i.cpb -- git push --force
expect_status 0 "explain an allowed command" "$CC" explain i.cpb -- ls -la
grep -q '^verdict: allow (risk none)' "$TMP/out" && ok "explain shows the allow verdict" || bad "explain: $(cat "$TMP/out")"
expect_status 65 "explain with a broken template" "$CC" explain broken.yaml -- ls

# ---- lint --------------------------------------------------------------------------------------
# small.yaml's rules have no rule-level cases (CP4001/CP4002, tested in lint.sh)
expect_status 0 "lint core-safety and small" "$CC" lint --severity CP4001=off --severity CP4002=off "$CORE" small.yaml
[ "$(grep -c ': ok (' "$TMP/out")" = 2 ] && ok "lint prints one ok line per template" || bad "lint: $(cat "$TMP/out")"

finish
