# RUN: %mkbundle %s:f > %t.pb
# RUN: not %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C))" --emit=ptx 2>&1 | FileCheck %s


def f(a):
    s = "abc"
    a[0] = len(s)

# CHECK: refused_string.py:6: UnsupportedError: strings are not supported in a GPU kernel (a value of type 'unicode_type')
