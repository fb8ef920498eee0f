#!/usr/bin/env python3
"""Classic NumPy kernels, kiln against Numba, side by side in one run.

    PYTHONPATH=client/python python3 bench/kernels.py [--quick] [--only K1,K2] [--no-conformance] [--json FILE]

Times the steady state (median of timed calls after a warm-up call) of each
kernel compiled by kiln.jit and by numba.njit in one process, trials
interleaved, checks that both give NumPy's answer, and prints the ratio
kiln/Numba per kernel and their geometric mean. For the memory-bound
kernels it also prints the fraction of the machine's memory bandwidth each
reached: the bandwidth is measured in the same run with a copy kernel
(np.copyto of the kernels' array size, best of the trials, read + write
bytes counted; a 64 MiB copy is printed too, for main memory).
Then it runs the conformance corpus' benchmark cases of the NumPy
categories (run.py --jit kiln:jit --peer numba:njit --bench) and prints
their ratios and geomean too. See bench/README.md.

The machine this runs on is usually shared: read ratios, not times.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench as _bench  # noqa: E402  (Server, child_env, helpers)

REPO = _bench.REPO
NUMPY_CATEGORIES = "array_create,array_index,array_slice_views,array_expr_ufuncs,reductions,linalg,random_seeded,loops_heavy"

# The kernels, run in a child process with kiln and Numba both imported.
# Each entry: name -> (function source, setup expression giving the args,
# bytes a perfect kernel moves to or from memory per call (None: not
# memory-bound), result check).
CHILD = r'''
import gc, json, math, statistics, sys, time
import numpy as np
import kiln
import numba

opts = json.loads(sys.argv[1])
N = opts["n"]
trials = opts["trials"]

SRC = """
import numpy as np

def expr_sin(a, b, c):
    return a * b + np.sin(c)

def expr_fma(a, b, c):
    return a * b + c

def expr_long(a, b, c):
    return np.sqrt(a * a + b * b) * 0.5 - c / (1.0 + np.abs(c))

def inplace_loop(a, b):
    for i in range(a.shape[0]):
        a[i] += 2.0 * b[i]
    return a

def stencil_1d(a):
    out = np.empty_like(a)
    out[0] = a[0]
    out[-1] = a[-1]
    for i in range(1, a.shape[0] - 1):
        out[i] = (a[i - 1] + a[i] + a[i + 1]) / 3.0
    return out

def stencil_2d(u):
    n, m = u.shape
    out = u.copy()
    for i in range(1, n - 1):
        for j in range(1, m - 1):
            out[i, j] = 0.25 * (u[i - 1, j] + u[i + 1, j] + u[i, j - 1] + u[i, j + 1])
    return out

def reduce_sum(a):
    return a.sum()

def reduce_loop(a):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * a[i]
    return s

def reduce_stats(a):
    return a.mean() + a.std() + a.max() - a.min()

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

def sort_copy(a):
    return np.sort(a)

def random_normal(n):
    np.random.seed(42)
    s = 0.0
    for i in range(n):
        s += np.random.normal(0.0, 1.0)
    return s

def random_uniform_array(n):
    np.random.seed(7)
    return np.random.random(n).sum()
"""
ns = {}
exec(compile(SRC, "<bench kernels>", "exec"), ns)

rng = np.random.default_rng(0)
a, b, c = (rng.standard_normal(N) for _ in range(3))
side = int(math.sqrt(N))
u = rng.standard_normal((side, side))
mm = 200 if not opts["quick"] else 120
x, y = rng.standard_normal((mm, mm)), rng.standard_normal((mm, mm))
F8 = 8
KERNELS = [
    # name, function, args maker, bytes moved per call (None: compute-bound)
    ("expr a*b+sin(c) (1e6)", "expr_sin", lambda: (a, b, c), None),
    ("expr a*b+c (1e6)", "expr_fma", lambda: (a, b, c), 4 * N * F8),
    ("expr sqrt/abs/div (1e6)", "expr_long", lambda: (a, b, c), 4 * N * F8),
    ("loop a[i] += 2*b[i] (1e6)", "inplace_loop", lambda: (a.copy(), b), 3 * N * F8),
    ("stencil 1-d (1e6)", "stencil_1d", lambda: (a,), 2 * N * F8),
    ("stencil 2-d 5-point", "stencil_2d", lambda: (u,), 3 * side * side * F8),
    ("reduce a.sum() (1e6)", "reduce_sum", lambda: (a,), N * F8),
    ("reduce loop sum a*a (1e6)", "reduce_loop", lambda: (a,), N * F8),
    ("reduce mean+std+max-min", "reduce_stats", lambda: (a,), None),
    (f"matmul loops {mm}x{mm}", "matmul_loops", lambda: (x, y), None),
    ("np.sort (1e6)", "sort_copy", lambda: (a,), None),
    ("random.normal loop (1e6)", "random_normal", lambda: (N,), None),
    ("random.random(n).sum()", "random_uniform_array", lambda: (N,), None),
]
if opts["only"]:
    KERNELS = [k for k in KERNELS if any(s in k[1] or s in k[0] for s in opts["only"])]


REFS = {}


def reference(name):
    """NumPy's answer (vectorised where the plain Python loop would take seconds)."""
    if name not in REFS:
        if name == "matmul_loops":
            REFS[name] = x @ y
        elif name == "inplace_loop":
            REFS[name] = a + 2.0 * b
        elif name == "stencil_2d":
            out = u.copy()
            out[1:-1, 1:-1] = 0.25 * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:])
            REFS[name] = out
        else:
            args = dict((k[1], k[2]) for k in KERNELS)[name]()
            REFS[name] = ns[name](*args)
    return REFS[name]


def timed(f, args):
    gc.collect()
    t = time.perf_counter()
    f(*args)
    return time.perf_counter() - t


# The machine's memory bandwidth, read + write counted, by a copy kernel:
# of N float64 (the kernels' own working set, which may sit in a large
# last-level cache) and of 64 MiB (main memory).
def copy_bandwidth(n):
    src = np.ones(n)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = min(timed(np.copyto, (dst, src)) for _ in range(max(trials, 5)))
    return 2 * src.nbytes / best


bandwidth = copy_bandwidth(N)
bandwidth_dram = copy_bandwidth(8 * 1024 * 1024)
copy_s = None

results = []
for label, name, make, nbytes in KERNELS:
    py = ns[name]
    rec = {"kernel": label, "function": name, "bytes": nbytes}
    jits = {}
    # keys: --peer-tier puts kiln at another target tier in Numba's column.
    peer = (lambda f: kiln.jit(f, target_tier=opts["peer_tier"])) if opts.get("peer_tier") else numba.njit
    for who, deco in (("kiln", kiln.jit), ("numba", peer)):
        try:
            f = deco(py)
            got = f(*make())
            ok = np.allclose(np.asarray(got), np.asarray(reference(name)), rtol=1e-9, atol=1e-9)
            jits[who] = f
            rec[who + "_ok"] = bool(ok)
        except Exception as e:  # a refusal or a failure: reported, not fatal
            rec[who + "_error"] = f"{type(e).__name__}: {str(e).splitlines()[0][:160]}"
    samples = {w: [] for w in jits}
    for _ in range(trials):
        for who, f in jits.items():  # interleaved: load from other jobs hits both alike
            samples[who].append(timed(f, make()))
    for who in jits:
        rec[who + "_s"] = statistics.median(samples[who])
        rec[who + "_samples"] = samples[who]
    results.append(rec)
print(json.dumps({"bandwidth_Bps": bandwidth, "bandwidth_dram_Bps": bandwidth_dram, "kernels": results}))
'''


def geomean(xs):
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def conformance(server_env, workdir, categories, quick):
    corpus = os.environ.get("KILN_CONFORMANCE") or os.path.join(os.path.dirname(REPO), "shared", "conformance")
    runner = os.path.join(corpus, "run.py")
    if not os.path.exists(runner):
        return None, f"no conformance runner at {runner} (set KILN_CONFORMANCE)"
    out = os.path.join(workdir, "conformance.json")
    argv = [sys.executable, runner, "--jit", "kiln:jit", "--peer", "numba:njit", "--bench", "--only", categories,
            "--json", out, "--allow-fail"]
    if quick:
        argv += ["--repeat", "2"]
    try:
        p = subprocess.run(argv, env=server_env, capture_output=True, text=True, timeout=900)
        with open(out) as fh:
            return json.load(fh)["cases"], None
    except subprocess.TimeoutExpired:
        return None, "run.py timed out after 900 s"
    except (OSError, ValueError) as e:
        return None, f"run.py wrote no results ({e}); {(p.stderr.strip().splitlines() or ['no stderr'])[-1]}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="3 trials instead of 7, smaller matmul")
    ap.add_argument("--only", default="", help="comma-separated substrings of kernel names")
    ap.add_argument("--n", type=int, default=1_000_000, help="elements of the 1-d kernels (default 10^6)")
    ap.add_argument("--no-conformance", action="store_true", help="skip the conformance --bench cases")
    ap.add_argument("--categories", default=NUMPY_CATEGORIES, help="conformance categories for the --bench cases")
    ap.add_argument("--json", help="write every sample and ratio to this file")
    ap.add_argument("--peer-tier", default="",
                    help="compare kiln with kiln at this target tier (docs/cache.md) instead of Numba; kiln's own "
                         "tier is KILN_TARGET_TIER's")
    opts = ap.parse_args()

    workdir = tempfile.mkdtemp(prefix="kiln-kernels-")
    server = _bench.Server(workdir)
    if server.error:
        print(f"kilnd: {server.error}")
        return 1
    env = _bench.child_env(server.address)
    env["NUMBA_CACHE_DIR"] = os.path.join(workdir, "numba-cache")
    report = {}
    try:
        child = {"n": opts.n, "trials": 3 if opts.quick else 7, "quick": opts.quick,
                 "only": [s for s in opts.only.split(",") if s], "peer_tier": opts.peer_tier}
        p = subprocess.run([sys.executable, "-c", CHILD, json.dumps(child)], env=env, capture_output=True, text=True,
                           timeout=1800)
        lines = p.stdout.strip().splitlines()
        if p.returncode != 0 or not lines:
            print("kernels child failed:", (p.stderr.strip().splitlines() or ["?"])[-1])
            return 1
        res = json.loads(lines[-1])
        report["kernels"] = res
        bw = res["bandwidth_Bps"]
        print(f"memory bandwidth, np.copyto read+write: {bw / 1e9:.2f} GB/s for {opts.n} float64 (used for BW below), "
              f"{res['bandwidth_dram_Bps'] / 1e9:.2f} GB/s for 64 MiB")
        if opts.peer_tier:
            print(f"the numba column is kiln at target tier {opts.peer_tier}; kiln's is "
                  f"{os.environ.get('KILN_TARGET_TIER') or 'the default'}")
        print(f"{'kernel':<30} {'kiln ms':>9} {'numba ms':>9} {'kiln/numba':>10} {'kiln BW':>8} {'numba BW':>9}")
        ratios = []
        for r in res["kernels"]:
            k, n = r.get("kiln_s"), r.get("numba_s")
            ratio = k / n if k and n else None
            r["ratio"] = ratio
            if ratio:
                ratios.append(ratio)
            bwk = f"{r['bytes'] / k / bw:7.0%}" if r["bytes"] and k else ""
            bwn = f"{r['bytes'] / n / bw:8.0%}" if r["bytes"] and n else ""
            fk = f"{k * 1e3:9.3f}" if k else "      n/a"
            fn = f"{n * 1e3:9.3f}" if n else "      n/a"
            fr = f"{ratio:9.3f}x" if ratio else "       n/a"
            print(f"{r['kernel']:<30} {fk} {fn} {fr} {bwk:>8} {bwn:>9}")
            for who in ("kiln", "numba"):
                if r.get(who + "_error"):
                    print(f"    {who}: {r[who + '_error']}")
                elif r.get(who + "_ok") is False:
                    print(f"    {who}: WRONG ANSWER against NumPy")
        g = geomean(ratios)
        report["kernels_geomean"] = g
        worst = max(ratios) if ratios else None
        if g:
            print(f"geomean kiln/numba over {len(ratios)} kernels: {g:.3f}x (worst {worst:.3f}x)")
        if not opts.no_conformance:
            print(f"\nconformance --bench cases ({opts.categories})")
            cases, err = conformance(env, workdir, opts.categories, opts.quick)
            if err:
                print("  " + err)
            else:
                cr = []
                print(f"  {'case':<40} {'kiln ms':>9} {'numba ms':>9} {'kiln/numba':>10}")
                for c in cases:
                    if not c.get("bench"):
                        continue
                    k = c["steady_s"] if c["status"] == "pass" else None
                    n = c["peer_steady_s"] if c.get("peer_status") == "pass" else None
                    ratio = k / n if k and n else None
                    if ratio:
                        cr.append(ratio)
                    fk = f"{k * 1e3:9.3f}" if k else "      n/a"
                    fn = f"{n * 1e3:9.3f}" if n else "      n/a"
                    fr = f"{ratio:9.3f}x" if ratio else "       n/a"
                    print(f"  {c['id']:<40} {fk} {fn} {fr}")
                    if c["status"] != "pass":
                        print(f"    kiln: {c['status']}: {str(c.get('error'))[:160]}")
                report["conformance"] = cases
                report["conformance_geomean"] = geomean(cr)
                if cr:
                    print(f"  geomean kiln/numba over {len(cr)} cases: {geomean(cr):.3f}x (worst {max(cr):.3f}x)")
                allr = ratios + cr
                if allr:
                    print(f"\noverall geomean kiln/numba: {geomean(allr):.3f}x over {len(allr)}; "
                          f"target <= 0.9x, none above 1.1x: {sum(1 for x in allr if x > 1.1)} above")
    finally:
        server.stop()
    if opts.json:
        with open(opts.json, "w") as fh:
            json.dump(report, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
