"""Numba's ``numba.extending`` names that Kiln supports.

``register_jitable`` marks a plain Python function as usable from compiled
code: called from Python it is the Python function, unchanged; read by a
jitted function (as a global, a closure cell or a module attribute) it
travels in the bundle and is compiled at the caller's argument types, as a
``@jit`` function would be.
"""

__all__ = ["register_jitable"]

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
