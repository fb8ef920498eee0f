// kilnc: compile one bundle file with the compiler library directly (no
// server, no cache) and print the requested stage. A developer tool; the IR
// golden tests (tests/lit) run it.
//
//   kilnc --bundle FILE [--textproto] --sig "float64(float64, int64)"
//         --emit=bytecode|kir|typed|llvm|asm|binary [--opt N] [--fastmath F,...] [-o OUT]
//   kilnc --input-kir FILE [--passes=simplify-block-params,...] [--emit=kir]
//
// Pass instrumentation: --print-after=PASS[,PASS] (or "all") prints the IR
// after those passes to stderr, --time-passes prints each pass's wall time
// to stderr, --verify-each (default on in debug builds; lit turns it on)
// verifies the IR after every pass. Flag names take '-' or '_'.

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <google/protobuf/text_format.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_split.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/compile.h"
#include "server/bundle_convert.h"
#include "server/signature.h"

ABSL_FLAG(std::string, bundle, "", "serialized kiln.v1.Bundle to compile");
ABSL_FLAG(bool, textproto, false, "the bundle file is in protobuf text format");
ABSL_FLAG(std::string, sig, "", "signature: \"ret(args)\" or a bare argument list \"float64, int64\"");
ABSL_FLAG(std::string, emit, "",
          "stage to print: bytecode|kir|typed|llvm|asm|binary (default: llvm; kir with --input-kir)");
ABSL_FLAG(int, opt, 3, "optimisation level 0..3");
ABSL_FLAG(std::string, o, "", "write the output here instead of stdout (required for --emit=binary)");
ABSL_FLAG(bool, boundscheck, false, "raise IndexError on out-of-range array indices");
ABSL_FLAG(std::string, error_model, "python", "python: division by zero raises; numpy: it gives inf, nan or 0");
ABSL_FLAG(std::string, fastmath, "",
          "LLVM fast-math flags on float ops: 'fast' (all, as fastmath=True) or a comma-separated "
          "subset of afn,arcp,contract,ninf,nnan,nsz,reassoc");
ABSL_FLAG(bool, time_passes, false, "print each pass's wall time to stderr");
ABSL_FLAG(std::vector<std::string>, print_after, {}, "print the IR after these passes (or 'all') to stderr");
ABSL_FLAG(bool, verify_each, kiln::compiler::kVerifyEachDefault, "verify the IR after every pass");
ABSL_FLAG(std::string, input_kir, "", "Kiln IR text to run --passes on instead of compiling a bundle ('-': stdin)");
ABSL_FLAG(std::vector<std::string>, passes, {}, "with --input-kir: the IR passes to run, in order");
ABSL_FLAG(std::string, cpu, "", "target CPU (default: the compiler's default)");
ABSL_FLAG(std::string, triple, "", "target triple (default: the compiler's default, x86_64-unknown-linux-gnu)");
ABSL_FLAG(std::vector<std::string>, features, {}, "target features, comma-separated: +avx2,-avx512f");

namespace {

int fail(const std::string& message) {
  std::fprintf(stderr, "kilnc: %s\n", message.c_str());
  return 2;
}

// absl spells flags with '_'; accept LLVM's '-' as well (--print-after).
std::vector<char*> dashesToUnderscores(int argc, char** argv, std::vector<std::string>& storage) {
  storage.assign(argv, argv + argc);
  for (std::string& arg : storage) {
    if (arg.rfind("--", 0) != 0) continue;
    if (arg == "--") break;
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < end; ++k)
      if (arg[k] == '-') arg[k] = '_';
  }
  std::vector<char*> out;
  for (std::string& arg : storage) out.push_back(arg.data());
  return out;
}

absl::StatusOr<std::string> readAll(const std::string& path) {
  std::stringstream bytes;
  if (path == "-") {
    bytes << std::cin.rdbuf();
    return bytes.str();
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError("cannot read " + path);
  bytes << file.rdbuf();
  return bytes.str();
}

kiln::compiler::PassOptions passOptions() {
  kiln::compiler::PassOptions options;
  options.verify_each = absl::GetFlag(FLAGS_verify_each);
  options.print_after = absl::GetFlag(FLAGS_print_after);
  return options;
}

// Reports a failed compile as the user sees it; the exit code says whose
// fault it is (1: the input, 3: a compiler bug).
int report(const absl::Status& status) {
  if (std::optional<kiln::compiler::Diagnostic> d = kiln::compiler::diagnosticOf(status)) {
    std::fprintf(stderr, "%s:%d: %s: %s\n", d->filename.c_str(), d->line, kiln::compiler::kindName(d->kind),
                 d->message.c_str());
    return 1;
  }
  // INVALID_ARGUMENT without a diagnostic: input the compiler rejected
  // (malformed bytecode or IR text, an unknown type name).
  if (absl::IsInvalidArgument(status)) {
    std::fprintf(stderr, "kilnc: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  std::fprintf(stderr, "kilnc: internal compiler error: %s\n", status.ToString().c_str());
  return 3;
}

void printInstrumentation(const kiln::compiler::CompileResult& result) {
  for (const auto& [pass, text] : result.dumps)
    std::fprintf(stderr, "; *** IR after %s ***\n%s", pass.c_str(), text.c_str());
  if (absl::GetFlag(FLAGS_time_passes))
    for (const auto& [pass, seconds] : result.stage_seconds)
      std::fprintf(stderr, "%-24s %8.3f ms\n", pass.c_str(), seconds * 1e3);
}

int writeOutput(const std::string& output, const std::string& out_path) {
  if (out_path.empty()) {
    std::fwrite(output.data(), 1, output.size(), stdout);
    return 0;
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out.write(output.data(), static_cast<std::streamsize>(output.size()));
  if (!out) return fail("cannot write " + out_path);
  return 0;
}

int runOnKir(const std::string& path) {
  if (!absl::GetFlag(FLAGS_bundle).empty()) return fail("--input-kir and --bundle exclude each other");
  if (!absl::GetFlag(FLAGS_emit).empty() && absl::GetFlag(FLAGS_emit) != "kir")
    return fail("--input-kir prints Kiln IR: only --emit=kir applies");
  absl::StatusOr<std::string> text = readAll(path);
  if (!text.ok()) return fail(std::string(text.status().message()));
  absl::StatusOr<kiln::compiler::CompileResult> result = kiln::compiler::runPassesOnKir(
      *text, path == "-" ? "<stdin>" : path, absl::GetFlag(FLAGS_passes), passOptions());
  if (!result.ok()) return report(result.status());
  printInstrumentation(*result);
  return writeOutput(result->text, absl::GetFlag(FLAGS_o));
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kilnc --bundle FILE [--textproto] --sig SIG --emit=bytecode|kir|typed|llvm|asm|binary [--opt N] [-o OUT]\n"
      "       kilnc --input-kir FILE [--passes=P,...] [--emit=kir]\n"
      "       [--print-after=P,...|all] [--time-passes] [--verify-each]");
  std::vector<std::string> arg_storage;
  std::vector<char*> args = dashesToUnderscores(argc, argv, arg_storage);
  std::vector<char*> rest = absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  if (rest.size() > 1) return fail(std::string("unexpected argument '") + rest[1] + "'");
  if (!absl::GetFlag(FLAGS_input_kir).empty()) return runOnKir(absl::GetFlag(FLAGS_input_kir));
  if (!absl::GetFlag(FLAGS_passes).empty()) return fail("--passes applies to --input-kir only");
  const std::string path = absl::GetFlag(FLAGS_bundle);
  if (path.empty()) return fail("--bundle FILE (or --input-kir FILE) is required");

  absl::StatusOr<std::string> bytes = readAll(path);
  if (!bytes.ok()) return fail(std::string(bytes.status().message()));
  kiln::v1::Bundle proto;
  const bool parsed = absl::GetFlag(FLAGS_textproto)
                          ? google::protobuf::TextFormat::ParseFromString(*bytes, &proto)
                          : proto.ParseFromString(*bytes);
  if (!parsed) return fail(path + " is not a kiln.v1.Bundle");
  absl::StatusOr<kiln::compiler::Bundle> bundle = kiln::server::convertBundle(proto);
  if (!bundle.ok()) return fail(std::string(bundle.status().message()));

  absl::StatusOr<kiln::server::Signature> sig = kiln::server::parseSignature(absl::GetFlag(FLAGS_sig));
  if (!sig.ok()) return fail(std::string(sig.status().message()));
  const std::string emit_name = absl::GetFlag(FLAGS_emit).empty() ? "llvm" : absl::GetFlag(FLAGS_emit);
  absl::StatusOr<kiln::compiler::Emit> emit = kiln::server::parseEmitName(emit_name);
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
  if (!absl::GetFlag(FLAGS_triple).empty()) request.target.triple = absl::GetFlag(FLAGS_triple);
  request.target.features = absl::GetFlag(FLAGS_features);
  std::sort(request.target.features.begin(), request.target.features.end());
  request.emit = *emit;
  request.options.boundscheck = absl::GetFlag(FLAGS_boundscheck);
  request.options.error_model = absl::GetFlag(FLAGS_error_model);
  if (request.options.error_model != "python" && request.options.error_model != "numpy")
    return fail("--error_model must be python or numpy");
  if (!absl::GetFlag(FLAGS_fastmath).empty())
    request.options.fastmath_flags = absl::StrSplit(absl::GetFlag(FLAGS_fastmath), ',');
  request.passes = passOptions();

  absl::StatusOr<kiln::compiler::CompileResult> result = kiln::compiler::compile(request);
  if (!result.ok()) return report(result.status());
  for (const kiln::compiler::Diagnostic& w : result->warnings)  // as an error reads, but the compile goes on
    std::fprintf(stderr, "%s:%d: %s: %s\n", w.filename.c_str(), w.line, kiln::compiler::kindName(w.kind),
                 w.message.c_str());
  printInstrumentation(*result);
  return writeOutput(*emit == kiln::compiler::Emit::kBinary ? result->shared_object : result->text, out_path);
}
