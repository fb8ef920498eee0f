# RUN: %mkbundle %s:f > %t.pb
# RUN: not %ptxkilnc --bundle %t.pb --sig "(array(float32, 1d, C))" --emit=ptx 2>&1 | FileCheck %s


def f(a):
    if a[0] < 0:
        raise ValueError("negative")

# CHECK: refused_raise.py:7: UnsupportedError: raise (and assert) is not supported in a GPU kernel
