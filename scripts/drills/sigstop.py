#!/usr/bin/env python3
"""Drill: a SIGSTOPped server. A stopped kilnd still accepts connections (the
kernel queues them) but never answers, so only deadlines notice it:

  1. the embedded default stopped: a new process (and the process that was
     using it) must fall back to a fallback embedded server within about
     KILN_CONNECT_TIMEOUT and get right answers;
  2. a configured KILN_SERVER stopped: a clear KilnError naming
     KILN_CONNECT_TIMEOUT within about that time, never a hang;
  3. a server stopped mid-call: a KilnError naming KILN_CALL_TIMEOUT after
     about that time.

Usage: sigstop.py [--connect-timeout S] [--call-timeout S] [--rounds N]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

from drill_common import Kilnd, TempDir, figure, percentile

WORKER = r"""
import json, os, signal, sys, threading, time
import kiln
from kiln.errors import KilnError
mode = sys.argv[1]
ns = {}
exec("def f(x):\n    return x * 7 + %s\n" % sys.argv[2], ns)
f = kiln.jit(ns["f"])
out = {}
if mode == "warm":            # start (or reach) the embedded server, say its pid
    out["value"] = f(6)
    out["pid"] = kiln._kiln.server_info(False)["pid"]
elif mode == "call":          # one call, timed
    t = time.time()
    try:
        out["value"] = f(6)
    except KilnError as e:
        out["error"] = str(e)
    out["seconds"] = time.time() - t
    if "error" not in out:
        out["pid"] = kiln._kiln.server_info(False)["pid"]
elif mode == "stop_then_call":  # connected first, then the server stops, then a call
    out["value0"] = f(6)
    pid = kiln._kiln.server_info(False)["pid"]
    os.kill(pid, signal.SIGSTOP)
    out["pid"] = pid
    exec("def g(x):\n    return x * 9 + %s\n" % sys.argv[2], ns)
    g = kiln.jit(ns["g"])
    t = time.time()
    try:
        out["value"] = g(6)
    except KilnError as e:
        out["error"] = str(e)
    out["seconds"] = time.time() - t
    if "error" not in out:
        out["pid_after"] = kiln._kiln.server_info(False)["pid"]
print("RESULT " + json.dumps(out))
"""


def worker(mode, tag, env):
    p = subprocess.run([sys.executable, "-c", WORKER, mode, str(tag)], env=env, capture_output=True, text=True,
                       timeout=60)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            out = json.loads(line[7:])
            out["stderr"] = p.stderr
            return out
    raise RuntimeError(f"worker {mode} failed: {p.stdout}\n{p.stderr}")


def kill_quietly(pid, sig=signal.SIGKILL):
    try:
        os.kill(pid, signal.SIGCONT)
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--connect-timeout", type=float, default=1.0)
    ap.add_argument("--call-timeout", type=float, default=2.0)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    ok = True
    base = dict(os.environ, KILN_CONNECT_TIMEOUT=str(a.connect_timeout))
    base.pop("KILN_SERVER", None)

    # 1. the embedded default, stopped
    new_proc, same_proc = [], []
    for r in range(a.rounds):
        with TempDir("kiln-drill-stop-") as home:
            env = dict(base, XDG_CACHE_HOME=home)
            pids = []
            try:
                w = worker("warm", 100 + r, env)  # starts the embedded server
                primary = w["pid"]
                pids.append(primary)
                os.kill(primary, signal.SIGSTOP)
                c = worker("call", 200 + r, env)  # a new process, the server stopped
                pids.append(c.get("pid", primary))
                good = c.get("value") == 6 * 7 + 200 + r and "fallback" in c["stderr"] and c.get("pid") != primary
                new_proc.append(c["seconds"])
                kill_quietly(pids.pop())  # that fallback server
                os.kill(primary, signal.SIGCONT)
                # a process using the server when it stops
                s = worker("stop_then_call", 400 + r, env)
                pids.append(s.get("pid_after", primary))
                same_proc.append(s["seconds"])
                good &= s.get("value0") == 6 * 7 + 400 + r and s.get("value") == 6 * 9 + 400 + r
                if not good:
                    ok = False
                    print(f"round {r}: no fallback: {c} {s}")
            finally:
                for pid in pids:
                    kill_quietly(pid)
    figure("embedded default stopped: a new process falls back, seconds p50",
           round(percentile(new_proc, 0.5), 2))
    figure("embedded default stopped: a new process falls back, seconds max", round(max(new_proc or [0]), 2))
    figure("embedded default stopped while in use: the next compile falls back, seconds max",
           round(max(same_proc or [0]), 2))

    # 2. a configured server, stopped: an error, fast
    # 3. stopped mid-call: the call deadline
    with TempDir("kiln-drill-stop-") as tmp:
        server = Kilnd(os.path.join(tmp, "cache"), sock=os.path.join(tmp, "kilnd.sock"))
        env = dict(base, KILN_SERVER=server.target, KILN_CALL_TIMEOUT=str(a.call_timeout), XDG_CACHE_HOME=tmp)
        try:
            os.kill(server.proc.pid, signal.SIGSTOP)
            c = worker("call", 1, env)
            named = "KILN_CONNECT_TIMEOUT" in c.get("error", "")
            figure("KILN_SERVER stopped: error after seconds", round(c["seconds"], 2))
            figure("KILN_SERVER stopped: error names KILN_CONNECT_TIMEOUT", named)
            ok &= named and c["seconds"] < a.connect_timeout * 2 + 2
            os.kill(server.proc.pid, signal.SIGCONT)
            # The worker reaches the server and compiles f, then stops it itself and calls g.
            s = worker("stop_then_call", 2, env)
            named = "KILN_CALL_TIMEOUT" in s.get("error", "")
            figure("KILN_SERVER stopped mid-call: error after seconds", round(s["seconds"], 2))
            figure("KILN_SERVER stopped mid-call: error names KILN_CALL_TIMEOUT", named)
            ok &= named and s["seconds"] < a.call_timeout + 2
        finally:
            server.kill()
    print("sigstop:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
