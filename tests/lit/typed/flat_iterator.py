# RUN: %mkbundle %s:walk > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(array(int64, 2d, F), array(float32, 1d, C))" --emit=typed | FileCheck %s


def walk(a, b):
    s = 0
    for v in a.flat:
        s += v
    a.flat[1] = s
    return a.flat[0], len(a.flat), b.flat[0], b.imag

# flatimag: a.flat of a non-C array is a flat iterator (C order, indexed,
# sized); of a C array the 1-d view; a real array's imag a new read-only array.
# CHECK: ; kiln.walk.0 -> Tuple(int64, int64, float32, readonly array(float32, 1d, C))
# CHECK: array.flat(array(int64, 2d, F)) = getattr %0.flat
# CHECK: int64 = for_iter
# CHECK: setitem
# CHECK: int64 = getitem
# CHECK: array(float32, 1d, C) = getattr %1.flat
# CHECK: readonly array(float32, 1d, C) = getattr %1.imag
