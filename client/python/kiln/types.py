"""Numba's type names (``numba.types``) for the typed containers' API:
``Dict.empty(key_type=types.int64, value_type=types.float64)``.

A type here is its Numba spelling and the Python conversion of a value to
it (what storing into a typed container does); compiled code spells types
the same way (docs/python-subset.md)."""


class Type:
    """A scalar or tuple type, by its Numba spelling."""

    def __init__(self, name, convert):
        self.name = name
        self._convert = convert

    def cast(self, value):
        return self._convert(value)

    def __repr__(self):
        return self.name

    def __eq__(self, other):
        return isinstance(other, Type) and other.name == self.name

    def __hash__(self):
        return hash(self.name)


def _int(bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def convert(v):
        if isinstance(v, float) or not hasattr(v, "__index__"):
            raise TypeError(f"cannot safely cast {type(v).__name__} to {'' if signed else 'u'}int{bits}")
        v = int(v)
        if not lo <= v <= hi:
            raise OverflowError(f"{v} does not fit {'' if signed else 'u'}int{bits}")
        return v
    return convert


def _float(v):
    if isinstance(v, complex):
        raise TypeError("cannot safely cast complex128 to float64")
    return float(v)


def _bool(v):
    if not isinstance(v, bool) and type(v).__name__ != "bool_":
        raise TypeError(f"cannot safely cast {type(v).__name__} to bool")
    return bool(v)


int8, int16, int32, int64 = (Type(f"int{b}", _int(b, True)) for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (Type(f"uint{b}", _int(b, False)) for b in (8, 16, 32, 64))
float32 = Type("float32", _float)
float64 = Type("float64", _float)
complex64 = Type("complex64", complex)
complex128 = Type("complex128", complex)
boolean = Type("bool", _bool)
intp = int64
float_ = float64


def UniTuple(item, count):
    """A tuple of `count` items of type `item`."""
    def convert(v):
        v = tuple(v)
        if len(v) != count:
            raise TypeError(f"expected {count} items, got {len(v)}")
        return tuple(item.cast(x) for x in v)
    return Type(f"UniTuple({item.name}, {count})", convert)


def Tuple(items):
    """A tuple of the given item types."""
    items = tuple(items)

    def convert(v):
        v = tuple(v)
        if len(v) != len(items):
            raise TypeError(f"expected {len(items)} items, got {len(v)}")
        return tuple(t.cast(x) for t, x in zip(items, v))
    return Type(f"Tuple({', '.join(t.name for t in items)})", convert)


def ListType(item):
    """tlist: a typed List of `item` ("ListType[int64]", Numba's spelling; a
    signature spells it so: f"int64({types.ListType(types.int64)})")."""
    def convert(v):
        from .typed_list import List
        out = List(item_type=item.name)
        out.extend(v)
        return out
    return Type(f"ListType[{item.name}]", convert)
