#!/usr/bin/env python3
"""What the artifact seal costs on a cache hit (docs/security-config.md).

    PYTHONPATH=client/python python3 bench/seal_overhead.py [--calls 3000]

Starts three private kilnds in turn (plain; --signing-key with a client that
does not check the signature; --signing-key with KILN_SERVER_KEY set) and
times the Compile RPC of one cached function through kiln._kiln.compile,
which always asks the server (the Dispatcher would not). Every reply's
digest is verified in all three; the third also verifies the Ed25519
signature. Prints p50 and p90 per configuration.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(kilnd, calls, sign, check):
    d = tempfile.mkdtemp(prefix="kiln-seal-bench-")
    sock = os.path.join(d, "run", "kilnd.sock")
    args = [kilnd, "--socket", sock, "--cache-dir", os.path.join(d, "cache")]
    key = os.path.join(d, "signing.pem")
    if sign:
        args += ["--signing-key", key]
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(1000):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(sock)
                break
            except OSError:
                time.sleep(0.01)
        env = dict(os.environ, KILN_SERVER="unix:" + sock)
        env.pop("KILN_SERVER_KEY", None)
        if check:
            env["KILN_SERVER_KEY"] = key + ".pub"
        code = f"""
import statistics, time, kiln
from kiln import _kiln
@kiln.jit
def f(x, n):
    s = 0.0
    for i in range(n):
        s += x * i
    return s
f(1.5, 3)
b = f.bundle()
ts = []
for _ in range({calls}):
    t = time.perf_counter()
    r = _kiln.compile(b, ("float64", "int64"), "", 3, False, False, "python", 0)
    ts.append(time.perf_counter() - t)
assert r["ok"] and r["cache_hit"]
ts = sorted(ts[len(ts) // 10:])
print(f"{{statistics.median(ts) * 1e6:.0f}} {{ts[int(len(ts) * 0.9)] * 1e6:.0f}}")
"""
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        return [int(v) for v in out.stdout.split()]
    finally:
        p.terminate()
        p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=3000)
    args = ap.parse_args()
    kilnd = os.environ.get("KILN_KILND", os.path.join(ROOT, "build", "server", "kilnd"))
    for name, sign, check in [("unsigned (digest checked)", False, False),
                              ("signed, signature not checked", True, False),
                              ("signed, KILN_SERVER_KEY checks it", True, True)]:
        p50, p90 = run(kilnd, args.calls, sign, check)
        print(f"{name:36s} hit p50 {p50:5d} us  p90 {p90:5d} us")


if __name__ == "__main__":
    main()
