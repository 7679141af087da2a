#!/usr/bin/env bash
# embedding.sh — the complete program of docs/embedding.md, compiled with
# `pkg-config --cflags --libs cmdai-policy` against the build tree
# ($LIB/pkgconfig/cmdai-policy.pc) and run: the documented example must build
# and behave as the page says.
# Env: BIN, LIB (build/bin, build/lib).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
unset CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_BUNDLE


# The C block that starts with "/* decide.c".
awk '/^```c$/ { inblock = 1; buf = ""; next }
     /^```$/ && inblock { if (buf ~ /^\/\* decide\.c/) printf "%s", buf; inblock = 0; next }
     inblock { buf = buf $0 "\n" }' "$ROOT/docs/embedding.md" > decide.c
if grep -q 'int main' decide.c; then ok "docs/embedding.md holds decide.c"; else bad "no decide.c in docs/embedding.md"; fi

export PKG_CONFIG_PATH="$LIB/pkgconfig"
if flags=$(pkg-config --cflags --libs cmdai-policy); then ok "pkg-config knows cmdai-policy: $flags"; else bad "pkg-config"; fi
if cc -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -o decide decide.c \
    $flags 2> cc.err; then
    ok "decide.c compiles warning-free against the build tree"
else
    bad "decide.c: $(cat cc.err)"
fi
if cc -std=c11 -o decide-static decide.c $(pkg-config --cflags cmdai-policy) "$LIB/libcmdai-policy.a" \
    $(pkg-config --static --libs-only-l cmdai-policy | sed 's/-lcmdai-policy//') 2> cc.err; then
    ok "decide.c links statically"
else
    bad "static link: $(cat cc.err)"
fi
export LD_LIBRARY_PATH="$LIB"

"$CC" keygen -p team.pub -s team.key > /dev/null
"$CC" build "$ROOT/stdlib-templates/core-safety.yaml" -o policy.cpb -s team.key 2> /dev/null
export CMDAI_POLICY_TRUST=$TMP/team.pub CMDAI_POLICY_STATE=$TMP/state

run() { # WANT NAME ARGS...
    local want=$1 name=$2
    shift 2
    set +e
    "$@" > out 2> err
    local rc=$?
    set -e
    if [ "$rc" = "$want" ]; then ok "$name -> $rc"; else bad "$name: exit $rc, want $want; $(cat err)"; fi
}
run 30 "decide policy.cpb -- 'rm -rf /' 'git status'" ./decide policy.cpb -- 'rm -rf /' 'git status'
printf 'deny\tfs.rm-recursive-root\trm -rf /\nallow\t\tgit status\n' > want
cmp -s out want && ok "decide prints one verdict per command" || bad "decide output: $(cat out)"
# The version is read from the template (it grows), not pinned here.
CS_VERSION=$(sed -n 's/^  version: *//p' "$ROOT/stdlib-templates/core-safety.yaml" | head -1)
[ -n "$CS_VERSION" ] && ok "core-safety version $CS_VERSION" || bad "no version line in core-safety.yaml"
grep -q "^decide: core-safety ${CS_VERSION//./\\.} serial 1, [0-9]* rules, signed by [0-9A-F]\\{16\\}\$" err &&
    ok "decide prints the bundle identity" || bad "identity: $(cat err)"
printf 'ls\ngit push --force origin main\n' | run 20 "decide on stdin" ./decide policy.cpb
run 0 "static decide, allowed command" ./decide-static policy.cpb -- 'ls -la'
CMDAI_POLICY_TRUST=$TMP/nope.pub run 78 "decide without trust" ./decide policy.cpb -- ls
run 66 "decide with a missing bundle" ./decide nope.cpb -- ls
cp policy.cpb flipped.cpb
cp policy.cpb.minisig flipped.cpb.minisig
printf 'X' | dd of=flipped.cpb bs=1 seek=500 conv=notrunc 2> /dev/null
cmp -s policy.cpb flipped.cpb && bad "flip did not change the bundle" || run 77 "decide with a flipped byte" ./decide flipped.cpb -- ls

finish
