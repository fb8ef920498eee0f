"""``math`` functions written in the supported Python subset (see
kiln/library/__init__.py). Each follows CPython's definition for int64 and
float64 arguments."""

import math

from kiln.library import implements


@implements("math.gcd")
def gcd(a, b):
    a = abs(a)
    b = abs(b)
    while b != 0:
        a, b = b, a % b
    return a


@implements("math.lcm")
def lcm(a, b):
    if a == 0 or b == 0:
        return 0
    return abs(a // math.gcd(a, b) * b)


@implements("math.isclose")
def isclose(a, b, rel_tol=1e-09, abs_tol=0.0):
    if rel_tol < 0.0 or abs_tol < 0.0:
        raise ValueError("tolerances must be non-negative")
    if a == b:
        return True
    if math.isinf(a) or math.isinf(b):
        return False
    diff = abs(b - a)
    return diff <= abs(rel_tol * b) or diff <= abs(rel_tol * a) or diff <= abs_tol


@implements("math.isqrt")
def isqrt(n):
    if n < 0:
        raise ValueError("isqrt() argument must be nonnegative")
    x = int(math.sqrt(n))
    # Correct the float estimate without forming squares that could wrap.
    while x > 0 and x > n // x:
        x -= 1
    while x + 1 <= n // (x + 1):
        x += 1
    return x
