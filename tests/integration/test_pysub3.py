"""pysub3 (issue 9): the Python subset's last refusals, each checked against
plain Python/NumPy: module constants, range attributes, str.isidentifier,
the truth of arrays, and loop variables reused with another type."""
import sys

import numpy as np
import pytest

from kiln import jit, TypingError

GREETING = "hello"
_BIG = 2**70


def test_module_constants_are_compile_time_constants(kilnd):
    this = sys.modules[__name__]

    @jit
    def read():
        return sys.hexversion, sys.maxsize, this.GREETING, sys.byteorder

    assert read() == (sys.hexversion, sys.maxsize, "hello", sys.byteorder)


def test_a_module_attribute_that_is_no_plain_constant_is_refused(kilnd):
    this = sys.modules[__name__]

    @jit
    def info():
        return sys.float_info

    with pytest.raises(TypingError, match="sys"):
        info()

    @jit
    def big():
        return this._BIG

    with pytest.raises(TypingError, match="test_pysub3"):
        big()


def test_a_changed_module_constant_is_a_new_compile(kilnd):
    this = sys.modules[__name__]
    global GREETING

    def read():
        return this.GREETING

    assert jit(read)() == "hello"
    GREETING = "changed"
    try:
        assert jit(read)() == "changed"
    finally:
        GREETING = "hello"


def range_attrs(start, stop, step):
    out = []
    for r in (range(start), range(start, stop), range(start, stop, step)):
        out.append((r.start, r.stop, r.step))
    return out


@pytest.mark.parametrize("args", [(0, 0, 1), (0, -1, 1), (-1, 1, 1), (-1, 4, 10), (5, -5, -2), (7, 2, -3)])
def test_range_start_stop_step(kilnd, args):
    assert jit(range_attrs)(*args) == range_attrs(*args)


IDENTIFIERS = ["a", "Z", "_", "b0", "bc", "b_", "µ", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", " ", "[", "©", "0", "", "1a", "a1", "a-b",
               "ª", "º", "a·", "·a", "_\u00b7", "ℕ", "℘x", "x℘", "\u2118", "\u212e", "a\u0300", "\u0300a",
               "变量", "ﬁ", "\uD800", "a\uDFFFb", "Ⅻ", "x\u200c", "\u00d7", "\u00f7", "a b", "résumé", "٣a", "a٣"]


def test_isidentifier_matches_python(kilnd):
    f = jit(lambda s: s.isidentifier())
    for s in IDENTIFIERS:
        assert f(s) == s.isidentifier(), repr(s)


def truth(x):
    if x:
        return 10
    return 20


@pytest.mark.parametrize("value", [np.array(1), np.array(0), np.array([[[1]]]), np.array([[[0]]]),
                                   np.array(0.5), np.array(0.0), np.array(True), np.array(False),
                                   np.array([-0.0]), np.array([np.nan]), np.array(1 + 0j), np.array([0j]),
                                   np.arange(6)[3:4], np.arange(6)[0:1], np.arange(8.0).reshape(2, 4)[1:, ::2][:, 1:]])
def test_truth_of_a_one_element_array_is_its_element(kilnd, value):
    assert jit(truth)(value) == truth(value)


def test_truth_of_an_empty_array_is_false(kilnd):
    assert jit(truth)(np.empty(0)) == 20
    assert jit(truth)(np.empty((3, 0), dtype=np.int32)) == 20


def test_truth_of_a_larger_array_is_numpys_error(kilnd):
    with pytest.raises(ValueError, match="more than one element is ambiguous"):
        jit(truth)(np.array([1, 2]))
    with pytest.raises(ValueError, match="more than one element is ambiguous"):
        jit(truth)(np.zeros((2, 2)))


def loops_rebind(a, b):
    x = a[0]
    y = b[0]
    for i in a:
        x = i
    for i in b:
        y = i
    return x, y


def test_a_loop_variable_reused_with_another_type(kilnd):
    assert jit(loops_rebind)((1, 2), ("A", "B")) == (2, "B")
    assert jit(loops_rebind)(np.arange(3), [0.5, 1.5]) == (2, 1.5)


def test_a_variable_read_after_both_loops_still_unifies(kilnd):
    def rebind_then_read(a, b):
        for i in a:
            pass
        for i in b:
            pass
        return i

    with pytest.raises(TypingError, match="cannot unify"):
        jit(rebind_then_read)((1, 2), ("A", "B"))
    assert jit(rebind_then_read)((1, 2), (3, 4)) == 4


def test_an_eager_signature_narrows_floats_and_takes_optional_arrays(kilnd):
    def add_first(x, y):
        if y is None:
            return x
        y[0] += x
        return y[0]

    f = jit("(float32, optional(float32[:]))")(add_first)
    cy = np.array([12.3], dtype=np.float32)
    py = cy.copy()
    assert f(1.0, cy) == pytest.approx(add_first(np.float32(1.0), py))
    np.testing.assert_array_equal(cy, py)
    assert f(1.0, None) == np.float32(1.0)
    assert f(0.1, None) == float(np.float32(0.1))  # rounded to float32, as Numba
    g = jit("(complex64,)")(lambda z: z * 2)
    assert g(0.1 + 0.2j) == complex(np.complex64(0.1 + 0.2j) * 2)
    with pytest.raises(TypeError):
        f("x", None)


def test_a_dead_loop_variable_holding_arrays_and_lists_leaks_nothing(kilnd):
    import kiln

    def rebind(n):
        total = 0.0
        for v in [np.ones(3), np.zeros(2)]:  # v: arrays, dead at the second loop's header
            total += v.sum()
        for v in [[1, 2], [3]]:  # v: lists
            total += len(v)
        for v in range(n):
            total += v
        return total

    f = jit(rebind)
    assert f(4) == rebind(4)
    before = kiln.live_allocations()
    for _ in range(5):
        assert f(4) == rebind(4)
    assert kiln.live_allocations() == before


def test_a_buffer_arguments_truth_is_not_numpys(kilnd):
    """bytearray, memoryview and array.array arguments are arrays inside, but
    their truth is Python's (not empty); only bytes' is compiled today, the
    others are refused rather than answered as NumPy would."""
    import array

    for value in (bytearray(b"\x00"), memoryview(b"\x00\x00"), array.array("d", [0.0])):
        with pytest.raises(TypingError, match="cannot test the truth"):
            jit(truth)(value)
    assert jit(truth)(b"\x00") == truth(b"\x00") == 10
    assert jit(truth)(b"") == truth(b"") == 20
