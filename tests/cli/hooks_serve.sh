#!/usr/bin/env bash
# hooks_serve.sh — the cheap paths of the hooks (docs/hooks.md "Overhead"):
# the per-shell coprocess `cmdai-policy hook serve` (protocol, FIFO mode, exit
# with its shell, a bundle changed or tampered with on disk is never served
# from the cache) and cmdai-policyd as the first choice of `check`,
# `agent-hook` and the coprocess (decisions recorded in the daemon's trail,
# fallback to in-process when it is gone).  The fish, zsh and bash snippets'
# decide functions are driven directly (tests/cli/hooks.sh drives the real
# interactive shells).  Only harmless sentinel commands are decided, never run.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
DPID= PPID_SLEEP=
cleanup() {
    [ -z "$DPID" ] || kill "$DPID" 2> /dev/null || true
    [ -z "$PPID_SLEEP" ] || kill "$PPID_SLEEP" 2> /dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP"
unset CMDAI_POLICY_BUNDLE CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_FAIL CMDAI_POLICY_BUILTIN \
    CMDAI_POLICYD_SOCKET CMDAI_POLICY_COPROC

mk_template() { # NAME SENTINEL
    cat <<YAML
template:
  name: $1
  version: 1.0.0
  author: cmdai-policy tests
  license: MIT
  description: Denies touching one sentinel file, for the hook coprocess tests.
  safety:
    default: allow
    rules:
      - id: test.$2
        match: touch ... re"$2\$"
        risk: high
        action: deny
        message: The sentinel file $2 must not be created.
YAML
}
mk_template serve-a forbidden > a.yaml
mk_template serve-b otherfile > b.yaml
"$CC" keygen -p k.pub -s k.key > /dev/null
"$CC" keygen -p evil.pub -s evil.key > /dev/null
"$CC" build a.yaml -o a.cpb -s k.key 2> /dev/null
"$CC" build b.yaml -o b.cpb -s k.key 2> /dev/null
"$CC" build b.yaml -o evil.cpb -s evil.key 2> /dev/null
install_bundle() { cp "$1" p.cpb.new && cp "$1.minisig" p.cpb.minisig && mv p.cpb.new p.cpb; }
install_bundle a.cpb
export CMDAI_POLICY_BUNDLE=$TMP/p.cpb CMDAI_POLICY_TRUST=$TMP/k.pub CMDAI_POLICY_STATE=$TMP/state

# ---- the protocol on stdin/stdout ----------------------------------------------------
printf '%s\0' 1 /tmp 'touch x/forbidden' 2 / 'ls -l' x / ls 0 '' '' 3 / ls |
    "$RT" hook serve > out.txt 2> err.txt && ok "hook serve exits 0 on ID 0" || bad "hook serve: $(cat err.txt)"
{ head -1 out.txt | grep -q '^1 30 deny (risk high): test.forbidden — The sentinel' &&
    sed -n 2p out.txt | grep -qx '2 0 allow' && [ "$(wc -l < out.txt)" = 2 ]; } &&
    ok "answers: ID STATUS TEXT; a bad ID gets none; ID 0 quits before 3" || bad "answers: $(cat out.txt)"

# ---- a changed or tampered bundle is verified again, never served from the cache ----
cat > drive.py <<'PY'
import os, shutil, subprocess, sys
p = subprocess.Popen([sys.argv[1], "hook", "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
n = 0
def ask(cmd):
    global n
    n += 1
    p.stdin.write(b"%d\0/\0%s\0" % (n, cmd.encode())); p.stdin.flush()
    line = p.stdout.readline().decode()
    i, st, text = line.rstrip("\n").split(" ", 2)
    assert int(i) == n, line
    return int(st), text
def install(src):
    shutil.copy(src, "p.cpb.new"); shutil.copy(src + ".minisig", "p.cpb.minisig"); os.replace("p.cpb.new", "p.cpb")
out = []
out.append(ask("touch /x/forbidden")[0])            # 30: bundle a
# same size, same mtime, one byte changed in place: only ctime tells
st = os.stat("p.cpb")
with open("p.cpb", "r+b") as f:
    f.seek(st.st_size // 2); b = f.read(1); f.seek(st.st_size // 2); f.write(bytes([b[0] ^ 0x55]))
os.utime("p.cpb", ns=(st.st_atime_ns, st.st_mtime_ns))
out.append(ask("touch /x/forbidden")[0])            # 77: bad signature
install("a.cpb")
out.append(ask("touch /x/forbidden")[0])            # 30 again
install("b.cpb")
out.append(ask("touch /x/forbidden")[0])            # 0: bundle b allows it
out.append(ask("touch /x/otherfile")[0])            # 30: and denies this
install("evil.cpb")
out.append(ask("touch /x/otherfile")[0])            # 78: untrusted key
install("a.cpb")
os.environ.pop("CMDAI_POLICY_TRUST")                # (env of *our* process only)
p.stdin.close(); p.wait(timeout=5)
print(" ".join(map(str, out)), p.returncode)
PY
r=$(python3 drive.py "$RT" 2> err.txt) || true
[ "$r" = "30 77 30 0 30 78 0" ] && ok "bundle replaced, tampered in place (same size and mtime), untrusted: verified again each time" ||
    bad "cache invalidation: got '$r', want '30 77 30 0 30 78 0' $(cat err.txt)"

# ---- FIFO mode: checks its directory, quits with its shell, cleans up ------------------
mkdir -p open.d && chmod 755 open.d && mkfifo open.d/req open.d/ans
expect_status 66 "hook serve --fifo refuses a directory others can read" "$RT" hook serve --fifo open.d
grep -q 'mode 0700' err && ok "… and says why" || bad "fifo dir message: $(cat err)"
expect_status 64 "hook serve --parent wants a number" "$RT" hook serve --parent x
mkdir -m 700 f.d && mkfifo -m 600 f.d/req f.d/ans
sleep 30 &
PPID_SLEEP=$!
"$RT" hook serve --fifo "$TMP/f.d" --parent "$PPID_SLEEP" 2> serve.err &
SPID=$!
exec {rq}<> f.d/req {an}<> f.d/ans
printf '5\0/\0touch /x/forbidden\0' >&"$rq"
IFS=' ' read -r -t 5 -u "$an" id rc _ && [ "$id $rc" = "5 30" ] && ok "FIFO mode answers" || bad "FIFO mode: '$id $rc'"
exec {rq}>&- {an}<&-
kill "$PPID_SLEEP"; wait "$PPID_SLEEP" 2> /dev/null || true
PPID_SLEEP=
for _ in $(seq 50); do kill -0 "$SPID" 2> /dev/null || break; sleep 0.1; done
if kill -0 "$SPID" 2> /dev/null; then
    bad "hook serve still running 5 s after its parent shell went away"
    kill "$SPID"
else
    ok "hook serve exits when the shell it serves is gone"
fi
[ ! -e f.d ] && ok "… and removes its FIFOs and directory" || bad "left behind: $(ls -la f.d)"

# ---- the snippets' decide functions use the coprocess -----------------------------------
# (sourced with the interactive test turned off; hooks.sh drives real prompts)
tampered() { cp p.cpb t.cpb && printf '\x00' | dd of=t.cpb bs=1 seek=4000 conv=notrunc 2> /dev/null && cp p.cpb.minisig t.cpb.minisig && mv t.cpb p.cpb; }
declare -f tampered install_bundle > funcs
if command -v fish > /dev/null; then
    r=$(fish --no-config -c "$RT hook fish | string replace 'status is-interactive' 'true' | source
        __cmdai_decide 'touch $TMP/forbidden' 2> /dev/null; echo -n \$status' '
        __cmdai_decide 'ls' 2> /dev/null; echo -n \$status' '
        test -d /proc/\$__cmdai_srv; and echo -n coproc' '
        bash -c '. $TMP/funcs; tampered'
        __cmdai_decide 'ls' 2>&1 | string match -q '*failing closed*'; and echo -n closed' '
        bash -c '. $TMP/funcs; install_bundle a.cpb'
        __cmdai_decide 'ls' 2> /dev/null; echo \$status" 2>&1) || true
    [ "$r" = "1 0 coproc closed 0" ] && ok "fish: decides through the coprocess; a tampered bundle fails closed" ||
        bad "fish coprocess: '$r'"
else
    skip "fish not installed"
fi
if command -v zsh > /dev/null; then
    r=$(zsh -f -c 'source <("$1" hook zsh | sed "s/\[\[ -o interactive/[[ 1 = 1/; s/\[\[ ! -t 0 \]\]/false/")
        __cmdai_decide "touch $2/forbidden" 2> /dev/null; print -n "$? "
        __cmdai_decide ls 2> /dev/null; print -n "$? "
        kill -0 $__cmdai_spid && print -n "coproc "
        bash -c ". $2/funcs; tampered"
        [[ $(__cmdai_decide ls 2>&1) == *"failing closed"* ]] && print -n "closed "
        bash -c ". $2/funcs; install_bundle a.cpb"
        __cmdai_decide ls 2> /dev/null; print $?' _ "$RT" "$TMP" 2>&1) || true
    [ "$r" = "1 0 coproc closed 0" ] && ok "zsh: decides through the coprocess; a tampered bundle fails closed" ||
        bad "zsh coprocess: '$r'"
else
    skip "zsh not installed"
fi
r=$(CMDAI_POLICY_BUILTIN= bash -c 'source <("$1" hook bash | sed "s/\[\[ \$- == \*i\* \]\] ||/true ||/; s/if \[\[ \$- == \*i\* \&\&/if [[ 1 == 1 \&\&/")
    __cmdai_decide "touch $2/forbidden" 2> /dev/null; echo -n "$? "
    __cmdai_decide ls 2> /dev/null; echo -n "$? "
    kill -0 "$__cmdai_spid" && echo -n "coproc "
    . "$2/funcs"; tampered
    [[ $(__cmdai_decide ls 2>&1) == *"failing closed"* ]] && echo -n "closed "
    install_bundle a.cpb
    __cmdai_decide ls 2> /dev/null; echo $?' _ "$RT" "$TMP" 2>&1) || true
[ "$r" = "1 0 coproc closed 0" ] && ok "bash without the builtin: decides through the coprocess; a tampered bundle fails closed" ||
    bad "bash coprocess: '$r'"

# CMDAI_POLICY_COPROC=0: the program, no coprocess
if command -v fish > /dev/null; then
    r=$(CMDAI_POLICY_COPROC=0 fish --no-config -c "$RT hook fish | string replace 'status is-interactive' 'true' | source
        __cmdai_decide 'touch $TMP/forbidden' 2> /dev/null; echo -n \$status' '
        __cmdai_decide 'ls' 2> /dev/null; echo -n \$status' '
        set -q __cmdai_srv; and echo -n coproc; echo" 2>&1) || true
    [ "$r" = "1 0 " ] && ok "fish, CMDAI_POLICY_COPROC=0: the program decides" || bad "fish program path: '$r'"
fi
if command -v zsh > /dev/null; then
    r=$(CMDAI_POLICY_COPROC=0 zsh -f -c 'source <("$1" hook zsh | sed "s/\[\[ -o interactive/[[ 1 = 1/; s/\[\[ ! -t 0 \]\]/false/")
        __cmdai_decide "touch $2/forbidden" 2> /dev/null; print -n "$? "
        __cmdai_decide ls 2> /dev/null; print -n "$? "; print ${__cmdai_spid:+coproc}' _ "$RT" "$TMP" 2>&1) || true
    [ "$r" = "1 0 " ] && ok "zsh, CMDAI_POLICY_COPROC=0: the program decides" || bad "zsh program path: '$r'"
fi
r=$(CMDAI_POLICY_COPROC=0 CMDAI_POLICY_BUILTIN= bash -c 'source <("$1" hook bash | sed "s/\[\[ \$- == \*i\* \]\] ||/true ||/; s/if \[\[ \$- == \*i\* \&\&/if [[ 1 == 1 \&\&/")
    __cmdai_decide "touch $2/forbidden" 2> /dev/null; echo -n "$? "
    __cmdai_decide ls 2> /dev/null; echo -n "$? "; echo ${__cmdai_spid:+coproc}' _ "$RT" "$TMP" 2>&1) || true
[ "$r" = "1 0 " ] && ok "bash, CMDAI_POLICY_COPROC=0: the program decides" || bad "bash program path: '$r'"

# the bash builtin's cache follows the same rule (in-place edit keeping size and mtime)
SO=$LIB/cmdai_check.so
if [ -e "$SO" ]; then
    r=$(bash -c 'enable -f "$1" cmdai_check; . "$2/funcs"
        cmdai_check "touch /x/forbidden"; echo -n "$? "
        cmdai_check ls; echo -n "$? "
        f=p.cpb; sz=$(stat -c %s $f); mt=$(stat -c %y $f)
        printf "\x55" | dd of=$f bs=1 seek=$((sz / 2)) conv=notrunc 2> /dev/null; touch -d "$mt" $f
        cmdai_check ls; echo -n "$? "
        install_bundle a.cpb
        cmdai_check ls; echo "$?"' _ "$SO" "$TMP" 2>&1) || true
    [ "$r" = "30 0 77 0" ] && ok "builtin: a bundle edited in place (same size, mtime) is verified again: 77" ||
        bad "builtin cache: '$r', want '30 0 77 0'"
else
    skip "no bash builtin"
fi

# ---- cmdai-policyd first: check, agent-hook and the coprocess -------------------------
D=$BIN/cmdai-policyd
if [ -x "$D" ]; then
    "$CC" keygen -p audit.pub -s audit.key > /dev/null
    "$D" --socket "$TMP/d.sock" --bundle b.cpb --trust k.pub --state dstate --audit-log audit.log \
        --audit-key audit.key --no-fsync 2> daemon.err &
    DPID=$!
    for _ in $(seq 100); do [ -S d.sock ] && break; sleep 0.05; done
    # The daemon serves bundle b (denies otherfile); our own variables say a.
    expect_status 30 "check asks the daemon (its bundle denies otherfile)" \
        env CMDAI_POLICYD_SOCKET="$TMP/d.sock" "$RT" check -- touch /x/otherfile
    grep -q '^deny (risk high): test.otherfile' out && ok "… and prints the verdict as in process" || bad "check via daemon: $(cat out err)"
    expect_status 30 "check --json via the daemon" env CMDAI_POLICYD_SOCKET="$TMP/d.sock" "$RT" check --json -- touch /x/otherfile
    grep -q '"decided_by":"cmdai-policyd"' out && grep -q '"action":"deny"' out && ok "… says decided_by" || bad "json: $(cat out)"
    expect_status 0 "check --no-daemon decides in process (bundle a allows otherfile)" \
        env CMDAI_POLICYD_SOCKET="$TMP/d.sock" "$RT" check --no-daemon -- touch /x/otherfile
    expect_status 0 "check --bundle FILE is never sent to the daemon" \
        env CMDAI_POLICYD_SOCKET= "$RT" check --bundle "$TMP/p.cpb" -- touch /x/otherfile
    echo '{"tool_name":"Bash","tool_input":{"command":"touch /x/otherfile"},"hook_event_name":"PreToolUse"}' > claude.json
    CMDAI_POLICYD_SOCKET=$TMP/d.sock "$RT" agent-hook claude < claude.json > out 2> err || true
    grep -q '"permissionDecision":"deny"' out && grep -q 'test.otherfile' out && ok "agent-hook asks the daemon" ||
        bad "agent-hook via daemon: $(cat out err)"
    printf '1\0/srv/x\0touch /y/otherfile\0' | CMDAI_POLICYD_SOCKET=$TMP/d.sock "$RT" hook serve --shell fish > out 2> err || true
    grep -q '^1 30 deny' out && ok "hook serve asks the daemon" || bad "serve via daemon: $(cat out err)"
    if [ -e "$SO" ]; then
        r=$(bash -c 'enable -f "$1" cmdai_check; CMDAI_POLICYD_SOCKET=$2; cd /tmp
            cmdai_check "touch /z/otherfile"; echo "$? $CMDAI_VERDICT"' _ "$SO" "$TMP/d.sock" 2>&1) || true
        [[ $r == "30 deny (risk high): test.otherfile"* ]] && ok "bash builtin asks the daemon (a shell variable is enough)" ||
            bad "builtin via daemon: '$r'"
    fi
    kill -TERM "$DPID"; wait "$DPID" || true
    DPID=
    python3 - <<'PY' && ok "the daemon's trail has each: source daemon, agent claude, shell fish and bash with their cwd" || bad "trail: $(cat audit.log | head -c 2000)"
import json
recs = [json.loads(l) for l in open("audit.log") if '"command"' in l]
assert any(r.get("agent") == "claude" and r["source"] == "daemon" for r in recs), recs
assert any(r.get("shell") == "fish" and r.get("cwd") == "/srv/x" for r in recs), recs
assert any(r.get("shell") == "bash" and r.get("cwd") == "/tmp" and "/z/" in r["command"] for r in recs), recs
assert sum(1 for r in recs if "otherfile" in r["command"]) == 5, recs
PY
    expect_status 0 "audit verify passes on the daemon's trail" "$RT" audit verify --key audit.pub audit.log
    # Daemon gone: the same commands fall back to the in-process bundle (a).
    expect_status 0 "daemon gone: check falls back to in process" \
        env CMDAI_POLICYD_SOCKET="$TMP/d.sock" "$RT" check -- touch /x/otherfile
    expect_status 30 "… with the caller's own bundle" env CMDAI_POLICYD_SOCKET="$TMP/d.sock" "$RT" check -- touch /x/forbidden
else
    skip "no cmdai-policyd"
fi

finish
