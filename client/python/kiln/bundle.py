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
import sys
import types

from . import _kiln
from .errors import UnsupportedError, located

# GlobalRef.Kind, read from the generated proto through the extension.
_GLOBAL_KINDS = _kiln.PROTO_ENUMS["GlobalRef.Kind"]
KIND_CONSTANT = _GLOBAL_KINDS["KIND_CONSTANT"]
KIND_FUNCTION = _GLOBAL_KINDS["KIND_FUNCTION"]
KIND_MODULE = _GLOBAL_KINDS["KIND_MODULE"]
KIND_BUILTIN = _GLOBAL_KINDS["KIND_BUILTIN"]
KIND_UNSUPPORTED = _GLOBAL_KINDS["KIND_UNSUPPORTED"]
KIND_MISSING = _GLOBAL_KINDS["KIND_MISSING"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_MATH_MODULES = ("math", "cmath", "numpy")
_MISSING = object()


class _Unrepresentable(Exception):
    pass


def constant(value):
    """The tagged form of a constant, or raise _Unrepresentable."""
    if value is None:
        return ("none",)
    if value is Ellipsis:
        return ("ellipsis",)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
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
    if isinstance(value, tuple):
        return ("tuple", [constant(v) for v in value])
    frozen = _numpy_constant(value)  # arrays: an array or NumPy scalar default
    if frozen is not None:
        return frozen
    raise _Unrepresentable(f"constant of type {type(value).__name__} is not supported")


# arrays: the largest NumPy array frozen into a bundle (the server's
# kMaxArrayConstantBytes).
_MAX_ARRAY_BYTES = 1 << 22


def _numpy_constant(value):
    """A NumPy array or scalar as ("ndarray", dtype, shape, bytes) in C order,
    or None when value is neither."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, (np.ndarray, np.generic)):
        return None
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc" or arr.dtype.name in ("float16", "longdouble", "clongdouble"):
        raise _Unrepresentable(f"a NumPy value of dtype {arr.dtype}")
    if arr.nbytes > _MAX_ARRAY_BYTES:
        raise _Unrepresentable(f"a NumPy array of {arr.nbytes} bytes (the limit is {_MAX_ARRAY_BYTES})")
    data = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<")).tobytes()
    return ("ndarray", arr.dtype.name, tuple(int(d) for d in arr.shape), data)


def _frozen_constant(value):
    """A global frozen as a constant: numbers, strings, NumPy arrays and
    scalars (their bytes, so a changed array is a new bundle and a new cache
    key), and tuples of them."""
    if isinstance(value, (bool, int, float, complex, str)):
        return constant(value)
    if isinstance(value, tuple):
        return ("tuple", [_frozen_constant(v) for v in value])
    frozen = _numpy_constant(value)
    if frozen is not None:
        return frozen
    raise _Unrepresentable(type(value).__name__)


def _builtin_name(value):
    """"abs", "math.sin", "numpy.sqrt", "ValueError" for the functions and
    classes the compiler knows by name, else None."""
    module = getattr(value, "__module__", None)
    name = getattr(value, "__name__", None)
    if not isinstance(name, str):
        return None
    if module == "builtins" and getattr(builtins, name, None) is value:
        return name
    if isinstance(module, str):
        root = module.split(".")[0]
        if root in _MATH_MODULES and callable(value):
            return f"{root}.{name}"
    return None


class _Builder:
    def __init__(self):
        self.functions = []   # plain structures, in bundle order
        self.index = {}       # id(py_func or code) -> index
        self.keep = []        # keeps keyed objects alive while building

    def add_function(self, func):
        key = id(func)
        if key in self.index:
            return self.index[key]
        i = len(self.functions)
        self.index[key] = i
        self.keep.append(func)
        self.functions.append(None)  # reserve: recursion finds the index
        code = func.__code__
        consts = self.code_consts(code, func)
        globals_ = [self.global_ref(name, func) for name in code.co_names]
        globals_ += self.library_members(globals_, code.co_names)
        # Closure cells are frozen like globals (as Numba does), under their
        # co_freevars names, so jitted callees reached through them travel too.
        for name, cell in zip(code.co_freevars, func.__closure__ or ()):
            if name not in code.co_names:
                try:
                    value = cell.cell_contents
                except ValueError:  # an empty cell
                    value = _MISSING
                globals_.append(self.resolve(name, value))
        defaults = []
        for d in func.__defaults__ or ():
            try:
                defaults.append(constant(d))
            except _Unrepresentable as e:
                raise UnsupportedError(located(f"default argument: {e}", code.co_filename,
                                               code.co_firstlineno, code.co_qualname)) from None
        self.functions[i] = (code_fields(code, consts), globals_, defaults)
        return i

    def add_code(self, code, owner):
        key = id(code)
        if key in self.index:
            return self.index[key]
        i = len(self.functions)
        self.index[key] = i
        self.keep.append(code)
        self.functions.append(None)
        self.functions[i] = (code_fields(code, self.code_consts(code, owner)), [], [])
        return i

    def code_consts(self, code, owner):
        out = []
        for c in code.co_consts:
            out.append(self.const(c, code))
        return out

    def const(self, c, code):
        if isinstance(c, types.CodeType):
            return ("code", self.add_code(c, code))
        if isinstance(c, tuple):
            return ("tuple", [self.const(v, code) for v in c])
        try:
            return constant(c)
        except _Unrepresentable as e:
            raise UnsupportedError(located(str(e), code.co_filename, code.co_firstlineno,
                                           code.co_qualname)) from None

    def global_ref(self, name, func):
        value = func.__globals__.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(builtins, name, _MISSING)
        return self.resolve(name, value)

    def library_members(self, globals_, names):
        """For each module global M and each name A the code reads, the
        library's implementation of "M.A" as a function global named "M.A"
        (no Python identifier has a dot, so it cannot shadow one). The
        compiler looks a module attribute up there before its own table."""
        from . import library
        members = []
        for _, kind, _, _, module, _ in globals_:
            if kind != KIND_MODULE:
                continue
            for attr in names:
                impl = library.lookup(f"{module}.{attr}")
                if impl is not None:
                    members.append((f"{module}.{attr}", KIND_FUNCTION, None, self.add_function(impl), "", ""))
        return members

    def resolve(self, name, value):
        if value is _MISSING:
            return (name, KIND_MISSING, None, 0, "", "")
        from .dispatcher import Dispatcher  # late: dispatcher imports this module
        if isinstance(value, Dispatcher):
            return (name, KIND_FUNCTION, None, self.add_function(value.py_func), "", "")
        if isinstance(value, types.ModuleType):
            return (name, KIND_MODULE, None, 0, value.__name__, "")
        if not isinstance(value, (bool, int, float, complex, str, tuple)):
            qualified = _builtin_name(value)
            if qualified is not None:
                from . import library
                impl = library.lookup(qualified)
                if impl is not None:  # written in Python: travels as a function
                    return (name, KIND_FUNCTION, None, self.add_function(impl), "", "")
                return (name, KIND_BUILTIN, None, 0, qualified, "")
        try:
            return (name, KIND_CONSTANT, _frozen_constant(value), 0, "", "")
        except _Unrepresentable:
            pass
        return (name, KIND_UNSUPPORTED, None, 0, "", type(value).__name__)


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


def bundle_spec(func):
    """The plain-structure bundle of a Python function."""
    b = _Builder()
    b.add_function(func)
    return (sys.version_info.major, sys.version_info.minor, b.functions)
