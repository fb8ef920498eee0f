"""npcreate (issue 8): np.array of lists of tuples, tuples of lists and
empty tuples; lists inside tuple arguments (reflected); np.eye with its
parameters by name; compared with NumPy itself (values and dtype)."""

import numpy as np
import pytest


def same(got, want):
    assert isinstance(got, np.ndarray), type(got)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_array_equal(got, want)


ARRAY_LIKES = [
    [(1, 2), (3, 4)],
    [(1, 2.5), (3, 4.5)],
    [(True, 2)],
    ([1, 2], [3, 4]),
    ([1, 2], [3.5, 4.5]),
    ([True], [False]),
    ((1.5, 2), (3.5, 4.5)),
    ((), ()),
    (),
    (1.0, 2.5j, 42),
]


@pytest.mark.parametrize("obj", ARRAY_LIKES, ids=repr)
@pytest.mark.parametrize("dtype", [None, np.float32, np.int16, np.complex128])
def test_array_of_nested_sequences(kilnd, obj, dtype):
    from kiln import jit

    if dtype is None:
        f = jit(lambda a: np.array(a))
        g = jit(lambda a: np.asarray(a))
        same(f(obj), np.array(obj))
        same(g(obj), np.asarray(obj))
        return
    if any(isinstance(x, complex) for x in obj) and dtype is not np.complex128:
        return  # complex to real: refused, as Numba
    f = jit(lambda a: np.array(a, dtype=dtype))
    same(f(obj), np.array(obj, dtype=dtype))


def test_ragged_tuple_of_lists_raises(kilnd):
    from kiln import jit

    f = jit(lambda a: np.array(a))
    with pytest.raises(ValueError, match="inhomogeneous shape"):
        f(([1, 2], [3]))


def test_lists_inside_a_tuple_are_reflected(kilnd):
    from kiln import jit

    @jit
    def f(t):
        t[0].append(5)
        t[1][0][0] = 9.5
        return len(t[0]) + len(t[1][1])

    a = [1, 2]
    t = (a, ([1.0], [1, 2, 3]))
    assert f(t) == 6
    assert t == ([1, 2, 5], ([9.5], [1, 2, 3]))
    assert t[0] is a

    g = jit(lambda t: t[0])
    assert g((a, 3)) is a
    with pytest.raises(TypeError, match="heterogeneous list"):
        g(([1, 2.5], 3))


INT32 = np.dtype("int32")
EYES = [
    (lambda n: np.eye(n), (3,)),
    (lambda n: np.eye(n, dtype=None), (3,)),
    (lambda n: np.eye(n, dtype=np.complex128), (3,)),
    (lambda n: np.eye(n, dtype=np.complex64(1)), (3,)),
    (lambda n, m: np.eye(n, m), (3, 4)),
    (lambda n, m, k: np.eye(n, m, k), (3, 4, 1)),
    (lambda n, m, k: np.eye(n, m, k), (3, 4, -2)),
    (lambda n, m, k: np.eye(N=n, M=m, k=k, dtype=np.int16), (3, 4, 1)),
    (lambda n, m, k: np.eye(N=n, M=m, k=k, dtype=INT32), (4, 2, -1)),
    (lambda n: np.eye(n, k=1), (3,)),
    (lambda n: np.eye(n, M=None, k=-1), (3,)),
    (lambda n: np.eye(n, dtype="int32"), (3,)),
    (lambda n: np.eye(n, 2, 1, np.bool_), (3,)),
]


@pytest.mark.parametrize("case", range(len(EYES)))
def test_eye_keywords(kilnd, case):
    from kiln import jit

    f, args = EYES[case]
    same(jit(f)(*args), f(*args))


def test_non_constant_dtype_message_spells_like_numba(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    f = jit(lambda a, dt: np.array(a, dtype=dt))
    with pytest.raises(TypingError, match=r"array\(UniTuple\(int64 x 2\), dtype=unicode_type\)"):
        f((5, 3), "int32")


ARRAY_EQUAL = [((1, 2, 3), (1, 2, 3)), (2, 2), (3, 2), (True, 2), (True, 1), (False, 0), ([1, 2], [1, 2]),
               (np.arange(3), (0, 1, 2)), (np.arange(3), (0, 1)), (np.arange(4).reshape(2, 2), ((0, 1), (2, 4)))]


@pytest.mark.parametrize("pair", ARRAY_EQUAL, ids=repr)
def test_array_equal_of_array_likes(kilnd, pair):
    from kiln import jit

    f = jit(lambda a, b: np.array_equal(a, b))
    got = f(*pair)
    assert type(got) is bool and got == np.array_equal(*pair)


@pytest.mark.parametrize("a", [np.arange(7), [1.1, 2.2, 3.3], (True, False, True), False, 4, (9,), np.array([]), ()],
                         ids=repr)
@pytest.mark.parametrize("shift", [True, False, -3, 2])
def test_roll_of_array_likes_and_bool_shifts(kilnd, a, shift):
    from kiln import jit

    same(jit(lambda a, s: np.roll(a, s))(a, shift), np.roll(a, shift))


@pytest.mark.parametrize("a", [np.arange(10).reshape(5, 2), np.arange(20).reshape(5, 2, 2), ((1, 2),), ([1, 2], [3, 4])],
                         ids=repr)
def test_flips_of_array_likes(kilnd, a):
    from kiln import jit

    same(jit(lambda a: np.fliplr(a))(a), np.fliplr(a))
    same(jit(lambda a: np.flipud(a))(a), np.flipud(a))


def test_flips_refuse_strings_and_too_few_dimensions(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match="Cannot np.fliplr on unicode_type type"):
        jit(lambda a: np.fliplr(a))("abc")
    with pytest.raises(TypingError, match="with 2 indices"):
        jit(lambda a: np.fliplr(a))(np.arange(3))
    with pytest.raises(TypingError, match="Cannot np.flipud on unicode_type type"):
        jit(lambda a: np.flipud(a))("abc")


def test_column_stack_of_1d_and_2d_arrays(kilnd):
    from kiln import jit

    f = jit(lambda t: np.column_stack(t))
    a = np.arange(4)
    c = np.arange(12).reshape((4, 3))
    for t in [(a, a + 10, c), (c, a), (c[:, ::-1], a[::-1].astype(np.float32), c.T.copy().T), (a, a), (c, c),
              (np.arange(0), np.zeros((0, 2)))]:
        same(f(t), np.column_stack(t))
    with pytest.raises(ValueError, match="must match exactly"):
        f((np.arange(3), np.zeros((4, 2))))
