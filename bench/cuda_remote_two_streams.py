"""gpu: two streams of N small launches each, remote (docs/cuda.md
"Streams", the numbers there).

  KILN_SERVER=unix:/path/kilnd.sock python3 bench/cuda_remote_two_streams.py [N] [rounds] [work]

The server runs `kilnd --gpu-pool emulation`. Per round: N launches on each
of two cuda.stream()s, alternating, of a one-thread kernel that adds 1 to
its own device array `work` times (work=0: an empty kernel, the launch
path alone), then both streams are synchronized; the same 2N launches on
one stream. Prints the time to the end of the synchronize per launch
(median and best round) and checks the arrays. Where the worker runs one
launch at a time (main before the worker's streams), two streams cost what
one does; where streams overlap, two streams take about half as long once
a kernel's own time outweighs a launch's round trip.
"""
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("KILN_CUDA_REMOTE", "1")

from kiln import cuda  # noqa: E402


@cuda.jit
def busy_add(a, work):
    if cuda.grid(1) == 0:
        x = a[0]
        for _ in range(work):
            x = x * 1.0000001 + 1.0
        a[0] = a[0] + 1.0 + (x - x)


def run(n, streams, work):
    arrays = [cuda.to_device(np.zeros(1)) for _ in streams]
    busy_add[1, 1](arrays[0], work)  # compiled and warm
    for a in arrays:
        a.copy_to_device(np.zeros(1))
    t0 = time.perf_counter()
    for _ in range(n):
        for s, a in zip(streams, arrays):
            busy_add[1, 1, s](a, work)
    for s in streams:
        s.synchronize()
    t1 = time.perf_counter()
    for a in arrays:
        assert a.copy_to_host()[0] == n, a.copy_to_host()
    return (t1 - t0) / (n * len(streams))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    work = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    s, t = cuda.stream(), cuda.stream()
    results = {"two streams": [], "one stream": []}
    for _ in range(rounds):
        results["two streams"].append(run(n, [s, t], work))
        results["one stream"].append(run(2 * n, [s], work))
    print(f"{2 * n} launches per round (work={work}), {rounds} rounds; microseconds per launch (median / best)")
    for case, rows in results.items():
        us = [r * 1e6 for r in rows]
        print(f"  {case:12s} all done: {statistics.median(us):7.0f} / {min(us):7.0f}")


if __name__ == "__main__":
    main()
