#!/usr/bin/env python3
"""A string argument used as a mode switch (`if method == "average"`), kiln
against Numba, against the same function switching on an int.

    PYTHONPATH=client/python python3 bench/string_switch.py [--n 100000] [--calls 20000]

Two shapes: `loop` compares the string on every iteration of a loop over an
array (the comparison must cost what an integer comparison does), `call`
does one comparison per call on a tiny input (the string argument's
unboxing is then most of the time). Prints the median time per call of 5
trials for each (function, jit), and the ratios str/int and kiln/Numba.
"""
import argparse
import statistics
import time

import numpy as np


def loop_str(a, method):
    s = 0.0
    for i in range(a.shape[0]):
        if method == "average":
            s += a[i]
        elif method == "min":
            s = min(s, a[i])
        elif method == "max":
            s = max(s, a[i])
        else:
            s -= a[i]
    return s


def loop_int(a, method):
    s = 0.0
    for i in range(a.shape[0]):
        if method == 0:
            s += a[i]
        elif method == 1:
            s = min(s, a[i])
        elif method == 2:
            s = max(s, a[i])
        else:
            s -= a[i]
    return s


def call_str(x, method):
    if method == "average":
        return x * 0.5
    elif method == "dense":
        return x + 1.0
    return x


def call_int(x, method):
    if method == 0:
        return x * 0.5
    elif method == 1:
        return x + 1.0
    return x


def timeit(f, args, reps):
    f(*args)
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            f(*args)
        samples.append((time.perf_counter() - t0) / reps)
    return statistics.median(samples)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--calls", type=int, default=20_000)
    opts = p.parse_args()
    import kiln
    import numba

    a = np.random.default_rng(0).random(opts.n)
    cases = [("loop", loop_str, loop_int, (a,), 20), ("call", call_str, call_int, (1.5,), opts.calls)]
    print(f"{'case':6} {'jit':6} {'str us':>10} {'int us':>10} {'str/int':>8}")
    results = {}
    for name, fs, fi, args, reps in cases:
        for jit_name, jit in (("kiln", kiln.jit), ("numba", numba.njit)):
            js, ji = jit(fs), jit(fi)
            assert js(*args, "average") == fs(*args, "average") and js(*args, "x") == fs(*args, "x")
            ts = timeit(js, args + ("average",), reps) * 1e6
            ti = timeit(ji, args + (0,), reps) * 1e6
            results[(name, jit_name)] = ts
            print(f"{name:6} {jit_name:6} {ts:10.3f} {ti:10.3f} {ts / ti:8.2f}")
    for name in ("loop", "call"):
        print(f"{name}: kiln/numba (str) = {results[(name, 'kiln')] / results[(name, 'numba')]:.2f}")


if __name__ == "__main__":
    main()
