"""Constructs met in real Numba code (issues 8 and 9, sixth round: the
packages' own test suites run with their njit routed to kiln.jit).

numba-scipy gives SciPy's special functions nopython implementations with
``numba.extending.overload(scipy.special.gamma)``: the overloaded value is a
*ufunc* (every scipy.special function is one), not a Python function, and its
implementation calls the Cython kernel through a ctypes function
(``lambda *args: f(*args)``). The ufuncs here are made with np.frompyfunc, so
the tests need neither SciPy nor numba-scipy."""

import ctypes
import ctypes.util
import math

import pytest

np = pytest.importorskip("numpy")


def _fresh_ufunc():
    # np.frompyfunc makes a ufunc with no __module__, as SciPy's are
    def cube_root(x):
        return math.copysign(abs(x) ** (1.0 / 3.0), x)
    return np.frompyfunc(cube_root, 1, 1)


_libm = ctypes.CDLL(ctypes.util.find_library("m"))
_cbrt_address = ctypes.cast(_libm.cbrt, ctypes.c_void_p).value


def _choose(signatures, kernel):
    # numba-scipy's shape: the overload compares the argument types with the
    # kernel's signatures and returns a lambda calling the ctypes function
    def choice(*args):
        for signature in signatures:
            if args == signature:
                return lambda *args: kernel(*args)
    return choice


def test_kiln_overload_of_a_ufunc_that_is_not_numpys(kilnd):
    from kiln import jit, types
    from kiln.extending import overload

    cbrt_ufunc = _fresh_ufunc()
    kernel = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(_cbrt_address)
    overload(cbrt_ufunc)(_choose([(types.float64,)], kernel))

    @jit
    def f(x):
        return cbrt_ufunc(x) + 1.0

    for x in (27.0, -8.0, 2.0):
        assert f(x) == kernel(x) + 1.0  # libm's cbrt, called as Python calls it
    assert f(27.0) == 4.0


def test_numba_overload_of_a_ufunc_star_args_as_numba_scipy(kilnd):
    import numba
    from numba.core import types as nt
    from kiln import jit
    from kiln.errors import TypingError

    cbrt_ufunc = _fresh_ufunc()
    kernel = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(_cbrt_address)
    numba.extending.overload(cbrt_ufunc)(_choose([(nt.float64,)], kernel))

    @jit
    def call(*args):  # as numba-scipy's own tests call it
        return cbrt_ufunc(*args)

    for x in (64.0, -0.125, 3.0):
        assert call(x) == kernel(x)
    assert call(64.0) == 4.0
    # no signature of the kernel takes an int64: the overload answers None
    with pytest.raises(TypingError, match=r"No implementation of function .* found for signature"):
        call(8)


def test_numpys_own_ufunc_is_never_taken_from_a_registry(kilnd):
    from kiln import jit
    from kiln import extending

    marker = _fresh_ufunc()
    assert extending.overloads_of(marker) == []  # no overload registered: not overloaded
    extending.overload(np.sin)(lambda x: (lambda x: 42.0))
    try:
        assert extending.overloads_of(np.sin) == []

        @jit
        def f(x):
            return np.sin(x)

        assert f(0.5) == math.sin(0.5)
    finally:
        extending._KILN_OVERLOADS.pop(np.sin, None)


# -- np.array_split / np.split (numba_celltree: one chunk of query boxes per prange step)


def _check_split(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        assert np.array_equal(g, w)


def test_array_split_sections_indices_axis(kilnd):
    from kiln import jit

    @jit
    def sections(x, n, axis):
        return np.array_split(x, n, axis)

    @jit
    def at(x, idx):
        return np.array_split(x, idx)

    x = np.arange(10.0)
    y = np.arange(24).reshape(4, 6)
    for n in (1, 3, 4, 10, 12):  # uneven: the first len % n pieces one longer; more pieces than items: empty ones
        _check_split(sections(x, n, 0), np.array_split(x, n))
    for n in (1, 4, 5):
        _check_split(sections(y, n, 1), np.array_split(y, n, 1))
        _check_split(sections(y, n, -1), np.array_split(y, n, -1))
    for idx in ((2, 5), [3, -2], (0, 20), (7, 3), np.array([1, 4, 8])):  # read as slice bounds
        _check_split(at(x, idx), np.array_split(x, idx))
    pieces = sections(x, 3, 0)
    pieces[0][0] = 99.0  # views of x, as NumPy's
    assert x[0] == 99.0
    with pytest.raises(ValueError, match="number sections must be larger than 0"):
        sections(x, 0, 0)
    with pytest.raises(ValueError, match="out of bounds"):
        sections(x, 2, 1)


def test_split_needs_an_equal_division(kilnd):
    from kiln import jit

    @jit
    def split(x, n):
        return np.split(x, n)

    x = np.arange(12.0)
    _check_split(split(x, 4), np.split(x, 4))
    with pytest.raises(ValueError, match="array split does not result in an equal division"):
        split(x, 5)


def test_array_split_chunks_in_prange_as_numba_celltree(kilnd):
    from kiln import jit, prange

    @jit
    def chunked_sums(values, n_chunks):
        chunks = np.array_split(values, n_chunks)
        out = np.zeros(n_chunks)
        for i in prange(n_chunks):
            out[i] = chunks[i].sum()
        return out

    values = np.arange(101.0)
    want = np.array([c.sum() for c in np.array_split(values, 7)])
    assert chunked_sums(values, 7).tolist() == want.tolist()


# -- builtin sum of any iterable (numba_celltree: `total_size = sum(counts)`, counts an int64 array)


def _total(c):
    return sum(c)


def test_builtin_sum_of_arrays_tuples_generators(kilnd):
    from kiln import jit

    total = jit(_total)
    for v in (np.array([1, 2, 3]), np.arange(4.0), np.array([True, False, True]), np.array([1 + 2j, 3j]),
              (1.5, 2.5), (1, 2.5), [1, 2, 3]):
        got, want = total(v), sum(v)
        assert got == want and type(got) is type(want.item() if isinstance(want, np.generic) else want)
    assert total(np.array([], np.float64)) == 0.0  # Numba's 0.0 (Python's int 0): the fold's type is the items'

    @jit
    def with_start(c, s):
        return sum(c, s)

    assert with_start(np.arange(4.0), 10) == 16.0
    assert with_start((1, 2), 0.5) == 3.5

    @jit
    def of_generator(n):
        return sum(x * x for x in range(n)) + sum(range(n))

    assert of_generator(10) == sum(x * x for x in range(10)) + sum(range(10))


def test_builtin_sum_refusals_stay(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def with_start(c, s):
        return sum(c, s)

    with pytest.raises(TypingError, match=r"sum\(\) can't sum strings"):
        with_start(np.arange(3.0), "a")
    with pytest.raises(TypingError, match="cannot unify"):  # a 2-d array's rows (Numba refuses it too)
        jit(_total)(np.ones((2, 2)))
    with pytest.raises(TypingError, match="'sum' is not supported"):  # a set: refused, as Numba does
        jit(_total)({1.5, 2.5})
