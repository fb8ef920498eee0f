# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64" --emit=typed | FileCheck %s
# typedempty: a type object bound at module level is typeref[T], a
# constant of the bundle; Dict.empty makes the dict of its two types.
from kiln import types
from kiln.typed import Dict

float_array = types.float64[:]


def f(n):
    d = Dict.empty(types.unicode_type, float_array)
    return len(d)

# CHECK-DAG: typeref[unicode_type]
# CHECK-DAG: typeref[array(float64, 1d, A)]
# CHECK: DictType[unicode_type, array(float64, 1d, A)]
