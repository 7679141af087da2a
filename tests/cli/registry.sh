#!/usr/bin/env bash
# registry.sh — the template registry end to end (docs/registry.md): publish
# into a directory that a real nginx serves on loopback, then search, info,
# and build resolving `extends: [name@^range]` over HTTP with the ETag cache,
# offline mode and cmdai.lock; and the attacks: tampered archive, altered
# index line, untrusted publisher, yanked version, name squatting.
set -euo pipefail
source "$(dirname "$0")/lib.bash"
TMP=$(mktemp -d)
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# nginx as this user, everything in $TMP, on a free loopback port.
if [ ! -x /usr/sbin/nginx ]; then
    echo "registry.sh: nginx is missing (make deps installs it)"; exit 1
fi

cd "$TMP"
"$CC" keygen -p alice.pub -s alice.key > /dev/null
"$CC" keygen -p mallory.pub -s mallory.key > /dev/null
mkdir trust && cp alice.pub trust/
REG=$TMP/www/registry
mkdir -p "$TMP/www"

mk_base() { # VERSION EXTRA-RULE-ID
    cat > base.yaml <<YAML
template:
  name: org-base
  version: $1
  description: Org baseline for every team
  compliance_frameworks: [SOC2]
  risk_tolerance: low
  safety:
    default: allow
    rules:
      - id: fs.rm-root
        match: rm -r ... /
        risk: critical
        action: deny
      - id: $2
        match: shred ...
        risk: high
        action: deny
  tests:
    deny: ["rm -rf /"]
    allow: ["ls"]
YAML
}
cat > team.yaml <<'YAML'
template:
  name: team-a
  version: 0.1.0
  extends: [org-base@^1.2]
  safety:
    rules:
      - id: net.curl
        match: curl ...
        risk: high
        action: warn
        tests:
          match: ["curl https://example.org"]
          no_match: ["ls"]
  tests:
    deny: ["rm -rf /"]
    warn: ["curl https://example.org"]
YAML

# ---- publish ---------------------------------------------------------------------
mk_base 1.2.0 fs.shred-v120
expect_status 0 "publish org-base 1.2.0" "$CC" publish --registry "$REG" --key alice.key base.yaml
grep -q '^published org-base 1.2.0 (sha256:' "$TMP/out" && ok "publish names version and digest" || bad "publish output: $(cat "$TMP/out")"
expect_status 0 "publishing the same content again is a no-op" "$CC" publish --registry "$REG" --key alice.key base.yaml
grep -q "already published" "$TMP/out" && ok "no-op said so" || bad "republish output"
mk_base 1.2.0 fs.shred-changed
expect_status 65 "republishing 1.2.0 with other content is refused" "$CC" publish --registry "$REG" --key alice.key base.yaml
grep -q "immutable" "$TMP/err" && ok "immutability message" || bad "immutability message: $(cat "$TMP/err")"
mk_base 1.3.0 fs.shred-v130
expect_status 0 "publish org-base 1.3.0" "$CC" publish --registry "$REG" --key alice.key base.yaml
[ "$(wc -l < "$REG/index/org-base")" = 2 ] && ok "one index line per version" || bad "index lines"
[ -f "$REG/config.json" ] && grep -q '"registry_format": 1' "$REG/config.json" && ok "config.json at the root" || bad "config.json"
ls "$REG"/archives/*.yaml | wc -l | grep -qx 2 && ok "archives addressed by digest" || bad "archives"
for f in "$REG"/archives/*.yaml; do
    h=$(basename "$f" .yaml); [ "$(sha256sum < "$f" | cut -d' ' -f1)" = "$h" ] || bad "archive $h digest"
done

# ---- name rules (squatting) -----------------------------------------------------
squat() { # NAME WANT-STATUS LABEL
    sed "s/name: org-base/name: $1/; s/version: 1.3.0/version: 1.0.0/" base.yaml > squat.yaml
    expect_status "$2" "$3" "$CC" publish --registry "$REG" --key mallory.key squat.yaml
}
squat org-ba5e 65 "squatting: digit for letter (org-ba5e) refused"
grep -q "confusable with the existing template 'org-base'" "$TMP/err" && ok "squatting message names org-base" || bad "squat msg: $(cat "$TMP/err")"
squat orgbase 65 "squatting: dash dropped (orgbase) refused"
squat 0rg-base 65 "invalid name (digit first) refused"
squat registry 65 "reserved name refused"
grep -q "reserved" "$TMP/err" && ok "reserved message" || bad "reserved msg"
squat ab-- 65 "name with -- refused"
[ ! -e "$REG/index/org-ba5e" ] && [ ! -e "$REG/index/orgbase" ] && ok "refused names left nothing behind" || bad "refused name wrote an index"

# ---- over HTTP ----------------------------------------------------------------
start_nginx "$TMP/www"
R="$URL/registry"
expect_status 0 "search over HTTP" "$CC" search --registry "$R" --cache cache org
grep -q "^org-base *1.3.0 *SOC2" "$TMP/out" && ok "search shows newest version" || bad "search: $(cat "$TMP/out")"
grep -q '"summary": "summary"' "$REG/config.json" && grep -q '^{"name":"org-base","vers":"1.3.0",.*"versions":2}$' "$REG/summary" \
    && ok "config.json announces summary; summary holds org-base's newest version" || bad "summary: $(cat "$REG/summary")"
grep -q '"GET /registry/summary HTTP/1.1" 200' "$TMP/ngx/access.log" && ! grep -q 'GET /registry/index/' "$TMP/ngx/access.log" \
    && ok "search read the summary, not one index file per name" || bad "search requests: $(cat "$TMP/ngx/access.log")"
# a registry from before the summary: search falls back to names + index files
cp -r "$REG" "$TMP/www/old" && rm "$TMP/www/old/summary"
python3 - "$TMP/www/old/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); del c["summary"]; json.dump(c, open(sys.argv[1], "w"))
PY
expect_status 0 "search on a registry without a summary" "$CC" search --registry "$URL/old" --cache cache-old org
grep -q "^org-base *1.3.0 *SOC2" "$TMP/out" && grep -q '"GET /old/index/org-base HTTP/1.1" 200' "$TMP/ngx/access.log" \
    && ok "old registry: the index file was read" || bad "old search: $(cat "$TMP/out")"
printf '{"name":"Bad Name","vers":"1.0.0"}\n' > "$TMP/www/old/summary"
python3 - "$TMP/www/old/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["summary"] = "summary"; json.dump(c, open(sys.argv[1], "w"))
PY
expect_status 67 "a malformed summary line is refused" "$CC" search --registry "$URL/old" --cache cache-old2 org
grep -q "old/summary:1:1: error: summary line is not" "$TMP/err" && ok "malformed summary: file:line" || bad "summary msg: $(cat "$TMP/err")"
expect_status 0 "info over HTTP with trust" "$CC" info --registry "$R" --registry-trust trust --cache cache org-base
[ "$(grep -c '(verified)' "$TMP/out")" = 2 ] && ok "info verifies both signatures" || bad "info: $(cat "$TMP/out")"

BUILD_ARGS=(--registry "$R" --registry-trust trust --cache "$TMP/cache")
expect_status 0 "build resolves org-base@^1.2 over HTTP" "$CC" build "${BUILD_ARGS[@]}" team.yaml -o team.cpb
grep -q '"version": "1.3.0"' cmdai.lock && ok "cmdai.lock pins the newest match (1.3.0)" || bad "lock: $(cat cmdai.lock)"
"$CC" inspect team.cpb > insp.txt 2>&1 || true
grep -q "fs.shred-v130" insp.txt && ok "bundle holds the rules of 1.3.0" || bad "inspect: $(head -c 300 insp.txt)"
grep -c 'If-None-Match\|" 304 ' "$TMP/ngx/access.log" > /dev/null || true
expect_status 0 "second build uses the ETag cache" "$CC" build "${BUILD_ARGS[@]}" team.yaml -o team2.cpb
grep -q '"GET /registry/index/org-base HTTP/1.1" 304' "$TMP/ngx/access.log" && ok "index revalidated with If-None-Match (304)" \
    || bad "no 304 in access log: $(tail -3 "$TMP/ngx/access.log")"
cmp -s team.cpb team2.cpb && ok "same lock, same bundle bytes" || bad "rebuild differs"

# offline: served from the cache even with nginx unreachable
expect_status 66 "offline with an empty cache fails" "$CC" build --registry "$R" --registry-trust trust \
    --cache "$TMP/cache2" --offline --lockfile off.lock team.yaml -o x.cpb
grep -q "offline and not in the cache" "$TMP/err" && ok "offline with an empty cache says so" || bad "offline msg: $(cat "$TMP/err")"
[ ! -e x.cpb ] && ok "no bundle written" || bad "x.cpb written"
expect_status 0 "offline build with the filled cache" "$CC" build "${BUILD_ARGS[@]}" --offline team.yaml -o team3.cpb
cmp -s team.cpb team3.cpb && ok "offline bundle identical" || bad "offline bundle differs"

# ---- the lockfile ---------------------------------------------------------------
mk_base 1.4.0 fs.shred-v140
expect_status 0 "publish org-base 1.4.0" "$CC" publish --registry "$REG" --key alice.key base.yaml
expect_status 0 "build honours cmdai.lock (1.3.0) although 1.4.0 exists" "$CC" build "${BUILD_ARGS[@]}" team.yaml -o team4.cpb
grep -q '"version": "1.3.0"' cmdai.lock && cmp -s team.cpb team4.cpb && ok "lock kept 1.3.0" || bad "lock moved: $(cat cmdai.lock)"
expect_status 0 "a fresh lockfile picks 1.4.0" "$CC" build "${BUILD_ARGS[@]}" --lockfile new.lock team.yaml -o new.cpb
grep -q '"version": "1.4.0"' new.lock && ok "new.lock pins 1.4.0" || bad "new.lock: $(cat new.lock)"
sed 's/org-base@^1.2/org-base@^1.4/' team.yaml > team14.yaml
cp cmdai.lock before.lock
expect_status 65 "--locked refuses a change of the lockfile" "$CC" build "${BUILD_ARGS[@]}" --locked --lockfile cmdai.lock team14.yaml -o locked.cpb
grep -q "forbids" "$TMP/err" && ok "--locked says why" || bad "--locked msg: $(cat "$TMP/err")"
cmp -s before.lock cmdai.lock && [ ! -e locked.cpb ] && ok "--locked changed nothing" || bad "--locked wrote something"
expect_status 0 "--locked with a matching lock builds" "$CC" build "${BUILD_ARGS[@]}" --locked team.yaml -o team5.cpb

expect_status 0 "test runs the inline tests of a template whose base comes from the registry" \
    "$CC" test "${BUILD_ARGS[@]}" --locked team.yaml
expect_status 66 "test without a registry cannot resolve org-base" "$CC" test --stdlib "$TMP/nostd" team.yaml

# ---- every verb that loads a template resolves registry bases (docs/cli.md "Template sources") ----
# cmdai.lock pins org-base 1.3.0 while 1.4.0 is the newest: each verb must use 1.3.0.
cp cmdai.lock ro-before.lock
expect_status 0 "lint: a template extending a registry template" "$CC" lint "${BUILD_ARGS[@]}" team.yaml
grep -q "team.yaml: ok (" "$TMP/out" && ok "lint: ok line" || bad "lint: $(cat "$TMP/out" "$TMP/err")"
expect_status 0 "lint --format json through the registry" "$CC" lint "${BUILD_ARGS[@]}" --format json team.yaml
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["files"][0]["ok"] and d["files"][0]["rules"]==3 else 1)' "$TMP/out" \
    && ok "lint json: 3 rules (org-base 1.3.0 + team-a)" || bad "lint json: $(head -c 400 "$TMP/out")"
expect_status 30 "explain: a rule of the pinned base decides" "$CC" explain "${BUILD_ARGS[@]}" team.yaml -- shred secret.txt
grep -q "fs.shred-v130" "$TMP/out" && ok "explain used org-base 1.3.0 from cmdai.lock" || bad "explain: $(cat "$TMP/out")"
expect_status 0 "inspect compiles a template through the registry" "$CC" inspect "${BUILD_ARGS[@]}" team.yaml
grep -q "fs.shred-v130" "$TMP/out" && ok "inspect shows the pinned base's rules" || bad "inspect: $(head -c 400 "$TMP/out")"
expect_status 0 "fmt loads a template extending a registry template" "$CC" fmt "${BUILD_ARGS[@]}" team.yaml
grep -q "extends: \[org-base@^1.2\]" "$TMP/out" && ok "fmt printed the template" || bad "fmt: $(cat "$TMP/out")"
expect_status 0 "report on a template extending a registry template" "$CC" report --framework SOC2 --format json \
    "${BUILD_ARGS[@]}" team.yaml
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["bundle"]["name"]=="team-a" else 1)' "$TMP/out" \
    && ok "report compiled team-a" || bad "report: $(head -c 400 "$TMP/out")"
mkdir -p weak
printf 'template:\n  name: team-weak\n  version: 0.1.0\n  extends: [org-base@^1.2]\n  tests:\n    deny: ["rm -rf /"]\n' > weak/team.yaml
cp cmdai.lock weak/cmdai.lock
expect_status 1 "diff: two templates on registry bases, a decision weakens" "$CC" diff "${BUILD_ARGS[@]}" --fail-weaker \
    team.yaml weak/team.yaml
grep -q "curl" "$TMP/out" && ok "diff witnesses the removed curl rule" || bad "diff: $(cat "$TMP/out")"
expect_status 0 "diff: a template and the bundle built from it do not differ" "$CC" diff "${BUILD_ARGS[@]}" --exit-code \
    team.yaml team.cpb
expect_status 0 "test --coverage on a template extending a registry template" "$CC" test "${BUILD_ARGS[@]}" --coverage team.yaml
grep -q "fs.shred-v130" "$TMP/out" && grep -q "net.curl" "$TMP/out" && ok "coverage lists the base's and the team's rules" \
    || bad "coverage: $(cat "$TMP/out")"
cmp -s ro-before.lock cmdai.lock && ok "read-only verbs left cmdai.lock as it was" || bad "cmdai.lock changed: $(cat cmdai.lock)"
expect_status 0 "lint with a fresh --lockfile" "$CC" lint "${BUILD_ARGS[@]}" --lockfile ro.lock team.yaml
[ ! -e ro.lock ] && ok "lint does not write a lockfile (only build and test do)" || bad "lint wrote ro.lock"
expect_status 65 "lint --locked fails when resolution would change the lockfile" "$CC" lint "${BUILD_ARGS[@]}" --locked team14.yaml
grep -q "forbids" "$TMP/err" && ! grep -q ": ok (" "$TMP/out" && ok "lint --locked says why, and no ok line" \
    || bad "lint --locked: $(cat "$TMP/err" "$TMP/out")"
cp team14.yaml team14.bak
expect_status 65 "fmt -w --locked fails when resolution would change the lockfile" "$CC" fmt -w "${BUILD_ARGS[@]}" --locked team14.yaml
cmp -s team14.yaml team14.bak && ok "fmt -w --locked left the file untouched" || bad "fmt -w --locked rewrote team14.yaml"
expect_status 78 "a registry base without any trusted publisher key" "$CC" explain --registry "$R" --cache "$TMP/cache" \
    --lockfile nt.lock team.yaml -- ls
grep -q "team.yaml:4:.*no publisher key is trusted" "$TMP/err" && ok "no-trust error points at the extends entry" \
    || bad "no-trust msg: $(cat "$TMP/err")"
# the configuration file serves every verb alike
printf '{"registries": ["%s"], "trust": "%s", "cache": "%s"}\n' "$R" "$TMP/trust" "$TMP/cache" > regs.json
CMDAI_REGISTRY_CONFIG=$TMP/regs.json expect_status 30 "explain with only the registry configuration file" \
    "$CC" explain team.yaml -- rm -rf /
expect_status 66 "a --registry-config that does not exist" "$CC" lint --registry-config "$TMP/nope.json" team.yaml
# offline without a cache: the same clear error and exit 66 from every verb
OFF=(--registry "$R" --registry-trust trust --cache "$TMP/cache-empty" --offline --lockfile "$TMP/off.lock")
offline() { # LABEL VERB-ARGS...
    local label=$1; shift
    expect_status 66 "--offline without a cache: $label" "$CC" "$@"
    grep -q "offline and not in the cache" "$TMP/err" && ok "$label: says offline and not in the cache" \
        || bad "$label offline msg: $(cat "$TMP/err" "$TMP/out" | head -c 400)"
}
offline lint lint "${OFF[@]}" team.yaml
offline explain explain "${OFF[@]}" team.yaml -- ls
offline inspect inspect "${OFF[@]}" team.yaml
offline fmt fmt "${OFF[@]}" team.yaml
offline diff diff "${OFF[@]}" team.cpb team.yaml
offline "test --coverage" test "${OFF[@]}" --coverage team.yaml
offline report report --framework SOC2 "${OFF[@]}" team.yaml
[ ! -e "$TMP/off.lock" ] && ok "no lockfile written offline" || bad "off.lock written"
for v in lint fmt build test inspect explain diff report; do
    "$CC" "$v" --help > help.txt 2>&1 || true
    grep -q 'Template sources' help.txt && grep -q -- '--registry URL|DIR' help.txt || bad "$v --help lacks the source options"
done
ok "every verb that loads templates lists the source options in --help"

# ---- attack: yanked version -----------------------------------------------------------
expect_status 0 "yank 1.4.0" "$CC" yank --registry "$REG" org-base@1.4.0
expect_status 0 "yank 1.3.0" "$CC" yank --registry "$REG" org-base@1.3.0
grep -q '"vers":"1.3.0".*"yanked":true' "$REG/index/org-base" && ok "yank flips only the flag" || bad "yank"
expect_status 0 "search after the yanks" "$CC" search --registry "$R" --cache cache org-base
grep -q "^org-base *1.2.0 " "$TMP/out" && ok "the summary follows yanks (newest usable: 1.2.0)" || bad "search after yank: $(cat "$TMP/out")"
expect_status 0 "info still verifies a yanked line (sig excludes yanked)" "$CC" info --registry "$R" --registry-trust trust --cache cache org-base
[ "$(grep -c '(verified)' "$TMP/out")" = 3 ] && grep -q "1.3.0 (yanked)" "$TMP/out" && ok "info shows yanked" || bad "info: $(cat "$TMP/out")"
expect_status 0 "yanked versions are skipped: fresh resolution picks 1.2.0" "$CC" build "${BUILD_ARGS[@]}" --lockfile y.lock team.yaml -o y.cpb
grep -q '"version": "1.2.0"' y.lock && ok "resolution skipped yanked 1.3.0 and 1.4.0" || bad "y.lock: $(cat y.lock)"
expect_status 0 "a lock that pins yanked 1.3.0 keeps working" "$CC" build "${BUILD_ARGS[@]}" --locked team.yaml -o team6.cpb
cmp -s team.cpb team6.cpb && ok "pinned yanked version still builds the same bundle" || bad "pinned yanked"
expect_status 65 "only yanked versions match ^1.3: refused" "$CC" build "${BUILD_ARGS[@]}" --lockfile z.lock team14.yaml -o z.cpb
grep -q "matching versions are yanked" "$TMP/err" && ok "yank message" || bad "yank msg: $(cat "$TMP/err")"
expect_status 0 "unyank 1.4.0" "$CC" unyank --registry "$REG" org-base@1.4.0

# ---- attack: tampered template archive ------------------------------------------------
cp team.cpb good.cpb
A120=$(grep '"vers":"1.2.0"' "$REG/index/org-base" | python3 -c 'import json,sys; print(json.load(sys.stdin)["digest"][7:])')
cp "$REG/archives/$A120.yaml" a120.bak
sed -i 's/action: deny/action: allow/' "$REG/archives/$A120.yaml"
expect_status 77 "tampered archive refused" "$CC" build "${BUILD_ARGS[@]}" --cache "$TMP/cache-t" --lockfile y.lock team.yaml -o team.cpb
grep -q "tampered with" "$TMP/err" && ok "tamper message" || bad "tamper msg: $(cat "$TMP/err")"
cmp -s team.cpb good.cpb && ok "previous bundle untouched after the tamper" || bad "bundle replaced"
cp a120.bak "$REG/archives/$A120.yaml"

# ---- attack: altered index line (digest swapped to another archive) ------------------
cp "$REG/index/org-base" idx.bak
python3 - "$REG/index/org-base" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
lines[2]["digest"] = lines[0]["digest"]      # 1.4.0 now points at 1.2.0's archive
open(sys.argv[1], "w").write("".join(json.dumps(l, separators=(",", ":")) + "\n" for l in lines))
PY
expect_status 77 "altered index line refused" "$CC" build "${BUILD_ARGS[@]}" --cache "$TMP/cache-i" --lockfile i.lock team.yaml -o team.cpb
grep -q "signature does not verify" "$TMP/err" && ok "altered line message" || bad "altered msg: $(cat "$TMP/err")"
cp idx.bak "$REG/index/org-base"

# ---- attack: endless data (an index far beyond the 4 MiB cap) ------------------------
cp "$REG/index/org-base" idx.bak
head -c 6000000 /dev/zero | tr '\0' 'x' > "$REG/index/org-base"
expect_status 66 "an oversized index is cut off and refused" "$CC" build "${BUILD_ARGS[@]}" --cache "$TMP/cache-e" --lockfile e.lock team.yaml -o team.cpb
grep -q "exceeds the limit of 4194304 bytes" "$TMP/err" && ok "size cap message" || bad "cap msg: $(cat "$TMP/err")"
cmp -s team.cpb good.cpb && ok "previous bundle untouched" || bad "bundle replaced"
cp idx.bak "$REG/index/org-base"

# ---- attack: arbitrary (untrusted) publisher key ------------------------------------
mkdir mtrust && cp mallory.pub mtrust/
expect_status 78 "publisher key not trusted" "$CC" build --registry "$R" --registry-trust mtrust --cache "$TMP/cache-m" --lockfile m.lock team.yaml -o team.cpb
grep -q "which is not trusted" "$TMP/err" && ok "untrusted publisher message" || bad "untrusted msg: $(cat "$TMP/err")"
cmp -s team.cpb good.cpb && ok "previous bundle untouched" || bad "bundle replaced"

# ---- usage errors ---------------------------------------------------------------
for v in publish yank unyank search info provision; do
    expect_status 0 "$v --help" "$CC" "$v" --help
    grep -q "^usage: cmdai-policyc $v" "$TMP/out" || bad "$v --help prints no usage"
    expect_status 64 "$v with an unknown option" "$CC" "$v" --bogus
done
expect_status 64 "publish without --key" "$CC" publish --registry "$REG" base.yaml
expect_status 64 "publish to a URL is refused" "$CC" publish --registry "$R" --key alice.key base.yaml
expect_status 66 "info on an unknown name" "$CC" info --registry "$R" --cache cache nosuch
printf 'template:\n  name: pathy\n  version: 1.0.0\n  extends: [./base.yaml]\n' > pathy.yaml
expect_status 65 "a template extending by path cannot be published" "$CC" publish --registry "$REG" --key alice.key pathy.yaml
grep -q "pathy.yaml:4:" "$TMP/err" && ok "error points at the extends entry" || bad "path msg: $(cat "$TMP/err")"

# ---- transitive and diamond: top -> (midlayer -> org-base@^1.3), org-base@^1.2 ----------
printf 'template:\n  name: midlayer\n  version: 1.0.0\n  extends: [org-base@^1.3]\n' > mid.yaml
expect_status 0 "publish a template that extends a registry name" "$CC" publish --registry "$REG" --key alice.key mid.yaml
grep -q '"deps":{"org-base":"^1.3"}' "$REG/index/midlayer" && ok "deps recorded with their range" || bad "deps: $(cat "$REG/index/midlayer")"
printf 'template:\n  name: top\n  version: 1.0.0\n  extends: [midlayer@^1, org-base@^1.2]\n' > top.yaml
expect_status 0 "transitive and diamond resolution" "$CC" build "${BUILD_ARGS[@]}" --lockfile t.lock top.yaml -o top.cpb
python3 -c 'import json,sys; d=json.load(open("t.lock")); sys.exit(0 if [(p["name"],p["version"]) for p in d["packages"]]==[("midlayer","1.0.0"),("org-base","1.4.0")] else 1)' \
    && ok "one org-base (1.4.0) for both paths, both pinned" || bad "t.lock: $(cat t.lock)"

# ---- a registry of another format, and names that are paths ---------------------------
cp -r "$REG" "$TMP/www/reg2"
sed -i 's/"registry_format": 1/"registry_format": 2/' "$TMP/www/reg2/config.json"
expect_status 68 "a registry of an unknown format is refused" "$CC" build --registry "$URL/reg2" --registry-trust trust \
    --cache "$TMP/cache-f" --lockfile f.lock team.yaml -o f.cpb
grep -q "registry_format 2 is not supported" "$TMP/err" && ok "format message" || bad "format msg: $(cat "$TMP/err")"
expect_status 64 "info with a path for a name" "$CC" info --registry "$REG" ../../etc/passwd
expect_status 64 "yank with a path for a name" "$CC" yank --registry "$REG" ../names@1.0.0

finish
