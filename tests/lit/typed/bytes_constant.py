# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s
# charseq: a bytes literal is read-only bytes (Numba's Bytes), text or not.
def f(x):
    y = b'ab'
    z = b'\xe9\n\\'
    return x

# CHECK: %{{[0-9]+}}: Bytes(uint8, 1d, C) = const b'ab'
# CHECK: %{{[0-9]+}}: Bytes(uint8, 1d, C) = const b'\xe9\n\\'
