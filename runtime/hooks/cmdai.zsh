# cmdai-policy hook for zsh: eval "$(cmdai-policy hook zsh)" in ~/.zshrc.
# The accept-line widget (Enter) is wrapped: the whole buffer is checked before
# zsh sees it, so a refused line runs no part at all.  allow: silent; warn:
# message, runs; confirm: y/N on the terminal (no terminal: not run); deny:
# reason and rule id, not run, the line stays in history for editing.
# CMDAI_POLICY_FAIL=open|closed (default closed) while the bundle is unusable.
# An interactive zsh without a terminal (zsh -i < file) has no line editor:
# there a DEBUG trap decides on each command ($ZSH_DEBUG_CMD) and skips a
# refused one (ERR_EXIT set inside a DEBUG trap skips the command).
# Non-interactive zsh (scripts, zsh -c) is left alone.
# See docs/hooks.md.
if [[ -o interactive && -z ${__cmdai_loaded-} ]] && zmodload zsh/zle 2> /dev/null; then
typeset -g __cmdai_loaded=1
typeset -g __cmdai_bin=${CMDAI_POLICY_BIN:-@CMDAI_POLICY@}

# __cmdai_ask LINE: sets __cmdai_rc and __cmdai_out as `cmdai-policy check`
# would.  With CMDAI_POLICYD_SOCKET set and zsh/net/socket available, asks
# the daemon (docs/daemon.md) over one kept-open connection instead of
# starting a process; no daemon there: the program.
# Otherwise the coprocess (`cmdai-policy hook serve`, docs/hooks.md
# "Overhead"): started on the first line, it keeps the verified bundle (or a
# daemon connection) and answers over two FIFOs that stay open, so a line
# costs no process start.  CMDAI_POLICY_COPROC=0 turns it off; if it does not
# answer within 5 s, the program.
__cmdai_ask() {
    if [[ -n ${CMDAI_POLICYD_SOCKET-} ]] && __cmdai_ask_daemon "$1"; then
        return
    fi
    if [[ ${CMDAI_POLICY_COPROC-} != 0 ]] && __cmdai_ask_serve "$1"; then
        return
    fi
    __cmdai_out=$("$__cmdai_bin" check -- "$1" 2>&1)
    __cmdai_rc=$?
}

typeset -gi __cmdai_n=0
__cmdai_serve_stop() {
    if [[ -n ${__cmdai_sfd-} ]]; then
        print -rn -u $__cmdai_sfd -- $'0\0\0\0' 2> /dev/null   # ID 0: quit
        exec {__cmdai_sfd}>&- {__cmdai_afd}<&- 2> /dev/null
    fi
    unset __cmdai_sfd __cmdai_afd __cmdai_spid
}
__cmdai_serve_start() {
    local d
    d=$(command mktemp -d 2> /dev/null) || return 1
    if ! command mkfifo -m 600 $d/req $d/ans 2> /dev/null; then
        command rm -rf -- $d
        return 1
    fi
    "$__cmdai_bin" hook serve --fifo $d --parent $$ --shell zsh < /dev/null > /dev/null 2>&1 &!
    typeset -g __cmdai_spid=$! __cmdai_skey=$1 __cmdai_sfd __cmdai_afd
    # Read-write opens do not wait for the other end; the request waits in the
    # FIFO until the coprocess has opened it.
    exec {__cmdai_sfd}<> $d/req {__cmdai_afd}<> $d/ans
}
__cmdai_ask_serve() {
    local key="$__cmdai_bin|${CMDAI_POLICY_BUNDLE-}|${CMDAI_POLICY_TRUST-}|${CMDAI_POLICY_STATE-}|${CMDAI_POLICYD_SOCKET-}|${CMDAI_SESSION-}"
    local id rc out
    if [[ -z ${__cmdai_sfd-} || $__cmdai_skey != "$key" ]] || ! kill -0 $__cmdai_spid 2> /dev/null; then
        __cmdai_serve_stop
        __cmdai_serve_start "$key" || return 1
    fi
    (( ++__cmdai_n ))
    print -rn -u $__cmdai_sfd -- "$__cmdai_n"$'\0'"$PWD"$'\0'"$1"$'\0' 2> /dev/null || { __cmdai_serve_stop; return 1; }
    # Answers to lines we gave up on are skipped by ID.
    while read -r -t 5 -u $__cmdai_afd id rc out; do
        if [[ $id == $__cmdai_n ]]; then
            __cmdai_rc=$rc __cmdai_out=$out
            return 0
        fi
    done
    __cmdai_serve_stop
    return 1
}

__cmdai_ask_daemon() {
    local req=$1 ans tries
    zmodload zsh/net/socket 2> /dev/null || return 1
    req=${req//\\/\\\\}
    req=${req//\"/\\\"}
    req=${req//$'\n'/\\n}
    req=${req//$'\t'/\\t}
    req=${req//$'\r'/\\r}
    # Other control bytes: leave them to the program (the daemon wants JSON).
    [[ $req == *[[:cntrl:]]* ]] && return 1
    for tries in 1 2; do
        if [[ -z ${__cmdai_fd-} ]]; then
            zsocket "$CMDAI_POLICYD_SOCKET" 2> /dev/null || return 1
            typeset -g __cmdai_fd=$REPLY
        fi
        if print -r -u $__cmdai_fd -- "{\"cmd\":\"$req\",\"shell\":\"zsh\"}" 2> /dev/null &&
            read -r -t 5 -u $__cmdai_fd ans 2> /dev/null; then
            break
        fi
        exec {__cmdai_fd}>&- 2> /dev/null
        unset __cmdai_fd
        [[ $tries == 2 ]] && return 1
    done
    local action rules msg
    [[ $ans =~ '"action":"([a-z]+)"' ]] || return 1
    action=$match[1]
    [[ $ans =~ '"rules":\[([^]]*)\]' ]] && rules=${${match[1]//\"/}//,/, }
    [[ $ans =~ '"message":"(([^"\\]|\\.)*)"' ]] && msg=${match[1]//\\\"/\"}
    __cmdai_out=$action${rules:+: $rules}${msg:+ — $msg}
    case $action in
    allow) __cmdai_rc=0 ;; warn) __cmdai_rc=10 ;; confirm) __cmdai_rc=20 ;; *) __cmdai_rc=30 ;;
    esac
    [[ $ans == *'"error":'* && $action == deny ]] && __cmdai_rc=65
    return 0
}

# __cmdai_decide LINE: 0 to run it, 1 to refuse; talks to the user on stderr.
__cmdai_decide() {
    local out rc ans
    __cmdai_ask "$1"
    out=$__cmdai_out rc=$__cmdai_rc
    case $rc in
    0) return 0 ;;
    10) print -r -u2 -- "cmdai: $out"; return 0 ;;
    20)
        print -r -u2 -- "cmdai: $out"
        if { : < /dev/tty } 2> /dev/null; then
            print -n -u2 -- 'cmdai: run it anyway? [y/N] '
            read -r ans < /dev/tty
            [[ $ans == [yY] || $ans == [yY][eE][sS] ]] && return 0
            print -u2 -- 'cmdai: not run'
        else
            print -u2 -- 'cmdai: no terminal to confirm on; not run'
        fi
        return 1 ;;
    30 | 65) print -r -u2 -- "cmdai: ${out//$'\n'/; }"; print -u2 -- 'cmdai: not run'; return 1 ;;
    esac
    if [[ ${CMDAI_POLICY_FAIL:-closed} == open ]]; then
        print -r -u2 -- "cmdai: policy unavailable (${out//$'\n'/; }); CMDAI_POLICY_FAIL=open: running unchecked"
        return 0
    fi
    print -r -u2 -- "cmdai: policy unavailable (${out//$'\n'/; }); failing closed: not run (CMDAI_POLICY_FAIL=open to allow)"
    return 1
}

# One wrapper for every widget that runs the buffer.
__cmdai_accept() {
    local widget=${WIDGET#__cmdai_}
    if [[ -z ${BUFFER//[[:space:]]/} ]]; then
        zle .$widget
        return
    fi
    # Leave the editor so messages and the question go to a normal terminal.
    zle -I
    if __cmdai_decide "$BUFFER"; then
        zle .$widget
    else
        print -rs -- "$BUFFER"   # keep the refused line in history for editing
        BUFFER=
        zle .accept-line
    fi
}
if [[ ! -t 0 ]]; then
    trap '__cmdai_decide "$ZSH_DEBUG_CMD" || setopt errexit' DEBUG
else
for __cmdai_w in accept-line accept-and-hold accept-line-and-down-history accept-and-infer-next-history; do
    zle -N __cmdai_$__cmdai_w __cmdai_accept
    zle -A __cmdai_$__cmdai_w $__cmdai_w
done
unset __cmdai_w
fi
fi
