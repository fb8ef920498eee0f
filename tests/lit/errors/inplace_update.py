# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    a += 1.5
    return a

# CHECK: inplace_update.py:4: TypingError: cannot update array(int64, 1d, C) in place with float64: the result is float64, which NumPy does not cast to int64 (casting='same_kind')
