#!/usr/bin/env python3
"""Reading a record field in a loop over 10**6 records (docs/records-memory.md):
records are {meminfo, data} and count references only where the ownership
pass cannot see their array, so these loops must cost what reading the
field in place does.

    PYTHONPATH=client/python python3 bench/record_fields.py

Prints the best of 20 calls of each function (the first call compiles).
`join_own` joins records of an array made in the function before the loop
(borrowed, no reference counting: 33 ms while such a join held references).
"""
import time

import numpy as np

from kiln import jit

DT = np.dtype([("a", np.int64), ("b", np.float64)])


@jit
def field(arr):
    s = 0
    for i in range(arr.shape[0]):
        s += arr[i].a
    return s


@jit
def field_own(x):
    arr = x.copy()
    s = 0
    for i in range(arr.shape[0]):
        s += arr[i].a
    return s


@jit
def iterated(arr):
    s = 0.0
    for r in arr:
        s += r.b
    return s


@jit
def join(arr):
    s = 0
    for i in range(arr.shape[0]):
        r = arr[i] if i % 2 == 0 else arr[arr.shape[0] - 1 - i]
        s += r.a
    return s


@jit
def join_own(x):
    arr = x.copy()
    s = 0
    for i in range(arr.shape[0]):
        r = arr[i] if i % 2 == 0 else arr[arr.shape[0] - 1 - i]
        s += r.a
    return s


def main():
    x = np.zeros(10**6, dtype=DT)
    x["a"] = np.arange(10**6)
    x["b"] = 0.5
    for f in (field, field_own, iterated, join, join_own):
        f(x)
        best = float("inf")
        for _ in range(20):
            t = time.perf_counter()
            f(x)
            best = min(best, time.perf_counter() - t)
        print(f"{f.__name__:10s} {best * 1e3:8.3f} ms")


if __name__ == "__main__":
    main()
