"""Python builtins written in the supported subset: map and filter are
generator functions (compiled as coroutines, lowering/lower_generators.cpp),
so they are as lazy as Python's."""

from . import implements, primitive


@implements("builtins.map")
def map(function, iterable, iterable2=None):
    # One or two iterables (map(f, *args) is refused: f(*t) is not supported).
    if iterable2 is None:  # through zip, as Numba's (whose errors name zip)
        for (x,) in zip(iterable):
            yield function(x)
    else:
        for x, y in zip(iterable, iterable2):
            yield function(x, y)


@implements("builtins.filter")
def filter(function, iterable):
    if function is None:  # filter(None, it): the true items
        for x in iterable:
            if x:
                yield x
    else:
        for x in iterable:
            if function(x):
                yield x


_error = primitive("kiln.static.error")


@implements("builtins.reversed")
def reversed(seq):
    # pyfuncs: a lazy reverse iterator over a sequence (list, tuple, str,
    # range, 1-d array), reading by index as CPython's list iterator does:
    # it stops when the position falls outside a list that shrank.
    if isinstance(seq, dict):  # a dict or a set (a dict without values)
        _error("reversed() of a dict or set is not supported")
    if isinstance(seq, range):  # a range is not indexed in compiled code: its items, listed
        items = list(seq)
        k = len(items) - 1
        while k >= 0:
            yield items[k]
            k -= 1
    else:
        i = len(seq) - 1
        while 0 <= i < len(seq):
            yield seq[i]
            i -= 1
