"""What a kernel reported through its device global ``kiln_kernel_error``
(compiler/lowering/lower_cuda_ptx.h): eight int32 words, ``{kind, line,
threadIdx.x, .y, .z, blockIdx.x, .y, .z}`` of the first thread that failed
a check (an out-of-bounds index under ``debug=True``). ``exception()``
turns a record into the Python exception raised on the host, worded as the
emulation words its errors (``kernel NAME: thread (x, y, z) of block (x, y,
z): ...``), so a kernel fails the same way on a GPU and in the emulation.

The launch layer (``_driver.Kernel.check_error``) copies ``RECORD_BYTES``
from the global after the launch's stream has finished, raises
``exception(name, words)`` when ``words[0]`` is nonzero, and clears the
global.
"""
import ctypes

#: The record's size in bytes (eight int32 words).
RECORD_WORDS = 8
RECORD_BYTES = 4 * RECORD_WORDS

# kiln_abi.h's error kinds, as a kernel reports them.
KINDS = {
    1: ZeroDivisionError, 2: IndexError, 3: ValueError, 4: OverflowError, 5: AssertionError,
    6: RuntimeError, 8: TypeError, 9: MemoryError, 10: KeyError,
}

_WHAT = {
    IndexError: "index out of bounds",
    ZeroDivisionError: "division by zero",
    MemoryError: "too much shared memory",
}


def record_buffer():
    """A ctypes buffer for one record."""
    return (ctypes.c_int32 * RECORD_WORDS)()


def exception(kernel_name, words):
    """The exception for a record (a sequence of 2 or 8 ints; an old
    2-word record has no coordinates), or None when no error was reported."""
    words = list(words)
    kind = words[0] if words else 0
    if not kind:
        return None
    cls = KINDS.get(kind, RuntimeError)
    line = words[1] if len(words) > 1 else 0
    where = ""
    if len(words) >= RECORD_WORDS:
        t, b = words[2:5], words[5:8]
        where = f"thread ({t[0]}, {t[1]}, {t[2]}) of block ({b[0]}, {b[1]}, {b[2]}): "
    what = _WHAT.get(cls, cls.__name__)
    at = f" at line {line}" if line else ""
    return cls(f"kernel {kernel_name}: {where}{what}{at} (on the GPU)")
