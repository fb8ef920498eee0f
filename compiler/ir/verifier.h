#pragma once
// Structural checks of Kiln IR (see the invariants in ir.h). Run after every
// pass in test builds; a failure is a compiler bug (INTERNAL).
#include "absl/status/status.h"
#include "compiler/ir/ir.h"

namespace kiln::ir {
absl::Status verify(const Function& f);
}
