# RUN: %mkbundle %s:g > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=kir 2>&1 | FileCheck %s
# Under 3.12 the generator's own StopIteration handler covers its body from the
# def line on; the error still names the with statement's line.
def g(x):
    y = x + 1
    with x:
        yield y

# CHECK: with_in_generator.py:7: UnsupportedError: with statements are not supported
