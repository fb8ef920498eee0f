"""``cmath`` written in the supported Python subset (see
kiln/library/__init__.py), with CPython's algorithms, branch cuts and
special values: a function of a NaN or an infinity looks its result up in a
table of C99 Annex G's values (CPython's, indexed by the classes of the real
and the imaginary part), and raises ``ValueError("math domain error")``
where CPython does (log(0), atanh(1), exp(inf*1j), ...) and
``OverflowError("math range error")`` where a finite argument overflows."""

import math

from kiln.library import implements

_I = math.inf
_N = math.nan
_P = math.pi
_P12 = 0.5 * math.pi
_P14 = 0.25 * math.pi
_P34 = 0.75 * math.pi
_E = 2.7182818284590452354
_LN2 = 0.6931471805599453094
_LN10 = 2.302585092994045684
_DBL_MIN = 2.2250738585072014e-308
_LARGE = 1.7976931348623157e308 / 4.0  # CM_LARGE_DOUBLE: no spurious overflow below it
_SQRT_LARGE = math.sqrt(_LARGE)
_LOG_LARGE = math.log(_LARGE)
_SQRT_DBL_MIN = math.sqrt(_DBL_MIN)
_U = -9.5426319407711027e33  # a table entry never looked up (finite, or computed)
_D = 9.5426319407711027e33  # a table entry where CPython raises ValueError

# Special values: 7 x 7 (real part, imaginary part) pairs, flattened; the
# classes are -inf, negative, -0.0, +0.0, positive, +inf, nan (_kind).
_ACOS = (
    _P34, _I, _P, _I, _P, _I, _P, -_I, _P, -_I, _P34, -_I, _N, _I,
    _P12, _I, _U, _U, _U, _U, _U, _U, _U, _U, _P12, -_I, _N, _N,
    _P12, _I, _U, _U, _U, _U, _U, _U, _U, _U, _P12, -_I, _P12, _N,
    _P12, _I, _U, _U, _U, _U, _U, _U, _U, _U, _P12, -_I, _P12, _N,
    _P12, _I, _U, _U, _U, _U, _U, _U, _U, _U, _P12, -_I, _N, _N,
    _P14, _I, 0.0, _I, 0.0, _I, 0.0, -_I, 0.0, -_I, _P14, -_I, _N, _I,
    _N, _I, _N, _N, _N, _N, _N, _N, _N, _N, _N, -_I, _N, _N,
)
_ACOSH = (
    _I, -_P34, _I, -_P, _I, -_P, _I, _P, _I, _P, _I, _P34, _I, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P14, _I, -0.0, _I, -0.0, _I, 0.0, _I, 0.0, _I, _P14, _I, _N,
    _I, _N, _N, _N, _N, _N, _N, _N, _N, _N, _I, _N, _N, _N,
)
_ASINH = (
    -_I, -_P14, -_I, -0.0, -_I, -0.0, -_I, 0.0, -_I, 0.0, -_I, _P14, -_I, _N,
    -_I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, -_I, _P12, _N, _N,
    -_I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, -_I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P14, _I, -0.0, _I, -0.0, _I, 0.0, _I, 0.0, _I, _P14, _I, _N,
    _I, _N, _N, _N, _N, -0.0, _N, 0.0, _N, _N, _I, _N, _N, _N,
)
_ATANH = (
    -0.0, -_P12, -0.0, -_P12, -0.0, -_P12, -0.0, _P12, -0.0, _P12, -0.0, _P12, -0.0, _N,
    -0.0, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, -0.0, _P12, _N, _N,
    -0.0, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, -0.0, _P12, -0.0, _N,
    0.0, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, 0.0, _P12, 0.0, _N,
    0.0, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, 0.0, _P12, _N, _N,
    0.0, -_P12, 0.0, -_P12, 0.0, -_P12, 0.0, _P12, 0.0, _P12, 0.0, _P12, 0.0, _N,
    0.0, -_P12, _N, _N, _N, _N, _N, _N, _N, _N, 0.0, _P12, _N, _N,
)
_COSH = (
    _D, _D, _U, _U, _I, 0.0, _I, -0.0, _U, _U, _D, _D, _I, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, 0.0,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, 0.0,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _I, -0.0, _I, 0.0, _U, _U, _D, _D, _I, _N,
    _N, _N, _N, _N, _N, 0.0, _N, 0.0, _N, _N, _N, _N, _N, _N,
)
_EXP = (
    0.0, 0.0, _U, _U, 0.0, -0.0, 0.0, 0.0, _U, _U, 0.0, 0.0, 0.0, 0.0,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _I, -0.0, _I, 0.0, _U, _U, _D, _D, _I, _N,
    _N, _N, _N, _N, _N, -0.0, _N, 0.0, _N, _N, _N, _N, _N, _N,
)
_LOG = (
    _I, -_P34, _I, -_P, _I, -_P, _I, _P, _I, _P, _I, _P34, _I, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P12, _U, _U, _U, _U, _U, _U, _U, _U, _I, _P12, _N, _N,
    _I, -_P14, _I, -0.0, _I, -0.0, _I, 0.0, _I, 0.0, _I, _P14, _I, _N,
    _I, _N, _N, _N, _N, _N, _N, _N, _N, _N, _I, _N, _N, _N,
)
_SINH = (
    _D, _D, _U, _U, -_I, -0.0, -_I, 0.0, _U, _U, _D, _D, _I, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, 0.0, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, 0.0, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _I, -0.0, _I, 0.0, _U, _U, _D, _D, _I, _N,
    _N, _N, _N, _N, _N, -0.0, _N, 0.0, _N, _N, _N, _N, _N, _N,
)
_SQRT = (
    _I, -_I, 0.0, -_I, 0.0, -_I, 0.0, _I, 0.0, _I, _I, _I, _N, _I,
    _I, -_I, _U, _U, _U, _U, _U, _U, _U, _U, _I, _I, _N, _N,
    _I, -_I, _U, _U, _U, _U, _U, _U, _U, _U, _I, _I, _N, _N,
    _I, -_I, _U, _U, _U, _U, _U, _U, _U, _U, _I, _I, _N, _N,
    _I, -_I, _U, _U, _U, _U, _U, _U, _U, _U, _I, _I, _N, _N,
    _I, -_I, _I, -0.0, _I, -0.0, _I, 0.0, _I, 0.0, _I, _I, _I, _N,
    _I, -_I, _N, _N, _N, _N, _N, _N, _N, _N, _I, _I, _N, _N,
)
_TANH = (
    -1.0, 0.0, _U, _U, -1.0, -0.0, -1.0, 0.0, _U, _U, -1.0, 0.0, -1.0, 0.0,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    1.0, 0.0, _U, _U, 1.0, -0.0, 1.0, 0.0, _U, _U, 1.0, 0.0, 1.0, 0.0,
    _N, _N, _N, _N, _N, -0.0, _N, 0.0, _N, _N, _N, _N, _N, _N,
)
_RECT = (
    _D, _D, _U, _U, -_I, 0.0, -_I, -0.0, _U, _U, _D, _D, _I, _N,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    0.0, 0.0, _U, _U, _U, _U, _U, _U, _U, _U, 0.0, 0.0, 0.0, 0.0,
    0.0, 0.0, _U, _U, _U, _U, _U, _U, _U, _U, 0.0, 0.0, 0.0, 0.0,
    _D, _D, _U, _U, _U, _U, _U, _U, _U, _U, _D, _D, _N, _N,
    _D, _D, _U, _U, _I, -0.0, _I, 0.0, _U, _U, _D, _D, _I, _N,
    _N, _N, _N, _N, _N, 0.0, _N, 0.0, _N, _N, _N, _N, _N, _N,
)


def _kind(x):
    if math.isfinite(x):
        if x != 0.0:
            return 4 if math.copysign(1.0, x) == 1.0 else 1
        return 3 if math.copysign(1.0, x) == 1.0 else 2
    if math.isnan(x):
        return 6
    return 5 if x > 0.0 else 0


def _special(table, x, y):
    k = 2 * (7 * _kind(x) + _kind(y))
    re = table[k]
    if re == _D:
        raise ValueError("math domain error")
    return complex(re, table[k + 1])


def _finite(x, y):
    return math.isfinite(x) and math.isfinite(y)


def _overflow_check(re, im):
    if math.isinf(re) or math.isinf(im):
        raise OverflowError("math range error")
    return complex(re, im)


@implements("cmath.isnan")
def isnan(z):
    z = complex(z)
    return math.isnan(z.real) or math.isnan(z.imag)


@implements("cmath.isinf")
def isinf(z):
    z = complex(z)
    return math.isinf(z.real) or math.isinf(z.imag)


@implements("cmath.isfinite")
def isfinite(z):
    z = complex(z)
    return math.isfinite(z.real) and math.isfinite(z.imag)


@implements("cmath.phase")
def phase(z):
    z = complex(z)
    return math.atan2(z.imag, z.real)


@implements("cmath.polar")
def polar(z):
    z = complex(z)
    phi = math.atan2(z.imag, z.real)
    r = abs(z)
    if math.isinf(r) and _finite(z.real, z.imag):
        raise OverflowError("math range error")
    return r, phi


@implements("cmath.rect")
def rect(r, phi):
    r = float(r)
    phi = float(phi)
    if not _finite(r, phi):
        if math.isinf(r) and math.isfinite(phi) and phi != 0.0:
            if r > 0.0:
                return complex(math.copysign(_I, math.cos(phi)), math.copysign(_I, math.sin(phi)))
            return complex(-math.copysign(_I, math.cos(phi)), -math.copysign(_I, math.sin(phi)))
        return _special(_RECT, r, phi)
    if phi == 0.0:
        return complex(r, r * phi)
    return complex(r * math.cos(phi), r * math.sin(phi))


@implements("cmath.sqrt")
def sqrt(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        return _special(_SQRT, x, y)
    if x == 0.0 and y == 0.0:
        return complex(0.0, y)
    ax = abs(x)
    ay = abs(y)
    if ax < _DBL_MIN and ay < _DBL_MIN:
        # Subnormal parts: scale up by 2**53 so hypot keeps its precision.
        ax = math.ldexp(ax, 53)
        s = math.ldexp(math.sqrt(ax + math.hypot(ax, math.ldexp(ay, 53))), -27)
    else:
        ax /= 8.0
        s = 2.0 * math.sqrt(ax + math.hypot(ax, ay / 8.0))
    d = ay / (2.0 * s)
    if x >= 0.0:
        return complex(s, math.copysign(d, y))
    return complex(d, math.copysign(s, y))


def _log_parts(x, y):
    """CPython's c_log as (real, imag, domain error)."""
    if not _finite(x, y):
        k = 2 * (7 * _kind(x) + _kind(y))
        return _LOG[k], _LOG[k + 1], False
    ax = abs(x)
    ay = abs(y)
    if ax > _LARGE or ay > _LARGE:
        re = math.log(math.hypot(ax / 2.0, ay / 2.0)) + _LN2
    elif ax < _DBL_MIN and ay < _DBL_MIN:
        if ax > 0.0 or ay > 0.0:
            re = math.log(math.hypot(math.ldexp(ax, 53), math.ldexp(ay, 53))) - 53 * _LN2
        else:
            return -_I, math.atan2(y, x), True
    else:
        h = math.hypot(ax, ay)
        if 0.71 <= h and h <= 1.73:
            am = ax if ax > ay else ay
            an = ay if ax > ay else ax
            re = math.log1p((am - 1) * (am + 1) + an * an) / 2.0
        else:
            re = math.log(h)
    return re, math.atan2(y, x), False


@implements("cmath.log")
def log(z, base=None):
    z = complex(z)
    re, im, bad = _log_parts(z.real, z.imag)
    if base is None:
        if bad:
            raise ValueError("math domain error")
        return complex(re, im)
    b = complex(base)
    bre, bim, bad = _log_parts(b.real, b.imag)
    if bad or (bre == 0.0 and bim == 0.0):
        raise ValueError("math domain error")
    return complex(re, im) / complex(bre, bim)


@implements("cmath.log10")
def log10(z):
    z = complex(z)
    re, im, bad = _log_parts(z.real, z.imag)
    if bad:
        raise ValueError("math domain error")
    return complex(re / _LN10, im / _LN10)


@implements("cmath.exp")
def exp(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        if math.isinf(x) and math.isfinite(y) and y != 0.0:
            if x > 0.0:
                return complex(math.copysign(_I, math.cos(y)), math.copysign(_I, math.sin(y)))
            return complex(math.copysign(0.0, math.cos(y)), math.copysign(0.0, math.sin(y)))
        return _special(_EXP, x, y)
    if x > _LOG_LARGE:
        l = math.exp(x - 1.0)
        return _overflow_check(l * math.cos(y) * _E, l * math.sin(y) * _E)
    l = math.exp(x)
    return _overflow_check(l * math.cos(y), l * math.sin(y))


@implements("cmath.cosh")
def cosh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        if math.isinf(x) and math.isfinite(y) and y != 0.0:
            if x > 0.0:
                return complex(math.copysign(_I, math.cos(y)), math.copysign(_I, math.sin(y)))
            return complex(math.copysign(_I, math.cos(y)), -math.copysign(_I, math.sin(y)))
        return _special(_COSH, x, y)
    if abs(x) > _LOG_LARGE:
        x_minus_one = x - math.copysign(1.0, x)
        return _overflow_check(math.cos(y) * math.cosh(x_minus_one) * _E,
                               math.sin(y) * math.sinh(x_minus_one) * _E)
    return _overflow_check(math.cos(y) * math.cosh(x), math.sin(y) * math.sinh(x))


@implements("cmath.sinh")
def sinh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        if math.isinf(x) and math.isfinite(y) and y != 0.0:
            if x > 0.0:
                return complex(math.copysign(_I, math.cos(y)), math.copysign(_I, math.sin(y)))
            return complex(-math.copysign(_I, math.cos(y)), math.copysign(_I, math.sin(y)))
        return _special(_SINH, x, y)
    if abs(x) > _LOG_LARGE:
        x_minus_one = x - math.copysign(1.0, x)
        return _overflow_check(math.cos(y) * math.sinh(x_minus_one) * _E,
                               math.sin(y) * math.cosh(x_minus_one) * _E)
    return _overflow_check(math.cos(y) * math.sinh(x), math.sin(y) * math.cosh(x))


@implements("cmath.tanh")
def tanh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        if math.isinf(x) and math.isfinite(y) and y != 0.0:
            im = math.copysign(0.0, 2.0 * math.sin(y) * math.cos(y))
            return complex(1.0 if x > 0.0 else -1.0, im)
        return _special(_TANH, x, y)
    if abs(x) > _LOG_LARGE:
        return complex(math.copysign(1.0, x), 4.0 * math.sin(y) * math.cos(y) * math.exp(-2.0 * abs(x)))
    tx = math.tanh(x)
    ty = math.tan(y)
    cx = 1.0 / math.cosh(x)
    txty = tx * ty
    denom = 1.0 + txty * txty
    return complex(tx * (1.0 + ty * ty) / denom, ((ty / denom) * cx) * cx)


@implements("cmath.cos")
def cos(z):
    z = complex(z)
    return cosh(complex(-z.imag, z.real))  # cosh(iz)


@implements("cmath.sin")
def sin(z):
    z = complex(z)
    s = sinh(complex(-z.imag, z.real))  # -i sinh(iz)
    return complex(s.imag, -s.real)


@implements("cmath.tan")
def tan(z):
    z = complex(z)
    s = tanh(complex(-z.imag, z.real))  # -i tanh(iz)
    return complex(s.imag, -s.real)


@implements("cmath.acos")
def acos(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        return _special(_ACOS, x, y)
    if abs(x) > _LARGE or abs(y) > _LARGE:
        return complex(math.atan2(abs(y), x),
                       -math.copysign(math.log(math.hypot(x / 2.0, y / 2.0)) + _LN2 * 2.0, y))
    s1 = sqrt(complex(1.0 - x, -y))
    s2 = sqrt(complex(1.0 + x, y))
    return complex(2.0 * math.atan2(s1.real, s2.real), math.asinh(s2.real * s1.imag - s2.imag * s1.real))


@implements("cmath.acosh")
def acosh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        return _special(_ACOSH, x, y)
    if abs(x) > _LARGE or abs(y) > _LARGE:
        return complex(math.log(math.hypot(x / 2.0, y / 2.0)) + _LN2 * 2.0, math.atan2(y, x))
    s1 = sqrt(complex(x - 1.0, y))
    s2 = sqrt(complex(x + 1.0, y))
    return complex(math.asinh(s1.real * s2.real + s1.imag * s2.imag), 2.0 * math.atan2(s1.imag, s2.real))


@implements("cmath.asinh")
def asinh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        return _special(_ASINH, x, y)
    if abs(x) > _LARGE or abs(y) > _LARGE:
        h = math.log(math.hypot(x / 2.0, y / 2.0)) + _LN2 * 2.0
        re = math.copysign(h, x) if y >= 0.0 else -math.copysign(h, -x)
        return complex(re, math.atan2(y, abs(x)))
    s1 = sqrt(complex(1.0 + y, -x))
    s2 = sqrt(complex(1.0 - y, x))
    return complex(math.asinh(s1.real * s2.imag - s2.real * s1.imag),
                   math.atan2(y, s1.real * s2.real - s1.imag * s2.imag))


@implements("cmath.asin")
def asin(z):
    z = complex(z)
    s = asinh(complex(-z.imag, z.real))  # -i asinh(iz)
    return complex(s.imag, -s.real)


def _atanh_nonneg(x, y):
    """atanh(x + yj) for x >= 0 (or -0.0), both finite."""
    ay = abs(y)
    if x > _SQRT_LARGE or ay > _SQRT_LARGE:
        # |z| large: atanh(z) ~ 1/z +- i pi/2.
        h = math.hypot(x / 2.0, y / 2.0)
        return complex(x / 4.0 / h / h, math.copysign(_P12, y))
    if x == 1.0 and ay < _SQRT_DBL_MIN:
        if ay == 0.0:
            raise ValueError("math domain error")
        return complex(-math.log(math.sqrt(ay) / math.sqrt(math.hypot(ay, 2.0))),
                       math.copysign(math.atan2(2.0, -ay) / 2, y))
    return complex(math.log1p(4.0 * x / ((1 - x) * (1 - x) + ay * ay)) / 4.0,
                   -math.atan2(-2.0 * y, (1 - x) * (1 + x) - ay * ay) / 2.0)


@implements("cmath.atanh")
def atanh(z):
    z = complex(z)
    x = z.real
    y = z.imag
    if not _finite(x, y):
        return _special(_ATANH, x, y)
    if x < 0.0:  # atanh(z) = -atanh(-z)
        r = _atanh_nonneg(-x, -y)
        return complex(-r.real, -r.imag)
    return _atanh_nonneg(x, y)


@implements("cmath.atan")
def atan(z):
    z = complex(z)
    s = atanh(complex(-z.imag, z.real))  # -i atanh(iz)
    return complex(s.imag, -s.real)


@implements("cmath.isclose")
def isclose(a, b, rel_tol=1e-09, abs_tol=0.0):
    a = complex(a)
    b = complex(b)
    if rel_tol < 0.0 or abs_tol < 0.0:
        raise ValueError("tolerances must be non-negative")
    if a.real == b.real and a.imag == b.imag:
        return True
    if math.isinf(a.real) or math.isinf(a.imag) or math.isinf(b.real) or math.isinf(b.imag):
        return False
    diff = abs(a - b)
    return diff <= rel_tol * abs(b) or diff <= rel_tol * abs(a) or diff <= abs_tol
