"""Methods of ``str`` written in the subset Kiln compiles (docs/strings.md).

Each is registered as ``"str.NAME"``; a call ``s.NAME(...)`` on a
``unicode_type`` value compiles to a call of the function with ``s`` as its
first argument. The primitives they use (indexing, slicing, ``+``, ``*``,
``len``, comparisons, the native methods) are the compiler's own.
"""

from . import implements


@implements("str.zfill")
def zfill(s, width):
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
        if first:
            out = p
            first = False
        else:
            out = out + sep + p
    return out


@implements("str.partition")
def partition(s, sep):
    if len(sep) == 0:
        raise ValueError("empty separator")
    i = s.find(sep)
    if i < 0:
        return s, "", ""
    return s[:i], sep, s[i + len(sep):]


@implements("str.rpartition")
def rpartition(s, sep):
    if len(sep) == 0:
        raise ValueError("empty separator")
    i = s.rfind(sep)
    if i < 0:
        return "", "", s
    return s[:i], sep, s[i + len(sep):]


@implements("str.expandtabs")
def expandtabs(s, tabsize=8):
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
