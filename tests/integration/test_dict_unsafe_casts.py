"""A typed dict's key or value of another width is cast as Numba's typed dict
casts it, with its warning (docs/python-subset.md "Dicts"): an integer to a
narrower integer, an integer to a float, a float or complex to a narrower
one, tuples of those item by item, each with a KilnTypeSafetyWarning
("unsafe cast from int32 to int8. Precision may be lost."); a float to an
integer stays a TypingError, as in Numba. Plain Python has no typed dict:
the oracle is the cast done by hand."""

import warnings

import numpy as np
import pytest

import kiln
from kiln.errors import KilnTypeSafetyWarning, TypingError
from kiln.typed import Dict


def caught(fn, *args):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        result = fn(*args)
    return result, [str(x.message) for x in w if issubclass(x.category, KilnTypeSafetyWarning)]


def test_a_tuple_key_of_wider_items_is_cast_with_numbas_warning(kilnd):
    @kiln.jit
    def store_then_read(k1, v1, k2):
        d = Dict()
        d[k1] = v1
        return d, d[k2]

    (d, got), said = caught(store_then_read, (np.int8(1), np.int8(2)), np.intp(123), (np.int32(1), np.int32(2)))
    assert said == ["unsafe cast from UniTuple(int32 x 2) to UniTuple(int8 x 2). Precision may be lost."]
    assert list(d.keys()) == [(1, 2)]
    assert got == 123
    assert d[(np.int32(1), np.int32(2))] == 123


def test_every_dict_operation_casts_the_key_as_stored(kilnd):
    @kiln.jit
    def ops(k):
        d = {np.int8(1): 1.0}
        d[k] = 2.0
        r = 0.0
        if k in d:
            r += d[k]
        r += d.get(k, 5.0)
        r += d.setdefault(k, 7.0)
        r += d.pop(k)
        d[k] = 3.0
        del d[k]
        return r, len(d), np.int8(1) in d

    # 300 is 44 as an int8: every operation finds the one key 44
    (got, said) = caught(ops, 300)
    assert got == (8.0, 1, True)
    assert said == ["unsafe cast from int64 to int8. Precision may be lost."]
    (got, _) = caught(ops, 257)  # 257 is 1 as an int8: the key already there
    assert got == (8.0, 0, False)


def test_values_and_floats_are_cast_too(kilnd):
    @kiln.jit
    def narrow(x):
        d = Dict.empty(key_type=kiln.types.float32, value_type=kiln.types.int16)
        d[x] = 70000
        return d[np.float32(x)], len(d)

    (got, said) = caught(narrow, 0.1)
    assert got == (np.int16(70000 - 65536), 1)
    assert said == ["unsafe cast from float64 to float32. Precision may be lost.",
                    "unsafe cast from int64 to int16. Precision may be lost."]


def test_a_safe_cast_says_nothing(kilnd):
    @kiln.jit
    def widen(k):
        d = {1: 2}
        return d[k]

    (got, said) = caught(widen, np.int32(1))
    assert got == 2 and said == []


def test_a_float_key_of_an_integer_dict_stays_refused(kilnd):
    @kiln.jit
    def bad(k):
        d = {1: 1}
        return d[k]

    with pytest.raises(TypingError, match="a key of type float64 does not fit DictType"):
        bad(1.5)
