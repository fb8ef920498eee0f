"""Kiln's exceptions.

Errors in *compiling* a function are ``KilnError`` subclasses and read like
Numba's: what the server said, then the Python file and line it is about.
Errors *raised by compiled code* at run time (ZeroDivisionError, IndexError,
...) keep Python's own exception types.
"""


class KilnError(Exception):
    """Base class of every error Kiln itself raises."""


class TypingError(KilnError):
    """The function cannot be typed for these arguments (or names an
    undefined global)."""


class UnsupportedError(TypingError):
    """The function uses a Python construct Kiln does not compile."""


class CompilerError(KilnError):
    """An internal error: a bug in Kiln, not in your code."""


def located(message, filename, line, function):
    """The message followed by a traceback-style location line."""
    if not filename:
        return message
    where = f'File "{filename}", line {line}'
    if function:
        where += f", in {function}"
    return f"{message}\n\n{where}"
