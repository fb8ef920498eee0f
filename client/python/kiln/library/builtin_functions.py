"""Python builtins written in the supported subset: map and filter are
generator functions (compiled as coroutines, lowering/lower_generators.cpp),
so they are as lazy as Python's."""

from . import implements


@implements("builtins.map")
def map(function, iterable, iterable2=None):
    # One or two iterables (map(f, *args) is refused: f(*t) is not supported).
    if iterable2 is None:
        for x in iterable:
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
