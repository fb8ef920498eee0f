"""Functions as values and their library (issue 9 parts 1 and 7): heapq's
refusals with Numba's messages, sort and sorted with key=, jitted
functions as arguments. Each result is compared with plain Python."""
import heapq

import pytest

from kiln import jit
from kiln.errors import TypingError


def heapify(x):
    heapq.heapify(x)


def heappush(h, item):
    heapq.heappush(h, item)


def heappop(h):
    return heapq.heappop(h)


def heapreplace(h, item):
    return heapq.heapreplace(h, item)


def nsmallest(n, it):
    return heapq.nsmallest(n, it)


def nlargest(n, it):
    return heapq.nlargest(n, it)


@pytest.mark.parametrize("f,args,msg", [
    (heapify, ((1, 5, 4),), "heap argument must be a list"),
    (heapify, ([1 + 1j, 2 - 3j],), "'<' not supported between instances of 'complex' and 'complex'"),
    (heappop, ((1, 5, 4),), "heap argument must be a list"),
    (heappush, ((1, 5, 4), 6), "heap argument must be a list"),
    (heappush, ([1, 5, 4], 6.0), "heap type must be the same as item type"),
    (heapreplace, ([1.0, 5.0], 6), "heap type must be the same as item type"),
    (nsmallest, (2.2, [3, 2, 1]), "First argument 'n' must be an integer"),
    (nlargest, (2, 100), "Second argument 'iterable' must be iterable"),
])
def test_heapq_refusals_name_the_argument(kilnd, f, args, msg):
    with pytest.raises(TypingError, match=msg.replace("(", r"\(").replace(")", r"\)")):
        jit(f)(*args)


def test_heapq_checks_leave_good_calls_alone(kilnd):
    h, hp = [5, 3, 8, 1], [5, 3, 8, 1]
    jit(heapify)(h)
    heapq.heapify(hp)
    assert h == hp
    jit(heappush)(h, 0)
    heapq.heappush(hp, 0)
    assert h == hp
    assert jit(heappop)(h) == heapq.heappop(hp) and h == hp
    assert jit(nsmallest)(True, [3, 2, 1]) == heapq.nsmallest(True, [3, 2, 1])
    assert jit(nlargest)(2, (6, 5, 4)) == heapq.nlargest(2, (6, 5, 4))
