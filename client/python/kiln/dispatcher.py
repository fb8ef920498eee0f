"""``kiln.jit`` and the Dispatcher it returns.

The call hot path is native (kiln._kiln.Dispatcher): typeof of the
arguments, lookup among the compiled signatures, unboxing, the call, boxing.
This subclass handles everything off that path: binding keyword arguments and
defaults, building the bundle, asking the server to compile a new signature,
and turning the server's diagnostics into TypingError and friends.
"""

import functools
import inspect
import sys

from . import _kiln
from .bundle import bundle_spec
from .errors import CompilerError, KilnError, TypingError, UnsupportedError, located

# kiln.v1.Emit
EMIT_BINARY, EMIT_BYTECODE, EMIT_KIR, EMIT_TYPED, EMIT_LLVM, EMIT_ASM = range(6)
EMITS = {"binary": EMIT_BINARY, "bytecode": EMIT_BYTECODE, "kir": EMIT_KIR,
         "typed": EMIT_TYPED, "llvm": EMIT_LLVM, "asm": EMIT_ASM}

# kiln.v1.Diagnostic.Kind -> exception class
_DIAGNOSTIC_ERRORS = {1: TypingError, 2: UnsupportedError, 3: TypingError, 4: CompilerError}

_CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08


def parse_signature(sig):
    """"float64(float64, int64)" -> ("float64", ("float64", "int64"));
    "(float64, int64)" leaves the return type to inference ("")."""
    if not isinstance(sig, str):
        raise TypeError(f"signature must be a str such as 'float64(float64)', got {type(sig).__name__}")
    s = sig.strip()
    if not s.endswith(")"):
        raise TypeError(f"malformed signature {sig!r}: expected 'ret(arg, ...)'")
    depth = 0
    for i in range(len(s) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(s[i], 0)
        if depth == 0:
            break
    else:
        raise TypeError(f"malformed signature {sig!r}: unbalanced parentheses")
    ret, body = s[:i].strip(), s[i + 1:-1]
    args, depth, start = [], 0, 0
    for j, ch in enumerate(body):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            args.append(body[start:j])
            start = j + 1
    if body.strip():
        args.append(body[start:])
    try:
        args = tuple(_kiln.canonical_type(a.strip()) for a in args)
        ret = _kiln.canonical_type(ret) if ret else ""
    except ValueError as e:
        raise TypeError(f"malformed signature {sig!r}: {e}") from None
    return ret, args


def _describe(value):
    """What an untypeable argument is, for the TypingError."""
    np = sys.modules.get("numpy")  # never imported here: an ndarray means numpy is loaded
    if np is not None and isinstance(value, np.ndarray):
        dtype = value.dtype if value.dtype.isnative else f"{value.dtype.str}, non-native byte order"
        too_deep = f", {value.ndim} dimensions (at most 32)" if value.ndim > 32 else ""
        return f"NumPy array of dtype {dtype}{too_deep}"
    return f"Python type {type(value).__name__}"


class Dispatcher(_kiln.Dispatcher):
    """A jitted function: call it like the original."""

    def __init__(self, py_func, options, signatures=None):
        super().__init__()
        code = py_func.__code__
        self.py_func = py_func
        self._options = options
        self._bundle = None
        self._pysig = None
        self._signatures = []          # (arg_types, return_type), compile order
        self._eager = bool(signatures)
        functools.update_wrapper(self, py_func)
        simple = not (code.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS)) and code.co_kwonlyargcount == 0
        self._configure(code.co_argcount if simple else -1, self._eager, bool(options.get("nogil")))
        for sig in signatures or ():
            ret, args = parse_signature(sig)
            self._compile(args, ret)

    # -- what Numba's Dispatcher exposes --

    @property
    def signatures(self):
        """The compiled argument-type tuples, in the order they were compiled."""
        return [args for args, _ in self._signatures]

    @property
    def overloads(self):
        return {args: ret for args, ret in self._signatures}

    def inspect_llvm(self, signature=None):
        return self._inspect(EMIT_LLVM, signature)

    def inspect_asm(self, signature=None):
        return self._inspect(EMIT_ASM, signature)

    def inspect_types(self, signature=None):
        return self._inspect(EMIT_TYPED, signature)

    def emit(self, stage, arg_types, return_type=""):
        """The text of one stage ("bytecode", "kir", "typed", "llvm", "asm")
        for the given argument types."""
        reply = self._request(tuple(arg_types), return_type, EMITS[stage])
        return reply["text"]

    def __repr__(self):
        return f"<kiln.Dispatcher {self.py_func.__qualname__}>"

    # -- the slow path --

    def bundle(self):
        """The native Bundle (built once per Dispatcher; .hash, .hex)."""
        if self._bundle is None:
            self._bundle = _kiln.make_bundle(bundle_spec(self.py_func))
        return self._bundle

    def _call_slow(self, *args, **kwargs):
        code = self.py_func.__code__
        if code.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS) or code.co_kwonlyargcount:
            raise UnsupportedError(located("*args, **kwargs and keyword-only parameters are not supported",
                                           code.co_filename, code.co_firstlineno, code.co_qualname))
        if self._pysig is None:
            self._pysig = inspect.signature(self.py_func)
        bound = self._pysig.bind(*args, **kwargs)
        bound.apply_defaults()
        return self(*bound.args)

    def _compile_for(self, args):
        """Called by the native dispatcher on a miss; returns the overload
        index to call."""
        arg_types = []
        names = self.py_func.__code__.co_varnames
        for i, a in enumerate(args):
            t = _kiln.typeof(a)
            if t is None:
                name = names[i] if i < len(names) else f"#{i}"
                raise TypingError(self._locate(
                    f"cannot determine the kiln type of argument '{name}' ({_describe(a)})"))
            arg_types.append(t)
        arg_types = tuple(arg_types)
        if self._eager:
            known = ", ".join("(" + ", ".join(s) + ")" for s in self.signatures)
            raise TypeError(f"No matching definition for argument type(s) {', '.join(arg_types)}; "
                            f"{self.__name__} was compiled for {known}")
        return self._compile(arg_types, "")

    def _compile(self, arg_types, return_type):
        for i, (args, _) in enumerate(self._signatures):
            if args == arg_types:
                return i
        reply = self._request(arg_types, return_type, EMIT_BINARY)
        ret = reply["return_type"] or return_type
        try:
            index = self._add_overload(arg_types, ret, reply["shared_object"], reply["entry_symbol"])
        except ValueError as e:  # a type the server knows but the dispatcher cannot box
            raise UnsupportedError(self._locate(
                f"{self.__name__}({', '.join(arg_types)}) returns {ret}, which kiln cannot "
                f"return to Python ({e})")) from None
        self._signatures.append((arg_types, ret))
        return index

    def _request(self, arg_types, return_type, emit):
        o = self._options
        reply = _kiln.compile(self.bundle(), arg_types, return_type, int(o.get("opt_level", 3)),
                              _fastmath(o.get("fastmath", False)), bool(o.get("boundscheck")),
                              o.get("error_model", "python"), emit)
        if not reply["ok"]:
            cls = _DIAGNOSTIC_ERRORS.get(reply["kind"], CompilerError)
            msg = reply["message"]
            if cls is CompilerError and not msg.startswith("internal compiler error"):
                msg = f"internal compiler error (a kiln bug): {msg}"
            raise cls(located(msg, reply["filename"], reply["line"], reply["function"]))
        return reply

    def _inspect(self, emit, signature):
        if signature is not None:
            ret = dict(self._signatures).get(tuple(signature), "")
            return self._request(tuple(signature), ret, emit)["text"]
        return {args: self._request(args, ret, emit)["text"] for args, ret in self._signatures}

    def _locate(self, message):
        code = self.py_func.__code__
        return located(message, code.co_filename, code.co_firstlineno, code.co_qualname)


# LLVM's fast-math flags, as Numba's fastmath={...} names them ("fast": all).
FASTMATH_FLAGS = frozenset({"afn", "arcp", "contract", "fast", "ninf", "nnan", "nsz", "reassoc"})


def _fastmath(value):
    """The fastmath option as sent: True/False, or a sorted tuple of flag
    names (Numba's set form). Anything else is refused, never ignored."""
    if isinstance(value, bool) or value is None:
        return bool(value)
    if isinstance(value, (set, frozenset, list, tuple)):
        names = set(value)
        bad = sorted(repr(n) for n in names if not isinstance(n, str) or n not in FASTMATH_FLAGS)
        if bad:
            raise ValueError(f"unknown fastmath flag(s) {', '.join(bad)}: expected a bool or a set of "
                             f"{', '.join(sorted(FASTMATH_FLAGS))}")
        return tuple(sorted(names))
    raise TypeError(f"fastmath must be a bool or a set of flag names, got {type(value).__name__}")


_OPTIONS = {"cache", "fastmath", "boundscheck", "nopython", "error_model", "nogil", "parallel",
            "opt_level", "inline", "forceinline", "locals"}


def jit(signature_or_function=None, locals=None, **options):
    """Compile a function with kiln, as numba.njit does.

    ``@jit`` compiles lazily for each new combination of argument types;
    ``@jit("float64(float64, int64)")`` (or a list of such signatures)
    compiles eagerly, at decoration, and then only converts arguments to those
    signatures. Options: cache, fastmath, boundscheck, nopython (always true),
    error_model ("python" or "numpy"), nogil, parallel (False only).
    """
    unknown = set(options) - _OPTIONS
    if unknown:
        raise KeyError(f"unrecognised jit option(s): {', '.join(sorted(unknown))}")
    if options.get("parallel"):
        raise UnsupportedError("parallel=True is not supported by kiln yet")
    if options.get("nopython") is False or options.get("forceobj"):
        raise UnsupportedError("kiln compiles in nopython mode only")
    _fastmath(options.get("fastmath", False))  # refuse a bad value at decoration
    if options.get("error_model", "python") not in ("python", "numpy"):
        raise ValueError(f"error_model must be 'python' or 'numpy', got {options['error_model']!r}")

    def wrap(func, signatures=None):
        if isinstance(func, Dispatcher):
            func = func.py_func
        if not inspect.isfunction(func):
            raise TypeError(f"kiln.jit needs a Python function, got {type(func).__name__}")
        return Dispatcher(func, options, signatures)

    if signature_or_function is None:
        return wrap
    if isinstance(signature_or_function, str):
        return lambda func: wrap(func, [signature_or_function])
    if isinstance(signature_or_function, (list, tuple)):
        sigs = list(signature_or_function)
        return lambda func: wrap(func, sigs)
    return wrap(signature_or_function)


njit = jit
