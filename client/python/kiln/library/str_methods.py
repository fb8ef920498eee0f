"""Methods of ``str`` written in the subset Kiln compiles (docs/strings.md).

Each is registered as ``"str.NAME"``; a call ``s.NAME(...)`` on a
``unicode_type`` value compiles to a call of the function with ``s`` as its
first argument. The primitives they use (indexing, slicing, ``+``, ``*``,
``len``, comparisons, the native methods) are the compiler's own.
"""

from . import implements, primitive
from .text_codecs import decode as _decode, encode as _encode

_error = primitive("kiln.static.error")
_literal = primitive("kiln.static.literal")


@implements("str.encode")
def encode(s, encoding="utf-8", errors="strict"):
    encoding = _literal(encoding)
    errors = _literal(errors)
    return _encode(s, encoding, errors)


@implements("str.__new__")
def new(obj, encoding=None, errors=None):
    # codec: str(b, encoding[, errors]) (the compiler types str(x) of one
    # argument itself); encoding and errors are constants or None.
    encoding = _literal(encoding)
    errors = _literal(errors)
    if not isinstance(obj, bytes):
        _error("str(): decoding is supported only for bytes, not", obj)
    if encoding is None:
        if errors is None:
            return _decode(obj, "utf-8", "strict")
        return _decode(obj, "utf-8", errors)
    if errors is None:
        return _decode(obj, encoding, "strict")
    return _decode(obj, encoding, errors)

# A wrong argument type is refused in Numba's words (its type classes, which
# its tests look for), the value's type after them; a message is one
# constant.


@implements("str.zfill")
def zfill(s, width):
    if not isinstance(width, int):
        _error("str.zfill(): <width> must be an Integer, not", width)
    n = len(s)
    if n >= width:
        return s
    fill = width - n
    if n > 0 and (s[0] == "+" or s[0] == "-"):
        return s[0] + "0" * fill + s[1:]
    return "0" * fill + s


@implements("str.ljust")
def ljust(s, width, fillchar=" "):
    if len(fillchar) != 1:
        raise TypeError("The fill character must be exactly one character long")
    n = len(s)
    if n >= width:
        return s
    return s + fillchar * (width - n)


@implements("str.rjust")
def rjust(s, width, fillchar=" "):
    if len(fillchar) != 1:
        raise TypeError("The fill character must be exactly one character long")
    n = len(s)
    if n >= width:
        return s
    return fillchar * (width - n) + s


@implements("str.center")
def center(s, width, fillchar=" "):
    if len(fillchar) != 1:
        raise TypeError("The fill character must be exactly one character long")
    n = len(s)
    if n >= width:
        return s
    marg = width - n
    # CPython's rule: the extra character goes left when both are odd.
    left = marg // 2 + (marg & width & 1)
    return fillchar * left + s + fillchar * (marg - left)


@implements("str.join")
def join(sep, parts):
    out = ""
    first = True
    for p in parts:
        if not isinstance(p, str):
            _error("During: resolving callee type: BoundFunction(unicode_type.join for unicode_type): "
                   "str.join() takes an iterable of str, not", parts)
        if first:
            out = p
            first = False
        else:
            out = out + sep + p
    return out


@implements("str.partition")
def partition(s, sep):
    if not isinstance(sep, str):
        _error("""str.partition(): "sep" must be (<class 'numba.core.types.misc.UnicodeType'>, <class 'numba.core.types.npytypes.UnicodeCharSeq'>), not""", sep)
    if len(sep) == 0:
        raise ValueError("empty separator")
    i = s.find(sep)
    if i < 0:
        return s, "", ""
    return s[:i], sep, s[i + len(sep):]


@implements("str.rpartition")
def rpartition(s, sep):
    if not isinstance(sep, str):
        _error("""str.rpartition(): "sep" must be (<class 'numba.core.types.misc.UnicodeType'>, <class 'numba.core.types.npytypes.UnicodeCharSeq'>), not""", sep)
    if len(sep) == 0:
        raise ValueError("empty separator")
    i = s.rfind(sep)
    if i < 0:
        return "", "", s
    return s[:i], sep, s[i + len(sep):]


@implements("str.expandtabs")
def expandtabs(s, tabsize=8):
    if not isinstance(tabsize, int):
        _error("""str.expandtabs(): "tabsize" must be (<class 'numba.core.types.scalars.Integer'>, <class 'int'>), not""", tabsize)
    out = ""
    col = 0
    for c in s:
        if c == "\t":
            if tabsize > 0:
                n = tabsize - col % tabsize
                out += " " * n
                col += n
        else:
            out += c
            col += 1
            if c == "\n" or c == "\r":
                col = 0
    return out


def _space_at(s, i):
    # s[i].isspace(), ASCII answered inline (Python's whitespace: \t-\r, \x1c-\x1f, space).
    o = ord(s[i])
    if o < 128:
        return o == 32 or 9 <= o <= 13 or 28 <= o <= 31
    return s[i].isspace()


# strings2: split, rsplit and splitlines make lists of strings (slices of s:
# views into its block, no copies of the characters).
@implements("str.split")
def split(s, sep=None, maxsplit=-1):
    maxsplit = maxsplit | 0  # an integer, as Python (a float is a TypeError)
    out = []
    n = len(s)
    if sep is None:  # runs of whitespace, none at either end
        i = 0
        while True:
            while i < n and _space_at(s, i):
                i += 1
            if i >= n:
                break
            if maxsplit >= 0 and len(out) >= maxsplit:
                out.append(s[i:])  # the rest, its trailing whitespace kept
                break
            j = i + 1
            while j < n and not _space_at(s, j):
                j += 1
            out.append(s[i:j])
            i = j
        return out
    m = len(sep)
    if m == 0:
        raise ValueError("empty separator")
    i = 0
    while maxsplit < 0 or len(out) < maxsplit:
        j = s.find(sep, i)
        if j < 0:
            break
        out.append(s[i:j])
        i = j + m
    out.append(s[i:])
    return out


@implements("str.rsplit")
def rsplit(s, sep=None, maxsplit=-1):
    if not isinstance(maxsplit, int):
        _error("""str.rsplit(): "maxsplit" must be (<class 'numba.core.types.scalars.Integer'>, <class 'int'>), not""", maxsplit)
    maxsplit = maxsplit | 0
    out = []
    if sep is None:
        j = len(s)
        while True:
            while j > 0 and _space_at(s, j - 1):
                j -= 1
            if j <= 0:
                break
            if maxsplit >= 0 and len(out) >= maxsplit:
                out.append(s[:j])  # the rest, its leading whitespace kept
                break
            i = j - 1
            while i > 0 and not _space_at(s, i - 1):
                i -= 1
            out.append(s[i:j])
            j = i
        out.reverse()
        return out
    m = len(sep)
    if m == 0:
        raise ValueError("empty separator")
    j = len(s)
    while maxsplit < 0 or len(out) < maxsplit:
        i = s.rfind(sep, 0, j)
        if i < 0:
            break
        out.append(s[i + m:j])
        j = i
    out.append(s[:j])
    out.reverse()
    return out


@implements("str.splitlines")
def splitlines(s, keepends=False):
    if not isinstance(keepends, (int, bool)):
        _error("""str.splitlines(): "keepends" must be (<class 'numba.core.types.scalars.Integer'>, <class 'int'>, <class 'numba.core.types.scalars.Boolean'>, <class 'bool'>), not""", keepends)
    keep = keepends | False  # an int or a bool, as Python
    out = []
    n = len(s)
    i = 0
    while i < n:
        j = i
        # Python's line boundaries (str.splitlines' table).
        while j < n and s[j] not in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029":
            j += 1
        eol = j
        if j < n:
            if s[j] == "\r" and j + 1 < n and s[j + 1] == "\n":
                j += 2
            else:
                j += 1
            if keep:
                eol = j
        out.append(s[i:eol])
        i = j
    return out
