"""In-place array operations whose inputs overlap their output
(FunctionLowering::mustBuffer): as NumPy, the result is as if every input were
read before any output element is written. An input that overlaps the target
and is not exactly its elements is copied first; the exact alias (a += a) and
disjoint operands are read directly, with no allocation."""

import gc

import numpy as np
import pytest

import kiln


def allocations(fn, *args):
    """How many blocks one call of fn allocates (after a warm-up call)."""
    fn(*args)
    gc.collect()
    before = kiln.runtime_stats()["total_allocations"]
    fn(*args)
    return kiln.runtime_stats()["total_allocations"] - before


def same_as_numpy(fn, *make):
    want = [m() for m in make]
    got = [m() for m in make]
    fn(*want)
    kiln.jit(fn)(*got)
    for w, g in zip(want, got):
        assert w.dtype == g.dtype
        np.testing.assert_array_equal(g, w)


def f_add_fwd(a): a[1:] += a[:-1]
def f_add_fwd2(a): a[1:] += a[0:-1]
def f_add_bwd(a): a[:-1] += a[1:]
def f_sub(a): a[1:] -= a[:-1]
def f_mul(a): a[1:] *= a[:-1]
def f_div(a): a[1:] /= a[:-1]
def f_floordiv(a): a[2:] //= a[:-2]
def f_mod(a): a[2:] %= a[:-2]
def f_pow(a): a[1:] **= a[:-1]
def f_reversed(a): a[::-1] += a
def f_reversed_sub(a): a -= a[::-1]
def f_shift3(a): a[3:] += a[:-3]
def f_strided(a): a[:-1:2] += a[1::2]
def f_strided_meet(a): a[2::2] += a[:-2:2]
def f_view_name(a):
    b = a[1:]
    b += a[:-1]
def f_broadcast_row(a): a += a[0]


FLOAT_CASES = [f_add_fwd, f_add_fwd2, f_add_bwd, f_sub, f_mul, f_div, f_floordiv, f_mod, f_pow,
               f_reversed, f_reversed_sub, f_shift3, f_strided, f_strided_meet, f_view_name]


# int /= is refused by NumPy (a casting error), so not an overlap case.
@pytest.mark.parametrize("fn,dtype", [(f, d) for d in (np.float64, np.int64, np.float32) for f in FLOAT_CASES
                                      if not (f is f_div and d is np.int64)],
                         ids=lambda x: getattr(x, "__name__", str(x)))
def test_augmented_assignment_on_overlapping_views(kilnd, fn, dtype):
    same_as_numpy(fn, lambda: np.arange(1, 10).astype(dtype))


def i_and(a): a[1:] &= a[:-1]
def i_or(a): a[1:] |= a[:-1]
def i_xor(a): a[1:] ^= a[:-1]
def i_lshift(a): a[1:] <<= a[:-1]
def i_rshift(a): a[:-1] >>= a[1:]


@pytest.mark.parametrize("fn", [i_and, i_or, i_xor, i_lshift, i_rshift], ids=lambda f: f.__name__)
def test_bitwise_augmented_assignment_on_overlapping_views(kilnd, fn):
    same_as_numpy(fn, lambda: np.array([1, 3, 2, 7, 5, 1, 6, 2, 3], dtype=np.int64))


def r_rows(a): a[1:, :] += a[:-1, :]
def r_cols(a): a[:, 1:] += a[:, :-1]
def r_transpose(a): a += a.T
def r_square_transpose(a): a[:4, :4] *= a[:4, :4].T
def r_flip(a): a[:, :] -= a[::-1, ::-1]
def r_row_broadcast(a): a += a[0]
def r_col_broadcast(a): a[:, 1:] += a[:, :1]


@pytest.mark.parametrize("fn", [r_rows, r_cols, r_transpose, r_square_transpose, r_flip, r_row_broadcast,
                                r_col_broadcast], ids=lambda f: f.__name__)
def test_2d_overlapping_row_and_column_views(kilnd, fn):
    make = (lambda: np.arange(16.0).reshape(4, 4)) if fn is r_transpose else (lambda: np.arange(20.0).reshape(4, 5))
    same_as_numpy(fn, make)


def u_shift(a): np.add(a[:-1], 1, out=a[1:])
def u_both(a): np.add(a[:-1], a[1:], out=a[1:])
def u_back(a): np.add(a[1:], a[:-1], out=a[:-1])
def u_unary_reversed(a): np.negative(a[::-1], out=a)
def u_positional_out(a): np.sqrt(a[::-1], a)
def u_transpose(a): np.multiply(a.T, 2.0, out=a)


@pytest.mark.parametrize("fn", [u_shift, u_both, u_back, u_unary_reversed, u_positional_out],
                         ids=lambda f: f.__name__)
def test_ufunc_out_overlapping_an_input(kilnd, fn):
    same_as_numpy(fn, lambda: np.arange(9.0))


def test_ufunc_out_transposed_input(kilnd):
    same_as_numpy(u_transpose, lambda: np.arange(16.0).reshape(4, 4))


def e_fused(a): a[1:] = a[:-1] * 2 + a[1:]
def e_fused_all(a): a[:] = a[::-1] * 2 + 1
def e_fused_aug(a): a[1:] += a[:-1] * 2 + np.sqrt(a[1:])
def e_copy_fwd(a): a[1:] = a[:-1]
def e_copy_bwd(a): a[:-1] = a[1:]
def e_copy_rev(a): a[:] = a[::-1]


@pytest.mark.parametrize("fn", [e_fused, e_fused_all, e_fused_aug, e_copy_fwd, e_copy_bwd, e_copy_rev],
                         ids=lambda f: f.__name__)
def test_expressions_and_copies_into_overlapping_views(kilnd, fn):
    same_as_numpy(fn, lambda: np.arange(9.0))


def test_exact_alias_reads_in_place_and_allocates_nothing(kilnd):
    def double(a):
        a += a
    def double_view(a):
        a[:] += a
    def square_fused(a):
        a += a * a + np.sqrt(a)
    for fn in (double, double_view, square_fused):
        same_as_numpy(fn, lambda: np.arange(10.0))
        assert allocations(kiln.jit(fn), np.arange(1000.0)) == 0, fn.__name__


def test_non_overlapping_in_place_allocates_nothing(kilnd):
    @kiln.jit
    def add_halves(a):
        a[:500] += a[500:]

    @kiln.jit
    def add_other(a, b):
        a += b

    @kiln.jit
    def ufunc_out(a, b):
        np.add(a[:500], b[::-2], out=a[500:])

    a = np.arange(1000.0)
    assert allocations(add_halves, a) == 0
    assert allocations(add_other, a, np.ones(1000)) == 0
    assert allocations(ufunc_out, np.arange(1000.0), np.ones(1000)) == 0
    x = np.arange(1000.0)
    add_halves(x)
    np.testing.assert_array_equal(x[:500], np.arange(500.0) + np.arange(500.0, 1000.0))


def test_overlapping_in_place_buffers_once(kilnd):
    @kiln.jit
    def shift(a):
        a[1:] += a[:-1]

    assert allocations(shift, np.arange(1000.0)) == 1  # the copy of a[:-1]
