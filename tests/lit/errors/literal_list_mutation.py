# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = [x, (x, x)]
    y.append(x)
    return x

# CHECK: literal_list_mutation.py:5: TypingError: Cannot mutate a literal list (list.append() of LiteralList(int64, UniTuple(int64, 2)))
