#!/usr/bin/env bash
# fleet.sh — signed fleet provisioning end to end (docs/fleet.md): a template
# resolved from a registry, built and signed, provisioned into a TUF-like
# repository that a real nginx serves on loopback, pulled and activated by
# cmdai-policyd; then one test per attack: rollback, freeze, mix-and-match,
# arbitrary key, revoked key, endless data, tampered bundle — each refused
# with a clear message while the previous bundle stays active.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
D="$BIN/cmdai-policyd"
TMP=$(mktemp -d)
NGINX_PID= DPID=
cleanup() {
    if [ -n "$DPID" ]; then kill "$DPID" 2>/dev/null || true; wait "$DPID" 2>/dev/null || true; fi
    if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
if [ ! -x /usr/sbin/nginx ]; then echo "fleet.sh: nginx is missing (make deps installs it)"; exit 1; fi

status() { # prints one field path of the daemon's status, e.g. bundle.serial
    python3 - "$TMP/d.sock" "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b'{"op":"status"}\n')
buf = b""
while not buf.endswith(b"\n"):
    c = s.recv(65536)
    if not c: break
    buf += c
o = json.loads(buf)
for k in sys.argv[2].split("."):
    o = o.get(k) if isinstance(o, dict) else None
print("" if o is None else o)
PY
}
# wait_for FIELD PATTERN: up to 10 s
wait_for() {
    for _ in $(seq 100); do
        if status "$1" 2>/dev/null | grep -q -- "$2"; then return 0; fi
        sleep 0.1
    done
    return 1
}

cd "$TMP"
"$CC" keygen -p pub.pub -s bundle.key > /dev/null        # bundle signing key
"$CC" keygen -p alice.pub -s alice.key > /dev/null       # registry publisher
mkdir trust ptrust && cp pub.pub trust/ && cp alice.pub ptrust/
mkdir -p www/registry www/fleet
cat > base.yaml <<'YAML'
template:
  name: org-base
  version: 1.0.0
  safety:
    default: allow
    rules:
      - id: fs.rm-root
        match: rm -r ... /
        risk: critical
        action: deny
  tests:
    deny: ["rm -rf /"]
YAML
cat > team.yaml <<'YAML'
template:
  name: team-a
  version: 1.0.0
  extends: [org-base@^1]
  safety:
    rules:
      - id: net.curl
        match: curl ...
        risk: high
        action: warn
  tests:
    warn: ["curl x"]
YAML
start_nginx "$TMP/www"
expect_status 0 "publish the base template" "$CC" publish --registry www/registry --key alice.key base.yaml
for n in 1 2 3 4 5; do
    "$CC" build --registry "$URL/registry" --registry-trust ptrust --cache cache team.yaml \
        -o "b$n.cpb" --sign bundle.key --serial "$n" 2> /dev/null || bad "build b$n"
done
[ -s b1.cpb ] && [ -s b4.cpb.minisig ] && ok "bundles built from the registry over HTTP and signed" || bad "bundles"

expect_status 0 "provision creates the repository" "$CC" provision --repo www/fleet --keys keys --scope team-a=b1.cpb
cp www/fleet/root.json trusted-root.json
mkdir old1 && cp www/fleet/*.json old1/

mkdir active
"$D" --socket "$TMP/d.sock" --bundle "$TMP/active/policy.cpb" --trust trust --state state --no-audit \
    --fleet "$URL/fleet" --fleet-root trusted-root.json --scope team-a --fleet-state fstate \
    --fleet-interval 0.2 2> daemon.log &
DPID=$!
wait_for bundle.serial '^1$' && ok "daemon pulled and activated the bundle of scope team-a (serial 1)" || bad "first pull: $(cat daemon.log)"
[ "$(status fleet.ok)" = True ] && ok "fleet status ok" || bad "fleet status: $(status fleet)"
cmp -s active/policy.cpb b1.cpb && ok "active bundle is b1" || bad "active bundle"

# ---- update: a new version is activated atomically ------------------------------------
expect_status 0 "provision serial 2" "$CC" provision --repo www/fleet --keys keys --scope team-a=b2.cpb
wait_for bundle.serial '^2$' && ok "daemon activated serial 2" || bad "update: $(status fleet)"
grep -q '"GET /fleet/timestamp.json HTTP/1.1" 304' ngx/access.log && ok "polls use If-None-Match (304 seen)" || bad "no 304"
mkdir old2 && cp www/fleet/*.json old2/

# attack FILES... : serve the attack, wait for the refusal, check the message
# and that serial 2 is still active, then restore the good repository.
# nginx's ETag is mtime and size: give every swap a fresh mtime so that a
# same-size file of the same second is not answered with 304.
BUMP=0
bump() { BUMP=$((BUMP + 7)); touch -d "@$(( $(date +%s) + BUMP ))" www/fleet/*.json; }
attack() { # NAME PATTERN
    local name=$1 pat=$2
    bump
    if wait_for fleet.error "$pat"; then
        ok "$name refused: $(status fleet.error | cut -c1-110)"
    else
        bad "$name not refused as expected; fleet: $(status fleet)"
    fi
    [ "$(status bundle.serial)" = 2 ] && cmp -s active/policy.cpb b2.cpb && ok "$name: serial 2 still active" \
        || bad "$name: active bundle changed"
}
restore() { cp good/*.json www/fleet/; rm -rf www/fleet/targets; cp -r good/targets www/fleet/; bump
            wait_for fleet.ok True || bad "did not recover: $(status fleet)"; }
mkdir good && cp www/fleet/*.json good/ && cp -r www/fleet/targets good/

# rollback: yesterday's timestamp, snapshot and targets (validly signed, older versions)
cp old1/timestamp.json old1/snapshot.json old1/targets.json www/fleet/
attack "rollback" "rollback attack"
restore

# freeze: a new timestamp that has expired
cp -r www/fleet fleet-frozen
"$CC" provision --repo fleet-frozen --keys keys --timestamp-expires -1m > /dev/null
cp fleet-frozen/timestamp.json fleet-frozen/snapshot.json fleet-frozen/targets.json www/fleet/
attack "freeze (expired timestamp)" "expired at"
restore

# mix-and-match: current timestamp and snapshot, older targets.json (under the
# versioned name the client asks for: consistent snapshots)
TV=$(python3 -c 'import json; print(json.load(open("www/fleet/snapshot.json"))["signed"]["meta"]["targets.json"]["version"])')
cp old1/targets.json "www/fleet/$TV.targets.json"
attack "mix-and-match" "mix-and-match"
restore

# arbitrary key: metadata made by someone with their own keys
cp -r www/fleet fleet-evil
"$CC" provision --repo fleet-evil --keys keys --timestamp-key evil-ts --scope team-a=b3.cpb > /dev/null 2> evil.err || true
"$CC" keygen -p evil-ts.pub -s evil-ts.key --force > /dev/null 2>&1 || true
"$CC" provision --repo fleet-evil --keys keys --timestamp-key evil-ts --scope team-a=b3.cpb > /dev/null 2> evil.err
grep -q "warning: timestamp key" evil.err && ok "provision warns about a key root does not list" || bad "no warning"
cp fleet-evil/timestamp.json fleet-evil/snapshot.json fleet-evil/targets.json www/fleet/
attack "arbitrary timestamp key" "wrong or revoked key"
restore

# endless data: a timestamp.json far beyond the 16 KiB cap
head -c 20000000 /dev/zero | tr '\0' ' ' > www/fleet/timestamp.json
attack "endless data" "exceeds the limit"
restore

# tampered bundle: the bytes on the server are not those targets.json names
cp -r www/fleet fleet-t
"$CC" provision --repo fleet-t --keys keys --scope team-a=b3.cpb > /dev/null   # names b3 ...
H3=$(sha256sum < b3.cpb | cut -d' ' -f1)
cp fleet-t/*.json www/fleet/ && cp -r fleet-t/targets www/fleet/
cp b4.cpb "www/fleet/targets/team-a/$H3.policy.cpb"                        # ... the server has b4
attack "tampered bundle" "targets.json says"
cp b3.cpb "www/fleet/targets/team-a/$H3.policy.cpb"
wait_for bundle.serial '^3$' && ok "with the real bytes back, serial 3 is activated" || bad "no recovery: $(status fleet)"
rm -rf good && mkdir good && cp www/fleet/*.json good/ && cp -r www/fleet/targets good/

# ---- key rotation: root v2 signed by old and new root keys, new timestamp key --------
expect_status 0 "rotate the root and timestamp keys" "$CC" provision --repo www/fleet --keys keys \
    --rotate-root keys/root2 --rotate-timestamp keys/timestamp2 --timestamp-key keys/timestamp2 --scope team-a=b4.cpb
[ -f www/fleet/2.root.json ] && ok "2.root.json written" || bad "no 2.root.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d["signatures"])==2 else 1)' www/fleet/2.root.json \
    && ok "new root carries two signatures (old and new key)" || bad "root signatures"
H4=$(sha256sum < b4.cpb | cut -d' ' -f1)
[ -f "www/fleet/targets/team-a/$H4.policy.cpb" ] && [ -f www/fleet/4.snapshot.json ] && [ -f www/fleet/4.targets.json ] \
    && ok "consistent snapshot: versioned metadata and hash-named bundles" || bad "consistent files: $(ls www/fleet www/fleet/targets/team-a)"
wait_for bundle.serial '^4$' && ok "daemon followed the rotation and activated serial 4" || bad "rotation: $(status fleet)"
[ "$(status fleet.root_version)" = 2 ] && ok "trusted root is now v2" || bad "root version $(status fleet.root_version)"
cp www/fleet/*.json good/; rm -rf good/targets; cp -r www/fleet/targets good/
# revoked key: the old timestamp key signs a fresh timestamp
cp -r www/fleet fleet-revoked
"$CC" provision --repo fleet-revoked --keys keys --timestamp-key keys/timestamp > /dev/null 2>&1
cp fleet-revoked/timestamp.json www/fleet/timestamp.json
bump
if wait_for fleet.error "wrong or revoked key"; then ok "revoked timestamp key refused"; else bad "revoked key: $(status fleet)"; fi
[ "$(status bundle.serial)" = 4 ] && ok "revoked key: serial 4 still active" || bad "revoked: bundle changed"
restore

# a bundle the runtime refuses (signed by an untrusted key) is not activated
"$CC" keygen -p other.pub -s other.key > /dev/null
"$CC" build --registry "$URL/registry" --registry-trust ptrust --cache cache team.yaml -o b9.cpb --sign other.key --serial 9 2> /dev/null
"$CC" provision --repo www/fleet --keys keys --timestamp-key keys/timestamp2 --scope team-a=b9.cpb > /dev/null
bump
if wait_for fleet.error "runtime refused"; then ok "a bundle the runtime refuses is rolled back"; else bad "untrusted bundle: $(status fleet)"; fi
[ "$(status bundle.serial)" = 4 ] && cmp -s active/policy.cpb b4.cpb && ok "serial 4 still active and on disk" || bad "refused bundle left in place"

# ---- thresholds: two timestamp keys, both required --------------------------------------
expect_status 0 "timestamp role with two keys and threshold 2" "$CC" provision --repo www/fleet --keys keys \
    --root-key keys/root2 --rotate-timestamp keys/ts-a,keys/ts-b --timestamp-key keys/ts-a,keys/ts-b \
    --threshold timestamp=2 --scope team-a=b5.cpb
wait_for bundle.serial '^5$' && ok "root v3 with threshold 2 followed; serial 5 activated" || bad "threshold: $(status fleet)"
[ "$(status fleet.root_version)" = 3 ] && ok "trusted root is v3" || bad "root v$(status fleet.root_version)"
expect_status 0 "a timestamp with one of the two required signatures is still written" "$CC" provision \
    --repo www/fleet --keys keys --timestamp-key keys/ts-a
grep -q "gets 1 of the 2 signatures" "$TMP/err" && ok "provision warns about the missing signature" || bad "no threshold warning: $(cat "$TMP/err")"
if wait_for fleet.error "1 valid timestamp signature(s), 2 needed"; then ok "below-threshold timestamp refused"; else bad "threshold: $(status fleet)"; fi
[ "$(status bundle.serial)" = 5 ] && ok "serial 5 still active" || bad "below threshold: bundle changed"
expect_status 0 "both keys again" "$CC" provision --repo www/fleet --keys keys --timestamp-key keys/ts-a,keys/ts-b
wait_for fleet.ok True && ok "recovers with both signatures" || bad "no recovery: $(status fleet)"
expect_status 64 "threshold above the number of keys" "$CC" provision --repo www/fleet --keys keys \
    --root-key keys/root2 --timestamp-key keys/ts-a,keys/ts-b --threshold timestamp=3
expect_status 64 "bad --threshold" "$CC" provision --repo www/fleet --threshold nosuch=1

# ---- a bundle built for another scope, or not a bundle, is not provisioned --------------
"$CC" build --registry "$URL/registry" --registry-trust ptrust --cache cache team.yaml -o ops.cpb --sign bundle.key \
    --serial 10 --scope ops 2> /dev/null
cp www/fleet/targets.json before-targets.json
expect_status 65 "provision refuses a bundle built for another scope" "$CC" provision --repo www/fleet --keys keys \
    --timestamp-key keys/ts-a,keys/ts-b --scope team-a=ops.cpb
grep -q "built for scope 'ops', not 'team-a'" "$TMP/err" && ok "scope message" || bad "scope msg: $(cat "$TMP/err")"
cmp -s before-targets.json www/fleet/targets.json && ok "nothing written" || bad "targets.json changed"
cp team.yaml notabundle.cpb && cp b1.cpb.minisig notabundle.cpb.minisig
expect_status 67 "provision refuses a file that is not a bundle" "$CC" provision --repo www/fleet --keys keys \
    --timestamp-key keys/ts-a,keys/ts-b --scope team-a=notabundle.cpb

# ---- usage ---------------------------------------------------------------------
expect_status 64 "provision without --repo" "$CC" provision
expect_status 64 "bad scope name" "$CC" provision --repo www/fleet --scope ../x=b1.cpb
expect_status 64 "daemon --fleet without --fleet-root" "$D" --socket "$TMP/x.sock" --bundle b1.cpb --trust trust --no-audit --fleet "$URL/fleet"

finish
