"""np.random and the random module in compiled code (kiln/library/
numpy_random.py, random_functions.py; runtime/cpu/kiln_random.c): seeded
inside the jitted function, every distribution gives NumPy's legacy
numbers bit for bit (expected values come from NumPy at test time), and the
streams are separate from NumPy's and from each other."""

import random

import numpy as np
import numpy.random as npr
import pytest
from numpy.random import normal, seed

# (name, scalar arguments): each is drawn with size=None, size=n and
# size=(2, 3) after seeding, and compared with np.random.RandomState.
DISTRIBUTIONS = [
    ("random_sample", ()),
    ("random", ()),
    ("sample", ()),
    ("ranf", ()),
    ("standard_normal", ()),
    ("normal", (1.5, 2.0)),
    ("uniform", (-1.0, 3.0)),
    ("standard_exponential", ()),
    ("exponential", (2.0,)),
    ("standard_gamma", (0.5,)),
    ("standard_gamma", (3.5,)),
    ("gamma", (2.5, 1.5)),
    ("beta", (0.5, 0.7)),
    ("beta", (2.0, 3.0)),
    ("chisquare", (3.0,)),
    ("f", (3.0, 5.0)),
    ("standard_t", (4.0,)),
    ("lognormal", (0.5, 0.8)),
    ("laplace", (1.0, 2.0)),
    ("logistic", (1.0, 2.0)),
    ("gumbel", (1.0, 2.0)),
    ("pareto", (3.0,)),
    ("power", (2.0,)),
    ("rayleigh", (2.0,)),
    ("weibull", (1.5,)),
    ("standard_cauchy", ()),
    ("triangular", (-1.0, 0.5, 2.0)),
    ("vonmises", (0.5, 2.0)),
    ("vonmises", (0.5, 1e-6)),
    ("wald", (1.0, 2.0)),
    ("poisson", (3.0,)),
    ("poisson", (45.0,)),
    ("binomial", (10, 0.3)),
    ("binomial", (200, 0.4)),
    ("binomial", (200, 0.8)),
    ("binomial", (5, 0.0)),
    ("negative_binomial", (5, 0.4)),
    ("geometric", (0.2,)),
    ("geometric", (0.6,)),
    ("zipf", (2.5,)),
    ("logseries", (0.6,)),
    ("randint", (10,)),
    ("randint", (-5, 5)),
    ("randint", (0, 2**33 + 7)),
    ("randint", (-(2**62), 2**62)),
    ("noncentral_chisquare", (3.0, 2.0)),
    ("noncentral_chisquare", (0.5, 2.0)),
    ("hypergeometric", (10, 7, 5)),
    ("hypergeometric", (100, 70, 50)),
    ("hypergeometric", (10, 700, 150)),
]


def _compile(name, nargs):
    from kiln import jit

    params = ", ".join(f"a{k}" for k in range(nargs))
    comma = ", " if nargs else ""
    src = (
        f"def draws(seed{comma}{params}):\n"
        f"    np.random.seed(seed)\n"
        f"    x = np.random.{name}({params})\n"
        f"    y = np.random.{name}({params}{comma}size=7)\n"
        f"    z = np.random.{name}({params}{comma}size=(2, 3))\n"
        f"    return x, y, z\n"
    )
    env = {"np": np}
    exec(compile(src, f"<draws {name}>", "exec"), env)
    return jit(env["draws"])


@pytest.mark.parametrize("name,args", DISTRIBUTIONS, ids=[f"{n}{a}" for n, a in DISTRIBUTIONS])
def test_matches_numpy_legacy(kilnd, name, args):
    f = _compile(name, len(args))
    for seed in (0, 12345):
        x, y, z = f(seed, *args)
        r = np.random.RandomState(seed)
        draw = getattr(r, name if name not in ("random", "sample", "ranf") else "random_sample")
        wx, wy, wz = draw(*args), draw(*args, size=7), draw(*args, size=(2, 3))
        assert x == wx, (x, wx)
        assert np.asarray(x).dtype.kind == np.asarray(wx).dtype.kind
        for got, want in ((y, wy), (z, wz)):
            assert got.shape == want.shape and got.dtype.kind == want.dtype.kind
            np.testing.assert_array_equal(got, want)


def test_rand_randn_shapes(kilnd):
    from kiln import jit

    @jit
    def f(seed):
        np.random.seed(seed)
        return np.random.rand(), np.random.rand(3), np.random.rand(2, 3), np.random.randn(4, 2), np.random.randn()

    got = f(7)
    np.random.seed(7)
    want = (np.random.rand(), np.random.rand(3), np.random.rand(2, 3), np.random.randn(4, 2), np.random.randn())
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


def test_gauss_cache_survives_calls_and_seed_clears_it(kilnd):
    from kiln import jit

    @jit
    def seed(n):
        np.random.seed(n)

    @jit
    def normal():
        return np.random.normal()

    seed(3)
    got = [normal() for _ in range(5)]
    r = np.random.RandomState(3)
    assert got == [r.normal() for _ in range(5)]
    seed(3)  # the cached second value of the pair is dropped
    assert normal() == np.random.RandomState(3).normal()


def test_shuffle_permutation_choice(kilnd):
    from kiln import jit

    @jit
    def f(seed, n):
        np.random.seed(seed)
        a = np.arange(n) * 1.5
        np.random.shuffle(a)
        p = np.random.permutation(n)
        q = np.random.permutation(np.arange(n, 2 * n))
        c1 = np.random.choice(n)
        c2 = np.random.choice(np.arange(10, 20), 6)
        c3 = np.random.choice(np.arange(10, 20), 4, False)
        c4 = np.random.choice(7, (2, 2))
        return a, p, q, c1, c2, c3, c4

    for seed in (1, 99):
        got = f(seed, 9)
        r = np.random.RandomState(seed)
        a = np.arange(9) * 1.5
        r.shuffle(a)
        want = (a, r.permutation(9), r.permutation(np.arange(9, 18)), r.choice(9), r.choice(np.arange(10, 20), 6),
                r.choice(np.arange(10, 20), 4, False), r.choice(7, (2, 2)))
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_streams_are_separate_from_numpy(kilnd):
    from kiln import jit

    @jit
    def draw():
        return np.random.random()

    @jit
    def seed(n):
        np.random.seed(n)

    seed(5)
    np.random.seed(5)
    first = np.random.random()  # NumPy's own state moves; the compiled one does not
    assert draw() == first
    np.random.seed(11)
    assert draw() == np.random.RandomState(5).random_sample(2)[1]


def test_bad_arguments_raise(kilnd):
    from kiln import jit

    @jit
    def f(scale):
        return np.random.normal(0.0, scale)

    with pytest.raises(ValueError, match="scale < 0"):
        f(-1.0)

    @jit
    def g(n):
        np.random.seed(n)

    with pytest.raises(ValueError, match="Seed must be between"):
        g(-1)

    @jit
    def h(lo, hi):
        return np.random.randint(lo, hi)

    with pytest.raises(ValueError, match="low >= high"):
        h(5, 5)


def _cpython_following(seed):
    """A random.Random in the state the compiled random.seed(seed) makes:
    NumPy's seeding (as in Numba), CPython's generator from there on."""
    key = np.random.RandomState(seed).get_state()[1]
    r = random.Random()
    r.setstate((3, tuple(int(x) for x in key) + (624,), None))
    return r


# (name, arguments): CPython's algorithm over the same stream.
PY_FUNCTIONS = [
    ("random", ()),
    ("uniform", (1.5, -2.5)),
    ("randint", (-3, 1000)),
    ("randint", (0, 2**40)),
    ("randrange", (17,)),
    ("randrange", (5, 500000000)),
    ("randrange", (-2, 2**62, 6)),
    ("randrange", (2**40, 2, -3)),
    ("expovariate", (1.5,)),
    ("triangular", (1.5, 3.5, 2.2)),
    ("triangular", (1.5, 3.5)),
    ("gammavariate", (0.5, 2.0)),
    ("gammavariate", (1.0, 2.0)),
    ("gammavariate", (3.5, 2.0)),
    ("betavariate", (0.5, 3.0)),
    ("paretovariate", (2.5,)),
    ("weibullvariate", (1.5, 2.0)),
    ("vonmisesvariate", (0.5, 3.0)),
]


@pytest.mark.parametrize("name,args", PY_FUNCTIONS, ids=[f"{n}{a}" for n, a in PY_FUNCTIONS])
def test_random_module_matches_cpython(kilnd, name, args):
    from kiln import jit

    params = ", ".join(f"a{k}" for k in range(len(args)))
    src = (f"def draws(seed{', ' if args else ''}{params}):\n"
           f"    random.seed(seed)\n"
           f"    return random.{name}({params}), random.{name}({params}), random.{name}({params})\n")
    env = {"random": random}
    exec(compile(src, f"<py {name}>", "exec"), env)
    f = jit(env["draws"])
    for seed in (0, 2**32 - 1, 77):
        r = _cpython_following(seed)
        want = tuple(getattr(r, name)(*args) for _ in range(3))
        assert f(seed, *args) == want


def test_random_getrandbits_shuffle_gauss(kilnd):
    from kiln import jit

    @jit
    def bits(seed, k):
        random.seed(seed)
        return random.getrandbits(k), random.getrandbits(k)

    for k in (1, 7, 32, 33, 63, 64):
        r = _cpython_following(4)
        got = bits(4, k)
        assert [int(x) for x in got] == [r.getrandbits(k), r.getrandbits(k)]
    with pytest.raises(OverflowError):
        bits(4, 65)

    @jit
    def shuffled(seed, n):
        random.seed(seed)
        a = np.arange(n)
        random.shuffle(a)
        return a

    r = _cpython_following(8)
    want = list(range(20))
    r.shuffle(want)
    assert shuffled(8, 20).tolist() == want

    @jit
    def gauss(seed):
        random.seed(seed)
        return random.gauss(1.0, 2.0), random.normalvariate(0.0, 1.0), random.lognormvariate(0.5, 0.5)

    rs = np.random.RandomState(9)  # Numba's gauss: NumPy's polar method
    assert gauss(9) == (rs.normal(1.0, 2.0), rs.normal(0.0, 1.0), rs.lognormal(0.5, 0.5))


def test_random_and_numpy_streams_are_independent(kilnd):
    from kiln import jit

    @jit
    def both(a, b, n):
        random.seed(a)
        np.random.seed(b)
        out = np.empty((n, 2))
        for i in range(n):
            out[i, 0] = random.random()
            out[i, 1] = np.random.random()
        return out

    got = both(1, 2, 10)
    np.testing.assert_array_equal(got[:, 0], np.random.RandomState(1).random_sample(10))
    np.testing.assert_array_equal(got[:, 1], np.random.RandomState(2).random_sample(10))


def test_multinomial_dirichlet(kilnd):
    from kiln import jit

    @jit
    def f(seed, n, pvals, alpha):
        np.random.seed(seed)
        return (np.random.multinomial(n, pvals), np.random.multinomial(n, pvals, 4),
                np.random.multinomial(n, pvals, (2, 3)), np.random.dirichlet(alpha),
                np.random.dirichlet(alpha, (2, 2)))

    pvals = np.array([1, 1, 1, 2, 3, 1], dtype=np.float64)
    pvals /= pvals.sum()
    alpha = np.array([1.0, 0.5, 3.0])
    for seed in (0, 5):
        got = f(seed, 1000, pvals, alpha)
        r = np.random.RandomState(seed)
        want = (r.multinomial(1000, pvals), r.multinomial(1000, pvals, 4), r.multinomial(1000, pvals, (2, 3)),
                r.dirichlet(alpha), r.dirichlet(alpha, (2, 2)))
        for g, w in zip(got, want):
            assert g.shape == w.shape
            np.testing.assert_array_equal(g, w)


def test_size_none_passed_in_and_bad_sizes(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def f(df, nonc, size):
        return np.random.noncentral_chisquare(df, nonc, size=size)

    assert isinstance(f(2.0, 1.0, None), float)
    assert f(2.0, 1.0, (3, 2)).shape == (3, 2)
    with pytest.raises(TypingError, match=r"np.random.noncentral_chisquare\(\): size should be int or tuple of ints or None, got"):
        f(2.0, 1.0, 1.5)


def test_shuffle_and_permutation_of_rows(kilnd):
    from kiln import jit

    @jit
    def f(seed, a):
        np.random.seed(seed)
        np.random.shuffle(a)
        return np.random.permutation(a)

    a = np.arange(32.0).reshape(8, 4)
    got = a.copy()
    p = f(3, got)
    r = np.random.RandomState(3)
    want = a.copy()
    r.shuffle(want)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(p, r.permutation(want))


def test_array_parameters_are_refused(kilnd):
    from kiln import jit
    from kiln.errors import TypingError

    @jit
    def f(lo):
        return np.random.uniform(lo, 2.0)

    with pytest.raises(TypingError):
        f(np.zeros(3))  # NumPy would draw one number per element

    @jit
    def g(loc):
        return np.random.normal(loc, 1.0, 3)

    with pytest.raises(TypingError):
        g(np.zeros(3))


def test_imported_forms(kilnd):
    from kiln import jit

    @jit
    def f(s):
        seed(s)
        a = normal(1.0, 2.0)
        npr.seed(s)
        b = npr.random(2)
        return a, b

    a, b = f(6)
    r = np.random.RandomState(6)
    assert a == r.normal(1.0, 2.0)
    np.testing.assert_array_equal(b, np.random.RandomState(6).random_sample(2))

    @jit
    def g(s):
        random.seed(s)
        return random.random()

    assert g(6) == np.random.RandomState(6).random_sample()


def test_each_thread_has_its_own_stream(kilnd):
    import threading

    from kiln import jit

    @jit
    def seeded_draws(s, n):
        np.random.seed(s)
        return np.random.random(n)

    @jit
    def draws(n):
        return np.random.random(n)

    seeded_draws(1, 1)
    results = {}

    def worker(k):
        results[k] = seeded_draws(100 + k, 50)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        np.testing.assert_array_equal(results[k], np.random.RandomState(100 + k).random_sample(50))
    # The main thread's stream was not moved by the workers' seeds.
    np.testing.assert_array_equal(draws(3), np.random.RandomState(1).random_sample(4)[1:])


def test_random_shuffle_of_rows_and_lists(kilnd):
    # random.shuffle shuffles along the first axis, as Numba's: rows of a
    # 2-D array move whole (swapped by copying), in the order the same
    # draws give a 1-D array; a list is shuffled as Python's list.
    from kiln import jit

    @jit
    def shuffled(a, s):
        random.seed(s)
        return random.shuffle(a)  # returns None, as Python's

    rows = np.arange(32).reshape((8, 4))
    assert shuffled(rows, 5) is None
    index = np.arange(8)
    shuffled(index, 5)
    np.testing.assert_array_equal(rows, np.arange(32).reshape((8, 4))[index])
    assert sorted(index) == list(range(8)) and list(index) != list(range(8))

    @jit
    def shuffled_list(s):
        items = [1, 2, 3, 4, 5, 6]
        random.seed(s)
        random.shuffle(items)
        return items

    numbers = np.arange(1, 7)
    shuffled(numbers, 9)
    assert shuffled_list(9) == list(numbers)
