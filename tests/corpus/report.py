#!/usr/bin/env python3
"""report.py — how templates judge the mostly-benign corpora (make corpus-report).

For each template: build a bundle signed with a throw-away key, pipe every line
of each corpus through `cmdai-policy check --batch`, and print how many lines
each action got and the rules that fired most.  The commands are only decided,
never run.  Usage:
  report.py [--bin DIR] [--corpora DIR] [--top N] [--list-hits TEMPLATE] TEMPLATE...
--list-hits prints every confirm/deny line of that template (for triage).
"""
import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile

ACTIONS = ["allow", "warn", "confirm", "deny"]
CORPORA = ["tldr-commands.txt", "nl2bash-commands.txt"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="build/bin")
    ap.add_argument("--corpora", default="../shared/corpora")
    ap.add_argument("--top", type=int, default=8)
    ap.add_argument("--list-hits", default=None)
    ap.add_argument("templates", nargs="+")
    a = ap.parse_args()
    cc = os.path.join(a.bin, "cmdai-policyc")
    rt = os.path.join(a.bin, "cmdai-policy")
    with tempfile.TemporaryDirectory() as tmp:
        pub, sec = os.path.join(tmp, "k.pub"), os.path.join(tmp, "k.key")
        subprocess.run([cc, "keygen", "-p", pub, "-s", sec, "--force"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        env = dict(os.environ, CMDAI_POLICY_STATE=os.path.join(tmp, "state"))
        for t in a.templates:
            name = os.path.basename(t).rsplit(".", 1)[0]
            cpb = os.path.join(tmp, name + ".cpb")
            subprocess.run([cc, "build", t, "-o", cpb, "-s", sec], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            print("== %s" % name)
            for c in CORPORA:
                path = os.path.join(a.corpora, c)
                if not os.path.exists(path):
                    print("   %s: missing (%s)" % (c, path))
                    continue
                with open(path, "rb") as f:
                    data = f.read()
                lines = data.split(b"\n")
                if lines and lines[-1] == b"":
                    lines.pop()
                p = subprocess.run([rt, "check", "--bundle", cpb, "--trust", pub, "--batch"],
                                   input=data, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
                out = p.stdout.decode("utf-8", "replace").splitlines()
                acts = collections.Counter()
                rules = collections.Counter()
                hits = []
                for i, l in enumerate(out):
                    v = json.loads(l)
                    act = v.get("action", "?")
                    acts[act] += 1
                    for r in v.get("rules", []):
                        if act in ("confirm", "deny"):
                            rules[r] += 1
                    if act in ("confirm", "deny") and a.list_hits == name:
                        src = lines[i].decode("utf-8", "replace") if i < len(lines) else "?"
                        hits.append("%s\t%s\t%s\t%s" % (c, act, ",".join(v.get("rules", [])) or "(%s)" % "+".join(v["reason"] if isinstance(v.get("reason"), list) else [str(v.get("reason", "default"))]), src))
                n = sum(acts.values())
                flagged = acts["confirm"] + acts["deny"]
                print("   %-22s %6d lines: " % (c, n) +
                      "  ".join("%s %d (%.2f %%)" % (k, acts[k], 100.0 * acts[k] / max(n, 1)) for k in ACTIONS) +
                      "  | confirm+deny %.2f %%" % (100.0 * flagged / max(n, 1)))
                if rules:
                    print("     top rules (confirm/deny): " +
                          ", ".join("%s %d" % (r, k) for r, k in rules.most_common(a.top)))
                for h in hits:
                    print("     HIT\t" + h)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
