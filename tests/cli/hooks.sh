#!/usr/bin/env bash
# hooks.sh — `cmdai-policy hook bash|zsh|fish` end to end: real interactive
# shells in a private tmux server, a test bundle that denies `touch …forbidden`,
# asks for `touch …confirmme` and warns on `touch …warnme`.  Only `touch` of
# sentinel files in the temp dir is ever typed.  Checks: denied not executed,
# allowed executed, confirm n/y, `ok; denied` runs neither part, fail closed /
# open with a broken bundle.  pwsh is not installable here: its snippet's text
# and the JSON it consumes are checked instead.  Every wait is bounded.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
SOCK=cmdai-hooks-$$
tm() { tmux -L "$SOCK" "$@"; }
DPID=
cleanup() {
    tmux -L "$SOCK" kill-server 2> /dev/null || true
    [ -z "$DPID" ] || kill "$DPID" 2> /dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
unset CMDAI_POLICY_BUNDLE CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_FAIL CMDAI_POLICY_BUILTIN TMUX

cat > "$TMP/t.yaml" <<'YAML'
template:
  name: hooks-test
  version: 1.0.0
  author: cmdai-policy tests
  license: MIT
  description: Denies, confirms and warns on harmless sentinel files, for the shell hook tests.
  safety:
    default: allow
    rules:
      - id: test.forbidden
        match: touch ... re"forbidden$"
        risk: high
        action: deny
        message: The sentinel file forbidden must not be created.
      - id: test.confirmme
        match: touch ... re"confirmme$"
        risk: moderate
        action: confirm
        message: Creating confirmme needs a yes.
      - id: test.warnme
        match: touch ... re"warnme$"
        risk: low
        action: warn
        message: Creating warnme is noted.
YAML
"$CC" keygen -p "$TMP/k.pub" -s "$TMP/k.key" > /dev/null
"$CC" build "$TMP/t.yaml" -o "$TMP/t.cpb" -s "$TMP/k.key" 2> /dev/null
export CMDAI_POLICY_BUNDLE=$TMP/t.cpb CMDAI_POLICY_TRUST=$TMP/k.pub CMDAI_POLICY_STATE=$TMP/state

# ---- the generated text ------------------------------------------------------------
for sh in bash zsh fish pwsh; do
    expect_status 0 "hook $sh prints a snippet" "$RT" hook "$sh"
    cp "$TMP/out" "$TMP/hook.$sh"
    grep -qF "$RT" "$TMP/hook.$sh" && ok "hook $sh names this binary" || bad "hook $sh: no $RT in the snippet"
done
expect_status 64 "hook without a shell" "$RT" hook
expect_status 64 "hook with an unknown shell" "$RT" hook tcsh
expect_status 0 "hook --help" "$RT" hook --help
bash -n "$TMP/hook.bash" && ok "bash snippet parses (bash -n)" || bad "bash -n"
if command -v zsh > /dev/null; then zsh -n "$TMP/hook.zsh" && ok "zsh snippet parses (zsh -n)" || bad "zsh -n"; fi
if command -v fish > /dev/null; then fish -n "$TMP/hook.fish" && ok "fish snippet parses (fish -n)" || bad "fish -n"; fi
for w in Set-PSReadLineKeyHandler AcceptLine RevertLine ConvertFrom-Json CMDAI_POLICY_FAIL '.action' '--json'; do
    grep -qF -- "$w" "$TMP/hook.pwsh" && ok "pwsh snippet uses $w" || bad "pwsh snippet lacks $w"
done
# The JSON the pwsh handler reads: action, rules, message.
"$RT" check --json -- touch "$TMP/forbidden" > "$TMP/j" || true
python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["action"]=="deny" and o["rules"]==["test.forbidden"] and o["message"]' "$TMP/j" &&
    ok "check --json gives pwsh action, rules and message" || bad "pwsh json: $(cat "$TMP/j")"
# A non-interactive shell that evals the snippet is left alone.
out=$(bash -c 'eval "$("$1" hook bash)"; touch "$2/noninteractive"; echo fine' _ "$RT" "$TMP" 2>&1)
[ "$out" = fine ] && [ -e "$TMP/noninteractive" ] && ok "bash -c: snippet is inert" || bad "bash -c: $out"
if command -v zsh > /dev/null; then
    out=$(zsh -c 'eval "$("$1" hook zsh)"; echo fine' _ "$RT" 2>&1)
    [ "$out" = fine ] && ok "zsh -c: snippet is inert" || bad "zsh -c: $out"
fi

# ---- interactive shells without a terminal (setsid: no /dev/tty) ----------------------
# confirm must behave as deny; bash keeps its DEBUG trap, zsh (no line
# editor) falls back to a per-command DEBUG trap.
notty() { # NAME SHELL-COMMAND...
    local s=$1 d=$TMP/notty-$1
    shift
    mkdir -p "$d"
    printf 'touch %s/allowed\ntouch %s/forbidden\ntouch %s/confirmme\ntouch %s/ok; touch %s/second-forbidden\n' \
        "$d" "$d" "$d" "$d" "$d" > "$d/lines"
    timeout 20 setsid -w "$@" < "$d/lines" > "$d/out" 2>&1 || true
    [ -e "$d/allowed" ] && ok "$s without a tty: allowed runs" || bad "$s notty: allowed missing: $(tail -5 "$d/out")"
    [ ! -e "$d/forbidden" ] && [ ! -e "$d/second-forbidden" ] && ok "$s without a tty: denied does not run" || bad "$s notty: denied ran"
    [ ! -e "$d/confirmme" ] && grep -q 'no terminal to confirm on' "$d/out" &&
        ok "$s without a tty: confirm is refused, visibly" || bad "$s notty confirm: $(tail -5 "$d/out")"
}
if command -v setsid > /dev/null; then
    printf 'PS1=\neval "$(%q hook bash)"\n' "$RT" > "$TMP/bashrc.notty"
    notty bash env CMDAI_POLICY_BUILTIN= bash --noprofile --rcfile "$TMP/bashrc.notty" -i
    # A .bashrc that replaces PROMPT_COMMAND after the snippet must not turn the hook off.
    d=$TMP/notty-pc
    mkdir -p "$d"
    printf 'PROMPT_COMMAND="true"\ntouch %s/a-forbidden\ntouch %s/after\n' "$d" "$d" > "$d/lines"
    timeout 20 setsid -w env CMDAI_POLICY_BUILTIN= bash --noprofile --rcfile "$TMP/bashrc.notty" -i < "$d/lines" > "$d/out" 2>&1 || true
    [ ! -e "$d/a-forbidden" ] && [ -e "$d/after" ] && grep -q '__cmdai_arm' <(printf 'PROMPT_COMMAND="true"\necho "$PROMPT_COMMAND"\n' |
        setsid -w bash --noprofile --rcfile "$TMP/bashrc.notty" -i 2>&1) &&
        ok "bash: PROMPT_COMMAND replaced later: still blocks, and the hook puts itself back" || bad "bash PROMPT_COMMAND: $(tail -5 "$d/out")"
    command -v zsh > /dev/null && notty zsh zsh -f -i -c "eval \"\$($RT hook zsh)\"; . $TMP/notty-zsh/lines"
fi

# ---- real shells in tmux -------------------------------------------------------------------
# wait_for SESSION REGEX [SECONDS]: poll the pane until REGEX matches a line.
wait_for() {
    local i
    for ((i = 0; i < ${3:-10} * 20; i++)); do
        tm capture-pane -p -J -S -200 -t "$1" 2> /dev/null | grep -qE -- "$2" && return 0
        sleep 0.05
    done
    return 1
}
n=0
# run_line SESSION LINE: type LINE, then a marker, and wait for the marker.
run_line() {
    n=$((n + 1))
    tm send-keys -t "$1" -l -- "$2"
    tm send-keys -t "$1" Enter
    tm send-keys -t "$1" -l -- "echo MARK-$n"
    tm send-keys -t "$1" Enter
    wait_for "$1" "^MARK-$n\$" 10 || { bad "$1: no MARK-$n after: $2"; pane "$1"; }
}
# new_session NAME CMD...: tmux now and then reports "server exited
# unexpectedly" while its server starts; try again a few times.
new_session() {
    local s=$1 i
    shift
    for i in 1 2 3 4 5; do
        tm new-session -d -s "$s" -x 160 -y 50 "$@" 2> "$TMP/tmux.err" && return 0
        sleep 0.2
    done
    bad "$s: tmux new-session: $(cat "$TMP/tmux.err")"
    return 1
}
pane() { tm capture-pane -p -J -S -200 -t "$1" | tail -n 25 | sed 's/^/    | /'; }
exists() { [ -e "$TMP/$1" ]; }

# shell_suite NAME START-COMMAND...
shell_suite() {
    local s=$1
    shift
    command -v tmux > /dev/null || { skip "$s: tmux not installed (make deps)"; return 0; }
    local d=$TMP/$s
    mkdir -p "$d"
    new_session "$s" "$@" || return 0
    if ! wait_for "$s" 'READY' 15; then
        bad "$s: no prompt"
        pane "$s"
        return
    fi
    run_line "$s" "touch $d/allowed"
    exists "$s/allowed" && ok "$s: allowed command ran" || bad "$s: allowed did not run"
    run_line "$s" "touch $d/forbidden"
    ! exists "$s/forbidden" && ok "$s: denied command did not run" || bad "$s: forbidden exists"
    wait_for "$s" 'test\.forbidden' 1 && ok "$s: deny shows the rule id" || { bad "$s: no rule id"; pane "$s"; }
    run_line "$s" "touch $d/ok; touch $d/forbidden; touch $d/ok2"
    ! exists "$s/forbidden" && ok "$s: 'ok; denied': denied part did not run" || bad "$s: forbidden exists"
    ! exists "$s/ok" && ! exists "$s/ok2" && ok "$s: 'ok; denied': the whole line was refused" ||
        bad "$s: part of a denied line ran"
    run_line "$s" "touch $d/warnme"
    exists "$s/warnme" && ok "$s: warn ran" || bad "$s: warnme missing"
    wait_for "$s" 'Creating warnme is noted' 1 && ok "$s: warn printed its message" || bad "$s: no warn message"
    # confirm: answer n, then y.
    tm send-keys -t "$s" -l -- "touch $d/confirmme"
    tm send-keys -t "$s" Enter
    if wait_for "$s" '\[y/N\]' 10; then
        tm send-keys -t "$s" -l n
        tm send-keys -t "$s" Enter
        run_line "$s" "true"
        ! exists "$s/confirmme" && ok "$s: confirm answered n did not run" || bad "$s: confirmme exists after n"
    else
        bad "$s: no y/N question"
        pane "$s"
    fi
    tm send-keys -t "$s" C-l
    tm send-keys -t "$s" -l -- "touch $d/confirmme"
    tm send-keys -t "$s" Enter
    if wait_for "$s" '\[y/N\]' 10; then
        tm send-keys -t "$s" -l y
        tm send-keys -t "$s" Enter
        run_line "$s" "true"
        exists "$s/confirmme" && ok "$s: confirm answered y ran" || { bad "$s: confirmme missing after y"; pane "$s"; }
    else
        bad "$s: no y/N question (2)"
    fi
    tm kill-session -t "$s" 2> /dev/null || true
}
# fail_suite NAME START-COMMAND...: the bundle is missing; closed by default
# (nothing runs, not even `echo`, so the message is what we wait for), open
# with CMDAI_POLICY_FAIL=open.
fail_suite() {
    local s=$1 mode
    shift
    command -v tmux > /dev/null || { skip "$s: tmux not installed (make deps)"; return 0; }
    local d=$TMP/$s
    mkdir -p "$d"
    for mode in closed open; do
        new_session "$s-$mode" env CMDAI_POLICY_BUNDLE="$TMP/missing.cpb" CMDAI_POLICY_FAIL=$mode "$@" || continue
        if ! wait_for "$s-$mode" 'READY' 15; then
            bad "$s-$mode: no prompt"
            continue
        fi
        tm send-keys -t "$s-$mode" -l -- "touch $d/$mode"
        tm send-keys -t "$s-$mode" Enter
        if [ $mode = closed ]; then
            wait_for "$s-$mode" 'failing closed' 10 && ok "$s: missing bundle: fail closed is visible" ||
                { bad "$s: no fail-closed message"; pane "$s-$mode"; }
            sleep 0.3
            ! exists "$s/closed" && ok "$s: missing bundle fails closed" || bad "$s: ran without a bundle"
        else
            wait_for "$s-$mode" 'running unchecked' 10 && ok "$s: CMDAI_POLICY_FAIL=open is visible" ||
                { bad "$s: no fail-open message"; pane "$s-$mode"; }
            run_line "$s-$mode" true
            exists "$s/open" && ok "$s: CMDAI_POLICY_FAIL=open runs" || bad "$s: fail open did not run"
        fi
        tm kill-session -t "$s-$mode" 2> /dev/null || true
    done
}


cat > "$TMP/bashrc" <<BASHRC
PS1='bash\$ '
eval "\$("$RT" hook bash)"
echo READY
BASHRC
if command -v bash > /dev/null; then
    shell_suite bash env CMDAI_POLICY_BUILTIN= bash --noprofile --rcfile "$TMP/bashrc" -i
    fail_suite bash-fail env CMDAI_POLICY_BUILTIN= bash --noprofile --rcfile "$TMP/bashrc" -i
    if [ -e "$LIB/cmdai_check.so" ]; then
        out=$(bash -c 'enable -f "$1" cmdai_check && { cmdai_check "touch x/forbidden"; echo "$? $CMDAI_VERDICT"; cmdai_check -- ls; echo "$?"; }' _ "$LIB/cmdai_check.so" 2>&1)
        [ "$out" = "30 deny (risk high): test.forbidden — The sentinel file forbidden must not be created.
0" ] && ok "builtin: enable -f, status and \$CMDAI_VERDICT as check" || bad "builtin direct: $out"
        out=$(bash --noprofile --rcfile "$TMP/bashrc" -i <<< 'echo "B=$__cmdai_builtin $(type -t cmdai_check)"' 2> /dev/null)
        [[ $out == *"B=1 builtin"* ]] && ok "bash snippet loads the builtin" || bad "snippet builtin: $out"
        shell_suite bash-builtin bash --noprofile --rcfile "$TMP/bashrc" -i
        fail_suite bash-builtin-fail bash --noprofile --rcfile "$TMP/bashrc" -i
    else
        skip "bash builtin not built (no bash-builtins headers)"
    fi
fi
if command -v zsh > /dev/null; then
    mkdir -p "$TMP/zdot"
    printf 'PS1="zsh%% "\neval "$(%q hook zsh)"\necho READY\n' "$RT" > "$TMP/zdot/.zshrc"
    shell_suite zsh env ZDOTDIR="$TMP/zdot" zsh -i
    fail_suite zsh-fail env ZDOTDIR="$TMP/zdot" zsh -i
    # The same through cmdai-policyd (CMDAI_POLICYD_SOCKET): no process per line.
    if [ -x "$BIN/cmdai-policyd" ]; then
        "$BIN/cmdai-policyd" --socket "$TMP/d.sock" --no-audit > "$TMP/d.log" 2>&1 &
        DPID=$!
        for ((i = 0; i < 100; i++)); do [ -S "$TMP/d.sock" ] && break; sleep 0.05; done
        shell_suite zsh-daemon env ZDOTDIR="$TMP/zdot" CMDAI_POLICYD_SOCKET="$TMP/d.sock" zsh -i
        n_dec=$(python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"{\"op\": \"status\"}\n"); print(json.loads(s.makefile().readline())["decisions"])' "$TMP/d.sock" 2>&1)
        [[ $n_dec =~ ^[0-9]+$ ]] && [ "$n_dec" -ge 8 ] && ok "zsh asked the daemon ($n_dec decisions)" || bad "daemon decisions: $n_dec"
        kill "$DPID" 2> /dev/null || true
        DPID=
    fi
else
    skip "zsh not installed (make deps)"
fi
if command -v fish > /dev/null; then
    shell_suite fish fish --no-config -i -C "$RT hook fish | source; echo READY"
    fail_suite fish-fail fish --no-config -i -C "$RT hook fish | source; echo READY"
else
    skip "fish not installed (make deps)"
fi
finish
