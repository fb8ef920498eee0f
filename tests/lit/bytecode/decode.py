# RUN: %mkbundle %s:scale > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "float64, int64" --emit=bytecode | FileCheck %s --check-prefixes=CHECK,%pyprefix


def scale(x, k):
    return x * k + 1.0

# CHECK: scale
# PY311: RESUME
# PY311: LOAD_FAST {{.*}}x
# PY311: LOAD_FAST {{.*}}k
# PY311: BINARY_OP {{.*}}*
# PY311: LOAD_CONST {{.*}}1.0
# PY311: BINARY_OP {{.*}}+
# PY311: RETURN_VALUE
# PY312: RETURN_VALUE
