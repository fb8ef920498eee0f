#!/usr/bin/env python3
"""Drill: kill -9 during cache writes, ROUNDS rounds (default 100), then check
that no corrupt value is ever served.

Each round starts kilnd on one cache folder, compiles new functions (each a
cache miss: a bundle and an artifact written) from a client thread, and kills
the server with SIGKILL after a random 20-300 ms, mid-write as often as not.
Then `kilnctl cache verify` runs on the folder (when this build's kilnctl has
it), and a fresh server on the same folder compiles and calls every function
of every round: each answer must be right (an artifact that was cut short or
damaged would load wrongly, fail to load, or crash). Exit status 1 otherwise.

Usage: kill9_writes.py [--rounds N] [--per-round K]
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

from drill_common import ROOT, Kilnd, TempDir, figure

import kiln  # noqa: E402  (drill_common put the package on sys.path)
from kiln.errors import KilnError  # noqa: E402


def make(round_, i):
    ns = {}
    src = f"def f_{round_}_{i}(x):\n    return x * {round_ + 2} + {i}\n"
    exec(compile(src, f"<drill {round_}/{i}>", "exec"), ns)
    return ns[f"f_{round_}_{i}"], (lambda x, r=round_, j=i: x * (r + 2) + j)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--per-round", type=int, default=6)
    a = ap.parse_args()
    rng = random.Random(7)
    os.environ.setdefault("KILN_CONNECT_TIMEOUT", "5")
    with TempDir("kiln-drill-kill9-") as tmp:
        cache, sock = os.path.join(tmp, "cache"), os.path.join(tmp, "kilnd.sock")
        os.environ["KILN_SERVER"] = f"unix:{sock}"
        funcs = []  # (round, i, python reference)
        killed_during = 0
        t0 = time.time()
        for r in range(a.rounds):
            server = Kilnd(cache, sock=sock, log=os.path.join(tmp, "kilnd.log"))
            done = []

            def writer(round_=r):
                for i in range(a.per_round):
                    f, ref = make(round_, i)
                    funcs.append((round_, i, ref))
                    try:
                        kiln.jit(f)(3)
                        done.append(i)
                    except KilnError:
                        return  # the server is gone

            t = threading.Thread(target=writer)
            t.start()
            time.sleep(rng.uniform(0.02, 0.3))
            server.kill(signal.SIGKILL)
            t.join()
            if len(done) < a.per_round:
                killed_during += 1
        kill_seconds = time.time() - t0

        verify = subprocess.run([sys.executable, os.path.join(ROOT, "client/python/bin/kilnctl"), "cache",
                                 "verify", "--cache-dir", cache], capture_output=True, text=True)
        verify_text = (verify.stdout + verify.stderr).strip().replace("\n", " | ")
        has_verify = "invalid choice" not in verify_text and "unrecognized" not in verify_text
        if has_verify:
            print(f"kilnctl cache verify: exit {verify.returncode}: {verify_text[:400]}")
        else:
            print("kilnctl cache verify: not in this build (the storage branch adds it)")

        server = Kilnd(cache, sock=sock, log=os.path.join(tmp, "kilnd.log"))
        wrong, failed, hits = 0, 0, 0
        try:
            for round_, i, ref in funcs:
                f, _ = make(round_, i)
                d = kiln.jit(f)
                try:
                    got = d(5)
                except Exception as e:  # a refusal is not a corrupt value, but is counted
                    failed += 1
                    print(f"  f_{round_}_{i}: {type(e).__name__}: {e}")
                    continue
                if got != ref(5):
                    wrong += 1
                    print(f"  f_{round_}_{i}(5) = {got}, expected {ref(5)}")
            stats = kiln._kiln.server_stats(False)
            hits = stats["cache_hits"]
        finally:
            server.kill(signal.SIGTERM)
        figure("rounds", a.rounds)
        figure("rounds killed mid-compile", killed_during)
        figure("functions written", len(funcs))
        figure("functions served again after the kills", len(funcs) - failed)
        figure("of which cache hits", hits)
        figure("wrong answers (corrupt values served)", wrong)
        figure("errors after restart", failed)
        figure("kilnctl cache verify", f"exit {verify.returncode}" if has_verify else "not available")
        figure("drill seconds", round(kill_seconds, 1))
        ok = wrong == 0 and failed == 0 and (not has_verify or verify.returncode == 0)
        print("kill9_writes:", "PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
