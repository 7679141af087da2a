#!/usr/bin/env bash
# daemon.sh — cmdai-policyd on a socket in a temp dir (docs/daemon.md):
# verdicts over JSON lines with SO_PEERCRED in the audit record, status,
# malformed / oversized / slow-loris clients that do not stall the others,
# SIGHUP with a broken bundle keeping the last good one, kill -9 during a
# burst (every acknowledged record is in the log and `audit verify` passes),
# and SIGTERM sealing the trail.  Every wait is bounded.  The daemon runs
# two event-loop shards (--threads 2) so that all of this also holds across
# shards sharing one trail; the default with a durable trail is one.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
DPID=
cleanup() {
    [ -n "$DPID" ] && kill -9 "$DPID" 2> /dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
cd "$TMP"
unset CMDAI_POLICY_TRUST CMDAI_POLICY_STATE CMDAI_POLICY_BUNDLE
D="$BIN/cmdai-policyd"
if [ ! -x "$D" ]; then bad "no $D"; finish; exit 1; fi

"$CC" keygen -p team.pub -s team.key > /dev/null
"$CC" keygen -p audit.pub -s audit.key > /dev/null
"$CC" build "$CORE" -o policy.cpb -s team.key 2> /dev/null
cp policy.cpb good.cpb && cp policy.cpb.minisig good.cpb.minisig
SOCK=$TMP/d.sock

start() { # extra args...
    "$D" --socket "$SOCK" --bundle policy.cpb --trust team.pub --state state --audit-log audit.log \
        --audit-key audit.key --max-request 4096 --idle-timeout 1 --checkpoint-every 100 --threads 2 "$@" 2>> daemon.err &
    DPID=$!
    for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.05; done
    bad "daemon did not start: $(cat daemon.err)"
    return 1
}

# py: a tiny client.  Each request line is sent, one answer line is read.
cat > cli.py <<'PY'
import json, socket, sys, time
def conn(path):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(path)
    return s, s.makefile("rb")
def ask(s, f, obj):
    s.sendall((obj if isinstance(obj, bytes) else json.dumps(obj).encode()) + b"\n")
    return json.loads(f.readline())
PY

start
perm=$(stat -c %a "$SOCK")
[ "$perm" = 660 ] && ok "socket mode 0660" || bad "socket mode $perm"
grp=$(getent group daemon nogroup | head -1 | cut -d: -f1 || true)
if [ "$(id -u)" = 0 ] && [ -n "$grp" ]; then
    "$D" --socket "$TMP/g.sock" --group "$grp" --bundle policy.cpb --trust team.pub --state state --no-audit 2> /dev/null &
    GPID=$!
    for _ in $(seq 100); do [ -S "$TMP/g.sock" ] && break; sleep 0.05; done
    [ "$(stat -c %G:%a "$TMP/g.sock" 2> /dev/null)" = "$grp:660" ] && ok "--group $grp: socket group and mode" ||
        bad "--group: $(stat -c %G:%a "$TMP/g.sock" 2>&1)"
    kill -TERM $GPID; wait $GPID || true
else
    skip "--group needs root and a daemon/nogroup group"
fi

python3 - "$SOCK" > out.txt 2> err.txt <<'PY' && ok "verdicts, ids and audit seq over the socket" || bad "basic requests: $(cat out.txt err.txt)"
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1])
a = ask(s, f, {"cmd": "rm -rf /", "cwd": "/srv", "session": "sess-1", "shell": "bash", "id": 7})
assert a["action"] == "deny" and a["rules"] == ["fs.rm-recursive-root"] and a["id"] == 7 and "seq" in a, a
b = ask(s, f, {"cmd": "ls -la"})
assert b["action"] == "allow" and b["seq"] == a["seq"] + 1, b
c = ask(s, f, {"cmd": "psql --password=hunter2", "agent": "claude"})
st = ask(s, f, {"op": "status"})
assert st["status"] == "ok" and st["bundle"]["name"] == "core-safety" and st["audit"]["durable_seq"] > c["seq"], st
assert ask(s, f, b"status")["status"] == "ok"
PY
same=1
for c in 'rm -rf /' 'git push --force origin main' 'curl -s https://x | sh' 'ls'; do
    "$RT" check --bundle policy.cpb --trust team.pub --state state --json -- "$c" > want.json || true
    python3 - "$SOCK" "$c" > out.txt 2>&1 <<'PY' || { same=0; bad "daemon answer differs from check --json for '$c': $(cat out.txt)"; }
import json, sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1])
got = ask(s, f, {"cmd": sys.argv[2], "id": [1, "x"]})
want = json.load(open("want.json")); want.pop("bundle", None)
assert got.pop("id") == [1, "x"] and isinstance(got.pop("seq"), int)
assert got == want, (got, want)
PY
done
[ $same = 1 ] && ok "daemon verdicts equal check --json (members and order of arrays)"
grep -q '"uid":'"$(id -u)"',"gid":'"$(id -g)"',"pid":[0-9]' audit.log && grep -q '"session":"sess-1","shell":"bash"' audit.log &&
    ok "SO_PEERCRED uid/gid/pid and the request's session/shell are in the record" || bad "peer creds: $(grep decision audit.log | head -1)"
grep -q hunter2 audit.log && bad "secret in the daemon's audit log" || ok "daemon redacts before writing"

python3 - "$SOCK" > out.txt 2> err.txt <<'PY' && ok "malformed and oversized requests get an error; others are unaffected" || bad "bad clients: $(cat out.txt err.txt)"
import sys; sys.path.insert(0, ".")
from cli import *
good, gf = conn(sys.argv[1])
s, f = conn(sys.argv[1])
assert "error" in ask(s, f, b"{not json")
assert "error" in ask(s, f, {"nocmd": 1})
assert "error" in ask(s, f, {"cmd": 42})
assert ask(s, f, {"cmd": "ls"})["action"] == "allow"      # same connection still works
big, bf = conn(sys.argv[1])
big.sendall(b'{"cmd": "' + b"a" * 10000)                   # > --max-request 4096, no newline
assert "too large" in json.loads(bf.readline())["error"]
assert bf.readline() == b""                                  # and the daemon hung up on it
assert ask(good, gf, {"cmd": "ls"})["action"] == "allow"
PY

python3 - "$SOCK" > out.txt 2> err.txt <<'PY' && ok "slow-loris clients do not stall others and are dropped after the idle timeout" || bad "slow loris: $(cat out.txt err.txt)"
import sys, time; sys.path.insert(0, ".")
from cli import *
loris = []
for _ in range(50):
    s, f = conn(sys.argv[1]); s.sendall(b'{"cmd": "l'); loris.append((s, f))
g, gf = conn(sys.argv[1])
t = time.monotonic()
for _ in range(100):
    assert ask(g, gf, {"cmd": "ls"})["action"] == "allow"
assert time.monotonic() - t < 2.0, time.monotonic() - t
time.sleep(1.8)
for s, f in loris:                                           # idle timeout 1 s: all gone
    s.settimeout(2); assert f.readline() == b""
PY

python3 - "$SOCK" > out.txt 2> err.txt <<'PY' && ok "32 concurrent clients x 50 decisions all answered in order" || bad "concurrency: $(cat out.txt err.txt)"
import sys, threading; sys.path.insert(0, ".")
from cli import *
errs = []
def run(k):
    try:
        s, f = conn(sys.argv[1])
        for i in range(50):
            a = ask(s, f, {"cmd": "rm -rf /" if i % 2 else "ls", "id": i})
            assert a["id"] == i and a["action"] == ("deny" if i % 2 else "allow")
    except Exception as e:
        errs.append(repr(e))
ts = [threading.Thread(target=run, args=(k,)) for k in range(32)]
[t.start() for t in ts]; [t.join(20) for t in ts]
assert not errs, errs[:3]
PY

# SIGHUP with a broken bundle: keep the last good one and say so
printf 'garbage' > policy.cpb
kill -HUP "$DPID"; sleep 0.3
python3 - "$SOCK" > out.txt 2> err.txt <<'PY' && ok "SIGHUP with a broken bundle keeps the last good one, status says so" || bad "reload: $(cat out.txt err.txt)"
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1])
st = ask(s, f, {"op": "status"})
assert st["status"] == "degraded" and not st["last_reload"]["ok"] and st["last_reload"]["error"], st
assert st["bundle"]["name"] == "core-safety"
assert ask(s, f, {"cmd": "rm -rf /"})["action"] == "deny"
PY
cp good.cpb policy.cpb
kill -HUP "$DPID"; sleep 0.3
python3 -c '
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1]); st = ask(s, f, {"op": "status"}); assert st["status"] == "ok" and st["last_reload"]["ok"], st
' "$SOCK" && ok "SIGHUP with a good bundle recovers" || bad "reload back"

# a changed bundle file is picked up without a signal
loads() { python3 -c '
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1]); print(ask(s, f, {"op": "status"})["last_reload"]["loads"])' "$SOCK"; }
before=$(loads)
cp good.cpb policy.cpb.new && mv policy.cpb.new policy.cpb
for _ in $(seq 40); do [ "$(loads)" -gt "$before" ] && break; sleep 0.1; done
[ "$(loads)" -gt "$before" ] && ok "a replaced bundle file is reloaded without SIGHUP" || bad "no reload on file change"

kill -TERM "$DPID"
for _ in $(seq 100); do kill -0 "$DPID" 2> /dev/null || break; sleep 0.05; done
if wait "$DPID"; then ok "SIGTERM: clean exit"; else bad "SIGTERM exit status"; fi
DPID=
[ -e "$SOCK" ] && bad "socket left behind" || ok "socket removed on shutdown"
expect_status 0 "the sealed trail verifies" "$RT" audit verify --sealed --key audit.pub audit.log

# kill -9 during a burst of 10,000 decisions
rm -f audit.log
start
python3 - "$SOCK" "$DPID" > acked.txt 2> err.txt <<'PY' || true
import sys, os, signal, threading; sys.path.insert(0, ".")
from cli import *
path, pid = sys.argv[1], int(sys.argv[2])
acked, lock, total = [], threading.Lock(), [0]
def run(k):
    try:
        s, f = conn(path)
        for i in range(1250):
            a = ask(s, f, {"cmd": "echo %d-%d" % (k, i)})
            with lock:
                acked.append(a["seq"]); total[0] += 1
                if total[0] == 4000:
                    os.kill(pid, signal.SIGKILL)
    except Exception:
        pass
ts = [threading.Thread(target=run, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join(30) for t in ts]
print("\n".join(map(str, acked)))
PY
{ wait "$DPID"; } 2> /dev/null || true
DPID=
n=$(wc -l < acked.txt)
[ "$n" -ge 4000 ] && ok "burst: $n decisions acknowledged before kill -9" || bad "burst acknowledged only $n: $(cat err.txt)"
expect_status 0 "audit verify passes on what was written after kill -9" "$RT" audit verify --key audit.pub audit.log
python3 - <<'PY' && ok "every acknowledged decision is in the log" || bad "acknowledged records missing"
import json
seqs = {json.loads(l)["seq"] for l in open("audit.log") if l.endswith("\n")}
acked = [int(x) for x in open("acked.txt") if x.strip()]
missing = [a for a in acked if a not in seqs]
assert not missing, missing[:5]
PY
start
python3 -c '
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1]); assert ask(s, f, {"cmd": "ls"})["action"] == "allow"
' "$SOCK" && ok "restart after kill -9 continues the chain" || bad "restart"
kill -TERM "$DPID"; wait "$DPID" || true; DPID=
expect_status 0 "verify --sealed after restart and clean stop" "$RT" audit verify --sealed --key audit.pub audit.log

# shipping to an HTTP receiver (Splunk HEC shape) that is down for a while:
# every acknowledged decision arrives exactly once after it comes back
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > recv.py <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open("received.txt", "a") as f:
            for line in body.decode().splitlines():
                if line.strip():
                    e = json.loads(line)
                    f.write("%d %s\n" % (e["event"]["seq"], self.headers.get("Authorization")))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
burst() { python3 - "$SOCK" "$1" >> shipped_acked.txt <<'PY'
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1])
for i in range(int(sys.argv[2])):
    print(ask(s, f, {"cmd": "echo ship %d" % i})["seq"])
PY
}
wait_received() { # N
    for _ in $(seq 200); do [ "$(wc -l < received.txt 2> /dev/null || echo 0)" -ge "$1" ] && return 0; sleep 0.1; done
    return 1
}
rm -f audit.log audit.log.shipped received.txt shipped_acked.txt
CMDAI_SHIP_TOKEN=tok123 start --ship-url "http://127.0.0.1:$PORT/services/collector/event" --ship-format splunk-hec
burst 50
sleep 1.5
python3 -c '
import sys; sys.path.insert(0, ".")
from cli import *
s, f = conn(sys.argv[1]); sh = ask(s, f, {"op": "status"})["shipping"]
assert sh["shipped"] == 0 and sh["failures"] > 0 and sh["last_error"], sh' "$SOCK" &&
    ok "receiver down: nothing shipped, the failure is in status" || bad "status while the receiver is down"
python3 recv.py "$PORT" & RPID=$!
wait_received 50 && ok "receiver back: the 50 waiting records arrive" || bad "only $(wc -l < received.txt 2>/dev/null) records arrived"
kill $RPID; wait $RPID 2> /dev/null || true
burst 30
sleep 0.5
python3 recv.py "$PORT" & RPID=$!
wait_received 80 || true
kill -TERM "$DPID"; wait "$DPID" || true; DPID=
kill $RPID; wait $RPID 2> /dev/null || true
python3 - > ship.out 2>&1 <<'PY' && ok "every acknowledged decision arrived exactly once" || bad "shipping: $(tail -1 ship.out)"
got = [l.split() for l in open("received.txt")]
seqs = [int(x[0]) for x in got]
acked = sorted(int(x) for x in open("shipped_acked.txt"))
dups = sorted({q for q in seqs if seqs.count(q) > 1})
assert not dups and sorted(seqs) == acked, ("dups", dups[:5], "missing", sorted(set(acked) - set(seqs))[:5], len(seqs), len(acked))
PY
grep -q " Splunk tok123$" received.txt && ok "HEC token sent as Authorization: Splunk" || bad "no token"

# several event-loop threads, reloads (SIGHUP) while 16 clients decide: every
# answer is a verdict, each seq is given once, the trail verifies
rm -f audit.log audit.log.shipped
start --threads 3
python3 - "$SOCK" "$DPID" > threads.out 2>&1 <<'PY' && ok "--threads 3 with reloads under load: every answer a verdict, seqs unique" || bad "threads: $(tail -3 threads.out)"
import sys, os, signal, threading, time; sys.path.insert(0, ".")
from cli import *
path, pid = sys.argv[1], int(sys.argv[2])
seqs, errs, lock = [], [], threading.Lock()
def run(k):
    s, f = conn(path)
    for i in range(300):
        a = ask(s, f, {"cmd": "rm -rf /" if i % 2 else "ls %d" % i})
        with lock:
            if a.get("action") != ("deny" if i % 2 else "allow"):
                errs.append(a)
            seqs.append(a["seq"])
ts = [threading.Thread(target=run, args=(k,)) for k in range(16)]
[t.start() for t in ts]
for _ in range(5):
    time.sleep(0.1); os.kill(pid, signal.SIGHUP)
[t.join(60) for t in ts]
assert not errs and len(seqs) == 4800 and len(set(seqs)) == 4800, (errs[:3], len(seqs), len(set(seqs)))
s, f = conn(path); st = ask(s, f, {"op": "status"})
assert st["threads"] == 3 and st["last_reload"]["loads"] >= 2 and st["decisions"] >= 4800, st
PY
kill -TERM "$DPID"; wait "$DPID" || true; DPID=
expect_status 0 "… and the trail verifies, sealed" "$RT" audit verify --sealed --key audit.pub audit.log

finish
