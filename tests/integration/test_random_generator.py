"""numpy.random.Generator passed to compiled code (npgen:
kiln/library/numpy_generator.py over the kiln.npgen.* primitives,
compiler/lowering/lower_npgen.cpp): every method draws from the Generator's
own bit generator in place and gives NumPy's numbers bit for bit. Each case
draws from two equal-seeded Generators, one through Kiln and one in NumPy,
and compares the values, their dtype and the bit generators' end states."""

import sys

import numpy as np
import pytest
from numpy.random import MT19937, PCG64, SFC64, Generator, Philox

SEEDS = (1, 7, 12345)
BITGENS = (PCG64, MT19937, Philox, SFC64)


def _same(got, want):
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            _same(g, w)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype.kind == want.dtype.kind, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)


def _parity(fn, *args, bitgens=BITGENS, seeds=SEEDS):
    from kiln import jit

    jf = jit(fn)
    for seed in seeds:
        for bg in bitgens:
            mine, theirs = Generator(bg(seed)), Generator(bg(seed))
            _same(jf(mine, *args), fn(theirs, *args))
            assert str(mine.bit_generator.state) == str(theirs.bit_generator.state), (bg, seed)


CASES = [
    ("random()", lambda g: g.random()),
    ("random(n)", lambda g: g.random(1000)),
    ("random((2,3))", lambda g: g.random((2, 3))),
    ("standard_normal", lambda g: g.standard_normal(20000)),
    ("standard_normal()", lambda g: g.standard_normal()),
    ("normal", lambda g: g.normal(2.0, 3.0, 3000)),
    ("normal()", lambda g: g.normal()),
    ("standard_exponential", lambda g: g.standard_exponential(20000)),
    ("standard_exponential(inv)", lambda g: g.standard_exponential(100, method="inv")),
    ("exponential", lambda g: g.exponential(2.5, (30, 40))),
    ("uniform", lambda g: g.uniform(-1.0, 4.0, 2000)),
    ("uniform()", lambda g: g.uniform()),
    ("standard_gamma<1", lambda g: g.standard_gamma(0.5, 3000)),
    ("standard_gamma>1", lambda g: g.standard_gamma(2.5, 3000)),
    ("gamma", lambda g: g.gamma(3.5, 2.0, 3000)),
    ("beta johnk", lambda g: g.beta(0.5, 0.7, 5000)),
    ("beta gammas", lambda g: g.beta(2.0, 3.0, 3000)),
    ("poisson small", lambda g: g.poisson(3.0, 3000)),
    ("poisson ptrs", lambda g: g.poisson(50.0, 3000)),
    ("poisson()", lambda g: g.poisson()),
    ("binomial inversion", lambda g: g.binomial(10, 0.3, 3000)),
    ("binomial btpe", lambda g: g.binomial(200, 0.4, 3000)),
    ("binomial btpe q", lambda g: g.binomial(200, 0.8, 3000)),
    ("binomial p=0", lambda g: g.binomial(5, 0.0, 10)),
    ("binomial()", lambda g: g.binomial(1000, 0.5)),
    ("integers", lambda g: g.integers(0, 10, 3000)),
    ("integers(high)", lambda g: g.integers(100)),
    ("integers wide", lambda g: g.integers(-(2**40), 2**41, 3000)),
    ("integers 2**32", lambda g: g.integers(0, 2**32, 1000)),
    ("integers full int64", lambda g: g.integers(-(2**63), 2**63 - 1, 1000, endpoint=True)),
    ("integers endpoint", lambda g: g.integers(3, 9, 1000, endpoint=True)),
    ("permutation(n)", lambda g: g.permutation(30)),
    ("choice(n, size)", lambda g: g.choice(13, 7)),
    ("choice(n)", lambda g: g.choice(13)),
]


@pytest.mark.parametrize("name,fn", CASES, ids=[c[0] for c in CASES])
def test_matches_numpy(kilnd, name, fn):
    _parity(fn)


# (method, scalar arguments): drawn with size=3000 and size=None.
MORE = [
    ("lognormal", (0.5, 0.8)), ("laplace", (1.0, 2.0)), ("logistic", (1.0, 2.0)), ("gumbel", (1.0, 2.0)),
    ("pareto", (3.0,)), ("power", (2.0,)), ("power", (0.5,)), ("rayleigh", (2.0,)), ("weibull", (1.5,)),
    ("weibull", (0.5,)), ("standard_cauchy", ()), ("chisquare", (3.0,)), ("f", (3.0, 5.0)), ("standard_t", (4.0,)),
    ("geometric", (0.2,)), ("geometric", (0.6,)), ("negative_binomial", (5, 0.4)), ("negative_binomial", (2.5, 0.1)),
]


@pytest.mark.parametrize("name,args", MORE, ids=[f"{n}{a}" for n, a in MORE])
def test_more_distributions(kilnd, name, args):
    params = ", ".join(f"a{k}" for k in range(len(args)))
    comma = ", " if args else ""
    env = {}
    exec(f"def draws(g{comma}{params}):\n    return g.{name}({params}{comma}size=3000), g.{name}({params})\n", env)
    _parity(env["draws"], *args, bitgens=(PCG64, MT19937))


@pytest.mark.parametrize("size", [None, (), 5, (100,), (10, 20, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_random_sizes_and_dtypes(kilnd, size, dtype):
    _parity(lambda g, size, dtype: g.random(size=size, dtype=dtype), size, dtype)


@pytest.mark.parametrize("size", [None, 20000, (30, 40)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_ziggurats_sizes_and_dtypes(kilnd, size, dtype):
    """float32 draws are NumPy's float32 ziggurats (their own tables, 32-bit draws)."""
    _parity(lambda g, size, dtype: g.standard_normal(size, dtype=dtype), size, dtype)
    _parity(lambda g, size, dtype: g.standard_exponential(size, dtype=dtype), size, dtype)
    _parity(lambda g, size, dtype: g.standard_exponential(size, dtype=dtype, method="inv"), size, dtype)


@pytest.mark.parametrize(
    "dtype", [np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8, np.bool_]
)
def test_integers_dtypes(kilnd, dtype):
    """16- and 8-bit dtypes draw from a shared 32-bit buffer, bools one bit
    at a time: the array's values follow NumPy's buffer across the fill."""
    from kiln import jit

    hi = 2 if dtype is np.bool_ else 100
    _parity(lambda g, dt, hi: g.integers(0, hi, 2000, dtype=dt), dtype, hi)
    _parity(lambda g, dt, hi: g.integers(0, hi, (3, 4), dtype=dt, endpoint=True), dtype, hi - 1)
    # A scalar is the same number (boxed as a Python int/bool, as Numba's).
    f = jit(lambda g, dt, hi: g.integers(0, hi, dtype=dt))
    for seed in SEEDS:
        assert f(np.random.default_rng(seed), dtype, hi) == np.random.default_rng(seed).integers(0, hi, dtype=dtype)


def test_integers_narrow_full_ranges(kilnd):
    _parity(lambda g, dt: g.integers(-30000, 30000, 3000, dtype=dt), np.int16)
    _parity(lambda g, dt: g.integers(-128, 127, 3000, dtype=dt, endpoint=True), np.int8)
    _parity(lambda g, dt: g.integers(0, 2**32 - 1, 3000, dtype=dt, endpoint=True), np.uint32)


def test_shuffle_and_permutation_of_arrays(kilnd):
    def shuffle1(g, n):
        x = np.arange(n)
        g.shuffle(x)
        return x

    def shuffle2(g, n):
        x = np.arange(n * 3.0).reshape(n, 3)
        g.shuffle(x)
        return x

    _parity(shuffle1, 50)
    _parity(shuffle2, 20)
    _parity(lambda g, a: g.permutation(a), np.arange(20.0))
    _parity(lambda g, a: g.choice(a, (2, 3)), np.arange(20.0) * 1.5)
    _parity(lambda g, a: g.choice(a), np.arange(20.0) * 1.5)


def test_draws_continue_the_python_stream(kilnd):
    """Compiled code advances the Generator's own state: Python draws after
    the call continue from where it stopped, and the other way round."""
    from kiln import jit

    f = jit(lambda g, n: g.standard_normal(n))
    mine, theirs = np.random.default_rng(5), np.random.default_rng(5)
    a = mine.random(3)
    b = f(mine, 4)
    c = mine.integers(0, 1000, 5)
    _same(np.concatenate([a, b]), np.concatenate([theirs.random(3), theirs.standard_normal(4)]))
    _same(c, theirs.integers(0, 1000, 5))


def test_generator_identity_and_refcount(kilnd):
    from kiln import jit

    rng = np.random.default_rng()
    ident = jit(lambda x: x)
    assert ident(rng) is rng
    pair = jit(lambda x: (x, 1))(rng)
    assert pair[0] is rng and pair[1] == 1
    before = sys.getrefcount(rng)
    for _ in range(100):
        ident(rng)
        jit(lambda x: x.random())(rng)
    assert sys.getrefcount(rng) == before


def test_bit_generator_class_is_part_of_the_type(kilnd):
    """A Generator over another bit generator class is another type: the
    function is compiled again and draws from that generator's stream."""
    from kiln import jit

    f = jit(lambda g: g.random(3))
    for bg in BITGENS:
        _same(f(Generator(bg(3))), Generator(bg(3)).random(3))
    sigs = {str(s) for s in f.signatures} if hasattr(f, "signatures") else set()
    if sigs:
        assert any("PCG64" in s for s in sigs) and any("MT19937" in s for s in sigs)


def test_bit_generator_draws(kilnd):
    """g.bit_generator's next_uint64/next_uint32/next_double (Numba's
    numba.np.random.generator_core functions, in code written for Numba)
    draw from the same state."""
    core = pytest.importorskip("numba.np.random.generator_core")
    from kiln import jit

    fns = {
        "next_uint64": jit(lambda g: core.next_uint64(g.bit_generator)),
        "next_uint32": jit(lambda g: core.next_uint32(g.bit_generator)),
        "next_double": jit(lambda g: core.next_double(g.bit_generator)),
    }
    for name, f in fns.items():
        mine, theirs = np.random.default_rng(9), np.random.default_rng(9)
        ct = theirs.bit_generator.ctypes
        assert f(mine) == getattr(ct, name)(ct.state), name
        assert str(mine.bit_generator.state) == str(theirs.bit_generator.state)


def test_errors(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="scale < 0"):
        jit(lambda g: g.normal(0.0, -1.0))(rng)
    with pytest.raises(ValueError, match="low >= high"):
        jit(lambda g: g.integers(5, 5))(rng)
    with pytest.raises(ValueError, match="high is out of bounds for int8"):
        jit(lambda g, dt: g.integers(0, 300, dtype=dt))(rng, np.int8)
    with pytest.raises(TypingError, match="Unsupported dtype for Generator.random"):
        jit(lambda g, dt: g.random(dtype=dt))(rng, np.int32)
    with pytest.raises(TypingError, match="replace"):  # only with replacement (made exact), refused otherwise
        jit(lambda g: g.choice(5, 3, replace=False))(rng)
    with pytest.raises(ValueError, match="dfden <= 0"):
        jit(lambda g: g.f(1.0, 0.0))(rng)
    with pytest.raises(Exception, match="'multinomial' of NumPyRandomGeneratorType"):
        jit(lambda g: g.multinomial(10, np.ones(3) / 3))(rng)
    with pytest.raises(ValueError, match="p > 1"):
        jit(lambda g: g.binomial(10, 1.5))(rng)
    with pytest.raises(Exception, match="returning a generator"):
        def gen(g):
            for _ in range(3):
                yield g.random()

        jit(gen)(rng)
