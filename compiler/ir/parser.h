#pragma once
// Reads Kiln IR back from the text that printer.cpp writes (ir::print), so a
// test can feed one pass IR text: `kilnc --input-kir F --passes=P --emit=kir`.
// print(parse(print(f))) == print(f) for every function the compiler prints.
//
// Accepted: one or more `func @name(...) { ... }` bodies; lines whose first
// non-blank character is ';' are comments (the typed form's "; symbol -> T"
// headers, lit's "; RUN:" and "; CHECK:" lines). The printed form does not
// carry the source file, bytecode offsets, or the Python names of non-entry
// block params; those come back empty. Value and block ids are kept as
// written (new ones are allocated above them).
//
// Types: the IR does not depend on typing, so a typed value's spelling
// (": array(int64, 1d, C)") is handed to a TypeResolver supplied by a layer
// that may know types; without one, typed text is an error. A value printed
// with type "?" gets no type.

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/ir.h"

namespace kiln::ir {

/// The type a printed spelling names, or null when it names none.
using TypeResolver = std::function<const typing::Type*(std::string_view spelling)>;

/// Every function in `text`, in order. Errors are INVALID_ARGUMENT with
/// "<source>:LINE:COL: expected ..., found ...".
absl::StatusOr<std::vector<std::unique_ptr<Function>>> parseFunctions(std::string_view text,
                                                                      std::string_view source = "kir",
                                                                      const TypeResolver& types = {});

/// Exactly one function.
absl::StatusOr<std::unique_ptr<Function>> parseFunction(std::string_view text, std::string_view source = "kir",
                                                        const TypeResolver& types = {});

}  // namespace kiln::ir
