"""Constructs met in real Numba code (issues 8 and 9, third round):
keyword-only parameters, unpacking an array into names, IntEnum members
stored into arrays and used with ints, and ``@`` with mixed dtypes. Each
answer is checked against plain Python/NumPy."""

import enum

import pytest

np = pytest.importorskip("numpy")


# -- keyword-only parameters --------------------------------------------------


def _shear(x, *, factor=2, offset=0.5, axis):
    return x * factor + offset + axis


def _kw_star(a, *rest, scale=10):
    s = a
    for r in rest:
        s += r
    return s * scale


def _kw_str(n, *, mode="sum"):
    if mode == "sum":
        return n + 1
    return n - 1


def test_keyword_only_parameters_from_python(kilnd):
    from kiln import jit

    shear = jit(_shear)
    assert shear(3.0, axis=1) == _shear(3.0, axis=1)
    assert shear(3.0, axis=1, factor=5) == _shear(3.0, axis=1, factor=5)
    assert shear(3.0, offset=-1.0, axis=2, factor=3) == _shear(3.0, offset=-1.0, axis=2, factor=3)
    assert shear(x=1.5, axis=0) == _shear(x=1.5, axis=0)
    star = jit(_kw_star)
    assert star(1, 2, 3) == _kw_star(1, 2, 3)
    assert star(1, 2, 3, scale=-1) == _kw_star(1, 2, 3, scale=-1)
    kwstr = jit(_kw_str)
    assert kwstr(4) == 5 and kwstr(4, mode="diff") == 3


def test_keyword_only_errors_from_python_are_type_errors(kilnd):
    from kiln import jit

    shear = jit(_shear)
    with pytest.raises(TypeError, match="axis"):
        shear(3.0)  # the required keyword-only one is missing
    with pytest.raises(TypeError, match="scale"):
        shear(3.0, axis=1, scale=2)  # unknown keyword
    with pytest.raises(TypeError):
        shear(3.0, 2, axis=1)  # factor cannot be given by position


def test_keyword_only_parameters_from_compiled_code(kilnd):
    from kiln import jit

    shear = jit(_shear)
    star = jit(_kw_star)

    @jit
    def caller(x):
        return shear(x, axis=1), shear(x, factor=3, axis=2), star(x, 1.0, scale=2), star(x, 2.0)

    assert caller(2.0) == (_shear(2.0, axis=1), _shear(2.0, factor=3, axis=2), _kw_star(2.0, 1.0, scale=2),
                           _kw_star(2.0, 2.0))

    @jit
    def inner_kwonly(x):
        def g(a, *, b):
            return a - b

        return g(x, b=3)

    assert inner_kwonly(10) == 7


def test_keyword_only_misuse_in_compiled_code_is_located(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    shear = jit(_shear)

    @jit
    def missing(x):
        return shear(x)

    with pytest.raises(TypingError, match="missing required keyword-only argument 'axis'"):
        missing(1.0)

    @jit
    def unknown(x):
        return shear(x, axis=1, scale=2)

    with pytest.raises(TypingError, match="unexpected keyword argument 'scale'"):
        unknown(1.0)

    @jit
    def positional(x):
        return shear(x, 2, 1)

    with pytest.raises(TypingError, match="takes 1 positional argument but 3 were given"):
        positional(1.0)


# -- unpacking an array into names --------------------------------------------


def _rows(m):
    a, b = m  # rows, as views
    a[0] = -1.0
    return a + b, b.sum()


def _scalars(v):
    x, y, z = v
    return x * 100 + y * 10 + z


def _rows3d(t):
    p, q = t
    return p.shape[0], p.shape[1], q[1, 1]


def test_unpacking_a_2d_array_gives_views_of_its_rows(kilnd):
    from kiln import jit

    rows = jit(_rows)
    m = np.arange(6.0).reshape(2, 3)
    want_m = m.copy()
    got = rows(m)
    want = _rows(want_m)
    np.testing.assert_array_equal(got[0], want[0])
    assert got[1] == want[1]
    np.testing.assert_array_equal(m, want_m)  # the write through the first row's view
    f = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    want_f = f.copy()
    np.testing.assert_array_equal(rows(f)[0], _rows(want_f)[0])
    np.testing.assert_array_equal(f, want_f)
    t = np.arange(24).reshape(2, 3, 4)
    assert jit(_rows3d)(t) == _rows3d(t)


def test_unpacking_a_1d_array_gives_its_items(kilnd):
    from kiln import jit

    scalars = jit(_scalars)
    for v in (np.array([1, 2, 3]), np.array([1.5, 2.0, -3.0]), np.arange(9)[::3]):
        assert scalars(v) == _scalars(v)


def test_unpacking_an_array_of_the_wrong_length_raises_value_error(kilnd):
    from kiln import jit

    rows, scalars = jit(_rows), jit(_scalars)
    for f, bad in ((rows, np.zeros((3, 2))), (rows, np.zeros((1, 2))), (scalars, np.zeros(2)),
                   (scalars, np.zeros(4)), (scalars, np.zeros(0))):
        with pytest.raises(ValueError) as plain:
            (_rows if f is rows else _scalars)(bad.copy())
        with pytest.raises(ValueError, match="values to unpack") as compiled:
            f(bad)
        assert str(compiled.value).split(" (")[0] == str(plain.value).split(" (")[0]


def test_iterating_a_2d_array_gives_its_rows(kilnd):
    from kiln import jit

    @jit
    def row_sums(m):
        out = np.zeros(m.shape[0])
        k = 0
        for row in m:
            out[k] = row.sum()
            k += 1
        return out

    m = np.arange(12.0).reshape(4, 3)
    np.testing.assert_array_equal(row_sums(m), m.sum(axis=1))


# -- IntEnum members into arrays and arithmetic --------------------------------


class Color(enum.IntEnum):
    RED = 1
    GREEN = 2


class Shade(enum.Enum):
    DARK = 1


def _store_members(a):
    a[0] = Color.GREEN
    a[1] = Color.RED + 5
    a[2] = 3 * Color.GREEN - Color.RED
    a[3:5] = Color.RED
    return a


def _member_arith(k):
    return Color.RED + k, k * Color.GREEN, Color.GREEN // 2, Color.RED == 1, Color.GREEN / 4, -Color.RED


def test_an_int_enum_member_stores_into_an_array_as_its_int(kilnd):
    from kiln import jit

    store = jit(_store_members)
    for dtype in (np.int64, np.int32, np.uint8, np.float64):
        got = store(np.zeros(5, dtype))
        want = _store_members(np.zeros(5, dtype))
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    assert jit(_member_arith)(3) == _member_arith(3)


def test_a_plain_enum_member_into_an_array_is_still_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    def store(a):
        a[0] = Shade.DARK
        return a

    with pytest.raises(TypingError, match="cannot store"):
        jit(store)(np.zeros(2, np.int64))


# -- @ with two dtypes ----------------------------------------------------------
# Refused, as Numba does (the Numba suite's test_linalg asserts the refusal
# for float32 @ float64); NumPy would promote. One dtype multiplies.


@pytest.mark.parametrize("da,db", [(np.int64, np.float64), (np.float32, np.float64), (np.int32, np.int64)])
def test_matmul_of_two_dtypes_is_refused_as_numba_does(kilnd, da, db):
    from kiln import jit
    from kiln.errors import TypingError

    mul = jit(lambda x, y: x @ y)
    with pytest.raises(TypingError, match="'@' arguments must all have the same dtype"):
        mul(np.ones((2, 3), da), np.ones((3, 2), db))
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(mul(m, m.T), m @ m.T)


def test_a_jitted_function_as_a_keyword_only_argument(kilnd):
    from kiln import jit

    sq = jit(lambda x: x * x)
    cube = jit(lambda x: x * x * x)

    @jit
    def apply(x, *, metric=sq):
        return metric(x)

    @jit
    def both(x, *fs, scale=1.0):
        return fs[0](x) * scale + fs[1](x)

    assert apply(3.0) == 9.0 and apply(3.0, metric=cube) == 27.0
    assert both(2.0, cube, sq, scale=0.5) == 8.0
    assert both(2.0, sq, cube) == 12.0

    @jit
    def outer(x):
        return apply(x) + apply(x, metric=cube)

    assert outer(2.0) == 12.0
