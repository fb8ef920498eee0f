"""NumPy's ufuncs called by name (typing/ufuncs.def), end to end against
NumPy itself: for every ufunc of the table and every dtype (and a set of
mixed pairs), Kiln either gives NumPy's result, dtype included, or refuses
the call with a TypingError -- never a different answer. Plus out arrays,
broadcasting, layouts, scalars, NEP 50 weak scalars, and the operators and
complex arrays that share the implementation."""

import re
import warnings

import pytest

import numpy as np

DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float32", "float64", "complex64", "complex128"]


def table():
    """(name, nin, nout) of each row of compiler/typing/ufuncs.def."""
    import pathlib
    text = (pathlib.Path(__file__).parents[2] / "compiler/typing/ufuncs.def").read_text()
    return [(m.group(1), int(m.group(2)), int(m.group(3)))
            for m in re.finditer(r'KILN_UFUNC\(\w+, "numpy\.(\w+)", (\d), (\d),', text)]


def sample(dtype, n=6):
    if dtype == "bool":
        return np.array([True, False, True, True, False, False])
    if dtype.startswith("uint"):
        return np.array([0, 1, 2, 7, 3, 5], dtype=dtype)
    if dtype.startswith("int"):
        return np.array([-3, 1, 0, 7, -1, 2], dtype=dtype)
    if dtype.startswith("float"):
        return np.array([1.5, -0.25, 0.0, np.nan, np.inf, -2.0], dtype=dtype)
    return np.array([1.5 + 2j, -0.5j, 0j, complex(np.nan, 1), 2 - 1j, -1 + 0.5j], dtype=dtype)


def usecase(name, nargs):
    src = "def fn({0}):\n    return np.{1}({0})\n".format(", ".join(f"a{k}" for k in range(nargs)), name)
    scope = {"np": np}
    exec(src, scope)
    return scope["fn"]


def same(got, want):
    if isinstance(want, tuple):
        return isinstance(got, tuple) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    got = np.asarray(got)
    want = np.asarray(want)
    if got.dtype != want.dtype or got.shape != want.shape:
        return False
    if want.dtype.kind in "fc":
        tol = 4 * np.finfo(want.dtype).eps
        return np.allclose(got, want, rtol=tol, atol=0, equal_nan=True) and \
            np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(np.isinf(got), np.isinf(want))
    return np.array_equal(got, want)


def check(kiln_fn, py_fn, args, counts):
    from kiln.errors import TypingError
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = py_fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
        except (TypeError, ValueError) as e:
            want = e
        try:
            got = kiln_fn(*args)
        except TypingError:
            counts["refused"] += 1
            return
        except ValueError as e:
            assert isinstance(want, ValueError), f"{py_fn.__name__}{tuple(a.dtype for a in args)}: {e}"
            counts["same"] += 1
            return
    assert not isinstance(want, Exception), f"NumPy raised {want!r}, Kiln gave {got!r}"
    assert same(got, want), f"{args}: got {got!r}, NumPy {want!r}"
    counts["same"] += 1


@pytest.mark.parametrize("name,nin,nout", table())
def test_every_dtype_gives_numpys_answer_or_is_refused(kilnd, name, nin, nout):
    from kiln import jit
    fn = usecase(name, nin)
    kfn = jit(fn)
    counts = {"same": 0, "refused": 0}
    for dt in DTYPES:
        check(kfn, fn, [sample(dt)] * nin, counts)
    if name == "isnat":  # datetime: its only loops (tests/integration/test_datetime.py has the rest)
        check(kfn, fn, [np.array([1, "NaT", -3], dtype="m8[s]")], counts)
    if nin == 2:  # mixed pairs: NumPy's promotion picks the loop
        for a, b in [("int8", "uint8"), ("int32", "float32"), ("bool", "int16"), ("int64", "uint64"),
                     ("uint16", "float64"), ("float32", "complex128")]:
            check(kfn, fn, [sample(a), sample(b)], counts)
    assert counts["same"] > 0, f"numpy.{name} compiled for no dtype"


def test_out_arrays_are_written_and_returned(kilnd):
    from kiln import jit

    @jit
    def add_into(a, b, out):
        r = np.add(a, b, out)
        return r

    @jit
    def mul_kw(a, b, out):
        np.multiply(a, b, out=out)
        return out

    a = np.arange(6, dtype=np.int8).reshape(2, 3)
    b = np.array([1, 2, 3], dtype=np.int8)
    out = np.zeros((2, 3), dtype=np.float64)   # int8 loop, same_kind cast to float64
    r = add_into(a, b, out)
    assert out.tolist() == (a + b).tolist() and r.tolist() == out.tolist()
    out2 = np.zeros((2, 3), dtype=np.int64)
    mul_kw(a, b, out2)
    assert out2.tolist() == (a * b).tolist()
    outf = np.zeros((3, 2), dtype=np.float64).T  # an F-ordered view
    add_into(a.astype(np.float64), 0.5, outf)
    assert outf.tolist() == (a + 0.5).tolist()


def test_out_casting_is_checked_at_compile_time(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def add_into(a, b, out):
        np.add(a, b, out)

    with pytest.raises(TypingError, match="same_kind"):
        add_into(np.ones(3), np.ones(3), np.zeros(3, dtype=np.int64))


def test_two_outputs(kilnd):
    from kiln import jit

    @jit
    def dm(a, b):
        return np.divmod(a, b)

    @jit
    def dm_into(a, b, q, r):
        np.divmod(a, b, q, r)

    @jit
    def fr(x):
        return np.frexp(x), np.modf(x)

    a = np.array([7, -7, 7, -7, 5, 0], dtype=np.int32)
    b = np.array([2, 2, -2, -2, 0, 0], dtype=np.int32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q, r = dm(a, b)
        wq, wr = np.divmod(a, b)
    assert q.tolist() == wq.tolist() and r.tolist() == wr.tolist() and q.dtype == np.int32
    q2 = np.zeros(6, np.int64)
    r2 = np.zeros(6, np.int64)
    dm_into(a, b, q2, r2)
    assert q2.tolist() == wq.tolist() and r2.tolist() == wr.tolist()
    x = np.array([0.5, -3.75, 1e300, np.inf])
    (m, e), (f, i) = fr(x)
    (wm, we), (wf, wi) = np.frexp(x), np.modf(x)
    assert m.tolist() == wm.tolist() and e.tolist() == we.tolist() and e.dtype == np.int32
    assert f.tolist() == wf.tolist() and i.tolist() == wi.tolist()


def test_integer_division_and_power_follow_numpy(kilnd):
    from kiln import jit

    @jit
    def ops(a, b):
        return np.floor_divide(a, b), np.remainder(a, b), np.fmod(a, b), np.true_divide(a, b)

    @jit
    def pw(a, b):
        return np.power(a, b)

    a = np.array([-128, 7, -7, 5, 3], dtype=np.int8)
    b = np.array([-1, 0, 2, -3, 0], dtype=np.int8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = (np.floor_divide(a, b), np.remainder(a, b), np.fmod(a, b), np.true_divide(a, b))
        got = ops(a, b)
    for g, w in zip(got, want):
        assert same(g, w), (g, w)
    assert pw(np.array([2, 3], np.int16), np.array([3, 2], np.int16)).tolist() == [8, 9]
    with pytest.raises(ValueError, match="negative integer powers"):
        pw(np.array([2, 3], np.int64), np.array([1, -1], np.int64))


def test_scalars_and_weak_python_numbers(kilnd):
    from kiln import jit

    @jit
    def f(a):
        return np.add(a, 1), np.multiply(a, 2.5), np.maximum(a, 3)

    @jit
    def s(x, y):
        return np.add(x, y), np.hypot(x, y), np.less(x, y)

    a = np.array([1, 2, 3], dtype=np.int8)
    r = f(a)
    w = (np.add(a, 1), np.multiply(a, 2.5), np.maximum(a, 3))
    for g, e in zip(r, w):
        assert same(g, e)       # int8, float64, int8 as NumPy 2 (NEP 50)
    assert s(3, 4) == (7, 5.0, True)
    assert s(np.float32(3), np.float32(4))[1] == np.float32(5)

    @jit
    def lit(x):
        return np.add(x, 0.2), np.add(x, 1)

    # A Python number is weak (NEP 50): float32 + 0.2 rounds as float32.
    # (Scalar results come back as Python numbers, so the values tell.)
    x = np.float32(0.1)
    assert lit(x) == (float(np.add(x, 0.2)), float(np.add(x, 1)))
    assert lit(x)[0] != 0.1 + 0.2
    assert lit(np.int8(127))[1] == -128   # int8 + 1 wraps, as NumPy


def test_broadcasting_and_layouts(kilnd):
    from kiln import jit

    @jit
    def f(x, y, z):
        return np.arctan2(x, y) + np.fmax(z, y)

    x = np.linspace(-1, 1, 12).reshape(3, 4)
    y = np.array([0.5, -0.5, np.nan, 2.0])
    z = np.ones((3, 1))
    assert same(f(x, y, z), np.arctan2(x, y) + np.fmax(z, y))
    assert same(f(x.T.copy().T, y, z), np.arctan2(x, y) + np.fmax(z, y))
    assert same(f(x[:, ::2], y[::2], z), np.arctan2(x[:, ::2], y[::2]) + np.fmax(z, y[::2]))
    xf = np.asfortranarray(x)
    r = f(xf, y, np.asfortranarray(np.ones((3, 4))))
    assert r.flags.f_contiguous  # as NumPy's order='K'

    @jit
    def bad(a, b):
        return np.add(a, b)

    with pytest.raises(ValueError, match="broadcast"):
        bad(np.ones(3), np.ones(4))


def test_complex_arrays_in_operators_and_ufuncs(kilnd):
    from kiln import jit

    @jit
    def f(z, w):
        return z * w, z / w, np.abs(z), np.conj(z) * z, z.real - w.imag, np.exp(z), np.sqrt(z), -z, z == w

    z = np.array([1 + 2j, -0.5j, 0j, 3 + 0j])
    w = np.array([2 - 1j, 0j, 1j, 3 + 0j])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = (z * w, z / w, np.abs(z), np.conj(z) * z, z.real - w.imag, np.exp(z), np.sqrt(z), -z, z == w)
        got = f(z, w)
    for g, e in zip(got, want):
        assert same(g, e), (g, e)

    @jit
    def set_real(z):
        z.real[:] = 5.0
        z.imag[1] = -1.0

    set_real(z)
    assert z.tolist() == [5 + 2j, 5 - 1j, 5 + 0j, 5 + 0j]


def test_refusals_name_the_ufunc_and_types(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def sub(a, b):
        return np.subtract(a, b)

    @jit
    def sq(a):
        return np.sqrt(a)

    @jit
    def gcd(a, b):
        return np.gcd(a, b)

    b = np.array([True, False])
    with pytest.raises(TypingError, match=r"numpy.subtract.*boolean subtract"):
        sub(b, b)
    i8 = np.array([1, 2, 3], dtype=np.int8)   # float16: NumPy computes in float16, and so does Kiln
    assert sq(i8).dtype == np.float16 and sq(i8).tobytes() == np.sqrt(i8).tobytes()
    with pytest.raises(TypingError, match=r"numpy.gcd.*float64"):
        gcd(np.ones(2), np.ones(2))


def test_operators_share_the_ufuncs_element_code(kilnd):
    from kiln import jit

    @jit
    def ops(a, b):
        return a // b, a % b, a * 2

    @jit
    def pw(a, e):
        return a ** e

    a = np.array([-128, 5, 7], np.int8)
    b = np.array([-1, 0, 2], np.int8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = (a // b, a % b, a * 2)
    for g, w in zip(ops(a, b), want):
        assert same(g, w), (g, w)       # INT_MIN // -1 is INT_MIN, as NumPy
    with pytest.raises(ValueError, match="negative integer powers"):
        pw(np.array([2, 3]), -1)
    assert same(pw(np.array([2.0, 4.0]), -1), np.array([0.5, 0.25]))


def _same_parts(a, b):
    # equal parts, NaN where NaN, and the sign of each zero
    for p, q in ((a.real, b.real), (a.imag, b.imag)):
        if not ((np.isnan(p) and np.isnan(q)) or (p == q and np.signbit(p) == np.signbit(q))):
            return False
    return True


def test_complex_sign_follows_the_installed_numpy(kilnd):
    import kiln
    from kiln import jit
    # dtunits: NumPy 1.x's sign of a complex number is the sign of its first
    # nonzero part (+0j); np0d: NumPy 2's is z/|z| (|z| by hypot, in the
    # value's own float type; an infinite part decides alone, NaN when both
    # are; 0 for 0), computed so by the library; out= stays refused there.
    inf, nan = np.inf, np.nan
    parts = [0.0, -0.0, 1.0, -2.5, inf, -inf, nan, 1e-320, 1e300, -3e-310, 3.4e38, 1e-40, 0.1]
    values = np.array([complex(r, i) for r in parts for i in parts])
    for dtype in (np.complex128, np.complex64):
        with np.errstate(all="ignore"):
            x = values.astype(dtype)
        f = jit(lambda a, o: np.sign(a, o))
        g = jit(lambda a: np.sign(a))
        with np.errstate(all="ignore"):
            want = np.sign(x)
        got = g(x)
        assert got.dtype == want.dtype
        assert all(_same_parts(p, q) for p, q in zip(got, want))
        for v in x:
            with np.errstate(all="ignore"):
                assert _same_parts(g(v), np.sign(v)), v
        if int(np.__version__.split(".")[0]) >= 2:
            with pytest.raises(kiln.TypingError, match="under NumPy 2.*with out= is not supported"):
                f(x, np.zeros_like(x))
            grid = x.reshape(13, 13)
            with np.errstate(all="ignore"):
                assert _same_parts(g(x[7].reshape(())), np.sign(x[7].reshape(())))  # a 0-d array: a scalar
            for a in (grid, np.asfortranarray(grid), grid[:, ::2], grid.T, x[::-1]):
                with np.errstate(all="ignore"):
                    got, want = g(a), np.sign(a)
                assert got.shape == want.shape and got.strides == want.strides and got.dtype == want.dtype
                assert all(_same_parts(p, q) for p, q in zip(got.ravel(), want.ravel()))
            continue
        out = np.zeros_like(x)
        f(x, out)
        assert all(_same_parts(p, q) for p, q in zip(out, want))


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32, np.int64, np.complex128])
def test_ufuncs_of_0d_arrays_read_their_element(kilnd, dtype):
    # np0d: a ufunc whose inputs are all 0-d arrays gives a scalar, as NumPy;
    # its value is the element's (it read the array struct as a number before)
    from kiln import jit
    cases = [lambda a: np.sqrt(a), lambda a: np.negative(a), lambda a: np.add(a, 1), lambda a: np.add(a, a),
             lambda a: np.multiply(a, np.int32(3)), lambda a: np.absolute(a), lambda a: np.divmod(a, 3)]
    for f in cases:
        if dtype is np.complex128 and f is cases[-1]:
            continue  # NumPy has no complex divmod
        for v in (4, -7, 2.5):
            x = np.array(v).astype(dtype)
            with np.errstate(all="ignore"):
                want = f(x)
            got = jit(f)(x)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
