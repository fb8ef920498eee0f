# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import kiln


@kiln.jit
def f(x):
    return f(x)

# CHECK: runaway_recursion.py:8: TypingError: cannot type infer runaway recursion: cannot determine the type of a value used by 'return' (a recursion without a base case?)
