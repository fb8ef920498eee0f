# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
def f(x):
    y = b'\xe9\n\\'
    return x

# Bytes that are not text are quoted as Python writes them, so the message
# stays valid UTF-8 on its way to the client.
# CHECK: bytes_constant_escaped.py:4: UnsupportedError: constant b'\xe9\n\\' is not supported
