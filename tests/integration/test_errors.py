import inspect

import pytest


def line_of(func, text):
    lines, first = inspect.getsourcelines(func)
    for i, line in enumerate(lines):
        if text in line:
            return first + i
    raise AssertionError(text)


def test_unsupported_construct_is_located(kilnd):
    from kiln import jit, TypingError, UnsupportedError

    def store_global(n):
        global kiln_test_global_
        kiln_test_global_ = n
        return n

    f = jit(store_global)
    with pytest.raises(TypingError) as info:
        f(3)
    msg = str(info.value)
    assert isinstance(info.value, UnsupportedError)
    assert f'File "{__file__}", line {line_of(store_global, "kiln_test_global_ = n")}, in ' in msg


def test_undefined_name_is_a_typing_error(kilnd):
    from kiln import jit, TypingError

    @jit
    def uses_undefined(n):
        return n + not_defined_anywhere  # noqa: F821

    with pytest.raises(TypingError, match="not_defined_anywhere") as info:
        uses_undefined(1)
    assert f"line {line_of(uses_undefined.py_func, 'not_defined_anywhere')}" in str(info.value)


def plain(x):
    return x


def calls_plain_py(n):
    return plain(n)


def test_unsupported_global_names_its_type(kilnd):
    from kiln import jit, TypingError
    calls_plain = jit(calls_plain_py)
    with pytest.raises(TypingError, match="function"):
        calls_plain(1)


def test_untypeable_argument(kilnd):
    from kiln import jit, TypingError

    @jit
    def ident(x):
        return x

    with pytest.raises(TypingError, match="argument 'x' \\(Python type object\\)"):
        ident(object())  # lists are typed now (reflected lists)


def test_errors_from_compiled_code_keep_python_types(kilnd):
    from kiln import jit

    @jit
    def div(a, b):
        return a // b

    @jit
    def fdiv(a, b):
        return a / b

    @jit
    def checked(x):
        if x < 0:
            raise ValueError("negative")
        return x

    with pytest.raises(ZeroDivisionError):
        div(1, 0)
    with pytest.raises(ZeroDivisionError):
        fdiv(1.0, 0.0)
    with pytest.raises(ValueError, match="negative"):
        checked(-1)
    assert checked(2) == 2
    assert div(7, 2) == 3                       # the dispatcher still works after errors


def test_error_hierarchy():
    from kiln import errors
    assert issubclass(errors.UnsupportedError, errors.TypingError)
    assert issubclass(errors.TypingError, errors.KilnError)
    assert issubclass(errors.CompilerError, errors.KilnError)
    assert not issubclass(errors.KilnError, (TypeError, ValueError))


def test_unreachable_server_is_a_kiln_error(monkeypatch, tmp_path):
    from kiln import jit, KilnError
    monkeypatch.setenv("KILN_SERVER", f"unix:{tmp_path}/nobody.sock")

    @jit
    def ident(x):
        return x

    with pytest.raises(KilnError, match="nobody.sock"):
        ident(1)



# Recursive jitted functions must be module globals; each test binds its
# dispatcher to the name the function calls.
def grow_py(x, n):
    return 0 if n == 0 else grow((x, x), n - 1)  # noqa: F821


def wrap_py(x, n):
    return 0 if n == 0 else wrap((x,), n - 1)  # noqa: F821


def pair_sum_py(a, b):
    return a + b


def use_pair_sum_py(x):
    return pair_sum(x, x) + pair_sum(x, 1.5) + pair_sum(2, x) + pair_sum((x, x)[0], 1)  # noqa: F821


def test_recursion_that_grows_its_argument_type_is_refused(kilnd):
    # Issue 7: this used to burn a core for minutes (every call a new, twice
    # as large tuple type). Typing refuses the first type of more than 65536
    # flattened items, at the recursive call.
    from kiln import jit, TypingError
    globals()["grow"] = jit(grow_py)
    with pytest.raises(TypingError) as info:
        grow(1, 3)  # noqa: F821
    msg = str(info.value)
    assert f"line {line_of(grow_py, 'grow((x, x)')}" in msg
    assert "is too large: a type of more than 65536 items once its tuples are flattened" in msg
    assert "does a recursive call build a larger argument on every call?" in msg


def test_recursion_that_nests_its_argument_is_refused(kilnd):
    from kiln import jit, TypingError
    globals()["wrap"] = jit(wrap_py)
    with pytest.raises(TypingError) as info:
        wrap(1.5, 2)  # noqa: F821
    msg = str(info.value)
    assert f"line {line_of(wrap_py, 'wrap((x,)')}" in msg
    assert "too many specializations: wrap_py() is needed for more than 64 lists of argument types" in msg


def test_a_few_specializations_still_compile(kilnd):
    # The limits leave ordinary specialisation alone: one function at
    # several argument types.
    from kiln import jit
    globals()["pair_sum"] = jit(pair_sum_py)
    use = jit(use_pair_sum_py)
    assert use(3) == (3 + 3) + (3 + 1.5) + (2 + 3) + (3 + 1)
    assert use(0.25) == (0.25 + 0.25) + (0.25 + 1.5) + (2 + 0.25) + (0.25 + 1)


NUMBA_TWIN_PROBE = r"""
import sys
import kiln
def f(x):
    return x.no_such_attribute
before = "numba" in sys.modules
try:
    kiln.jit(f)(1)
except kiln.TypingError as e:
    print(before, type(e) is kiln.TypingError, type(e).__mro__[1].__name__)
if len(sys.argv) > 1:
    import numba.core.errors as ne
    for g in (f, lambda x: x.other_attribute):
        try:
            kiln.jit(g)(1)
        except ne.TypingError as e:
            print(isinstance(e, kiln.TypingError), type(e).__module__, type(e).__name__, "no_such" in str(e) or "other" in str(e))
    try:
        kiln.jit(lambda n: [x for x in range(n) if x in {1: 2}.nosuch])(2)
    except kiln.TypingError as e:
        print(isinstance(e, ne.TypingError))
"""


def test_compile_errors_are_also_numbas_classes_once_numba_is_imported(kilnd, tmp_path):
    """Code written for Numba catches numba.core.errors.TypingError around a
    call; with Numba imported, Kiln's TypingError is also an instance of it.
    Kiln never imports Numba itself."""
    import subprocess
    import sys

    probe = tmp_path / "probe.py"
    probe.write_text(NUMBA_TWIN_PROBE)
    alone = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0, alone.stderr
    assert alone.stdout.split() == ["False", "True", "_NumbaCompatible"]
    with_numba = subprocess.run([sys.executable, str(probe), "numba"], capture_output=True, text=True, timeout=120)
    assert with_numba.returncode == 0, with_numba.stderr
    lines = with_numba.stdout.splitlines()
    assert lines[0].split() == ["False", "True", "_NumbaCompatible"]
    assert lines[1:3] == ["True kiln.errors TypingError True"] * 2
    assert lines[3] == "True"


def test_compile_errors_carry_the_message_alone_as_msg(kilnd):
    """pysub3: as Numba's errors, ``.msg`` is the message without the location
    that ``str()`` adds, and ``.where`` is that location."""
    from kiln import jit, TypingError, UnsupportedError

    def reads_attribute(x):
        return x.no_such_attribute

    with pytest.raises(TypingError) as info:
        jit(reads_attribute)(1)
    e = info.value
    assert e.msg == "unknown attribute 'no_such_attribute' of type int64"
    assert e.where[0] == __file__ and e.where[2].endswith("reads_attribute")
    assert str(e).startswith(e.msg + "\n\n") and f'File "{__file__}", line ' in str(e)

    def prints_flushed():
        print("x", flush=True)

    with pytest.raises(UnsupportedError) as info:
        jit(prints_flushed)()
    assert "'flush'" in info.value.msg and "File" not in info.value.msg
    assert UnsupportedError("plain").msg == "plain" and str(UnsupportedError("plain")) == "plain"
