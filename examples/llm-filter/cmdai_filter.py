"""cmdai_filter.py — a pipeline step between a command-generating model and the
user: JSON lines of candidate commands in, the same lines annotated with the
policy's verdict out, and refused ones dropped.

    model ... | python3 cmdai_filter.py --bundle policy.cpb [--drop deny,confirm] [--field command]

Each input line is an object with the command in FIELD ("command"); the output
line is that object plus "cmdai": {"action", "risk", "rules", "message"}.  Lines
whose action is in --drop (default: deny) are not printed; a note goes to
stderr.  A line that is not JSON, or has no command string, is dropped too
(fail closed), with a note.  This is where cmdai's own generator plugs in.
Exit 0 when every line was read, 2 when the bundle cannot be used.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from cmdai_policy import Policy, PolicyError  # noqa: E402


def filter_lines(policy, lines, out, err, drop=("deny",), field="command"):
    kept = dropped = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            cmd = obj.get(field) if isinstance(obj, dict) else None
        except ValueError:
            obj, cmd = None, None
        if not isinstance(cmd, str):
            print(f"cmdai-filter: line {n}: no {field!r} string; dropped", file=err)
            dropped += 1
            continue
        v = policy.check(cmd)
        obj["cmdai"] = {"action": v.action, "risk": v.risk, "rules": list(v.rules), "message": v.message}
        if v.action in drop:
            print(f"cmdai-filter: line {n}: {v.action} {','.join(v.rules)}: dropped {cmd!r}", file=err)
            dropped += 1
            continue
        out.write(json.dumps(obj, ensure_ascii=False) + "\n")
        kept += 1
    return kept, dropped


def main(argv=None):
    ap = argparse.ArgumentParser(description="annotate or drop model-generated commands by policy verdict")
    ap.add_argument("--bundle", default=os.environ.get("CMDAI_POLICY_BUNDLE"), required=not os.environ.get("CMDAI_POLICY_BUNDLE"))
    ap.add_argument("--trust", default=None, help="minisign .pub or directory (default $CMDAI_POLICY_TRUST)")
    ap.add_argument("--drop", default="deny", help="comma-separated actions to drop (default: deny; '' keeps all)")
    ap.add_argument("--field", default="command")
    a = ap.parse_args(argv)
    try:
        policy = Policy(a.bundle, trust=a.trust)
    except PolicyError as e:
        print(f"cmdai-filter: {e}", file=sys.stderr)
        return 2
    with policy:
        drop = tuple(x for x in a.drop.split(",") if x)
        kept, dropped = filter_lines(policy, sys.stdin, sys.stdout, sys.stderr, drop, a.field)
    print(f"cmdai-filter: {kept} kept, {dropped} dropped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
