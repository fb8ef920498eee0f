# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" 2>&1 | FileCheck %s
import numpy as np


def f(n):
    return np.identity(n, k=n)

# identity's spec is "*args, dtype=None": only dtype= is a keyword.
# CHECK: builtin_keyword_only.py:7: TypingError: 'numpy.identity' got an unexpected keyword argument 'k'
