// kilnc: compile one bundle file with the compiler library directly (no
// server, no cache) and print the requested stage. A developer tool; the IR
// golden tests run it.
//
//   kilnc --bundle FILE [--textproto] --sig "float64(float64, int64)"
//         --emit=bytecode|kir|typed|llvm|asm|binary [--opt N] [-o OUT]

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <google/protobuf/text_format.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "server/bundle_convert.h"
#include "server/signature.h"

ABSL_FLAG(std::string, bundle, "", "serialized kiln.v1.Bundle to compile");
ABSL_FLAG(bool, textproto, false, "the bundle file is in protobuf text format");
ABSL_FLAG(std::string, sig, "", "signature: \"ret(args)\" or a bare argument list \"float64, int64\"");
ABSL_FLAG(std::string, emit, "llvm", "stage to print: bytecode|kir|typed|llvm|asm|binary");
ABSL_FLAG(int, opt, 3, "optimisation level 0..3");
ABSL_FLAG(std::string, o, "", "write the output here instead of stdout (required for --emit=binary)");
ABSL_FLAG(bool, boundscheck, false, "raise IndexError on out-of-range array indices");
ABSL_FLAG(std::string, error_model, "python", "python: division by zero raises; numpy: it gives inf, nan or 0");
ABSL_FLAG(bool, time_stages, false, "print each compiler stage's wall time to stderr");
ABSL_FLAG(std::string, cpu, "", "target CPU (default: the compiler's default)");

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "kilnc: %s\n", message.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kilnc --bundle FILE [--textproto] --sig SIG --emit=bytecode|kir|typed|llvm|asm|binary [--opt N] [-o OUT]");
  std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  if (rest.size() > 1) return fail(std::string("unexpected argument '") + rest[1] + "'");
  const std::string path = absl::GetFlag(FLAGS_bundle);
  if (path.empty()) return fail("--bundle FILE is required");

  std::ifstream file(path, std::ios::binary);
  if (!file) return fail("cannot read " + path);
  std::stringstream bytes;
  bytes << file.rdbuf();
  kiln::v1::Bundle proto;
  const bool parsed = absl::GetFlag(FLAGS_textproto)
                          ? google::protobuf::TextFormat::ParseFromString(bytes.str(), &proto)
                          : proto.ParseFromString(bytes.str());
  if (!parsed) return fail(path + " is not a kiln.v1.Bundle");
  absl::StatusOr<kiln::compiler::Bundle> bundle = kiln::server::convertBundle(proto);
  if (!bundle.ok()) return fail(std::string(bundle.status().message()));

  absl::StatusOr<kiln::server::Signature> sig = kiln::server::parseSignature(absl::GetFlag(FLAGS_sig));
  if (!sig.ok()) return fail(std::string(sig.status().message()));
  absl::StatusOr<kiln::compiler::Emit> emit = kiln::server::parseEmitName(absl::GetFlag(FLAGS_emit));
  if (!emit.ok()) return fail(std::string(emit.status().message()));
  const int opt = absl::GetFlag(FLAGS_opt);
  if (opt < 0 || opt > 3) return fail("--opt must be in 0..3");
  const std::string out_path = absl::GetFlag(FLAGS_o);
  if (*emit == kiln::compiler::Emit::kBinary && out_path.empty()) return fail("--emit=binary needs -o OUT");

  kiln::compiler::CompileRequest request;
  request.bundle = &*bundle;
  request.arg_types = sig->arg_types;
  request.return_type = sig->return_type;
  request.options.opt_level = opt;
  if (!absl::GetFlag(FLAGS_cpu).empty()) request.target.cpu = absl::GetFlag(FLAGS_cpu);
  request.emit = *emit;
  request.options.boundscheck = absl::GetFlag(FLAGS_boundscheck);
  request.options.error_model = absl::GetFlag(FLAGS_error_model);
  if (request.options.error_model != "python" && request.options.error_model != "numpy")
    return fail("--error_model must be python or numpy");

  absl::StatusOr<kiln::compiler::CompileResult> result = kiln::compiler::compile(request);
  if (!result.ok()) {
    if (std::optional<kiln::compiler::Diagnostic> d = kiln::compiler::diagnosticOf(result.status())) {
      std::fprintf(stderr, "%s:%d: %s: %s\n", d->filename.c_str(), d->line, kiln::compiler::kindName(d->kind),
                   d->message.c_str());
      return 1;
    }
    // INVALID_ARGUMENT without a diagnostic: input the compiler rejected
    // (malformed bytecode, an unknown type name).
    if (absl::IsInvalidArgument(result.status())) {
      std::fprintf(stderr, "kilnc: %s\n", std::string(result.status().message()).c_str());
      return 1;
    }
    std::fprintf(stderr, "kilnc: internal compiler error: %s\n", result.status().ToString().c_str());
    return 3;
  }
  if (absl::GetFlag(FLAGS_time_stages))
    for (const auto& [stage, seconds] : result->stage_seconds)
      std::fprintf(stderr, "%-16s %8.3f ms\n", stage.c_str(), seconds * 1e3);
  const std::string& output = *emit == kiln::compiler::Emit::kBinary ? result->shared_object : result->text;
  if (out_path.empty()) {
    std::fwrite(output.data(), 1, output.size(), stdout);
    return 0;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out.write(output.data(), static_cast<std::streamsize>(output.size()));
  if (!out) return fail("cannot write " + out_path);
  return 0;
}
