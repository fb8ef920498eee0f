// The driver's pass list and its hooks: order, timings, dumps, verify-each,
// and IR passes fed from text (runPassesOnKir).
#include <gtest/gtest.h>

#include "compiler/driver/compile.h"
#include "compiler/diagnostic.h"
#include "compiler/driver/pipeline.h"
#include "tests/unit/frontend/fixture_helpers.h"
#include "tests/unit/frontend/py311_fixtures.inc"

namespace kiln::compiler {
namespace {

std::vector<std::string> names(const std::vector<std::pair<std::string, double>>& v) {
  std::vector<std::string> out;
  for (const auto& [name, seconds] : v) out.push_back(name);
  return out;
}

TEST(Pipeline, OneListInOrder) {
  std::vector<std::string> got;
  for (const std::unique_ptr<Pass>& p : buildPipeline()) got.push_back(p->name());
  EXPECT_EQ(got, (std::vector<std::string>{"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops", "lowering", "refcount-prune", "optimize",
                                           "codegen", "link"}));
  EXPECT_EQ(kirPassNames(), (std::vector<std::string>{"simplify-block-params", "prune-dead-params"}));
}

TEST(Pipeline, EachEmitRunsThePassesOfItsStagesAndTimesThem) {
  Bundle bundle = frontend::testing::bundleOf(frontend::testing::py311_while_loop());
  CompileRequest request;
  request.bundle = &bundle;
  request.arg_types = {"int64"};
  request.passes.verify_each = true;
  struct Case {
    Emit emit;
    std::vector<std::string> passes;
  };
  for (const Case& c : {Case{Emit::kBytecode, {}}, Case{Emit::kKir, {"frontend", "simplify-block-params", "prune-dead-params"}},
                        Case{Emit::kTyped, {"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops"}},
                        Case{Emit::kLlvm, {"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops", "lowering", "refcount-prune", "optimize"}},
                        Case{Emit::kAsm, {"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops", "lowering", "refcount-prune", "optimize"}},
                        Case{Emit::kBinary, {"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops", "lowering", "refcount-prune", "optimize",
                                             "codegen", "link"}},
                        // packages: the object, before the link
                        Case{Emit::kObject, {"frontend", "simplify-block-params", "prune-dead-params", "typing", "fuse-array-exprs", "parallel-loops", "lowering", "refcount-prune", "optimize",
                                             "codegen"}}}) {
    request.emit = c.emit;
    absl::StatusOr<CompileResult> r = compile(request);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(names(r->stage_seconds), c.passes) << static_cast<int>(c.emit);
    for (const auto& [name, seconds] : r->stage_seconds) EXPECT_GE(seconds, 0.0);
    const bool loadable = c.emit == Emit::kBinary || c.emit == Emit::kObject;
    EXPECT_EQ(loadable, !r->shared_object.empty());
    EXPECT_EQ(loadable ? "kiln_entry" : "", r->entry_symbol);
    if (c.emit == Emit::kObject) {  // ELF, e_type ET_REL
      ASSERT_GE(r->shared_object.size(), 18u);
      EXPECT_EQ(r->shared_object.substr(0, 4), "\x7f" "ELF");
      EXPECT_EQ(r->shared_object[16], 1);
    }
  }
}

TEST(Pipeline, PrintAfterDumpsTheFormOfEachStage) {
  Bundle bundle = frontend::testing::bundleOf(frontend::testing::py311_while_loop());
  CompileRequest request;
  request.bundle = &bundle;
  request.arg_types = {"int64"};
  request.emit = Emit::kBinary;
  request.passes.print_after = {"frontend", "simplify-block-params", "typing", "optimize", "link"};
  absl::StatusOr<CompileResult> r = compile(request);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->dumps.size(), 5u);
  EXPECT_EQ(r->dumps[0].first, "frontend");
  EXPECT_NE(r->dumps[0].second.find("func @"), std::string::npos);
  EXPECT_EQ(r->dumps[0].second.find(": int64"), std::string::npos) << "untyped before typing";
  // The loop header's redundant params are gone after the pass.
  EXPECT_LT(r->dumps[1].second.size(), r->dumps[0].second.size());
  EXPECT_NE(r->dumps[2].second.find(": int64"), std::string::npos);
  EXPECT_NE(r->dumps[3].second.find("define "), std::string::npos);
  EXPECT_EQ(r->dumps[4].second.rfind("; shared object: ", 0), 0u);

  request.passes.print_after = {"all"};
  r = compile(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->dumps.size(), 11u);  // one per pass

  request.passes.print_after = {"typing", "simplify"};
  r = compile(request);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(r.status().message()),
            "--print-after names no pass: 'simplify' (expected all or one of: frontend, simplify-block-params, prune-dead-params, typing, "
            "fuse-array-exprs, parallel-loops, lowering, refcount-prune, optimize, codegen, link)");
}

// A pass that breaks an invariant (drops every terminator).
class DropTerminators final : public Pass {
 public:
  const char* name() const override { return "drop-terminators"; }
  Stage stage() const override { return Stage::kKir; }
  absl::Status run(Compilation& c) override {
    for (ir::Function* f : c.irFunctions())
      for (auto& b : f->blocks)
        if (b->terminator()) b->instrs.pop_back();
    return absl::OkStatus();
  }
};

TEST(Pipeline, VerifyEachNamesThePassThatBrokeTheIr) {
  Bundle bundle = frontend::testing::bundleOf(frontend::testing::py311_while_loop());
  CompileRequest request;
  request.bundle = &bundle;
  Compilation c;
  c.request = &request;
  std::vector<std::unique_ptr<Pass>> passes;
  passes.push_back(std::move(buildPipeline().front()));  // the frontend
  passes.push_back(std::make_unique<DropTerminators>());
  CompileResult result;
  PassOptions verify;
  verify.verify_each = true;
  absl::Status s = runPasses(passes, c, Stage::kKir, verify, result);
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_NE(s.message().find("after pass 'drop-terminators' fails verification"), std::string::npos) << s;
  // Without the hook the broken IR goes through unnoticed.
  Compilation c2;
  c2.request = &request;
  PassOptions no_verify;
  no_verify.verify_each = false;
  EXPECT_TRUE(runPasses(passes, c2, Stage::kKir, no_verify, result).ok());
}

TEST(Pipeline, KirOfEveryFixtureRoundTripsThroughTheParser) {
  using namespace frontend::testing;
  for (const CodeObject& code :
       {py311_arith(), py311_if_else(), py311_while_loop(), py311_for_range(), py311_call_kw(), py311_method(),
        py311_unpack(), py311_ternary_arg(), py311_bool_ops(), py311_none_check(), py311_subscript(),
        py311_raise_error(), py311_maybe_unbound(), py311_chained_compare(), py311_aug_subscript(),
        py311_nested_loops(), py311_while_true_first(), py311_swap_assign()}) {
    const std::string text = kir(code);
    ASSERT_EQ(text.rfind("func @", 0), 0u) << text;
    PassOptions verify;
    verify.verify_each = true;
    absl::StatusOr<CompileResult> again = runPassesOnKir(text, code.name, {}, verify);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_EQ(again->text, text) << code.name;
  }
}

// entry(...) with a global naming bundle function #1 (a **kwargs
// parameter, which the frontend refuses: the kwonly fixture made one).
Bundle withRefusedCallee(compiler::CodeObject entry, const std::string& global) {
  Bundle bundle = frontend::testing::bundleOf(std::move(entry));
  bundle.functions.emplace_back();
  bundle.functions[1].code = frontend::testing::py311_kwonly();
  bundle.functions[1].code.kwonlyargcount = 0;
  bundle.functions[1].code.flags |= 0x8;  // CO_VARKEYWORDS
  GlobalRef g;
  g.name = global;
  g.kind = GlobalRef::Kind::kFunction;
  g.function_index = 1;
  bundle.functions[0].globals.push_back(g);
  return bundle;
}

TEST(Pipeline, ACalleesFrontendErrorIsReportedWhereItIsCalled) {
  // for_range's `range(n)` names function #1 here.
  Bundle bundle = withRefusedCallee(frontend::testing::py311_for_range(), "range");
  CompileRequest request;
  request.bundle = &bundle;
  request.arg_types = {"int64"};
  request.emit = Emit::kTyped;
  request.passes.print_after = {"frontend"};
  absl::StatusOr<CompileResult> r = compile(request);
  ASSERT_FALSE(r.ok());
  std::optional<Diagnostic> d = diagnosticOf(r.status());
  ASSERT_TRUE(d.has_value()) << r.status();
  EXPECT_EQ(d->message, "**kwargs parameters are not supported");
  EXPECT_EQ(d->function, "kwonly");

  // --emit=kir shows the entry alone and does not fail on the callee.
  request.emit = Emit::kKir;
  r = compile(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text.rfind("func @for_range(", 0), 0u) << r->text;
}

TEST(Pipeline, AFunctionNoOneCallsIsNeverReported) {
  Bundle bundle = withRefusedCallee(frontend::testing::py311_arith(), "unused");
  CompileRequest request;
  request.bundle = &bundle;
  request.arg_types = {"int64", "int64"};
  request.emit = Emit::kBinary;
  absl::StatusOr<CompileResult> r = compile(request);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->shared_object.empty());
}

TEST(Pipeline, SupportedVersionsAreTheFrontendsTables) {
  EXPECT_EQ(supportedPythonVersions(), frontend::supportedPythonVersions());
}

constexpr char kRedundantParam[] = R"(func @f(%0 n) {
bb0(%0):
  jump bb1(%0)
bb1(%1):
  %2 = truth %1
  branch %2, bb1(%1), bb2()
bb2():
  return %1
}
)";

TEST(RunPassesOnKir, RunsTheNamedPass) {
  absl::StatusOr<CompileResult> same = runPassesOnKir(kRedundantParam, "t.kir", {}, PassOptions{});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(same->text, kRedundantParam);
  absl::StatusOr<CompileResult> r = runPassesOnKir(kRedundantParam, "t.kir", {"simplify-block-params"}, PassOptions{});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, R"(func @f(%0 n) {
bb0(%0):
  jump bb1()
bb1():
  %1 = truth %0
  branch %1, bb1(), bb2()
bb2():
  return %0
}
)");
  EXPECT_EQ(names(r->stage_seconds), (std::vector<std::string>{"simplify-block-params"}));
}

TEST(RunPassesOnKir, UnknownPassListsTheKnownOnes) {
  absl::StatusOr<CompileResult> r = runPassesOnKir(kRedundantParam, "t.kir", {"typing"}, PassOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "unknown Kiln IR pass 'typing' (expected one of: simplify-block-params, prune-dead-params)");
}

TEST(RunPassesOnKir, VerifyEachRejectsInvalidInput) {
  constexpr char kBad[] = "func @f(%0 x) {\nbb0(%0):\n  jump bb1(%0)\nbb1():\n  return %0\n}\n";
  PassOptions verify;
  verify.verify_each = true;
  absl::StatusOr<CompileResult> r = runPassesOnKir(kBad, "t.kir", {"simplify-block-params"}, verify);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("t.kir: @f is not valid Kiln IR"), std::string::npos) << r.status();
}

}  // namespace
}  // namespace kiln::compiler
