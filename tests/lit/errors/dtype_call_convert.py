# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import numpy as np


def f(x):
    return np.int32((x, x))

# CHECK: dtype_call_convert.py:7: TypingError: cannot convert UniTuple(int64, 2) to int32
