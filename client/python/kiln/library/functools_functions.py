"""The functools module's functions in the supported subset."""

from . import implements


@implements("functools.reduce")
def reduce(function, iterable, initial=None):
    # CPython's reduce: the initial value (or the first item) combined with
    # each item in turn, left to right. An explicit initial of None is the
    # same as none given (the default cannot be told apart from it).
    if initial is None:
        it = iter(iterable)
        for value in it:  # the first item, then the rest from the same iterator
            for x in it:
                value = function(value, x)
            return value
        raise TypeError("reduce() of empty iterable with no initial value")
    value = initial
    for x in iterable:
        value = function(value, x)
    return value
