# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import numpy as np


def f(x):
    return np.int32(x, x)

# CHECK: dtype_call_arity.py:7: TypingError: class(int32) takes exactly one positional argument
