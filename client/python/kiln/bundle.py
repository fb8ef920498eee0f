"""Building the code bundle of a jitted function.

A bundle is the entry function (functions[0]) and, depth-first, every jitted
function it may call, each once, with its code object's fields and what each
name in co_names resolved to when the bundle was built (globals are frozen
then, as Numba does). Nested code objects (lambdas, inner functions) are
appended as functions without globals and referenced by index.

The result is a plain structure of tuples/lists/dicts that the native
extension turns into the kiln.v1.Bundle message; see src/bundle_builder.cpp.
"""

import builtins
import dis
import enum
import functools
import sys
import types

from . import _kiln
from . import _native
from .errors import UnsupportedError

# GlobalRef.Kind, read from the generated proto through the extension.
_GLOBAL_KINDS = _kiln.PROTO_ENUMS["GlobalRef.Kind"]
KIND_CONSTANT = _GLOBAL_KINDS["KIND_CONSTANT"]
KIND_FUNCTION = _GLOBAL_KINDS["KIND_FUNCTION"]
KIND_MODULE = _GLOBAL_KINDS["KIND_MODULE"]
KIND_BUILTIN = _GLOBAL_KINDS["KIND_BUILTIN"]
KIND_UNSUPPORTED = _GLOBAL_KINDS["KIND_UNSUPPORTED"]
KIND_MISSING = _GLOBAL_KINDS["KIND_MISSING"]
KIND_INTRINSIC = _GLOBAL_KINDS["KIND_INTRINSIC"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_UINT64_MAX = 2**64 - 1  # npmore: larger ints are uint64 constants
_MATH_MODULES = ("math", "cmath", "numpy")
_MISSING = object()


class _Unrepresentable(Exception):
    pass


# exceptions: every exception class a bundle names, by the path compiled code
# raises it under (KILN_CLASS_ERROR's class_name), so Python gets the very
# class that was frozen into the bundle.
_EXCEPTION_CLASSES = {}


_LOCAL_CLASS_PATHS = {}  # keys: id(class) -> its "#n" path (the class stays alive in _EXCEPTION_CLASSES)


def exception_path(cls):
    """"module:qualname" of an exception class; a class defined inside a
    function (not reachable by that name) also carries "#n": the n-th class
    of that name this process has met. keys: not its id(), which differs in
    every process and so made every process compile anew; the number only
    has to tell this process's classes apart, since each process maps the
    paths of the code it loads to its own classes."""
    path = f"{cls.__module__}:{cls.__qualname__}"
    if "<locals>" in cls.__qualname__:
        known = _LOCAL_CLASS_PATHS.get(id(cls))
        if known is not None and _EXCEPTION_CLASSES.get(known) is cls:
            return known
        n = 1
        while f"{path}#{n}" in _EXCEPTION_CLASSES:
            n += 1
        path += f"#{n}"
        _LOCAL_CLASS_PATHS[id(cls)] = path
    _EXCEPTION_CLASSES[path] = cls
    return path


def exception_class(path):
    """The class compiled code raised as KILN_CLASS_ERROR, named by its
    path and its bases' (called by the native dispatcher)."""
    path = path.strip(",").split(",")[0]  # the class itself, then its bases
    cls = _EXCEPTION_CLASSES.get(path)
    if cls is not None:
        return cls
    module, _, qualname = path.partition(":")
    obj = sys.modules.get(module)
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return obj
    return RuntimeError


def constant(value):
    """The tagged form of a constant, or raise _Unrepresentable."""
    if value is None:
        return ("none",)
    if value is Ellipsis:
        return ("ellipsis",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        if _INT64_MAX < value <= _UINT64_MAX and sys.modules.get("numpy") is not None:
            # npmore: above int64's range an int constant is a uint64, as in Numba.
            return _numpy_constant(sys.modules["numpy"].uint64(value))
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise _Unrepresentable(f"integer constant {value} does not fit in int64")
        return ("int", int(value))
    if isinstance(value, float):
        return ("float", float(value))
    if isinstance(value, complex):
        return ("complex", complex(value))
    if isinstance(value, str):
        return ("str", str(value))
    if isinstance(value, bytes):
        return ("bytes", bytes(value))
    if isinstance(value, tuple) and type(value) is not tuple:  # namedtuples: not as a plain tuple
        return _namedtuple_constant(value, constant)
    if isinstance(value, tuple):
        return ("tuple", [constant(v) for v in value])
    frozen = _numpy_constant(value)  # arrays: an array or NumPy scalar default
    if frozen is not None:
        return frozen
    raise _Unrepresentable(f"constant of type {type(value).__name__} is not supported")


def _namedtuple_constant(value, item):
    """realcode2: a namedtuple instance (a default, `opts=Options()`, or a
    frozen global) as ("namedtuple", items, class), its class spelled as a
    namedtuple type names it ("mod.Point[x, y]"), each item by `item`; a
    tuple subclass that is no namedtuple is refused."""
    cls = _kiln.namedtuple_class(type(value))
    if cls is None:
        raise _Unrepresentable(f"constant of type {type(value).__name__} is not supported")
    return ("namedtuple", [item(v) for v in value], cls)


# arrays: the largest NumPy array frozen into a bundle (the server's
# kMaxArrayConstantBytes).
_MAX_ARRAY_BYTES = 1 << 22


def _numpy_constant(value):
    """A NumPy array or scalar as ("ndarray", dtype, shape, bytes) in C order
    (a 0-d array: ("ndarray", dtype, (), bytes, True)), or None when value is
    neither."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, (np.ndarray, np.generic)):
        return None
    arr = np.asarray(value)  # records: a np.recarray as its ndarray, a np.record as a 0-d array
    # records: a structured dtype by its Record spelling (the type its
    # elements have, so names, offsets and itemsize are in the bundle hash).
    dtype = _record_dtype(arr.dtype) if arr.dtype.names is not None else arr.dtype.name
    # datetime: datetime64/timedelta64 by their dtype name ("datetime64[ns]"; a
    # unit with a multiplier, "timedelta64[10ms]", is refused by the server).
    if dtype is None or (arr.dtype.names is None and arr.dtype.kind not in "biufcmM") or \
            arr.dtype.name in ("longdouble", "clongdouble"):
        raise _Unrepresentable(f"a NumPy value of dtype {arr.dtype}")
    if arr.nbytes > _MAX_ARRAY_BYTES:
        raise _Unrepresentable(f"a NumPy array of {arr.nbytes} bytes (the limit is {_MAX_ARRAY_BYTES})")
    if arr.dtype.names is None:
        data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    else:  # records: the spelling says the fields are native (little-endian) already
        data = np.ascontiguousarray(arr).tobytes()
    shape = tuple(int(d) for d in arr.shape)
    if isinstance(value, np.ndarray) and not shape:  # arrays: a 0-d array, not the scalar it holds
        return ("ndarray", dtype, shape, data, True)
    return ("ndarray", dtype, shape, data)


def _frozen_constant(value):
    """A global frozen as a constant: None, numbers, strings, NumPy arrays and
    scalars (their bytes, so a changed array is a new bundle and a new cache
    key), and tuples of them."""
    # pyvals: the builtin Ellipsis; realcode8: None (a flag or option left unset, `if OPTION:` pruned)
    if isinstance(value, (bool, int, float, complex, str)) or value is Ellipsis or value is None:
        return constant(value)
    if isinstance(value, tuple) and type(value) is not tuple:  # namedtuples: not frozen as a plain tuple
        try:
            return _namedtuple_constant(value, _frozen_constant)
        except _Unrepresentable:
            raise _Unrepresentable(type(value).__name__) from None
    if isinstance(value, tuple):
        return ("tuple", [_frozen_constant(v) for v in value])
    frozen = _numpy_constant(value)
    if frozen is not None:
        return frozen
    raise _Unrepresentable(type(value).__name__)


def _enum_member_ref(name, member):
    """enums: a member as a constant global: its value, frozen, and its type
    ("EnumMember(mod.Color, int64)") as the qualified name, so the class is
    part of the bundle (the cache key)."""
    spelling = _kiln.typeof(member)
    try:
        if spelling is not None:
            return (name, KIND_CONSTANT, _frozen_constant(member.value), 0, spelling, "")
    except _Unrepresentable:
        pass
    return (name, KIND_UNSUPPORTED, None, 0, "", type(member).__name__)


def _structref_class(value):
    """structref: "module.qualname[a, b]" of the StructRef class (registered
    with numba.experimental.structref.register) that a proxy class bound by
    structref.define_proxy constructs, with the field names define_proxy was
    given, the proxy class remembered to box what compiled code returns;
    None for any other value. define_proxy registers the constructor as a
    Numba overload of the proxy class, whose parameters are the fields and
    whose globals hold the StructRef class."""
    if not isinstance(value, type) or not any(
            c.__name__ == "StructRefProxy" and c.__module__ == "numba.experimental.structref"
            for c in value.__mro__[1:]):
        return None
    from .extending import _numba_overloads
    for func, _strict, _literal in _numba_overloads(value):
        typeclass = getattr(func, "__globals__", {}).get("struct_typeclass")
        code = getattr(func, "__code__", None)
        if not isinstance(typeclass, type) or code is None:
            continue
        fields = code.co_varnames[:code.co_argcount]
        cls = f"{typeclass.__module__}.{typeclass.__qualname__}[{', '.join(fields)}]"
        if "<locals>" in cls:  # not one class per name
            return None
        _kiln.structref_register(cls, value)
        return cls
    return None


def _enum_class_path(cls):
    """enums: "module.qualname" of an enum class as the extension spells it
    in a member's type, or None (no member has a kiln type)."""
    for member in cls:
        spelling = _kiln.typeof(member)
        if spelling is not None:
            return spelling[spelling.index("(") + 1:spelling.index(",")]
    return None


@functools.lru_cache(maxsize=4096)  # library code is scanned once per process, not per bundle
def _calls_global(code, name):
    """Whether the code calls the global `name` directly: a LOAD_GLOBAL of it
    that pushes the NULL a call takes first (the oparg's low bit, CPython
    3.11 and 3.12)."""
    return any(i.opname == "LOAD_GLOBAL" and i.argval == name and i.arg & 1 for i in dis.get_instructions(code))


def enum_members(globals_, names):
    """enums: for each enum class global ("enumclass:mod.Color"), its
    members (Color.A, Color['A']) as constant globals named
    "enum:mod.Color.A" (no identifier has a colon)."""
    members = []
    for gname, kind, _, _, qualified, _ in globals_:
        if kind != KIND_BUILTIN or not qualified.startswith("enumclass:"):
            continue
        cls_path = qualified[len("enumclass:"):]
        # the class object itself: the global of that name, which the caller resolved
        cls = _ENUM_CLASSES.get(cls_path)
        if cls is None:
            continue
        for attr, member in cls.__members__.items():
            ref = _enum_member_ref(f"enum:{cls_path}.{attr}", member)
            if ref[1] == KIND_CONSTANT:
                members.append(ref)
    return members


# enums: the classes seen, by the path their members' types name.
_ENUM_CLASSES = {}


def _random_method_name(value, name):
    """random: "numpy.random.normal" / "random.gauss" for a method of NumPy's
    or CPython's global generator (`from numpy.random import normal`)."""
    nprandom = sys.modules.get("numpy.random")
    if nprandom is not None and getattr(value, "__module__", None) == "numpy.random" and \
            getattr(nprandom, name, None) is value:  # np.random.seed: a function of the module
        return f"numpy.random.{name}"
    owner = getattr(value, "__self__", None)
    if owner is None:
        return None
    mtrand = sys.modules.get("numpy.random.mtrand")
    if mtrand is not None and owner is getattr(mtrand, "_rand", None):
        return f"numpy.random.{name}"
    pyrandom = sys.modules.get("random")
    if pyrandom is not None and owner is getattr(pyrandom, "_inst", None):
        return f"random.{name}"
    return None


def _holds_jitted(value):
    """pycells: whether a tuple holds a jitted function, at any depth."""
    from .dispatcher import Dispatcher  # late: dispatcher imports this module
    return any(isinstance(v, Dispatcher) or (type(v) is tuple and _holds_jitted(v)) for v in value)


def _is_typed_list(value):
    """pyfuncs: a kiln.typed.List or numba.typed.List instance."""
    return type(value).__name__ == "List" and type(value).__module__ in ("kiln.typed_list", "numba.typed.typedlist")


def _typed_list_spelling(value):
    return str(getattr(value, "_numba_type_", "ListType[Undefined]"))


def _builtin_name(value):
    """"abs", "math.sin", "numpy.sqrt", "ValueError" for the functions and
    classes the compiler knows by name, else None."""
    module = getattr(value, "__module__", None)
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    if (qualified := _random_method_name(value, name)) is not None:
        return qualified
    if module == "builtins" and getattr(builtins, name, None) is value:
        return name
    # dicts: the typed Dict class (Kiln's, or Numba's in code written for
    # Numba) called in compiled code makes a dict, as dict() does.
    if name == "Dict" and module in ("kiln.typed_dict", "numba.typed.typeddict") and isinstance(value, type):
        return "kiln.typed.Dict"
    # pyfuncs: the typed List class (Kiln's, or Numba's) called in compiled
    # code makes a list, as list() does; tlist: a typed List, which arrives
    # in Python as a kiln.typed.List.
    if name == "List" and module in ("kiln.typed_list", "numba.typed.typedlist") and isinstance(value, type):
        return "kiln.typed.List"
    np = sys.modules.get("numpy")
    if module is None and np is not None and isinstance(value, np.ufunc) and getattr(np, name, None) is value:
        return f"numpy.{name}"  # NumPy 1.x ufuncs have no __module__
    # tuples: kiln.literal_unroll, or Numba's in code written for Numba.
    if name == "literal_unroll" and module in ("kiln", "numba.misc.special") and callable(value):
        return "literal_unroll"
    # literally: kiln.literally, or Numba's, a literal parameter's marker.
    if name == "literally" and module in ("kiln", "numba.misc.special") and callable(value):
        return "literally"
    # prange: Numba's prange (a class whose instances are ranges) and kiln's:
    # a range whose loop runs in parallel in a function compiled with
    # parallel=True (the "<parallel>" global, _Builder.parallel_marker); a
    # range anywhere else (compiler/transforms/parallel_loops.h).
    if name == "prange" and module in ("numba.misc.special", "kiln") and isinstance(value, type):
        return "prange"
    # realcode4: Numba's pndindex is np.ndindex: its loops run serially, as prange's.
    if name == "pndindex" and module == "numba.misc.special" and callable(value):
        return "numpy.ndindex"
    # realcode7: `from numba import get_num_threads` (the library's, read as numba.get_num_threads).
    if name in ("get_num_threads", "get_thread_id") and module == "numba.np.ufunc.parallel" and callable(value):
        return f"numba.{name}"
    if isinstance(module, str):
        root = module.split(".")[0]
        if root == "_operator" and callable(value):  # operator.add is _operator.add
            return f"operator.{name}" if getattr(__import__("operator"), name, None) is value else None
        if root == "_functools" and callable(value):  # generators: functools.reduce is _functools.reduce
            return f"functools.{name}" if getattr(__import__("functools"), name, None) is value else None
        if module == "numpy.linalg" and callable(value):  # linalg: from numpy.linalg import inv
            return f"numpy.linalg.{name}"
        if module == "numba.np.random.generator_core" and callable(value):  # npgen: Numba's bit generator draws
            return f"{module}.{name}"
        if root == "numpy" and callable(value) and np is not None and getattr(np, name, None) is not value:
            # realcode2: `from numpy.lib.stride_tricks import as_strided`, named as the library has it
            tricks = getattr(getattr(np, "lib", None), "stride_tricks", None)
            if getattr(tricks, name, None) is value:
                return f"numpy.lib.stride_tricks.{name}"
        if root in _MATH_MODULES and callable(value):
            return f"{root}.{name}"
    return None


def _dtype_class_name(value):
    """npfuncs: "numpy.int32" for a NumPy dtype object of a scalar type the
    compiler has (np.dtype('int32'), a.dtype read at module level), which
    compiled code uses as the scalar class; else None."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.dtype):
        return None
    if value.kind not in "biufc" or value.name in ("longdouble", "clongdouble") or \
            not value.isnative:
        return None
    return "numpy.bool_" if value.kind == "b" else f"numpy.{value.name}"


def _numba_number_class(value):
    """pyvals: "numpy.int32" for one of Numba's number type objects
    (numba.types.int32, .float64, .boolean, ...) read as a global: compiled
    code calls it as a conversion (`tp(x)`), as Numba does, which is what the
    NumPy scalar class of the same name does. None for anything else, and
    always None when Numba is not imported (Kiln never imports it)."""
    from . import types as kiln_types  # tlist: kiln.types.int64, as Numba's (List.empty_list(types.int64))
    if isinstance(value, kiln_types.Type):
        if value.name == "bool":
            return "numpy.bool_"
    else:
        nbtypes = sys.modules.get("numba.core.types")
        if nbtypes is None or not isinstance(value, (nbtypes.Integer, nbtypes.Float, nbtypes.Complex,
                                                     nbtypes.Boolean)):
            return None
        if isinstance(value, nbtypes.Boolean):
            return "numpy.bool_"
    name = getattr(value, "name", "")
    np = sys.modules.get("numpy")
    if np is None or not isinstance(name, str) or name not in ("int8", "int16", "int32", "int64", "uint8", "uint16",
                                                               "uint32", "uint64", "float32", "float64",
                                                               "complex64", "complex128"):
        return None  # float16 and literal types among them: refused as other globals are
    return f"numpy.{name}"


def _own_options(options):
    """realcode5, realcode7: a @jit callee's own (fastmath, error_model) for
    its bundle Function, which win over the compile's (compiler/lowering/
    lower.cpp): the fastmath flag names (["fast"] for fastmath=True, [] for
    off), and the error model when its decorator sets one (else None: the
    caller's). (None, None) for a function that is no @jit callee."""
    if options is None:
        return None, None
    from .dispatcher import _fastmath  # late: dispatcher imports this module
    value = _fastmath(options.get("fastmath", False))
    flags = ["fast"] if value is True else [] if value is False else sorted(value)
    return flags, options.get("error_model")


def _module_dict(path):
    """The namespace of module `path` ("numba.types": the module numba binds
    as `types`, whatever sys.modules calls it), or {}. No module
    __getattr__ runs."""
    mod = sys.modules.get(path)
    if mod is None and "." in path:
        parent, _, attr = path.rpartition(".")
        mod = getattr(sys.modules.get(parent), "__dict__", {}).get(attr)
    return getattr(mod, "__dict__", {}) if isinstance(mod, types.ModuleType) else {}


def _type_ref(value):
    """typedempty: "typeref:" and the canonical spelling of a type object
    that is not a scalar (kiln.types or, when Numba is imported, numba.types:
    unicode_type, float64[:], UniTuple(int64, 2), ListType(T), DictType(K, V)),
    read as a global or off a module: a compile-time constant, so its
    spelling is in the key; Dict.empty and List.empty_list take it. Scalar
    types are classes (_numba_number_class). None for anything else (a
    literal type, a type the grammar has no spelling for)."""
    from . import types as kiln_types
    if isinstance(value, kiln_types.Type):
        spelling = value.name
    else:
        nbtypes = sys.modules.get("numba.core.types")
        if nbtypes is None or not isinstance(value, nbtypes.Type) or isinstance(value, nbtypes.Literal):
            return None
        # Numba prints a DictType with its initial value (none but a literal dict's)
        spelling = str(value).replace("<iv=None>", "")
    try:
        canonical = _kiln.canonical_type(spelling)
    except ValueError:
        return None
    scalar = canonical != "unicode_type" and "(" not in canonical and "[" not in canonical
    if scalar or canonical.startswith(("class(", "dtype(")):
        return None  # a scalar (or none, or a class): not a type object compiled code takes
    return "typeref:" + canonical


def _record_dtype(value):
    """records: the Record spelling of a structured np.dtype (the type the
    compiler gives its elements, so the whole dtype is in the cache key);
    None for other values and for structured dtypes Kiln has no type for."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.dtype) or value.names is None:
        return None
    spelled = _kiln.typeof(np.empty(0, dtype=value))
    if not spelled or not spelled.startswith("array(Record("):
        return None
    return spelled[len("array("):spelled.rindex(", 1d, C)")]


class _Builder:
    def __init__(self):
        self.functions = []   # plain structures, in bundle order
        self.index = {}       # id(py_func or code) -> index
        self.keep = []        # keeps keyed objects alive while building
        self.callee_options = {}  # realcode5: id(py_func) -> the jit options of a @jit callee
        self.entry_locals = None  # locals: the entry function's jit(locals=...) declarations (bundle_spec)
        self.members = []     # pycells: the items of tuple globals holding functions, "name[k]"
        self.held = []        # np0d: the global arrays frozen into the bundle (bundle_spec's `held`)
        self.intrinsics = []  # intrinsic: (name, symbol, [arg type], return type, IR text), Bundle.intrinsics
        self.dispatchers = {}  # ovlarg: index -> the @jit Dispatcher whose Python function it is
        self.entry_parallel = False  # prange: the entry function's jit(parallel=True) (bundle_spec)

    def add_function(self, func, options=None, signatures=None):
        """Function `func`'s index in the bundle, adding it (and what it
        reads) the first time. `options`: the jit options of the @jit
        function that `func` is the Python function of, for a callee; its
        fastmath travels with it (its Function's fastmath)."""
        key = id(func)
        if key in self.index:
            return self.index[key]
        i = len(self.functions)
        self.index[key] = i
        self.keep.append(func)
        self.functions.append(None)  # reserve: recursion finds the index
        if options is not None:
            self.callee_options[key] = options  # realcode5: for its inner functions (add_code)
        outer_members, self.members = self.members, []  # pycells: this function's own
        # objmode: a function with `with objmode(...)` blocks is compiled
        # with each block replaced by a call the client runs (_objmode.py).
        from . import _objmode
        code = _objmode.rewritten(func) or func.__code__
        consts = self.code_consts(code, func)
        globals_ = [self.global_ref(name, func) for name in code.co_names]
        # closures: the cells of a closure made by a factory are frozen like
        # globals (as Numba does), under their co_freevars names, so the
        # bundle (its hash, the cache key) holds the captured values: equal
        # values share one compile, a different value compiles anew. A free
        # variable wins over a global or attribute name of the same spelling.
        free = {}
        cells = dict(zip(func.__code__.co_freevars, func.__closure__ or ()))  # objmode: by name (a rewrite may reorder)
        for name, cell in ((n, cells[n]) for n in code.co_freevars if n in cells):
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell: the function itself while it is being defined
                value = _MISSING
            free[name] = self.self_or(name, value, func)
        globals_ = [g for g in globals_ if g[0] not in free] + list(free.values())
        globals_ += self.library_members(globals_, code)
        globals_ += enum_members(globals_, code.co_names)  # enums:
        globals_ += self.matmul_member(code)  # linalg:
        globals_ += self.take_members(outer_members)  # pycells:
        globals_ += self.parallel_marker((options or {}).get("parallel") if i else self.entry_parallel)
        defaults = []
        kwdefaults = []  # kwonly: (name, default) in the keyword-only parameters' order
        given = func.__kwdefaults__ or {}
        kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
        for name, d in [(None, d) for d in func.__defaults__ or ()] + [(n, given[n]) for n in kwonly if n in given]:
            try:
                tagged = self.default(d)
            except _Unrepresentable as e:
                raise UnsupportedError(f"default argument: {e}", (code.co_filename,
                                       code.co_firstlineno, code.co_qualname)) from None
            if name is None:
                defaults.append(tagged)
            else:
                kwdefaults.append((name, tagged))
        # realcode2: a jitted function default is also a function global (named so no identifier
        # shadows it), so the compiler builds it as it builds every function a function may call.
        globals_ += [(f"<default {k}>", KIND_FUNCTION, None, d[1], "", "")
                     for k, d in enumerate(defaults + [d for _, d in kwdefaults]) if d[0] == "function"]
        # realcode5: a @jit callee is lowered with its own fastmath, not its
        # caller's: stumpy's fastmath=True functions call helpers without it
        # whose np.isinf checks must stand.
        # realcode7: and with its own error_model when its decorator sets
        # one (wotan's lowess calls a helper declared error_model='numpy'
        # whose 1/0 must give inf); unset, the caller's, as Numba inherits it.
        fastmath, error_model = _own_options(options)
        # locals: a @jit callee's declarations travel with it, the entry's from bundle_spec
        declared = (options or {}).get("locals") if i else self.entry_locals
        self.functions[i] = (code_fields(code, consts), globals_, defaults, kwdefaults, fastmath, error_model,
                             declared or None, signatures or None)
        return i

    def add_jitted(self, value):
        """The index of @jit function `value` (a Dispatcher), added as its
        Python function with its options and, for an eager one, its
        signatures (eagersig); ovlarg: remembered, so that a value of its
        type in an @overload's request names the Dispatcher."""
        i = self.add_function(value.py_func, value._options,
                              [(list(args), ret or "") for args, ret in value._declared])
        self.dispatchers.setdefault(i, value)
        return i

    def add_function_value(self, value):
        """ovlarg: the index of function `value` (a Dispatcher, or a plain
        function compiled as one: register_jitable, a library function) that
        an answered @overload request names (extending.local_request)."""
        from .dispatcher import Dispatcher  # late: dispatcher imports this module
        return self.add_jitted(value) if isinstance(value, Dispatcher) else self.add_function(value)

    def function_values(self):
        """ovlarg: by bundle index, the Python object each function is (the
        Dispatcher of a @jit one, else the plain function), or None for an
        inner code object: what the server's "Function(#i)" names."""
        return [self.dispatchers.get(i, f if isinstance(f, types.FunctionType) else None)
                for i, f in enumerate(self.keep)]

    def default(self, value):
        """The tagged form of a parameter default: a constant, or (npmisc) a
        class or dtype the compiler knows by name (`dtype=np.float64`,
        `dtype=float`, `np.dtype('int32')`) as ("builtin", its name), typed
        as a global holding it is; else raise _Unrepresentable."""
        from .dispatcher import Dispatcher  # late: dispatcher imports this module
        if isinstance(value, Dispatcher):  # realcode2: `metric=euclidean`, a jitted function default
            return ("function", self.add_jitted(value))
        try:
            return constant(value)
        except _Unrepresentable:
            if isinstance(value, type) or _dtype_class_name(value) is not None or \
                    _record_dtype(value) is not None:
                ref = self.resolve("", value)
                if ref[1] == KIND_BUILTIN and ref[4] and not ref[4].startswith(("functuple:", "enumclass:",
                                                                                "namedtuple:", "exception:")):
                    return ("builtin", ref[4])
            raise

    def add_code(self, code, owner):
        """closures: an inner function or lambda of `owner` (the top-level
        function whose module globals it reads). Its free variables are
        values the compiled code captures, not frozen here."""
        key = id(code)
        if key in self.index:
            return self.index[key]
        i = len(self.functions)
        self.index[key] = i
        self.keep.append(code)
        self.functions.append(None)
        outer_members, self.members = self.members, []  # pycells: this function's own
        consts = self.code_consts(code, owner)
        globals_ = [self.global_ref(name, owner) for name in code.co_names if name not in code.co_freevars]
        globals_ += self.library_members(globals_, code)
        globals_ += enum_members(globals_, code.co_names)  # enums:
        globals_ += self.matmul_member(code)  # linalg:
        globals_ += self.take_members(outer_members)  # pycells:
        owner_options = self.callee_options.get(id(owner))  # prange: an inner function runs as its owner
        globals_ += self.parallel_marker((owner_options or {}).get("parallel") if owner_options is not None
                                         else self.entry_parallel and self.index.get(id(owner)) == 0)
        # realcode5, realcode7: an inner function of a callee takes its fastmath and error_model
        self.functions[i] = (code_fields(code, consts), globals_, [], [],
                             *_own_options(self.callee_options.get(id(owner))))
        return i

    @staticmethod
    def parallel_marker(parallel):
        """prange: a function compiled with parallel=True carries the global
        "<parallel>" (no identifier has that spelling), so its prange loops
        may run in parallel and the bundle's hash, the cache key, tells it
        from the same function compiled without."""
        return [("<parallel>", KIND_BUILTIN, None, 0, "parallel", "")] if parallel else []

    def code_consts(self, code, owner):
        out = []
        for c in code.co_consts:
            out.append(self.const(c, code, owner))
        return out

    def const(self, c, code, owner):
        if isinstance(c, types.CodeType):
            return ("code", self.add_code(c, owner))
        if isinstance(c, tuple):
            return ("tuple", [self.const(v, code, owner) for v in c])
        if isinstance(c, frozenset):  # sets: {1, 2} and `x in {1, 2}`: its items, in an order of their own
            return ("tuple", [self.const(v, code, owner) for v in sorted(c, key=repr)])
        try:
            return constant(c)
        except _Unrepresentable as e:
            raise UnsupportedError(str(e), (code.co_filename, code.co_firstlineno,
                                            code.co_qualname)) from None

    def global_ref(self, name, func):
        from . import _objmode
        if name == _objmode.CALL:  # objmode: the call a with objmode() block became
            return (name, KIND_BUILTIN, None, 0, _objmode.CALL_BUILTIN, "")
        value = func.__globals__.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(builtins, name, _MISSING)
        if _is_typed_list(value):  # pyfuncs: Numba's refusal, word for word
            t = _typed_list_spelling(value)
            code = func.__code__
            from .errors import TypingError
            raise TypingError(
                f"The use of a {t} type, assigned to variable '{name}' in globals, is not supported as globals "
                f"are considered compile-time constants and there is no known way to compile a {t} type as a "
                "constant.", (code.co_filename, code.co_firstlineno, code.co_qualname))
        return self.self_or(name, value, func)

    def self_or(self, name, value, func):
        """A function compiled eagerly at decoration calls itself by a name
        that is not bound yet (a module global, or a cell of the enclosing
        function): that name is the function itself."""
        if value is _MISSING and name == func.__name__ and id(func) in self.index:
            return (name, KIND_FUNCTION, None, self.index[id(func)], "", "")
        return self.resolve(name, value)

    def library_members(self, globals_, code):
        """For each module global M and each name A the code reads, the
        library's implementation of "M.A" as a function global named "M.A"
        (no Python identifier has a dot, so it cannot shadow one). The
        compiler looks a module attribute up there before its own table."""
        names = code.co_names
        from . import library
        members = []
        for _, kind, _, _, module, _ in globals_:
            if kind != KIND_MODULE:
                continue
            # random: a submodule the library implements (np.random.seed
            # reads "numpy.random.seed") is looked through as a module too.
            # npmisc: and through a chain of them (np.lib.stride_tricks.as_strided).
            modules = [module]
            for m in modules:
                # typedempty: and numba.types / kiln.types (numba.types.int64 after `import numba`).
                # realcode5: and numba.config / kiln.config, whose plain settings
                # (numba.config.NUMBA_NUM_THREADS) are frozen below.
                modules += [f"{m}.{a}" for a in names if (library.is_module(f"{m}.{a}") or
                                                          (m in ("numba", "kiln") and a in ("types", "config")))
                            and f"{m}.{a}" not in modules]
            for m in modules:
                for attr in names:
                    impl = library.lookup(f"{m}.{attr}")
                    if impl is not None:
                        members.append((f"{m}.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
                        continue
                    # exceptions: an exception class read off a module
                    # (`raise np.linalg.LinAlgError`), frozen as a global is.
                    value = getattr(sys.modules.get(m), "__dict__", {}).get(attr)
                    if isinstance(value, type) and issubclass(value, BaseException):
                        bases = [exception_path(c) for c in value.__mro__ if issubclass(c, BaseException)]
                        members.append((f"{m}.{attr}", KIND_BUILTIN, None, 0, "exception:" + ",".join(bases), ""))
            # pysub3: a module attribute that is a plain number or str
            # (`sys.hexversion`, `mymod.GREETING`) is a compile-time constant,
            # frozen here as a global is ("M.A"), so it is part of the key.
            for m in modules:
                module_dict = _module_dict(m)
                for attr in names:
                    value = module_dict.get(attr, _MISSING)
                    if type(value) in (bool, int, float, complex, str) and library.lookup(f"{m}.{attr}") is None:
                        try:
                            members.append((f"{m}.{attr}", KIND_CONSTANT, constant(value), 0, "", ""))
                        except _Unrepresentable:  # an int past 64 bits: refused where it is read
                            pass
                    elif value is not _MISSING and (number_class := _numba_number_class(value)) is not None:
                        # tlist: types.int64 of numba.types or kiln.types, the scalar class
                        # (List.empty_list(types.int64)), as a global of it is.
                        members.append((f"{m}.{attr}", KIND_BUILTIN, None, 0, number_class, ""))
                    elif value is not _MISSING and (type_ref := _type_ref(value)) is not None:
                        # typedempty: types.unicode_type, a type object, as a global of it is
                        members.append((f"{m}.{attr}", KIND_BUILTIN, None, 0, type_ref, ""))
                    elif value is not _MISSING and _builtin_name(value) == "literally":
                        # literally: numba.literally(k), read off the module, as a global of it is
                        members.append((f"{m}.{attr}", KIND_BUILTIN, None, 0, "literally", ""))
                    elif value is not _MISSING and _native.is_native(value):
                        # native: `_special.ndtri(x)`, a native function read off a module
                        members.append(_native_global(f"{m}.{attr}", f"{m}.{attr}", value))
            # keys: a jitted function reached through its module (`import
            # helpers; helpers.scale(x)`) travels in the bundle as `from
            # helpers import scale` does, so an edit to it changes the key.
            from .dispatcher import Dispatcher  # late: dispatcher imports this module
            from . import extending
            user_globals = getattr(sys.modules.get(module), "__dict__", {})  # no module __getattr__ runs
            for attr in names:
                value = user_globals.get(attr)
                if isinstance(value, Dispatcher) and library.lookup(f"{module}.{attr}") is None:
                    members.append((f"{module}.{attr}", KIND_FUNCTION, None, self.add_jitted(value), "", ""))
                elif extending.overloads_of(value) and library.lookup(f"{module}.{attr}") is None:
                    # overload: `norm.pdf(x, mu, sigma)` (numba_stats), as a global of it is
                    members.append(self.resolve(f"{module}.{attr}", value))
                # fp16: a submodule of jitted functions (cuda.fp16.hadd) is looked through too
                if module == "kiln.cuda" and isinstance(value, types.ModuleType):
                    for inner in names:
                        f = value.__dict__.get(inner)
                        if isinstance(f, Dispatcher):
                            members.append((f"{module}.{attr}.{inner}", KIND_FUNCTION, None,
                                            self.add_function(f.py_func), "", ""))
        # bytesm: bytes(x) (the global `bytes` stays the class, for isinstance).
        if "bytes" in names:
            members.append(("bytes.__new__", KIND_FUNCTION, None, self.add_function(library.lookup("bytes.__new__")), "", ""))
        # codec: str(b, encoding, errors) (str(x) of one argument is the compiler's).
        # Only where the code calls `str` (`isinstance(x, str)` only reads it):
        # its codec closure would otherwise travel in, and be hashed for,
        # every bundle that names the class.
        if "str" in names and _calls_global(code, "str"):
            members.append(("str.__new__", KIND_FUNCTION, None, self.add_function(library.lookup("str.__new__")), "", ""))
        # strings: a method of str written in Python, for each attribute name
        # the code reads ("str.zfill" for s.zfill); used when the receiver is
        # a str.
        for attr in names:
            impl = library.lookup(f"str.{attr}")
            if impl is not None:
                members.append((f"str.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
            impl = library.lookup(f"list.{attr}")  # pyfuncs: lst.sort(key=f), sorted(it, key=f)
            if impl is not None:
                members.append((f"list.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
            impl = library.lookup(f"tuple.{attr}")  # tuples: t.index, t.count
            if impl is not None:
                members.append((f"tuple.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
            impl = library.lookup(f"bytes.{attr}")  # bytesm: b.find, b.upper, ...
            if impl is not None:
                members.append((f"bytes.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
            # npfuncs: an array method written in Python ("array.argsort" for
            # a.argsort), used when the receiver is an array.
            impl = library.lookup(f"array.{attr}") if "numpy" in sys.modules else None
            if impl is not None:
                members.append((f"array.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
            # npgen: a method of numpy.random.Generator ("Generator.random"),
            # used when the receiver is a Generator passed in.
            impl = library.lookup(f"Generator.{attr}") if "numpy.random" in sys.modules else None
            if impl is not None:
                members.append((f"Generator.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
        # overload: a marker per attribute name read that has a user
        # overload_method/overload_attribute ("overload_method:NAME"), which
        # kilnd asks about where its own attributes refuse, with each
        # (receiver and argument types) answered so far as a member global:
        # the implementation, or the TypingError ("" where none applies).
        from . import extending
        for marker in extending.member_markers(names):
            members.append((marker, KIND_BUILTIN, None, 0, marker, ""))
            what, _, attr = marker.partition(":")
            for gname, (kind, answer) in extending.answers_for(attr, what):
                gname = extending.local_request(gname, self.add_function_value)  # ovlarg: as an @overload's
                if kind == "function":
                    members.append((gname, KIND_FUNCTION, None, self.add_function(answer), "", ""))
                else:
                    members.append((gname, KIND_UNSUPPORTED, None, 0, "", answer))
        return members

    def take_members(self, outer):
        """pycells: the item globals ("t[0]", ...) of the tuple globals
        holding jitted functions that resolve saw for the function being
        added; `outer` goes back for the function that was being added."""
        out, self.members = self.members, outer
        return out

    def matmul_member(self, code):
        """linalg: `a @ b` (BINARY_OP 4, `@=` 17) is a call of np.matmul: the
        library's implementation as the function global "numpy.matmul",
        which typing calls for the operator (inference.cpp)."""
        if not _uses_matmul(code):
            return []
        from . import library
        impl = library.lookup("numpy.matmul")
        return [("numpy.matmul", KIND_FUNCTION, None, self.add_function(impl), "", "")]

    def resolve(self, name, value):
        if value is _MISSING:
            return (name, KIND_MISSING, None, 0, "", "")
        from .dispatcher import Dispatcher  # late: dispatcher imports this module
        if isinstance(value, Dispatcher):
            return (name, KIND_FUNCTION, None, self.add_jitted(value), "", "")
        if type(value) is tuple and _holds_jitted(value):
            # pycells: a tuple of jitted functions (and other values): each
            # item a global of its own, "name[k]" (no identifier has a
            # bracket); the compiler builds the tuple where it is read.
            for k, item in enumerate(value):
                self.members.append(self.resolve(f"{name}[{k}]", item))
            return (name, KIND_BUILTIN, None, 0, f"functuple:{len(value)}", "")
        if isinstance(value, enum.Enum):  # enums: a member, frozen as its value with its type
            return _enum_member_ref(name, value)
        if isinstance(value, type) and issubclass(value, enum.Enum):  # enums: the class; Color.red reads a member
            cls = _enum_class_path(value)
            if cls is not None:
                _ENUM_CLASSES[cls] = value
                return (name, KIND_BUILTIN, None, 0, "enumclass:" + cls, "")
        ufunc_loop = getattr(type(value), "__kiln_ufunc__", False) and value.__dict__.get("__kiln_ufunc_loop__")
        if ufunc_loop is not None and ufunc_loop is not False:  # realcode2: a CPU @vectorize ufunc (kiln/_ufunc.py)
            if value.signatures_given:  # its signatures' conversions are not applied in compiled code
                return (name, KIND_UNSUPPORTED, None, 0, "", "vectorize ufunc with signatures")
            return (name, KIND_FUNCTION, None, self.add_function(ufunc_loop), "", "")
        from .extending import is_jitable
        if isinstance(value, types.FunctionType) and is_jitable(value):  # kiln.register_jitable
            return (name, KIND_FUNCTION, None, self.add_function(value), "", "")
        if isinstance(value, types.ModuleType):
            # pycells: Numba's typed-container module is Kiln's in compiled code.
            module = "kiln.typed" if value.__name__ == "numba.typed" else value.__name__
            return (name, KIND_MODULE, None, 0, module, "")
        if isinstance(value, types.FunctionType) and isinstance(getattr(value, "__kiln_builtin__", None), str):
            # random: a library stand-in for a compiler primitive (kiln.rng.*).
            return (name, KIND_BUILTIN, None, 0, value.__kiln_builtin__, "")
        if isinstance(value, types.FunctionType) and str(getattr(value, "__module__", "")).startswith("kiln.library."):
            # random: a library module's own helper travels as a function.
            return (name, KIND_FUNCTION, None, self.add_function(value), "", "")
        if (structref := _structref_class(value)) is not None:  # structref: a define_proxy'd class
            return (name, KIND_BUILTIN, None, 0, "structref:" + structref, "")
        if isinstance(value, type) and issubclass(value, tuple) and value is not tuple:
            # namedtuples: the class, "module.qualname[fields]"; calling it builds one.
            cls = _kiln.namedtuple_class(value)
            if cls is not None:
                return (name, KIND_BUILTIN, None, 0, "namedtuple:" + cls, "")
        if isinstance(value, type) and issubclass(value, BaseException):  # exceptions:
            bases = [exception_path(c) for c in value.__mro__ if issubclass(c, BaseException)]
            return (name, KIND_BUILTIN, None, 0, "exception:" + ",".join(bases), "")
        if (number_class := _numba_number_class(value)) is not None:  # pyvals: numba.types.int32 as np.int32
            return (name, KIND_BUILTIN, None, 0, number_class, "")
        if (type_ref := _type_ref(value)) is not None:  # typedempty: float_array = types.float64[:]
            return (name, KIND_BUILTIN, None, 0, type_ref, "")
        if (dtype_class := _dtype_class_name(value)) is not None:  # npfuncs: np.dtype('int32') as np.int32
            return (name, KIND_BUILTIN, None, 0, dtype_class, "")
        if (record := _record_dtype(value)) is not None:  # records: a structured dtype, frozen as its type
            return (name, KIND_BUILTIN, None, 0, "record:" + record, "")
        if _native.is_native(value):
            # native: a C function called by address (a WrapperAddressProtocol,
            # a ctypes function), frozen as its signature and stable identity.
            return _native_global(name, name, value)
        if not isinstance(value, (bool, int, float, complex, str, tuple)):
            qualified = _builtin_name(value)
            if qualified is not None:
                from . import library
                impl = library.lookup(qualified)
                if impl is None and "." not in qualified:  # generators: a builtin written in Python (map)
                    impl = library.lookup(f"builtins.{qualified}")
                if impl is not None:  # written in Python: travels as a function
                    return (name, KIND_FUNCTION, None, self.add_function(impl), "", "")
                return (name, KIND_BUILTIN, None, 0, qualified, "")
        if isinstance(value, slice):  # pycells: (start, stop, step), built where it is read
            parts = (value.start, value.stop, value.step)
            if all(p is None or (type(p) is int and -2**63 <= p < 2**63) for p in parts):
                return (name, KIND_CONSTANT, ("tuple", [constant(p) for p in parts]), 0, "slice", "")
        try:
            frozen = (name, KIND_CONSTANT, _frozen_constant(value), 0, "", "")
            np = sys.modules.get("numpy")
            if np is not None and isinstance(value, np.ndarray):
                self.held.append(value)  # np0d: the dispatcher keeps a frozen global array, as Numba does
            return frozen
        except _Unrepresentable:
            pass
        from . import extending
        if extending.intrinsic_parts(value) is not None:
            # intrinsic: "intrinsic:KEY", with each (argument types) answered
            # so far as a member global indexing the bundle's intrinsics;
            # typing asks for the others, as for an @overload.
            key = extending.overload_key(value)
            known = {m[0] for m in self.members}
            for gname, (what, answer) in extending.answers_for(key, "intrinsic"):
                if gname in known:
                    continue
                if what == "intrinsic":
                    if answer not in self.intrinsics:
                        self.intrinsics.append(answer)
                    self.members.append((gname, KIND_INTRINSIC, None, self.intrinsics.index(answer), "", ""))
                else:
                    self.members.append((gname, KIND_UNSUPPORTED, None, 0, "", answer))
            return (name, KIND_BUILTIN, None, 0, f"intrinsic:{key}", "")
        if extending.overloads_of(value):
            # overload: a function an @overload implements (Kiln's or Numba's
            # registry), which Kiln has no implementation of (asked last):
            # "overload:KEY", with each (argument types) answered so far as a
            # member global; typing asks for the others (extending.answer).
            key = extending.overload_key(value)
            known = {m[0] for m in self.members}
            for gname, (what, answer) in extending.answers_for(key):
                # ovlarg: a @jit function passed to it is named in the answer
                # by its identity, here by its index in this bundle (added,
                # where this bundle has not met it yet, at that index)
                gname = extending.local_request(gname, self.add_function_value)
                if gname in known:
                    continue
                if what == "function":
                    self.members.append((gname, KIND_FUNCTION, None, self.add_function(answer), "", ""))
                else:
                    self.members.append((gname, KIND_UNSUPPORTED, None, 0, "", answer))
            return (name, KIND_BUILTIN, None, 0, f"overload:{key}", "")
        return (name, KIND_UNSUPPORTED, None, 0, "", type(value).__name__)


def _native_global(name, shown, value):
    """native: the global `name` holding native function `value` (kiln/_native.py),
    or its refusal, which names it as `shown`."""
    builtin, why = _native.freeze(shown, value)
    if not builtin:
        return (name, KIND_UNSUPPORTED, None, 0, "", _native.PREFIX + why)
    return (name, KIND_BUILTIN, None, 0, builtin, "")


def _uses_matmul(code):
    """linalg: whether the code has BINARY_OP 4 (`@`) or 17 (`@=`): a scan of
    co_code's 2-byte units as dis reads them (EXTENDED_ARG prefixes; inline
    caches read back as zeros), without importing dis on the first call's path."""
    import opcode  # small; dis would import it too
    binary_op, extended_arg = opcode.opmap["BINARY_OP"], opcode.opmap["EXTENDED_ARG"]
    raw = code.co_code
    ext = 0
    for i in range(0, len(raw), 2):
        op, arg = raw[i], raw[i + 1] | ext
        ext = arg << 8 if op == extended_arg else 0
        if op == binary_op and arg in (4, 17):
            return True
    return False


def code_fields(code, consts):
    return {
        "name": code.co_name,
        "qualname": code.co_qualname,
        "filename": code.co_filename,
        "firstlineno": code.co_firstlineno,
        "argcount": code.co_argcount,
        "posonlyargcount": code.co_posonlyargcount,
        "kwonlyargcount": code.co_kwonlyargcount,
        "nlocals": code.co_nlocals,
        "stacksize": code.co_stacksize,
        "flags": code.co_flags,
        "code": code.co_code,
        "consts": consts,
        "names": list(code.co_names),
        "varnames": list(code.co_varnames),
        "cellvars": list(code.co_cellvars),
        "freevars": list(code.co_freevars),
        "exceptiontable": code.co_exceptiontable,
        "lines": [(s, e, 0 if ln is None else ln) for s, e, ln in code.co_lines()],
    }


def bundle_spec(func, held=None, declared=None, functions=None, parallel=False):
    """The plain-structure bundle of a Python function. np0d: `held`, a list,
    receives the global NumPy arrays frozen into it (a Dispatcher keeps them
    while it lives, as Numba's compiled function holds each global array).
    locals: `declared`, the function's jit(locals=...) as
    dispatcher.declared_locals spells it. ovlarg: `functions`, a list,
    receives the Python object of each bundle function (_Builder.function_values).
    prange: `parallel`, the function's jit(parallel=True)."""
    b = _Builder()
    b.entry_locals = declared
    b.entry_parallel = bool(parallel)
    b.add_function(func)
    if held is not None:
        held.extend(b.held)
    if functions is not None:
        functions.extend(b.function_values())
    return (sys.version_info.major, sys.version_info.minor, b.functions, b.intrinsics)
