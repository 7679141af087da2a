#!/usr/bin/env bash
# diff.sh — `cmdai-policyc diff OLD NEW`: witnesses of every changed decision
# (each re-checked by `check` here too), CI exit codes, templates and bundles.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

cat > old.yaml <<'Y'
template:
  name: d
  version: 1.0.0
  lists:
    roots: ["/", "~"]
  safety:
    rules:
      - id: fs.rm-root
        match: rm {-r,-R} ... @roots
        risk: critical
        action: confirm
      - id: git.force
        match: git push {-f,--force}
        risk: high
        action: confirm
  tests:
    allow: [ls]
Y
# new: rm of roots denied and /etc added (stronger), force push only warns (weaker)
sed -e 's/action: confirm/action: deny/' -e 's|"/", "~"|"/", "~", "/etc"|' old.yaml |
    awk '/id: git.force/ { g = 1 } g && /action: deny/ { sub(/deny/, "warn"); g = 0 } { print }' > new.yaml

expect_status 0 "diff of two templates" "$CC" diff old.yaml new.yaml
grep -q ' witness(es): 1 weaker, 2 stronger$' "$TMP/out" && ok "counts weaker and stronger changes" || bad "summary: $(cat "$TMP/out")"
grep -q '^git push -f: confirm -> warn ' "$TMP/out" && ok "the weakened rule has a witness" || bad "no git witness: $(cat "$TMP/out")"
grep -q '^rm /etc -R: allow -> deny ' "$TMP/out" && ok "the grown list has a witness" || bad "no /etc witness: $(cat "$TMP/out")"

# Every witness really decides differently: check it against both policies.
"$CC" keygen -p k.pub -s k.key > /dev/null
"$CC" build old.yaml -o old.cpb -s k.key 2> /dev/null
"$CC" build new.yaml -o new.cpb -s k.key 2> /dev/null
export CMDAI_POLICY_STATE="$TMP/state"
while IFS= read -r line; do
    cmd=${line%%: *}
    want=${line#*: }
    want_old=${want%% -> *}
    rest=${want#* -> }
    want_new=${rest%% *}
    got_old=$("$RT" check --bundle old.cpb --trust k.pub -- "$cmd" | cut -d' ' -f1 || true)
    got_new=$("$RT" check --bundle new.cpb --trust k.pub -- "$cmd" | cut -d' ' -f1 || true)
    if [ "$got_old" = "$want_old" ] && [ "$got_new" = "$want_new" ]; then
        ok "witness '$cmd' checks: $got_old -> $got_new"
    else
        bad "witness '$cmd': check says $got_old -> $got_new, diff said $want_old -> $want_new"
    fi
done < <(grep ' -> ' "$TMP/out" | grep -v 'witness(es)')

expect_status 0 "diff of two bundles" "$CC" diff old.cpb new.cpb
grep -q '1 weaker, 2 stronger' "$TMP/out" && ok "bundles give the same answer" || bad "bundles: $(cat "$TMP/out")"
expect_status 1 "--fail-weaker fails when a decision weakens" "$CC" diff --fail-weaker old.yaml new.yaml
sed '0,/action: confirm/s//action: deny/' old.yaml > stronger.yaml # only rm gets stricter
expect_status 0 "--fail-weaker passes when decisions only get stronger" "$CC" diff --fail-weaker old.yaml stronger.yaml
expect_status 1 "--exit-code fails on any change" "$CC" diff --exit-code new.yaml old.yaml
expect_status 0 "identical policies" "$CC" diff --exit-code old.yaml old.cpb
grep -qx 'no decision differs' "$TMP/out" && ok "identical: says so" || bad "identical: $(cat "$TMP/out")"
expect_status 64 "diff needs two policies" "$CC" diff old.yaml
expect_status 66 "diff of a missing file" "$CC" diff old.yaml nope.yaml

finish
