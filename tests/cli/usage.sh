#!/usr/bin/env bash
# usage.sh — the command lines themselves: --help of every verb (exit 0,
# "usage:" on stdout), unknown verbs and options (64), missing operands (64),
# missing files (66) for both programs.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"



# ---- --help ---------------------------------------------------------------
for v in lint build test inspect explain keygen sign verify; do
    expect_status 0 "cmdai-policyc $v --help" "$CC" "$v" --help
    if grep -q "^usage: cmdai-policyc $v" "$TMP/out" && [ ! -s "$TMP/err" ]; then
        ok "cmdai-policyc $v --help prints its usage on stdout"
    else
        bad "cmdai-policyc $v --help: stdout $(head -c 200 "$TMP/out")"
    fi
done
for h in --help -h help; do
    expect_status 0 "cmdai-policyc $h" "$CC" "$h"
    grep -q '^usage: cmdai-policyc <verb>' "$TMP/out" && ok "cmdai-policyc $h lists the verbs" ||
        bad "cmdai-policyc $h: no usage"
    expect_status 0 "cmdai-policy $h" "$RT" "$h"
    grep -q '^usage: cmdai-policy <verb>' "$TMP/out" && ok "cmdai-policy $h lists the verbs" ||
        bad "cmdai-policy $h: no usage"
done
expect_status 0 "cmdai-policy check --help" "$RT" check --help
grep -q '^usage: cmdai-policy check' "$TMP/out" && grep -q '80 rolled back' "$TMP/out" &&
    ok "cmdai-policy check --help shows usage and exit statuses" || bad "check --help output"
expect_status 0 "cmdai-policyc --version" "$CC" --version
grep -q '^cmdai-policyc [0-9]' "$TMP/out" && ok "cmdai-policyc --version prints a version" || bad "--version"
expect_status 0 "cmdai-policy version" "$RT" version
grep -q '^cmdai-policy [0-9]' "$TMP/out" && ok "cmdai-policy version prints a version" || bad "version"

# ---- usage errors: 64 -------------------------------------------------------
expect_status 64 "cmdai-policyc without a verb" "$CC"
expect_status 64 "cmdai-policy without a verb" "$RT"
expect_status 64 "cmdai-policyc unknown verb" "$CC" frobnicate
grep -q "unknown verb 'frobnicate'" "$TMP/err" && ok "unknown verb is named" || bad "unknown verb not named"
expect_status 64 "cmdai-policy unknown verb" "$RT" frobnicate
grep -q "unknown verb 'frobnicate'" "$TMP/err" && ok "unknown verb is named (runtime)" || bad "unknown verb not named"
for v in lint build test inspect explain keygen sign verify; do
    expect_status 64 "cmdai-policyc $v --no-such-option" "$CC" "$v" --no-such-option x
done
expect_status 64 "cmdai-policy check --no-such-option" "$RT" check --no-such-option -- ls
expect_status 64 "lint without a template" "$CC" lint
expect_status 64 "build without a template" "$CC" build
expect_status 64 "build with two templates" "$CC" build a.yaml b.yaml
expect_status 64 "test without a template" "$CC" test
expect_status 64 "inspect without a bundle" "$CC" inspect
expect_status 64 "explain without a command" "$CC" explain x.yaml
expect_status 64 "sign without a file" "$CC" sign
expect_status 64 "verify without a bundle" "$CC" verify
expect_status 64 "keygen with an operand" "$CC" keygen extra
expect_status 64 "build --serial -1" "$CC" build --serial -1 x.yaml
expect_status 64 "build --expires garbage" "$CC" build --expires tomorrow x.yaml
expect_status 64 "build --max-states 0" "$CC" build --max-states 0 x.yaml
expect_status 64 "build --dump other" "$CC" build --dump nfa x.yaml
expect_status 64 "check without a command" "$RT" check --bundle x.cpb
expect_status 64 "check --batch with a command" "$RT" check --bundle x.cpb --batch -- ls

# ---- missing files: 66 -------------------------------------------------------
expect_status 66 "lint missing template" "$CC" lint nope.yaml
grep -q '^nope.yaml: error: cannot open' "$TMP/err" && ok "lint names the missing file" || bad "lint message: $(cat "$TMP/err")"
expect_status 66 "build missing template" "$CC" build nope.yaml -o out.cpb
[ ! -e out.cpb ] && ok "build of a missing template writes nothing" || bad "out.cpb exists"
expect_status 66 "test missing template" "$CC" test nope.yaml
expect_status 66 "inspect missing bundle" "$CC" inspect nope.cpb
expect_status 66 "explain missing bundle" "$CC" explain nope.cpb -- ls
expect_status 66 "explain missing template" "$CC" explain nope.yaml -- ls
expect_status 66 "sign missing key" "$CC" sign -s nope.key nope.cpb
expect_status 66 "verify missing bundle" "$CC" verify -p nope.pub nope.cpb
expect_status 66 "check missing bundle" "$RT" check --bundle nope.cpb -- ls
grep -q 'nope.cpb: cannot open' "$TMP/err" && ok "check names the missing bundle" || bad "check message: $(cat "$TMP/err")"
expect_status 66 "check bundle from CMDAI_POLICY_BUNDLE" env CMDAI_POLICY_BUNDLE="$TMP/env.cpb" "$RT" check -- ls
grep -q 'env.cpb' "$TMP/err" && ok "CMDAI_POLICY_BUNDLE is the bundle used" || bad "env bundle: $(cat "$TMP/err")"

finish
