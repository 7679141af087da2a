"""example.py BUNDLE COMMAND... — print one verdict per command with the
Pythonic wrapper (trust from $CMDAI_POLICY_TRUST)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cmdai_policy import Policy, PolicyError  # noqa: E402


def main(argv):
    if len(argv) < 3:
        print("usage: example.py BUNDLE COMMAND...", file=sys.stderr)
        return 2
    try:
        policy = Policy(argv[1])
    except PolicyError as e:
        print(f"example.py: {e}", file=sys.stderr)
        return 2
    worst = 0
    with policy:
        for cmd in argv[2:]:
            v = policy.check(cmd)
            print(f"{v.action}\t{','.join(v.rules)}\t{cmd}")
            worst = max(worst, 0 if v.allowed else 1)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv))
