"""The heapq module's functions in the supported subset: a binary min-heap
kept in a list (heap[k] <= heap[2k+1] and heap[2k+2]), as CPython's heapq.
The heap is the caller's list, changed in place (a list passed in from
Python is written back, as every reflected list)."""

import heapq

from . import implements, primitive

# Typing-time checks (compiler/typing/rules_static.cpp): a bad argument type
# is refused with Numba's message when the function is compiled.
_error = primitive("kiln.static.error")
_same_item = primitive("kiln.static.same_item")
_item_isinstance = primitive("kiln.static.item_isinstance")
_iterable = primitive("kiln.static.iterable")


# The checks are written out in each function: typing a call of a helper
# comes after the caller's own body, whose error would come first.


@implements("heapq._siftdown")
def _siftdown(heap, startpos, pos):
    # Moves heap[pos] up towards startpos until its parent is not greater.
    newitem = heap[pos]
    while pos > startpos:
        parentpos = (pos - 1) >> 1
        parent = heap[parentpos]
        if newitem < parent:
            heap[pos] = parent
            pos = parentpos
        else:
            break
    heap[pos] = newitem


@implements("heapq._siftup")
def _siftup(heap, pos):
    # Moves the smaller child up until a leaf is reached, puts heap[pos]
    # there, then sifts it down into place (CPython's bottom-up variant:
    # the same comparisons, so the same heap, as CPython).
    endpos = len(heap)
    startpos = pos
    newitem = heap[pos]
    childpos = 2 * pos + 1
    while childpos < endpos:
        rightpos = childpos + 1
        if rightpos < endpos and not heap[childpos] < heap[rightpos]:
            childpos = rightpos
        heap[pos] = heap[childpos]
        pos = childpos
        childpos = 2 * pos + 1
    heap[pos] = newitem
    heapq._siftdown(heap, startpos, pos)


@implements("heapq.heapify")
def heapify(x):
    if not isinstance(x, list):
        _error("heap argument must be a list")
    if _item_isinstance(x, complex):
        _error("'<' not supported between instances of 'complex' and 'complex'")
    n = len(x)
    for i in range(n // 2 - 1, -1, -1):
        heapq._siftup(x, i)


@implements("heapq.heappush")
def heappush(heap, item):
    if not isinstance(heap, list):
        _error("heap argument must be a list")
    if _item_isinstance(heap, complex):
        _error("'<' not supported between instances of 'complex' and 'complex'")
    if not _same_item(heap, item):
        _error("heap type must be the same as item type")
    heap.append(item)
    heapq._siftdown(heap, 0, len(heap) - 1)


@implements("heapq.heappop")
def heappop(heap):
    if not isinstance(heap, list):
        _error("heap argument must be a list")
    if _item_isinstance(heap, complex):
        _error("'<' not supported between instances of 'complex' and 'complex'")
    lastelt = heap.pop()  # IndexError on an empty heap, as CPython
    if len(heap) > 0:
        returnitem = heap[0]
        heap[0] = lastelt
        heapq._siftup(heap, 0)
        return returnitem
    return lastelt


@implements("heapq.heapreplace")
def heapreplace(heap, item):
    if not isinstance(heap, list):
        _error("heap argument must be a list")
    if _item_isinstance(heap, complex):
        _error("'<' not supported between instances of 'complex' and 'complex'")
    if not _same_item(heap, item):
        _error("heap type must be the same as item type")
    returnitem = heap[0]  # IndexError on an empty heap
    heap[0] = item
    heapq._siftup(heap, 0)
    return returnitem


@implements("heapq.heappushpop")
def heappushpop(heap, item):
    if not isinstance(heap, list):
        _error("heap argument must be a list")
    if _item_isinstance(heap, complex):
        _error("'<' not supported between instances of 'complex' and 'complex'")
    if not _same_item(heap, item):
        _error("heap type must be the same as item type")
    if len(heap) > 0 and heap[0] < item:
        top = heap[0]
        heap[0] = item
        heapq._siftup(heap, 0)
        return top
    return item


@implements("heapq.nsmallest")
def nsmallest(n, iterable):
    if not isinstance(n, int):
        _error("First argument 'n' must be an integer")
    if not _iterable(iterable):
        _error("Second argument 'iterable' must be iterable")
    # CPython documents nsmallest(n, it) as sorted(it)[:n].
    if n <= 0:
        return sorted(iterable)[:0]
    return sorted(iterable)[:n]


@implements("heapq.nlargest")
def nlargest(n, iterable):
    if not isinstance(n, int):
        _error("First argument 'n' must be an integer")
    if not _iterable(iterable):
        _error("Second argument 'iterable' must be iterable")
    # CPython documents nlargest(n, it) as sorted(it, reverse=True)[:n].
    if n <= 0:
        return sorted(iterable, reverse=True)[:0]
    return sorted(iterable, reverse=True)[:n]
