// Garbage in, a clear error out: random, truncated and mutated bytecode must
// give a status (or valid IR), never a crash, a hang or IR the verifier rejects.
#include <gtest/gtest.h>

#include <random>

#include "tests/unit/frontend/fixture_helpers.h"
#include "tests/unit/frontend/py311_fixtures.inc"

namespace kiln::frontend::testing {
namespace {

// Builds, and when it succeeds checks the IR is well formed.
void expectErrorOrValidIr(const compiler::CodeObject& code, uint32_t minor) {
  compiler::Bundle bundle = bundleOf(code, minor);
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundle, 0);
  if (fn.ok()) {
    EXPECT_TRUE(ir::verify(**fn).ok()) << ir::verify(**fn) << "\n" << ir::print(**fn);
  } else {
    EXPECT_NE(fn.status().code(), absl::StatusCode::kInternal) << fn.status();
    EXPECT_FALSE(fn.status().message().empty());
  }
  (void)printBytecode(bundle, 0);
}

std::vector<compiler::CodeObject> seeds() {
  return {py311_arith(),   py311_if_else(),    py311_while_loop(), py311_for_range(), py311_call_kw(),
          py311_method(),  py311_unpack(),     py311_ternary_arg(), py311_bool_ops(), py311_subscript(),
          py311_raise_error(), py311_maybe_unbound()};
}

TEST(FrontendRobustness, EveryTruncationIsAnError) {
  for (const compiler::CodeObject& seed : seeds()) {
    for (size_t len = 0; len < seed.code.size(); ++len) {
      compiler::CodeObject c = seed;
      c.code.resize(len);
      compiler::Bundle bundle = bundleOf(c);
      absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundle, 0);
      // Every fixture ends in its only way out, so no prefix is a whole function.
      EXPECT_EQ(fn.status().code(), absl::StatusCode::kInvalidArgument) << seed.name << " len " << len;
    }
  }
}

TEST(FrontendRobustness, MutatedBytecodeNeverCrashes) {
  std::mt19937 rng(1234);
  for (uint32_t minor : {11u, 12u}) {
    for (const compiler::CodeObject& seed : seeds()) {
      for (int trial = 0; trial < 300; ++trial) {
        compiler::CodeObject c = seed;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) c.code[rng() % c.code.size()] = static_cast<char>(rng());
        expectErrorOrValidIr(c, minor);
      }
    }
  }
}

TEST(FrontendRobustness, RandomBytesNeverCrash) {
  std::mt19937 rng(99);
  for (uint32_t minor : {11u, 12u}) {
    for (int trial = 0; trial < 2000; ++trial) {
      compiler::CodeObject c = py311_arith();
      c.code.resize(2 * (rng() % 40));
      for (char& ch : c.code) ch = static_cast<char>(rng());
      // Bias towards real opcodes so the deeper stages are reached too.
      static constexpr uint8_t kCommon[] = {1, 2, 4, 9, 68, 83, 92, 93, 99, 100, 102, 106, 107, 110, 114, 115,
                                            116, 120, 121, 122, 124, 125, 128, 129, 140, 144, 151, 166, 171, 172};
      for (size_t k = 0; k < c.code.size(); k += 2)
        if (rng() % 4 != 0) c.code[k] = static_cast<char>(kCommon[rng() % std::size(kCommon)]);
      for (size_t k = 1; k < c.code.size(); k += 2)
        if (rng() % 2) c.code[k] = static_cast<char>(rng() % 4);
      expectErrorOrValidIr(c, minor);
    }
  }
}

TEST(FrontendRobustness, BadIndicesAndShapesAreInvalidArgument) {
  auto status = [](compiler::CodeObject c) { return buildFunction(bundleOf(c), 0).status(); };
  compiler::CodeObject c = py311_arith();
  c.consts.clear();  // LOAD_CONST 1 now has nothing to load
  EXPECT_EQ(status(c).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status(c).message().find("constant index 1 out of range"), std::string::npos) << status(c);

  c = py311_arith();
  c.varnames = {"a"};  // argcount 2 > 1 local
  EXPECT_EQ(status(c).code(), absl::StatusCode::kInvalidArgument);

  c = py311_for_range();
  c.names.clear();
  EXPECT_EQ(status(c).code(), absl::StatusCode::kInvalidArgument);

  c = py311_arith();
  c.code = fromHex("970001005300");  // RESUME; POP_TOP on an empty stack; RETURN_VALUE
  EXPECT_NE(status(c).message().find("stack underflow"), std::string::npos) << status(c);

  c = py311_arith();
  c.code = fromHex("97006e05");  // JUMP_FORWARD past the end
  EXPECT_NE(status(c).message().find("jumps outside the code"), std::string::npos) << status(c);

  c = py311_arith();
  c.code = fromHex("97006401");  // LOAD_CONST then nothing: falls off the end
  EXPECT_NE(status(c).message().find("falls off the end"), std::string::npos) << status(c);

  c = py311_arith();
  c.code = fromHex("9700740053");  // odd length
  EXPECT_NE(status(c).message().find("odd code length"), std::string::npos) << status(c);

  c = py311_arith();
  c.code = fromHex("9700740153");  // LOAD_GLOBAL's 5 caches run past the end
  c.code.resize(6);
  EXPECT_NE(status(c).message().find("inline caches"), std::string::npos) << status(c);

  // A loop whose stack grows on each trip: PUSH_NULL; JUMP_BACKWARD to it.
  c = py311_arith();
  c.code = fromHex("97000200" "8c02");
  EXPECT_NE(status(c).message().find("stack depths"), std::string::npos) << status(c);
}

}  // namespace
}  // namespace kiln::frontend::testing
