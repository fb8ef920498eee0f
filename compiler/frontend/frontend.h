#pragma once
// The frontend: a function of a Bundle -> untyped Kiln IR, in three stages,
// one file each: decoder (co_code -> instructions, by the opcode table of the
// bundle's CPython version), cfg (basic blocks, dead code dropped),
// ssa_builder (the value stack interpreted into SSA with block params). The
// frontend runs no transforms: the driver runs the pass list on its output
// (driver/pipeline.cpp). See frontend/README.md and the conventions in
// ssa_builder.h.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/ir/ir.h"

namespace kiln::frontend {

/// Decoded instructions of bundle.functions[index], one per line: "offset line
/// OPNAME arg (argrepr)", jump targets marked ">>"; for --emit=bytecode.
absl::StatusOr<std::string> printBytecode(const compiler::Bundle& bundle, int function_index);

/// Untyped Kiln IR (SSA with block args) of bundle.functions[index]. Errors:
/// compiler::userError(kUnsupported, ...) with the Python file/line/function
/// for any construct we do not support; INVALID_ARGUMENT for malformed input.
absl::StatusOr<std::unique_ptr<ir::Function>> buildFunction(const compiler::Bundle& bundle,
                                                            int function_index);

/// The CPython versions there is an opcode table for, in table order
/// ({"3.11", "3.12"} today): the only list of supported versions.
std::vector<std::string> supportedPythonVersions();

}  // namespace kiln::frontend
