# RUN: %mkbundle %s:pick > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "(float64, none)" --emit=typed | FileCheck %s --check-prefix=NONE
# RUN: %kilnc --bundle %t.pb --sig "(float64, int64)" --emit=typed | FileCheck %s --check-prefix=SIZE
import numpy as np


def pick(x, size):
    if size is None:
        return x
    if not size is not None:
        return x + 1.0
    return np.full(size, x)

# A branch on `param is None` is decided by the instance's argument types
# before typing (typing/prune_none_branches.h): the other side is never
# typed, so each instance has one return type.
# NONE: ; kiln.pick.0 -> float64
# NONE-NOT: numpy.full
# SIZE: ; kiln.pick.0 -> array(float64, 1d, C)
# SIZE: [numpy.full]
