"""Kiln's library functions written in the supported Python subset.

A NumPy or ``math`` function that can be written in the subset Kiln compiles
is written once, here, in plain Python, instead of as typing and lowering
code in the server. Each is registered under the qualified name a user
reaches it by (``"numpy.clip"``, ``"math.gcd"``)::

    @implements("numpy.clip")
    def clip(a, a_min, a_max):
        return np.minimum(np.maximum(a, a_min), a_max)

When a jitted function reads such a name (``np.clip`` through a module
global, or ``clip`` imported with ``from numpy import clip``), the bundle
builder adds the implementation to the bundle as one more function, so it is
hashed into the bundle (and hence the cache key), sent with it, typed and
compiled like user code at the caller's argument types, and cached with the
caller. Changing a library function changes every bundle that uses it, so a
stale artifact is never served.

The modules here are imported only when a bundle needs one of their names:
``import kiln`` stays free of NumPy.
"""

import builtins
import importlib
import sys

# Which library module implements the names of each Python module.
_MODULES = {
    "math": "kiln.library.math_functions",
    "cmath": "kiln.library.cmath_functions",  # complex:
    "numpy": "kiln.library.numpy_functions",
    "numpy.random": "kiln.library.numpy_random",  # random:
    "random": "kiln.library.random_functions",  # random:
    "str": "kiln.library.str_methods",  # strings: methods of str, "str.zfill"
    "operator": "kiln.library.operator_functions",  # closures: the operator module
    "heapq": "kiln.library.heapq_functions",  # lists
    "tuple": "kiln.library.tuple_methods",  # tuples: methods of tuple, "tuple.index"
    "bytes": "kiln.library.bytes_methods",  # bytesm: methods of bytes, "bytes.find"; bytes(x) is "bytes.__new__"
    "array": "kiln.library.numpy_functions",  # npfuncs: methods of arrays, "array.argsort"
    "functools": "kiln.library.functools_functions",  # generators: functools.reduce
    "builtins": "kiln.library.builtin_functions",  # generators: map, filter
    "numpy.linalg": "kiln.library.numpy_linalg",  # linalg: (also numpy.dot/vdot/matmul)
    "numpy.lib.stride_tricks": "kiln.library.numpy_functions",  # npmisc: as_strided
    "list": "kiln.library.list_methods",  # pyfuncs: list.sort / sorted with key=
    "Generator": "kiln.library.numpy_generator",  # npgen: methods of numpy.random.Generator, "Generator.random"
    "numba.np.random.generator_core": "kiln.library.numpy_generator",  # npgen: Numba's next_uint32(bitgen), ...
    "numba": "kiln.library.numba_functions",  # realcode7: numba.get_num_threads() in compiled code
}
_IMPLEMENTATIONS = {}  # "numpy.clip" -> the Python function


def implements(qualified_name):
    """Registers the decorated function as Kiln's implementation of
    ``qualified_name`` ("numpy.clip"). The function is returned unchanged."""
    module, _, attr = qualified_name.rpartition(".")
    if module not in _MODULES or not attr:
        raise ValueError(f"implements({qualified_name!r}): not a function of {sorted(_MODULES)}")

    def register(func):
        if qualified_name in _IMPLEMENTATIONS:
            raise ValueError(f"{qualified_name} is implemented twice")
        _IMPLEMENTATIONS[qualified_name] = func
        return func

    return register


def is_module(name):
    """Whether the library implements functions of the module `name`
    ("numpy.random"), or of a submodule of it ("numpy.lib", for
    "numpy.lib.stride_tricks")."""
    return name in _MODULES or any(m.startswith(name + ".") for m in _MODULES)


def primitive(qualified_name):
    """A stand-in for the compiler primitive `qualified_name` ("kiln.rng.seed",
    a row of compiler/typing/builtins.def) for library code to call: the
    bundle sends a call of it as a call of the primitive. It cannot run in
    Python."""

    def stand_in(*args):
        raise RuntimeError(f"{qualified_name} runs only in compiled code")

    stand_in.__name__ = qualified_name.rpartition(".")[2]
    stand_in.__qualname__ = qualified_name
    stand_in.__kiln_builtin__ = qualified_name
    return stand_in


def lookup(qualified_name):
    """Kiln's Python implementation of ``qualified_name`` ("numpy.clip"),
    or None when the compiler implements it natively or not at all."""
    module, _, attr = qualified_name.rpartition(".")
    path = _MODULES.get(module)
    if path is None or not may_implement(module, attr):
        return None
    importlib.import_module(path)  # registers its functions the first time
    return _IMPLEMENTATIONS.get(qualified_name)


# The Python objects whose attributes the library's names are, where that is
# not the module of the same name.
_OWNERS = {"str": str, "tuple": tuple, "builtins": builtins, "bytes": bytes}


def may_implement(module, attr):
    """False when "module.attr" cannot be a library name: the library only
    implements real attributes of their module or class (test_library.py
    checks each name), so a bundle asking for "str.sin" or "math.range" does
    not import a library module (and compile it, without .pyc files) to
    learn that. True when the owner is not imported here (numpy before any
    import of it): the module is imported and asked, as before."""
    owner = _OWNERS.get(module)
    if owner is not None:
        return hasattr(owner, attr)
    if module == "list":  # pyfuncs: list methods, and "list.sorted" for the builtin sorted
        return attr == "sorted" or hasattr(list, attr)
    if module == "array":  # npfuncs: methods of ndarray
        np = sys.modules.get("numpy")
        return np is None or hasattr(np.ndarray, attr)
    if module == "Generator":  # npgen: methods of numpy.random.Generator
        gen = getattr(sys.modules.get("numpy.random"), "Generator", None)
        return gen is None or hasattr(gen, attr)
    owner = sys.modules.get(module)
    # A module's own attributes only: no module __getattr__ runs (NumPy's
    # warns about removed names).
    return owner is None or attr in vars(owner)


def names():
    """Every qualified name implemented here, sorted (imports every module)."""
    for path in _MODULES.values():
        importlib.import_module(path)
    return sorted(_IMPLEMENTATIONS)
