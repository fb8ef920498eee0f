"""numba.literally and literal dispatch (issue 9, part 10).

`k = literally(k)` on a parameter makes the dispatcher compile the function
once per value the caller gives (an int, bool or str, typed as Numba's
Literal[int] / Literal[bool] / Literal[str]); an @overload the value is passed
to reads `k.literal_value` and generates code from it. Every answer is
compared with plain Python's (docs/python-subset.md, docs/extending.md)."""

import inspect

import pytest

import kiln
from test_cache_keys import built_in_fresh_process as _built, project

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")

from numba.core import types  # noqa: E402 - after the importorskip
from numba.extending import overload  # noqa: E402


def _line_of(fn, text):
    """The file line of the first source line of fn holding `text`."""
    lines, first = inspect.getsourcelines(fn)
    for n, line in enumerate(lines):
        if text in line:
            return first + n
    raise AssertionError(text)


# -- int, str, bool literals of arguments ---------------------------------------


def scaled(a, k):
    k = numba.literally(k)
    return a * k


def moved(x, mode="double"):
    m = numba.literally(mode)
    if m == "double":
        return x * 2
    if m == "negate":
        return -x
    return x


def flagged(x, neg):
    neg = kiln.literally(neg)
    if neg:
        return -x
    return x + 1


def test_literally_is_the_identity_in_python():
    assert kiln.literally(3) == 3 and numba.literally("a") == "a"
    assert moved(5) == 10 and scaled(2, 3) == 6


def test_int_literal_specialises_per_value(kilnd):
    from kiln import jit

    f = jit(scaled)
    for a, k in ((2, 3), (2.5, 3), (2, 4), (7, 3), (1, -1)):
        assert f(a, k) == scaled(a, k)
        assert type(f(a, k)) is type(scaled(a, k))
    # one specialisation per (value, other argument types), as Numba lists them
    assert ("int64", "Literal[int](3)") in f.signatures
    assert ("float64", "Literal[int](3)") in f.signatures
    assert ("int64", "Literal[int](4)") in f.signatures
    assert ("int64", "Literal[int](-1)") in f.signatures
    assert len(f.signatures) == 4


def test_str_literal_with_a_default(kilnd):
    from kiln import jit

    f = jit(moved)
    for args in ((5,), (5, "double"), (5, "negate"), (5.5, "other"), (3,)):
        assert f(*args) == moved(*args)
    assert f(5, mode="negate") == -5
    assert ("int64", "Literal[str](double)") in f.signatures
    assert ("int64", "Literal[str](negate)") in f.signatures
    assert ("float64", "Literal[str](other)") in f.signatures


def test_bool_literal_is_not_the_int(kilnd):
    from kiln import jit

    f = jit(flagged)
    assert f(4, True) == flagged(4, True) == -4
    assert f(4, False) == flagged(4, False) == 5
    assert f(4, 1) == flagged(4, 1) == -4  # an int 1 is its own literal
    assert ("int64", "Literal[bool](True)") in f.signatures
    assert ("int64", "Literal[int](1)") in f.signatures


def spread(a, k, *rest, mode="x"):
    k = numba.literally(k)
    m = numba.literally(mode)
    return a * k + len(rest) + (10 if m == "x" else 20)


def test_literal_parameters_beside_star_args_and_keyword_only_ones(kilnd):
    from kiln import jit

    f = jit(spread)
    for args, kws in (((2, 3, 1.0, 2.0), {}), ((2, 3), {}), ((2, 4, 1), {"mode": "z"}), ((2, 3, 5), {"mode": "x"})):
        assert f(*args, **kws) == spread(*args, **kws)
    assert ("int64", "Literal[int](4)", "Literal[str](z)", "UniTuple(int64, 1)") in f.signatures


def apply_plus(fn, x, k):
    k = numba.literally(k)
    return fn(x) + k


def test_literal_parameter_beside_a_jitted_function_argument(kilnd):
    from kiln import jit

    square = jit(lambda x: x * x)
    cube = jit(lambda x: x * x * x)
    f = jit(apply_plus)
    assert f(square, 3, 4) == apply_plus(square, 3, 4) == 13
    assert f(cube, 3, 4) == apply_plus(cube, 3, 4) == 31
    assert f(cube, 3, 5) == 32


def test_literal_of_a_constant_in_compiled_code(kilnd):
    from kiln import jit

    @jit
    def f(x):
        return x + numba.literally(3)

    assert f(4) == 7


def test_jitted_caller_passes_constants_to_a_literal_parameter(kilnd):
    from kiln import jit

    inner = jit(moved)

    @jit
    def outer(x):
        return inner(x, "negate") + inner(x) + inner(x, mode="other")

    assert outer(3) == moved(3, "negate") + moved(3) + moved(3, mode="other")


# -- an @overload reading literal_value -------------------------------------------


def power(x, n):
    return x ** n


@overload(power, prefer_literal=True)
def _ol_power(x, n):
    # Generates x * x * ... from the literal exponent, as interpolation's
    # eval_spline generates its loops.
    if not isinstance(n, types.IntegerLiteral):
        return None
    body = " * ".join(["x"] * n.literal_value) if n.literal_value > 0 else "x * 0 + 1"
    env = {}
    exec(f"def impl(x, n):\n    return {body}\n", env)
    return env["impl"]


def power_of(x, n=2):
    n = numba.literally(n)
    return power(x, n)


def test_overload_generates_code_from_a_literal_value(kilnd):
    from kiln import jit

    f = jit(power_of)
    for x, n in ((3, 2), (3, 3), (2.5, 4), (7, 0), (2, 1)):
        assert f(x, n) == power_of(x, n)
    assert f(5) == 25  # the default, literal too


def label(kind, width):
    return f"{kind}:{width}"


seen_by_overload = []


@overload(label, prefer_literal=True)
def _ol_label(kind, width):
    seen_by_overload.append((type(kind).__name__, getattr(kind, "literal_value", None),
                             type(width).__name__, getattr(width, "literal_value", None)))
    text = f"{kind.literal_value}:{width.literal_value}"
    return lambda kind, width: text


def test_overload_gets_numbas_literal_types_through_keywords(kilnd):
    from kiln import jit

    @jit
    def make(kind, width):
        kind = numba.literally(kind)
        w = numba.literally(width)
        return label(width=w, kind=kind)

    assert make("a, (b", 3) == "a, (b:3"  # commas and brackets in a str literal
    assert make("it's", 4) == "it's:4"
    assert ("StringLiteral", "a, (b", "IntegerLiteral", 3) in seen_by_overload


def twice(x):
    return 2 * x


@overload(twice)  # prefer_literal=False: the plain type first
def _ol_twice(x):
    if isinstance(x, types.Integer) and not isinstance(x, types.Literal):
        return lambda x: x + x
    return None


def test_overload_without_prefer_literal_gets_the_plain_type_first(kilnd):
    from kiln import jit

    @jit
    def f(k):
        k = numba.literally(k)
        return twice(k) + twice(4)

    assert f(3) == 14


def test_kiln_overload_gets_kiln_literal_types(kilnd):
    from kiln import jit
    from kiln.extending import overload as kiln_overload
    from kiln.types import Literal

    def shout(s):
        return s.upper() + "!"

    @kiln_overload(shout, prefer_literal=True)
    def _ol_shout(s):
        assert isinstance(s, Literal) and s.literal_type.name == "unicode_type"
        text = s.literal_value.upper() + "!"
        return lambda s: text

    @jit
    def f(s):
        return shout(numba.literally(s))

    assert f("hey") == "HEY!"


# -- errors ------------------------------------------------------------------------


def test_a_value_that_cannot_be_a_literal_is_refused_located(kilnd):
    from kiln import TypingError, jit

    f = jit(scaled)
    with pytest.raises(TypingError, match=r"<class 'float'> cannot be used as a literal: "
                                          r"numba.literally\(k\) needs the value of argument 'k'") as info:
        f(2, 2.5)
    assert f"line {_line_of(scaled, 'literally(k)')}" in str(info.value)
    with pytest.raises(TypingError, match=r"<class 'numpy.ndarray'> cannot be used as a literal"):
        f(2, np.zeros(3))
    with pytest.raises(TypingError, match=r"numba.literally\(k\): the literal 9223372036854775808 does not fit int64"):
        f(2, 1 << 63)
    assert f(1, (1 << 63) - 1) == (1 << 63) - 1


def test_literally_of_a_run_time_value_is_refused_located(kilnd):
    from kiln import TypingError, jit

    def bad(x):
        y = x + 1
        return numba.literally(y)

    f = jit(bad)
    with pytest.raises(TypingError, match=r"Invalid use of non-Literal type in literally\(int64\)") as info:
        f(1)
    assert f"line {_line_of(bad, 'literally(y)')}" in str(info.value)


def test_a_run_time_value_for_a_literal_parameter_is_refused_at_the_call(kilnd):
    from kiln import TypingError, jit

    inner = jit(scaled)

    def outer(a, k):
        return inner(a, k * 2)

    f = jit(outer)
    with pytest.raises(TypingError, match=r"Invalid use of non-Literal type in literally\(int64\): "
                                          r"scaled\(\) asks for the value of its argument 'k'") as info:
        f(1, 2)
    assert f"line {_line_of(outer, 'inner(a, k * 2)')}" in str(info.value)


def test_a_literal_request_travels_up_through_jitted_callers(kilnd):
    # As Numba's ForceLiteralArg: a caller passing its own parameter, as it
    # is, to a literal parameter is specialised per value too, at any depth.
    from kiln import TypingError, jit

    inner = jit(scaled)

    def outer(a, k):
        return inner(a, k) + 1

    f = jit(outer)

    shifted = jit(moved)

    def outer2(a, k, mode):
        return f(a, k) + shifted(a, mode)

    g = jit(outer2)
    assert f(2, 3) == outer(2, 3) == 7 and f(2.5, 4) == 11.0 and f(2, 3) == 7
    assert ("int64", "Literal[int](3)") in f.signatures and ("float64", "Literal[int](4)") in f.signatures
    assert g(2, 5, "negate") == 11 - 2 and g(2, 5, "double") == 11 + 4
    assert ("int64", "Literal[int](5)", "Literal[str](negate)") in g.signatures
    with pytest.raises(TypingError, match=r"<class 'float'> cannot be used as a literal"):
        f(2, 2.5)


def test_a_literal_request_under_an_explicit_signature_is_refused(kilnd):
    from kiln import TypingError, jit

    inner = jit(scaled)

    def outer(a, k):
        return inner(a, k)

    with pytest.raises(TypingError, match=r"Invalid use of non-Literal type: .*outer\(\) needs the value of its "
                                          r"argument\(s\) 'k' when compiling"):
        jit("(int64, int64)")(outer)


# -- the cache ----------------------------------------------------------------------


def test_each_literal_value_is_its_own_cache_entry(project):
    project.write("app.py", """
        import numba
        from kiln import jit

        @jit
        def f(x, k):
            k = numba.literally(k)
            return x * k + 1
    """)
    assert _built(project, "app", "f", 2, 3) == (7, 1, 0)
    assert _built(project, "app", "f", 2, 3) == (7, 0, 1)  # a fresh process, the same value: a hit
    assert _built(project, "app", "f", 2, 4) == (9, 1, 0)  # another value: another entry
    assert _built(project, "app", "f", 2, 4) == (9, 0, 1)
