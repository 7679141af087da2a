#!/usr/bin/env bash
# compile_threads.sh — the compiler's helper threads (compiler/dfa.c note
# [planned rows] and [eager seeds], compiler/min.c note [parallel inverse])
# change nothing in what it builds: a policy large enough to start all three
# is compiled with them and confined to one CPU (taskset: cc_cpus() counts
# the affinity mask, so no thread starts), several times each, and every
# bundle must be the same bytes, with the same verdicts.
# Env: BIN (build/bin).
set -euo pipefail
. "$(dirname "$0")/lib.bash"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"

if ! command -v taskset > /dev/null; then
    skip "taskset (util-linux) not installed"
    finish
    exit 0
fi
if [ "$(nproc)" -lt 2 ]; then
    skip "one CPU: the threads never start here"
    finish
    exit 0
fi

# 1,500 rules of five shapes over a few dozen programs: about 120,000 NFA
# states (eager seeds start at 65,536), 20,000+ DFA states (the planner at
# 4,096) and more than a million inverse transitions (the threaded passes).
awk 'BEGIN {
    split("rm git kubectl docker terraform aws gcloud psql mysql curl wget scp ssh chmod chown dd mkfs.ext4 iptables systemctl helm npm pip cargo tar zip", P, " ")
    np = 25
    print "template:"
    print "  name: threads"
    print "  version: 1.0.0"
    print "  lists:"
    print "    roots: [\"/\", \"/*\", \"~\", \"$HOME\"]"
    print "  safety:"
    print "    default: allow"
    print "    rules:"
    for (i = 0; i < 1500; i++) {
        p = P[i % np + 1]
        s = i % 5
        if (s == 0) m = p " sub" i " --opt" i
        else if (s == 1) m = p " {del" i ",rem" i "} --force" i
        else if (s == 2) m = p " go" i " ... arg" i "*"
        else if (s == 3) m = p " wipe" i " -r ... @roots"
        else m = p " exec" i " ... | sh"
        printf "      - id: r%05d\n        match: \"%s\"\n        risk: %s\n", i, m, (i % 2 ? "critical" : "high")
    }
}' > big.yaml

"$CC" keygen -p k.pub -s k.key > /dev/null 2>&1
export SOURCE_DATE_EPOCH=1700000000
for i in 1 2 3; do
    expect_status 0 "build with helper threads ($i)" "$CC" build big.yaml -o "t$i.cpb"
    expect_status 0 "build on one CPU ($i)" taskset -c 0 "$CC" build big.yaml -o "s$i.cpb"
done
same=1
for f in t2 t3 s1 s2 s3; do
    cmp -s t1.cpb "$f.cpb" || same=0
done
if [ $same = 1 ]; then ok "six builds, one bundle ($(wc -c < t1.cpb) bytes)"; else bad "the builds differ"; fi
grep -qE 'rules -> [0-9]{5,} states' "$TMP/err" && ok "large enough to start the planner" \
    || bad "the policy is too small to test the threads: $(cat "$TMP/err")"

"$CC" sign t1.cpb -s k.key > /dev/null 2>&1
"$CC" sign s1.cpb -s k.key > /dev/null 2>&1
for cmd in "git sub1501 --opt1501" "rm sub0 --opt0" "git rem1 --force1" "kubectl go2 x arg2.txt" \
    "docker wipe3 -r x /" "terraform exec4 a b | sh" "ls -la" "rm sub0 --opt1"; do
    a=$("$RT" check --json --bundle t1.cpb --trust k.pub --state "$TMP/st" -- $cmd 2> /dev/null || true)
    b=$("$RT" check --json --bundle s1.cpb --trust k.pub --state "$TMP/st" -- $cmd 2> /dev/null || true)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then ok "same verdict: $cmd"; else bad "verdicts differ for '$cmd': $a / $b"; fi
done
a=$("$RT" check --json --bundle t1.cpb --trust k.pub --state "$TMP/st" -- rm sub0 --opt0 2> /dev/null || true)
case "$a" in
*'"r00000"'*) ok "rule r00000 fires on its command" ;;
*) bad "r00000 did not fire: $a" ;;
esac
a=$("$RT" check --json --bundle t1.cpb --trust k.pub --state "$TMP/st" -- ls -la 2> /dev/null || true)
case "$a" in
*'"action":"allow"'*) ok "ls -la is allowed" ;;
*) bad "ls -la: $a" ;;
esac

finish
