# RUN: %mkbundle %s:mean > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s


def mean(n):
    s = 0
    for i in range(n):
        s += i / 2
    return s

# s starts as int64 and becomes float64 in the loop: the join unifies them.
# CHECK: -> float64
# CHECK: func @mean(%0: int64 n)
# CHECK: range_iter64 = getiter
# CHECK: bb1(%{{[0-9]+}}: float64
# CHECK: float64 = binop truediv
# CHECK: return
