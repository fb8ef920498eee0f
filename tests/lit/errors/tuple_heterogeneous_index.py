# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(i):
    t = (1, 2.5)
    return t[i]

# CHECK: tuple_heterogeneous_index.py:5: TypingError: No implementation of function getitem(Tuple(int64, float64), int64): cannot index heterogeneous Tuple(int64, float64) with a non-constant index
