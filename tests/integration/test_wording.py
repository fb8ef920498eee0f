"""Refusals worded so that a Numba user finds Numba's phrase in them, and
answers that used to be wrong (issues 8 and 9, `wording`).

Each refusal is a located TypingError; each expected value comes from NumPy
or Python in the test itself.
"""

import numpy as np
import pytest


def test_astype_to_record_is_refused(kilnd):
    # It used to return an empty array; NumPy fills the fields, Numba refuses.
    from kiln import jit
    from kiln.errors import TypingError

    rec = np.dtype([("x", np.int8)])

    @jit
    def f(a):
        return a.astype(rec)

    with pytest.raises(TypingError, match=r"cannot convert from int32 to Record\(x\[type=int8;offset=0\]"):
        f(np.arange(4, dtype=np.int32))

    @jit
    def g(a):
        return a.astype(np.float32)

    a = np.arange(4, dtype=np.int32)
    np.testing.assert_array_equal(g(a), a.astype(np.float32))
    assert g(a).dtype == np.float32


def test_dict_literal_with_optional_key_or_value_is_refused(kilnd):
    # It used to compile and raise TypeError at run time for the None side.
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def value(choice):
        optional = 2.5 if choice else None
        return {1: optional}

    @jit
    def key(choice):
        return {2.5 if choice else None: 1}

    with pytest.raises(TypingError, match=r"Dict.value_type cannot be of type OptionalType\(float64\)"):
        value(True)
    with pytest.raises(TypingError, match=r"Dict.key_type cannot be of type OptionalType\(float64\)"):
        key(True)

    @jit
    def none_key():
        return {None: 1}

    @jit
    def none_value():
        return {1: None}

    with pytest.raises(TypingError, match="Dict.key_type cannot be of type none"):
        none_key()
    with pytest.raises(TypingError, match="Dict.value_type cannot be of type none"):
        none_value()

    # Storing a checked optional into a dict made of plain values still works.
    @jit
    def fine(choice):
        x = 2.5 if choice else None
        d = {1: 0.0}
        if x is not None:
            d[1] = x
        return d

    assert fine(True) == {1: 2.5}
    assert fine(False) == {1: 0.0}


def test_readonly_array_write_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    a = np.arange(3)
    a.flags.writeable = False

    @jit
    def f(x):
        x[0] = 1

    with pytest.raises(TypingError, match=r"Cannot modify readonly array of type: readonly array\(int64, 1d, C\)"):
        f(a)


def test_non_constant_dtype_string_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def f(x, dt):
        return np.empty_like(x, dt)

    with pytest.raises(TypingError) as e:
        f(np.ones(4), "int32")
    assert "If np.empty_like dtype is a string it must be a string constant." in str(e.value)
    assert "empty_like(array(float64, 1d, C), unicode_type)" in str(e.value)

    @jit
    def g(x, dt):
        return x.astype(dt)

    with pytest.raises(TypingError, match="array.astype if dtype is a string it must be constant"):
        g(np.ones(4), "int32")


def test_list_store_wording(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def setitem(x):
        x[0][0] = 10
        return x

    with pytest.raises(TypingError) as e:
        setitem([[np.arange(3)]])
    assert "invalid setitem with value of int64 to element of array(int64, 1d, C)" in str(e.value)
    assert "a list's items must have one type" in str(e.value)

    @jit
    def argument(x):
        x[-2] = 7j
        return x

    with pytest.raises(TypingError, match="invalid setitem with value of complex128.*keeps its item type"):
        argument([1, 2, 3])

    @jit
    def append_self(x):
        x.append(x)
        return x

    with pytest.raises(TypingError, match=r"Invalid use of BoundFunction\(list.append for "):
        append_self([[np.zeros(1)]])

    @jit
    def widen():
        x = [1, 2]
        x[0] = 2.5
        x.append(3)
        return x

    assert widen() == [2.5, 2, 3]
