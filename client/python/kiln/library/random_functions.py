"""The ``random`` module in the supported Python subset (see
kiln/library/__init__.py), over the compiled code's own Mersenne Twister
stream for it (runtime/cpu/kiln_random.h, stream 1), as Numba does it:

- the state is separate from CPython's ``random`` state and from the
  ``numpy.random`` stream of compiled code;
- ``random.seed(n)`` seeds as NumPy does (the generator's init_genrand of
  n), not as CPython does (which hashes the int's bytes): Numba's choice,
  kept so that code moving between the two gets the same numbers;
- ``random()`` is CPython's (two 32-bit draws, 53 bits), and the
  distributions are CPython's algorithms over it, except ``gauss`` and
  ``normalvariate``, which are NumPy's polar method with the cached second
  value (as in Numba);
- ``getrandbits(k)`` is CPython's for 0 <= k <= 64, an unsigned 64-bit int.
"""

import math

import numpy as np

from kiln.library import implements, primitive

_array_or_none = primitive("kiln.rng.array_or_none")

_seed = primitive("kiln.rng.seed")
_next_u32 = primitive("kiln.rng.next_u32")
_next_double = primitive("kiln.rng.next_double")
_gauss = primitive("kiln.rng.gauss")

_PY = 1  # the random module's stream (kiln_random.h)
_LOG4 = 1.3862943611198906  # log(4.0)
_SG_MAGICCONST = 2.504077396776274  # 1.0 + log(4.5)
_E = 2.718281828459045
_TWOPI = 6.283185307179586


def _bits(k):
    # CPython's getrandbits for 0 < k <= 64 (32-bit words, low word first).
    if k <= 32:
        return _next_u32(_PY) >> (32 - k)
    low = _next_u32(_PY)
    high = _next_u32(_PY) >> (64 - k)
    return (high << 32) | low


def _bit_length(n):
    k = 0
    while n > 0:
        n >>= 1
        k += 1
    return k


def _randbelow(n):
    # CPython's _randbelow_with_getrandbits: 0 <= result < n, for n > 0.
    k = _bit_length(n)
    r = _bits(k)
    while r >= n:
        r = _bits(k)
    return r


@implements("random.seed")
def seed(a):
    _seed(_PY, a)


@implements("random.random")
def random():
    return _next_double(_PY)


@implements("random.getrandbits")
def getrandbits(k):
    if k < 0 or k > 64:
        raise OverflowError("getrandbits() limited to 64 bits")
    if k == 0:
        return np.uint64(0)
    if k <= 32:
        return np.uint64(_next_u32(_PY) >> (32 - k))
    low = np.uint64(_next_u32(_PY))
    high = np.uint64(_next_u32(_PY) >> (64 - k))
    return (high << np.uint64(32)) | low


@implements("random.randrange")
def randrange(start, stop=None, step=1):
    if stop is None:
        if start > 0:
            return _randbelow(start)
        raise ValueError("empty range for randrange()")
    return _randrange(start, stop, step)


def _randrange(start, stop, step):
    width = stop - start
    if step == 1:
        if width > 0:
            return start + _randbelow(width)
        raise ValueError("empty range for randrange()")
    if step > 0:
        n = (width + step - 1) // step
    elif step < 0:
        n = (width + step + 1) // step
    else:
        raise ValueError("zero step for randrange()")
    if n <= 0:
        raise ValueError("empty range for randrange()")
    return start + step * _randbelow(n)


@implements("random.randint")
def randint(a, b):
    return _randrange(a, b + 1, 1)


@implements("random.uniform")
def uniform(a, b):
    return a + (b - a) * _next_double(_PY)


@implements("random.gauss")
def gauss(mu=0.0, sigma=1.0):
    return mu + sigma * _gauss(_PY)


@implements("random.normalvariate")
def normalvariate(mu=0.0, sigma=1.0):
    return mu + sigma * _gauss(_PY)


@implements("random.lognormvariate")
def lognormvariate(mu, sigma):
    return math.exp(mu + sigma * _gauss(_PY))


@implements("random.expovariate")
def expovariate(lambd):
    return -math.log(1.0 - _next_double(_PY)) / lambd


@implements("random.triangular")
def triangular(low=0.0, high=1.0, mode=None):
    if mode is None:
        return _triangular(low, high, 0.5, False)
    return _triangular(low, high, mode, True)


def _triangular(low, high, mode, given):
    u = _next_double(_PY)
    if high == low:
        return low * 1.0
    c = (mode - low) / (high - low) if given else 0.5
    lo = low * 1.0
    hi = high * 1.0
    if u > c:
        u = 1.0 - u
        c = 1.0 - c
        lo = high * 1.0
        hi = low * 1.0
    return lo + (hi - lo) * math.sqrt(u * c)


def _gammavariate(alpha, beta):
    if alpha <= 0.0 or beta <= 0.0:
        raise ValueError("gammavariate: alpha and beta must be > 0.0")
    if alpha > 1.0:
        # Cheng's algorithm (R. C. H. Cheng, 1977), as CPython.
        ainv = math.sqrt(2.0 * alpha - 1.0)
        bbb = alpha - _LOG4
        ccc = alpha + ainv
        while True:
            u1 = _next_double(_PY)
            if not (1e-7 < u1 and u1 < 0.9999999):
                continue
            u2 = 1.0 - _next_double(_PY)
            v = math.log(u1 / (1.0 - u1)) / ainv
            x = alpha * math.exp(v)
            z = u1 * u1 * u2
            r = bbb + ccc * v - x
            if r + _SG_MAGICCONST - 4.5 * z >= 0.0 or r >= math.log(z):
                return x * beta
    if alpha == 1.0:
        return -math.log(1.0 - _next_double(_PY)) * beta
    # alpha < 1: Ahrens and Dieter's GS algorithm, as CPython.
    x = 0.0
    while True:
        u = _next_double(_PY)
        b = (_E + alpha) / _E
        p = b * u
        if p <= 1.0:
            x = p ** (1.0 / alpha)
        else:
            x = -math.log((b - p) / alpha)
        u1 = _next_double(_PY)
        if p > 1.0:
            if u1 <= x ** (alpha - 1.0):
                break
        elif u1 <= math.exp(-x):
            break
    return x * beta


@implements("random.gammavariate")
def gammavariate(alpha, beta):
    return _gammavariate(alpha, beta)


@implements("random.betavariate")
def betavariate(alpha, beta):
    y = _gammavariate(alpha, 1.0)
    if y != 0.0:
        return y / (y + _gammavariate(beta, 1.0))
    return 0.0


@implements("random.paretovariate")
def paretovariate(alpha):
    u = 1.0 - _next_double(_PY)
    return u ** (-1.0 / alpha)


@implements("random.weibullvariate")
def weibullvariate(alpha, beta):
    u = 1.0 - _next_double(_PY)
    return alpha * (-math.log(u)) ** (1.0 / beta)


@implements("random.vonmisesvariate")
def vonmisesvariate(mu, kappa):
    if kappa <= 1e-6:
        return _TWOPI * _next_double(_PY)
    s = 0.5 / kappa
    r = s + math.sqrt(1.0 + s * s)
    z = 0.0
    while True:
        u1 = _next_double(_PY)
        z = math.cos(math.pi * u1)
        d = z / (r + z)
        u2 = _next_double(_PY)
        if u2 < 1.0 - d * d or u2 <= (1.0 - d) * math.exp(d):
            break
    q = 1.0 / r
    f = (q + z) / (1.0 + q * z)
    u3 = _next_double(_PY)
    if u3 > 0.5:
        return (mu + math.acos(f)) % _TWOPI
    return (mu - math.acos(f)) % _TWOPI


@implements("random.shuffle")
def shuffle(x):
    # Along the first axis, as Numba's: rows of an array of more than one
    # dimension are swapped by copying (Python's swap of two views would
    # duplicate one), with the draws of Python's shuffle.
    if len(x) > 1:
        _shuffle_rows(x, _array_or_none(x[0]))


def _shuffle_rows(x, row):
    # row: x[0] when it is an array, else None (the branch is decided when
    # compiling).
    for i in range(len(x) - 1, 0, -1):
        j = _randbelow(i + 1)
        if row is None:
            t = x[i]
        else:
            t = x[i].copy()
        x[i] = x[j]
        x[j] = t
