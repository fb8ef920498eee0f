#include "server/request_validation.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "compiler/driver/target_registry.h"
#include "server/bundle_convert.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;

// co_flags: *args and **kwargs each take one more slot of co_varnames.
constexpr int32_t kCoVarargs = 0x04;
constexpr int32_t kCoVarkeywords = 0x08;

absl::Status invalid(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(where), ": ", std::string(what)));
}

absl::Status checkCount(std::string_view where, int64_t n, int64_t limit) {
  if (n <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(where), " has ", n, " entries, more than the limit of ", limit));
}

absl::Status checkBytes(std::string_view where, size_t n, size_t limit) {
  if (n <= limit) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(where), " is ", n, " bytes long, more than the limit of ", limit));
}

// The length of the well-formed UTF-8 sequence at text[i] (1..4), or 0.
size_t utf8Length(absl::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return n;
}

absl::Status checkCode(const pb::CodeObject& code, const std::string& where) {
  if (auto s = checkBytes(where + ".code", code.code().size(), kMaxCodeBytes); !s.ok()) return s;
  // An odd length or garbage in co_code is the decoder's to report, with
  // the function's location (frontend/decoder.cpp).
  if (code.argcount() < 0 || code.posonlyargcount() < 0 || code.kwonlyargcount() < 0 || code.nlocals() < 0 ||
      code.stacksize() < 0)
    return invalid(where, "argument, local and stack counts must not be negative");
  if (code.posonlyargcount() > code.argcount())
    return invalid(where, absl::StrCat("posonlyargcount ", code.posonlyargcount(), " is more than argcount ",
                                       code.argcount()));
  if (code.nlocals() != code.varnames_size())
    return invalid(where, absl::StrCat("nlocals ", code.nlocals(), " does not match co_varnames, which has ",
                                       code.varnames_size(), " names"));
  // Every parameter is a local: the counts must fit in the names sent.
  const int64_t params = int64_t{code.argcount()} + code.kwonlyargcount() + ((code.flags() & kCoVarargs) ? 1 : 0) +
                         ((code.flags() & kCoVarkeywords) ? 1 : 0);
  if (params > code.varnames_size())
    return invalid(where, absl::StrCat("claims ", params, " parameters (argcount ", code.argcount(),
                                       ", kwonlyargcount ", code.kwonlyargcount(), ") but co_varnames has ",
                                       code.varnames_size(), " names"));
  if (code.stacksize() > kMaxStackSize)
    return invalid(where, absl::StrCat("stacksize ", code.stacksize(), " is more than the limit of ", kMaxStackSize));
  if (auto s = checkCount(where + ".lines", code.lines_size(), kMaxLineRanges); !s.ok()) return s;
  for (int i = 0; i < code.lines_size(); ++i) {
    const pb::LineRange& r = code.lines(i);
    // A range may reach past the code (nothing is sized by it: the line
    // index is as long as co_code); it must not be inverted.
    if (r.start() > r.end())
      return invalid(absl::StrCat(where, ".lines[", i, "]"),
                     absl::StrCat("range [", r.start(), ", ", r.end(), ") is inverted"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string safeText(absl::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(std::min(text.size(), max_bytes == 0 ? text.size() : max_bytes) + 16);
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = text[i] == '\0' ? 0 : utf8Length(text, i);
    const size_t add = n == 0 ? 4 : n;
    if (max_bytes != 0 && out.size() + add > max_bytes) break;
    if (n == 0) {
      const auto c = static_cast<unsigned char>(text[i]);
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      i += 1;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  if (i < text.size()) absl::StrAppend(&out, "... (", text.size(), " bytes in all)");
  return out;
}

std::string echo(absl::string_view value) { return absl::StrCat("'", safeText(value, kMaxEchoBytes), "'"); }

absl::Status validateBundle(const pb::Bundle& bundle) {
  if (bundle.functions_size() == 0) return absl::InvalidArgumentError("bad bundle: it has no functions");
  if (auto s = checkCount("bad bundle: functions", bundle.functions_size(), kMaxFunctions); !s.ok()) return s;
  for (int f = 0; f < bundle.functions_size(); ++f) {
    const pb::Function& fn = bundle.functions(f);
    const std::string where = absl::StrCat("bad bundle: functions[", f, "]");
    if (auto s = checkCode(fn.code(), where + ".code"); !s.ok()) return s;
    if (fn.defaults_size() > fn.code().argcount())
      return invalid(where, absl::StrCat("has ", fn.defaults_size(), " defaults for ", fn.code().argcount(),
                                         " positional parameters"));
  }
  return absl::OkStatus();
}

absl::Status validateTarget(const pb::Target& target, int emit) {
  if (auto s = checkBytes("target.triple", target.triple().size(), kMaxTargetNameBytes); !s.ok()) return s;
  if (auto s = checkBytes("target.cpu", target.cpu().size(), kMaxTargetNameBytes); !s.ok()) return s;
  if (auto s = checkCount("target.features", target.features_size(), kMaxTargetFeatures); !s.ok()) return s;
  for (int i = 0; i < target.features_size(); ++i)
    if (auto s = checkBytes(absl::StrCat("target.features[", i, "]"), target.features(i).size(), kMaxTargetNameBytes);
        !s.ok())
      return s;
  compiler::Target t = convertTarget(target);
  if (absl::Status s = compiler::checkTarget(t); !s.ok())
    return absl::InvalidArgumentError(absl::StrCat("target: ", s.message()));
  // cuda: the CUDA target's binary artifact is a cubin (or PTX); --emit=ptx
  // and --emit=cubin need that target.
  absl::StatusOr<compiler::Emit> e = convertEmit(emit);
  if (e.ok() && (*e == compiler::Emit::kPtx || *e == compiler::Emit::kCubin) && t.triple.rfind("nvptx", 0) != 0)
    return absl::InvalidArgumentError(absl::StrCat("emit=", emitName(*e), " needs the CUDA target (nvptx64-nvidia-cuda), not '",
                                                   t.triple, "'"));
  return absl::OkStatus();
}

absl::Status validateCompileRequest(const pb::CompileRequest& request) {
  if (request.bundle_hash().size() != 32)
    return absl::InvalidArgumentError(
        absl::StrCat("bundle_hash is ", request.bundle_hash().size(), " bytes, expected 32 (SHA-256)"));
  if (auto s = checkCount("arg_types", request.arg_types_size(), kMaxArgTypes); !s.ok()) return s;
  for (int i = 0; i < request.arg_types_size(); ++i)
    if (auto s = checkBytes(absl::StrCat("arg_types[", i, "]"), request.arg_types(i).size(), kMaxTypeNameBytes);
        !s.ok())
      return s;
  if (auto s = checkBytes("return_type", request.return_type().size(), kMaxTypeNameBytes); !s.ok()) return s;
  const pb::Options& o = request.options();
  if (auto s = checkBytes("options.error_model", o.error_model().size(), kMaxOptionBytes); !s.ok()) return s;
  if (auto s = checkCount("options.fastmath_flags", o.fastmath_flags_size(), kMaxFastmathFlags); !s.ok()) return s;
  for (int i = 0; i < o.fastmath_flags_size(); ++i)
    if (auto s = checkBytes(absl::StrCat("options.fastmath_flags[", i, "]"), o.fastmath_flags(i).size(),
                            kMaxOptionBytes);
        !s.ok())
      return s;
  if (absl::StatusOr<compiler::Emit> e = convertEmit(request.emit()); !e.ok()) return e.status();
  if (absl::Status s = validateTarget(request.target(), request.emit()); !s.ok()) return s;
  if (request.has_bundle())
    if (absl::Status s = validateBundle(request.bundle()); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status validateCompileRequestBytes(std::string_view bytes) {
  pb::CompileRequest request;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !request.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return absl::InvalidArgumentError(
        absl::StrCat("malformed request: ", bytes.size(), " bytes that are not a kiln.v1.CompileRequest"));
  return validateCompileRequest(request);
}

}  // namespace kiln::server
