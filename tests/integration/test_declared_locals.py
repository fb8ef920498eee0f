"""Numba's jit(locals={name: type}): a declared local holds its declared
number or bool type; each store to it converts the value, as in Numba
(pynndescent accumulates float32 distances so). Every answer is compared
with Numba 0.68's under numba.njit, and the value's type with Numba's
inferred return type."""

import numpy as np
import pytest

import numba
from numba import types

from kiln import TypingError, jit


def _dot32(x, y):
    result = 0.0
    dim = x.shape[0]
    for i in range(dim):
        result += x[i] * y[i]
    if result <= 0.0:
        return np.float32(1.0)
    return -np.log2(result)


def _truncated(x):
    n = x * 2.5
    return n


def _flag(x):
    b = x
    return b


def _doubled(a):
    out = a * 2
    return out.sum()


def _plain(x):
    acc = 0
    for k in range(3):
        acc += x
    return acc


@pytest.mark.parametrize("fn, decl, args", [
    (_dot32, {"result": types.float32, "dim": types.intp},
     (np.linspace(0.1, 1, 7, dtype=np.float32), np.linspace(0.3, 0.9, 7, dtype=np.float32))),
    (_dot32, {"result": "float32"},
     (np.linspace(0.1, 1, 7, dtype=np.float32), np.linspace(0.3, 0.9, 7, dtype=np.float32))),
    (_truncated, {"n": types.int32}, (3.3,)),
    (_truncated, {"n": types.uint8}, (100.0,)),
    (_flag, {"b": types.boolean}, (2,)),
    (_plain, {"acc": types.float32}, (0.1,)),
    (_plain, {"acc": types.complex64}, (1.5,)),
    (_doubled, {"out": types.float64[::1]}, (np.arange(3.0),)),  # an array declaration only restates inference
], ids=["dot32", "dot32-str", "int32", "uint8", "bool", "float32-acc", "complex64", "array-decl"])
def test_declared_locals_as_numba(kilnd, fn, decl, args):
    k = jit(locals=decl)(fn)
    n = numba.njit(locals={v: getattr(types, t) if isinstance(t, str) else t for v, t in decl.items()})(fn)
    got, want = k(*args), n(*args)
    assert type(got) is type(want) and got == want, (got, want)
    sig = tuple(numba.typeof(a) for a in args)
    assert str(k.overloads[sig].signature.return_type) == str(n.overloads[sig].signature.return_type)


def test_a_declared_local_converts_every_store_in_a_loop(kilnd):
    # float32 accumulation rounds at each step: the sum differs from the
    # float64 one, and equals Numba's and NumPy's float32 loop bit for bit.
    x = np.full(1000, 0.1, dtype=np.float64)
    k = jit(locals={"s": types.float32})(_sum_loop)
    acc = np.float32(0)
    for v in x:
        acc = np.float32(acc + np.float32(v))
    assert k(x) == acc and k(x) != _sum_loop(x)
    assert k(x) == numba.njit(locals={"s": types.float32})(_sum_loop)(x)


def _sum_loop(x):
    s = 0.0
    for v in x:
        s = s + v
    return s


def test_a_callee_keeps_its_own_declarations(kilnd):
    inner = jit(locals={"r": types.float32})(_truncated_r)

    def outer(x):
        return inner(x) * 2

    assert jit(outer)(1.1) == np.float32(np.float32(1.1) * 2)
    assert jit(locals={"r": types.int64})(_truncated_r)(1.9) == 1  # its own compile, its own declaration


def _truncated_r(x):
    r = x
    return r


def test_a_value_that_cannot_be_converted_is_refused_located(kilnd):
    def bad(x):
        r = (x, x)
        return r

    with pytest.raises(TypingError, match=r"cannot store a value of type UniTuple\(int64, 2\) in 'r', "
                                          r"declared as float32 by locals="):
        jit(locals={"r": types.float32})(bad)(1)
    with pytest.raises(TypeError, match=r"locals must be a dict"):
        jit(locals=[("r", types.float32)])(bad)
    with pytest.raises(TypeError, match=r"locals: the type of 'r' must be a Numba type"):
        jit(locals={"r": 3})(bad)


def test_declarations_are_part_of_the_cache_key(kilnd):
    a = jit(locals={"r": types.float32})(_truncated_r)
    b = jit(locals={"r": types.int32})(_truncated_r)
    c = jit(_truncated_r)
    assert a(2.7) == np.float32(2.7) and b(2.7) == 2 and c(2.7) == 2.7
    assert a.bundle().hash != b.bundle().hash != c.bundle().hash


def test_default_width_declarations_convert_too(kilnd):
    # int64/float64/bool declarations (the widths a Python number has) convert as the narrow ones do
    assert jit(locals={"r": types.int64})(_truncated_r)(2.9) == 2
    assert jit(locals={"r": "float64"})(_truncated_r)(3) == 3.0 and type(jit(locals={"r": "f8"})(_truncated_r)(3)) is float
    assert jit(locals={"r": types.boolean})(_truncated_r)(5) is True
