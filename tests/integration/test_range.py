"""`for` over range(): the trip count is computed once, as CPython's range
length, for constant and run-time steps of either sign; results are checked
against CPython itself."""
import pytest

from kiln import jit

I64_MAX = 2**63 - 1
I64_MIN = -2**63


def collect(start, stop, step):
    """Count, sum, first and last item of range(start, stop, step) (first and
    last are 0 when empty); a sum that wraps would differ from Python's, so
    the cases below keep it in range."""
    n = 0
    total = 0
    first = 0
    last = 0
    for i in range(start, stop, step):
        if n == 0:
            first = i
        last = i
        total += i
        n += 1
    return n, total, first, last


def const_steps(n):
    a = 0
    for i in range(n, -1, -3):
        a = a * 3 + i
    b = 0
    for i in range(0, n, 4):
        b += i
    c = 0
    for i in range(n, 0, -1):
        c += i
    return a, b, c


def nested(n, k):
    # Ranges inside zip/enumerate, and a run-time step of either sign.
    a = 0
    for j, (x, y) in enumerate(zip(range(n, -n, -k), range(0, 3 * n, k))):
        a += j * 1000 + x * 10 + y
    return a


def zero_step(k):
    s = 0
    for i in range(0, 10, k):
        s += i
    return s


CASES = [
    (0, 10, 1), (0, 10, 3), (10, 0, -1), (10, 0, -3), (10, -10, -7), (-5, 5, 2),
    (0, 0, 1), (5, 0, 1), (0, 5, -1), (3, 4, 1000), (4, 3, -1000), (7, 7, -2),
    (0, 1, I64_MAX), (0, -1, I64_MIN), (-3, 3, 1),
    # Bounds where start + k*step passes INT64_MAX/MIN after the last item.
    (I64_MAX - 5, I64_MAX, 2), (I64_MIN + 5, I64_MIN, -2), (I64_MAX - 10, I64_MAX, 4),
    (0, I64_MAX, 2**62), (0, I64_MIN, -2**62), (I64_MIN, I64_MAX, 2**62),
]


@pytest.mark.parametrize("start,stop,step", CASES)
def test_run_time_step_matches_cpython(kilnd, start, stop, step):
    n, total, first, last = collect(start, stop, step)
    assert jit(collect)(start, stop, step)[0] == n
    got = jit(collect)(start, stop, step)
    assert got[0] == n and got[2] == first and got[3] == last
    if I64_MIN <= total <= I64_MAX:
        assert got[1] == total


@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 17, 100])
def test_constant_steps(kilnd, n):
    assert jit(const_steps)(n) == const_steps(n)


@pytest.mark.parametrize("n,k", [(0, 1), (3, 1), (10, 3), (10, 7), (5, 20)])
def test_ranges_in_zip_and_enumerate(kilnd, n, k):
    assert jit(nested)(n, k) == nested(n, k)


def test_zero_step_raises_value_error(kilnd):
    f = jit(zero_step)
    assert f(3) == zero_step(3)
    assert f(-3) == zero_step(-3)
    with pytest.raises(ValueError, match="must not be zero"):
        f(0)
