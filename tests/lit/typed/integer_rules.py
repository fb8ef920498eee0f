# RUN: %mkbundle %s:mixed > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "uint64, int64, uint8, boolean" --emit=typed | FileCheck %s

# Numba's integer rules for operators: 64 bits, unsigned only when both
# operands are (uint64 + int64 is int64, not float64); a shift takes the
# signedness of its left operand; unary - and ~ keep the operand's
# signedness; ~ on a bool is a bool (NumPy's rule, as Numba).


def mixed(u, i, b, t):
    s = u + i
    p = b * b
    o = u | i
    l = u << i
    n = -b
    c = ~b
    k = ~t
    return s, p, o, l, n, c, k

# CHECK: func @mixed(%0: uint64 u, %1: int64 i, %2: uint8 b, %3: bool t)
# CHECK: int64 = binop add %0, %1
# CHECK: uint64 = binop mul %2, %2
# CHECK: int64 = binop or %0, %1
# CHECK: uint64 = binop lshift %0, %1
# CHECK: uint64 = unaryop neg %2
# CHECK: uint64 = unaryop invert %2
# CHECK: bool = unaryop invert %3
