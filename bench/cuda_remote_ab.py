"""gpu: remote launch overhead of two kilnds side by side (docs/cuda.md
"Remote launches", the numbers there).

  python3 bench/cuda_remote_ab.py unix:/path/a.sock unix:/path/b.sock [rounds]

Each server runs `kilnd --gpu-pool emulation`. One client process launches
empty kernels (0, 1 and 4 device arrays, 4 host arrays) and makes a
GetServerInfo RPC (the floor), alternating batches of 40 calls between the
two servers (the order swapped every round), so both see the same machine
load. Prints, per case and server, the wall time per call (median and best
batch) and the CPU time the server and its GPU workers spent per call (from
/proc, clock ticks: needs enough rounds to be more than a few ticks).
"""
import os
import sys
import time

import numpy as np

from kiln import _kiln, cuda
from kiln.cuda import _remote

os.environ["KILN_CUDA_REMOTE"] = "1"


@cuda.jit
def k0():
    pass


@cuda.jit
def k1(a):
    pass


@cuda.jit
def k4(a, b, c, e):
    pass


def use(target):
    os.environ["KILN_SERVER"] = target
    _remote._info.clear()


def tree_cpu(pid):
    """CPU seconds of process `pid` and its children (the GPU workers)."""
    total = 0
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            st = open(f"/proc/{e}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(e) == pid or int(st[1]) == pid:
            total += int(st[11]) + int(st[12])
    return total / os.sysconf("SC_CLK_TCK")


def main():
    servers = sys.argv[1:3]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    setups, pids = {}, {}
    for t in servers:
        use(t)
        d = [cuda.to_device(np.zeros(4)) for _ in range(4)]
        h = [np.zeros(4) for _ in range(4)]
        k0[1, 1]()
        k1[1, 1](d[0])
        k4[1, 1](*d)
        k4[1, 1](*h)
        setups[t] = (d, h)
        pids[t] = _kiln.server_info()["pid"]
    cases = {"none": lambda d, h: k0[1, 1](), "1 device array": lambda d, h: k1[1, 1](d[0]),
             "4 device arrays": lambda d, h: k4[1, 1](*d), "4 host arrays": lambda d, h: k4[1, 1](*h),
             "GetServerInfo RPC": lambda d, h: _kiln.gpu_pool_info()}
    wall = {(c, t): [] for c in cases for t in servers}
    cpu = {(c, t): 0.0 for c in cases for t in servers}
    n = 40
    for r in range(rounds):
        for c, f in cases.items():
            for t in servers if r % 2 == 0 else servers[::-1]:
                use(t)
                d, h = setups[t]
                c0 = tree_cpu(pids[t])
                t0 = time.perf_counter()
                for _ in range(n):
                    f(d, h)
                wall[(c, t)].append((time.perf_counter() - t0) / n * 1e6)
                cpu[(c, t)] += tree_cpu(pids[t]) - c0
    print(f"{'case':20s} {'A: wall us median / best, cpu us':>36s} {'B: the same':>36s}")
    for c in cases:
        cols = []
        for t in servers:
            v = sorted(wall[(c, t)])
            cols.append(f"{v[len(v) // 2]:8.0f} / {v[0]:6.0f}, {cpu[(c, t)] / (rounds * n) * 1e6:6.0f}")
        print(f"{c:20s} {cols[0]:>36s} {cols[1]:>36s}")


if __name__ == "__main__":
    main()
