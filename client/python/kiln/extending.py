"""Numba's ``numba.extending`` names that Kiln supports.

``register_jitable`` marks a plain Python function as usable from compiled
code: called from Python it is the Python function, unchanged; read by a
jitted function (as a global, a closure cell or a module attribute) it
travels in the bundle and is compiled at the caller's argument types, as a
``@jit`` function would be.

``overload`` is Numba's: an overload function, run in this process with the
argument types a call has in compiled code, returns the implementation that
the call compiles; the server asks for each (function, argument types) it
meets (an OverloadRequest) and the dispatcher answers and compiles again
(docs/extending.md).

``overload_method`` and ``overload_attribute`` are Numba's too: where
kilnd's own attributes of a type refuse a name that has one, it asks the
same way, the receiver's type first (``answer``).
"""

import re
import sys
import types

__all__ = ["register_jitable", "overload", "overload_method", "overload_attribute"]

_MARK = "_kiln_jitable"


def register_jitable(*args, **options):
    """``@register_jitable`` or ``@register_jitable(**jit options)``. The
    options are accepted for compatibility and ignored: the function is
    compiled with its caller's options."""
    def mark(func):
        if not callable(func) or not hasattr(func, "__code__"):
            raise TypeError(f"register_jitable needs a Python function, got {type(func).__name__}")
        setattr(func, _MARK, True)
        return func

    if len(args) == 1 and not options and callable(args[0]):
        return mark(args[0])
    if args:
        raise TypeError("register_jitable takes only keyword options")
    return mark


def is_jitable(value):
    """Whether `value` was marked by register_jitable."""
    return getattr(value, _MARK, False) is True


def get_cython_function_address(module_name, function_name):
    """native: the address of a C function that Cython module `module_name`
    exports in its ``__pyx_capi__`` (Numba's
    ``numba.extending.get_cython_function_address``), for a
    WrapperAddressProtocol: ``get_cython_function_address("scipy.special.cython_special", "ndtri")``."""
    from ._native import get_cython_function_address as address
    return address(module_name, function_name)


__all__ += ["get_cython_function_address"]


# -- overload ---------------------------------------------------------------

# overload: the overload functions Kiln's own decorator registered, by the
# function they implement: [(overload function, strict)].
_KILN_OVERLOADS = {}

# overload: what each asked-for (function, argument types) resolved to, by the
# bundle global that carries it ("overload:KEY(T1, T2, k=T3)"): ("function",
# the implementation) or ("error", the TypingError's message). Process-wide:
# an overload function's answer depends only on the types (Numba caches it
# per template so too).
_ANSWERS = {}
_FUNCTIONS = {}   # KEY -> the overloaded function
_KEYS = {}        # id(function) -> KEY (the function stays alive in _FUNCTIONS)

MAX_ROUNDS = 64  # overload: compile rounds one compile may take answering requests


def overload(func, jit_options=None, strict=True, inline="never", prefer_literal=False, **kwargs):
    """Numba's ``numba.extending.overload``: ``@overload(f) def ol_f(x, y):
    ... return impl``. In compiled code a call of ``f`` runs ``ol_f`` with the
    argument types as ``kiln.types`` objects (whether or not Numba is
    imported: an overload from Numba's own registry gets Numba's), and
    compiles the function it returns as the call's body;
    None means it does not apply. ``jit_options``, ``inline``,
    and the target options are accepted and change nothing (the
    implementation is compiled with its caller's options). literally: a
    constant argument (an int, bool or str) is given as a literal type
    (``k.literal_value``) or as its plain type, in Numba's order: plain first
    unless ``prefer_literal``; see docs/extending.md."""
    if not callable(func):
        raise TypeError(f"overload needs the function it implements, got {type(func).__name__}")

    def decorate(overload_func):
        if not callable(overload_func):
            raise TypeError(f"overload needs a function, got {type(overload_func).__name__}")
        _KILN_OVERLOADS.setdefault(func, []).append((overload_func, bool(strict), bool(prefer_literal)))
        return overload_func
    return decorate


# overload_method/overload_attribute: Kiln's own registrations, by (what,
# attribute name), what being "overload_method" or "overload_attribute" (the
# prefix of the bundle's markers and of the server's requests):
# [(type class or type, overload function, strict, prefer_literal)].
_KILN_MEMBERS = {}
_MEMBER_KINDS = ("overload_method", "overload_attribute")


def _member_decorator(what, typ, attr, strict, prefer_literal):
    if not isinstance(attr, str) or not attr.isidentifier():
        raise TypeError(f"{what} needs the attribute's name as a str, got {attr!r}")

    def decorate(overload_func):
        if not callable(overload_func):
            raise TypeError(f"{what} needs a function, got {type(overload_func).__name__}")
        _KILN_MEMBERS.setdefault((what, attr), []).append((typ, overload_func, bool(strict), bool(prefer_literal)))
        return overload_func
    return decorate


def overload_method(typ, attr, jit_options=None, strict=True, inline="never", prefer_literal=False, **kwargs):
    """Numba's ``numba.extending.overload_method``: ``@overload_method(types.Array,
    "sum_sq") def ol(arr, k=2): ... return impl`` makes ``a.sum_sq(k=3)`` of
    a value whose type `typ` takes (a type class takes its instances, a type
    the equal ones) call ``impl(a, k=3)``: the overload function is run with
    the receiver's and the arguments' types, the receiver first, as @overload's
    are (docs/extending.md). Kiln's own methods win."""
    return _member_decorator("overload_method", typ, attr, strict, prefer_literal)


def overload_attribute(typ, attr, jit_options=None, strict=True, inline="never", prefer_literal=False, **kwargs):
    """Numba's ``numba.extending.overload_attribute``: ``@overload_attribute(
    types.Array, "double_size") def ol(arr): return lambda arr: arr.size * 2``
    makes ``a.double_size`` the implementation's result for the object.
    Kiln's own attributes win."""
    return _member_decorator("overload_attribute", typ, attr, strict, prefer_literal)


def _numba_overloads(func):
    """[(overload function, strict, prefer_literal)] that Numba's @overload registered for
    `func` (numba.core.typing.templates.builtin_registry, where Numba's
    `infer_global` puts them), for the CPU; empty when Numba is not imported."""
    templates = sys.modules.get("numba.core.typing.templates")
    if templates is None:
        return []
    base = getattr(templates, "_OverloadFunctionTemplate", None)
    found = []
    for value, typ in getattr(templates.builtin_registry, "globals", ()):
        if value is not func:
            continue
        for template in getattr(typ, "templates", ()):
            if isinstance(template, type) and base is not None and issubclass(template, base) and \
                    getattr(template, "metadata", {}).get("target", "generic") in ("generic", "cpu"):
                found.append((template._overload_func, bool(template._strict),
                              bool(getattr(template, "prefer_literal", False))))
    return found


def overloads_of(value):
    """The overload functions for a plain Python function `value`, or a ufunc
    that is not NumPy's (Kiln's registry first, then Numba's), or []: each
    (overload function, strict, from Numba's registry, prefer_literal). Only for a function Kiln has no
    implementation of (bundle.py asks last), and never one of NumPy's or
    Numba's own: Numba's internal overloads of them are written for Numba's
    internals."""
    if isinstance(value, types.FunctionType):
        if str(getattr(value, "__module__", "")).split(".")[0] in ("numba", "numpy"):
            return []
    elif not _foreign_ufunc(value):
        return []
    return ([(f, strict, False, lit) for f, strict, lit in _KILN_OVERLOADS.get(value, [])] +
            [(f, strict, True, lit) for f, strict, lit in _numba_overloads(value)])


def _numba_members(what, attr):
    """[(type class or type, overload function, strict, prefer_literal)]
    that Numba's overload_method (`what` "overload_method") or
    overload_attribute registered for attribute `attr`: infer_getattr puts
    their templates in numba.core.typing.templates.builtin_registry.attributes
    (``key`` the type, ``_attr``, ``_overload_func``; the method templates
    subclass the attribute ones), in Numba 0.56 and 0.68 alike. Numba's own
    (of numba or numpy modules) are written for Numba's internals and skipped,
    as for overloads_of; empty when Numba is not imported."""
    templates = sys.modules.get("numba.core.typing.templates")
    if templates is None:
        return []
    registered = getattr(templates.builtin_registry, "attributes", ())
    if _NUMBA_MEMBERS[0] != len(registered):  # read once per registration, not per name a bundle reads
        _NUMBA_MEMBERS[:] = [len(registered), _index_numba_members(templates, registered)]
    return _NUMBA_MEMBERS[1].get((what, attr), [])


_NUMBA_MEMBERS = [-1, {}]  # [templates read, {(what, attr): [...]}]


def _index_numba_members(templates, registered):
    method = getattr(templates, "_OverloadMethodTemplate", None)
    attribute = getattr(templates, "_OverloadAttributeTemplate", None)
    index = {}
    if method is None or attribute is None:
        return index
    for template in registered:
        if not isinstance(template, type) or not issubclass(template, attribute) or \
                not isinstance(getattr(template, "_attr", None), str):
            continue
        metadata = getattr(template, "metadata", {})
        func = template._overload_func
        if metadata.get("target", "generic") not in ("generic", "cpu") or \
                str(getattr(func, "__module__", "")).split(".")[0] in ("numba", "numpy"):
            continue
        what = "overload_method" if issubclass(template, method) else "overload_attribute"
        index.setdefault((what, template._attr), []).append(
            (template.key, func, bool(metadata.get("strict", True)), bool(getattr(template, "prefer_literal", False))))
    return index


def members_of(what, attr):
    """The overload functions of attribute `attr` (`what`: "overload_method"
    or "overload_attribute"), Kiln's registry first, then Numba's: each
    (type class or type, overload function, strict, from Numba's registry,
    prefer_literal)."""
    return ([(t, f, strict, False, lit) for t, f, strict, lit in _KILN_MEMBERS.get((what, attr), [])] +
            [(t, f, strict, True, lit) for t, f, strict, lit in _numba_members(what, attr)])


def member_markers(names):
    """overload: the bundle's marker globals ("overload_method:NAME") for the
    attribute names a function reads that have an overload_method or
    overload_attribute: kilnd asks for an implementation only for those."""
    return [f"{what}:{attr}" for attr in names for what in _MEMBER_KINDS if members_of(what, attr)]


def _foreign_ufunc(value):
    """realcode6: whether `value` is a ufunc that is not NumPy's own: SciPy's
    special functions (scipy.special.gamma) are ufuncs, and numba-scipy
    overloads them. NumPy 1.x's ufuncs have no __module__, so NumPy's are
    also told apart by being the numpy module's member of their name."""
    np = sys.modules.get("numpy")
    if np is None or not isinstance(value, np.ufunc):
        return False
    if str(getattr(value, "__module__", None) or "").split(".")[0] in ("numba", "numpy"):
        return False
    return getattr(np, value.__name__, None) is not value


def overload_key(func):
    """overload: "module:qualname" naming an overloaded function in a bundle
    (stable across processes; "#n" tells apart functions of one name)."""
    key = _KEYS.get(id(func))
    if key is not None and _FUNCTIONS.get(key) is func:
        return key
    # a ufunc (_foreign_ufunc) may have neither __module__ nor __qualname__
    module = getattr(func, "__module__", None) or type(func).__name__
    base = f"{module}:{getattr(func, '__qualname__', None) or getattr(func, '__name__', None) or func._name}"
    base = base.replace("(", "_").replace(")", "_").replace(" ", "_")
    key, n = base, 1
    while key in _FUNCTIONS and _FUNCTIONS[key] is not func:
        n += 1
        key = f"{base}#{n}"
    _FUNCTIONS[key] = func
    _KEYS[id(func)] = key
    return key


def answers_for(key, what="overload"):
    """The answered globals of overloaded function KEY, or of attribute KEY
    for `what` "overload_method"/"overload_attribute": [(global name, answer)]."""
    prefix = f"{what}:{key}("
    return [(name, answer) for name, answer in _ANSWERS.items() if name.startswith(prefix)]


_KEYWORD = re.compile(r"([A-Za-z_][A-Za-z_0-9]*)=(.*)")


# ovlarg: a function passed as a value, as an argument type of a request.
# The server spells a bundle function "Function(#i)" (its index in the
# bundle it compiled) and an overloaded one "Function(overload:KEY)"; the
# answers, process-wide, name a bundle function by its identity instead,
# "Function(jit:KEY)" (overload_key of the Dispatcher or plain function), and
# each bundle spells that back as its own index (local_request).
_BUNDLE_FUNCTION = re.compile(r"Function\(#(\d+)\)")
_FUNCTION_VALUE = re.compile(r"Function\((overload|jit):([^()]*)\)")


def _respell_items(request, respell):
    """request "WHAT:KEY(T1, k=T2)" with each argument spelling s (top level
    only: a str literal's text is never read as one) given as respell(s)."""
    head, _, rest = request.partition("(")
    from ._numba_types import split_items
    items = []
    for item in split_items(rest[:-1]):
        m = _KEYWORD.fullmatch(item)
        items.append(f"{m.group(1)}={respell(m.group(2))}" if m else respell(item))
    return f"{head}({', '.join(items)})"


def stable_request(request, functions):
    """ovlarg: the server's request with each "Function(#i)" spelled by the
    function's identity, "Function(jit:KEY)"; `functions` the Python objects
    of the compiled bundle's functions by index (bundle_spec's), or None.
    An index with no object (an inner function) stays, and has no type."""
    if "Function(#" not in request or not functions:
        return request

    def respell(s):
        m = _BUNDLE_FUNCTION.fullmatch(s)
        if m is None or int(m.group(1)) >= len(functions) or functions[int(m.group(1))] is None:
            return s
        return f"Function(jit:{overload_key(functions[int(m.group(1))])})"
    return _respell_items(request, respell)


def local_request(name, index_of):
    """ovlarg: an answered request's name as a bundle has it: each
    "Function(jit:KEY)" as "Function(#i)", i = index_of(the function)."""
    if "Function(jit:" not in name:
        return name

    def respell(s):
        m = _FUNCTION_VALUE.fullmatch(s)
        if m is None or m.group(1) != "jit" or m.group(2) not in _FUNCTIONS:
            return s
        return f"Function(#{index_of(_FUNCTIONS[m.group(2)])})"
    return _respell_items(name, respell)


def answer(request, functions=None):
    """Answer the server's OverloadRequest "overload:KEY(T1, k=T2)": run the
    overload functions of KEY's function with those types and record what
    the call compiles to (the implementation or the TypingError).
    ovlarg: `functions`, the Python objects of the bundle's functions by
    index, name the "Function(#i)" argument types (stable_request)."""
    request = stable_request(request, functions)
    what, _, request_rest = request.partition(":")
    key, _, rest = request_rest.partition("(")
    func = _FUNCTIONS.get(key) if what in ("overload", "intrinsic") else None  # intrinsic: asked for so too
    if (func is None and not (what in _MEMBER_KINDS and key.isidentifier())) or not request.endswith(")"):
        raise RuntimeError(f"kiln: the server asked for an unknown overload {request!r}")
    from ._numba_types import split_items
    spelled = []  # (keyword or None, spelling)
    for s in split_items(rest[:-1]):
        m = _KEYWORD.fullmatch(s)
        spelled.append((m.group(1), m.group(2)) if m else (None, s))
    if what == "intrinsic":
        _ANSWERS[request] = _run_intrinsic(func, spelled, f"{func._name}({', '.join(split_items(rest[:-1]))})")
        return
    if func is not None:
        call = f"{func.__name__}({', '.join(split_items(rest[:-1]))})"
        _ANSWERS[request] = _run_overloads(overloads_of(func), func.__name__, spelled, call) or \
            ("error", f"No implementation of function {func.__name__} found for signature: {call}")
        return
    # overload_method/overload_attribute: the receiver is the first type; the
    # overloads whose type takes it are run as @overload's are.
    call = f"{spelled[0][1]}.{key}" + (f"({', '.join(split_items(rest[:-1])[1:])})"
                                       if what == "overload_method" else "")
    found = []
    for typ, overload_func, strict, numba, prefer_literal in members_of(what, key):
        numba = numba or _is_numba_type(typ)  # a Numba type given to Kiln's decorator: Numba's type objects
        receiver = _typed(spelled[:1], numba)
        if isinstance(receiver, str):
            _ANSWERS[request] = ("error", f"cannot give the type {receiver} to the {what} of '{key}': it has no "
                                          f"{'Numba' if numba else 'kiln.types'} type object in kiln")
            return
        if _type_takes(typ, receiver[0][0]):
            found.append((overload_func, strict, numba, prefer_literal))
    # none applies (no type takes the receiver, or each overload returned
    # None): "", and kilnd raises its own error, naming the attribute and the type
    _ANSWERS[request] = (_run_overloads(found, key, spelled, call) if found else None) or ("error", "")


def _is_numba_type(typ):
    """Whether typ is a Numba type or type class (of numba.core.types)."""
    cls = typ if isinstance(typ, type) else type(typ)
    return str(getattr(cls, "__module__", "")).split(".")[0] == "numba"


def _type_takes(typ, t):
    """overload_method/overload_attribute: whether the decorator's `typ` takes
    receiver type t: a type class its instances (types.Array any array
    type), a type the equal types (types.float64 only float64), as Numba's
    attribute templates are looked up."""
    if isinstance(typ, type):
        return isinstance(t, typ)
    return typ == t


def _typed(spelled, numba):
    """(args, kws) of type objects for the spellings: Numba's for an overload
    from Numba's registry, kiln.types' for one from Kiln's (whether or not
    Numba is imported); or the spelling that has none."""
    from ._numba_types import numba_type
    from .types import from_spelling
    args, kws = [], {}
    for name, spelling in spelled:
        if _FUNCTION_VALUE.fullmatch(spelling):  # ovlarg: a function passed as a value
            t = _function_value_type(spelling, numba)
        else:  # ovlarg: a builtin passed as a value (abs, np.sqrt), else any other type
            t = _builtin_value_type(spelling, numba) if _BUILTIN_VALUE.fullmatch(spelling) else None
            if t is None:
                t = numba_type(spelling) if numba else from_spelling(spelling)
        if t is None:
            return spelling
        if name is None:
            args.append(t)
        else:
            kws[name] = t
    return args, kws


def _function_value_type(spelling, numba):
    """ovlarg: the type object of a function passed as a value, as Numba
    types it: a @jit function's is Numba's types.Dispatcher of its kiln
    Dispatcher (`.dispatcher`), an @overload'ed (or register_jitable) one's
    types.Function of the templates Numba's registry holds for it
    (`.typing_key` the function), or of a template standing for it
    where only kiln's registry has it; kiln.types' Dispatcher and Function,
    with the same attributes, for an overload from kiln's registry. None
    for a function this process does not know."""
    m = _FUNCTION_VALUE.fullmatch(spelling)
    func = _FUNCTIONS.get(m.group(2))
    if func is None:
        return None
    from .dispatcher import Dispatcher  # late: dispatcher imports bundle, which imports this module
    if not numba:
        from . import types as kiln_types
        return kiln_types.Dispatcher(func, spelling) if isinstance(func, Dispatcher) else \
            kiln_types.Function(func, spelling)
    nbtypes = sys.modules["numba.core.types"]
    if isinstance(func, Dispatcher):
        return nbtypes.Dispatcher(func)
    templates = sys.modules["numba.core.typing.templates"]
    found = [template for value, typ in getattr(templates.builtin_registry, "globals", ())
             if value is func and isinstance(typ, nbtypes.Function) for template in typ.templates]
    if not found:
        template = _STAND_INS.get(func)
        if template is None:
            # a typing template whose key is the function and which types no
            # call itself: kilnd types the implementation's calls of it
            template = _STAND_INS[func] = type(f"KilnFunction_{getattr(func, '__name__', 'f')}",
                                               (templates.AbstractTemplate,),
                                               {"key": func, "generic": lambda self, args, kws: None})
        found = [template]
    return nbtypes.Function(tuple(found))


_STAND_INS = {}  # ovlarg: function -> the template standing for it in a Numba types.Function

# ovlarg: a builtin function as kilnd spells its value, "Function(abs)",
# "Function(numpy.sqrt)", "Function(math.floor)".
_BUILTIN_VALUE = re.compile(r"Function\(([A-Za-z_][A-Za-z_0-9]*(?:\.[A-Za-z_][A-Za-z_0-9]*)*)\)")


def _builtin_value_type(spelling, numba):
    """ovlarg: the type of a builtin passed as a value: Numba's own for the
    function (its typing context's resolve_value_type, the object Numba
    gives), or kiln.types.Function of it; None where the name is not a
    function the compiler knows by that name (bundle._builtin_name)."""
    import builtins
    from .bundle import _builtin_name  # late: bundle imports this module
    name = _BUILTIN_VALUE.fullmatch(spelling).group(1)
    module, _, attr = name.rpartition(".")
    func = getattr(sys.modules.get(module) if module else builtins, attr, None)
    if func is None or not callable(func) or isinstance(func, type) or _builtin_name(func) != name:
        return None  # a class (int, np.float64) converts: not taken as a function here
    if not numba:
        from . import types as kiln_types
        return kiln_types.Function(func, spelling)
    registry = sys.modules.get("numba.core.registry")
    if registry is None:
        return None
    context = registry.cpu_target.typing_context
    try:
        context.refresh()  # loads Numba's registrations, as each Numba compile does first
        t = context.resolve_value_type(func)
    except ValueError:
        return None
    return t if isinstance(t, sys.modules["numba.core.types"].Function) else None


def _unliteral(t, numba):
    """literally: the plain type of a literal type (Numba's unliteral)."""
    if numba:
        return sys.modules["numba.core.types"].unliteral(t)
    from .types import unliteral
    return unliteral(t)


def _attempts(typed, numba, prefer_literal):
    """literally: the (args, kws) an overload function is tried with, in
    Numba's order: with the literal types first when it prefers literals,
    else the plain ones first; one try when no argument is a literal."""
    args, kws = typed
    plain = ([_unliteral(t, numba) for t in args], {k: _unliteral(t, numba) for k, t in kws.items()})
    if plain == (args, kws):
        return [typed]
    return [typed, plain] if prefer_literal else [plain, typed]


def _run_overloads(found, name, spelled, call):
    """What a call (`call`, as shown in errors) of the overloads `found`
    ([(overload function, strict, from Numba's registry, prefer_literal)]) of
    `name` with the spelled argument types compiles to, or None where each
    overload answered None."""
    import inspect
    misfits = []
    typed = {}
    for overload_func, strict, numba, prefer_literal in found:
        if numba not in typed:
            typed[numba] = _typed(spelled, numba)
        if isinstance(typed[numba], str):
            return ("error", f"cannot give the argument type {typed[numba]} to the @overload of {name}: "
                             "it has no Numba type object in kiln")
        attempts = _attempts(typed[numba], numba, prefer_literal)
        impl = None
        for n, (args, kws) in enumerate(attempts):
            try:
                inspect.signature(overload_func).bind(*args, **kws)
            except TypeError as e:  # as Numba: the call does not fit this overload; another may take it
                misfits.append(str(e))
                break
            try:
                impl = overload_func(*args, **kws)
            except Exception as e:  # a TypingError (Numba's or Kiln's) is the call's; anything else is raised
                if not _is_typing_error(e):
                    raise
                if n + 1 < len(attempts):  # literally: as Numba, the other typing may take it
                    continue
                return ("error", getattr(e, "msg", None) or str(e))
            if impl is not None:
                break
        if impl is None:
            continue
        if isinstance(impl, tuple):
            return ("error", f"{call}: an @overload that returns (signature, implementation) is not supported")
        impl = getattr(impl, "py_func", impl)  # a @jit function returned: its Python function
        if not isinstance(impl, types.FunctionType):
            return ("error", f"{call}: the @overload returned {type(impl).__name__}, not a function")
        if strict:
            mismatch = _signature_mismatch(overload_func, impl)
            if mismatch:
                return ("error", f"{call}: {mismatch}")
        return ("function", impl)
    if misfits and len(misfits) == len(found):  # no overload takes these arguments
        return ("error", f"{call}: {'; '.join(dict.fromkeys(misfits))}")
    return None  # none applies


def _is_typing_error(e):
    from .errors import TypingError
    numba_errors = sys.modules.get("numba.core.errors")
    return isinstance(e, TypingError) or (numba_errors is not None and isinstance(e, numba_errors.TypingError))


def _signature_mismatch(typing_func, impl_func):
    """Numba's rule (strict=True): the implementation takes the parameters of
    the overload function, by name, with the same defaults; an implementation
    with *args takes any positional ones. The reason they differ, or ""."""
    import inspect
    P = inspect.Parameter

    def split(f):
        params = list(inspect.signature(f).parameters.values())
        if any(p.kind == P.VAR_KEYWORD for p in params):
            return None
        required = [p.name for p in params if p.default is P.empty]
        defaulted = [(p.name, p.default) for p in params if p.default is not P.empty]
        varargs = any(p.kind == P.VAR_POSITIONAL for p in params)
        return required, defaulted, varargs

    ty, im = split(typing_func), split(impl_func)
    if ty is None or im is None:
        return "**kwargs parameters are not supported in an @overload or its implementation"
    if im[2] and not ty[2]:
        return ""  # *args in the implementation takes them all
    if ty[0] != im[0]:
        return f"the implementation's arguments {im[0]} differ from the overload's {ty[0]}"
    if [n for n, _ in ty[1]] != [n for n, _ in im[1]] or \
            any(a is not b and a != b for (_, a), (_, b) in zip(ty[1], im[1])):
        return "the implementation's keyword arguments or their defaults differ from the overload's"
    return ""


# -- intrinsic --------------------------------------------------------------

class Intrinsic:
    """What ``@kiln.extending.intrinsic`` makes of a typing function: called
    in compiled code, its typing function runs in this process with the
    argument types, and the codegen it returns writes the call's LLVM IR with
    llvmlite (docs/extending.md). Not callable from Python, as Numba's."""

    def __init__(self, name, defn, prefer_literal=False):
        self._name = name
        self._defn = defn
        self._prefer_literal = bool(prefer_literal)
        self.__name__ = name
        self.__qualname__ = getattr(defn, "__qualname__", name)
        self.__module__ = getattr(defn, "__module__", None)
        self.__doc__ = getattr(defn, "__doc__", None)

    def __call__(self, *args, **kwargs):
        raise NotImplementedError(f"{self!r} is not usable in pure-python")

    def __repr__(self):
        return f"<intrinsic {self._name}>"


def intrinsic(*args, **kwargs):
    """Numba's ``numba.extending.intrinsic``: ``@intrinsic def f(typingctx,
    x): return sig, codegen``, or ``@intrinsic(prefer_literal=True)``. Only
    scalar signatures (bool, integers, floats) compile (docs/extending.md)."""
    def make(defn):
        if not callable(defn) or not hasattr(defn, "__code__"):
            raise TypeError(f"intrinsic needs a Python function, got {type(defn).__name__}")
        return Intrinsic(defn.__name__, defn, kwargs.get("prefer_literal", False))

    if len(args) == 1 and not kwargs and callable(args[0]):
        return make(args[0])
    if args:
        raise TypeError("intrinsic takes only keyword options")
    return make


__all__ += ["intrinsic"]


def intrinsic_parts(value):
    """(name, typing function, prefer_literal) of an @intrinsic, Kiln's or
    Numba's (numba.core.extending._Intrinsic), or None for anything else."""
    if isinstance(value, Intrinsic):
        return value._name, value._defn, value._prefer_literal
    cls = type(value)
    if cls.__name__ == "_Intrinsic" and cls.__module__ == "numba.core.extending":
        return value._name, value._defn, bool(getattr(value, "_prefer_literal", False))
    return None


# Kiln's data model of the scalar types an intrinsic's signature may name
# (compiler/lowering/data_model.cpp valueType): (LLVM kind, bits, signed).
_SCALAR_MODEL = {"bool": ("int", 1, False), "float32": ("float", 32, True), "float64": ("float", 64, True)}
_SCALAR_MODEL.update({f"int{b}": ("int", b, True) for b in (8, 16, 32, 64)})
_SCALAR_MODEL.update({f"uint{b}": ("int", b, False) for b in (8, 16, 32, 64)})

MAX_INTRINSIC_IR = 1 << 16  # the server's limit on one intrinsic's IR text (server/bundle_convert.h)


class IntrinsicError(Exception):
    """Why an @intrinsic cannot be compiled at some types: becomes the
    call's TypingError."""


def _spelling(t, numba):
    """The Kiln spelling of type object `t` (Numba's or kiln.types')."""
    t = _unliteral(t, numba)
    return t.name if not numba and hasattr(t, "name") else str(t)


def _scalar(t, numba, name, what):
    spelling = _spelling(t, numba)
    if spelling not in _SCALAR_MODEL:
        raise IntrinsicError(f"intrinsic {name}(): {what} {spelling} is not supported (an intrinsic's signature may "
                             f"hold only bool, integers and floats in kiln)")
    return spelling


def _llvm_type(spelling):
    from llvmlite import ir
    kind, bits, _ = _SCALAR_MODEL[spelling]
    if kind == "float":
        return ir.FloatType() if bits == 32 else ir.DoubleType()
    return ir.IntType(bits)


class _Unoffered(IntrinsicError, AttributeError):
    """What the codegen context or typing context does not offer: an
    AttributeError too, so that hasattr() and getattr(x, name, default)
    probes answer as they do for any object."""


class _CodegenContext:
    """The ``context`` an intrinsic's codegen is given: what scalar
    intrinsics use of Numba's BaseContext, on Kiln's data model. Anything
    else is refused by name."""

    OFFERED = ("get_value_type", "get_data_type", "get_argument_type", "get_return_type", "get_constant", "cast")

    def __init__(self, name, numba):
        self._name = name
        self._numba = numba

    def _model(self, ty):
        return _scalar(ty, self._numba, self._name, "the type")

    def get_value_type(self, ty):
        return _llvm_type(self._model(ty))

    get_argument_type = get_return_type = get_value_type

    def get_data_type(self, ty):
        from llvmlite import ir
        spelling = self._model(ty)
        return ir.IntType(8) if spelling == "bool" else _llvm_type(spelling)  # a bool is a byte in memory

    def get_constant(self, ty, value):
        from llvmlite import ir
        spelling = self._model(ty)
        kind = _SCALAR_MODEL[spelling][0]
        return ir.Constant(_llvm_type(spelling), float(value) if kind == "float" else int(value))

    def cast(self, builder, val, fromty, toty):
        """Numba's scalar conversions: ints by their signedness, floats to
        ints truncating, anything to bool as `!= 0`."""
        src, dst = self._model(fromty), self._model(toty)
        if src == dst:
            return val
        (skind, sbits, ssigned), (dkind, dbits, dsigned) = _SCALAR_MODEL[src], _SCALAR_MODEL[dst]
        lt = _llvm_type(dst)
        if dst == "bool":
            zero = self.get_constant(fromty, 0)
            return builder.fcmp_unordered("!=", val, zero) if skind == "float" else builder.icmp_unsigned("!=", val, zero)
        if skind == "int" and dkind == "int":
            if dbits < sbits:
                return builder.trunc(val, lt)
            if dbits == sbits:
                return val
            return builder.sext(val, lt) if ssigned and src != "bool" else builder.zext(val, lt)
        if skind == "int":
            return builder.sitofp(val, lt) if ssigned and src != "bool" else builder.uitofp(val, lt)
        if dkind == "int":
            return builder.fptosi(val, lt) if dsigned else builder.fptoui(val, lt)
        return builder.fpext(val, lt) if dbits > sbits else builder.fptrunc(val, lt)

    def __getattr__(self, attr):
        raise _Unoffered(f"intrinsic {self._name}(): its codegen used context.{attr}, which kiln does not offer "
                             f"(an intrinsic's codegen may use context.{', context.'.join(self.OFFERED)})")


class _TypingContext:
    """The ``typingctx`` a Kiln intrinsic's typing function is given without
    Numba: it offers nothing, and says so by name."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        raise _Unoffered(f"intrinsic {self._name}(): its typing function used typingctx.{attr}, which kiln "
                             "does not offer without Numba")


def _symbol(name):
    return "kiln_intrinsic_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _run_intrinsic(value, spelled, call):
    """The answer to "intrinsic:KEY(T1, T2)": ("intrinsic", (name, symbol,
    [arg type], return type, LLVM IR text)) or ("error", the TypingError)."""
    name, defn, prefer_literal = intrinsic_parts(value)
    numba = "numba.core.types" in sys.modules  # Numba's own intrinsic implies it
    if any(k is not None for k, _ in spelled):
        return ("error", f"{call}: an intrinsic takes no keyword arguments")
    typed = _typed(spelled, numba)
    if isinstance(typed, str):
        return ("error", f"cannot give the argument type {typed} to intrinsic {name}: it has no type object in kiln")
    if numba:
        typingctx = sys.modules["numba.core.registry"].cpu_target.typing_context \
            if "numba.core.registry" in sys.modules else _TypingContext(name)
    else:
        typingctx = _TypingContext(name)
    try:
        result = None
        for args, _ in _attempts(typed, numba, prefer_literal):
            try:
                result = defn(typingctx, *args)
            except Exception as e:
                if not _is_typing_error(e):
                    raise
                return ("error", f"{call}: {getattr(e, 'msg', None) or e}")
            if result is not None:
                break
        if result is None:
            return ("error", f"Invalid use of intrinsic {name} with argument(s) of type(s): "
                             f"({', '.join(s for _, s in spelled)}): its typing function returned None")
        if not (isinstance(result, tuple) and len(result) == 2 and callable(result[1]) and
                hasattr(result[0], "args") and hasattr(result[0], "return_type")):
            return ("error", f"{call}: intrinsic {name}'s typing function must return (signature, codegen), "
                             f"not {type(result).__name__}")
        sig, codegen = result
        if len(sig.args) != len(spelled):
            return ("error", f"{call}: intrinsic {name}'s signature has {len(sig.args)} arguments, the call "
                             f"passes {len(spelled)}")
        arg_types = [_scalar(t, numba, name, "the argument type") for t in sig.args]
        return_type = _scalar(sig.return_type, numba, name, "the return type")
        text = _codegen_ir(name, codegen, sig, arg_types, return_type, numba)
    except IntrinsicError as e:
        return ("error", str(e))
    return ("intrinsic", (name, _symbol(name), arg_types, return_type, text))


def _codegen_ir(name, codegen, sig, arg_types, return_type, numba):
    """The LLVM IR text of a fresh llvmlite module holding one function, of
    Kiln's data model of the signature, whose body `codegen` writes."""
    try:
        from llvmlite import ir
    except ImportError:
        raise IntrinsicError(f"intrinsic {name}(): its codegen needs llvmlite, which is not installed") from None
    module = ir.Module(name=f"intrinsic.{name}")
    fn = ir.Function(module, ir.FunctionType(_llvm_type(return_type), [_llvm_type(t) for t in arg_types]),
                     name=_symbol(name))
    builder = ir.IRBuilder(fn.append_basic_block("entry"))
    context = _CodegenContext(name, numba)
    try:
        value = codegen(context, builder, sig, list(fn.args))
    except IntrinsicError:
        raise
    except Exception as e:
        raise IntrinsicError(f"intrinsic {name}(): its codegen raised {type(e).__name__}: {e}") from None
    if not isinstance(value, ir.Value) or value.type != fn.function_type.return_type:
        got = getattr(value, "type", type(value).__name__)
        raise IntrinsicError(f"intrinsic {name}(): its codegen returned {got}, not a value of "
                             f"{fn.function_type.return_type} (the LLVM type of {return_type})")
    if builder.block.is_terminated:
        raise IntrinsicError(f"intrinsic {name}(): its codegen left the builder in a terminated block")
    builder.ret(value)
    text = str(module)
    if len(text.encode()) > MAX_INTRINSIC_IR:
        raise IntrinsicError(f"intrinsic {name}(): its LLVM IR has {len(text.encode())} bytes, more than kiln's limit "
                             f"of {MAX_INTRINSIC_IR}")
    return text
