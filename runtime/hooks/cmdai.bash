# cmdai-policy hook for bash: eval "$(cmdai-policy hook bash)" in ~/.bashrc.
# Every line typed at an interactive prompt is checked once, before the first of
# its simple commands runs; on a refusal every simple command of the line is
# skipped (DEBUG trap + extdebug), so `ok; denied` runs neither part.
# allow: silent; warn: message, runs; confirm: y/N on /dev/tty (no tty: not run);
# deny: reason and rule id, not run.  CMDAI_POLICY_FAIL=open|closed (default
# closed) decides what happens while the bundle is missing or broken.
# See docs/hooks.md.  Non-interactive shells are left alone.
[[ $- == *i* ]] || return 0 2> /dev/null || true
if [[ $- == *i* && -z ${__cmdai_loaded-} ]]; then
__cmdai_loaded=1
__cmdai_bin=${CMDAI_POLICY_BIN:-@CMDAI_POLICY@}
__cmdai_so=${CMDAI_POLICY_BUILTIN-@CMDAI_BUILTIN@}
__cmdai_armed=0 __cmdai_block=0 __cmdai_hnum= __cmdai_perline=1
# The in-process builtin when it loads (docs/hooks.md "bash builtin").
if [[ -n $__cmdai_so ]] && enable -f "$__cmdai_so" cmdai_check 2> /dev/null; then
    __cmdai_builtin=1
else
    __cmdai_builtin=0
fi

# __cmdai_react STATUS TEXT: 0 to run the line, 1 to refuse; talks to the
# user on stderr.  STATUS and TEXT as `cmdai-policy check` gives them.
__cmdai_react() {
    [[ $1 == 0 ]] && return 0
    local out=${2//$'\n'/; } ans
    case $1 in
    10) printf 'cmdai: %s\n' "$out" >&2; return 0 ;;
    20)
        printf 'cmdai: %s\n' "$out" >&2
        if (: < /dev/tty) 2> /dev/null; then
            read -r -p 'cmdai: run it anyway? [y/N] ' ans < /dev/tty
            [[ $ans == [yY] || $ans == [yY][eE][sS] ]] && return 0
            printf 'cmdai: not run\n' >&2
        else
            printf 'cmdai: no terminal to confirm on; not run\n' >&2
        fi
        return 1 ;;
    30 | 65) printf 'cmdai: %s\ncmdai: not run\n' "$out" >&2; return 1 ;;
    esac
    # 64, 66-80, 126, 127: no usable policy.
    if [[ ${CMDAI_POLICY_FAIL:-closed} == open ]]; then
        printf 'cmdai: policy unavailable (%s); CMDAI_POLICY_FAIL=open: running unchecked\n' "$out" >&2
        return 0
    fi
    printf 'cmdai: policy unavailable (%s); failing closed: not run (CMDAI_POLICY_FAIL=open to allow)\n' "$out" >&2
    return 1
}

# Without the builtin: the coprocess (`cmdai-policy hook serve`, docs/hooks.md
# "Overhead"), started on the first line, keeps the verified bundle (or a
# cmdai-policyd connection) and answers over two FIFOs that stay open, so a
# line costs no process start.  CMDAI_POLICY_COPROC=0 turns it off; if it
# does not answer within 5 s, the program.
__cmdai_n=0
__cmdai_serve_stop() {
    if [[ -n ${__cmdai_sfd-} ]]; then
        printf '0\0\0\0' >&"$__cmdai_sfd" 2> /dev/null   # ID 0: quit
        exec {__cmdai_sfd}>&- {__cmdai_afd}<&- 2> /dev/null
    fi
    unset __cmdai_sfd __cmdai_afd __cmdai_spid __cmdai_sdir
}
__cmdai_serve_start() {
    # A memory file system when there is one: the history line is written
    # there on every line, and a truncate-and-write on ext4 costs milliseconds.
    local d t=${TMPDIR:-/tmp}
    if [[ -d ${XDG_RUNTIME_DIR-} && -w $XDG_RUNTIME_DIR ]]; then
        t=$XDG_RUNTIME_DIR
    elif [[ -d /dev/shm && -w /dev/shm ]]; then
        t=/dev/shm
    fi
    d=$(command mktemp -d "$t/cmdai-hook.XXXXXXXX" 2> /dev/null) || return 1
    if ! command mkfifo -m 600 "$d/req" "$d/ans" 2> /dev/null; then
        command rm -rf -- "$d"
        return 1
    fi
    # Its own process group, out of the job table: ^C and `jobs` do not see it.
    # The subshell is gone at once; the coprocess watches this shell ($$).
    __cmdai_spid=$(set -m; "$__cmdai_bin" hook serve --fifo "$d" --parent $$ --shell bash < /dev/null > /dev/null 2>&1 & echo $!)
    __cmdai_skey=$1 __cmdai_sdir=$d
    # Read-write opens do not wait for the other end; the request waits in the
    # FIFO until the coprocess has opened it.
    exec {__cmdai_sfd}<> "$d/req" {__cmdai_afd}<> "$d/ans"
}
__cmdai_ask_serve() {
    local key="$__cmdai_bin|${CMDAI_POLICY_BUNDLE-}|${CMDAI_POLICY_TRUST-}|${CMDAI_POLICY_STATE-}|${CMDAI_POLICYD_SOCKET-}|${CMDAI_SESSION-}"
    local id rc out
    if [[ -z ${__cmdai_sfd-} || $__cmdai_skey != "$key" ]] || ! kill -0 "$__cmdai_spid" 2> /dev/null; then
        __cmdai_serve_stop
        __cmdai_serve_start "$key" || return 1
    fi
    ((++__cmdai_n))
    printf '%s\0%s\0%s\0' "$__cmdai_n" "$PWD" "$1" >&"$__cmdai_sfd" 2> /dev/null || { __cmdai_serve_stop; return 1; }
    # Answers to lines we gave up on are skipped by ID.
    while IFS=' ' read -r -t 5 -u "$__cmdai_afd" id rc out; do
        if [[ $id == "$__cmdai_n" ]]; then
            __cmdai_rc=$rc __cmdai_out=$out
            return 0
        fi
    done
    __cmdai_serve_stop
    return 1
}

# __cmdai_decide LINE: 0 to run it, 1 to refuse.
__cmdai_decide() {
    local out rc
    if [[ $__cmdai_builtin == 1 ]]; then
        cmdai_check -- "$1"
        rc=$? out=${CMDAI_VERDICT-}
    elif [[ ${CMDAI_POLICY_COPROC-} != 0 ]] && __cmdai_ask_serve "$1"; then
        rc=$__cmdai_rc out=$__cmdai_out
    else
        out=$("$__cmdai_bin" check -- "$1" 2>&1)
        rc=$?
    fi
    __cmdai_react "$rc" "$out"
}

# The newest history line into h, without a subshell when the coprocess's
# private directory is there to hold it.
__cmdai_histline() {
    if [[ -n ${__cmdai_sdir-} && -d $__cmdai_sdir ]] && HISTTIMEFORMAT= builtin history 1 > "$__cmdai_sdir/h"; then
        IFS= read -r -d '' h < "$__cmdai_sdir/h"
        h=${h%$'\n'}
        return 0
    fi
    h=$(HISTTIMEFORMAT= builtin history 1)
}

# First in PROMPT_COMMAND: the previous line is over.
__cmdai_precmd() {
    local s=$?
    __cmdai_armed=0 __cmdai_block=0 __cmdai_seen=$HISTCMD
    return $s
}
# Last in PROMPT_COMMAND: the next command the trap sees starts a new line.
__cmdai_arm() {
    local s=$?
    __cmdai_armed=1
    return $s
}

__cmdai_debug() {
    # Completion, our own prompt functions and their bodies (extdebug traces
    # into functions) always run.
    [[ -n ${COMP_LINE-} || $BASH_COMMAND == __cmdai_precmd* || ${FUNCNAME[1]-} == __cmdai_* ]] && return 0
    if [[ $__cmdai_armed == 0 && $HISTCMD != "$__cmdai_seen" && $__cmdai_perline == 1 ]]; then
        # A new line started without our prompt functions: PROMPT_COMMAND was
        # replaced after the snippet ran.  Decide anyway and put them back.
        __cmdai_prompt_install
        __cmdai_armed=1
    fi
    if [[ $__cmdai_armed == 1 ]]; then
        __cmdai_armed=0 __cmdai_seen=$HISTCMD
        [[ $BASH_COMMAND == __cmdai_arm* ]] && return 0
        # extdebug lets a failing DEBUG trap skip the command; enabled here,
        # not at startup, where it changes how bash starts (docs/hooks.md).
        shopt -q extdebug || shopt -s extdebug
        local h rc
        if [[ $__cmdai_builtin == 1 ]]; then
            # In process: no fork for the history line nor for the check.
            cmdai_check -H "$__cmdai_hnum"
            rc=$?
            if [[ $rc != 125 ]]; then
                __cmdai_hnum=$CMDAI_HISTNUM __cmdai_perline=1
                __cmdai_react "$rc" "${CMDAI_VERDICT-}" && __cmdai_block=0 || __cmdai_block=1
            else
                __cmdai_perline=0
            fi
        elif __cmdai_histline && [[ $h =~ ^[[:space:]]*([0-9]+)[*[:space:]][[:space:]](.*)$ && ${BASH_REMATCH[1]} != "$__cmdai_hnum" ]]; then
            __cmdai_hnum=${BASH_REMATCH[1]} __cmdai_perline=1
            __cmdai_decide "${BASH_REMATCH[2]}" && __cmdai_block=0 || __cmdai_block=1
        else
            # No new history entry (history off, ignorespace, ignoredups):
            # decide on each simple command instead.
            __cmdai_perline=0
        fi
    fi
    if [[ $__cmdai_perline == 0 && $__cmdai_block == 0 ]]; then
        __cmdai_decide "$BASH_COMMAND" || { __cmdai_block=1; return 1; }
        return 0
    fi
    [[ $__cmdai_block == 0 ]]
}

__cmdai_prompt_install() {
    [[ ${PROMPT_COMMAND-} == *__cmdai_arm* ]] && return 0
    PROMPT_COMMAND="__cmdai_precmd${PROMPT_COMMAND:+$'\n'$PROMPT_COMMAND}"$'\n'__cmdai_arm
}
__cmdai_prompt_install
__cmdai_seen=$HISTCMD
# The common case (same line, nothing refused) costs one [[ ]] and no call.
trap '[[ $__cmdai_armed$__cmdai_block$__cmdai_perline == 001 && $HISTCMD == "$__cmdai_seen" ]] || __cmdai_debug' DEBUG
fi
