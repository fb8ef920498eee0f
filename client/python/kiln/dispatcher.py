"""``kiln.jit`` and the Dispatcher it returns.

The call hot path is native (kiln._kiln.Dispatcher): typeof of the
arguments, lookup among the compiled signatures, unboxing, the call, boxing.
This subclass handles everything off that path: binding keyword arguments and
defaults, building the bundle, asking the server to compile a new signature,
and turning the server's diagnostics into TypingError and friends.
"""

import functools
import sys
import types
import warnings

from . import _kiln, _random_streams, config, extending
from .bundle import bundle_spec
from .errors import (NOT_IMPLEMENTED_PREFIXES, BoxingError, CompilerError, KilnError, KilnPerformanceWarning,
                     KilnTypeSafetyWarning,
                     LoweringError, NumbaTypeError, NumbaValueError, TypingError, UnsupportedError,
                     UnsupportedNotImplementedError, located, warning_category)

# The emit names and diagnostic kinds are defined once in C++ (base/*.def,
# kiln.proto) and read from the extension, never copied here.
EMITS = dict(_kiln.EMITS)                      # "llvm" -> kiln.v1.Emit value
EMIT_BINARY = EMITS["binary"]
_ERROR_CLASSES = {"TypingError": TypingError, "UnsupportedError": UnsupportedError,
                  "CompilerError": CompilerError, "NumbaTypeError": NumbaTypeError,
                  "NumbaValueError": NumbaValueError, "LoweringError": LoweringError,
                  "BoxingError": BoxingError,
                  "KilnPerformanceWarning": KilnPerformanceWarning,
                  "KilnTypeSafetyWarning": KilnTypeSafetyWarning}  # a warning kind: emitted, not raised
# kiln.v1.Diagnostic.Kind value -> exception (or warning) class
_DIAGNOSTIC_ERRORS = {value: _ERROR_CLASSES[cls] for value, (_, cls) in _kiln.DIAGNOSTIC_KINDS.items()}
# overload: the kind of a compile reply that asks for an @overload implementation
_OVERLOAD_REQUEST = _kiln.PROTO_ENUMS["Diagnostic.Kind"]["KIND_OVERLOAD_REQUEST"]
_LITERAL_REQUEST = _kiln.PROTO_ENUMS["Diagnostic.Kind"]["KIND_LITERAL_REQUEST"]

_CO_VARARGS, _CO_VARKEYWORDS = 0x04, 0x08


def parse_signature(sig):
    """"float64(float64, int64)" -> ("float64", ("float64", "int64"));
    "(float64, int64)" leaves the return type to inference (""). The grammar
    is the server's (kiln._kiln.parse_signature); spellings come back
    canonical ("f8" -> "float64"), as Numba spells them (vectorize reads
    dtypes from them)."""
    if not isinstance(sig, str):
        raise TypeError(f"signature must be a str such as 'float64(float64)', got {type(sig).__name__}")
    try:
        return _kiln.parse_signature(sig)
    except ValueError as e:
        shown = sig if len(sig) <= 120 else sig[:120] + "..."
        raise TypeError(f"malformed signature {shown!r}: {e}") from None


def declared_signature(sig):
    """parse_signature for a signature a function is compiled for: NEP 50, a
    declared bool/int64/float64/complex128 argument is Numba's, a NumPy
    scalar (strong, "np.float64"); a Python float passed for it converts
    (docs/numpy.md)."""
    ret, args = parse_signature(sig)
    return ret, tuple(_kiln.declared_argument(a) for a in args)


def _numba_spellings(arg_types):
    """NEP 50: argument types as Numba spells them ("np.float64" ->
    "float64"), for f.signatures and messages."""
    return tuple(_kiln.numba_spelling(t) for t in arg_types)


def _describe(value):
    """What an untypeable argument is, for the TypingError."""
    np = sys.modules.get("numpy")  # never imported here: an ndarray means numpy is loaded
    if np is not None and isinstance(value, np.ndarray):
        dtype = value.dtype if value.dtype.isnative else f"{value.dtype.str}, non-native byte order"
        too_deep = f", {value.ndim} dimensions (at most 32)" if value.ndim > 32 else ""
        return f"NumPy array of dtype {dtype}{too_deep}"
    from . import _native  # native: called by address only where the code reads it (a global, a cell)
    if _native.is_native(value):
        return (f"Python type {type(value).__name__}: a native function is called from compiled code where it "
                "reads it as a global, a closure cell or a module attribute, not passed as an argument")
    if hasattr(type(value), "_numba_box_"):  # structref: a proxy over memory Numba's compiled code made
        return (f"Python type {type(value).__name__}: a StructRef made by Numba's compiled code (or in Python, "
                "through Numba) holds Numba's memory; only one a kiln.jit function made and returned can be passed")
    return f"Python type {type(value).__name__}"


def _holds_function(a):
    """pyfuncs: whether an argument is a jitted function or a tuple holding one."""
    return isinstance(a, Dispatcher) or (type(a) is tuple and any(_holds_function(x) for x in a))


def _function_shape(a):
    """pyfuncs: which functions an argument holds, and where (the wrapper's key)."""
    if isinstance(a, Dispatcher):
        return ("fn", id(a))  # the wrapper holds `a`: the id is not reused while it lives
    if type(a) is tuple and _holds_function(a):
        return ("tuple", tuple(_function_shape(x) for x in a))
    return ("value",)


def _value_leaves(a, out):
    """pyfuncs: the values (not functions) of an argument, in order."""
    if isinstance(a, Dispatcher):
        return
    if type(a) is tuple and _holds_function(a):
        for x in a:
            _value_leaves(x, out)
        return
    out.append(a)


def _spread(code, passed):
    """kwonly: the arguments of a wrapper's call, one per compiled parameter,
    as the call passes them: the keyword-only ones by name, *args spread (a
    list of expressions for them: passed one by one)."""
    n, nk = code.co_argcount, code.co_kwonlyargcount
    if nk or code.co_flags & _CO_VARARGS:
        names = code.co_varnames[n:n + nk]
        spread = [x for p in passed[n + nk:] for x in (p if isinstance(p, list) else [f"*{p}"])]
        passed = passed[:n] + spread + [f"{k}={p}" for k, p in zip(names, passed[n:n + nk])]
    return passed


def _literal_spelling(value):
    """literally: Numba's name of a literal's type: Literal[int](3)."""
    if value is None:
        return "none"
    return f"Literal[{type(value).__name__}]({value})"


def _is_literally(value):
    """literally: kiln.literally, or Numba's numba.literally."""
    return callable(value) and getattr(value, "__name__", None) == "literally" and \
        getattr(value, "__module__", None) in ("kiln", "numba.misc.special")


def _literally_calls(func):
    """literally: {parameter index: (the call as written, line)} for each
    `literally(p)` (or `numba.literally(p)`, `kiln.literally(p)`) of a
    parameter p in func's bytecode: the callee read as a global or a
    module's attribute, then the parameter, then a call with one argument."""
    code = func.__code__
    if "literally" not in code.co_names:  # the common case, without reading the bytecode
        return {}
    import builtins
    import dis
    nparams = code.co_argcount + code.co_kwonlyargcount
    found = {}
    callee = None   # (value, spelling) of the last global / attribute chain read
    param = None    # (index, the callee's spelling) of a parameter read right after a literally callee
    line = code.co_firstlineno
    for ins in dis.get_instructions(code):
        if ins.starts_line is not None:
            line = ins.starts_line
        op = ins.opname
        if op in ("CACHE", "PRECALL", "PUSH_NULL", "NOP", "EXTENDED_ARG"):
            continue
        if op == "LOAD_GLOBAL":
            name = ins.argval
            g = func.__globals__
            value = g[name] if name in g else getattr(builtins, name, None)
            callee, param = (value, name), None
            continue
        if op in ("LOAD_ATTR", "LOAD_METHOD") and callee is not None and param is None:
            callee = (getattr(callee[0], ins.argval, None), f"{callee[1]}.{ins.argval}")
            continue
        if op == "LOAD_FAST" and callee is not None and param is None and _is_literally(callee[0]):
            index = code.co_varnames.index(ins.argval)
            if index < nparams:
                param = (index, callee[1])
                continue
        if op == "CALL" and ins.arg == 1 and param is not None:
            found.setdefault(param[0], (param[1], line))
        callee, param = None, None
    return found


class _LiteralRequest(Exception):
    """literally: kilnd's LiteralRequest for a compile: the entry function
    passes parameters `params` (indices) to callees that need their values
    when compiling; the dispatcher makes them literal ones and calls again."""

    def __init__(self, reply):
        super().__init__(reply["message"])
        self.params = [int(k) for k in reply["message"].split(",")]
        self.line = reply["line"]


class _LiteralSignatures:
    """literally: records, in a function's `signatures` list, the signature
    of each call its literal wrapper compiles for (the wrapper calls it on
    each of its own misses), so a call that hits pays only the key lookup.
    It holds the list, not the function: no reference cycle."""

    def __init__(self, seen, spelled, count, extra):
        self.seen = seen          # the function's _literal_signatures
        self.spelled = spelled    # {parameter index: Literal[int](3)}
        self.count = count        # the function's compiled parameters
        self.extra = extra        # *args: how many extra arguments (-1: none)

    def __call__(self, wrapper_args):
        rest = iter(wrapper_args)
        sig = []
        for k in range(self.count):
            if k in self.spelled:
                sig.append(self.spelled[k])
                continue
            if k == self.count - 1 and self.extra >= 0:  # *args arrive spread: the function sees one tuple
                a = tuple(next(rest) for _ in range(self.extra))
            else:
                a = next(rest)
            sig.append(_kiln.typeof(a) or type(a).__name__)
        sig = tuple(sig)
        if sig not in self.seen:
            self.seen.append(sig)


class Dispatcher(_kiln.Dispatcher):
    """A jitted function: call it like the original."""

    def __init__(self, py_func, options, signatures=None):
        super().__init__()
        code = py_func.__code__
        self.py_func = py_func
        self._options = options
        self._bundle = None
        self._bundle_functions = None  # ovlarg: the bundle's functions' Python objects (bundle_spec)
        self._pysig = None
        self._eager = bool(signatures)
        self._eager_signatures = list(signatures or ())  # as written: kilnctl warm
        functools.update_wrapper(self, py_func)
        simple = not (code.co_flags & (_CO_VARARGS | _CO_VARKEYWORDS)) and code.co_kwonlyargcount == 0
        self._configure(code.co_argcount if simple else -1, self._eager, bool(options.get("nogil")))
        # eagersig: [(argument types, return type)] as compiled; a caller's
        # bundle carries them, so that a call from compiled code converts
        # to one of them as Numba's does (a dispatcher with signatures
        # compiles no others).
        self._declared = [declared_signature(sig)[::-1] for sig in signatures or ()]
        for args, ret in self._declared:
            self._compile(args, ret)

    # numbatwin: a Kiln function called from Numba-compiled code (a global
    # of a numba.njit, vectorize or guvectorize body). Numba asks a value it
    # has no type for for its `_numba_type_`; Numba cannot call Kiln's
    # native code, so the answer is the type of a Numba dispatcher of the
    # same Python function with the options the two share (the declared
    # signatures too where Numba can read them), made once. Kiln's own
    # calls never read this.
    @property
    def _numba_type_(self):
        import numba
        from numba.core.registry import CPUDispatcher  # not numba.njit, which a program may have routed to Kiln

        twin = self.__dict__.get("_numba_twin")
        if twin is None:
            options = {k: v for k, v in self._options.items() if k in _TWIN_OPTIONS}
            twin = CPUDispatcher(py_func=self.py_func, locals=dict(self.__dict__.get("locals") or {}),
                                 targetoptions={"nopython": True, **options})
            try:
                for sig in self._eager_signatures:
                    twin.compile(sig)
                if self._eager_signatures:
                    twin.disable_compile()  # as Kiln's: arguments convert to a declared signature
            except Exception:  # a signature in Kiln's spelling only: Numba specialises lazily instead
                pass
            self.__dict__["_numba_twin"] = twin
        return numba.typeof(twin)

    def __reduce__(self):
        """pickle: as Numba's dispatchers pickle (kiln/_pickling.py): by
        reference where the module names this dispatcher, else by value."""
        from ._pickling import reduce_jitted

        options = {k: v for k, v in self._options.items() if k != "locals"}  # locals: declared again, as written
        return reduce_jitted(self, "jit", self._eager_signatures, options, self.__dict__.get("locals"))

    # -- what Numba's Dispatcher exposes --

    # The native dispatcher owns the overloads; these read its list.

    @property
    def signatures(self):
        """The compiled argument-type tuples, in the order they were compiled;
        literally: then each literal specialisation called, as Numba lists
        them ("Literal[int](3)", "int64")."""
        spelled = dict.fromkeys(_numba_spellings(args) for args, _ in self._overloads())  # NEP 50: a weak and a strong
        return list(spelled) + list(self.__dict__.get("_literal_signatures", ()))        # twin are one Numba signature

    @property
    def overloads(self):
        """Numba's ``Dispatcher.overloads``: {argument types: compile result}
        for each compiled signature, by Numba's spellings (NEP 50: the
        overloads for a Python float and an np.float64 share one key). A key is a tuple of Kiln's spellings
        (``("float64", "int64")``) or of Numba's types (``(numba.typeof(a),
        ...)``); each result has ``.signature`` (``.args``,
        ``.return_type``: Numba's types when Numba is imported, Kiln's
        spellings otherwise) and ``.entry_point``."""
        return _Overloads(self, [(_numba_spellings(args), ret) for args, ret in self._overloads()])

    def compile(self, sig):
        """Numba's ``Dispatcher.compile(sig)``: compile (or load from the
        cache) this signature now: a signature string, Numba's Signature, or
        a tuple of argument types (Numba's types or Kiln's spellings). Returns
        its entry point."""
        ret, args = declared_signature(_signature_of(sig))
        self._compile(args, ret)
        return self.overloads[args].entry_point

    @property
    def targetoptions(self):
        """Numba's ``Dispatcher.targetoptions``: the jit options, live. A
        change (stumpy sets ``fastmath`` so) applies from the next compile;
        ``recompile()`` applies it to the signatures compiled already."""
        return self._options

    def recompile(self):
        """Numba's ``Dispatcher.recompile()``: compile every signature
        compiled so far again, with the options, globals and callees as they
        are now (the bundle is built anew)."""
        compiled = self._overloads()
        self._bundle = None
        self._retire_overloads()
        self.__dict__.pop("_literal_specs", None)  # literally: each value's wrapper is made (and compiled) anew
        for args, ret in compiled:
            self._compile(args, ret if self._eager else "")

    def inspect_llvm(self, signature=None):
        return self._inspect(EMITS["llvm"], signature)

    def inspect_asm(self, signature=None):
        return self._inspect(EMITS["asm"], signature)

    def inspect_types(self, signature=None):
        return self._inspect(EMITS["typed"], signature)

    def emit(self, stage, arg_types, return_type=""):
        """The text of one stage ("bytecode", "kir", "typed", "llvm", "asm")
        for the given argument types."""
        reply = self._request(tuple(arg_types), return_type, EMITS[stage])
        return reply["text"]

    def export(self, path):
        """Write this function's bundle file to ``path``, for the C++ API
        (kiln::Module, docs/cpp.md): kiln.export.write(path, [self])."""
        from . import export

        export.write(path, [self])

    def __repr__(self):
        return f"<kiln.Dispatcher {self.py_func.__qualname__}>"

    # -- the slow path --

    def bundle(self):
        """The native Bundle (built once per Dispatcher; .hash, .hex)."""
        if self._bundle is None:
            held, functions = [], []
            self._bundle = _kiln.make_bundle(bundle_spec(self.py_func, held, self._options.get("locals"), functions,
                                                       bool(self._options.get("parallel"))))
            self._held_globals = tuple(held)  # np0d: Numba's references (its compiled function holds them)
            functions[0] = self  # ovlarg: what the bundle's "Function(#i)" types name (extending.answer)
            self._bundle_functions = functions
        return self._bundle

    def _call_slow(self, *args, **kwargs):
        code = self.py_func.__code__
        if code.co_flags & _CO_VARKEYWORDS:
            raise UnsupportedError("**kwargs parameters are not supported",
                                   (code.co_filename, code.co_firstlineno, code.co_qualname))
        if self._pysig is None:
            import inspect  # late: `import kiln` stays free of inspect (and dis, ast, tokenize)
            self._pysig = inspect.signature(self.py_func)
        bound = self._pysig.bind(*args, **kwargs)
        bound.apply_defaults()
        n = code.co_argcount
        # kwonly: the compiled function takes the keyword-only parameters after
        # the positional ones, then *args as one tuple (co_varnames' order).
        kwonly = tuple(bound.arguments[name] for name in code.co_varnames[n:n + code.co_kwonlyargcount])
        if code.co_flags & _CO_VARARGS:  # *args: the extra arguments travel as one tuple parameter
            return self._call_bound(*bound.args[:n], *kwonly, tuple(bound.args[n:]))
        if kwonly:
            return self._call_bound(*bound.args, *kwonly)
        return self(*bound.args)

    def _compile_for(self, args):
        """Called by the native dispatcher on a miss; returns the overload
        index to call, or a 1-tuple holding the call's result when Python
        made the call itself (jitted functions among the arguments, or
        literal parameters)."""
        found = self._compile_miss(args)
        note = self.__dict__.get("_literal_note")
        if note is not None:  # a literally wrapper: its caller lists the signature this miss compiled
            note(args)
        return found

    def _compile_miss(self, args):
        literal = self._literal_params()
        if literal:  # first: its wrapper takes the jitted functions among the others as its own arguments
            return (self._call_with_literals(args, literal),)
        if any(_holds_function(a) for a in args):
            return (self._call_with_functions(args),)
        arg_types = []
        names = self.py_func.__code__.co_varnames
        for i, a in enumerate(args):
            t = _kiln.typeof_argument(a)  # NEP 50: np.float64 and float compile apart
            if t is None:
                name = names[i] if i < len(names) else f"#{i}"
                raise TypingError(f"cannot determine the kiln type of argument '{name}' ({_describe(a)})",
                                  self._where())
            arg_types.append(t)
        arg_types = tuple(arg_types)
        if self._eager:
            known = ", ".join("(" + ", ".join(s) + ")" for s in self.signatures)
            raise TypeError(f"No matching definition for argument type(s) {', '.join(_numba_spellings(arg_types))}; "
                            f"{self.__name__} was compiled for {known}")
        try:
            return self._compile(arg_types, "", literal_retry=True)
        except _LiteralRequest as asked:
            # literally, through calls: parameters this function passes on to
            # a callee that needs their values become literal ones here too
            found = self._literal_found = dict(self._literal_params())
            for k in asked.params:
                found.setdefault(k, ("literally", asked.line))
            return (self._call_with_literals(args, found),)

    def _call_with_functions(self, args):
        """pyfuncs: a call passing jitted functions (Dispatchers, alone or
        inside tuples). Each function is a compile-time constant, as Numba's
        dispatcher type is: the call goes through a jitted wrapper, made once
        per combination of functions, that reads them as globals and passes
        them on with the other arguments (its own parameters). The wrapper's
        bundle holds this function's code and theirs, so the cache key
        changes when any of them does."""
        shape = tuple(_function_shape(a) for a in args)
        specs = self.__dict__.setdefault("_function_specs", {})
        wrapper = specs.get(shape)
        if wrapper is None:
            if self._eager:
                raise TypeError(f"No matching definition for argument type(s) with jitted functions; "
                                f"{self.__name__} was compiled for its signatures only")
            wrapper = specs[shape] = self._function_wrapper(args)
        leaves = []
        for a in args:
            _value_leaves(a, leaves)
        return wrapper(*leaves)

    def _literal_params(self):
        """literally: {parameter index: (how the call is written, line)} for
        each parameter the function passes to literally (kiln's or Numba's);
        read once from its bytecode."""
        found = self.__dict__.get("_literal_found")
        if found is None:
            found = self._literal_found = _literally_calls(self.py_func)
        return found

    def _call_with_literals(self, args, literal):
        """literally: a call of a function that asks for the values of some
        of its parameters when compiling (Numba's literal dispatch). As
        Numba's dispatcher retries the compile with those arguments typed as
        literals of their values, the call goes through a jitted wrapper,
        made once per combination of values, that passes them as constants:
        the server specialises the function on each (inference.cpp,
        literalParams), and the values are in the wrapper's bundle, so in
        the cache key. Only an int, bool or str (or None) can be a literal."""
        for k, (spelled, line) in literal.items():
            a = args[k]
            if a is not None and type(a) not in (int, bool, str):
                code = self.py_func.__code__
                name = code.co_varnames[k]
                raise TypingError(f"{type(a)!r} cannot be used as a literal: {spelled}({name}) needs the value "
                                  f"of argument '{name}' when compiling, and only an int, bool or str can be "
                                  f"one ({name} is {_describe(a)})",
                                  (code.co_filename, line, code.co_qualname))
            if type(a) is int and not -(1 << 63) <= a < (1 << 63):
                code = self.py_func.__code__
                raise TypingError(f"{spelled}({code.co_varnames[k]}): the literal {a} does not fit int64",
                                  (code.co_filename, line, code.co_qualname))
        code = self.py_func.__code__
        # *args: the extra arguments are the wrapper's own parameters, one
        # each (a call spreading a tuple would hide the constants), so their
        # count is part of the wrapper
        extra = len(args[-1]) if code.co_flags & _CO_VARARGS else -1
        key = (extra,) + tuple((k, type(args[k]), args[k]) for k in literal)
        specs = self.__dict__.setdefault("_literal_specs", {})
        wrapper = specs.get(key)
        if wrapper is None:
            if self._eager:
                known = ", ".join("(" + ", ".join(s) + ")" for s in self.signatures)
                raise TypeError(f"No matching definition for argument type(s) with literal values; "
                                f"{self.__name__} was compiled for {known}")
            wrapper = specs[key] = self._wrapper(args, lambda k, a: repr(a) if k in literal else None, "literal")
            wrapper._literal_note = _LiteralSignatures(
                self.__dict__.setdefault("_literal_signatures", []),
                {k: _literal_spelling(args[k]) for k in literal}, len(args), extra)
        passed = [a for k, a in enumerate(args) if k not in literal]
        return wrapper(*passed[:-1], *passed[-1]) if extra >= 0 else wrapper(*passed)

    def _wrapper(self, args, constant, label):
        """A jitted wrapper passing the arguments for which constant(k, a)
        gives a Python expression as that expression, and the others as its
        own parameters (literally)."""
        env = {"__kiln_target": self}
        params = []
        passed = []
        code = self.py_func.__code__
        varargs = bool(code.co_flags & _CO_VARARGS)
        for k, a in enumerate(args):
            text = constant(k, a)
            if text is None and varargs and k == len(args) - 1:
                # *args: one parameter per extra argument, passed on one by one
                text = [f"a{len(params) + j}" for j in range(len(a))]
                params += text
            elif text is None:
                params.append(f"a{len(params)}")
                text = params[-1]
            passed.append(text)
        return self._wrapper_of(env, params, _spread(code, passed), label)

    def _wrapper_of(self, env, params, passed, label):
        name = f"{self.py_func.__name__}__with_{label}s"
        src = f"def {name}({', '.join(params)}):\n    return __kiln_target({', '.join(passed)})\n"
        exec(compile(src, f"<kiln: {self.py_func.__qualname__} called with {label}s>", "exec"), env)
        fn = env[name]
        fn.__qualname__ = f"{self.py_func.__qualname__}__with_{label}s"
        return Dispatcher(fn, dict(self._options))

    def _function_wrapper(self, args):
        env = {"__kiln_target": self}
        params = []

        def expr(a):
            if isinstance(a, Dispatcher):
                name = f"__kiln_fn{len(env)}"
                env[name] = a
                return name
            if type(a) is tuple and _holds_function(a):
                return "(" + "".join(expr(x) + ", " for x in a) + ")"
            params.append(f"a{len(params)}")
            return params[-1]

        passed = [expr(a) for a in args]
        return self._wrapper_of(env, params, _spread(self.py_func.__code__, passed), "function")

    def _answering_overloads(self, send):
        """`send(bundle)`'s reply (a compile request), with each OverloadRequest
        the server makes answered and the compile sent again with the bundle
        built anew; more than extending.MAX_ROUNDS requests are refused."""
        rounds = 0
        while True:
            reply = send(self.bundle())
            if reply["ok"] or reply["kind"] != _OVERLOAD_REQUEST:
                return reply
            if rounds >= extending.MAX_ROUNDS:
                raise TypingError(f"more than {extending.MAX_ROUNDS} @overload implementations asked for in one "
                                  f"compile (the last: {reply['message']})",
                                  (reply["filename"], reply["line"], reply["function"]))
            extending.answer(reply["message"], self._bundle_functions)
            self._bundle = None
            rounds += 1

    def _compile(self, arg_types, return_type, literal_retry=False):
        """The overload index for these canonical argument types, compiled
        and loaded natively if new."""
        _random_streams.share_with_numba()
        o = self._options
        reply = self._answering_overloads(lambda bundle: self._compile_overload(
            bundle, arg_types, return_type, int(o.get("opt_level", 3)), _fastmath(o.get("fastmath", False)),
            bool(o.get("boundscheck")), o.get("error_model", "python"), _target_tier(o)))
        if reply["ok"]:
            for kind, message, filename, line, _function in reply.get("warnings", ()):
                # A compile warning (typing/performance_warnings.h), located
                # at the user's line as Numba's are; once per compile.
                cls = _DIAGNOSTIC_ERRORS.get(kind)
                if cls is not None and issubclass(cls, Warning):
                    warnings.warn_explicit(message, warning_category(cls), filename or "<unknown>", line)
            return reply["index"]
        if "unboxable" in reply:  # a type the server knows but the dispatcher cannot box
            raise UnsupportedError(
                f"{self.__name__}({', '.join(_numba_spellings(arg_types))}) returns {reply['return_type']}, which kiln cannot "
                f"return to Python ({reply['unboxable']})", self._where()) from None
        self._raise(reply, literal_retry)

    def _request(self, arg_types, return_type, emit):
        o = self._options
        reply = self._answering_overloads(lambda bundle: _kiln.compile(
            bundle, arg_types, return_type, int(o.get("opt_level", 3)), _fastmath(o.get("fastmath", False)),
            bool(o.get("boundscheck")), o.get("error_model", "python"), emit, _target_tier(o)))
        if not reply["ok"]:
            self._raise(reply)
        return reply

    def _raise(self, reply, literal_retry=False):
        """The reply's diagnostic, raised as its kiln.errors class. A
        LiteralRequest is raised as _LiteralRequest for the dispatcher to
        answer when `literal_retry` (a lazy compile of a call), else as the
        TypingError Numba gives."""
        if reply["kind"] == _LITERAL_REQUEST:
            if literal_retry:
                raise _LiteralRequest(reply)
            code = self.py_func.__code__
            names = ", ".join(repr(code.co_varnames[k]) for k in _LiteralRequest(reply).params)
            raise TypingError(f"Invalid use of non-Literal type: {code.co_qualname}() needs the value of its "
                              f"argument(s) {names} when compiling (numba.literally, here or in a callee it passes "
                              f"them to), which this compile cannot give",
                              (reply["filename"], reply["line"], reply["function"]))
        cls = _DIAGNOSTIC_ERRORS.get(reply["kind"], CompilerError)
        msg = reply["message"]
        if cls is UnsupportedError and msg.startswith(NOT_IMPLEMENTED_PREFIXES):
            cls = UnsupportedNotImplementedError  # pyrest: as Numba, a NotImplementedError too
        if cls is CompilerError and not msg.startswith("internal compiler error"):
            msg = f"internal compiler error (a kiln bug): {msg}"
        if cls is CompilerError:
            raise cls(located(msg, reply["filename"], reply["line"], reply["function"]))
        raise cls(msg, (reply["filename"], reply["line"], reply["function"]))

    def _inspect(self, emit, signature):
        if signature is not None:
            ret = dict(self._overloads()).get(tuple(signature), "")
            return self._request(tuple(signature), ret, emit)["text"]
        return {args: self._request(args, ret, emit)["text"] for args, ret in self._overloads()}

    def _where(self):
        code = self.py_func.__code__
        return (code.co_filename, code.co_firstlineno, code.co_qualname)


# LLVM's fast-math flags, as Numba's fastmath={...} names them ("fast": all).
FASTMATH_FLAGS = frozenset({"afn", "arcp", "contract", "fast", "ninf", "nnan", "nsz", "reassoc"})


def _signature_of(sig):
    """Dispatcher.compile: the signature text of what Numba's compile takes
    (a tuple of Kiln spellings is taken as the argument types too)."""
    if isinstance(sig, tuple) and all(isinstance(a, str) for a in sig):
        return f"({', '.join(sig)})"
    return signature_text(sig)


def _arg_key(key):
    """Dispatcher.overloads: a key (Kiln's spellings, or Numba's types) as
    Kiln's canonical argument spellings, or None."""
    if not isinstance(key, tuple):
        return None
    if all(isinstance(a, str) for a in key):
        return key if not key else _numba_spellings(parse_signature(_signature_of(key))[1])
    if _is_numba_arg_types(key):
        return _numba_spellings(parse_signature(signature_text(key))[1])
    return None


class CompileResult:
    """One compiled signature, as Numba's ``overloads[args]`` gives it:
    ``signature`` and ``entry_point``. The entry point is the dispatcher's
    call: with arguments of these types it runs this compiled code (Numba's
    entry point takes only those; Kiln's takes others too, compiling them)."""

    def __init__(self, dispatcher, args, return_type):
        self.entry_point = dispatcher
        self.signature = _Signature(args, return_type)

    def __repr__(self):
        return f"<kiln.CompileResult {self.signature}>"


class _Signature:
    """A compiled signature: ``args`` and ``return_type``, each a Numba type
    when Numba is imported and knows the spelling (numba.core.types
    objects compare equal to ``numba.float32``), else Kiln's spelling."""

    def __init__(self, args, return_type):
        from ._numba_types import numba_type

        def typ(spelling):
            t = numba_type(spelling)
            return spelling if t is None else t
        self.args = tuple(typ(a) for a in args)
        self.return_type = typ(return_type)

    def __repr__(self):
        return f"{self.return_type}({', '.join(str(a) for a in self.args)})"


class _Overloads(dict):
    """Dispatcher.overloads: a dict by Kiln's argument spellings whose look-ups
    also take Numba's types."""

    def __init__(self, dispatcher, compiled):
        super().__init__((args, CompileResult(dispatcher, args, ret)) for args, ret in compiled)

    def _key(self, key):
        if dict.__contains__(self, key):
            return key
        try:
            return _arg_key(key)
        except (TypeError, ValueError, SyntaxError, KilnError):
            return None

    def __getitem__(self, key):
        found = self._key(key)
        if found is None or not dict.__contains__(self, found):
            raise KeyError(key)
        return dict.__getitem__(self, found)

    def __contains__(self, key):
        found = self._key(key)
        return found is not None and dict.__contains__(self, found)

    def get(self, key, default=None):
        return self[key] if key in self else default


# locals: the types a jit(locals={...}) declaration converts to (Kiln's spellings).
_SCALAR_SPELLINGS = frozenset({"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                               "float32", "float64", "complex64", "complex128"})


def declared_locals(declared):
    """locals: Numba's jit(locals={name: type}) as the sorted (name, Kiln
    spelling) pairs of its number and bool declarations, which the bundle
    carries (each store to the local converts to the type, as in Numba).
    A type is a Numba type or a Kiln spelling ("f4"); a declaration of
    another type (an array, a tuple) only restates what typing infers and is
    left out (docs/python.md)."""
    if not isinstance(declared, dict):
        raise TypeError(f"locals must be a dict of variable names to types, got {type(declared).__name__}")
    out = []
    for name, t in declared.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise TypeError(f"locals: a variable name must be an identifier, got {name!r}")
        text = t if isinstance(t, str) else str(t) if _is_numba_type(t) else None
        if text is None:
            raise TypeError(f"locals: the type of '{name}' must be a Numba type or a type name, got {t!r}")
        spelled = _numba_spellings(parse_signature(f"({text},)")[1])[0]  # the local's type, weak or strong alike
        if spelled in _SCALAR_SPELLINGS:
            out.append((name, spelled))
    return tuple(sorted(out))


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


def _target_tier(options):
    """keys: the target tier of a compile: the jit option, else
    kiln.config.TARGET_TIER, else "" ($KILN_TARGET_TIER or the default)."""
    return options.get("target_tier") or config.TARGET_TIER or ""


_OPTIONS = {"cache", "fastmath", "boundscheck", "nopython", "error_model", "nogil", "parallel",
            "opt_level", "inline", "forceinline", "locals", "target_tier"}
# numbatwin: the options a Numba twin of a Kiln function is made with (the
# declared locals are passed as the user wrote them).
_TWIN_OPTIONS = {"fastmath", "boundscheck", "error_model", "nogil", "parallel", "inline", "forceinline"}


def jit(signature_or_function=None, locals=None, **options):
    """Compile a function with kiln, as numba.njit does.

    ``@jit`` compiles lazily for each new combination of argument types;
    ``@jit("float64(float64, int64)")`` (or a list of such signatures)
    compiles eagerly, at decoration, and then only converts arguments to those
    signatures. Options: cache, fastmath, boundscheck, nopython (always true),
    error_model ("python" or "numpy"), nogil, parallel (True runs the prange loops
    it can prove race-free on a thread pool, and warns, naming the reason, for
    each that runs serially: docs/python-subset.md "Parallel loops"),
    target_tier ("host", "x86-64", "x86-64-v2/v3/v4", "best"; kiln.config).
    """
    unknown = set(options) - _OPTIONS
    if unknown:
        raise KeyError(f"unrecognised jit option(s): {', '.join(sorted(unknown))}")
    if locals:  # locals: Numba's declared variable types, checked and spelled once, at decoration
        options["locals"] = declared_locals(locals)
    if options.get("nopython") is False or options.get("forceobj"):
        raise UnsupportedError("kiln compiles in nopython mode only")
    _fastmath(options.get("fastmath", False))  # refuse a bad value at decoration
    if options.get("error_model", "python") not in ("python", "numpy"):
        raise ValueError(f"error_model must be 'python' or 'numpy', got {options['error_model']!r}")
    if options.get("target_tier") is not None:  # keys: a bad tier name is refused at decoration
        if not isinstance(options["target_tier"], str):
            raise TypeError(f"target_tier must be a str, got {type(options['target_tier']).__name__}")
        _kiln.target_for_tier(options["target_tier"])

    def wrap(func, signatures=None):
        if isinstance(func, Dispatcher):
            func = func.py_func
        if not isinstance(func, types.FunctionType):  # inspect.isfunction
            raise TypeError(f"kiln.jit needs a Python function, got {type(func).__name__}")
        d = Dispatcher(func, options, signatures)
        if locals:
            d.__dict__["locals"] = locals  # numbatwin: as written, for Numba
        return d

    return decorate(signature_or_function, wrap)


def decorate(signature_or_function, wrap):
    """Numba's decorator forms, for kiln.jit and kiln.cuda.jit: @d, @d(),
    @d("sig") and @d(["sig", ...]) each end in wrap(func, signatures)."""
    if signature_or_function is None:
        return wrap
    if isinstance(signature_or_function, str) or _is_numba_signature(signature_or_function) or \
            _is_numba_arg_types(signature_or_function):
        return lambda func: wrap(func, [signature_text(signature_or_function)])
    if isinstance(signature_or_function, (list, tuple)):
        sigs = [signature_text(s) for s in signature_or_function]
        return lambda func: wrap(func, sigs)
    return wrap(signature_or_function)


def _is_numba_signature(sig):
    """realcode: a signature built from Numba's types, `float64(float64[:])`
    (a numba.core.typing.templates.Signature: its args and return_type)."""
    return type(sig).__name__ == "Signature" and hasattr(sig, "args") and hasattr(sig, "return_type")


def _is_numba_type(t):
    return type(t).__module__.startswith("numba.core.types") and hasattr(t, "name")


def _is_numba_arg_types(sig):
    """realcode: Numba's other signature form, a tuple of argument types
    (`jit((types.int64, types.float64[:]))`): the return type inferred."""
    return isinstance(sig, tuple) and all(_is_numba_type(t) for t in sig)


def signature_text(sig):
    """A Numba Signature object, or a tuple of Numba argument types, as the
    signature text it stands for (Numba's type spellings are the grammar's:
    "array(float32, 1d, A)"); anything else unchanged, for parse_signature
    to take or refuse."""
    if _is_numba_arg_types(sig):
        return f"({', '.join(str(a) for a in sig)})"
    if not _is_numba_signature(sig):
        return sig
    ret = "" if sig.return_type is None else str(sig.return_type)
    return f"{ret}({', '.join(str(a) for a in sig.args)})"


njit = jit
