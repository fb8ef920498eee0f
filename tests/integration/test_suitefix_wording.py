"""Refusals that Numba's own tests look for (issues 8 and 9, `suitefix`).

Each refusal is a located TypingError that Python or NumPy would also not
run as written; each answer that still compiles is checked against Python
or NumPy in the test itself.
"""

import collections
import operator

import numpy as np
import pytest


def test_unknown_namedtuple_attribute_names_the_class(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def machar(x):
        return np.finfo(x).machar

    with pytest.raises(TypingError, match=r"Unknown attribute 'machar' of type finfo\(") as e:
        machar(7.0)
    assert "test_suitefix_wording.py" in str(e.value)

    Point = collections.namedtuple("Point", ["x", "y"])

    @jit
    def z(p):
        return p.z

    with pytest.raises(TypingError, match=r"Unknown attribute 'z' of type Point\(int64 x 2\)"):
        z(Point(1, 2))

    Mixed = collections.namedtuple("Mixed", ["a", "b"])
    with pytest.raises(TypingError, match=r"Unknown attribute 'z' of type Mixed\(int64, float64\)"):
        z(Mixed(1, 2.5))

    @jit
    def fields(p):
        return p.x + p.y

    assert fields(Point(1, 2)) == 3
    assert jit(lambda x: np.finfo(x).eps)(7.0) == np.finfo(np.float64).eps


def test_operator_refusal_has_numbas_lead(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def repeat(s, n):
        return s * n

    assert repeat("ab", 3) == "ab" * 3
    with pytest.raises(TypeError):
        "hi" * 2.5
    with pytest.raises(TypingError) as e:
        repeat("hi", 2.5)
    text = str(e.value)
    assert "operator '*' is not supported between unicode_type and float64" in text
    assert ("No implementation of function Function(<built-in function mul>) "
            "found for signature: mul(unicode_type, float64)") in text

    @jit
    def band(s, n):
        s &= n
        return s

    with pytest.raises(TypingError, match=r"Function\(<built-in function iand>\)"):
        band("hi", 2)
    assert band(6, 3) == 6 & 3


def test_str_join_of_non_str_items_is_refused_at_the_call(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def join(sep, parts):
        return sep.join(parts)

    with pytest.raises(TypeError):
        "".join([1, 2, 3])
    with pytest.raises(TypingError) as e:
        join("", [1, 2, 3])
    text = str(e.value)
    assert "During: resolving callee type: BoundFunction" in text
    assert "str.join() takes an iterable of str, not reflected list(int64)" in text
    # what still joins, as Python
    assert join("-", ["a", "bb", "c"]) == "a-bb-c"
    assert join("", ["x"]) == "x"
    assert join(", ", ("a", "b")) == "a, b"


def test_inplace_matmul_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def imatmul(a, b):
        a @= b
        return a

    @jit
    def op_imatmul(a, b):
        return operator.imatmul(a, b)

    a = np.arange(4.0).reshape(2, 2)
    b = np.eye(2) * 2
    keep = a.copy()
    # NumPy 1.x raises TypeError; NumPy 2 writes the product into a, which a
    # rebinding would not: refused either way, and a is untouched.
    for f in (imatmul, op_imatmul):
        with pytest.raises(TypingError, match=r"in-place matrix multiplication 'a @= b' is not supported"):
            f(a, b)
        np.testing.assert_array_equal(a, keep)

    @jit
    def matmul(a, b):
        return a @ b

    np.testing.assert_array_equal(matmul(a, b), a @ b)


def test_view_of_a_python_scalar_constant_is_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def int_view():
        a = 1
        return a.view(np.int64)

    with pytest.raises(AttributeError):
        (1).view(np.int64)
    with pytest.raises(TypingError, match=r"'view' can only be called on NumPy dtypes, try wrapping "
                                          r"the variable 'a' with 'np.<dtype>\(\)'"):
        int_view()

    @jit
    def float_view():
        return (1.5).view(np.int64)

    with pytest.raises(TypingError, match=r"'view' can only be called on NumPy dtypes"):
        float_view()

    # a NumPy scalar has .view, as NumPy
    @jit
    def np_view():
        a = np.float64(1.5)
        return a.view(np.int64)

    assert np_view() == np.float64(1.5).view(np.int64)

    @jit
    def arg_view(x):
        return x.view(np.int64)

    assert arg_view(np.float64(-2.0)) == np.float64(-2.0).view(np.int64)
