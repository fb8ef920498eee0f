# RUN: %mkbundle %s:axpy > %t.pb
# RUN: %kilnc --bundle %t.pb --sig "float64, float64, float64" --emit=llvm --opt 0 | FileCheck %s --check-prefix=EXACT
# RUN: %kilnc --bundle %t.pb --sig "float64, float64, float64" --emit=llvm --opt 0 --fastmath fast | FileCheck %s --check-prefix=FAST
# RUN: %kilnc --bundle %t.pb --sig "float64, float64, float64" --emit=llvm --opt 0 --fastmath nsz,nnan,contract | FileCheck %s --check-prefix=SET
# RUN: %kilnc --bundle %t.pb --sig "float64, float64, float64" --emit=llvm --opt 0 --fastmath afn,arcp,contract,ninf,nnan,nsz,reassoc | FileCheck %s --check-prefix=FAST
# RUN: not %kilnc --bundle %t.pb --sig "float64, float64, float64" --emit=llvm --fastmath nnan,bogus 2>&1 | FileCheck %s --check-prefix=BOGUS
import math


def axpy(a, x, y):
    return math.sqrt(a * x + y) / y

# Without fastmath, no flags anywhere.
# EXACT-LABEL: define internal i32 @kiln.axpy.0(
# EXACT: fmul double
# EXACT: fadd double
# EXACT: call double @llvm.sqrt.f64(
# EXACT: fdiv double
# EXACT-NOT: fast
# EXACT-NOT: nnan

# fastmath=True (or every flag named): `fast` on every float op and call,
# and the function attributes the code generator reads.
# FAST-LABEL: define internal i32 @kiln.axpy.0(
# FAST-SAME: #[[ATTR:[0-9]+]]
# FAST: fmul fast double
# FAST: fadd fast double
# FAST: call fast double @llvm.sqrt.f64(
# FAST: fdiv fast double
# FAST: attributes #[[ATTR]] = {{{.*}}"approx-func-fp-math"="true"{{.*}}"no-infs-fp-math"="true" "no-nans-fp-math"="true" "no-signed-zeros-fp-math"="true"{{.*}}"unsafe-fp-math"="true"

# The set form: exactly the named flags, in LLVM's order.
# SET-LABEL: define internal i32 @kiln.axpy.0(
# SET-SAME: #[[ATTR:[0-9]+]]
# SET: fmul nnan nsz contract double
# SET: fadd nnan nsz contract double
# SET: fdiv nnan nsz contract double
# SET: attributes #[[ATTR]] = {{{.*}}"no-nans-fp-math"="true" "no-signed-zeros-fp-math"="true"
# SET-NOT: unsafe-fp-math

# BOGUS: unknown fastmath flag 'bogus': expected one of afn, arcp, contract, fast, ninf, nnan, nsz, reassoc
