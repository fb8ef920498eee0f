"""Numba's type names (``numba.types``) for the typed containers' API:
``Dict.empty(key_type=types.int64, value_type=types.float64)``.

A type here is its Numba spelling and the Python conversion of a value to
it (what storing into a typed container does); compiled code spells types
the same way (docs/python-subset.md). typedempty: in compiled code a type
read as a global or off this module is a compile-time constant (its
spelling is in the cache key), what ``Dict.empty`` and ``List.empty_list``
take: the scalars, ``unicode_type``, ``UniTuple``/``Tuple``, arrays
(``float64[:]``, ``int64[:, ::1]``, ``Array(float64, 2, "C")``),
``ListType(T)`` and ``DictType(K, V)``."""


class Type:
    """A type, by its Numba spelling."""

    def __init__(self, name, convert, scalar=False):
        self.name = name
        self._convert = convert
        self._scalar = scalar

    def cast(self, value):
        return self._convert(value)

    def __getitem__(self, index):
        """typedempty: Numba's array syntax on a scalar type: ``float64[:]`` is
        ``array(float64, 1d, A)``, ``float64[::1]`` and ``float64[:, ::1]`` are
        C-contiguous, ``float64[::1, :]`` Fortran-contiguous."""
        if not self._scalar:
            raise TypeError(f"{self.name} is not a scalar type: it has no array type")
        dims = index if isinstance(index, tuple) else (index,)
        if not dims or any(not isinstance(d, slice) or d.start is not None or d.stop is not None or
                           d.step not in (None, 1) for d in dims):
            raise TypeError(f"{self.name}[{index!r}]: give each dimension as ':' (the last or first as '::1')")
        steps = [d.step for d in dims]
        if steps[-1] == 1 and all(s is None for s in steps[:-1]):
            layout = "C"
        elif len(dims) > 1 and steps[0] == 1 and all(s is None for s in steps[1:]):
            layout = "F"
        elif all(s is None for s in steps):
            layout = "A"
        else:
            raise TypeError(f"{self.name}[{index!r}]: '::1' goes on the first or the last dimension")
        return Array(self, len(dims), layout)

    def __call__(self, *args):
        """native: ``float64(float64, int32)``, a signature, as Numba's type
        objects make one (the type of a WrapperAddressProtocol's function)."""
        if not all(isinstance(a, Type) for a in args):
            raise TypeError(f"{self.name}(...) makes a signature of types; convert a value with {self.name}.cast()")
        return Signature(self, args)

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


int8, int16, int32, int64 = (Type(f"int{b}", _int(b, True), True) for b in (8, 16, 32, 64))
uint8, uint16, uint32, uint64 = (Type(f"uint{b}", _int(b, False), True) for b in (8, 16, 32, 64))
float32 = Type("float32", _float, True)
float64 = Type("float64", _float, True)
complex64 = Type("complex64", complex, True)
complex128 = Type("complex128", complex, True)
boolean = Type("bool", _bool, True)
bool_ = boolean
intp = int64
uintp = uint64
float_ = float64
double = float64


def _str(v):
    if not isinstance(v, str):
        raise TypeError(f"cannot safely cast {type(v).__name__} to unicode_type")
    return v


def _none(v):
    if v is not None:
        raise TypeError(f"cannot safely cast {type(v).__name__} to none")
    return v


void = none = Type("none", _none)  # native: a signature's void result, Numba's types.void


class Signature:
    """native: a function's type, ``float64(float64, float64)``: what a
    WrapperAddressProtocol's ``signature()`` returns (Numba's Signature)."""

    def __init__(self, return_type, args):
        self.return_type = return_type
        self.args = tuple(args)

    def __repr__(self):
        return f"({', '.join(map(repr, self.args))}) -> {self.return_type!r}"

    def __eq__(self, other):
        return isinstance(other, Signature) and (other.return_type, other.args) == (self.return_type, self.args)

    def __hash__(self):
        return hash((self.return_type, self.args))


class WrapperAddressProtocol:
    """native: Numba's ``numba.types.WrapperAddressProtocol``: a native
    function that compiled code calls by its address. A subclass defines
    ``__wrapper_address__()`` (the C function's address, an int) and
    ``signature()`` (a Signature, or a str such as "float64(float64)").
    docs/python-subset.md, "Native functions"."""

    def __wrapper_address__(self):
        raise NotImplementedError("a WrapperAddressProtocol defines __wrapper_address__()")

    def signature(self):
        raise NotImplementedError("a WrapperAddressProtocol defines signature()")


class ExternalFunction:
    """extfunc: Numba's ``types.ExternalFunction(symbol, sig)``: the C function
    named `symbol` in this process, of Signature `sig`, which compiled code
    calls (a global, a closure cell, a module attribute); its parameters may
    be ``voidptr`` and ``CPointer(T)``, given ``a.ctypes`` (docs/extending.md,
    "types.ExternalFunction"). Python does not call it, as with Numba's."""

    def __init__(self, symbol, sig):
        if not isinstance(symbol, str) or not isinstance(sig, Signature):
            raise TypeError("ExternalFunction(symbol, sig) takes a str and a signature such as float64(float64)")
        self.symbol, self.sig = symbol, sig

    def __repr__(self):
        return f"ExternalFunction({self.symbol!r}, {self.sig!r})"

    def __call__(self, *args):
        raise TypeError(f"ExternalFunction {self.symbol!r} is called from jitted code only")


char, uchar, short, ushort, intc, uintc = int8, uint8, int16, uint16, int32, uint32  # C's names, as Numba's


unicode_type = Type("unicode_type", _str)
string = unicode_type
_SCALARS = {t.name: t for t in (int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64,
                                complex64, complex128, boolean, unicode_type)}


class ArrayType(Type):
    """overload: an array type, with Numba's attributes: ``dtype``, ``ndim``,
    ``layout``, ``readonly`` (what an @overload function reads of its
    argument types)."""

    def __init__(self, name, convert, dtype, ndim, layout, readonly):
        super().__init__(name, convert)
        self.dtype, self.ndim, self.layout, self.readonly = dtype, ndim, layout, readonly


def Array(dtype, ndim, layout="A", readonly=False):
    """typedempty: Numba's ``types.Array(dtype, ndim, layout)``: arrays of
    that scalar type, number of dimensions and layout ("C", "F" or "A")."""
    if not isinstance(dtype, Type) or not dtype._scalar:
        raise TypeError(f"Array(): the dtype must be a scalar type, not {dtype!r}")
    if not isinstance(ndim, int) or ndim < 1 or layout not in ("C", "F", "A"):
        raise TypeError("Array(): ndim is a positive int and layout one of 'C', 'F', 'A'")
    name = f"{'readonly ' if readonly else ''}array({dtype.name}, {ndim}d, {layout})"

    def convert(v):
        np = __import__("numpy")
        if not isinstance(v, np.ndarray) or v.ndim != ndim or v.dtype != np.dtype(
                "bool" if dtype.name == "bool" else dtype.name):
            raise TypeError(f"cannot safely cast {type(v).__name__} to {name}")
        return v
    return ArrayType(name, convert, dtype, ndim, layout, bool(readonly))


def from_spelling(spelling):
    """overload: the type of a Kiln spelling, as an @overload function is
    given it without Numba: a scalar or an array as this module makes them;
    any other type as a Type of that spelling (compared by its name)."""
    from ._numba_types import ARRAY, literal_value
    is_literal, value = literal_value(spelling)
    if is_literal:
        return Literal(value)
    scalar = _SCALARS.get(spelling)
    if scalar is not None:
        return scalar
    array = ARRAY.fullmatch(spelling)
    if array is not None and array.group(2) in _SCALARS:
        return Array(_SCALARS[array.group(2)], int(array.group(3)), array.group(4), bool(array.group(1)))
    return Type(spelling, _no_cast)


class Literal(Type):
    """literally: a compile-time constant's type, as Numba's Literal types:
    ``Literal[int](3)``, with the value as ``literal_value`` and the type of
    values it belongs to as ``literal_type`` (int64, bool, unicode_type)."""

    def __init__(self, value):
        base = {bool: "bool", int: "int64", str: "unicode_type"}[type(value)]
        super().__init__(f"Literal[{type(value).__name__}]({value})", _no_cast)
        self.literal_value = value
        self.literal_type = from_spelling(base)

    def __eq__(self, other):
        return isinstance(other, Literal) and type(other.literal_value) is type(self.literal_value) and \
            other.literal_value == self.literal_value

    def __hash__(self):
        return hash((type(self.literal_value), self.literal_value))


def unliteral(t):
    """The type of values a literal type belongs to; any other type itself."""
    return t.literal_type if isinstance(t, Literal) else t


def _no_cast(value):
    raise TypeError("this type converts no values")


voidptr = Type("void*", _no_cast)  # extfunc: a pointer parameter of a native function (Numba's RawPointer)


def CPointer(dtype):
    """extfunc: Numba's ``types.CPointer(dtype)``, named ``float64*``: a native
    function's parameter that takes ``a.ctypes`` of an array of dtype."""
    pointer = Type(f"{dtype.name}*", _no_cast)
    pointer.dtype = dtype
    return pointer


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


def DictType(key, value):
    """typedempty: a typed Dict of `key` to `value` ("DictType[int64, float64]",
    Numba's spelling but for the space)."""
    def convert(v):
        from .typed_dict import Dict
        out = Dict.empty(key, value)
        out.update(v)
        return out
    return Type(f"DictType[{key.name}, {value.name}]", convert)


class Function(Type):
    """ovlarg: the type of a function passed as a value that an @overload
    implements (or a register_jitable one), as an @overload function from
    kiln's registry is given it: Numba's ``types.Function``, with the function
    as ``typing_key`` (and ``key``)."""

    def __init__(self, func, name):
        super().__init__(name, _no_cast)
        self.typing_key = self.key = func


class Dispatcher(Type):
    """ovlarg: the type of a @jit function passed as a value: Numba's
    ``types.Dispatcher``, with the kiln Dispatcher as ``dispatcher``."""

    def __init__(self, dispatcher, name):
        super().__init__(name, _no_cast)
        self.dispatcher = dispatcher
