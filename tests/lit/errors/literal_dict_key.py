# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    d = {'a': x, 'b': 'text'}
    return d['c']

# CHECK: literal_dict_key.py:5: TypingError: Key 'c' is not in dict.
