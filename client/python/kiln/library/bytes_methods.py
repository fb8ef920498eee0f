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
from .text_codecs import decode as _decode, encode as _encode

_error = primitive("kiln.static.error")
_empty = primitive("numpy.empty")
_of = primitive("kiln.bytes.of")
_item_isinstance = primitive("kiln.static.item_isinstance")
_literal = primitive("kiln.static.literal")



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


def _tailmatch_at(s, sub, lo, hi, at_end):
    # _Py_bytes_tailmatch on indices already adjusted.
    m = len(sub)
    if hi - lo < m or lo > len(s) - m:
        return False
    if at_end:
        return _match(s, hi - m, sub)
    return _match(s, lo, sub)


def _tailmatch(s, affix, start, end, at_end):
    """Whether s[start:end] starts (ends, when `at_end`) with `affix`, a
    bytes or a tuple of bytes (any of them): bytes.startswith/endswith."""
    n = len(s)
    lo = _lo(n, start)
    hi = _hi(n, end)
    if isinstance(affix, tuple):
        for p in affix:
            if _tailmatch_at(s, p, lo, hi, at_end):
                return True
        return False
    return _tailmatch_at(s, affix, lo, hi, at_end)


@implements("bytes.startswith")
def startswith(s, prefix, start=None, end=None):
    if isinstance(prefix, tuple):
        if not _item_isinstance(prefix, bytes):
            _error("startswith first arg must be bytes or a tuple of bytes, not", prefix)
    elif not isinstance(prefix, bytes):
        _error("startswith first arg must be bytes or a tuple of bytes, not", prefix)
    return _tailmatch(s, prefix, start, end, False)


@implements("bytes.endswith")
def endswith(s, suffix, start=None, end=None):
    if isinstance(suffix, tuple):
        if not _item_isinstance(suffix, bytes):
            _error("endswith first arg must be bytes or a tuple of bytes, not", suffix)
    elif not isinstance(suffix, bytes):
        _error("endswith first arg must be bytes or a tuple of bytes, not", suffix)
    return _tailmatch(s, suffix, start, end, True)


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
    if _tailmatch_at(s, prefix, 0, n, False):
        return _copy(s, len(prefix), n)
    return _copy(s, 0, n)


@implements("bytes.removesuffix")
def removesuffix(s, suffix):
    if not isinstance(suffix, bytes):
        _error("a bytes-like object is required, not", suffix)
    n = len(s)
    if len(suffix) > 0 and _tailmatch_at(s, suffix, 0, n, True):
        return _copy(s, 0, n - len(suffix))
    return _copy(s, 0, n)


@implements("bytes.decode")
def decode(b, encoding="utf-8", errors="strict"):
    encoding = _literal(encoding)
    errors = _literal(errors)
    return _decode(b, encoding, errors)


@implements("bytes.__new__")
def new(source=None, encoding=None, errors=None):
    # codec: bytes(s, encoding[, errors]); encoding and errors are constants or None.
    encoding = _literal(encoding)
    errors = _literal(errors)
    if isinstance(source, str):
        if encoding is None:
            raise TypeError("string argument without an encoding")
        if errors is None:
            return _encode(source, encoding, "strict")
        return _encode(source, encoding, errors)
    if encoding is not None:
        raise TypeError("encoding without a string argument")
    if errors is not None:
        raise TypeError("errors without a string argument")
    if isinstance(source, bytes):  # first: `is None` of a bytes value is not typed
        return _copy(source, 0, len(source))
    if source is None:
        return _of(_empty(0, "uint8"))
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


# bytes2: splitting and joining. split/rsplit/partition/rpartition make new
# bytes of the parts (as CPython; a part is never a view).
def _split_ws(s, maxsplit):
    out = []
    n = len(s)
    i = 0
    while True:
        while i < n and _space_c(s[i]):
            i += 1
        if i >= n:
            break
        if maxsplit >= 0 and len(out) >= maxsplit:
            out.append(_copy(s, i, n))  # the rest, its trailing whitespace kept
            break
        j = i + 1
        while j < n and not _space_c(s[j]):
            j += 1
        out.append(_copy(s, i, j))
        i = j
    return out


def _rsplit_ws(s, maxsplit):
    out = []
    j = len(s)
    while True:
        while j > 0 and _space_c(s[j - 1]):
            j -= 1
        if j <= 0:
            break
        if maxsplit >= 0 and len(out) >= maxsplit:
            out.append(_copy(s, 0, j))  # the rest, its leading whitespace kept
            break
        i = j - 1
        while i > 0 and not _space_c(s[i - 1]):
            i -= 1
        out.append(_copy(s, i, j))
        j = i
    out.reverse()
    return out


@implements("bytes.split")
def split(s, sep=None, maxsplit=-1):
    if not isinstance(maxsplit, int):
        _error("bytes.split(): maxsplit must be an integer, not", maxsplit)
    if isinstance(sep, bytes):  # first: `is None` of a bytes value is not typed
        m = len(sep)
        if m == 0:
            raise ValueError("empty separator")
        out = []
        n = len(s)
        i = 0
        while maxsplit < 0 or len(out) < maxsplit:
            j = _find_bytes(s, sep, i, n)
            if j < 0:
                break
            out.append(_copy(s, i, j))
            i = j + m
        out.append(_copy(s, i, n))
        return out
    if sep is None:
        return _split_ws(s, maxsplit)
    _error("a bytes-like object is required, not", sep)


@implements("bytes.rsplit")
def rsplit(s, sep=None, maxsplit=-1):
    if not isinstance(maxsplit, int):
        _error("bytes.rsplit(): maxsplit must be an integer, not", maxsplit)
    if isinstance(sep, bytes):
        m = len(sep)
        if m == 0:
            raise ValueError("empty separator")
        out = []
        j = len(s)
        while maxsplit < 0 or len(out) < maxsplit:
            i = _rfind_bytes(s, sep, 0, j)
            if i < 0:
                break
            out.append(_copy(s, i + m, j))
            j = i
        out.append(_copy(s, 0, j))
        out.reverse()
        return out
    if sep is None:
        return _rsplit_ws(s, maxsplit)
    _error("a bytes-like object is required, not", sep)


@implements("bytes.join")
def join(sep, parts):
    if not isinstance(parts, (list, tuple)):
        _error("bytes.join() takes a list or tuple of bytes, not", parts)
    if not _item_isinstance(parts, bytes):
        _error("bytes.join() takes a non-empty tuple or a list of bytes, not", parts)
    m = len(sep)
    n = 0
    k = 0
    for p in parts:
        if k > 0:
            n += m
        n += len(p)
        k += 1
    out = _empty(n, "uint8")
    at = 0
    k = 0
    for p in parts:
        if k > 0:
            for c in sep:
                out[at] = c
                at += 1
        for c in p:
            out[at] = c
            at += 1
        k += 1
    return _of(out)


def _partition(s, sep, from_right):
    """bytes.partition and bytes.rpartition: the parts around the first (or
    last) sep; not found, s and two empty bytes on the side searched from."""
    if not isinstance(sep, bytes):
        _error("a bytes-like object is required, not", sep)
    m = len(sep)
    if m == 0:
        raise ValueError("empty separator")
    n = len(s)
    i = _rfind_bytes(s, sep, 0, n) if from_right else _find_bytes(s, sep, 0, n)
    if i < 0:
        if from_right:
            return _copy(sep, 0, 0), _copy(sep, 0, 0), _copy(s, 0, n)
        return _copy(s, 0, n), _copy(sep, 0, 0), _copy(sep, 0, 0)
    return _copy(s, 0, i), _copy(sep, 0, m), _copy(s, i + m, n)


@implements("bytes.partition")
def partition(s, sep):
    return _partition(s, sep, False)


@implements("bytes.rpartition")
def rpartition(s, sep):
    return _partition(s, sep, True)


@implements("bytes.replace")
def replace(s, old, new, count=-1):
    if not isinstance(old, bytes):
        _error("a bytes-like object is required, not", old)
    if not isinstance(new, bytes):
        _error("a bytes-like object is required, not", new)
    if not isinstance(count, int):
        _error("bytes.replace(): count must be an integer, not", count)
    n = len(s)
    m = len(old)
    r = len(new)
    # How many places are replaced (CPython's stringlib replace): an empty
    # `old` matches before each byte and at the end.
    limit = count
    if m == 0:
        places = n + 1
    else:
        places = 0
        i = 0
        while limit < 0 or places < limit:
            j = _find_bytes(s, old, i, n)
            if j < 0:
                break
            places += 1
            i = j + m
    if limit >= 0 and places > limit:
        places = limit
    out = _empty(n + places * (r - m), "uint8")
    at = 0
    i = 0
    done = 0
    while done < places:
        if m == 0:
            j = i
        else:
            j = _find_bytes(s, old, i, n)
        for k in range(i, j):
            out[at] = s[k]
            at += 1
        for k in range(r):
            out[at] = new[k]
            at += 1
        done += 1
        if m == 0:
            if j < n:
                out[at] = s[j]
                at += 1
            i = j + 1
        else:
            i = j + m
    for k in range(i, n):
        out[at] = s[k]
        at += 1
    return _of(out)


# bytes2: padding (CPython's pad: the fill byte left, right or both sides).
def _fill_byte(fillchar, which):
    # which: 0 ljust, 1 rjust, 2 center (CPython's message names the method).
    if len(fillchar) != 1:
        if which == 0:
            raise TypeError("ljust() argument 2 must be a byte string of length 1, not bytes")
        if which == 1:
            raise TypeError("rjust() argument 2 must be a byte string of length 1, not bytes")
        raise TypeError("center() argument 2 must be a byte string of length 1, not bytes")
    return fillchar[0]


def _pad(s, left, right, fill):
    n = len(s)
    if left < 0:
        left = 0
    if right < 0:
        right = 0
    out = _empty(left + n + right, "uint8")
    for k in range(left):
        out[k] = fill
    for k in range(n):
        out[left + k] = s[k]
    for k in range(right):
        out[left + n + k] = fill
    return _of(out)


@implements("bytes.ljust")
def ljust(s, width, fillchar=b" "):
    if not isinstance(width, int):
        _error("bytes.ljust(): width must be an integer, not", width)
    if not isinstance(fillchar, bytes):
        _error("ljust() argument 2 must be a byte string of length 1, not", fillchar)
    return _pad(s, 0, width - len(s), _fill_byte(fillchar, 0))


@implements("bytes.rjust")
def rjust(s, width, fillchar=b" "):
    if not isinstance(width, int):
        _error("bytes.rjust(): width must be an integer, not", width)
    if not isinstance(fillchar, bytes):
        _error("rjust() argument 2 must be a byte string of length 1, not", fillchar)
    return _pad(s, width - len(s), 0, _fill_byte(fillchar, 1))


@implements("bytes.center")
def center(s, width, fillchar=b" "):
    if not isinstance(width, int):
        _error("bytes.center(): width must be an integer, not", width)
    if not isinstance(fillchar, bytes):
        _error("center() argument 2 must be a byte string of length 1, not", fillchar)
    fill = _fill_byte(fillchar, 2)
    marg = width - len(s)
    if marg <= 0:
        return _pad(s, 0, 0, fill)
    # CPython's rule: the extra byte goes left when both are odd.
    left = marg // 2 + (marg & width & 1)
    return _pad(s, left, marg - left, fill)


@implements("bytes.zfill")
def zfill(s, width):
    if not isinstance(width, int):
        _error("bytes.zfill(): width must be an integer, not", width)
    n = len(s)
    fill = width - n
    if fill <= 0:
        return _copy(s, 0, n)
    out = _pad(s, fill, 0, 48)
    # A sign moves to the front (CPython's zfill).
    if n > 0 and (s[0] == 43 or s[0] == 45):
        o = _empty(width, "uint8")
        for k in range(width):
            o[k] = out[k]
        o[0] = s[0]
        o[fill] = 48
        return _of(o)
    return out


@implements("bytes.expandtabs")
def expandtabs(s, tabsize=8):
    if not isinstance(tabsize, int):
        _error("bytes.expandtabs(): tabsize must be an integer, not", tabsize)
    # Two passes, as CPython: the length first, then the bytes.
    n = 0
    col = 0
    for c in s:
        if c == 9:
            if tabsize > 0:
                k = tabsize - col % tabsize
                n += k
                col += k
        else:
            n += 1
            col += 1
            if c == 10 or c == 13:
                col = 0
    out = _empty(n, "uint8")
    at = 0
    col = 0
    for c in s:
        if c == 9:
            if tabsize > 0:
                k = tabsize - col % tabsize
                for q in range(k):
                    out[at] = 32
                    at += 1
                col += k
        else:
            out[at] = c
            at += 1
            col += 1
            if c == 10 or c == 13:
                col = 0
    return _of(out)


_str_of = primitive("kiln.str.of")


def _hex_digit(d):
    if d < 10:
        return 48 + d
    return 87 + d


@implements("bytes.hex")
def hex(s, sep=None, bytes_per_sep=1):
    # CPython's _Py_strhex_impl: a separator between groups of
    # |bytes_per_sep| bytes, counted from the right when it is positive.
    if not isinstance(bytes_per_sep, int):
        _error("bytes.hex(): bytes_per_sep must be an integer, not", bytes_per_sep)
    n = len(s)
    sepc = -1
    if isinstance(sep, bytes):
        if len(sep) != 1:
            raise ValueError("sep must be length 1.")
        sepc = sep[0]
    elif isinstance(sep, str):
        if len(sep) != 1:
            raise ValueError("sep must be length 1.")
        sepc = ord(sep)
    elif sep is not None:
        _error("bytes.hex(): sep must be str or bytes, not", sep)
    if sepc > 127:
        raise ValueError("sep must be ASCII.")
    group = bytes_per_sep
    if group < 0:
        group = -group
    if sepc < 0 or group == 0 or n == 0:
        seps = 0
    else:
        seps = (n - 1) // group
    out = _empty(2 * n + seps, "uint8")
    at = 0
    for i in range(n):
        if seps > 0 and i > 0:
            if bytes_per_sep > 0:
                put = (n - i) % group == 0
            else:
                put = i % group == 0
            if put:
                out[at] = sepc
                at += 1
        c = s[i]
        out[at] = _hex_digit(c >> 4)
        out[at + 1] = _hex_digit(c & 15)
        at += 2
    return _str_of(out)
