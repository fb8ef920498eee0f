"""A Kiln function called from Numba-compiled code (numbatwin,
kiln/dispatcher.py `_numba_type_`): Numba types a global it does not know
by its `_numba_type_`; a Kiln dispatcher answers with the type of a Numba
dispatcher of the same Python function (Numba cannot call Kiln's native
code), made once with the options the two share and Kiln's declared
signatures. Each answer is compared with the same code all in Numba."""

import numba
import numpy as np
import pytest

from kiln import jit


@jit
def scaled(x):
    return x * 2.0 + 1.0


@jit
def uses_scaled(x):
    return scaled(x) - 0.5  # a Kiln function calling another, both called from Numba


@jit("float32(float32)")
def declared(x):
    return x + np.float32(0.1)


@jit(error_model="numpy")
def divides(a, b):
    return a / b


def sums(a):
    s = 0.0
    for v in a:
        s += scaled(v) + uses_scaled(v)
    return s


def test_numba_njit_calls_kiln_functions(kilnd):
    a = np.arange(5.0)
    got = numba.njit(sums)(a)
    assert got == sums(a)
    # Kiln's own calls still run Kiln's code: the twin is Numba's, made once
    assert scaled(3.0) == 7.0
    assert isinstance(scaled.__dict__["_numba_twin"], numba.core.registry.CPUDispatcher)


def test_declared_signature_and_options_carry_over(kilnd):
    @numba.njit
    def call_declared(x):
        return declared(x)

    got = call_declared(1.5)  # a float64 converts to the declared float32, as both Kiln and Numba do
    assert got == pytest.approx(float(np.float32(1.5) + np.float32(0.1)), rel=0, abs=0)
    assert declared.__dict__["_numba_twin"].signatures == [(numba.float32,)]

    @numba.njit
    def call_divides(a, b):
        return divides(a, b)

    assert call_divides(1.0, 0.0) == np.inf  # error_model="numpy": no ZeroDivisionError


def test_vectorize_and_guvectorize_bodies_call_kiln(kilnd):
    @numba.vectorize(["float64(float64)"])
    def v(x):
        return scaled(x)

    @numba.guvectorize(["void(float64[:], float64[:])"], "(n)->(n)")
    def g(a, out):
        for i in range(a.shape[0]):
            out[i] = uses_scaled(a[i])

    a = np.linspace(0.0, 1.0, 7)
    np.testing.assert_array_equal(v(a), a * 2.0 + 1.0)
    np.testing.assert_array_equal(g(a), (a * 2.0 + 1.0) - 0.5)


def test_with_numba_njit_routed_to_kiln(kilnd, monkeypatch):
    # A program (or a test harness) that routes numba.njit to kiln.jit: the
    # twin is still Numba's, never another Kiln dispatcher.
    import kiln

    monkeypatch.setattr(numba, "njit", kiln.jit)

    @jit
    def cube(x):
        return x * x * x

    @numba.core.decorators.njit
    def caller(x):
        return cube(x) + 1

    assert caller(3) == 28
    assert isinstance(cube.__dict__["_numba_twin"], numba.core.registry.CPUDispatcher)
