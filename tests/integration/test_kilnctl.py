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
