"""Methods of ``bytes`` written in the subset Kiln compiles (docs/python-subset.md).

Each is registered as ``"bytes.NAME"``; a call ``b.NAME(...)`` on a bytes
value (``Bytes(uint8, 1d, C)``: an item of an ``S`` array, a bytes literal,
a ``bytes`` argument) compiles to a call of the function with ``b`` as its
first argument. ``bytes(x)`` is ``"bytes.__new__"``.

Everything follows CPython's bytes methods (Objects/bytes_methods.c,
Objects/stringlib): character classes and case are ASCII's (``Py_ISSPACE``
is ``\\t \\n \\v \\f \\r`` and space), and ``start``/``end`` are adjusted as
``ADJUST_INDICES`` does. A method that returns bytes returns a new block
(``kiln.bytes.of`` of a uint8 array filled here), never a view: an ``S``
item is a view of its array, which may be written after.

This module imports no NumPy: it allocates through the compiler's own
``numpy.empty`` row.
"""

from . import implements, primitive

_error = primitive("kiln.static.error")
_empty = primitive("numpy.empty")
_of = primitive("kiln.bytes.of")
_item_isinstance = primitive("kiln.static.item_isinstance")



def _copy(s, start, stop):
    """A new bytes of s[start:stop] (0 <= start, stop <= len(s))."""
    n = stop - start
    if n < 0:
        n = 0
    out = _empty(n, "uint8")
    for k in range(n):
        out[k] = s[start + k]
    return _of(out)


def _lo(n, start):
    # ADJUST_INDICES: None is 0, a negative start counts from the end.
    if start is None:
        return 0
    if not isinstance(start, int):
        _error("slice indices must be integers or None, not", start)
    if start < 0:
        start += n
        if start < 0:
            return 0
    return start


def _hi(n, end):
    # ADJUST_INDICES: None is len, past the end is len, a negative end
    # counts from the end.
    if end is None:
        return n
    if not isinstance(end, int):
        _error("slice indices must be integers or None, not", end)
    if end > n:
        return n
    if end < 0:
        end += n
        if end < 0:
            return 0
    return end


def _byte(c):
    if c < 0 or c > 255:
        raise ValueError("byte must be in range(0, 256)")
    return c


def _match(s, at, sub):
    for k in range(len(sub)):
        if s[at + k] != sub[k]:
            return False
    return True


def _find_bytes(s, sub, lo, hi):
    m = len(sub)
    if hi - lo < m:
        return -1
    for i in range(lo, hi - m + 1):
        if _match(s, i, sub):
            return i
    return -1


def _rfind_bytes(s, sub, lo, hi):
    m = len(sub)
    if hi - lo < m:
        return -1
    i = hi - m
    while i >= lo:
        if _match(s, i, sub):
            return i
        i -= 1
    return -1


def _find_byte(s, c, lo, hi):
    for i in range(lo, hi):
        if s[i] == c:
            return i
    return -1


def _rfind_byte(s, c, lo, hi):
    i = hi - 1
    while i >= lo:
        if s[i] == c:
            return i
        i -= 1
    return -1


@implements("bytes.find")
def find(s, sub, start=None, end=None):
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    if isinstance(sub, bytes):
        return _find_bytes(s, sub, lo, hi)
    if isinstance(sub, int):
        return _find_byte(s, _byte(sub), lo, hi)
    _error("argument should be integer or bytes-like object, not", sub)


@implements("bytes.rfind")
def rfind(s, sub, start=None, end=None):
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    if isinstance(sub, bytes):
        return _rfind_bytes(s, sub, lo, hi)
    if isinstance(sub, int):
        return _rfind_byte(s, _byte(sub), lo, hi)
    _error("argument should be integer or bytes-like object, not", sub)


@implements("bytes.index")
def index(s, sub, start=None, end=None):
    i = find(s, sub, start, end)
    if i < 0:
        raise ValueError("subsection not found")
    return i


@implements("bytes.rindex")
def rindex(s, sub, start=None, end=None):
    i = rfind(s, sub, start, end)
    if i < 0:
        raise ValueError("subsection not found")
    return i


@implements("bytes.count")
def count(s, sub, start=None, end=None):
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    c = 0
    if isinstance(sub, bytes):
        m = len(sub)
        if hi - lo < 0:
            return 0
        if m == 0:
            return hi - lo + 1
        i = lo
        while i <= hi - m:
            if _match(s, i, sub):
                c += 1
                i += m
            else:
                i += 1
        return c
    if isinstance(sub, int):
        b = _byte(sub)
        for i in range(lo, hi):
            if s[i] == b:
                c += 1
        return c
    _error("argument should be integer or bytes-like object, not", sub)


def _starts(s, prefix, lo, hi):
    # _Py_bytes_tailmatch, direction -1.
    m = len(prefix)
    if lo > len(s) - m:
        return False
    if hi - lo < m:
        return False
    return _match(s, lo, prefix)


def _ends(s, suffix, lo, hi):
    # _Py_bytes_tailmatch, direction +1.
    m = len(suffix)
    if hi - lo < m or lo > len(s):
        return False
    return _match(s, hi - m, suffix)


@implements("bytes.startswith")
def startswith(s, prefix, start=None, end=None):
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    if isinstance(prefix, bytes):
        return _starts(s, prefix, lo, hi)
    if isinstance(prefix, tuple):
        if not _item_isinstance(prefix, bytes):
            _error("startswith first arg must be bytes or a tuple of bytes, not", prefix)
        for p in prefix:
            if _starts(s, p, lo, hi):
                return True
        return False
    _error("startswith first arg must be bytes or a tuple of bytes, not", prefix)


@implements("bytes.endswith")
def endswith(s, suffix, start=None, end=None):
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    if isinstance(suffix, bytes):
        return _ends(s, suffix, lo, hi)
    if isinstance(suffix, tuple):
        if not _item_isinstance(suffix, bytes):
            _error("endswith first arg must be bytes or a tuple of bytes, not", suffix)
        for p in suffix:
            if _ends(s, p, lo, hi):
                return True
        return False
    _error("endswith first arg must be bytes or a tuple of bytes, not", suffix)


# ASCII classes, as CPython's Py_ISUPPER, Py_ISLOWER, Py_ISSPACE, ...
def _upper_c(c):
    return 65 <= c <= 90


def _lower_c(c):
    return 97 <= c <= 122


def _digit_c(c):
    return 48 <= c <= 57


def _space_c(c):
    return c == 32 or 9 <= c <= 13


@implements("bytes.isupper")
def isupper(s):
    cased = False
    for c in s:
        if _lower_c(c):
            return False
        if _upper_c(c):
            cased = True
    return cased


@implements("bytes.islower")
def islower(s):
    cased = False
    for c in s:
        if _upper_c(c):
            return False
        if _lower_c(c):
            cased = True
    return cased


@implements("bytes.istitle")
def istitle(s):
    cased = False
    previous_cased = False
    for c in s:
        if _upper_c(c):
            if previous_cased:
                return False
            previous_cased = True
            cased = True
        elif _lower_c(c):
            if not previous_cased:
                return False
            previous_cased = True
            cased = True
        else:
            previous_cased = False
    return cased


def _every(s, alpha, digit, space):
    """Whether s is not empty and each of its bytes is a letter (when
    `alpha`), a digit (when `digit`) or whitespace (when `space`): the ASCII
    classes of bytes.isalpha, isalnum, isdigit and isspace."""
    if len(s) == 0:
        return False
    for c in s:
        if not ((alpha and (_upper_c(c) or _lower_c(c))) or (digit and _digit_c(c)) or (space and _space_c(c))):
            return False
    return True


@implements("bytes.isalpha")
def isalpha(s):
    return _every(s, True, False, False)


@implements("bytes.isalnum")
def isalnum(s):
    return _every(s, True, True, False)


@implements("bytes.isdigit")
def isdigit(s):
    return _every(s, False, True, False)


@implements("bytes.isspace")
def isspace(s):
    return _every(s, False, False, True)


@implements("bytes.isascii")
def isascii(s):
    for c in s:
        if c >= 128:
            return False
    return True


# Case mappings: which 0 upper, 1 lower, 2 swapcase, 3 capitalize, 4 title.
def _recase(s, which):
    n = len(s)
    out = _empty(n, "uint8")
    previous_cased = False
    for k in range(n):
        c = s[k]
        up = _upper_c(c)
        low = _lower_c(c)
        to_upper = False
        to_lower = False
        if which == 0:
            to_upper = low
        elif which == 1:
            to_lower = up
        elif which == 2:
            to_upper = low
            to_lower = up
        elif which == 3:
            to_upper = k == 0 and low
            to_lower = k > 0 and up
        else:
            to_upper = low and not previous_cased
            to_lower = up and previous_cased
            previous_cased = up or low
        if to_upper:
            out[k] = c - 32
        elif to_lower:
            out[k] = c + 32
        else:
            out[k] = c
    return _of(out)


@implements("bytes.upper")
def upper(s):
    return _recase(s, 0)


@implements("bytes.lower")
def lower(s):
    return _recase(s, 1)


@implements("bytes.swapcase")
def swapcase(s):
    return _recase(s, 2)


@implements("bytes.capitalize")
def capitalize(s):
    return _recase(s, 3)


@implements("bytes.title")
def title(s):
    return _recase(s, 4)


def _in(c, chars):
    for x in chars:
        if x == c:
            return True
    return False


# which: 1 left, 2 right, 3 both (CPython's do_xstrip / do_strip).
def _strip(s, chars, which):
    n = len(s)
    i = 0
    j = n
    if isinstance(chars, bytes):  # first: `is None` of a bytes value is not typed
        if which & 1:
            while i < n and _in(s[i], chars):
                i += 1
        if which & 2:
            while j > i and _in(s[j - 1], chars):
                j -= 1
        return _copy(s, i, j)
    if chars is None:
        if which & 1:
            while i < n and _space_c(s[i]):
                i += 1
        if which & 2:
            while j > i and _space_c(s[j - 1]):
                j -= 1
        return _copy(s, i, j)
    _error("a bytes-like object is required, not", chars)


@implements("bytes.strip")
def strip(s, chars=None):
    return _strip(s, chars, 3)


@implements("bytes.lstrip")
def lstrip(s, chars=None):
    return _strip(s, chars, 1)


@implements("bytes.rstrip")
def rstrip(s, chars=None):
    return _strip(s, chars, 2)


@implements("bytes.removeprefix")
def removeprefix(s, prefix):
    if not isinstance(prefix, bytes):
        _error("a bytes-like object is required, not", prefix)
    n = len(s)
    if _starts(s, prefix, 0, n):
        return _copy(s, len(prefix), n)
    return _copy(s, 0, n)


@implements("bytes.removesuffix")
def removesuffix(s, suffix):
    if not isinstance(suffix, bytes):
        _error("a bytes-like object is required, not", suffix)
    n = len(s)
    if len(suffix) > 0 and _ends(s, suffix, 0, n):
        return _copy(s, 0, n - len(suffix))
    return _copy(s, 0, n)


@implements("bytes.__new__")
def new(source=None):
    if isinstance(source, bytes):  # first: `is None` of a bytes value is not typed
        return _copy(source, 0, len(source))
    if source is None:
        return _of(_empty(0, "uint8"))
    if isinstance(source, str):
        _error("bytes(): a str needs an encoding, which Kiln does not support; got", source)
    if isinstance(source, int):
        if source < 0:
            raise ValueError("negative count")
        out = _empty(source, "uint8")
        for k in range(source):
            out[k] = 0
        return _of(out)
    if isinstance(source, (list, tuple)):
        if not _item_isinstance(source, int):
            _error("bytes(): the items must be integers, not those of", source)
        out = _empty(len(source), "uint8")
        k = 0
        for v in source:
            if v < 0 or v > 255:
                raise ValueError("bytes must be in range(0, 256)")
            out[k] = v
            k += 1
        return _of(out)
    _error("bytes() of this value is not supported:", source)
