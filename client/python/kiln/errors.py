"""Kiln's exceptions.

Errors in *compiling* a function are ``KilnError`` subclasses and read like
Numba's: what the server said, then the Python file and line it is about.
Errors *raised by compiled code* at run time (ZeroDivisionError, IndexError,
...) keep Python's own exception types.

A request to the server that fails as a whole (the RPC ends with a gRPC
status other than OK) raises a ``ServerError`` subclass chosen by the status
code, with the code's name in ``.code``. The table is base/status_errors.def
(``kiln._kiln.STATUS_ERRORS``); docs/errors.md lists it:

=====================  ==========================
gRPC status            exception
=====================  ==========================
INVALID_ARGUMENT       InvalidRequestError
OUT_OF_RANGE           InvalidRequestError
DEADLINE_EXCEEDED      DeadlineExceededError
CANCELLED              RequestCancelledError
RESOURCE_EXHAUSTED     ResourceExhaustedError
UNAVAILABLE            ServerUnavailableError
UNAUTHENTICATED        AuthenticationError
PERMISSION_DENIED      PermissionDeniedError
UNIMPLEMENTED          ProtocolError
INTERNAL, UNKNOWN,     ServerInternalError
DATA_LOSS
NOT_FOUND,             ServerError
ALREADY_EXISTS,
FAILED_PRECONDITION,
ABORTED
=====================  ==========================
"""


import sys


class KilnError(Exception):
    """Base class of every error Kiln itself raises."""


class _NumbaCompatible(KilnError):
    """A compile error that code written for Numba can catch as Numba's.

    ``kiln.jit`` is a drop-in for ``numba.njit``, so code that catches
    ``numba.core.errors.TypingError`` around a call must keep catching it.
    When Numba is already imported (Kiln never imports it), creating one of
    these makes an instance of a subclass of both this class and Numba's
    class of the same name (made once per class); without Numba it is the
    class itself. Either way it is a ``kiln.errors`` class and reads the same.

    ``msg`` is the message alone and ``where`` the (filename, line,
    function) it is about, or None; ``str()`` of the error is both, as
    ``located`` writes them. Numba's errors have the same ``msg``.
    """

    _twins = {}

    def __new__(cls, *args, **kwargs):
        return Exception.__new__(_numba_twin(cls), *args)

    def __init__(self, msg="", where=None):
        self.msg = msg
        self.where = where
        # not Numba's __init__ (it reformats the message)
        Exception.__init__(self, located(msg, *where) if where else msg)


def _numba_twin(cls):
    if "_numba_twin_of" in cls.__dict__:  # a twin already
        return cls
    numba_errors = sys.modules.get("numba.core.errors")
    numba_cls = getattr(numba_errors, cls.__name__, None) if numba_errors else None
    if not isinstance(numba_cls, type) or not issubclass(numba_cls, Exception):
        return cls
    twin = _NumbaCompatible._twins.get(cls)
    if twin is None:
        twin = type(cls.__name__, (cls, numba_cls),
                    {"__module__": cls.__module__, "__qualname__": cls.__qualname__, "_numba_twin_of": cls,
                     "__init__": _NumbaCompatible.__init__, "__str__": Exception.__str__})
        _NumbaCompatible._twins[cls] = twin
    return twin


class TypingError(_NumbaCompatible):
    """The function cannot be typed for these arguments (or names an
    undefined global)."""


class UnsupportedError(TypingError):
    """The function uses a Python construct Kiln does not compile."""


class UnsupportedNotImplementedError(UnsupportedError, NotImplementedError):
    """An unsupported construct that Numba refuses with NotImplementedError
    (a recursive inner function), so code written for Numba that catches
    NotImplementedError keeps catching it (pyrest). The server words these
    refusals with Numba's own message first (NOT_IMPLEMENTED_PREFIXES); the
    dispatcher raises an UnsupportedError with such a message as this class.
    Other refusals are not NotImplementedErrors (so not RuntimeErrors): a
    test expecting a run-time RuntimeError must not pass on a refusal."""


# The start of the message of each refusal that Numba raises as
# NotImplementedError (compiler/frontend/ssa_builder.cpp words it).
NOT_IMPLEMENTED_PREFIXES = ("Unsupported use of op_LOAD_CLOSURE encountered",)


class NumbaTypeError(TypingError):
    """A typing error that Numba raises as its NumbaTypeError (returning a
    function object from a jitted function), so code written for Numba that
    catches that class keeps catching it (pycells)."""


class NumbaValueError(TypingError):
    """A value known when compiling that Numba refuses as its NumbaValueError
    (a constant axis out of range), so code written for Numba that catches
    that class keeps catching it."""


class LoweringError(TypingError):
    """A compile error that Numba raises while lowering rather than typing
    (a datetime ufunc whose out= array has a coarser unit than the result),
    so code written for Numba that catches its LoweringError keeps catching
    it (dtunits). Kiln finds it while typing, as every user error."""


class BoxingError(TypingError, TypeError):
    """A value that Numba compiles but cannot give back to Python (a dict
    literal with str keys and values of several types): Numba raises
    TypeError when the call returns it, Kiln refuses the function when the
    call compiles it. A TypeError, so code written for Numba that catches
    that keeps catching it (pysub4)."""


class CompilerError(KilnError):
    """An internal error: a bug in Kiln, not in your code."""


class UnsupportedTargetError(KilnError):
    """keys: the code would be built for a CPU this machine is not: a target
    tier (``jit(target_tier=...)``, ``kiln.config.TARGET_TIER``,
    ``KILN_TARGET_TIER``) needing features this CPU lacks. Raised before
    anything is compiled or loaded."""


class KilnPerformanceWarning(Warning):
    """Code that works but is slow for a reason you can fix, as Numba's
    NumbaPerformanceWarning: a host array passed to a kernel on a GPU,
    copied in and out around every launch (cudahost); ``np.dot``,
    ``np.vdot`` or ``@`` called on an array that is not contiguous (a
    compile warning, located at the call: docs/errors.md). Emitted as
    ``warning_category(KilnPerformanceWarning)``."""

    _numba_name = "NumbaPerformanceWarning"


class KilnTypeSafetyWarning(Warning):
    """A typed dict's key or value converted with loss where it is stored or
    looked up (an int32 key of an int8-keyed dict), as Numba's
    NumbaTypeSafetyWarning: "unsafe cast from int32 to int8. Precision may
    be lost." A compile warning. Emitted as
    ``warning_category(KilnTypeSafetyWarning)``."""

    _numba_name = "NumbaTypeSafetyWarning"


_warning_twins = {}


def warning_category(cls):
    """The category to emit a Kiln warning class with: `cls` itself, or,
    when Numba is already imported (Kiln never imports it), a subclass of
    `cls` and of Numba's warning class of the same meaning (made once), so
    that a filter or a catch on either class sees it."""
    numba_errors = sys.modules.get("numba.core.errors")
    numba_cls = getattr(numba_errors, cls.__dict__.get("_numba_name", ""), None) if numba_errors else None
    if not isinstance(numba_cls, type) or not issubclass(numba_cls, Warning):
        return cls
    twin = _warning_twins.get(cls)
    if twin is None:
        # Warning's own __init__ and __str__, not Numba's (it wraps the
        # message in terminal bold codes).
        twin = type(cls.__name__, (cls, numba_cls), {"__module__": cls.__module__, "__qualname__": cls.__qualname__,
                                                     "__init__": Warning.__init__, "__str__": Warning.__str__})
        _warning_twins[cls] = twin
    return twin


class ServerError(KilnError):
    """A request to the kiln server failed as a whole. ``code`` is the gRPC
    status code's name ("INVALID_ARGUMENT"); the message is the server's."""

    code = "UNKNOWN"


class InvalidRequestError(ServerError, ValueError):
    """The server refused the request as malformed or outside its limits
    (a bad type name, target or option; a bundle that contradicts itself)."""


class DeadlineExceededError(ServerError, TimeoutError):
    """The request took longer than its deadline (the client's, or the
    server's --max-compile-seconds)."""


class RequestCancelledError(ServerError):
    """The request was cancelled (by the client, or a server shutting down)."""


class ResourceExhaustedError(ServerError):
    """The server is at one of its limits (the message names it); retrying
    later, or a smaller request, may succeed."""


class ServerUnavailableError(ServerError, ConnectionError):
    """No server answered: not running, not reachable, or shutting down."""


class AuthenticationError(ServerError):
    """The server needs credentials this client did not present (a token or
    a client certificate)."""


class PermissionDeniedError(ServerError, PermissionError):
    """The client's credentials do not grant this request."""


class ProtocolError(ServerError):
    """The server does not implement this request: a client and server of
    different versions."""


class ServerInternalError(ServerError, CompilerError):
    """The server failed in a way that is its own bug (or its storage's)."""


def located(message, filename, line, function):
    """The message followed by a traceback-style location line."""
    if not filename:
        return message
    where = f'File "{filename}", line {line}'
    if function:
        where += f", in {function}"
    return f"{message}\n\n{where}"
