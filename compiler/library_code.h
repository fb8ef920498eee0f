#pragma once
// pyrest: Kiln's own library code, the functions of the client package's
// kiln/library folder (NumPy functions, str and bytes methods, codecs),
// compiled like the user's code. A user error met inside it is shown at the
// user's call into the library (typing/inference.cpp), and so is the frame
// of an exception it raises at run time (lowering/lower.cpp, and
// lower_generators.cpp for a library generator stepped by user code).

#include <string_view>

#include "compiler/bundle.h"

namespace kiln::compiler {

/// Whether `code` is a function of Kiln's library: its file lies in a folder
/// `kiln/library` (the package's own, wherever it is installed).
inline bool isLibraryCode(const CodeObject& code) {
  std::string_view f = code.filename;
  size_t slash = f.find_last_of('/');
  if (slash == std::string_view::npos) return false;
  constexpr std::string_view kFolder = "/kiln/library";
  std::string_view dir = f.substr(0, slash);
  return dir.size() >= kFolder.size() && dir.substr(dir.size() - kFolder.size()) == kFolder;
}

/// Whether an exception that leaves function `callee` (a call, or a
/// generator's step) into function `caller` (bundle indices) crosses from
/// the library into the user's code: its traceback frame is then the
/// caller's line.
inline bool leavesLibraryCode(const Bundle& bundle, int callee, int caller) {
  return isLibraryCode(bundle.functions[callee].code) && !isLibraryCode(bundle.functions[caller].code);
}

}  // namespace kiln::compiler
