import os
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR, ROOT

KILNCTL = os.path.join(ROOT, "client", "python", "bin", "kilnctl")


def kilnctl(*args, check=True):
    out = subprocess.run([sys.executable, KILNCTL, *args], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR})
    if check:
        assert out.returncode == 0, out.stderr
    return out


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "funcs.py"
    path.write_text(textwrap.dedent("""
        import math

        def area(r):
            return math.pi * r * r if False else 3.0 * r * r

        def bad(n):
            with open("x") as f:
                return n
    """))
    return path


@pytest.mark.parametrize("emit,expect", [("bytecode", "RETURN"), ("kir", "area"), ("typed", "float64"),
                                         ("llvm", "define"), ("asm", "ret")])
def test_compile_emits_each_stage(kilnd, source, emit, expect):
    out = kilnctl("compile", f"{source}:area", "--sig", "float64(float64)", f"--emit={emit}")
    assert expect in out.stdout


def test_compile_binary(kilnd, source, tmp_path):
    so = tmp_path / "area.so"
    out = kilnctl("compile", f"{source}:area", "--sig", "float64(float64)", "--emit=binary", "-o", str(so))
    assert "area(float64) -> float64" in out.stdout
    assert so.read_bytes()[:4] == b"\x7fELF"


def test_compile_error_is_reported(kilnd, source):
    out = kilnctl("compile", f"{source}:bad", "--sig", "int64(int64)", "--emit=llvm", check=False)
    assert out.returncode == 1
    assert "UnsupportedError" in out.stderr and f'File "{source}"' in out.stderr


def test_info_and_stats(private_kilnd, source):
    info = kilnctl("info").stdout
    assert "protocol_version: 1" in info and f"pid: {private_kilnd.proc.pid}" in info
    kilnctl("compile", f"{source}:area", "--sig", "float64(float64)", "--emit=binary")
    stats = kilnctl("stats").stdout
    assert "compiles: 1" in stats and "bundle_uploads: 1" in stats


def test_stop(private_kilnd):
    out = kilnctl("stop")
    assert private_kilnd.target in out.stdout
    private_kilnd.proc.wait(timeout=10)


# ---- operator commands (docs/operations.md, "Operator commands") ----

def _stats():
    import json
    return json.loads(kilnctl("stats", "--json").stdout)


def test_stats_json_has_tiers_and_zero_stats_zeroes_it(private_kilnd, source):
    for _ in range(2):  # a miss, then an L1 hit
        kilnctl("compile", f"{source}:area", "--sig", "float64(float64)", "--emit=binary")
    s = _stats()
    # Three requests: by hash (the server asks for the bundle), with the
    # bundle (a miss: compiled), then by hash again (a hit).
    assert s["compiles"] == 1 and s["requests"] == 3
    assert s["tiers"]["l1"]["hits"] == 1 and s["tiers"]["l1"]["misses"] == 1
    assert s["tiers"]["l1"]["entries"] == 1 and s["tiers"]["l1"]["bytes"] > 0
    assert s["tiers"]["l1"]["evictions"] == 0 and s["tiers"]["l1"]["checksum_failures"] == 0
    assert s["tiers"]["l2"]["hits"] == 0 and s["tiers"]["l2"]["misses"] == 0  # no shared tier
    assert s["single_flight_waits"] == 0
    text = kilnctl("stats").stdout
    assert "tiers.l1.hits: 1" in text and "tiers.l1.hit_rate: 50.0 %" in text
    assert kilnctl("zero-stats").stdout.strip() == "statistics zeroed"
    z = _stats()
    assert z["compiles"] == 0 and z["requests"] == 0 and z["tiers"]["l1"]["hits"] == 0
    assert z["tiers"]["l1"]["entries"] == 1  # what the cache holds is no counter
    assert z["since_zero_seconds"] < s["uptime_seconds"] + 60
    kilnctl("compile", f"{source}:area", "--sig", "float64(float64)", "--emit=binary")
    assert _stats()["tiers"]["l1"]["hits"] == 1


def test_cache_evict_by_prefix_age_and_size_then_clear(private_kilnd, source):
    from kiln import jit
    from kiln.dispatcher import EMITS

    ns = {}
    exec(compile(source.read_text(), str(source), "exec"), ns)
    area = jit(ns["area"])
    keys = {t: area._request((t,), "", EMITS["binary"])["cache_key"].hex() for t in ("float64", "int64")}
    assert _stats()["tiers"]["l1"]["entries"] == 2
    out = kilnctl("cache", "evict", keys["int64"][:12]).stdout
    assert out.startswith("evicted 1 values"), out
    assert _stats()["tiers"]["l1"]["entries"] == 1
    assert not area._request(("int64",), "", EMITS["binary"])["cache_hit"]  # recompiled
    assert area._request(("float64",), "", EMITS["binary"])["cache_hit"]  # untouched
    assert kilnctl("cache", "evict", "--older-than", "1h").stdout.startswith("evicted 0 values")
    before = _stats()["tiers"]["l1"]["bytes"]
    out = kilnctl("cache", "evict", "--bytes", str(before - 1)).stdout
    assert not out.startswith("evicted 0 values"), out
    assert _stats()["tiers"]["l1"]["bytes"] <= before - 1
    assert _stats()["tiers"]["l1"]["evictions"] >= 2
    out = kilnctl("cache", "clear").stdout
    s = _stats()
    assert s["tiers"]["l1"]["entries"] == 0 and s["tiers"]["l1"]["bytes"] == 0, (out, s)
    # Still serving: the next request compiles (and uploads its bundle) again.
    assert not area._request(("float64",), "", EMITS["binary"])["cache_hit"]
    bad = kilnctl("cache", "evict", check=False)
    assert bad.returncode != 0 and "needs KEY_PREFIX" in bad.stderr
    bad = kilnctl("cache", "evict", "xyz", check=False)
    assert bad.returncode != 0 and "hex digits" in bad.stderr


def test_warm_compiles_every_jitted_function_of_a_module(private_kilnd, tmp_path):
    module = tmp_path / "kernels.py"
    module.write_text(textwrap.dedent("""
        from kiln import jit

        @jit("float64(float64)")
        def eager(x):
            return x + 1.0

        @jit
        def total(a):
            s = 0.0
            for v in a:
                s += v
            return s

        @jit
        def unsigned(x):
            return x
    """))
    out = kilnctl("warm", str(module), "--sig", "total(float64[:])", "--sig", "total:float64(int64[:])")
    assert "warmed 3 of 3 signatures of 3 jitted functions: 2 compiled, 1 already cached, 0 failed" in out.stdout
    assert "unsigned: no signature" in out.stdout
    # Not a terminal: one line per signature instead of a bar.
    assert "3/3 total(array(int64, 1d, A)): compiled in" in out.stderr, out.stderr
    assert _stats()["compiles"] == 3  # eager's at import, then the two --sig ones
    again = kilnctl("warm", str(module), "--sig", "total(float64[:])")
    assert "0 compiled, 2 already cached, 0 failed" in again.stdout
    missing = kilnctl("warm", str(module), "--sig", "nothere(int64)", check=False)
    assert missing.returncode != 0 and "has no jitted function 'nothere'" in missing.stderr


def test_admin_commands_need_the_admin_right(kilnd_binary, tmp_path, monkeypatch):
    import re

    from conftest import KilndProcess
    server = KilndProcess(kilnd_binary, str(tmp_path), extra_args=["--listen", "127.0.0.1:0"])
    try:
        import time
        deadline = time.monotonic() + 10
        while "serving on" not in open(server.log_path).read() and time.monotonic() < deadline:
            time.sleep(0.05)
        port = re.search(r"127\.0\.0\.1:(\d+)", open(server.log_path).read()).group(1)
        # Without tokens a TCP peer may compile and read stats, not administer.
        monkeypatch.setenv("KILN_SERVER", f"127.0.0.1:{port}")
        assert kilnctl("stats").returncode == 0
        for args in (("zero-stats",), ("cache", "clear"), ("cache", "evict", "--older-than", "0s")):
            out = kilnctl(*args, check=False)
            assert out.returncode == 1 and "admin" in out.stderr, (args, out.stderr)
        # The Unix socket's peer (the server's own user) may.
        monkeypatch.setenv("KILN_SERVER", server.target)
        assert kilnctl("zero-stats").returncode == 0
    finally:
        server.stop()


def test_warm_shows_a_progress_bar_on_a_terminal(private_kilnd, tmp_path):
    import pty

    module = tmp_path / "one.py"
    module.write_text("from kiln import jit\n\n@jit\ndef inc(x):\n    return x + 1\n")
    master, slave = pty.openpty()
    try:
        out = subprocess.run([sys.executable, KILNCTL, "warm", str(module), "--sig", "inc(int64)", "--sig",
                              "inc(float64)"], stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120,
                             env={**os.environ, "PYTHONPATH": PYTHON_DIR})
        os.close(slave)
        slave = None
        shown = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            shown += chunk
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
    assert out.returncode == 0, out.stdout
    text = shown.decode()
    assert "\r" in text and "[###############               ] 1/2 inc(int64): compiled" in text, text
    assert "[##############################] 2/2 inc(float64): compiled" in text, text
