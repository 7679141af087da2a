#!/usr/bin/env bash
# examples.sh — the embedding examples build and behave: examples/c (pkg-config
# against the build tree), examples/python (ctypes wrapper) and
# examples/llm-filter (JSON lines of model candidates annotated or dropped),
# all with core-safety built and signed in a temp dir.  Nothing is run but
# the examples themselves; policy_gate only prints what it would run.
# Env: BIN, LIB (build/bin, build/lib).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
unset CMDAI_POLICY_BUNDLE CMDAI_POLICY_STATE
"$CC" keygen -p team.pub -s team.key > /dev/null
"$CC" build "$CORE" -o policy.cpb -s team.key 2> /dev/null
export CMDAI_POLICY_TRUST=$TMP/team.pub CMDAI_POLICY_STATE=$TMP/state
export PKG_CONFIG_PATH="$LIB/pkgconfig" LD_LIBRARY_PATH="$LIB" CMDAI_POLICY_LIB="$LIB/libcmdai-policy.so.1"
EX=$ROOT/examples

# ---- C ------------------------------------------------------------------------
if make -s -C "$EX/c" OUT="$TMP" > cc.log 2>&1; then ok "examples/c builds with pkg-config"; else bad "examples/c: $(cat cc.log)"; fi
expect_status 0 "policy_gate allows ls" ./policy_gate policy.cpb 'ls -la'
grep -q '^would run: ls -la$' "$TMP/out" && ok "policy_gate would run an allowed command" || bad "gate: $(cat "$TMP/out")"
expect_status 1 "policy_gate refuses rm -rf /" ./policy_gate policy.cpb 'rm -rf /'
grep -q '^deny fs.rm-recursive-root: ' "$TMP/out" && ! grep -q 'would run' "$TMP/out" &&
    ok "policy_gate names the rule and runs nothing" || bad "gate deny: $(cat "$TMP/out")"
expect_status 2 "policy_gate without a bundle" ./policy_gate missing.cpb ls

# ---- Python -------------------------------------------------------------------
expect_status 1 "example.py" python3 "$EX/python/example.py" policy.cpb 'ls' 'rm -rf /' 'git push --force origin main'
# (the confirm rule's id belongs to core-safety and may be renamed; not pinned)
printf 'allow\t\tls\ndeny\tfs.rm-recursive-root\trm -rf /\nconfirm\tRULE\tgit push --force origin main\n' > want
if sed '3s/\t[^\t]*\t/\tRULE\t/' "$TMP/out" | cmp -s - want; then ok "example.py prints one verdict per command"; else bad "example.py: $(cat "$TMP/out")"; fi
if python3 - "$EX/python" <<'PY' > py.log 2>&1; then ok "Python API: verdicts, errors, with-block, bytes"; else bad "Python API: $(cat py.log)"; fi
import sys
sys.path.insert(0, sys.argv[1])
from cmdai_policy import Policy, PolicyError, Verdict
with Policy("policy.cpb") as p:
    v = p.check("rm -rf /")
    assert isinstance(v, Verdict) and v.denied and not v.allowed and v.risk == "critical", v
    assert v.rules[0] == "fs.rm-recursive-root" and v.message, v
    assert p.check("ls").allowed and p.check("ls").rules == ()
    assert p.check("chmod 777 x.sh").action == "warn"
    assert p.check(b"rm -rf \xff/").action in ("deny", "allow")
    big = p.check("echo " + "a" * (2 << 20))
    assert big.denied and big.error, big
try:
    Policy("missing.cpb")
    raise SystemExit("no error for a missing bundle")
except PolicyError as e:
    assert e.name and "missing.cpb" in str(e), e
try:
    Policy("policy.cpb", trust="/nonexistent.pub")
    raise SystemExit("no error for bad trust")
except PolicyError:
    pass
p = Policy("policy.cpb"); p.close(); p.close()
try:
    p.check("ls"); raise SystemExit("check after close")
except ValueError:
    pass
PY

# ---- LLM filter ---------------------------------------------------------------
F=$EX/llm-filter/cmdai_filter.py
expect_status 0 "llm filter (drop deny)" python3 "$F" --bundle policy.cpb < "$EX/llm-filter/candidates.jsonl"
if python3 - "$TMP/out" "$TMP/err" <<'PY'; then ok "llm filter keeps 1,3,4 annotated; drops 2,5 and the bad lines"; else bad "llm filter: $(cat "$TMP/out" "$TMP/err")"; fi
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in rows] == [1, 3, 4], rows
assert [r["cmdai"]["action"] for r in rows] == ["allow", "confirm", "warn"], rows
assert rows[1]["cmdai"]["rules"] and rows[1]["cmdai"]["message"], rows[1]
err = open(sys.argv[2]).read()
assert "line 2: deny fs.rm-recursive-root" in err and "line 6" in err and "line 7" in err, err
assert "3 kept, 4 dropped" in err, err
PY
expect_status 0 "llm filter --drop deny,confirm" python3 "$F" --bundle policy.cpb --drop deny,confirm < "$EX/llm-filter/candidates.jsonl"
[ "$(python3 -c 'import json,sys; print([json.loads(l)["id"] for l in open(sys.argv[1])])' "$TMP/out")" = "[1, 4]" ] &&
    ok "--drop deny,confirm keeps only allow and warn" || bad "drop confirm: $(cat "$TMP/out")"
expect_status 0 "llm filter --drop '' annotates everything" python3 "$F" --bundle policy.cpb --drop '' < "$EX/llm-filter/candidates.jsonl"
[ "$(wc -l < "$TMP/out")" -eq 5 ] && ok "--drop '': every command line kept, annotated" || bad "drop none: $(cat "$TMP/out")"
expect_status 2 "llm filter with a missing bundle" python3 "$F" --bundle missing.cpb < /dev/null
finish
