"""Library functions written in Python (client/python/kiln/library): each is
compiled like user code at the caller's types and must give NumPy's (or
CPython's) result, dtype included. Expected values come from NumPy and the
math module at test time."""

import math

import numpy as np
import pytest
from numpy import clip as np_clip


def same(got, want):
    """Equal values of the same NumPy dtype (or the same Python kind)."""
    if isinstance(want, np.ndarray):
        assert isinstance(got, np.ndarray), type(got)
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    else:
        assert np.asarray(got).dtype.kind == np.asarray(want).dtype.kind, (got, want)
        assert got == want or (got != got and want != want), (got, want)


ARRAYS = [
    np.array([-3.5, 0.25, 1.5, np.nan, 9.0]),
    np.arange(-4, 6, dtype=np.int64),
    np.arange(-4, 6, dtype=np.int32),
    np.linspace(-2, 2, 7).astype(np.float32),
    np.arange(12.0).reshape(3, 4),
]


@pytest.mark.parametrize("k", range(len(ARRAYS)))
def test_clip(kilnd, k):
    from kiln import jit

    @jit
    def f(a, lo, hi):
        return np.clip(a, lo, hi)

    a = ARRAYS[k]
    same(f(a, -1, 2), np.clip(a, -1, 2))
    same(f(a, 0.5, 1.5), np.clip(a, 0.5, 1.5))
    same(f(a, 3, -3), np.clip(a, 3, -3))  # a_min > a_max: every element is a_max


def test_clip_scalars_and_from_import(kilnd):
    from kiln import jit

    @jit
    def f(x):
        return np_clip(x, 0.0, 1.0)

    for x in (-2.0, 0.3, 7.0):
        same(f(x), np.clip(x, 0.0, 1.0))


def test_average_trace(kilnd):
    from kiln import jit

    @jit
    def avg(a):
        return np.average(a)

    @jit
    def tr(a, k):
        return np.trace(a, k)

    @jit
    def lr(m):
        return np.fliplr(m)

    @jit
    def ud(m):
        return np.flipud(m)

    m = np.arange(12.0).reshape(3, 4)
    mi = np.arange(12, dtype=np.int32).reshape(4, 3)
    same(avg(np.arange(7)), np.average(np.arange(7)))
    same(avg(m), np.average(m))
    for k in (-3, -1, 0, 1, 2, 5):
        same(tr(m, k), np.trace(m, k))
        same(tr(mi, k), np.trace(mi, k))
    # Views of the argument, as NumPy's: same strides, writes go through.
    for got, want in ((lr(m), np.fliplr(m)), (ud(m), np.flipud(m)), (ud(np.arange(5)), None)):
        if want is not None:
            same(got, want)
            assert got.strides == want.strides
        assert np.shares_memory(got, m) or want is None
    v = ud(m)
    v[0, 0] = -1.0
    assert m[2, 0] == -1.0


def test_average_weights(kilnd):
    from kiln import jit

    @jit
    def f(a, w):
        return np.average(a, weights=w)

    # npfun3: weights= is supported (test_npfun3.py has the cases)
    assert f(np.arange(3.0), np.array([1.0, 2.0, 5.0])) == np.average(np.arange(3.0), weights=[1.0, 2.0, 5.0])


def test_isclose_array_equal(kilnd):
    from kiln import jit

    @jit
    def close(a, b, eq_nan):
        return np.isclose(a, b, 1e-5, 1e-8, eq_nan)

    @jit
    def eq(a, b):
        return np.array_equal(a, b)

    a = np.array([1.0, np.inf, -np.inf, np.nan, 1e-9, 100.0, 0.0])
    b = np.array([1.0 + 1e-7, np.inf, np.inf, np.nan, 0.0, 100.01, -0.0])
    for eq_nan in (False, True):
        same(close(a, b, eq_nan), np.isclose(a, b, equal_nan=eq_nan))
    ai = np.arange(5)
    same(close(ai, ai + 1, False), np.isclose(ai, ai + 1))
    assert eq(ai, ai.copy()) is True
    assert eq(ai, ai + 0 * ai) == np.array_equal(ai, ai)
    assert eq(ai, ai[:4]) is False
    assert eq(a, a) == np.array_equal(a, a)  # NaN != NaN


@pytest.mark.parametrize("a,b", [(12, 18), (-12, 18), (0, 5), (0, 0), (7, 13), (-2**40, 6)])
def test_math_gcd_lcm(kilnd, a, b):
    from kiln import jit

    @jit
    def g(x, y):
        return math.gcd(x, y), math.lcm(x, y)

    assert g(a, b) == (math.gcd(a, b), math.lcm(a, b))


@pytest.mark.parametrize("a", [
    np.array([[1, 1, 3], [3, 4, 5]]), np.zeros(5), np.array([[3.1, 3.1], [1.7, 2.29], [3.3, 1.7]]),
    np.array([]), np.array([np.nan, 1.0, np.nan, -0.0, 0.0, 1.0]), np.array([5], dtype=np.uint8),
    np.array([True, False, True])])
def test_unique(kilnd, a):
    from kiln import jit

    @jit
    def u(x):
        return np.unique(x)

    same(u(a), np.unique(a))


def test_math_isqrt(kilnd):
    from kiln import jit
    from kiln.errors import KilnError

    @jit
    def r(n):
        return math.isqrt(n)

    for n in [0, 1, 2, 3, 4, 15, 16, 17, 10**12 - 1, 10**12, 2**62, 2**63 - 1, (2**31 - 1) ** 2]:
        assert r(n) == math.isqrt(n), n
    with pytest.raises(ValueError, match="nonnegative"):
        r(-1)


def test_math_isclose(kilnd):
    from kiln import jit

    @jit
    def c(a, b, rel, abs_):
        return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)

    for args in [(1.0, 1.0 + 1e-10, 1e-9, 0.0), (1.0, 1.1, 1e-9, 0.0), (0.0, 1e-12, 1e-9, 1e-10),
                 (math.inf, math.inf, 1e-9, 0.0), (math.inf, 1e300, 0.5, 0.0), (math.nan, math.nan, 1e-9, 0.0)]:
        a, b, rel, abs_ = args
        assert c(*args) is math.isclose(a, b, rel_tol=rel, abs_tol=abs_), args


def test_library_code_is_in_the_bundle_hash():
    """A library function travels in the bundle of each function that reads
    it, so its code is hashed into the cache key."""
    from kiln import _kiln
    from kiln.bundle import bundle_spec

    def uses(a):
        return np.clip(a, 0, 1)

    def plain(a):
        return np.minimum(a, 1)

    spec = bundle_spec(uses)
    names = [f[0]["qualname"] for f in spec[2]]
    # (array_clip: a.clip, written in Python too, travels for the name "clip")
    assert names == ["test_library_code_is_in_the_bundle_hash.<locals>.uses", "clip", "ndim", "array_clip"]
    globals_ = {g[0]: g for g in spec[2][0][1]}
    assert globals_["numpy.clip"][3] == 1
    assert len(bundle_spec(plain)[2]) == 1
    assert _kiln.make_bundle(spec).serialize() != _kiln.make_bundle(bundle_spec(plain)).serialize()


def test_str_codecs_travel_only_where_str_is_called():
    """`str(b, "utf-8")` needs the codec functions in the bundle; reading the
    class for `isinstance(x, str)` does not, and must not pay for them
    (bundle size and the first call's hashing)."""
    from kiln.bundle import bundle_spec

    def reads(x):
        return isinstance(x, str)

    def calls(b):
        return str(b, "utf-8")

    def names(f):
        return [g[0] for g in bundle_spec(f)[2][0][1]]

    assert "str.__new__" not in names(reads)
    assert "str.__new__" in names(calls)
    assert len(bundle_spec(reads)[2]) == 1
    assert len(bundle_spec(calls)[2]) > 1


def test_registry_names():
    from kiln import library

    assert len(library.names()) >= 10
    assert "numpy.clip" in library.names() and "math.gcd" in library.names()
    assert library.lookup("numpy.sum") is None  # native, not a library function
    with pytest.raises(ValueError):
        library.implements("os.getcwd")


def test_every_name_is_an_attribute_of_its_owner():
    """lookup() skips a name that is not an attribute of its module or class
    ("str.sin", "math.range") without importing a library module (the first
    call's path, docs/performance.md): that is exact only while every
    library name is such an attribute."""
    import cmath
    import functools
    import heapq
    import operator
    import random

    from kiln import library

    assert all(m is not None for m in (cmath, functools, heapq, operator, random, np.random, np.linalg))  # imported
    for name in library.names():
        module, _, attr = name.rpartition(".")
        if name == "array.itemset" and not hasattr(np.ndarray, "itemset"):
            continue  # arrmeth: NumPy 1.x's method, gone in NumPy 2, where it is rightly never looked up
        if name == "numpy.asfarray" and not hasattr(np, "asfarray"):
            continue  # npmisc: NumPy 1.x's function, gone in NumPy 2, where it is rightly never looked up
        assert library.may_implement(module, attr), name
    assert not library.may_implement("str", "sin") and not library.may_implement("math", "range")
    assert library.lookup("str.sin") is None and library.lookup("tuple.index") is not None


def test_a_bundle_imports_only_the_library_modules_it_may_use():
    """A function reading only names no library module implements, in a
    fresh process, imports no library module of str, tuple or math."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import sys
        from kiln.bundle import bundle_spec
        def f(x, n):
            s = 0.0
            for i in range(n):
                s += x * i
            return s
        bundle_spec(f)
        print(sorted(m for m in sys.modules if m.startswith("kiln.library.")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "KILN_PRECONNECT": "0"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['kiln.library.builtin_functions']", out.stdout
