"""pycells: the rest of closures and functions as values (issue 9): slice
globals, Numba's typed-container module named in compiled code, captured
variables assigned after the capture (cells), nonlocal, recursive inner
functions; each compared with plain Python."""

import itertools

import numpy as np
import pytest

import kiln
from kiln import typed as kiln_typed


# -- a slice read as a global or a factory's free variable --

TUPLE = (1, 2, 3, 4)


@pytest.mark.parametrize("parts", list(itertools.product([None, 1, 3], [None, 2, -1], [None, 1, -1, 2])))
def test_slice_global_indexes_a_tuple(parts):
    ts = slice(*parts)

    @kiln.jit
    def f():
        return TUPLE[ts]

    assert f() == f.py_func()


def test_slice_global_indexes_an_array_and_a_list():
    s = slice(1, None, 2)

    @kiln.jit
    def f(a, lst):
        return a[s].sum(), lst[s]

    a = np.arange(11.0)
    assert f(a, [5, 6, 7, 8]) == (a[s].sum(), [6, 8])


def test_returning_a_slice_global_is_refused():
    # The compiled form of a slice keeps an omitted step as 1, so it cannot
    # come back as the same Python slice: refused, never a different one.
    z = slice(1, 2)

    @kiln.jit
    def f():
        return z

    with pytest.raises(kiln.UnsupportedError, match="slice3_type"):
        f()


# -- numba.typed / kiln.typed named in compiled code --

def test_typed_module_list_and_dict_in_compiled_code():
    @kiln.jit
    def f(n):
        lst = kiln_typed.List()
        for i in range(n):
            lst.append(i * i)
        d = kiln_typed.Dict()
        d[1] = 2.5
        return lst, d[1]

    assert f(4) == ([0, 1, 4, 9], 2.5)


def test_numba_typed_module_in_compiled_code():
    numba_typed = pytest.importorskip("numba.typed")

    @kiln.jit
    def f(n, raise_at):
        lst = numba_typed.List()
        try:
            for i in range(n):
                if i == raise_at:
                    raise IndexError
                lst.append(i)
        except Exception:
            return lst
        return lst

    assert list(f(10, 5)) == list(range(5))
    assert list(f(10, 10)) == list(range(10))


def test_storing_a_str_into_an_int_list_names_the_cast():
    @kiln.jit
    def f():
        lst = kiln_typed.List()
        lst.append(0)
        lst.append("fda")
        return lst

    with pytest.raises(kiln.TypingError, match="cannot safely cast unicode_type to int64"):
        f()
