"""datetime64 and timedelta64 (docs/python-subset.md, "Dates and times"):
arguments and results of every unit, NumPy's unit promotion (the finer
unit; years and months convert to days only for datetimes, through the
calendar), NaT propagating and comparing unequal, compared with NumPy."""

import itertools

import numpy as np
import pytest

import kiln
from kiln import jit

TD = np.timedelta64
DT = np.datetime64
UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as")


def same(got, want):
    """Equal value, dtype and NaT-ness (NumPy's == is False for NaT)."""
    assert type(got) is type(want), (got, want)
    if isinstance(want, (np.datetime64, np.timedelta64)):
        assert got.dtype == want.dtype, (got, want)
        assert np.isnat(got) == np.isnat(want), (got, want)
        if not np.isnat(want):
            assert got == want, (got, want)
    elif isinstance(want, float) and want != want:
        assert got != got
    else:
        assert got == want, (got, want)


def test_arguments_and_results_keep_their_unit():
    ident = jit(lambda x: x)
    for unit in UNITS + ("",):
        for v in (TD(5, unit) if unit else TD(5), TD("NaT", unit) if unit else TD("NaT")):
            same(ident(v), v)
    for v in (DT("2014-03-01"), DT("2000-01-01T01:02:03", "ns"), DT("NaT"), DT("NaT", "s"), DT("2014", "Y")):
        same(ident(v), v)


def test_multiplier_units_are_refused():
    with pytest.raises(kiln.errors.TypingError, match="cannot determine the kiln type"):
        jit(lambda x: x)(TD(1, "10ms"))


def test_timedelta_arithmetic():
    add = jit(lambda a, b: a + b)
    sub = jit(lambda a, b: a - b)
    div = jit(lambda a, b: a / b)
    fdiv = jit(lambda a, b: a // b)
    mod = jit(lambda a, b: a % b)
    cases = [TD(1), TD(7, "s"), TD(-7, "s"), TD(2, "us"), TD(3, "W"), TD(2, "D"), TD("NaT"), TD("NaT", "ms"),
             TD(0, "s"), TD(5, "Y"), TD(7, "M")]
    with np.errstate(all="ignore"):
        for a, b in itertools.product(cases, cases):
            try:
                want = a + b
            except TypeError:
                with pytest.raises(kiln.errors.TypingError):
                    add(a, b)
                continue
            same(add(a, b), want)
            same(sub(a, b), a - b)
            same(div(a, b), float(a / b))
            same(fdiv(a, b), int(a // b))
            same(mod(a, b), a % b)


def test_timedelta_times_and_over_numbers():
    mul = jit(lambda a, b: a * b)
    rmul = jit(lambda a, b: b * a)
    div = jit(lambda a, b: a / b)
    fdiv = jit(lambda a, b: a // b)
    with np.errstate(all="ignore"):
        for a in (TD(7), TD(-7, "ps"), TD("NaT", "ps"), TD(3, "D")):
            for n in (2, -3, 0, 1.5, -1.5, 0.0, float("nan"), np.uint32(2), np.int16(-2)):
                same(mul(a, n), a * n)
                same(rmul(a, n), n * a)
                same(div(a, n), a / n)
                same(fdiv(a, n), a // n)
    same(mul(TD(2**62, "ps"), 16), TD(0, "ps"))  # wraps, as NumPy


def test_unary_abs_min_max():
    neg = jit(lambda a: -a)
    pos = jit(lambda a: +a)
    ab = jit(lambda a: abs(a))
    mn = jit(lambda a, b: min(a, b))
    mx = jit(lambda a, b: max(a, b))
    cases = (TD(3), TD(-4, "ms"), TD("NaT"), TD("NaT", "ms"), TD(0, "s"), TD(2, "s"))
    for a in cases:
        same(neg(a), -a)
        same(pos(a), +a)
        same(ab(a), abs(a))
    for group in ((TD(0), TD(1), TD(2), TD("NaT")), (TD(0, "s"), TD(1, "s"), TD(-2, "s"), TD("NaT", "s"))):
        for a, b in itertools.product(group, group):
            same(mn(a, b), min(a, b))
            same(mx(a, b), max(a, b))
    with pytest.raises(kiln.errors.TypingError):  # Python's min returns one argument, of its own unit
        mn(TD(1, "s"), TD(1, "ms"))


def test_comparisons_and_nat():
    ops = [jit(f) for f in (lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b, lambda a, b: a <= b,
                            lambda a, b: a > b, lambda a, b: a >= b)]
    pyops = [lambda a, b: a == b, lambda a, b: a != b, lambda a, b: a < b, lambda a, b: a <= b,
             lambda a, b: a > b, lambda a, b: a >= b]
    tds = (TD(1, "m"), TD(60, "s"), TD(61, "s"), TD("NaT"), TD("NaT", "s"), TD(1), TD(12, "M"), TD(1, "Y"))
    dts = (DT("2014"), DT("2014-01-01"), DT("2014-01-01", "W"), DT("2014-01-02"), DT("NaT"), DT("2013-12-31T23:59", "m"))
    for group in (tds, dts):
        for a, b in itertools.product(group, group):
            for f, p in zip(ops, pyops):
                try:
                    want = p(a, b)
                except TypeError:
                    continue
                same(f(a, b), bool(want))


def test_datetime_plus_minus_timedelta():
    add = jit(lambda a, b: a + b)
    sub = jit(lambda a, b: a - b)
    for dt_str in ("600", "1900", "1969", "2000", "2014", "2400"):
        for suffix in ("", "-01", "-12", "-02-28"):
            dt = DT(dt_str + suffix)
            for td in (TD(2, "D"), TD(-100, "W"), TD(10000, "D"), TD(-10000, "M"), TD(3, "Y"), TD(5, "h"),
                       TD("NaT", "D"), TD(7, "ms")):
                try:
                    want = dt + td
                except TypeError:
                    with pytest.raises(kiln.errors.TypingError):
                        add(dt, td)
                    continue
                same(add(dt, td), want)
                same(add(td, dt), td + dt)
                same(sub(dt, td), dt - td)


def test_datetime_difference():
    sub = jit(lambda a, b: a - b)
    dts = [DT(y + s) for y in ("600", "1968", "1969", "2000", "2100", "2401") for s in ("", "-01", "-12", "-02-28", "-12-31T12:30:56")]
    dts += [DT("NaT"), DT("2014-01-07", "W")]
    for a, b in itertools.product(dts, dts):
        same(sub(a, b), a - b)


def test_global_constants():
    day = TD(4, "D")
    when = DT("2001-01-01")
    nat = DT("NaT", "D")
    same(jit(lambda x: x + day)(TD(1, "D")), TD(5, "D"))
    same(jit(lambda x: x + when)(TD(1, "h")), when + TD(1, "h"))
    same(jit(lambda x: x + nat)(TD(1, "D")), nat + TD(1, "D"))


def test_refusals():
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda a, b: a < b)(TD(1, "Y"), TD(365, "D"))
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda a, b: a + b)(DT("2014-01-01"), TD(1, "M"))
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda a, b: a + b)(DT("2014-01-01"), DT("2014-01-01"))
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda a: -a)(DT("2014-01-01"))


def arrays_equal(got, want):
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if want.dtype.kind in "mM":
        assert (np.isnat(got) == np.isnat(want)).all(), (got, want)
        mask = ~np.isnat(want)
        assert (got[mask] == want[mask]).all(), (got, want)
    else:
        np.testing.assert_array_equal(got, want)


def test_array_arguments_results_and_operators():
    days = np.array(["2011-01-01", "1971-02-02", "NaT", "2004-12-07"], dtype="M8[D]")
    deltas = np.array([1, -2, 0, 7], dtype="m8[h]")
    secs = np.array([30, "NaT", -5, 0], dtype="m8[s]")
    arrays_equal(jit(lambda a: a)(days), days)
    arrays_equal(jit(lambda a, b: a + b)(days, deltas), days + deltas)
    arrays_equal(jit(lambda a, b: a - b)(days, TD(1000)), days - TD(1000))
    arrays_equal(jit(lambda a, b: a - b)(days, days[::-1].copy()), days - days[::-1])
    arrays_equal(jit(lambda a, b: a + b)(deltas, secs), deltas + secs)
    arrays_equal(jit(lambda a, b: a * b)(secs, 3), secs * 3)
    arrays_equal(jit(lambda a, b: a < b)(deltas, secs), deltas < secs)
    arrays_equal(jit(lambda a, b: a == b)(days, DT("2011-01-01")), days == DT("2011-01-01"))
    arrays_equal(jit(lambda a: -a)(secs), -secs)
    with np.errstate(all="ignore"):
        arrays_equal(jit(lambda a, b: a / b)(deltas, secs), deltas / secs)


def test_ufuncs():
    a = np.array([3, -2, 0, "NaT", 9], dtype="m8[m]")
    b = np.array([1, "NaT", 0, 2, -9], dtype="m8[s]")
    d = np.array(["2014-01-01", "NaT", "1969-12-31", "2000-02-29", "2100-03-01"], dtype="M8[D]")
    unary = ("negative", "positive", "absolute", "sign", "isnat", "isnan", "isfinite", "isinf")
    for name in unary:
        f = getattr(np, name)
        arrays_equal(jit(lambda x: f(x))(a), f(a))
    for name in ("isnat", "isnan", "isfinite"):
        f = getattr(np, name)
        arrays_equal(jit(lambda x: f(x))(d), f(d))
        same(jit(lambda x: f(x))(DT("NaT")), bool(f(DT("NaT"))))
    binary = ("add", "subtract", "maximum", "minimum", "fmax", "fmin", "equal", "not_equal", "less", "less_equal",
              "greater", "greater_equal", "true_divide", "floor_divide", "remainder")
    with np.errstate(all="ignore"):
        for name in binary:
            f = getattr(np, name)
            arrays_equal(jit(lambda x, y: f(x, y))(a, b), f(a, b))
        for name in ("maximum", "minimum", "fmax", "fmin", "subtract", "less", "equal"):
            f = getattr(np, name)
            arrays_equal(jit(lambda x, y: f(x, y))(d, d[::-1].copy()), f(d, d[::-1]))
        arrays_equal(jit(lambda x, y: np.add(x, y))(d, a), np.add(d, a))
        arrays_equal(jit(lambda x, y: np.multiply(x, y))(a, np.arange(5)), np.multiply(a, np.arange(5)))
        arrays_equal(jit(lambda x, y: np.divide(x, y))(a, 2.5), np.divide(a, 2.5))


def test_reductions():
    cases = [np.array(["2011-01-01", "1971-02-02", "2021-03-03"], dtype="M8[ns]"),
             np.array(["2011-01-01", "NaT", "2021-03-03"], dtype="M8[ns]"),
             np.array(["NaT", "1900-01-01", "2021-03-03"], dtype="M8[D]"),
             np.array([5, -3, 7], dtype="m8[us]"), np.array([5, "NaT", 7], dtype="m8[us]")]
    for arr in cases:
        same(jit(lambda a: a.min())(arr), arr.min())
        same(jit(lambda a: a.max())(arr), arr.max())
        same(jit(lambda a: np.max(a))(arr), np.max(arr))
        same(jit(lambda a: np.min(a))(arr), np.min(arr))
        if arr.dtype.kind == "m":
            same(jit(lambda a: a.sum())(arr), arr.sum())
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda a: a.mean())(cases[0])


def test_builtin_min_max_of_an_array():
    for arr in (np.array(["2011-01-01", "NaT", "2021-03-03"], dtype="M8[ns]"), np.array([5, -3, 7], dtype="m8[us]"),
                np.array(["NaT", "1900-01-01"], dtype="M8[D]"), np.array([2.5, -1.0, 3.0]), np.array([3, 9, -4])):
        for f in (min, max):
            got, want = jit(lambda a: f(a))(arr), f(arr)
            if arr.dtype.kind in "mM":
                same(got, want)
            else:
                assert got == want
    with pytest.raises(ValueError):
        jit(lambda a: max(a))(np.zeros(0))


def test_out_arrays_of_another_unit():
    a = np.array([3, -2, "NaT"], dtype="m8[s]")
    b = np.array([1, 5, 2], dtype="m8[m]")
    for out_dtype in ("m8[s]", "m8[ms]", "m8[ns]"):
        want = np.add(a, b, np.zeros(3, out_dtype))
        got = jit(lambda x, y, o: np.add(x, y, o))(a, b, np.zeros(3, out_dtype))
        arrays_equal(got, want)
    for coarser in ("m8[m]", "m8[M]"):  # refused, as Numba (NumPy's same_kind would floor)
        with pytest.raises(kiln.errors.TypingError):
            jit(lambda x, y, o: np.add(x, y, o))(a, b, np.zeros(3, coarser))
    d = np.array(["2014", "2015"], dtype="M8[Y]")
    with pytest.raises(kiln.errors.TypingError):
        jit(lambda x, y: np.add(x, y, x))(d, np.array([1, 2], dtype="m8[D]"))


# dtunits: reductions of datetime-like arrays, np.median, hash(), and the
# class of the refusal of a coarser out= unit, compared with NumPy.

def test_argmin_argmax_take_the_first_nat():
    cases = [np.arange(10).astype("M8[Y]"), np.array([5, "NaT", -7, "NaT"], dtype="m8[s]"),
             np.array(["NaT", "1900-01-01", "2021-03-03"], dtype="M8[D]"), np.array([4, -2, 9, -2, 9], dtype="m8[ms]")]
    for arr in cases:
        assert jit(lambda a: a.argmin())(arr) == arr.argmin()
        assert jit(lambda a: a.argmax())(arr) == arr.argmax()
        assert jit(lambda a: np.argmin(a))(arr) == np.argmin(arr)
        assert jit(lambda a: np.argmax(a))(arr) == np.argmax(arr)
    with pytest.raises(ValueError):
        jit(lambda a: a.argmin())(np.zeros(0, "m8[s]"))


def test_timedelta_cumsum_and_mean():
    cases = [np.arange(10).astype("m8[s]"), np.array([5, -3, "NaT", 7], dtype="m8[us]"),
             np.array([-5, -4], dtype="m8[D]"), np.array([7], dtype="m8[m]"), np.array(["NaT", "NaT"], dtype="m8[s]")]
    for arr in cases:
        arrays_equal(jit(lambda a: a.cumsum())(arr), arr.cumsum())
        arrays_equal(jit(lambda a: np.cumsum(a))(arr), np.cumsum(arr))
        same(jit(lambda a: a.mean())(arr), arr.mean())
        same(jit(lambda a: np.mean(a))(arr), np.mean(arr))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.zeros(0, "m8[s]").mean()
    same(jit(lambda a: a.mean())(np.zeros(0, "m8[s]")), want)  # NaT, as NumPy
    with pytest.raises(kiln.errors.TypingError):  # NumPy cannot add datetimes
        jit(lambda a: a.cumsum())(np.arange(3).astype("M8[D]"))


def test_timedelta_median_and_sort():
    cases = [np.arange(10).astype("m8[s]"), np.arange(9).astype("m8[s]")[::-1].copy(),
             np.array([-5, -4], dtype="m8[D]"), np.array([3, -8, 1, 12, -1], dtype="m8[h]"),
             np.array(["NaT"] * 4, dtype="m8[s]"), np.array([1, 2], dtype="m8[s]")]
    for arr in cases:
        same(jit(lambda a: np.median(a))(arr), np.median(arr))
        same(jit(lambda a: np.median(np.asarray(a)))(arr), np.median(arr))
    with_nat = np.array([0, 1, 2, "NaT", 4, "NaT", 6, 7, 8, 9, -3], dtype="m8[s]")
    same(jit(lambda a: np.median(a))(with_nat), np.median(with_nat))  # NumPy 1.x: the middle, NaT sorted last; 2.x: NaT
    arrays_equal(jit(lambda a: np.sort(a))(with_nat), np.sort(with_nat))
    arr = np.array([5, "NaT", -3], dtype="m8[s]")
    assert jit(lambda a: np.asarray(a) is a)(arr)


def test_hash_of_datetime_like_values():
    values = [TD(3), TD(-4), TD(3, "ms"), TD(-1), TD(-1, "D"), TD("NaT"), TD("NaT", "ms"), TD(2, "Y"), TD(10000, "D"),
              DT("2014"), DT("2014-02"), DT("2000-12-31"), DT("NaT")]
    f = jit(lambda x: hash(x))
    for v in values:
        if int(np.__version__.split(".")[0]) >= 2:  # NumPy 2 hashes as datetime's objects: refused, not approximated
            with pytest.raises(kiln.errors.TypingError, match="under NumPy 2"):
                f(v)
        else:
            assert f(v) == hash(v), v
    with pytest.raises(kiln.errors.TypingError):  # still no dict keys
        jit(lambda x: {x: 1})(TD(3, "s"))


def test_a_coarser_out_unit_is_numbas_lowering_error():
    a = np.array([3, -2, "NaT"], dtype="m8[s]")
    b = np.array([1, 5, 2], dtype="m8[m]")
    with pytest.raises(kiln.errors.LoweringError, match=r"cannot convert timedelta64\[s\] to timedelta64\[m\]"):
        jit(lambda x, y, o: np.add(x, y, o))(b, a, np.zeros(3, "m8[m]"))
    with pytest.raises(kiln.errors.LoweringError):
        jit(lambda x, y, o: np.multiply(x, y, o))(a, np.arange(3), np.zeros(3, "m8[m]"))
    with pytest.raises(kiln.errors.LoweringError):
        d = np.array(["2014-01-01T00:01", "NaT", "1999-01-01T00:00"], dtype="M8[m]")
        jit(lambda x, y, o: np.subtract(x, y, o))(d, d.astype("M8[s]"), np.zeros(3, "m8[m]"))
    arrays_equal(jit(lambda x, y, o: np.multiply(x, y, o))(a, np.arange(3), np.zeros(3, "m8[us]")),
                 np.multiply(a, np.arange(3), np.zeros(3, "m8[us]")))
