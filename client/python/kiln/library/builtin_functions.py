"""Python builtins written in the supported subset: map and filter are
generator functions (compiled as coroutines, lowering/lower_generators.cpp),
so they are as lazy as Python's."""


from kiln import literal_unroll

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


# dtunits: the compiler hashes a datetime64/timedelta64 as NumPy 1.x does
# (its int64 count); NumPy 2 hashes them as datetime's objects (and refuses
# the generic unit). Under NumPy 2 hash() goes through this check, which
# refuses them rather than give NumPy 1.x's number. Registered only then.
# NumPy is imported here if it is not yet: were it imported only after this
# module, its datetimes would get NumPy 1.x's hash under NumPy 2 (this
# module loads once, when a bundle first needs a builtins name, so a
# NumPy-free program pays the import once, at that compile).
_hash = primitive("hash")


def _hash_numpy2(obj):
    if isinstance(obj, (_np.timedelta64, _np.datetime64)):
        _error("hash() of a datetime64/timedelta64 under NumPy 2 is not supported yet:", obj)
    return _hash(obj)


try:
    import numpy as _np
except ImportError:  # no NumPy, no datetime64 values
    _np = None
if _np is not None and int(_np.__version__.split(".")[0]) >= 2:
    implements("builtins.hash")(_hash_numpy2)


_sum_row = primitive("sum")


@implements("builtins.sum")
def sum(iterable, start=0):
    # realcode6: Python's sum of any iterable (numba_celltree: `sum(counts)`
    # of an int64 array; tuples, generators, ranges), Python's left fold
    # `start + x0 + x1 + ...`, from a number start. A list, a str, or a
    # start that is not a number (str, bytes, bytearray, an array) is the
    # compiler's row (rules_lists.cpp), with its refusals in Python's words;
    # so are a dict and a set (isinstance(s, dict) is true of both), whose
    # sum stays refused: a set's order is not CPython's, and a float sum
    # depends on it.
    if isinstance(iterable, (list, str, dict)) or not isinstance(start, (bool, int, float, complex)):
        return _sum_row(iterable, start)
    total = start
    if isinstance(iterable, tuple):  # items of several types (1, 2.5): unrolled
        for x in literal_unroll(iterable):
            total = total + x
        return total
    for x in iterable:
        total = total + x
    return total
