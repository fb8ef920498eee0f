# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = []
    return len(y)

# CHECK: empty_list_item_type.py:5: TypingError: cannot infer the item type of the empty list used here (append an item to it, or make it with a typed item)
