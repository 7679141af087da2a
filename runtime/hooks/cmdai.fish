# cmdai-policy hook for fish: `cmdai-policy hook fish | source` in config.fish.
# Enter is bound to a wrapper that checks the whole command line before fish
# runs it, so a refused line runs no part at all.  allow: silent; warn:
# message, runs; confirm: y/N on the terminal (no terminal: not run); deny:
# reason and rule id, not run, the line stays in history for editing.
# CMDAI_POLICY_FAIL=open|closed (default closed) while the bundle is unusable.
# Only interactive fish is touched.  See docs/hooks.md.
if status is-interactive; and not set -q __cmdai_loaded
    set -g __cmdai_loaded 1
    if set -q CMDAI_POLICY_BIN
        set -g __cmdai_bin $CMDAI_POLICY_BIN
    else
        set -g __cmdai_bin @CMDAI_POLICY@
    end

    # The coprocess (`cmdai-policy hook serve`, docs/hooks.md "Overhead"):
    # started on the first line, it answers over two FIFOs in a private
    # directory, so a line costs no process start.  fish cannot keep a file
    # descriptor open, so each line opens the FIFOs; the coprocess holds both
    # open, so the opens do not wait while it runs.  It is restarted when the
    # CMDAI_POLICY* variables change; CMDAI_POLICY_COPROC=0 turns it off.
    set -g __cmdai_n 0
    function __cmdai_serve_start
        set -l d (command mktemp -d 2>/dev/null); or return 1
        if not command mkfifo -m 600 $d/req $d/ans 2>/dev/null
            command rm -rf $d
            return 1
        end
        command $__cmdai_bin hook serve --fifo $d --parent $fish_pid --shell fish </dev/null >/dev/null 2>&1 &
        set -g __cmdai_srv $last_pid
        disown $last_pid 2>/dev/null
        set -g __cmdai_dir $d
        set -g __cmdai_key $argv[1]
    end
    function __cmdai_serve_stop
        # ID 0 asks it to quit (it also quits when this shell is gone).
        if set -q __cmdai_srv; and test /proc/$__cmdai_srv/fd/63 -ef $__cmdai_dir/req
            printf '0\0\0\0' > $__cmdai_dir/req
        end
        set -e __cmdai_srv
    end
    # __cmdai_ask LINE: sets __cmdai_rc and __cmdai_out as `check` would; 1 when
    # the coprocess is not there (the caller runs the program).
    function __cmdai_ask
        test "$CMDAI_POLICY_COPROC" = 0; and return 1
        set -l key "$__cmdai_bin|$CMDAI_POLICY_BUNDLE|$CMDAI_POLICY_TRUST|$CMDAI_POLICY_STATE|$CMDAI_POLICYD_SOCKET|$CMDAI_SESSION"
        if set -q __cmdai_srv; and test "$__cmdai_key" != "$key"
            __cmdai_serve_stop
        end
        # The coprocess holds our FIFO at fd 63 (not just "a process with that
        # pid"): then opening the FIFOs cannot block.
        if not set -q __cmdai_srv; or not test /proc/$__cmdai_srv/fd/63 -ef $__cmdai_dir/req
            set -e __cmdai_srv
            __cmdai_serve_start "$key"; or return 1
            # Wait (bounded) until it has the FIFOs open.
            for i in (seq 200)
                test /proc/$__cmdai_srv/fd/64 -ef $__cmdai_dir/ans; and break
                test -d /proc/$__cmdai_srv; or break
                sleep 0.01
            end
            test /proc/$__cmdai_srv/fd/64 -ef $__cmdai_dir/ans; or begin; set -e __cmdai_srv; return 1; end
        end
        set -g __cmdai_n (math $__cmdai_n + 1)
        printf '%s\0%s\0%s\0' $__cmdai_n $PWD $argv[1] > $__cmdai_dir/req; or return 1
        # Answers to lines we gave up on (none in practice) are skipped by ID.
        while read -l id rc out < $__cmdai_dir/ans
            if test "$id" = $__cmdai_n
                set -g __cmdai_rc $rc
                set -g __cmdai_out $out
                return 0
            end
        end
        set -e __cmdai_srv
        return 1
    end

    # __cmdai_decide LINE: 0 to run it, 1 to refuse; talks to the user on stderr.
    function __cmdai_decide
        set -l out
        set -l rc
        if __cmdai_ask $argv[1]
            set out $__cmdai_out
            set rc $__cmdai_rc
        else
            set out ($__cmdai_bin check -- $argv[1] 2>&1)
            set rc $status
            set out (string join '; ' -- $out)
        end
        switch $rc
            case 0
                return 0
            case 10
                echo "cmdai: $out" >&2
                return 0
            case 20
                echo "cmdai: $out" >&2
                if sh -c ': < /dev/tty' 2>/dev/null
                    read -l -P 'cmdai: run it anyway? [y/N] ' ans </dev/tty
                    if string match -qir '^y(es)?$' -- $ans
                        return 0
                    end
                    echo 'cmdai: not run' >&2
                else
                    echo 'cmdai: no terminal to confirm on; not run' >&2
                end
                return 1
            case 30 65
                echo "cmdai: $out" >&2
                echo 'cmdai: not run' >&2
                return 1
        end
        if test "$CMDAI_POLICY_FAIL" = open
            echo "cmdai: policy unavailable ($out); CMDAI_POLICY_FAIL=open: running unchecked" >&2
            return 0
        end
        echo "cmdai: policy unavailable ($out); failing closed: not run (CMDAI_POLICY_FAIL=open to allow)" >&2
        return 1
    end

    function __cmdai_enter
        set -l line (commandline)
        set line (string join \n -- $line)
        # Empty, or not complete yet (open quote, block): let fish handle Enter.
        if test -z (string trim -- "$line"); or not commandline --is-valid
            commandline -f execute
            return
        end
        echo >&2
        if __cmdai_decide "$line"
            commandline -f execute
        else
            builtin history append -- "$line" 2>/dev/null
            commandline -r ''
            commandline -f repaint
        end
    end

    for __cmdai_mode in default insert
        bind -M $__cmdai_mode \r __cmdai_enter 2>/dev/null
        bind -M $__cmdai_mode \n __cmdai_enter 2>/dev/null
    end
    set -e __cmdai_mode
end
