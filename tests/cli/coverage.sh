#!/usr/bin/env bash
# coverage.sh — `cmdai-policyc test --coverage`: the rule table (hits from
# the tests and from the corpora) checked against the rules `explain` shows
# firing for each command, the percentages, --min-coverage and
# --min-state-coverage exit codes, --format json on a clean stdout, untested
# forms (each checked to fire its rule and, fed back as a corpus, to enter a
# new accept state of it), bad options.  Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

cat > cov.yaml <<'Y'
template:
  name: cov
  version: 1.0.0
  lists:
    roots: ["/", "~"]
  safety:
    rules:
      - id: fs.rm-root
        match: rm {-r,-R} ... @roots
        risk: critical
        action: deny
        tests:
          match: ["rm -r /"]
          no_match: ["rm -r ./build"]
      - id: git.force
        match: git push {-f,--force}
        risk: high
        action: confirm
      - id: never.tested
        match: shred ...
        risk: high
        action: deny
  tests:
    deny: ["rm -rf ~", "sudo rm -R /"]
    allow: [ls, "git push"]
Y
cat > corpus.txt <<'C'
# comment lines and blank lines are skipped

git push --force origin main
git push -f
rm -rf /
C

expect_status 0 "test --coverage passes without thresholds" "$CC" test --coverage cov.yaml --corpus corpus.txt:deny,confirm
grep -Eq '^  never\.tested +0 +0 .*NOT COVERED$' out && ok "the untested rule is flagged" || bad "table: $(cat out)"
grep -Eq '^  git\.force +0 +2 ' out && ok "git.force: 0 from tests, 2 from the corpus" || bad "table: $(cat out)"
grep -q '^  rules: 2 of 3 fired (66.7 %)$' out && ok "rule percentage" || bad "summary: $(cat out)"
grep -q '^  not covered: never.tested$' out && ok "the uncovered rules are listed" || bad "summary: $(cat out)"
grep -q '^[0-9]* passed, 0 failed$' out && ok "the test totals still close the output" || bad "$(tail -2 out)"

expect_status 0 "--min-coverage 60 is met" "$CC" test --min-coverage 60 cov.yaml --corpus corpus.txt:deny,confirm
expect_status 1 "--min-coverage 70 is missed" "$CC" test --min-coverage 70 cov.yaml --corpus corpus.txt:deny,confirm
grep -q 'BELOW --min-coverage' out && ok "the miss is named" || bad "no BELOW: $(cat out)"
expect_status 1 "without the corpus only 1 rule of 3 fires" "$CC" test --min-coverage 50 cov.yaml
expect_status 1 "--min-state-coverage 100 is missed" "$CC" test --min-state-coverage 100 cov.yaml

# JSON: stdout is one document; the test lines went to stderr.
expect_status 0 "--format json" "$CC" test --coverage --format json cov.yaml --corpus corpus.txt:deny,confirm
cp out cov.json
grep -q '^[0-9]* passed, 0 failed$' err && ok "test totals on stderr under --format json" || bad "stderr: $(cat err)"

# Independent count: every command of the tests and the corpus through
# `explain`, whose per-stage lines name the rules of each decision record.
{
    for c in "rm -r /" "rm -r ./build" "rm -rf ~" "sudo rm -R /" "ls" "git push"; do printf 'T\t%s\n' "$c"; done
    grep -v '^#' corpus.txt | grep -v '^$' | while IFS= read -r c; do printf 'C\t%s\n' "$c"; done
} > cmds.tsv
while IFS=$'\t' read -r src c; do
    "$CC" explain cov.yaml -- "$c" > ex.txt || true
    # rule lines: "      deny    fs.rm-root: message"
    sed -n 's/^      [a-z]* *\([a-z0-9._-]*\): .*/\1/p' ex.txt | sort -u | sed "s/^/$src\t/"
done < cmds.tsv > fired.tsv
if python3 - cov.json fired.tsv <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1]))
t = doc["templates"][0]
want = collections.Counter()
for line in open(sys.argv[2]):
    src, rule = line.rstrip("\n").split("\t")
    want[(rule, "tests" if src == "T" else "corpus")] += 1
errs = []
for r in t["rules"]:
    for k in ("tests", "corpus"):
        if r[k] != want[(r["id"], k)]:
            errs.append(f'{r["id"]} {k}: {r[k]} != {want[(r["id"], k)]}')
    if not 0 <= r["accept_states_visited"] <= r["accept_states"]:
        errs.append(f'{r["id"]}: visited {r["accept_states_visited"]} of {r["accept_states"]}')
rc = t["rule_coverage"]
covered = sum(1 for r in t["rules"] if r["tests"] or r["corpus"])
if (rc["covered"], rc["total"]) != (covered, 3) or abs(rc["percent"] - 100 * covered / 3) > 1e-9:
    errs.append(f"rule_coverage {rc}")
sc = t["state_coverage"]
if not 0 < sc["covered"] <= sc["total"]:
    errs.append(f"state_coverage {sc}")
if t["commands"] != {"tests": 6, "corpus": 3}:
    errs.append(f'commands {t["commands"]}')
if doc["below"] is not False or doc["min_coverage"] is not None:
    errs.append("thresholds")
if errs: print("\n".join(errs))
sys.exit(1 if errs else 0)
PY
then ok "JSON rule hits equal the rules explain shows firing"; else bad "JSON figures differ"; fi

# Untested forms: each example fires its rule (explain) and, fed back as a
# corpus, enters an accept state of that rule that nothing entered before.
python3 -c 'import json,sys
for r in json.load(open(sys.argv[1]))["templates"][0]["rules"]:
    if r["unvisited_example"]: print(r["id"] + "\t" + r["unvisited_example"])' cov.json > examples.tsv
[ "$(wc -l < examples.tsv)" -ge 2 ] && ok "untested forms are proposed ($(wc -l < examples.tsv))" || bad "examples: $(cat examples.tsv)"
exfail=0
while IFS=$'\t' read -r id c; do
    "$CC" explain cov.yaml -- "$c" > ex.txt || true
    grep -Eq "^      [a-z]+ +$id: " ex.txt || { exfail=1; echo "example of $id does not fire it: $c"; }
done < examples.tsv
[ $exfail = 0 ] && ok "every untested form fires its rule" || bad "an example does not fire its rule"
cut -f2 examples.tsv > examples.txt
"$CC" test --coverage --format json cov.yaml --corpus corpus.txt:deny,confirm --corpus examples.txt:allow,warn,confirm,deny > cov2.json 2> /dev/null || true
python3 - cov.json cov2.json examples.tsv <<'PY' && ok "fed back, each example enters a new accept state of its rule" || bad "examples did not raise state coverage"
import json, sys
a = {r["id"]: r for r in json.load(open(sys.argv[1]))["templates"][0]["rules"]}
b = {r["id"]: r for r in json.load(open(sys.argv[2]))["templates"][0]["rules"]}
ids = [l.split("\t")[0] for l in open(sys.argv[3])]
sys.exit(0 if ids and all(b[i]["accept_states_visited"] > a[i]["accept_states_visited"] for i in ids) else 1)
PY

expect_status 1 "--format json with a missed threshold" "$CC" test --format json --min-coverage 90 cov.yaml
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["below"] and d["templates"][0]["rule_coverage"]["below"] else 1)' out &&
    ok "JSON says below" || bad "JSON: $(cat out)"

# Inherited rules count with their own cases: the shipped core-safety is fully covered.
expect_status 0 "core-safety: every rule fires on its tests" "$CC" test --min-coverage 100 "$CORE"

# At scale: the per-rule corpus hits on core-safety over both corpora equal
# the rules listed by `cmdai-policy check --batch` verdicts, line by line.
"$CC" keygen -p k.pub -s k.key > /dev/null
"$CC" build "$CORE" -o core.cpb -s k.key 2> /dev/null
grep -hv '^#' "$ROOT/tests/corpus/dangerous.txt" "$ROOT/tests/corpus/safe.txt" | grep -v '^$' > all.txt || true
"$RT" check --bundle core.cpb --trust k.pub --state state --batch < all.txt > verdicts.jsonl || true
expect_status 0 "coverage of core-safety over both corpora" "$CC" test --coverage --format json "$CORE" --corpus all.txt:allow,warn,confirm,deny
cp out core.json
if python3 - core.json verdicts.jsonl all.txt <<'PY'
import json, sys, collections
doc = json.load(open(sys.argv[1]))["templates"][0]
want, lines, capped = collections.Counter(), 0, 0
for l in open(sys.argv[2]):
    v = json.loads(l); lines += 1
    capped += len(v["rules"]) >= 16
    for r in set(v["rules"]): want[r] += 1
n = sum(1 for _ in open(sys.argv[3]))
errs = [] if lines == n == doc["commands"]["corpus"] else [f"{lines} verdicts, {n} lines, {doc['commands']['corpus']} walked"]
if capped: errs.append(f"{capped} verdicts hit the 16-rule cap: not comparable")
for r in doc["rules"]:
    if r["corpus"] != want[r["id"]]: errs.append(f'{r["id"]}: coverage {r["corpus"]}, verdicts {want[r["id"]]}')
if errs: print("\n".join(errs[:20]))
sys.exit(1 if errs else 0)
PY
then ok "per-rule corpus hits equal the rules of check --batch verdicts ($(wc -l < all.txt) commands)"; else bad "core-safety corpus hits differ"; fi

expect_status 64 "--min-coverage above 100" "$CC" test --min-coverage 150 cov.yaml
expect_status 64 "--format xml" "$CC" test --coverage --format xml cov.yaml
expect_status 64 "--format json without coverage" "$CC" test --format json cov.yaml
expect_status 66 "missing corpus" "$CC" test --coverage cov.yaml --corpus nope.txt:deny

finish
