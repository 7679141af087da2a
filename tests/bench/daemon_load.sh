#!/usr/bin/env bash
# daemon_load.sh — `make bench-daemon`: cmdai-policyd on a loopback Unix
# socket with the core-safety bundle, decisions/s and p50/p99 for 1, 8 and 64
# closed-loop clients (one request in flight each), then 8 and 64 pipelined
# connections with DEPTH (default 16) requests in flight each; durable
# (fdatasync group commit, the default) and with --no-fsync (what the
# evaluation and the socket path cost alone).  First, with FSYNC_PROBE, the
# fdatasync latency of 714-byte appends in the same directory as the audit
# log: the durable rows cannot be faster than that.
# Usage: daemon_load.sh BIN_DIR LOADGEN [SECONDS [FSYNC_PROBE]]
set -euo pipefail
BIN=$1 LOAD=$2 SECS=${3:-3} PROBE=${4:-} DEPTH=${DEPTH:-16}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d)
DPID=
trap '[ -n "$DPID" ] && kill -9 $DPID 2>/dev/null; rm -rf "$TMP"' EXIT
cd "$TMP"
"$BIN/cmdai-policyc" keygen -p team.pub -s team.key > /dev/null
"$BIN/cmdai-policyc" keygen -p audit.pub -s audit.key > /dev/null
"$BIN/cmdai-policyc" build "$ROOT/stdlib-templates/core-safety.yaml" -o policy.cpb -s team.key 2> /dev/null
echo "cmdai-policyd load, $(nproc) CPUs, ${SECS}s per run, audit log on $(df -T . | awk 'NR==2{print $2}')"
echo "machine: $(uptime)"
[ -n "$PROBE" ] && "$PROBE" "$TMP" "$SECS"
for mode in durable no-fsync; do
    extra=()
    [ $mode = no-fsync ] && extra=(--no-fsync)
    rm -f audit.log
    "$BIN/cmdai-policyd" --socket "$TMP/d.sock" --bundle policy.cpb --trust team.pub --state state \
        --audit-log audit.log --audit-key audit.key "${extra[@]}" 2> daemon.err &
    DPID=$!
    for _ in $(seq 100); do [ -S d.sock ] && break; sleep 0.05; done
    echo "== $mode"
    for n in 1 8 64; do "$LOAD" "$TMP/d.sock" $n "$SECS"; done
    for n in 8 64; do "$LOAD" "$TMP/d.sock" $n "$SECS" "$DEPTH"; done
    kill -TERM $DPID; wait $DPID || true; DPID=
    "$BIN/cmdai-policy" audit verify --quiet --key audit.pub audit.log && echo "   trail verifies: $(wc -l < audit.log) lines"
done
