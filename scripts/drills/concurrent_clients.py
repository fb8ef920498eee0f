#!/usr/bin/env python3
"""Drill: CLIENTS concurrent clients (default 1,000), each with its own
connection, on TCP loopback for SECONDS (default 20), a mix of cache hits and
misses (MISS percent of requests ask for a key never compiled before). Zero
errors allowed; prints p50/p99 latency. The load is build/tests/drills/kiln_load
(C++: 1,000 Python processes would measure Python, not the server).

Usage: concurrent_clients.py [--clients N] [--seconds S] [--miss-percent P] [--server-arg ARG]...
"""

import argparse
import os
import re
import subprocess
import sys

from drill_common import ROOT, Kilnd, TempDir, figure, free_port

import kiln  # noqa: E402


def drill_function(x):
    return x * 2 + 1


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--miss-percent", type=int, default=5)
    # 1,000 handshakes at once on a small machine take longer than the
    # interactive default of 5 s.
    ap.add_argument("--connect-timeout", type=float, default=60)
    ap.add_argument("--server-arg", action="append", default=[], help="extra kilnd flag (repeatable)")
    a = ap.parse_args()
    build = os.environ.get("KILN_BUILD", os.path.join(ROOT, "build"))
    load = os.path.join(build, "tests", "drills", "kiln_load")
    if not os.access(load, os.X_OK):
        sys.exit(f"no {load}: ninja -C {build} kiln_load")
    with TempDir("kiln-drill-load-") as tmp:
        bundle = os.path.join(tmp, "bundle.bin")
        with open(bundle, "wb") as f:
            f.write(kiln.jit(drill_function).bundle().serialize())
        server = Kilnd(os.path.join(tmp, "cache"), port=free_port(), extra=a.server_arg,
                       log=os.path.join(tmp, "kilnd.log"))
        try:
            p = subprocess.run([load, "--target", server.target, "--bundle", bundle, "--clients", str(a.clients),
                                "--seconds", str(a.seconds), "--miss-percent", str(a.miss_percent)],
                               capture_output=True, text=True, timeout=a.seconds + 600,
                               env=dict(os.environ, KILN_CONNECT_TIMEOUT=str(a.connect_timeout)))
            alive = server.proc.poll() is None
        finally:
            server.kill()
    print(p.stdout.strip())
    if p.stderr.strip():
        print(p.stderr.strip()[-2000:])
    m = re.search(r"(\d+) requests .* (\d+) errors, (\d+) requests/s, latency p50 ([\d.]+) ms, p99 ([\d.]+) ms",
                  p.stdout)
    if m:
        figure("clients", a.clients)
        figure("seconds", a.seconds)
        figure("requests", m.group(1))
        figure("errors", m.group(2))
        figure("requests per second", m.group(3))
        figure("latency p50 ms", m.group(4))
        figure("latency p99 ms", m.group(5))
    m = re.search(r"hits: p50 ([\d.]+) ms, p99 ([\d.]+) ms; misses: p50 ([\d.]+) ms, p99 ([\d.]+) ms", p.stdout)
    if m:
        figure("hit latency p50 / p99 ms", f"{m.group(1)} / {m.group(2)}")
        figure("miss latency p50 / p99 ms", f"{m.group(3)} / {m.group(4)}")
    figure("load average at the end", os.getloadavg()[0])
    figure("server alive afterwards", alive)
    ok = p.returncode == 0 and alive
    print("concurrent_clients:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
