#!/usr/bin/env python3
"""One case, kiln against Numba, timed alternately: min and median of N.

    source scripts/env.sh
    python3 bench/compare_one.py CASE [CASE ...] [--trials 25]
    python3 bench/compare_one.py --all [--trials 15]     # the 26 cases of bench/kernels.py

CASE is a conformance bench case (loops_heavy/kmeans_step_bench: the
category file's name, a slash, the case's name) or a kernel of
bench/kernels.py (kernels/matmul_loops, sizes as in its full run). Each trial
calls kiln's function and then Numba's on fresh arguments (made outside the
clock), so load from other jobs hits both alike; the min of the trials is
the number to compare on a shared machine, the median is printed beside it.
"""
from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import bench as _bench  # noqa: E402

_bench.pin_blas_threads(os.environ)  # before NumPy loads its BLAS


def conformance_case(category, name):
    corpus = os.environ.get("KILN_CONFORMANCE") or os.path.join(os.path.dirname(REPO), "shared", "conformance")
    sys.path.insert(0, corpus)
    path = os.path.join(corpus, "cases", category + ".py")
    spec = importlib.util.spec_from_file_location("case_" + category, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for c in mod.CASES:
        if c.name == name:
            first = c.args[0] if isinstance(c.args, list) else c.args
            make = first if callable(first) else (lambda: first)
            return c.fn, (lambda: (lambda v: v if isinstance(v, tuple) else (v,))(make()))
    raise SystemExit(f"no case {name} in {path}")


def kernel_case(name):
    import numpy as np
    src = open(os.path.join(HERE, "kernels.py")).read()
    body = src.split('SRC = """', 1)[1].split('"""', 1)[0]
    ns = {}
    exec(compile(body, "<bench kernels>", "exec"), ns)
    rng = np.random.default_rng(0)
    n = 1_000_000
    a, b, c = (rng.standard_normal(n) for _ in range(3))
    side = int(n ** 0.5)
    u = rng.standard_normal((side, side))
    x, y = rng.standard_normal((200, 200)), rng.standard_normal((200, 200))
    args = {"expr_sin": (a, b, c), "expr_fma": (a, b, c), "expr_long": (a, b, c),
            "inplace_loop": lambda: (a.copy(), b), "stencil_1d": (a,), "stencil_2d": (u,),
            "reduce_sum": (a,), "reduce_loop": (a,), "reduce_stats": (a,), "matmul_loops": (x, y),
            "sort_copy": (a,), "random_normal": (n,), "random_uniform_array": (n,)}[name]
    return ns[name], (args if callable(args) else (lambda: args))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", nargs="*")
    ap.add_argument("--all", action="store_true",
                    help="bench/kernels.py's kernels and the NumPy categories' conformance bench cases")
    ap.add_argument("--trials", type=int, default=25)
    opts = ap.parse_args()
    import numpy as np
    import kiln
    import numba
    cases = list(opts.cases)
    if opts.all:
        cases += ["kernels/" + k for k in KERNELS] + conformance_bench_cases()
    ratios = []
    for spec in cases:
        group, name = spec.split("/", 1)
        func, make = kernel_case(name) if group == "kernels" else conformance_case(group, name)
        fs = {"kiln": kiln.jit(func), "numba": numba.njit(func)}
        # The reference: Python itself for the small cases, Numba's answer where
        # plain Python would take long (the kernels, the conformance bench cases).
        want = func(*make()) if group != "kernels" and not spec.endswith("_bench") else None
        try:
            for f in fs.values():
                f(*make())
        except Exception as e:  # noqa: BLE001  (a case one side refuses: listed, not timed)
            print(f"{spec:40s} not compared: {type(e).__name__}: {str(e).splitlines()[0][:100]}", flush=True)
            continue
        for who, f in reversed(list(fs.items())):  # Numba first: its answer is the reference
            got = f(*make())
            if want is None:
                want = got
                continue
            gots = got if isinstance(got, tuple) else (got,)
            wants = want if isinstance(want, tuple) else (want,)
            if not all(np.allclose(np.asarray(g), np.asarray(w), rtol=1e-9, atol=1e-12) for g, w in zip(gots, wants)):
                raise SystemExit(f"{spec}: {who} differs from the reference (Python, or Numba)")
        samples = {w: [] for w in fs}
        for _ in range(opts.trials):
            for who, f in fs.items():
                args = make()
                gc.collect()
                t = time.perf_counter()
                f(*args)
                samples[who].append(time.perf_counter() - t)
        k, nb = samples["kiln"], samples["numba"]
        print(f"{spec:40s} min {min(k) * 1e3:9.3f} ms / {min(nb) * 1e3:9.3f} ms = {min(k) / min(nb):.3f}x   "
              f"median {statistics.median(k) / statistics.median(nb):.3f}x   (load {os.getloadavg()[0]:.1f})",
              flush=True)
        ratios.append(min(k) / min(nb))
    if len(ratios) > 1:
        gm = statistics.geometric_mean(ratios)
        print(f"geomean of min ratios over {len(ratios)} cases: {gm:.3f}x; above 1.1x: "
              f"{sum(r > 1.1 for r in ratios)}", flush=True)


KERNELS = ["expr_sin", "expr_fma", "expr_long", "inplace_loop", "stencil_1d", "stencil_2d", "reduce_sum",
           "reduce_loop", "reduce_stats", "matmul_loops", "sort_copy", "random_normal", "random_uniform_array"]
NUMPY_CATEGORIES = ["array_create", "array_index", "array_slice_views", "array_expr_ufuncs", "reductions", "linalg",
                    "random_seeded", "loops_heavy"]


def conformance_bench_cases():
    corpus = os.environ.get("KILN_CONFORMANCE") or os.path.join(os.path.dirname(REPO), "shared", "conformance")
    sys.path.insert(0, corpus)
    out = []
    for cat in NUMPY_CATEGORIES:
        path = os.path.join(corpus, "cases", cat + ".py")
        spec = importlib.util.spec_from_file_location("case_" + cat, path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        out += [f"{cat}/{c.name}" for c in mod.CASES if c.bench]
    return out


if __name__ == "__main__":
    main()
