# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
from kiln import types
from kiln.typed import List


def f(n):
    lst = List.empty_list(types.float64[1:])
    return len(lst)

# CHECK: array_type_spelling.py:8: TypingError: class(float64)[...]: an array type is spelled with ':' for each dimension (float64[:], float64[:, ::1])
