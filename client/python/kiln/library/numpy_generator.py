"""npgen: the methods of a ``numpy.random.Generator`` passed to compiled code
(``rng = np.random.default_rng(seed); f(rng)``), in the supported Python
subset (see kiln/library/__init__.py).

Every draw comes from the Generator's own bit generator (PCG64, MT19937,
Philox, SFC64, ...) through the function pointers of its ``bitgen_t``, in
place (the primitives ``kiln.npgen.next_uint64/next_uint32/next_double``,
compiler/lowering/lower_npgen.cpp), so the Python object sees the advanced
state afterwards, as with Numba. Each method follows the algorithm NumPy's
Generator uses (numpy/random/src/distributions/distributions.c and
_bounded_integers), so the numbers are NumPy's, bit for bit, for the same
seed: the 256-layer ziggurats of standard_normal and standard_exponential
(tables in ziggurat_tables.py), Lemire's bounded integers, the gamma,
beta and Poisson samplers over them.

``size=None`` gives a scalar and an int or a tuple an array of that shape:
the `size is None` test is decided when the method is compiled for its
argument types (typing/prune_none_branches.h). ``dtype=`` is a NumPy scalar
class or dtype object; a dtype a method does not support is refused at
compile time in NumPy's words.
"""

import math

import numpy as np

from kiln.library import implements, primitive
from kiln.library.numpy_random import (_binomial_btpe_from, _binomial_inversion_from, _flat, _loggam, _poisson_from,
                                       _standard_gamma_from)
from kiln.library.ziggurat_tables import (FE_DOUBLE, FE_FLOAT, FI_DOUBLE, FI_FLOAT, KE_DOUBLE, KE_FLOAT, KI_DOUBLE,
                                         KI_FLOAT, WE_DOUBLE, WE_FLOAT, WI_DOUBLE, WI_FLOAT)

_next_uint64 = primitive("kiln.npgen.next_uint64")
_next_uint32 = primitive("kiln.npgen.next_uint32")
_next_double = primitive("kiln.npgen.next_double")
_error = primitive("kiln.static.error")
_array_or_none = primitive("kiln.rng.array_or_none")
_shape = primitive("kiln.rng.shape")

_KI = np.array(KI_DOUBLE, dtype=np.int64)  # every entry < 2**53
_WI = np.array(WI_DOUBLE)
_FI = np.array(FI_DOUBLE)
_KE = np.array(KE_DOUBLE, dtype=np.int64)
_WE = np.array(WE_DOUBLE)
_FE = np.array(FE_DOUBLE)
_KIF = np.array(KI_FLOAT, dtype=np.int64)  # the float32 ziggurats' tables
_WIF = np.array(WI_FLOAT, dtype=np.float32)
_FIF = np.array(FI_FLOAT, dtype=np.float32)
_KEF = np.array(KE_FLOAT, dtype=np.int64)
_WEF = np.array(WE_FLOAT, dtype=np.float32)
_FEF = np.array(FE_FLOAT, dtype=np.float32)
_ZIGGURAT_NOR_R_F = np.float32(3.6541528853610087963519472518)
_ZIGGURAT_NOR_INV_R_F = np.float32(0.27366123732975827203338247596)
_ZIGGURAT_EXP_R_F = np.float32(7.6971174701310497140446280481)
_ZIGGURAT_NOR_R = 3.6541528853610087963519472518
_ZIGGURAT_NOR_INV_R = 0.27366123732975827203338247596
_ZIGGURAT_EXP_R = 7.6971174701310497140446280481

_MASK52 = 0x000FFFFFFFFFFFFF
_MASK53 = 0x001FFFFFFFFFFFFF
_U0 = np.uint64(0)
_U1 = np.uint64(1)
_U8 = np.uint64(8)
_U16 = np.uint64(16)
_U32 = np.uint64(32)
_M8 = np.uint64(0xFF)
_M16 = np.uint64(0xFFFF)
_M32 = np.uint64(0xFFFFFFFF)
_UMAX = np.uint64(0xFFFFFFFFFFFFFFFF)


# -- the generator's building blocks ---------------------------------------


def _bits64(g):
    # The next 64 random bits as an int64 (the uint64's bit pattern).
    return np.int64(_next_uint64(g))


def _next_float(g):
    # NumPy's next_float: the top 24 of 32 random bits, scaled to [0, 1).
    return np.float32(np.int64(_next_uint32(g)) >> 8) * np.float32(1.0 / 16777216.0)


def _standard_normal(g):
    # NumPy's random_standard_normal: the 256-layer ziggurat.
    while True:
        r = _bits64(g)
        idx = r & 0xFF
        sign = (r >> 8) & 1
        rabs = (r >> 9) & _MASK52
        x = rabs * _WI[idx]
        if sign == 1:
            x = -x
        if rabs < _KI[idx]:
            return x
        if idx == 0:
            while True:
                xx = -_ZIGGURAT_NOR_INV_R * math.log1p(-_next_double(g))
                yy = -math.log1p(-_next_double(g))
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 1 == 1:
                        return -(_ZIGGURAT_NOR_R + xx)
                    return _ZIGGURAT_NOR_R + xx
        else:
            if (_FI[idx - 1] - _FI[idx]) * _next_double(g) + _FI[idx] < math.exp(-0.5 * x * x):
                return x


def _standard_exponential(g):
    # NumPy's random_standard_exponential: the 256-layer ziggurat (a
    # rejected draw starts over, as NumPy's tail call does).
    while True:
        r = _bits64(g)
        idx = (r >> 3) & 0xFF
        ri = (r >> 11) & _MASK53
        x = ri * _WE[idx]
        if ri < _KE[idx]:
            return x
        if idx == 0:
            return _ZIGGURAT_EXP_R - math.log1p(-_next_double(g))
        if (_FE[idx - 1] - _FE[idx]) * _next_double(g) + _FE[idx] < math.exp(-x):
            return x


def _standard_normal_f(g):
    # NumPy's random_standard_normal_f: the float32 ziggurat over 32-bit
    # draws (the layer test in double precision, as C promotes it).
    while True:
        r = np.int64(_next_uint32(g))
        idx = r & 0xFF
        sign = (r >> 8) & 1
        rabs = (r >> 9) & 0x7FFFFF
        x = np.float32(rabs) * _WIF[idx]
        if sign == 1:
            x = -x
        if rabs < _KIF[idx]:
            return x
        if idx == 0:
            while True:
                xx = -_ZIGGURAT_NOR_INV_R_F * np.log1p(-_next_float(g))
                yy = -np.log1p(-_next_float(g))
                if yy + yy > xx * xx:
                    if (rabs >> 8) & 1 == 1:
                        return -(_ZIGGURAT_NOR_R_F + xx)
                    return _ZIGGURAT_NOR_R_F + xx
        else:
            if (_FIF[idx - 1] - _FIF[idx]) * _next_float(g) + _FIF[idx] < math.exp(-0.5 * np.float64(x) * np.float64(x)):
                return x


def _standard_exponential_f(g):
    # NumPy's random_standard_exponential_f: the float32 ziggurat.
    while True:
        ri = np.int64(_next_uint32(g)) >> 1
        idx = ri & 0xFF
        ri = ri >> 8
        x = np.float32(ri) * _WEF[idx]
        if ri < _KEF[idx]:
            return x
        if idx == 0:
            return _ZIGGURAT_EXP_R_F - np.log1p(-_next_float(g))
        if (_FEF[idx - 1] - _FEF[idx]) * _next_float(g) + _FEF[idx] < math.exp(-np.float64(x)):
            return x


def _standard_gamma(g, shape):
    return _standard_gamma_from(shape, _generator_double, _standard_exponential, _standard_normal, g)


def _beta(g, a, b):
    # NumPy's random_beta: Johnk's algorithm when both are <= 1, else a
    # ratio of gammas.
    if a <= 1.0 and b <= 1.0:
        while True:
            u = _next_double(g)
            v = _next_double(g)
            x = math.pow(u, 1.0 / a)
            y = math.pow(v, 1.0 / b)
            xpy = x + y
            if xpy <= 1.0 and u + v > 0.0:
                if xpy > 0.0:
                    return x / xpy
                logx = math.log(u) / a
                logy = math.log(v) / b
                logm = logx if logx > logy else logy
                logx -= logm
                logy -= logm
                return math.exp(logx - math.log(math.exp(logx) + math.exp(logy)))
    ga = _standard_gamma(g, a)
    gb = _standard_gamma(g, b)
    return ga / (ga + gb)


def _poisson(g, lam):
    return _poisson_from(lam, _generator_double, g)


def _generator_double(g):
    return _next_double(g)


def _binomial(g, n, p):
    # NumPy's random_binomial: inversion while the mean is at most 30,
    # else BTPE, of the smaller of p and 1 - p (the algorithms are the
    # legacy generator's, numpy_random.py, over this Generator's doubles).
    if n == 0 or p == 0.0:
        return 0
    if p <= 0.5:
        if p * n <= 30.0:
            return _binomial_inversion_from(n, p, _generator_double, g)
        return _binomial_btpe_from(n, p, _generator_double, g)
    q = 1.0 - p
    if q * n <= 30.0:
        return n - _binomial_inversion_from(n, q, _generator_double, g)
    return n - _binomial_btpe_from(n, q, _generator_double, g)


def _mulhi(x, y):
    # The high 64 bits of the 128-bit product of two uint64s.
    x0 = x & _M32
    x1 = x >> _U32
    y0 = y & _M32
    y1 = y >> _U32
    w0 = x0 * y0
    t = x1 * y0 + (w0 >> _U32)
    w1 = (t & _M32) + x0 * y1
    return x1 * y1 + (t >> _U32) + (w1 >> _U32)


def _lemire64(g, rng):
    # NumPy's bounded_lemire_uint64: a uniform uint64 in [0, rng].
    rng_excl = rng + _U1
    x = _next_uint64(g)
    leftover = x * rng_excl
    if leftover < rng_excl:
        threshold = (_UMAX - rng) % rng_excl
        while leftover < threshold:
            x = _next_uint64(g)
            leftover = x * rng_excl
    return _mulhi(x, rng_excl)


def _lemire32(g, rng):
    # NumPy's buffered_bounded_lemire_uint32: a uniform value in [0, rng]
    # (rng < 2**32 - 1), as a uint64.
    rng_excl = rng + _U1
    m = np.uint64(_next_uint32(g)) * rng_excl
    leftover = m & _M32
    if leftover < rng_excl:
        threshold = (_M32 - rng) % rng_excl
        while leftover < threshold:
            m = np.uint64(_next_uint32(g)) * rng_excl
            leftover = m & _M32
    return m >> _U32


def _bounded64(g, rng):
    # NumPy's random_bounded_uint64_fill for one value: uniform in [0, rng].
    if rng == _U0:
        return _U0
    if rng <= _M32:
        if rng == _M32:
            return np.uint64(_next_uint32(g))
        return _lemire32(g, rng)
    if rng == _UMAX:
        return _next_uint64(g)
    return _lemire64(g, rng)


def _bounded32(g, rng):
    # random_bounded_uint32_fill for one value (rng < 2**32).
    if rng == _U0:
        return _U0
    if rng == _M32:
        return np.uint64(_next_uint32(g))
    return _lemire32(g, rng)


def _buffered_small(g, bits, state):
    # NumPy's buffered_uint16 / buffered_uint8: 32 random bits handed out
    # `bits` at a time, low bits first; state is [buffer, count left].
    if state[1] == 0:
        state[0] = np.int64(_next_uint32(g))
        state[1] = 32 // bits - 1
    else:
        state[0] = state[0] >> bits
        state[1] -= 1
    return state[0] & ((1 << bits) - 1)


def _bounded_small(g, rng, bits, state):
    # buffered_bounded_lemire_uint16 / _uint8: uniform in [0, rng] for a
    # 16- or 8-bit dtype, drawing from the shared buffer.
    top = (1 << bits) - 1
    if rng == 0:
        return 0
    if rng == top:
        return _buffered_small(g, bits, state)
    rng_excl = rng + 1
    m = _buffered_small(g, bits, state) * rng_excl
    leftover = m & top
    if leftover < rng_excl:
        threshold = (top - rng) % rng_excl
        while leftover < threshold:
            m = _buffered_small(g, bits, state) * rng_excl
            leftover = m & top
    return m >> bits


def _bounded_bool(g, rng, state):
    # buffered_bounded_bool: one bit of the buffer at a time.
    if rng == 0:
        return 0
    if state[1] == 0:
        state[0] = np.int64(_next_uint32(g))
        state[1] = 31
    else:
        state[0] = state[0] >> 1
        state[1] -= 1
    return state[0] & 1


# -- numpy.random.Generator ---------------------------------------------------


@implements("Generator.random")
def _random(self, size=None, dtype=None):
    if dtype is None:
        x = np.float64(0)
    else:
        x = dtype(0)
    if not isinstance(x, (np.float32, np.float64)):
        _error("Unsupported dtype for Generator.random: only float32 and float64 are supported", x)
    if size is None:
        if isinstance(x, np.float32):
            return _next_float(self)
        return _next_double(self)
    if isinstance(x, np.float32):
        out = np.empty(size, np.float32)
        flat = _flat(out)
        for i in range(flat.size):
            flat[i] = _next_float(self)
        return out
    out = np.empty(size, np.float64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _next_double(self)
    return out


@implements("Generator.standard_normal")
def _standard_normal_method(self, size=None, dtype=None):
    if dtype is None:
        x = np.float64(0)
    else:
        x = dtype(0)
    if not isinstance(x, (np.float32, np.float64)):
        _error("Unsupported dtype for Generator.standard_normal: only float32 and float64 are supported", x)
    if size is None:
        if isinstance(x, np.float32):
            return _standard_normal_f(self)
        return _standard_normal(self)
    if isinstance(x, np.float32):
        out = np.empty(size, np.float32)
        flat = _flat(out)
        for i in range(flat.size):
            flat[i] = _standard_normal_f(self)
        return out
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _standard_normal(self)
    return out


@implements("Generator.normal")
def _normal(self, loc=0.0, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return loc + scale * _standard_normal(self)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = loc + scale * _standard_normal(self)
    return out


@implements("Generator.standard_exponential")
def _standard_exponential_method(self, size=None, dtype=None, method="zig"):
    if dtype is None:
        x = np.float64(0)
    else:
        x = dtype(0)
    if not isinstance(x, (np.float32, np.float64)):
        _error("Unsupported dtype for Generator.standard_exponential: only float32 and float64 are supported", x)
    if method != "zig":
        if method != "inv":
            raise ValueError("method must be either 'inv' or 'zig'")
    if size is None:
        return _exponential_draw(self, x, method == "inv")
    if isinstance(x, np.float32):
        out = np.empty(size, np.float32)
    else:
        out = np.empty(size, np.float64)
    flat = _flat(out)
    inv = method == "inv"
    for i in range(flat.size):
        flat[i] = _exponential_draw(self, x, inv)
    return out


def _exponential_draw(g, x, inv):
    # x: a zero of the dtype (float32 or float64).
    if isinstance(x, np.float32):
        if inv:  # NumPy's random_standard_exponential_inv_f: -log(1.0 - U) in double, as a float32
            return np.float32(-math.log(1.0 - np.float64(_next_float(g))))
        return _standard_exponential_f(g)
    if inv:
        return -math.log1p(-_next_double(g))
    return _standard_exponential(g)


@implements("Generator.exponential")
def _exponential(self, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return scale * _standard_exponential(self)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = scale * _standard_exponential(self)
    return out


@implements("Generator.uniform")
def _uniform(self, low=0.0, high=1.0, size=None):
    span = high - low
    if not math.isfinite(span):
        raise OverflowError("high - low range exceeds valid bounds")
    if size is None:
        return low + span * _next_double(self)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = low + span * _next_double(self)
    return out


@implements("Generator.standard_gamma")
def _standard_gamma_method(self, shape, size=None):
    if shape < 0.0:
        raise ValueError("shape < 0")
    if size is None:
        return _standard_gamma(self, shape)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _standard_gamma(self, shape)
    return out


@implements("Generator.gamma")
def _gamma(self, shape, scale=1.0, size=None):
    if shape < 0.0:
        raise ValueError("shape < 0")
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return scale * _standard_gamma(self, shape)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = scale * _standard_gamma(self, shape)
    return out


@implements("Generator.beta")
def _beta_method(self, a, b, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    if b <= 0.0:
        raise ValueError("b <= 0")
    if size is None:
        return _beta(self, a, b)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _beta(self, a, b)
    return out


@implements("Generator.poisson")
def _poisson_method(self, lam=1.0, size=None):
    if lam < 0.0:
        raise ValueError("lam < 0")
    if lam > 9.223372006484771e18:
        raise ValueError("lam value too large")
    if size is None:
        return _poisson(self, lam)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _poisson(self, lam)
    return out


@implements("Generator.binomial")
def _binomial_method(self, n, p, size=None):
    if n < 0:
        raise ValueError("n < 0")
    if p < 0.0:
        raise ValueError("p < 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if p != p:
        raise ValueError("p is nan")
    if size is None:
        return _binomial(self, n, p)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _binomial(self, n, p)
    return out


# The continuous distributions NumPy's Generator writes over the draws
# above (distributions.c), one number each; kind names the distribution.
_LOGNORMAL, _LAPLACE, _LOGISTIC, _GUMBEL, _PARETO, _POWER, _RAYLEIGH, _WEIBULL = 0, 1, 2, 3, 4, 5, 6, 7
_CAUCHY, _CHISQUARE, _F, _T = 8, 9, 10, 11


def _continuous(g, kind, a, b):
    if kind == _LOGNORMAL:
        return math.exp(a + b * _standard_normal(g))
    if kind == _LAPLACE:
        while True:
            u = _next_double(g)
            if u >= 0.5:
                return a - b * math.log(2.0 - u - u)
            if u > 0.0:
                return a + b * math.log(u + u)
    if kind == _LOGISTIC:
        while True:
            u = _next_double(g)
            if u > 0.0:
                return a + b * math.log(u / (1.0 - u))
    if kind == _GUMBEL:
        while True:
            u = 1.0 - _next_double(g)
            if u < 1.0:
                return a - b * math.log(-math.log(u))
    if kind == _PARETO:
        return math.expm1(_standard_exponential(g) / a)
    if kind == _POWER:
        return math.pow(-math.expm1(-_standard_exponential(g)), 1.0 / a)
    if kind == _RAYLEIGH:
        return a * math.sqrt(2.0 * _standard_exponential(g))
    if kind == _WEIBULL:
        if a == 0.0:
            return 0.0
        return math.pow(_standard_exponential(g), 1.0 / a)
    if kind == _CAUCHY:
        return _standard_normal(g) / _standard_normal(g)
    if kind == _CHISQUARE:
        return 2.0 * _standard_gamma(g, a / 2.0)
    if kind == _F:
        return (2.0 * _standard_gamma(g, a / 2.0) * b) / (2.0 * _standard_gamma(g, b / 2.0) * a)
    num = _standard_normal(g)  # _T
    denom = _standard_gamma(g, a / 2.0)
    return math.sqrt(a / 2.0) * num / math.sqrt(denom)


def _continuous_fill(g, kind, a, b, size):
    if size is None:
        return _continuous(g, kind, a, b)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _continuous(g, kind, a, b)
    return out


@implements("Generator.lognormal")
def _lognormal(self, mean=0.0, sigma=1.0, size=None):
    if sigma < 0.0:
        raise ValueError("sigma < 0")
    return _continuous_fill(self, _LOGNORMAL, mean * 1.0, sigma * 1.0, size)


@implements("Generator.laplace")
def _laplace(self, loc=0.0, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    return _continuous_fill(self, _LAPLACE, loc * 1.0, scale * 1.0, size)


@implements("Generator.logistic")
def _logistic(self, loc=0.0, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    return _continuous_fill(self, _LOGISTIC, loc * 1.0, scale * 1.0, size)


@implements("Generator.gumbel")
def _gumbel(self, loc=0.0, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    return _continuous_fill(self, _GUMBEL, loc * 1.0, scale * 1.0, size)


@implements("Generator.pareto")
def _pareto(self, a, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    return _continuous_fill(self, _PARETO, a * 1.0, 0.0, size)


@implements("Generator.power")
def _power(self, a, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    return _continuous_fill(self, _POWER, a * 1.0, 0.0, size)


@implements("Generator.rayleigh")
def _rayleigh(self, scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    return _continuous_fill(self, _RAYLEIGH, scale * 1.0, 0.0, size)


@implements("Generator.weibull")
def _weibull(self, a, size=None):
    if a < 0.0:
        raise ValueError("a < 0")
    return _continuous_fill(self, _WEIBULL, a * 1.0, 0.0, size)


@implements("Generator.standard_cauchy")
def _standard_cauchy(self, size=None):
    return _continuous_fill(self, _CAUCHY, 0.0, 0.0, size)


@implements("Generator.chisquare")
def _chisquare(self, df, size=None):
    if df <= 0.0:
        raise ValueError("df <= 0")
    return _continuous_fill(self, _CHISQUARE, df * 1.0, 0.0, size)


@implements("Generator.f")
def _f(self, dfnum, dfden, size=None):
    if dfnum <= 0.0:
        raise ValueError("dfnum <= 0")
    if dfden <= 0.0:
        raise ValueError("dfden <= 0")
    return _continuous_fill(self, _F, dfnum * 1.0, dfden * 1.0, size)


@implements("Generator.standard_t")
def _standard_t(self, df, size=None):
    if df <= 0.0:
        raise ValueError("df <= 0")
    return _continuous_fill(self, _T, df * 1.0, 0.0, size)


def _geometric(g, p):
    # NumPy's random_geometric: a search from p >= 1/3, else inversion of
    # an exponential draw.
    if p >= 0.333333333333333333333333:
        x = 1
        total = p
        prod = p
        q = 1.0 - p
        u = _next_double(g)
        while u > total:
            prod *= q
            total += prod
            x += 1
        return x
    z = math.ceil(-_standard_exponential(g) / math.log1p(-p))
    if z >= 9.223372036854776e18:
        return 9223372036854775807
    return int(z)


@implements("Generator.geometric")
def _geometric_method(self, p, size=None):
    if p <= 0.0:
        raise ValueError("p <= 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if size is None:
        return _geometric(self, p)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _geometric(self, p)
    return out


@implements("Generator.negative_binomial")
def _negative_binomial(self, n, p, size=None):
    # NumPy's random_negative_binomial: a Poisson of a gamma draw.
    if n <= 0:
        raise ValueError("n <= 0")
    if p <= 0.0:
        raise ValueError("p <= 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if size is None:
        return _poisson(self, _standard_gamma(self, n * 1.0) * ((1.0 - p) / p))
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _poisson(self, _standard_gamma(self, n * 1.0) * ((1.0 - p) / p))
    return out


@implements("Generator.integers")
def _integers(self, low, high=None, size=None, dtype=None, endpoint=False):
    # NumPy's Generator.integers (_bounded_integers' _rand_<dtype>): the
    # closed range [low, high] (high - 1 unless endpoint) drawn as
    # low + a uniform value in [0, high - low], by Lemire's method, 16- and
    # 8-bit dtypes from a shared 32-bit buffer.
    if dtype is None:
        x = np.int64(0)
    else:
        x = dtype(0)
    if not isinstance(x, (np.int64, np.int32, np.int16, np.int8, np.uint64, np.uint32, np.uint16, np.uint8, np.bool_)):
        _error("Unsupported dtype for Generator.integers", x)
    if high is None:
        lo = 0
        hi = low
    else:
        lo = low
        hi = high
    if not endpoint:
        if lo >= hi:
            if high is None:
                raise ValueError("high <= 0")
            raise ValueError("low >= high")
        hi = hi - 1
    elif lo > hi:
        raise ValueError("low > high")
    if isinstance(x, np.bool_):
        if lo < 0:
            raise ValueError("low is out of bounds for bool")
        if hi > 1:
            raise ValueError("high is out of bounds for bool")
    elif isinstance(x, np.int8):
        if lo < -128:
            raise ValueError("low is out of bounds for int8")
        if hi > 127:
            raise ValueError("high is out of bounds for int8")
    elif isinstance(x, np.uint8):
        if lo < 0:
            raise ValueError("low is out of bounds for uint8")
        if hi > 255:
            raise ValueError("high is out of bounds for uint8")
    elif isinstance(x, np.int16):
        if lo < -32768:
            raise ValueError("low is out of bounds for int16")
        if hi > 32767:
            raise ValueError("high is out of bounds for int16")
    elif isinstance(x, np.uint16):
        if lo < 0:
            raise ValueError("low is out of bounds for uint16")
        if hi > 65535:
            raise ValueError("high is out of bounds for uint16")
    elif isinstance(x, np.int32):
        if lo < -2147483648:
            raise ValueError("low is out of bounds for int32")
        if hi > 2147483647:
            raise ValueError("high is out of bounds for int32")
    elif isinstance(x, np.uint32):
        if lo < 0:
            raise ValueError("low is out of bounds for uint32")
        if hi > 4294967295:
            raise ValueError("high is out of bounds for uint32")
    elif isinstance(x, np.uint64):
        if lo < 0:
            raise ValueError("low is out of bounds for uint64")
    lo64 = np.int64(lo)
    span = np.int64(hi) - lo64  # the unsigned span's bits (wraps past 2**63)
    rng = np.uint64(span)
    if size is None:
        if isinstance(x, (np.int64, np.uint64)):
            v = lo64 + np.int64(_bounded64(self, rng))
            if dtype is None:
                return v
            return dtype(v)
        if isinstance(x, (np.int32, np.uint32)):
            return dtype(lo64 + np.int64(_bounded32(self, rng)))
        state = [np.int64(0), np.int64(0)]
        if isinstance(x, np.bool_):
            return _bounded_bool(self, span, state) + lo64 != 0
        if isinstance(x, (np.int16, np.uint16)):
            return dtype(lo64 + _bounded_small(self, span, 16, state))
        return dtype(lo64 + _bounded_small(self, span, 8, state))
    if dtype is None:
        out = np.empty(size, np.int64)
    else:
        out = np.empty(size, dtype)
    flat = _flat(out)
    if isinstance(x, (np.int64, np.uint64)):
        for i in range(flat.size):
            flat[i] = lo64 + np.int64(_bounded64(self, rng))
    elif isinstance(x, (np.int32, np.uint32)):
        for i in range(flat.size):
            flat[i] = lo64 + np.int64(_bounded32(self, rng))
    else:
        state = [np.int64(0), np.int64(0)]
        if isinstance(x, np.bool_):
            for i in range(flat.size):
                flat[i] = _bounded_bool(self, span, state) + lo64 != 0
        elif isinstance(x, (np.int16, np.uint16)):
            for i in range(flat.size):
                flat[i] = lo64 + _bounded_small(self, span, 16, state)
        else:
            for i in range(flat.size):
                flat[i] = lo64 + _bounded_small(self, span, 8, state)
    return out


def _interval(g, mx):
    # NumPy's random_interval: a uniform integer in [0, mx] by masked
    # rejection (32-bit draws while mx fits in 32 bits).
    if mx == 0:
        return 0
    mask = mx
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    if mx <= 0xFFFFFFFF:
        v = np.int64(_next_uint32(g)) & mask
        while v > mx:
            v = np.int64(_next_uint32(g)) & mask
        return v
    v = _bits64(g) & mask
    while v > mx:
        v = _bits64(g) & mask
    return v


def _shuffle_rows(g, x, row):
    # Fisher-Yates along the first axis, from the end, as NumPy's
    # _shuffle_raw; row is x[0] when x has more than one dimension (rows
    # are swapped by copying), else None.
    if row is None:
        for i in range(len(x) - 1, 0, -1):
            j = _interval(g, i)
            t = x[i]
            x[i] = x[j]
            x[j] = t
        return
    for i in range(len(x) - 1, 0, -1):
        j = _interval(g, i)
        t = x[i].copy()
        x[i] = x[j]
        x[j] = t


@implements("Generator.shuffle")
def _shuffle(self, x):
    # In place along the first axis (no axis=).
    if len(x) > 1:
        _shuffle_rows(self, x, _array_or_none(x[0]))


@implements("Generator.permutation")
def _permutation(self, x):
    return _permutation_of(self, x, _array_or_none(x))


def _permutation_of(g, x, arr):
    if arr is None:
        out = np.arange(x)
        _shuffle_rows(g, out, None)
        return out
    out = arr.copy()
    if len(out) > 1:
        _shuffle_rows(g, out, _array_or_none(out[0]))
    return out


@implements("Generator.choice")
def _choice(self, a, size=None):
    # With replacement and uniform (no replace=/p=/axis=): NumPy draws the
    # indices as integers(0, n, size).
    return _choice_of(self, a, _array_or_none(a), size)


def _choice_of(g, a, arr, size):
    if arr is None:
        n = a
    else:
        if arr.ndim != 1:
            raise ValueError("a must be 1-dimensional")
        n = arr.size
    if n <= 0:
        raise ValueError("a cannot be empty unless no samples are taken")
    rng = np.uint64(n - 1)
    if size is None:
        k = np.int64(_bounded64(g, rng))
        if arr is None:
            return k
        return arr[k]
    idx = np.empty(_shape(size), np.int64)
    flat = _flat(idx)
    for i in range(flat.size):
        flat[i] = np.int64(_bounded64(g, rng))
    if arr is None:
        return idx
    out = np.empty(_shape(size), arr.dtype)
    oflat = _flat(out)
    for i in range(flat.size):
        oflat[i] = arr[flat[i]]
    return out


# numba.np.random.generator_core's next_uint32 / next_uint64 / next_double of
# a bit generator (Numba's extension API, used by code written for Numba).
@implements("numba.np.random.generator_core.next_uint32")
def _core_next_uint32(bitgen):
    return _next_uint32(bitgen)


@implements("numba.np.random.generator_core.next_uint64")
def _core_next_uint64(bitgen):
    return _next_uint64(bitgen)


@implements("numba.np.random.generator_core.next_double")
def _core_next_double(bitgen):
    return _next_double(bitgen)
