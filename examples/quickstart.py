"""Kiln quickstart: `from kiln import jit` where you wrote `from numba import njit`.

Run from the repository root:
    PYTHONPATH=client/python python3 examples/quickstart.py
With KILN_SERVER unset, the first call starts a private kilnd on a Unix
socket under ~/.cache/kiln (or $XDG_CACHE_HOME/kiln) and later runs reuse it.
"""

import math
import time

from kiln import jit


@jit
def collatz_steps(n):
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


@jit("float64(float64, int64)")  # eager: compiled here, at decoration
def poly(x, n):
    acc = 0.0
    for k in range(n):
        acc += math.sin(x * k) / (k + 1)
    return acc


def timed(f, *args, repeat=100_000):
    t0 = time.perf_counter()
    first = f(*args)
    t1 = time.perf_counter()
    for _ in range(repeat):
        f(*args)
    t2 = time.perf_counter()
    return first, (t1 - t0) * 1e3, (t2 - t1) / repeat * 1e9


if __name__ == "__main__":
    steps, first_ms, steady_ns = timed(collatz_steps, 27)
    print(f"collatz_steps(27) = {steps}    first call {first_ms:.2f} ms (compile), "
          f"then {steady_ns:.0f} ns/call")
    value, first_ms, steady_ns = timed(poly, 0.5, 10)
    print(f"poly(0.5, 10) = {value:.12f}    first call {first_ms:.3f} ms (compiled at decoration), "
          f"then {steady_ns:.0f} ns/call")
    print(f"signatures: collatz_steps {collatz_steps.signatures}, poly {poly.signatures}")
