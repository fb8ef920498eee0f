#include "server/bundle_convert.h"


#include <algorithm>
#include <span>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/facts.h"
#include "base/type_grammar.h"
#include "cache/cache_key.h"
#include "compiler/driver/compile.h"
#include "server/request_validation.h"

namespace kiln::server {
namespace {

namespace pb = kiln::v1;
using compiler::Constant;

// Carries the location of the field being checked, for error messages.
struct Checker {
  int function_count;
  std::string where;  // "functions[3].code.consts"

  absl::Status fail(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("bad bundle: ", where, ": ", what));
  }
  absl::Status size(size_t n, size_t limit, absl::string_view field) const {
    if (n <= limit) return absl::OkStatus();
    return fail(absl::StrCat(field, " has ", n, " entries or bytes, more than the limit of ", limit));
  }
  absl::Status index(uint64_t i, absl::string_view field) const {
    if (i < static_cast<uint64_t>(function_count)) return absl::OkStatus();
    return fail(absl::StrCat(field, " ", i, " is out of range (the bundle has ", function_count, " functions)"));
  }
};

absl::StatusOr<Constant> convertConstant(const pb::Constant& in, const Checker& at, int depth) {
  if (depth > kMaxConstantDepth) return at.fail(absl::StrCat("constants nest deeper than ", kMaxConstantDepth));
  Constant out;
  switch (in.value_case()) {
    case pb::Constant::kNone:
    case pb::Constant::VALUE_NOT_SET: out.kind = Constant::Kind::kNone; break;
    case pb::Constant::kBoolValue:
      out.kind = Constant::Kind::kBool;
      out.b = in.bool_value();
      break;
    case pb::Constant::kIntValue:
      out.kind = Constant::Kind::kInt;
      out.i = in.int_value();
      break;
    case pb::Constant::kFloatValue:
      out.kind = Constant::Kind::kFloat;
      out.f = in.float_value();
      break;
    case pb::Constant::kComplexValue:
      out.kind = Constant::Kind::kComplex;
      out.f = in.complex_value().real();
      out.imag = in.complex_value().imag();
      break;
    case pb::Constant::kStrValue:
      if (auto s = at.size(in.str_value().size(), kMaxStringBytes, "a str constant"); !s.ok()) return s;
      out.kind = Constant::Kind::kStr;
      out.s = in.str_value();
      break;
    case pb::Constant::kBytesValue:
      if (auto s = at.size(in.bytes_value().size(), kMaxStringBytes, "a bytes constant"); !s.ok()) return s;
      out.kind = Constant::Kind::kBytes;
      out.s = in.bytes_value();
      break;
    case pb::Constant::kTupleValue:
      out.kind = Constant::Kind::kTuple;
      if (auto s = at.size(in.tuple_value().items_size(), kMaxListItems, "a tuple"); !s.ok()) return s;
      for (const pb::Constant& item : in.tuple_value().items()) {
        absl::StatusOr<Constant> c = convertConstant(item, at, depth + 1);
        if (!c.ok()) return c.status();
        out.items.push_back(*std::move(c));
      }
      // realcode2: a namedtuple's class, spelled as a namedtuple type names it
      if (auto s = at.size(in.tuple_value().namedtuple_class().size(), kMaxStringBytes, "a namedtuple class");
          !s.ok())
        return s;
      out.s = in.tuple_value().namedtuple_class();
      break;
    case pb::Constant::kEllipsis: out.kind = Constant::Kind::kEllipsis; break;
    case pb::Constant::kNdarrayValue: {  // arrays
      const pb::Constant::NdArray& a = in.ndarray_value();
      if (auto s = at.size(a.data().size(), kMaxArrayConstantBytes, "an array constant"); !s.ok()) return s;
      if (a.shape_size() > base::kMaxArrayDims) return at.fail("an array constant has too many dimensions");
      // records: a structured dtype travels as its Record spelling, whose
      // itemsize is its count; any other dtype is a scalar name.
      uint64_t n = 0;
      if (absl::StartsWith(a.dtype(), "Record(")) {
        absl::StatusOr<base::TypeSyntax> rec = base::parseType(a.dtype());
        if (!rec.ok() || rec->kind != base::TypeSyntax::Kind::kRecord || rec->count <= 0)
          return at.fail(absl::StrCat("an array constant of dtype '", a.dtype(), "'"));
        n = static_cast<uint64_t>(rec->count);
        out.dtype = base::printType(*rec);
      } else {
        absl::StatusOr<base::Scalar> scalar = base::scalarFromName(a.dtype());
        if (!scalar.ok()) return at.fail(absl::StrCat("an array constant of dtype '", a.dtype(), "'"));
        n = static_cast<uint64_t>(base::scalarSize(*scalar));
        out.dtype = base::scalarName(*scalar);
      }
      for (int64_t d : a.shape()) {
        if (d < 0 || d > static_cast<int64_t>(kMaxArrayConstantBytes)) return at.fail("an array constant's shape");
        n *= static_cast<uint64_t>(d);
        if (n > kMaxArrayConstantBytes) return at.fail("an array constant's shape");
      }
      if (n != a.data().size()) return at.fail("an array constant's data does not match its shape");
      if (a.zero_dim() && a.shape_size() != 0) return at.fail("a 0-d array constant with a shape");
      out.kind = Constant::Kind::kArray;
      out.zero_dim = a.zero_dim();
      out.shape.assign(a.shape().begin(), a.shape().end());
      out.s = a.data();
      break;
    }
    case pb::Constant::kBuiltinName:  // npmisc: a class default, named as a builtin global is
      if (auto s = at.size(in.builtin_name().size(), kMaxStringBytes, "a builtin name"); !s.ok()) return s;
      if (in.builtin_name().empty()) return at.fail("an empty builtin name");
      out.kind = Constant::Kind::kBuiltin;
      out.s = in.builtin_name();
      break;
    case pb::Constant::kFunctionIndex:  // realcode2: a jitted function default
      if (auto s = at.index(in.function_index(), "function_index"); !s.ok()) return s;
      // named as builtinType (typing/inference.cpp) reads it, as "record:" names a dtype
      out.kind = Constant::Kind::kBuiltin;
      out.s = absl::StrCat("function:", in.function_index());
      break;
    case pb::Constant::kCodeIndex:
      if (auto s = at.index(in.code_index(), "code_index"); !s.ok()) return s;
      out.kind = Constant::Kind::kCode;
      out.i = in.code_index();
      break;
  }
  return out;
}

absl::Status convertConstants(const google::protobuf::RepeatedPtrField<pb::Constant>& in,
                              std::vector<Constant>& out, Checker at) {
  if (auto s = at.size(in.size(), kMaxListItems, "the list"); !s.ok()) return s;
  const std::string base = at.where;
  for (int i = 0; i < in.size(); ++i) {
    at.where = absl::StrCat(base, "[", i, "]");
    absl::StatusOr<Constant> c = convertConstant(in[i], at, 0);
    if (!c.ok()) return c.status();
    out.push_back(*std::move(c));
  }
  return absl::OkStatus();
}

// kwonly: each default names its keyword-only parameter; they come in the
// parameters' order, at most one each, so the bundle hash is canonical.
absl::Status convertKwDefaults(const pb::Function& in, compiler::Function& out, const Checker& at) {
  const compiler::CodeObject& code = out.code;
  if (static_cast<size_t>(code.argcount) + static_cast<size_t>(code.kwonlyargcount) > code.varnames.size())
    return at.fail("more parameters than co_varnames has names");
  out.kwonly_defaults.assign(static_cast<size_t>(code.kwonlyargcount), std::nullopt);
  size_t next = 0;  // the first parameter the next default may name
  for (const pb::KwDefault& d : in.kwdefaults()) {
    size_t q = next;
    while (q < out.kwonly_defaults.size() && code.varnames[static_cast<size_t>(code.argcount) + q] != d.name()) ++q;
    if (q == out.kwonly_defaults.size())
      return at.fail(absl::StrCat("'", d.name(), "' is not a keyword-only parameter after the previous default"));
    absl::StatusOr<Constant> c = convertConstant(d.value(), at, 0);
    if (!c.ok()) return c.status();
    out.kwonly_defaults[q] = *std::move(c);
    next = q + 1;
  }
  return absl::OkStatus();
}

absl::Status convertStrings(const google::protobuf::RepeatedPtrField<std::string>& in,
                            std::vector<std::string>& out, const Checker& at, absl::string_view field) {
  if (auto s = at.size(in.size(), kMaxListItems, field); !s.ok()) return s;
  for (const std::string& name : in) {
    if (auto s = at.size(name.size(), kMaxStringBytes, field); !s.ok()) return s;
    out.push_back(name);
  }
  return absl::OkStatus();
}

absl::Status convertCode(const pb::CodeObject& in, compiler::CodeObject& out, Checker at) {
  const std::string base = at.where;
  if (auto s = at.size(in.code().size(), kMaxCodeBytes, "co_code"); !s.ok()) return s;
  if (auto s = at.size(in.exceptiontable().size(), kMaxCodeBytes, "co_exceptiontable"); !s.ok()) return s;
  for (const std::string* s : {&in.name(), &in.qualname(), &in.filename()})
    if (auto st = at.size(s->size(), kMaxStringBytes, "a name"); !st.ok()) return st;
  out.name = in.name();
  out.qualname = in.qualname();
  out.filename = in.filename();
  out.firstlineno = in.firstlineno();
  out.argcount = in.argcount();
  out.posonlyargcount = in.posonlyargcount();
  out.kwonlyargcount = in.kwonlyargcount();
  out.nlocals = in.nlocals();
  out.stacksize = in.stacksize();
  out.flags = in.flags();
  if (out.argcount < 0 || out.posonlyargcount < 0 || out.kwonlyargcount < 0 || out.nlocals < 0 ||
      out.stacksize < 0)
    return at.fail("argument, local and stack counts must not be negative");
  out.code = in.code();
  out.exceptiontable = in.exceptiontable();
  at.where = base + ".consts";
  if (auto s = convertConstants(in.consts(), out.consts, at); !s.ok()) return s;
  at.where = base;
  if (auto s = convertStrings(in.names(), out.names, at, "co_names"); !s.ok()) return s;
  if (auto s = convertStrings(in.varnames(), out.varnames, at, "co_varnames"); !s.ok()) return s;
  if (auto s = convertStrings(in.cellvars(), out.cellvars, at, "co_cellvars"); !s.ok()) return s;
  if (auto s = convertStrings(in.freevars(), out.freevars, at, "co_freevars"); !s.ok()) return s;
  if (auto s = at.size(in.lines_size(), kMaxLineRanges, "co_lines"); !s.ok()) return s;
  for (const pb::LineRange& r : in.lines()) {
    if (r.start() > r.end()) return at.fail(absl::StrCat("line range [", r.start(), ", ", r.end(), ") is inverted"));
    out.lines.push_back({r.start(), r.end(), r.line()});
  }
  return absl::OkStatus();
}

absl::StatusOr<compiler::GlobalRef> convertGlobal(const pb::GlobalRef& in, const Checker& at, int intrinsic_count) {
  using K = compiler::GlobalRef::Kind;
  compiler::GlobalRef out;
  out.name = in.name();
  out.qualified_name = in.qualified_name();
  out.type_name = in.type_name();
  switch (in.kind()) {
    case pb::GlobalRef::KIND_CONSTANT: {
      out.kind = K::kConstant;
      absl::StatusOr<Constant> c = convertConstant(in.value(), at, 0);
      if (!c.ok()) return c.status();
      out.value = *std::move(c);
      break;
    }
    case pb::GlobalRef::KIND_FUNCTION:
      if (auto s = at.index(in.function_index(), "function_index"); !s.ok()) return s;
      out.kind = K::kFunction;
      out.function_index = in.function_index();
      break;
    case pb::GlobalRef::KIND_MODULE: out.kind = K::kModule; break;
    case pb::GlobalRef::KIND_BUILTIN: out.kind = K::kBuiltin; break;
    case pb::GlobalRef::KIND_UNSUPPORTED: out.kind = K::kUnsupported; break;
    case pb::GlobalRef::KIND_MISSING: out.kind = K::kMissing; break;
    case pb::GlobalRef::KIND_INTRINSIC:
      if (in.function_index() >= static_cast<uint32_t>(intrinsic_count))
        return at.fail(absl::StrCat("function_index ", in.function_index(), " is out of range (the bundle has ",
                                    intrinsic_count, " intrinsics)"));
      out.kind = K::kIntrinsic;
      out.function_index = in.function_index();
      break;
    case pb::GlobalRef::KIND_UNSPECIFIED:
    default:  // a proto enum can hold values from newer clients
      return at.fail(absl::StrCat("global '", in.name(), "' has unknown kind ", static_cast<int>(in.kind())));
  }
  return out;
}

// intrinsic: the fields of one intrinsic, bounded; each type a spelling the
// type grammar reads (typing refuses the ones that are not scalars, at the
// call). The IR text itself is parsed and checked by the compiler, which
// owns LLVM (lowering/lower_intrinsics.cpp).
absl::StatusOr<compiler::Intrinsic> convertIntrinsic(const pb::Intrinsic& in, const Checker& at) {
  compiler::Intrinsic out;
  if (in.name().empty() || in.name().size() > 256) return at.fail("name must have 1 to 256 bytes");
  if (in.symbol().empty() || in.symbol().size() > 256) return at.fail("symbol must have 1 to 256 bytes");
  if (auto s = at.size(in.llvm_ir().size(), kMaxIntrinsicIrBytes, "llvm_ir"); !s.ok()) return s;
  if (in.llvm_ir().empty()) return at.fail("llvm_ir is empty");
  if (auto s = at.size(in.arg_types_size(), kMaxIntrinsicArgs, "arg_types"); !s.ok()) return s;
  auto type = [&](const std::string& text, absl::string_view field) -> absl::Status {
    if (absl::StatusOr<base::TypeSyntax> t = base::parseType(text); !t.ok())
      return at.fail(absl::StrCat(field, ": ", t.status().message()));
    return absl::OkStatus();
  };
  for (int k = 0; k < in.arg_types_size(); ++k)
    if (auto s = type(in.arg_types(k), absl::StrCat("arg_types[", k, "]")); !s.ok()) return s;
  if (auto s = type(in.return_type(), "return_type"); !s.ok()) return s;
  out.name = in.name();
  out.symbol = in.symbol();
  out.arg_types.assign(in.arg_types().begin(), in.arg_types().end());
  out.return_type = in.return_type();
  out.llvm_ir = in.llvm_ir();
  return out;
}

}  // namespace

absl::StatusOr<compiler::Bundle> convertBundle(const pb::Bundle& in) {
  const std::string version = absl::StrCat(in.python_major(), ".", in.python_minor());
  const std::vector<std::string> supported = compiler::supportedPythonVersions();
  if (std::find(supported.begin(), supported.end(), version) == supported.end())
    return absl::InvalidArgumentError(absl::StrCat("unsupported Python version ", version, " (this server supports ",
                                                   absl::StrJoin(supported, ", "), ")"));
  if (in.functions_size() == 0) return absl::InvalidArgumentError("bad bundle: it has no functions");
  if (in.functions_size() > kMaxFunctions)
    return absl::InvalidArgumentError(absl::StrCat("bad bundle: ", in.functions_size(),
                                                   " functions, more than the limit of ", kMaxFunctions));
  compiler::Bundle out;
  out.python_major = in.python_major();
  out.python_minor = in.python_minor();
  if (in.intrinsics_size() > kMaxIntrinsics)
    return absl::InvalidArgumentError(absl::StrCat("bad bundle: ", in.intrinsics_size(),
                                                   " intrinsics, more than the limit of ", kMaxIntrinsics));
  for (int k = 0; k < in.intrinsics_size(); ++k) {
    absl::StatusOr<compiler::Intrinsic> x =
        convertIntrinsic(in.intrinsics(k), Checker{in.functions_size(), absl::StrCat("intrinsics[", k, "]")});
    if (!x.ok()) return x.status();
    out.intrinsics.push_back(*std::move(x));
  }
  out.functions.resize(in.functions_size());
  for (int f = 0; f < in.functions_size(); ++f) {
    const pb::Function& fn = in.functions(f);
    Checker at{in.functions_size(), absl::StrCat("functions[", f, "]")};
    if (auto s = convertCode(fn.code(), out.functions[f].code, Checker{at.function_count, at.where + ".code"});
        !s.ok())
      return s;
    if (auto s = at.size(fn.globals_size(), kMaxListItems, "globals"); !s.ok()) return s;
    for (int g = 0; g < fn.globals_size(); ++g) {
      absl::StatusOr<compiler::GlobalRef> ref =
          convertGlobal(fn.globals(g), Checker{at.function_count, absl::StrCat(at.where, ".globals[", g, "]")},
                      in.intrinsics_size());
      if (!ref.ok()) return ref.status();
      out.functions[f].globals.push_back(*std::move(ref));
    }
    if (auto s = convertConstants(fn.defaults(), out.functions[f].defaults,
                                  Checker{at.function_count, at.where + ".defaults"});
        !s.ok())
      return s;
    if (auto s = convertKwDefaults(fn, out.functions[f], Checker{at.function_count, at.where + ".kwdefaults"});
        !s.ok())
      return s;
    if (fn.has_fastmath()) {
      Checker flags{at.function_count, at.where + ".fastmath"};
      if (auto s = flags.size(fn.fastmath().flags_size(), kMaxFastmathFlags, "flags"); !s.ok()) return s;
      for (const std::string& name : fn.fastmath().flags())
        if (!std::binary_search(compiler::fastMathFlagNames().begin(), compiler::fastMathFlagNames().end(), name))
          return flags.fail(absl::StrCat("unknown fast-math flag '", name, "' (known: ",
                                         absl::StrJoin(compiler::fastMathFlagNames(), " "), ")"));
      out.functions[f].fastmath.emplace(fn.fastmath().flags().begin(), fn.fastmath().flags().end());
    }
    if (fn.has_error_model()) {
      if (fn.error_model() != "python" && fn.error_model() != "numpy")
        return Checker{at.function_count, at.where + ".error_model"}.fail(
            absl::StrCat("'", absl::CHexEscape(fn.error_model().substr(0, 64)), "' is not 'python' or 'numpy'"));
      out.functions[f].numpy_error_model = fn.error_model() == "numpy";
    }
    if (fn.locals_size() > 0) {  // locals: names sorted and unique, spellings bounded (typing parses them)
      Checker locals{at.function_count, at.where + ".locals"};
      if (auto s = locals.size(fn.locals_size(), kMaxLocalTypes, "locals"); !s.ok()) return s;
      for (int k = 0; k < fn.locals_size(); ++k) {
        const pb::LocalType& l = fn.locals(k);
        if (l.name().empty() || l.type().empty() || l.name().size() > kMaxLocalTypeText ||
            l.type().size() > kMaxLocalTypeText)
          return locals.fail(absl::StrCat("entry ", k, " has an empty or over-long name or type"));
        if (k > 0 && !(fn.locals(k - 1).name() < l.name()))
          return locals.fail(absl::StrCat("'", absl::CHexEscape(l.name()), "' is out of order or repeated"));
        out.functions[f].locals.emplace(l.name(), l.type());
      }
    }
    if (fn.signatures_size() > 0) {  // eagersig: each spelling parses (typing gives it meaning)
      Checker sigs{at.function_count, at.where + ".signatures"};
      if (auto s = sigs.size(fn.signatures_size(), kMaxDeclaredSignatures, "signatures"); !s.ok()) return s;
      auto spelled = [&](const std::string& text, int k, absl::string_view what) -> absl::Status {
        if (text.size() > kMaxSignatureTypeText)
          return sigs.fail(absl::StrCat("signature ", k, ": ", what, " is longer than ", kMaxSignatureTypeText,
                                        " bytes"));
        if (absl::StatusOr<base::TypeSyntax> t = base::parseType(text); !t.ok())
          return sigs.fail(absl::StrCat("signature ", k, ": ", what, ": ", t.status().message()));
        return absl::OkStatus();
      };
      for (int k = 0; k < fn.signatures_size(); ++k) {
        const pb::DeclaredSignature& sig = fn.signatures(k);
        if (auto s = sigs.size(sig.arg_types_size(), kMaxListItems, "arg_types"); !s.ok()) return s;
        for (const std::string& t : sig.arg_types())
          if (auto s = spelled(t, k, "an argument type"); !s.ok()) return s;
        if (!sig.return_type().empty())  // empty: the return type is inferred
          if (auto s = spelled(sig.return_type(), k, "the return type"); !s.ok()) return s;
        out.functions[f].signatures.push_back(
            {{sig.arg_types().begin(), sig.arg_types().end()}, sig.return_type()});
      }
    }
  }
  return out;
}

compiler::Target convertTarget(const pb::Target& in) {
  compiler::Target out;  // unset fields keep the compiler's defaults (the host)
  if (!in.triple().empty()) out.triple = in.triple();
  if (!in.cpu().empty()) out.cpu = in.cpu();
  out.features.assign(in.features().begin(), in.features().end());
  std::sort(out.features.begin(), out.features.end());
  return out;
}

absl::StatusOr<compiler::Options> convertOptions(const pb::Options& in) {
  compiler::Options out;
  if (in.opt_level() < 0 || in.opt_level() > 3)
    return absl::InvalidArgumentError(absl::StrCat("opt_level ", in.opt_level(), " is not in 0..3"));
  if (in.has_opt_level()) out.opt_level = in.opt_level();
  out.fastmath = in.fastmath();
  out.fastmath_flags.assign(in.fastmath_flags().begin(), in.fastmath_flags().end());
  if (absl::Status s = compiler::canonicalizeFastMath(out); !s.ok()) return s;
  out.boundscheck = in.boundscheck();
  if (!in.error_model().empty()) out.error_model = in.error_model();
  if (out.error_model != "python" && out.error_model != "numpy")
    return absl::InvalidArgumentError(
        absl::StrCat("error_model '", out.error_model, "' is not one of 'python', 'numpy'"));
  return out;
}

absl::StatusOr<compiler::Emit> convertEmit(int emit) {
  std::span<const base::EmitRow> table = base::emitTable();
  for (size_t i = 0; i < table.size(); ++i)
    if (table[i].proto_value == emit) return static_cast<compiler::Emit>(i);
  return absl::InvalidArgumentError(absl::StrCat("unknown emit value ", emit));
}

const char* emitName(compiler::Emit emit) { return base::emitTable()[static_cast<size_t>(emit)].name.data(); }

absl::StatusOr<compiler::Emit> parseEmitName(const std::string& name) {
  if (std::optional<int> i = base::emitIndex(name)) return static_cast<compiler::Emit>(*i);
  std::vector<std::string> names;
  for (const base::EmitRow& row : base::emitTable()) names.emplace_back(row.name);
  return absl::InvalidArgumentError(
      absl::StrCat("unknown emit '", name, "', expected one of ", absl::StrJoin(names, ", ")));
}

kiln::v1::Diagnostic toProto(const compiler::Diagnostic& d) {
  kiln::v1::Diagnostic out;
  out.set_kind(static_cast<pb::Diagnostic::Kind>(
      base::diagnosticKindTable()[static_cast<size_t>(d.kind)].proto_value));
  // Proto strings must be valid UTF-8, or the reply cannot be serialized
  // and the client sees "No message returned"; capped like any message.
  out.set_message(safeText(d.message, kMaxDiagnosticBytes));
  out.set_filename(safeText(d.filename, kMaxDiagnosticBytes));
  out.set_line(d.line);
  out.set_function(safeText(d.function, kMaxDiagnosticBytes));
  return out;
}

}  // namespace kiln::server
