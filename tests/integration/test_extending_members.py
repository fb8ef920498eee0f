"""Methods and attributes of types given by ``overload_method`` and
``overload_attribute`` (issue 9): Numba's ``numba.extending`` decorators and
Kiln's ``kiln.extending`` ones.

Where Kiln's own attributes and methods of a type refuse a name that the
client has an overload of, kilnd asks the client (an OverloadRequest whose
first type is the receiver's); the overload function runs with the types and
the implementation it returns is compiled with the receiver as its first
argument (docs/extending.md). Every answer is compared with what Numba's
njit gives for the same code, and with plain Python's where it has one."""

import collections
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR
from test_cache_keys import built_in_fresh_process as _built, project  # noqa: E402 - one project/driver for the cache tests

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")

from numba.core import types  # noqa: E402 - after the importorskip
from numba.core.errors import TypingError as NumbaTypingError  # noqa: E402
from numba.extending import overload_attribute, overload_method  # noqa: E402

import kiln.extending  # noqa: E402
import kiln.types  # noqa: E402


# -- Numba's decorators: arrays ---------------------------------------------------


@overload_method(types.Array, "kx_sum_sq")
def _ol_sum_sq(arr):
    def impl(arr):
        return (arr * arr).sum()
    return impl


@overload_attribute(types.Array, "kx_double_size")
def _ol_double_size(arr):
    return lambda arr: arr.size * 2


def _array_members(a):
    return a.kx_sum_sq() + a.kx_double_size


def test_array_method_and_attribute(kilnd):
    from kiln import jit

    a = np.arange(5.0)
    got = jit(_array_members)(a)
    assert got == numba.njit(_array_members)(a) == 30.0 + 10
    b = np.arange(6).reshape(2, 3)  # any array type: an int matrix too
    assert jit(_array_members)(b) == numba.njit(_array_members)(b) == 55 + 12


@overload_attribute(types.Array, "kx_doubled")
def _ol_doubled(arr):
    return lambda arr: arr * 2  # a new array


@overload_attribute(types.Array, "kx_itself")
def _ol_itself(arr):
    return lambda arr: arr  # the object itself


def _array_valued(a):
    total = 0.0
    for _ in range(3):
        d = a.kx_doubled
        total += d.sum() + a.kx_itself[0] + a.kx_doubled.kx_doubled[1] + (a + 1.0).kx_sum_sq()
    return total, a.kx_itself


def test_array_valued_attributes_own_their_references(kilnd):
    # The attribute is a call's result (owned), not a view borrowed from the
    # object: nothing leaks, and the object read back is the object; a
    # method of a temporary keeps it alive through the call.
    import kiln
    from kiln import jit

    a = np.arange(4.0)
    f = jit(_array_valued)
    want = numba.njit(_array_valued)(a)
    got = f(a)
    assert got[0] == want[0] == 3 * (12.0 + 0.0 + 4.0 + 30.0)
    assert got[1] is a or np.shares_memory(got[1], a)
    before = kiln.live_allocations()
    for _ in range(50):
        f(a)
    assert kiln.live_allocations() == before


# -- methods with arguments, keywords and defaults; scalars -------------------------


@overload_method(types.Array, "kx_scaled_sum")
def _ol_scaled_sum(arr, k, offset=0.0):
    if not isinstance(k, (types.Integer, types.Float)):
        raise NumbaTypingError(f"kx_scaled_sum: k must be a number, got {k}")

    def impl(arr, k, offset=0.0):
        return arr.sum() * k + offset
    return impl


def _scaled(a):
    return a.kx_scaled_sum(2), a.kx_scaled_sum(3, 1.5), a.kx_scaled_sum(k=2.5, offset=-1.0)


def test_method_arguments_keywords_and_defaults(kilnd):
    from kiln import jit

    a = np.arange(4.0)
    assert jit(_scaled)(a) == numba.njit(_scaled)(a) == (12.0, 19.5, 14.0)


def _scaled_badly(a):
    return a.kx_scaled_sum((1, 2))


def test_typing_error_raised_by_a_method_overload_is_located(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"kx_scaled_sum: k must be a number, got UniTuple\(int64 x 2\)") as e:
        jit(_scaled_badly)(np.arange(3.0))
    assert isinstance(e.value, NumbaTypingError)
    assert e.value.where[0] == __file__
    assert e.value.where[1] == _scaled_badly.__code__.co_firstlineno + 1


@overload_method(types.Float, "kx_clamp")
def _ol_float_clamp(x, lo=0.0, hi=1.0):
    def impl(x, lo=0.0, hi=1.0):
        return min(max(x, lo), hi)
    return impl


@overload_attribute(types.Integer, "kx_bits")
def _ol_int_bits(n):
    def impl(n):
        c = 0
        while n:
            c += n & 1
            n >>= 1
        return c
    return impl


def _scalar_members(x, n):
    return x.kx_clamp(), x.kx_clamp(hi=0.5), x.kx_clamp(-2.0, 2.0), n.kx_bits


def test_float_method_and_int_attribute(kilnd):
    from kiln import jit

    assert jit(_scalar_members)(0.75, 13) == numba.njit(_scalar_members)(0.75, 13) == (0.75, 0.5, 0.75, 3)
    assert jit(_scalar_members)(-3.0, 255) == numba.njit(_scalar_members)(-3.0, 255) == (0.0, 0.0, -2.0, 8)


# -- not applicable, and Kiln's own first ----------------------------------------------


@overload_method(types.Array, "kx_only_floats")
def _ol_only_floats(arr):
    if isinstance(arr.dtype, types.Float):
        return lambda arr: arr.max()
    return None  # not applicable to other arrays


def _only_floats(a):
    return a.kx_only_floats()


def test_overload_returning_none_is_a_located_typing_error(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    assert jit(_only_floats)(np.arange(3.0)) == 2.0
    with pytest.raises(TypingError, match=r"unknown attribute 'kx_only_floats' of type array\(int64, 1d, C\)") as e:
        jit(_only_floats)(np.arange(3))
    assert isinstance(e.value, NumbaTypingError)
    assert e.value.where[0] == __file__
    assert e.value.where[1] == _only_floats.__code__.co_firstlineno + 1
    with pytest.raises(NumbaTypingError, match="kx_only_floats"):  # Numba refuses it too
        numba.njit(_only_floats)(np.arange(3))


# Kiln's registry, not Numba's: Numba's own a.sum() breaks when its registry
# has a user overload_method of "sum" (its template is tried, and refuses).
@kiln.extending.overload_method(kiln.types.ArrayType, "sum")
def _ol_shadowing_sum(arr):
    return lambda arr: -1.0


@kiln.extending.overload_attribute(kiln.types.ArrayType, "size")
def _ol_shadowing_size(arr):
    return lambda arr: -1


def _own_members(a):
    return a.sum() + a.size


def test_kilns_own_methods_and_attributes_win(kilnd):
    from kiln import jit

    a = np.arange(4.0)
    assert jit(_own_members)(a) == _own_members(a) == 10.0


# -- a typed List -----------------------------------------------------------------------


@overload_method(types.ListType, "kx_total")
def _ol_list_total(lst, start=0):
    if not isinstance(lst.item_type, types.Integer):
        return None

    def impl(lst, start=0):
        s = start
        for v in lst:
            s += v
        return s
    return impl


def _list_total(lst):
    return lst.kx_total(), lst.kx_total(start=100)


def test_typed_list_method(kilnd):
    from kiln import jit

    from kiln.typed import List

    assert jit(_list_total)(List([1, 2, 3, 4])) == numba.njit(_list_total)(numba.typed.List([1, 2, 3, 4])) == (10, 110)


# -- a namedtuple ------------------------------------------------------------------


Point = collections.namedtuple("Point", ["x", "y"])


@overload_method(types.BaseNamedTuple, "kx_norm1")
def _ol_norm1(p):
    return lambda p: abs(p.x) + abs(p.y)


def _point_norm(x, y):
    return Point(x, y).kx_norm1()


def test_namedtuple_method(kilnd):
    # Numba's namedtuple type holds the class: the client finds it by the
    # module, name and fields Kiln's spelling of the type carries.
    from kiln import jit

    assert jit(_point_norm)(1.5, -2.0) == numba.njit(_point_norm)(1.5, -2.0) == 3.5
    assert jit(_point_norm)(1, -2) == numba.njit(_point_norm)(1, -2) == 3  # NamedUniTuple(int64 x 2)


Local = collections.namedtuple("Local", ["a"])


def _local_norm(x):
    return Local(x).kx_norm1()


def test_an_implementation_that_does_not_type_is_a_located_typing_error(kilnd):
    # The overload reads p.x and p.y, which Local has not: Numba's own
    # TypingError at the implementation's line, as njit gives it.
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(NumbaTypingError):
        numba.njit(_local_norm)(1.0)
    with pytest.raises(TypingError, match=r"Unknown attribute 'x' of type Local\(float64 x 1\)") as e:
        jit(_local_norm)(1.0)
    assert e.value.where[1] == _ol_norm1.__code__.co_firstlineno + 2  # in the implementation, where p.x is read


# -- Kiln's own decorators ----------------------------------------------------------


@kiln.extending.overload_method(kiln.types.ArrayType, "kx_kiln_span")
def _ol_kiln_span(arr, pad=0):
    if arr.ndim != 1:
        return None

    def impl(arr, pad=0):
        return arr.max() - arr.min() + pad
    return impl


@kiln.extending.overload_attribute(kiln.types.float64, "kx_kiln_half")
def _ol_kiln_half(x):
    return lambda x: x / 2.0


def _kiln_members(a, x):
    return a.kx_kiln_span(), a.kx_kiln_span(pad=10), x.kx_kiln_half


def test_kilns_own_decorators_get_kiln_types(kilnd):
    from kiln import jit

    a = np.array([3.0, -1.0, 7.0])
    assert jit(_kiln_members)(a, 5.0) == (8.0, 18.0, 2.5)


def _kiln_half_of_int(n):
    return n.kx_kiln_half


def test_a_type_instance_takes_only_equal_types(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    with pytest.raises(TypingError, match=r"unknown attribute 'kx_kiln_half' of type int64"):
        jit(_kiln_half_of_int)(3)


kiln_decorator_saw = []


@kiln.extending.overload_attribute(types.Float, "kx_negated")  # a Numba type class given to Kiln's decorator
def _ol_kiln_negated(x):
    kiln_decorator_saw.append(x)
    return lambda x: -x


def _negated(x):
    return x.kx_negated


def test_kiln_decorator_given_a_numba_type_gets_numbas_type_objects(kilnd):
    from kiln import jit

    assert jit(_negated)(2.5) == -2.5
    assert kiln_decorator_saw == [types.float64]
    assert isinstance(kiln_decorator_saw[0], types.Float)


def test_kiln_decorators_check_their_arguments():
    with pytest.raises(TypeError, match="attribute's name"):
        kiln.extending.overload_method(kiln.types.ArrayType, 3)


# -- the cache -------------------------------------------------------------------------


def test_second_process_hits_the_cache_and_a_changed_implementation_recompiles(project):
    project.write("members.py", """
        from numba.core import types
        from numba.extending import overload_method

        @overload_method(types.Float, "kx_third")
        def _ol_third(x):
            def impl(x):
                return x / 3.0
            return impl
    """)
    project.write("app.py", """
        from kiln import jit
        import members

        @jit
        def g(x):
            return x.kx_third() + 1.0

        def f(x):  # plain Python has no float.kx_third: the driver checks nothing against it
            return g(x)
    """)
    # A request round (not stored), then the compile of the bundle holding
    # the implementation; a fresh process hits the cache; a changed body is
    # a new bundle and compiles.
    assert _built(project, "app", "f", 3.0) == (2.0, 1, 0)
    assert _built(project, "app", "f", 3.0) == (2.0, 0, 1)
    project.edit("members.py", "return x / 3.0", "return x / 4.0")
    assert _built(project, "app", "f", 3.0) == (1.75, 1, 0)


# -- without Numba -----------------------------------------------------------------------

NO_NUMBA = textwrap.dedent("""
    import sys
    sys.modules["numba"] = None  # any import of Numba fails: it is not in the picture
    import numpy as np
    import kiln
    from kiln import types
    from kiln.extending import overload_attribute, overload_method

    seen = []

    @overload_method(types.ArrayType, "norm2")
    def _ol_norm2(a, squared=False):
        seen.append(a)
        if a.ndim == 1 and a.dtype == types.float64:
            def impl(a, squared=False):
                s = 0.0
                for v in a:
                    s += v * v
                return s if squared else np.sqrt(s)
            return impl

    @overload_attribute(types.int64, "squared")
    def _ol_squared(n):
        return lambda n: n * n

    @kiln.jit
    def f(a, n):
        return a.norm2(), a.norm2(squared=True), n.squared

    assert f(np.array([3.0, 4.0]), 7) == (5.0, 25.0, 49)
    # one run per (receiver, arguments) asked: a.norm2() and a.norm2(squared=True)
    assert [str(t) for t in seen] == ["array(float64, 1d, C)"] * 2, seen
    assert "numba.core" not in sys.modules
    print("ok")
""")


def test_kiln_members_without_numba(kilnd):
    out = subprocess.run([sys.executable, "-c", NO_NUMBA], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": kilnd.target})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
