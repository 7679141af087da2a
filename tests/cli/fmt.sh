#!/usr/bin/env bash
# fmt.sh — cmdai-policyc fmt (docs/fmt.md):
#   1. golden pairs tests/golden/fmt/NAME.in.yaml -> NAME.out.yaml: fmt prints the
#      out file, the out file is a fixed point (--check exits 0), --check on the
#      in file exits 1 with a unified diff, -w rewrites a copy into the out file,
#      and both compile to the same automaton (cmdai-policyc diff: no decision differs);
#   2. every shipped template, on a copy (never in place): fmt(fmt(x)) == fmt(x),
#      no comment lost, and the formatted copy decides every command as the original;
#   3. bad input: the loader's file:line:column error and exit 65 (66 unreadable),
#      the file untouched and no temporary file left; usage errors exit 64.
# UPDATE_GOLDEN=1 rewrites the NAME.out.yaml files (review the diff before committing).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
G="$ROOT/tests/golden/fmt"
STD="$ROOT/stdlib-templates"

# ---- 1. golden pairs ----------------------------------------------------------------------
for in in "$G"/*.in.yaml; do
    name=$(basename "$in" .in.yaml)
    out="$G/$name.out.yaml"
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        "$CC" fmt "$in" > "$out"
        ok "$name (golden rewritten)"
    fi
    expect_status 0 "$name: fmt" "$CC" fmt "$in"
    cmp -s "$TMP/out" "$out" && ok "$name: fmt output = $name.out.yaml" ||
        bad "$name: fmt output differs: $(diff -u "$out" "$TMP/out" | head -30)"
    expect_status 0 "$name: the formatted file is a fixed point (--check)" "$CC" fmt --check "$out"
    [ ! -s "$TMP/out" ] && ok "$name: --check prints nothing when canonical" || bad "$name: --check printed $(cat "$TMP/out")"
    expect_status 1 "$name: --check on the unformatted file" "$CC" fmt --check "$in"
    head -n 2 "$TMP/out" | grep -q "^+++ $in (formatted)" && grep -q '^@@ ' "$TMP/out" &&
        ok "$name: --check shows a unified diff" || bad "$name: --check output: $(head -5 "$TMP/out")"
    expect_status 0 "$name: --diff" "$CC" fmt --diff "$in"
    grep -q '^@@ ' "$TMP/out" && ok "$name: --diff shows the diff, exit 0" || bad "$name: --diff: $(head -5 "$TMP/out")"
    cp "$in" "$TMP/$name.yaml"
    chmod 0640 "$TMP/$name.yaml"
    expect_status 0 "$name: -w" "$CC" fmt -w "$TMP/$name.yaml"
    cmp -s "$TMP/$name.yaml" "$out" && ok "$name: -w wrote the canonical form" || bad "$name: -w result differs"
    [ "$(stat -c %a "$TMP/$name.yaml")" = 640 ] && ok "$name: -w keeps the file mode" || bad "$name: mode $(stat -c %a "$TMP/$name.yaml")"
    expect_status 0 "$name: same automaton as the original" "$CC" diff --exit-code "$in" "$out"
done
ls "$TMP" | grep -q 'fmt-' && bad "a temporary file was left behind: $(ls "$TMP")" || ok "no temporary file left behind"
# -w through a symlink rewrites the target and keeps the link
mkdir -p "$TMP/real" "$TMP/links"
cp "$G/lists.in.yaml" "$TMP/real/t.yaml"
ln -s ../real/t.yaml "$TMP/links/t.yaml"
expect_status 0 "-w through a symlink" "$CC" fmt -w "$TMP/links/t.yaml"
[ -L "$TMP/links/t.yaml" ] && cmp -s "$TMP/real/t.yaml" "$G/lists.out.yaml" &&
    ok "the link is kept and its target formatted" || bad "-w replaced the symlink or missed its target"

# ---- 2. the shipped templates, on copies -----------------------------------------------------
for src in "$STD"/*.yaml; do
    name=$(basename "$src")
    mkdir -p "$TMP/std"
    cp "$src" "$TMP/std/$name"
    if ! "$CC" fmt --stdlib "$STD" "$TMP/std/$name" > "$TMP/std/f1-$name" 2> "$TMP/err"; then
        bad "$name: fmt failed: $(cat "$TMP/err")"
        continue
    fi
    "$CC" fmt --stdlib "$STD" "$TMP/std/f1-$name" > "$TMP/std/f2-$name"
    cmp -s "$TMP/std/f1-$name" "$TMP/std/f2-$name" && ok "$name: fmt(fmt(x)) == fmt(x)" ||
        bad "$name: not idempotent: $(diff -u "$TMP/std/f1-$name" "$TMP/std/f2-$name" | head -20)"
    # Every comment line survives (own-line comments as they are, trailing ones by text).
    c0=$(grep -o '#.*' "$src" | grep -c . || true)
    c1=$(grep -o '#.*' "$TMP/std/f1-$name" | grep -c . || true)
    diff <(grep '^ *#' "$src" | sed 's/^ *//' | sort) <(grep '^ *#' "$TMP/std/f1-$name" | sed 's/^ *//' | sort) > /dev/null &&
        [ "$c0" = "$c1" ] && ok "$name: all $c0 comments kept" || bad "$name: comments changed ($c0 -> $c1)"
    expect_status 0 "$name: the formatted copy decides like the original (diff)" \
        "$CC" diff --exit-code --stdlib "$STD" "$src" "$TMP/std/f1-$name"
done
cmp -s <(cd "$STD" && cat *.yaml) <(cd "$TMP/std" && cat $(cd "$STD" && ls *.yaml)) &&
    ok "the shipped templates were not modified" || bad "a shipped template copy changed"

# ---- 3. bad input and usage --------------------------------------------------------------------
printf 'template:\n  name: bad\n  version: 1.0.0\n  safety:\n    rules:\n      - id: r1\n        match: rm {a,b\n        risk: high\n' > "$TMP/bad.yaml"
cp "$TMP/bad.yaml" "$TMP/bad.orig"
expect_status 65 "fmt -w on a broken pattern" "$CC" fmt -w "$TMP/bad.yaml"
grep -q "^$TMP/bad.yaml:7:.*: error: " "$TMP/err" && ok "the loader's file:line:column error" || bad "error: $(cat "$TMP/err")"
cmp -s "$TMP/bad.yaml" "$TMP/bad.orig" && [ ! -s "$TMP/out" ] && ok "nothing written, nothing printed" ||
    bad "a broken file was changed or printed"
printf 'template:\n  name: bad\n\tversion: 1.0.0\n' > "$TMP/tab.yaml"
expect_status 65 "fmt --check on a YAML syntax error" "$CC" fmt --check "$TMP/tab.yaml"
grep -q "^$TMP/tab.yaml:3:1: error: " "$TMP/err" && ok "YAML error at 3:1" || bad "error: $(cat "$TMP/err")"
expect_status 66 "fmt on a missing file" "$CC" fmt "$TMP/nope.yaml"
expect_status 64 "fmt without a file" "$CC" fmt
expect_status 64 "fmt --check --write" "$CC" fmt --check --write "$G/lists.out.yaml"
expect_status 64 "fmt --bogus" "$CC" fmt --bogus "$G/lists.out.yaml"
ls "$TMP" | grep -q 'fmt-' && bad "a temporary file was left behind" || ok "no temporary file left behind"

finish
