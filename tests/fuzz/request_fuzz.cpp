// Fuzz target: a CompileRequest as kilnd checks it before any compile work
// (the steps of KilnService::compile up to engine_.compile): the bundle hash,
// the argument and return type strings, target, options and emit, and the
// bundle when one is attached. The input is a serialized
// kiln.v1.CompileRequest. First server/request_validation.h, as the server
// does at the entry of Compile; what it accepts then goes through the
// conversions. Properties: no crash, hang or leak; every refusal is
// INVALID_ARGUMENT with a message; canonical type spellings are a fixpoint.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cache/cache_key.h"
#include "kiln/v1/kiln.pb.h"
#include "tests/fuzz/quiet_protobuf.h"
#include "server/bundle_convert.h"
#include "server/request_validation.h"
#include "server/signature.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

void checkRefusal(const absl::Status& s, const char* what) {
  FUZZ_CHECK(s.code() == absl::StatusCode::kInvalidArgument,
             std::string(what) + " refused with a code other than INVALID_ARGUMENT: " + s.ToString());
  FUZZ_CHECK(!s.message().empty(), std::string(what) + " refused without a message");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kiln::v1::CompileRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (absl::Status s = kiln::server::validateCompileRequest(request); !s.ok()) {
    checkRefusal(s, "the request");
    return 0;
  }
  (void)kiln::cache::CacheKey::fromRaw(request.bundle_hash());

  std::vector<std::string> arg_types(request.arg_types().begin(), request.arg_types().end());
  std::string return_type = request.return_type();
  if (absl::Status s = kiln::server::canonicalizeTypes(arg_types, return_type); s.ok()) {
    std::vector<std::string> again = arg_types;
    std::string again_return = return_type;
    absl::Status twice = kiln::server::canonicalizeTypes(again, again_return);
    FUZZ_CHECK(twice.ok() && again == arg_types && again_return == return_type,
               "canonical type spellings are not a fixpoint");
  } else {
    checkRefusal(s, "the types");
  }

  kiln::compiler::Target target = kiln::server::convertTarget(request.target());
  FUZZ_CHECK(target.features.size() == static_cast<size_t>(request.target().features_size()),
             "features lost in conversion");
  if (auto options = kiln::server::convertOptions(request.options()); !options.ok())
    checkRefusal(options.status(), "the options");
  if (auto emit = kiln::server::convertEmit(request.emit()); !emit.ok()) checkRefusal(emit.status(), "emit");
  if (request.has_bundle()) {
    if (auto bundle = kiln::server::convertBundle(request.bundle()); !bundle.ok())
      checkRefusal(bundle.status(), "the bundle");
  }
  return 0;
}
