# RUN: %mkbundle %s:f > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "int64, int64, float64, float64" --emit=llvm --opt 0 | FileCheck %s --check-prefix=PY
# RUN: %kilnc --bundle %t.pb --sig "int64, int64, float64, float64" --emit=llvm --opt 0 --error_model=numpy | FileCheck %s --check-prefix=NP

# error_model='python' raises ZeroDivisionError; 'numpy' does not: integer
# // and % by zero give 0, float / and // give inf or nan, float % nan.


def f(a, b, x, y):
    return a // b, a % b, x / y, x // y, x % y

# PY-DAG: integer division by zero
# PY-DAG: integer modulo by zero
# PY-DAG: float division by zero
# PY-DAG: float floor division by zero
# PY-DAG: float modulo by zero
# NP-NOT: by zero
# NP: define internal i32 @kiln.f.0
# NP-NOT: by zero
