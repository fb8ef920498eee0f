# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" 2>&1 | FileCheck %s
import numpy as np


def f(n):
    return np.arange(0, n, stop=n)

# flatimag: arange's spec is "start, stop=None, step=None, dtype=None": stop given twice.
# CHECK: builtin_multiple_values.py:7: TypingError: 'numpy.arange' got multiple values for argument 'stop'
