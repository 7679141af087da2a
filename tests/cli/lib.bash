# lib.bash — helpers shared by the tests/cli/*.sh golden tests (sourced, not
# run: the Makefile runs only *.sh).  Each script keeps its own temp dir.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/build/bin}
LIB=${LIB:-$ROOT/build/lib}
CC="$BIN/cmdai-policyc"
RT="$BIN/cmdai-policy"
CORE="$ROOT/stdlib-templates/core-safety.yaml"

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
skip() { echo "skip $1"; }

# expect_status WANT NAME CMD... : run CMD (output into $TMP/out, $TMP/err)
# and compare its exit status.
expect_status() {
    local want=$1 name=$2
    shift 2
    set +e
    "$@" > "$TMP/out" 2> "$TMP/err"
    local rc=$?
    set -e
    if [ "$rc" = "$want" ]; then
        ok "$name -> $rc"
    else
        bad "$name: exit $rc, want $want; stdout: $(head -c 200 "$TMP/out"); stderr: $(head -c 400 "$TMP/err")"
    fi
}

# The closing line the CI reads, and the script's status.
finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
