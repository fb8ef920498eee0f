// Fuzz target: bundle validation (server/bundle_convert.cpp), the check that
// stands between the bytes a client uploads and the compiler. The input is a
// serialized kiln.v1.Bundle. Properties: no crash, hang or leak; an accepted
// bundle holds only what convertBundle promises the compiler (indices in
// range, sizes bounded); a refused one says why, as INVALID_ARGUMENT.

#include <cstddef>
#include <cstdint>
#include <string>

#include "kiln/v1/kiln.pb.h"
#include "tests/fuzz/quiet_protobuf.h"
#include "server/bundle_convert.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void checkConstant(const kiln::compiler::Constant& c, size_t functions, int depth) {
  FUZZ_CHECK(depth <= kiln::server::kMaxConstantDepth + 1, "a constant nested deeper than the limit accepted");
  if (c.kind == kiln::compiler::Constant::Kind::kCode)
    FUZZ_CHECK(c.i >= 0 && static_cast<size_t>(c.i) < functions, "a code constant out of range accepted");
  for (const auto& item : c.items) checkConstant(item, functions, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::v1::Bundle wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<kiln::compiler::Bundle> bundle = kiln::server::convertBundle(wire);
  if (!bundle.ok()) {
    FUZZ_CHECK(bundle.status().code() == absl::StatusCode::kInvalidArgument,
               "a refused bundle is not INVALID_ARGUMENT: " + bundle.status().ToString());
    FUZZ_CHECK(!bundle.status().message().empty(), "a refused bundle without a message");
    return 0;
  }
  const auto& functions = bundle->functions;
  FUZZ_CHECK(!functions.empty(), "an accepted bundle without an entry function");
  FUZZ_CHECK(functions.size() <= static_cast<size_t>(kiln::server::kMaxFunctions), "too many functions accepted");
  for (const auto& f : functions) {
    FUZZ_CHECK(f.code.code.size() <= kiln::server::kMaxCodeBytes, "co_code over the limit accepted");
    for (const auto& c : f.code.consts) checkConstant(c, functions.size(), 0);
    for (const auto& c : f.defaults) checkConstant(c, functions.size(), 0);
    for (const auto& g : f.globals) {
      if (g.kind == kiln::compiler::GlobalRef::Kind::kFunction)
        FUZZ_CHECK(g.function_index < functions.size(), "a global function index out of range accepted");
      checkConstant(g.value, functions.size(), 0);
    }
  }
  return 0;
}
