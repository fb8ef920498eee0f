# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import math


def f(x):
    return math.sin("x")

# CHECK: builtin_args.py:7: TypingError: no implementation of 'math.sin' for argument types (unicode_type)
