"""native: C functions that compiled code calls by address: a Numba
``WrapperAddressProtocol`` (or ``kiln.types.WrapperAddressProtocol``), a
ctypes function with ``argtypes`` (a ``CDLL`` symbol, a ``CFUNCTYPE``
instance), a Numba ``types.ExternalFunction(symbol, sig)`` (extfunc: a C
function named by its symbol, found where Numba finds it, in llvmlite's
symbol table) -- docs/python-subset.md, "Native functions".

A global (or a cell, or a module attribute) holding one is frozen in the
bundle as the builtin ``native:NAME|RESULT(PARAM,...)|KEY``: the signature in
Kiln's spellings and KEY, the function's identity, which is stable across
processes and so part of the cache key; never its address. The address is
registered with the runtime under KEY (runtime/cpu/kiln_native.h) as the
bundle is built, so a binary compiled by another process, or read from the
disk cache, calls this process's function: its slot is filled on the first
call from the registration.

The key is where the address lies: ``lib:PATH:SIZE:MTIME+0xOFFSET`` for an
address inside a loaded shared object (dladdr: the file and the offset from
its base are the same in every process that maps the same file, whatever
ASLR did; another build of the library is another file), and
``proc:PID.NONCE:0xADDRESS`` otherwise (a ctypes callback's trampoline, a JIT's
code): such a binary is keyed to this process alone and is compiled again in
the next one, never reused with a stale address."""

import ctypes
import os

PREFIX = "native:"

_alive = {}  # key -> the object whose address was registered: a callback stays alive while code may call it


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


_dladdr = None
_nonce = None


def _process_nonce():
    global _nonce
    if _nonce is None:
        _nonce = f"{os.getpid()}.{os.urandom(8).hex()}"
    return _nonce


def identity(address):
    """The stable key of the function at `address` (see the module's doc)."""
    global _dladdr
    if _dladdr is None:
        libc = ctypes.CDLL(None)
        _dladdr = libc.dladdr
        _dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
        _dladdr.restype = ctypes.c_int
    info = _DlInfo()
    if _dladdr(address, ctypes.byref(info)) and info.dli_fname and info.dli_fbase:
        path = os.fsdecode(info.dli_fname)
        try:
            st = os.stat(path)
            return f"lib:{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}+{address - info.dli_fbase:#x}"
        except OSError:  # the main program's own symbols name no file ("" or a vanished one)
            pass
    return f"proc:{_process_nonce()}:{address:#x}"


# ctypes' type codes (its classes' _type_) as Kiln's spellings; the width of
# C's int, long and size_t is the class's own (c_int is c_int32 here).
_CTYPES_CODES = {"d": "float", "f": "float", "?": "bool",
                 "b": "int", "h": "int", "i": "int", "l": "int", "q": "int",
                 "B": "uint", "H": "uint", "I": "uint", "L": "uint", "Q": "uint"}


def _ctypes_spelling(t, is_result):
    if t is None:
        if is_result:
            return "none"
        raise _Refused("a ctypes argument type of None")
    code = getattr(t, "_type_", None)
    if not is_result and code == "P":  # extfunc: c_void_p, Numba's voidptr
        return "void*"
    if not is_result and isinstance(code, type) and issubclass(t, ctypes._Pointer):  # POINTER(c_double)
        pointee = _ctypes_spelling(code, False)
        if pointee.endswith("*") or pointee == "bool":
            raise _Refused(f"ctypes type {t.__name__} is not supported (pointers to numbers are)")
        return pointee + "*"
    family = _CTYPES_CODES.get(code) if isinstance(code, str) else None
    if family is None:
        raise _Refused(f"ctypes type {getattr(t, '__name__', t)} is not supported (numbers and c_bool are, and "
                       "c_void_p and POINTER(number) parameters)")
    return "bool" if family == "bool" else f"{family}{8 * ctypes.sizeof(t)}"


_SCALARS = {"bool", "none", "float32", "float64"} | {f"{s}int{b}" for s in ("", "u") for b in (8, 16, 32, 64)}
_POINTEES = (_SCALARS - {"bool", "none"}) | {"complex64", "complex128"}
_SPELLINGS = {"boolean": "bool", "void": "none", "b1": "bool", "f8": "float64", "f4": "float32",
              "i8": "int64", "i4": "int32", "intp": "int64", "uintp": "uint64", "c8": "complex64", "c16": "complex128"}


def _type_spelling(t, is_result):
    """Kiln's spelling of a Numba or kiln.types type object (numbers, bool, void;
    for a parameter also Numba's voidptr, "void*", and CPointer(T), "T*")."""
    name = t if isinstance(t, str) else getattr(t, "name", None)
    name = _SPELLINGS.get(name, name)
    if isinstance(name, str) and not is_result and name in ("void*", "voidptr"):  # extfunc: Numba's voidptr
        return "void*"
    if isinstance(name, str) and not is_result and name.endswith("*"):  # extfunc: CPointer(T) is named "T*"
        pointee = _SPELLINGS.get(name[:-1], name[:-1])
        if pointee in _POINTEES:
            return pointee + "*"
    if not isinstance(name, str) or name not in _SCALARS or (name == "none" and not is_result):
        raise _Refused(f"its signature has type {t}: numbers, bool, a void result and pointers to numbers or void "
                       "as parameters are supported")
    return name


def _signature_spelling(sig):
    """RESULT(PARAM,...) of a Numba signature, a kiln.types one, or a string
    such as "float64(float64, int32)"."""
    if isinstance(sig, str):
        text = sig.replace(" ", "")
        open_ = text.find("(")
        if open_ <= 0 or not text.endswith(")"):
            raise _Refused(f"its signature {sig!r} is not RESULT(PARAM, ...)")
        params = [p for p in text[open_ + 1:-1].split(",") if p]
        return f"{_type_spelling(text[:open_], True)}({','.join(_type_spelling(p, False) for p in params)})"
    result, args = getattr(sig, "return_type", None), getattr(sig, "args", None)
    if result is None or args is None:
        raise _Refused(f"its signature() returned {sig!r}, not a signature")
    return f"{_type_spelling(result, True)}({','.join(_type_spelling(a, False) for a in args)})"


class _Refused(Exception):
    pass


def _is_wrapper_address(value):
    return callable(getattr(value, "__wrapper_address__", None)) and callable(getattr(value, "signature", None))


def _is_ctypes_function(value):
    return isinstance(value, ctypes._CFuncPtr)


def _is_external_function(value):
    """extfunc: a Numba ``types.ExternalFunction(symbol, sig)`` (a type object,
    so it is recognised by its class, without importing Numba) or
    ``kiln.types.ExternalFunction``."""
    cls = type(value)
    return cls.__name__ == "ExternalFunction" and (cls.__module__.startswith("numba.") or
                                                   cls.__module__ == "kiln.types") and \
        isinstance(getattr(value, "symbol", None), str) and hasattr(value, "sig")


def _symbol_address(symbol):
    """extfunc: the address of C symbol `symbol` in this process, found as Numba
    finds it: in llvmlite's symbol table (``llvmlite.binding.add_symbol``, and
    the libraries ``load_library_permanently`` loaded), after Numba's own
    helpers (``numba_xgesv``...) are added to it, which Numba does before it
    first compiles (so a process that has not yet compiled with Numba finds
    them too). Without llvmlite (a kiln.types.ExternalFunction, no Numba):
    the process's global symbols (dlsym), the nearest thing."""
    try:
        import llvmlite.binding as llvm
    except ImportError:  # no Numba either (kiln.types.ExternalFunction): the process's global symbols
        try:
            address = ctypes.cast(getattr(ctypes.CDLL(None), symbol), ctypes.c_void_p).value
        except AttributeError:
            address = None
        if not address:
            raise _Refused(f"its symbol {symbol!r} is not found in this process (llvmlite is not installed: "
                           "the process's global symbols were searched)") from None
        return address
    address = llvm.address_of_symbol(symbol)
    if not address:
        try:
            from numba.core.base import _load_global_helpers  # Numba's own, run once per process
            _load_global_helpers()
        except (ImportError, AttributeError):
            pass
        address = llvm.address_of_symbol(symbol)
    if not address:
        raise _Refused(f"its symbol {symbol!r} is not found in this process: load the library that defines it "
                       "(llvmlite.binding.load_library_permanently) or add it (llvmlite.binding.add_symbol)")
    return address


def _is_cffi_object(value):
    return type(value).__module__ == "_cffi_backend" and "CData" in type(value).__name__


def is_native(value):
    """Whether value is a native function (frozen here, whether or not it can be)."""
    return not isinstance(value, type) and (_is_wrapper_address(value) or _is_ctypes_function(value) or
                                            _is_cffi_object(value) or _is_external_function(value))


def freeze(name, value):
    """The builtin name of native function `value` read as global `name`, its
    address registered; or ("", why) when it cannot be called from compiled
    code (refused where the code reads it, naming the global)."""
    try:
        if _is_cffi_object(value):
            raise _Refused("cffi functions are not supported yet: wrap its address "
                           "(int(ffi.cast('uintptr_t', f))) in a WrapperAddressProtocol with its signature")
        if _is_ctypes_function(value):
            if value.argtypes is None:
                raise _Refused(f"the ctypes function {_ctypes_name(value)} has no argtypes: set them (and restype) "
                               "so its signature is known")
            sig = (f"{_ctypes_spelling(value.restype, True)}"
                   f"({','.join(_ctypes_spelling(a, False) for a in value.argtypes)})")
            address = ctypes.cast(value, ctypes.c_void_p).value or 0
        elif _is_external_function(value):
            sig = _signature_spelling(value.sig)
            address = _symbol_address(value.symbol)
        else:
            sig = _signature_spelling(value.signature())
            address = value.__wrapper_address__()
            if not isinstance(address, int):
                raise _Refused(f"its __wrapper_address__() returned {type(address).__name__}, not an int")
        if address == 0:
            raise _Refused("its address is NULL")
    except _Refused as e:
        return "", str(e)
    key = identity(address)
    from . import _kiln
    _kiln._native_register(key, address)
    _alive[key] = value
    return f"{PREFIX}{name}|{sig}|{key}", ""


def _ctypes_name(value):
    n = getattr(value, "__name__", None)
    return repr(n) if n else "object"


def get_cython_function_address(module_name, function_name):
    """The address of `function_name` that Cython module `module_name`
    exports in its ``__pyx_capi__`` (Numba's
    ``numba.extending.get_cython_function_address``)."""
    import importlib
    module = importlib.import_module(module_name)
    capi = getattr(module, "__pyx_capi__", None)
    if capi is None or function_name not in capi:
        raise ValueError(f"no function {function_name!r} in the __pyx_capi__ of module {module_name!r}")
    return capsule_address(capi[function_name])


def capsule_address(capsule):
    """The pointer a PyCapsule holds (a Cython module's ``__pyx_capi__``
    entry: SciPy's BLAS/LAPACK and special functions), or None."""
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype = ctypes.c_char_p
    get_name.argtypes = [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype = ctypes.c_void_p
    get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    return get_pointer(capsule, get_name(capsule))

