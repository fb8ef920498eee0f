#!/usr/bin/env python3
"""What a target tier costs: kernels of bench/kernels.py compiled by kiln at
each tier (docs/cache.md, "Target tiers"), timed in one process.

    PYTHONPATH=client/python python3 bench/tiers.py [--trials 25] [--json FILE]

Each kernel is compiled at every tier this CPU runs, checked against the
host tier's answer, and called in interleaved rounds; the time of a tier is
its best round (the machine is shared: the best round is the one the other
jobs disturbed least, and the code is the same in every round). Prints each
tier's time and its ratio to the host tier. Starts its own kilnd, as
bench/kernels.py does.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as _bench  # noqa: E402  (Server, child_env)

CHILD = r'''
import json, math, sys, time
import numpy as np
from kiln import _kiln, jit

opts = json.loads(sys.argv[1])

def matmul_loops(x, y):
    n, k = x.shape
    m = y.shape[1]
    out = np.zeros((n, m))
    for i in range(n):
        for p in range(k):
            xv = x[i, p]
            for j in range(m):
                out[i, j] += xv * y[p, j]
    return out

def expr_long(a, b, c):
    return np.sqrt(a * a + b * b) * 0.5 - c / (1.0 + np.abs(c))

def expr_sin(a, b, c):
    return a * b + np.sin(c)

def stencil_2d(u):
    n, m = u.shape
    out = u.copy()
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            out[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])
    return out

def reduce_loop(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * a[i]
    return s

def sort_copy(a):
    return np.sort(a)

rng = np.random.default_rng(0)
x, y = rng.standard_normal((200, 200)), rng.standard_normal((200, 200))
a, b, c = (rng.standard_normal(1_000_000) for _ in range(3))
u = rng.standard_normal((1000, 1000))
KERNELS = [("matmul loops 200x200", matmul_loops, (x, y)), ("expr sqrt/abs/div (1e6)", expr_long, (a, b, c)),
           ("expr a*b+sin(c) (1e6)", expr_sin, (a, b, c)), ("stencil 2-d 1000x1000", stencil_2d, (u,)),
           ("reduce loop sum a*a (1e6)", reduce_loop, (a,)), ("np.sort (1e6)", sort_copy, (a,))]
levels = ["x86-64", "x86-64-v2", "x86-64-v3", "x86-64-v4"]
best_level = _kiln.best_tier()
tiers = ["host"] + levels[:levels.index(best_level) + 1]
results = []
for name, f, args in KERNELS:
    fs = {t: jit(target_tier=t)(f) for t in tiers}
    ref = np.asarray(fs["host"](*args))
    ok = {t: bool(np.allclose(np.asarray(fs[t](*args)), ref, rtol=1e-9, atol=1e-9)) for t in tiers}
    best = {t: math.inf for t in tiers}
    for _ in range(opts["trials"]):
        for t in tiers:
            s = time.perf_counter()
            fs[t](*args)
            best[t] = min(best[t], time.perf_counter() - s)
    results.append({"kernel": name, "best_s": best, "ok": ok})
print(json.dumps({"tiers": tiers, "best_tier": best_level, "kernels": results}))
'''


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=25, help="interleaved rounds per kernel (default 25)")
    ap.add_argument("--json", help="write the times to this file")
    opts = ap.parse_args()
    workdir = tempfile.mkdtemp(prefix="kiln-tiers-")
    server = _bench.Server(workdir)
    if server.error:
        print(f"kilnd: {server.error}")
        return 1
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, json.dumps({"trials": opts.trials})],
                           env=_bench.child_env(server.address), capture_output=True, text=True, timeout=1800)
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or not lines:
            print("tiers child failed:", (p.stderr.strip().splitlines() or ["?"])[-1])
            return 1
        res = json.loads(lines[-1])
    finally:
        server.stop()
    tiers = res["tiers"]
    print(f"best tier of this CPU: {res['best_tier']}; best of {opts.trials} interleaved rounds, ratio to host")
    print(f"{'kernel':<27}" + "".join(f" {t:>19}" for t in tiers))
    for r in res["kernels"]:
        host = r["best_s"]["host"]
        cells = "".join(f" {r['best_s'][t] * 1e3:8.3f}ms {r['best_s'][t] / host:5.2f}x"
                        + ("!" if not r["ok"][t] else " ") for t in tiers)
        print(f"{r['kernel']:<27}{cells}")
    if not all(all(r["ok"].values()) for r in res["kernels"]):
        print("! a tier gave another answer than the host tier")
    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
