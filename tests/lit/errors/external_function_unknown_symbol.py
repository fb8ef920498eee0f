# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64" --emit=typed 2>&1 | FileCheck %s
# A Numba ExternalFunction whose symbol is not in llvmlite's table of this
# process (no library defines it) is refused naming the global and the
# symbol, at the line that reads it (Numba crashes when it links the call).
from numba.core import types

missing = types.ExternalFunction("kiln_lit_no_such_symbol", types.float64(types.float64))


def f(x):
    return missing(x)

# CHECK: external_function_unknown_symbol.py:12: TypingError: cannot call global 'missing' in jitted code: its symbol 'kiln_lit_no_such_symbol' is not found in this process
