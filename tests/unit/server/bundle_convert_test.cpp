#include "kiln/v1/bundle_hash.h"
#include "server/bundle_convert.h"

#include "absl/strings/ascii.h"
#include "base/facts.h"
#include "compiler/diagnostic.h"

#include <gtest/gtest.h>

#include "tests/unit/server/test_bundles.h"

namespace kiln::server {
namespace {

using testing::addOneBundle;

void expectInvalid(const kiln::v1::Bundle& b, const std::string& needle) {
  absl::StatusOr<compiler::Bundle> r = convertBundle(b);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find(needle), absl::string_view::npos) << r.status();
}

TEST(BundleConvert, ConvertsAValidBundle) {
  absl::StatusOr<compiler::Bundle> r = convertBundle(addOneBundle());
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->functions.size(), 1u);
  const compiler::CodeObject& c = r->functions[0].code;
  EXPECT_EQ(c.name, "f");
  EXPECT_EQ(c.code.size(), 12u);
  ASSERT_EQ(c.consts.size(), 2u);
  EXPECT_EQ(c.consts[0].kind, compiler::Constant::Kind::kNone);
  EXPECT_EQ(c.consts[1].kind, compiler::Constant::Kind::kInt);
  EXPECT_EQ(c.consts[1].i, 1);
  EXPECT_EQ(c.lines.size(), 5u);
}

TEST(BundleConvert, RejectsUnsupportedPython) {
  kiln::v1::Bundle b = addOneBundle();
  b.set_python_minor(9);
  expectInvalid(b, "unsupported Python version 3.9");
}

TEST(BundleConvert, RejectsEmptyBundle) {
  kiln::v1::Bundle b = addOneBundle();
  b.clear_functions();
  expectInvalid(b, "no functions");
}

TEST(BundleConvert, RejectsOutOfRangeIndices) {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::GlobalRef* g = b.mutable_functions(0)->add_globals();
  g->set_name("g");
  g->set_kind(kiln::v1::GlobalRef::KIND_FUNCTION);
  g->set_function_index(1);
  expectInvalid(b, "functions[0].globals[0]: function_index 1 is out of range");

  b = addOneBundle();
  b.mutable_functions(0)->mutable_code()->add_consts()->set_code_index(7);
  expectInvalid(b, "code_index 7 is out of range");
}

TEST(BundleConvert, RejectsOversizedCode) {
  kiln::v1::Bundle b = addOneBundle();
  b.mutable_functions(0)->mutable_code()->set_code(std::string(kMaxCodeBytes + 1, '\0'));
  expectInvalid(b, "co_code");
}

TEST(BundleConvert, RejectsTooManyFunctions) {
  kiln::v1::Bundle b = addOneBundle();
  for (int i = 0; i < kMaxFunctions; ++i) *b.add_functions() = b.functions(0);
  expectInvalid(b, "more than the limit of 4096");
}

TEST(BundleConvert, RejectsDeeplyNestedConstants) {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::Constant* c = b.mutable_functions(0)->mutable_code()->add_consts();
  for (int i = 0; i < 1000; ++i) c = c->mutable_tuple_value()->add_items();
  c->set_int_value(1);
  expectInvalid(b, "nest deeper");
}

// npmisc: a class given as a parameter default travels by name.
TEST(BundleConvert, ConvertsABuiltinDefault) {
  kiln::v1::Bundle b = addOneBundle();
  b.mutable_functions(0)->add_defaults()->set_builtin_name("numpy.float64");
  absl::StatusOr<compiler::Bundle> r = convertBundle(b);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->functions[0].defaults.size(), 1u);
  EXPECT_EQ(r->functions[0].defaults[0].kind, compiler::Constant::Kind::kBuiltin);
  EXPECT_EQ(r->functions[0].defaults[0].s, "numpy.float64");
  EXPECT_EQ(r->functions[0].defaults[0].repr(), "numpy.float64");
}

// kwonly: f(x, *, k=1, m) with k's default sent by name.
kiln::v1::Bundle kwonlyBundle() {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::CodeObject* c = b.mutable_functions(0)->mutable_code();
  c->set_kwonlyargcount(2);
  c->add_varnames("k");
  c->add_varnames("m");
  c->set_nlocals(3);
  return b;
}

TEST(BundleConvert, ConvertsKeywordOnlyDefaultsByName) {
  kiln::v1::Bundle b = kwonlyBundle();
  kiln::v1::KwDefault* d = b.mutable_functions(0)->add_kwdefaults();
  d->set_name("k");
  d->mutable_value()->set_int_value(7);
  absl::StatusOr<compiler::Bundle> r = convertBundle(b);
  ASSERT_TRUE(r.ok()) << r.status();
  const compiler::Function& f = r->functions[0];
  ASSERT_EQ(f.kwonly_defaults.size(), 2u);
  ASSERT_TRUE(f.kwonly_defaults[0].has_value());
  EXPECT_EQ(f.kwonly_defaults[0]->i, 7);
  EXPECT_FALSE(f.kwonly_defaults[1].has_value());
  EXPECT_EQ(f.defaultAt(0).i, 7);  // no positional defaults: the first slot is k's
}

TEST(BundleConvert, RejectsAKeywordOnlyDefaultOfAnotherName) {
  kiln::v1::Bundle b = kwonlyBundle();
  b.mutable_functions(0)->add_kwdefaults()->set_name("x");  // positional, not keyword-only
  expectInvalid(b, "'x' is not a keyword-only parameter");
  kiln::v1::Bundle twice = kwonlyBundle();
  for (const char* name : {"m", "k"}) {  // out of order
    kiln::v1::KwDefault* d = twice.mutable_functions(0)->add_kwdefaults();
    d->set_name(name);
    d->mutable_value()->set_int_value(1);
  }
  expectInvalid(twice, "'k' is not a keyword-only parameter after the previous default");
}

TEST(BundleConvert, RejectsAnEmptyBuiltinDefault) {
  kiln::v1::Bundle b = addOneBundle();
  b.mutable_functions(0)->add_defaults()->set_builtin_name("");
  expectInvalid(b, "empty builtin name");
}

// realcode2: a jitted function default, named as typing reads it
TEST(BundleConvert, ConvertsAFunctionDefault) {
  kiln::v1::Bundle b = addOneBundle();
  b.mutable_functions(0)->add_defaults()->set_function_index(0);
  absl::StatusOr<compiler::Bundle> r = convertBundle(b);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->functions[0].defaults.size(), 1u);
  EXPECT_EQ(r->functions[0].defaults[0].kind, compiler::Constant::Kind::kBuiltin);
  EXPECT_EQ(r->functions[0].defaults[0].s, "function:0");
}

TEST(BundleConvert, RejectsAnOutOfRangeFunctionDefault) {
  kiln::v1::Bundle b = addOneBundle();
  b.mutable_functions(0)->add_defaults()->set_function_index(7);
  expectInvalid(b, "function_index 7 is out of range");
}

// realcode2: a namedtuple default keeps its class
TEST(BundleConvert, ConvertsANamedtupleDefault) {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::Constant::Tuple* t = b.mutable_functions(0)->add_defaults()->mutable_tuple_value();
  t->set_namedtuple_class("mod.Point[x, y]");
  t->add_items()->set_int_value(1);
  t->add_items()->set_float_value(2.5);
  absl::StatusOr<compiler::Bundle> r = convertBundle(b);
  ASSERT_TRUE(r.ok()) << r.status();
  const compiler::Constant& d = r->functions[0].defaults[0];
  EXPECT_EQ(d.kind, compiler::Constant::Kind::kTuple);
  EXPECT_EQ(d.s, "mod.Point[x, y]");
  EXPECT_EQ(d.repr(), "(1, 2.5)");
}

// realcode5: a @jit callee's own fastmath: absent (the compile's), off
// (no flags) and flags are three different things; unknown names refused.
TEST(BundleConvert, ConvertsAFunctionsOwnFastmath) {
  kiln::v1::Bundle b = addOneBundle();
  absl::StatusOr<compiler::Bundle> absent = convertBundle(b);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->functions[0].fastmath.has_value());
  b.mutable_functions(0)->mutable_fastmath();
  absl::StatusOr<compiler::Bundle> off = convertBundle(b);
  ASSERT_TRUE(off.ok()) << off.status();
  ASSERT_TRUE(off->functions[0].fastmath.has_value());
  EXPECT_TRUE(off->functions[0].fastmath->empty());
  b.mutable_functions(0)->mutable_fastmath()->add_flags("nnan");
  b.mutable_functions(0)->mutable_fastmath()->add_flags("contract");
  absl::StatusOr<compiler::Bundle> some = convertBundle(b);
  ASSERT_TRUE(some.ok()) << some.status();
  EXPECT_EQ(*some->functions[0].fastmath, (std::vector<std::string>{"nnan", "contract"}));
  b.mutable_functions(0)->mutable_fastmath()->add_flags("turbo");
  expectInvalid(b, "functions[0].fastmath: unknown fast-math flag 'turbo'");
}

// realcode7: a @jit callee's own error model; absent is the compile's.
TEST(BundleConvert, ConvertsAFunctionsOwnErrorModel) {
  kiln::v1::Bundle b = addOneBundle();
  absl::StatusOr<compiler::Bundle> absent = convertBundle(b);
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->functions[0].numpy_error_model.has_value());
  b.mutable_functions(0)->set_error_model("numpy");
  absl::StatusOr<compiler::Bundle> numpy = convertBundle(b);
  ASSERT_TRUE(numpy.ok()) << numpy.status();
  EXPECT_EQ(numpy->functions[0].numpy_error_model, std::optional<bool>(true));
  b.mutable_functions(0)->set_error_model("python");
  absl::StatusOr<compiler::Bundle> python = convertBundle(b);
  ASSERT_TRUE(python.ok()) << python.status();
  EXPECT_EQ(python->functions[0].numpy_error_model, std::optional<bool>(false));
  b.mutable_functions(0)->set_error_model("fortran");
  expectInvalid(b, "functions[0].error_model: 'fortran' is not 'python' or 'numpy'");
}

// intrinsic: an intrinsic's fields, bounded, and globals that index them.
TEST(BundleConvert, ConvertsAndBoundsIntrinsics) {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::Intrinsic* x = b.add_intrinsics();
  x->set_name("popcnt");
  x->set_symbol("kiln_intrinsic_popcnt");
  x->add_arg_types("uint64");
  x->set_return_type("uint64");
  x->set_llvm_ir("define i64 @kiln_intrinsic_popcnt(i64 %x) {\n  ret i64 %x\n}\n");
  kiln::v1::GlobalRef* g = b.mutable_functions(0)->add_globals();
  g->set_name("intrinsic:m:popcnt(uint64)");
  g->set_kind(kiln::v1::GlobalRef::KIND_INTRINSIC);
  g->set_function_index(0);
  absl::StatusOr<compiler::Bundle> ok = convertBundle(b);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->intrinsics.size(), 1u);
  EXPECT_EQ(ok->intrinsics[0].arg_types, std::vector<std::string>{"uint64"});
  EXPECT_EQ(ok->functions[0].globals.back().kind, compiler::GlobalRef::Kind::kIntrinsic);
  g->set_function_index(1);
  expectInvalid(b, "function_index 1 is out of range (the bundle has 1 intrinsics)");
  g->set_function_index(0);
  x->set_return_type("flot");
  expectInvalid(b, "intrinsics[0]: return_type:");
  x->set_return_type("uint64");
  x->set_llvm_ir(std::string((1 << 16) + 1, 'x'));
  expectInvalid(b, "intrinsics[0]: llvm_ir has 65537 entries or bytes, more than the limit of 65536");
  x->set_llvm_ir("");
  expectInvalid(b, "intrinsics[0]: llvm_ir is empty");
}

TEST(BundleConvert, RejectsUnknownGlobalKind) {
  kiln::v1::Bundle b = addOneBundle();
  kiln::v1::GlobalRef* g = b.mutable_functions(0)->add_globals();
  g->set_name("g");
  expectInvalid(b, "unknown kind");
}

TEST(BundleHash, IsSha256OfTheDeterministicSerialization) {
  const kiln::v1::Bundle b = addOneBundle();
  EXPECT_EQ(kiln::v1::bundleHash(b).size(), 32u);
  EXPECT_EQ(kiln::v1::bundleHash(b), kiln::v1::bundleHash(addOneBundle()));
  kiln::v1::Bundle other = b;
  other.mutable_functions(0)->mutable_code()->set_name("g");
  EXPECT_NE(kiln::v1::bundleHash(b), kiln::v1::bundleHash(other));
  kiln::v1::Bundle parsed;
  ASSERT_TRUE(parsed.ParseFromString(kiln::v1::deterministicBytes(b)));
  EXPECT_EQ(kiln::v1::bundleHash(parsed), kiln::v1::bundleHash(b));
}

TEST(Options, DefaultsAndValidation) {
  kiln::v1::Options o;
  EXPECT_EQ(convertOptions(o)->opt_level, 3);
  EXPECT_EQ(convertOptions(o)->error_model, "python");
  o.set_opt_level(0);  // explicit, so not the default
  EXPECT_EQ(convertOptions(o)->opt_level, 0);
  o.set_opt_level(7);
  EXPECT_FALSE(convertOptions(o).ok());
  o.set_opt_level(1);
  o.set_error_model("c");
  EXPECT_FALSE(convertOptions(o).ok());
  EXPECT_FALSE(convertEmit(99).ok());
}

TEST(EmitNames, RoundTrip) {
  for (const char* name : {"binary", "bytecode", "kir", "typed", "llvm", "asm", "ptx", "cubin"})  // cuda: ptx, cubin
    EXPECT_STREQ(emitName(*parseEmitName(name)), name);
  EXPECT_FALSE(parseEmitName("fatbin").ok());
}

// base/emit_names.def and base/diagnostic_kinds.def carry the proto numbers
// (base links no protobuf); here they are checked against the generated
// enums, by name, so the tables cannot drift from kiln.proto.
TEST(Facts, EmitTableMatchesTheProto) {
  const auto* e = kiln::v1::Emit_descriptor();
  ASSERT_EQ(static_cast<size_t>(e->value_count()), base::emitTable().size());
  for (size_t i = 0; i < base::emitTable().size(); ++i) {
    const base::EmitRow& row = base::emitTable()[i];
    const std::string proto_name = "EMIT_" + absl::AsciiStrToUpper(std::string(row.name));
    const auto* v = e->FindValueByName(proto_name);
    ASSERT_NE(v, nullptr) << proto_name;
    EXPECT_EQ(v->number(), row.proto_value) << proto_name;
    EXPECT_EQ(convertEmit(row.proto_value).value(), static_cast<compiler::Emit>(i));
  }
}

TEST(Facts, DiagnosticKindTableMatchesTheProto) {
  const auto* e = kiln::v1::Diagnostic::Kind_descriptor();
  ASSERT_EQ(static_cast<size_t>(e->value_count()), base::diagnosticKindTable().size() + 1);  // + UNSPECIFIED
  const std::pair<const char*, const char*> expected[] = {
      {"TypingError", "KIND_TYPING"}, {"UnsupportedError", "KIND_UNSUPPORTED"},
      {"NameError", "KIND_NAME"}, {"InternalError", "KIND_INTERNAL"},
      {"NumbaTypeError", "KIND_NUMBA_TYPE"},  // pycells:
      {"NumbaValueError", "KIND_NUMBA_VALUE"},  // flatimag:
      {"LoweringError", "KIND_LOWERING"},  // dtunits:
      {"BoxingError", "KIND_BOXING"},  // pysub4:
      {"PerformanceWarning", "KIND_PERFORMANCE_WARNING"},  // warnings:
      {"TypeSafetyWarning", "KIND_TYPE_SAFETY_WARNING"},
      {"OverloadRequest", "KIND_OVERLOAD_REQUEST"},  // overload:
      {"LiteralRequest", "KIND_LITERAL_REQUEST"}};  // literally:
  ASSERT_EQ(std::size(expected), base::diagnosticKindTable().size());
  for (size_t i = 0; i < std::size(expected); ++i) {
    const base::DiagnosticKindRow& row = base::diagnosticKindTable()[i];
    EXPECT_EQ(row.name, expected[i].first);
    EXPECT_EQ(e->FindValueByName(expected[i].second)->number(), row.proto_value) << row.name;
    compiler::Diagnostic d;
    d.kind = static_cast<compiler::Diagnostic::Kind>(i);
    EXPECT_EQ(static_cast<int>(toProto(d).kind()), row.proto_value);
    EXPECT_STREQ(compiler::kindName(d.kind), expected[i].first);
  }
}

}  // namespace
}  // namespace kiln::server
