"""Methods of ``tuple`` written in the subset Kiln compiles (tuples).

Each is registered as ``"tuple.NAME"``; a call ``t.NAME(...)`` on a tuple
compiles to a call of the function with ``t`` as its first argument, typed
at the tuple's type (a tuple indexed by a variable must be homogeneous).
"""

from . import implements


@implements("tuple.index")
def index(t, value, start=0, stop=9223372036854775807):
    n = len(t)
    if start < 0:
        start += n
        if start < 0:
            start = 0
    if stop < 0:
        stop += n
        if stop < 0:
            stop = 0
    if stop > n:
        stop = n
    for i in range(start, stop):
        if t[i] == value:
            return i
    raise ValueError("tuple.index(x): x not in tuple")


@implements("tuple.count")
def count(t, value):
    c = 0
    for i in range(len(t)):
        if t[i] == value:
            c += 1
    return c
