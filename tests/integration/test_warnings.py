"""Compile warnings (issue 9): kilnd reports what it warns about with the
artifact (typing/performance_warnings.h, Artifact.warnings), and the client
emits each with warnings.warn_explicit at the user's file and line, as
Numba does: a matrix product (np.dot, np.vdot, `@`) of arrays that are not
contiguous is a KilnPerformanceWarning (Numba's NumbaPerformanceWarning).
Also np.dot(a, b, out), which Numba's own warning test calls."""

import subprocess
import sys
import warnings

import pytest

np = pytest.importorskip("numpy")


def _line_of(fn, text):
    """The file line of the first line of fn's source containing text."""
    import inspect

    lines, first = inspect.getsourcelines(fn)
    for k, line in enumerate(lines):
        if text in line:
            return first + k
    raise AssertionError(f"{text!r} not in {fn.__name__}")


def _compile_warnings(call):
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in ws if issubclass(w.category, Warning)]


def test_dot_of_strided_matrices_warns_at_the_users_line(kilnd):
    from kiln import jit
    from kiln.errors import KilnPerformanceWarning

    def dot(a, b):
        x = a.shape[0]
        return np.dot(a, b) + x

    a = np.arange(12.0).reshape(4, 3)[::-1]
    b = np.arange(12.0).reshape(3, 4)[::-1]
    f = jit(dot)
    got, ws = _compile_warnings(lambda: f(a, b))
    np.testing.assert_allclose(got, np.dot(a, b) + 4)
    assert len(ws) == 1, [str(w.message) for w in ws]
    w = ws[0]
    assert issubclass(w.category, KilnPerformanceWarning)
    assert str(w.message) == ("np.dot() is faster on contiguous arrays, called on "
                              "(array(float64, 2d, A), array(float64, 2d, A))")
    assert w.filename == dot.__code__.co_filename
    assert w.lineno == _line_of(dot, "np.dot(")
    # Compiled once: a second call of the same types warns no more.
    _, again = _compile_warnings(lambda: f(a, b))
    assert again == []


def test_matmul_and_vdot_warn_with_numbas_words(kilnd):
    from kiln import jit

    def mm(a, b):
        return a @ b

    def vd(a, b):
        return np.vdot(a, b)

    a = np.arange(9.0).reshape(3, 3)[:, ::-1]
    _, ws = _compile_warnings(lambda: jit(mm)(a, a))
    assert [str(w.message) for w in ws] == [
        "'@' is faster on contiguous arrays, called on (array(float64, 2d, A), array(float64, 2d, A))"]
    assert ws[0].lineno == _line_of(mm, "a @ b")
    v = np.arange(6.0)[::-2]
    got, ws = _compile_warnings(lambda: jit(vd)(v, v))
    assert got == np.vdot(v, v)
    assert [str(w.message) for w in ws] == [
        "np.vdot() is faster on contiguous arrays, called on (array(float64, 1d, A), array(float64, 1d, A))"]


def test_contiguous_and_fortran_arrays_do_not_warn(kilnd):
    from kiln import jit

    def dot(a, b):
        return np.dot(a, b)

    f = jit(dot)
    c = np.arange(9.0).reshape(3, 3)
    _, ws = _compile_warnings(lambda: f(c, c))
    assert ws == []
    _, ws = _compile_warnings(lambda: f(np.asfortranarray(c), c))
    assert ws == []
    # One strided operand is enough.
    _, ws = _compile_warnings(lambda: f(c, c[::-1]))
    assert len(ws) == 1 and "array(float64, 2d, C), array(float64, 2d, A)" in str(ws[0].message)


def test_one_warning_per_call_site_and_none_from_a_callee_twice(kilnd):
    from kiln import jit

    def two(a):
        x = np.dot(a, a)
        y = np.dot(a, a)
        return x + y

    a = np.eye(3)[::-1]
    _, ws = _compile_warnings(lambda: jit(two)(a))
    assert sorted(w.lineno for w in ws) == sorted({_line_of(two, "x = np.dot"), _line_of(two, "y = np.dot")})


def test_a_warning_filter_of_error_raises_it_and_the_next_call_runs(kilnd):
    from kiln import jit
    from kiln.errors import KilnPerformanceWarning

    def dot(a, b):
        return np.dot(a, b)

    f = jit(dot)
    a = np.eye(2)[::-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", KilnPerformanceWarning)
        with pytest.raises(KilnPerformanceWarning, match="faster on contiguous arrays"):
            f(a, a)
    np.testing.assert_array_equal(f(a, a), np.dot(a, a))


WARN_PROBE = r"""
import sys, warnings
import numpy as np
if len(sys.argv) > 1:
    import numba.core.errors as ne
import kiln
def dot(a, b):
    return np.dot(a, b)
a = np.eye(3)[::-1]
with warnings.catch_warnings(record=True) as ws:
    warnings.simplefilter("always")
    kiln.jit(dot)(a, a)
for w in ws:
    print(w.category.__name__, w.lineno, issubclass(w.category, kiln.errors.KilnPerformanceWarning),
          len(sys.argv) > 1 and issubclass(w.category, ne.NumbaPerformanceWarning),
          str(w.message) == "np.dot() is faster on contiguous arrays, called on "
                            "(array(float64, 2d, A), array(float64, 2d, A))")
"""


def test_a_cache_hit_in_a_new_process_warns_again_and_numba_filters_see_it(kilnd, tmp_path):
    """The warnings are stored with the artifact: a second process, served
    from kilnd's cache, warns as the first did. With Numba imported, the
    category is also Numba's NumbaPerformanceWarning."""
    probe = tmp_path / "probe.py"
    probe.write_text(WARN_PROBE)
    runs = [subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=120)
            for _ in range(2)]
    for r in runs:
        assert r.returncode == 0, r.stderr
        assert r.stdout.split() == ["KilnPerformanceWarning", "8", "True", "False", "True"]
    with_numba = subprocess.run([sys.executable, str(probe), "numba"], capture_output=True, text=True, timeout=120)
    assert with_numba.returncode == 0, with_numba.stderr
    # The message reads as Kiln's, not wrapped in Numba's terminal bold codes.
    assert with_numba.stdout.split() == ["KilnPerformanceWarning", "8", "True", "True", "True"]


def test_dot_with_out_as_numpy(kilnd):
    from kiln import jit, TypingError

    def dot3(a, b, out):
        return np.dot(a, b, out=out)

    f = jit(dot3)
    rng = np.random.default_rng(3)
    for a, b in [(rng.random((3, 4)), rng.random((4, 2))), (rng.random((3, 4)), rng.random(4)),
                 (rng.random(3), rng.random((3, 5)))]:
        out = np.empty(np.dot(a, b).shape)
        got = f(a, b, out)
        assert got is out or np.shares_memory(got, out)
        np.testing.assert_allclose(out, np.dot(a, b))
    # An out that is one of the operands gets NumPy's answer, not a half-overwritten one.
    m = rng.random((3, 3))
    expect = np.dot(m, m)
    f(m, m, m)
    np.testing.assert_allclose(m, expect)
    with pytest.raises(ValueError, match="incompatible output array size"):
        f(rng.random((3, 4)), rng.random((4, 2)), np.empty((2, 3)))
    with pytest.raises(TypingError, match="np.dot"):
        f(rng.random((3, 4)), rng.random((4, 2)), np.empty((3, 2), dtype=np.float32))
    with pytest.raises(TypingError, match="two vectors"):
        f(rng.random(3), rng.random(3), np.empty(()))
