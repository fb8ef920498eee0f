"""Pickling jitted functions and kiln.vectorize ufuncs, as Numba's
dispatchers and ufuncs pickle (pynndescent pickles and joblib-dumps an
index that holds them).

One that its module names (a module-level ``@jit`` function) pickles by
reference: unpickling imports the module and finds it, as pickle does for a
plain function. Any other (a closure made by a factory, a local function)
pickles by value: its function's code (marshal, so only the same Python
version reads it back, as with Numba's), the name of the module whose
namespace is its globals, its closure cells' values, its defaults, and the
decorator's signatures and options as given; unpickling rebuilds the
function and decorates it again. Compiled code is not pickled: the rebuilt
function compiles on its first call, which the compile cache answers when
its code, globals and types are the same.
"""

import importlib
import marshal
import types


def _by_name(module, qualname):
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _named(func):
    """The object its module has at the function's qualified name, or None."""
    try:
        return _by_name(func.__module__, func.__qualname__)
    except Exception:  # not importable, a <locals> name, a module that fails to import: by value
        return None


def _function_state(func):
    cells = None
    if func.__closure__ is not None:
        try:
            cells = tuple(c.cell_contents for c in func.__closure__)
        except ValueError:  # an empty cell: a variable of the factory not assigned yet
            raise TypeError(f"cannot pickle the jitted function {func.__qualname__}: a variable it closes over "
                            "has no value") from None
    return (marshal.dumps(func.__code__), func.__module__, func.__name__, func.__qualname__, func.__defaults__,
            func.__kwdefaults__, cells)


def _function(state):
    code, module, name, qualname, defaults, kwdefaults, cells = state
    namespace = importlib.import_module(module).__dict__
    closure = None if cells is None else tuple(types.CellType(v) for v in cells)
    func = types.FunctionType(marshal.loads(code), namespace, name, defaults, closure)
    func.__qualname__ = qualname
    func.__kwdefaults__ = kwdefaults
    return func


def _rebuild(kind, state, signatures, options, declared_locals):
    func = _function(state)
    if kind == "vectorize":
        from ._ufunc import vectorize

        return vectorize(list(signatures), **options)(func)
    from .dispatcher import jit

    return jit(list(signatures) if signatures else None, locals=declared_locals, **options)(func)


def reduce_jitted(obj, kind, signatures, options, declared_locals=None):
    """__reduce__ of a Dispatcher (kind "jit") or a UFunc ("vectorize"):
    `signatures` and `options` as its decorator was given them."""
    func = obj.py_func
    if _named(func) is obj:
        return _by_name, (func.__module__, func.__qualname__)
    return _rebuild, (kind, _function_state(func), tuple(signatures), dict(options), declared_locals)
