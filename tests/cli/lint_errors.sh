#!/usr/bin/env bash
# lint_errors.sh — every bad template as the CLI shows it.
#  1. each tests/cases/tpl-err-*/: `cmdai-policyc lint` exits with the status
#     for the case's error code (65, or 66 when a file cannot be opened), and
#     stderr starts with FILE:LINE:COLUMN: error: at the position in `expect`
#     (in input.yaml or another file of the case), containing its text/hint;
#  2. each tests/cases/tpl-ok-*/ lints clean (exit 0);
#  3. DSL errors written into a template: the DSL column lands on the right
#     column of the YAML file;
#  4. the whole stderr of 1 and 3 equals tests/golden/cli/lint-*.txt.
#     UPDATE_GOLDEN=1 rewrites those files (review the diff before committing).
# Env: BIN (build/bin).  Runs from tests/ so paths read cases/<name>/...
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TESTS=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TESTS"


# Exit status of cmdai-policyc for a cmdai_code (runtime/cli/exitcodes.h).
status_for() {
    case $1 in
    2) echo 66 ;;
    1) echo 64 ;;
    10 | 11 | 12 | 13 | 14 | 15) echo 65 ;;
    4) echo 67 ;;
    *) echo "?" ;;
    esac
}

golden_check() { # name, produced file, golden file
    if [ "${UPDATE_GOLDEN:-}" = 1 ]; then
        mkdir -p "$(dirname "$3")"
        cp "$2" "$3"
        ok "$1 (golden rewritten)"
    elif [ ! -f "$3" ]; then
        bad "$1: no golden file $3 (run with UPDATE_GOLDEN=1)"
    elif diff -u "$3" "$2" > "$TMP/diff"; then
        ok "$1"
    else
        bad "$1: output differs from $3"
        sed 's/^/     /' "$TMP/diff" | head -40
    fi
}

# ---- 1. tests/cases/tpl-err-* -----------------------------------------------
all="$TMP/lint-cases.txt"
: > "$all"
for dir in cases/tpl-err-*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -f "$dir/input.yaml" ] && [ -f "$dir/expect" ] || continue
    read -r word code pos < "$dir/expect" || true
    if [ "$word" != error ]; then
        bad "$name: expect file does not start with 'error CODE LINE:COL'"
        continue
    fi
    set +e
    "$CC" lint --stdlib cases/_stdlib "$dir/input.yaml" > "$TMP/out" 2> "$TMP/err"
    rc=$?
    set -e
    { echo "== $name (exit $rc)"; cat "$TMP/err"; } >> "$all"
    want=$(status_for "$code")
    first=$(head -n 1 "$TMP/err")
    why=""
    [ "$rc" = "$want" ] || why="exit $rc, want $want"
    [ -s "$TMP/out" ] && why="${why:+$why; }wrote to stdout"
    # FILE:LINE:COL where FILE is one of the case's files.
    case $first in
    "$dir/"*":$pos: error: "*) ;;
    *) why="${why:+$why; }first line '$first' is not $dir/...:$pos: error: ..." ;;
    esac
    while read -r key rest; do
        case $key in
        text) grep -qF -- "$rest" "$TMP/err" || why="${why:+$why; }stderr lacks '$rest'" ;;
        hint) grep -q -- "^  hint: .*$(printf '%s' "$rest" | sed 's/[][\.*^$]/\\&/g')" "$TMP/err" ||
            why="${why:+$why; }no hint line with '$rest'" ;;
        esac
    done < <(tail -n +2 "$dir/expect")
    if [ -z "$why" ]; then ok "lint $name -> $rc at $pos"; else bad "lint $name: $why"; fi
done
golden_check "lint stderr of every tpl-err case = golden/cli/lint-cases.txt" "$all" "$TESTS/golden/cli/lint-cases.txt"

# ---- 2. tests/cases/tpl-ok-* ------------------------------------------------------
for dir in cases/tpl-ok-*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    [ -f "$dir/input.yaml" ] || continue
    # Loader cases: they load and compile; lint's own checks (rule cases, ...) are
    # tested in lint.sh, so here findings do not fail (--error-on off).
    if out=$("$CC" lint --error-on off --stdlib cases/_stdlib "$dir/input.yaml" 2>&1) &&
        grep -q "^$dir/input.yaml: ok" <<< "$out"; then
        ok "lint $name -> 0"
    else
        bad "lint $name: exit $?: $out"
    fi
done

# ---- 3. DSL errors inside a template ------------------------------------------------
# The pattern is written as a single-quoted YAML scalar on line 7; its first
# character is at column 17, so DSL column c is file column 16 + c.
# pattern | DSL column
dsl_cases=(
    'rm {a,b|4'
    'rm {}|4'
    'rm {a,,b}|7'
    'rm {a b}|7'
    'rm a{b,c}|5'
    'rm }|4'
    'a and|3'
    'a or or b|3'
    'not|1'
    'rm unless|4'
    'curl ||6'
    '| sh|1'
    '(a and (b|8'
    'a)|2'
    '()|1'
    'dd >|4'
    '> x|1'
    'ls $ x|4'
    '... x|1'
    'a ; b|3'
    'rm @Roots|5'
    'rm @|5'
    'rm x\|5'
    'rm "/etc|4'
    'dd re"abc|4'
    'dd re"a\qb"|8'
    'dd re"a"b|9'
    'rm -r ... @nolist|11'
)
dall="$TMP/lint-dsl.txt"
: > "$dall"
i=0
for c in "${dsl_cases[@]}"; do
    pat=${c%|*}
    col=${c##*|}
    i=$((i + 1))
    f="dsl-$(printf '%02d' $i).yaml"
    printf "template:\n  name: t\n  version: 1.0.0\n  safety:\n    rules:\n      - id: r1\n        match: '%s'\n        risk: high\n" \
        "$pat" > "$TMP/$f"
    set +e
    (cd "$TMP" && "$CC" lint "$f") > /dev/null 2> "$TMP/err"
    rc=$?
    set -e
    { echo "== $pat (exit $rc)"; cat "$TMP/err"; } >> "$dall"
    want="$f:7:$((16 + col)): error: "
    first=$(head -n 1 "$TMP/err")
    if [ "$rc" = 65 ] && [ "${first#"$want"}" != "$first" ]; then
        ok "DSL '$pat' -> 65 at 7:$((16 + col))"
    else
        bad "DSL '$pat': exit $rc, first line '$first', want '$want...'"
    fi
done
golden_check "lint stderr of every DSL case = golden/cli/lint-dsl.txt" "$dall" "$TESTS/golden/cli/lint-dsl.txt"

# A template with several errors reports the first one and still exits 65;
# lint of several files reports each and exits with the first failure.
set +e
"$CC" lint --severity CP4001=off --severity CP4002=off \
    cases/tpl-ok-minimal/input.yaml cases/tpl-err-action-typo/input.yaml cases/tpl-err-tabs/input.yaml \
    > "$TMP/out" 2> "$TMP/err"
rc=$?
set -e
if [ "$rc" = 65 ] && grep -q '^cases/tpl-ok-minimal/input.yaml: ok' "$TMP/out" &&
    [ "$(grep -c ': error: ' "$TMP/err")" = 2 ]; then
    ok "lint of three files: one ok line, two errors, exit 65"
else
    bad "lint of three files: exit $rc; stdout $(cat "$TMP/out"); stderr $(cat "$TMP/err")"
fi

finish
