"""gpu: N small launches back to back on one stream, remote (docs/cuda.md
"Streams", the numbers there).

  KILN_SERVER=unix:/path/kilnd.sock python3 bench/cuda_remote_stream.py [N] [rounds]

The server runs `kilnd --gpu-pool emulation`. Per round: N launches of a
one-block kernel that adds 1 to a device array of 64 float64 on a
cuda.stream(), then stream.synchronize(); the same on the default stream
(kernel[grid, block], each launch waited for). Prints, per case, the time
the loop of launches took to return (before the synchronize) and the time
to the end of the synchronize, per launch (median and best round), and
checks the array's value. With a client whose stream launches are
synchronous (main before asynchronous streams) both cases cost the same.
"""
import os
import statistics
import sys
import time

import numpy as np

os.environ.setdefault("KILN_CUDA_REMOTE", "1")

from kiln import cuda  # noqa: E402


@cuda.jit
def add_one(a):
    i = cuda.grid(1)
    if i < a.shape[0]:
        a[i] += 1.0


def run(n, stream):
    d = cuda.to_device(np.zeros(64))
    add_one[1, 64](d)  # compiled and warm
    d.copy_to_host()
    t0 = time.perf_counter()
    for _ in range(n):
        if stream is None:
            add_one[1, 64](d)
        else:
            add_one[1, 64, stream](d)
    t1 = time.perf_counter()
    if stream is not None:
        stream.synchronize()
    t2 = time.perf_counter()
    value = d.copy_to_host()
    assert (value == n + 1).all(), value[:4]
    return (t1 - t0) / n, (t2 - t0) / n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    results = {"stream": [], "default": []}
    s = cuda.stream()
    for _ in range(rounds):
        results["stream"].append(run(n, s))
        results["default"].append(run(n, None))
    print(f"{n} launches per round, {rounds} rounds; microseconds per launch (median / best)")
    for case, rows in results.items():
        ret = [r[0] * 1e6 for r in rows]
        done = [r[1] * 1e6 for r in rows]
        print(f"  {case:8s} loop returned: {statistics.median(ret):7.0f} / {min(ret):7.0f}   "
              f"all done: {statistics.median(done):7.0f} / {min(done):7.0f}")


if __name__ == "__main__":
    main()
