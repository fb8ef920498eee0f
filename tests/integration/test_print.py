"""print() in compiled code (runtime/cpu/kiln_print.h): the values are boxed
and printed by Python's own print, so the text (floats' repr, NumPy's str of
arrays, tuples, lists) and where it goes (sys.stdout as it is during the call)
are Python's. Each case runs the plain Python function and the compiled one
and compares what they wrote."""

import contextlib
import io

import numpy as np
import pytest

import kiln
from kiln import jit


def same_output(pyfunc, *args):
    """What pyfunc(*args) prints, compiled, equals what Python prints."""
    want = io.StringIO()
    with contextlib.redirect_stdout(want):
        pyfunc(*args)
    got = io.StringIO()
    with contextlib.redirect_stdout(got):
        jit(pyfunc)(*args)
    assert got.getvalue() == want.getvalue()
    return got.getvalue()


def print_one(x):
    print(x)


def print_three(a, b, c):
    print(a, b, c)


def print_empty():
    print()


def print_mixed(x):
    print(x, "hop!", 3.5, None, True, -7)


def print_vararg(a, b, c):
    print(a, "hop!", b, *c)


def print_sep_end(a, b):
    print(a, b, sep=", ", end="|\n")
    print(a, b, sep="")
    print(a, end="")
    print(b, sep=None, end=None)


@pytest.mark.parametrize("value", [0, 1, -234, 123456789876543210, 2**63 - 1, -2**63, True, False,
                                   1.5, 0.1, 100.0**10.0, 1e-7, -0.0, float("nan"), float("inf"), 1 / 3,
                                   1 + 1j, 5j, -2.5 - 0.5j, "hello", "straße 日本 𝄞", ""])
def test_scalars(value):
    assert same_output(print_one, value) == str(value) + "\n"


def printed(f, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        f(*args)
    return out.getvalue()


def test_numpy_scalars():
    # Scalars box to Python's int, float and complex (as in Numba), so a
    # float32 prints the digits of its double.
    assert printed(jit(print_one), np.float32(1.1)) == "1.100000023841858\n"
    assert printed(jit(print_one), np.complex64(1 + 2j)) == "(1+2j)\n"
    assert printed(jit(print_one), np.uint64(2**63 + 123)) == str(2**63 + 123) + "\n"
    assert printed(jit(print_one), np.int32(-5)) == "-5\n"
    assert printed(jit(print_one), np.uint8(200)) == "200\n"


def test_several_and_mixed():
    assert same_output(print_three, 1, 2, 3) == "1 2 3\n"
    assert same_output(print_empty) == "\n"
    assert same_output(print_mixed, 1) == "1 hop! 3.5 None True -7\n"
    assert same_output(print_vararg, 1, (2, 3), (4, 5j)) == "1 hop! (2, 3) 4 5j\n"
    same_output(print_sep_end, 1, "two")


def test_containers():
    same_output(print_one, (1, 2.5, "x", None, (True,)))
    same_output(print_one, np.arange(10, dtype=np.int32))
    same_output(print_one, np.linspace(0, 1, 7))
    same_output(print_one, np.arange(12.0).reshape(3, 4))
    same_output(print_one, np.arange(2000))  # NumPy's summarised form
    x = [1, 3, 5, 7]
    same_output(print_one, x)
    assert x == [1, 3, 5, 7]


def make_and_print(n):
    a = np.arange(n) * 2
    s = "ab" * n
    lst = [i * i for i in range(n)]
    print(a, s, lst, a[1:])
    return a.sum()


def test_heap_values_balance():
    before = kiln.live_allocations()
    assert same_output(make_and_print, 5) == "[0 2 4 6 8] ababababab [0, 1, 4, 9, 16] [2 4 6 8]\n"
    assert kiln.live_allocations() == before


def test_order_with_python_prints():
    @jit
    def inner(x):
        print("inner", x)
        return x + 1

    def outer():
        print("before")
        y = inner(1)
        print("after", y)

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        outer()
    assert out.getvalue() == "before\ninner 1\nafter 2\n"


def test_called_from_jitted_and_nogil():
    @jit
    def foo(x):
        print(x)

    @jit
    def bar(x):
        foo(x)
        foo("hello")

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        bar(np.arange(5))
    assert out.getvalue() == "[0 1 2 3 4]\nhello\n"

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        jit(nogil=True)(print_three)(1, 2, 3)
    assert out.getvalue() == "1 2 3\n"


def test_long_string():
    @jit
    def foo():
        print("".join(["a"] * 10000))

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        foo()
    assert out.getvalue() == "a" * 10000 + "\n"


def test_fd_level_capture(capfd):
    jit(print_three)(1, "b", 2.5)
    assert capfd.readouterr().out == "1 b 2.5\n"


def test_refusals():
    @jit
    def flush():
        print("x", flush=True)

    with pytest.raises(kiln.errors.UnsupportedError, match="keyword argument 'flush'"):
        flush()

    @jit
    def bad_sep(x):
        print(x, sep=3)

    with pytest.raises(kiln.errors.TypingError, match="sep must be None or a string"):
        bad_sep(1)

    @jit
    def of_range():
        print(range(3))

    with pytest.raises(kiln.errors.TypingError, match="print\\(\\) of a value of type range_state64"):
        of_range()
