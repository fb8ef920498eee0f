# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(float64, 1d, C), int64)" --emit=typed | FileCheck %s
from kiln import objmode


def f(x, n):
    acc = x.sum()
    with objmode(y="float64[:]", label="unicode_type"):
        tmp = sorted(x)
        y = x * acc
        label = "done %d" % n
    return y, label

# The client replaced the block by one call at the with line (kiln/_objmode.py): its key, the
# outputs' declared types, and the locals the block reads (not `tmp`, bound only inside it).
# Typing makes the outputs' tuple of the declared types; the body never reaches the compiler.
# CHECK: Function(kiln.objmode_call) = load_global __kiln_objmode__ ; line 8
# CHECK: unicode_type = const '{{.*}}objmode.py:f:8:{{[0-9a-f]+}}' ; line 8
# CHECK: unicode_type = const 'y=array(float64, 1d, A)\nlabel=unicode_type' ; line 8
# CHECK: Tuple(array(float64, 1d, A), unicode_type) = call %{{[0-9]+}}, %{{[0-9]+}}, %{{[0-9]+}}, %0, %{{[0-9]+}}, %1 ; line 8
# CHECK-NOT: sorted
