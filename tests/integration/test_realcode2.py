"""Constructs met in real Numba code (issues 8 and 9, second round): a
namedtuple instance or a jitted function as a parameter default, a
namedtuple instance as a global, and CPU ``@vectorize`` ufuncs used from
Python and from jitted code. Each answer is checked against plain
Python/NumPy."""

import collections
import math

import pytest

np = pytest.importorskip("numpy")

Options = collections.namedtuple("Options", ["tol", "max_iter", "name"])
DEFAULT_OPTIONS = Options(1e-6, 50, "newton")
Pair = collections.namedtuple("Pair", ["a", "b"])
NESTED = Pair(Pair(1, 2.5), (3, 4))


def _settle(x, opts=Options(1e-3, 7, "fast")):
    n = 0
    while abs(x) > opts.tol and n < opts.max_iter:
        x = x / 2.0
        n += 1
    return x, n, len(opts.name)


def test_a_namedtuple_default_is_a_namedtuple_in_compiled_code(kilnd):
    from kiln import jit

    settle = jit(_settle)
    assert settle(5.0) == _settle(5.0)
    assert settle(5.0, Options(0.5, 100, "xy")) == _settle(5.0, Options(0.5, 100, "xy"))

    @jit
    def outer(x):  # the callee's default, bound by compiled code
        return settle(x)

    assert outer(9.0) == _settle(9.0)


def test_a_namedtuple_default_keeps_its_class(kilnd):
    from kiln import jit

    @jit
    def fields(p=Pair(1, 2.0)):
        return p

    @jit
    def call():
        return fields()

    r = call()
    assert r == (1, 2.0) and type(r) is Pair


def test_a_namedtuple_global_is_frozen(kilnd):
    from kiln import jit

    @jit
    def use():
        return DEFAULT_OPTIONS.max_iter * 2, DEFAULT_OPTIONS.tol, NESTED.a.b + NESTED.b[1]

    assert use() == (100, 1e-6, 6.5)
    assert use.py_func() == use()


def test_a_namedtuple_default_of_unsupported_items_is_refused(kilnd):
    from kiln import UnsupportedError, jit

    @jit
    def f(x, p=Pair([1], 2)):
        return x

    @jit
    def call(x):
        return f(x)

    with pytest.raises(UnsupportedError, match="default argument"):
        call(1)


def _euclid(x, y):
    return math.sqrt(((x - y) ** 2).sum())


def _manhattan(x, y):
    return np.abs(x - y).sum()


def test_a_jitted_function_default_is_called(kilnd):
    from kiln import jit

    euclid = jit(_euclid)
    manhattan = jit(_manhattan)

    def pairwise(X, metric=euclid):
        n = X.shape[0]
        out = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                out[i, j] = metric(X[i], X[j])
        return out

    jp = jit(pairwise)
    X = np.arange(12.0).reshape(4, 3) ** 1.5

    def ref(metric):
        return np.array([[metric(a, b) for b in X] for a in X])

    np.testing.assert_allclose(jp(X), ref(_euclid))
    np.testing.assert_allclose(jp(X, manhattan), ref(_manhattan))

    @jit
    def via_default(X):  # the default bound in compiled code
        return pairwise_j(X)

    pairwise_j = jp
    np.testing.assert_allclose(via_default(X), ref(_euclid))


def test_a_plain_function_default_is_still_refused(kilnd):
    from kiln import UnsupportedError, jit

    @jit
    def h(x, g=_euclid):
        return x

    @jit
    def call(x):
        return h(x)

    with pytest.raises(UnsupportedError, match="default argument"):
        call(1.0)


# -- CPU @vectorize ----------------------------------------------------------


def test_vectorize_without_signatures_from_python(kilnd):
    import kiln

    @kiln.vectorize
    def hyp(a, b):
        return math.sqrt(a * a + b * b)

    @kiln.vectorize(nopython=True)
    def trunc(x):
        return math.trunc(x) if x == x else x

    a = np.arange(6.0).reshape(2, 3) - 2.5
    np.testing.assert_allclose(hyp(a, np.array([1.0, 2.0, 3.0])), np.hypot(a, [1.0, 2.0, 3.0]))
    assert hyp(np.zeros((0, 2)), 1.0).shape == (0, 2)
    np.testing.assert_array_equal(trunc(a), np.trunc(a))
    r = trunc(2.5)
    assert r == 2.0 and isinstance(r, np.float64)
    # the kernel compiled at the input's own type, its result type (Numba 0.56 gives these too)
    assert trunc(np.arange(4, dtype=np.int32)).dtype == np.int64
    assert trunc(np.float32(2.5)) == 2.0
    assert trunc([1.5, -1.5]).tolist() == [1.0, -1.0]
    assert hyp.nin == 2 and hyp.__name__ == "hyp"


def test_vectorize_with_signatures_from_python(kilnd):
    import kiln

    @kiln.vectorize(["float32(complex64)", "float64(complex128)"], identity=0)
    def abs2(z):
        return z.real ** 2 + z.imag ** 2

    @kiln.vectorize(["float64(float64)"])
    def halve(x):
        return x / 2

    z = np.array([1 + 2j, 3 - 1j], dtype=np.complex64)
    assert abs2(z).dtype == np.float32 and abs2(z).tolist() == [5.0, 10.0]
    assert abs2(z.astype(np.complex128)).dtype == np.float64
    r = abs2(1j)
    assert r == 1.0 and isinstance(r, np.float64)
    h = halve(np.arange(5))  # int64 converts to float64 safely: true division
    assert h.dtype == np.float64 and h.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    with pytest.raises(TypeError, match="no signature matches"):
        halve(np.array([1 + 1j]))
    assert halve.types == ["d->d"]


def test_vectorize_from_jitted_code(kilnd):
    import kiln

    @kiln.vectorize(nopython=True)
    def fix(x):
        return math.trunc(x) if x == x else x

    @kiln.vectorize
    def hyp(a, b):
        return math.sqrt(a * a + b * b)

    @kiln.jit
    def user(a):
        m = int(fix((a.size + 1) / 2.0))  # a scalar call: a scalar
        return fix(a - 0.5) * 2 + m + hyp(a, 1.0) + hyp(a[:, None], a).sum(axis=1)

    a = np.array([0.3, 1.7, -2.2, 4.0])
    ref = np.fix(a - 0.5) * 2 + int(np.fix((a.size + 1) / 2.0)) + np.hypot(a, 1.0) + np.hypot(a[:, None], a).sum(axis=1)
    np.testing.assert_allclose(user(a), ref)


def test_vectorize_with_signatures_is_refused_in_jitted_code(kilnd):
    import kiln

    @kiln.vectorize(["float64(float64)"])
    def halve(x):
        return x / 2

    @kiln.jit
    def user(a):
        return halve(a)

    with pytest.raises(kiln.TypingError, match="cannot use global 'halve'.*vectorize ufunc with signatures"):
        user(np.arange(3))


# -- builtins and imports met in the new packages ----------------------------


def test_abs_of_an_array_is_np_absolute(kilnd):
    from kiln import jit

    @jit
    def dist(x, y):
        return abs(x - y).sum(), abs(x.astype(np.int32) - 3)

    x = np.array([0.5, -2.0, 3.25])
    y = np.array([1.0, 1.0, -1.0])
    s, ints = dist(x, y)
    assert s == np.abs(x - y).sum()
    assert ints.dtype == np.int32 and ints.tolist() == np.abs(x.astype(np.int32) - 3).tolist()
    z = np.array([3 + 4j, -1j])

    @jit
    def mod(z):
        return abs(z), abs(-2.5)

    m, f = mod(z)
    assert m.tolist() == [5.0, 1.0] and m.dtype == np.float64 and f == 2.5


def test_as_strided_imported_by_name(kilnd):
    from numpy.lib.stride_tricks import as_strided

    from kiln import jit

    @jit
    def window_sums(x, w):
        n = x.size - w + 1
        return as_strided(x, shape=(n, w), strides=(x.strides[0], x.strides[0])).sum(axis=1)

    x = np.arange(8.0) ** 2
    np.testing.assert_array_equal(window_sums(x, 3), window_sums.py_func(x, 3))


def test_an_optional_return_read_before_its_callee_is_typed(kilnd):
    """A callee returning an array or (falling off its end) None: the caller's
    `cm.shape` was refused as an attribute of None, read while the callee's
    array returns were still being typed (fastdist's precision_score)."""
    from kiln import jit

    @jit
    def confusion(targets, labels=None, normalize=None):
        if labels is None:
            labels = np.unique(targets)
        cm = np.zeros(len(labels))
        if normalize is None:
            return cm
        elif normalize == "pred":
            return cm + 1

    @jit
    def size(t):
        cm = confusion(t, None, "pred")
        return cm.shape[0], cm.sum()

    t = np.array([0, 1, 1, 0, 2])
    assert size(t) == size.py_func(t) == (3, 3.0)

    @jit
    def broken(t):
        cm = confusion(t, None, "pred")
        return cm.shape[0] + cm.nosuch

    with pytest.raises(Exception, match="nosuch"):  # a real error still stands
        broken(t)
