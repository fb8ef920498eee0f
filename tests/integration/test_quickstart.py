import math
import os
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR, ROOT


def collatz_py(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


def test_collatz_steps(kilnd):
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

    assert collatz_steps.signatures == []
    assert collatz_steps(27) == 111
    for n in (1, 2, 3, 97, 871, 63728127):
        assert collatz_steps(n) == collatz_py(n)
    assert collatz_steps.signatures == [("int64",)]


def test_poly_with_eager_signature(kilnd):
    from kiln import jit

    def poly_py(x, n):
        acc = 0.0
        for k in range(n):
            acc += math.sin(x * k) / (k + 1)
        return acc

    poly = jit("float64(float64, int64)")(poly_py)
    assert poly.signatures == [("float64", "int64")]   # compiled at decoration
    assert poly(0.5, 10) == pytest.approx(poly_py(0.5, 10), rel=1e-12)
    assert poly(2, 5) == pytest.approx(poly_py(2.0, 5), rel=1e-12)  # int -> float64
    assert poly.signatures == [("float64", "int64")]   # no new compile for the conversion
    with pytest.raises(TypeError, match="No matching definition"):
        poly(0.5, 2.5)


def test_quickstart_example_runs(kilnd):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "quickstart.py")],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR})
    assert out.returncode == 0, out.stderr
    assert "collatz_steps(27) = 111" in out.stdout
    assert "poly(0.5, 10) = 0.845651606717" in out.stdout
