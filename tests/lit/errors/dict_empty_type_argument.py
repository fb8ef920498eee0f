# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
from kiln import types
from kiln.typed import Dict


def f(n):
    d = Dict.empty(key_type=types.int64, value_type=n)
    return len(d)

# CHECK: dict_empty_type_argument.py:8: TypingError: Dict.empty(): value_type must be a type (numba.types.int64, types.unicode_type, a global bound to types.float64[:] or types.ListType(T)), not a value of type int64
