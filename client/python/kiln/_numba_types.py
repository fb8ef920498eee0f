"""Numba's type objects for Kiln's type spellings, for ``numba.typeof``.

``kiln.jit`` is a drop-in for ``numba.njit``: code written for Numba calls
``numba.typeof`` on what a jitted function returned (a typed Dict or List)
and reads ``.key_type``, ``.item_type``. Numba's ``typeof`` asks an unknown
object for ``_numba_type_``; the typed containers answer with a Numba type
made here, only when Numba is already imported (Kiln never imports it).
Otherwise, and for a spelling this does not know, they answer with the
spelling itself (a str), which is what Kiln's own code reads."""

import re
import sys

_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*|\d+|[(),.\[\]]|x\b)")


def _tokens(spelling):
    out, pos = [], 0
    while pos < len(spelling):
        m = _TOKEN.match(spelling, pos)
        if m is None:
            return None
        out.append(m.group(1))
        pos = m.end()
        while pos < len(spelling) and spelling[pos].isspace():
            pos += 1
    return out


def split_items(text):
    """"T1, k=T2" -> ["T1", "k=T2"]: a type spelling's items, split at the
    commas outside brackets (an @overload request's arguments, a tuple's
    items)."""
    out, depth, start = [], 0, 0
    quote = None  # literally: inside a str literal's repr, Literal[str]('a, (b')
    for pos, ch in enumerate(text):
        if quote is not None:
            if ch == quote and not _escaped(text, pos):
                quote = None
            continue
        if ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:pos].strip())
            start = pos + 1
    if text[start:].strip():
        out.append(text[start:].strip())
    return out


def _escaped(text, pos):
    """Whether text[pos] follows an odd run of backslashes."""
    n = 0
    while pos - n - 1 >= 0 and text[pos - n - 1] == "\\":
        n += 1
    return n % 2 == 1


# literally: a literal type as the server spells it, "Literal[int](3)",
# "Literal[bool](True)", "Literal[str]('linear')" (Python's repr).
LITERAL = re.compile(r"Literal\[(int|bool|str)\]\((.*)\)", re.S)


def literal_value(spelling):
    """(True, the value) of a literal type's spelling, or (False, None)."""
    m = LITERAL.fullmatch(spelling)
    if m is None:
        return False, None
    import ast
    try:
        value = ast.literal_eval(m.group(2))
    except (ValueError, SyntaxError):
        return False, None
    if type(value).__name__ != m.group(1):
        return False, None
    return True, value


def _items(types, toks, i, close):
    """(the comma-separated types from toks[i] up to `close`, the index after it)."""
    items = []
    while toks[i] != close:
        item, i = _parse(types, toks, i)
        items.append(item)
        if toks[i] == ",":
            i += 1
    return items, i + 1


def _parse(types, toks, i):
    """(numba type, next index) for the spelling starting at toks[i]."""
    name = toks[i]
    if name in ("array", "readonly"):  # overload: "[readonly ]array(float64, 2d, C)", in a tuple too
        readonly = name == "readonly"
        i += readonly
        if toks[i:i + 2] != ["array", "("]:
            raise ValueError(name)
        dtype, i = _parse(types, toks, i + 2)
        if toks[i] != "," or toks[i + 2] != "d" or toks[i + 3] != "," or toks[i + 4] not in ("C", "F", "A") \
                or toks[i + 5] != ")":
            raise ValueError(name)
        return types.Array(dtype, int(toks[i + 1]), toks[i + 4], readonly=readonly), i + 6
    if name in ("UniTuple", "Tuple", "ListType", "DictType", "reflected") or toks[i + 1:i + 2] == ["("]:
        if name == "StructRef":  # structref: "StructRef(module.PointType[x, y], T1, T2)"
            fields = []
            cls, i = _class_at(toks, i + 2, fields, lambda c: issubclass(c, types.StructRef))
            items, i = _items(types, toks, i, ")")
            if len(items) != len(fields):
                raise ValueError(name)
            return cls(list(zip(fields, items))), i
        if name in ("NamedTuple", "NamedUniTuple"):  # overload: "NamedTuple(module.Point[x, y], T1, T2)"
            cls, i = _namedtuple_class(toks, i + 2)
            if name == "NamedTuple":
                items, i = _items(types, toks, i, ")")
                return types.NamedTuple(items, cls), i
            item, i = _parse(types, toks, i)
            if toks[i] != "x" or toks[i + 2] != ")":
                raise ValueError(name)
            return types.NamedUniTuple(item, int(toks[i + 1]), cls), i + 3
        if name == "UniTuple":
            item, i = _parse(types, toks, i + 2)
            if toks[i] not in (",", "x"):
                raise ValueError(name)
            n = int(toks[i + 1])
            if toks[i + 2] != ")":
                raise ValueError(name)
            return types.UniTuple(item, n), i + 3
        if name == "Tuple":
            items, i = _items(types, toks, i + 2, ")")
            return types.Tuple(items), i
        if name in ("ListType", "DictType") and toks[i + 1] == "[":
            args, i = _items(types, toks, i + 2, "]")
            return (types.ListType(*args) if name == "ListType" else types.DictType(*args)), i
        raise ValueError(name)
    aliases = {"bool": "boolean", "str": "unicode_type", "none": "none"}
    t = getattr(types, aliases.get(name, name), None)
    if not isinstance(t, types.Type):
        raise ValueError(name)
    return t, i + 1


def _namedtuple_class(toks, i):
    """(the namedtuple class that "module.Point[x, y]," at toks[i] names, the
    index after its comma): found in its module, which the process has
    imported, and having those fields; else ValueError (no type object)."""
    fields = []
    return _class_at(toks, i, fields, lambda c: issubclass(c, tuple) and list(getattr(c, "_fields", ())) == fields)


def _class_at(toks, i, fields, fits):
    """namedtuples, structref: (the class that "module.Name[x, y]," at toks[i]
    names, the index after its comma), found in its module, which the process
    has imported, for which fits(class) holds; its field names are appended
    to `fields`; else ValueError (no type object)."""
    parts = [toks[i]]
    i += 1
    while toks[i] == ".":
        parts.append(toks[i + 1])
        i += 2
    if toks[i] != "[":
        raise ValueError("namedtuple")
    i += 1
    while toks[i] != "]":
        fields.append(toks[i])
        i += 2 if toks[i + 1] == "," else 1
    if toks[i + 1] != ",":
        raise ValueError("namedtuple")
    for split in range(len(parts) - 1, 0, -1):  # the longest imported module first
        obj = sys.modules.get(".".join(parts[:split]))
        for attr in parts[split:]:
            obj = getattr(obj, attr, None)
        if isinstance(obj, type) and fits(obj):
            return obj, i + 2
    raise ValueError("namedtuple")


# overload: an array's spelling, "array(float64, 2d, C)", read-only or not.
ARRAY = re.compile(r"(readonly )?array\((\w+), (\d+)d, ([CFA])\)")


def numba_type(spelling):
    """Numba's type for a Kiln spelling, or None (no Numba, or unknown)."""
    if "numba.core.types" not in sys.modules or spelling is None:
        return None
    types = sys.modules["numba.core.types"]
    is_literal, value = literal_value(spelling)
    if is_literal:  # literally: Numba's IntegerLiteral, BooleanLiteral, StringLiteral
        return types.literal(value)
    toks = _tokens(spelling)
    if not toks:
        return None
    try:
        t, end = _parse(types, toks, 0)
    except (ValueError, IndexError, TypeError):
        return None
    return t if end == len(toks) else None
