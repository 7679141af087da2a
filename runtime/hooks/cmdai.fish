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

    # __cmdai_decide LINE: 0 to run it, 1 to refuse; talks to the user on stderr.
    function __cmdai_decide
        set -l out ($__cmdai_bin check -- $argv[1] 2>&1)
        set -l rc $status
        set out (string join '; ' -- $out)
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
