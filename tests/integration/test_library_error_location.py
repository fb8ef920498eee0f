"""pyrest (issue 9): a user error met inside Kiln's library code
(kiln/library, Python compiled like the user's) is shown at the user's call
into the library: the user's file, line and function, with the library
function named. So is an exception raised by library code at run time (its
traceback frame). Errors in the user's own callees stay where they are."""
import os
import traceback

import pytest

from kiln import jit
from kiln.errors import TypingError

HERE = os.path.abspath(__file__)


def line_of(func, text):
    """The line of `func`'s source that holds `text`."""
    code = func.__code__
    with open(code.co_filename) as f:
        lines = f.read().splitlines()
    for n in range(code.co_firstlineno, len(lines) + 1):
        if text in lines[n - 1]:
            return n
    raise AssertionError(text)


def test_a_compile_refusal_in_library_code_is_located_at_the_users_call():
    def f(b):
        n = len(b)
        return b.decode("utf-16"), n  # the call

    with pytest.raises(TypingError, match="unsupported encoding") as info:
        jit(f)(b"abc")
    e = info.value
    assert e.where == (HERE, line_of(f, "# the call"), f.__code__.co_qualname)
    assert "kiln's library function" in e.msg
    assert "text_codecs.py:" in e.msg
    assert f'File "{HERE}", line {line_of(f, "# the call")}' in str(e)
    assert "text_codecs.py\"" not in str(e)  # not located in the library


def test_a_refusal_through_a_user_callee_is_located_in_the_callee():
    def inner(b):
        return b.decode("cp1252")  # inner call

    jinner = jit(inner)

    def outer(b):
        return jinner(b)

    with pytest.raises(TypingError, match="unsupported encoding") as info:
        jit(outer)(b"abc")
    assert info.value.where == (HERE, line_of(inner, "# inner call"), inner.__code__.co_qualname)


def test_an_encode_refusal_is_located_at_the_users_call():
    def f(s):
        return s.encode("utf-8", "xmlcharrefreplace")  # encode here

    with pytest.raises(TypingError, match="only the 'strict' error handler") as info:
        jit(f)("abc")
    assert info.value.where[:2] == (HERE, line_of(f, "# encode here"))


def test_a_run_time_error_of_library_code_shows_the_users_line():
    def f(b):
        x = 1
        return b.decode("ascii"), x  # decode here

    with pytest.raises(UnicodeDecodeError) as info:
        jit(f)(b"ab\xffc")
    # CPython's own exception, unchanged
    with pytest.raises(UnicodeDecodeError) as expected:
        f(b"ab\xffc")
    assert info.value.args == expected.value.args
    frames = traceback.extract_tb(info.value.__traceback__)
    last = frames[-1]
    assert (last.filename, last.lineno, last.name) == (HERE, line_of(f, "# decode here"), f.__code__.co_name)
    assert not any("kiln/library" in fr.filename for fr in frames)


def test_a_run_time_error_of_users_code_keeps_its_line():
    def f(b):
        if len(b) > 2:
            raise ValueError("long")  # raise here
        return 0

    with pytest.raises(ValueError) as info:
        jit(f)(b"abc")
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == (HERE, line_of(f, "# raise here"))


def test_a_run_time_error_in_a_library_generator_shows_the_users_loop():
    # map() is a library generator; int() of a bad str raises inside its body
    # while the user's loop steps it.
    def f(xs):
        t = 0
        for v in map(int, xs):  # the loop
            t += v
        return t

    with pytest.raises(ValueError, match="invalid literal for int"):
        jit(f)(("1", "x"))
    with pytest.raises(ValueError) as info:
        jit(f)(("2", "y"))
    frames = traceback.extract_tb(info.value.__traceback__)
    last = frames[-1]
    assert (last.filename, last.lineno, last.name) == (HERE, line_of(f, "# the loop"), f.__code__.co_name)
    assert not any("kiln/library" in fr.filename for fr in frames)
    assert jit(f)(("1", "2", "3")) == 6


def test_a_user_generator_keeps_its_own_frame():
    @jit
    def gen(bs):
        for b in bs:
            yield b.decode("ascii")  # in the generator

    def f(bs):
        n = 0
        for s in gen(bs):
            n += len(s)
        return n

    with pytest.raises(UnicodeDecodeError) as info:
        jit(f)((b"ab", b"a\xff"))
    last = traceback.extract_tb(info.value.__traceback__)[-1]
    assert (last.filename, last.lineno) == (HERE, line_of(gen.py_func, "# in the generator"))
