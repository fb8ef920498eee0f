# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
def f(x):
    def g(k):
        return 1 if k < 1 else g(k - 1)
    return g(x)

# CHECK: recursive_inner_function.py:4: UnsupportedError: Unsupported use of op_LOAD_CLOSURE encountered: the inner function 'g' calls itself: a recursive inner function is not supported
