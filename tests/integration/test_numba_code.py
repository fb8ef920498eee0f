"""Code written for Numba, with kiln.jit in place of numba.njit (issues 8
and 9): signatures built from Numba's type objects, parallel=True and
prange. Each answer is checked against the plain Python function."""

import inspect
import warnings

import pytest

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")


def test_a_numba_signature_object_compiles_eagerly(kilnd):
    from kiln import jit

    @jit(numba.float64(numba.float64[::1], numba.int64))
    def scaled_sum(a, k):
        s = 0.0
        for x in a:
            s += x
        return s * k

    assert scaled_sum.signatures == [("array(float64, 1d, C)", "int64")]
    assert scaled_sum(np.arange(4.0), 3) == scaled_sum.py_func(np.arange(4.0), 3) == 18.0
    with pytest.raises(TypeError, match="No matching definition"):
        scaled_sum(np.arange(4, dtype=np.float32), 3)


def test_a_list_of_numba_signatures_keeps_each_float_width(kilnd):
    from kiln import jit

    def half(z):
        T = type(z)
        return T(0.5) * z

    jitted = jit([numba.float32(numba.float32), numba.float64(numba.float64)])(half)
    assert jitted.signatures == [("float32",), ("float64",)]
    r32 = jitted(np.float32(3.0))
    assert r32 == half(np.float32(3.0)) and np.float32(r32) == r32
    assert jitted(0.1) == half(0.1)


def test_a_void_numba_signature_with_any_layout_writes_in_place(kilnd):
    from kiln import jit

    @jit(numba.void(numba.float64[:], numba.float64))
    def fill(out, v):
        for i in range(out.shape[0]):
            out[i] = v * i

    out = np.zeros(10)[::2]  # strided: layout A takes it
    expected = np.zeros(10)[::2]
    fill(out, 1.5)
    fill.py_func(expected, 1.5)
    assert np.array_equal(out, expected)


def test_a_tuple_of_numba_argument_types_is_one_signature(kilnd):
    from kiln import jit
    from numba import types

    def axpy(a, x, y):
        return a * x + y

    jitted = jit((types.float64, types.float64[::1], types.float64[::1]))(axpy)
    assert jitted.signatures == [("float64", "array(float64, 1d, C)", "array(float64, 1d, C)")]
    x, y = np.arange(3.0), np.ones(3)
    assert np.array_equal(jitted(2.0, x, y), axpy(2.0, x, y))
    both = jit([(types.int64,), (types.float64,)])(lambda v: v + 1)
    assert both.signatures == [("int64",), ("float64",)]
    assert both(2) == 3 and both(2.5) == 3.5


def test_a_bad_signature_object_is_still_refused(kilnd):
    from kiln import jit

    with pytest.raises(TypeError, match="signature must be a str"):
        jit([object()])(lambda x: x)


def _decorator_line(fn):
    lines, first = inspect.getsourcelines(fn)
    return first


def test_parallel_true_runs_a_race_free_prange_loop_without_a_warning(kilnd):
    # prange: the loop runs on the thread pool (test_prange.py has the rest);
    # the decorator no longer warns.
    from kiln import jit
    from kiln.errors import KilnPerformanceWarning

    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")

        @jit(parallel=True)
        def row_norms(x):
            out = np.empty(x.shape[0])
            for i in numba.prange(x.shape[0]):
                s = 0.0
                for j in range(x.shape[1]):
                    s += x[i, j] * x[i, j]
                out[i] = np.sqrt(s)
            return out

        x = np.arange(12.0).reshape(4, 3)
        assert np.array_equal(row_norms(x), row_norms.py_func(x))
    assert [w for w in ws if issubclass(w.category, KilnPerformanceWarning)] == []


def test_prange_from_numba_and_from_kiln_is_range(kilnd):
    import kiln
    from kiln import jit
    from numba import prange

    def total(n):
        s = 0
        for i in prange(n):  # numba.prange, imported by name
            s += i * i
        for i in kiln.prange(2, n, 3):  # kiln's, through the module
            s -= i
        return s

    jitted = jit(total)
    assert kiln.prange(2, 9, 3) == range(2, 9, 3)  # prange: a class whose instances are ranges
    for n in (0, 1, 7, 100):
        assert jitted(n) == total(n)
    assert jitted(-3) == total(-3) == 0


def test_another_numba_attribute_is_refused_where_it_is_read(kilnd):
    from kiln import TypingError, UnsupportedError, jit

    @jit
    def uses_numba_gdb_init(x):  # numba.literally is supported now (test_literally.py)
        return numba.gdb_init(x)

    with pytest.raises((UnsupportedError, TypingError), match="numba.gdb_init") as info:
        uses_numba_gdb_init(1)
    assert f"line {_decorator_line(uses_numba_gdb_init.py_func) + 2}" in str(info.value)


def test_numba_scalar_types_cast_as_numpys_do(kilnd):
    from kiln import jit

    def bit_mask(candidate):
        return numba.uint8(1 << (candidate & 7)) | numba.uint8(candidate)

    def casts(x):
        return numba.float32(x) / numba.float32(3.0), numba.int32(x * 1e8), numba.uint8(x * 50)

    jitted = jit(bit_mask)
    for c in (0, 5, 7, 13):
        assert jitted(c) == bit_mask(c)
    got, want = jit(casts)(2.75), casts(2.75)
    assert got[0] == want[0] and got[0] != 2.75 / 3.0  # float32 arithmetic
    assert got[1:] == want[1:] == (275000000, 137)


@pytest.mark.parametrize("a, b", [
    (np.arange(3.0), np.array([1.0, -2.0])),
    (np.arange(4).reshape(2, 2), np.array([[1.5, 2.0, 0.5]])),
    (np.array([1, 2], np.int32), np.arange(6, dtype=np.int64).reshape(3, 2)),
    (np.arange(6.0).reshape(2, 3), np.array([3, 4])),
    (np.arange(12.0).reshape(3, 4)[:, ::2], np.arange(10, dtype=np.float32)[::3]),
    (np.ones(2, np.float32), np.arange(3, dtype=np.float32)),
    (np.array([True, False]), np.array([True, True])),
    (np.zeros((0, 2)), np.ones((2, 2))),
])
def test_kron_as_numpys(kilnd, a, b):
    from kiln import jit

    @jit
    def kron(a, b):
        return np.kron(a, b)

    got, want = kron(a, b), np.kron(a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)


def test_kron_of_three_dimensions_is_refused(kilnd):
    from kiln import TypingError, jit

    @jit
    def kron(a, b):
        return np.kron(a, b)

    with pytest.raises(TypingError, match="np.kron"):
        kron(np.ones((2, 2, 2)), np.ones(2))


def test_star_args_whose_items_come_round_a_loop(kilnd):
    """f(x, *args) where x is only typed after a loop round (a secant
    iteration, as root finders written for Numba do): typed once the
    tuple is known, not refused with '*' taken for a keyword."""
    from kiln import jit

    @jit
    def shifted_cubic(x, c):
        return x ** 3 - 2.0 * x - c

    def secant(func, x0, args=(), maxiter=50):
        p0 = 1.0 * x0
        p1 = x0 * (1 + 1e-4) + 1e-4
        q0 = func(p0, *args)
        q1 = func(p1, *args)
        for itr in range(maxiter):
            if q1 == q0:
                p = (p1 + p0) / 2.0
                break
            p = p1 - q1 * (p1 - p0) / (q1 - q0)
            if abs(p - p1) < 1e-12:
                break
            p0, q0 = p1, q1
            p1 = p
            q1 = func(p1, *args)
        return p, itr

    jitted = jit(secant)
    got = jitted(shifted_cubic, 2.0, (5.0,))
    want = secant(shifted_cubic.py_func, 2.0, (5.0,))
    assert got == want and abs(got[0] - 2.0945514815423265) < 1e-12


def test_a_numba_objmode_block_runs_in_the_interpreter(kilnd):
    from kiln import UnsupportedError, jit

    def seeded(seed):
        if seed < 0:
            with numba.objmode(seed="int64"):
                seed = 7
        return seed + 1

    # objmode: the block runs in Python (tests/integration/test_objmode.py has the rest).
    assert jit(seeded)(3) == 4 and jit(seeded)(-2) == 8

    def nested(x):
        def inner(y):
            with numba.objmode(z="int64"):
                z = y + 1
            return z
        return inner(x)

    # So does one in a function nested in the jitted one (a closure compiled code makes).
    assert jit(nested)(3) == 4

    def plain_with(lock):
        with lock:
            return 1

    with pytest.raises(UnsupportedError, match="with statements are not supported") as info:
        jit(plain_with)(1)
    assert "numba.objmode()" not in str(info.value)
