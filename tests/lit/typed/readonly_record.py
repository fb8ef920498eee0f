# RUN: %mkbundle %s:pick > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(readonly array(Record(a[type=int64;offset=0],b[type=float64;offset=8];16;False), 1d, C), bool)" --emit=typed | FileCheck %s


def pick(x, c):
    r = x[0] if c else x[1]
    p = (x[2], 1)
    return r.a + p[0].b

# rorecord: an element of a read-only array of records is a read-only record,
# through a branch join (a block param) and a tuple too; the returned value
# is a number read from it.
# CHECK: ; kiln.pick.0 -> float64
# CHECK: readonly Record(a[type=int64;offset=0],b[type=float64;offset=8];16;False) = getitem %0
# CHECK: Tuple(readonly Record(a[type=int64;offset=0],b[type=float64;offset=8];16;False), int64)
