"""NEP 50 (NumPy 2's promotion): a Python number is weak beside an array or a
NumPy scalar (it takes their dtype unless its kind is higher), a NumPy scalar
is strong (it promotes as a 0-d array of its dtype). Kiln's result dtypes and
values against NumPy's own, run as plain Python (docs/numpy.md, "Python
scalars and NumPy scalars"). What is strong here: np.float64(x) and the other
scalar constructors, an array's elements (indexed or iterated), ufuncs of
scalars, and whatever an operator, a phi or a call makes of them."""

import pytest

import numpy as np

from kiln.errors import TypingError
from test_cache_keys import Project, built_in_fresh_process

ARRAY_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                "float32", "float64", "complex64", "complex128"]
# A scalar of each kind a Python number has, and the value it carries.
SCALARS = {"int": 3, "float": 0.5, "complex": 1.5 + 0.5j}
NP_OF = {"int": np.int64, "float": np.float64, "complex": np.complex128}
# Each operation as the expression it is written with.
OPS = {
    "add": "{x} + {y}",
    "sub": "{x} - {y}",
    "mul": "{x} * {y}",
    "truediv": "{x} / {y}",
    "pow": "{x} ** {y}",
    "np.add": "np.add({x}, {y})",
    "np.maximum": "np.maximum({x}, {y})",
    "np.power": "np.power({x}, {y})",
}
# The three ways a scalar meets an array: a Python number argument (weak),
# np.<type>(x) made in the function (strong), an array's element (strong).
SOURCES = {
    "python": "x",
    "numpy-int": "np.int64(x)",
    "numpy-float": "np.float64(x)",
    "numpy-complex": "np.complex128(x)",
    "element": "b[0]",
}


def usecase(op, source):
    """A plain Python function (the oracle) computing OPS[op] of the array a
    and the scalar SOURCES[source]."""
    text = f"def fn(a, x, b):\n    return {OPS[op].format(x='a', y=SOURCES[source])}\n"
    scope = {"np": np}
    exec(text, scope)
    return scope["fn"]


def operands(dtype, kind):
    a = np.array([1, 2, 3], dtype=dtype)
    x = SCALARS[kind]
    b = np.array([x, x], dtype=NP_OF[kind])
    return a, x, b


def compare(got, want):
    assert isinstance(got, np.ndarray)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    rtol = 1e-5 if want.dtype in (np.float32, np.complex64) else 1e-12
    np.testing.assert_allclose(got, want, rtol=rtol)


def expected_or_none(fn, *args):
    """NumPy's answer, or None where NumPy itself raises (uint64 ** -x ...)."""
    with np.errstate(all="ignore"):
        try:
            return fn(*args)
        except (TypeError, ValueError):
            return None


@pytest.mark.parametrize("op", list(OPS))
def test_array_beside_python_and_numpy_scalars(kilnd, op):
    from kiln import jit
    checked = 0
    for source in SOURCES:
        py = usecase(op, source)
        jf = jit(py)
        for dtype in ARRAY_DTYPES:
            for kind in SCALARS:
                if source.startswith("numpy-") and source != f"numpy-{kind}":
                    continue
                a, x, b = operands(dtype, kind)
                want = expected_or_none(py, a, x, b)
                if want is None:
                    continue
                with np.errstate(all="ignore"):
                    got = jf(a, x, b)
                compare(got, want)
                checked += 1
    assert checked >= len(ARRAY_DTYPES) * len(SCALARS) * 3 - 6


def test_the_issue_examples(kilnd):
    from kiln import jit

    @jit
    def f(a, s):
        return a + s

    @jit
    def g(a, b):
        return a * b[0]

    @jit
    def h(a, s):
        return a + np.float64(s)

    a = np.ones(3, np.float32)
    b = np.array([2.0, 3.0])
    assert f(a, 0.5).dtype == np.float32            # a Python float is weak
    assert g(a, b).dtype == np.float64              # b[0] is an np.float64
    assert h(a, 0.5).dtype == np.float64            # so is np.float64(s)
    i = np.ones(3, np.int32)
    assert (i + np.int64(3)).dtype == jit(lambda i, s: i + np.int64(s))(i, 3).dtype == np.int64
    assert jit(lambda i, s: i + s)(i, 3).dtype == np.int32
    c = np.ones(3, np.complex64)
    assert jit(lambda c, s: c * np.complex128(s))(c, 2j).dtype == np.complex128
    assert jit(lambda c, s: c * s)(c, 2j).dtype == np.complex64


def test_scalar_scalar_strength_reaches_an_array(kilnd):
    """A scalar's strength survives scalar arithmetic: np.float32 ⊕ np.float64
    is float64; np.float64(x) * 2 is still an np.float64; x * 2 is weak."""
    from kiln import jit
    a = np.ones(2, np.float32)

    def strong_times_weak(a, x):
        return a + np.float64(x) * 2

    def weak_times_weak(a, x):
        return a + x * 2

    def strong_plus_strong(a, x):
        return a + (np.float32(x) + np.float64(x))

    def negated(a, x):
        return a - (-np.float64(x))

    def ufunc_of_scalars(a, x):
        return a + np.add(x, 1.0)   # a ufunc of scalars returns a NumPy scalar

    for fn in (strong_times_weak, weak_times_weak, strong_plus_strong, negated, ufunc_of_scalars):
        compare(jit(fn)(a, 0.25), fn(a, 0.25))


def test_strength_survives_variables_branches_tuples_and_calls(kilnd):
    from kiln import jit

    @jit
    def element_of(b):
        return b[1]              # returns an np.float64

    @jit
    def python_of(x):
        return x * 1.0           # returns a Python float

    def via_callee(a, b, x):
        return a + element_of(b), a + python_of(x)

    def via_phi(a, b, x, flag):
        if flag:
            s = b[0]             # strong
        else:
            s = x                # weak
        return a + s             # weak ⊔ strong = strong: float64 on both paths

    def via_tuple(a, b, x):
        t = (b[0], x)
        return a + t[0], a + t[1]

    def via_loop(a, b):
        acc = b[0] * 0
        for v in b:              # iteration yields np.float64 values
            acc += v
        return a + acc

    a = np.ones(3, np.float32)
    b = np.array([0.5, 1.5])
    element_py, python_py = element_of.py_func, python_of.py_func

    r = jit(via_callee)(a, b, 0.25)
    compare(r[0], a + element_py(b))
    compare(r[1], a + python_py(0.25))
    for flag in (True, False):
        got = jit(via_phi)(a, b, 0.25, flag)
        assert got.dtype == np.float64        # Numba's merge, and NumPy's when the strong branch runs
        np.testing.assert_allclose(got, a + (b[0] if flag else 0.25))
    r = jit(via_tuple)(a, b, 0.25)
    compare(r[0], a + b[0])
    compare(r[1], a + 0.25)
    compare(jit(via_loop)(a, b), via_loop(a, b))


def test_strong_scalars_compute_as_before(kilnd):
    """Only promotion changes: a strong scalar computes and returns as the
    weak one did (a Python number comes back)."""
    from kiln import jit

    @jit
    def f(b, x):
        return b[0] + x, np.float64(x) ** 2, -b[1], b[0] < x, int(b[0]), b.sum() + 1

    b = np.array([1.5, -2.0])
    assert f(b, 0.5) == (2.0, 0.25, 2.0, False, 1, 0.5)
    assert type(f(b, 0.5)[0]) is float


def test_containers_hold_values_not_their_strength(kilnd):
    """A list, set or dict slot of float64 takes an np.float64 as it takes a
    Python float (no cast, no warning), and one passed in keeps its type."""
    import warnings
    from kiln import jit

    @jit
    def into_dict(b):
        d = {}
        d[1.5] = 0.0
        for v in b:
            d[v] = v * 2
        d[b[0]] = 1.0
        return len(d), d[b[1]]

    @jit
    def into_set(s, b):
        for v in b:
            s.add(v)
        return len(s)

    @jit
    def into_list(b):
        out = [0.5]
        for v in b:
            out.append(v)
        out.append(np.float64(4.0))
        return out

    b = np.array([1.5, 2.5, 3.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert into_dict(b) == (3, 5.0)
        s = {0.25}
        assert into_set(s, b) == 4
        assert s == {0.25, 1.5, 2.5, 3.5}
        assert into_list(b) == [0.5, 1.5, 2.5, 3.5, 4.0]


@pytest.mark.parametrize("reduction", ["b.sum()", "np.sum(b)", "b.prod()", "b.max()", "np.min(b)", "b.mean()",
                                       "np.std(b)", "b.argmax()", "b.sum(axis=0)"])
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("int32", "int64"), ("int8", "int16"),
                                    ("complex64", "complex128")])
def test_reductions_are_numpy_scalars(kilnd, reduction, dtypes):
    """A whole-array reduction returns a NumPy scalar (strong): beside a
    narrower array it promotes."""
    from kiln import jit
    scope = {"np": np}
    exec(f"def fn(a, b):\n    return a + {reduction}\n", scope)
    fn = scope["fn"]
    a = np.array([1, 2, 3], dtype=dtypes[0])
    b = np.array([2, 1], dtype=dtypes[1])
    compare(jit(fn)(a, b), fn(a, b))


def test_numba_style_signatures(kilnd):
    """An explicit signature types the arguments; an element of a float64[:]
    argument is an np.float64 (strong) as Numba's float64 is, so the result
    is the float64 array the signature declares."""
    from kiln import jit

    g = jit("float64[:](float32[:], float64[:])")(lambda a, b: a + b[0])
    a = np.ones(3, np.float32)
    b = np.array([0.5, 1.5])
    compare(g(a, b), a + b[0])
    # A declared float64 argument is Numba's float64, an np.float64 (strong):
    # float32 + it is float64, for a Python float passed too (it converts,
    # as Numba's does), one overload and no recompile.
    h = jit("float64[:](float32[:], float64)")(lambda a, s: a + s)
    compare(h(a, 0.5), a + np.float64(0.5))
    compare(h(a, np.float64(0.5)), a + np.float64(0.5))
    assert h.signatures == [("array(float32, 1d, A)", "float64")]
    # So a declared float32[:] result of it cannot be had, as in Numba.
    with pytest.raises(TypingError, match=r"cannot convert the return type array\(float64, 1d, C\) to the declared "
                                          r"array\(float32, 1d, A\)"):
        jit("float32[:](float32[:], float64)")(lambda a, s: a + s)


def test_flat_and_2d_elements_are_numpy_scalars(kilnd):
    from kiln import jit

    def flat_of_f_order(a, b):
        return a + b.flat[1]          # b is F-ordered: a flat iterator, indexed

    def two_d(a, b):
        return a * b[1, 0]

    def iterated(a, b):
        last = b[0, 0]
        for v in b.ravel():           # the last element: an np.float64
            last = v
        return a + last

    a = np.ones(3, np.float32)
    b = np.asfortranarray(np.arange(6.0).reshape(2, 3))
    for fn in (flat_of_f_order, two_d, iterated):
        compare(jit(fn)(a, b), fn(a, b))


def test_isinstance_of_a_numpy_scalar_against_its_class(kilnd):
    # A strong scalar is still an instance of its NumPy class (the
    # Generator's random(dtype=...) checks its dtype so: it refused float64).
    from kiln import jit

    def f(x):
        y = np.float64(x)
        z = np.int64(3)
        return isinstance(y, np.float64), isinstance(z, np.int64), isinstance(y, np.float32)
    assert jit(f)(1.5) == f(1.5) == (True, True, False)
    rng = np.random.default_rng(7)
    expect = np.random.default_rng(7).random(dtype=np.float64)
    assert jit(lambda g: g.random(dtype=np.float64))(rng) == expect


# -- NumPy scalar arguments ---------------------------------------------------

# Arrays beside a scalar argument: each kind of Python number and the NumPy
# scalar of the same type (np.bool_ beside bool too).
ARG_DTYPES = ["bool", "int8", "int32", "uint16", "uint64", "int64", "float32", "float64", "complex64"]
ARG_SCALARS = {"bool": (True, np.bool_), "int": (3, np.int64), "float": (0.5, np.float64),
               "complex": (1.5 + 0.5j, np.complex128)}


@pytest.mark.parametrize("op", list(OPS) + ["np.subtract", "np.multiply", "np.true_divide", "np.minimum", "lt"])
def test_numpy_scalar_arguments_promote_as_numpy_does(kilnd, op):
    """f(a, s) for s a Python number (weak) and the NumPy scalar of the same
    type (strong), against NumPy: result dtype and values; one function
    called with both kinds, strong first on even dtypes, weak first on odd."""
    from kiln import jit
    exprs = {**OPS, "np.subtract": "np.subtract({x}, {y})", "np.multiply": "np.multiply({x}, {y})",
             "np.true_divide": "np.true_divide({x}, {y})", "np.minimum": "np.minimum({x}, {y})",
             "lt": "{x} < {y}"}
    scope = {"np": np}
    exec(f"def fn(a, s):\n    return {exprs[op].format(x='a', y='s')}\n", scope)
    py = scope["fn"]
    jf = jit(py)
    checked = 0
    for i, dtype in enumerate(ARG_DTYPES):
        a = np.array([1, 2, 3], dtype=dtype)
        for kind, (x, np_type) in ARG_SCALARS.items():
            if (op == "pow" and dtype == kind == "bool") or (op == "lt" and "complex" in (kind, dtype[:7])):
                continue  # refused for the Python number as much (bool ** bool; ordering complex): not NEP 50
            pair = [x, np_type(x)] if i % 2 == 0 else [np_type(x), x]
            for s in pair:
                want = expected_or_none(py, a, s)
                if want is None:
                    continue
                with np.errstate(all="ignore"):
                    got = jf(a, s)
                assert got.dtype == want.dtype, (op, dtype, type(s).__name__, got.dtype, want.dtype)
                if want.dtype != np.bool_:
                    rtol = 1e-5 if want.dtype in (np.float32, np.complex64) else 1e-12
                    np.testing.assert_allclose(got, want, rtol=rtol)
                else:
                    assert (got == want).all()
                checked += 1
    assert checked >= len(ARG_DTYPES) * len(ARG_SCALARS) * 2 - 24
    # Numba's spelling: the two overloads of a pair print alike.
    assert all("np." not in t for sig in jf.signatures for t in sig)


def test_numpy_scalar_arguments_the_issue_examples(kilnd):
    from kiln import jit

    @jit
    def f(a, s):
        return a + s

    a = np.ones(3, np.float32)
    assert f(a, np.float64(0.5)).dtype == np.float64     # NumPy 2 and Numba: float64
    assert f(a, 0.5).dtype == np.float32                 # NumPy 2: float32 (weak)
    assert f(a, np.float64(0.5)).dtype == np.float64     # each kind its own overload, either order
    assert f.signatures == [("array(float32, 1d, C)", "float64")]  # one Numba signature,
    assert len(f._overloads()) == 2  # two compiles: the Python float's and the np.float64's
    i = np.ones(3, np.int32)
    assert f(i, np.int64(3)).dtype == np.int64 and f(i, 3).dtype == np.int32
    c = np.ones(3, np.complex64)
    assert f(c, np.complex128(2j)).dtype == np.complex128 and f(c, 2j).dtype == np.complex64
    b = np.ones(3, np.int8)
    assert f(b, np.bool_(True)).dtype == f(b, True).dtype == np.int8
    assert f(np.ones(3, bool), np.bool_(True)).dtype == np.bool_
    # A scalar result comes back as Numba returns it: a Python float.
    g = jit(lambda s: s * 2)
    assert type(g(np.float64(2.0))) is float and g(np.float64(2.0)) == 4.0
    # kiln.typeof is Numba's typeof: float64 for both.
    import kiln
    assert kiln.typeof(np.float64(0.5)) == kiln.typeof(0.5) == "float64"


def test_numpy_scalar_argument_flows_through_variables_and_calls(kilnd):
    from kiln import jit

    @jit
    def scaled(a, s):
        return a * s

    @jit
    def caller(a, s, flag):
        t = s if flag else s * 2
        return scaled(a, t) + scaled(a, 1.0)

    a = np.ones(3, np.float32)
    for s in (0.5, np.float64(0.5)):
        for flag in (True, False):
            want = caller.py_func(a, s, flag)
            compare(caller(a, s, flag), want)


def test_explicit_float64_signature_takes_both_without_recompiling(kilnd):
    from kiln import jit

    @jit("float64(float64)")
    def sq(x):
        return x * x

    assert sq(1.5) == 2.25 and type(sq(1.5)) is float
    assert sq(np.float64(2.0)) == 4.0
    assert sq.signatures == [("float64",)]
    assert len(sq._overloads()) == 1
    with pytest.raises(TypeError, match=r"No matching definition for argument type\(s\) unicode_type; sq was "
                                        r"compiled for \(float64\)"):
        sq("x")


NEP50_MODULE = """
    import numpy as np
    from kiln import jit

    @jit
    def add(a, s):
        return a + s

    def strong():
        r = add(np.ones(3, np.float32), np.float64(0.25))
        return f"{r.dtype} {r.tolist()}"

    def weak():
        r = add(np.ones(3, np.float32), 0.25)
        return f"{r.dtype} {r.tolist()}"
"""


def test_each_kind_of_argument_gets_its_own_overload_from_the_disk_cache(kilnd_binary, tmp_path):
    project = Project(kilnd_binary, tmp_path)
    try:
        project.write("nep50mod.py", NEP50_MODULE)
        strong, built, _ = built_in_fresh_process(project, "nep50mod", "strong")
        assert strong == "float64 [1.25, 1.25, 1.25]" and built == 1
        weak, built, _ = built_in_fresh_process(project, "nep50mod", "weak")
        assert weak == "float32 [1.25, 1.25, 1.25]" and built == 1      # not the np.float64 overload
        for func, want in (("weak", weak), ("strong", strong)):     # fresh processes: both from the cache
            got, built, hits = built_in_fresh_process(project, "nep50mod", func)
            assert got == want and built == 0 and hits >= 1
    finally:
        project.server.stop()


def test_a_numpy_scalar_argument_goes_into_a_list_of_its_type(kilnd):
    # A list's slots are weak: heapq's "same item type" check takes an
    # np.float64 argument for a float64 list's item (Numba suite, test_heapq).
    import heapq

    from kiln import jit

    @jit
    def push(h, x):
        heapq.heappush(h, x)
        return h[0]

    assert push([1.0, 2.0], np.float64(0.5)) == 0.5
    assert push([3, 4], np.int64(1)) == 1


@pytest.mark.parametrize("expr", [
    "np.median(v)", "np.percentile(v, 50.0)", "np.quantile(v, 0.5)", "np.nanmedian(v)",
    "np.searchsorted(v, 2.0)", "np.count_nonzero(v)", "v.sum()",
    "min(v[0], v[1])", "max(v[0], v[2])", "abs(w[0])", "abs(v[0])",
])
def test_numpy_functions_returning_numpy_scalars_are_strong(kilnd, expr):
    # Each returns a NumPy scalar in NumPy (np.median, np.searchsorted's
    # intp, Python's min/abs of NumPy scalars), so it promotes a float32 or
    # int32 array as a strong scalar does.
    from kiln import jit

    ns = {"np": np}
    exec(f"def f(a, v, w):\n    return a * ({expr})\n", ns)
    f = ns["f"]
    v = np.array([1.0, 2.0, 4.0, 3.0])
    w = np.array([-3, 2])
    for a in (np.ones(3, np.float32), np.ones(3, np.int32)):
        compare(jit(f)(a, v, w), f(a, v, w))
