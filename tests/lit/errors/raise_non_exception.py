# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    raise x

# CHECK: raise_non_exception.py:4: TypingError: exceptions must derive from BaseException, not int64
