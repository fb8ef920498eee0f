# RUN: %mkbundle %s:f > %t.pb
# RUN: not %kilnc --bundle %t.pb --sig "int64" --emit=typed 2>&1 | FileCheck %s
import os


def f(x):
    return os.getpid()

# CHECK: module_unsupported.py:7: UnsupportedError: module 'os' is not supported in jitted code
