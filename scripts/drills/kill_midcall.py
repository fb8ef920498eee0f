#!/usr/bin/env python3
"""Drill: the server killed mid-call. The client retries once, on a fresh
channel, and for the embedded default restarts the server first, so the call
succeeds.

Each round, in one client process using the embedded default server: a
compile to connect, then a compile of a new, large function (about a second
of compile work, so the Compile RPC is in flight) starts in a thread, and
the server is killed with SIGKILL 300 ms later. The compile must return the
right answer, from a new server. Rounds are timed.

Usage: kill_midcall.py [--rounds N]
"""

import argparse
import json
import os
import subprocess
import sys

from drill_common import TempDir, figure, percentile

WORKER = r"""
import json, os, signal, sys, threading, time
import kiln
rounds = int(sys.argv[1])
LOOPS = int(sys.argv[2])
out = {"ok": 0, "wrong": 0, "errors": [], "seconds": [], "restarted": 0}
def make(name, k, loops=0):
    body = "".join(f"    for j in range({i % 7 + 2}):\n        s += (x * {i} + j) % {i + 3}\n" for i in range(loops))
    ns = {}
    exec(f"def {name}(x):\n    s = 0\n{body}    return x * 3 + {k} + s * 0\n", ns)
    return kiln.jit(ns[name])
for r in range(rounds):
    make(f"warm{r}", r)(1)                      # connected, server up
    pid = kiln._kiln.server_info(False)["pid"]
    result = {}
    def call():
        t = time.time()
        try:
            result["value"] = make(f"g{r}", 1000 + r, LOOPS)(2)
        except Exception as e:
            result["error"] = f"{type(e).__name__}: {e}"
        result["seconds"] = time.time() - t
    th = threading.Thread(target=call)
    th.start()
    time.sleep(0.3)
    os.kill(pid, signal.SIGKILL)
    th.join()
    if "error" in result:
        out["errors"].append(result["error"])
    elif result["value"] == 2 * 3 + 1000 + r:
        out["ok"] += 1
    else:
        out["wrong"] += 1
    out["seconds"].append(result["seconds"])
    try:
        new_pid = kiln._kiln.server_info(False)["pid"]
        out["restarted"] += new_pid != pid
        out["last_pid"] = new_pid
    except Exception as e:
        out["errors"].append(f"after round {r}: {e}")
print("RESULT " + json.dumps(out))
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--loops", type=int, default=1500, help="size of the slow function (its compile time)")
    a = ap.parse_args()
    with TempDir("kiln-drill-midcall-") as home:
        env = dict(os.environ, XDG_CACHE_HOME=home, KILN_CONNECT_TIMEOUT="5")
        env.pop("KILN_SERVER", None)
        p = subprocess.run([sys.executable, "-c", WORKER, str(a.rounds), str(a.loops)], env=env, capture_output=True, text=True,
                           timeout=60 + 30 * a.rounds)
        line = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
        if not line:
            print(p.stdout, p.stderr)
            print("kill_midcall: FAIL")
            return 1
        out = json.loads(line[0][7:])
        try:
            if out.get("last_pid"):
                os.kill(out["last_pid"], 9)
        except ProcessLookupError:
            pass
    for e in out["errors"][:5]:
        print("  error:", e)
    figure("rounds (server SIGKILLed with a compile in flight)", a.rounds)
    figure("of which the killed server had not finished (calls over 0.3 s)", sum(t > 0.3 for t in out["seconds"]))
    figure("calls that succeeded after the retry", out["ok"])
    figure("calls that failed", len(out["errors"]))
    figure("wrong answers", out["wrong"])
    figure("servers restarted", out["restarted"])
    figure("call seconds p50 (includes the 0.3 s before the kill)", round(percentile(out["seconds"], 0.5), 2))
    figure("call seconds max", round(max(out["seconds"] or [0]), 2))
    ok = out["ok"] == a.rounds
    print("kill_midcall:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
