"""Closures, inner functions and lambdas, functions as values, the operator
module and eagerly compiled self-recursion, each compared with plain
Python/NumPy."""

import math
import operator

import numpy as np
import pytest

import kiln
from kiln import _kiln


# -- closures made by a factory in Python: cells frozen like globals --

def make_scaler(k, offset):
    @kiln.jit
    def scale(x):
        return x * k + offset
    return scale


def test_factory_closure_values():
    assert make_scaler(3, 1)(4) == 13
    assert make_scaler(2.5, -1.0)(2.0) == 4.0
    assert make_scaler(0, 7)(123) == 7


def test_factory_called_twice_with_equal_values_compiles_once(private_kilnd):
    before = _kiln.server_stats(False)["compiles"]
    a, b = make_scaler(5, 2), make_scaler(5, 2)
    assert a(3) == b(3) == 17
    assert _kiln.server_stats(False)["compiles"] - before == 1
    # Same bundle: the same hash, so the second is a cache hit.
    assert a.bundle().hash == b.bundle().hash
    c = make_scaler(6, 2)  # a different captured value: another compile, another answer
    assert c(3) == 20
    assert _kiln.server_stats(False)["compiles"] - before == 2
    assert c.bundle().hash != a.bundle().hash


def test_closure_captures_tuple_numpy_function_jitted_function_and_module():
    @kiln.jit
    def helper(x):
        return x + 0.5

    def factory(weights, fn, mod, h):
        @kiln.jit
        def f(x):
            s = 0.0
            for i in range(len(weights)):
                s += weights[i] * fn(x + i)
            return h(s) + mod.floor(x)
        return f

    f = factory((1.0, 2.0, 0.5), np.sqrt, math, helper)
    want = sum(w * math.sqrt(2.3 + i) for i, w in enumerate((1.0, 2.0, 0.5))) + 0.5 + math.floor(2.3)
    assert f(2.3) == pytest.approx(want, rel=1e-15)


def test_closure_captures_dtype():
    def factory(dt):
        @kiln.jit
        def f(n):
            return np.zeros(n, dt)
        return f

    out = factory(np.int32)(3)
    assert out.dtype == np.int32 and list(out) == [0, 0, 0]


# -- inner functions and lambdas made in compiled code --

@kiln.jit
def inner_function(n):
    def sq(x):
        return x * x + n
    return sq(3) + sq(4), sq(n)


@kiln.jit
def lambdas(x):
    f = lambda y: y * x + 1.0  # noqa: E731
    g = lambda y, z: f(y) - z  # noqa: E731
    return f(2.0), g(3.0, 1.0)


@kiln.jit
def inner_with_defaults(x):
    def h(a, b=2, c=0.5):
        return a * b + c
    return h(x), h(x, 3), h(x, c=1.0)


@kiln.jit
def captures_array(a):
    def at(i):
        return a[i % a.shape[0]] * 2.0
    s = 0.0
    for i in range(a.shape[0] * 2):
        s += at(i)
    return s


@kiln.jit
def passes_lambda_to_inner(x):
    def apply(f, v):
        return f(v) + f(v + 1)
    return apply(lambda t: t * x, 2)


@kiln.jit
def nested_inner(x):
    def outer(y):
        def inner(z):
            return z + x + y
        return inner(1)
    return outer(10)


@kiln.jit
def inner_in_loop(n):
    s = 0
    for i in range(n):
        k = i * 2
        s += (lambda v: v + k)(1)  # made and called in the same iteration
    return s


def py(f):
    return f.py_func


@pytest.mark.parametrize("fn,args", [
    (inner_function, (2,)), (inner_function, (-5,)),
    (lambdas, (1.5,)), (lambdas, (-2.0,)),
    (inner_with_defaults, (4,)), (inner_with_defaults, (1.5,)),
    (passes_lambda_to_inner, (3,)), (passes_lambda_to_inner, (0.5,)),
    (nested_inner, (5,)),
    (inner_in_loop, (6,)),
])
def test_inner_functions_match_python(fn, args):
    assert fn(*args) == py(fn)(*args)


def test_inner_function_captures_array():
    a = np.random.default_rng(1).random(7)
    assert captures_array(a) == pytest.approx(captures_array.py_func(a), rel=1e-14)
    assert kiln.live_allocations() == 0


def test_assignment_after_capture_reads_the_last_value():
    # pycells: the variable lives in a cell (tests/integration/test_closures_cells.py)
    @kiln.jit
    def late(x):
        def g():
            return y
        y = x
        return g()

    assert late(1) == 1


def test_nonlocal_assignment():
    @kiln.jit
    def counter(x):
        n = 0

        def bump():
            nonlocal n
            n += x
        bump()
        return n

    assert counter(3) == 3


def test_recursive_inner_function_is_refused():
    @kiln.jit
    def outer(n):
        def fact(k):
            return 1 if k <= 1 else k * fact(k - 1)
        return fact(n)

    with pytest.raises(kiln.UnsupportedError, match="recursive inner function"):
        outer(4)


def test_closure_kept_in_a_tuple_across_loop_iterations_sees_the_cell():
    @kiln.jit
    def latest(n):
        s = 0
        t = (lambda: -1,)
        for i in range(n):
            k = i
            if i == 0:
                t = (lambda: k,)
            s += t[0]()
        return s

    # Two different lambdas in one variable: still refused (function types).
    with pytest.raises(kiln.TypingError, match="cannot unify"):
        latest(3)


def test_returning_an_inner_function_is_refused():
    @kiln.jit
    def outer(x):
        def make():
            return lambda y: y + x
        return make()(1)

    # pyrest: a TypingError, as Numba's ("Cannot capture the non-constant value ...")
    with pytest.raises(kiln.TypingError, match="Cannot capture the non-constant value.*returning an inner function "
                                               "or lambda is not supported"):
        outer(2)


def test_closure_kept_across_loop_iterations_sees_the_cell():
    @kiln.jit
    def latest(n):
        s = 0
        for i in range(n):
            k = i
            g = lambda: k  # noqa: E731
            s += g()
        return s

    assert latest(4) == latest.py_func(4) == 6


# -- the operator module --

@kiln.jit
def binary_ops(a, b):
    return (operator.add(a, b), operator.sub(a, b), operator.mul(a, b), operator.truediv(a, b),
            operator.floordiv(a, b), operator.mod(a, b), operator.pow(a, 2), operator.lt(a, b),
            operator.le(a, b), operator.eq(a, b), operator.ne(a, b), operator.gt(a, b), operator.ge(a, b),
            operator.neg(a), operator.pos(b), operator.not_(a), operator.truth(b), operator.abs(-a))


@kiln.jit
def int_ops(a, b):
    return (operator.and_(a, b), operator.or_(a, b), operator.xor(a, b), operator.lshift(a, 2),
            operator.rshift(a, 1), operator.invert(a), operator.inv(b), operator.iadd(a, b),
            operator.isub(a, b), operator.imul(a, b), operator.ifloordiv(a, b), operator.imod(a, b),
            operator.iand(a, b), operator.ior(a, b), operator.ixor(a, b), operator.ilshift(a, 1),
            operator.irshift(a, 1), operator.ipow(a, 2))


@kiln.jit
def array_ops(a, i):
    x = operator.getitem(a, i)
    operator.setitem(a, i, x * 10.0)
    operator.iadd(a, 1.0)  # in place, as a += 1.0
    return operator.contains((1, 2, 3), i), x


@pytest.mark.parametrize("a,b", [(7, 3), (-7, 3), (2.5, -0.75)])
def test_operator_binary(a, b):
    assert binary_ops(a, b) == binary_ops.py_func(a, b)


@pytest.mark.parametrize("a,b", [(12, 5), (-9, 4)])
def test_operator_int(a, b):
    assert int_ops(a, b) == int_ops.py_func(a, b)


def test_operator_arrays_in_place():
    a, b = np.arange(4.0), np.arange(4.0)
    assert array_ops(a, 2) == array_ops.py_func(b, 2)
    assert np.array_equal(a, b)


def test_operator_function_as_captured_value():
    def factory(op):
        @kiln.jit
        def f(x, y):
            return op(x, y)
        return f

    assert factory(operator.mul)(6, 7) == 42
    assert factory(operator.sub)(6, 7) == -1


# -- eagerly compiled self-recursion --

@kiln.jit("int64(int64)")
def fib1(n):
    if n < 2:
        return n
    return fib1(n - 1) + fib1(n - 2)


def test_eager_self_recursion():
    assert fib1(20) == 6765


def test_eager_self_recursion_in_a_function_scope():
    @kiln.jit("int64(int64)")
    def fact(n):
        return 1 if n <= 1 else n * fact(n - 1)
    assert fact(10) == math.factorial(10)


# -- *args parameters --

@kiln.jit
def star_inner(a, *rest):
    return a * 10 + len(rest), rest


@kiln.jit
def star_sum(*xs):
    s = 0.0
    for x in xs:
        s += x
    return s


@kiln.jit
def star_outer(x, y):
    return star_inner(x), star_inner(x, y), star_inner(x, y, 3.5), star_sum(x * 1.0, y * 1.0, 0.25)


def test_star_args_parameter_from_python():
    assert star_inner(1) == (10, ())
    assert star_inner(1, 2, 3) == (12, (2, 3))
    assert star_inner(1.5, 2) == (16.0, (2,))
    assert star_sum(1.0, 2.5, 3.0) == 6.5


def test_star_args_parameter_from_compiled_code():
    assert star_outer(2, 5) == star_outer.py_func(2, 5)


@kiln.jit
def star_lambda(x):
    f = lambda *a: len(a) + x  # noqa: E731
    return f(), f(1, 2)


def test_star_args_lambda():
    assert star_lambda(10) == (10, 12)


# -- register_jitable helpers --

@kiln.register_jitable
def clamp(x, lo, hi):
    return lo if x < lo else hi if x > hi else x


@kiln.extending.register_jitable(inline="always")
def twice(x):
    return 2 * x


@kiln.jit
def uses_helpers(x):
    return clamp(twice(x), -5, 5)


def test_register_jitable_helpers():
    assert clamp(7, 0, 3) == 3  # still a Python function
    for x in (-4, 1, 2, 9):
        assert uses_helpers(x) == uses_helpers.py_func(x)


def test_register_jitable_captured_in_a_closure():
    def factory(h):
        @kiln.jit
        def f(x):
            return h(x) + 1
        return f

    assert factory(twice)(20) == 41
