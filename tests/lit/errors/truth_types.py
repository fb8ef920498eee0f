# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "array(datetime64[ns], 1d, C)" --emit=typed 2>&1 | FileCheck %s
def f(a):
    if a:
        return 1
    return 0

# An array's truth is NumPy's bool(a) for arrays of numbers (pysub3); one of
# datetimes is still refused.
# CHECK: truth_types.py:4: TypingError: cannot test the truth of array(datetime64[ns], 1d, C)
