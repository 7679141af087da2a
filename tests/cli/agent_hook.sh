#!/usr/bin/env bash
# agent_hook.sh — `cmdai-policy agent-hook claude|gemini|copilot|cursor` golden
# tests: every tests/golden/agents/<agent>/<case>.json is fed on stdin and the
# answer compared with <case>.out (JSON, byte for byte).  The bundle is built
# from tests/golden/agents/policy.yaml in a temp dir.  Also: oversized input,
# a missing bundle (closed and open), usage errors.  UPDATE=1 rewrites .out.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
unset CMDAI_POLICY_BUNDLE CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_FAIL
G=$ROOT/tests/golden/agents

"$CC" keygen -p "$TMP/k.pub" -s "$TMP/k.key" > /dev/null
"$CC" build "$G/policy.yaml" -o "$TMP/p.cpb" -s "$TMP/k.key" 2> /dev/null
export CMDAI_POLICY_BUNDLE=$TMP/p.cpb CMDAI_POLICY_TRUST=$TMP/k.pub CMDAI_POLICY_STATE=$TMP/state

for agent in claude gemini copilot cursor; do
    for in in "$G/$agent"/*.json; do
        name=$agent/$(basename "$in" .json)
        want=${in%.json}.out
        set +e
        "$RT" agent-hook "$agent" < "$in" > "$TMP/out" 2> "$TMP/err"
        rc=$?
        set -e
        if [ "${UPDATE:-}" = 1 ]; then cp "$TMP/out" "$want"; fi
        if [ $rc -ne 0 ]; then
            bad "$name: exit $rc: $(cat "$TMP/err")"
        elif ! python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/out" 2> /dev/null; then
            bad "$name: answer is not JSON: $(cat "$TMP/out")"
        elif cmp -s "$TMP/out" "$want"; then
            ok "$name"
        else
            bad "$name: got $(cat "$TMP/out"), want $(cat "$want" 2> /dev/null)"
        fi
    done
done

# The answer's decision field, per agent.
decision() { python3 -c '
import json, sys
o = json.load(open(sys.argv[2]))
a = sys.argv[1]
print({"claude": lambda: o.get("hookSpecificOutput", {}).get("permissionDecision"),
       "gemini": lambda: o.get("decision"), "copilot": lambda: o.get("permissionDecision"),
       "cursor": lambda: o.get("permission")}[a]())' "$1" "$2"; }

# Oversized input (more than 1 MiB) is refused in the agent's protocol.
python3 -c 'import json; print(json.dumps({"tool_name": "Bash", "tool_input": {"command": "echo " + "a" * (1 << 20)}}))' > "$TMP/big.json"
for agent in claude gemini copilot cursor; do
    expect_status 0 "$agent: oversized input answered" "$RT" agent-hook "$agent" < "$TMP/big.json"
    [ "$(decision "$agent" "$TMP/out")" = deny ] && grep -q 'larger than' "$TMP/out" &&
        ok "$agent: oversized input is denied with a reason" || bad "$agent oversized: $(head -c 300 "$TMP/out")"
    expect_status 0 "$agent: empty input answered" "$RT" agent-hook "$agent" < /dev/null
    [ "$(decision "$agent" "$TMP/out")" = deny ] && ok "$agent: empty input is denied" || bad "$agent empty: $(cat "$TMP/out")"
    printf '{"command": "ls", "tool_name": "\xff\xfe"}' > "$TMP/bad-utf8.json"
    expect_status 0 "$agent: invalid UTF-8 answered" "$RT" agent-hook "$agent" < "$TMP/bad-utf8.json"
    [ "$(decision "$agent" "$TMP/out")" = deny ] && ok "$agent: invalid UTF-8 is denied" || bad "$agent utf8: $(cat "$TMP/out")"
done

# A missing bundle: closed by default, open when asked, visible either way.
for agent in claude gemini copilot cursor; do
    CMDAI_POLICY_BUNDLE=$TMP/missing.cpb expect_status 0 "$agent: missing bundle answered" \
        "$RT" agent-hook "$agent" < "$G/$agent/allow.json"
    [ "$(decision "$agent" "$TMP/out")" = deny ] && grep -q 'failing closed' "$TMP/out" &&
        ok "$agent: missing bundle fails closed" || bad "$agent missing bundle: $(cat "$TMP/out")"
    CMDAI_POLICY_BUNDLE=$TMP/missing.cpb CMDAI_POLICY_FAIL=open expect_status 0 "$agent: missing bundle, fail open" \
        "$RT" agent-hook "$agent" < "$G/$agent/allow.json"
    [ "$(decision "$agent" "$TMP/out")" = allow ] && grep -q 'not checked' "$TMP/out" &&
        ok "$agent: CMDAI_POLICY_FAIL=open allows with a message" || bad "$agent fail open: $(cat "$TMP/out")"
done

# --defer: an allowed command gets no decision (the agent's own rules apply);
# a denied one is still denied.
expect_status 0 "claude --defer on allow" "$RT" agent-hook --defer claude < "$G/claude/allow.json"
[ "$(cat "$TMP/out")" = '{}' ] && ok "--defer: allow answers {}" || bad "--defer allow: $(cat "$TMP/out")"
expect_status 0 "claude --defer on deny" "$RT" agent-hook --defer claude < "$G/claude/deny.json"
[ "$(decision claude "$TMP/out")" = deny ] && ok "--defer: deny still denies" || bad "--defer deny: $(cat "$TMP/out")"
expect_status 0 "--bundle/--trust options" env -u CMDAI_POLICY_BUNDLE -u CMDAI_POLICY_TRUST \
    "$RT" agent-hook --bundle "$TMP/p.cpb" --trust "$TMP/k.pub" cursor < "$G/cursor/deny.json"
[ "$(decision cursor "$TMP/out")" = deny ] && ok "options name the bundle" || bad "options: $(cat "$TMP/out")"

expect_status 64 "agent-hook without an agent" "$RT" agent-hook
expect_status 64 "agent-hook with an unknown agent" "$RT" agent-hook codex
expect_status 0 "agent-hook --help" "$RT" agent-hook --help

# The example configs are valid JSON and call the adapter.
for f in "$ROOT"/examples/agents/*.json; do
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$f" && grep -q 'agent-hook' "$f" &&
        ok "example $(basename "$f") parses and calls agent-hook" || bad "example $f"
done
finish
