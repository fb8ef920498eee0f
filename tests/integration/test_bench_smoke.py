"""bench/server_hits.py runs (issue 10, part 10): a very short run of every
transport (Unix socket, TCP, TCP with TLS) and client count it measures, so
the benchmark does not rot. Checks that every timed request was a server
cache hit with no error, and the table and JSON it writes."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT

BUILD = os.environ.get("KILN_BUILD") or os.path.join(ROOT, "build")
KILN_LOAD = os.path.join(BUILD, "tests", "drills", "kiln_load")


def test_server_hits_bench_runs(kilnd_binary, tmp_path):
    if not os.access(KILN_LOAD, os.X_OK):
        pytest.skip(f"no {KILN_LOAD} (ninja -C build kiln_load)")
    transports = "unix,tcp,tls" if shutil.which("openssl") else "unix,tcp"
    out = tmp_path / "hits.json"
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "server_hits.py"), "--clients", "1,8",
                        "--seconds", "0.2", "--warmup-requests", "2", "--hit-keys", "2", "--transports", transports,
                        "--no-l2", "--json", str(out)],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "KILN_KILND": kilnd_binary, "KILN_BUILD": BUILD})
    assert p.returncode == 0, p.stdout + p.stderr
    assert "(1) cache hits at the server" in p.stdout and "hits/s" in p.stdout, p.stdout
    result = json.loads(out.read_text())
    rows = result["hits"]
    assert [(r["transport"], r["clients"]) for r in rows] == [(t, n) for t in transports.split(",") for n in (1, 8)]
    for r in rows:
        assert r["requests"] > 0 and r["errors"] == 0 and r["server_cache_hits"] == r["requests"], r
        assert 0 < r["hit_p50_us"] <= r["hit_p99_us"] <= r["max_us"], r
        assert r["requests_per_second"] > 0, r
    assert result["machine"]["cores"] >= 1


def test_compare_one_runs(kilnd):
    """bench/compare_one.py times a kernel and a conformance case against
    Numba and checks their answers first; a short run, so it does not rot."""
    p = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "compare_one.py"), "loops_heavy/smooth_1d",
                        "kernels/reduce_loop", "--trials", "2"],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "KILN_SERVER": kilnd.target})
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("loops_heavy/smooth_1d ") and " min " in lines[0] and "x   median" in lines[0], p.stdout
    assert lines[1].startswith("kernels/reduce_loop ") and " min " in lines[1], p.stdout
    assert lines[2].startswith("geomean of min ratios over 2 cases: "), p.stdout
