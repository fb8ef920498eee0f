"""The heapq module's functions in the supported subset: a binary min-heap
kept in a list (heap[k] <= heap[2k+1] and heap[2k+2]), as CPython's heapq.
The heap is the caller's list, changed in place (a list passed in from
Python is written back, as every reflected list)."""

import heapq

from . import implements


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
    n = len(x)
    for i in range(n // 2 - 1, -1, -1):
        heapq._siftup(x, i)


@implements("heapq.heappush")
def heappush(heap, item):
    heap.append(item)
    heapq._siftdown(heap, 0, len(heap) - 1)


@implements("heapq.heappop")
def heappop(heap):
    lastelt = heap.pop()  # IndexError on an empty heap, as CPython
    if len(heap) > 0:
        returnitem = heap[0]
        heap[0] = lastelt
        heapq._siftup(heap, 0)
        return returnitem
    return lastelt


@implements("heapq.heapreplace")
def heapreplace(heap, item):
    returnitem = heap[0]  # IndexError on an empty heap
    heap[0] = item
    heapq._siftup(heap, 0)
    return returnitem


@implements("heapq.heappushpop")
def heappushpop(heap, item):
    if len(heap) > 0 and heap[0] < item:
        top = heap[0]
        heap[0] = item
        heapq._siftup(heap, 0)
        return top
    return item


@implements("heapq.nsmallest")
def nsmallest(n, iterable):
    # CPython documents nsmallest(n, it) as sorted(it)[:n].
    if n <= 0:
        return sorted(iterable)[:0]
    return sorted(iterable)[:n]


@implements("heapq.nlargest")
def nlargest(n, iterable):
    # CPython documents nlargest(n, it) as sorted(it, reverse=True)[:n].
    if n <= 0:
        return sorted(iterable, reverse=True)[:0]
    return sorted(iterable, reverse=True)[:n]
