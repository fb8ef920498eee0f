// Fuzz target: the bytecode decoder, CFG and SSA builder (compiler/frontend),
// reached as the server reaches them: a serialized kiln.v1.Bundle, validated
// by convertBundle, then printBytecode and buildFunction on every function.
// Properties: no crash, hang or leak on any bytecode that passes validation;
// a function that is refused is refused with a message (a located user error
// or INVALID_ARGUMENT), and one that builds verifies as IR.

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <string>

#include "compiler/frontend/frontend.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/verifier.h"
#include "kiln/v1/kiln.pb.h"
#include "tests/fuzz/quiet_protobuf.h"
#include "server/bundle_convert.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::v1::Bundle wire;
  if (!wire.ParseFromArray(data, static_cast<int>(size))) return 0;
  absl::StatusOr<kiln::compiler::Bundle> bundle = kiln::server::convertBundle(wire);
  if (!bundle.ok()) return 0;
  // The first few functions: the entry and its nearest callees are what one
  // compile builds; more only slows each input down.
  const int n = static_cast<int>(std::min<size_t>(bundle->functions.size(), 4));
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::string> text = kiln::frontend::printBytecode(*bundle, i);
    if (!text.ok()) FUZZ_CHECK(!text.status().message().empty(), "printBytecode failed without a message");
    auto fn = kiln::frontend::buildFunction(*bundle, i);
    if (!fn.ok()) {
      FUZZ_CHECK(!fn.status().message().empty(), "buildFunction failed without a message");
      continue;
    }
    FUZZ_CHECK(*fn != nullptr, "buildFunction returned no function");
    absl::Status verified = kiln::ir::verify(**fn);
    FUZZ_CHECK(verified.ok(), "the frontend built IR that does not verify: " + verified.ToString());
    FUZZ_CHECK(!kiln::ir::print(**fn).empty(), "the IR prints as nothing");
  }
  return 0;
}
