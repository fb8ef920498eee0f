"""Constructs met in real Numba code (issues 8 and 9, fourth round):
several index arrays selecting pointwise (``a[i, j]``), Numba's
``Tuple((a, b))`` signatures, ``numba.pndindex`` and ``numba.typed`` read
through the module. Each answer is checked against plain Python/NumPy."""

import pytest

np = pytest.importorskip("numpy")
try:  # read as a module global by the functions below, as real Numba code does
    import numba
except ImportError:  # pragma: no cover
    numba = None
pndindex = numba.pndindex if numba is not None else None  # pymatting: from numba import pndindex


# -- several index arrays: a[i, j] ---------------------------------------------


def _get2(a, i, j):
    return a[i, j]


def _get_mixed(a, i, j):
    return a[i, 1:, j], a[:, i, j], a[i, :, j], a[1, i, j], a[i, j, 0], a[..., i, j]


def _set2(a, i, j, v):
    a[i, j] = v
    return a


def _set_scalar(a, i, j):
    a[i, j] = -1.0
    return a


def test_two_index_arrays_gather(kilnd):
    from kiln import jit

    get2 = jit(_get2)
    a = np.arange(30.0).reshape(5, 6)
    for i, j in [
        (np.array([0, 4, 2]), np.array([5, 0, 3])),
        (np.array([-1, -5]), np.array([-6, 2])),  # negative, wrapped
        (np.array([3]), np.array([0, 1, 5])),  # broadcast: one item
        (np.array([0, 1, 2]), np.array([4])),
        (np.array([], dtype=np.int64), np.array([], dtype=np.int64)),
        (np.array([1, 2], dtype=np.int32), np.array([3, 4], dtype=np.uint8)),
    ]:
        got = get2(a, i, j)
        want = _get2(a, i, j)
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.array_equal(got, want)
    # A strided (non-contiguous) source.
    t = a.T[::2]
    i, j = np.array([0, 2, 1]), np.array([4, 0, 1])
    assert np.array_equal(get2(t, i, j), _get2(t, i, j))
    # Three index arrays on a 3-d array.
    b = np.arange(60).reshape(3, 4, 5)

    def get3(b, i, j, k):
        return b[i, j, k]

    i, j, k = np.array([0, 2, 1]), np.array([3, 0, 1]), np.array([4, 4, 0])
    assert np.array_equal(jit(get3)(b, i, j, k), get3(b, i, j, k))


def test_two_index_arrays_with_slices_and_ints(kilnd):
    from kiln import jit

    f = jit(_get_mixed)
    a = np.arange(4 * 5 * 6).reshape(4, 5, 6)
    i, j = np.array([0, 3, 2]), np.array([1, 4, 1])
    got, want = f(a, i, j), _get_mixed(a, i, j)
    for g, w in zip(got, want):
        assert g.shape == w.shape  # NumPy's placement: first when split by a slice, else in place
        assert np.array_equal(g, w)


def test_two_index_arrays_errors(kilnd):
    from kiln import jit

    get2 = jit(_get2)
    a = np.arange(30.0).reshape(5, 6)
    with pytest.raises(IndexError):  # NumPy: out of bounds for axis 1
        get2(a, np.array([0, 1]), np.array([0, 6]))
    with pytest.raises(IndexError):
        get2(a, np.array([5]), np.array([0]))
    with pytest.raises(IndexError):  # shapes (2,) and (3,) do not broadcast
        get2(a, np.array([0, 1]), np.array([0, 1, 2]))


def test_two_index_arrays_scatter(kilnd):
    from kiln import jit

    set2 = jit(_set2)
    set_scalar = jit(_set_scalar)
    i, j = np.array([0, 4, 2, 0]), np.array([5, 0, 3, 5])  # a repeated place: the last store wins
    for v in [np.array([1.0, 2.0, 3.0, 4.0]), np.array([7.0]), 9.5]:
        a = np.arange(30.0).reshape(5, 6)
        b = a.copy()
        assert np.array_equal(set2(a, i, j, v), _set2(b, i, j, v))
    a = np.arange(30.0).reshape(5, 6)
    assert np.array_equal(set_scalar(a, i, j), _set_scalar(a.copy(), i, j))
    # Out of bounds: IndexError, and nothing stored (NumPy checks first).
    a = np.zeros((3, 3))
    with pytest.raises(IndexError):
        set_scalar(a, np.array([0, 1, 3]), np.array([0, 1, 2]))
    assert not a.any()
    # Rows of a 3-d array: a[i, j] = row.
    c = np.zeros((3, 4, 2))
    want = c.copy()
    i, j = np.array([0, 2]), np.array([3, 1])
    jit(_set2)(c, i, j, np.array([5.0, 6.0]))
    want[i, j] = np.array([5.0, 6.0])
    assert np.array_equal(c, want)


def test_mask_with_another_index_array_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    a = np.arange(12.0).reshape(3, 4)
    with pytest.raises(TypingError, match="only one advanced index supported"):
        jit(_get2)(a, np.array([True, False, True]), np.array([0, 1]))
    with pytest.raises(TypingError, match="only one advanced index supported"):
        jit(_get2)(a, np.array([[0, 1]]), np.array([0, 1]))


# -- Numba spellings met in real code ------------------------------------------


def test_numba_tuple_of_items_signature(kilnd):
    """pymatting declares Tuple((f8[:], i4[:], i4[:]))(...): the tuple of those
    three arrays, as Numba reads it (not a 1-tuple holding them)."""
    from kiln import jit

    def split(a, k):
        return a * 2.0, np.arange(k, dtype=np.int32), np.zeros(k, dtype=np.int32)

    f = jit("Tuple((f8[:], i4[:], i4[:]))(f8[:], i8)")(split)
    got, want = f(np.arange(3.0), 4), split(np.arange(3.0), 4)
    assert len(got) == 3
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and np.array_equal(g, w)

    def pair(x):
        return x, x + 1

    assert jit("Tuple((f8, i8))(i8)")(pair)(3) == (3.0, 4)


def _fill(a):
    h, w = a.shape
    for y, x in pndindex(h, w):
        a[y, x] = 10 * y + x
    return a


def _evens(a):
    out = numba.typed.List.empty_list(numba.types.intp)
    for x in a:
        if x % 2 == 0:
            out.append(x)
    return len(out), out[0] if len(out) else -1


def test_numba_pndindex_is_ndindex(kilnd):
    """pymatting loops `for y, x in pndindex(h, w)`: serially, as np.ndindex."""
    if numba is None:
        pytest.skip("numba is not installed")
    from kiln import jit

    got = jit(_fill)(np.zeros((3, 4)))
    assert np.array_equal(got, np.add.outer(10 * np.arange(3), np.arange(4)).astype(float))


def test_numba_typed_list_through_the_module(kilnd):
    """sparse writes numba.typed.List.empty_list(numba.types.intp) with the
    module `numba` as its global."""
    if numba is None:
        pytest.skip("numba is not installed")
    from kiln import jit

    a = np.array([3, 4, 7, 8, 10])
    assert jit(_evens)(a) == _evens(a) == (3, 4)
    assert jit(_evens)(np.array([1, 3])) == (0, -1)


# -- an empty list made an array before the appends that type it ---------------


def _counts(groups):
    inv_idx = []
    if len(groups) == 0:
        return np.array(inv_idx, dtype=np.intp)
    inv_idx.append(0)
    for i in range(1, len(groups)):
        if groups[i] != groups[i - 1]:
            inv_idx.append(np.intp(i))
    return np.array(inv_idx, dtype=np.intp)


def _never_appended(n):
    x = []
    return np.array(x, dtype=np.intp)


def test_empty_list_typed_by_later_appends(kilnd):
    """sparse's _calc_counts_invidx: the early return reads the list before
    the appends that give it its item type."""
    from kiln import TypingError, jit

    f = jit(_counts)
    for g in [np.array([1, 1, 2, 2, 2, 5]), np.array([], dtype=np.int64), np.array([7])]:
        got, want = f(g), _counts(g)
        assert got.dtype == want.dtype and np.array_equal(got, want)
    with pytest.raises(TypingError):  # no append ever types it (Numba refuses it too)
        jit(_never_appended)(1)


_PATTERNS = ["I, J", "I, J, K", "I, :, K", ":, J, K", "I, 1, K", "1, J, K", "I, J, 0", "..., J, K", "I, ..., K",
             "I, J, None", "None, I, J", "I, None, J", "I, 1:3, K", "O, J", "I, O", "O, :, K", "::-1, J, K",
             "I, J, ::2"]


@pytest.mark.parametrize("pattern", _PATTERNS)
def test_several_index_arrays_against_numpy(kilnd, pattern):
    """Gathers and scatters (a scalar, a row, a whole block) with two or three
    index arrays among ints, slices, None and `...`: NumPy's shapes and values."""
    from kiln import jit

    ns = {}
    exec(f"def g(a, I, J, K, O):\n    return a[{pattern}]\n"
         f"def s(a, I, J, K, O, v):\n    a[{pattern}] = v\n    return a\n", ns)
    g, s = ns["g"], ns["s"]
    a = np.arange(4 * 5 * 6, dtype=np.float64).reshape(4, 5, 6)
    idx = (np.array([0, 3, -1]), np.array([4, 0, 2]), np.array([5, 1, 0]), np.array([2]))
    want = g(a, *idx)
    got = jit(g)(a, *idx)
    assert got.shape == want.shape and np.array_equal(got, want)
    for v in [7.0, np.arange(want.shape[-1], dtype=float) + 100, np.ones(want.shape) * 3]:
        x, y = a.copy(), a.copy()
        jit(s)(x, *idx, v)
        s(y, *idx, v)
        assert np.array_equal(x, y)


def _total(xs, k):
    s = 0
    for x in xs:
        s += x
    return s * k


def test_numba_list_type_object_in_a_signature(kilnd):
    """pyts builds signatures from Numba's type objects; a list type prints
    with its initial value, "list(int64)<iv=None>"."""
    if numba is None:
        pytest.skip("numba is not installed")
    from numba.core import types as nt

    from kiln import jit

    sig = nt.int64(nt.List(nt.int64), nt.int64)
    assert str(nt.List(nt.int64)) == "list(int64)<iv=None>"
    f = jit(sig)(_total)  # compiled now; before, a malformed signature (TypeError)
    assert len(f.signatures) == 1 and "list(int64)" in str(f.signatures[0])
