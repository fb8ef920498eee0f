# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "array(float64, 1d, C)" --emit=typed 2>&1 | FileCheck %s
def f(a):
    raise ValueError("bad", a)

# CHECK: exception_argument_type.py:4: TypingError: exception argument 2 of ExceptionClass(ValueError) has type array(float64, 1d, C); jitted code raises exceptions with numbers, booleans, None, strings, bytes and tuples of them
