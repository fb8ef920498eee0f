"""A @jit callee with explicit signatures (`@jit(["f4(f4[::1])"])`) called
from compiled code runs at the declared signature its arguments convert to
best, and its call has the declared return type, as under Numba (whose
dispatcher compiles no other signatures once given some). pynndescent's
float32 `norm` is the case: Kiln compiled a fresh float64 specialisation,
rounding differently from Numba. Each answer is compared with Numba 0.68's
under numba.njit, value and type.

Also here: typing that meets a type kept from an earlier round (a callee's
result that changed NEP 50 strength between rounds) types the caller
afresh rather than refusing it."""

import numpy as np
import pytest

import numba

import kiln
from kiln import TypingError


def _norm(vec):
    result = 0.0
    for i in range(vec.shape[0]):
        result += vec[i] * vec[i]
    return np.sqrt(result)


def _caller_norm(v):
    return _callee(v)


def _scale(x):
    return x * 3


def _twice(x):
    return x + x


def _both(jit, sigs, callee_py, caller_py):
    """The caller compiled with `jit`, its global `_callee` a `jit(sigs)` of
    callee_py (each function gets its own globals dict)."""
    callee = jit(sigs)(callee_py)
    g = dict(caller_py.__globals__, _callee=callee)
    caller = type(caller_py)(caller_py.__code__, g, caller_py.__name__)
    return jit(caller)


def _caller_one(x):
    return _callee(x)


def _caller_pair(x, y):
    return _callee(x) + _callee(y)


def _run(jit, sigs, callee_py, caller_py, *args):
    return _both(jit, sigs, callee_py, caller_py)(*args)


def _same(kiln_answer, numba_answer):
    assert type(kiln_answer) is type(numba_answer), (kiln_answer, numba_answer)
    if isinstance(numba_answer, np.ndarray):
        assert kiln_answer.dtype == numba_answer.dtype
        np.testing.assert_array_equal(kiln_answer, numba_answer)
    else:
        assert kiln_answer == numba_answer or (kiln_answer != kiln_answer and numba_answer != numba_answer)


def test_declared_float32_result_rounds_as_numba():
    """pynndescent's norm: the float64 accumulator is returned as the
    declared float32, so the caller sees a float32's value."""
    v = np.linspace(0.1, 1.7, 7).astype(np.float32)
    k = _run(kiln.jit, ["f4(f4[::1])"], _norm, _caller_norm, v)
    n = _run(numba.njit, ["f4(f4[::1])"], _norm, _caller_norm, v)
    _same(k, n)
    assert k == float(np.float32(k))  # a float32's value, not the float64 accumulator's
    assert k != float(np.sqrt(np.sum(v.astype(np.float64) ** 2)))


def test_result_type_is_declared_in_an_expression():
    """The call's type is the declared one: float32 / float32 stays float32."""
    def caller(v):
        return _callee(v) / np.float32(3)
    v = np.arange(1, 5, dtype=np.float32)
    k = _run(kiln.jit, ["f4(f4[::1])"], _norm, caller, v)
    n = _run(numba.njit, ["f4(f4[::1])"], _norm, caller, v)
    _same(k, n)


@pytest.mark.parametrize("arg", [3, 2**40 + 7, np.int32(-5), np.uint8(200), 2.75, np.float32(1.5), True])
def test_best_signature_is_chosen(arg):
    """Two declared signatures: an integer goes to the int64 one (an int32,
    a uint8 and a bool widen safely), a float to the float64 one."""
    sigs = ["int64(int64)", "float64(float64)"]
    k = _run(kiln.jit, sigs, _scale, _caller_one, arg)
    n = _run(numba.njit, sigs, _scale, _caller_one, arg)
    _same(k, n)


def test_unsafe_conversion_when_nothing_else_matches():
    """An int64 argument for an int32-only callee narrows (Numba's unsafe
    conversion), and the int32 result wraps as int32 arithmetic does."""
    sigs = ["int32(int32)"]
    for x in (7, 2**31 - 1, -(2**31)):
        k = _run(kiln.jit, sigs, _twice, _caller_one, x)
        n = _run(numba.njit, sigs, _twice, _caller_one, x)
        _same(k, n)


def test_float64_argument_narrowed_to_a_float32_signature():
    sigs = ["float32(float32)"]
    k = _run(kiln.jit, sigs, _twice, _caller_one, 0.1)
    n = _run(numba.njit, sigs, _twice, _caller_one, 0.1)
    _same(k, n)
    assert k == float(np.float32(0.1) + np.float32(0.1))


def test_c_array_passes_for_an_any_layout_signature():
    def total(a):
        s = 0.0
        for x in a:
            s += x
        return s
    sigs = ["float64(float64[:])"]
    a = np.arange(5.0)
    for arg in (a, a[::2]):
        k = _run(kiln.jit, sigs, total, _caller_one, arg)
        n = _run(numba.njit, sigs, total, _caller_one, arg)
        _same(k, n)


def test_argument_matching_no_signature_is_a_typing_error():
    """An array where only scalars are declared: Numba's 'No matching
    definition', located at the call in the caller, naming the signatures."""
    f = _both(kiln.jit, ["float64(float64)"], _twice, _caller_one)
    with pytest.raises(TypingError) as e:
        f(np.arange(3.0))
    msg = str(e.value)
    assert "No matching definition for argument type(s) array(float64, 1d, C)" in msg
    assert "float64(np.float64)" in msg or "float64(float64)" in msg
    assert "_caller_one" in msg
    g = _both(numba.njit, ["float64(float64)"], _twice, _caller_one)
    with pytest.raises(numba.core.errors.TypingError):
        g(np.arange(3.0))


def test_c_contiguous_signature_refuses_a_strided_array():
    f = _both(kiln.jit, ["float64(float64[::1])"], lambda a: a[0], _caller_one)
    assert f(np.arange(3.0)) == 0.0
    with pytest.raises(TypingError, match="No matching definition"):
        f(np.arange(6.0)[::2])


def test_declared_return_that_cannot_take_the_result_is_refused():
    """A callee whose body returns an array while its signature declares a
    float: refused when the caller is compiled (the callee's own eager
    compile refuses it first, as Numba's does)."""
    with pytest.raises(TypingError):
        kiln.jit(["float64(float64[::1])"])(lambda a: a * 2)


def test_two_calls_one_instance_per_signature():
    """Two arguments of different types reach the two signatures; each call
    gets its own declared result type (int64 + float64 is float64)."""
    sigs = ["int64(int64)", "float64(float64)"]
    k = _run(kiln.jit, sigs, _scale, _caller_pair, 2, 0.5)
    n = _run(numba.njit, sigs, _scale, _caller_pair, 2, 0.5)
    _same(k, n)


def test_lazy_callee_still_specialises():
    """Without signatures a callee is specialised on each call's types, as
    before: the float32 norm returns float64 (Numba's scalar arithmetic)."""
    callee = kiln.jit(_norm)
    g = dict(_caller_norm.__globals__, _callee=callee)
    caller = kiln.jit(type(_caller_norm)(_caller_norm.__code__, g, "_caller_norm"))
    v = np.arange(1, 4, dtype=np.float32)
    assert caller(v) == numba.njit(type(_caller_norm)(_caller_norm.__code__,
                                                      dict(g, _callee=numba.njit(_norm)), "_caller_norm"))(v)


def test_eager_callee_is_in_the_cache_key():
    """The same caller bytecode with a callee of other signatures compiles
    again (the signatures travel in the bundle), never reusing the other's
    binary."""
    v = np.arange(1, 4, dtype=np.float32)
    a = _run(kiln.jit, ["f4(f4[::1])"], _norm, _caller_norm, v)
    b = _run(kiln.jit, ["f8(f4[::1])"], _norm, _caller_norm, v)
    assert a == float(np.float32(b))
    assert a != b


# strength: a callee's result that changes NEP 50 strength between rounds of
# typing (a weak float64 while only `0.0` reaches its return, a strong one
# once the float32 products do) made `data / n` a float32 array in one round
# and a float64 array in the next: "cannot unify".

def _loop_norm(data, n):
    for _ in range(n):
        part = data[1:3]
        length = _callee(part)
        if abs(length) < 1e-8:
            length = 1.0
        z = part / length
    return z


def test_caller_typed_afresh_when_a_callee_result_changes_strength():
    callee = kiln.jit(_norm)
    g = dict(_loop_norm.__globals__, _callee=callee)
    f = kiln.jit(type(_loop_norm)(_loop_norm.__code__, g, "_loop_norm"))
    d = np.linspace(0.1, 1, 10).astype(np.float32)
    got = f(d, 2)
    part = d[1:3]
    want = part / np.sqrt(np.sum(part.astype(np.float64) * part.astype(np.float64)))
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_eager_callee_in_the_strength_loop_matches_numba():
    d = np.linspace(0.1, 1, 10).astype(np.float32)
    k = _run(kiln.jit, ["f4(f4[::1])"], _norm, _loop_norm, d, 2)
    n = _run(numba.njit, ["f4(f4[::1])"], _norm, _loop_norm, d, 2)
    np.testing.assert_allclose(k, n, rtol=1e-6)


def test_a_real_type_conflict_still_stands_after_fresh_typing():
    def conflict(n):
        x = 1
        for i in range(n):
            x = (i, i)
        return x
    with pytest.raises(TypingError, match="cannot unify"):
        kiln.jit(conflict)(3)
