#!/usr/bin/env bash
# bench_hooks.bash — what the shell hooks add per command line (make bench-hooks;
# figures for docs/hooks.md, not a test: cli-test runs only *.sh).
#   bash (program, coprocess, builtin): N lines of `:` through an interactive
#     bash (stdin not a tty), with the hook minus without it: the whole
#     per-line cost (DEBUG trap, history, decision).
#   zsh, fish (program, coprocess): N calls of the snippet's __cmdai_decide on
#     an allowed line (what the Enter wrapper does besides handing the line to
#     the shell).  "program" is CMDAI_POLICY_COPROC=0: a process per line.
#   zsh via cmdai-policyd: the same with CMDAI_POLICYD_SOCKET (one socket, no
#     process), the daemon without a trail, then with its durable trail.
#   check: N runs of `cmdai-policy check` (fork, exec, verify, decide), and
#     with cmdai-policyd running (fork, exec, ask the daemon).
# Env: BIN, LIB (build/bin, build/lib); N (default 300).
set -euo pipefail
. "$(dirname "$0")/lib.bash"
N=${N:-300}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP"
"$CC" keygen -p k.pub -s k.key > /dev/null
"$CC" build "$CORE" -o p.cpb -s k.key 2> /dev/null
export CMDAI_POLICY_BUNDLE=$TMP/p.cpb CMDAI_POLICY_TRUST=$TMP/k.pub CMDAI_POLICY_STATE=$TMP/state
now() { date +%s%N; }
per() { echo $(((${2} - ${1}) / N / 1000)); } # START END -> µs per line (integer)
report() { printf '%-28s %8s µs per command line\n' "$1" "$2"; }

for ((i = 0; i < N; i++)); do echo ':'; done > lines
echo 'PS1=' > rc.plain
printf 'PS1=\neval "$(%q hook bash)"\n' "$RT" > rc.hook
run_bash() { bash --noprofile --rcfile "$1" -i < lines > /dev/null 2>&1; }
run_bash rc.plain # warm caches
t0=$(now); run_bash rc.plain; t1=$(now)
base=$((t1 - t0))
t0=$(now); CMDAI_POLICY_COPROC=0 CMDAI_POLICY_BUILTIN= run_bash rc.hook; t1=$(now)
report "bash (program)" $(((t1 - t0 - base) / N / 1000))
t0=$(now); CMDAI_POLICY_BUILTIN= run_bash rc.hook; t1=$(now)
report "bash (coprocess)" $(((t1 - t0 - base) / N / 1000))
if [ -e "$LIB/cmdai_check.so" ]; then
    t0=$(now); run_bash rc.hook; t1=$(now)
    report "bash (loadable builtin)" $(((t1 - t0 - base) / N / 1000))
    # The builtin call alone, in a loop inside one bash.
    us=$(bash -c 'enable -f "$1" cmdai_check; cmdai_check ls; s=$EPOCHREALTIME; for ((i = 0; i < $2; i++)); do cmdai_check "git status --short"; done; e=$EPOCHREALTIME; echo $(( (${e/./} - ${s/./}) / $2 ))' _ "$LIB/cmdai_check.so" "$N")
    report "builtin call alone" "$us"
fi
zsh_decide() {
    zsh -f -c 'zmodload zsh/datetime; source <("$1" hook zsh | sed "s/\[\[ -o interactive/[[ 1 = 1/; s/\[\[ ! -t 0 \]\]/false/")
      __cmdai_decide ls; s=$EPOCHREALTIME
      for ((i = 0; i < $2; i++)); do __cmdai_decide "git status --short"; done; e=$EPOCHREALTIME
      printf "%d\n" $(( (e - s) * 1000000 / $2 ))' _ "$RT" "$N"
}
if command -v zsh > /dev/null; then
    report "zsh (program)" "$(CMDAI_POLICY_COPROC=0 zsh_decide)"
    report "zsh (coprocess)" "$(zsh_decide)"
fi
if command -v zsh > /dev/null && [ -x "$BIN/cmdai-policyd" ]; then
    "$BIN/cmdai-policyd" --socket "$TMP/d.sock" --no-audit > d.log 2>&1 &
    dpid=$!
    for ((i = 0; i < 100; i++)); do [ -S "$TMP/d.sock" ] && break; sleep 0.05; done
    us=$(CMDAI_POLICYD_SOCKET=$TMP/d.sock zsh -f -c 'zmodload zsh/datetime; source <("$1" hook zsh | sed "s/\[\[ -o interactive/[[ 1 = 1/; s/\[\[ ! -t 0 \]\]/false/"); s=$EPOCHREALTIME
      for ((i = 0; i < $2; i++)); do __cmdai_decide "git status --short"; done; e=$EPOCHREALTIME
      printf "%d\n" $(( (e - s) * 1000000 / $2 ))' _ "$RT" "$N")
    report "zsh via cmdai-policyd" "$us"
    # The same with the daemon's audit trail on (the default): each answer
    # waits for its record's fdatasync.
    "$BIN/cmdai-policyd" --socket "$TMP/a.sock" --audit-log "$TMP/audit.log" > a.log 2>&1 &
    apid=$!
    for ((i = 0; i < 100; i++)); do [ -S "$TMP/a.sock" ] && break; sleep 0.05; done
    us=$(CMDAI_POLICYD_SOCKET=$TMP/a.sock zsh -f -c 'zmodload zsh/datetime; source <("$1" hook zsh | sed "s/\[\[ -o interactive/[[ 1 = 1/; s/\[\[ ! -t 0 \]\]/false/"); s=$EPOCHREALTIME
      for ((i = 0; i < $2; i++)); do __cmdai_decide "git status --short"; done; e=$EPOCHREALTIME
      printf "%d\n" $(( (e - s) * 1000000 / $2 ))' _ "$RT" "$N")
    kill "$apid" 2> /dev/null || true
    report "zsh via daemon, durable trail" "$us"
    t0=$(now)
    for ((i = 0; i < N; i++)); do CMDAI_POLICYD_SOCKET=$TMP/d.sock "$RT" check -- git status --short > /dev/null; done
    t1=$(now)
    kill "$dpid" 2> /dev/null || true
    report "check process, daemon" "$(per "$t0" "$t1")"
fi
fish_decide() {
    fish --no-config -c "$RT hook fish | string replace 'status is-interactive' 'true' | source
        __cmdai_decide ls; set s (date +%s%N)
        for i in (seq $N); __cmdai_decide 'git status --short'; end
        set e (date +%s%N); math --scale 0 \"(\$e - \$s) / $N / 1000\""
}
if command -v fish > /dev/null; then
    report "fish (program)" "$(CMDAI_POLICY_COPROC=0 fish_decide)"
    report "fish (coprocess)" "$(fish_decide)"
fi
t0=$(now)
for ((i = 0; i < N; i++)); do "$RT" check -- git status --short > /dev/null; done
t1=$(now)
report "cmdai-policy check process" "$(per "$t0" "$t1")"
