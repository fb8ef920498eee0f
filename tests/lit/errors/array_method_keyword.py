# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "float64[::1]" --emit=typed 2>&1 | FileCheck %s
def f(a):
    return a.sum(dtype=1)

# A method's keywords are bound by its row's parameters (builtins.def), as a
# function's are: array.sum takes axis= only.
# CHECK: array_method_keyword.py:4: TypingError: 'array.sum' got an unexpected keyword argument 'dtype'
