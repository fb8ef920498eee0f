"""Scalar operator semantics against references computed here, in Python.

Numba's integer rules (the behaviour `kiln.jit` replaces): an operator on
integers computes in 64 bits, unsigned only when both operands are unsigned
(so uint64 + int64 is int64 and wraps, never float64); a shift takes its left
operand's signedness; unary - and ~ act at the operand's width, then widen;
~ on a bool is a bool. Division by zero raises ZeroDivisionError under
error_model='python' and follows NumPy under 'numpy'. Complex division is
CPython's algorithm (signs of zeros kept). The expected values are computed
by Python's unbounded ints reduced to 64 bits, not copied from Kiln.
"""

import cmath
import itertools
import math
import operator

import numpy as np
import pytest

INT_TYPES = [np.int8, np.uint8, np.int64, np.uint64]
SAMPLES = [0, 1, 3, 10, 42, 127, 10000, -1, -3, -10, -42, -127, -10000]


def wrap(x, signed):
    x &= (1 << 64) - 1
    return x - (1 << 64) if signed and x >= 1 << 63 else x


def typed(t, x):
    """x as a NumPy scalar of type t, wrapped as C's conversion does (as np.uint8(-1) did before NumPy 2)."""
    return np.array(x, dtype=np.int64).astype(t)[()]


def as64(v, signed):
    """The value of a NumPy integer scalar converted to (u)int64, as C does."""
    return wrap(int(v), signed)


def floordiv(a, b):
    if a == -(1 << 63) and b == -1:
        return 0  # Numba (and NumPy): INT64_MIN // -1 is 0, not an overflow
    return a // b


def mod(a, b):
    if a == -(1 << 63) and b == -1:
        return 0
    return a % b


BINARY = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "floordiv": floordiv, "mod": mod,
    "and": operator.and_, "or": operator.or_, "xor": operator.xor,
}


def make_binary(jit, name):
    body = {
        "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
        "floordiv": lambda a, b: a // b, "mod": lambda a, b: a % b,
        "and": lambda a, b: a & b, "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b,
    }[name]
    return jit(body)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_mixed_integer_operators(kilnd, name):
    from kiln import jit

    f = make_binary(jit, name)
    for xt, yt in itertools.product(INT_TYPES, INT_TYPES):
        signed = np.issubdtype(xt, np.signedinteger) or np.issubdtype(yt, np.signedinteger)
        for x, y in itertools.product(SAMPLES, SAMPLES):
            if name in ("floordiv", "mod") and y == 0:
                continue
            a, b = typed(xt, x), typed(yt, y)
            expected = wrap(BINARY[name](as64(a, signed), as64(b, signed)), signed)
            got = f(a, b)
            assert type(got) is int, (name, xt, yt, got)
            assert got == expected, (name, a, b, xt.__name__, yt.__name__, got, expected)


def test_uint64_with_int64_is_int64_not_float(kilnd):
    from kiln import jit

    add = jit(lambda a, b: a + b)
    got = add(np.uint64(2**64 - 1), np.int64(1))
    assert type(got) is int and got == 0  # wraps, as int64; float64 would give 1.8446744073709552e19


COMPARISONS = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
               "eq": operator.eq, "ne": operator.ne}
# Values where int64 and uint64 meet: float64 (their common NumPy type) rounds
# 2**63 - 1 and 2**63 to one value, and -1 wraps to 2**64 - 1 in uint64.
EDGE_SIGNED = [2**63 - 1, -1, 5, -(2**63), 0]
EDGE_UNSIGNED = [2**63, 2**64 - 1, 5, 0, 2**63 - 1]


@pytest.mark.parametrize("name", sorted(COMPARISONS))
def test_int64_uint64_comparisons_are_exact(kilnd, name):
    """Comparisons of signed and unsigned 64-bit ints, scalars and arrays,
    both ways round, as Python's ints and NumPy 2's mixed loops: exact."""
    from kiln import jit

    op = COMPARISONS[name]
    scalar = jit(lambda a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b))
    arrays = make_compare(jit, name)
    a = np.array(EDGE_SIGNED, np.int64)
    b = np.array(EDGE_UNSIGNED, np.uint64)
    assert arrays(a, b).tolist() == op(a, b).tolist() == [op(int(x), int(y)) for x, y in zip(a, b)]
    assert arrays(b, a).tolist() == [op(int(y), int(x)) for x, y in zip(a, b)]
    assert arrays(a, b[0]).tolist() == [op(int(x), int(b[0])) for x in a]
    for x, y in zip(a, b):
        want = tuple(f(int(x), int(y)) for f in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne))
        assert scalar(x, y) == want, (x, y)


def make_compare(jit, name):
    body = {"lt": lambda a, b: a < b, "le": lambda a, b: a <= b, "gt": lambda a, b: a > b,
            "ge": lambda a, b: a >= b, "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}[name]
    return jit(body)


def test_signed_in_tuple_of_uint64_is_exact(kilnd):
    from kiln import jit

    f = jit(lambda x, y, z: x in (y, z))
    assert f(np.int64(-1), np.uint64(2**64 - 1), np.uint64(2**63)) is False
    assert f(np.int64(2**63 - 1), np.uint64(2**64 - 1), np.uint64(2**63 - 1)) is True


@pytest.mark.parametrize("op", ["lshift", "rshift"])
def test_shift_takes_the_left_operand_signedness(kilnd, op):
    from kiln import jit

    f = jit((lambda a, b: a << b) if op == "lshift" else (lambda a, b: a >> b))
    for xt, yt in itertools.product(INT_TYPES, INT_TYPES):
        signed = np.issubdtype(xt, np.signedinteger)
        for x in SAMPLES:
            for y in (0, 1, 3, 5, np.iinfo(xt).bits - 2, np.iinfo(xt).bits - 1):
                a, b = typed(xt, x), typed(yt, y)
                v = as64(a, signed)
                expected = wrap(v << y, signed) if op == "lshift" else v >> y  # Python's >> is arithmetic
                assert f(a, b) == expected, (op, a, b, xt.__name__, yt.__name__)


def test_shift_counts_of_64_or_more(kilnd):
    from kiln import jit

    lsh = jit(lambda a, b: a << b)
    rsh = jit(lambda a, b: a >> b)
    # Python's unbounded shift reduced to 64 bits.
    assert lsh(np.int64(1), np.int64(64)) == wrap(1 << 64, True)
    assert rsh(np.int64(-5), np.int64(70)) == -5 >> 70
    assert rsh(np.uint64(2**64 - 1), np.uint64(64)) == 0
    assert lsh(np.int64(3), np.uint64(2**64 - 1)) == 0  # a huge unsigned count is not negative
    with pytest.raises(ValueError, match="negative shift count"):
        lsh(np.int64(1), np.int64(-1))


@pytest.mark.parametrize("xt", INT_TYPES + [np.uint32, np.int32])
def test_unary_minus_and_invert_act_before_widening(kilnd, xt):
    from kiln import jit

    neg = jit(lambda a: -a)
    inv = jit(lambda a: ~a)
    bits = np.iinfo(xt).bits
    signed = np.issubdtype(xt, np.signedinteger)
    for x in SAMPLES:
        a = typed(xt, x)
        v = int(a)
        # At the operand's own width, then widened to 64 bits of the same signedness.
        want_neg = (-v) & ((1 << bits) - 1) if not signed else -v
        want_inv = (~v) & ((1 << bits) - 1) if not signed else ~v
        assert neg(a) == want_neg, (a, xt.__name__)
        assert inv(a) == want_inv, (a, xt.__name__)
    assert inv(np.uint8(0)) == 255
    assert inv(np.uint32(0)) == 2**32 - 1


def test_bool_operators(kilnd):
    from kiln import jit

    inv = jit(lambda a: ~a)
    neg = jit(lambda a: -a)
    band = jit(lambda a, b: a & b)
    for v in (False, True):
        assert inv(v) is (not v)  # NumPy's ~, as Numba: a bool
        assert neg(v) == -int(v)
    assert band(True, False) is False
    assert band(np.uint8(3), True) == 1


def test_divmod_int64_matches_python(kilnd):
    from kiln import jit

    dm = jit(lambda a, b: divmod(a, b))
    values = [1, 3, 7, 15, -1, -3, -7, -15, 2**63 - 1, -2**63]
    for x, y in itertools.product(values + [0], values):
        if x == -2**63 and y == -1:
            assert dm(x, y) == (0, 0)  # Python's 2**63 does not fit: Numba's answer
        else:
            assert dm(x, y) == divmod(x, y), (x, y)
    with pytest.raises(ZeroDivisionError):
        dm(5, 0)


def test_zero_division_messages(kilnd):
    from kiln import jit

    fd = jit(lambda a, b: a // b)
    md = jit(lambda a, b: a % b)
    td = jit(lambda a, b: a / b)
    for f, word in ((fd, "division by zero"), (md, "modulo by zero"), (td, "division by zero")):
        for t in (np.int32, np.uint32, np.float64):
            with pytest.raises(ZeroDivisionError, match=word):
                f(t(1), t(0))


def same_float(a, b):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def test_complex_division_keeps_signs_of_zero(kilnd):
    from kiln import jit

    div = jit(lambda a, b: a / b)
    parts = [0.0, -0.0, 1.0, -1.0, 2.5, -3.5, 1e300, -1e-300, math.inf, -math.inf, math.nan]
    values = [complex(r, i) for r, i in itertools.product(parts, parts)]
    checked = 0
    for x, y in itertools.product(values, values):
        if y == 0:
            with pytest.raises(ZeroDivisionError, match="complex division by zero"):
                div(x, y)
            continue
        expected = x / y  # CPython's _Py_c_quot
        got = div(x, y)
        assert same_float(got.real, expected.real) and same_float(got.imag, expected.imag), (x, y, got, expected)
        checked += 1
    assert checked > 10000
    assert cmath.isclose(div(1 + 2j, 3 - 4j), (1 + 2j) / (3 - 4j))


def test_string_constant_comparison(kilnd):
    from kiln import jit

    def eq():
        s = "test1"
        return s == "test", s != "test", s == "test1", s != "test1"

    assert jit(eq)() == eq()


def test_string_comparison_that_is_not_constant(kilnd):
    from kiln import jit

    def pick(c):
        s = "a"
        if c:
            s = "b"
        return s == "a"

    f = jit(pick)
    assert f(True) is pick(True) is False
    assert f(False) is pick(False) is True


def test_error_model_numpy_division_by_zero(kilnd):
    from kiln import jit

    ops = {
        "truediv": lambda a, b: a / b,
        "floordiv": lambda a, b: a // b,
        "mod": lambda a, b: a % b,
    }
    with np.errstate(all="ignore"):
        for name, body in ops.items():
            f = jit(error_model="numpy")(body)
            for a in (1, -1, 0, 7):
                for b in (0, 2, -3):
                    # NumPy's own scalar semantics are the reference.
                    expected = body(np.int64(a), np.int64(b))
                    got = f(a, b)
                    assert same_float(float(got), float(expected)), (name, a, b, got, expected)
            for a in (1.0, -1.5, 0.0, -0.0, math.inf):
                for b in (0.0, -0.0, 2.0):
                    expected = body(np.float64(a), np.float64(b))
                    got = f(a, b)
                    assert same_float(got, float(expected)), (name, a, b, got, expected)
        f = jit(error_model="python")(ops["floordiv"])
        with pytest.raises(ZeroDivisionError):
            f(1, 0)
