# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = []
    return len(y)

# CHECK: empty_list_item_type.py:5: TypingError: Cannot infer the type of variable used here, have imprecise type: list(undefined): cannot infer the item type of the empty list (For Numba to be able to compile a list, the list must have a known and precise type that can be inferred from the other variables: append an item to it, or make it with a typed item)
