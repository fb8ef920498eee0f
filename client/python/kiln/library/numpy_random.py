"""``numpy.random`` in the supported Python subset (see kiln/library/__init__.py):
NumPy's legacy ``RandomState`` distributions over the Mersenne Twister
stream of compiled code (runtime/cpu/kiln_random.h).

As in Numba, compiled code draws from a state of its own, one per thread,
separate from NumPy's global state: ``np.random.seed(n)`` inside compiled
code followed by draws gives exactly the numbers NumPy gives after its own
``np.random.seed(n)``. Each function follows the algorithm NumPy documents
for its legacy generator (the ones ``np.random.seed`` drives), so the
streams agree draw for draw.

``size=None`` gives a scalar and an int or a tuple gives a float64 (or
int64) array of that shape: the `size is None` test is decided when the
function is compiled for its argument types (typing/prune_none_branches.h).
"""

import math

import numpy as np

from kiln.library import implements, primitive

_seed = primitive("kiln.rng.seed")
_next_u32 = primitive("kiln.rng.next_u32")
_next_double = primitive("kiln.rng.next_double")
_gauss = primitive("kiln.rng.gauss")
_array_or_none = primitive("kiln.rng.array_or_none")
_shape = primitive("kiln.rng.shape")

_NP = 0  # numpy.random's stream (kiln_random.h)
_INT64_MAX = 9223372036854775807
_POISSON_LAM_MAX = 9.223372006484771e18  # int64 max - 10 * sqrt(int64 max), NumPy's bound


# -- the generator's building blocks -------------------------------------


def _double():
    return _next_double(_NP)


def _standard_exponential():
    return -math.log(1.0 - _next_double(_NP))


def _standard_gamma(shape):
    return _standard_gamma_from(shape, _stream_double, _stream_exponential, _gauss, _NP)


def _stream_exponential(stream):
    return _standard_exponential()


def _standard_gamma_from(shape, draw, exponential, normal, src):
    # NumPy's standard_gamma, Marsaglia and Tsang for shape > 1 and a
    # Johnk-style rejection for shape < 1, over the doubles, exponentials and
    # normals given: the legacy stream's here, a Generator's ziggurat ones in
    # numpy_generator.py.
    if shape == 1.0:
        return exponential(src)
    if shape == 0.0:
        return 0.0
    if shape < 1.0:
        while True:
            u = draw(src)
            v = exponential(src)
            if u <= 1.0 - shape:
                x = math.pow(u, 1.0 / shape)
                if x <= v:
                    return x
            else:
                y = -math.log((1.0 - u) / shape)
                x = math.pow(1.0 - shape + shape * y, 1.0 / shape)
                if x <= v + y:
                    return x
    b = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * b)
    while True:
        x = normal(src)
        v = 1.0 + c * x
        while v <= 0.0:
            x = normal(src)
            v = 1.0 + c * x
        v = v * v * v
        u = draw(src)
        if u < 1.0 - 0.0331 * (x * x) * (x * x):
            return b * v
        if math.log(u) < 0.5 * x * x + b * (1.0 - v + math.log(v)):
            return b * v


def _chisquare(df):
    return 2.0 * _standard_gamma(df / 2.0)


def _gen_mask(rng):
    mask = rng
    mask |= mask >> 1
    mask |= mask >> 2
    mask |= mask >> 4
    mask |= mask >> 8
    mask |= mask >> 16
    mask |= mask >> 32
    return mask


def _next_u64():
    hi = _next_u32(_NP)
    return (hi << 32) | _next_u32(_NP)


def _bounded(rng):
    # A uniform integer in [0, rng] by masked rejection, NumPy's
    # random_bounded_uint64 (32-bit draws while rng fits in 32 bits). rng is
    # an int64 holding the unsigned span: negative means >= 2**63.
    if rng == 0:
        return 0
    if 0 < rng <= 0xFFFFFFFF:
        if rng == 0xFFFFFFFF:
            return _next_u32(_NP)
        mask = _gen_mask(rng)
        v = _next_u32(_NP) & mask
        while v > rng:
            v = _next_u32(_NP) & mask
        return v
    if rng == -1:
        return _next_u64()
    if rng > 0:
        mask = _gen_mask(rng)
        v = _next_u64() & mask
        while v > rng:
            v = _next_u64() & mask
        return v
    # rng >= 2**63: the mask is all ones; compare as unsigned.
    sign = -9223372036854775807 - 1
    v = _next_u64()
    while (v ^ sign) > (rng ^ sign):
        v = _next_u64()
    return v


def _interval(mx):
    # NumPy's random_interval: a uniform integer in [0, mx] (shuffle's).
    if mx == 0:
        return 0
    mask = _gen_mask(mx)
    if mx <= 0xFFFFFFFF:
        v = _next_u32(_NP) & mask
        while v > mx:
            v = _next_u32(_NP) & mask
        return v
    v = _next_u64() & mask
    while v > mx:
        v = _next_u64() & mask
    return v


def _loggam(x):
    # log(gamma(x)) as NumPy's random_loggam computes it.
    if x == 1.0 or x == 2.0:
        return 0.0
    n = 0
    if x < 7.0:
        n = int(7 - x)
    x0 = x + n
    x2 = (1.0 / x0) * (1.0 / x0)
    gl0 = -1.39243221690590e00
    gl0 = gl0 * x2 + 1.796443723688307e-01
    gl0 = gl0 * x2 - 2.955065359477124e-02
    gl0 = gl0 * x2 + 6.410256410256410e-03
    gl0 = gl0 * x2 - 1.917526917526918e-03
    gl0 = gl0 * x2 + 8.417508417508418e-04
    gl0 = gl0 * x2 - 5.952380952380952e-04
    gl0 = gl0 * x2 + 7.936507936507937e-04
    gl0 = gl0 * x2 - 2.777777777777778e-03
    gl0 = gl0 * x2 + 8.333333333333333e-02
    gl = gl0 / x0 + 0.5 * math.log(2.0 * math.pi) + (x0 - 0.5) * math.log(x0) - x0
    if x < 7.0:
        for _ in range(n):
            gl -= math.log(x0 - 1.0)
            x0 -= 1.0
    return gl


def _poisson(lam):
    return _poisson_from(lam, _stream_double, _NP)


def _poisson_from(lam, draw, src):
    # NumPy's random_poisson over the doubles draw(src) gives: the legacy
    # stream's here, a Generator's in numpy_generator.py.
    if lam >= 10.0:
        # Hormann's transformed rejection (PTRS).
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        while True:
            u = draw(src) - 0.5
            v = draw(src)
            us = 0.5 - abs(u)
            kf = np.floor((2.0 * a / us + b) * u + lam + 0.43)
            # C's conversion of an out-of-range value gives a negative k,
            # which the test below rejects (us < 0.07 there).
            k = int(kf) if abs(kf) < 9.2e18 else -1
            if us >= 0.07 and v <= vr:
                return k
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - _loggam(k + 1.0):
                return k
    if lam == 0.0:
        return 0
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        prod *= draw(src)
        if prod > enlam:
            x += 1
        else:
            return x


def _stream_double(stream):
    return _next_double(stream)


def _binomial_inversion(n, p):
    return _binomial_inversion_from(n, p, _stream_double, _NP)


def _binomial_inversion_from(n, p, draw, src):
    # draw(src) is the next double: the legacy stream's, or (npgen) a
    # numpy.random.Generator's (numpy_generator.py), which shares this
    # algorithm with the legacy one in NumPy's distributions.c.
    q = 1.0 - p
    qn = math.exp(n * math.log(q))
    np_ = n * p
    bound = min(n * 1.0, np_ + 10.0 * math.sqrt(np_ * q + 1.0))
    x = 0
    px = qn
    u = draw(src)
    while u > px:
        x += 1
        if x > bound:
            x = 0
            px = qn
            u = draw(src)
        else:
            u -= px
            px = ((n - x + 1) * p * px) / (x * q)
    return x


def _binomial_btpe(n, p):
    return _binomial_btpe_from(n, p, _stream_double, _NP)


def _binomial_btpe_from(n, p, draw, src):
    # Kachitvichyanukul and Schmeiser's BTPE, step for step as NumPy.
    r = min(p, 1.0 - p)
    q = 1.0 - r
    fm = n * r + r
    m = math.floor(fm)
    p1 = math.floor(2.195 * math.sqrt(n * r * q) - 4.6 * q) + 0.5
    xm = m + 0.5
    xl = xm - p1
    xr = xm + p1
    c = 0.134 + 20.5 / (15.3 + m)
    a = (fm - xl) / (fm - xl * r)
    laml = a * (1.0 + a / 2.0)
    a = (xr - fm) / (xr * q)
    lamr = a * (1.0 + a / 2.0)
    p2 = p1 * (1.0 + 2.0 * c)
    p3 = p2 + c / laml
    p4 = p3 + c / lamr
    nrq = n * r * q
    y = 0
    while True:  # Step 10
        u = draw(src) * p4
        v = draw(src)
        if u <= p1:
            y = math.floor(xm - p1 * v + u)
            break  # Step 60
        if u <= p2:  # Step 20
            x = xl + (u - p1) / c
            v = v * c + 1.0 - abs(m - x + 0.5) / p1
            if v > 1.0:
                continue
            y = math.floor(x)
        elif u <= p3:  # Step 30
            y = math.floor(xl + math.log(v) / laml)
            if y < 0 or v == 0.0:
                continue
            v = v * (u - p2) * laml
        else:  # Step 40
            y = math.floor(xr - math.log(v) / lamr)
            if y > n or v == 0.0:
                continue
            v = v * (u - p3) * lamr
        # Step 50
        k = abs(y - m)
        if not (k > 20 and k < nrq / 2.0 - 1.0):
            s = r / q
            a = s * (n + 1)
            f = 1.0
            if m < y:
                for i in range(m + 1, y + 1):
                    f *= a / i - s
            elif m > y:
                for i in range(y + 1, m + 1):
                    f /= a / i - s
            if v > f:
                continue
            break
        # Step 52
        rho = (k / nrq) * ((k * (k / 3.0 + 0.625) + 0.16666666666666666) / nrq + 0.5)
        t = -k * k / (2.0 * nrq)
        aa = math.log(v)
        if aa < t - rho:
            break
        if aa > t + rho:
            continue
        x1 = y + 1.0
        f1 = m + 1.0
        z = n + 1.0 - m
        w = n - y + 1.0
        x2 = x1 * x1
        f2 = f1 * f1
        z2 = z * z
        w2 = w * w
        bound = (xm * math.log(f1 / x1) + (n - m + 0.5) * math.log(z / w) + (y - m) * math.log(w * r / (x1 * q))
                 + (13680.0 - (462.0 - (132.0 - (99.0 - 140.0 / f2) / f2) / f2) / f2) / f1 / 166320.0
                 + (13680.0 - (462.0 - (132.0 - (99.0 - 140.0 / z2) / z2) / z2) / z2) / z / 166320.0
                 + (13680.0 - (462.0 - (132.0 - (99.0 - 140.0 / x2) / x2) / x2) / x2) / x1 / 166320.0
                 + (13680.0 - (462.0 - (132.0 - (99.0 - 140.0 / w2) / w2) / w2) / w2) / w / 166320.0)
        if aa > bound:
            continue
        break
    return y


def _binomial(n, p):
    # NumPy's legacy binomial: no shortcut for n == 0 or p == 0 (it draws).
    if p <= 0.5:
        if p * n <= 30.0:
            return _binomial_inversion(n, p)
        return _binomial_btpe(n, p)
    q = 1.0 - p
    if q * n <= 30.0:
        return n - _binomial_inversion(n, q)
    return n - _binomial_btpe(n, q)


def _check_binomial(n, p):
    if n < 0:
        raise ValueError("n < 0")
    if p < 0.0:
        raise ValueError("p < 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if p != p:
        raise ValueError("p is nan")


def _geometric(p):
    if p >= 0.333333333333333333333333:
        x = 1
        total = p
        prod = p
        q = 1.0 - p
        u = _next_double(_NP)
        while u > total:
            prod *= q
            total += prod
            x += 1
        return x
    return math.ceil(math.log(1.0 - _next_double(_NP)) / math.log(1.0 - p))


def _vonmises(mu, kappa):
    if kappa < 1e-8:
        return math.pi * (2.0 * _next_double(_NP) - 1.0)
    if kappa < 1e-5:
        s = 1.0 / kappa + kappa
    else:
        r = 1.0 + math.sqrt(1.0 + 4.0 * kappa * kappa)
        rho = (r - math.sqrt(2.0 * r)) / (2.0 * kappa)
        s = (1.0 + rho * rho) / (2.0 * rho)
    w = 0.0
    while True:
        u = _next_double(_NP)
        z = math.cos(math.pi * u)
        w = (1.0 + s * z) / (s + z)
        y = kappa * (s - w)
        v = _next_double(_NP)
        if y * (2.0 - y) - v >= 0.0 or math.log(y / v) + 1.0 - y >= 0.0:
            break
    u = _next_double(_NP)
    result = math.acos(w)
    if u < 0.5:
        result = -result
    result += mu
    neg = result < 0.0
    mod = abs(result)
    mod = math.fmod(mod + math.pi, 2.0 * math.pi) - math.pi
    if neg:
        mod *= -1.0
    return mod


def _zipf(a):
    am1 = a - 1.0
    b = math.pow(2.0, am1)
    while True:
        u = 1.0 - _next_double(_NP)
        v = _next_double(_NP)
        x = np.floor(math.pow(u, -1.0 / am1))
        if x > 9.223372036854775807e18 or x < 1.0:
            continue
        t = math.pow(1.0 + 1.0 / x, am1)
        if v * x * (t - 1.0) / (b - 1.0) <= t / b:
            return int(x)


def _logseries(p):
    r = math.log(1.0 - p)
    while True:
        v = _next_double(_NP)
        if v >= p:
            return 1
        u = _next_double(_NP)
        q = 1.0 - math.exp(r * u)
        if v <= q * q:
            result = math.floor(1.0 + math.log(v) / math.log(q))
            if result < 1 or v == 0.0:
                continue
            return result
        if v >= q:
            return 1
        return 2


def _wald(mean, scale):
    mu_2l = mean / (2.0 * scale)
    y = _gauss(_NP)
    y = mean * y * y
    x = mean + mu_2l * (y - math.sqrt(4.0 * scale * y + y * y))
    u = _next_double(_NP)
    if u <= mean / (mean + x):
        return x
    return mean * mean / x


def _triangular(left, mode, right):
    base = right - left
    leftbase = mode - left
    ratio = leftbase / base
    leftprod = leftbase * base
    rightprod = (right - mode) * base
    u = _next_double(_NP)
    if u <= ratio:
        return left + math.sqrt(u * leftprod)
    return right - math.sqrt((1.0 - u) * rightprod)


def _laplace(loc, scale):
    u = _next_double(_NP)
    while u == 0.0:
        u = _next_double(_NP)
    if u >= 0.5:
        return loc - scale * math.log(2.0 - u - u)
    return loc + scale * math.log(u + u)


def _gumbel(loc, scale):
    u = 1.0 - _next_double(_NP)
    while u >= 1.0:
        u = 1.0 - _next_double(_NP)
    return loc - scale * math.log(-math.log(u))


def _logistic(loc, scale):
    u = _next_double(_NP)
    while u <= 0.0:
        u = _next_double(_NP)
    return loc + scale * math.log(u / (1.0 - u))


def _beta(a, b):
    if a <= 1.0 and b <= 1.0:
        while True:
            u = _next_double(_NP)
            v = _next_double(_NP)
            x = math.pow(u, 1.0 / a)
            y = math.pow(v, 1.0 / b)
            if x + y <= 1.0:
                if x + y > 0.0:
                    return x / (x + y)
                logx = math.log(u) / a
                logy = math.log(v) / b
                logm = max(logx, logy)
                logx -= logm
                logy -= logm
                return math.exp(logx - math.log(math.exp(logx) + math.exp(logy)))
    ga = _standard_gamma(a)
    gb = _standard_gamma(b)
    return ga / (ga + gb)


def _scalar(x):
    # A distribution's parameter as float64: an array parameter (NumPy
    # broadcasts one draw per element) is refused here by float(), never
    # drawn once and broadcast.
    return float(x)


def _flat(out):
    # The elements of a new C-contiguous array, in order, as a 1-d view.
    return out.reshape(out.size)


# -- numpy.random ---------------------------------------------------------


@implements("numpy.random.seed")
def seed(seed):
    if seed < 0 or seed > 4294967295:
        raise ValueError("Seed must be between 0 and 2**32 - 1")
    _seed(_NP, seed)


@implements("numpy.random.random_sample")
def random_sample(size=None):
    if size is None:
        return _next_double(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _next_double(_NP)
    return out


@implements("numpy.random.random")
def random(size=None):
    return _sample(size)


@implements("numpy.random.sample")
def sample(size=None):
    return _sample(size)


@implements("numpy.random.ranf")
def ranf(size=None):
    return _sample(size)


def _sample(size):
    if size is None:
        return _next_double(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _next_double(_NP)
    return out


@implements("numpy.random.rand")
def rand(d0=None, d1=None, d2=None, d3=None):
    if d0 is None:
        return _next_double(_NP)
    if d1 is None:
        return _sample(d0)
    if d2 is None:
        return _sample((d0, d1))
    if d3 is None:
        return _sample((d0, d1, d2))
    return _sample((d0, d1, d2, d3))


def _normals(size):
    if size is None:
        return _gauss(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _gauss(_NP)
    return out


@implements("numpy.random.standard_normal")
def standard_normal(size=None):
    return _normals(size)


@implements("numpy.random.randn")
def randn(d0=None, d1=None, d2=None, d3=None):
    if d0 is None:
        return _gauss(_NP)
    if d1 is None:
        return _normals(d0)
    if d2 is None:
        return _normals((d0, d1))
    if d3 is None:
        return _normals((d0, d1, d2))
    return _normals((d0, d1, d2, d3))


@implements("numpy.random.normal")
def normal(loc=0.0, scale=1.0, size=None):
    loc = _scalar(loc)
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return loc + scale * _gauss(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = loc + scale * _gauss(_NP)
    return out


@implements("numpy.random.uniform")
def uniform(low=0.0, high=1.0, size=None):
    low = _scalar(low)
    span = _scalar(high) - low
    if size is None:
        return low + span * _next_double(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = low + span * _next_double(_NP)
    return out


@implements("numpy.random.standard_exponential")
def standard_exponential(size=None):
    if size is None:
        return _standard_exponential()
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _standard_exponential()
    return out


@implements("numpy.random.exponential")
def exponential(scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return scale * _standard_exponential()
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = scale * _standard_exponential()
    return out


@implements("numpy.random.standard_gamma")
def standard_gamma(shape, size=None):
    if shape < 0.0:
        raise ValueError("shape < 0")
    if size is None:
        return _standard_gamma(shape)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _standard_gamma(shape)
    return out


@implements("numpy.random.gamma")
def gamma(shape, scale=1.0, size=None):
    if shape < 0.0:
        raise ValueError("shape < 0")
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return scale * _standard_gamma(shape)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = scale * _standard_gamma(shape)
    return out


@implements("numpy.random.beta")
def beta(a, b, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    if b <= 0.0:
        raise ValueError("b <= 0")
    if size is None:
        return _beta(a, b)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _beta(a, b)
    return out


@implements("numpy.random.chisquare")
def chisquare(df, size=None):
    if df <= 0.0:
        raise ValueError("df <= 0")
    if size is None:
        return _chisquare(df)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _chisquare(df)
    return out


@implements("numpy.random.f")
def f(dfnum, dfden, size=None):
    if dfnum <= 0.0:
        raise ValueError("dfnum <= 0")
    if dfden <= 0.0:
        raise ValueError("dfden <= 0")
    if size is None:
        return (_chisquare(dfnum) * dfden) / (_chisquare(dfden) * dfnum)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = (_chisquare(dfnum) * dfden) / (_chisquare(dfden) * dfnum)
    return out


def _standard_t(df):
    num = _gauss(_NP)
    denom = _standard_gamma(df / 2.0)
    return math.sqrt(df / 2.0) * num / math.sqrt(denom)


@implements("numpy.random.standard_t")
def standard_t(df, size=None):
    if df <= 0.0:
        raise ValueError("df <= 0")
    if size is None:
        return _standard_t(df)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _standard_t(df)
    return out


@implements("numpy.random.lognormal")
def lognormal(mean=0.0, sigma=1.0, size=None):
    mean = _scalar(mean)
    if sigma < 0.0:
        raise ValueError("sigma < 0")
    if size is None:
        return math.exp(mean + sigma * _gauss(_NP))
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = math.exp(mean + sigma * _gauss(_NP))
    return out


@implements("numpy.random.laplace")
def laplace(loc=0.0, scale=1.0, size=None):
    loc = _scalar(loc)
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return _laplace(loc, scale)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _laplace(loc, scale)
    return out


@implements("numpy.random.logistic")
def logistic(loc=0.0, scale=1.0, size=None):
    loc = _scalar(loc)
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return _logistic(loc, scale)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _logistic(loc, scale)
    return out


@implements("numpy.random.gumbel")
def gumbel(loc=0.0, scale=1.0, size=None):
    loc = _scalar(loc)
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return _gumbel(loc, scale)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _gumbel(loc, scale)
    return out


@implements("numpy.random.pareto")
def pareto(a, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    if size is None:
        return math.exp(_standard_exponential() / a) - 1.0
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = math.exp(_standard_exponential() / a) - 1.0
    return out


@implements("numpy.random.power")
def power(a, size=None):
    if a <= 0.0:
        raise ValueError("a <= 0")
    if size is None:
        return math.pow(1.0 - math.exp(-_standard_exponential()), 1.0 / a)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = math.pow(1.0 - math.exp(-_standard_exponential()), 1.0 / a)
    return out


def _rayleigh(mode):
    return mode * math.sqrt(-2.0 * math.log(1.0 - _next_double(_NP)))


@implements("numpy.random.rayleigh")
def rayleigh(scale=1.0, size=None):
    if scale < 0.0:
        raise ValueError("scale < 0")
    if size is None:
        return _rayleigh(scale)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _rayleigh(scale)
    return out


def _weibull(a):
    if a == 0.0:
        return 0.0
    return math.pow(_standard_exponential(), 1.0 / a)


@implements("numpy.random.weibull")
def weibull(a, size=None):
    if a < 0.0:
        raise ValueError("a < 0")
    if size is None:
        return _weibull(a)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _weibull(a)
    return out


@implements("numpy.random.standard_cauchy")
def standard_cauchy(size=None):
    if size is None:
        return _gauss(_NP) / _gauss(_NP)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _gauss(_NP) / _gauss(_NP)
    return out


@implements("numpy.random.triangular")
def triangular(left, mode, right, size=None):
    if left > mode:
        raise ValueError("left > mode")
    if mode > right:
        raise ValueError("mode > right")
    if left == right:
        raise ValueError("left == right")
    if size is None:
        return _triangular(left, mode, right)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _triangular(left, mode, right)
    return out


@implements("numpy.random.vonmises")
def vonmises(mu, kappa, size=None):
    mu = _scalar(mu)
    if kappa < 0.0:
        raise ValueError("kappa < 0")
    if size is None:
        return _vonmises(mu, kappa)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _vonmises(mu, kappa)
    return out


@implements("numpy.random.wald")
def wald(mean, scale, size=None):
    if mean <= 0.0:
        raise ValueError("mean <= 0")
    if scale <= 0.0:
        raise ValueError("scale <= 0")
    if size is None:
        return _wald(mean, scale)
    out = np.empty(size)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _wald(mean, scale)
    return out


@implements("numpy.random.poisson")
def poisson(lam=1.0, size=None):
    if lam < 0.0:
        raise ValueError("lam < 0")
    if lam > _POISSON_LAM_MAX:
        raise ValueError("lam value too large")
    if size is None:
        return _poisson(lam)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _poisson(lam)
    return out


@implements("numpy.random.binomial")
def binomial(n, p, size=None):
    _check_binomial(n, p)
    if size is None:
        return _binomial(n, p)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _binomial(n, p)
    return out


@implements("numpy.random.negative_binomial")
def negative_binomial(n, p, size=None):
    if n <= 0:
        raise ValueError("n <= 0")
    if p < 0.0:
        raise ValueError("p < 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if size is None:
        return _poisson(_standard_gamma(n * 1.0) * ((1.0 - p) / p))
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _poisson(_standard_gamma(n * 1.0) * ((1.0 - p) / p))
    return out


@implements("numpy.random.geometric")
def geometric(p, size=None):
    if p <= 0.0:
        raise ValueError("p <= 0")
    if p > 1.0:
        raise ValueError("p > 1")
    if size is None:
        return _geometric(p)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _geometric(p)
    return out


@implements("numpy.random.zipf")
def zipf(a, size=None):
    if a <= 1.0:
        raise ValueError("a <= 1")
    if size is None:
        return _zipf(a)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _zipf(a)
    return out


@implements("numpy.random.logseries")
def logseries(p, size=None):
    if p <= 0.0:
        raise ValueError("p <= 0")
    if p >= 1.0:
        raise ValueError("p >= 1")
    if size is None:
        return _logseries(p)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _logseries(p)
    return out


@implements("numpy.random.randint")
def randint(low, high=None, size=None):
    if high is None:
        return _randint(0, low, size)
    return _randint(low, high, size)


def _randint(lo, hi, size):
    if lo >= hi:
        raise ValueError("low >= high")
    rng = hi - 1 - lo
    if size is None:
        return lo + _bounded(rng)
    out = np.empty(size, np.int64)
    flat = _flat(out)
    if 0 < rng < 0xFFFFFFFF:  # the common case, with the mask computed once
        mask = _gen_mask(rng)
        for i in range(flat.size):
            v = _next_u32(_NP) & mask
            while v > rng:
                v = _next_u32(_NP) & mask
            flat[i] = lo + v
        return out
    for i in range(flat.size):
        flat[i] = lo + _bounded(rng)
    return out


def _shuffle1d(x):
    for i in range(len(x) - 1, 0, -1):
        j = _interval(i)
        t = x[i]
        x[i] = x[j]
        x[j] = t


def _shuffle_rows(x, row):
    # row: x[0] when it is an array (x has more than one dimension: rows
    # are swapped by copying, as NumPy's legacy shuffle), else None.
    if row is None:
        _shuffle1d(x)
        return
    for i in range(len(x) - 1, 0, -1):
        j = _interval(i)
        t = x[i].copy()
        x[i] = x[j]
        x[j] = t


@implements("numpy.random.shuffle")
def shuffle(x):
    if len(x) > 1:
        _shuffle_rows(x, _array_or_none(x[0]))


@implements("numpy.random.permutation")
def permutation(x):
    return _permutation(x, _array_or_none(x))


def _permutation(x, arr):
    if arr is None:
        out = np.arange(x)
        _shuffle1d(out)
        return out
    out = arr.copy()
    if len(out) > 1:
        _shuffle_rows(out, _array_or_none(out[0]))
    return out


@implements("numpy.random.choice")
def choice(a, size=None, replace=True):
    return _choice(a, _array_or_none(a), size, replace)


def _choice(a, arr, size, replace):
    if arr is None:
        n = a
    else:
        if arr.ndim != 1:
            raise ValueError("a must be 1-dimensional")
        n = arr.size
    if n <= 0:
        raise ValueError("a must be non-empty")
    if size is None:
        k = _bounded(n - 1)
        if arr is None:
            return k
        return arr[k]
    idx = np.empty(_shape(size), np.int64)
    flat = _flat(idx)
    if replace:
        for i in range(flat.size):
            flat[i] = _bounded(n - 1)
    else:
        if flat.size > n:
            raise ValueError("Cannot take a larger sample than population when 'replace=False'")
        perm = np.arange(n)
        _shuffle1d(perm)
        for i in range(flat.size):
            flat[i] = perm[i]
    if arr is None:
        return idx
    return arr[flat].reshape(_shape(size))


def _binomial_or_zero(n, p):
    # NumPy's random_binomial (what multinomial uses): no draw when n or p is 0.
    if n == 0 or p == 0.0:
        return 0
    return _binomial(n, p)


def _multinomial_into(out, start, n, pvals, d):
    remaining = 1.0
    dn = n
    for j in range(d - 1):
        out[start + j] = _binomial_or_zero(dn, pvals[j] / remaining)
        dn -= out[start + j]
        if dn <= 0:
            break
        remaining -= pvals[j]
    if dn > 0:
        out[start + d - 1] = dn


@implements("numpy.random.multinomial")
def multinomial(n, pvals, size=None):
    d = len(pvals)
    # Kahan summation of pvals[:-1], as NumPy checks it.
    total = 0.0
    comp = 0.0
    for j in range(d - 1):
        y = pvals[j] - comp
        t = total + y
        comp = (t - total) - y
        total = t
    if total > 1.0 + 1e-12:
        raise ValueError("sum(pvals[:-1]) > 1.0")
    if n < 0:
        raise ValueError("n < 0")
    if size is None:
        out = np.zeros(d, np.int64)
        _multinomial_into(out, 0, n, pvals, d)
        return out
    out = np.zeros(_shape(size) + (d,), np.int64)
    flat = _flat(out)
    for i in range(0, flat.size, d):
        _multinomial_into(flat, i, n, pvals, d)
    return out


def _dirichlet_into(out, start, alpha, k):
    acc = 0.0
    for j in range(k):
        out[start + j] = _standard_gamma(alpha[j] * 1.0)
        acc += out[start + j]
    invacc = 1.0 / acc
    for j in range(k):
        out[start + j] *= invacc


@implements("numpy.random.dirichlet")
def dirichlet(alpha, size=None):
    k = len(alpha)
    for j in range(k):
        if not alpha[j] > 0.0:
            raise ValueError("dirichlet: alpha must be > 0.0")
    if size is None:
        out = np.zeros(k)
        _dirichlet_into(out, 0, alpha, k)
        return out
    out = np.zeros(_shape(size) + (k,))
    flat = _flat(out)
    for i in range(0, flat.size, k):
        _dirichlet_into(flat, i, alpha, k)
    return out


def _noncentral_chisquare(df, nonc):
    if nonc == 0.0:
        return _chisquare(df)
    if 1.0 < df:
        chi2 = _chisquare(df - 1.0)
        n = _gauss(_NP) + math.sqrt(nonc)
        return chi2 + n * n
    i = _poisson(nonc / 2.0)
    out = _chisquare(df + 2.0 * i)
    if nonc != nonc:
        return math.nan
    return out


@implements("numpy.random.noncentral_chisquare")
def noncentral_chisquare(df, nonc, size=None):
    if df <= 0.0:
        raise ValueError("df <= 0")
    if nonc < 0.0:
        raise ValueError("nonc < 0")
    if size is None:
        return _noncentral_chisquare(df * 1.0, nonc * 1.0)
    out = np.empty(_shape(size))
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _noncentral_chisquare(df * 1.0, nonc * 1.0)
    return out


def _hypergeometric_hyp(good, bad, sample):
    d1 = bad + good - sample
    d2 = min(bad, good) * 1.0
    y = d2
    k = sample
    while y > 0.0:
        u = _next_double(_NP)
        y -= math.floor(u + y / (d1 + k))
        k -= 1
        if k == 0:
            break
    z = int(d2 - y)
    if good > bad:
        z = sample - z
    return z


def _hypergeometric_hrua(good, bad, sample):
    d1c = 1.7155277699214135
    d2c = 0.8989161620588988
    mingoodbad = min(good, bad)
    popsize = good + bad
    maxgoodbad = max(good, bad)
    m = min(sample, popsize - sample)
    d4 = (mingoodbad * 1.0) / popsize
    d5 = 1.0 - d4
    d6 = m * d4 + 0.5
    d7 = math.sqrt((popsize - m) * 1.0 * sample * d4 * d5 / (popsize - 1) + 0.5)
    d8 = d1c * d7 + d2c
    d9 = math.floor((m + 1) * 1.0 * (mingoodbad + 1) / (popsize + 2))
    d10 = (_loggam(d9 + 1.0) + _loggam(mingoodbad - d9 + 1.0) + _loggam(m - d9 + 1.0)
           + _loggam(maxgoodbad - m + d9 + 1.0))
    d11 = min(min(m, mingoodbad) + 1.0, np.floor(d6 + 16.0 * d7))
    z = 0
    while True:
        x = _next_double(_NP)
        y = _next_double(_NP)
        w = d6 + d8 * (y - 0.5) / x
        if w < 0.0 or w >= d11:
            continue
        z = math.floor(w)
        t = d10 - (_loggam(z + 1.0) + _loggam(mingoodbad - z + 1.0) + _loggam(m - z + 1.0)
                   + _loggam(maxgoodbad - m + z + 1.0))
        if x * (4.0 - x) - 3.0 <= t:
            break
        if x * (x - t) >= 1.0:
            continue
        if 2.0 * math.log(x) <= t:
            break
    if good > bad:
        z = m - z
    if m < sample:
        z = good - z
    return z


def _hypergeometric(good, bad, sample):
    if sample > 10:
        return _hypergeometric_hrua(good, bad, sample)
    if sample > 0:
        return _hypergeometric_hyp(good, bad, sample)
    return 0


@implements("numpy.random.hypergeometric")
def hypergeometric(ngood, nbad, nsample, size=None):
    if ngood < 0:
        raise ValueError("ngood < 0")
    if nbad < 0:
        raise ValueError("nbad < 0")
    if nsample < 0:
        raise ValueError("nsample < 0")
    if nsample > ngood + nbad:
        raise ValueError("ngood + nbad < nsample")
    if size is None:
        return _hypergeometric(ngood, nbad, nsample)
    out = np.empty(_shape(size), np.int64)
    flat = _flat(out)
    for i in range(flat.size):
        flat[i] = _hypergeometric(ngood, nbad, nsample)
    return out
