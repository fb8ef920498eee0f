"""A function passed as a value to an ``@overload`` (issue 9): the
interpolation package's ``fmap(get_index, grid, u)``, whose typing function
receives the function's type and whose implementation calls it
(``f(t[0])``).

As in Numba, an @overload'ed function (Numba's registry or kiln's) is given
as a ``types.Function`` whose ``typing_key`` is the function, and a @jit
function as a ``types.Dispatcher`` whose ``dispatcher`` is it; the
implementation's calls of the value resolve as direct calls would
(docs/extending.md). Each result is compared with plain Python's and with
Numba's (numba.njit on the same snippets)."""

import math
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import PYTHON_DIR

np = pytest.importorskip("numpy")
numba = pytest.importorskip("numba")

from numba.core import types  # noqa: E402 - after the importorskip
from numba.core.errors import TypingError as NumbaTypingError  # noqa: E402
from numba.extending import overload  # noqa: E402

import kiln.extending  # noqa: E402
import kiln.types  # noqa: E402


# -- the pattern: fmap(f, t) is (f(t[0]), f(t[1]), ...) -------------------------


def fmap(f, t):
    """Plain Python: what compiled code must agree with."""
    return tuple(f(x) for x in t)


SEEN = []  # the function types fmap's typing function was given, in order


def _map_source(n):
    """interpolation's way: the implementation's source, for n items."""
    calls = ", ".join(f"f(t[{k}])" for k in range(n))
    scope = {}
    exec(f"def __map(f, t):\n    return ({calls},)\n", scope)
    return scope["__map"]


@overload(fmap)
def _ol_fmap(f, t):
    if not isinstance(f, (types.Function, types.Dispatcher)) or not isinstance(t, types.BaseTuple):
        return None  # not a function: no implementation (a TypingError)
    SEEN.append(f)
    return _map_source(len(t))


def halve(x):
    """An @overload'ed function whose implementation depends on the type."""
    return x // 2 if isinstance(x, int) else x * 0.5


@overload(halve)
def _ol_halve(x):
    if isinstance(x, types.Integer):
        return lambda x: x // 2
    if isinstance(x, types.Float):
        return lambda x: x * 0.5
    return None


def tripled(x):
    return x * 3


@kiln.extending.overload(tripled)  # kiln's registry only: Numba has no template of its own for it
def _ol_tripled(x):
    return lambda x: x * 3


@overload(tripled)  # for numba.njit's run of the same snippets (kiln's registry comes first in kiln)
def _numba_ol_tripled(x):
    return lambda x: x * 3


def squared(x):
    return x * x


def _map_halve(t):
    return fmap(halve, t)


def _map_tripled(t):
    return fmap(tripled, t)


def _calling(g):
    """A caller of fmap with the @jit function g, as a frozen closure cell."""
    def caller(t):
        return fmap(g, t)
    return caller


def _both(py_func, *args):
    """(kiln's result, Numba's result) of py_func compiled by each."""
    from kiln import jit
    return jit(py_func)(*args), numba.njit(py_func)(*args)


def test_overloaded_function_passed_to_an_overload(kilnd):
    t = (7, 2.5, 9)  # Tuple(int64, float64, int64): halve's implementation differs per item
    got, numba_got = _both(_map_halve, t)
    assert got == numba_got == _map_halve(t) == (3, 1.25, 4)
    assert type(got[0]) is int and type(got[1]) is float
    f = next(s for s in reversed(SEEN) if isinstance(s, types.Function) and s.typing_key is halve)
    assert isinstance(f, types.Function) and f.typing_key is halve


def test_kiln_registered_overload_passed_to_a_numba_overload(kilnd):
    t = (1.5, 2.0)
    got, numba_got = _both(_map_tripled, t)
    assert got == numba_got == _map_tripled(t) == (4.5, 6.0)
    # a template stands for it in a Numba types.Function, keyed by the function
    assert any(isinstance(s, types.Function) and s.typing_key is tripled for s in SEEN)


def test_jit_function_passed_to_an_overload(kilnd):
    from kiln import jit

    g = jit(squared)
    t = (3, 4.0)
    got = jit(_calling(g))(t)
    d = SEEN[-1]  # kiln's: the kiln Dispatcher itself
    assert isinstance(d, types.Dispatcher) and d.dispatcher is g
    assert got == numba.njit(_calling(numba.njit(squared)))(t) == _calling(squared)(t) == (9, 16.0)


def _map_abs(t):
    return fmap(abs, t)


def _map_sqrt(t):
    return fmap(np.sqrt, t)


def _map_floor(t):
    return fmap(math.floor, t)


def test_builtin_passed_to_an_overload(kilnd):
    # Numba's own types.Function of the builtin (its typing context's)
    t = (-4.5, 9.0)
    got, numba_got = _both(_map_abs, t)
    assert got == numba_got == _map_abs(t) == (4.5, 9.0)
    assert isinstance(SEEN[-1], types.Function) and SEEN[-1].typing_key is abs
    got, numba_got = _both(_map_sqrt, (4.0, 2.25))
    assert got == numba_got == _map_sqrt((4.0, 2.25)) == (2.0, 1.5)
    got, numba_got = _both(_map_floor, t)
    assert got == numba_got == _map_floor(t) == (-5, 9)
    assert type(got[0]) is int


def name_length(f):
    """An overload whose implementation depends on which function it is given."""
    return len(f.__name__)


@overload(name_length)
def _ol_name_length(f):
    if isinstance(f, types.Dispatcher):
        n = len(f.dispatcher.py_func.__name__)
    elif isinstance(f, types.Function):
        n = len(f.typing_key.__name__)
    else:
        return None
    return lambda f: n


def cubed(x):
    return x * x * x


def _length_of(g):
    def caller():
        return name_length(g)
    return caller


def test_answer_is_cached_per_function_passed(kilnd):
    from kiln import jit

    # the same argument position, two @jit functions: each its own answer
    for py in (squared, cubed):
        expected = len(py.__name__)
        assert jit(_length_of(jit(py)))() == numba.njit(_length_of(numba.njit(py)))() == expected
    assert jit(_length_of(halve))() == numba.njit(_length_of(halve))() == len("halve")


def kfmap(f, t):
    return tuple(f(x) for x in t)


KILN_SEEN = []


@kiln.extending.overload(kfmap)
def _ol_kfmap(f, t):
    """kiln's registry: kiln.types objects, with Numba's attributes."""
    if isinstance(f, kiln.types.Dispatcher):
        KILN_SEEN.append(("dispatcher", f.dispatcher))
    elif isinstance(f, kiln.types.Function):
        KILN_SEEN.append(("function", f.typing_key))
    else:
        return None
    return lambda f, t: (f(t[0]), f(t[1]))


def _kmap_halve(t):
    return kfmap(halve, t)


def _kmap_abs(t):
    return kfmap(abs, t)


def test_kiln_overload_takes_function_values(kilnd):
    from kiln import jit

    t = (5, 3.0)
    assert jit(_kmap_halve)(t) == _kmap_halve(t) == (2, 1.5)
    assert KILN_SEEN[-1] == ("function", halve)
    g = jit(squared)

    def caller(t):
        return kfmap(g, t)
    assert jit(caller)(t) == (25, 9.0)
    assert KILN_SEEN[-1][0] == "dispatcher" and KILN_SEEN[-1][1] is g
    assert jit(_kmap_abs)((-2, 3.5)) == _kmap_abs((-2, 3.5)) == (2, 3.5)
    assert KILN_SEEN[-1] == ("function", abs)


def _map_a_float(t):
    return fmap(2.5, t)


def test_typing_function_refusing_a_non_function_is_a_located_typing_error(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    t = (1.0, 2.0)
    with pytest.raises(TypingError, match=r"No implementation of function fmap found for signature: "
                                          r"fmap\(float64, UniTuple\(float64, 2\)\)") as e:
        jit(_map_a_float)(t)
    assert isinstance(e.value, NumbaTypingError)
    line = _map_a_float.__code__.co_firstlineno + 1
    assert f'test_overload_function_args.py", line {line}, in _map_a_float' in str(e.value)  # located at the call
    with pytest.raises(NumbaTypingError):  # Numba refuses it too
        numba.njit(_map_a_float)(t)


NO_NUMBA = textwrap.dedent("""
    import sys
    sys.modules["numba"] = None  # any import of Numba fails: it is not in the picture
    import kiln
    from kiln import types
    from kiln.extending import overload

    def fmap(f, t):
        return tuple(f(x) for x in t)

    def negated(x):
        return -x

    seen = []

    @overload(fmap)
    def _ol_fmap(f, t):
        if not isinstance(f, (types.Function, types.Dispatcher)):
            return None
        seen.append(f)
        return lambda f, t: (f(t[0]), f(t[1]))

    @overload(negated)
    def _ol_negated(x):
        return lambda x: -x

    @kiln.jit
    def twice(x):
        return 2 * x

    @kiln.jit
    def with_overloaded(t):
        return fmap(negated, t)

    @kiln.jit
    def with_jitted(t):
        return fmap(twice, t)

    assert with_overloaded((1, 2.5)) == (-1, -2.5)
    assert isinstance(seen[-1], types.Function) and seen[-1].typing_key is negated
    assert with_jitted((1, 2.5)) == (2, 5.0)
    assert isinstance(seen[-1], types.Dispatcher) and seen[-1].dispatcher is twice
    assert "numba.core" not in sys.modules
    print("ok")
""")


def test_kiln_overload_takes_function_values_without_numba(kilnd):
    env = {**os.environ, "PYTHONPATH": PYTHON_DIR, "KILN_SERVER": kilnd.target}
    out = subprocess.run([sys.executable, "-c", NO_NUMBA], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
