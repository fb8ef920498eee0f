"""``list.sort`` and ``sorted`` with a ``key=`` function (pyfuncs), written
in the subset Kiln compiles.

Without ``key=`` (or with ``key=None``) both are the compiler's own sort;
with a key that is a function (a jitted function, an inner function, a
lambda or a closure) a call compiles to one of these, typed at the key's
type. ``"list.sort"`` is called with the list as its first argument;
``"list.sorted"`` stands for the builtin ``sorted`` (the bundle adds it for
a function that reads the name ``sorted``).

The sort is stable, as CPython's: items with equal keys keep their order,
with ``reverse=True`` too. Each key is computed once per item.
"""

from . import implements, primitive

_error = primitive("kiln.static.error")


def _order_by_key(keys, reverse):
    # A stable bottom-up merge sort of the positions 0..n-1 by keys[pos];
    # with reverse, a position goes first when its key is greater.
    n = len(keys)
    idx = list(range(n))
    tmp = list(range(n))
    width = 1
    while width < n:
        lo = 0
        while lo < n:
            mid = min(lo + width, n)
            hi = min(lo + 2 * width, n)
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                a = keys[idx[i]]
                b = keys[idx[j]]
                right_first = (a < b) if reverse else (b < a)
                if right_first:
                    tmp[k] = idx[j]
                    j += 1
                else:
                    tmp[k] = idx[i]
                    i += 1
                k += 1
            while i < mid:
                tmp[k] = idx[i]
                i += 1
                k += 1
            while j < hi:
                tmp[k] = idx[j]
                j += 1
                k += 1
            lo += 2 * width
        idx, tmp = tmp, idx
        width *= 2
    return idx


def _sort_in_place(lst, key, reverse):
    n = len(lst)
    if n == 0:
        return
    keys = [key(lst[0])]
    for p in range(1, n):
        keys.append(key(lst[p]))
    order = _order_by_key(keys, reverse != 0)
    items = [lst[order[p]] for p in range(n)]
    for p in range(n):
        lst[p] = items[p]


@implements("list.sort")
def sort(lst, key=None, reverse=False):
    if not isinstance(reverse, int):
        _error("an integer is required for 'reverse'")
    _sort_in_place(lst, key, reverse)


@implements("list.sorted")
def sorted_(iterable, key=None, reverse=False):
    if not isinstance(reverse, int):
        _error("an integer is required for 'reverse'")
    out = list(iterable)
    _sort_in_place(out, key, reverse)
    return out
